// The participant list: who is here (muted, hand raised, connection), the lobby and the moderator's
// actions (admit/reject, mute, remove, lock the room, change its settings, as Jitsi's security
// options do in the call), and the link to share.
import { useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { Badge, CopyField, useConfirm } from "../components/ui.tsx";
import type { VideoCall } from "./call.ts";
import { IconClose, IconHand, IconLock, IconMicOff, IconRemove, IconSettings, IconUnlock } from "./icons.tsx";
import { RoomSettingsForm } from "./room-settings.tsx";
import { roomPage } from "./api.ts";
import { PersonAvatar, QualityDot } from "./tiles.tsx";

export function PeoplePanel({ call, onClose }: { call: VideoCall; onClose: () => void }) {
  const { t } = useApp();
  const [dialog, confirm] = useConfirm();
  const [editing, setEditing] = useState(false);
  const people = [...call.people.values()].sort((a, b) => Number(b.id === call.selfId) - Number(a.id === call.selfId) || Number(b.hand) - Number(a.hand));
  const locked = !!call.room?.locked;
  const link = `${location.origin}${roomPage(call.roomId)}`;

  return (
    <section class="video-panel video-people" aria-labelledby="video-people-title">
      <header class="video-panel-head">
        <h2 id="video-people-title">{t("video.people.title", { count: people.length })}</h2>
        <button type="button" class="icon-btn" aria-label={t("video.panel.close")} title={t("video.panel.close")} onClick={onClose}>
          <IconClose size={18} />
        </button>
      </header>
      <div class="video-panel-body">
        {call.moderator && call.knocks.size > 0 && (
          <div class="video-lobby" aria-labelledby="video-lobby-title">
            <h3 id="video-lobby-title">{t("video.people.lobby")}</h3>
            <ul class="video-people-list">
              {[...call.knocks.values()].map((k) => (
                <li key={k.id} class="video-person" data-knock={k.id}>
                  <PersonAvatar p={k} size="sm" />
                  <span class="video-person-name">{k.name}</span>
                  <span class="video-person-actions">
                    <button type="button" class="btn btn-primary btn-sm" onClick={() => call.admit(k.id)}>
                      {t("video.people.admit")}
                    </button>
                    <button type="button" class="btn btn-ghost btn-sm" onClick={() => call.reject(k.id)}>
                      {t("video.people.reject")}
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          </div>
        )}
        <ul class="video-people-list">
          {people.map((p) => {
            const me = p.id === call.selfId;
            return (
              <li key={p.id} class="video-person" data-person={p.id}>
                <PersonAvatar p={p} size="sm" />
                <span class="video-person-name">
                  {me ? t("video.tile.you", { name: p.name }) : p.name}
                  {p.moderator && <Badge tone="accent">{t("video.people.moderator")}</Badge>}
                  {!p.connected && <Badge tone="warning">{t("video.tile.away")}</Badge>}
                </span>
                <span class="video-person-state">
                  {p.hand && (
                    <span class="video-hand-sm" role="img" aria-label={t("video.tile.hand")} title={t("video.tile.hand")}>
                      <IconHand size={16} />
                    </span>
                  )}
                  {!(me ? call.micOn : p.audio) && (
                    <span role="img" aria-label={t("video.tile.muted")} title={t("video.tile.muted")}>
                      <IconMicOff size={16} />
                    </span>
                  )}
                  <QualityDot quality={me ? call.quality : p.quality} />
                </span>
                {call.moderator && !me && (
                  <span class="video-person-actions">
                    {p.audio && (
                      <button
                        type="button"
                        class="icon-btn"
                        aria-label={t("video.people.muteNamed", { name: p.name })}
                        title={t("video.people.mute")}
                        data-action="mute"
                        onClick={() => call.muteOther(p.id)}
                      >
                        <IconMicOff size={16} />
                      </button>
                    )}
                    <button
                      type="button"
                      class="icon-btn video-danger"
                      aria-label={t("video.people.removeNamed", { name: p.name })}
                      title={t("video.people.remove")}
                      data-action="remove"
                      onClick={async () => {
                        if (
                          await confirm({
                            title: t("video.people.removeTitle", { name: p.name }),
                            body: t("video.people.removeBody"),
                            confirmLabel: t("video.people.remove"),
                            danger: true,
                          })
                        )
                          call.remove(p.id);
                      }}
                    >
                      <IconRemove size={16} />
                    </button>
                  </span>
                )}
              </li>
            );
          })}
        </ul>
        {call.moderator && (
          <button type="button" class="btn btn-secondary btn-block video-lock" aria-pressed={locked ? "true" : "false"} onClick={() => call.lock(!locked)}>
            {locked ? <IconUnlock size={16} /> : <IconLock size={16} />}
            {locked ? t("video.people.unlock") : t("video.people.lock")}
          </button>
        )}
        {locked && <p class="muted small">{t("video.people.lockedNote")}</p>}
        {call.moderator &&
          call.room &&
          (editing ? (
            // Saved settings come back to everyone in the call as a new `room` frame.
            <RoomSettingsForm room={call.room} onSaved={() => setEditing(false)} onCancel={() => setEditing(false)} />
          ) : (
            <button type="button" class="btn btn-secondary btn-block video-room-settings-open" aria-expanded="false" onClick={() => setEditing(true)}>
              <IconSettings size={16} />
              {t("video.mine.settings")}
            </button>
          ))}
        <CopyField label={t("video.link")} value={link} />
      </div>
      {dialog}
    </section>
  );
}
