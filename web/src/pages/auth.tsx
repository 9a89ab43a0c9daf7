// Login, registration (open or by invitation), password reset by e-mail and first-admin setup.
import { STAY_BUSY, useSubmit } from "../hooks/submit.ts";
import type { ComponentChildren, TargetedEvent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, api } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { Logo } from "../components/icons.tsx";
import { Alert, Button, ErrorAlert, Link, Spinner, TextField, useAsync } from "../components/ui.tsx";
import { formatDate } from "../i18n/index.ts";
import { navigate, safeNext } from "../router.ts";
import { startOidcSignIn } from "../sso.ts";
import type { InviteCheck, LoginAnswer, SessionAnswer } from "../types.ts";

function AuthCard({ title, subtitle, children }: { title: string; subtitle?: string; children: ComponentChildren }) {
  return (
    <div class="auth-wrap">
      <div class="auth-card card">
        <div class="auth-head">
          <Logo size={40} />
          <h1>{title}</h1>
          {subtitle && <p class="muted">{subtitle}</p>}
        </div>
        {children}
      </div>
    </div>
  );
}

/** A failed sign-in at a provider, from `/login?sso_error=<code>&sso_message=<English detail>`. */
interface SsoFailure {
  code: string;
  message: string;
}

function readSsoFailure(): SsoFailure | null {
  const q = new URLSearchParams(location.search);
  const code = q.get("sso_error");
  return code ? { code, message: q.get("sso_message") ?? "" } : null;
}

export function LoginPage() {
  const { t, instance, setSession } = useApp();
  useTitle(t("login.title"));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useSubmit();
  // Set when the password was right and the account asks for a code (two-factor sign-in).
  const [challenge, setChallenge] = useState<string | null>(null);
  // Read once: the query is then taken off the address, so a reload does not show it again.
  const [ssoFailure] = useState(readSsoFailure);
  // The provider whose login page is loading.
  const [leavingFor, setLeavingFor] = useState<string | null>(null);
  const next = safeNext(new URLSearchParams(location.search).get("next"));

  useEffect(() => {
    if (!ssoFailure) return;
    const q = new URLSearchParams(location.search);
    q.delete("sso_error");
    q.delete("sso_message");
    const rest = q.toString();
    history.replaceState(history.state, "", `${location.pathname}${rest ? `?${rest}` : ""}${location.hash}`);
  }, [ssoFailure]);

  // Back from the provider's page (the browser's back/forward cache): the buttons work again.
  useEffect(() => {
    const onShow = (e: PageTransitionEvent) => e.persisted && setLeavingFor(null);
    window.addEventListener("pageshow", onShow);
    return () => window.removeEventListener("pageshow", onShow);
  }, []);

  const signedIn = (s: SessionAnswer) => {
    setSession(s);
    navigate(next, { replace: true });
  };

  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    await run(async () => {
      const s = await api.post<LoginAnswer>("/api/v1/auth/login", { username: username.trim(), password });
      if ("second_factor" in s) {
        setChallenge(s.challenge);
        return;
      }
      signedIn(s);
      return STAY_BUSY;
    });
  };

  if (challenge) {
    return (
      <AuthCard title={t("login.codeHeading")} subtitle={t("login.codeSubtitle")}>
        <SecondFactorForm challenge={challenge} onDone={signedIn} onExpired={() => setChallenge(null)} />
      </AuthCard>
    );
  }

  const { providers, directory, password_login } = instance.sso;
  const adminsOnly = password_login !== "everyone";
  // Only admins keep a password and nobody signs in with the directory: the form is their way
  // in when the provider is down, folded away from everyone else. With no password of ours at
  // all and no directory, there is no form.
  const noForm = password_login === "off" && !directory && providers.length > 0;
  const folded = !noForm && adminsOnly && !directory && providers.length > 0;

  const forgot = instance.password_reset && (
    <p>
      <Link href="/forgot-password">{t("login.forgot")}</Link>
    </p>
  );
  const form = (
    <form class="form" onSubmit={submit}>
      <ErrorAlert error={error} />
      <TextField
        label={t("login.username")}
        hint={directory ? t("login.directoryHint") : undefined}
        name="username"
        autocomplete="username"
        autoCapitalize="none"
        spellcheck={false}
        required
        value={username}
        onValue={setUsername}
      />
      <TextField label={t("login.password")} name="password" type="password" autocomplete="current-password" required value={password} onValue={setPassword} />
      <Button type="submit" class="btn-block" loading={busy}>
        {busy ? t("login.submitting") : t("login.submit")}
      </Button>
    </form>
  );

  return (
    <AuthCard title={t("login.heading")} subtitle={t("login.subtitle", { name: instance.name })}>
      {ssoFailure && (
        <Alert kind="error" title={t("login.ssoError")}>
          {ssoFailure.message && (
            <p class="small" lang="en">
              {ssoFailure.message}
            </p>
          )}
        </Alert>
      )}
      {instance.setup_required && <Alert kind="info">{t("login.setupRequired")}</Alert>}
      {providers.length > 0 && (
        <div class="sso-buttons">
          {providers.map((p) => (
            <Button
              key={p.id}
              variant={folded ? "primary" : "secondary"}
              class="btn-block sso-btn"
              loading={leavingFor === p.id}
              disabled={leavingFor !== null && leavingFor !== p.id}
              onClick={() => {
                setLeavingFor(p.id);
                startOidcSignIn(p.id, next);
              }}
            >
              {p.label}
            </Button>
          ))}
        </div>
      )}
      {noForm ? null : folded ? (
        <details class="auth-local">
          <summary>{t("login.localAdmin")}</summary>
          {form}
          {forgot && <div class="auth-foot">{forgot}</div>}
        </details>
      ) : (
        <>
          {providers.length > 0 && (
            <p class="auth-or">
              <span>{t("login.or")}</span>
            </p>
          )}
          {form}
        </>
      )}
      <div class="auth-foot">
        {!folded && !noForm && forgot}
        {!adminsOnly && instance.registration === "open" && (
          <p>
            {t("login.noAccount")} <Link href="/register">{t("login.register")}</Link>
          </p>
        )}
        {!adminsOnly && instance.registration === "invite-only" && <p class="muted">{t("login.inviteOnly")}</p>}
      </div>
    </AuthCard>
  );
}

