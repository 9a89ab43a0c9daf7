// One tile of the call (a person's camera, or a shared screen) and the hidden players of remote
// microphones. Remote video tiles tell the call when they leave the viewport (paused forwarding).
import { useEffect, useRef } from "preact/hooks";
import { useApp } from "../context.tsx";
import { cx, initials } from "../components/ui.tsx";
import type { VideoCall } from "./call.ts";
import { useMediaStream } from "./hooks.ts";
import { IconHand, IconMicOff } from "./icons.tsx";
import type { Participant, Quality } from "./types.ts";

const PALETTE = ["#5b5bd6", "#be185d", "#15803d", "#c2410c", "#2563eb", "#7c3aed", "#0f766e", "#b45309"];

/** A stable colour class for someone's avatar (no inline style: colours live in video.css). */
export function colorIndex(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % PALETTE.length;
}

export function QualityDot({ quality }: { quality: Quality }) {
  const { t } = useApp();
  const label = t(`video.quality.${quality}`);
  return <span class={cx("video-quality", `q-${quality}`)} role="img" aria-label={label} title={label} data-quality={quality} />;
}

export function PersonAvatar({ p, size = "md" }: { p: { id: string; name: string }; size?: "sm" | "md" | "lg" }) {
  return (
    <span class={cx("video-avatar", `video-avatar-${size}`, `c${colorIndex(p.id)}`)} aria-hidden="true">
      {initials(p.name)}
    </span>
  );
}

export function Tile({
  call,
  p,
  source,
  isSelf,
  speaking,
  stage,
}: {
  call: VideoCall;
  p: Participant;
  source: "camera" | "screen";
  isSelf: boolean;
  speaking: boolean;
  stage?: boolean;
}) {
  const { t } = useApp();
  const stream = isSelf ? (source === "camera" ? call.cameraPreview : call.screenPreview) : call.stream(p.id, source);
  const showVideo = !!stream && (source === "screen" || (isSelf ? call.camOn : p.video));
  const videoRef = useMediaStream<HTMLVideoElement>(showVideo ? stream : null);
  const tileRef = useRef<HTMLDivElement>(null);

  // Off-screen remote videos are not forwarded (the server stops sending them to me).
  useEffect(() => {
    const el = tileRef.current;
    if (isSelf || !el || typeof IntersectionObserver !== "function") return;
    const io = new IntersectionObserver(
      (entries) => {
        const e = entries[entries.length - 1];
        if (e) call.setTileVisible(p.id, source, e.isIntersecting);
      },
      { threshold: 0.01 },
    );
    io.observe(el);
    return () => io.disconnect();
  }, [call, p.id, source, isSelf]);

  // A remote camera that stops showing new frames (lost packets, no keyframe yet) is restarted.
  useEffect(() => {
    if (isSelf || !showVideo) return;
    let last = -1;
    let still = 0;
    const id = setInterval(() => {
      const v = videoRef.current;
      if (!v || document.hidden) return;
      const frames = typeof v.getVideoPlaybackQuality === "function" ? v.getVideoPlaybackQuality().totalVideoFrames : v.videoWidth > 0 ? last + 1 : last;
      still = frames === last ? still + 1 : 0;
      last = frames;
      // A still screen may legitimately send no new frame: only one that never showed is restarted.
      if (still >= 2 && (source === "camera" || frames === 0)) {
        still = 0;
        call.nudge(p.id, source);
      }
    }, 1500);
    return () => clearInterval(id);
  }, [call, p.id, source, isSelf, showVideo]);

  const muted = isSelf ? !call.micOn : !p.audio;
  const name = source === "screen" ? (isSelf ? t("video.tile.myScreen") : t("video.tile.screenOf", { name: p.name })) : isSelf ? t("video.tile.you", { name: p.name }) : p.name;
  const quality = isSelf ? call.quality : p.quality;
  return (
    <div
      ref={tileRef}
      class={cx("video-tile", source === "screen" && "is-screen", speaking && "is-speaking", stage && "is-stage", !p.connected && "is-away")}
      data-participant={p.id}
      data-source={source}
      data-self={isSelf ? "true" : undefined}
      data-muted={muted ? "true" : "false"}
      data-speaking={speaking ? "true" : "false"}
      data-hand={p.hand ? "true" : "false"}
      data-video={showVideo ? "true" : "false"}
    >
      {showVideo ? (
        <video ref={videoRef} class={cx("video-media", isSelf && source === "camera" && "is-mirrored", source === "screen" && "is-contain")} autoplay playsInline muted />
      ) : (
        <div class="video-tile-empty">
          <PersonAvatar p={p} size="lg" />
        </div>
      )}
      <div class="video-tile-top">
        {source === "camera" && p.hand && (
          <span class="video-hand" role="img" aria-label={t("video.tile.hand")} title={t("video.tile.hand")}>
            <IconHand size={18} />
          </span>
        )}
        {source === "camera" && <QualityDot quality={quality} />}
      </div>
      <div class="video-tile-label">
        {source === "camera" && muted && (
          <span class="video-muted-icon" role="img" aria-label={t("video.tile.muted")} title={t("video.tile.muted")}>
            <IconMicOff size={14} />
          </span>
        )}
        <span class="video-tile-name">{name}</span>
        {!p.connected && <span class="video-tile-away">{t("video.tile.away")}</span>}
      </div>
    </div>
  );
}

/** Plays a remote microphone (the element is hidden; the video elements are muted). */
export function RemoteAudio({ call, p }: { call: VideoCall; p: Participant }) {
  const stream = call.stream(p.id, "mic");
  const ref = useMediaStream<HTMLAudioElement>(stream);
  if (!stream) return null;
  return <audio ref={ref} class="video-audio" data-participant={p.id} autoplay />;
}
