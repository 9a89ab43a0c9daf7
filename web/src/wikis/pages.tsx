// Wikis: the farm's directory (/wikis: public wikis, my wikis, notifications, search across
// wikis), creating or importing a wiki (/wikis/new) and a wiki's pages (/w/{slug}/…). Loaded on
// demand (its own chunk, declared in index.tsx). Contract: docs/wiki-api.md.
import { useDebounced } from "../hooks/debounce.ts";
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { useState } from "preact/hooks";
import { ApiError, errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconArrowRight, IconWiki } from "../components/icons.tsx";
import { Alert, Badge, Button, Card, EmptyState, ErrorAlert, Link, Loading, PageHeader, TextField, cx, useAsync } from "../components/ui.tsx";
import { formatDate, formatDateTime, isLang } from "../i18n/index.ts";
import { navigate } from "../router.ts";
import { wikisApi } from "./api.ts";
import { DiffView, Snippet } from "./content.tsx";
import { EditorPage } from "./editor.tsx";
import { EditPolicyField, THEME_COLORS, ThemeColorField, VisibilityField } from "./fields.tsx";
import { HistoryPage } from "./history.tsx";
import { IconBell, IconPlus, IconSearch, IconUpload } from "./icons.tsx";
import { HEX_COLOR, pageHref, slugProblem, suggestSlug, wikiHref } from "./names.ts";
import { PageView } from "./page.tsx";
import { SettingsPage } from "./settings.tsx";
import { WikiShell } from "./shell.tsx";
import { AllPagesPage, ChangesPage, FilesPage, SearchPage } from "./tools.tsx";
import type { EditPolicy, Template, Visibility, WikiNotification } from "./types.ts";
import { personName } from "../people.ts";
import { FavouriteMark } from "../favourites.tsx";

function WikiIcon() {
  return (
    <span class="tool-icon tool-wikis">
      <IconWiki size={28} />
    </span>
  );
}

// ---------------------------------------------------------------- /wikis

export function WikisHomePage() {
  const { t, user } = useApp();
  useTitle(t("tool.wikis.name"));
  return (
    <div class="container page wikis-home">
      <PageHeader title={t("tool.wikis.name")} subtitle={t("wikis.subtitle")} icon={<WikiIcon />}>
        {user ? (
          <Link href="/wikis/new" class="btn btn-primary">
            <IconPlus size={16} />
            {t("wikis.create")}
          </Link>
        ) : (
          <Link href="/login?next=%2Fwikis%2Fnew" class="btn btn-secondary">
            {t("wikis.loginToCreate")}
          </Link>
        )}
      </PageHeader>
      <div class="wikis-grid">
        <div class="stack">
          {user && <MyWikis />}
          <Directory />
          <SearchAll />
        </div>
        {user && (
          <aside class="stack">
            <Notifications />
          </aside>
        )}
      </div>
    </div>
  );
}

