// The pad's formatting toolbar and the choice of editing mode (Formatted / Markdown), kept per
// device: two people can be in the same pad, each in the mode they like. Buttons never take the
// focus from the text (mousedown is cancelled), so the selection they act on stays.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Svg } from "../components/icons.tsx";
import { cx } from "../components/ui.tsx";
import type { Translate } from "../i18n/index.ts";
import { getItem, setItem } from "../storage.ts";
import type { Command, Format, InlineFormat, LineFormat } from "./format.ts";
import { IMAGE_TYPES, addImages } from "./images.ts";
import type { PadSession } from "./session.ts";

export type EditMode = "formatted" | "source";

const MODE_KEY = "nichoir.pad.mode";

/** The mode this device last chose; Formatted for someone new. */
export function storedMode(): EditMode {
  return getItem(MODE_KEY) === "source" ? "source" : "formatted";
}

export function storeMode(mode: EditMode): void {
  setItem(MODE_KEY, mode);
}

const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** "Mod-Shift-7" as the keyboard shows it: "Ctrl+Shift+7" or "⌘⇧7". */
function keys(shortcut: string): string {
  const parts = shortcut.split("-");
  if (isMac) return parts.map((p) => ({ Mod: "⌘", Shift: "⇧", Alt: "⌥" })[p] ?? p.toUpperCase()).join("");
  return parts.map((p) => (p === "Mod" ? "Ctrl" : p.length === 1 ? p.toUpperCase() : p)).join("+");
}

/** The keyboard shortcuts, shared with the session's keymap. */
export const SHORTCUTS: Partial<Record<Command | "link", string>> = {
  bold: "Mod-b",
  italic: "Mod-i",
  underline: "Mod-u",
  strike: "Mod-Shift-x",
  code: "Mod-e",
  link: "Mod-k",
  h1: "Mod-Alt-1",
  h2: "Mod-Alt-2",
  h3: "Mod-Alt-3",
  numbered: "Mod-Shift-7",
  bullet: "Mod-Shift-8",
  check: "Mod-Shift-9",
  clear: "Mod-\\",
};

// Headings are drawn, not written "H1": a visible text must be part of the button's name.
const heading = (digit: string) => (
  <Svg size={18}>
    <path d={`M4 12h8M4 18V6M12 18V6${digit}`} />
  </Svg>
);

const I = {
  h1: heading("M17 12l3-2v8"),
  h2: heading("M21 18h-4c0-4 4-3 4-6 0-1.5-2-2.5-4-1"),
  h3: heading("M17.5 10.5c1.7-1 3.5 0 3.5 1.5a2 2 0 0 1-2 2M17 17.5c2 1.5 4 .3 4-1.5a2 2 0 0 0-2-2"),
  bullet: (
    <Svg size={18}>
      <path d="M9 6h11M9 12h11M9 18h11" />
      <circle cx="4.5" cy="6" r="1" fill="currentColor" />
      <circle cx="4.5" cy="12" r="1" fill="currentColor" />
      <circle cx="4.5" cy="18" r="1" fill="currentColor" />
    </Svg>
  ),
  numbered: (
    <Svg size={18}>
      <path d="M10 6h10M10 12h10M10 18h10M4 4.5h1.5V9M4 9h3M4 14.5c.5-1 3-1 3 .5S4 17 4 19.5h3" />
    </Svg>
  ),
  check: (
    <Svg size={18}>
      <rect x="3" y="4" width="6" height="6" rx="1" />
      <path d="M4.5 7l1.2 1.2L8 5.8M12 7h9M3 15h6v6H3zM12 18h9" />
    </Svg>
  ),
  outdent: (
    <Svg size={18}>
      <path d="M21 5H3M21 19H3M21 12h-9M7 9l-3 3 3 3" />
    </Svg>
  ),
  indent: (
    <Svg size={18}>
      <path d="M21 5H3M21 19H3M21 12h-9M4 9l3 3-3 3" />
    </Svg>
  ),
  quote: (
    <Svg size={18}>
      <path d="M4 5v14M9 8h11M9 12h11M9 16h7" />
    </Svg>
  ),
  code: (
    <Svg size={18}>
      <path d="M8 7l-5 5 5 5M16 7l5 5-5 5" />
    </Svg>
  ),
  link: (
    <Svg size={18}>
      <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1" />
      <path d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
    </Svg>
  ),
  hr: (
    <Svg size={18}>
      <path d="M3 12h18" />
    </Svg>
  ),
  image: (
    <Svg size={18}>
      <rect x="3" y="4" width="18" height="16" rx="2" />
      <circle cx="9" cy="10" r="1.5" />
      <path d="M21 16l-5-5-8 9" />
    </Svg>
  ),
  imageRemove: (
    <Svg size={18}>
      <rect x="3" y="4" width="18" height="16" rx="2" />
      <path d="M9 9l6 6M15 9l-6 6" />
    </Svg>
  ),
  clear: (
    <Svg size={18}>
      <path d="M6 5h12M12 5l-3 14M14 14l6 6M20 14l-6 6" />
    </Svg>
  ),
};

