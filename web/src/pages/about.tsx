// "About this instance" (the host's commitments, generated from GET /api/v1/about) and the legal texts.
import type { ComponentChildren } from "preact";
import { useMemo, useState } from "preact/hooks";
import { api } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { Badge, Button, EmptyState, ErrorAlert, Link, Loading, PageHeader, useAsync } from "../components/ui.tsx";
import { type Lang, type Translate, duration, formatDate, isMessageKey } from "../i18n/index.ts";
import type { About, Scalar } from "../types.ts";

let aboutCache: Promise<About> | null = null;
/** The about data changes only with the configuration: fetch it once per page load. */
export function loadAbout(): Promise<About> {
  if (!aboutCache) {
    aboutCache = api.get<About>("/api/v1/about");
    aboutCache.catch(() => {
      aboutCache = null;
    });
  }
  return aboutCache;
}

function text(t: Translate, v: Scalar | Scalar[] | undefined): string {
  if (v === null || v === undefined || v === "") return t("common.notProvided");
  if (Array.isArray(v)) return v.length ? v.map((x) => String(x)).join(", ") : t("common.none");
  if (typeof v === "boolean") return v ? t("common.yes") : t("common.no");
  return String(v);
}

/** The server's English text for its content security policy, worded here in the reader's language. */
const CSP_TEXT = "only this instance's own origin; no framing by other sites";

/** A cookie's purpose or lifetime in the reader's language, by the cookie's name; the server's text for a cookie this page does not know. */
function cookieText(t: Translate, name: string, what: "purpose" | "lifetime", fallback: string): string {
  const key = `about.rows.cookie.${name}.${what}`;
  return isMessageKey(key) ? t(key) : fallback;
}

/** A way to sign in, as `GET /api/v1/about` lists it ("oidc:<label> (<provider host>)" per provider). */
function signInMethod(t: Translate, method: string): string {
  if (method === "password") return t("about.signInPassword");
  if (method === "password-admins") return t("about.signInPasswordAdmins");
  if (method === "ldap") return t("about.signInLdap");
  if (method.startsWith("oidc:")) return t("about.signInOidc", { name: method.slice("oidc:".length) });
  return method;
}

function num(lang: Lang, t: Translate, v: number | null | undefined, unit?: "hour" | "day"): string {
  if (v === null || v === undefined || Number.isNaN(v)) return t("common.notProvided");
  return unit ? duration(lang, v, unit) : v.toLocaleString(lang);
}

