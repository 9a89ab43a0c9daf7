// Self-test of lib/oidc-provider.mjs: node --test tests/browser/lib/oidc-provider.selftest.mjs
// Drives the provider the way a relying party and a person without JavaScript would: plain fetch,
// manual redirects and cookies, the HTML login form, the token endpoint, the published JWKS.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { startProvider } from "./oidc-provider.mjs";

const CLIENT_ID = "nichoir";
const CLIENT_SECRET = "s3cret+/=:with odd chars";
const REDIRECT_URI = "http://127.0.0.1:9/api/v1/auth/oidc/test/callback";
const POST_LOGOUT_URI = "http://127.0.0.1:9/signed-out";
const b64url = (buf) => Buffer.from(buf).toString("base64url");

/** A small cookie jar: name, value and path, as a browser or reqwest's store would keep them. */
class Jar {
  cookies = new Map();
  store(url, res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = new URL(url).pathname.replace(/\/[^/]*$/, "") || "/";
      let expired = false;
      for (const attr of attrs) {
        const [k, v = ""] = attr.split("=");
        if (k.toLowerCase() === "path") path = v || "/";
        if (k.toLowerCase() === "expires" && Date.parse(v) <= Date.now()) expired = true;
        if (k.toLowerCase() === "max-age" && Number(v) <= 0) expired = true;
        if (k.toLowerCase() === "secure") throw new Error(`cookie ${name} is Secure on plain http`);
      }
      const key = `${name};${path}`;
      if (expired || value === "") this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }
  header(url) {
    const { pathname } = new URL(url);
    return [...this.cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }
}

async function request(jar, url, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  const res = await fetch(url, { ...init, headers, redirect: "manual" });
  jar.store(url, res);
  return res;
}

const formAction = (html, base) => {
  const m = /<form[^>]*action="([^"]+)"/.exec(html);
  return m && new URL(m[1].replace(/&amp;/g, "&"), base).href;
};

/**
 * Starts an authorization-code + PKCE flow and follows redirects until the login form, a redirect to
 * the client, or another page. Returns { res, url, html?, callback? } and the flow's secrets.
 */
async function authorize(op, jar, { nonce = b64url(randomBytes(16)), pkce = true, scope = "openid profile email groups" } = {}) {
  const verifier = b64url(randomBytes(32));
  const state = b64url(randomBytes(16));
  const auth = new URL(op.disco.authorization_endpoint);
  auth.search = new URLSearchParams({
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    nonce,
    ...(pkce ? { code_challenge: b64url(createHash("sha256").update(verifier).digest()), code_challenge_method: "S256" } : {}),
  });
  const steps = [];
  const out = await follow(jar, auth.href, {}, steps);
  return { ...out, verifier, state, nonce, steps };
}

/** Requests `url` and follows redirects (GET) until a non-redirect or a redirect to REDIRECT_URI. */
async function follow(jar, url, init, steps = []) {
  let res = await request(jar, url, init);
  steps.push(`${init.method ?? "GET"} ${url} -> ${res.status}`);
  for (let hops = 0; res.status >= 300 && res.status < 400; hops++) {
    assert.ok(hops < 10, "too many redirects");
    const next = new URL(res.headers.get("location"), url).href;
    if (next.startsWith(REDIRECT_URI) || next.startsWith(POST_LOGOUT_URI)) return { res, url, callback: new URL(next) };
    url = next;
    res = await request(jar, url);
    steps.push(`GET ${url} -> ${res.status}`);
  }
  return { res, url, html: await res.text() };
}

async function login(jar, page, login, password) {
  assert.ok([200, 401].includes(page.res.status), `expected the login form, got ${page.res.status} at ${page.url}: ${page.html}`);
  const action = formAction(page.html, page.url);
  assert.match(action, /\/interaction\/[^/]+\/login$/);
  assert.match(page.html, /name="login"/);
  assert.match(page.html, /name="password"/);
  assert.match(page.html, /<button type="submit">Sign in<\/button>/);
  return follow(jar, action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ login, password }).toString(),
  }, page.steps);
}

