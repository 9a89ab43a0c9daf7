// Favourites across the tools (`/api/v1/me/favourites`): one list, loaded once per signed-in
// person and shared by the star buttons, the home page and the navigation, so that a star set
// in a pad shows at once in the menu.
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "./api.ts";
import { useApp } from "./context.tsx";
import { IconStar } from "./components/icons.tsx";
import { cx } from "./components/ui.tsx";
import { mustSetUpTwoFactor } from "./sso.ts";
import type { Tool } from "./router.ts";

export type FavouriteKind = "pad" | "poll" | "channel" | "wiki" | "wiki_page";

/** One favourite as the server shows it now (`GET /api/v1/me/favourites`). */
export interface Favourite {
  kind: FavouriteKind;
  id: string;
  tool: Tool;
  title: string;
  /** A wiki page's wiki. */
  context?: string;
  path: string;
  added_at: string;
}

interface FavouritesState {
  /** Whose list this is: another person's (or none) is never shown. */
  user: string | null;
  items: Favourite[];
  loading: boolean;
  error: unknown;
}

let state: FavouritesState = { user: null, items: [], loading: false, error: null };
const listeners = new Set<() => void>();

function update(next: Partial<FavouritesState>) {
  state = { ...state, ...next };
  for (const l of listeners) l();
}

/** The kind a recent item's tool stars (video rooms are not starred). */
export const KIND_OF_TOOL: Partial<Record<Tool, FavouriteKind>> = { pads: "pad", polls: "poll", chat: "channel", wikis: "wiki" };

function itemPath(kind: FavouriteKind, id: string): string {
  return `/api/v1/me/favourites/${kind}/${encodeURIComponent(id)}`;
}

/** Reads the list again from the server (for `user`; null forgets it). */
export async function loadFavourites(user: string | null): Promise<void> {
  if (!user) {
    update({ user: null, items: [], loading: false, error: null });
    return;
  }
  update({ user, loading: true, error: null, items: state.user === user ? state.items : [] });
  try {
    const answer = await api.get<{ items: Favourite[] }>("/api/v1/me/favourites");
    if (state.user === user) update({ items: answer.items, loading: false });
  } catch (e) {
    if (state.user === user) update({ error: e, loading: false });
  }
}

/** The shared list, loaded for the signed-in person on first use. */
export function useFavourites(): FavouritesState {
  const { user, instance } = useApp();
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  // Until a required second factor is set up the server answers nothing else: no list to ask for.
  const id = user && !mustSetUpTwoFactor(user, instance) ? user.id : null;
  useEffect(() => {
    if (state.user !== id) void loadFavourites(id);
  }, [id]);
  return state.user === id ? state : { user: id, items: [], loading: !!id, error: null };
}

export function isFavourite(items: Favourite[], kind: FavouriteKind, id: string): boolean {
  return items.some((f) => f.kind === kind && f.id === id);
}

/** Stars (`on`) or unstars an item; the shared list follows the server's answer. */
export async function setFavourite(kind: FavouriteKind, id: string, on: boolean): Promise<void> {
  if (on) {
    const added = await api.put<Favourite>(itemPath(kind, id));
    update({ items: [added, ...state.items.filter((f) => !(f.kind === added.kind && f.id === added.id))] });
  } else {
    await api.del(itemPath(kind, id));
    update({ items: state.items.filter((f) => !(f.kind === kind && f.id === id)) });
  }
}

/** The star toggle of an item, where one sees it. Nothing for someone not signed in. */
export function StarButton({ kind, id, class: cls, size = 18 }: { kind: FavouriteKind; id: string; class?: string; size?: number }) {
  const { t, user } = useApp();
  const favs = useFavourites();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!user) return null;
  const on = isFavourite(favs.items, kind, id);
  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      await setFavourite(kind, id, !on);
    } catch (e) {
      setError(errorText(t, e));
    }
    setBusy(false);
  };
  const hint = on ? t("fav.remove") : t("fav.add");
  return (
    <span class="fav-star-wrap">
      <button
        type="button"
        class={cx("icon-btn fav-star", on && "is-on", cls)}
        aria-pressed={on ? "true" : "false"}
        aria-label={t("fav.label")}
        title={error ?? hint}
        disabled={busy || favs.loading}
        data-fav-kind={kind}
        onClick={toggle}
      >
        <IconStar size={size} />
      </button>
      {error && (
        <span class="visually-hidden" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
