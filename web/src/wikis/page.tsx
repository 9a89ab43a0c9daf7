// A wiki page: rendered HTML, table of contents, actions (edit, history, rename, delete, watch,
// rules, backlinks), an old revision (?rev=N), a missing page, comments.
import { STAY_BUSY, useKeyedSubmit, useSubmit } from "../hooks/submit.ts";
import { personName } from "../people.ts";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { Alert, Button, EmptyState, ErrorAlert, Link, Loading, cx, useAsync, useConfirm } from "../components/ui.tsx";
import { EmbedCode } from "../components/embed-code.tsx";
import { formatDateTime } from "../i18n/index.ts";
import { navigate } from "../router.ts";
import { ensureIdentity } from "../hooks/identity.ts";
import { wikisApi } from "./api.ts";
import { Modal, WikiHtml, jumpTo, setFlash, takeFlash, type Flash } from "./content.tsx";
import { IconBacklinks, IconComment, IconEdit, IconEye, IconEyeOff, IconHistory, IconRename, IconRestore, IconShieldPage, IconTrash } from "./icons.tsx";
import { displayName, pageHref, pageKey, pageNameProblem } from "./names.ts";
import { useWiki } from "./shell.tsx";
import { StarButton } from "../favourites.tsx";
import type { PageAnswer, PageRule, RevisionText, TocEntry } from "./types.ts";

type Loaded = { kind: "page"; data: PageAnswer } | { kind: "missing"; deleted: boolean };

/** Whether a page's 404 is that of a deleted page (docs/wiki-api.md). */
function deletedPage(e: ApiError): boolean {
  const body = e.body as { deleted?: unknown } | undefined;
  return body?.deleted === true;
}

