// The app shell: boot (instance + session), routing, header, footer.
import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { STAY_BUSY, useSubmit } from "./hooks/submit.ts";
import { api, errorText } from "./api.ts";
import { AppContext, type AppState, useApp } from "./context.tsx";
import { IconLogout, IconMenu, IconClose, IconMoon, IconSun, IconGlobe, IconHome, IconShield, Logo } from "./components/icons.tsx";
import { useDismiss } from "./components/dismiss.ts";
import { EmbedShell, isEmbedView } from "./components/embed.tsx";
import { FavouritesMenu, HeaderSearch, TOOL_ICONS } from "./components/nav.tsx";
import { Alert, Avatar, Button, Link, Loading, cx } from "./components/ui.tsx";
import { type Lang, LANGUAGES, detectLanguage, isLang, translator } from "./i18n/index.ts";
import { AboutPage, LegalPage } from "./pages/about.tsx";
import { AccountPage, TwoFactorRequiredPage } from "./pages/account.tsx";
import { AdminPage } from "./pages/admin.tsx";
import { ConfirmEmailPage, ForgotPasswordPage, InvitePage, LoginPage, RegisterPage, ResetPasswordPage, SetupPage, UnsubscribePage } from "./pages/auth.tsx";
import { HomePage, ToolPage } from "./pages/home.tsx";
import { NotFoundPage } from "./pages/notfound.tsx";
import { SearchPage } from "./pages/search.tsx";
import { SESSION_ENDED_EVENT } from "./realtime.ts";
import { NAVIGATE_EVENT, PROTECTED, TOOLS, type Route, type Tool, matchRoute, navigate, safeNext, toolDefOf, toolOf } from "./router.ts";
import type { Chunk } from "./tool.ts";
import { SSO_PENDING, mustSetUpTwoFactor, providerLogoutUrl } from "./sso.ts";
import { useInstall } from "./install.ts";
import { Bell } from "./notifications.tsx";
import { LANG_KEY, SIGNED_IN_KEY, getItem, setItem } from "./storage.ts";
import { type Theme, applyTheme, effectiveTheme } from "./theme.ts";
import type { Instance, Me, User } from "./types.ts";

export function browserLanguages(): readonly string[] {
  return navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
}

function currentRoute(): Route {
  return matchRoute(location.pathname, location.search);
}

