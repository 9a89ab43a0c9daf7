// Rendering pieces shared by the wiki pages: server-rendered HTML (internal links navigate in the
// app, embeds become cards), search snippets, diffs, a modal dialog, the flash message.
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";
import { api } from "../api.ts";
import { useApp } from "../context.tsx";
import { closeAndRefocus } from "../components/focus.ts";
import { cx } from "../components/ui.tsx";
import type { Translate } from "../i18n/index.ts";
import { matchRoute, navigate } from "../router.ts";
import { type InlineRow, type SideRow, inlineRows, sideBySideRows } from "./diffview.ts";
import { snippetParts } from "./snippet.ts";
import type { DiffLine, WikiDiff } from "./types.ts";

/** Scrolls to an element of this page by id without going through the router (no refocus of main). */
export function jumpTo(id: string): boolean {
  const el = document.getElementById(id);
  if (!el) return false;
  el.scrollIntoView({ block: "start" });
  if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
  el.focus({ preventScroll: true });
  history.replaceState(history.state, "", `${location.pathname}${location.search}#${encodeURIComponent(id)}`);
  return true;
}

/**
 * A click on a same-site link inside server HTML: app routes navigate in the app, anchors of this
 * page scroll, anything else (attachments, API URLs) is left to the browser.
 */
