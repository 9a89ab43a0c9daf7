// The HTTP client: JSON in and out, the CSRF token on unsafe methods, typed errors.
// See docs/http-api.md for the contract.
import type { Translate } from "./i18n/index.ts";
import { isMessageKey } from "./i18n/index.ts";

export const KNOWN_ERROR_CODES = [
  "invalid_credentials",
  "rate_limited",
  "registration_closed",
  "invite_required",
  "username_taken",
  "validation_failed",
  "csrf_failed",
  "unauthenticated",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "quota_exceeded",
  "internal",
  "bad_request",
  "invalid_json",
  "origin_rejected",
  "password_required",
  "session_ended",
  "account_disabled",
  "sso_failed",
  "directory_unavailable",
  "reauthentication_required",
] as const;

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfter: number | null;
  /** The whole parsed error body, for answers that carry more than `error` (e.g. a wiki edit conflict). */
  readonly body: unknown;
  constructor(code: string, message: string, status: number, retryAfter: number | null = null, body: unknown = undefined) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
    this.body = body;
  }
}

/** The message to show for any thrown value: the translated code, else the server's text. */
export function errorText(t: Translate, err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === "rate_limited" && err.retryAfter !== null && err.retryAfter > 0) {
      return t("error.rate_limited_after", { seconds: err.retryAfter });
    }
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

/** Parses an error body `{"error":{"code","message"}}` (anything else becomes a generic error). */
export function parseError(status: number, body: unknown, retryAfterHeader: string | null): ApiError {
  let code = status >= 500 ? "internal" : "bad_request";
  let message = "";
  if (body && typeof body === "object" && "error" in body) {
    const e = (body as { error: unknown }).error;
    if (e && typeof e === "object") {
      const c = (e as { code?: unknown }).code;
      const m = (e as { message?: unknown }).message;
      if (typeof c === "string" && c) code = c;
      if (typeof m === "string") message = m;
    }
  } else if (status === 401) code = "unauthenticated";
  else if (status === 403) code = "forbidden";
  else if (status === 404) code = "not_found";
  else if (status === 413) code = "payload_too_large";
  else if (status === 429) code = "rate_limited";
  const ra = retryAfterHeader ? Number.parseInt(retryAfterHeader, 10) : Number.NaN;
  return new ApiError(code, message || code, status, Number.isFinite(ra) ? ra : null, body);
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
