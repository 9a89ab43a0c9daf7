// The header's parts shared by desktop and phone: the five tools' links and the search box.
import { useEffect, useId, useState } from "preact/hooks";
import { useApp } from "../context.tsx";
import { TOOLS, type Tool, navigate } from "../router.ts";
import { IconChat, IconPad, IconPoll, IconSearch, IconVideo, IconWiki, type IconProps } from "./icons.tsx";
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
