// A channel's settings, from the channel menu: its incoming webhooks (channel admins) and how long
// its messages are kept (team admins). docs/chat-api.md "Incoming webhooks" and "Retention".
import { useKeyedSubmit, useSubmit } from "../hooks/submit.ts";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { Alert, Button, CopyField, EmptyState, Spinner, cx, useConfirm } from "../components/ui.tsx";
import { formatDateTime } from "../i18n/index.ts";
import { chatApi } from "./api.ts";
import { useChat } from "./ctx.tsx";
import { IconTrash } from "./icons.tsx";
import { Modal } from "./menu.tsx";
import type { Channel, CreatedWebhook, Webhook } from "./types.ts";

const MAX_DAYS = 36_500;

function WebhooksSection({ ch }: { ch: Channel }) {
  const { t, lang } = useApp();
  const [list, setList] = useState<Webhook[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [name, setName] = useState("");
  const [tried, setTried] = useState(false);
  const { busy, error, run } = useKeyedSubmit<string>();
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [confirmEl, confirm] = useConfirm();
  const secretRef = useRef<HTMLDivElement>(null);
  const nameId = `h${useId()}`;

  useEffect(() => {
    let alive = true;
    chatApi.webhooks(ch.id).then(
      (l) => alive && (setList(l), setLoadError(null)),
      (e) => alive && setLoadError(e),
    );
    return () => {
      alive = false;
    };
  }, [ch.id, tick]);

  // The secret address appears: bring it into view and put the focus on it.
  useEffect(() => {
    if (!created) return;
    const box = secretRef.current;
    box?.scrollIntoView({ block: "nearest" });
    box?.querySelector<HTMLInputElement>("input")?.focus();
  }, [created]);

  const create = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (!name.trim()) return;
    await run("+create", async () => {
      const hook = await chatApi.createWebhook(ch.id, name.trim());
      setCreated(hook);
      setName("");
      setTried(false);
      setTick((n) => n + 1);
    });
  };

  const remove = async (h: Webhook) => {
    if (
      !(await confirm({
        title: t("chat.admin.hooks.deleteTitle", { name: h.display_name }),
        body: t("chat.admin.hooks.deleteBody"),
        confirmLabel: t("chat.admin.hooks.delete"),
        danger: true,
      }))
    )
      return;
    await run(h.id, async () => {
      await chatApi.deleteWebhook(ch.id, h.id);
      if (created?.id === h.id) setCreated(null);
      setTick((n) => n + 1);
    });
  };

  const nameError = tried && !name.trim() ? t("chat.admin.hooks.needName") : null;
  return (
    <section class="chat-admin-section" aria-labelledby="chat-admin-hooks-h">
      {confirmEl}
      <h3 id="chat-admin-hooks-h" class="chat-admin-heading">
        {t("chat.admin.hooks.title")}
      </h3>
      <p class="muted small">{t("chat.admin.hooks.desc")}</p>
      {created && (
        <div class="chat-admin-secret" ref={secretRef} role="status">
          <p class="chat-admin-secret-title">{t("chat.admin.hooks.created", { name: created.display_name })}</p>
          <CopyField label={t("chat.admin.hooks.url")} value={created.url} />
          <p class="chat-admin-secret-warn">{t("chat.admin.hooks.once")}</p>
          <p class="muted small">{t("chat.admin.hooks.usage")}</p>
          <div class="chat-admin-actions">
            <Button variant="secondary" size="sm" onClick={() => setCreated(null)}>
              {t("chat.admin.hooks.hide")}
            </Button>
          </div>
        </div>
      )}
      {loadError ? (
        <p class="field-error">{errorText(t, loadError)}</p>
      ) : !list ? (
        <Spinner />
      ) : !list.length ? (
        <EmptyState>{t("chat.admin.hooks.none")}</EmptyState>
      ) : (
        <ul class="chat-pick-list chat-admin-hooks">
          {list.map((h) => (
            <li key={h.id} class="chat-pick-row" data-hook={h.display_name}>
              <span class="chat-pick-main">
                <strong>{h.display_name}</strong>
                <span class="muted small">{t("chat.admin.hooks.since", { date: formatDateTime(lang, h.created_at) ?? "" })}</span>
              </span>
              <Button
                variant="ghost"
                size="sm"
                class="btn-ghost-danger"
                loading={busy === h.id}
                onClick={() => void remove(h)}
                aria-label={t("chat.admin.hooks.deleteOf", { name: h.display_name })}
                title={t("chat.admin.hooks.delete")}
              >
                <IconTrash size={16} />
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form class="inline-form chat-admin-hook-form" onSubmit={create} noValidate>
        <div class="field">
          <label for={nameId} class="field-label">
            {t("chat.admin.hooks.name")}
          </label>
          <input
            id={nameId}
            class={cx("input", nameError && "is-invalid")}
            value={name}
            maxLength={64}
            autoComplete="off"
            placeholder={t("chat.admin.hooks.namePlaceholder")}
            aria-invalid={nameError ? "true" : undefined}
            aria-describedby={nameError ? `${nameId}-err` : undefined}
            onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <Button type="submit" loading={busy === "+create"}>
          {t("chat.admin.hooks.create")}
        </Button>
      </form>
      {nameError && (
        <p id={`${nameId}-err`} class="field-error">
          {nameError}
        </p>
      )}
      {error ? (
        <p class="field-error" role="alert">
          {errorText(t, error)}
        </p>
      ) : null}
    </section>
  );
}

function RetentionSection({ ch }: { ch: Channel }) {
  const { t, lang } = useApp();
  // What the server said (the channel answer may not carry it: undefined = not known here).
  const [current, setCurrent] = useState<number | null | undefined>(ch.retention_days);
  const [mode, setMode] = useState<"default" | "days">(typeof ch.retention_days === "number" ? "days" : "default");
  const [days, setDays] = useState(typeof ch.retention_days === "number" ? String(ch.retention_days) : "");
  const [tried, setTried] = useState(false);
  const { busy, error, run } = useSubmit();
  const [saved, setSaved] = useState(false);
  const daysId = `r${useId()}`;
  const n = Number(days.trim());
  const valid = /^\d+$/.test(days.trim()) && n >= 1 && n <= MAX_DAYS;
  const daysError = mode === "days" && tried && !valid ? t("chat.admin.retention.range", { max: MAX_DAYS.toLocaleString(lang) }) : null;
  const days_ = (v: number) =>
    t(new Intl.PluralRules(lang).select(v) === "one" ? "chat.admin.retention.isDays.one" : "chat.admin.retention.isDays.other", { count: v.toLocaleString(lang) });
  // The instance's rule, as the server says it (0: kept for good).
  const instance = ch.default_retention_days;
  const describe = (v: number | null) =>
    v !== null
      ? days_(v)
      : instance === undefined
        ? t("chat.admin.retention.isDefault")
        : t("chat.admin.retention.isDefaultRule", { rule: instance > 0 ? days_(instance) : t("chat.admin.retention.forever") });

  const save = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setSaved(false);
    if (mode === "days" && !valid) return;
    const value = mode === "days" ? n : null;
    await run(async () => {
      await chatApi.setRetention(ch.id, value);
      setCurrent(value);
      setSaved(true);
    });
  };

  return (
    <section class="chat-admin-section" aria-labelledby="chat-admin-retention-h">
      <h3 id="chat-admin-retention-h" class="chat-admin-heading">
        {t("chat.admin.retention.title")}
      </h3>
      <p class="muted small">{t("chat.admin.retention.desc")}</p>
      <p class="small chat-admin-current">{current === undefined ? t("chat.admin.retention.unknown") : `${t("chat.admin.retention.current")} ${describe(current)}`}</p>
      <form class="form" onSubmit={save} noValidate>
        <fieldset class="chat-fieldset">
          <legend class="visually-hidden">{t("chat.admin.retention.title")}</legend>
          <label class="chat-radio">
            <input type="radio" name={`${daysId}-mode`} checked={mode === "default"} onChange={() => setMode("default")} />
            <span>
              <strong>{t("chat.admin.retention.default")}</strong>
              <span class="muted small">{t("chat.admin.retention.defaultDesc")}</span>
            </span>
          </label>
          <label class="chat-radio">
            <input type="radio" name={`${daysId}-mode`} checked={mode === "days"} onChange={() => setMode("days")} />
            <span>
              <strong>{t("chat.admin.retention.own")}</strong>
              <span class="muted small">{t("chat.admin.retention.ownDesc")}</span>
            </span>
          </label>
        </fieldset>
        {mode === "days" && (
          <div class="field chat-admin-days">
            <label for={daysId} class="field-label">
              {t("chat.admin.retention.days")}
            </label>
            <input
              id={daysId}
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_DAYS}
              step={1}
              class={cx("input", daysError && "is-invalid")}
              value={days}
              aria-invalid={daysError ? "true" : undefined}
              aria-describedby={daysError ? `${daysId}-err` : `${daysId}-hint`}
              onInput={(e) => setDays((e.currentTarget as HTMLInputElement).value)}
            />
            {daysError ? (
              <p id={`${daysId}-err`} class="field-error">
                {daysError}
              </p>
            ) : (
              <p id={`${daysId}-hint`} class="field-hint">
                {t("chat.admin.retention.hint")}
              </p>
            )}
          </div>
        )}
        {saved && current !== undefined && (
          <Alert kind="success" class="chat-admin-status">
            {`${t("chat.admin.retention.saved")} ${describe(current)}`}
          </Alert>
        )}
        {error ? (
          <p class="field-error" role="alert">
            {errorText(t, error)}
          </p>
        ) : null}
        <div class="chat-admin-actions">
          <Button type="submit" loading={busy}>
            {t("chat.admin.retention.save")}
          </Button>
        </div>
      </form>
    </section>
  );
}

/** The channel settings dialog: webhooks for channel and team admins, retention for team admins. */
export function ChannelSettingsDialog({ ch, onClose }: { ch: Channel; onClose: () => void }) {
  const { t } = useApp();
  const { team } = useChat();
  const channelAdmin = ch.me?.role === "admin";
  const teamAdmin = team.my_role === "admin";
  return (
    <Modal title={t("chat.admin.channel.title", { name: ch.display_name || ch.name })} onClose={onClose} wide class="chat-admin-dialog">
      <div class="chat-admin-panel">
        {channelAdmin || teamAdmin ? (
          <WebhooksSection ch={ch} />
        ) : (
          <section class="chat-admin-section" aria-labelledby="chat-admin-hooks-h">
            <h3 id="chat-admin-hooks-h" class="chat-admin-heading">
              {t("chat.admin.hooks.title")}
            </h3>
            <p class="muted small">{t("chat.admin.hooks.adminsOnly")}</p>
          </section>
        )}
        {teamAdmin && <RetentionSection ch={ch} />}
      </div>
      <div class="dialog-actions">
        <Button variant="secondary" onClick={onClose}>
          {t("chat.close")}
        </Button>
      </div>
    </Modal>
  );
}
