// A real, OpenID-certified OpenID Connect provider (panva's `oidc-provider`) for Nichoir's tests,
// on 127.0.0.1. As a program it prints ONE line of JSON on stdout once listening,
//   {"issuer":"http://127.0.0.1:PORT","port":PORT}
// and runs until SIGTERM/SIGINT (then it closes and exits 0). Its logs go to stderr.
//
//   node lib/oidc-provider.mjs --port 0 --client-id nichoir --client-secret S \
//     --redirect-uri http://127.0.0.1:8080/api/v1/auth/oidc/test/callback \
//     [--post-logout-redirect-uri URI] [--accounts JSON] [--publish-wrong-keys] [--rewrite-nonce]
//
// As a module: `startProvider({ port, clientId, clientSecret, redirectUris, postLogoutRedirectUris,
// accounts, publishWrongKeys, rewriteNonce })` resolves to { issuer, port, close() }.
//
// The login is a plain HTML form (no JavaScript): the authorization endpoint redirects to
// /interaction/UID, which shows <form method=post action=/interaction/UID/login> with the fields
// `login` (preferred_username, sub or email) and `password`; a good password grants consent for the
// requested scopes at once and redirects back into the provider, which redirects to the client's
// redirect_uri with `code` and `state`.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

// oidc-provider 9 is written for Node 22+ and calls URL.parse (Node >= 22.1), which the Node 20 of
// this project lacks: supply it before the library is loaded (hence the dynamic import below).
if (typeof URL.parse !== "function") {
  URL.parse = function parse(url, base) {
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  };
}

export const DEFAULT_ACCOUNTS = Object.freeze([
  {
    sub: "u-ada",
    password: "ada-password",
    preferred_username: "ada",
    name: "Ada Lovelace",
    email: "ada@example.test",
    email_verified: true,
    groups: ["nichoir-admins"],
  },
  {
    sub: "u-grace",
    password: "grace-password",
    preferred_username: "grace",
    name: "Grace Hopper",
    email: "grace@example.test",
    email_verified: true,
    groups: [],
  },
]);

const CLAIMS = {
  openid: ["sub"],
  profile: ["name", "preferred_username"],
  email: ["email", "email_verified"],
  groups: ["groups"],
};

