// Team administration (team admins), opened from the team menu of the sidebar: the members and
// their roles, guests and the channels they get, and importing a Slack or Mattermost export with
// the upload's progress (docs/chat-api.md "Teams" and "Import").
import type { JSX } from "preact";
import { useEffect, useId, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { Alert, Avatar, Badge, Button, EmptyState, Spinner, cx, useConfirm } from "../components/ui.tsx";
import { type Upload, chatApi } from "./api.ts";
import { useChat } from "./ctx.tsx";
import { useDebounced } from "../hooks/debounce.ts";
import { useKeyedSubmit, useSubmit } from "../hooks/submit.ts";
import { IconHash, IconLock, IconTrash } from "./icons.tsx";
import { Modal } from "./menu.tsx";
import type { Channel, ImportResult, ImportSource, TeamMember, TeamRole } from "./types.ts";

export type TeamSettingsTab = "members" | "import";

const ROLES: TeamRole[] = ["member", "admin", "guest"];

const label = (c: Channel) => c.display_name || c.name;
const byLabel = (a: Channel, b: Channel) => label(a).localeCompare(label(b));
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The team's channels a team admin can see: those I am in and the public ones (archived too, for
 * finding where people are), and among them those a guest may be given (not archived).
 */
function useTeamChannels() {
  const { team, store } = useChat();
  const [browsed, setBrowsed] = useState<Channel[] | null>(null);
  useEffect(() => {
    let alive = true;
    chatApi.browse(team.name).then(
      (l) => alive && setBrowsed(l),
      () => alive && setBrowsed([]),
    );
    return () => {
      alive = false;
    };
  }, [team.name]);
  const mine = store.state.channels;
  return useMemo(() => {
    if (!browsed) return { all: null, pickable: null };
    const byId = new Map<string, Channel>();
    for (const c of [...Object.values(mine), ...browsed]) {
      if (c.team_id === team.id && (c.kind === "public" || c.kind === "private") && !byId.has(c.id)) byId.set(c.id, c);
    }
    const all = [...byId.values()].sort(byLabel);
    return { all, pickable: all.filter((c) => !c.archived) };
  }, [browsed, mine, team.id]);
}

/**
 * Which of `channels` each of `userIds` is in, read from the channels' member lists a few at a time
 * (the API has no "channels of this person"; a private channel I am not in stays unknown).
 */
async function channelsOf(channels: Channel[], userIds: Set<string>): Promise<Map<string, Channel[]>> {
  const out = new Map<string, Channel[]>();
  if (!userIds.size) return out;
  let next = 0;
  const worker = async () => {
    while (next < channels.length) {
      const ch = channels[next++] as Channel;
      try {
        for (const m of await chatApi.channelMembers(ch.id)) if (userIds.has(m.id)) out.set(m.id, [...(out.get(m.id) ?? []), ch]);
      } catch {
        /* a channel that went away meanwhile: nobody in it */
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, channels.length) }, worker));
  for (const list of out.values()) list.sort(byLabel);
  return out;
}

