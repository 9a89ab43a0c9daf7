// Search across the tools (GET /api/v1/search): results grouped by tool, snippets as plain text.
import { api, errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { TOOL_ICONS } from "../components/nav.tsx";
import { Alert, EmptyState, Link, Loading, PageHeader, useAsync } from "../components/ui.tsx";
import { formatDateTime } from "../i18n/index.ts";
import type { Tool } from "../router.ts";
import type { SearchAnswer } from "../generated/web/SearchAnswer.ts";

/** The groups in the header's order (video rooms have no text to search). */
const GROUPS: Exclude<Tool, "video">[] = ["pads", "polls", "chat", "wikis"];

/**
 * A snippet's parts: the server marks matched words between U+0002 and U+0003. Shown as text
 * nodes and <mark>, never as HTML.
 */
export function snippetParts(snippet: string): { text: string; hit: boolean }[] {
  const out: { text: string; hit: boolean }[] = [];
  for (const [i, piece] of snippet.split("\u0002").entries()) {
    if (i === 0) {
      if (piece) out.push({ text: piece.replaceAll("\u0003", ""), hit: false });
      continue;
    }
    const [hit = "", rest = ""] = piece.split("\u0003", 2);
    if (hit) out.push({ text: hit, hit: true });
    if (rest) out.push({ text: rest.replaceAll("\u0003", ""), hit: false });
  }
  return out;
}

function Snippet({ text }: { text: string }) {
  return <p class="search-snippet">{snippetParts(text).map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}</p>;
}

export function SearchPage({ q }: { q: string }) {
  const { t, lang } = useApp();
  const query = q.trim();
  useTitle(query ? t("search.titleFor", { q: query }) : t("search.title"));
  const { data, error, loading } = useAsync<SearchAnswer | null>(
    () => (query ? api.get<SearchAnswer>(`/api/v1/search?q=${encodeURIComponent(query)}`) : Promise.resolve(null)),
    [query],
  );
  const total = data ? GROUPS.reduce((n, g) => n + data[g].length, 0) : 0;
  return (
    <div class="container page page-narrow">
      <PageHeader title={query ? t("search.titleFor", { q: query }) : t("search.title")} subtitle={t("search.subtitle")} />
      {!query ? (
        <EmptyState>{t("search.empty")}</EmptyState>
      ) : loading ? (
        <Loading />
      ) : error ? (
        <Alert kind="error">{errorText(t, error)}</Alert>
      ) : !data || total === 0 ? (
        <EmptyState>{t("search.none", { q: query })}</EmptyState>
      ) : (
        GROUPS.filter((g) => data[g].length > 0).map((g) => {
          const Icon = TOOL_ICONS[g];
          return (
            <section key={g} class="section search-group" aria-labelledby={`search-${g}`}>
              <h2 id={`search-${g}`} class="section-title search-group-title">
                <span class={`tool-icon tool-${g}`}>
                  <Icon size={16} />
                </span>
                {t(`tool.${g}.name`)}
                <span class="badge">{data[g].length}</span>
              </h2>
              <ul class="search-results">
                {data[g].map((h) => (
                  <li key={h.path}>
                    <Link href={h.path} class="search-hit">
                      <span class="search-hit-title">{h.title}</span>
                      {(h.context || h.at) && <span class="search-hit-meta muted">{[h.context, formatDateTime(lang, h.at)].filter(Boolean).join(" · ")}</span>}
                      {h.snippet && <Snippet text={h.snippet} />}
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          );
        })
      )}
    </div>
  );
}