async function exchange(op, code, verifier, { auth = "basic" } = {}) {
  const body = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  const headers = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  if (auth === "basic") {
    // RFC 6749 2.3.1: client id and secret are form-urlencoded, then base64'd.
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, "+");
    headers.authorization = `Basic ${Buffer.from(`${enc(CLIENT_ID)}:${enc(CLIENT_SECRET)}`).toString("base64")}`;
  } else {
    body.set("client_id", CLIENT_ID);
    body.set("client_secret", CLIENT_SECRET);
  }
  const res = await fetch(op.disco.token_endpoint, { method: "POST", headers, body: body.toString() });
  return { status: res.status, json: await res.json() };
}

async function fullLogin(op, who = ["ada", "ada-password"], opts = {}) {
  const jar = new Jar();
  const page = await authorize(op, jar, opts);
  const done = await login(jar, page, ...who);
  assert.ok(done.callback, `no redirect to the client; steps: ${page.steps.join(" | ")}; last page: ${done.html}`);
  assert.equal(done.callback.searchParams.get("state"), page.state);
  assert.equal(done.callback.searchParams.get("iss"), op.issuer);
  const code = done.callback.searchParams.get("code");
  assert.ok(code, `no code in ${done.callback}`);
  return { jar, page, code };
}

async function launch(options = {}) {
  const op = await startProvider({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI],
    ...options,
  });
  op.disco = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json();
  op.jwks = await (await fetch(op.disco.jwks_uri)).json();
  return op;
}