export function PageView({ name, rev }: { name: string; rev: number | null }) {
  const { t, user, lang } = useApp();
  const { wiki } = useWiki();
  const pageName = name || wiki.home_page;
  const [tick, setTick] = useState(0);
  const [flash, setFlashState] = useState<Flash | null>(null);
  const state = useAsync<Loaded>(async () => {
    try {
      return { kind: "page", data: await wikisApi.page(wiki.slug, pageName) };
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 404) throw e;
      // The 404 itself says whether the page was deleted (editors may restore it): asking its
      // history as well made a second 404 for a page that never existed.
      return { kind: "missing", deleted: deletedPage(e) };
    }
  }, [wiki.slug, pageKey(pageName), rev, tick, user?.id]);
  const old = useAsync<RevisionText | null>(() => (rev !== null ? wikisApi.revision(wiki.slug, pageName, rev) : Promise.resolve(null)), [wiki.slug, pageKey(pageName), rev]);

  // A message from the previous step (saved, restored…): shown once, on the page it leads to.
  useEffect(() => {
    setFlashState(takeFlash());
  }, [rev, pageKey(pageName), tick]);

  const shown = state.data?.kind === "page" ? state.data.data.page.name : displayName(pageName);
  useTitle(`${shown} · ${wiki.title}`);

  // A redirect or another spelling: show the page's own address.
  const canonical = state.data?.kind === "page" ? state.data.data.page.name : null;
  useEffect(() => {
    if (!canonical || !name) return;
    const want = pageHref(wiki.slug, canonical);
    if (location.pathname !== want) history.replaceState(history.state, "", want + location.search + location.hash);
  }, [canonical]);

  // A #fragment in the address (a link to a section): scroll there once the page is in.
  useEffect(() => {
    if (state.data?.kind !== "page" || !location.hash) return;
    let id = location.hash.slice(1);
    try {
      id = decodeURIComponent(id);
    } catch {
      /* keep */
    }
    document.getElementById(id)?.scrollIntoView({ block: "start" });
  }, [state.data]);

  if (state.loading && !state.data) return <Loading />;
  if (state.error) return <ErrorAlert error={state.error} />;
  if (!state.data) return null;

  if (state.data.kind === "missing") {
    const deleted = state.data.deleted;
    return (
      <article class="wiki-article">
        <header class="wiki-page-head">
          <div class="wiki-page-heading">
            <h1>{displayName(pageName)}</h1>
          </div>
        </header>
        <div class="card wiki-missing">
          <p class="wiki-missing-title">{deleted ? t("wiki.page.deleted") : t("wiki.page.missing")}</p>
          <p class="muted">
            {wiki.can_edit ? (deleted ? t("wiki.page.deletedBody") : t("wiki.page.missingBody")) : user ? t("wiki.page.missingNoRight") : t("wiki.page.missingGuest")}
          </p>
          <div class="wiki-actions-row">
            {wiki.can_edit && (
              <Link href={pageHref(wiki.slug, displayName(pageName), "edit")} class="btn btn-primary">
                <IconEdit />
                {t("wiki.page.create")}
              </Link>
            )}
            {deleted && wiki.can_edit && <RestoreDeleted name={pageName} onDone={() => setTick((n) => n + 1)} />}
            {deleted && (
              <Link href={pageHref(wiki.slug, displayName(pageName), "history")} class="btn btn-secondary">
                <IconHistory />
                {t("wiki.page.history")}
              </Link>
            )}
            {!user && !wiki.can_edit && (
              <Link href={`/login?next=${encodeURIComponent(location.pathname)}`} class="btn btn-secondary">
                {t("nav.login")}
              </Link>
            )}
          </div>
        </div>
      </article>
    );
  }

  const data = state.data.data;
  const page = data.page;
  const html = rev !== null && old.data ? old.data.html : page.html;
  const toc = rev !== null ? [] : page.toc;
  return (
    <article class="wiki-article" data-page={page.name} data-rev={page.rev}>
      <header class="wiki-page-head">
        <div class="wiki-page-heading">
          <h1>{page.name}</h1>
          <p class="muted small wiki-page-meta">
            {t("wiki.page.meta", { date: formatDateTime(lang, page.updated_at) ?? "", rev: page.rev })}
            {page.view_rule === "editors" && <span class="badge badge-warning">{t("wiki.rules.viewEditorsBadge")}</span>}
            {page.edit_rule === "editors" && <span class="badge badge-neutral">{t("wiki.rules.editEditorsBadge")}</span>}
          </p>
        </div>
        <StarButton kind="wiki_page" id={`${wiki.slug}/${page.name}`} class="wiki-page-star" />
        <PageActions data={data} onChanged={() => setTick((n) => n + 1)} onWatch={(w) => state.setData({ kind: "page", data: { ...data, watching: w } })} />
      </header>
      {flash && (
        <div class="wiki-flash">
          <Alert kind={flash.kind}>
            <span class="wiki-flash-text">{flash.text}</span>{" "}
            <button type="button" class="btn btn-ghost btn-sm" onClick={() => setFlashState(null)}>
              {t("wiki.dismiss")}
            </button>
          </Alert>
        </div>
      )}
      {data.redirected_from && <p class="wiki-redirect muted small">{t("wiki.page.redirectedFrom", { name: data.redirected_from })}</p>}
      {rev !== null && (
        <OldRevisionBanner
          name={page.name}
          rev={rev}
          current={page.rev}
          canEdit={data.can_edit}
          loading={old.loading}
          error={old.error}
          onRestored={() => navigate(pageHref(wiki.slug, page.name))}
        />
      )}
      <div class={cx("wiki-page-body", toc.length >= 2 && "has-toc")}>
        {toc.length >= 2 && <Toc toc={toc} />}
        {(rev === null || old.data) && <WikiHtml class="wiki-content" html={html} />}
      </div>
      <Backlinks name={page.name} />
      {rev === null && (
        <details class="wiki-embed">
          <summary>{t("embed.title")}</summary>
          <EmbedCode path={pageHref(wiki.slug, page.name)} title={page.name} bare />
        </details>
      )}
      {wiki.comments_enabled && rev === null && <Comments name={page.name} />}
    </article>
  );
}

function Toc({ toc }: { toc: TocEntry[] }) {
  const { t } = useApp();
  const min = Math.min(...toc.map((e) => e.level));
  return (
    <nav class="wiki-toc" aria-labelledby="wiki-toc-title">
      <details open={typeof matchMedia === "function" ? !matchMedia("(max-width: 760px)").matches : true}>
        <summary id="wiki-toc-title" class="wiki-toc-title">
          {t("wiki.toc")}
        </summary>
        <ol>
          {toc.map((e) => (
            <li key={e.id} class={`wiki-toc-l${Math.min(4, e.level - min + 1)}`}>
              <a
                href={`#${encodeURIComponent(e.id)}`}
                onClick={(ev) => {
                  if (jumpTo(e.id)) ev.preventDefault();
                }}
              >
                {e.text}
              </a>
            </li>
          ))}
        </ol>
      </details>
    </nav>
  );
}

