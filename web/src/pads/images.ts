// Images in a pad: a pasted image file (a screenshot), one dropped on the text or chosen with the
// toolbar's Image button is uploaded to the pad (POST /api/v1/pads/{id}/images, with progress
// shown under the text), then `![name](url)` is written where the caret was, as an ordinary edit:
// it travels to the others through the OT and is undone as typing is. Images of pasted HTML that
// are written in (`data:` URIs, as from some word processors) are uploaded the same way; images
// from other sites are never fetched by the page (paste.ts keeps them as links).
//
// The server checks the bytes, strips a photo's metadata, counts the image in the uploader's
// quota, and answers its URL: a path of this instance naming the pad's read-only id.
import { Facet, StateEffect, StateField, type EditorState, type Extension } from "@codemirror/state";
import { EditorView, showPanel, type Panel } from "@codemirror/view";
import { ApiError, api, parseError } from "../api.ts";
import type { Translate } from "../i18n/index.ts";
import { FORMAT_EVENT } from "./format.ts";
import { htmlToMarkdown } from "./paste.ts";
import type { PadImage as UploadedImage } from "../generated/pads/PadImage.ts";

/** An image's text is a step of its own in undo, as a formatting change is (session.ts). */
const IMAGE_EVENT = `${FORMAT_EVENT}.image`;

/** What a pad shows (the server takes these and nothing else: no SVG, which can carry scripts). */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

/** An uploaded image, as the server answers it (crates/pad/src/images.rs `PadImage`). */
export type { PadImage as UploadedImage } from "../generated/pads/PadImage.ts";

export interface ImageConfig {
  /** The pad's id (an editor's link). */
  padId: string;
  t: Translate;
  /** An upload failed: the code is a `padError.*` or `error.*` key's end. */
  onError: (code: string, message: string) => void;
}

const config = Facet.define<ImageConfig, ImageConfig | null>({ combine: (v) => v[0] ?? null });

/** Image files of a clipboard or a drop: those a pad takes, and how many others were images. */
export function imageFiles(dt: DataTransfer | null | undefined): { files: File[]; refused: number } {
  const files: File[] = [];
  let refused = 0;
  if (!dt) return { files, refused };
  let list = Array.from(dt.files ?? []);
  // Some browsers list a copied image only among the items.
  if (!list.length && dt.items) {
    list = Array.from(dt.items)
      .filter((it) => it.kind === "file")
      .map((it) => it.getAsFile())
      .filter((f): f is File => !!f);
  }
  for (const f of list) {
    if ((IMAGE_TYPES as readonly string[]).includes(f.type)) files.push(f);
    else if (f.type.startsWith("image/")) refused++;
  }
  return { files, refused };
}

/** The description written for an image: its file name without the extension, safe in `![…]`. */
export function altText(name: string, fallback: string): string {
  const base = name
    .replace(/\.[a-z0-9]{1,5}$/i, "")
    .replace(/[[\]\\]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return base || fallback;
}

/** `![alt](url)` on a line of its own at `pos`: a line break is added where text touches it. */
export function imageInsert(state: EditorState, pos: number, markdown: string): { from: number; insert: string } {
  const line = state.doc.lineAt(pos);
  const before = pos > line.from ? "\n" : "";
  const after = pos < line.to ? "\n" : "";
  return { from: pos, insert: before + markdown + after };
}

/** Bytes of a `data:image/…;base64,…` URI, decoded here (the page's CSP lets no fetch read one). */
export function dataUrlToBlob(src: string): Blob | null {
  const m = /^data:(image\/[a-z0-9.+-]+)(;[^,]*)?,(.*)$/is.exec(src);
  if (!m) return null;
  const type = m[1]!.toLowerCase();
  const base64 = /;base64/i.test(m[2] ?? "");
  try {
    const raw = base64 ? atob(m[3]!.replace(/\s+/g, "")) : decodeURIComponent(m[3]!);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i) & 0xff;
    return new Blob([bytes], { type });
  } catch {
    return null;
  }
}

