// The design system's components. Styling lives in styles/app.css (classes only).
import type { AnchorHTMLAttributes, ButtonHTMLAttributes, ComponentChildren, JSX, TargetedMouseEvent } from "preact";
import { useCallback, useEffect, useId, useRef, useState } from "preact/hooks";
import { errorText } from "../api.ts";
import { useApp } from "../context.tsx";
import { navigate } from "../router.ts";
import { closeAndRefocus } from "./focus.ts";
import { IconAlert, IconCheck, IconCopy, IconInfo } from "./icons.tsx";
import { PALETTE, inkOn } from "../palette.ts";

export function cx(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

type AnchorProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string };

/** An <a> that navigates with the history API for same-site paths. */
export function Link({ href, onClick, children, ...rest }: AnchorProps) {
  const handle = (e: TargetedMouseEvent<HTMLAnchorElement>) => {
    if (onClick) (onClick as (e: TargetedMouseEvent<HTMLAnchorElement>) => void)(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (!href.startsWith("/") || href.startsWith("/api/")) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

type Variant = "primary" | "secondary" | "ghost" | "danger";
type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: Variant;
  size?: "sm" | "md";
  loading?: boolean;
};

export function Button({ variant = "primary", size = "md", loading, class: cls, children, disabled, type, ...rest }: ButtonProps) {
  return (
    <button
      type={type ?? "button"}
      class={cx("btn", `btn-${variant}`, size === "sm" && "btn-sm", loading && "is-loading", cls as string)}
      disabled={disabled || loading}
      aria-busy={loading ? "true" : undefined}
      {...rest}
    >
      {loading && <span class="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}

type InputProps = {
  label: string;
  hint?: string;
  error?: string | null;
  value: string;
  onValue: (value: string) => void;
  optional?: boolean;
  id?: string;
  class?: string;
  type?: "text" | "password" | "email" | "search" | "url";
  name?: string;
  autocomplete?: string;
  autoCapitalize?: "none" | "off" | "on" | "sentences" | "words" | "characters";
  spellcheck?: boolean;
  required?: boolean;
  placeholder?: string;
  maxLength?: number;
  minLength?: number;
  inputMode?: "text" | "numeric" | "decimal" | "email" | "url";
};

export function TextField({ label, hint, error, value, onValue, optional, id, class: cls, type = "text", ...rest }: InputProps) {
  const auto = useId();
  const fid = id || `f${auto}`;
  const hintId = hint ? `${fid}-hint` : undefined;
  const errId = error ? `${fid}-err` : undefined;
  const { t } = useApp();
  return (
    <div class={cx("field", cls)}>
      <label for={fid} class="field-label">
        {label}
        {optional && <span class="field-optional"> ({t("common.optional")})</span>}
      </label>
      <input
        id={fid}
        type={type as "text"}
        class={cx("input", error && "is-invalid")}
        value={value}
        onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        aria-describedby={[hintId, errId].filter(Boolean).join(" ") || undefined}
        aria-invalid={error ? "true" : undefined}
        {...rest}
      />
      {hint && (
        <p id={hintId} class="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errId} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export type AlertKind = "info" | "success" | "warning" | "error";

export function Alert({ kind = "info", title, children, class: cls }: { kind?: AlertKind; title?: string; children?: ComponentChildren; class?: string }) {
  const Icon = kind === "success" ? IconCheck : kind === "info" ? IconInfo : IconAlert;
  return (
    <div class={cx("alert", `alert-${kind}`, cls)} role={kind === "error" ? "alert" : "status"}>
      <span class="alert-icon">
        <Icon size={18} />
      </span>
      <div class="alert-body">
        {title && <p class="alert-title">{title}</p>}
        {children}
      </div>
    </div>
  );
}

/** Shows the translated text of a thrown error. */
export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useApp();
  if (!error) return null;
  return <Alert kind="error">{errorText(t, error)}</Alert>;
}

export function Card({
  title,
  description,
  children,
  actions,
  id,
  class: cls,
  icon,
}: {
  title?: ComponentChildren;
  description?: ComponentChildren;
  children?: ComponentChildren;
  actions?: ComponentChildren;
  id?: string;
  class?: string;
  icon?: ComponentChildren;
}) {
  const hid = id ? `${id}-title` : undefined;
  return (
    <section class={cx("card", cls)} id={id} aria-labelledby={hid}>
      {(title || actions) && (
        <header class="card-header">
          <div class="card-heading">
            {icon && <span class="card-icon">{icon}</span>}
            <div>
              {title && (
                <h2 class="card-title" id={hid}>
                  {title}
                </h2>
              )}
              {description && <p class="card-desc">{description}</p>}
            </div>
          </div>
          {actions && <div class="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Badge({ tone = "neutral", children }: { tone?: "neutral" | "accent" | "success" | "warning" | "danger"; children: ComponentChildren }) {
  return <span class={cx("badge", `badge-${tone}`)}>{children}</span>;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const first = parts[0]?.[0] ?? "?";
  const second = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? "") : "";
  return (first + second).toUpperCase();
}

const HEX = /^#[0-9a-fA-F]{6}$/;

export function Avatar({ name, color, size = "md" }: { name: string; color: string | null | undefined; size?: "sm" | "md" | "lg" }) {
  const bg = color && HEX.test(color) ? color : PALETTE[0];
  return (
    <span class={cx("avatar", `avatar-${size}`)} style={{ backgroundColor: bg, color: inkOn(bg) }} aria-hidden="true">
      {initials(name)}
    </span>
  );
}

export function Spinner({ label }: { label?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label && <span>{label}</span>}
    </div>
  );
}

export function Loading() {
  const { t } = useApp();
  return <Spinner label={t("app.loading")} />;
}

/** A read-only value (token, link) with a copy button. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const { t } = useApp();
  const id = `c${useId()}`;
  const ref = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    const el = ref.current;
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      if (el) {
        el.select();
        document.execCommand?.("copy");
      }
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <div class="field">
      <label for={id} class="field-label">
        {label}
      </label>
      <div class="copy-field">
        <input id={id} ref={ref} class="input mono" readOnly value={value} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
        <Button variant="secondary" onClick={copy} aria-live="polite">
          {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
          {copied ? t("common.copied") : t("common.copy")}
        </Button>
      </div>
    </div>
  );
}

export function PageHeader({
  title,
  subtitle,
  icon,
  children,
}: {
  title: ComponentChildren;
  subtitle?: ComponentChildren;
  icon?: ComponentChildren;
  children?: ComponentChildren;
}) {
  return (
    <header class="page-header">
      {icon && <span class="page-icon">{icon}</span>}
      <div class="page-heading">
        <h1>{title}</h1>
        {subtitle && <p class="page-subtitle">{subtitle}</p>}
      </div>
      {children && <div class="page-actions">{children}</div>}
    </header>
  );
}

export function EmptyState({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** Runs an async loader; gives data, error, loading and reload. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => alive && setState({ data, error: null, loading: false }),
      (error) => alive && setState({ data: null, error, loading: false }),
    );
    return () => {
      alive = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload, setData: (data: T) => setState({ data, error: null, loading: false }) };
}

interface ConfirmOptions {
  title: string;
  body?: string;
  confirmLabel: string;
  danger?: boolean;
}

/** A modal confirmation built on <dialog>: `const [dialog, confirm] = useConfirm(); if (await confirm({...}))`. */
export function useConfirm(): [JSX.Element | null, (opts: ConfirmOptions) => Promise<boolean>] {
  const [pending, setPending] = useState<(ConfirmOptions & { resolve: (ok: boolean) => void }) | null>(null);
  const confirm = useCallback((opts: ConfirmOptions) => new Promise<boolean>((resolve) => setPending({ ...opts, resolve })), []);
  const done = (ok: boolean) => {
    pending?.resolve(ok);
    setPending(null);
  };
  const el = pending ? <ConfirmDialog {...pending} onDone={done} /> : null;
  return [el, confirm];
}

function ConfirmDialog({ title, body, confirmLabel, danger, onDone }: ConfirmOptions & { onDone: (ok: boolean) => void }) {
  const { t } = useApp();
  const ref = useRef<HTMLDialogElement>(null);
  const tid = `d${useId()}`;
  useEffect(() => {
    const d = ref.current;
    // Closing gives the focus back to what opened the dialog (keyboard and screen-reader users).
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    return () => closeAndRefocus(d, opener);
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={tid}
      onCancel={(e) => {
        e.preventDefault();
        onDone(false);
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          onDone(true);
        }}
      >
        <h2 id={tid} class="dialog-title">
          {title}
        </h2>
        {body && <p class="dialog-body">{body}</p>}
        <div class="dialog-actions">
          {/* Destructive actions start with the focus on Cancel. */}
          <Button variant="secondary" onClick={() => onDone(false)} autoFocus={danger}>
            {t("common.cancel")}
          </Button>
          <Button type="submit" variant={danger ? "danger" : "primary"} autoFocus={!danger}>
            {confirmLabel}
          </Button>
        </div>
      </form>
    </dialog>
  );
}