function OldRevisionBanner({
  name,
  rev,
  current,
  canEdit,
  loading,
  error,
  onRestored,
}: {
  name: string;
  rev: number;
  current: number;
  canEdit: boolean;
  loading: boolean;
  error: unknown;
  onRestored: () => void;
}) {
  const { t, user } = useApp();
  const { wiki } = useWiki();
  const { busy, error: err, run } = useSubmit();
  const [dialog, confirm] = useConfirm();
  const restore = async () => {
    if (!(await confirm({ title: t("wiki.rev.restoreConfirm", { rev }), body: t("wiki.rev.restoreBody"), confirmLabel: t("wiki.rev.restore") }))) return;
    await run(async () => {
      await ensureIdentity(user);
      const res = await wikisApi.revert(wiki.slug, name, rev);
      setFlash({ kind: "success", text: t("wiki.rev.restored", { rev, newRev: res.rev }) });
      onRestored();
      return STAY_BUSY;
    });
  };
  if (loading) return <Loading />;
  if (error) return <ErrorAlert error={error} />;
  return (
    <div class="wiki-old-rev">
      {dialog}
      <Alert kind="warning" title={t("wiki.rev.oldTitle", { rev })}>
        <p>{rev === current ? t("wiki.rev.isCurrent") : t("wiki.rev.oldBody", { current })}</p>
        <div class="wiki-actions-row">
          <Link href={pageHref(wiki.slug, name)} class="btn btn-secondary btn-sm">
            {t("wiki.rev.backToCurrent")}
          </Link>
          <Link href={`${pageHref(wiki.slug, name, "history")}?from=${rev}&to=${current}`} class="btn btn-ghost btn-sm">
            {t("wiki.rev.compareCurrent")}
          </Link>
          {canEdit && rev !== current && (
            <Button size="sm" onClick={restore} loading={busy}>
              <IconRestore />
              {t("wiki.rev.restore")}
            </Button>
          )}
        </div>
        {err ? <p class="field-error">{errorText(t, err)}</p> : null}
      </Alert>
    </div>
  );
}

function RestoreDeleted({ name, onDone }: { name: string; onDone: () => void }) {
  const { t, user } = useApp();
  const { wiki } = useWiki();
  const { busy, error: err, run } = useSubmit();
  return (
    <>
      <Button
        variant="secondary"
        loading={busy}
        onClick={async () => {
          await run(async () => {
            await ensureIdentity(user);
            await wikisApi.restorePage(wiki.slug, name);
            setFlash({ kind: "success", text: t("wiki.page.restored") });
            onDone();
          });
        }}
      >
        <IconRestore />
        {t("wiki.page.restore")}
      </Button>
      {err ? <p class="field-error">{errorText(t, err)}</p> : null}
    </>
  );
}

function PageActions({ data, onChanged, onWatch }: { data: PageAnswer; onChanged: () => void; onWatch: (w: boolean) => void }) {
  const { t, user } = useApp();
  const { wiki } = useWiki();
  const name = data.page.name;
  const [dialog, confirm] = useConfirm();
  const [open, setOpen] = useState<null | "rename" | "rules">(null);
  const { busy, error, run } = useKeyedSubmit<"delete" | "watch">();

  const remove = async () => {
    if (!(await confirm({ title: t("wiki.page.deleteConfirm", { name }), body: t("wiki.page.deleteBody"), confirmLabel: t("wiki.page.delete"), danger: true }))) return;
    await run("delete", async () => {
      await ensureIdentity(user);
      await wikisApi.deletePage(wiki.slug, name);
      setFlash({ kind: "info", text: t("wiki.page.deletedFlash", { name }) });
      onChanged();
    });
  };
  const watch = () =>
    run("watch", async () => {
      await wikisApi.watchPage(wiki.slug, name, !data.watching);
      onWatch(!data.watching);
    });

  return (
    <div class="wiki-page-actions">
      {dialog}
      <div class="wiki-actions-row">
        {data.can_edit && (
          <Link href={pageHref(wiki.slug, name, "edit")} class="btn btn-primary btn-sm">
            <IconEdit />
            {t("wiki.page.edit")}
          </Link>
        )}
        <Link href={pageHref(wiki.slug, name, "history")} class="btn btn-secondary btn-sm">
          <IconHistory />
          {t("wiki.page.history")}
        </Link>
        {user && (
          <Button variant="ghost" size="sm" onClick={watch} loading={busy === "watch"} aria-pressed={data.watching ? "true" : "false"}>
            {data.watching ? <IconEyeOff /> : <IconEye />}
            {data.watching ? t("wiki.page.unwatch") : t("wiki.page.watch")}
          </Button>
        )}
        {data.can_edit && (
          <Button variant="ghost" size="sm" onClick={() => setOpen("rename")}>
            <IconRename />
            {t("wiki.page.rename")}
          </Button>
        )}
        {data.can_admin && (
          <Button variant="ghost" size="sm" onClick={() => setOpen("rules")}>
            <IconShieldPage />
            {t("wiki.page.rules")}
          </Button>
        )}
        {data.can_edit && pageKey(name) !== pageKey(wiki.home_page) && (
          <Button variant="ghost" size="sm" class="btn-ghost-danger" onClick={remove} loading={busy === "delete"}>
            <IconTrash />
            {t("wiki.page.delete")}
          </Button>
        )}
      </div>
      {error ? <p class="field-error">{errorText(t, error)}</p> : null}
      {open === "rename" && <RenameDialog name={name} onClose={() => setOpen(null)} />}
      {open === "rules" && <RulesDialog data={data} onClose={() => setOpen(null)} onSaved={onChanged} />}
    </div>
  );
}

