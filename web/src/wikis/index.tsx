// The wikis tool: the list (/wikis), a new wiki (/wikis/new, members only) and a wiki's pages and
// tools (/w/{slug}/…). One chunk.
import { chunk, decodeSegment, defineTool, page } from "../tool.ts";

const pages = chunk(() => import("./pages.tsx"));

/** The wiki's own pages (`/w/{slug}/_changes`…); page names never start with '_' (it is a space). */
export const WIKI_TOOLS = ["changes", "search", "settings", "files", "pages"] as const;
export type WikiView = "page" | "edit" | "history" | (typeof WIKI_TOOLS)[number];

export const wikisTool = defineTool({
  tool: "wikis",
  routes: ["wikis", "wikiNew", "wiki"],
  paths: { "/wikis": "wikis", "/wikis/new": "wikiNew" },
  match: matchWiki,
  needsAccount: ["wikiNew"],
  embed: (route) => (route.name === "wiki" && route.params.view === "page" ? { asksName: false } : null),
  page(route) {
    switch (route.name) {
      case "wikis":
        return page(pages, "wikis", (m) => <m.WikisHomePage />);
      case "wikiNew":
        return page(pages, "new", (m) => <m.NewWikiPage />);
      case "wiki": {
        const p = route.params;
        return page(pages, "wikis", (m) => <m.WikiSite key={p.slug} params={{ ...p, slug: p.slug ?? "", view: p.view ?? "page", page: p.page ?? "" }} />);
      }
    }
  },
});

/**
 * `/w/{slug}` (home page), `/w/{slug}/{Page_Name}` (`?rev=N`), `…/edit`, `…/history` (`?from=&to=`),
 * `/w/{slug}/_changes|_search (?q=)|_settings|_files|_pages`. Page names: '_' is a space, the rest
 * percent-encoded. Params: slug, view, page (the name, "" for the home page), rev, q, from, to.
 */
function matchWiki(path: string, search: string): { name: "wiki"; params: Record<string, string> } | null {
  const m = /^\/w\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(path);
  if (!m || !m[1]) return null;
  const slug = decodeSegment(m[1]);
  const seg = m[2];
  const sub = m[3];
  const q = new URLSearchParams(search);
  const params: Record<string, string> = { slug, view: "page", page: "" };
  if (!seg) return { name: "wiki", params };
  if (seg.startsWith("_")) {
    const tool = seg.slice(1);
    if (sub || !(WIKI_TOOLS as readonly string[]).includes(tool)) return null;
    params.view = tool;
    if (tool === "search") params.q = q.get("q") ?? "";
    return { name: "wiki", params };
  }
  params.page = decodeSegment(seg).replace(/_/g, " ");
  if (sub === "edit" || sub === "history") params.view = sub;
  else if (sub) return null;
  const int = (k: string) => {
    const v = q.get(k);
    if (v !== null && /^\d+$/.test(v)) params[k] = v;
  };
  if (params.view === "page") int("rev");
  if (params.view === "history") {
    int("from");
    int("to");
  }
  return { name: "wiki", params };
}