/** The code from an authenticator app (or a recovery code), after the right password. */
function SecondFactorForm({ challenge, onDone, onExpired }: { challenge: string; onDone: (s: SessionAnswer) => void; onExpired: () => void }) {
  const { t } = useApp();
  const [code, setCode] = useState("");
  const [remember, setRemember] = useState(false);
  const { busy, error, run } = useSubmit((err) => {
    // An expired challenge: back to the password.
    if (err instanceof ApiError && err.code === "unauthenticated") onExpired();
    return err;
  });
  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    await run(async () => {
      onDone(await api.post<SessionAnswer>("/api/v1/auth/login/second-factor", { challenge, code: code.trim(), remember }));
      return STAY_BUSY;
    });
  };
  return (
    <form class="form" onSubmit={submit}>
      <ErrorAlert error={error} />
      <TextField
        label={t("login.code")}
        hint={t("login.codeHint")}
        name="code"
        autocomplete="one-time-code"
        autoCapitalize="none"
        spellcheck={false}
        required
        value={code}
        onValue={setCode}
      />
      <label class="check-row">
        <input type="checkbox" name="remember" checked={remember} onChange={(e) => setRemember((e.currentTarget as HTMLInputElement).checked)} />
        <span>{t("login.remember")}</span>
      </label>
      <Button type="submit" class="btn-block" loading={busy}>
        {t("login.codeSubmit")}
      </Button>
    </form>
  );
}

function RegisterForm({ invite }: { invite?: string }) {
  const { t, setSession } = useApp();
  const [displayName, setDisplayName] = useState("");
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const { busy, error, run } = useSubmit();
  const mismatch = confirm.length > 0 && confirm !== password;

  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (password !== confirm) return;
    await run(async () => {
      const body: Record<string, string> = {
        username: username.trim(),
        password,
        display_name: displayName.trim() || username.trim(),
      };
      if (email.trim()) body.email = email.trim();
      if (invite) body.invite = invite;
      const s = await api.post<SessionAnswer>("/api/v1/auth/register", body);
      setSession(s);
      navigate("/", { replace: true });
      return STAY_BUSY;
    });
  };

  return (
    <form class="form" onSubmit={submit}>
      <ErrorAlert error={error} />
      <TextField
        label={t("register.displayName")}
        hint={t("register.displayNameHint")}
        name="display_name"
        autocomplete="name"
        required
        value={displayName}
        onValue={setDisplayName}
      />
      <TextField
        label={t("register.username")}
        hint={t("register.usernameHint")}
        name="username"
        autocomplete="username"
        autoCapitalize="none"
        spellcheck={false}
        required
        value={username}
        onValue={setUsername}
      />
      <TextField label={t("register.email")} optional name="email" type="email" autocomplete="email" value={email} onValue={setEmail} />
      <TextField
        label={t("register.password")}
        hint={t("register.passwordHint")}
        name="password"
        type="password"
        autocomplete="new-password"
        required
        value={password}
        onValue={setPassword}
      />
      <TextField
        label={t("register.confirm")}
        name="confirm"
        type="password"
        autocomplete="new-password"
        required
        value={confirm}
        onValue={setConfirm}
        error={mismatch ? t("register.mismatch") : null}
      />
      <Button type="submit" class="btn-block" loading={busy} disabled={mismatch}>
        {busy ? t("register.submitting") : t("register.submit")}
      </Button>
    </form>
  );
}

