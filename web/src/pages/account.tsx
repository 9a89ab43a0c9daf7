// Account: profile, password, two-factor sign-in, sessions, API tokens, storage used, data export,
// log out everywhere.
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import { NotificationsCard } from "../notifications.tsx";
import type { TargetedEvent } from "preact";
import { useState } from "preact/hooks";
import { ApiError, api, errorText } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconChat, IconDevice, IconDownload, IconKey, IconLogout, IconShield, IconTrash, IconUser } from "../components/icons.tsx";
import { Alert, Avatar, Badge, Button, Card, CopyField, EmptyState, ErrorAlert, Loading, PageHeader, TextField, useAsync, useConfirm } from "../components/ui.tsx";
import { ColorSwatches } from "../components/swatches.tsx";
import { formatBytes } from "../format.ts";
import { PALETTE } from "../palette.ts";
import { formatDateTime } from "../i18n/index.ts";
import { navigate } from "../router.ts";
import { hasOwnPassword, oidcProviderOf, providerLabel, startOidcSignIn } from "../sso.ts";
import { describeUserAgent } from "../ua.ts";
import type { ApiToken, NewApiToken, SessionAnswer, SessionInfo, StorageUsage, TotpSetup, TwoFactorStatus, User } from "../types.ts";

export function AccountPage() {
  const { t, user } = useApp();
  useTitle(t("account.title"));
  const [dialog, confirm] = useConfirm();
  if (!user) return null;
  return (
    <div class="container page page-narrow">
      <PageHeader title={t("account.heading")} subtitle={`@${user.username}`} icon={<Avatar name={user.display_name || user.username} color={user.avatar_color} size="lg" />} />
      <div class="stack">
        <ProfileCard user={user} />
        {hasOwnPassword(user) ? <PasswordCard /> : <ElsewherePasswordCard user={user} />}
        <TwoFactorCard />
        <SessionsCard confirm={confirm} />
        <TokensCard confirm={confirm} />
        <StorageCard />
        <NotificationsCard />
        <ChatEmailCard />
        <DataCard confirm={confirm} />
        <DeleteAccountCard confirm={confirm} />
      </div>
      {dialog}
    </div>
  );
}

type Confirm = ReturnType<typeof useConfirm>[1];

