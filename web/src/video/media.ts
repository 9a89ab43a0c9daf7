// The local camera, microphone and screen: getUserMedia / getDisplayMedia with the chosen devices,
// and the device lists. No UI here.

export type DeviceKind = "audioinput" | "videoinput" | "audiooutput";

export interface Devices {
  audioinput: MediaDeviceInfo[];
  videoinput: MediaDeviceInfo[];
}

export function hasMediaDevices(): boolean {
  return typeof navigator !== "undefined" && !!navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === "function";
}

export function canShareScreen(): boolean {
  return hasMediaDevices() && typeof navigator.mediaDevices.getDisplayMedia === "function";
}

/** The cameras and microphones (labels appear once a permission was given). */
export async function listDevices(): Promise<Devices> {
  if (!hasMediaDevices() || typeof navigator.mediaDevices.enumerateDevices !== "function") return { audioinput: [], videoinput: [] };
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    audioinput: all.filter((d) => d.kind === "audioinput" && d.deviceId),
    videoinput: all.filter((d) => d.kind === "videoinput" && d.deviceId),
  };
}

const VIDEO: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
const AUDIO: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** One microphone track. */
export async function openMic(deviceId: string | null): Promise<MediaStreamTrack> {
  const s = await navigator.mediaDevices.getUserMedia({ audio: deviceId ? { ...AUDIO, deviceId: { exact: deviceId } } : AUDIO, video: false });
  const t = s.getAudioTracks()[0];
  if (!t) throw new Error("no microphone track");
  return t;
}

/** Microphone and camera in one request (one permission prompt). */
export async function openBoth(micId: string | null, camId: string | null): Promise<{ mic: MediaStreamTrack; camera: MediaStreamTrack }> {
  const s = await navigator.mediaDevices.getUserMedia({
    audio: micId ? { ...AUDIO, deviceId: { exact: micId } } : AUDIO,
    video: camId ? { ...VIDEO, deviceId: { exact: camId } } : VIDEO,
  });
  const mic = s.getAudioTracks()[0];
  const camera = s.getVideoTracks()[0];
  if (!mic || !camera) {
    for (const t of s.getTracks()) t.stop();
    throw new Error("a device is missing");
  }
  camera.contentHint = "motion";
  return { mic, camera };
}

export async function openCamera(deviceId: string | null): Promise<MediaStreamTrack> {
  const s = await navigator.mediaDevices.getUserMedia({ audio: false, video: deviceId ? { ...VIDEO, deviceId: { exact: deviceId } } : VIDEO });
  const t = s.getVideoTracks()[0];
  if (!t) throw new Error("no camera track");
  t.contentHint = "motion";
  return t;
}

export async function openScreen(): Promise<MediaStreamTrack> {
  const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
  const t = s.getVideoTracks()[0];
  if (!t) throw new Error("no screen track");
  t.contentHint = "detail";
  return t;
}

/** Why a device could not be opened, as a message key suffix. */
export function mediaErrorKind(e: unknown): "denied" | "notFound" | "busy" | "other" {
  const name = e instanceof DOMException || e instanceof Error ? e.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "denied";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "notFound";
  if (name === "NotReadableError" || name === "AbortError") return "busy";
  return "other";
}