function AlreadySignedIn() {
  const { t, user } = useApp();
  if (!user) return null;
  return (
    <Alert kind="info">
      {t("register.alreadySignedIn", { name: user.display_name || user.username })} <Link href="/">{t("common.backHome")}</Link>
    </Alert>
  );
}

export function RegisterPage() {
  const { t, instance, user } = useApp();
  useTitle(t("register.title"));
  return (
    <AuthCard title={t("register.heading")} subtitle={t("register.subtitle", { name: instance.name })}>
      {user ? (
        <AlreadySignedIn />
      ) : instance.sso.password_login !== "everyone" ? (
        <Alert kind="info">{t("register.ssoOnly")}</Alert>
      ) : instance.registration === "open" ? (
        <RegisterForm />
      ) : (
        <Alert kind="warning">{instance.registration === "closed" ? t("register.closed") : t("register.inviteOnly")}</Alert>
      )}
      <div class="auth-foot">
        <p>
          {t("register.haveAccount")} <Link href="/login">{t("register.login")}</Link>
        </p>
      </div>
    </AuthCard>
  );
}

export function InvitePage({ token }: { token: string }) {
  const { t, lang, instance, user } = useApp();
  useTitle(t("invite.title"));
  const check = useAsync(() => api.get<InviteCheck>(`/api/v1/invites/${encodeURIComponent(token)}`), [token]);
  const valid = check.data?.valid === true;
  const notFound = check.error instanceof ApiError && check.error.code === "not_found";
  const expires = formatDate(lang, check.data?.expires_at);
  return (
    <AuthCard
      title={t("invite.heading")}
      subtitle={valid && expires ? t("invite.subtitle", { name: instance.name, date: expires }) : t("register.subtitle", { name: instance.name })}
    >
      {user ? (
        <AlreadySignedIn />
      ) : instance.sso.password_login !== "everyone" ? (
        <Alert kind="info">{t("register.ssoOnly")}</Alert>
      ) : check.loading ? (
        <Spinner label={t("invite.checking")} />
      ) : valid ? (
        <RegisterForm invite={token} />
      ) : notFound || check.data ? (
        <Alert kind="error">{t("invite.invalid")}</Alert>
      ) : (
        <ErrorAlert error={check.error} />
      )}
      <div class="auth-foot">
        <p>
          {t("register.haveAccount")} <Link href="/login">{t("register.login")}</Link>
        </p>
      </div>
    </AuthCard>
  );
}

export function SetupPage() {
  const { t, instance, setSession } = useApp();
  useTitle(t("setup.title"));
  const token = new URLSearchParams(location.search).get("token") ?? "";
  const [displayName, setDisplayName] = useState("");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const { busy, error, run } = useSubmit();
  const mismatch = confirm.length > 0 && confirm !== password;

  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (password !== confirm) return;
    await run(async () => {
      const s = await api.post<SessionAnswer>("/api/v1/setup", {
        token,
        username: username.trim(),
        password,
        display_name: displayName.trim() || username.trim(),
      });
      setSession(s);
      // Reload so the instance info (setup_required) is fresh.
      location.assign("/");
      return STAY_BUSY;
    });
  };

  let body: ComponentChildren;
  if (!instance.setup_required) {
    body = (
      <Alert kind="info">
        {t("setup.done")} <Link href="/login">{t("nav.login")}</Link>
      </Alert>
    );
  } else if (!token) {
    body = <Alert kind="warning">{t("setup.noToken")}</Alert>;
  } else {
    body = (
      <form class="form" onSubmit={submit}>
        <ErrorAlert error={error} />
        <TextField label={t("register.displayName")} name="display_name" autocomplete="name" required value={displayName} onValue={setDisplayName} />
        <TextField
          label={t("register.username")}
          hint={t("register.usernameHint")}
          name="username"
          autocomplete="username"
          autoCapitalize="none"
          spellcheck={false}
          required
          value={username}
          onValue={setUsername}
        />
        <TextField
          label={t("register.password")}
          hint={t("register.passwordHint")}
          name="password"
          type="password"
          autocomplete="new-password"
          required
          value={password}
          onValue={setPassword}
        />
        <TextField
          label={t("register.confirm")}
          name="confirm"
          type="password"
          autocomplete="new-password"
          required
          value={confirm}
          onValue={setConfirm}
          error={mismatch ? t("register.mismatch") : null}
        />
        <Button type="submit" class="btn-block" loading={busy} disabled={mismatch}>
          {t("setup.submit")}
        </Button>
      </form>
    );
  }
  return (
    <AuthCard title={t("setup.heading", { name: instance.name })} subtitle={t("setup.subtitle")}>
      {body}
    </AuthCard>
  );
}