function Rows({ rows }: { rows: [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {rows.map(([k, v]) => (
        <div key={k} class="kv-row">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Section({ id, title, description, children }: { id: string; title: string; description?: string; children: ComponentChildren }) {
  return (
    <section class="card about-section" id={id} aria-labelledby={`${id}-title`}>
      <h2 class="card-title" id={`${id}-title`}>
        {title}
      </h2>
      {description && <p class="card-desc">{description}</p>}
      <div class="about-body">{children}</div>
    </section>
  );
}

/** Plain text with blank lines between paragraphs. */
function Paragraphs({ text: body }: { text: string }) {
  return (
    <>
      {body
        .split(/\n\s*\n/)
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p, i) => (
          <p key={i} class="pre-line">
            {p}
          </p>
        ))}
    </>
  );
}

function safeUrl(u: Scalar): string | null {
  if (typeof u !== "string") return null;
  return /^https?:\/\//i.test(u) ? u : null;
}

/** How many components the page draws before one asks for the rest. */
const COMPONENTS_FIRST = 50;

export function AboutPage() {
  const { t, lang } = useApp();
  useTitle(t("about.title"));
  const about = useAsync(loadAbout, []);
  const [filter, setFilter] = useState("");
  const [allComponents, setAllComponents] = useState(false);
  const a = about.data;

  const components = useMemo(() => {
    const list = [...(a?.components ?? [])].sort((x, y) => x.name.localeCompare(y.name));
    const q = filter.trim().toLowerCase();
    if (!q) return list;
    return list.filter((c) => [c.name, c.version, c.license ?? "", c.ecosystem].some((f) => f.toLowerCase().includes(q)));
  }, [a, filter]);
  // Hundreds of rows drawn in one task held a phone's main thread for most of a second
  // (Lighthouse's TBT on this page): the first rows come with the page, the rest on demand.
  const shownComponents = allComponents ? components : components.slice(0, COMPONENTS_FIRST);

  // The title and the introduction do not wait for the facts: the first screen has its text at
  // once (Lighthouse's largest paint), and stays where it is when the facts come under it.
  if (about.loading && !a) {
    return (
      <div class="container page about">
        <PageHeader title={t("about.title")} subtitle={t("about.intro")} />
        <Loading />
      </div>
    );
  }
  if (!a)
    return (
      <div class="container page">
        <ErrorAlert error={about.error} />
      </div>
    );

  const sections: [string, string][] = [
    ["instance", t("about.instance")],
    ["hosting", t("about.hosting")],
    ["contact", t("about.contact")],
    ["legal", t("about.legal")],
    ["components", t("about.components")],
    ["cookies", t("about.cookies")],
    ["retention", t("about.retention")],
    ["security", t("about.security")],
    ["sign-in", t("about.signIn")],
    ["moderation", t("about.moderation")],
    ["export", t("about.export")],
    ["authority", t("about.authority")],
  ];
  const email = typeof a.contact.email === "string" && a.contact.email ? a.contact.email : null;
  const url = safeUrl(a.contact.url);
  const r = a.retention;
  const s = a.security;

  return (
    <div class="container page about">
      <PageHeader title={t("about.title")} subtitle={t("about.intro")} />
      <div class="about-layout">
        <nav class="toc card" aria-labelledby="toc-title">
          <h2 id="toc-title" class="toc-title">
            {t("about.contents")}
          </h2>
          <ol>
            {sections.map(([id, label]) => (
              <li key={id}>
                <a href={`#${id}`}>{label}</a>
              </li>
            ))}
          </ol>
        </nav>
        <div class="stack">
          <Section id="instance" title={t("about.instance")}>
            <Rows
              rows={[
                [t("about.name"), a.instance.name],
                [t("about.version"), <span class="mono">{a.instance.version}</span>],
                [t("about.address"), <span class="mono break">{a.instance.base_url}</span>],
                [t("about.registration"), t(`registration.${a.instance.registration}`)],
              ]}
            />
          </Section>
          <Section id="hosting" title={t("about.hosting")}>
            <Rows
              rows={[
                [t("about.provider"), text(t, a.hosting.provider)],
                [t("about.country"), text(t, a.hosting.country)],
                [t("about.dataLocation"), text(t, a.hosting.data_location)],
                [t("about.backupLocation"), text(t, a.hosting.backup_location)],
              ]}
            />
          </Section>
          <Section id="contact" title={t("about.contact")}>
            <Rows
              rows={[
                [t("about.email"), email ? <a href={`mailto:${email}`}>{email}</a> : t("common.notProvided")],
                [
                  t("about.url"),
                  url ? (
                    <a href={url} rel="noopener noreferrer">
                      {url}
                    </a>
                  ) : (
                    text(t, a.contact.url)
                  ),
                ],
              ]}
            />
          </Section>
          <Section id="legal" title={t("about.legal")} description={t("about.legalDesc")}>
            <h3 class="about-subtitle">{t("about.legalNotice")}</h3>
            {a.legal_notice.trim() ? <Paragraphs text={a.legal_notice} /> : <p class="muted">{t("common.notProvided")}</p>}
            <h3 class="about-subtitle">{t("about.source")}</h3>
            <p>{t("about.sourceBody", { version: a.source.version, license: a.source.license })}</p>
            <p>
              {safeUrl(a.source.url) ? (
                <a href={a.source.url} rel="noopener noreferrer" class="break">
                  {a.source.url}
                </a>
              ) : (
                <span class="muted">{t("about.sourceMissing")}</span>
              )}
            </p>
            <p>
              {t("about.sourceDownload")}{" "}
              <a href={a.source.download} download={a.source.file_name} class="break">
                {a.source.file_name}
              </a>
            </p>
            <ul class="link-list">
              <li>
                <Link href="/terms">{t("terms.title")}</Link>
              </li>
              <li>
                <Link href="/privacy">{t("privacy.title")}</Link>
              </li>
            </ul>
          </Section>
          <Section id="components" title={t("about.components")} description={t("about.componentsDesc")}>
            <div class="filter-bar">
              <label for="component-filter" class="visually-hidden">
                {t("about.filter")}
              </label>
              <input
                id="component-filter"
                type="search"
                class="input"
                placeholder={t("about.filterPlaceholder")}
                value={filter}
                onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)}
                aria-controls="components-table"
              />
              <span class="muted small" aria-live="polite">
                {t("about.componentsCount", { shown: components.length, total: a.components.length })}
              </span>
            </div>
            {components.length ? (
              // Scrolls on its own: focusable so that a keyboard can scroll it too.
              <div id="components-region" class="table-wrap table-scroll" tabIndex={0} role="region" aria-label={t("about.components")}>
                <table class="table table-compact" id="components-table">
                  <thead>
                    <tr>
                      <th scope="col">{t("common.name")}</th>
                      <th scope="col">{t("about.componentVersion")}</th>
                      <th scope="col">{t("about.license")}</th>
                      <th scope="col">{t("about.ecosystem")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shownComponents.map((c) => (
                      <tr key={`${c.ecosystem}:${c.name}@${c.version}`}>
                        <td class="mono">{c.name}</td>
                        <td class="mono">{c.version}</td>
                        <td>{c.license || "—"}</td>
                        <td>
                          <Badge>{c.ecosystem}</Badge>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <EmptyState>{t("about.noMatch")}</EmptyState>
            )}
            {shownComponents.length < components.length && (
              <Button
                variant="secondary"
                class="show-all"
                onClick={() => {
                  setAllComponents(true);
                  // The button goes with the click: the keyboard carries on in the table.
                  requestAnimationFrame(() => document.getElementById("components-region")?.focus());
                }}
              >
                {t("about.showAllComponents", { count: components.length })}
              </Button>
            )}
          </Section>
          <Section id="cookies" title={t("about.cookies")} description={t("about.cookiesDesc")}>
            {a.cookies.length ? (
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">{t("about.cookie")}</th>
                      <th scope="col">{t("about.purpose")}</th>
                      <th scope="col">{t("about.lifetime")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.cookies.map((c) => (
                      <tr key={c.name}>
                        <td class="mono">{c.name}</td>
                        <td>{cookieText(t, c.name, "purpose", c.purpose)}</td>
                        <td>{typeof c.lifetime_days === "number" ? duration(lang, c.lifetime_days, "day") : cookieText(t, c.name, "lifetime", c.lifetime)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <EmptyState>{t("common.none")}</EmptyState>
            )}
          </Section>
          <Section id="retention" title={t("about.retention")}>
            <Rows
              rows={[
                [
                  t("about.backupInterval"),
                  r.backup_interval_hours ? t("about.backupEvery", { duration: duration(lang, r.backup_interval_hours, "hour") }) : t("common.notProvided"),
                ],
                [t("about.backupKeep"), num(lang, t, r.backup_keep)],
                [t("about.logRetention"), num(lang, t, r.log_retention_days, "day")],
                [t("about.logDestination"), typeof r.log_to_files === "boolean" ? t(r.log_to_files ? "about.rows.logFiles" : "about.rows.logStderr") : text(t, r.log_destination)],
                [t("about.sessionIdle"), num(lang, t, r.session_idle_hours, "hour")],
                [t("about.sessionAbsolute"), num(lang, t, r.session_absolute_days, "day")],
                [t("about.padsExpire"), r.pads_expire_unused_days ? num(lang, t, r.pads_expire_unused_days, "day") : t("about.keptForever")],
                [t("about.pollsPurge"), r.polls_purge_after_days ? num(lang, t, r.polls_purge_after_days, "day") : t("about.keptForever")],
                [t("about.chatRetention"), r.chat_retention_days ? num(lang, t, r.chat_retention_days, "day") : t("about.chatKept")],
                [t("about.wikisRetention"), t("about.wikisKept")],
                [t("about.uploadsRetention"), t("about.uploadsKept")],
                [t("about.videoRetention"), t("about.videoKept")],
                [t("about.ipRetention"), t("about.ipKept")],
              ]}
            />
          </Section>
          <Section id="security" title={t("about.security")}>
            <Rows
              rows={[
                [t("about.passwordHashing"), text(t, s.password_hashing)],
                [t("about.https"), text(t, s.https)],
                [t("about.csp"), <span class="break">{s.csp === CSP_TEXT ? t("about.rows.csp") : text(t, s.csp)}</span>],
                [t("about.cookieFlags"), text(t, s.session_cookie_flags)],
                [
                  t("about.throttling"),
                  s.login_throttle
                    ? t("about.rows.throttle", { account: s.login_throttle.per_account, address: s.login_throttle.per_address, minutes: s.login_throttle.window_minutes })
                    : text(t, s.login_throttling),
                ],
                [t("about.thirdParty"), s.third_party_requests === false ? t("about.thirdPartyNone") : text(t, s.third_party_requests)],
              ]}
            />
          </Section>
          <Section id="sign-in" title={t("about.signIn")}>
            <Rows
              rows={[
                [
                  t("about.signInMethods"),
                  <ul class="sign-in-methods">
                    {a.sign_in.methods.map((m) => (
                      <li key={m}>{signInMethod(t, m)}</li>
                    ))}
                  </ul>,
                ],
                [t("about.twoFactor"), a.sign_in.two_factor_required ? t(`about.rows.twoFactor.${a.sign_in.two_factor_required}`) : text(t, a.sign_in.two_factor)],
                [
                  t("about.passwordReset"),
                  typeof a.sign_in.password_reset_by_mail === "boolean"
                    ? t(a.sign_in.password_reset_by_mail ? "about.rows.resetByMail" : "about.rows.resetByAdmin")
                    : text(t, a.sign_in.password_reset),
                ],
                [t("about.guestsCanCreate"), text(t, a.sign_in.guests_can_create)],
              ]}
            />
          </Section>
          <Section id="notifications" title={t("about.notifications")}>
            <p>{t("about.appBody")}</p>
            <p>
              {a.notifications.mail
                ? t("about.missedMail", { minutes: String(a.notifications.missed_mail_after_minutes), cadence: t(`account.chatEmail.${a.notifications.missed_mail_default}`) })
                : t("about.noMail")}
            </p>
            <p>{a.notifications.push ? t("about.push") : t("about.noPush")}</p>
          </Section>
          <Section id="moderation" title={t("about.moderation")}>
            <p>{a.moderation_policy_is_default ? t("about.defaultModeration") : a.moderation.policy || t("common.notProvided")}</p>
            <p>{t("about.rows.moderationTools")}</p>
            <p>{t("about.rows.accountDeletion")}</p>
          </Section>
          <Section id="export" title={t("about.export")}>
            <p>{t("about.exportBody")}</p>
            <p>
              <Link href="/account#data">{t("about.exportLink")}</Link>
            </p>
          </Section>
          <Section id="authority" title={t("about.authority")} description={t("about.authorityDesc")}>
            {a.authority_requests.length ? (
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">{t("about.date")}</th>
                      <th scope="col">{t("about.authorityName")}</th>
                      <th scope="col">{t("about.request")}</th>
                      <th scope="col">{t("about.response")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.authority_requests.map((req, i) => (
                      <tr key={i}>
                        <td class="nowrap">{formatDate(lang, req.date) ?? req.date}</td>
                        <td>{req.authority}</td>
                        <td>{req.request}</td>
                        <td>{req.response}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <EmptyState>{t("about.authorityNone")}</EmptyState>
            )}
          </Section>
        </div>
      </div>
    </div>
  );
}

export function LegalPage({ which }: { which: "terms" | "privacy" }) {
  const { t, instance } = useApp();
  const title = which === "terms" ? t("terms.title") : t("privacy.title");
  useTitle(title);
  const about = useAsync(loadAbout, []);
  const d = about.data;
  // The built-in texts are written in English in the configuration: show their translation.
  const body = d
    ? which === "terms"
      ? d.terms_of_service_is_default
        ? t("legal.defaultTerms")
        : d.terms_of_service
      : d.privacy_policy_is_default
        ? t("legal.defaultPrivacy")
        : d.privacy_policy
    : null;
  const paragraphs = (body ?? "")
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  return (
    <div class="container page page-narrow">
      <PageHeader title={title} subtitle={t("legal.publishedBy", { name: instance.name })} />
      <article class="card prose">
        {about.loading && !about.data ? (
          <Loading />
        ) : about.error ? (
          <ErrorAlert error={about.error} />
        ) : paragraphs.length ? (
          paragraphs.map((p, i) => (/^#{1,3}\s/.test(p) ? <h2 key={i}>{p.replace(/^#{1,3}\s+/, "")}</h2> : <p key={i}>{p}</p>))
        ) : (
          <EmptyState>{t("legal.empty")}</EmptyState>
        )}
      </article>
      <p class="muted small back-link">
        <Link href="/about">{t("footer.about")}</Link>
      </p>
    </div>
  );
}
