// The HTTP client: JSON in and out, the CSRF token on unsafe methods, typed errors.
// See docs/http-api.md for the contract.
import type { MessageKey, Translate } from "./i18n/index.ts";
import { isMessageKey } from "./i18n/index.ts";
import type { ErrorCode } from "./generated/core/ErrorCode.ts";
import type { Field } from "./generated/core/Field.ts";
import type { Invalid } from "./generated/core/Invalid.ts";
import type { Rule } from "./generated/core/Rule.ts";

/**
 * Every error code the UI can meet: the server's (`ErrorCode`, generated from the Rust enum)
 * and the two the UI names itself. A record, so that a code the server gains fails the type
 * check until it is listed here, and the unit test then asks for its sentence in `error.*`.
 */
const ERROR_CODES: Record<ErrorCode | "session_ended" | "account_disabled", true> = {
  bad_request: true,
  invalid_json: true,
  unauthenticated: true,
  invalid_credentials: true,
  forbidden: true,
  csrf_failed: true,
  two_factor_required: true,
  origin_rejected: true,
  registration_closed: true,
  invite_required: true,
  password_required: true,
  not_found: true,
  method_not_allowed: true,
  conflict: true,
  username_taken: true,
  too_many_favourites: true,
  payload_too_large: true,
  quota_exceeded: true,
  headers_too_large: true,
  unsupported_media_type: true,
  validation_failed: true,
  rate_limited: true,
  unavailable: true,
  sso_failed: true,
  directory_unavailable: true,
  reauthentication_required: true,
  pad_deleted: true,
  rev_from_future: true,
  invalid_op: true,
  op_too_large: true,
  pad_too_large: true,
  media_failed: true,
  internal: true,
  session_ended: true,
  account_disabled: true,
};
export const KNOWN_ERROR_CODES = Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[];

/**
 * The sentence of each validation rule, in the page's language. A record keyed by the generated
 * union, so that a rule the server gains fails the type check until it is worded here (and the
 * dictionaries, typed `Messages`, then need it in both languages).
 */
const RULE_TEXT: { [K in Rule["kind"]]: (t: Translate, field: string, rule: Extract<Rule, { kind: K }>) => string } = {
  required: (t, field) => t("invalid.rule.required", { field }),
  too_long: (t, field, r) => t("invalid.rule.too_long", { field, max: r.max }),
  too_short: (t, field, r) => t("invalid.rule.too_short", { field, min: r.min }),
  length: (t, field, r) => t("invalid.rule.length", { field, min: r.min, max: r.max }),
  too_many: (t, field, r) => t("invalid.rule.too_many", { field, max: r.max }),
  too_few: (t, field, r) => t("invalid.rule.too_few", { field, min: r.min }),
  out_of_range: (t, field, r) => t("invalid.rule.out_of_range", { field, min: r.min, max: r.max }),
  bad_format: (t, field, r) => (r.example ? t("invalid.rule.bad_format_example", { field, example: r.example }) : t("invalid.rule.bad_format", { field })),
  not_one_of: (t, field, r) => t("invalid.rule.not_one_of", { field, allowed: r.allowed.join(", ") }),
  control_characters: (t, field) => t("invalid.rule.control_characters", { field }),
  forbidden_character: (t, field, r) => t("invalid.rule.forbidden_character", { field, character: r.character }),
  bad_edge: (t, field, r) => t("invalid.rule.bad_edge", { field, character: r.character }),
  duplicate: (t, field) => t("invalid.rule.duplicate", { field }),
  reserved: (t, field) => t("invalid.rule.reserved", { field }),
  unknown: (t, field) => t("invalid.rule.unknown", { field }),
  not_in_future: (t, field) => t("invalid.rule.not_in_future", { field }),
  ends_before_start: (t, field) => t("invalid.rule.ends_before_start", { field }),
  not_allowed: (t, field) => t("invalid.rule.not_allowed", { field }),
  too_old: (t, field) => t("invalid.rule.too_old", { field }),
  too_deep: (t, field, r) => t("invalid.rule.too_deep", { field, max: r.max }),
};

/** The dictionary key of each field's name: `tsc` fails when a field has none in `en.ts`. */
type FieldKey = `invalid.field.${Field}`;
const FIELD_KEYS_EXIST: FieldKey extends MessageKey ? true : never = true;
void FIELD_KEYS_EXIST;

/** Every rule the UI can word (for the unit test and for checking what the server sent). */
export const KNOWN_RULES = Object.keys(RULE_TEXT) as Rule["kind"][];

function isInvalid(v: unknown): v is Invalid {
  if (!v || typeof v !== "object") return false;
  const { field, rule, index } = v as { field?: unknown; rule?: unknown; index?: unknown };
  if (typeof field !== "string" || !isMessageKey(`invalid.field.${field}`)) return false;
  if (index !== undefined && typeof index !== "number") return false;
  if (!rule || typeof rule !== "object") return false;
  const kind = (rule as { kind?: unknown }).kind;
  return typeof kind === "string" && Object.prototype.hasOwnProperty.call(RULE_TEXT, kind);
}

