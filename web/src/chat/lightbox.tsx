// The image viewer of the chat: a click on an image of a message opens it over the chat, fitted
// to the window, with its name, size, who posted it and when; download and close; the arrows
// (keys and buttons) go through the images of the same list (the channel, or the thread panel).
// The raw file in a tab of its own was the browser's image page, whose inline styles our CSP
// refuses. A modal <dialog>: the rest of the page is inert while it is open.
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { closeAndRefocus } from "../components/focus.ts";
import { useApp } from "../context.tsx";
import { formatSize } from "./composer.tsx";
import { IconClose, IconDownload, IconNext, IconPrev } from "./icons.tsx";

/** What the viewer shows of one image. */
export interface LightboxImage {
  id: string;
  name: string;
  size: number;
  url: string;
  width: number | null;
  height: number | null;
  author: string;
  /** ISO time of the message, and the same as the reader reads it. */
  postedAt: string;
  postedLabel: string;
}

/** One image of a list, with the thumbnail that opens it (focus goes back there on close). */
export interface LightboxEntry {
  image: LightboxImage;
  thumb: HTMLElement;
}

// A thumbnail's image, found from the element: the list of a view is read from the page when the
// viewer opens, in the order the reader sees, whatever posts rendered the thumbnails.
const registered = new WeakMap<Element, LightboxImage>();

/** A ref for a thumbnail link: `image` is what the viewer shows for it. */
export function thumbnailRef(image: LightboxImage) {
  return (el: Element | null) => {
    if (el) registered.set(el, image);
  };
}

/** The images of the list `thumb` is in (the channel's messages, a thread), and its place there. */
export function imagesAround(thumb: HTMLElement): { entries: LightboxEntry[]; index: number } {
  const scope = thumb.closest(".chat-list, .chat-results") ?? thumb.closest(".chat-files") ?? thumb;
  const entries: LightboxEntry[] = [];
  for (const el of Array.from(scope.querySelectorAll<HTMLElement>("[data-lightbox]"))) {
    const image = registered.get(el);
    if (image) entries.push({ image, thumb: el });
  }
  let index = entries.findIndex((e) => e.thumb === thumb);
  if (index < 0) {
    const own = registered.get(thumb);
    if (!own) return { entries: [], index: 0 };
    entries.splice(0, entries.length, { image: own, thumb });
    index = 0;
  }
  return { entries, index };
}

/** The thumbnail of `entry` in the page now. The list may have been drawn anew while the viewer
 * was open (a reconnection reloads the channel): then the same image's new thumbnail, found by
 * its file id in the same kind of list, rather than the focus lost to the page's body. */
function liveThumb(entry: LightboxEntry | undefined): HTMLElement | null {
  if (!entry) return null;
  if (document.contains(entry.thumb)) return entry.thumb;
  const kind = listKind(entry.thumb);
  const same = Array.from(document.querySelectorAll<HTMLElement>(`[data-lightbox="${CSS.escape(entry.image.id)}"]`));
  return same.find((el) => listKind(el) === kind) ?? same[0] ?? null;
}

/** Where a thumbnail is: the channel, or the side panel (a thread, search results). */
function listKind(el: HTMLElement): string {
  return el.closest(".chat-panel") ? "panel" : "channel";
}

const FOCUSABLE = "a[href], button:not([disabled]), [tabindex]:not([tabindex='-1'])";

export function Lightbox({ entries, start, onClose }: { entries: LightboxEntry[]; start: number; onClose: () => void }) {
  const { t } = useApp();
  const ref = useRef<HTMLDialogElement>(null);
  const [index, setIndex] = useState(start);
  const current = entries[index] ?? entries[0];
  const at = useRef(index);
  at.current = index;
  const tid = `lb${useId()}`;

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    d?.querySelector<HTMLElement>(".chat-lightbox-close")?.focus();
    // Back to the thumbnail of the image last shown (the one opened, unless the reader moved).
    return () => closeAndRefocus(d, liveThumb(entries[at.current]) ?? liveThumb(entries[start]));
  }, []);

  if (!current) return null;
  const { image } = current;
  const many = entries.length > 1;
  const go = (step: number) => setIndex((i) => (i + step + entries.length) % entries.length);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      e.preventDefault();
      e.stopPropagation();
      if (many) go(e.key === "ArrowLeft" ? -1 : 1);
      return;
    }
    if (e.key !== "Tab") return;
    // The page behind is inert already; this keeps Tab from leaving for the browser's own bar.
    const d = ref.current;
    const list = d ? Array.from(d.querySelectorAll<HTMLElement>(FOCUSABLE)) : [];
    const first = list[0];
    const last = list[list.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      class="chat-lightbox"
      aria-labelledby={tid}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onKeyDown={onKeyDown}
      onClick={(e) => {
        // The dark area around the picture is the backdrop: a click there closes.
        const el = e.target as HTMLElement;
        if (el === ref.current || el.classList.contains("chat-lightbox-stage")) onClose();
      }}
    >
      <header class="chat-lightbox-bar">
        <div class="chat-lightbox-info">
          <h2 id={tid} class="chat-lightbox-name">
            {image.name}
          </h2>
          <p class="chat-lightbox-meta">
            <span>{formatSize(image.size)}</span>
            <span>{t("chat.lightbox.postedBy", { name: image.author })}</span>
            <time dateTime={image.postedAt}>{image.postedLabel}</time>
          </p>
        </div>
        {many && (
          <p class="chat-lightbox-count" aria-live="polite">
            {t("chat.lightbox.position", { n: index + 1, count: entries.length })}
          </p>
        )}
        <a class="btn btn-secondary chat-lightbox-download" href={image.url} download={image.name}>
          <IconDownload size={18} />
          <span>{t("chat.lightbox.download")}</span>
        </a>
        <button type="button" class="icon-btn chat-lightbox-close" aria-label={t("chat.close")} onClick={onClose}>
          <IconClose size={22} />
        </button>
      </header>
      <div class="chat-lightbox-stage">
        {many && (
          <button type="button" class="chat-lightbox-nav is-prev" aria-label={t("chat.lightbox.previous")} onClick={() => go(-1)}>
            <IconPrev size={26} />
          </button>
        )}
        <img key={image.id} class="chat-lightbox-img" src={image.url} alt={image.name} width={image.width ?? undefined} height={image.height ?? undefined} />
        {many && (
          <button type="button" class="chat-lightbox-nav is-next" aria-label={t("chat.lightbox.next")} onClick={() => go(1)}>
            <IconNext size={26} />
          </button>
        )}
      </div>
    </dialog>
  );
}