/** Checkboxes of the channels a guest gets. */
function ChannelChecklist({
  legend,
  channels,
  picked,
  onToggle,
  error,
}: {
  legend: string;
  channels: Channel[] | null;
  picked: Set<string>;
  onToggle: (id: string) => void;
  error?: string | null;
}) {
  const { t } = useApp();
  const errId = `e${useId()}`;
  return (
    <fieldset class="chat-fieldset chat-admin-checklist" aria-describedby={error ? errId : undefined}>
      <legend class="field-label">{legend}</legend>
      {!channels ? (
        <Spinner />
      ) : !channels.length ? (
        <p class="muted small">{t("chat.admin.guest.noChannels")}</p>
      ) : (
        <ul class="chat-admin-channels">
          {channels.map((c) => (
            <li key={c.id}>
              <label class={cx("chat-admin-channel", picked.has(c.id) && "is-picked")}>
                <input type="checkbox" checked={picked.has(c.id)} onChange={() => onToggle(c.id)} />
                {c.kind === "private" ? <IconLock size={14} /> : <IconHash size={14} />}
                <span>{label(c)}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p id={errId} class="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}

function toggled(set: Set<string>, id: string): Set<string> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

function roleLabel(t: ReturnType<typeof useApp>["t"], role: TeamRole): string {
  return t(role === "admin" ? "chat.admin.role.admin" : role === "guest" ? "chat.admin.role.guest" : "chat.admin.role.member");
}

/** What setting a role did besides: channels the person could not be taken out of. */
interface Applied {
  kept: string[];
}

function MembersTab() {
  const { t } = useApp();
  const { team, meId } = useChat();
  const channels = useTeamChannels();
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim(), 200);
  const [tick, setTick] = useState(0);
  const [roster, setRoster] = useState<TeamMember[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [guestChannels, setGuestChannels] = useState<Map<string, Channel[]> | null>(null);
  const [editing, setEditing] = useState<{ username: string; picked: Set<string>; tried: boolean } | null>(null);
  const [status, setStatus] = useState<{ kind: "success" | "warning"; text: string } | null>(null);
  const [confirmEl, confirm] = useConfirm();

  // The add form.
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [addTried, setAddTried] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let alive = true;
    chatApi.teamRoster(team.name, dq).then(
      (l) => alive && (setRoster(l), setLoadError(null)),
      (e) => alive && setLoadError(e),
    );
    return () => {
      alive = false;
    };
  }, [team.name, dq, tick]);

  // Guests: find the channels each is in.
  const guestIds = (roster ?? []).filter((m) => m.role === "guest").map((m) => m.id);
  const guestKey = guestIds.join(",");
  useEffect(() => {
    if (!channels.all) return;
    let alive = true;
    setGuestChannels(null);
    channelsOf(channels.all, new Set(guestIds)).then((m) => alive && setGuestChannels(m));
    return () => {
      alive = false;
    };
  }, [guestKey, channels.all, tick]);

  const explain = (err: unknown, name: string): string => (err instanceof ApiError && err.status === 404 ? t("chat.admin.members.noUser", { name }) : errorText(t, err));
  // A row's change (busy names its member) and the add form, each with its own error.
  const rowSubmit = useKeyedSubmit((err, username: string) => ({ username, text: explain(err, username) }));
  const { busy, error: rowError, setError: setRowError } = rowSubmit;
  const adding = useSubmit((err) => explain(err, username.trim().replace(/^@/, "")));
  const { error: addError, setError: setAddError } = adding;

  /**
   * Gives `name` a role. A guest gets `picked` and is taken out of the team's other channels (the
   * API only adds channels); someone who stops being a guest comes back to the town square.
   */
  const apply = async (name: string, next: TeamRole, guestPicks: Set<string> = new Set()): Promise<Applied> => {
    const find = async () => (await chatApi.teamRoster(team.name, name)).find((m) => same(m.username, name)) ?? null;
    const before = await find().catch(() => null);
    const ids = [...guestPicks];
    await chatApi.setTeamMember(team.name, name, next === "guest" ? { role: next, channels: ids } : { role: next });
    const kept: string[] = [];
    const all = channels.all ?? [];
    if (next === "guest" && before) {
      const now = (await channelsOf(all, new Set([before.id]))).get(before.id) ?? [];
      for (const c of now) {
        if (guestPicks.has(c.id)) continue;
        try {
          await chatApi.removeMember(c.id, name);
        } catch {
          kept.push(label(c));
        }
      }
    } else if (next !== "guest" && before?.role === "guest") {
      const town = all.find((c) => c.name === "town-square");
      if (town) await chatApi.addMember(town.id, name).catch(() => kept.push(label(town)));
    }
    return { kept };
  };

  const done = (name: string, next: TeamRole, applied: Applied, added: boolean) => {
    const text = t(added ? "chat.admin.members.added" : "chat.admin.members.changed", { name, role: roleLabel(t, next) });
    setStatus(
      applied.kept.length
        ? { kind: "warning", text: `${text} ${t(next === "guest" ? "chat.admin.guest.stillIn" : "chat.admin.members.notInTown", { channels: applied.kept.join(", ") })}` }
        : { kind: "success", text },
    );
    setTick((n) => n + 1);
  };

  const change = async (m: TeamMember, next: TeamRole) => {
    setRowError(null);
    setStatus(null);
    if (next === "guest") {
      setEditing({ username: m.username, picked: new Set((guestChannels?.get(m.id) ?? []).map((c) => c.id)), tried: false });
      return;
    }
    setEditing(null);
    await rowSubmit.run(m.username, async () => done(m.display_name || m.username, next, await apply(m.username, next), false));
  };

  const saveGuest = async (m: TeamMember) => {
    if (!editing) return;
    if (!editing.picked.size) {
      setEditing({ ...editing, tried: true });
      return;
    }
    setStatus(null);
    await rowSubmit.run(m.username, async () => {
      const applied = await apply(m.username, "guest", editing.picked);
      setEditing(null);
      done(m.display_name || m.username, "guest", applied, false);
    });
  };

  const remove = async (m: TeamMember) => {
    const name = m.display_name || m.username;
    if (
      !(await confirm({
        title: t("chat.admin.members.removeTitle", { name }),
        body: t("chat.admin.members.removeBody"),
        confirmLabel: t("chat.admin.members.remove"),
        danger: true,
      }))
    )
      return;
    setStatus(null);
    await rowSubmit.run(m.username, async () => {
      await chatApi.removeTeamMember(team.name, m.username);
      setStatus({ kind: "success", text: t("chat.admin.members.removed", { name }) });
      setTick((n) => n + 1);
    });
  };

  const add = async (e: Event) => {
    e.preventDefault();
    setAddTried(true);
    setAddError(null);
    setStatus(null);
    const name = username.trim().replace(/^@/, "");
    if (!name) {
      setAddError(t("chat.admin.members.needUsername"));
      nameRef.current?.focus();
      return;
    }
    if (role === "guest" && !picked.size) return;
    await adding.run(async () => {
      const applied = await apply(name, role, picked);
      setUsername("");
      setPicked(new Set());
      setAddTried(false);
      done(name, role, applied, true);
      nameRef.current?.focus();
    });
  };

  const rows = roster ?? [];
  return (
    <div class="chat-admin-panel">
      {confirmEl}
      <section class="chat-admin-section" aria-labelledby="chat-admin-members-h">
        <div class="chat-admin-section-head">
          <h3 id="chat-admin-members-h" class="chat-admin-heading">
            {t("chat.admin.members.title")}
          </h3>
          <div class="field chat-admin-filter">
            <label for="chat-admin-q" class="visually-hidden">
              {t("chat.admin.members.filter")}
            </label>
            <input
              id="chat-admin-q"
              type="search"
              class="input"
              value={q}
              placeholder={t("chat.admin.members.filter")}
              autoComplete="off"
              onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
        </div>
        <p class="muted small">{t("chat.admin.members.rolesHelp")}</p>
        {status && (
          <Alert kind={status.kind} class="chat-admin-status">
            {status.text}
          </Alert>
        )}
        {loadError ? (
          <p class="field-error">{errorText(t, loadError)}</p>
        ) : !roster ? (
          <Spinner />
        ) : !rows.length ? (
          <EmptyState>{t("chat.nobody")}</EmptyState>
        ) : (
          <ul class="chat-pick-list chat-admin-members">
            {rows.map((m) => {
              const name = m.display_name || m.username;
              const me = m.id === meId;
              const edit = editing && same(editing.username, m.username) ? editing : null;
              const gch = guestChannels?.get(m.id) ?? [];
              const errId = `chat-admin-err-${m.id}`;
              return (
                <li key={m.id} class="chat-pick-row chat-admin-member" data-username={m.username}>
                  <div class="chat-admin-member-line">
                    <Avatar name={name} color={m.avatar_color} size="sm" />
                    <span class="chat-pick-main">
                      <strong>
                        {name}
                        {me && <span class="muted"> {t("chat.admin.members.you")}</span>}
                      </strong>
                      <span class="muted small">@{m.username}</span>
                    </span>
                    {me ? (
                      <Badge tone={m.role === "admin" ? "accent" : "neutral"}>{roleLabel(t, m.role)}</Badge>
                    ) : (
                      <div class="row-actions">
                        <label for={`chat-admin-role-${m.id}`} class="visually-hidden">
                          {t("chat.admin.members.roleOf", { name })}
                        </label>
                        <select
                          id={`chat-admin-role-${m.id}`}
                          class="select select-sm"
                          value={edit ? "guest" : m.role}
                          disabled={busy === m.username}
                          aria-describedby={rowError && same(rowError.username, m.username) ? errId : undefined}
                          onChange={(e) => void change(m, (e.currentTarget as HTMLSelectElement).value as TeamRole)}
                        >
                          {ROLES.map((r) => (
                            <option key={r} value={r}>
                              {roleLabel(t, r)}
                            </option>
                          ))}
                        </select>
                        <Button
                          variant="ghost"
                          size="sm"
                          class="btn-ghost-danger"
                          disabled={busy === m.username}
                          onClick={() => void remove(m)}
                          aria-label={t("chat.admin.members.removeOf", { name })}
                          title={t("chat.admin.members.remove")}
                        >
                          <IconTrash size={16} />
                        </Button>
                      </div>
                    )}
                  </div>
                  {m.role === "guest" && !edit && (
                    <div class="chat-admin-guest">
                      <span class="muted small">
                        {!guestChannels
                          ? t("chat.admin.guest.finding")
                          : gch.length
                            ? t("chat.admin.guest.channels", { channels: gch.map(label).join(", ") })
                            : t("chat.admin.guest.none")}
                      </span>
                      {!me && (
                        <button type="button" class="chat-linkbtn small" onClick={() => setEditing({ username: m.username, picked: new Set(gch.map((c) => c.id)), tried: false })}>
                          {t("chat.admin.guest.change")}
                        </button>
                      )}
                    </div>
                  )}
                  {edit && (
                    <div class="chat-admin-edit">
                      <ChannelChecklist
                        legend={t("chat.admin.guest.pickFor", { name })}
                        channels={channels.pickable}
                        picked={edit.picked}
                        onToggle={(id) => setEditing({ ...edit, picked: toggled(edit.picked, id) })}
                        error={edit.tried && !edit.picked.size ? t("chat.admin.guest.needChannel") : null}
                      />
                      <p class="field-hint">{t("chat.admin.guest.help")}</p>
                      <div class="chat-admin-actions">
                        <Button variant="secondary" size="sm" onClick={() => setEditing(null)}>
                          {t("common.cancel")}
                        </Button>
                        <Button size="sm" loading={busy === m.username} onClick={() => void saveGuest(m)}>
                          {t("chat.admin.guest.save")}
                        </Button>
                      </div>
                    </div>
                  )}
                  {rowError && same(rowError.username, m.username) && (
                    <p id={errId} class="field-error" role="alert">
                      {rowError.text}
                    </p>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <section class="chat-admin-section" aria-labelledby="chat-admin-add-h">
        <h3 id="chat-admin-add-h" class="chat-admin-heading">
          {t("chat.admin.members.addTitle")}
        </h3>
        <form class="form chat-admin-add" onSubmit={add} noValidate>
          <div class="inline-form chat-admin-add-row">
            <div class="field">
              <label for="chat-admin-username" class="field-label">
                {t("chat.admin.members.username")}
              </label>
              <input
                ref={nameRef}
                id="chat-admin-username"
                class={cx("input", addTried && addError && "is-invalid")}
                name="username"
                autoComplete="off"
                autoCapitalize="none"
                spellcheck={false}
                value={username}
                aria-invalid={addError ? "true" : undefined}
                aria-describedby={addError ? "chat-admin-add-err" : undefined}
                onInput={(e) => setUsername((e.currentTarget as HTMLInputElement).value)}
              />
            </div>
            <div class="field field-compact">
              <label for="chat-admin-add-role" class="field-label">
                {t("chat.admin.members.role")}
              </label>
              <select id="chat-admin-add-role" class="select" value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value as TeamRole)}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {roleLabel(t, r)}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {role === "guest" && (
            <ChannelChecklist
              legend={t("chat.admin.guest.pick")}
              channels={channels.pickable}
              picked={picked}
              onToggle={(id) => setPicked(toggled(picked, id))}
              error={addTried && !picked.size ? t("chat.admin.guest.needChannel") : null}
            />
          )}
          {addError && (
            <p id="chat-admin-add-err" class="field-error" role="alert">
              {addError}
            </p>
          )}
          <div class="chat-admin-actions">
            <Button type="submit" loading={adding.busy}>
              {t("chat.admin.members.add")}
            </Button>
          </div>
        </form>
      </section>
    </div>
  );
}

type Phase =
  { kind: "idle" } | { kind: "uploading"; sent: number; total: number } | { kind: "processing" } | { kind: "done"; result: ImportResult } | { kind: "error"; error: unknown };

function sourceOf(file: File, current: ImportSource): ImportSource {
  return /\.jsonl?$/i.test(file.name) ? "mattermost" : current;
}

function ImportTab() {
  const { t, lang } = useApp();
  const { team, store } = useChat();
  const [source, setSource] = useState<ImportSource>("slack");
  const [file, setFile] = useState<File | null>(null);
  const [tried, setTried] = useState(false);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const upload = useRef<Upload<ImportResult> | null>(null);
  const fileId = `f${useId()}`;
  const progressId = `p${useId()}`;

  // Closing the dialog stops an upload under way (the server has not started on it yet).
  useEffect(() => () => upload.current?.abort(), []);

  const running = phase.kind === "uploading" || phase.kind === "processing";
  const pct = phase.kind === "uploading" && phase.total > 0 ? Math.min(100, Math.round((phase.sent / phase.total) * 100)) : 0;
  const percent = new Intl.NumberFormat(lang, { style: "percent" }).format(pct / 100);
  const plural = (n: number) => (new Intl.PluralRules(lang).select(n) === "one" ? "one" : "other");

  const start = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (!file || running) return;
    const size = file.size;
    setPhase({ kind: "uploading", sent: 0, total: size });
    const up = chatApi.importTeam(team.name, source, file, (sent, total) => setPhase(sent >= total ? { kind: "processing" } : { kind: "uploading", sent, total }));
    upload.current = up;
    try {
      const result = await up.done;
      setPhase({ kind: "done", result });
      // New channels: the importer is in them, so they belong in my sidebar now.
      try {
        for (const ch of await chatApi.channels(team.name)) store.dispatch({ type: "channel", channel: ch });
      } catch {
        /* they come with the next reload */
      }
    } catch (err) {
      setPhase(err instanceof ApiError && err.code === "aborted" ? { kind: "idle" } : { kind: "error", error: err });
    }
    upload.current = null;
  };

  let progress: JSX.Element | null = null;
  if (phase.kind === "uploading") {
    progress = (
      <div class="chat-admin-progress-wrap">
        <p id={progressId} class="small">
          {t("chat.admin.import.uploading", { percent })}
        </p>
        <progress key="up" class="chat-admin-progress" max={100} value={pct} aria-labelledby={progressId} aria-valuetext={percent} />
      </div>
    );
  } else if (phase.kind === "processing") {
    progress = (
      <div class="chat-admin-progress-wrap">
        <p id={progressId} class="small">
          {t("chat.admin.import.processing")}
        </p>
        <progress key="work" class="chat-admin-progress" aria-labelledby={progressId} />
      </div>
    );
  }

  return (
    <div class="chat-admin-panel">
      <section class="chat-admin-section" aria-labelledby="chat-admin-import-h">
        <h3 id="chat-admin-import-h" class="chat-admin-heading">
          {t("chat.admin.import.title")}
        </h3>
        <p class="muted small">{t("chat.admin.import.desc")}</p>
        <form class="form" onSubmit={start} noValidate>
          <fieldset class="chat-fieldset" disabled={running}>
            <legend class="field-label">{t("chat.admin.import.source")}</legend>
            <label class="chat-radio">
              <input type="radio" name="chat-import-source" checked={source === "slack"} onChange={() => setSource("slack")} />
              <span>
                <strong>{t("chat.admin.import.slack")}</strong>
                <span class="muted small">{t("chat.admin.import.slackDesc")}</span>
              </span>
            </label>
            <label class="chat-radio">
              <input type="radio" name="chat-import-source" checked={source === "mattermost"} onChange={() => setSource("mattermost")} />
              <span>
                <strong>{t("chat.admin.import.mattermost")}</strong>
                <span class="muted small">{t("chat.admin.import.mattermostDesc")}</span>
              </span>
            </label>
          </fieldset>
          <div class="field">
            <label for={fileId} class="field-label">
              {t("chat.admin.import.file")}
            </label>
            <input
              id={fileId}
              type="file"
              class="chat-admin-file"
              accept=".zip,.jsonl,application/zip"
              disabled={running}
              aria-invalid={tried && !file ? "true" : undefined}
              aria-describedby={tried && !file ? `${fileId}-err` : undefined}
              onChange={(e) => {
                const f = (e.currentTarget as HTMLInputElement).files?.[0] ?? null;
                setFile(f);
                if (f) setSource((s) => sourceOf(f, s));
                if (phase.kind === "done" || phase.kind === "error") setPhase({ kind: "idle" });
              }}
            />
            {tried && !file && (
              <p id={`${fileId}-err`} class="field-error">
                {t("chat.admin.import.needFile")}
              </p>
            )}
          </div>
          {progress}
          {phase.kind === "done" && (
            <Alert kind="success" title={t("chat.admin.import.done")} class="chat-admin-result">
              <ul class="chat-admin-counts">
                <li>{t(`chat.admin.import.channels.${plural(phase.result.channels)}`, { count: phase.result.channels.toLocaleString(lang) })}</li>
                <li>{t(`chat.admin.import.posts.${plural(phase.result.posts)}`, { count: phase.result.posts.toLocaleString(lang) })}</li>
              </ul>
              <p class="small">{t("chat.admin.import.after")}</p>
            </Alert>
          )}
          {phase.kind === "error" && (
            <Alert kind="error" title={t("chat.admin.import.failed")}>
              {phase.error instanceof ApiError && phase.error.code === "payload_too_large" ? t("chat.admin.import.tooLarge") : errorText(t, phase.error)}
            </Alert>
          )}
          <div class="chat-admin-actions">
            {phase.kind === "uploading" && (
              <Button variant="secondary" onClick={() => upload.current?.abort()}>
                {t("chat.admin.import.stop")}
              </Button>
            )}
            <Button type="submit" loading={running}>
              {t("chat.admin.import.start")}
            </Button>
          </div>
        </form>
      </section>
    </div>
  );
}

/** The team's settings dialog: members and roles, or the import, as tabs. */
export function TeamSettingsDialog({ initial = "members", onClose }: { initial?: TeamSettingsTab; onClose: () => void }) {
  const { t } = useApp();
  const { team } = useChat();
  const [tab, setTab] = useState<TeamSettingsTab>(initial);
  const uid = useId();
  const tabs: { id: TeamSettingsTab; label: string }[] = [
    { id: "members", label: t("chat.admin.tab.members") },
    { id: "import", label: t("chat.admin.tab.import") },
  ];
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft" && e.key !== "Home" && e.key !== "End") return;
    e.preventDefault();
    const i = tabs.findIndex((x) => x.id === tab);
    const j = e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1 : (i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length;
    const next = tabs[j];
    if (!next) return;
    setTab(next.id);
    (e.currentTarget as HTMLElement).querySelector<HTMLButtonElement>(`#t${uid}-${next.id}`)?.focus();
  };
  return (
    <Modal title={t("chat.admin.team.title", { name: team.display_name || team.name })} onClose={onClose} wide class="chat-admin-dialog">
      <div class="chat-admin-tabs" role="tablist" aria-label={t("chat.admin.team.sections")} onKeyDown={onKey}>
        {tabs.map((x) => (
          <button
            key={x.id}
            type="button"
            role="tab"
            id={`t${uid}-${x.id}`}
            class={cx("chat-admin-tab", tab === x.id && "is-current")}
            aria-selected={tab === x.id ? "true" : "false"}
            aria-controls={`p${uid}-${x.id}`}
            tabIndex={tab === x.id ? 0 : -1}
            onClick={() => setTab(x.id)}
          >
            {x.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`p${uid}-${tab}`} aria-labelledby={`t${uid}-${tab}`}>
        {tab === "members" ? <MembersTab /> : <ImportTab />}
      </div>
    </Modal>
  );
}
