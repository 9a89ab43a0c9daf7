// Administration: users (with their storage and quotas), moderation and its audit log, invitations,
// the instance settings an association changes (admin-settings.tsx), the technical configuration
// (read-only).
import { useKeyedSubmit, useSubmit } from "../hooks/submit.ts";
import type { TargetedEvent } from "preact";
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { useApp, useTitle } from "../context.tsx";
import { IconLink, IconList, IconShield, IconSettings, IconTrash, IconUsers } from "../components/icons.tsx";
import { Alert, Avatar, Badge, Button, Card, CopyField, EmptyState, ErrorAlert, Loading, PageHeader, TextField, useAsync, useConfirm } from "../components/ui.tsx";
import { duration, formatDateTime, plural } from "../i18n/index.ts";
import { formatBytes } from "../format.ts";
import { oidcProviderOf, providerLabel } from "../sso.ts";
import type { AuditEntry, Invite, ModerationFound, NewInvite, UsageReport, User } from "../types.ts";
import { InstanceSettingsCard } from "./admin-settings.tsx";

export function AdminPage() {
  const { t, user } = useApp();
  useTitle(t("admin.title"));
  const [dialog, confirm] = useConfirm();
  const [auditTick, setAuditTick] = useState(0);
  if (!user) return null;
  if (!user.is_admin) {
    return (
      <div class="container page page-narrow">
        <PageHeader title={t("admin.title")} />
        <Alert kind="warning">{t("admin.forbidden")}</Alert>
      </div>
    );
  }
  return (
    <div class="container page">
      <PageHeader
        title={t("admin.title")}
        icon={
          <span class="page-icon-tile">
            <IconShield size={24} />
          </span>
        }
      />
      <div class="stack">
        <UsersCard me={user} confirm={confirm} />
        <ModerationCard confirm={confirm} onRemoved={() => setAuditTick((n) => n + 1)} />
        <AuditCard tick={auditTick} />
        <InvitesCard confirm={confirm} />
        <InstanceSettingsCard />
        <SettingsCard />
      </div>
      {dialog}
    </div>
  );
}

