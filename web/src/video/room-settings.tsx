// The owner changes a room after creating it (title, password, lobby, capacity), as Jitsi's
// moderators add a password to a meeting already shared.
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { Button, ErrorAlert, TextField } from "../components/ui.tsx";
import { type RoomPatch, videoApi } from "./api.ts";
import { parseCapacity } from "./layout.ts";
import type { Room } from "./types.ts";

/** Password, lobby and capacity fields, shared by the start form and the settings form. */
export function RoomOptionFields(props: {
  password: string;
  onPassword: (v: string) => void;
  passwordHint: string;
  lobby: boolean;
  onLobby: (v: boolean) => void;
  capacity: string;
  onCapacity: (v: string) => void;
  capacityError: string | null;
  idPrefix: string;
}) {
  const { t } = useApp();
  return (
    <>
      <TextField
        label={t("video.start.password")}
        optional
        type="password"
        autocomplete="new-password"
        value={props.password}
        onValue={props.onPassword}
        name="password"
        maxLength={128}
        hint={props.passwordHint}
      />
      <label class="video-check">
        <input type="checkbox" name="lobby" checked={props.lobby} onChange={(e) => props.onLobby((e.currentTarget as HTMLInputElement).checked)} />
        <span>
          {t("video.start.lobby")}
          <span class="field-hint">{t("video.start.lobbyHint")}</span>
        </span>
      </label>
      <div class="field">
        <label class="field-label" for={`${props.idPrefix}-capacity`}>
          {t("video.start.capacity")} <span class="field-optional">({t("common.optional")})</span>
        </label>
        <input
          id={`${props.idPrefix}-capacity`}
          class="input video-capacity"
          type="number"
          inputMode="numeric"
          min={2}
          max={50}
          name="capacity"
          value={props.capacity}
          onInput={(e) => props.onCapacity((e.currentTarget as HTMLInputElement).value)}
        />
        {props.capacityError && <p class="field-error">{props.capacityError}</p>}
      </div>
    </>
  );
}

export function RoomSettingsForm({ room, onSaved, onCancel }: { room: Room; onSaved: () => void; onCancel: () => void }) {
  const { t } = useApp();
  const [title, setTitle] = useState(room.title);
  const [password, setPassword] = useState("");
  const [removePassword, setRemovePassword] = useState(false);
  const [lobby, setLobby] = useState(room.lobby);
  const [capacity, setCapacity] = useState(String(room.capacity));
  const [tried, setTried] = useState(false);
  const { busy, error, run } = useSubmit();
  const cap = parseCapacity(capacity);

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (cap === "invalid") return;
    const body: RoomPatch = { lobby };
    if (title.trim() !== room.title) body.title = title.trim();
    if (removePassword) body.password = "";
    else if (password) body.password = password;
    if (cap !== null) body.capacity = cap;
    await run(async () => {
      await videoApi.patch(room.id, body);
      onSaved();
      return STAY_BUSY;
    });
  };

  return (
    <form class="form video-room-settings" onSubmit={submit} noValidate aria-label={t("video.mine.settingsOf", { name: room.title || room.id })}>
      <TextField label={t("video.start.roomTitle")} optional value={title} onValue={setTitle} name="title" maxLength={120} />
      <RoomOptionFields
        password={password}
        onPassword={setPassword}
        passwordHint={room.protected ? t("video.mine.passwordKeep") : t("video.start.passwordHint")}
        lobby={lobby}
        onLobby={setLobby}
        capacity={capacity}
        onCapacity={setCapacity}
        capacityError={tried && cap === "invalid" ? t("video.start.capacityInvalid") : null}
        idPrefix={`video-settings-${room.id}`}
      />
      {room.protected && (
        <label class="video-check">
          <input type="checkbox" name="remove-password" checked={removePassword} onChange={(e) => setRemovePassword((e.currentTarget as HTMLInputElement).checked)} />
          <span>{t("video.mine.removePassword")}</span>
        </label>
      )}
      <ErrorAlert error={error} />
      <div class="row-actions">
        <Button type="submit" size="sm" loading={busy}>
          {t("video.mine.save")}
        </Button>
        <Button type="button" size="sm" variant="ghost" onClick={onCancel}>
          {t("common.cancel")}
        </Button>
      </div>
    </form>
  );
}
