// Single sign-on in the browser, against a real OpenID-certified provider (panva's oidc-provider,
// lib/oidc-provider.mjs): the login page's provider button, the provider's own login form, landing
// signed in, the account page of such an account, logging out at the provider too, and a forged
// answer ending on the login page with its message — in English and in French.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { guardedContext, launchBrowser } from "./lib/browser.mjs";
import { startProvider } from "./lib/oidc-provider.mjs";
import { startServer } from "./lib/server.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const SECRET = "browser test secret";

/** A free loopback port: the server and the provider each name the other before both run. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let server;
let provider;
let browser;
let providerHost;

async function me(page) {
  return page.evaluate(async () => {
    const r = await fetch("/api/v1/me");
    return r.status === 200 ? (await r.json()).user : null;
  });
}

/** At the provider's login form: signs in there, and waits to be back on Nichoir. */
async function signInAtProvider(page, login, password) {
  await page.waitForURL((u) => u.host === providerHost);
  await page.locator("input[name=login]").fill(login);
  await page.locator("input[name=password]").fill(password);
  await Promise.all([page.waitForURL((u) => u.host === server.host), page.locator("button[type=submit]").click()]);
}

describe("single sign-on with an OpenID Connect provider", { concurrency: false }, () => {
  before(async () => {
    const [nichoirPort, providerPort] = [await freePort(), await freePort()];
    const base = `http://127.0.0.1:${nichoirPort}`;
    const issuer = `http://127.0.0.1:${providerPort}`;
    providerHost = `127.0.0.1:${providerPort}`;
    server = await startServer({
      adminPassword: ADMIN_PASSWORD,
      env: {
        NICHOIR_LISTEN: `127.0.0.1:${nichoirPort}`,
        NICHOIR_OIDC_PROVIDERS: `[{id = "asso", label = "Association account", issuer = "${issuer}", client_id = "nichoir", client_secret = "${SECRET}", scopes = ["openid", "profile", "email", "groups"], admin_values = ["nichoir-admins"]}]`,
      },
    });
    provider = await startProvider({
      port: providerPort,
      clientId: "nichoir",
      clientSecret: SECRET,
      redirectUris: [`${base}/api/v1/auth/oidc/asso/callback`],
      postLogoutRedirectUris: [`${base}/login`],
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await provider?.close();
    await server?.stop();
  });

  it("signs in through the provider's login page, and out there too (English)", async () => {
    const g = await guardedContext(browser, server, { alsoHosts: [providerHost] });
    // The provider's pages have no icon: their 404 is the provider's, not ours.
    g.allowHttpError(new RegExp(`^http://${providerHost}/favicon`), 404);
    const { page } = g;
    await page.goto("/login?next=%2Fpolls");
    await page.getByRole("button", { name: "Association account" }).click();
    await signInAtProvider(page, "ada", "ada-password");
    await page.waitForURL((u) => u.pathname === "/polls");
    const user = await me(page);
    assert.equal(user?.sign_in, "oidc:asso");
    assert.equal(user?.display_name, "Ada Lovelace");
    assert.equal(user?.is_admin, true, "in the provider's admin group");

    await page.goto("/account");
    await page.getByText("You sign in with your organisation's account (Association account)").waitFor();
    await page.getByText("Your organisation's sign-in asks for the second factor.").waitFor();
    assert.equal(await page.locator("input[name=current_password], input[autocomplete=current-password]").count(), 0, "no password of ours to change");

    // Logging out ends the session here, then at the provider (its confirmation page), then back
    // to the login page.
    await page.getByRole("button", { name: "Log out", exact: true }).click();
    await page.waitForURL((u) => u.host === providerHost);
    await Promise.all([page.waitForURL((u) => u.host === server.host && u.pathname === "/login"), page.locator("button[name=logout]").click()]);
    g.allowHttpError(/\/api\/v1\/me$/, 401);
    assert.equal(await me(page), null);
    g.assertClean();
    await g.close();
  });

  it("a forged answer ends on the login page saying so, with no session (French)", async () => {
    const g = await guardedContext(browser, server, { locale: "fr-FR", alsoHosts: [providerHost] });
    g.allowHttpError(new RegExp(`^http://${providerHost}/favicon`), 404);
    // The test's own look at /api/v1/me while signed out.
    g.allowHttpError(/\/api\/v1\/me$/, 401);
    const { page } = g;
    await page.goto("/api/v1/auth/oidc/asso/callback?code=forged&state=forged");
    await page.waitForURL((u) => u.pathname === "/login");
    await page.getByText("La connexion avec le compte de votre organisation n'a pas abouti.").waitFor();
    assert.ok(!page.url().includes("sso_error"), "the message is not shown again on reload");
    assert.equal(await me(page), null);

    // Then the real thing, in French, as another person: not an admin.
    await page.getByRole("button", { name: "Association account" }).click();
    await signInAtProvider(page, "grace", "grace-password");
    await page.waitForURL((u) => u.pathname === "/");
    const user = await me(page);
    assert.equal(user?.username, "grace");
    assert.equal(user?.is_admin, false);
    await page.goto("/account");
    await page.getByText("Vous vous connectez avec le compte de votre organisation (Association account)").waitFor();
    g.assertClean();
    await g.close();
  });

  it("the About page names the provider (French)", async () => {
    const g = await guardedContext(browser, server, { locale: "fr-FR" });
    const { page } = g;
    await page.goto("/about");
    await page.getByText(`authentification unique : Association account (${providerHost})`, { exact: false }).waitFor();
    await page.locator("#notifications").getByRole("heading", { name: "L'application et les notifications" }).waitFor();
    await page.getByText("Les notifications push n'atteignent que les appareils", { exact: false }).waitFor();
    g.assertClean();
    await g.close();
  });
});
