// Readings from WebRTC statistics: my connection quality and who is speaking. The rules that judge
// the numbers are plain functions in layout.ts (qualityLevel, chooseSpeaker).
import { type QualitySample, qualityLevel } from "./layout.ts";
import type { Quality } from "./types.ts";

type Stat = Record<string, unknown> & { type: string };

/**
 * My connection quality from one getStats(): loss and round trip of what I send (the server's
 * receiver reports), the round trip and usable bitrate of the selected candidate pair. Null when
 * the statistics could not be read.
 */
export async function readQuality(pc: RTCPeerConnection, sendingVideo: boolean): Promise<Quality | null> {
  let report: RTCStatsReport;
  try {
    report = await pc.getStats();
  } catch {
    return null;
  }
  return qualityLevel(qualitySample(report, sendingVideo));
}

/** The numbers of a stats report that qualityLevel judges. */
export function qualitySample(report: { forEach(cb: (s: Stat) => void): void }, sendingVideo: boolean): QualitySample {
  let lost: number | null = null;
  let rtt: number | null = null;
  let rate: number | null = null;
  report.forEach((s: Stat) => {
    if (s.type === "remote-inbound-rtp") {
      if (typeof s.fractionLost === "number") lost = Math.max(lost ?? 0, s.fractionLost);
      if (typeof s.roundTripTime === "number") rtt = Math.max(rtt ?? 0, s.roundTripTime);
    } else if (s.type === "candidate-pair" && (s.nominated === true || s.selected === true) && s.state === "succeeded") {
      if (typeof s.currentRoundTripTime === "number" && rtt === null) rtt = s.currentRoundTripTime;
      if (typeof s.availableOutgoingBitrate === "number") rate = s.availableOutgoingBitrate;
    }
  });
  return { fractionLost: lost, rtt, availableOutgoingBitrate: rate, sendingVideo };
}

/**
 * Audio levels (0–1) by participant: remote microphones from their receivers (the RTP audio-level
 * extension when packets carry one, else the decoder's inbound-rtp level), mine from the
 * microphone sender's media-source.
 */
export async function readLevels(mics: Iterable<[string, RTCRtpReceiver]>, mine: { id: string; sender: RTCRtpSender } | null): Promise<Map<string, number>> {
  const levels = new Map<string, number>();
  for (const [pid, receiver] of mics) {
    const src = receiver.getSynchronizationSources?.()[0];
    if (src && typeof src.audioLevel === "number") {
      levels.set(pid, src.audioLevel);
      continue;
    }
    try {
      (await receiver.getStats()).forEach((s: Stat) => {
        if (s.type === "inbound-rtp" && typeof s.audioLevel === "number") levels.set(pid, s.audioLevel);
      });
    } catch {
      /* no level this time */
    }
  }
  if (mine) {
    try {
      (await mine.sender.getStats()).forEach((s: Stat) => {
        if (s.type === "media-source" && s.kind === "audio" && typeof s.audioLevel === "number") levels.set(mine.id, s.audioLevel);
      });
    } catch {
      /* no level this time */
    }
  }
  return levels;
}
