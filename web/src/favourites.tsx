// Favourites across the tools (`/api/v1/me/favourites`): one list, loaded once per signed-in
// person and shared by the star buttons, the home page and the navigation, so that a star set
// in a pad shows at once in the menu.
import { useEffect, useRef, useState } from "preact/hooks";
import { useSubmit } from "./hooks/submit.ts";
import { api, errorText } from "./api.ts";
import { useApp } from "./context.tsx";
import { IconStar } from "./components/icons.tsx";
import { cx } from "./components/ui.tsx";
import { mustSetUpTwoFactor } from "./sso.ts";
import type { Tool } from "./router.ts";
import type { FavouriteItem } from "./generated/web/FavouriteItem.ts";
import type { FavouriteKind } from "./generated/web/FavouriteKind.ts";
import type { FavouriteRef } from "./generated/web/FavouriteRef.ts";
import type { FavouritesAnswer } from "./generated/web/FavouritesAnswer.ts";
import type { FavouritesRemoval } from "./generated/web/FavouritesRemoval.ts";

export type { FavouriteKind, FavouriteRef };
/** One favourite as the server shows it now (`GET /api/v1/me/favourites`). */
export type Favourite = FavouriteItem;

interface FavouritesState {
  /** Whose list this is: another person's (or none) is never shown. */
  user: string | null;
  items: Favourite[];
  /** Kept but not shown: what one may not open for now, by kind and id (they count). */
  unavailable: FavouriteRef[];
  loading: boolean;
  error: unknown;
}

let state: FavouritesState = { user: null, items: [], unavailable: [], loading: false, error: null };
const listeners = new Set<() => void>();

function update(next: Partial<FavouritesState>) {
  state = { ...state, ...next };
  for (const l of listeners) l();
}

/** The kind a recent item's tool stars. */
export const KIND_OF_TOOL: Partial<Record<Tool, FavouriteKind>> = {
  pads: "pad",
  polls: "poll",
  chat: "channel",
  video: "video_room",
  wikis: "wiki",
};

function itemPath(kind: FavouriteKind, id: string): string {
  return `/api/v1/me/favourites/${kind}/${encodeURIComponent(id)}`;
}

/** Reads the list again from the server (for `user`; null forgets it). */
export async function loadFavourites(user: string | null): Promise<void> {
  if (!user) {
    update({ user: null, items: [], unavailable: [], loading: false, error: null });
    return;
  }
  const same = state.user === user;
  update({ user, loading: true, error: null, items: same ? state.items : [], unavailable: same ? state.unavailable : [] });
  try {
    const answer = await api.get<FavouritesAnswer>("/api/v1/me/favourites");
    if (state.user === user) update({ items: answer.items, unavailable: answer.unavailable, loading: false });
  } catch (e) {
    if (state.user === user) update({ error: e, loading: false });
  }
}

/** The shared list, loaded for the signed-in person on first use. */
export function useFavourites(): FavouritesState {
  const { user, instance } = useApp();
  const [, setTick] = useState(0);
  // The list as this render read it: an answer that lands between the render and the effect
  // below (a list row mounting while the list loads) would otherwise never be drawn.
  const drawn = useRef(state);
  drawn.current = state;
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    if (drawn.current !== state) l();
    return () => void listeners.delete(l);
  }, []);
  // Until a required second factor is set up the server answers nothing else: no list to ask for.
  const id = user && !mustSetUpTwoFactor(user, instance) ? user.id : null;
  useEffect(() => {
    if (state.user !== id) void loadFavourites(id);
  }, [id]);
  return state.user === id ? state : { user: id, items: [], unavailable: [], loading: !!id, error: null };
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

/** Removes the favourites one may not open any more (they still count towards the cap). */
export async function removeUnavailable(): Promise<void> {
  const gone = state.unavailable;
  if (gone.length === 0) return;
  // One request for the list: the server takes up to the cap, and the list never holds more.
  const body: FavouritesRemoval = { items: gone.map(({ kind, id }) => ({ kind, id })) };
  await api.request<void>("DELETE", "/api/v1/me/favourites", body);
  update({ unavailable: state.unavailable.filter((u) => !gone.some((g) => g.kind === u.kind && g.id === u.id)) });
}

/**
 * A star beside an item of a list when it is one of the person's favourites: read from the one
 * list of the page (no request of its own), so a star set on the item's page shows here at once.
 */
export function FavouriteMark({ kind, id }: { kind: FavouriteKind; id: string }) {
  const { t } = useApp();
  const favs = useFavourites();
  if (!isFavourite(favs.items, kind, id)) return null;
  return (
    <span class="fav-mark" data-fav-mark={kind} title={t("fav.starred")}>
      <IconStar size={14} />
      <span class="visually-hidden">{t("fav.starred")}</span>
    </span>
  );
}

/** The star toggle of an item, where one sees it. Nothing for someone not signed in. */
export function StarButton({
  kind,
  id,
  class: cls,
  size = 18,
  name,
}: {
  kind: FavouriteKind;
  id: string;
  class?: string;
  size?: number;
  /** The item's name, where several stars share a list (each button says whose it is). */
  name?: string;
}) {
  const { t, user } = useApp();
  const favs = useFavourites();
  const { busy, error, run } = useSubmit((e) => errorText(t, e));
  if (!user) return null;
  const on = isFavourite(favs.items, kind, id);
  const toggle = () => run(() => setFavourite(kind, id, !on));
  const hint = on ? t("fav.remove") : t("fav.add");
  return (
    <span class="fav-star-wrap">
      <button
        type="button"
        class={cx("icon-btn fav-star", on && "is-on", cls)}
        aria-pressed={on ? "true" : "false"}
        aria-label={name ? t("fav.labelOf", { name }) : t("fav.label")}
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
