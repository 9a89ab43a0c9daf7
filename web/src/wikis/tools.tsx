// A wiki's tool pages: recent changes (filters, load more, Atom feed), all pages, search, files.
import { useEffect, useMemo, useState } from "preact/hooks";

import { useApp, useTitle } from "../context.tsx";
import { IconDownload } from "../components/icons.tsx";
import { Alert, Button, EmptyState, ErrorAlert, Link, Loading, useAsync, useConfirm } from "../components/ui.tsx";
import { formatDate, formatDateTime } from "../i18n/index.ts";
import { navigate } from "../router.ts";
import { ensureIdentity } from "../hooks/identity.ts";
import { useSubmit } from "../hooks/submit.ts";
import { feedUrl, wikisApi } from "./api.ts";
import { Snippet } from "./content.tsx";
import { KindBadge } from "./history.tsx";
import { IconRss, IconSearch, IconTrash, IconUpload } from "./icons.tsx";
import { formatBytes } from "../format.ts";
import { fileHref, pageHref, wikiToolHref } from "./names.ts";
import { WikiPageTitle, useWiki } from "./shell.tsx";
import type { ChangeEntry } from "./types.ts";
import { personName } from "../people.ts";

const PAGE_SIZE = 50;

export function ChangesPage() {
  const { t, lang } = useApp();
  const { wiki } = useWiki();
  useTitle(`${t("wiki.changes.title")} · ${wiki.title}`);
  const [author, setAuthor] = useState("");
  const [page, setPage] = useState("");
  const [filters, setFilters] = useState<{ author: string; page: string }>({ author: "", page: "" });
  const [items, setItems] = useState<ChangeEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  // A further page that fails to load shows its error as the first one would.
  const { busy, run } = useSubmit<void>(setError);

  useEffect(() => {
    let alive = true;
    setItems(null);
    setError(null);
    wikisApi.changes(wiki.slug, { ...filters, limit: PAGE_SIZE }).then(
      (list) => {
        if (!alive) return;
        setItems(list);
        setDone(list.length < PAGE_SIZE);
      },
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [wiki.slug, filters.author, filters.page]);

  const more = async () => {
    const last = items?.[items.length - 1];
    if (!last) return;
    await run(async () => {
      const list = await wikisApi.changes(wiki.slug, { ...filters, before: last.id, limit: PAGE_SIZE });
      setItems([...(items ?? []), ...list]);
      setDone(list.length < PAGE_SIZE);
    });
  };

  // Grouped by day, as wikis show them.
  const groups = useMemo(() => {
    const out: { day: string; items: ChangeEntry[] }[] = [];
    for (const c of items ?? []) {
      const day = formatDate(lang, c.change.created_at) ?? "";
      const last = out[out.length - 1];
      if (last && last.day === day) last.items.push(c);
      else out.push({ day, items: [c] });
    }
    return out;
  }, [items, lang]);

  return (
    <div class="wiki-article">
      <WikiPageTitle title={t("wiki.changes.title")}>
        <a href={feedUrl(wiki.slug)} class="btn btn-secondary btn-sm wiki-feed-link" type="application/atom+xml">
          <IconRss />
          {t("wiki.changes.feed")}
        </a>
      </WikiPageTitle>
      <form
        class="wiki-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters({ author: author.trim(), page: page.trim() });
        }}
      >
        <div class="field">
          <label for="wiki-f-author" class="field-label">
            {t("wiki.changes.author")}
          </label>
          <input id="wiki-f-author" class="input" value={author} onInput={(e) => setAuthor((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="wiki-f-page" class="field-label">
            {t("wiki.changes.page")}
          </label>
          <input id="wiki-f-page" class="input" value={page} onInput={(e) => setPage((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="wiki-filters-actions">
          <Button type="submit" variant="secondary">
            {t("wiki.changes.filter")}
          </Button>
          {(filters.author || filters.page) && (
            <Button
              variant="ghost"
              onClick={() => {
                setAuthor("");
                setPage("");
                setFilters({ author: "", page: "" });
              }}
            >
              {t("wiki.changes.clear")}
            </Button>
          )}
        </div>
      </form>
      {error ? <ErrorAlert error={error} /> : null}
      {items === null ? (
        error ? null : (
          <Loading />
        )
      ) : items.length === 0 ? (
        <EmptyState>{filters.author || filters.page ? t("wiki.changes.noneFiltered") : t("wiki.changes.none")}</EmptyState>
      ) : (
        <div class="wiki-changes">
          {groups.map((g) => (
            <section key={g.day} class="wiki-changes-day">
              <h2 class="section-title">{g.day}</h2>
              <ul class="list">
                {g.items.map(({ id, change: c }) => (
                  <li key={id} class="list-item wiki-change" data-change={id}>
                    <div class="list-main">
                      <div class="wiki-rev-line">
                        <span class="muted small nowrap">{new Intl.DateTimeFormat(lang === "fr" ? "fr-FR" : "en-GB", { timeStyle: "short" }).format(new Date(c.created_at))}</span>
                        <Link href={`${pageHref(wiki.slug, c.page)}?rev=${c.rev}`} class="strong">
                          {c.page}
                        </Link>
                        <KindBadge kind={c.kind} />
                        <span class="small">{t("wiki.changes.by", { name: personName(t, c.author_name) })}</span>
                      </div>
                      {c.summary && <p class="wiki-rev-summary">{c.summary}</p>}
                    </div>
                    {c.kind !== "delete" && (
                      <div class="row-actions">
                        <Link
                          href={`${pageHref(wiki.slug, c.page, "history")}?from=${Math.max(0, c.rev - 1)}&to=${c.rev}`}
                          class="btn btn-ghost btn-sm"
                          aria-label={t("wiki.changes.diffOf", { name: c.page, rev: c.rev })}
                        >
                          {t("wiki.changes.diff")}
                        </Link>
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          ))}
          {!done && (
            <Button variant="secondary" onClick={more} loading={busy}>
              {t("wiki.loadMore")}
            </Button>
          )}
        </div>
      )}
    </div>
  );
}

export function AllPagesPage() {
  const { t, lang } = useApp();
  const { wiki } = useWiki();
  useTitle(`${t("wiki.pages.title")} · ${wiki.title}`);
  const list = useAsync(() => wikisApi.pages(wiki.slug), [wiki.slug]);
  const [filter, setFilter] = useState("");
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const all = [...(list.data ?? [])].sort((a, b) => a.name.localeCompare(b.name, lang, { sensitivity: "base" }));
    return f ? all.filter((p) => p.name.toLowerCase().includes(f)) : all;
  }, [list.data, filter, lang]);
  return (
    <div class="wiki-article">
      <WikiPageTitle
        title={t("wiki.pages.title")}
        sub={
          list.data ? t(new Intl.PluralRules(lang).select(list.data.length) === "one" ? "wiki.pages.count.one" : "wiki.pages.count.other", { count: list.data.length }) : undefined
        }
      >
        {wiki.can_edit && <NewPageButton />}
      </WikiPageTitle>
      <div class="field wiki-filter-one">
        <label for="wiki-pages-filter" class="field-label">
          {t("wiki.pages.filter")}
        </label>
        <input id="wiki-pages-filter" type="search" class="input" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
      </div>
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorAlert error={list.error} />
      ) : shown.length === 0 ? (
        <EmptyState>{t("wiki.pages.none")}</EmptyState>
      ) : (
        <ul class="list wiki-page-list">
          {shown.map((p) => (
            <li key={p.name} class="list-item">
              <Link href={pageHref(wiki.slug, p.name)} class="list-title">
                {p.name}
              </Link>
              <span class="muted small">{t("wiki.pages.updated", { date: formatDateTime(lang, p.updated_at) ?? "", rev: p.rev })}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Asks for a page name, then opens its editor. */
export function NewPageButton() {
  const { t } = useApp();
  const { wiki } = useWiki();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  if (!open) {
    return (
      <Button size="sm" onClick={() => setOpen(true)}>
        {t("wiki.pages.new")}
      </Button>
    );
  }
  return (
    <form
      class="wiki-inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) navigate(pageHref(wiki.slug, name.trim(), "edit"));
      }}
    >
      <label for="wiki-new-page" class="visually-hidden">
        {t("wiki.pages.newName")}
      </label>
      <input id="wiki-new-page" class="input" value={name} placeholder={t("wiki.pages.newName")} autoFocus onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      <Button type="submit" size="sm">
        {t("wiki.pages.create")}
      </Button>
    </form>
  );
}

export function SearchPage({ q }: { q: string }) {
  const { t, lang } = useApp();
  const { wiki } = useWiki();
  useTitle(`${q ? t("wiki.search.titleQ", { q }) : t("wiki.search.title")} · ${wiki.title}`);
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const results = useAsync(() => (q.trim() ? wikisApi.search(wiki.slug, q.trim()) : Promise.resolve(null)), [wiki.slug, q]);
  return (
    <div class="wiki-article">
      <WikiPageTitle title={t("wiki.search.title")} />
      <form
        role="search"
        class="wiki-search-form"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`${wikiToolHref(wiki.slug, "search")}?q=${encodeURIComponent(text.trim())}`);
        }}
      >
        <label for="wiki-search-page-q" class="visually-hidden">
          {t("wiki.searchThis")}
        </label>
        <input
          id="wiki-search-page-q"
          type="search"
          class="input"
          value={text}
          onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          placeholder={t("wiki.searchPlaceholder")}
        />
        <Button type="submit">
          <IconSearch />
          {t("wiki.search")}
        </Button>
      </form>
      {!q.trim() ? null : results.loading ? (
        <Loading />
      ) : results.error ? (
        <ErrorAlert error={results.error} />
      ) : !results.data || results.data.length === 0 ? (
        <div class="wiki-search-empty">
          <EmptyState>{t("wiki.search.none", { q })}</EmptyState>
          {wiki.can_edit && (
            <p class="small">
              <Link href={pageHref(wiki.slug, q.trim(), "edit")}>{t("wiki.search.createIt", { name: q.trim() })}</Link>
            </p>
          )}
        </div>
      ) : (
        <>
          <p class="muted small" role="status">
            {t(new Intl.PluralRules(lang).select(results.data.length) === "one" ? "wiki.search.count.one" : "wiki.search.count.other", { count: results.data.length })}
          </p>
          <ol class="wiki-results">
            {results.data.map((r) => (
              <li key={`${r.wiki}/${r.page}`} class="wiki-result">
                <Link href={pageHref(r.wiki, r.page)} class="wiki-result-title">
                  {r.page}
                </Link>
                <p class="wiki-result-snippet">
                  <Snippet text={r.snippet} />
                </p>
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}

export function FilesPage() {
  const { t, lang, user } = useApp();
  const { wiki } = useWiki();
  useTitle(`${t("wiki.files.title")} · ${wiki.title}`);
  const list = useAsync(() => wikisApi.files(wiki.slug), [wiki.slug]);
  const { busy, error, setError, run } = useSubmit();
  const [done, setDone] = useState<string | null>(null);
  const [dialog, confirm] = useConfirm();
  const upload = async (files: File[]) => {
    if (!files.length) return;
    setDone(null);
    const ok = await run(async () => {
      await ensureIdentity(user);
      for (const f of files) {
        const typed = f.type ? f : new Blob([f], { type: "application/octet-stream" });
        await wikisApi.upload(wiki.slug, f.name, typed);
      }
      setDone(files.length === 1 ? t("wiki.files.uploadedOne", { name: files[0]!.name }) : t("wiki.files.uploadedMany", { count: files.length }));
      list.reload();
    });
    // Some files may have gone up before the one that failed.
    if (!ok) list.reload();
  };
  const remove = async (name: string) => {
    if (!(await confirm({ title: t("wiki.files.deleteConfirm", { name }), body: t("wiki.files.deleteBody"), confirmLabel: t("wiki.files.delete"), danger: true }))) return;
    setError(null);
    try {
      await ensureIdentity(user);
      await wikisApi.deleteFile(wiki.slug, name);
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="wiki-article">
      {dialog}
      <WikiPageTitle title={t("wiki.files.title")} sub={t("wiki.files.intro")}>
        {wiki.can_edit && (
          <label class="btn btn-primary btn-sm wiki-upload-btn">
            {busy ? <span class="spinner" aria-hidden="true" /> : <IconUpload />}
            <span>{t("wiki.files.upload")}</span>
            <input
              type="file"
              multiple
              class="visually-hidden"
              disabled={busy}
              onChange={(e) => {
                const input = e.currentTarget as HTMLInputElement;
                void upload([...(input.files ?? [])]);
                input.value = "";
              }}
            />
          </label>
        )}
      </WikiPageTitle>
      {done && <Alert kind="success">{done}</Alert>}
      {error ? <ErrorAlert error={error} /> : null}
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorAlert error={list.error} />
      ) : !list.data || list.data.length === 0 ? (
        <EmptyState>{t("wiki.files.none")}</EmptyState>
      ) : (
        <div class="table-wrap">
          <table class="table wiki-files-table">
            <thead>
              <tr>
                <th scope="col">{t("wiki.files.name")}</th>
                <th scope="col">{t("wiki.files.size")}</th>
                <th scope="col" class="hide-sm">
                  {t("wiki.files.type")}
                </th>
                <th scope="col" class="hide-sm">
                  {t("wiki.files.date")}
                </th>
                <th scope="col">
                  <span class="visually-hidden">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((f) => (
                <tr key={f.name}>
                  <td class="break">
                    <a href={fileHref(wiki.slug, f.name)} target="_blank" rel="noopener">
                      {f.name}
                    </a>
                  </td>
                  <td class="nowrap">{formatBytes(f.size, lang)}</td>
                  <td class="hide-sm mono small">{f.content_type}</td>
                  <td class="hide-sm nowrap small">{formatDateTime(lang, f.created_at) ?? ""}</td>
                  <td>
                    <div class="row-actions">
                      <a href={fileHref(wiki.slug, f.name)} download={f.name} class="btn btn-ghost btn-sm" aria-label={t("wiki.files.downloadOf", { name: f.name })}>
                        <IconDownload size={16} />
                      </a>
                      {wiki.can_edit && (
                        <Button variant="ghost" size="sm" class="btn-ghost-danger" onClick={() => remove(f.name)} aria-label={t("wiki.files.deleteOf", { name: f.name })}>
                          <IconTrash />
                        </Button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {wiki.can_edit && <p class="muted small wiki-files-hint">{t("wiki.files.hint")}</p>}
    </div>
  );
}