function RenameDialog({ name, onClose }: { name: string; onClose: () => void }) {
  const { t, user } = useApp();
  const { wiki, reload } = useWiki();
  const [to, setTo] = useState(name);
  const [redirect, setRedirect] = useState(true);
  const { busy, error, run } = useSubmit((err) => (err instanceof ApiError && err.status === 409 ? t("wiki.rename.taken") : err));
  const problem = pageNameProblem(to);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (problem || (pageKey(to) === pageKey(name) && displayName(to) === name)) return;
    await run(async () => {
      await ensureIdentity(user);
      const res = await wikisApi.rename(wiki.slug, name, displayName(to), redirect);
      setFlash({ kind: "success", text: t("wiki.rename.done", { from: name, to: res.name }) });
      onClose();
      reload();
      navigate(pageHref(wiki.slug, res.name));
      return STAY_BUSY;
    });
  };
  return (
    <Modal title={t("wiki.rename.title", { name })} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <div class="field">
          <label for="wiki-rename-to" class="field-label">
            {t("wiki.rename.newName")}
          </label>
          <input
            id="wiki-rename-to"
            class={cx("input", problem && "is-invalid")}
            value={to}
            onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)}
            required
            maxLength={200}
          />
          {problem && <p class="field-error">{t(`wiki.name.${problem}`)}</p>}
        </div>
        <label class="wiki-check">
          <input type="checkbox" checked={redirect} onChange={(e) => setRedirect((e.currentTarget as HTMLInputElement).checked)} />
          <span>{t("wiki.rename.redirect")}</span>
        </label>
        {typeof error === "string" ? <Alert kind="error">{error}</Alert> : <ErrorAlert error={error} />}
        <div class="dialog-actions">
          <Button variant="secondary" onClick={onClose}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" loading={busy}>
            {t("wiki.rename.submit")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

function RulesDialog({ data, onClose, onSaved }: { data: PageAnswer; onClose: () => void; onSaved: () => void }) {
  const { t } = useApp();
  const { wiki } = useWiki();
  const [view, setView] = useState<PageRule>(data.page.view_rule);
  const [edit, setEdit] = useState<PageRule>(data.page.edit_rule);
  const { busy, error, run } = useSubmit();
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      await wikisApi.setRules(wiki.slug, data.page.name, view, edit);
      onClose();
      onSaved();
      return STAY_BUSY;
    });
  };
  const select = (id: string, label: string, value: PageRule, set: (v: PageRule) => void, inherit: string, editors: string) => (
    <div class="field">
      <label for={id} class="field-label">
        {label}
      </label>
      <select id={id} class="select" value={value} onChange={(e) => set((e.currentTarget as HTMLSelectElement).value as PageRule)}>
        <option value="inherit">{inherit}</option>
        <option value="editors">{editors}</option>
      </select>
    </div>
  );
  return (
    <Modal title={t("wiki.rules.title", { name: data.page.name })} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <p class="muted small">{t("wiki.rules.intro")}</p>
        {select("wiki-rule-view", t("wiki.rules.view"), view, setView, t("wiki.rules.viewInherit"), t("wiki.rules.viewEditors"))}
        {select("wiki-rule-edit", t("wiki.rules.edit"), edit, setEdit, t("wiki.rules.editInherit"), t("wiki.rules.editEditors"))}
        <ErrorAlert error={error} />
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

function Backlinks({ name }: { name: string }) {
  const { t, lang } = useApp();
  const { wiki } = useWiki();
  const [open, setOpen] = useState(false);
  const list = useAsync(() => (open ? wikisApi.backlinks(wiki.slug, name) : Promise.resolve(null)), [open, wiki.slug, name]);
  return (
    <section class="wiki-backlinks" aria-labelledby="wiki-backlinks-title">
      <h2 id="wiki-backlinks-title" class="visually-hidden">
        {t("wiki.backlinks.title")}
      </h2>
      <Button variant="ghost" size="sm" aria-expanded={open ? "true" : "false"} aria-controls="wiki-backlinks-list" onClick={() => setOpen(!open)}>
        <IconBacklinks />
        {t("wiki.backlinks.title")}
      </Button>
      {open && (
        <div id="wiki-backlinks-list" class="wiki-backlinks-list">
          {list.loading ? (
            <Loading />
          ) : list.error ? (
            <ErrorAlert error={list.error} />
          ) : !list.data || list.data.length === 0 ? (
            <p class="muted small">{t("wiki.backlinks.none")}</p>
          ) : (
            <ul class="link-list">
              {list.data.map((b) => (
                <li key={b.name}>
                  <Link href={pageHref(wiki.slug, b.name)}>{b.name}</Link> <span class="muted small">{formatDateTime(lang, b.updated_at)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

function Comments({ name }: { name: string }) {
  const { t, lang, user } = useApp();
  const { wiki } = useWiki();
  const list = useAsync(() => wikisApi.comments(wiki.slug, name), [wiki.slug, name, user?.id]);
  const [text, setText] = useState("");
  const [website, setWebsite] = useState("");
  const { busy, error, setError, run } = useSubmit();
  const [dialog, confirm] = useConfirm();
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = text.trim();
    if (!body) {
      setError(t("wiki.comments.empty"));
      inputRef.current?.focus();
      return;
    }
    await run(async () => {
      await ensureIdentity(user);
      await wikisApi.comment(wiki.slug, name, body, website);
      setText("");
      list.reload();
    });
  };
  const remove = async (id: number, author: string) => {
    if (!(await confirm({ title: t("wiki.comments.deleteConfirm", { name: author }), confirmLabel: t("wiki.comments.delete"), danger: true }))) return;
    try {
      await wikisApi.deleteComment(wiki.slug, id);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const count = list.data?.length ?? 0;
  return (
    <section class="card wiki-comments" id="comments" aria-labelledby="wiki-comments-title">
      {dialog}
      <h2 id="wiki-comments-title" class="card-title wiki-comments-title">
        <IconComment />
        {t("wiki.comments.title", { count })}
      </h2>
      {list.loading && !list.data ? (
        <Loading />
      ) : list.error ? (
        <ErrorAlert error={list.error} />
      ) : count === 0 ? (
        <EmptyState>{t("wiki.comments.none")}</EmptyState>
      ) : (
        <ol class="wiki-comment-list">
          {list.data!.map((c) => (
            <li key={c.id} class="wiki-comment">
              <div class="wiki-comment-head">
                <strong>{personName(t, c.author_name)}</strong>
                <span class="muted small">{formatDateTime(lang, c.created_at)}</span>
                {c.deletable && (
                  <Button
                    variant="ghost"
                    size="sm"
                    class="btn-ghost-danger"
                    onClick={() => remove(c.id, c.author_name)}
                    aria-label={t("wiki.comments.deleteOf", { name: personName(t, c.author_name) })}
                  >
                    <IconTrash />
                  </Button>
                )}
              </div>
              <p class="wiki-comment-text">{c.text}</p>
            </li>
          ))}
        </ol>
      )}
      <form class="form wiki-comment-form" onSubmit={submit}>
        <div class="field">
          <label for="wiki-comment-text" class="field-label">
            {t("wiki.comments.add")}
          </label>
          <textarea
            id="wiki-comment-text"
            ref={inputRef}
            class="input wiki-textarea-sm"
            value={text}
            maxLength={4000}
            rows={3}
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          />
          {!user && <p class="field-hint">{t("wiki.comments.guestHint")}</p>}
        </div>
        <Honeypot value={website} onValue={setWebsite} />
        {typeof error === "string" ? <p class="field-error">{error}</p> : <ErrorAlert error={error} />}
        <div class="form-actions">
          <Button type="submit" loading={busy}>
            {t("wiki.comments.send")}
          </Button>
        </div>
      </form>
    </section>
  );
}

/** The field robots fill and people never see: it must stay empty. */
export function Honeypot({ value, onValue }: { value: string; onValue: (v: string) => void }) {
  const { t } = useApp();
  return (
    <div class="wiki-hp" aria-hidden="true">
      <label>
        {t("wiki.honeypot")}
        <input type="text" name="website" tabIndex={-1} autocomplete="off" value={value} onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)} />
      </label>
    </div>
  );
}
