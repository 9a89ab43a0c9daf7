// The code that shows a pad, a poll or a wiki page inside another site (share menus): plain
// <iframe> HTML for any site, and the same wrapped in "" … "" for a YesWiki page (its markup for
// raw HTML). Offered only when the instance lists at least one site that may frame its pages
// (`instance.embed_allowed_origins`): elsewhere the browser would refuse the frame.
import { useApp } from "../context.tsx";
import { CopyField } from "./ui.tsx";

function attr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The `<iframe>` for the page at `path` (`/p/notes`), in its embed view (`?embed=1`). */
export function iframeCode(origin: string, path: string, title: string): string {
  const url = `${origin}${path}${path.includes("?") ? "&" : "?"}embed=1`;
  return `<iframe src="${attr(url)}" title="${attr(title)}" width="100%" height="600" frameborder="0"></iframe>`;
}

/** YesWiki shows what stands between two pairs of double quotes as HTML. */
export function yeswikiCode(html: string): string {
  return `""${html}""`;
}

/** `bare`: without its own heading (inside a disclosure that names it). */
export function EmbedCode({ path, title, bare = false }: { path: string; title: string; bare?: boolean }) {
  const { t, instance } = useApp();
  const sites = instance.embed_allowed_origins ?? [];
  return (
    <section class="embed-code stack" data-embed={sites.length ? "on" : "off"}>
      {!bare && <p class="field-label">{t("embed.title")}</p>}
      {sites.length === 0 ? (
        <p class="muted small">{t("embed.notAllowed")}</p>
      ) : (
        <>
          <CopyField label={t("embed.html")} value={iframeCode(location.origin, path, t("embed.frameTitle", { name: title, instance: instance.name }))} />
          <CopyField label={t("embed.yeswiki")} value={yeswikiCode(iframeCode(location.origin, path, t("embed.frameTitle", { name: title, instance: instance.name })))} />
          <p class="field-hint">{t("embed.hint", { sites: sites.join(", ") })}</p>
        </>
      )}
    </section>
  );
}
