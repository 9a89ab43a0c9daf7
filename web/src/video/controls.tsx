// The bar under the call: microphone, camera, screen, hand, chat, people, leave. Keyboard: M mutes,
// V turns the camera on or off (outside text fields).
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { useApp } from "../context.tsx";
import { cx } from "../components/ui.tsx";
import type { VideoCall } from "./call.ts";
import { IconCamera, IconCameraOff, IconChat, IconHand, IconMic, IconMicOff, IconPhoneOff, IconScreen, IconUsers } from "./icons.tsx";
import { canShareScreen } from "./media.ts";

export type Panel = "chat" | "people" | "settings" | null;

function ControlButton({
  label,
  pressed,
  off,
  danger,
  onClick,
  badge,
  name,
  children,
}: {
  label: string;
  pressed?: boolean;
  off?: boolean;
  danger?: boolean;
  onClick: () => void;
  badge?: number;
  name: string;
  children: ComponentChildren;
}) {
  return (
    <button
      type="button"
      class={cx("video-ctl", off && "is-off", pressed && "is-on", danger && "is-danger")}
      aria-label={label}
      title={label}
      aria-pressed={pressed === undefined ? undefined : pressed ? "true" : "false"}
      data-control={name}
      onClick={onClick}
    >
      {children}
      {!!badge && (
        <span class="video-ctl-badge" aria-hidden="true">
          {badge > 9 ? "9+" : badge}
        </span>
      )}
    </button>
  );
}

export function Controls({ call, panel, setPanel }: { call: VideoCall; panel: Panel; setPanel: (p: Panel) => void }) {
  const { t } = useApp();
  const micOn = call.micOn && !!call.mic;
  const camOn = call.camOn && !!call.camera;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
      if (e.key === "m" || e.key === "M") void call.setMic(!(call.micOn && !!call.mic));
      else if (e.key === "v" || e.key === "V") void call.setCamera(!(call.camOn && !!call.camera));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [call]);

  return (
    <div class="video-controls" role="toolbar" aria-label={t("video.controls")}>
      <ControlButton name="mic" label={micOn ? t("video.ctl.mute") : t("video.ctl.unmute")} off={!micOn} onClick={() => void call.setMic(!micOn)}>
        {micOn ? <IconMic size={22} /> : <IconMicOff size={22} />}
      </ControlButton>
      <ControlButton name="camera" label={camOn ? t("video.ctl.cameraOff") : t("video.ctl.cameraOn")} off={!camOn} onClick={() => void call.setCamera(!camOn)}>
        {camOn ? <IconCamera size={22} /> : <IconCameraOff size={22} />}
      </ControlButton>
      {canShareScreen() && (
        <ControlButton
          name="screen"
          label={call.screen ? t("video.ctl.stopShare") : t("video.ctl.share")}
          pressed={!!call.screen}
          onClick={() => void (call.screen ? call.stopScreen() : call.startScreen())}
        >
          <IconScreen size={22} />
        </ControlButton>
      )}
      <ControlButton name="hand" label={call.hand ? t("video.ctl.lowerHand") : t("video.ctl.raiseHand")} pressed={call.hand} onClick={() => call.setHand(!call.hand)}>
        <IconHand size={22} />
      </ControlButton>
      <ControlButton
        name="chat"
        label={t("video.ctl.chat")}
        pressed={panel === "chat"}
        badge={panel === "chat" ? 0 : call.unread}
        onClick={() => setPanel(panel === "chat" ? null : "chat")}
      >
        <IconChat size={22} />
      </ControlButton>
      <ControlButton
        name="people"
        label={t("video.ctl.people")}
        pressed={panel === "people"}
        badge={call.moderator ? call.knocks.size : 0}
        onClick={() => setPanel(panel === "people" ? null : "people")}
      >
        <IconUsers size={22} />
      </ControlButton>
      <ControlButton name="leave" label={t("video.ctl.leave")} danger onClick={() => call.leave()}>
        <IconPhoneOff size={22} />
      </ControlButton>
    </div>
  );
}
