// Home (greeting + the five tools) and the placeholder page of each tool.
import type { JSX } from "preact";
import { useApp, useTitle } from "../context.tsx";
import { IconArrowLeft, IconArrowRight, IconChat, IconInfo, IconPad, IconPoll, IconShield, IconWrench, IconUser, IconVideo, IconWiki } from "../components/icons.tsx";
import { Alert, Button, EmptyState, Link, Loading, PageHeader, useAsync } from "../components/ui.tsx";
import { useSubmit } from "../hooks/submit.ts";
import { api, errorText } from "../api.ts";
import { chatTime } from "../format.ts";
import { greetingKey } from "../i18n/index.ts";
import { TOOLS, type Tool } from "../router.ts";
import type { RecentAnswer } from "../generated/web/RecentAnswer.ts";
import { loadAbout } from "./about.tsx";
import { KIND_OF_TOOL, StarButton, removeUnavailable, useFavourites } from "../favourites.tsx";

export const TOOL_ICONS: Record<Tool, (p: { size?: number }) => JSX.Element> = {
  pads: IconPad,
  polls: IconPoll,
  chat: IconChat,
  video: IconVideo,
  wikis: IconWiki,
};

/** Admins are reminded until the About page says who runs the service (law, CHATONS). */
function MissingFacts({ missing }: { missing: string[] }) {
  const { t } = useApp();
  if (missing.length === 0) return null;
  return (
    <Alert kind="warning" title={t("home.missingFactsTitle")} class="missing-facts-alert">
      <p>
        {t("home.missingFactsBody", { count: missing.length })} <Link href="/admin#instance-settings">{t("home.missingFactsLink")}</Link>
      </p>
    </Alert>
  );
}