export function App({ initialLang }: { initialLang: Lang }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [theme, setTheme] = useState<Theme>(effectiveTheme());
  const [instance, setInstance] = useState<Instance | null>(null);
  const [user, setUser] = useState<User | null>(null);
  const [bootError, setBootError] = useState<unknown>(null);
  const [route, setRoute] = useState<Route>(currentRoute());
  const [bootTick, setBootTick] = useState(0);
  const t = useMemo(() => translator(lang), [lang]);
  const mainRef = useRef<HTMLElement>(null);
  const firstRoute = useRef(true);

  // Boot: instance info, then the session if this browser was signed in.
  useEffect(() => {
    let alive = true;
    (async () => {
      // The first page's code is fetched while the boot asks who is here, not after.
      preloadChunk(currentRoute());
      try {
        const mark = getItem(SIGNED_IN_KEY);
        // A signed-in person's page starts its own requests too (the session is checked by
        // the page before it uses them).
        if (mark === "1") prefetchPage(currentRoute());
        const ssoFailed = mark === SSO_PENDING && new URLSearchParams(location.search).has("sso_error");
        // The instance and the session are asked for at once: one round trip before the first
        // page instead of two (on a phone network, a round trip is a fair part of a second).
        const session =
          mark && !ssoFailed
            ? api.get<Me>("/api/v1/me").then(
                (v) => ({ ok: true as const, v }),
                (e: unknown) => ({ ok: false as const, e }),
              )
            : null;
        const inst = await api.get<Instance>("/api/v1/instance");
        let me: Me | null = null;
        if (ssoFailed) {
          // Back from a provider that did not sign this browser in: no session to ask for.
          setItem(SIGNED_IN_KEY, null);
        } else if (session) {
          const answer = await session;
          if (answer.ok) {
            me = answer.v;
            setItem(SIGNED_IN_KEY, "1");
          } else {
            if ((answer.e as { status?: number }).status !== 401) throw answer.e;
            setItem(SIGNED_IN_KEY, null);
          }
        }
        if (!alive) return;
        // Browsers asking for neither English nor French get the instance's default language.
        if (!getItem(LANG_KEY) && isLang(inst.default_language)) {
          setLangState(detectLanguage(null, browserLanguages(), inst.default_language));
        }
        setUser(me?.user ?? null);
        setInstance(inst);
        setBootError(null);
      } catch (e) {
        if (alive) setBootError(e);
      }
    })();
    return () => {
      alive = false;
    };
  }, [bootTick]);

  // History routing. A change of the #fragment alone (a table of contents link) is not a new page.
  useEffect(() => {
    let last = location.pathname + location.search;
    const onNav = (e: Event) => {
      const here = location.pathname + location.search;
      if (e.type === "popstate" && here === last) return;
      last = here;
      setRoute(currentRoute());
    };
    window.addEventListener("popstate", onNav);
    window.addEventListener(NAVIGATE_EVENT, onNav);
    return () => {
      window.removeEventListener("popstate", onNav);
      window.removeEventListener(NAVIGATE_EVENT, onNav);
    };
  }, []);

  // Move focus to the new page for keyboard and screen-reader users (not on first load).
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    window.scrollTo(0, 0);
    mainRef.current?.focus({ preventScroll: true });
  }, [route]);

  // Before paint, with the text it describes: screen readers (and the browser test) never see
  // French words under lang="en".
  useLayoutEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  // The language chosen on the account follows the person to every device they sign in on
  // (at sign-in only: a device already signed in keeps what was chosen on it); guests, and
  // accounts that never chose, keep this browser's.
  const adoptAccountLanguage = useCallback((u: User | null) => {
    const chosen = u?.language;
    if (!isLang(chosen)) return;
    setItem(LANG_KEY, chosen);
    setLangState(chosen);
  }, []);

  const setSession = useCallback(
    (s: Me | null) => {
      api.setCsrfToken(s?.csrf_token ?? null);
      setItem(SIGNED_IN_KEY, s ? "1" : null);
      setUser(s?.user ?? null);
      adoptAccountLanguage(s?.user ?? null);
    },
    [adoptAccountLanguage],
  );

  // A request answering 401, or a realtime socket closed because its session ended (logout in
  // another tab, password changed elsewhere, account disabled), means the session is over:
  // forget it (the guard sends to /login).
  useEffect(() => {
    const forget = () => {
      setItem(SIGNED_IN_KEY, null);
      api.setCsrfToken(null);
      setUser(null);
    };
    api.onUnauthenticated = forget;
    window.addEventListener(SESSION_ENDED_EVENT, forget);
    return () => {
      api.onUnauthenticated = null;
      window.removeEventListener(SESSION_ENDED_EVENT, forget);
    };
  }, []);

  // Route guards.
  const ready = instance !== null;
  const needsLogin = ready && !user && PROTECTED.has(route.name);
  const leaveLogin = ready && !!user && route.name === "login";
  const mustSetUp2fa = mustSetUpTwoFactor(user, instance);
  useEffect(() => {
    if (needsLogin) {
      const here = location.pathname + location.search;
      navigate(here === "/" ? "/login" : `/login?next=${encodeURIComponent(here)}`, { replace: true });
    } else if (leaveLogin) {
      navigate(safeNext(new URLSearchParams(location.search).get("next")), { replace: true });
    }
  }, [needsLogin, leaveLogin]);

  const state: AppState | null = useMemo(
    () =>
      instance && {
        lang,
        t,
        setLang: (l: Lang) => {
          setItem(LANG_KEY, l);
          setLangState(l);
          // Mail written later (missed chat activity) follows the language chosen here.
          if (user && user.language !== l) api.patch("/api/v1/me", { language: l }).catch(() => undefined);
        },
        theme,
        toggleTheme: () => {
          const next: Theme = theme === "dark" ? "light" : "dark";
          applyTheme(next);
          setTheme(next);
        },
        instance,
        user,
        setSession,
        updateUser: (u: User) => setUser(u),
        refreshInstance: () => {
          api.get<Instance>("/api/v1/instance").then(setInstance, () => undefined);
        },
      },
    [lang, t, theme, instance, user, setSession],
  );

  if (!state) {
    return (
      <main class="boot" id="main">
        {bootError ? (
          <div class="boot-error">
            <Logo size={40} />
            <Alert kind="error" title={t("app.loadFailed")}>
              {errorText(t, bootError)}
            </Alert>
            <Button onClick={() => setBootTick((n) => n + 1)}>{t("app.retry")}</Button>
          </div>
        ) : (
          <BootSpinner label={t("app.loading")} />
        )}
      </main>
    );
  }

  // `?embed=1` on a pad, a poll or a wiki page: the tool alone, for another site's frame.
  if (isEmbedView(route, location.search)) {
    return (
      <AppContext.Provider value={state}>
        <EmbedShell route={route}>
          <Page route={route} />
        </EmbedShell>
      </AppContext.Provider>
    );
  }

  return (
    <AppContext.Provider value={state}>
      <a class="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <Header route={route} bell={!mustSetUp2fa} />
      <main id="main" ref={mainRef} tabIndex={-1} class="main">
        {needsLogin || leaveLogin ? <Loading /> : mustSetUp2fa ? <TwoFactorRequiredPage /> : <Page route={route} />}
      </main>
      <Footer />
    </AppContext.Provider>
  );
}

