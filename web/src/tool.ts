// What a tool folder (src/{pads,polls,chat,video,wikis}) declares in its index.tsx: its paths, the
// pages that need an account, and for each of its routes the lazy chunk and what to render from it.
// The router and the app shell read the list in src/tools.ts; neither names a tool's page. Kept
// free of runtime imports: the router's unit tests load it in Node.
import type { ComponentChildren } from "preact";

export const TOOLS = ["pads", "polls", "chat", "video", "wikis"] as const;
export type Tool = (typeof TOOLS)[number];

/** A matched path: the route's name and its parameters (decoded). */
export interface RouteMatch<N extends string = string> {
  name: N;
  params: Record<string, string>;
}

/** A separately bundled part of the UI (esbuild makes one chunk per `import()`), kept once loaded. */
export interface Chunk<M> {
  load: () => Promise<M>;
  mod: M | null;
}

export function chunk<M>(load: () => Promise<M>): Chunk<M> {
  return { load, mod: null };
}

/**
 * What one route of a tool shows: a chunk and the page made from it. `key` is the identity of the
 * shown page: a new key remounts it (another pad, another room), the same key keeps its state
 * (moving between a team's channels keeps the chat and its one realtime connection).
 */
export interface ToolPage {
  chunk: Chunk<unknown>;
  render: (mod: unknown) => ComponentChildren;
  key: string;
}

/** One page of a tool from a typed chunk. */
export function page<M>(of: Chunk<M>, key: string, render: (mod: M) => ComponentChildren): ToolPage {
  return { chunk: of as Chunk<unknown>, render: render as (mod: unknown) => ComponentChildren, key };
}

export interface ToolDef<N extends string = string> {
  tool: Tool;
  /** The names of all its routes. */
  routes: readonly N[];
  /** Paths without parameters (no trailing slash) and their route names. */
  paths: Readonly<Record<string, N>>;
  /** Paths with parameters; null when the path is not one of this tool's. */
  match: (path: string, search: string) => RouteMatch<N> | null;
  /** Routes that need a signed-in user (the others are open to guests). */
  needsAccount: readonly N[];
  /**
   * The pages other sites may frame with `?embed=1` (the server's `embeddable_path` says the
   * same): null for the others; `asksName` when a guest chooses a name before the page shows.
   */
  embed?: (route: RouteMatch<N>) => { asksName: boolean } | null;
  /** The page of one of this tool's routes. */
  page: (route: RouteMatch<N>) => ToolPage;
  /**
   * What a page of a signed-in person can start while the boot asks who is here and its chunk
   * downloads (a pad's facts and socket): the page takes it over, or it is dropped.
   */
  prefetch?: (route: RouteMatch<N>) => void;
}

/** Keeps the route names of a tool literal (the router's `RouteName` is made of them). */
export function defineTool<const N extends string>(def: ToolDef<N>): ToolDef<N> {
  return def;
}

/** A path segment decoded, or kept raw when it is not valid percent-encoding. */
export function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