/** "Forgot my password": asks for a link by e-mail. The answer never says whether an account matched. */
export function ForgotPasswordPage() {
  const { t, lang, instance } = useApp();
  useTitle(t("forgot.title"));
  const [login, setLogin] = useState("");
  const [sent, setSent] = useState(false);
  const { busy, error, run } = useSubmit();
  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    await run(async () => {
      await api.post("/api/v1/auth/password-reset", { login: login.trim(), lang });
      setSent(true);
    });
  };
  return (
    <AuthCard title={t("forgot.heading")} subtitle={t("forgot.subtitle")}>
      {!instance.password_reset ? (
        <Alert kind="info">{t("forgot.noMail")}</Alert>
      ) : sent ? (
        <Alert kind="success">{t("forgot.sent")}</Alert>
      ) : (
        <form class="form" onSubmit={submit}>
          <ErrorAlert error={error} />
          <TextField label={t("forgot.login")} name="login" autocomplete="username" autoCapitalize="none" spellcheck={false} required value={login} onValue={setLogin} />
          <Button type="submit" class="btn-block" loading={busy}>
            {t("forgot.submit")}
          </Button>
        </form>
      )}
      <div class="auth-foot">
        <p>
          <Link href="/login">{t("forgot.back")}</Link>
        </p>
      </div>
    </AuthCard>
  );
}

/**
 * The page a reset link opens (`/reset-password#<token>`: a fragment never reaches a server or
 * its logs): a new password, twice.
 */
export function ResetPasswordPage() {
  const { t } = useApp();
  const token = location.hash.slice(1);
  useTitle(t("reset.title"));
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, run } = useSubmit();
  const mismatch = confirm.length > 0 && confirm !== password;
  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (password !== confirm) return;
    await run(async () => {
      await api.post("/api/v1/auth/password-reset/confirm", { token, new_password: password });
      setDone(true);
    });
  };
  return (
    <AuthCard title={t("reset.heading")} subtitle={t("reset.subtitle")}>
      {done ? (
        <Alert kind="success">
          {t("reset.done")} <Link href="/login">{t("nav.login")}</Link>
        </Alert>
      ) : (
        <form class="form" onSubmit={submit}>
          <ErrorAlert error={error} />
          <TextField
            label={t("reset.password")}
            hint={t("register.passwordHint")}
            name="password"
            type="password"
            autocomplete="new-password"
            required
            value={password}
            onValue={setPassword}
          />
          <TextField
            label={t("register.confirm")}
            name="confirm"
            type="password"
            autocomplete="new-password"
            required
            value={confirm}
            onValue={setConfirm}
            error={mismatch ? t("register.mismatch") : null}
          />
          <Button type="submit" class="btn-block" loading={busy} disabled={mismatch}>
            {t("reset.submit")}
          </Button>
        </form>
      )}
    </AuthCard>
  );
}

/** The page a confirmation link opens (`/confirm-email#<token>`): it confirms at once. */
export function ConfirmEmailPage() {
  const { t } = useApp();
  useTitle(t("confirmEmail.title"));
  const token = location.hash.slice(1);
  const done = useAsync(() => api.post("/api/v1/auth/confirm-email", { token }), [token]);
  return (
    <AuthCard title={t("confirmEmail.title")}>
      {done.loading ? <Spinner /> : done.error ? <ErrorAlert error={done.error} /> : <Alert kind="success">{t("confirmEmail.done")}</Alert>}
      <div class="auth-foot">
        <p>
          <Link href="/account">{t("confirmEmail.account")}</Link>
        </p>
      </div>
    </AuthCard>
  );
}

/** The page a mail's "stop these e-mails" link opens (`/unsubscribe#<token>`): one click, no sign-in. */
export function UnsubscribePage() {
  const { t } = useApp();
  useTitle(t("unsubscribe.title"));
  const token = location.hash.slice(1);
  const [done, setDone] = useState(false);
  const { busy, error, run } = useSubmit();
  const stop = async () => {
    await run(async () => {
      await api.post("/api/v1/chat/email/unsubscribe", { token });
      setDone(true);
    });
  };
  return (
    <AuthCard title={t("unsubscribe.title")}>
      <ErrorAlert error={error} />
      {done ? (
        <Alert kind="success">{t("unsubscribe.done")}</Alert>
      ) : (
        <>
          <p>{t("unsubscribe.body")}</p>
          <Button class="btn-block" loading={busy} onClick={stop}>
            {t("unsubscribe.confirm")}
          </Button>
        </>
      )}
      <div class="auth-foot">
        <p>
          <Link href="/account">{t("unsubscribe.account")}</Link>
        </p>
      </div>
    </AuthCard>
  );
}