/** A validation failure in the page's language: "Titre : 200 caractères au maximum." */
export function invalidText(t: Translate, invalid: Invalid): string {
  const params = invalid.index === undefined ? undefined : { index: invalid.index };
  // A list's item named alone ("Option 3"), where the list's name would say less.
  const itemKey = `invalid.field.${invalid.field}.item`;
  const field = invalid.index !== undefined && isMessageKey(itemKey) ? t(itemKey, params) : t(`invalid.field.${invalid.field}`, params);
  const word = RULE_TEXT[invalid.rule.kind] as (t: Translate, field: string, rule: Rule) => string;
  return word(t, field, invalid.rule);
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfter: number | null;
  /** The whole parsed error body, for answers that carry more than `error` (e.g. a wiki edit conflict). */
  readonly body: unknown;
  /** Which field broke which rule, when the server said so in words the UI knows. */
  readonly invalid: Invalid | null;
  constructor(code: string, message: string, status: number, retryAfter: number | null = null, body: unknown = undefined, invalid: Invalid | null = null) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
    this.body = body;
    this.invalid = invalid;
  }
}

/** The message to show for any thrown value: the translated code, else the server's text. */
export function errorText(t: Translate, err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === "rate_limited" && err.retryAfter !== null && err.retryAfter > 0) {
      return t("error.rate_limited_after", { seconds: err.retryAfter });
    }
    // The server's message is English: a field and rule the UI knows are worded in its language.
    if (err.invalid) return invalidText(t, err.invalid);
    const key = `error.${err.code}`;
    if (isMessageKey(key)) {
      const base = t(key);
      // Validation messages carry the detail (which field, which rule): keep it visible.
      if (err.code === "validation_failed" && err.message && err.message !== err.code) {
        return `${base} ${err.message}`;
      }
      return base;
    }
    return err.message || t("error.internal");
  }
  if (err instanceof Error && err.message) return err.message;
  return t("error.internal");
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface ApiClientOptions {
  fetch?: typeof fetch;
  base?: string;
}

/** Parses an error body `{"error":{"code","message","invalid"?}}` (anything else becomes a generic error). */
export function parseError(status: number, body: unknown, retryAfterHeader: string | null): ApiError {
  let code = status >= 500 ? "internal" : "bad_request";
  let message = "";
  let invalid: Invalid | null = null;
  if (body && typeof body === "object" && "error" in body) {
    const e = (body as { error: unknown }).error;
    if (e && typeof e === "object") {
      const c = (e as { code?: unknown }).code;
      const m = (e as { message?: unknown }).message;
      const i = (e as { invalid?: unknown }).invalid;
      if (typeof c === "string" && c) code = c;
      if (typeof m === "string") message = m;
      if (isInvalid(i)) invalid = i;
    }
  } else if (status === 401) code = "unauthenticated";
  else if (status === 403) code = "forbidden";
  else if (status === 404) code = "not_found";
  else if (status === 413) code = "payload_too_large";
  else if (status === 429) code = "rate_limited";
  const ra = retryAfterHeader ? Number.parseInt(retryAfterHeader, 10) : Number.NaN;
  return new ApiError(code, message || code, status, Number.isFinite(ra) ? ra : null, body, invalid);
}

export class ApiClient {
  private csrf: string | null = null;
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;
  /** Called when a request answers 401 unauthenticated (the session ended). */
  onUnauthenticated: (() => void) | null = null;

  constructor(opts: ApiClientOptions = {}) {
    this.fetchImpl = opts.fetch ?? ((...a) => globalThis.fetch(...a));
    this.base = opts.base ?? "";
  }

  get csrfToken(): string | null {
    return this.csrf;
  }

  setCsrfToken(token: string | null): void {
    this.csrf = token;
  }

  /** Keeps the csrf_token of a Session answer (login, register, setup, me). */
  private remember(data: unknown): void {
    if (data && typeof data === "object" && "csrf_token" in data) {
      const tok = (data as { csrf_token: unknown }).csrf_token;
      if (typeof tok === "string") this.csrf = tok;
    }
  }

  /**
   * One request. A JSON-able `body` is sent as JSON; a Blob (an uploaded file) is sent as the raw
   * body with its own type as Content-Type.
   */
  async request<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
    const m = method.toUpperCase();
    const headers: Record<string, string> = { Accept: "application/json" };
    const raw = typeof Blob !== "undefined" && body instanceof Blob;
    if (raw) headers["Content-Type"] = (body as Blob).type || "application/octet-stream";
    else if (body !== undefined) headers["Content-Type"] = "application/json";
    if (UNSAFE.has(m) && this.csrf) headers["X-CSRF-Token"] = this.csrf;
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, {
        method: m,
        headers,
        body: body === undefined ? undefined : raw ? (body as Blob) : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch (e) {
      throw new ApiError("network", e instanceof Error ? e.message : String(e), 0);
    }
    const text = res.status === 204 ? "" : await res.text();
    let data: unknown = undefined;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) {
      const err = parseError(res.status, data, res.headers.get("Retry-After"));
      // A stale CSRF token (e.g. after logging in from another tab): refresh it once and retry.
      if (err.code === "csrf_failed" && !retried && path !== "/api/v1/me") {
        try {
          await this.request("GET", "/api/v1/me");
          return await this.request<T>(method, path, body, true);
        } catch {
          throw err;
        }
      }
      if (err.code === "unauthenticated" && this.onUnauthenticated) this.onUnauthenticated();
      throw err;
    }
    this.remember(data);
    return data as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body ?? {});
  }
  /** POST of a file as the raw body (its type as Content-Type), with the CSRF token. */
  postBlob<T>(path: string, blob: Blob): Promise<T> {
    return this.request<T>("POST", path, blob);
  }
  put<T = void>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("PUT", path, body ?? {});
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }
  del<T = void>(path: string): Promise<T> {
    return this.request<T>("DELETE", path);
  }
}

export const api = new ApiClient();
