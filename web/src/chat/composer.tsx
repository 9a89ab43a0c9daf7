// The message box: Enter sends, Shift+Enter makes a new line, Up arrow (empty box) edits my last
// message, @mention autocomplete from the team's members, "typing" sent at most every 3 s.
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { Avatar, cx } from "../components/ui.tsx";
import { chatApi } from "./api.ts";
import { useChat } from "./ctx.tsx";
import { IconSend } from "./icons.tsx";
import { type MentionChoice, type MentionFragment, completeMention, mentionAt, rankMentions } from "./mentions.ts";
import type { ChatMember } from "./types.ts";

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

  useEffect(() => {
    setText(drafts.get(key) ?? "");
    setFrag(null);
    if (autoFocus && matchMedia("(hover: hover)").matches) ref.current?.focus();
  }, [key]);

  useEffect(() => resize(), [text]);

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
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(next.caret, next.caret);
    });
  };

  const send = () => {
    const v = text.trim();
    if (!v || v.length > MAX) return;
    actions.send(channelId, v, rootId);
    setText("");
    drafts.delete(key);
    setFrag(null);
  };

  const open = frag !== null && choices.length > 0;
  const activeChoice = open ? choices[Math.min(active, choices.length - 1)] : undefined;
  const optionId = (i: number) => `${listId}-o${i}`;

  return (
    <form
      class="chat-composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
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
      <div class="chat-composer-box">
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
        <button type="submit" class="icon-btn chat-send" aria-label={t("chat.send")} title={t("chat.send")} disabled={!text.trim()}>
          <IconSend />
        </button>
      </div>
      <p id={hintId} class="chat-composer-hint">
        {t("chat.composerHint")}
      </p>
    </form>
  );
}
