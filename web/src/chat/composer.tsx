// The message box: Enter sends, Shift+Enter makes a new line, Up arrow (empty box) edits my last
// message, @mention autocomplete from the team's members, "typing" sent at most every 3 s.
import { useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { ApiError, errorText } from "../api.ts";
import { Avatar, cx } from "../components/ui.tsx";
import { chatApi } from "./api.ts";
import { useChat } from "./ctx.tsx";
import { IconClose, IconPaperclip, IconSend } from "./icons.tsx";
import { type MentionChoice, type MentionFragment, completeMention, mentionAt, rankMentions } from "./mentions.ts";
import type { ChatFile, ChatMember } from "./types.ts";

/** A file of the composer: uploading, uploaded (with its server id), or refused. */
interface Attachment {
  key: number;
  name: string;
  file: ChatFile | null;
  error: string | null;
}

let attachSeq = 0;

/** Up to 10 files per message (docs/chat-api.md "Files"). */
const MAX_FILES = 10;

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Drafts survive switching channels (per channel and thread), not a reload. */
const drafts = new Map<string, string>();

const MAX = 16000;

export function Composer({
  channelId,
  rootId,
  label,
  placeholder,
  onEditLast,
  autoFocus = true,
}: {
  channelId: string;
  rootId: number | null;
  label: string;
  placeholder: string;
  onEditLast: () => boolean;
  autoFocus?: boolean;
}) {
  const { t } = useApp();
  const { actions, team, meId } = useChat();
  const key = `${channelId}:${rootId ?? ""}`;
  const [text, setText] = useState(() => drafts.get(key) ?? "");
  const [frag, setFrag] = useState<MentionFragment | null>(null);
  const [choices, setChoices] = useState<MentionChoice[]>([]);
  const [active, setActive] = useState(0);
  const ref = useRef<HTMLTextAreaElement>(null);
  const uid = useId();
  const listId = `mention-list${uid}`;
  const hintId = `composer-hint${uid}`;
  const cache = useRef(new Map<string, ChatMember[]>());
  const [files, setFiles] = useState<Attachment[]>([]);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setText(drafts.get(key) ?? "");
    setFrag(null);
    setFiles([]);
    if (autoFocus && matchMedia("(hover: hover)").matches) ref.current?.focus();
  }, [key]);

  useEffect(() => resize(), [text]);

  const caretAfterRender = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    const caret = caretAfterRender.current;
    if (!el || caret === null) return;
    caretAfterRender.current = null;
    el.focus();
    el.setSelectionRange(caret, caret);
  }, [text]);

  // Members matching the fragment (debounced, cached per query).
  useEffect(() => {
    if (!frag) {
      setChoices([]);
      return;
    }
    const q = frag.query.toLowerCase();
    const cached = cache.current.get(q);
    if (cached) {
      setChoices(rankMentions(cached, q, { excludeId: meId }));
      return;
    }
    let alive = true;
    const timer = setTimeout(() => {
      chatApi.teamMembers(team.name, q).then(
        (list) => {
          cache.current.set(q, list);
          if (alive) setChoices(rankMentions(list, q, { excludeId: meId }));
        },
        () => alive && setChoices(rankMentions([], q)),
      );
    }, 120);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [frag?.query, frag?.start, team.name]);

  useEffect(() => setActive(0), [choices]);

  function resize() {
    const el = ref.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight + 2, 240)}px`;
  }

  const update = (value: string, caret: number) => {
    setText(value);
    drafts.set(key, value);
    setFrag(mentionAt(value, caret));
    if (value.trim()) actions.typing(channelId, rootId);
  };

  const choose = (c: MentionChoice) => {
    const el = ref.current;
    if (!el || !frag) return;
    const name = c.kind === "user" ? c.member.username : c.name;
    const next = completeMention(text, frag, el.selectionStart ?? text.length, name);
    setText(next.text);
    drafts.set(key, next.text);
    setFrag(null);
    // Placed once the new text is rendered, before the next key is handled: a caret moved a
    // frame later would send the keys typed meanwhile to the wrong place.
    caretAfterRender.current = next.caret;
  };

  const upload = (list: Iterable<File>) => {
    for (const f of list) {
      const k = ++attachSeq;
      const name = f.name || (f.type.startsWith("image/") ? `image.${f.type.slice(6).replace(/[^a-z0-9]/gi, "") || "png"}` : "file");
      setFiles((cur) => (cur.length >= MAX_FILES ? cur : [...cur, { key: k, name, file: null, error: null }]));
      chatApi.upload(channelId, f, name).then(
        (file) => setFiles((cur) => cur.map((a) => (a.key === k ? { ...a, file } : a))),
        (e) => {
          const error =
            e instanceof ApiError && e.status === 413
              ? t("chat.file.tooLarge")
              : e instanceof ApiError && e.status === 415
                ? t("chat.file.unsupported")
                : e instanceof ApiError && e.status === 422
                  ? t("chat.file.badName")
                  : errorText(t, e);
          setFiles((cur) => cur.map((a) => (a.key === k ? { ...a, error } : a)));
        },
      );
    }
  };

  const ready = files.filter((a) => a.file).map((a) => (a.file as ChatFile).id);
  const uploading = files.some((a) => !a.file && !a.error);

  const send = () => {
    const v = text.trim();
    if (v.length > MAX || uploading) return;
    if (!v && ready.length === 0) return;
    actions.send(channelId, v, rootId, ready);
    setText("");
    drafts.delete(key);
    setFrag(null);
    setFiles([]);
  };

  const open = frag !== null && choices.length > 0;
  const activeChoice = open ? choices[Math.min(active, choices.length - 1)] : undefined;
  const optionId = (i: number) => `${listId}-o${i}`;

  return (
    <form
      class={cx("chat-composer", dragging && "is-dragging")}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes("Files")) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        setDragging(false);
        const list = e.dataTransfer?.files;
        if (!list || list.length === 0) return;
        e.preventDefault();
        upload(Array.from(list));
      }}
    >
      {open && (
        <ul class="chat-mentions" id={listId} role="listbox" aria-label={t("chat.mentionSuggestions")}>
          {choices.map((c, i) => (
            <li
              key={c.kind === "user" ? c.member.id : c.name}
              id={optionId(i)}
              role="option"
              aria-selected={i === active ? "true" : "false"}
              class={cx("chat-mention-option", i === active && "is-active")}
              onPointerDown={(e) => {
                e.preventDefault();
                choose(c);
              }}
            >
              {c.kind === "user" ? (
                <>
                  <Avatar name={c.member.display_name || c.member.username} color={c.member.avatar_color} size="sm" />
                  <strong>@{c.member.username}</strong>
                  <span class="muted">{c.member.display_name}</span>
                </>
              ) : (
                <>
                  <strong>@{c.name}</strong>
                  <span class="muted">{t(`chat.special.${c.name}`)}</span>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {files.length > 0 && (
        <ul class="chat-attachments" aria-label={t("chat.file.pending")}>
          {files.map((a) => (
            <li key={a.key} class={cx("chat-attachment", a.error && "is-error")}>
              <span class="chat-attachment-name">{a.name}</span>
              {a.file ? (
                <span class="muted">{formatSize(a.file.size)}</span>
              ) : a.error ? (
                <span class="chat-attachment-error" role="alert">
                  {a.error}
                </span>
              ) : (
                <span class="muted">{t("chat.file.uploading")}</span>
              )}
              <button
                type="button"
                class="icon-btn"
                aria-label={t("chat.file.remove", { name: a.name })}
                title={t("chat.file.remove", { name: a.name })}
                onClick={() => setFiles((cur) => cur.filter((x) => x.key !== a.key))}
              >
                <IconClose size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="chat-composer-box">
        <button type="button" class="icon-btn chat-attach" aria-label={t("chat.file.attach")} title={t("chat.file.attach")} onClick={() => fileInput.current?.click()}>
          <IconPaperclip />
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          class="chat-file-input"
          onChange={(e) => {
            const el = e.currentTarget as HTMLInputElement;
            if (el.files) upload(Array.from(el.files));
            el.value = "";
          }}
        />
        <label class="visually-hidden" for={`composer${uid}`}>
          {label}
        </label>
        <textarea
          id={`composer${uid}`}
          ref={ref}
          class="chat-composer-input"
          rows={1}
          value={text}
          placeholder={placeholder}
          maxLength={MAX}
          aria-autocomplete="list"
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? optionId(Math.min(active, choices.length - 1)) : undefined}
          aria-describedby={hintId}
          onInput={(e) => {
            const el = e.currentTarget as HTMLTextAreaElement;
            update(el.value, el.selectionStart ?? el.value.length);
          }}
          onClick={(e) => {
            const el = e.currentTarget as HTMLTextAreaElement;
            setFrag(mentionAt(el.value, el.selectionStart ?? 0));
          }}
          onBlur={() => setTimeout(() => setFrag(null), 150)}
          onPaste={(e) => {
            const items = Array.from(e.clipboardData?.files ?? []).filter((f) => f.type.startsWith("image/"));
            if (items.length === 0) return;
            e.preventDefault();
            upload(items);
          }}
          onKeyDown={(e) => {
            if (e.isComposing) return;
            if (open) {
              if (e.key === "ArrowDown") {
                e.preventDefault();
                setActive((a) => (a + 1) % choices.length);
                return;
              }
              if (e.key === "ArrowUp") {
                e.preventDefault();
                setActive((a) => (a - 1 + choices.length) % choices.length);
                return;
              }
              if ((e.key === "Enter" || e.key === "Tab") && activeChoice) {
                e.preventDefault();
                choose(activeChoice);
                return;
              }
              if (e.key === "Escape") {
                e.preventDefault();
                e.stopPropagation();
                setFrag(null);
                return;
              }
            }
            if (e.key === "Enter" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
              e.preventDefault();
              send();
              return;
            }
            if (e.key === "ArrowUp" && !text && onEditLast()) e.preventDefault();
          }}
        />
        <button type="submit" class="icon-btn chat-send" aria-label={t("chat.send")} title={t("chat.send")} disabled={uploading || (!text.trim() && ready.length === 0)}>
          <IconSend />
        </button>
      </div>
      <p id={hintId} class="chat-composer-hint">
        {t("chat.composerHint")}
      </p>
    </form>
  );
}