export function handleContentClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.("a[href]") as HTMLAnchorElement | null;
  if (!a || (a.target && a.target !== "_self") || a.hasAttribute("download")) return;
  let url: URL;
  try {
    url = new URL(a.getAttribute("href") ?? "", location.href);
  } catch {
    return;
  }
  if (url.origin !== location.origin) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) {
    let id = url.hash.slice(1);
    try {
      id = decodeURIComponent(id);
    } catch {
      /* keep it */
    }
    if (jumpTo(id)) e.preventDefault();
    return;
  }
  if (url.pathname.startsWith("/api/") || /^\/w\/[^/]+\/_files\//.test(url.pathname)) return;
  if (matchRoute(url.pathname, url.search).name === "notFound") return;
  e.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

interface PadAnswer {
  pad: { id: string };
  text: string;
}
interface PollAnswer {
  poll: { title: string; description?: string };
}

/** Turns `a.wiki-embed` links into cards (title, first lines); on any error the link stays. */
async function decorateEmbed(a: HTMLAnchorElement, t: Translate): Promise<void> {
  const kind = a.dataset.embed;
  const id = a.dataset.id;
  if (!id || (kind !== "pad" && kind !== "poll") || a.dataset.decorated) return;
  a.dataset.decorated = "1";
  let title: string;
  let body: string;
  try {
    if (kind === "poll") {
      const v = await api.get<PollAnswer>(`/api/v1/polls/${encodeURIComponent(id)}`);
      title = v.poll.title;
      body = (v.poll.description ?? "").split("\n").slice(0, 3).join("\n");
    } else {
      const p = await api.get<PadAnswer>(`/api/v1/pads/${encodeURIComponent(id)}`);
      title = p.pad.id;
      body = p.text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .slice(0, 4)
        .join("\n");
    }
  } catch {
    return;
  }
  if (!a.isConnected) return;
  const make = (tag: string, cls: string, text: string) => {
    const el = document.createElement(tag);
    el.className = cls;
    el.textContent = text;
    return el;
  };
  const card = document.createDocumentFragment();
  card.append(make("span", "wiki-embed-kind", kind === "poll" ? t("wiki.embed.poll") : t("wiki.embed.pad")), make("span", "wiki-embed-title", title));
  if (body) card.append(make("span", "wiki-embed-body", body));
  card.append(make("span", "wiki-embed-open", kind === "poll" ? t("wiki.embed.openPoll") : t("wiki.embed.openPad")));
  a.replaceChildren(card);
  a.classList.add("wiki-embed-card");
}

/**
 * Server-sanitised HTML of a page, a preview or the menu. `current` marks the menu link of the
 * page being read (aria-current).
 */
export function WikiHtml({ html, class: cls, current, id }: { html: string; class?: string; current?: string; id?: string }) {
  const { t } = useApp();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    root.querySelectorAll<HTMLAnchorElement>("a.wiki-embed[data-embed][data-id]").forEach((a) => void decorateEmbed(a, t));
    // Links to other sites open in a new tab, without telling them where the reader came from.
    root.querySelectorAll<HTMLAnchorElement>("a[href]").forEach((a) => {
      try {
        const u = new URL(a.getAttribute("href") ?? "", location.href);
        if (u.origin !== location.origin) {
          a.rel = "noopener noreferrer nofollow";
          a.target = "_blank";
        }
      } catch {
        /* leave it */
      }
    });
  }, [html, t]);
  useEffect(() => {
    const root = ref.current;
    if (!root || current === undefined) return;
    root.querySelectorAll<HTMLAnchorElement>("a[href]").forEach((a) => {
      let here: boolean;
      try {
        here = new URL(a.getAttribute("href") ?? "", location.href).pathname === current;
      } catch {
        here = false;
      }
      if (here) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }, [html, current]);
  return <div id={id} ref={ref} class={cls} onClick={(e) => handleContentClick(e as unknown as MouseEvent)} dangerouslySetInnerHTML={{ __html: html }} />;
}

/** A search snippet: the server's [matches] become <mark>, everything is text. */
export function Snippet({ text }: { text: string }) {
  return <span class="wiki-snippet">{snippetParts(text).map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}</span>;
}

function Segments({ line, side }: { line: DiffLine; side: "old" | "new" }) {
  return (
    <>
      {line.segments.map((s, i) =>
        s.changed && line.kind !== "same" ? (
          side === "old" ? (
            <del key={i} class="wiki-diff-word">
              {s.text}
            </del>
          ) : (
            <ins key={i} class="wiki-diff-word">
              {s.text}
            </ins>
          )
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
      {line.segments.length === 0 && "\u200b"}
    </>
  );
}

function sign(kind: DiffLine["kind"]) {
  return kind === "added" ? "+" : kind === "removed" ? "\u2212" : " ";
}

/** A diff, inline (unified) or side by side, with the changed words highlighted. */
export function DiffView({ diff, mode }: { diff: WikiDiff; mode: "inline" | "side" }) {
  const { t } = useApp();
  const hunkLabel = (r: { oldStart: number; newStart: number }) => t("wiki.diff.hunk", { old: r.oldStart, new: r.newStart });
  if (mode === "side") {
    const rows: SideRow[] = sideBySideRows(diff);
    return (
      <div class="wiki-diff-wrap">
        <table class="wiki-diff wiki-diff-side">
          <caption class="visually-hidden">{t("wiki.diff.captionSide")}</caption>
          <colgroup>
            <col class="wiki-diff-col-num" />
            <col />
            <col class="wiki-diff-col-num" />
            <col />
          </colgroup>
          <thead class="visually-hidden">
            <tr>
              <th scope="col">{t("wiki.diff.oldLine")}</th>
              <th scope="col">{t("wiki.diff.oldText")}</th>
              <th scope="col">{t("wiki.diff.newLine")}</th>
              <th scope="col">{t("wiki.diff.newText")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) =>
              r.type === "hunk" ? (
                <tr key={i} class="wiki-diff-hunk">
                  <td colSpan={4}>{hunkLabel(r)}</td>
                </tr>
              ) : (
                <tr key={i}>
                  <td class="wiki-diff-num">{r.left?.old_line ?? ""}</td>
                  <td class={cx("wiki-diff-text", r.left ? `is-${r.left.kind === "same" ? "same" : "removed"}` : "is-empty")}>{r.left && <Segments line={r.left} side="old" />}</td>
                  <td class="wiki-diff-num">{r.right?.new_line ?? ""}</td>
                  <td class={cx("wiki-diff-text", r.right ? `is-${r.right.kind === "same" ? "same" : "added"}` : "is-empty")}>
                    {r.right && <Segments line={r.right} side="new" />}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </div>
    );
  }
  const rows: InlineRow[] = inlineRows(diff);
  return (
    <div class="wiki-diff-wrap">
      <table class="wiki-diff wiki-diff-inline">
        <caption class="visually-hidden">{t("wiki.diff.captionInline")}</caption>
        <thead class="visually-hidden">
          <tr>
            <th scope="col">{t("wiki.diff.oldLine")}</th>
            <th scope="col">{t("wiki.diff.newLine")}</th>
            <th scope="col">{t("wiki.diff.change")}</th>
            <th scope="col">{t("wiki.diff.text")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) =>
            r.type === "hunk" ? (
              <tr key={i} class="wiki-diff-hunk">
                <td colSpan={4}>{hunkLabel(r)}</td>
              </tr>
            ) : (
              <tr key={i} class={`is-${r.line.kind}`}>
                <td class="wiki-diff-num">{r.line.old_line ?? ""}</td>
                <td class="wiki-diff-num">{r.line.new_line ?? ""}</td>
                <td class="wiki-diff-sign">
                  <span aria-hidden="true">{sign(r.line.kind)}</span>
                  <span class="visually-hidden">
                    {r.line.kind === "added" ? t("wiki.diff.added") : r.line.kind === "removed" ? t("wiki.diff.removed") : t("wiki.diff.unchanged")}
                  </span>
                </td>
                <td class="wiki-diff-text">
                  <Segments line={r.line} side={r.line.kind === "removed" ? "old" : "new"} />
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}

/** A modal built on <dialog> (Escape and the close button call onClose). */
export function Modal({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const tid = `m${useId()}`;
  useEffect(() => {
    const d = ref.current;
    // Closing gives the focus back to what opened the dialog (keyboard and screen-reader users).
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    return () => closeAndRefocus(d, opener);
  }, []);
  return (
    <dialog
      ref={ref}
      class={cx("dialog", "wiki-dialog", wide && "wiki-dialog-wide")}
      aria-labelledby={tid}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={tid} class="dialog-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}

// A message carried to the next page (after a save, a rename…), read once.
export type Flash = { kind: "success" | "info" | "warning"; text: string };
let pendingFlash: Flash | null = null;
export function setFlash(f: Flash): void {
  pendingFlash = f;
}
export function takeFlash(): Flash | null {
  const f = pendingFlash;
  pendingFlash = null;
  return f;
}
