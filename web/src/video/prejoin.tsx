// Before joining: my name, a preview of my camera with the microphone and camera toggles and the
// device choice, the password of a protected room, and who is already in the call.
import { useEffect, useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { Alert, Button, CopyField, TextField, cx } from "../components/ui.tsx";
import { getItem, setItem } from "../storage.ts";
import type { VideoCall } from "./call.ts";
import { useMediaStream } from "./hooks.ts";
import { IconCamera, IconCameraOff, IconLock, IconMic, IconMicOff } from "./icons.tsx";
import { roomPage } from "./api.ts";
import { NAME_MAX } from "./signalling.ts";
import { PersonAvatar } from "./tiles.tsx";
import { StarButton } from "../favourites.tsx";

export const NAME_KEY = "nichoir.video.name";

/** The name to prefill: the last one typed on this browser, else the account's. */
export function initialName(account: string | null): string {
  return getItem(NAME_KEY) || account || "";
}

const DENIED_KEYS = {
  password: "video.denied.password",
  full: "video.denied.full",
  locked: "video.denied.locked",
  rejected: "video.denied.rejected",
} as const;

export function PreJoin({ call }: { call: VideoCall }) {
  const { t } = useApp();
  const room = call.room;
  const [name, setName] = useState(call.name);
  const [password, setPassword] = useState(call.password);
  const [tried, setTried] = useState(false);
  const preview = useMediaStream<HTMLVideoElement>(call.cameraPreview);

  useEffect(() => {
    void call.startPreview();
  }, [call]);

  const nameError = tried && !name.trim() ? t("video.prejoin.nameRequired") : null;
  const wrongPassword = call.denied === "password";
  const deniedKey = call.denied && call.denied !== "password" ? DENIED_KEYS[call.denied as keyof typeof DENIED_KEYS] : undefined;
  const joining = call.phase === "joining";
  const here = call.others;
  const micOn = call.micOn && !!call.mic;
  const camOn = call.camOn && !!call.camera;

  const join = (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (!name.trim()) return;
    setItem(NAME_KEY, name.trim());
    call.join(name.trim().slice(0, NAME_MAX), password);
  };

  return (
    <div class="container page video-prejoin">
      <div class="video-prejoin-media">
        <div class={cx("video-preview", camOn && "has-video")} data-preview={camOn ? "camera" : "off"}>
          {camOn ? (
            <video ref={preview} class="video-media is-mirrored" autoplay playsInline muted />
          ) : (
            <div class="video-preview-off">
              <PersonAvatar p={{ id: name || "?", name: name || "?" }} size="lg" />
              <span>{call.camError ? t(`video.media.${call.camError}`) : t("video.prejoin.cameraIsOff")}</span>
            </div>
          )}
          <div class="video-preview-controls">
            <button
              type="button"
              class={cx("video-ctl", !micOn && "is-off")}
              aria-label={micOn ? t("video.ctl.mute") : t("video.ctl.unmute")}
              title={micOn ? t("video.ctl.mute") : t("video.ctl.unmute")}
              data-control="mic"
              onClick={() => void call.setMic(!micOn)}
            >
              {micOn ? <IconMic size={22} /> : <IconMicOff size={22} />}
            </button>
            <button
              type="button"
              class={cx("video-ctl", !camOn && "is-off")}
              aria-label={camOn ? t("video.ctl.cameraOff") : t("video.ctl.cameraOn")}
              title={camOn ? t("video.ctl.cameraOff") : t("video.ctl.cameraOn")}
              data-control="camera"
              onClick={() => void call.setCamera(!camOn)}
            >
              {camOn ? <IconCamera size={22} /> : <IconCameraOff size={22} />}
            </button>
          </div>
        </div>
        {call.micError && <p class="muted small video-media-error">{t(`video.media.mic.${call.micError}`)}</p>}
        <div class="video-devices">
          <DeviceSelect call={call} kind="audioinput" label={t("video.prejoin.microphone")} value={call.micId} />
          <DeviceSelect call={call} kind="videoinput" label={t("video.prejoin.camera")} value={call.camId} />
        </div>
      </div>

      <form class="card video-prejoin-form" onSubmit={join} noValidate>
        <div class="video-prejoin-head">
          <h1 class="video-prejoin-title">{room?.title || call.roomId}</h1>
          <StarButton kind="video_room" id={call.roomId} />
        </div>
        {room?.title && <p class="muted mono small">{call.roomId}</p>}
        <p class="video-here" data-here={here.length}>
          {here.length === 0 ? (
            t("video.prejoin.nobody")
          ) : (
            <>
              <span class="video-here-faces" aria-hidden="true">
                {here.slice(0, 5).map((p) => (
                  <PersonAvatar key={p.id} p={p} size="sm" />
                ))}
              </span>
              <span>
                {here.length === 1
                  ? t("video.prejoin.hereOne", { names: here[0]?.name ?? "" })
                  : t("video.prejoin.hereMany", {
                      count: here.length,
                      names: here
                        .slice(0, 3)
                        .map((p) => p.name)
                        .join(", "),
                    })}
              </span>
            </>
          )}
        </p>
        {deniedKey && <Alert kind="warning">{t(deniedKey)}</Alert>}
        {call.gone && <Alert kind="error">{t("video.gone")}</Alert>}
        <TextField label={t("video.prejoin.name")} value={name} onValue={setName} name="name" autocomplete="name" maxLength={NAME_MAX} error={nameError} required />
        {(room?.protected || wrongPassword) && (
          <TextField
            label={t("video.prejoin.password")}
            type="password"
            name="password"
            autocomplete="off"
            value={password}
            onValue={setPassword}
            error={wrongPassword ? t("video.denied.password") : null}
            hint={t("video.prejoin.passwordHint")}
          />
        )}
        {room?.lobby && !room.moderator && <p class="muted small">{t("video.prejoin.lobbyNote")}</p>}
        {room?.locked && (
          <p class="muted small video-locked-note">
            <IconLock size={14} /> {t("video.prejoin.lockedNote")}
          </p>
        )}
        <Button type="submit" class="btn-block video-join" loading={joining} disabled={!call.connected}>
          {t("video.prejoin.join")}
        </Button>
        {!call.connected && <p class="muted small">{t("video.connecting")}</p>}
        <CopyField label={t("video.link")} value={`${location.origin}${roomPage(call.roomId)}`} />
      </form>
    </div>
  );
}

export function DeviceSelect({ call, kind, label, value }: { call: VideoCall; kind: "audioinput" | "videoinput"; label: string; value: string | null }) {
  const { t } = useApp();
  const list = call.devices[kind];
  if (list.length < 1) return null;
  return (
    <label class="field video-device">
      <span class="field-label">{label}</span>
      <select class="select" value={value ?? list[0]?.deviceId ?? ""} onChange={(e) => void call.chooseDevice(kind, (e.currentTarget as HTMLSelectElement).value)}>
        {list.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || t(kind === "audioinput" ? "video.prejoin.micN" : "video.prejoin.cameraN", { n: i + 1 })}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The lobby: waiting for a moderator to let me in. */
export function Waiting({ call }: { call: VideoCall }) {
  const { t } = useApp();
  return (
    <div class="container page page-narrow video-waiting">
      <div class="card video-center-card" data-phase="waiting">
        <span class="spinner" aria-hidden="true" />
        <h1>{t("video.waiting.title")}</h1>
        <p class="muted">{t("video.waiting.body")}</p>
        <Button variant="secondary" onClick={() => call.leave()}>
          {t("video.waiting.cancel")}
        </Button>
      </div>
    </div>
  );
}
