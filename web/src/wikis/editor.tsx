// The page editor (`/w/{slug}/{Page}/edit`, also to create a page): Markdown textarea with a
// toolbar, preview, attachments (button, drag-and-drop, pasted images), save with base_rev and the
// server's three-way merge / conflict answer, and a warning before leaving unsaved changes.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { Alert, Button, ErrorAlert, Link, Loading, cx, useConfirm } from "../components/ui.tsx";
import type { MessageKey } from "../i18n/index.ts";
import { navigate } from "../router.ts";
import { ensureIdentity } from "../hooks/identity.ts";
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { conflictOf, wikisApi } from "./api.ts";
import { WikiHtml, setFlash } from "./content.tsx";
import { IconBold, IconCode, IconHeading, IconItalic, IconLink, IconList, IconPaperclip, IconTable } from "./icons.tsx";
import { attachmentMarkdown, displayName, pageHref, pastedName } from "./names.ts";
import { Honeypot } from "./page.tsx";
import { useWiki } from "./shell.tsx";
import { type Edit, type FormatAction, type Placeholders, applyFormat, insertAtCursor } from "./toolbar.ts";

const CONFLICT_MARKER = /^(<{7}|={7}|>{7})( |$)/m;

const TOOLS: { action: FormatAction; key: MessageKey; icon: () => preact.JSX.Element; shortcut?: string }[] = [
  { action: "bold", key: "wiki.tb.bold", icon: () => <IconBold />, shortcut: "b" },
  { action: "italic", key: "wiki.tb.italic", icon: () => <IconItalic />, shortcut: "i" },
  { action: "heading", key: "wiki.tb.heading", icon: () => <IconHeading /> },
  { action: "link", key: "wiki.tb.link", icon: () => <IconLink />, shortcut: "k" },
  {
    action: "wikilink",
    key: "wiki.tb.wikilink",
    icon: () => (
      <span class="wiki-tb-glyph" aria-hidden="true">
        [[ ]]
      </span>
    ),
  },
  { action: "list", key: "wiki.tb.list", icon: () => <IconList /> },
  { action: "code", key: "wiki.tb.code", icon: () => <IconCode /> },
  { action: "table", key: "wiki.tb.table", icon: () => <IconTable /> },
];

type Status = { kind: "conflict" } | { kind: "exists" } | null;

