// The instance settings an association acts on (GET/PATCH /api/v1/admin/instance-settings): its
// name and registration, the About page's facts and legal texts, mail with a "send a test mail"
// button. A value the configuration file sets is shown, not editable.
import { useKeyedSubmit, useSubmit } from "../hooks/submit.ts";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { useApp } from "../context.tsx";
import { IconSettings } from "../components/icons.tsx";
import { Alert, Badge, Button, Card, ErrorAlert, Loading, TextField, useAsync } from "../components/ui.tsx";
import { type MessageKey, isMessageKey } from "../i18n/index.ts";
import type { InstanceSetting, InstanceSettings, TestMailResult } from "../types.ts";

type Value = string | number | boolean | string[];
type Draft = Record<string, Value | null>;

const GROUPS = ["instance", "about", "mail"] as const;

/** The text of a key's label or hint ("admin.set.instance.name"), or the key itself. */
function label(t: (k: MessageKey) => string, prefix: string, key: string): string {
  const k = `${prefix}.${key}`;
  return isMessageKey(k) ? t(k) : key;
}

export function InstanceSettingsCard() {
  const { t, user, refreshInstance } = useApp();
  const loaded = useAsync(() => api.get<InstanceSettings>("/api/v1/admin/instance-settings"), []);
  const [data, setData] = useState<InstanceSettings | null>(null);
  const [draft, setDraft] = useState<Draft>({});
  // Busy names the group of settings being saved.
  const { busy, error, run } = useKeyedSubmit<string>();
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => {
    if (loaded.data) setData(loaded.data);
  }, [loaded.data]);

  if (loaded.loading && !data)
    return (
      <Card id="instance-settings" title={t("admin.instanceSettings")} icon={<IconSettings />}>
        <Loading />
      </Card>
    );
  if (!data)
    return (
      <Card id="instance-settings" title={t("admin.instanceSettings")} icon={<IconSettings />}>
        <ErrorAlert error={loaded.error} />
      </Card>
    );

  const valueOf = (s: InstanceSetting) => (s.key in draft ? draft[s.key] : s.kind === "secret" ? "" : (s.value ?? ""));
  const set = (key: string, v: Value | null) => setDraft((d) => ({ ...d, [key]: v }));

  const save = async (group: string, changes: Draft) => {
    setSaved(null);
    await run(group, async () => {
      const next = await api.patch<InstanceSettings>("/api/v1/admin/instance-settings", { changes });
      setData(next);
      setDraft((d) => Object.fromEntries(Object.entries(d).filter(([k]) => !(k in changes))));
      setSaved(group);
      // The header and the page titles show the instance's name: take the new one at once.
      refreshInstance();
    });
  };

  return (
    <Card id="instance-settings" title={t("admin.instanceSettings")} description={t("admin.instanceSettingsDesc")} icon={<IconSettings />}>
      {data.missing.length > 0 && (
        <Alert kind="warning" title={t("admin.missingTitle")}>
          <p>{t("admin.missingBody")}</p>
          <ul class="missing-facts">
            {data.missing.map((k) => (
              <li key={k}>{label(t, "admin.set", k)}</li>
            ))}
          </ul>
        </Alert>
      )}
      <ErrorAlert error={error} />
      {GROUPS.map((group) => {
        const items = data.settings.filter((s) => s.group === group);
        const changes: Draft = Object.fromEntries(items.filter((s) => s.key in draft).map((s) => [s.key, draft[s.key]]));
        const dirty = Object.keys(changes).length > 0;
        return (
          <form
            key={group}
            class="settings-group"
            aria-labelledby={`settings-${group}`}
            onSubmit={(e) => {
              e.preventDefault();
              if (dirty) void save(group, changes);
            }}
          >
            <h3 id={`settings-${group}`}>{t(`admin.group.${group}`)}</h3>
            {group === "mail" && !data.mail_enabled && <Alert kind="info">{t("admin.mailOff")}</Alert>}
            {items.map((s) => (
              <SettingField
                key={s.key}
                setting={s}
                value={valueOf(s)}
                onValue={(v) => set(s.key, v)}
                onReset={() => set(s.key, null)}
                pendingReset={s.key in draft && draft[s.key] === null}
              />
            ))}
            <div class="form-actions">
              <Button type="submit" loading={busy === group} disabled={!dirty}>
                {t("admin.saveSettings")}
              </Button>
              {saved === group && !dirty && (
                <span class="muted small" role="status">
                  {t("admin.settingsSaved")}
                </span>
              )}
            </div>
            {group === "mail" && data.mail_enabled && <TestMail defaultTo={user?.email ?? ""} />}
          </form>
        );
      })}
    </Card>
  );
}