describe("oidc-provider (normal)", () => {
  let op;
  before(async () => {
    op = await launch();
  });
  after(() => op?.close());

  test("discovery", () => {
    assert.match(op.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(op.disco.issuer, op.issuer);
    assert.deepEqual(op.disco.code_challenge_methods_supported, ["S256"]);
    for (const s of ["openid", "profile", "email", "groups"]) assert.ok(op.disco.scopes_supported.includes(s), s);
    assert.ok(op.disco.token_endpoint_auth_methods_supported.includes("client_secret_basic"));
    assert.ok(op.disco.end_session_endpoint);
    assert.equal(op.jwks.keys.length, 1);
    assert.equal(op.jwks.keys[0].d, undefined, "the JWKS must not publish private parts");
  });

  test("authorization code + PKCE, basic client auth, ID token claims, userinfo, SSO, logout", async () => {
    const { jar, page, code } = await fullLogin(op);
    const { status, json } = await exchange(op, code, page.verifier);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.token_type, "Bearer");
    const header = decodeProtectedHeader(json.id_token);
    assert.equal(header.alg, "RS256");
    assert.equal(header.kid, op.jwks.keys[0].kid);
    const { payload } = await jwtVerify(json.id_token, createLocalJWKSet(op.jwks), { issuer: op.issuer, audience: CLIENT_ID });
    assert.equal(payload.sub, "u-ada");
    assert.equal(payload.nonce, page.nonce);
    assert.equal(payload.preferred_username, "ada");
    assert.equal(payload.name, "Ada Lovelace");
    assert.equal(payload.email, "ada@example.test");
    assert.equal(payload.email_verified, true);
    assert.deepEqual(payload.groups, ["nichoir-admins"]);

    const me = await fetch(op.disco.userinfo_endpoint, { headers: { authorization: `Bearer ${json.access_token}` } });
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), {
      sub: "u-ada", name: "Ada Lovelace", preferred_username: "ada", email: "ada@example.test", email_verified: true, groups: ["nichoir-admins"],
    });

    // A code is good once.
    assert.equal((await exchange(op, code, page.verifier)).status, 400);

    // Same cookies: the provider session signs in again with no form.
    const again = await authorize(op, jar);
    assert.ok(again.callback?.searchParams.get("code"), `expected SSO; steps: ${again.steps.join(" | ")}`);
    assert.equal(again.callback.searchParams.get("state"), again.state);

    // RP-initiated logout: client_id + post_logout_redirect_uri (+ state), then confirm the form.
    const end = new URL(op.disco.end_session_endpoint);
    end.search = new URLSearchParams({ client_id: CLIENT_ID, post_logout_redirect_uri: POST_LOGOUT_URI, state: "bye" });
    const logoutPage = await follow(jar, end.href, {});
    assert.equal(logoutPage.res.status, 200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(logoutPage.html)?.[1];
    assert.ok(xsrf, logoutPage.html);
    assert.match(logoutPage.html, /name="logout" value="yes"/);
    const out = await follow(jar, formAction(logoutPage.html, logoutPage.url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ xsrf, logout: "yes" }).toString(),
    });
    assert.equal(out.callback?.href, `${POST_LOGOUT_URI}?state=bye`);

    // Signed out: the form again.
    const fresh = await authorize(op, jar);
    assert.match(fresh.html ?? "", /name="password"/);
  });

  test("client_secret_post, and the other account with fewer scopes", async () => {
    const { page, code } = await fullLogin(op, ["grace", "grace-password"], { scope: "openid email" });
    const { status, json } = await exchange(op, code, page.verifier, { auth: "post" });
    assert.equal(status, 200, JSON.stringify(json));
    const claims = decodeJwt(json.id_token);
    assert.equal(claims.sub, "u-grace");
    assert.equal(claims.email, "grace@example.test");
    assert.equal(claims.preferred_username, undefined, "profile was not asked for");
    assert.equal(claims.groups, undefined, "groups was not asked for");
  });

  test("signed in already, more scopes: consent is granted with no page", async () => {
    const { jar } = await fullLogin(op, ["grace", "grace-password"], { scope: "openid" });
    const more = await authorize(op, jar, { scope: "openid profile groups" });
    assert.match(more.steps.join(" | "), /GET http:\/\/127\.0\.0\.1:\d+\/interaction\/[^/ ]+ -> 303/, "the consent prompt went by");
    const code = more.callback?.searchParams.get("code");
    assert.ok(code, more.steps.join(" | "));
    const { json } = await exchange(op, code, more.verifier);
    const claims = decodeJwt(json.id_token);
    assert.equal(claims.preferred_username, "grace");
    assert.deepEqual(claims.groups, []);
  });

  test("a login by email works too", async () => {
    const { page, code } = await fullLogin(op, ["grace@example.test", "grace-password"]);
    const { json } = await exchange(op, code, page.verifier);
    assert.deepEqual(decodeJwt(json.id_token).groups, []);
  });

  test("a wrong password shows the form again, without a code", async () => {
    const jar = new Jar();
    const page = await authorize(op, jar);
    const wrong = await login(jar, page, "ada", "not-her-password");
    assert.equal(wrong.callback, undefined);
    assert.equal(wrong.res.status, 401);
    assert.match(wrong.html, /Invalid login or password/);
    assert.match(wrong.html, /name="password"/);
    // ... and the right one still works on that form.
    const right = await login(jar, { ...wrong, steps: [] }, "ada", "ada-password");
    assert.ok(right.callback?.searchParams.get("code"));
    const otherJar = new Jar();
    const unknown = await login(otherJar, await authorize(op, otherJar), "nobody", "x");
    assert.equal(unknown.res.status, 401);
    assert.match(unknown.html, /Invalid login or password/);
  });

  test("PKCE is required and checked", async () => {
    const jar = new Jar();
    const noPkce = await authorize(op, jar, { pkce: false });
    assert.equal(noPkce.callback?.searchParams.get("error"), "invalid_request", noPkce.steps.join(" | "));
    const { page, code } = await fullLogin(op);
    const bad = await exchange(op, code, `${page.verifier}x`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, "invalid_grant");
  });

  test("wrong client secret is refused", async () => {
    const { page, code } = await fullLogin(op);
    const body = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: page.verifier });
    const res = await fetch(op.disco.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${CLIENT_ID}:nope`).toString("base64")}` },
      body: body.toString(),
    });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, "invalid_client");
  });
});

