// The chat's dialogs: create a channel, browse and join channels, start a direct message, edit a
// channel's header and purpose, see a channel's members and invite people.
import { useDebounced } from "../hooks/debounce.ts";
import { STAY_BUSY, useKeyedSubmit, useSubmit } from "../hooks/submit.ts";
import { useEffect, useState } from "preact/hooks";
import { errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { Avatar, Badge, Button, EmptyState, Spinner, TextField, cx } from "../components/ui.tsx";
import { chatApi } from "./api.ts";
import { useChat } from "./ctx.tsx";
import { IconArchive, IconHash, IconLock } from "./icons.tsx";
import { Modal } from "./menu.tsx";
import { PresenceDot } from "./message.tsx";
import { nameProblem, suggestName } from "./names.ts";
import type { BrowseChannel, Channel, ChatMember } from "./types.ts";

/**
 * A search box's text and what `search` finds in the current team for it (asked 200 ms after the
 * last keystroke; an answer overtaken by a newer query, or arriving once the component is gone, is dropped).
 */
function useTeamSearch<T>(search: (team: string, q: string) => Promise<T[]>) {
  const { team } = useChat();
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim(), 200);
  const [list, setList] = useState<T[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let alive = true;
    search(team.name, dq).then(
      (l) => alive && (setList(l), setError(null)),
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [dq, team.name]);
  return { q, setQ, list, error, setError };
}

export function CreateChannelDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (ch: Channel) => void }) {
  const { t } = useApp();
  const { team } = useChat();
  const [display, setDisplay] = useState("");
  const [name, setName] = useState("");
  const [nameEdited, setNameEdited] = useState(false);
  const [kind, setKind] = useState<"public" | "private">("public");
  const [purpose, setPurpose] = useState("");
  const { busy, error, run } = useSubmit();
  const [tried, setTried] = useState(false);
  const effName = nameEdited ? name : suggestName(display);
  const problem = nameProblem(effName);
  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (!display.trim() || problem) return;
    await run(async () => {
      const ch = await chatApi.createChannel(team.name, { name: effName, display_name: display.trim(), kind, purpose: purpose.trim() || undefined });
      onCreated(ch);
      return STAY_BUSY;
    });
  };
  return (
    <Modal title={t("chat.createChannel")} onClose={onClose}>
      <form class="form" onSubmit={submit} noValidate>
        <TextField label={t("chat.channelDisplayName")} value={display} onValue={setDisplay} maxLength={64} required error={tried && !display.trim() ? t("chat.needName") : null} />
        <TextField
          label={t("chat.channelName")}
          hint={t("chat.channelNameHint")}
          value={effName}
          onValue={(v) => {
            setNameEdited(true);
            setName(v.toLowerCase());
          }}
          autoCapitalize="none"
          spellcheck={false}
          maxLength={64}
          error={(tried || nameEdited) && effName && problem ? t(problem === "length" ? "chat.nameLength" : "chat.nameChars") : null}
        />
        <fieldset class="chat-fieldset">
          <legend class="field-label">{t("chat.channelKind")}</legend>
          <label class="chat-radio">
            <input type="radio" name="kind" checked={kind === "public"} onChange={() => setKind("public")} />
            <IconHash size={16} />
            <span>
              <strong>{t("chat.kind.public")}</strong>
              <span class="muted small">{t("chat.kind.publicDesc")}</span>
            </span>
          </label>
          <label class="chat-radio">
            <input type="radio" name="kind" checked={kind === "private"} onChange={() => setKind("private")} />
            <IconLock size={16} />
            <span>
              <strong>{t("chat.kind.private")}</strong>
              <span class="muted small">{t("chat.kind.privateDesc")}</span>
            </span>
          </label>
        </fieldset>
        <TextField label={t("chat.purpose")} value={purpose} onValue={setPurpose} optional maxLength={250} />
        {error ? <p class="field-error">{errorText(t, error)}</p> : null}
        <div class="dialog-actions">
          <Button variant="secondary" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={busy}>
            {t("chat.create")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

export function BrowseDialog({ onClose, onOpen }: { onClose: () => void; onOpen: (ch: BrowseChannel, join: boolean) => Promise<void> }) {
  const { t } = useApp();
  const { q, setQ, list, error, setError } = useTeamSearch((team, q) => chatApi.browse(team, q));
  // A channel that fails to open shows its error where the list was, as a failed search does.
  const { busy, run } = useKeyedSubmit<string, void>(setError);
  return (
    <Modal title={t("chat.browseChannels")} onClose={onClose} wide>
      <div class="field">
        <label for="chat-browse-q" class="visually-hidden">
          {t("chat.filterChannels")}
        </label>
        <input
          id="chat-browse-q"
          type="search"
          class="input"
          value={q}
          placeholder={t("chat.filterChannels")}
          onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
          autoFocus
        />
      </div>
      {error ? (
        <p class="field-error">{errorText(t, error)}</p>
      ) : !list ? (
        <Spinner />
      ) : !list.length ? (
        <EmptyState>{t("chat.browseNone")}</EmptyState>
      ) : (
        <ul class="chat-pick-list">
          {list.map((c) => (
            <li key={c.id} class="chat-pick-row">
              <span class="chat-pick-icon">{c.archived ? <IconArchive size={16} /> : <IconHash size={16} />}</span>
              <span class="chat-pick-main">
                <strong>{c.display_name || c.name}</strong>
                {c.archived && <Badge tone="warning">{t("chat.archived")}</Badge>}
                <span class="muted small">
                  {t(c.members === 1 ? "chat.memberCount.one" : "chat.memberCount.other", { count: c.members })}
                  {c.purpose ? ` · ${c.purpose}` : ""}
                </span>
              </span>
              <Button
                size="sm"
                variant={c.joined ? "secondary" : "primary"}
                loading={busy === c.id}
                aria-label={c.joined ? t("chat.viewNamed", { name: c.display_name || c.name }) : t("chat.joinNamed", { name: c.display_name || c.name })}
                onClick={() =>
                  run(c.id, async () => {
                    await onOpen(c, !c.joined && !c.archived);
                    return STAY_BUSY;
                  })
                }
              >
                {c.joined || c.archived ? t("chat.view") : t("chat.join")}
              </Button>
            </li>
          ))}
        </ul>
      )}
    </Modal>
  );
}

/** Picks team members (for a direct message, or to invite to a channel). */
function MemberPicker({ exclude, picked, onToggle, max }: { exclude: Set<string>; picked: ChatMember[]; onToggle: (m: ChatMember) => void; max: number }) {
  const { t } = useApp();
  const { q, setQ, list, error } = useTeamSearch((team, q) => chatApi.teamMembers(team, q));
  const shown = (list ?? []).filter((m) => !exclude.has(m.id));
  return (
    <div class="chat-picker">
      <div class="field">
        <label for="chat-member-q" class="field-label">
          {t("chat.findPeople")}
        </label>
        <input id="chat-member-q" type="search" class="input" value={q} onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} autoFocus autoComplete="off" />
      </div>
      {picked.length > 0 && (
        <p class="chat-picked" aria-live="polite">
          {t("chat.picked", { names: picked.map((m) => m.display_name || m.username).join(", ") })}
        </p>
      )}
      {error ? (
        <p class="field-error">{errorText(t, error)}</p>
      ) : !list ? (
        <Spinner />
      ) : !shown.length ? (
        <EmptyState>{t("chat.nobody")}</EmptyState>
      ) : (
        <ul class="chat-pick-list">
          {shown.map((m) => {
            const on = picked.some((p) => p.id === m.id);
            return (
              <li key={m.id} class={cx("chat-pick-row", on && "is-picked")}>
                <label class="chat-pick-label">
                  <input type="checkbox" checked={on} disabled={!on && picked.length >= max} onChange={() => onToggle(m)} />
                  <span class="chat-avatar-wrap">
                    <Avatar name={m.display_name || m.username} color={m.avatar_color} size="sm" />
                    <PresenceDot userId={m.id} />
                  </span>
                  <span class="chat-pick-main">
                    <strong>{m.display_name || m.username}</strong>
                    <span class="muted small">@{m.username}</span>
                  </span>
                </label>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

export function DirectDialog({ onClose, onOpen }: { onClose: () => void; onOpen: (usernames: string[]) => Promise<void> }) {
  const { t } = useApp();
  const { meId } = useChat();
  const [picked, setPicked] = useState<ChatMember[]>([]);
  const { busy, error, run } = useSubmit();
  return (
    <Modal title={t("chat.newDirect")} onClose={onClose} wide>
      <MemberPicker
        exclude={new Set([meId])}
        picked={picked}
        max={7}
        onToggle={(m) => setPicked((p) => (p.some((x) => x.id === m.id) ? p.filter((x) => x.id !== m.id) : [...p, m]))}
      />
      {error ? <p class="field-error">{errorText(t, error)}</p> : null}
      <div class="dialog-actions">
        <Button variant="secondary" onClick={onClose}>
          {t("common.cancel")}
        </Button>
        <Button
          disabled={!picked.length}
          loading={busy}
          onClick={async () => {
            await run(async () => {
              await onOpen(picked.map((m) => m.username));
              return STAY_BUSY;
            });
          }}
        >
          {t("chat.go")}
        </Button>
      </div>
    </Modal>
  );
}

export function EditChannelDialog({ ch, onClose, onSaved }: { ch: Channel; onClose: () => void; onSaved: (ch: Channel) => void }) {
  const { t } = useApp();
  const { team } = useChat();
  const admin = ch.me?.role === "admin" || team.my_role === "admin";
  const isDm = ch.kind === "direct" || ch.kind === "group";
  const [display, setDisplay] = useState(ch.display_name);
  const [header, setHeader] = useState(ch.header);
  const [purpose, setPurpose] = useState(ch.purpose);
  const { busy, error, onSubmit } = useSubmit();
  return (
    <Modal title={t("chat.editChannel")} onClose={onClose}>
      <form
        class="form"
        onSubmit={onSubmit(async () => {
          const body: { display_name?: string; header?: string; purpose?: string } = {};
          if (header !== ch.header) body.header = header.trim();
          if (admin && !isDm && display.trim() && display !== ch.display_name) body.display_name = display.trim();
          if (admin && !isDm && purpose !== ch.purpose) body.purpose = purpose.trim();
          const next = Object.keys(body).length ? await chatApi.patchChannel(ch.id, body) : ch;
          onSaved(next);
          return STAY_BUSY;
        })}
      >
        {admin && !isDm && <TextField label={t("chat.channelDisplayName")} value={display} onValue={setDisplay} maxLength={64} />}
        <div class="field">
          <label for="chat-edit-header" class="field-label">
            {t("chat.header")}
          </label>
          <textarea id="chat-edit-header" class="input" rows={2} maxLength={1024} value={header} onInput={(e) => setHeader((e.currentTarget as HTMLTextAreaElement).value)} />
          <p class="field-hint">{t("chat.headerHint")}</p>
        </div>
        {admin && !isDm && (
          <div class="field">
            <label for="chat-edit-purpose" class="field-label">
              {t("chat.purpose")}
            </label>
            <textarea id="chat-edit-purpose" class="input" rows={2} maxLength={250} value={purpose} onInput={(e) => setPurpose((e.currentTarget as HTMLTextAreaElement).value)} />
          </div>
        )}
        {error ? <p class="field-error">{errorText(t, error)}</p> : null}
        <div class="dialog-actions">
          <Button variant="secondary" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={busy}>
            {t("common.save")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

export function MembersDialog({ ch, invite, onClose }: { ch: Channel; invite: boolean; onClose: () => void }) {
  const { t } = useApp();
  const [members, setMembers] = useState<ChatMember[] | null>(null);
  const { busy, error, setError, run } = useSubmit();
  const [adding, setAdding] = useState(invite);
  const [picked, setPicked] = useState<ChatMember[]>([]);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    chatApi.channelMembers(ch.id).then(
      (l) => alive && setMembers(l),
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [ch.id, tick]);
  const canInvite = !ch.archived && ch.kind !== "direct" && ch.kind !== "group";
  return (
    <Modal title={adding ? t("chat.inviteTitle", { name: ch.display_name || ch.name }) : t("chat.membersTitle", { name: ch.display_name || ch.name })} onClose={onClose} wide>
      {adding ? (
        <>
          <MemberPicker
            exclude={new Set((members ?? []).map((m) => m.id))}
            picked={picked}
            max={50}
            onToggle={(m) => setPicked((p) => (p.some((x) => x.id === m.id) ? p.filter((x) => x.id !== m.id) : [...p, m]))}
          />
          {error ? <p class="field-error">{errorText(t, error)}</p> : null}
          <div class="dialog-actions">
            <Button variant="secondary" onClick={() => setAdding(false)}>
              {t("chat.seeMembers")}
            </Button>
            <Button
              disabled={!picked.length}
              loading={busy}
              onClick={async () => {
                await run(async () => {
                  for (const m of picked) await chatApi.addMember(ch.id, m.username);
                  setPicked([]);
                  setAdding(false);
                  setTick((n) => n + 1);
                });
              }}
            >
              {t("chat.add")}
            </Button>
          </div>
        </>
      ) : (
        <>
          {error ? (
            <p class="field-error">{errorText(t, error)}</p>
          ) : !members ? (
            <Spinner />
          ) : (
            <ul class="chat-pick-list">
              {members.map((m) => (
                <li key={m.id} class="chat-pick-row">
                  <span class="chat-avatar-wrap">
                    <Avatar name={m.display_name || m.username} color={m.avatar_color} size="sm" />
                    <PresenceDot userId={m.id} />
                  </span>
                  <span class="chat-pick-main">
                    <strong>{m.display_name || m.username}</strong>
                    <span class="muted small">@{m.username}</span>
                  </span>
                  {m.role === "admin" && <Badge tone="accent">{t("chat.role.admin")}</Badge>}
                </li>
              ))}
            </ul>
          )}
          {canInvite && (
            <div class="dialog-actions">
              <Button onClick={() => setAdding(true)}>{t("chat.menu.invite")}</Button>
            </div>
          )}
        </>
      )}
    </Modal>
  );
}
