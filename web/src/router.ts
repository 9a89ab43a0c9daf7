// A tiny history router: pure matching (unit-tested) plus pushState navigation.
export type RouteName =
  | "home"
  | "login"
  | "register"
  | "invite"
  | "setup"
  | "tool"
  | "pads"
  | "pad"
  | "polls"
  | "pollNew"
  | "poll"
  | "pollAdmin"
  | "account"
  | "admin"
  | "about"
  | "terms"
  | "privacy"
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
  "/account": "account",
  "/admin": "admin",
  "/about": "about",
  "/terms": "terms",
  "/privacy": "privacy",
  "/pads": "pads",
  "/polls": "polls",
  "/poll/new": "pollNew",
};

/** Pages that need a signed-in user. */
export const PROTECTED: ReadonlySet<RouteName> = new Set(["home", "account", "admin"]);

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