describe("oidc-provider --publish-wrong-keys", () => {
  let op;
  before(async () => {
    op = await launch({ publishWrongKeys: true });
  });
  after(() => op?.close());

  test("the ID token does not verify with the published JWKS (same kid, other key)", async () => {
    const { page, code } = await fullLogin(op);
    const { status, json } = await exchange(op, code, page.verifier);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(decodeProtectedHeader(json.id_token).kid, op.jwks.keys[0].kid);
    assert.equal(op.jwks.keys.length, 1);
    assert.equal(op.jwks.keys[0].d, undefined);
    await assert.rejects(
      jwtVerify(json.id_token, createLocalJWKSet(op.jwks), { issuer: op.issuer, audience: CLIENT_ID }),
      (err) => err.code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    );
    assert.equal(decodeJwt(json.id_token).nonce, page.nonce);
  });
});

describe("oidc-provider --rewrite-nonce", () => {
  let op;
  before(async () => {
    op = await launch({ rewriteNonce: true });
  });
  after(() => op?.close());

  test("the ID token carries another nonce, and verifies otherwise", async () => {
    const { page, code } = await fullLogin(op);
    const { status, json } = await exchange(op, code, page.verifier);
    assert.equal(status, 200, JSON.stringify(json));
    const { payload } = await jwtVerify(json.id_token, createLocalJWKSet(op.jwks), { issuer: op.issuer, audience: CLIENT_ID });
    assert.ok(payload.nonce);
    assert.notEqual(payload.nonce, page.nonce);
  });
});

describe("oidc-provider as a program", () => {
  test("prints one JSON line, serves, and exits 0 on SIGTERM", async () => {
    const program = fileURLToPath(new URL("./oidc-provider.mjs", import.meta.url));
    const accounts = JSON.stringify([{ sub: "u-x", password: "pw", preferred_username: "x", email: "x@example.test", email_verified: false, groups: ["g1", "g2"] }]);
    const child = spawn(process.execPath, [
      program, "--port", "0", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
      "--redirect-uri", `http://127.0.0.1:9/other,${REDIRECT_URI}`, "--post-logout-redirect-uri", POST_LOGOUT_URI,
      "--accounts", accounts,
    ], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    const exited = once(child, "exit");
    // Whatever fails below, the child must not outlive the test: its pipes would keep this file's
    // process alive until the runner's timeout, and the whole file would be reported cancelled.
    let line;
    try {
      const deadline = Date.now() + 15_000;
      while (!stdout.includes("\n") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      line = stdout.split("\n")[0];
      assert.ok(line, `no JSON line within 15 s; stderr: ${stderr}`);
      const info = JSON.parse(line);
      assert.deepEqual(Object.keys(info), ["issuer", "port"]);
      assert.equal(info.issuer, `http://127.0.0.1:${info.port}`);
      assert.equal(line, JSON.stringify(info));
      const op = { issuer: info.issuer, disco: await (await fetch(`${info.issuer}/.well-known/openid-configuration`)).json() };
      const { page, code } = await fullLogin(op, ["x", "pw"]);
      const { json } = await exchange(op, code, page.verifier);
      const claims = decodeJwt(json.id_token);
      assert.equal(claims.sub, "u-x");
      assert.deepEqual(claims.groups, ["g1", "g2"]);
      assert.equal(claims.email_verified, false);
      assert.equal(claims.nonce, page.nonce);
    } finally {
      child.kill("SIGTERM");
    }
    const [codeOut, signal] = await exited;
    assert.equal(signal, null, stderr);
    assert.equal(codeOut, 0, stderr);
    assert.equal(stdout, `${line}\n`, "stdout carries only the JSON line");
  });

  test("a bad option fails fast with a message on stderr", async () => {
    const program = fileURLToPath(new URL("./oidc-provider.mjs", import.meta.url));
    const child = spawn(process.execPath, [program, "--no-such-option"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d) => { stderr += d; });
    child.stdout.on("data", (d) => { stdout += d; });
    const [codeOut] = await once(child, "exit");
    assert.equal(codeOut, 1);
    assert.equal(stdout, "");
    assert.match(stderr, /no-such-option/);
  });
});