export function EditorPage({ name }: { name: string }) {
  const { t, user } = useApp();
  const { wiki } = useWiki();
  const pageName = displayName(name || wiki.home_page);
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [text, setText] = useState("");
  const [original, setOriginal] = useState("");
  const [baseRev, setBaseRev] = useState<number | null>(null);
  const [summary, setSummary] = useState("");
  const [website, setWebsite] = useState("");
  const [tab, setTab] = useState<"write" | "preview">("write");
  const [preview, setPreview] = useState<{ html: string; error: unknown; loading: boolean }>({ html: "", error: null, loading: false });
  const [status, setStatus] = useState<Status>(null);
  const [uploads, setUploads] = useState<{ id: number; name: string; error: unknown }[]>([]);
  const [dragging, setDragging] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const statusRef = useRef<HTMLDivElement>(null);
  // A failed save: a conflict or a name taken meanwhile is shown by the status box (the draft
  // merged back into the editor), anything else as the error.
  const { busy, error, setError, run } = useSubmit((err) => {
    const c = conflictOf(err);
    if (c) {
      setText(c.text);
      setBaseRev(c.rev);
      setTab("write");
      setStatus({ kind: "conflict" });
      if (area.current) area.current.value = c.text;
      return null;
    }
    if (err instanceof ApiError && err.status === 409 && baseRev === null) {
      setStatus({ kind: "exists" });
      return null;
    }
    return err;
  });
  const leaving = useRef(false);
  const [dialog, confirm] = useConfirm();
  const isNew = loaded && baseRev === null;
  useTitle(`${isNew ? t("wiki.edit.createTitle", { name: pageName }) : t("wiki.edit.title", { name: pageName })} · ${wiki.title}`);
  const dirty = loaded && (text !== original || summary.trim() !== "");

  useEffect(() => {
    let alive = true;
    wikisApi.page(wiki.slug, pageName).then(
      (p) => {
        if (!alive) return;
        setText(p.text);
        setOriginal(p.text);
        setBaseRev(p.page.rev);
        setLoaded(true);
      },
      (e) => {
        if (!alive) return;
        if (e instanceof ApiError && e.status === 404) {
          setBaseRev(null);
          setLoaded(true);
        } else setLoadError(e);
      },
    );
    return () => {
      alive = false;
    };
  }, [wiki.slug, pageName]);

  // Leaving with unsaved changes: the browser asks (reload, close), and so do in-app links.
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!dirtyRef.current || leaving.current) return;
      e.preventDefault();
      e.returnValue = "";
    };
    const onClick = (e: MouseEvent) => {
      if (!dirtyRef.current || leaving.current || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = (e.target as Element | null)?.closest?.("a[href]") as HTMLAnchorElement | null;
      if (!a || a.target === "_blank") return;
      let url: URL;
      try {
        url = new URL(a.href, location.href);
      } catch {
        return;
      }
      if (url.origin !== location.origin || (url.pathname === location.pathname && url.search === location.search)) return;
      e.preventDefault();
      e.stopPropagation();
      void confirm({ title: t("wiki.edit.leaveTitle"), body: t("wiki.edit.leaveBody"), confirmLabel: t("wiki.edit.leave"), danger: true }).then((ok) => {
        if (!ok) return;
        leaving.current = true;
        if (url.pathname.startsWith("/api/") || url.pathname.includes("/_files/")) location.href = url.href;
        else navigate(url.pathname + url.search + url.hash);
      });
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, []);

  const placeholders: Placeholders = {
    bold: t("wiki.tb.ph.bold"),
    italic: t("wiki.tb.ph.italic"),
    heading: t("wiki.tb.ph.heading"),
    link: t("wiki.tb.ph.link"),
    wikilink: t("wiki.tb.ph.wikilink"),
    list: t("wiki.tb.ph.list"),
    code: t("wiki.tb.ph.code"),
    column: t("wiki.tb.ph.column"),
  };

  const current = (): Edit => {
    const el = area.current;
    return { text, start: el?.selectionStart ?? text.length, end: el?.selectionEnd ?? text.length };
  };
  const apply = (next: Edit) => {
    setText(next.text);
    const el = area.current;
    if (!el) return;
    el.focus();
    el.value = next.text;
    requestAnimationFrame(() => {
      el.setSelectionRange(next.start, next.end);
    });
  };
  const format = (action: FormatAction) => {
    if (tab !== "write") setTab("write");
    apply(applyFormat(current(), action, placeholders));
  };

  const upload = async (files: File[]) => {
    if (!files.length) return;
    try {
      await ensureIdentity(user);
    } catch (e) {
      setError(e);
      return;
    }
    for (const file of files) {
      const id = Date.now() + Math.random();
      const fname = !file.name || /^image\.(png|jpe?g|gif|webp)$/i.test(file.name) ? pastedName(file.type, new Date()) : file.name;
      setUploads((u) => [...u, { id, name: fname, error: null }]);
      try {
        const typed = file.type ? file : new Blob([file], { type: "application/octet-stream" });
        const res = await wikisApi.upload(wiki.slug, fname, typed);
        const md = attachmentMarkdown(wiki.slug, res.name || fname, res.content_type || file.type);
        // Insert where the cursor is now (the text may have changed while uploading).
        const el = area.current;
        const cur = el ? { text: el.value, start: el.selectionStart, end: el.selectionEnd } : { text, start: text.length, end: text.length };
        apply(insertAtCursor(cur, md + (file.type.startsWith("image/") ? "\n" : "")));
        setUploads((u) => u.filter((x) => x.id !== id));
      } catch (e) {
        setUploads((u) => u.map((x) => (x.id === id ? { ...x, error: e } : x)));
      }
    }
  };

  const showPreview = async () => {
    setTab("preview");
    setPreview({ html: preview.html, error: null, loading: true });
    try {
      const p = await wikisApi.preview(wiki.slug, text);
      setPreview({ html: p.html, error: null, loading: false });
    } catch (e) {
      setPreview({ html: "", error: e, loading: false });
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (CONFLICT_MARKER.test(text)) {
      const ok = await confirm({ title: t("wiki.edit.markersTitle"), body: t("wiki.edit.markersBody"), confirmLabel: t("wiki.edit.saveAnyway") });
      if (!ok) return;
    }
    const saved = await run(async () => {
      await ensureIdentity(user);
      const res = await wikisApi.save(wiki.slug, pageName, { text, base_rev: baseRev, summary: summary.trim(), website });
      leaving.current = true;
      setFlash(
        res.unchanged
          ? { kind: "info", text: t("wiki.edit.unchanged", { rev: res.rev }) }
          : res.merged
            ? { kind: "info", text: t("wiki.edit.merged", { rev: res.rev }) }
            : { kind: "success", text: res.created ? t("wiki.edit.created", { rev: res.rev }) : t("wiki.edit.saved", { rev: res.rev }) },
      );
      navigate(pageHref(wiki.slug, pageName));
      return STAY_BUSY;
    });
    if (!saved) setTimeout(() => statusRef.current?.focus(), 0);
  };

  if (loadError) return <ErrorAlert error={loadError} />;
  if (!loaded) return <Loading />;
  if (!wiki.can_edit) {
    return (
      <div class="wiki-article">
        <h1>{pageName}</h1>
        <Alert kind="warning">{wiki.locked ? t("wiki.lockedHint") : user ? t("wiki.edit.noRight") : t("wiki.edit.noRightGuest")}</Alert>
        {!user && (
          <Link href={`/login?next=${encodeURIComponent(location.pathname)}`} class="btn btn-primary wiki-retry">
            {t("nav.login")}
          </Link>
        )}
      </div>
    );
  }

  return (
    <div class="wiki-article wiki-editor">
      {dialog}
      <header class="wiki-page-head">
        <div class="wiki-page-heading">
          <h1>{isNew ? t("wiki.edit.createTitle", { name: pageName }) : t("wiki.edit.title", { name: pageName })}</h1>
          <p class="muted small wiki-page-meta">{isNew ? t("wiki.edit.newHint") : t("wiki.edit.basedOn", { rev: baseRev ?? 0 })}</p>
        </div>
      </header>
      <div ref={statusRef} tabIndex={-1} class="wiki-editor-status">
        {status?.kind === "conflict" && (
          <Alert kind="warning" title={t("wiki.edit.conflictTitle")}>
            <p>{t("wiki.edit.conflictBody")}</p>
          </Alert>
        )}
        {status?.kind === "exists" && (
          <Alert kind="warning" title={t("wiki.edit.existsTitle")}>
            <p>{t("wiki.edit.existsBody")}</p>
            <Link href={pageHref(wiki.slug, pageName)}>{t("wiki.edit.existsOpen")}</Link>
          </Alert>
        )}
        <ErrorAlert error={error} />
      </div>
      <form class="wiki-editor-form" onSubmit={save}>
        <div class="wiki-editor-tabs" role="tablist" aria-label={t("wiki.edit.mode")}>
          <button
            type="button"
            role="tab"
            id="wiki-tab-write"
            aria-selected={tab === "write" ? "true" : "false"}
            aria-controls="wiki-panel-write"
            class={cx("wiki-tab", tab === "write" && "is-active")}
            onClick={() => setTab("write")}
          >
            {t("wiki.edit.write")}
          </button>
          <button
            type="button"
            role="tab"
            id="wiki-tab-preview"
            aria-selected={tab === "preview" ? "true" : "false"}
            aria-controls="wiki-panel-preview"
            class={cx("wiki-tab", tab === "preview" && "is-active")}
            onClick={showPreview}
          >
            {t("wiki.edit.preview")}
          </button>
        </div>
        <div id="wiki-panel-write" role="tabpanel" aria-labelledby="wiki-tab-write" hidden={tab !== "write"} class="wiki-editor-panel">
          <div class="wiki-toolbar" role="toolbar" aria-label={t("wiki.tb.label")} aria-controls="wiki-text">
            {TOOLS.map((tool) => (
              <button
                key={tool.action}
                type="button"
                class="icon-btn wiki-tb-btn"
                title={t(tool.key) + (tool.shortcut ? ` (Ctrl+${tool.shortcut.toUpperCase()})` : "")}
                aria-label={t(tool.key)}
                onClick={() => format(tool.action)}
              >
                {tool.icon()}
              </button>
            ))}
            <span class="wiki-tb-sep" aria-hidden="true" />
            <label class="btn btn-ghost btn-sm wiki-tb-attach">
              <IconPaperclip />
              <span>{t("wiki.edit.attach")}</span>
              <input
                type="file"
                multiple
                class="visually-hidden"
                onChange={(e) => {
                  const input = e.currentTarget as HTMLInputElement;
                  void upload([...(input.files ?? [])]);
                  input.value = "";
                }}
              />
            </label>
          </div>
          <label for="wiki-text" class="visually-hidden">
            {t("wiki.edit.textLabel")}
          </label>
          <textarea
            id="wiki-text"
            ref={area}
            class={cx("input", "wiki-textarea", dragging && "is-dragging")}
            value={text}
            spellcheck
            aria-describedby="wiki-text-hint"
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
              const k = e.key.toLowerCase();
              const tool = TOOLS.find((x) => x.shortcut === k);
              if (tool) {
                e.preventDefault();
                format(tool.action);
              } else if (k === "s") {
                e.preventDefault();
                (e.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
              }
            }}
            onDragOver={(e) => {
              if (e.dataTransfer?.types.includes("Files")) {
                e.preventDefault();
                setDragging(true);
              }
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(e) => {
              setDragging(false);
              const files = [...(e.dataTransfer?.files ?? [])];
              if (!files.length) return;
              e.preventDefault();
              const el = e.currentTarget as HTMLTextAreaElement;
              el.focus();
              void upload(files);
            }}
            onPaste={(e) => {
              const files = [...(e.clipboardData?.files ?? [])].filter((f) => f.type.startsWith("image/"));
              if (!files.length) return;
              e.preventDefault();
              void upload(files);
            }}
          />
          <p id="wiki-text-hint" class="field-hint">
            {t("wiki.edit.hint")}
          </p>
          {uploads.length > 0 && (
            <ul class="wiki-uploads" aria-live="polite">
              {uploads.map((u) => (
                <li key={u.id} class={cx("wiki-upload", !!u.error && "is-error")}>
                  {u.error ? (
                    <>
                      <span>{t("wiki.edit.uploadFailed", { name: u.name, error: errorText(t, u.error) })}</span>
                      <button type="button" class="btn btn-ghost btn-sm" onClick={() => setUploads((l) => l.filter((x) => x.id !== u.id))}>
                        {t("wiki.dismiss")}
                      </button>
                    </>
                  ) : (
                    <>
                      <span class="spinner" aria-hidden="true" />
                      <span>{t("wiki.edit.uploading", { name: u.name })}</span>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div id="wiki-panel-preview" role="tabpanel" aria-labelledby="wiki-tab-preview" hidden={tab !== "preview"} class="wiki-editor-panel">
          {preview.loading ? (
            <Loading />
          ) : preview.error ? (
            <ErrorAlert error={preview.error} />
          ) : (
            <div class="wiki-preview">{preview.html ? <WikiHtml class="wiki-content" html={preview.html} /> : <p class="muted">{t("wiki.edit.previewEmpty")}</p>}</div>
          )}
        </div>
        <div class="wiki-editor-foot">
          <div class="field wiki-summary">
            <label for="wiki-summary" class="field-label">
              {t("wiki.edit.summary")}
              <span class="field-optional"> ({t("common.optional")})</span>
            </label>
            <input
              id="wiki-summary"
              class="input"
              name="summary"
              maxLength={500}
              value={summary}
              placeholder={t("wiki.edit.summaryPlaceholder")}
              onInput={(e) => setSummary((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <Honeypot value={website} onValue={setWebsite} />
          {!user && <p class="muted small">{t("wiki.edit.guestNote")}</p>}
          <div class="form-actions">
            <Link href={pageHref(wiki.slug, pageName)} class="btn btn-secondary">
              {t("common.cancel")}
            </Link>
            <Button type="submit" loading={busy}>
              {isNew ? t("wiki.edit.create") : t("wiki.edit.save")}
            </Button>
          </div>
        </div>
      </form>
    </div>
  );
}
