// The embed view (`?embed=1` on a pad, a poll or a wiki page shown in another site's frame): the
// tool alone, without the app's header and footer, a link to open it whole in a new tab, and
// for guests of a pad a name to write under.
//
// Identity: inside another site's frame the browser sends no SameSite=Lax cookie, so the session
// (and the usual guest cookie) is absent. `GET /api/v1/guest?embed=1` gives the frame a guest
// cookie of its own (SameSite=None, Partitioned: see ARCHITECTURE.md, "Embedding"), which
// every request and the WebSocket of the frame then carry. A browser that keeps no cookie at all
// for frames shows a way out instead of a tool that cannot connect.
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { useApp } from "../context.tsx";
import type { GuestAnswer } from "../hooks/identity.ts";
import { type Route, embedOf } from "../router.ts";
import { getItem, setItem } from "../storage.ts";
import { Alert, Button, ErrorAlert, Loading, TextField } from "./ui.tsx";

/** The guest this frame already named (per embedding site: browsers partition frames' storage). */
const NAMED_KEY = "nichoir.embed-named";

/**
 * Has this guest chosen a name? Browsers that block third-party storage give a frame no
 * localStorage: then a name other than the one the server made up (`Guest` and four characters
 * of the id, nichoir-auth) says so.
 */
function named(g: GuestAnswer): boolean {
  return getItem(NAMED_KEY) === g.id || g.display_name !== `Guest ${g.id.slice(2, 6)}`;
}

/** Is this page the embed view of a page other sites may frame (the server's `embeddable_path`)? */
export function isEmbedView(route: Route, search: string): boolean {
  if (new URLSearchParams(search).get("embed") !== "1") return false;
  return embedOf(route) !== null;
}

/** This address without `embed=1`: the full app. */
export function fullAppUrl(href: string): string {
  const u = new URL(href, location.href);
  u.searchParams.delete("embed");
  return u.toString();
}

type Phase = { kind: "checking" } | { kind: "name"; guest: GuestAnswer } | { kind: "ready" } | { kind: "blocked" };

export function EmbedShell({ route, children }: { route: Route; children: ComponentChildren }) {
  const { t, user, instance } = useApp();
  const [phase, setPhase] = useState<Phase>({ kind: user ? "ready" : "checking" });
  const asksName = embedOf(route)?.asksName ?? false;

  useEffect(() => {
    if (user) return;
    let alive = true;
    (async () => {
      try {
        const first = await api.get<GuestAnswer>("/api/v1/guest?embed=1");
        // Asked again: the same guest only if the browser kept the cookie.
        const again = await api.get<GuestAnswer>("/api/v1/guest?embed=1");
        if (!alive) return;
        if (first.id !== again.id) return setPhase({ kind: "blocked" });
        api.setCsrfToken(again.csrf_token);
        setPhase(asksName && !named(again) ? { kind: "name", guest: again } : { kind: "ready" });
      } catch {
        if (alive) setPhase({ kind: "blocked" });
      }
    })();
    return () => {
      alive = false;
    };
  }, [user?.id]);

  // Every link leaves the frame for a new tab: the frame keeps the one tool it shows.
  useEffect(() => {
    const onClick = (e: MouseEvent) => {
      const a = (e.target as Element | null)?.closest?.("a[href]") as HTMLAnchorElement | null;
      if (!a || a.hasAttribute("download")) return;
      const href = a.getAttribute("href") ?? "";
      if (href.startsWith("#") || href.startsWith("blob:") || href.startsWith("data:")) return;
      e.preventDefault();
      e.stopPropagation();
      window.open(fullAppUrl(a.href), "_blank", "noopener");
    };
    document.addEventListener("click", onClick, true);
    return () => document.removeEventListener("click", onClick, true);
  }, []);

  const full = fullAppUrl(location.href);
  return (
    <div class="embed-view">
      <div class="embed-bar">
        <a class="embed-open" href={full} target="_blank" rel="noopener">
          {t("embed.open", { name: instance.name })} <span aria-hidden="true">↗</span>
          <span class="visually-hidden"> ({t("embed.openHint")})</span>
        </a>
      </div>
      <main id="main" class="main embed-main" tabIndex={-1}>
        {phase.kind === "checking" && <Loading />}
        {phase.kind === "blocked" && (
          <div class="embed-panel">
            <Alert kind="warning">{t("embed.cookiesBlocked")}</Alert>
            <a class="btn btn-primary" href={full} target="_blank" rel="noopener">
              {t("embed.cookiesBlockedLink")}
            </a>
          </div>
        )}
        {phase.kind === "name" && <NameForm guest={phase.guest} onDone={() => setPhase({ kind: "ready" })} />}
        {phase.kind === "ready" && children}
      </main>
    </div>
  );
}

function NameForm({ guest, onDone }: { guest: GuestAnswer; onDone: () => void }) {
  const { t } = useApp();
  const [name, setName] = useState(guest.display_name);
  const { busy, error, run } = useSubmit();
  const submit = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      await api.patch("/api/v1/guest", { display_name: name.trim() });
      setItem(NAMED_KEY, guest.id);
      onDone();
      return STAY_BUSY;
    });
  };
  return (
    <form class="embed-panel form" onSubmit={submit}>
      <h1 class="embed-name-title">{t("embed.nameTitle")}</h1>
      <p class="muted">{t("embed.nameIntro")}</p>
      <TextField label={t("embed.nameLabel")} name="display_name" value={name} onValue={setName} maxLength={64} required autocomplete="nickname" />
      <ErrorAlert error={error} />
      <div class="form-actions">
        <Button type="submit" loading={busy} disabled={!name.trim()}>
          {t("embed.nameGo")}
        </Button>
      </div>
    </form>
  );
}
