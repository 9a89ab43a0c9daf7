// The layout of a wiki (`/w/{slug}/…`): a header bar in the wiki's colour (title, search), the
// wiki's menu and tools as a side navigation (a drawer on a phone), and the page inside.
import { useSubmit } from "../hooks/submit.ts";
import type { ComponentChildren } from "preact";
import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import { ApiError, errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconClose, IconSettings, IconWiki } from "../components/icons.tsx";
import { Button, ErrorAlert, Link, Loading, cx } from "../components/ui.tsx";
import { StarButton } from "../favourites.tsx";
import { navigate } from "../router.ts";
import { wikisApi } from "./api.ts";
import { WikiHtml } from "./content.tsx";
import { IconChanges, IconEye, IconEyeOff, IconFile, IconList, IconLock, IconPages, IconSearch } from "./icons.tsx";
import { HEX_COLOR, contrastText, pageHref, wikiHref, wikiToolHref } from "./names.ts";
import type { Wiki } from "./types.ts";

export interface WikiState {
  wiki: Wiki;
  /** Reloads the wiki (menu, rights) after a change. */
  reload: () => void;
  setWiki: (w: Wiki) => void;
}

const WikiContext = createContext<WikiState | null>(null);

export function useWiki(): WikiState {
  const ctx = useContext(WikiContext);
  if (!ctx) throw new Error("useWiki outside a wiki");
  return ctx;
}

