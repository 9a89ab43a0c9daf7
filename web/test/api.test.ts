import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiClient, ApiError, KNOWN_ERROR_CODES, KNOWN_RULES, errorText, invalidText, parseError } from "../src/api.ts";
import type { Rule } from "../src/generated/core/Rule.ts";
import { isMessageKey, translator } from "../src/i18n/index.ts";

type Call = { url: string; init: RequestInit };

function fakeFetch(responses: Response[]) {
  const calls: Call[] = [];
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const r = responses.shift();
    if (!r) throw new Error("no more responses");
    return r;
  }) as unknown as typeof fetch;
  return { calls, impl };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

test("every known error code has a translation", () => {
  for (const code of KNOWN_ERROR_CODES) assert.ok(isMessageKey(`error.${code}`), code);
});

test("keeps the csrf token from a session answer and sends it on unsafe methods only", async () => {
  const { calls, impl } = fakeFetch([json(200, { user: { id: "u_1" }, csrf_token: "tok123" }), json(200, [{ id: "s1" }]), new Response(null, { status: 204 })]);
  const api = new ApiClient({ fetch: impl });
  await api.post("/api/v1/auth/login", { username: "a", password: "b" });
  assert.equal(api.csrfToken, "tok123");
  const login = calls[0]!;
  assert.equal((login.init.headers as Record<string, string>)["Content-Type"], "application/json");
  assert.equal(login.init.body, JSON.stringify({ username: "a", password: "b" }));
  await api.get("/api/v1/me/sessions");
  assert.equal((calls[1]!.init.headers as Record<string, string>)["X-CSRF-Token"], undefined);
  const res = await api.del("/api/v1/me/sessions/s1");
  assert.equal(res, undefined);
  assert.equal((calls[2]!.init.headers as Record<string, string>)["X-CSRF-Token"], "tok123");
  assert.equal(calls[2]!.init.method, "DELETE");
});

test("turns error bodies into typed errors", async () => {
  const { impl } = fakeFetch([json(401, { error: { code: "invalid_credentials", message: "bad" } })]);
  const api = new ApiClient({ fetch: impl });
  await assert.rejects(api.post("/api/v1/auth/login", {}), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, "invalid_credentials");
    assert.equal(e.status, 401);
    assert.equal(e.message, "bad");
    return true;
  });
});

test("rate limit keeps Retry-After; non-JSON errors get a code from the status", () => {
  const e = parseError(429, { error: { code: "rate_limited", message: "slow down" } }, "12");
  assert.equal(e.retryAfter, 12);
  assert.equal(errorText(translator("en"), e), "Too many attempts. Try again in 12 s.");
  assert.equal(parseError(404, undefined, null).code, "not_found");
  assert.equal(parseError(502, undefined, null).code, "internal");
});

test("errorText translates known codes and falls back to the server message", () => {
  const t = translator("fr");
  assert.equal(errorText(t, new ApiError("username_taken", "taken", 409)), "Cet identifiant est déjà pris.");
  assert.equal(errorText(t, new ApiError("weird_new_code", "Something odd", 400)), "Something odd");
  assert.match(errorText(t, new ApiError("validation_failed", "password too short", 422)), /password too short/);
});

test("a 401 unauthenticated calls the hook; csrf_failed refreshes the token once and retries", async () => {
  const { calls, impl } = fakeFetch([
    json(403, { error: { code: "csrf_failed", message: "csrf" } }),
    json(200, { user: { id: "u_1" }, csrf_token: "fresh" }),
    json(200, { id: "t1" }),
    json(401, { error: { code: "unauthenticated", message: "no" } }),
  ]);
  const api = new ApiClient({ fetch: impl });
  api.setCsrfToken("stale");
  const out = await api.post<{ id: string }>("/api/v1/me/tokens", { name: "x" });
  assert.equal(out.id, "t1");
  assert.equal((calls[2]!.init.headers as Record<string, string>)["X-CSRF-Token"], "fresh");
  let hooked = false;
  api.onUnauthenticated = () => {
    hooked = true;
  };
  await assert.rejects(api.get("/api/v1/me/tokens"));
  assert.ok(hooked);
});

test("network failures become a 'network' error", async () => {
  const impl = (async () => {
    throw new TypeError("Failed to fetch");
  }) as unknown as typeof fetch;
  const api = new ApiClient({ fetch: impl });
  await assert.rejects(api.get("/api/v1/instance"), (e: unknown) => e instanceof ApiError && e.code === "network");
});

test("a validation error with a field and rule is worded in the page's language, not the server's", () => {
  const body = {
    error: {
      code: "validation_failed",
      message: "title: at most 200 characters",
      invalid: { field: "title", rule: { kind: "too_long", max: 200 } },
    },
  };
  const e = parseError(422, body, null);
  assert.deepEqual(e.invalid, { field: "title", rule: { kind: "too_long", max: 200 } });
  const fr = errorText(translator("fr"), e);
  assert.equal(fr, "Titre : 200 caractères au maximum.");
  assert.doesNotMatch(fr, /at most|characters|title/);
  assert.equal(errorText(translator("en"), e), "Title: at most 200 characters.");
  // A list's item is named with its position.
  const item = parseError(
    422,
    { error: { code: "validation_failed", message: "option 3: end must be after start", invalid: { field: "option_end", index: 3, rule: { kind: "ends_before_start" } } } },
    null,
  );
  assert.equal(errorText(translator("fr"), item), "Heure de fin de l'option 3 : la fin doit venir après le début.");
  const dup = parseError(
    422,
    { error: { code: "validation_failed", message: "option 2: the same option is listed twice", invalid: { field: "options", index: 2, rule: { kind: "duplicate" } } } },
    null,
  );
  assert.equal(errorText(translator("en"), dup), "Option 2: listed twice.");
  // Examples and allowed values are the API's tokens, shown as they are.
  const fmt = parseError(422, { error: { code: "validation_failed", message: "x", invalid: { field: "timezone", rule: { kind: "bad_format", example: "Europe/Paris" } } } }, null);
  assert.equal(errorText(translator("fr"), fmt), "Fuseau horaire : ce n'est pas la forme attendue, par exemple Europe/Paris.");
});

test("a field or rule this UI does not know yet falls back to the server's message", () => {
  for (const invalid of [
    { field: "something_new", rule: { kind: "required" } },
    { field: "title", rule: { kind: "something_new" } },
    { field: "title", rule: "required" },
    "title",
  ]) {
    const e = parseError(422, { error: { code: "validation_failed", message: "title: odd", invalid } }, null);
    assert.equal(e.invalid, null);
    assert.equal(errorText(translator("fr"), e), "Certains champs ne sont pas valides. title: odd");
  }
});

test("every rule has a sentence in both languages that fills all its placeholders", () => {
  const samples: Record<string, object> = {
    too_long: { max: 3 },
    too_short: { min: 3 },
    length: { min: 1, max: 3 },
    too_many: { max: 3 },
    too_few: { min: 1 },
    out_of_range: { min: 1, max: 3 },
    bad_format: { example: null },
    not_one_of: { allowed: ["a", "b"] },
    forbidden_character: { character: "/" },
    bad_edge: { character: "-" },
    too_deep: { max: 3 },
  };
  for (const lang of ["en", "fr"] as const) {
    for (const kind of KNOWN_RULES) {
      const rule = { kind, ...(samples[kind] ?? {}) } as Rule;
      const text = invalidText(translator(lang), { field: "option_date", index: 2, rule });
      assert.doesNotMatch(text, /[{}]/, `${lang} ${kind}: ${text}`);
      assert.match(text, /2/, `${lang} ${kind} names the item`);
    }
  }
});