function UsersCard({ me, confirm }: { me: User; confirm: ReturnType<typeof useConfirm>[1] }) {
  const { t, lang } = useApp();
  const users = useAsync(() => api.get<User[]>("/api/v1/admin/users"), []);
  const usage = useAsync(() => api.get<UsageReport>("/api/v1/admin/usage"), []);
  const [notice, setNotice] = useState<string | null>(null);
  // Busy names the user whose row runs.
  const { busy: busyId, error, run } = useKeyedSubmit<string>();

  const update = async (u: User, change: { is_admin?: boolean; disabled?: boolean }) => {
    setNotice(null);
    await run(u.id, async () => {
      const updated = await api.patch<User>(`/api/v1/admin/users/${encodeURIComponent(u.id)}`, change);
      users.setData((users.data ?? []).map((x) => (x.id === updated.id ? updated : x)));
      setNotice(t("admin.updated", { name: updated.display_name || updated.username }));
    });
  };

  const deleteUser = async (u: User) => {
    if (!(await confirm({ title: t("admin.deleteUserConfirm", { name: u.username }), body: t("admin.deleteUserBody"), confirmLabel: t("admin.deleteUser"), danger: true }))) return;
    setNotice(null);
    await run(u.id, async () => {
      await api.del(`/api/v1/admin/users/${encodeURIComponent(u.id)}`);
      users.setData((users.data ?? []).filter((x) => x.id !== u.id));
      setNotice(t("admin.deletedUser", { name: u.display_name || u.username }));
    });
  };

  const resetTwoFactor = async (u: User) => {
    if (!(await confirm({ title: t("admin.reset2faConfirm", { name: u.username }), body: t("admin.reset2faHint"), confirmLabel: t("admin.reset2fa"), danger: true }))) return;
    setNotice(null);
    await run(u.id, async () => {
      await api.post(`/api/v1/admin/users/${encodeURIComponent(u.id)}/2fa/reset`, {});
      setNotice(t("admin.reset2faDone", { name: u.display_name || u.username }));
    });
  };

  return (
    <Card
      id="users"
      title={t("admin.users")}
      description={
        users.data
          ? plural(lang, t, "admin.userCount", users.data.length) + (usage.data ? ` · ${t("admin.storageTotal", { total: formatBytes(usage.data.total_bytes, lang) })}` : "")
          : undefined
      }
      icon={<IconUsers />}
    >
      <ErrorAlert error={error ?? users.error} />
      {notice && <Alert kind="success">{notice}</Alert>}
      {users.loading && !users.data ? (
        <Loading />
      ) : (
        <div class="table-wrap">
          <table class="table" id="users-table">
            <thead>
              <tr>
                <th scope="col">{t("admin.user")}</th>
                <th scope="col" class="hide-sm">
                  {t("admin.email")}
                </th>
                <th scope="col" class="hide-sm">
                  {t("common.created")}
                </th>
                <th scope="col">{t("admin.role")}</th>
                <th scope="col">{t("admin.status")}</th>
                <th scope="col" class="hide-sm">
                  {t("admin.storage")}
                </th>
                <th scope="col">
                  <span class="visually-hidden">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(users.data ?? []).map((u) => {
                const self = u.id === me.id;
                return (
                  <tr key={u.id} data-username={u.username}>
                    <td>
                      <div class="user-cell">
                        <Avatar name={u.display_name || u.username} color={u.avatar_color} size="sm" />
                        <div>
                          <div class="strong">
                            {u.display_name || u.username} {self && <span class="muted">({t("admin.you")})</span>}
                          </div>
                          <div class="muted small">
                            @{u.username} <SignInBadge user={u} />
                          </div>
                        </div>
                      </div>
                    </td>
                    <td class="muted hide-sm">{u.email ?? "—"}</td>
                    <td class="nowrap muted hide-sm">{formatDateTime(lang, u.created_at) ?? "—"}</td>
                    <td>{u.is_admin ? <Badge tone="accent">{t("admin.roleAdmin")}</Badge> : <Badge>{t("admin.roleMember")}</Badge>}</td>
                    <td>{u.disabled ? <Badge tone="danger">{t("admin.disabled")}</Badge> : <Badge tone="success">{t("admin.active")}</Badge>}</td>
                    <td class="hide-sm">{usage.data && <QuotaCell user={u} report={usage.data} onSaved={usage.reload} />}</td>
                    <td>
                      <div class="row-actions">
                        <Button
                          variant="secondary"
                          size="sm"
                          disabled={self || busyId === u.id}
                          title={self ? t("admin.selfHint") : undefined}
                          onClick={() => update(u, { is_admin: !u.is_admin })}
                        >
                          {u.is_admin ? t("admin.removeAdmin") : t("admin.makeAdmin")}
                        </Button>
                        <Button
                          variant={u.disabled ? "secondary" : "ghost"}
                          size="sm"
                          class={u.disabled ? undefined : "btn-ghost-danger"}
                          disabled={self || busyId === u.id}
                          title={self ? t("admin.selfHint") : undefined}
                          onClick={() => update(u, { disabled: !u.disabled })}
                        >
                          {u.disabled ? t("admin.enable") : t("admin.disable")}
                        </Button>
                        <Button variant="ghost" size="sm" disabled={busyId === u.id} title={t("admin.reset2faHint")} onClick={() => resetTwoFactor(u)}>
                          {t("admin.reset2fa")}
                        </Button>
                        <Button
                          variant="ghost"
                          size="sm"
                          class="btn-ghost-danger"
                          disabled={self || busyId === u.id}
                          title={self ? t("admin.selfHint") : undefined}
                          onClick={() => deleteUser(u)}
                        >
                          {t("admin.deleteUser")}
                        </Button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

/** How an account signs in, when it is not with a password of this instance. */
function SignInBadge({ user }: { user: User }) {
  const { t, instance } = useApp();
  if (user.sign_in === "ldap") {
    return (
      <span class="sign-in-badge" title={t("admin.signInLdapTitle")}>
        <Badge>{t("admin.signInLdap")}</Badge>
      </span>
    );
  }
  const provider = oidcProviderOf(user);
  if (provider === null) return null;
  const label = providerLabel(instance, provider);
  return (
    <span class="sign-in-badge" title={t("admin.signInOidcTitle", { label })}>
      <Badge>{label}</Badge>
    </span>
  );
}

/** A user's storage use, and their own quota in MB (empty: the instance's default; 0: none). */
function QuotaCell({ user, report, onSaved }: { user: User; report: UsageReport; onSaved: () => void }) {
  const { t, lang } = useApp();
  const mine = report.users.find((x) => x.user_id === user.id);
  const limit = mine ? mine.limit_bytes : report.default_limit_bytes;
  const [mb, setMb] = useState(mine?.custom_limit ? String((mine.limit_bytes ?? 0) / 1_000_000) : "");
  const { busy, error, run } = useSubmit();
  const save = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    await run(async () => {
      const quota_bytes = mb.trim() === "" ? null : Math.round(Number(mb) * 1_000_000);
      await api.put(`/api/v1/admin/users/${encodeURIComponent(user.id)}/quota`, { quota_bytes });
      onSaved();
    });
  };
  const used = formatBytes(mine?.used_bytes ?? 0, lang);
  return (
    <form class="quota-cell" onSubmit={save}>
      <span class="nowrap">{limit === null ? used : t("admin.storageOf", { used, limit: formatBytes(limit, lang) })}</span>
      <label class="visually-hidden" for={`quota-${user.id}`}>
        {t("admin.quotaLabel", { name: user.username })}
      </label>
      <input
        id={`quota-${user.id}`}
        class="input"
        type="number"
        min="0"
        step="any"
        inputMode="decimal"
        placeholder={t("admin.quotaDefault")}
        value={mb}
        onInput={(e) => setMb(e.currentTarget.value)}
      />
      <Button variant="secondary" size="sm" type="submit" loading={busy}>
        {t("admin.quotaSave")}
      </Button>
      <ErrorAlert error={error} />
    </form>
  );
}

/** Find content, then remove a pad, poll, wiki, chat message or video room (or archive a chat channel) from its link, with a reason. */
function ModerationCard({ confirm, onRemoved }: { confirm: ReturnType<typeof useConfirm>[1]; onRemoved: () => void }) {
  const { t } = useApp();
  const [link, setLink] = useState("");
  const [reason, setReason] = useState("");
  const { busy, error, setError, run } = useSubmit();
  const [notice, setNotice] = useState<string | null>(null);
  const submit = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (!(await confirm({ title: t("admin.removeConfirm"), body: link.trim(), confirmLabel: t("admin.remove"), danger: true }))) return;
    await run(async () => {
      setNotice(null);
      const r = await api.post<{ removed: { kind: string; label: string } }>("/api/v1/admin/moderation/remove", { link: link.trim(), reason: reason.trim() });
      setNotice(t("admin.removed", { label: r.removed.label }));
      setLink("");
      setReason("");
      onRemoved();
    });
  };
  // Finding content without its link: by name, title or public message text.
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<ModerationFound[] | null>(null);
  // A failed search shows its error where a failed removal does.
  const { busy: searching, run: runSearch } = useSubmit<void>(setError);
  const search = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    setError(null);
    await runSearch(async () => {
      const r = await api.get<{ found: ModerationFound[] }>(`/api/v1/admin/moderation/search?q=${encodeURIComponent(query.trim())}`);
      setFound(r.found);
    });
  };
  return (
    <Card id="moderation" title={t("admin.moderation")} description={t("admin.moderationDesc")} icon={<IconTrash />}>
      <ErrorAlert error={error} />
      {notice && <Alert kind="success">{notice}</Alert>}
      <form class="form moderation-search" role="search" onSubmit={search}>
        <TextField
          label={t("admin.findContent")}
          hint={t("admin.findContentHint")}
          name="moderation_query"
          type="search"
          minLength={2}
          maxLength={100}
          required
          value={query}
          onValue={setQuery}
        />
        <Button type="submit" variant="secondary" loading={searching}>
          {t("admin.find")}
        </Button>
      </form>
      {found &&
        (found.length === 0 ? (
          <p class="muted">{t("admin.foundNothing")}</p>
        ) : (
          <ul class="moderation-found" id="moderation-found">
            {found.map((f) => (
              <li key={f.link}>
                <Badge>{t(`admin.kind.${f.kind}`)}</Badge>{" "}
                <a href={f.link} target="_blank" rel="noopener">
                  {f.label}
                </a>{" "}
                <Button size="sm" variant="ghost" onClick={() => setLink(f.link)}>
                  {t("admin.choose")}
                </Button>
              </li>
            ))}
          </ul>
        ))}
      <form class="form" onSubmit={submit}>
        <TextField
          label={t("admin.removeLink")}
          hint={t("admin.removeLinkHint")}
          name="moderation_link"
          autoCapitalize="none"
          spellcheck={false}
          required
          value={link}
          onValue={setLink}
        />
        <TextField label={t("admin.removeReason")} hint={t("admin.removeReasonHint")} name="moderation_reason" required maxLength={500} value={reason} onValue={setReason} />
        <Button type="submit" variant="danger" loading={busy}>
          {t("admin.remove")}
        </Button>
      </form>
    </Card>
  );
}

/** What admins did, newest first. */
function AuditCard({ tick }: { tick: number }) {
  const { t, lang } = useApp();
  const log = useAsync(() => api.get<AuditEntry[]>("/api/v1/admin/audit?limit=100"), [tick]);
  return (
    <Card id="audit" title={t("admin.audit")} description={t("admin.auditDesc")} icon={<IconList />}>
      <ErrorAlert error={log.error} />
      {log.loading && !log.data ? (
        <Loading />
      ) : (log.data ?? []).length === 0 ? (
        <p class="muted">{t("admin.auditEmpty")}</p>
      ) : (
        <div class="table-wrap">
          <table class="table" id="audit-table">
            <thead>
              <tr>
                <th scope="col">{t("admin.auditWhen")}</th>
                <th scope="col">{t("admin.auditWho")}</th>
                <th scope="col">{t("admin.auditWhat")}</th>
                <th scope="col">{t("admin.auditReason")}</th>
              </tr>
            </thead>
            <tbody>
              {(log.data ?? []).map((e) => (
                <tr key={e.id}>
                  <td class="nowrap muted">{formatDateTime(lang, e.at) ?? "—"}</td>
                  <td>{e.admin_name}</td>
                  <td>
                    {e.action} · {e.target_kind} · <span class="strong">{e.target_label}</span>
                  </td>
                  <td>{e.reason || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

const VALIDITY_HOURS = [24, 72, 168, 720];

function InvitesCard({ confirm }: { confirm: ReturnType<typeof useConfirm>[1] }) {
  const { t, lang } = useApp();
  const invites = useAsync(() => api.get<Invite[]>("/api/v1/admin/invites"), []);
  const [hours, setHours] = useState(168);
  const [label, setLabel] = useState("");
  const [email, setEmail] = useState("");
  const [uses, setUses] = useState("1");
  const { busy, error, setError, run } = useSubmit();
  const [created, setCreated] = useState<NewInvite | null>(null);

  const create = async (e: TargetedEvent<HTMLFormElement>) => {
    e.preventDefault();
    await run(async () => {
      const inv = await api.post<NewInvite>("/api/v1/admin/invites", {
        valid_hours: hours,
        label: label.trim(),
        email: email.trim() || null,
        max_uses: Math.max(1, Math.round(Number(uses) || 1)),
      });
      setCreated(inv);
      setLabel("");
      setEmail("");
      setUses("1");
      invites.reload();
    });
  };

  const revoke = async (inv: Invite) => {
    if (!(await confirm({ title: t("admin.revokeInviteConfirm"), body: t("admin.revokeInviteBody"), confirmLabel: t("common.revoke"), danger: true }))) return;
    setError(null);
    try {
      await api.del(`/api/v1/admin/invites/${encodeURIComponent(inv.id)}`);
      if (created?.id === inv.id) setCreated(null);
      invites.reload();
    } catch (err) {
      setError(err);
    }
  };

  const status = (inv: Invite) => {
    if (inv.uses >= inv.max_uses) return <Badge>{inv.used_by_name ? t("admin.inviteUsedBy", { name: inv.used_by_name }) : t("admin.inviteUsed")}</Badge>;
    if (inv.expires_at && new Date(inv.expires_at).getTime() < Date.now()) return <Badge tone="warning">{t("admin.inviteExpired")}</Badge>;
    return <Badge tone="success">{t("admin.inviteActive")}</Badge>;
  };

  return (
    <Card id="invites" title={t("admin.invites")} description={t("admin.invitesDesc")} icon={<IconLink />}>
      <ErrorAlert error={error ?? invites.error} />
      {created && (
        <Alert kind="success" title={t("admin.inviteCreated")}>
          <CopyField label={t("admin.inviteLink")} value={created.url} />
          {created.mailed && <p>{t("admin.inviteMailed")}</p>}
        </Alert>
      )}
      <form class="inline-form" onSubmit={create}>
        <div class="field field-compact">
          <label for="invite-validity" class="field-label">
            {t("admin.validity")}
          </label>
          <select id="invite-validity" class="select" value={String(hours)} onChange={(e) => setHours(Number((e.currentTarget as HTMLSelectElement).value))}>
            {VALIDITY_HOURS.map((h) => (
              <option key={h} value={String(h)}>
                {duration(lang, h / 24, "day")}
              </option>
            ))}
          </select>
        </div>
        <TextField class="field-compact" label={t("admin.inviteLabel")} optional name="invite_label" maxLength={100} value={label} onValue={setLabel} />
        <TextField class="field-compact" label={t("admin.inviteEmail")} optional name="invite_email" type="email" value={email} onValue={setEmail} />
        <div class="field field-compact">
          <label for="invite-uses" class="field-label">
            {t("admin.inviteUses")}
          </label>
          <input
            id="invite-uses"
            class="input invite-uses"
            type="number"
            min={1}
            max={1000}
            step={1}
            name="invite_uses"
            value={uses}
            onInput={(e) => setUses((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <Button type="submit" loading={busy}>
          {t("admin.createInvite")}
        </Button>
      </form>
      {invites.loading && !invites.data ? (
        <Loading />
      ) : invites.data && invites.data.length ? (
        <div class="table-wrap">
          <table class="table" id="invites-table">
            <thead>
              <tr>
                <th scope="col">{t("admin.inviteLabel")}</th>
                <th scope="col" class="hide-sm">
                  {t("common.created")}
                </th>
                <th scope="col">{t("admin.expires")}</th>
                <th scope="col" class="hide-sm">
                  {t("admin.inviteUses")}
                </th>
                <th scope="col">{t("admin.status")}</th>
                <th scope="col">
                  <span class="visually-hidden">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invites.data.map((inv) => (
                <tr key={inv.id}>
                  <td>
                    {inv.label || "—"}
                    {inv.email && <div class="muted small">{inv.email}</div>}
                  </td>
                  <td class="nowrap hide-sm">{formatDateTime(lang, inv.created_at) ?? "—"}</td>
                  <td class="nowrap">{formatDateTime(lang, inv.expires_at) ?? "—"}</td>
                  <td class="hide-sm">
                    {inv.uses} / {inv.max_uses}
                  </td>
                  <td>{status(inv)}</td>
                  <td>
                    {inv.uses < inv.max_uses && (
                      <Button variant="secondary" size="sm" onClick={() => revoke(inv)}>
                        {t("common.revoke")}
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState>{t("admin.noInvites")}</EmptyState>
      )}
    </Card>
  );
}

function valueText(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v === "" ? "—" : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null)) return v.length ? v.join(", ") : "—";
  return JSON.stringify(v, null, 2);
}

/** snake_case keys may wrap after an underscore. */
function breakable(key: string) {
  const parts = key.split("_");
  return parts.map((p, i) => (i < parts.length - 1 ? [p, "_", <wbr key={i} />] : p));
}

function SettingsCard() {
  const { t } = useApp();
  const settings = useAsync(() => api.get<Record<string, unknown>>("/api/v1/admin/settings"), []);
  const data = settings.data;
  const sections = data ? Object.entries(data) : [];
  return (
    <Card id="settings" title={t("admin.settings")} icon={<IconSettings />}>
      <Alert kind="info">{t("admin.settingsNote")}</Alert>
      <ErrorAlert error={settings.error} />
      {settings.loading && !data ? (
        <Loading />
      ) : sections.length === 0 ? (
        <EmptyState>{t("admin.noSettings")}</EmptyState>
      ) : (
        <div class="settings-grid">
          {sections.map(([section, value]) => (
            <section key={section} class="settings-section" aria-label={section}>
              <h3 class="mono">[{section}]</h3>
              {value && typeof value === "object" && !Array.isArray(value) ? (
                <dl class="kv">
                  {Object.entries(value as Record<string, unknown>).map(([k, v]) => {
                    const text = valueText(v);
                    const wide = text.length > 40 || text.includes("\n");
                    return (
                      <div key={k} class={wide ? "kv-row kv-row-wide" : "kv-row"}>
                        <dt class="mono">{breakable(k)}</dt>
                        <dd class={wide ? "pre" : "mono"}>{text}</dd>
                      </div>
                    );
                  })}
                </dl>
              ) : (
                <p class="mono">{valueText(value)}</p>
              )}
            </section>
          ))}
        </div>
      )}
    </Card>
  );
}