function ToolButton({
  label,
  shortcut,
  pressed,
  disabled,
  onPress,
  children,
  class: cls,
}: {
  label: string;
  shortcut?: string | undefined;
  pressed?: boolean;
  disabled?: boolean;
  onPress: () => void;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <button
      type="button"
      class={cx("pad-fmt-btn", cls)}
      aria-label={label}
      aria-pressed={pressed === undefined ? undefined : pressed ? "true" : "false"}
      aria-keyshortcuts={shortcut ? shortcut.replace(/Mod/g, isMac ? "Meta" : "Control").replace(/-/g, "+") : undefined}
      title={shortcut ? `${label} (${keys(shortcut)})` : label}
      disabled={disabled}
      // Keep the editor's focus and selection.
      onMouseDown={(e: MouseEvent) => e.preventDefault()}
      onClick={onPress}
    >
      {children}
    </button>
  );
}

interface Props {
  session: PadSession | null;
  mode: EditMode;
  onMode: (mode: EditMode) => void;
  readonly: boolean;
  formats: readonly Format[];
  /** The selection is on one image: "Remove image" acts on it. */
  onImage: boolean;
  /** Bumped by the session when Ctrl/Cmd-K asks for the link form. */
  linkRequest: number;
  /** Bumped by the session when Alt-F10 asks for the toolbar. */
  toolbarRequest: number;
  t: Translate;
}

/** The toolbar's buttons a keyboard can reach, in order. */
function reachable(bar: HTMLElement): HTMLButtonElement[] {
  return Array.from(bar.querySelectorAll<HTMLButtonElement>("button")).filter((b) => !b.disabled);
}

/**
 * One tab stop for the whole toolbar (WAI-ARIA's toolbar pattern): the button last used, else
 * the first; the arrow keys, Home and End move between the others. Twenty tab stops between
 * the page's top and the text were a long way round for a keyboard.
 */
function rove(bar: HTMLElement, lastUsed: HTMLElement | null): HTMLButtonElement | undefined {
  const buttons = reachable(bar);
  const stop = buttons.find((b) => b === lastUsed) ?? buttons[0];
  for (const b of bar.querySelectorAll<HTMLButtonElement>("button")) b.tabIndex = b === stop ? 0 : -1;
  return stop;
}

