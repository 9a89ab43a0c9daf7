// Setting one's custom status (crates/chat/src/status.rs): a suggestion or one's own emoji and
// words, cleared after a while or never.
import { useState } from "preact/hooks";
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { api, errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { Button, TextField } from "../components/ui.tsx";
import type { MessageKey } from "../i18n/index.ts";
import { useChat } from "./ctx.tsx";
import { Modal } from "./menu.tsx";
import type { ChatStatus } from "./types.ts";

const SUGGESTIONS: { emoji: string; key: MessageKey; minutes: number | null }[] = [
  { emoji: "📅", key: "chat.status.meeting", minutes: 60 },
  { emoji: "🏠", key: "chat.status.home", minutes: null },
  { emoji: "🤒", key: "chat.status.sick", minutes: 1440 },
  { emoji: "🌴", key: "chat.status.holiday", minutes: null },
];
const DURATIONS: { minutes: number | null; key: MessageKey }[] = [
  { minutes: 30, key: "chat.status.for30m" },
  { minutes: 60, key: "chat.status.for1h" },
  { minutes: 240, key: "chat.status.for4h" },
  { minutes: 1440, key: "chat.status.for1d" },
  { minutes: 10080, key: "chat.status.for1w" },
  { minutes: null, key: "chat.status.forever" },
];

export function StatusDialog({ onClose }: { onClose: () => void }) {
  const { t } = useApp();
  const { store, meId } = useChat();
  const current: ChatStatus | null | undefined = store.state.statuses[meId];
  const [emoji, setEmoji] = useState(current?.emoji ?? "💬");
  const [text, setText] = useState(current?.text ?? "");
  const [minutes, setMinutes] = useState<number | null>(null);
  const { busy, error, run } = useSubmit();
  const save = (body: { emoji: string; text: string; minutes: number | null }) =>
    run(async () => {
      // The server tells every tab of mine (and my team peers) through the chat topic.
      await api.put("/api/v1/chat/status", { emoji: body.emoji, text: body.text, ...(body.minutes ? { minutes: body.minutes } : {}) });
      onClose();
      return STAY_BUSY;
    });
  const clear = () =>
    run(async () => {
      await api.del("/api/v1/chat/status");
      onClose();
      return STAY_BUSY;
    });
  return (
    <Modal title={t("chat.status.title")} onClose={onClose}>
      <ul class="chat-status-suggestions">
        {SUGGESTIONS.map((s) => (
          <li key={s.emoji}>
            <button type="button" class="chat-status-suggestion" onClick={() => save({ emoji: s.emoji, text: t(s.key), minutes: s.minutes })} disabled={busy}>
              <span aria-hidden="true">{s.emoji}</span> {t(s.key)}
            </button>
          </li>
        ))}
      </ul>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          void save({ emoji, text: text.trim(), minutes });
        }}
      >
        <div class="row-actions">
          <TextField label={t("chat.status.emoji")} value={emoji} onValue={setEmoji} maxLength={16} class="chat-status-emoji" />
          <TextField label={t("chat.status.text")} value={text} onValue={setText} maxLength={100} />
        </div>
        <div class="field field-compact">
          <label for="chat-status-for" class="field-label">
            {t("chat.status.clearAfter")}
          </label>
          <select
            id="chat-status-for"
            class="select"
            value={minutes === null ? "" : String(minutes)}
            onChange={(e) => setMinutes((e.currentTarget as HTMLSelectElement).value ? Number((e.currentTarget as HTMLSelectElement).value) : null)}
          >
            {DURATIONS.map((d) => (
              <option key={d.key} value={d.minutes === null ? "" : String(d.minutes)}>
                {t(d.key)}
              </option>
            ))}
          </select>
        </div>
        {error ? <p class="field-error">{errorText(t, error)}</p> : null}
        <div class="dialog-actions">
          <Button variant="ghost" onClick={clear} disabled={busy}>
            {t("chat.status.clear")}
          </Button>
          <Button type="submit" loading={busy}>
            {t("common.save")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