function SettingField({
  setting: s,
  value,
  onValue,
  onReset,
  pendingReset,
}: {
  setting: InstanceSetting;
  value: Value | null;
  onValue: (v: Value) => void;
  onReset: () => void;
  pendingReset: boolean;
}) {
  const { t } = useApp();
  const name = label(t, "admin.set", s.key);
  const hintKey = `admin.setHint.${s.key}`;
  const forced = s.source === "file";
  const hint = [isMessageKey(hintKey) ? t(hintKey) : null, forced ? t("admin.forcedByFile") : null].filter(Boolean).join(" ");
  const id = `setting-${s.key.replace(/[^a-z0-9]+/gi, "-")}`;
  const badge = forced ? (
    <Badge tone="warning">{t("admin.sourceFile")}</Badge>
  ) : s.source === "admin" && !pendingReset ? (
    <Badge tone="accent">{t("admin.sourceAdmin")}</Badge>
  ) : null;
  const reset = s.source === "admin" && !forced && !pendingReset && (
    <Button variant="ghost" size="sm" onClick={onReset}>
      {t("admin.backToDefault")}
    </Button>
  );
  if (s.kind === "bool") {
    return (
      <div class="field setting-field">
        <label class="check-row">
          <input type="checkbox" checked={value === true} disabled={forced} onChange={(e) => onValue((e.currentTarget as HTMLInputElement).checked)} />
          <span>{name}</span> {badge}
        </label>
        {hint && <p class="field-hint">{hint}</p>}
        {reset}
      </div>
    );
  }
  if (s.kind === "choice") {
    return (
      <div class="field setting-field">
        <label for={id} class="field-label">
          {name} {badge}
        </label>
        <select id={id} class="select" value={String(value ?? "")} disabled={forced} onChange={(e) => onValue((e.currentTarget as HTMLSelectElement).value)}>
          {(s.choices ?? []).map((c) => (
            <option key={c} value={c}>
              {label(t, `admin.choice.${s.key}`, c)}
            </option>
          ))}
        </select>
        {hint && <p class="field-hint">{hint}</p>}
        {reset}
      </div>
    );
  }
  if (s.kind === "list") {
    // One item a line; blank lines dropped (a trailing newline while typing is kept in the box).
    const lines = Array.isArray(value) ? value : [];
    return (
      <div class="field setting-field">
        <label for={id} class="field-label">
          {name} {badge}
        </label>
        <ListBox id={id} lines={lines} disabled={forced} onLines={onValue} />
        {hint && <p class="field-hint">{hint}</p>}
        {reset}
      </div>
    );
  }
  if (s.kind === "long_text") {
    return (
      <div class="field setting-field">
        <label for={id} class="field-label">
          {name} {badge}
        </label>
        <textarea
          id={id}
          class="input settings-textarea"
          rows={5}
          maxLength={s.max_length}
          value={String(value ?? "")}
          disabled={forced}
          onInput={(e) => onValue((e.currentTarget as HTMLTextAreaElement).value)}
        />
        {hint && <p class="field-hint">{hint}</p>}
        {reset}
      </div>
    );
  }
  return (
    <div class="setting-field">
      <TextField
        id={id}
        label={name}
        hint={hint || undefined}
        type={s.kind === "secret" ? "password" : "text"}
        inputMode={s.kind === "port" ? "numeric" : undefined}
        value={String(value ?? "")}
        placeholder={s.kind === "secret" && s.is_set ? t("admin.secretKept") : undefined}
        autocomplete={s.kind === "secret" ? "new-password" : "off"}
        maxLength={s.max_length}
        onValue={(v) => onValue(s.kind === "port" ? (/^\d+$/.test(v) ? Number(v) : v) : v)}
        {...(forced ? { disabled: true } : {})}
      />
      {badge}
      {reset}
    </div>
  );
}

function ListBox({ id, lines, disabled, onLines }: { id: string; lines: string[]; disabled: boolean; onLines: (v: string[]) => void }) {
  const [text, setText] = useState(lines.join("\n"));
  const joined = lines.join("\n");
  // Saved, or put back to the default: show what is in force.
  useEffect(() => {
    if (
      text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .join("\n") !== joined
    )
      setText(joined);
  }, [joined]);
  return (
    <textarea
      id={id}
      class="input settings-textarea mono"
      rows={3}
      value={text}
      disabled={disabled}
      spellcheck={false}
      autocomplete="off"
      onInput={(e) => {
        const v = (e.currentTarget as HTMLTextAreaElement).value;
        setText(v);
        onLines(
          v
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean),
        );
      }}
    />
  );
}

function TestMail({ defaultTo }: { defaultTo: string }) {
  const { t } = useApp();
  const [to, setTo] = useState(defaultTo);
  const [result, setResult] = useState<TestMailResult | null>(null);
  const { busy, error, run } = useSubmit();
  const send = async () => {
    await run(async () => {
      setResult(null);
      setResult(await api.post<TestMailResult>("/api/v1/admin/instance-settings/test-mail", { to }));
    });
  };
  return (
    <div class="test-mail">
      <div class="inline-form">
        <TextField label={t("admin.testMailTo")} type="email" value={to} onValue={setTo} autocomplete="email" />
        <Button variant="secondary" loading={busy} onClick={() => void send()}>
          {t("admin.testMail")}
        </Button>
      </div>
      <ErrorAlert error={error} />
      {result &&
        (result.sent ? (
          <Alert kind="success">{t("admin.testMailSent", { to: result.to })}</Alert>
        ) : (
          <Alert kind="error">{t("admin.testMailFailed", { error: result.error ?? "" })}</Alert>
        ))}
    </div>
  );
}
