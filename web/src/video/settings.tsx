// In-call settings: which microphone and camera to use.
import { useEffect } from "preact/hooks";
import { useApp } from "../context.tsx";
import type { VideoCall } from "./call.ts";
import { IconClose } from "./icons.tsx";
import { DeviceSelect } from "./prejoin.tsx";

export function SettingsPanel({ call, onClose }: { call: VideoCall; onClose: () => void }) {
  const { t } = useApp();
  useEffect(() => {
    void call.refreshDevices();
  }, [call]);
  const none = call.devices.audioinput.length === 0 && call.devices.videoinput.length === 0;
  return (
    <section class="video-panel video-settings" aria-labelledby="video-settings-title">
      <header class="video-panel-head">
        <h2 id="video-settings-title">{t("video.settings.title")}</h2>
        <button type="button" class="icon-btn" aria-label={t("video.panel.close")} title={t("video.panel.close")} onClick={onClose}>
          <IconClose size={18} />
        </button>
      </header>
      <div class="video-panel-body">
        <DeviceSelect call={call} kind="audioinput" label={t("video.prejoin.microphone")} value={call.micId} />
        <DeviceSelect call={call} kind="videoinput" label={t("video.prejoin.camera")} value={call.camId} />
        {none && <p class="muted small">{t("video.settings.noDevices")}</p>}
        {call.micError && <p class="muted small">{t(`video.media.mic.${call.micError}`)}</p>}
        {call.camError && <p class="muted small">{t(`video.media.${call.camError}`)}</p>}
      </div>
    </section>
  );
}