const escapeHtml = (s) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const page = (title, body) =>
  `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
  `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>\n`;

function loginForm(uid, { message, login } = {}) {
  const action = `/interaction/${encodeURIComponent(uid)}/login`;
  return page(
    "Sign in",
    (message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : "") +
      `<form method="post" action="${action}">` +
      `<label>Login <input type="text" name="login" value="${escapeHtml(login)}" autocomplete="username" autofocus></label>` +
      `<label>Password <input type="password" name="password" autocomplete="current-password"></label>` +
      `<button type="submit">Sign in</button>` +
      `</form>`,
  );
}

/** Splits repeated and/or comma-separated values into one list. */
function list(value) {
  if (value == null) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => String(v).split(","))
    .map((v) => v.trim())
    .filter(Boolean);
}

async function readForm(req, limit = 64 * 1024) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error("request body too large"), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function rsaJwk(kid) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const meta = { kid, alg: "RS256", use: "sig" };
  return {
    privateJwk: { ...privateKey.export({ format: "jwk" }), ...meta },
    publicJwk: { ...publicKey.export({ format: "jwk" }), ...meta },
  };
}

/**
 * Starts the provider on 127.0.0.1.
 * @param {object} [options]
 * @param {number} [options.port=0] 0 = any free port
 * @param {string} [options.clientId="nichoir"]
 * @param {string} [options.clientSecret="nichoir-secret"]
 * @param {string|string[]} options.redirectUris the client's redirect URIs (at least one)
 * @param {string|string[]} [options.postLogoutRedirectUris]
 * @param {object[]|string} [options.accounts] accounts (or their JSON); DEFAULT_ACCOUNTS if absent
 * @param {boolean} [options.publishWrongKeys] the JWKS shows another public key under the signing kid
 * @param {boolean} [options.rewriteNonce] the authorization endpoint replaces the request's nonce
 * @returns {Promise<{issuer: string, port: number, provider: object, close: () => Promise<void>}>}
 */
export async function startProvider(options = {}) {
  const { default: Provider, errors } = await import("oidc-provider");

  const clientId = options.clientId ?? "nichoir";
  const clientSecret = options.clientSecret ?? "nichoir-secret";
  const redirectUris = list(options.redirectUris ?? options.redirectUri);
  if (!redirectUris.length) throw new Error("oidc-provider: at least one redirect URI is needed (--redirect-uri)");
  const postLogoutRedirectUris = list(options.postLogoutRedirectUris ?? options.postLogoutRedirectUri);
  let accounts = options.accounts ?? DEFAULT_ACCOUNTS;
  if (typeof accounts === "string") accounts = JSON.parse(accounts);
  if (!Array.isArray(accounts) || accounts.some((a) => !a || typeof a.sub !== "string" || !a.sub)) {
    throw new Error("oidc-provider: accounts must be an array of objects, each with a non-empty string `sub`");
  }
  const bySub = new Map(accounts.map((a) => [a.sub, a]));
  const byLogin = (login) =>
    accounts.find((a) => a.preferred_username === login) ??
    bySub.get(login) ??
    accounts.find((a) => typeof a.email === "string" && a.email.toLowerCase() === login.toLowerCase());

  // The port must be known before the Provider is built (the issuer carries it), so listen first.
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(Number(options.port ?? 0), "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;

  const kid = `sig-${randomUUID()}`;
  const signing = rsaJwk(kid);
  // Another key pair under the SAME kid: a relying party that looks the key up by kid finds it, and
  // it does not verify the provider's signatures.
  const wrongPublicJwk = options.publishWrongKeys ? rsaJwk(kid).publicJwk : undefined;

  const claimsOf = (account) => {
    const out = { sub: account.sub };
    for (const claim of ["name", "preferred_username", "email", "email_verified", "groups"]) {
      if (account[claim] !== undefined) out[claim] = account[claim];
    }
    return out;
  };

  const configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        ...(postLogoutRedirectUris.length ? { post_logout_redirect_uris: postLogoutRedirectUris } : {}),
        grant_types: ["authorization_code"],
        response_types: ["code"],
        // A client registered for client_secret_basic may also authenticate with client_secret_post
        // (oidc-provider accepts either for a secret-based client).
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "RS256",
      },
    ],
    jwks: { keys: [signing.privateJwk] },
    cookies: {
      // Signed cookies; `secure` is set only when the request came over HTTPS, so plain
      // http://127.0.0.1 works.
      keys: [randomBytes(32).toString("base64url")],
    },
    scopes: ["openid", "profile", "email", "groups"],
    claims: CLAIMS,
    // The ID token itself carries the claims of the granted scopes (not only sub and the like).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ["code"],
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          // `form` is <form id="op.logoutForm" method="post" action=".../session/end/confirm">
          // with a hidden `xsrf`; its submit button sends logout=yes.
          ctx.type = "html";
          ctx.body = page(
            "Sign out",
            form.replace(
              "</form>",
              `<button type="submit" name="logout" value="yes">Sign out</button></form>`,
            ),
          );
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = "html";
          ctx.body = page("Signed out", "<p>You are signed out.</p>");
        },
      },
    },
    async findAccount(_ctx, sub) {
      const account = bySub.get(sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        async claims() {
          return claimsOf(account);
        },
      };
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = page(
        "Error",
        Object.entries(out)
          .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(v)}</p>`)
          .join(""),
      );
    },
    clientBasedCORS: () => false,
    // The library's default lifetimes, given as numbers so that it prints no notice about them.
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
    },
  };

  const provider = new Provider(issuer, configuration);
  const jwksPath = provider.pathFor("jwks");
  const authorizationPath = provider.pathFor("authorization");

  provider.on("server_error", (_ctx, err) => console.error("oidc-provider server_error:", err));

  if (options.rewriteNonce) {
    provider.use(async (ctx, next) => {
      if (ctx.path === authorizationPath && ctx.method === "GET" && ctx.query.nonce !== undefined) {
        ctx.query = { ...ctx.query, nonce: `rewritten-${randomBytes(16).toString("base64url")}` };
      }
      await next();
    });
  }

  if (wrongPublicJwk) {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === jwksPath && ctx.status === 200) {
        ctx.body = { keys: [wrongPublicJwk] };
        ctx.type = "application/jwk-set+json; charset=utf-8";
      }
    });
  }

  // The login page: /interaction/UID (GET) and /interaction/UID/login (POST).
  provider.use(async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(\/login)?\/?$/.exec(ctx.path);
    if (!match) return next();
    const uid = decodeURIComponent(match[1]);
    ctx.set("Cache-Control", "no-store");
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      if (err instanceof errors.SessionNotFound) {
        ctx.status = 400;
        ctx.type = "html";
        ctx.body = page("Error", `<p>${escapeHtml(err.error_description || err.message)}</p>`);
        return;
      }
      throw err;
    }
    if (details.uid !== uid) {
      ctx.status = 400;
      ctx.type = "html";
      ctx.body = page("Error", "<p>This sign-in request is not the current one.</p>");
      return;
    }

    const finish = async (result) => {
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, result);
      ctx.status = 303;
      ctx.set("Location", returnTo);
      ctx.body = "";
    };

    // Grants the client what the request asks for (scopes and, with a claims parameter, claims).
    const grantFor = async (accountId) => {
      const { params, prompt, grantId } = details;
      let grant = grantId ? await provider.Grant.find(grantId) : undefined;
      if (!grant || grant.accountId !== accountId) grant = new provider.Grant({ accountId, clientId: params.client_id });
      grant.addOIDCScope(String(params.scope ?? "openid"));
      const missing = prompt?.details ?? {};
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(" "));
      }
      if (params.claims) {
        try {
          const requested = JSON.parse(params.claims);
          grant.addOIDCClaims([...Object.keys(requested.id_token ?? {}), ...Object.keys(requested.userinfo ?? {})]);
        } catch {
          // an unparsable claims parameter has been refused by the provider already
        }
      }
      return grant.save();
    };

    if (ctx.method === "GET" && !match[2]) {
      if (details.prompt.name === "login") {
        ctx.type = "html";
        ctx.body = loginForm(uid);
        return;
      }
      if (details.prompt.name === "consent") {
        // No consent page: every request of the one client is granted.
        const grantId = await grantFor(details.session.accountId);
        await finish({ consent: { grantId } });
        return;
      }
      await finish({ error: "access_denied", error_description: `unsupported prompt ${details.prompt.name}` });
      return;
    }

    if (ctx.method === "POST" && match[2]) {
      const form = await readForm(ctx.req);
      const login = (form.get("login") ?? "").trim();
      const password = form.get("password") ?? "";
      const account = login ? byLogin(login) : undefined;
      if (!account || typeof account.password !== "string" || account.password !== password) {
        ctx.status = 401;
        ctx.type = "html";
        ctx.body = loginForm(uid, { message: "Invalid login or password", login });
        return;
      }
      const grantId = await grantFor(account.sub);
      await finish({ login: { accountId: account.sub }, consent: { grantId } });
      return;
    }

    ctx.status = 405;
    ctx.set("Allow", match[2] ? "POST" : "GET");
    ctx.body = "";
  });

  server.on("request", provider.callback());

  let closed;
  const close = () => {
    closed ??= new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
    return closed;
  };

  return { issuer, port, provider, close };
}

async function main() {
  // stdout carries exactly one line of JSON: anything the library or a dependency logs goes to stderr.
  for (const level of ["log", "info", "debug", "warn"]) console[level] = console.error.bind(console);

  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      "client-id": { type: "string", default: "nichoir" },
      "client-secret": { type: "string", default: "nichoir-secret" },
      "redirect-uri": { type: "string", multiple: true },
      "post-logout-redirect-uri": { type: "string", multiple: true },
      accounts: { type: "string" },
      "publish-wrong-keys": { type: "boolean", default: false },
      "rewrite-nonce": { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);

  const running = await startProvider({
    port,
    clientId: values["client-id"],
    clientSecret: values["client-secret"],
    redirectUris: values["redirect-uri"],
    postLogoutRedirectUris: values["post-logout-redirect-uri"],
    accounts: values.accounts !== undefined ? JSON.parse(values.accounts) : undefined,
    publishWrongKeys: values["publish-wrong-keys"],
    rewriteNonce: values["rewrite-nonce"],
  });

  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);

  process.stdout.write(`${JSON.stringify({ issuer: running.issuer, port: running.port })}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`oidc-provider: ${err?.stack ?? err}`);
    process.exit(1);
  });
}