export function WikiShell({ slug, view, page, children }: { slug: string; view: string; page: string; children: ComponentChildren }) {
  const { t, user } = useApp();
  const [wiki, setWiki] = useState<Wiki | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [navOpen, setNavOpen] = useState(false);
  const [q, setQ] = useState("");

  useEffect(() => {
    let alive = true;
    wikisApi.get(slug).then(
      (w) => {
        if (!alive) return;
        setWiki(w);
        setError(null);
      },
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [slug, user?.id, tick]);

  // The drawer closes when the reader goes to another page.
  useEffect(() => setNavOpen(false), [view, page]);
  useEffect(() => {
    if (!navOpen) return;
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setNavOpen(false);
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navOpen]);

  if (error && !wiki) {
    const missing = error instanceof ApiError && error.status === 404;
    return (
      <div class="container page page-narrow">
        {missing ? (
          <div class="card not-found wiki-notfound">
            <TitleOf title={t("wiki.notFound")} />
            <span class="tool-icon tool-wikis">
              <IconWiki size={28} />
            </span>
            <h1>{t("wiki.notFound")}</h1>
            <p class="muted">{user ? t("wiki.notFoundBody") : t("wiki.notFoundGuest")}</p>
            <div class="wiki-actions-row">
              <Link href="/wikis" class="btn btn-secondary">
                {t("wiki.allWikis")}
              </Link>
              {!user && (
                <Link href={`/login?next=${encodeURIComponent(location.pathname)}`} class="btn btn-primary">
                  {t("nav.login")}
                </Link>
              )}
            </div>
          </div>
        ) : (
          <>
            <ErrorAlert error={error} />
            <Button variant="secondary" class="wiki-retry" onClick={() => setTick((n) => n + 1)}>
              {t("app.retry")}
            </Button>
          </>
        )}
      </div>
    );
  }
  if (!wiki) return <Loading />;

  const color = HEX_COLOR.test(wiki.theme_color) ? wiki.theme_color : "#5b5bd6";
  const onSearch = (e: Event) => {
    e.preventDefault();
    const s = q.trim();
    navigate(`${wikiToolHref(wiki.slug, "search")}${s ? `?q=${encodeURIComponent(s)}` : ""}`);
  };
  const currentPath = view === "page" ? (page ? pageHref(wiki.slug, page) : pageHref(wiki.slug, wiki.home_page)) : undefined;
  const tools: { href: string; label: string; icon: ComponentChildren; active: boolean }[] = [
    { href: wikiToolHref(wiki.slug, "changes"), label: t("wiki.nav.changes"), icon: <IconChanges />, active: view === "changes" },
    { href: wikiToolHref(wiki.slug, "pages"), label: t("wiki.nav.pages"), icon: <IconPages />, active: view === "pages" },
    { href: wikiToolHref(wiki.slug, "files"), label: t("wiki.nav.files"), icon: <IconFile />, active: view === "files" },
    ...(wiki.can_admin ? [{ href: wikiToolHref(wiki.slug, "settings"), label: t("wiki.nav.settings"), icon: <IconSettings size={18} />, active: view === "settings" }] : []),
  ];

  return (
    <WikiContext.Provider value={{ wiki, reload: () => setTick((n) => n + 1), setWiki }}>
      <div class="wiki" data-wiki={wiki.slug}>
        <div class="wiki-bar" style={{ backgroundColor: color, color: contrastText(color) }}>
          <div class="container wiki-bar-inner">
            <button
              type="button"
              class="icon-btn wiki-nav-toggle"
              aria-expanded={navOpen ? "true" : "false"}
              aria-controls="wiki-nav"
              aria-label={t("wiki.nav.toggle")}
              onClick={() => setNavOpen(!navOpen)}
            >
              {navOpen ? <IconClose /> : <IconList size={20} />}
            </button>
            <Link href={wikiHref(wiki.slug)} class="wiki-bar-title">
              {wiki.title}
            </Link>
            <StarButton kind="wiki" id={wiki.slug} />
            {wiki.locked && (
              <span class="wiki-bar-badge" title={t("wiki.lockedHint")}>
                <IconLock size={14} />
                <span>{t("wiki.locked")}</span>
              </span>
            )}
            <form class="wiki-bar-search" role="search" onSubmit={onSearch}>
              <label for="wiki-search-q" class="visually-hidden">
                {t("wiki.searchThis")}
              </label>
              <input
                id="wiki-search-q"
                type="search"
                class="input"
                name="q"
                value={q}
                placeholder={t("wiki.searchPlaceholder")}
                onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
              />
              <button type="submit" class="icon-btn" aria-label={t("wiki.search")}>
                <IconSearch />
              </button>
            </form>
          </div>
        </div>
        <div class="container wiki-body">
          <nav id="wiki-nav" class={cx("wiki-nav", navOpen && "open")} aria-label={t("wiki.nav.label", { title: wiki.title })}>
            {wiki.menu_html ? <WikiHtml class="wiki-menu" html={wiki.menu_html} current={currentPath} /> : null}
            <ul class="wiki-tools">
              {tools.map((l) => (
                <li key={l.href}>
                  <Link href={l.href} class="wiki-tool-link" aria-current={l.active ? "page" : undefined}>
                    {l.icon}
                    <span>{l.label}</span>
                  </Link>
                </li>
              ))}
            </ul>
            {user && <WatchWiki />}
            {wiki.locked && <p class="muted small wiki-nav-note">{t("wiki.lockedHint")}</p>}
            <Link href="/wikis" class="wiki-nav-farm small">
              {t("wiki.allWikis")}
            </Link>
          </nav>
          <div class="wiki-main">{children}</div>
        </div>
      </div>
    </WikiContext.Provider>
  );
}

function TitleOf({ title }: { title: string }) {
  useTitle(title);
  return null;
}

function WatchWiki() {
  const { t } = useApp();
  const { wiki, setWiki } = useWiki();
  const { busy, error, run } = useSubmit();
  const watching = !!wiki.watching;
  const toggle = async () => {
    await run(async () => {
      await wikisApi.watchWiki(wiki.slug, !watching);
      setWiki({ ...wiki, watching: !watching });
    });
  };
  return (
    <div class="wiki-watch">
      <Button variant="ghost" size="sm" onClick={toggle} loading={busy} aria-pressed={watching ? "true" : "false"}>
        {watching ? <IconEyeOff /> : <IconEye />}
        {watching ? t("wiki.unwatchWiki") : t("wiki.watchWiki")}
      </Button>
      {error ? <p class="field-error">{errorText(t, error)}</p> : null}
    </div>
  );
}

/** The common header of a wiki's tool pages. */
export function WikiPageTitle({ title, children, sub }: { title: ComponentChildren; children?: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <header class="wiki-page-head">
      <div class="wiki-page-heading">
        <h1>{title}</h1>
        {sub && <p class="muted small wiki-page-meta">{sub}</p>}
      </div>
      {children && <div class="wiki-page-actions">{children}</div>}
    </header>
  );
}
