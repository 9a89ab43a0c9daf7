// The header's parts shared by desktop and phone: the five tools' links and the search box.
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { useDismiss } from "./dismiss.ts";
import { TOOLS, type Tool, navigate } from "../router.ts";
import { IconChat, IconPad, IconPoll, IconSearch, IconStar, IconVideo, IconWiki, type IconProps } from "./icons.tsx";
import { Link } from "./ui.tsx";
import { useFavourites } from "../favourites.tsx";
import type { JSX } from "preact";

export const TOOL_ICONS: Record<Tool, (p: IconProps) => JSX.Element> = {
  pads: IconPad,
  polls: IconPoll,
  chat: IconChat,
  video: IconVideo,
  wikis: IconWiki,
};

export { TOOLS };

/** The longest query the server takes (`GET /api/v1/search`). */
export const MAX_QUERY = 100;

/** The search box: opens the results page; on a phone it sits in the menu. */
export function HeaderSearch({ current }: { current: string }) {
  const { t } = useApp();
  const id = `s${useId()}`;
  const [q, setQ] = useState(current);
  // Back on the results page of another query (history), the box shows that query.
  useEffect(() => setQ(current), [current]);
  const submit = (e: Event) => {
    e.preventDefault();
    const v = q.trim();
    if (!v) return;
    navigate(`/search?q=${encodeURIComponent(v)}`);
  };
  return (
    <form class="nav-search" role="search" onSubmit={submit}>
      <label for={id} class="visually-hidden">
        {t("search.label")}
      </label>
      <span class="nav-search-icon">
        <IconSearch size={16} />
      </span>
      <input
        id={id}
        class="input nav-search-input"
        type="search"
        name="q"
        value={q}
        maxLength={MAX_QUERY}
        placeholder={t("search.placeholder")}
        autocomplete="off"
        enterKeyHint="search"
        onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
      />
    </form>
  );
}

/** The favourites across the tools, in the header: a list that opens under its button on a wide
 *  screen and in place in the phone menu. */
export function FavouritesMenu({ route }: { route: unknown }) {
  const { t } = useApp();
  const favs = useFavourites();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const panelId = `fav${useId()}`;
  useEffect(() => setOpen(false), [route]);
  useDismiss(
    open,
    () => setOpen(false),
    (n) => !!ref.current?.contains(n),
    () => ref.current?.querySelector<HTMLElement>(".nav-fav-btn")?.focus(),
  );
  return (
    <div class="nav-fav" ref={ref}>
      <button
        type="button"
        class="nav-link nav-tool nav-fav-btn"
        aria-expanded={open ? "true" : "false"}
        aria-controls={panelId}
        title={t("fav.title")}
        onClick={() => setOpen(!open)}
      >
        <IconStar size={18} />
        <span class="nav-label">{t("fav.title")}</span>
      </button>
      {open && (
        <div id={panelId} class="nav-fav-panel">
          {favs.items.length === 0 ? (
            <p class="nav-fav-empty muted">{favs.loading ? t("app.loading") : t("fav.empty")}</p>
          ) : (
            <ul class="nav-fav-list">
              {favs.items.map((f) => {
                const Icon = TOOL_ICONS[f.tool];
                return (
                  <li key={`${f.kind}:${f.id}`}>
                    <Link href={f.path} class="nav-fav-item">
                      <span class={`tool-icon tool-${f.tool}`}>
                        <Icon size={16} />
                      </span>
                      <span class="nav-fav-name">{f.title}</span>
                      {f.context && <span class="nav-fav-context muted">{f.context}</span>}
                    </Link>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