/** Uploads an image to a pad; `onProgress` hears the share sent (0 to 1). XHR: fetch reports no upload progress. */
export function uploadImage(padId: string, file: Blob, onProgress: (fraction: number) => void): Promise<UploadedImage> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/pads/${encodeURIComponent(padId)}/images`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    if (api.csrfToken) xhr.setRequestHeader("X-CSRF-Token", api.csrfToken);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError("network", "the upload did not reach the server", 0));
    xhr.onload = () => {
      let data: unknown;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        data = undefined;
      }
      if (xhr.status === 201 && data && typeof (data as UploadedImage).url === "string") resolve(data as UploadedImage);
      else reject(parseError(xhr.status, data, xhr.getResponseHeader("Retry-After")));
    };
    xhr.send(file);
  });
}

/** Which translated message an upload failure shows. */
function failureCode(e: unknown): { code: string; message: string } {
  if (!(e instanceof ApiError)) return { code: "image_failed", message: String(e) };
  switch (e.code) {
    case "payload_too_large":
      return { code: "image_too_large", message: e.message };
    case "unsupported_media_type":
      return { code: "image_type", message: e.message };
    case "quota_exceeded":
    case "password_required":
    case "rate_limited":
    case "network":
      return { code: e.code, message: e.message };
    default:
      return { code: "image_failed", message: e.message };
  }
}

// ---- uploads under way: where their text goes (mapped through edits meanwhile) and how far they are ----

interface Upload {
  id: number;
  name: string;
  progress: number;
  /** Where the image's text goes. */
  pos: number;
}

const started = StateEffect.define<Upload>();
const progressed = StateEffect.define<{ id: number; progress: number; pos?: number; name?: string }>();
const ended = StateEffect.define<number>();

const uploads = StateField.define<readonly Upload[]>({
  create: () => [],
  update(list, tr) {
    let next = tr.docChanged ? list.map((u) => ({ ...u, pos: tr.changes.mapPos(u.pos, -1) })) : list;
    for (const e of tr.effects) {
      if (e.is(started)) next = [...next, e.value];
      else if (e.is(progressed)) {
        const p = e.value;
        next = next.map((u) => (u.id === p.id ? { ...u, progress: p.progress, pos: p.pos ?? u.pos, name: p.name ?? u.name } : u));
      } else if (e.is(ended)) next = next.filter((u) => u.id !== e.value);
    }
    return next;
  },
  provide: (f) => showPanel.from(f, (list) => (list.length ? uploadPanel : null)),
});

function uploadPanel(view: EditorView): Panel {
  const dom = document.createElement("div");
  dom.className = "pad-image-uploads";
  dom.setAttribute("role", "status");
  const draw = (state: EditorState) => {
    const t = state.facet(config)?.t;
    dom.replaceChildren(
      ...state.field(uploads).map((u) => {
        const row = document.createElement("div");
        row.className = "pad-image-upload";
        const percent = Math.round(u.progress * 100);
        const label = document.createElement("span");
        label.textContent = t ? t("pad.image.uploading", { name: u.name, percent }) : `${u.name} ${percent}%`;
        const bar = document.createElement("progress");
        bar.max = 100;
        bar.value = percent;
        bar.setAttribute("aria-hidden", "true");
        row.append(label, bar);
        return row;
      }),
    );
  };
  draw(view.state);
  return {
    dom,
    update: (u) => {
      if (u.startState.field(uploads) !== u.state.field(uploads)) draw(u.state);
    },
  };
}

let nextId = 1;

/** Waits until the text may be edited (a reconnection makes it read-only for a moment). */
async function editable(view: EditorView): Promise<boolean> {
  for (let waited = 0; view.state.readOnly; waited += 250) {
    if (waited > 30_000 || !view.dom.isConnected) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return view.dom.isConnected;
}

/** Writes `markdown` at the upload's place, the caret after it when it was there. */
function writeAt(view: EditorView, id: number, markdown: string): number | null {
  const u = view.state.field(uploads).find((x) => x.id === id);
  if (!u) return null;
  const change = imageInsert(view.state, Math.min(u.pos, view.state.doc.length), markdown);
  const sel = view.state.selection.main;
  const end = change.from + change.insert.length;
  view.dispatch({
    changes: change,
    ...(sel.empty && sel.head === change.from ? { selection: { anchor: end } } : {}),
    effects: progressed.of({ id, progress: 0, pos: end }),
    userEvent: IMAGE_EVENT,
    scrollIntoView: true,
  });
  return end;
}

/**
 * Uploads `files` one after the other and writes each image where the caret is now (or at `at`),
 * in their order. Failures are told through the config's `onError`.
 */
export async function addImages(view: EditorView, files: readonly File[], at?: number): Promise<void> {
  const cfg = view.state.facet(config);
  if (!cfg || !files.length || view.state.readOnly) return;
  const id = nextId++;
  const pos = at ?? view.state.selection.main.head;
  view.dispatch({ effects: started.of({ id, name: files[0]!.name || cfg.t("pad.image.alt"), progress: 0, pos }) });
  try {
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      const name = file.name || cfg.t("pad.image.alt");
      view.dispatch({ effects: progressed.of({ id, progress: 0, name }) });
      let image: UploadedImage;
      try {
        image = await uploadImage(cfg.padId, file, (p) => {
          if (view.dom.isConnected) view.dispatch({ effects: progressed.of({ id, progress: p }) });
        });
      } catch (e) {
        const f = failureCode(e);
        cfg.onError(f.code, f.message);
        continue;
      }
      if (!(await editable(view))) return;
      writeAt(view, id, `![${altText(name, cfg.t("pad.image.alt"))}](${image.url})`);
    }
  } finally {
    if (view.dom.isConnected) view.dispatch({ effects: ended.of(id) });
  }
}

/**
 * Pasted HTML whose images are written in (`data:` URIs): they are uploaded, then the Markdown is
 * written with their URLs (an image that fails keeps only its description). False when the HTML
 * holds no such image: the ordinary HTML paste does the rest.
 */
export async function pasteHtmlWithImages(view: EditorView, html: string): Promise<boolean> {
  const cfg = view.state.facet(config);
  if (!cfg || !/<img\b[^>]*\ssrc\s*=\s*["']?data:image\//i.test(html)) return false;
  const sources: string[] = [];
  const md = htmlToMarkdown(html, window, sources);
  if (md === null || !sources.length) return false;
  const id = nextId++;
  const range = view.state.selection.main;
  // The selection goes now, as a paste replaces it; the text comes once the images are stored.
  view.dispatch({ changes: { from: range.from, to: range.to }, userEvent: "input.paste" });
  view.dispatch({ effects: started.of({ id, name: cfg.t("pad.image.alt"), progress: 0, pos: range.from }) });
  const urls: (string | null)[] = [];
  try {
    for (let i = 0; i < sources.length; i++) {
      const blob = dataUrlToBlob(sources[i]!);
      if (!blob || !(IMAGE_TYPES as readonly string[]).includes(blob.type)) {
        urls.push(null);
        continue;
      }
      try {
        const image = await uploadImage(cfg.padId, blob, (p) => {
          if (view.dom.isConnected) view.dispatch({ effects: progressed.of({ id, progress: (i + p) / sources.length }) });
        });
        urls.push(image.url);
      } catch (e) {
        const f = failureCode(e);
        cfg.onError(f.code, f.message);
        urls.push(null);
      }
    }
    if (!(await editable(view))) return true;
    const text = md.replace(/!\[([^\]]*)\]\(pad-image:(\d+)\)/g, (_all, alt: string, n: string) => {
      const url = urls[Number(n)];
      return url ? `![${alt}](${url})` : alt;
    });
    const u = view.state.field(uploads).find((x) => x.id === id);
    if (u) {
      const from = Math.min(u.pos, view.state.doc.length);
      view.dispatch({ changes: { from, insert: text }, selection: { anchor: from + text.length }, userEvent: IMAGE_EVENT, scrollIntoView: true });
    }
  } finally {
    if (view.dom.isConnected) view.dispatch({ effects: ended.of(id) });
  }
  return true;
}

/** The editor's part: the uploads' field and panel, and the paste and drop of image files. */
export function imageEditing(cfg: ImageConfig): Extension {
  return [
    config.of(cfg),
    uploads,
    EditorView.domEventHandlers({
      // An image file wins over the HTML or text a clipboard may hold beside it.
      paste(e, view) {
        if (view.state.readOnly) return false;
        const { files, refused } = imageFiles(e.clipboardData);
        if (files.length) {
          e.preventDefault();
          void addImages(view, files);
          return true;
        }
        const html = e.clipboardData?.getData("text/html") ?? "";
        if (html && /<img\b[^>]*\ssrc\s*=\s*["']?data:image\//i.test(html)) {
          e.preventDefault();
          void pasteHtmlWithImages(view, html).then((done) => {
            if (!done) {
              // Not what it looked like: the plain text, as the editor would have pasted it.
              const text = e.clipboardData?.getData("text/plain") ?? "";
              if (text) view.dispatch(view.state.replaceSelection(text), { userEvent: "input.paste" });
            }
          });
          return true;
        }
        if (refused && !e.clipboardData?.getData("text/plain")) {
          e.preventDefault();
          cfg.onError("image_type", "");
          return true;
        }
        return false;
      },
      drop(e, view) {
        if (view.state.readOnly) return false;
        const { files, refused } = imageFiles(e.dataTransfer);
        if (!files.length && !refused) return false;
        e.preventDefault();
        if (refused) cfg.onError("image_type", "");
        const at = view.posAtCoords({ x: e.clientX, y: e.clientY }) ?? view.state.selection.main.head;
        void addImages(view, files, at);
        return true;
      },
    }),
  ];
}