function MyWikis() {
  const { t, lang } = useApp();
  const list = useAsync(() => wikisApi.mine(), []);
  return (
    <Card title={t("wikis.mine")} id="my-wikis">
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <ErrorAlert error={list.error} />
      ) : !list.data || list.data.length === 0 ? (
        <EmptyState>{t("wikis.mineEmpty")}</EmptyState>
      ) : (
        <ul class="list">
          {list.data.map((w) => (
            <li key={w.slug} class="list-item" data-wiki={w.slug}>
              <div class="list-main">
                <Link href={wikiHref(w.slug)} class="list-title">
                  {w.title}
                  <FavouriteMark kind="wiki" id={w.slug} />
                  <Badge tone={w.role === "admin" ? "accent" : "neutral"}>{t(`wiki.role.${w.role}`)}</Badge>
                  {w.visibility !== "public" && <Badge tone="warning">{t(`wiki.visibility.${w.visibility}`)}</Badge>}
                </Link>
                <div class="list-meta">
                  <span class="mono">/w/{w.slug}</span>
                  <span>{t("wikis.updated", { date: formatDate(lang, w.updated_at) ?? "" })}</span>
                </div>
              </div>
              <Link href={wikiHref(w.slug)} class="btn btn-secondary btn-sm" aria-label={t("wikis.openNamed", { title: w.title })}>
                {t("wikis.open")}
                <IconArrowRight size={16} />
              </Link>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Directory() {
  const { t, lang } = useApp();
  const [q, setQ] = useState("");
  const dq = useDebounced(q.trim(), 250);
  const list = useAsync(() => wikisApi.directory(dq), [dq]);
  return (
    <Card title={t("wikis.directory")} description={t("wikis.directoryDesc")} id="wiki-directory">
      <div class="field wiki-filter-one">
        <label for="wikis-q" class="field-label">
          {t("wikis.filter")}
        </label>
        <input id="wikis-q" type="search" class="input" value={q} onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} placeholder={t("wikis.filterPlaceholder")} />
      </div>
      {list.loading && !list.data ? (
        <Loading />
      ) : list.error ? (
        <ErrorAlert error={list.error} />
      ) : !list.data || list.data.length === 0 ? (
        <EmptyState>{dq ? t("wikis.directoryNoMatch") : t("wikis.directoryEmpty")}</EmptyState>
      ) : (
        <ul class="wiki-cards">
          {list.data.map((w) => (
            <li key={w.slug}>
              <Link href={wikiHref(w.slug)} class="wiki-card">
                <span class="wiki-card-band" style={{ backgroundColor: HEX_COLOR.test(w.theme_color) ? w.theme_color : "#5b5bd6" }} aria-hidden="true" />
                <span class="wiki-card-title">{w.title}</span>
                {w.description && <span class="wiki-card-desc">{w.description}</span>}
                <span class="wiki-card-meta">
                  {t(new Intl.PluralRules(lang).select(w.pages) === "one" ? "wikis.pages.one" : "wikis.pages.other", { count: w.pages })} ·{" "}
                  {t("wikis.updated", { date: formatDate(lang, w.updated_at) ?? "" })}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function SearchAll() {
  const { t } = useApp();
  const [q, setQ] = useState("");
  const [asked, setAsked] = useState("");
  const results = useAsync(() => (asked ? wikisApi.searchAll(asked) : Promise.resolve(null)), [asked]);
  return (
    <Card title={t("wikis.searchAll")} description={t("wikis.searchAllDesc")} id="wiki-search-all">
      <form
        role="search"
        class="wiki-search-form"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(q.trim());
        }}
      >
        <label for="wikis-search-q" class="visually-hidden">
          {t("wikis.searchAll")}
        </label>
        <input
          id="wikis-search-q"
          type="search"
          class="input"
          value={q}
          onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
          placeholder={t("wiki.searchPlaceholder")}
        />
        <Button type="submit" variant="secondary">
          <IconSearch />
          {t("wiki.search")}
        </Button>
      </form>
      {!asked ? null : results.loading ? (
        <Loading />
      ) : results.error ? (
        <ErrorAlert error={results.error} />
      ) : !results.data || results.data.length === 0 ? (
        <EmptyState>{t("wiki.search.none", { q: asked })}</EmptyState>
      ) : (
        <ol class="wiki-results">
          {results.data.map((r) => (
            <li key={`${r.wiki}/${r.page}`} class="wiki-result">
              <Link href={pageHref(r.wiki, r.page)} class="wiki-result-title">
                {r.page}
              </Link>
              <span class="muted small"> · {r.wiki_title}</span>
              <p class="wiki-result-snippet">
                <Snippet text={r.snippet} />
              </p>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function Notifications() {
  const { t, lang } = useApp();
  const list = useAsync(() => wikisApi.notifications(), []);
  const { busy, error, run } = useSubmit();
  const mark = async (ids: number[] | "all") => {
    await run(async () => {
      await wikisApi.markRead(ids);
      if (list.data) list.setData(list.data.map((n) => (ids === "all" || ids.includes(n.id) ? { ...n, read: true } : n)));
    });
  };
  const unread = (list.data ?? []).filter((n) => !n.read).length;
  return (
    <Card
      title={t("wikis.notifications")}
      description={unread ? t("wikis.unread", { count: unread }) : undefined}
      id="wiki-notifications"
      icon={<IconBell />}
      actions={
        unread > 0 ? (
          <Button variant="ghost" size="sm" onClick={() => mark("all")} loading={busy}>
            {t("wikis.markAllRead")}
          </Button>
        ) : undefined
      }
    >
      {list.loading ? (
        <Loading />
      ) : list.error ? (
        <p class="muted small">{t("wikis.notificationsUnavailable", { error: errorText(t, list.error) })}</p>
      ) : !list.data || list.data.length === 0 ? (
        <EmptyState>{t("wikis.notificationsEmpty")}</EmptyState>
      ) : (
        <ul class="wiki-notifs">
          {list.data.map((n) => (
            <NotificationItem key={n.id} n={n} lang={lang} onRead={() => mark([n.id])} />
          ))}
        </ul>
      )}
      {error ? <p class="field-error">{errorText(t, error)}</p> : null}
    </Card>
  );
}

function NotificationItem({ n, lang, onRead }: { n: WikiNotification; lang: string; onRead: () => void }) {
  const { t } = useApp();
  return (
    <li class={cx("wiki-notif", !n.read && "is-unread")} data-notification={n.id}>
      <div class="wiki-notif-head">
        <Link href={`${pageHref(n.wiki, n.page)}?rev=${n.rev}`} class="strong" onClick={() => !n.read && onRead()}>
          {n.page}
        </Link>
        <span class="muted small">{n.wiki_title}</span>
      </div>
      <p class="small">
        {t("wikis.notifBy", { name: personName(t, n.actor_name), date: formatDateTime(lang === "fr" ? "fr" : "en", n.created_at) ?? "" })}
        {n.summary && <span class="muted"> — {n.summary}</span>}
      </p>
      {n.diff && (
        <details class="wiki-notif-diff">
          <summary>{t("wikis.showDiff")}</summary>
          {typeof n.diff === "string" ? <pre class="wiki-diff-text-pre">{n.diff}</pre> : <DiffView diff={n.diff} mode="inline" />}
        </details>
      )}
      {!n.read && (
        <button type="button" class="btn btn-ghost btn-sm" onClick={onRead}>
          {t("wikis.markRead")}
        </button>
      )}
    </li>
  );
}

// ---------------------------------------------------------------- /wikis/new

const TEMPLATES: Template[] = ["blank", "project", "association", "event"];

export function NewWikiPage() {
  const { t, lang } = useApp();
  useTitle(t("wikis.new.title"));
  const [title, setTitle] = useState("");
  const [slug, setSlug] = useState("");
  const [slugTouched, setSlugTouched] = useState(false);
  const [description, setDescription] = useState("");
  const [template, setTemplate] = useState<Template>("project");
  const [pagesLang, setPagesLang] = useState<"en" | "fr">(lang);
  const [visibility, setVisibility] = useState<Visibility>("public");
  const [policy, setPolicy] = useState<EditPolicy>("users");
  const [color, setColor] = useState(THEME_COLORS[0]!);
  const [tried, setTried] = useState(false);

  const effectiveSlug = slugTouched ? slug : suggestSlug(title);
  const { busy, error, setError, run } = useSubmit((err) => (err instanceof ApiError && err.status === 409 ? t("wikis.new.slugTaken", { slug: effectiveSlug }) : err));
  const sp = slugProblem(effectiveSlug);
  const titleError = tried && !title.trim() ? t("wiki.form.titleRequired") : null;
  const slugError = (tried || slugTouched) && effectiveSlug && sp ? t(`wikis.new.slug.${sp}`) : tried && !effectiveSlug ? t("wikis.new.slug.length") : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setError(null);
    if (!title.trim() || sp) return;
    await run(async () => {
      const w = await wikisApi.create({
        slug: effectiveSlug,
        title: title.trim(),
        description: description.trim(),
        template,
        lang: pagesLang,
        visibility,
        edit_policy: policy,
        theme_color: color,
      });
      navigate(wikiHref(w.slug));
      return STAY_BUSY;
    });
  };

  return (
    <div class="container page page-narrow wikis-new">
      <PageHeader title={t("wikis.new.title")} subtitle={t("wikis.new.subtitle")} icon={<WikiIcon />} />
      <form class="stack" onSubmit={submit} noValidate>
        <Card title={t("wikis.new.about")} id="wiki-new-about">
          <div class="form">
            <TextField
              label={t("wiki.form.title")}
              value={title}
              onValue={setTitle}
              name="title"
              maxLength={200}
              required
              error={titleError}
              placeholder={t("wikis.new.titlePlaceholder")}
            />
            <div class="field">
              <label for="wiki-new-slug" class="field-label">
                {t("wikis.new.slug")}
              </label>
              <div class="wiki-slug-input">
                <span class="wiki-slug-prefix mono" aria-hidden="true">
                  /w/
                </span>
                <input
                  id="wiki-new-slug"
                  name="slug"
                  class={cx("input", "mono", slugError && "is-invalid")}
                  value={effectiveSlug}
                  maxLength={63}
                  autocomplete="off"
                  autoCapitalize="none"
                  spellcheck={false}
                  aria-describedby="wiki-new-slug-hint"
                  aria-invalid={slugError ? "true" : undefined}
                  onInput={(e) => {
                    setSlugTouched(true);
                    setSlug((e.currentTarget as HTMLInputElement).value.toLowerCase());
                  }}
                />
              </div>
              <p id="wiki-new-slug-hint" class="field-hint">
                {t("wikis.new.slugHint")} <span class="mono wiki-slug-url">{`${location.origin}/w/${effectiveSlug || "…"}/`}</span>
              </p>
              {slugError && <p class="field-error">{slugError}</p>}
            </div>
            <div class="field">
              <label for="wiki-new-desc" class="field-label">
                {t("wiki.form.description")}
                <span class="field-optional"> ({t("common.optional")})</span>
              </label>
              <textarea
                id="wiki-new-desc"
                class="input wiki-textarea-sm"
                rows={2}
                maxLength={2000}
                value={description}
                onInput={(e) => setDescription((e.currentTarget as HTMLTextAreaElement).value)}
              />
            </div>
          </div>
        </Card>
        <Card title={t("wikis.new.template")} description={t("wikis.new.templateDesc")} id="wiki-new-template">
          <fieldset class="wiki-templates">
            <legend class="visually-hidden">{t("wikis.new.template")}</legend>
            {TEMPLATES.map((tp) => (
              <label key={tp} class={cx("wiki-choice", "wiki-template", template === tp && "is-selected")}>
                <input type="radio" name="template" value={tp} checked={template === tp} onChange={() => setTemplate(tp)} />
                <span>
                  <strong>{t(`wikis.template.${tp}`)}</strong>
                  <span class="muted small">{t(`wikis.template.${tp}.desc`)}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div class="field wiki-lang-field">
            <label for="wiki-new-lang" class="field-label">
              {t("wikis.new.lang")}
            </label>
            <select
              id="wiki-new-lang"
              class="select"
              value={pagesLang}
              onChange={(e) => {
                const v = (e.currentTarget as HTMLSelectElement).value;
                if (isLang(v)) setPagesLang(v);
              }}
            >
              <option value="en">{t("lang.en")}</option>
              <option value="fr">{t("lang.fr")}</option>
            </select>
          </div>
        </Card>
        <Card title={t("wikis.new.access")} id="wiki-new-access">
          <div class="form">
            <VisibilityField value={visibility} onValue={setVisibility} />
            <EditPolicyField value={policy} onValue={setPolicy} />
            <ThemeColorField value={color} onValue={setColor} />
          </div>
        </Card>
        {typeof error === "string" ? <Alert kind="error">{error}</Alert> : <ErrorAlert error={error} />}
        {tried && (titleError || slugError) && <Alert kind="error">{t("wikis.new.fix")}</Alert>}
        <div class="form-actions">
          <Link href="/wikis" class="btn btn-secondary">
            {t("common.cancel")}
          </Link>
          <Button type="submit" loading={busy}>
            {t("wikis.new.create")}
          </Button>
        </div>
      </form>
      <ImportCard />
    </div>
  );
}

function ImportCard() {
  const { t } = useApp();
  const [slug, setSlug] = useState("");
  const [title, setTitle] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const { busy, error, setError, run } = useSubmit((err) => (err instanceof ApiError && err.status === 409 ? t("wikis.new.slugTaken", { slug: slug.trim().toLowerCase() }) : err));
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const s = slug.trim().toLowerCase();
    const p = slugProblem(s);
    if (p) {
      setError(t(`wikis.new.slug.${p}`));
      return;
    }
    if (!file) {
      setError(t("wikis.import.noFile"));
      return;
    }
    await run(async () => {
      const blob = file.type ? file : new Blob([file], { type: "application/zip" });
      const w = await wikisApi.importZip(s, title.trim(), blob);
      navigate(wikiHref(w.slug));
      return STAY_BUSY;
    });
  };
  return (
    <details class="card wiki-import" id="wiki-import">
      <summary class="wiki-import-summary">
        <span class="card-title">{t("wikis.import.title")}</span>
        <span class="muted small">{t("wikis.import.desc")}</span>
      </summary>
      <form class="form" onSubmit={submit}>
        <div class="form-row">
          <TextField
            label={t("wikis.new.slug")}
            value={slug}
            onValue={(v) => setSlug(v.toLowerCase())}
            name="import_slug"
            maxLength={63}
            autoCapitalize="none"
            spellcheck={false}
          />
          <TextField label={t("wiki.form.title")} value={title} onValue={setTitle} name="import_title" maxLength={200} optional hint={t("wikis.import.titleHint")} />
        </div>
        <div class="field">
          <label for="wiki-import-file" class="field-label">
            {t("wikis.import.file")}
          </label>
          <input
            id="wiki-import-file"
            type="file"
            accept=".zip,application/zip"
            class="input wiki-file-input"
            onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)}
          />
        </div>
        {typeof error === "string" ? <Alert kind="error">{error}</Alert> : <ErrorAlert error={error} />}
        <div class="form-actions">
          <Button type="submit" variant="secondary" loading={busy}>
            <IconUpload />
            {t("wikis.import.submit")}
          </Button>
        </div>
      </form>
    </details>
  );
}

// ---------------------------------------------------------------- /w/{slug}/…

export interface WikiRouteParams {
  slug: string;
  view: string;
  page: string;
  rev?: string;
  q?: string;
  from?: string;
  to?: string;
}

const num = (s: string | undefined): number | null => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);

export function WikiSite({ params }: { params: WikiRouteParams }) {
  const { slug, view, page } = params;
  return (
    <WikiShell slug={slug} view={view} page={page}>
      <WikiView params={params} />
    </WikiShell>
  );
}

function WikiView({ params }: { params: WikiRouteParams }) {
  const { view, page } = params;
  switch (view) {
    case "edit":
      return <EditorPage key={`e:${page}`} name={page} />;
    case "history":
      return <HistoryPage key={`h:${page}`} name={page} from={num(params.from)} to={num(params.to)} />;
    case "changes":
      return <ChangesPage />;
    case "pages":
      return <AllPagesPage />;
    case "search":
      return <SearchPage q={params.q ?? ""} />;
    case "settings":
      return <SettingsPage />;
    case "files":
      return <FilesPage />;
    default:
      return <PageView key={`p:${page}`} name={page} rev={num(params.rev)} />;
  }
}