function BootSpinner({ label }: { label: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** Loads a chunk the first time one of its pages is shown, with a retry if loading fails. */
function LazyChunk<M>({ of, render }: { of: Chunk<M>; render: (mod: M) => ComponentChildren }) {
  const { t } = useApp();
  const [mod, setMod] = useState<M | null>(of.mod);
  const [error, setError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (mod) return;
    let alive = true;
    of.load().then(
      (m) => {
        of.mod = m;
        if (alive) setMod(m);
      },
      (e) => alive && setError(e),
    );
    return () => {
      alive = false;
    };
  }, [mod, attempt]);
  if (error) {
    return (
      <div class="container page page-narrow">
        <Alert kind="error">{t("app.loadFailed")}</Alert>
        <Button
          variant="secondary"
          onClick={() => {
            setError(null);
            setAttempt((n) => n + 1);
          }}
        >
          {t("app.retry")}
        </Button>
      </div>
    );
  }
  if (!mod) return <Loading />;
  return <>{render(mod)}</>;
}

/** Starts fetching the chunk of a tool's page (kept by the browser's module map for LazyChunk). */
function preloadChunk(route: Route) {
  // A failure shows in LazyChunk, which loads again with a retry button.
  toolDefOf(route)
    ?.page(route)
    .chunk.load()
    .catch(() => undefined);
}

/** Starts what a tool's page asks for first, before its chunk runs (see `ToolDef.prefetch`). */
function prefetchPage(route: Route) {
  toolDefOf(route)?.prefetch?.(route);
}

/**
 * A tool's page, from the tool's own declaration (src/<tool>/index.tsx). The key holds the tool
 * and the page's identity: another tool, or another pad or room, is a new LazyChunk.
 */
function ToolRoute({ route }: { route: Route }) {
  const def = toolDefOf(route);
  if (!def) return <NotFoundPage />;
  const shown = def.page(route);
  return <LazyChunk key={`${def.tool}:${shown.key}`} of={shown.chunk} render={shown.render} />;
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case "home":
      return <HomePage />;
    case "login":
      return <LoginPage />;
    case "register":
      return <RegisterPage />;
    case "invite":
      return <InvitePage token={route.params.token ?? ""} />;
    case "forgotPassword":
      return <ForgotPasswordPage />;
    case "resetPassword":
      return <ResetPasswordPage />;
    case "confirmEmail":
      return <ConfirmEmailPage />;
    case "unsubscribe":
      return <UnsubscribePage />;
    case "setup":
      return <SetupPage />;
    case "tool":
      return <ToolPage tool={route.params.tool as Tool} />;
    case "account":
      return <AccountPage />;
    case "admin":
      return <AdminPage />;
    case "about":
      return <AboutPage />;
    case "terms":
      return <LegalPage which="terms" />;
    case "privacy":
      return <LegalPage which="privacy" />;
    case "search":
      return <SearchPage key={location.search} q={new URLSearchParams(location.search).get("q") ?? ""} />;
    case "notFound":
      return <NotFoundPage />;
    default:
      return <ToolRoute route={route} />;
  }
}

function ThemeToggle() {
  const { t, theme, toggleTheme } = useApp();
  const label = theme === "dark" ? t("theme.toLight") : t("theme.toDark");
  return (
    <button type="button" class="icon-btn theme-toggle" onClick={toggleTheme} aria-label={label} title={label}>
      {theme === "dark" ? <IconSun /> : <IconMoon />}
    </button>
  );
}

