// The account flows in French, as a French association's members see them: an invitation taken
// up in a second browser, two-factor sign-in set up and then asked for, an admin finding and
// removing a pad with a reason kept in the audit log, and a member deleting their account.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { guardedContext, launchBrowser } from "./lib/browser.mjs";
import { apiCall, login } from "./lib/helpers.mjs";
import { startServer } from "./lib/server.mjs";
import { totpCodeAfter, totpCodeAt, totpStep } from "./lib/totp.mjs";

const ADMIN_PASSWORD = "correct horse battery staple 42";
const CLAIRE_PASSWORD = "une longue phrase de passe pour Claire";
const FR = { locale: "fr-FR" };

let server;
let browser;
/** The admin's context, in French. */
let admin;
let secret;
/** Claire's context, signed in with her second factor. */
let claire;

/** Clicks the confirm button of the open <dialog>. */
async function confirmDialog(page, label) {
  const dialog = page.locator("dialog[open]");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: label }).click();
  await dialog.waitFor({ state: "detached" });
}

describe("les comptes, en français", { concurrency: false }, () => {
  before(async () => {
    server = await startServer({ adminPassword: ADMIN_PASSWORD });
    browser = await launchBrowser();
    admin = await guardedContext(browser, server, FR);
    await login(admin.page, "admin", ADMIN_PASSWORD);
  });

  after(async () => {
    await claire?.close().catch(() => {});
    await admin?.close();
    await browser?.close();
    await server?.stop();
  });

  it("une invitation, acceptée dans un second navigateur", async () => {
    const { page } = admin;
    await page.goto("/admin");
    await page.locator("#invites").getByRole("button", { name: "Créer une invitation" }).click();
    const link = page.getByLabel("Lien d'invitation");
    await link.waitFor();
    const path = new URL(await link.inputValue()).pathname;

    const claire = await guardedContext(browser, server, FR);
    await claire.page.goto(path);
    await claire.page.locator("main h1", { hasText: "Vous êtes invité" }).waitFor();
    await claire.page.locator("input[name=display_name]").fill("Claire Dubois");
    await claire.page.locator("input[name=username]").fill("claire");
    await claire.page.locator("input[name=password]").fill(CLAIRE_PASSWORD);
    await claire.page.locator("input[name=confirm]").fill(CLAIRE_PASSWORD);
    await Promise.all([claire.page.waitForURL((u) => u.pathname === "/"), claire.page.locator("form button[type=submit]").click()]);
    claire.assertClean();
    await claire.close();

    const again = await guardedContext(browser, server, FR);
    again.allowHttpError(/\/api\/v1\/invites\//, 404);
    await again.page.goto(path);
    await again.page.getByText("Ce lien d'invitation est invalide, expiré ou déjà utilisé.").waitFor();
    again.assertClean();
    await again.close();
    await page.reload();
    await page.locator('#users-table tr[data-username="claire"]').waitFor();
    admin.assertClean();
  });

  it("la connexion en deux étapes : activée avec le code de l'application, puis demandée", async () => {
    const g = await guardedContext(browser, server, FR);
    await login(g.page, "claire", CLAIRE_PASSWORD);
    await g.page.goto("/account");
    const card = g.page.locator("#two-factor");
    await card.locator("input[name=two_factor_password]").fill(CLAIRE_PASSWORD);
    await card.getByRole("button", { name: "Activer la connexion en deux étapes" }).click();
    await card.getByRole("img", { name: "QR code de la clé pour votre application d'authentification" }).waitFor();
    secret = await card.getByLabel("Clé").inputValue();
    const setupStep = totpStep();
    await card.locator("input[name=totp_code]").fill(totpCodeAt(secret, setupStep));
    await card.getByRole("button", { name: "Activer", exact: true }).click();
    await card.getByText("Gardez ces codes de secours en lieu sûr").waitFor();
    assert.equal(await card.getByRole("list", { name: "Codes de secours" }).locator("li").count(), 10);
    await card.getByText("10 codes de secours restants.").waitFor();
    g.assertClean();
    await g.close();

    const n = await guardedContext(browser, server, FR);
    await n.page.goto("/login");
    await n.page.locator("input[name=username]").fill("claire");
    await n.page.locator("input[name=password]").fill(CLAIRE_PASSWORD);
    await n.page.locator("form button[type=submit]").click();
    await n.page.locator("main h1", { hasText: "Connexion en deux étapes" }).waitFor();
    await n.page.locator("input[name=code]").fill(totpCodeAfter(secret, setupStep));
    await Promise.all([n.page.waitForURL((u) => u.pathname === "/"), n.page.getByRole("button", { name: "Se connecter" }).click()]);
    n.assertClean();
    claire = n;
  });

  it("la modération : l'admin trouve un pad par ses mots, le retire, le journal garde la raison", async () => {
    const { page } = admin;
    await page.goto("/pads");
    await page.getByLabel("Nom du pad").fill("tract-douteux");
    await page.getByRole("button", { name: "Créer le pad" }).click();
    await page.waitForURL((u) => u.pathname === "/p/tract-douteux");
    await page.goto("/admin");
    const card = page.locator("#moderation");
    await card.locator("input[name=moderation_query]").fill("douteux");
    await card.getByRole("button", { name: "Chercher" }).click();
    const found = card.locator("#moderation-found li", { hasText: "tract-douteux" });
    await found.getByText("Pad", { exact: true }).waitFor();
    await found.getByRole("button", { name: "Choisir" }).click();
    assert.equal(await card.locator("input[name=moderation_link]").inputValue(), "/p/tract-douteux");
    await card.locator("input[name=moderation_reason]").fill("signalé comme spam");
    await card.getByRole("button", { name: "Retirer", exact: true }).click();
    await confirmDialog(page, "Retirer");
    await card.getByText("Retiré : tract-douteux.").waitFor();
    const row = page.locator("#audit-table tbody tr").first();
    await row.getByText("signalé comme spam").waitFor();
    assert.equal((await fetch(`${server.url}/api/v1/pads/tract-douteux`)).status, 404);
    admin.assertClean();
  });

  it("les e-mails sur les messages manqués : choisis sur la page de compte, arrêtés d'un clic", async () => {
    const { page } = claire;
    await page.goto("/account");
    const card = page.locator("#chat-email");
    await card.getByRole("heading", { name: "E-mails sur les messages manqués" }).waitFor();
    await card.getByLabel("Les envoyer").selectOption("hourly");
    await card.getByText("Enregistré.").waitFor();
    // The colours are read out by name, not by code.
    await page.getByTitle("Bleu ciel", { exact: true }).click();
    assert.equal(await page.getByRole("radio", { name: "Bleu ciel", exact: true }).isChecked(), true);
    assert.equal(await page.getByRole("group", { name: "Couleur de l'avatar" }).getByRole("radio", { checked: true }).getAttribute("value"), "#56b4e9");
    // The link of a mail (any token answers the same).
    await page.goto("/unsubscribe#un-jeton-de-mail");
    await page.getByRole("button", { name: "Arrêter ces e-mails" }).click();
    await page.getByText("C'est fait : plus d'e-mails sur les messages manqués.").waitFor();
    claire.assertClean();
  });

  it("un membre supprime son compte, après avoir lu ce qui reste", async () => {
    const g = claire;
    const { page } = g;
    // Claire writes in a wiki page first: her revision stays, signed in the reader's language.
    const wiki = await apiCall(admin.page, "POST", "/api/v1/wikis", { slug: "asso", title: "L'asso", edit_policy: "users" });
    assert.ok(wiki.status < 300, wiki.text);
    let saved = await apiCall(admin.page, "PUT", "/api/v1/wikis/asso/pages/Statuts", { text: "Article 1.", base_rev: null, summary: "" });
    assert.ok(saved.status < 300, saved.text);
    saved = await apiCall(page, "PUT", "/api/v1/wikis/asso/pages/Statuts", { text: "Article 1.\nArticle 2.", base_rev: 1, summary: "" });
    assert.ok(saved.status < 300, saved.text);
    await page.goto("/account");
    const card = page.locator("#delete-account");
    await card.getByText("reste, signé « Utilisateur supprimé »", { exact: false }).waitFor();
    await card.locator("input[name=delete_password]").fill(CLAIRE_PASSWORD);
    await card.getByRole("button", { name: "Supprimer mon compte" }).click();
    await confirmDialog(page, "Supprimer mon compte");
    await page.waitForURL((u) => u.pathname === "/login");
    g.assertClean();
    await g.close();
    await admin.page.goto("/admin");
    await admin.page.locator("#users-table").waitFor();
    assert.equal(await admin.page.locator('#users-table tr[data-username="claire"]').count(), 0);
    await admin.page.goto("/w/asso/Statuts/history");
    await admin.page.locator("strong", { hasText: "Utilisateur supprimé" }).waitFor();
    assert.equal(await admin.page.getByText("Deleted user").count(), 0);
    admin.assertClean();
  });
});