export function HomePage() {
  const { t, user } = useApp();
  useTitle(t("home.title"));
  const recent = useAsync(() => (user ? api.get<RecentAnswer>("/api/v1/me/recent") : Promise.resolve({ items: [] })), [user?.id]);
  const about = useAsync(() => (user?.is_admin ? loadAbout() : Promise.resolve(null)), [user?.is_admin]);
  const favs = useFavourites();
  if (!user) return null;
  const name = user.display_name || user.username;
  const header = <PageHeader title={t(greetingKey(new Date().getHours()), { name })} subtitle={t("home.subtitle")} />;
  // The reminder, the favourites and the recent items sit above the tools: until all are known
  // the page shows its greeting only, so that nothing moves down under the reader when they arrive.
  if (recent.loading || about.loading || (favs.loading && favs.items.length === 0)) {
    return (
      <div class="container page">
        {header}
        <Loading />
      </div>
    );
  }
  return (
    <div class="container page">
      {header}
      <MissingFacts missing={about.data?.missing ?? []} />
      <FavouriteItems />
      <RecentItems data={recent.data} error={recent.error} />
      <section aria-labelledby="tools-title" class="section">
        <h2 id="tools-title" class="section-title">
          {t("home.tools")}
        </h2>
        <ul class="tool-grid">
          {TOOLS.map((tool) => {
            const Icon = TOOL_ICONS[tool];
            return (
              <li key={tool}>
                <Link href={`/${tool}`} class={`tool-card tool-${tool}`}>
                  <span class="tool-icon">
                    <Icon size={24} />
                  </span>
                  <span class="tool-text">
                    <span class="tool-name">{t(`tool.${tool}.name`)}</span>
                    <span class="tool-desc">{t(`tool.${tool}.desc`)}</span>
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      </section>
      <section aria-labelledby="shortcuts-title" class="section">
        <h2 id="shortcuts-title" class="section-title">
          {t("home.shortcuts")}
        </h2>
        <ul class="shortcut-grid">
          <li>
            <Link href="/account" class="shortcut">
              <IconUser />
              <span>
                <strong>{t("nav.account")}</strong>
                <span class="muted">{t("home.accountDesc")}</span>
              </span>
              <IconArrowRight size={16} />
            </Link>
          </li>
          {user.is_admin && (
            <li>
              <Link href="/admin" class="shortcut">
                <IconShield />
                <span>
                  <strong>{t("nav.admin")}</strong>
                  <span class="muted">{t("home.adminDesc")}</span>
                </span>
                <IconArrowRight size={16} />
              </Link>
            </li>
          )}
          <li>
            <Link href="/about" class="shortcut">
              <IconInfo />
              <span>
                <strong>{t("footer.about")}</strong>
                <span class="muted">{t("home.aboutDesc")}</span>
              </span>
              <IconArrowRight size={16} />
            </Link>
          </li>
        </ul>
      </section>
    </div>
  );
}

export function ToolPage({ tool }: { tool: Tool }) {
  const { t } = useApp();
  const name = t(`tool.${tool}.name`);
  useTitle(name);
  const Icon = TOOL_ICONS[tool];
  return (
    <div class="container page page-narrow">
      <PageHeader
        title={name}
        subtitle={t(`tool.${tool}.desc`)}
        icon={
          <span class={`tool-icon tool-${tool}`}>
            <Icon size={28} />
          </span>
        }
      />
      <div class="card building">
        <span class="building-icon">
          <IconWrench size={28} />
        </span>
        <h2>{t("tool.building")}</h2>
        <p>{t("tool.buildingBody", { tool: name })}</p>
        <Link href="/" class="btn btn-secondary">
          <IconArrowLeft size={16} />
          {t("common.backHome")}
        </Link>
      </div>
    </div>
  );
}

function RecentItems({ data, error }: { data: RecentAnswer | null; error: unknown }) {
  const { t, lang } = useApp();
  return (
    <section aria-labelledby="recent-title" class="section">
      <h2 id="recent-title" class="section-title">
        {t("home.recent")}
      </h2>
      {error ? (
        <Alert kind="error">{errorText(t, error)}</Alert>
      ) : !data || data.items.length === 0 ? (
        <EmptyState>{t("home.recentEmpty")}</EmptyState>
      ) : (
        <ul class="recent-list">
          {data.items.map((item) => {
            const Icon = TOOL_ICONS[item.tool];
            const kind = KIND_OF_TOOL[item.tool];
            return (
              <li key={`${item.tool}:${item.id}`} class="recent-row">
                <Link href={item.path} class="recent-item">
                  <span class={`tool-icon tool-${item.tool}`} title={t(`tool.${item.tool}.name`)}>
                    <Icon size={18} />
                  </span>
                  <span class="recent-text">
                    <span class="recent-name">{item.name}</span>
                    <span class="recent-meta muted">
                      {t(`tool.${item.tool}.name`)} · {t(`home.role.${item.role}`)} · <time dateTime={item.at}>{chatTime(lang, item.at)}</time>
                    </span>
                  </span>
                  {item.unread ? <span class={item.mentions ? "badge badge-danger" : "badge badge-accent"}>{t("home.unread", { n: item.unread })}</span> : null}
                </Link>
                {kind && <StarButton kind={kind} id={item.id} name={item.name} />}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** The person's favourites across the tools, above what they touched lately. */
function FavouriteItems() {
  const { t } = useApp();
  const favs = useFavourites();
  const removing = useSubmit((e) => errorText(t, e));
  return (
    <section aria-labelledby="favourites-title" class="section">
      <h2 id="favourites-title" class="section-title">
        {t("fav.title")}
      </h2>
      {favs.error ? (
        <Alert kind="error">{errorText(t, favs.error)}</Alert>
      ) : favs.items.length === 0 ? (
        favs.loading ? (
          <Loading />
        ) : (
          <EmptyState>{t("fav.empty")}</EmptyState>
        )
      ) : (
        <ul class="recent-list favourite-list">
          {favs.items.map((f) => {
            const Icon = TOOL_ICONS[f.tool];
            return (
              <li key={`${f.kind}:${f.id}`} class="recent-row">
                <Link href={f.path} class="recent-item">
                  <span class={`tool-icon tool-${f.tool}`} title={t(`tool.${f.tool}.name`)}>
                    <Icon size={18} />
                  </span>
                  <span class="recent-text">
                    <span class="recent-name">{f.title}</span>
                    <span class="recent-meta muted">
                      {t(`tool.${f.tool}.name`)}
                      {f.context ? ` · ${f.context}` : ""}
                    </span>
                  </span>
                </Link>
                <StarButton kind={f.kind} id={f.id} name={f.title} />
              </li>
            );
          })}
        </ul>
      )}
      {favs.unavailable.length > 0 && (
        <div class="favourites-unavailable muted small">
          {t("fav.unavailable", { n: favs.unavailable.length })}{" "}
          <Button variant="secondary" size="sm" loading={removing.busy} onClick={() => removing.run(removeUnavailable)}>
            {t("fav.removeUnavailable")}
          </Button>
          {removing.error && <Alert kind="error">{removing.error}</Alert>}
        </div>
      )}
    </section>
  );
}
