// A tiny history router: pure matching (unit-tested) plus pushState navigation.
export type RouteName =
  | "home"
  | "login"
  | "register"
  | "invite"
  | "forgotPassword"
  | "resetPassword"
  | "confirmEmail"
  | "unsubscribe"
  | "setup"
  | "tool"
  | "pads"
  | "pad"
  | "polls"
  | "pollNew"
  | "poll"
  | "pollAdmin"
  | "wikis"
  | "wikiNew"
  | "wiki"
  | "chat"
  | "chatTeam"
  | "video"
  | "videoRoom"
  | "account"
  | "admin"
  | "about"
  | "terms"
  | "privacy"
  | "search"
  | "notFound";

export const TOOLS = ["pads", "polls", "chat", "video", "wikis"] as const;
export type Tool = (typeof TOOLS)[number];

export interface Route {
  name: RouteName;
  params: Record<string, string>;
}

const STATIC: Record<string, RouteName> = {
  "/": "home",
  "/login": "login",
  "/register": "register",
  "/setup": "setup",
  "/forgot-password": "forgotPassword",
  "/reset-password": "resetPassword",
  "/confirm-email": "confirmEmail",
  "/unsubscribe": "unsubscribe",
  "/account": "account",
  "/admin": "admin",
  "/about": "about",
  "/terms": "terms",
  "/privacy": "privacy",
  "/pads": "pads",
  "/polls": "polls",
  "/poll/new": "pollNew",
  "/wikis": "wikis",
  "/wikis/new": "wikiNew",
  "/chat": "chat",
  "/video": "video",
  "/search": "search",
};

/** The wiki's own pages (`/w/{slug}/_changes`…); page names never start with '_' (it is a space). */
export const WIKI_TOOLS = ["changes", "search", "settings", "files", "pages"] as const;
export type WikiView = "page" | "edit" | "history" | (typeof WIKI_TOOLS)[number];

/** Pages that need a signed-in user. */
export const PROTECTED: ReadonlySet<RouteName> = new Set(["home", "account", "admin", "wikiNew", "chat", "chatTeam", "search"]);

const TOOL_OF: Partial<Record<RouteName, Tool>> = {
  pads: "pads",
  pad: "pads",
  polls: "polls",
  pollNew: "polls",
  poll: "polls",
  pollAdmin: "polls",
  chat: "chat",
  chatTeam: "chat",
  video: "video",
  videoRoom: "video",
  wikis: "wikis",
  wikiNew: "wikis",
  wiki: "wikis",
};

/** The tool a page belongs to (the header highlights it), or null outside the tools. */
export function toolOf(route: Route): Tool | null {
  if (route.name === "tool") return (TOOLS as readonly string[]).includes(route.params.tool ?? "") ? (route.params.tool as Tool) : null;
  return TOOL_OF[route.name] ?? null;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The route of a path; `search` ("?edit=…") only matters for a poll's personal edit link. */
export function matchRoute(pathname: string, search = ""): Route {
  let path = pathname || "/";
  if (path.length > 1 && path.endsWith("/")) path = path.replace(/\/+$/, "") || "/";
  const fixed = STATIC[path];
  if (fixed) return { name: fixed, params: {} };
  const tool = path.slice(1);
  if ((TOOLS as readonly string[]).includes(tool)) return { name: "tool", params: { tool } };
  const pad = /^\/p\/([^/]+)$/.exec(path);
  if (pad && pad[1]) {
    let id = pad[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      /* keep it raw */
    }
    return { name: "pad", params: { id } };
  }
  const pollAdmin = /^\/poll\/admin\/([^/]+)$/.exec(path);
  if (pollAdmin && pollAdmin[1]) return { name: "pollAdmin", params: { token: decode(pollAdmin[1]) } };
  const poll = /^\/poll\/([^/]+)$/.exec(path);
  if (poll && poll[1] && poll[1] !== "admin") {
    const params: Record<string, string> = { id: decode(poll[1]) };
    const edit = new URLSearchParams(search).get("edit");
    if (edit) params.edit = edit;
    return { name: "poll", params };
  }
  const wiki = matchWiki(path, search);
  if (wiki) return wiki;
  const chat = matchChat(path);
  if (chat) return chat;
  const room = /^\/video\/([^/]+)$/.exec(path);
  if (room && room[1]) return { name: "videoRoom", params: { room: decode(room[1]) } };
  const invite = /^\/invite\/([^/]+)$/.exec(path);
  if (invite && invite[1]) {
    let token = invite[1];
    try {
      token = decodeURIComponent(token);
    } catch {
      /* keep it raw */
    }
    return { name: "invite", params: { token } };
  }
  return { name: "notFound", params: {} };
}

/**
 * `/w/{slug}` (home page), `/w/{slug}/{Page_Name}` (`?rev=N`), `…/edit`, `…/history` (`?from=&to=`),
 * `/w/{slug}/_changes|_search (?q=)|_settings|_files|_pages`. Page names: '_' is a space, the rest
 * percent-encoded. Params: slug, view, page (the name, "" for the home page), rev, q, from, to.
 */
function matchWiki(path: string, search: string): Route | null {
  const m = /^\/w\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(path);
  if (!m || !m[1]) return null;
  const slug = decode(m[1]);
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
  params.page = decode(seg).replace(/_/g, " ");
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

/**
 * `/chat/{team}` (its default channel), `/chat/{team}/{channel}`, `/chat/{team}/messages/@{user}`
 * (a direct message; a group channel by id), `/chat/{team}/pl/{post id}` (permalink),
 * `/chat/{team}/threads` (followed threads). Params: team, view, channel | dm | post.
 */
function matchChat(path: string): Route | null {
  const m = /^\/chat\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(path);
  if (!m || !m[1]) return null;
  const team = decode(m[1]);
  const seg = m[2];
  const sub = m[3];
  if (!seg) return { name: "chatTeam", params: { team, view: "team" } };
  if (sub === undefined) {
    if (seg === "threads") return { name: "chatTeam", params: { team, view: "threads" } };
    return { name: "chatTeam", params: { team, view: "channel", channel: decode(seg) } };
  }
  if (seg === "messages") return { name: "chatTeam", params: { team, view: "dm", dm: decode(sub) } };
  if (seg === "pl" && /^\d+$/.test(sub)) return { name: "chatTeam", params: { team, view: "permalink", post: sub } };
  return null;
}

/** Only same-site absolute paths are accepted as a post-login destination. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (next.startsWith("/login") || next.startsWith("/api/")) return "/";
  return next;
}

export const NAVIGATE_EVENT = "nichoir:navigate";

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const here = location.pathname + location.search + location.hash;
  if (to !== here) {
    if (opts.replace) history.replaceState(null, "", to);
    else history.pushState(null, "", to);
  }
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}
