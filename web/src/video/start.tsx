// /video: start a call (optional name, title, password, lobby, capacity), join one by its link or
// name, and, for signed-in people, the rooms they created.
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { Badge, Button, Card, EmptyState, ErrorAlert, Link, Loading, TextField, useAsync, useConfirm } from "../components/ui.tsx";
import { formatDate } from "../i18n/index.ts";
import { navigate } from "../router.ts";
import { ensureNamedIdentity } from "../hooks/identity.ts";
import { type CreateRoomBody, roomPage, videoApi } from "./api.ts";
import { IconArrowRight, IconLock, IconSettings, IconTrash, IconUsers } from "./icons.tsx";
import { parseCapacity, ROOM_NAME, roomFromInput, slugRoomName } from "./layout.ts";
import { RoomOptionFields, RoomSettingsForm } from "./room-settings.tsx";
import { StarButton } from "../favourites.tsx";

export function StartCall() {
  const { t, user } = useApp();
  const [name, setName] = useState("");
  const [title, setTitle] = useState("");
  const [password, setPassword] = useState("");
  const [lobby, setLobby] = useState(false);
  const [capacity, setCapacity] = useState("");
  const [more, setMore] = useState(false);
  const { busy, error, run } = useSubmit();
  const [tried, setTried] = useState(false);

  const nameError = tried && name && !ROOM_NAME.test(name) ? t("video.start.nameInvalid") : null;
  const cap = parseCapacity(capacity);
  const capError = tried && cap === "invalid" ? t("video.start.capacityInvalid") : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if ((name && !ROOM_NAME.test(name)) || cap === "invalid") return;
    await run(async () => {
      await ensureNamedIdentity(user);
      const body: CreateRoomBody = { lobby };
      if (name) body.name = name;
      if (title.trim()) body.title = title.trim();
      if (password) body.password = password;
      if (cap !== null) body.capacity = cap;
      const { room } = await videoApi.create(body);
      navigate(roomPage(room.id));
      return STAY_BUSY;
    });
  };

  return (
    <Card title={t("video.start.title")} description={t("video.start.desc")} id="video-start">
      <form class="form" onSubmit={submit} noValidate>
        <TextField
          label={t("video.start.name")}
          optional
          value={name}
          onValue={(v) => setName(v.toLowerCase().replace(/\s+/g, "-"))}
          name="room"
          autoCapitalize="none"
          spellcheck={false}
          maxLength={64}
          placeholder={t("video.start.namePlaceholder")}
          hint={t("video.start.nameHint")}
          error={nameError}
        />
        <TextField
          label={t("video.start.roomTitle")}
          optional
          value={title}
          onValue={(v) => {
            if (!name || name === slugRoomName(title)) setName(slugRoomName(v));
            setTitle(v);
          }}
          name="title"
          maxLength={120}
        />
        <details class="video-more" open={more} onToggle={(e) => setMore((e.currentTarget as HTMLDetailsElement).open)}>
          <summary>{t("video.start.more")}</summary>
          <div class="form">
            <RoomOptionFields
              password={password}
              onPassword={setPassword}
              passwordHint={t("video.start.passwordHint")}
              lobby={lobby}
              onLobby={setLobby}
              capacity={capacity}
              onCapacity={setCapacity}
              capacityError={capError}
              idPrefix="video"
            />
          </div>
        </details>
        <ErrorAlert error={error} />
        <Button type="submit" loading={busy} class="video-start-btn">
          {t("video.start.submit")}
        </Button>
      </form>
    </Card>
  );
}

export function JoinByLink() {
  const { t } = useApp();
  const [text, setText] = useState("");
  const [tried, setTried] = useState(false);
  const target = roomFromInput(text);
  return (
    <Card title={t("video.joinLink.title")} id="video-join">
      <form
        class="inline-form video-join-form"
        onSubmit={(e) => {
          e.preventDefault();
          setTried(true);
          if (target) navigate(roomPage(target));
        }}
      >
        <TextField
          label={t("video.joinLink.label")}
          value={text}
          onValue={setText}
          name="link"
          autoCapitalize="none"
          spellcheck={false}
          placeholder={t("video.joinLink.placeholder")}
          error={tried && !target ? t("video.joinLink.invalid") : null}
        />
        <Button type="submit" variant="secondary">
          {t("video.joinLink.go")}
          <IconArrowRight size={16} />
        </Button>
      </form>
    </Card>
  );
}

export function MyRooms() {
  const { t, lang } = useApp();
  const list = useAsync(() => videoApi.mine(), []);
  const [dialog, confirm] = useConfirm();
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <Card title={t("video.mine.title")} id="video-mine">
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorAlert error={list.error} />
      ) : !list.data || list.data.length === 0 ? (
        <EmptyState>{t("video.mine.empty")}</EmptyState>
      ) : (
        <ul class="list">
          {list.data.map((r) => (
            <li key={r.id} class="list-item" data-room={r.id}>
              <div class="list-main">
                <Link href={roomPage(r.id)} class="list-title video-room-title">
                  {r.title || r.id}
                  {r.protected && (
                    <Badge>
                      <IconLock size={12} /> {t("video.mine.protected")}
                    </Badge>
                  )}
                  {r.lobby && <Badge>{t("video.mine.lobby")}</Badge>}
                  {r.participants > 0 && (
                    <Badge tone="success">
                      <IconUsers size={12} /> {t("video.mine.live", { count: r.participants })}
                    </Badge>
                  )}
                </Link>
                <div class="list-meta">
                  <span class="mono">{r.id}</span>
                  <span>{t("video.mine.created", { date: formatDate(lang, r.created_at) ?? "" })}</span>
                </div>
              </div>
              <div class="row-actions">
                <StarButton kind="video_room" id={r.id} size={16} name={r.title || r.id} />
                <Link href={roomPage(r.id)} class="btn btn-primary btn-sm">
                  {t("video.mine.join")}
                </Link>
                <Button
                  variant="ghost"
                  size="sm"
                  aria-expanded={editing === r.id ? "true" : "false"}
                  aria-label={t("video.mine.settingsOf", { name: r.title || r.id })}
                  title={t("video.mine.settings")}
                  onClick={() => setEditing(editing === r.id ? null : r.id)}
                >
                  <IconSettings size={16} />
                </Button>
                <Button
                  variant="ghost"
                  size="sm"
                  aria-label={t("video.mine.deleteNamed", { name: r.title || r.id })}
                  title={t("video.mine.delete")}
                  onClick={async () => {
                    if (
                      !(await confirm({
                        title: t("video.mine.deleteTitle", { name: r.title || r.id }),
                        body: t("video.mine.deleteBody"),
                        confirmLabel: t("video.mine.delete"),
                        danger: true,
                      }))
                    )
                      return;
                    try {
                      await videoApi.remove(r.id);
                      list.reload();
                    } catch (e) {
                      setError(e);
                    }
                  }}
                >
                  <IconTrash size={16} />
                </Button>
              </div>
              {editing === r.id && (
                <RoomSettingsForm
                  room={r}
                  onSaved={() => {
                    setEditing(null);
                    list.reload();
                  }}
                  onCancel={() => setEditing(null)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorAlert error={error} />
      {dialog}
    </Card>
  );
}
