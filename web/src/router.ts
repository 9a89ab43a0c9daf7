// A tiny history router: pure matching (unit-tested) plus pushState navigation.
// The paths of the tools are declared in their folders (src/<tool>/index.tsx, listed in tools.ts).
import { type Tool, type ToolDef, TOOLS, decodeSegment } from "./tool.ts";
import { TOOL_DEFS } from "./tools.ts";

export { TOOLS, type Tool } from "./tool.ts";

/** The pages outside the tools. */
type ShellRouteName =
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
  | "account"
  | "admin"
  | "about"
  | "terms"
  | "privacy"
  | "search"
  | "notFound";

type NamesOf<D> = D extends ToolDef<infer N> ? N : never;
export type RouteName = ShellRouteName | NamesOf<(typeof TOOL_DEFS)[number]>;

export interface Route {
  name: RouteName;
  params: Record<string, string>;
}

const SHELL_PATHS: Record<string, ShellRouteName> = {
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
  "/search": "search",
};

const STATIC: Record<string, RouteName> = Object.assign({}, SHELL_PATHS, ...TOOL_DEFS.map((d) => d.paths));

/** Pages that need a signed-in user. */
export const PROTECTED: ReadonlySet<RouteName> = new Set<RouteName>(["home", "account", "admin", "search", ...TOOL_DEFS.flatMap((d) => d.needsAccount)]);

/** The tool's declaration a route belongs to, or null outside the tools. */
export function toolDefOf(route: Route): ToolDef | null {
  return (TOOL_DEFS as readonly ToolDef[]).find((d) => d.routes.includes(route.name)) ?? null;
}

/** How a page may be framed by other sites, or null when it may not (see ToolDef.embed). */
export function embedOf(route: Route): { asksName: boolean } | null {
  return toolDefOf(route)?.embed?.(route) ?? null;
}

/** The tool a page belongs to (the header highlights it), or null outside the tools. */
export function toolOf(route: Route): Tool | null {
  if (route.name === "tool") return (TOOLS as readonly string[]).includes(route.params.tool ?? "") ? (route.params.tool as Tool) : null;
  return toolDefOf(route)?.tool ?? null;
}

/** The route of a path; `search` ("?edit=…") only matters for a poll's personal edit link. */
export function matchRoute(pathname: string, search = ""): Route {
  let path = pathname || "/";
  if (path.length > 1 && path.endsWith("/")) path = path.replace(/\/+$/, "") || "/";
  const fixed = STATIC[path];
  if (fixed) return { name: fixed, params: {} };
  const tool = path.slice(1);
  if ((TOOLS as readonly string[]).includes(tool)) return { name: "tool", params: { tool } };
  for (const d of TOOL_DEFS as readonly ToolDef<RouteName>[]) {
    const m = d.match(path, search);
    if (m) return m;
  }
  const invite = /^\/invite\/([^/]+)$/.exec(path);
  if (invite && invite[1]) return { name: "invite", params: { token: decodeSegment(invite[1]) } };
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