function ProfileCard({ user }: { user: User }) {
  const { t, updateUser } = useApp();
  const [displayName, setDisplayName] = useState(user.display_name);
  const [email, setEmail] = useState(user.email ?? "");
  const [color, setColor] = useState<string>(user.avatar_color || PALETTE[0]);
  const { busy, error, run } = useSubmit();
  const [saved, setSaved] = useState(false);

  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    await run(async () => {
      setSaved(false);
      const u = await api.patch<User>("/api/v1/me", {
        display_name: displayName.trim(),
        email: email.trim() || null,
        avatar_color: color,
      });
      updateUser(u);
      setSaved(true);
    });
  };

  return (
    <Card id="profile" title={t("account.profile")} description={t("account.profileDesc")} icon={<IconUser />}>
      <form class="form" onSubmit={submit}>
        {saved && <Alert kind="success">{t("account.profileSaved")}</Alert>}
        <ErrorAlert error={error} />
        <div class="form-row">
          <TextField
            label={t("account.displayName")}
            name="display_name"
            autocomplete="name"
            required
            value={displayName}
            onValue={(v) => {
              setDisplayName(v);
              setSaved(false);
            }}
          />
          <TextField
            label={t("account.email")}
            optional
            name="email"
            type="email"
            autocomplete="email"
            value={email}
            onValue={(v) => {
              setEmail(v);
              setSaved(false);
            }}
          />
          {user.email && <EmailStatus verified={user.email_verified} />}
        </div>
        <ColorSwatches
          legend={t("account.avatarColor")}
          name="avatar_color"
          value={color}
          onChange={(c) => {
            setColor(c);
            setSaved(false);
          }}
          customLabel={t("account.customColor")}
        >
          <span class="swatch-preview">
            <Avatar name={displayName || user.username} color={color} />
          </span>
        </ColorSwatches>
        <div class="form-actions">
          <Button type="submit" loading={busy}>
            {busy ? t("common.saving") : t("common.save")}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function PasswordCard() {
  const { t, user } = useApp();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const { busy, error, run } = useSubmit();
  const [done, setDone] = useState(false);
  const mismatch = confirm.length > 0 && confirm !== next;

  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (next !== confirm) return;
    await run(async () => {
      setDone(false);
      await api.post("/api/v1/me/password", { current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setConfirm("");
      setDone(true);
    });
  };

  return (
    <Card id="password" title={t("account.password")} description={t("account.passwordDesc")} icon={<IconShield />}>
      <form class="form" onSubmit={submit}>
        {done && <Alert kind="success">{t("account.passwordChanged")}</Alert>}
        {error instanceof ApiError && error.code === "invalid_credentials" ? <Alert kind="error">{t("account.wrongPassword")}</Alert> : <ErrorAlert error={error} />}
        {/* Helps password managers attach the new password to the right account. */}
        <input type="text" name="username" autocomplete="username" class="visually-hidden" tabIndex={-1} aria-hidden="true" value={user?.username ?? ""} readOnly />
        <TextField label={t("account.currentPassword")} name="current_password" type="password" autocomplete="current-password" required value={current} onValue={setCurrent} />
        <div class="form-row">
          <TextField
            label={t("account.newPassword")}
            hint={t("register.passwordHint")}
            name="new_password"
            type="password"
            autocomplete="new-password"
            required
            value={next}
            onValue={setNext}
          />
          <TextField
            label={t("account.confirmPassword")}
            name="confirm_password"
            type="password"
            autocomplete="new-password"
            required
            value={confirm}
            onValue={setConfirm}
            error={mismatch ? t("register.mismatch") : null}
          />
        </div>
        <div class="form-actions">
          <Button type="submit" loading={busy} disabled={mismatch}>
            {t("account.changePassword")}
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** An account of the organisation's directory or provider: its password is changed there. */
function ElsewherePasswordCard({ user }: { user: User }) {
  const { t, instance } = useApp();
  const provider = oidcProviderOf(user);
  const via = provider === null ? t("account.viaDirectory") : providerLabel(instance, provider);
  return (
    <Card id="password" title={t("account.password")} icon={<IconShield />}>
      <p>{t("account.passwordElsewhere", { via })}</p>
    </Card>
  );
}

/**
 * An error, and for `reauthentication_required` (an account of an OpenID provider, signed in too
 * long ago) a button to sign in there again and come back to this page.
 */
function ReauthErrorAlert({ error }: { error: unknown }) {
  const { t, user } = useApp();
  const provider = oidcProviderOf(user);
  const [leaving, setLeaving] = useState(false);
  if (!(error instanceof ApiError && error.code === "reauthentication_required" && provider !== null)) return <ErrorAlert error={error} />;
  return (
    <Alert kind="warning">
      <p>{errorText(t, error)}</p>
      <div>
        <Button
          variant="secondary"
          loading={leaving}
          onClick={() => {
            setLeaving(true);
            startOidcSignIn(provider, "/account");
          }}
        >
          {t("account.signInAgain")}
        </Button>
      </div>
    </Alert>
  );
}

function SessionsCard({ confirm }: { confirm: Confirm }) {
  const { t, lang } = useApp();
  const sessions = useAsync(() => api.get<SessionInfo[]>("/api/v1/me/sessions"), []);
  const [error, setError] = useState<unknown>(null);

  const revoke = async (s: SessionInfo) => {
    if (!(await confirm({ title: t("account.revokeSessionConfirm"), body: t("account.revokeSessionBody"), confirmLabel: t("common.revoke"), danger: true }))) return;
    setError(null);
    try {
      await api.del(`/api/v1/me/sessions/${encodeURIComponent(s.id)}`);
      sessions.reload();
    } catch (err) {
      setError(err);
    }
  };

  const device = (ua: string | null) => {
    const d = describeUserAgent(ua);
    if (d.browser && d.os) return t("common.on", { browser: d.browser, os: d.os });
    return d.browser ?? d.os ?? t("common.unknownDevice");
  };

  const list = [...(sessions.data ?? [])].sort((a, b) => Number(b.current) - Number(a.current));
  return (
    <Card id="sessions" title={t("account.sessions")} description={t("account.sessionsDesc")} icon={<IconDevice />}>
      <ErrorAlert error={error ?? sessions.error} />
      {sessions.loading && !sessions.data ? (
        <Loading />
      ) : (
        <ul class="list" aria-label={t("account.sessions")}>
          {list.map((s) => (
            <li key={s.id} class="list-item session-item">
              <div class="list-main">
                <p class="list-title">
                  {device(s.user_agent)} {s.current && <Badge tone="success">{t("account.thisDevice")}</Badge>}
                </p>
                <p class="list-meta">
                  {s.ip && <span>{t("account.metaIp", { ip: s.ip })}</span>}
                  <span>{t("account.metaSignedIn", { date: formatDateTime(lang, s.created_at) ?? "—" })}</span>
                  {s.last_seen_at && <span>{t("account.metaLastSeen", { date: formatDateTime(lang, s.last_seen_at) ?? "—" })}</span>}
                </p>
              </div>
              {!s.current && (
                <Button variant="secondary" size="sm" onClick={() => revoke(s)}>
                  {t("common.revoke")}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function TokensCard({ confirm }: { confirm: Confirm }) {
  const { t, lang } = useApp();
  const tokens = useAsync(() => api.get<ApiToken[]>("/api/v1/me/tokens"), []);
  const [name, setName] = useState("");
  const { busy, error, setError, run } = useSubmit();
  const [created, setCreated] = useState<NewApiToken | null>(null);

  const create = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!name.trim()) return;
    await run(async () => {
      const tok = await api.post<NewApiToken>("/api/v1/me/tokens", { name: name.trim() });
      setCreated(tok);
      setName("");
      tokens.reload();
    });
  };

  const revoke = async (tok: ApiToken) => {
    if (!(await confirm({ title: t("account.revokeTokenConfirm", { name: tok.name }), body: t("account.revokeTokenBody"), confirmLabel: t("common.revoke"), danger: true })))
      return;
    setError(null);
    try {
      await api.del(`/api/v1/me/tokens/${encodeURIComponent(tok.id)}`);
      if (created?.id === tok.id) setCreated(null);
      tokens.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Card id="tokens" title={t("account.tokens")} description={t("account.tokensDesc")} icon={<IconKey />}>
      <ErrorAlert error={error ?? tokens.error} />
      {created && (
        <Alert kind="success" title={t("account.tokenCreated", { name: created.name })}>
          <CopyField label={t("account.newToken")} value={created.token} />
        </Alert>
      )}
      <form class="inline-form" onSubmit={create}>
        <TextField
          label={t("account.tokenName")}
          placeholder={t("account.tokenNamePlaceholder")}
          name="token_name"
          autocomplete="off"
          required
          maxLength={100}
          value={name}
          onValue={setName}
        />
        <Button type="submit" loading={busy}>
          {t("account.createToken")}
        </Button>
      </form>
      {tokens.loading && !tokens.data ? (
        <Loading />
      ) : tokens.data && tokens.data.length ? (
        <ul class="list" aria-label={t("account.tokens")}>
          {tokens.data.map((tok) => (
            <li key={tok.id} class="list-item token-item">
              <div class="list-main">
                <p class="list-title">{tok.name}</p>
                <p class="list-meta">
                  <span>{t("account.metaCreated", { date: formatDateTime(lang, tok.created_at) ?? "—" })}</span>
                  <span>{tok.last_used_at ? t("account.metaLastUsed", { date: formatDateTime(lang, tok.last_used_at) ?? "—" }) : t("account.metaNeverUsed")}</span>
                </p>
              </div>
              <Button variant="secondary" size="sm" onClick={() => revoke(tok)} aria-label={`${t("common.revoke")} ${tok.name}`}>
                {t("common.revoke")}
              </Button>
            </li>
          ))}
        </ul>
      ) : (
        <EmptyState>{t("account.noTokens")}</EmptyState>
      )}
    </Card>
  );
}

/** Two-factor sign-in: set up with an app (QR code drawn by the server), recovery codes shown once. */
/** Whether my address is confirmed, and a new link when it is not. */
function EmailStatus({ verified }: { verified: boolean }) {
  const { t, instance } = useApp();
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (verified) return <Badge tone="success">{t("account.emailVerified")}</Badge>;
  const resend = async () => {
    setError(null);
    try {
      await api.post("/api/v1/me/email/resend");
      setSent(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div class="email-status">
      <Badge tone="warning">{t("account.emailUnverified")}</Badge>
      {instance.password_reset &&
        (sent ? (
          <span class="muted small">{t("account.emailSent")}</span>
        ) : (
          <Button variant="ghost" size="sm" type="button" onClick={resend}>
            {t("account.emailResend")}
          </Button>
        ))}
      <ErrorAlert error={error} />
    </div>
  );
}

export function TwoFactorCard() {
  const { t, user, updateUser } = useApp();
  // An OpenID provider's account has no password here to ask again (a recent sign-in is
  // enough); a directory account gives its directory password.
  const oidc = oidcProviderOf(user) !== null;
  const passwordLabel = user?.sign_in === "ldap" ? t("account.directoryPassword") : t("account.currentPassword");
  const status = useAsync(() => api.get<TwoFactorStatus>("/api/v1/me/2fa"), []);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const { busy, error, run } = useSubmit();
  const begin = (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    return run(async () => {
      setSetup(await api.post<TotpSetup>("/api/v1/me/2fa/setup", { password }));
      setPassword("");
    });
  };
  const enable = (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    return run(async () => {
      const r = await api.post<{ recovery_codes: string[] }>("/api/v1/me/2fa/enable", { code: code.trim() });
      setCodes(r.recovery_codes);
      setSetup(null);
      setCode("");
      status.reload();
      updateUser((await api.get<SessionAnswer>("/api/v1/me")).user);
    });
  };
  const withPassword = (path: string, after: (r: { recovery_codes?: string[] } | undefined) => void) => (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    return run(async () => {
      const r = await api.post<{ recovery_codes?: string[] } | undefined>(path, { password });
      setPassword("");
      after(r);
      status.reload();
      updateUser((await api.get<SessionAnswer>("/api/v1/me")).user);
    });
  };
  const s = status.data;
  return (
    <Card id="two-factor" title={t("account.twoFactor")} description={oidc ? undefined : t("account.twoFactorDesc")} icon={<IconShield />}>
      <ReauthErrorAlert error={error ?? status.error} />
      {codes && (
        <Alert kind="success">
          <p>{t("account.recoveryCodesOnce")}</p>
          <ul class="recovery-codes" aria-label={t("account.recoveryCodes")}>
            {codes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </Alert>
      )}
      {!s ? (
        status.loading && <Loading />
      ) : setup ? (
        <form class="form" onSubmit={enable}>
          <p>{t("account.twoFactorScan")}</p>
          <img class="totp-qr" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qr_svg)}`} alt={t("account.twoFactorQr")} width={200} height={200} />
          <CopyField label={t("account.twoFactorSecret")} value={setup.secret} />
          <TextField label={t("account.twoFactorCode")} name="totp_code" autocomplete="one-time-code" inputMode="numeric" required value={code} onValue={setCode} />
          <Button type="submit" loading={busy}>
            {t("account.twoFactorConfirm")}
          </Button>
        </form>
      ) : s.enabled ? (
        <div class="stack">
          <p>
            <Badge tone="success">{t("account.twoFactorOn")}</Badge> {t("account.recoveryLeft", { n: String(s.recovery_codes_left) })}
          </p>
          <form class="form" onSubmit={withPassword("/api/v1/me/2fa/recovery-codes", (r) => setCodes(r?.recovery_codes ?? null))}>
            {!oidc && (
              <TextField label={passwordLabel} name="two_factor_password" type="password" autocomplete="current-password" required value={password} onValue={setPassword} />
            )}
            <div class="row-actions">
              <Button type="submit" variant="secondary" loading={busy}>
                {t("account.newRecoveryCodes")}
              </Button>
              <Button
                type="button"
                variant="danger"
                disabled={busy || (!oidc && !password)}
                onClick={() => withPassword("/api/v1/me/2fa/disable", () => setCodes(null))({ preventDefault() {} } as TargetedEvent<HTMLFormElement>)}
              >
                {t("account.twoFactorOff")}
              </Button>
            </div>
          </form>
        </div>
      ) : oidc ? (
        <p>{t("account.twoFactorElsewhere")}</p>
      ) : (
        <form class="form" onSubmit={begin}>
          <TextField label={passwordLabel} name="two_factor_password" type="password" autocomplete="current-password" required value={password} onValue={setPassword} />
          <Button type="submit" loading={busy}>
            {t("account.twoFactorStart")}
          </Button>
        </form>
      )}
    </Card>
  );
}

function StorageCard() {
  const { t, lang } = useApp();
  const usage = useAsync(() => api.get<StorageUsage>("/api/v1/me/usage"), []);
  const u = usage.data;
  const size = (n: number) => formatBytes(n, lang);
  return (
    <Card id="storage" title={t("account.storage")} description={t("account.storageDesc")} icon={<IconDownload />}>
      <ErrorAlert error={usage.error} />
      {usage.loading && !u && <Loading />}
      {u && (
        <div class="storage">
          <p>
            {u.limit_bytes === null
              ? t("account.storageUsedNoLimit", { used: size(u.used_bytes) })
              : t("account.storageUsed", { used: size(u.used_bytes), limit: size(u.limit_bytes) })}
          </p>
          {u.limit_bytes !== null && (
            <meter class="storage-meter" min={0} max={u.limit_bytes} value={Math.min(u.used_bytes, u.limit_bytes)} high={u.limit_bytes * 0.9} aria-label={t("account.storage")} />
          )}
          {Object.keys(u.by_tool).length > 0 && (
            <ul class="link-list">
              {Object.entries(u.by_tool).map(([tool, n]) => (
                <li key={tool}>
                  {t(tool === "chat" ? "account.storageChat" : tool === "pads" ? "account.storagePads" : "account.storageWikis")}: {size(n)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </Card>
  );
}

const CADENCES = ["immediately", "15min", "hourly", "never"] as const;

/** How often mentions and direct messages not seen in the app are mailed (`GET/PUT /api/v1/chat/email`). */
function ChatEmailCard() {
  const { t, user } = useApp();
  const choice = useAsync(() => api.get<{ cadence: string; default: string }>("/api/v1/chat/email"), []);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const change = async (cadence: string) => {
    setError(null);
    setSaved(false);
    try {
      await api.put("/api/v1/chat/email", { cadence });
      choice.reload();
      setSaved(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card id="chat-email" title={t("account.chatEmail")} description={t("account.chatEmailDesc")} icon={<IconChat />}>
      <ErrorAlert error={error ?? choice.error} />
      {saved && <Alert kind="success">{t("account.chatEmailSaved")}</Alert>}
      {!user?.email_verified && <p class="muted">{t("account.chatEmailNeedsAddress")}</p>}
      {choice.data && (
        <div class="field field-compact">
          <label for="chat-email-cadence" class="field-label">
            {t("account.chatEmailCadence")}
          </label>
          <select
            id="chat-email-cadence"
            name="chat_email_cadence"
            class="select"
            value={choice.data.cadence}
            onChange={(e) => change((e.currentTarget as HTMLSelectElement).value)}
          >
            {CADENCES.map((c) => (
              <option key={c} value={c}>
                {t(`account.chatEmail.${c}`)}
              </option>
            ))}
          </select>
        </div>
      )}
    </Card>
  );
}

/** Deleting one's account: what goes and what stays, the password again, then a confirmation. */
function DeleteAccountCard({ confirm }: { confirm: Confirm }) {
  const { t, setSession, instance, user } = useApp();
  // An OpenID provider's account has no password here: a recent sign-in there is asked instead.
  const oidc = oidcProviderOf(user) !== null;
  const [password, setPassword] = useState("");
  const [erase, setErase] = useState(false);
  const { busy, error, run } = useSubmit();
  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!(await confirm({ title: t("account.deleteConfirm"), body: t("account.deleteConfirmBody"), confirmLabel: t("account.delete"), danger: true }))) return;
    await run(async () => {
      await api.post("/api/v1/me/delete", { password, erase });
      setSession(null);
      navigate("/login");
      return STAY_BUSY;
    });
  };
  return (
    <Card id="delete-account" class="card-danger" title={t("account.delete")} description={t("account.deleteDesc")} icon={<IconTrash />}>
      <ul class="link-list">
        <li>{t("account.deleteGoes")}</li>
        <li>{t("account.deleteStays")}</li>
        <li>{t("account.deleteVotes")}</li>
        <li>{t("account.deleteExport")}</li>
      </ul>
      <form class="form" onSubmit={submit}>
        <ReauthErrorAlert error={error} />
        {oidc ? (
          <p class="muted small">{t("account.deleteRecentSignIn")}</p>
        ) : (
          <TextField
            label={user?.sign_in === "ldap" ? t("account.directoryPassword") : t("account.currentPassword")}
            name="delete_password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onValue={setPassword}
          />
        )}
        {instance.deletion_can_erase && (
          <label class="check-row">
            <input type="checkbox" name="erase" checked={erase} onChange={(e) => setErase((e.currentTarget as HTMLInputElement).checked)} />
            <span>{t("account.deleteErase")}</span>
          </label>
        )}
        <Button type="submit" variant="danger" loading={busy}>
          {t("account.delete")}
        </Button>
      </form>
    </Card>
  );
}

function DataCard({ confirm }: { confirm: Confirm }) {
  const { t, setSession } = useApp();
  const { busy, error, run } = useSubmit();
  const logoutAll = async () => {
    if (!(await confirm({ title: t("account.logoutAllConfirm"), body: t("account.logoutAllBody"), confirmLabel: t("account.logoutAll"), danger: true }))) return;
    await run(async () => {
      await api.post("/api/v1/auth/logout-all");
      setSession(null);
      navigate("/login");
      return STAY_BUSY;
    });
  };
  return (
    <>
      <Card id="data" title={t("account.data")} description={t("account.dataDesc")} icon={<IconDownload />}>
        <a class="btn btn-secondary" href="/api/v1/me/export" download>
          <IconDownload size={16} />
          {t("account.download")}
        </a>
      </Card>
      <Card id="logout-all" class="card-danger" title={t("account.logoutAll")} description={t("account.logoutAllDesc")} icon={<IconLogout />}>
        <ErrorAlert error={error} />
        <Button variant="danger" onClick={logoutAll} loading={busy}>
          {t("account.logoutAll")}
        </Button>
      </Card>
    </>
  );
}

/** Shown instead of every page while the instance requires a second factor this account lacks. */
export function TwoFactorRequiredPage() {
  const { t } = useApp();
  useTitle(t("account.twoFactorRequired"));
  return (
    <div class="container page page-narrow">
      <PageHeader title={t("account.twoFactorRequired")} subtitle={t("account.twoFactorRequiredDesc")} icon={<IconShield size={24} />} />
      <TwoFactorCard />
    </div>
  );
}