function Header({ route, bell }: { route: Route; bell: boolean }) {
  const { t, instance, user, setSession } = useApp();
  const install = useInstall();
  const [open, setOpen] = useState(false);
  const { busy, run } = useSubmit();
  const navRef = useRef<HTMLElement>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);
  useEffect(() => setOpen(false), [route]);
  // The phone menu: focus goes into it when it opens; Escape or a click outside closes it, and
  // Escape gives focus back to the button.
  useEffect(() => {
    if (open) navRef.current?.querySelector<HTMLElement>("a, button, input")?.focus();
  }, [open]);
  useDismiss(
    open,
    () => setOpen(false),
    (n) => !!(navRef.current?.contains(n) || toggleRef.current?.contains(n)),
    () => toggleRef.current?.focus(),
  );

  const logout = () =>
    run(async () => {
      // A session that came from an OpenID provider may end there too: the answer says where.
      let atProvider: string | null = null;
      try {
        atProvider = providerLogoutUrl(await api.post<unknown>("/api/v1/auth/logout"));
      } catch {
        /* the session is gone either way */
      }
      setSession(null);
      // To the login page first (a history entry, so "back" from the provider lands there), then
      // away: nothing touches the history after the provider's page starts loading.
      navigate("/login");
      if (!atProvider) return;
      window.location.assign(atProvider);
      return STAY_BUSY;
    });

  const here = toolOf(route);
  const links: { href: string; label: string; active: boolean; icon?: (p: { size?: number }) => JSX.Element }[] = user
    ? [
        { href: "/", label: t("nav.home"), active: route.name === "home", icon: IconHome },
        ...TOOLS.map((tool) => ({ href: `/${tool}`, label: t(`tool.${tool}.name`), active: here === tool, icon: TOOL_ICONS[tool] })),
      ]
    : [
        { href: "/login", label: t("nav.login"), active: route.name === "login" },
        ...(instance.registration === "open" && instance.sso.password_login === "everyone"
          ? [{ href: "/register", label: t("nav.register"), active: route.name === "register" }]
          : []),
      ];

  return (
    <header class="site-header">
      <div class="container header-inner">
        <Link href="/" class="brand">
          <Logo />
          <span class="brand-name">{instance.name}</span>
        </Link>
        <nav id="site-nav" ref={navRef} class={cx("site-nav", open && "open", user && "signed-in")} aria-label={t("nav.main")}>
          <ul class="nav-links">
            {links.map((l) => {
              const Icon = l.icon;
              return (
                <li key={l.href}>
                  <Link href={l.href} class={cx("nav-link", Icon && "nav-tool")} aria-current={l.active ? "page" : undefined} title={Icon ? l.label : undefined}>
                    {Icon && <Icon size={18} />}
                    <span class="nav-label">{l.label}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
          {user && bell && <FavouritesMenu route={route} />}
          {user && <HeaderSearch current={route.name === "search" ? (new URLSearchParams(location.search).get("q") ?? "") : ""} />}
          {user && (
            <div class="nav-user">
              <Link
                href="/account"
                class="nav-user-id"
                aria-current={route.name === "account" ? "page" : undefined}
                title={t("nav.signedInAs", { name: user.display_name || user.username })}
              >
                <Avatar name={user.display_name || user.username} color={user.avatar_color} size="sm" />
                <span class="nav-user-name">{user.display_name || user.username}</span>
                <span class="visually-hidden"> ({t("nav.account")})</span>
              </Link>
              {user.is_admin && (
                <Link href="/admin" class="nav-link nav-admin" aria-current={route.name === "admin" ? "page" : undefined} title={t("nav.admin")}>
                  <IconShield size={18} />
                  <span class="nav-label">{t("nav.admin")}</span>
                </Link>
              )}
              <Button variant="ghost" size="sm" class="nav-logout" onClick={logout} loading={busy} title={t("nav.logout")}>
                <IconLogout size={16} />
                <span class="nav-label">{t("nav.logout")}</span>
              </Button>
            </div>
          )}
        </nav>
        <div class="header-tools">
          {install.available && (
            <Button variant="ghost" size="sm" class="install-btn" onClick={install.install}>
              {t("nav.install")}
            </Button>
          )}
          {user && bell && <Bell />}
          <ThemeToggle />
          <button
            ref={toggleRef}
            type="button"
            class="icon-btn nav-toggle"
            aria-expanded={open ? "true" : "false"}
            aria-controls="site-nav"
            aria-label={t("nav.menu")}
            onClick={() => setOpen(!open)}
          >
            {open ? <IconClose /> : <IconMenu />}
          </button>
        </div>
      </div>
    </header>
  );
}

function Footer() {
  const { t, instance, lang, setLang } = useApp();
  return (
    <footer class="site-footer">
      <div class="container footer-inner">
        <div class="footer-brand">
          <Logo size={22} />
          <div>
            <strong>{instance.name}</strong>
            <span class="footer-version">{t("footer.poweredBy", { version: instance.version })}</span>
          </div>
        </div>
        <nav class="footer-links" aria-label={t("footer.links")}>
          <Link href="/about">{t("footer.about")}</Link>
          <Link href="/terms">{t("footer.terms")}</Link>
          <Link href="/privacy">{t("footer.privacy")}</Link>
        </nav>
        <div class="lang-switch">
          <IconGlobe size={16} />
          <label for="lang-select" class="visually-hidden">
            {t("footer.language")}
          </label>
          <select id="lang-select" class="select select-sm" value={lang} onChange={(e) => setLang((e.currentTarget as HTMLSelectElement).value as Lang)}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`lang.${l}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
    </footer>
  );
}