export function FormatToolbar({ session, mode, onMode, readonly, formats, onImage, linkRequest, toolbarRequest, t }: Props) {
  const on = new Set(formats);
  const [linkOpen, setLinkOpen] = useState(false);
  const [url, setUrl] = useState("");
  const [hasLink, setHasLink] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const imageInput = useRef<HTMLInputElement>(null);
  const bar = useRef<HTMLDivElement>(null);
  const lastUsed = useRef<HTMLElement | null>(null);
  // After every render: buttons come and go (read-only, a disabled "Remove image").
  useEffect(() => {
    if (bar.current) rove(bar.current, lastUsed.current);
  });
  useEffect(() => {
    if (toolbarRequest > 0 && bar.current) rove(bar.current, lastUsed.current)?.focus();
  }, [toolbarRequest]);
  const onBarKey = (e: KeyboardEvent) => {
    const el = bar.current;
    if (!el) return;
    if (e.key === "Escape") {
      e.preventDefault();
      session?.view.focus();
      return;
    }
    const buttons = reachable(el);
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const n = buttons.length;
    const to = e.key === "ArrowRight" ? (at + 1) % n : e.key === "ArrowLeft" ? (at - 1 + n) % n : e.key === "Home" ? 0 : e.key === "End" ? n - 1 : -1;
    if (to < 0 || n === 0) return;
    e.preventDefault();
    buttons[to]!.focus();
  };
  const onBarFocus = (e: FocusEvent) => {
    const target = e.target as HTMLElement;
    if (target.tagName === "BUTTON" && bar.current) {
      lastUsed.current = target;
      rove(bar.current, target);
    }
  };

  const openLink = () => {
    const current = session?.linkAt() ?? null;
    setHasLink(!!current);
    setUrl(current?.url ?? "");
    setLinkOpen(true);
  };
  useEffect(() => {
    if (linkRequest > 0 && !readonly) openLink();
  }, [linkRequest]);
  useEffect(() => {
    if (linkOpen) inputRef.current?.focus();
  }, [linkOpen]);

  const run = (cmd: Command) => session?.format(cmd);
  const button = (cmd: InlineFormat | LineFormat, content: ComponentChildren, cls?: string) => (
    <ToolButton key={cmd} label={t(`pad.format.${cmd}`)} shortcut={SHORTCUTS[cmd]} pressed={on.has(cmd)} onPress={() => run(cmd)} class={cls}>
      {content}
    </ToolButton>
  );
  const action = (cmd: "outdent" | "indent" | "hr" | "clear", content: ComponentChildren) => (
    <ToolButton key={cmd} label={t(`pad.format.${cmd}`)} shortcut={SHORTCUTS[cmd]} onPress={() => run(cmd)}>
      {content}
    </ToolButton>
  );
  const closeLink = () => {
    setLinkOpen(false);
    session?.view.focus();
  };
  const applyLink = (e: Event) => {
    e.preventDefault();
    const u = url.trim();
    // "example.org/page" is meant as a web address.
    session?.setLink(/^([a-z][a-z0-9+.-]*:|\/|#)/i.test(u) ? u : `https://${u}`);
    closeLink();
  };

  return (
    <div class="pad-format">
      <div ref={bar} class="pad-format-bar" role="toolbar" aria-label={t("pad.format.toolbar")} aria-keyshortcuts="Alt+F10" onKeyDown={onBarKey} onFocusIn={onBarFocus}>
        <div class="pad-mode" role="group" aria-label={t("pad.mode")}>
          {(["formatted", "source"] as const).map((m) => (
            <button key={m} type="button" class="pad-fmt-btn pad-mode-btn" aria-pressed={mode === m ? "true" : "false"} title={t(`pad.mode.${m}Hint`)} onClick={() => onMode(m)}>
              {t(`pad.mode.${m}`)}
            </button>
          ))}
        </div>
        {!readonly && (
          <>
            <span class="pad-format-sep" aria-hidden="true" />
            {button("bold", <b>B</b>)}
            {button("italic", <i>I</i>)}
            {button("underline", <u>U</u>)}
            {button("strike", <s>S</s>)}
            <span class="pad-format-sep" aria-hidden="true" />
            {button("h1", I.h1)}
            {button("h2", I.h2)}
            {button("h3", I.h3)}
            <span class="pad-format-sep" aria-hidden="true" />
            {button("bullet", I.bullet)}
            {button("numbered", I.numbered)}
            {button("check", I.check)}
            {action("outdent", I.outdent)}
            {action("indent", I.indent)}
            <span class="pad-format-sep" aria-hidden="true" />
            {button("quote", I.quote)}
            <ToolButton label={t("pad.format.code")} shortcut={SHORTCUTS.code} pressed={on.has("code") || on.has("codeblock")} onPress={() => run("code")}>
              {I.code}
            </ToolButton>
            <ToolButton label={t("pad.format.link")} shortcut={SHORTCUTS.link} pressed={on.has("link")} onPress={openLink}>
              {I.link}
            </ToolButton>
            <ToolButton label={t("pad.format.image")} onPress={() => imageInput.current?.click()}>
              {I.image}
            </ToolButton>
            <input
              ref={imageInput}
              type="file"
              class="pad-image-input"
              accept={IMAGE_TYPES.join(",")}
              multiple
              tabIndex={-1}
              aria-hidden="true"
              onChange={(e) => {
                const input = e.currentTarget as HTMLInputElement;
                const files = Array.from(input.files ?? []);
                input.value = "";
                if (session && files.length) {
                  session.view.focus();
                  void addImages(session.view, files);
                }
              }}
            />
            <ToolButton label={t("pad.format.imageRemove")} disabled={!onImage} onPress={() => session?.removeImage()}>
              {I.imageRemove}
            </ToolButton>
            {action("hr", I.hr)}
            {action("clear", I.clear)}
          </>
        )}
      </div>
      {linkOpen && !readonly && (
        <form class="pad-link-form" onSubmit={applyLink} onKeyDown={(e) => e.key === "Escape" && closeLink()}>
          <label class="field-label" for="pad-link-url">
            {t("pad.format.linkUrl")}
          </label>
          <input
            ref={inputRef}
            id="pad-link-url"
            class="input"
            type="text"
            inputMode="url"
            spellcheck={false}
            autocomplete="url"
            placeholder="https://"
            value={url}
            onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit" class="btn btn-primary btn-sm" disabled={!url.trim()}>
            {t("pad.format.linkApply")}
          </button>
          {hasLink && (
            <button
              type="button"
              class="btn btn-secondary btn-sm"
              onClick={() => {
                session?.setLink("");
                closeLink();
              }}
            >
              {t("pad.format.linkRemove")}
            </button>
          )}
          <button type="button" class="btn btn-ghost btn-sm" onClick={closeLink}>
            {t("common.cancel")}
          </button>
          <p class="field-hint">{t("pad.format.linkHint")}</p>
        </form>
      )}
    </div>
  );
}
