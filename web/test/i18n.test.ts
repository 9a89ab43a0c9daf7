import assert from "node:assert/strict";
import { test } from "node:test";
import { en } from "../src/i18n/en.ts";
import { fr } from "../src/i18n/fr.ts";
import { detectLanguage, duration, greetingKey, isMessageKey, translate } from "../src/i18n/index.ts";

test("French and English define the same keys", () => {
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
});

test("no empty translation, same placeholders in both languages", () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(en) as (keyof typeof en)[]) {
    assert.ok(en[key].trim().length > 0, `en ${key} empty`);
    assert.ok(fr[key].trim().length > 0, `fr ${key} empty`);
    assert.deepEqual(placeholders(fr[key]), placeholders(en[key]), `placeholders differ for ${key}`);
  }
});

test("language detection: stored choice, then the browser's languages, then the instance default", () => {
  assert.equal(detectLanguage("fr", ["en-US"]), "fr");
  assert.equal(detectLanguage("en", ["fr-FR"]), "en");
  assert.equal(detectLanguage(null, ["fr-CA", "en"]), "fr");
  assert.equal(detectLanguage(null, ["FR"]), "fr");
  assert.equal(detectLanguage(null, ["de-DE", "fr"]), "fr");
  assert.equal(detectLanguage(null, ["de-DE"]), "en");
  assert.equal(detectLanguage(null, ["de-DE"], "fr"), "fr");
  assert.equal(detectLanguage(null, ["en-US", "fr"], "fr"), "en");
  assert.equal(detectLanguage("xx", []), "en");
  assert.equal(detectLanguage(undefined, ["en-GB"]), "en");
});

test("translate fills placeholders and keeps unknown ones", () => {
  assert.equal(translate("en", "home.morning", { name: "Alice" }), "Good morning, Alice");
  assert.equal(translate("fr", "home.morning", { name: "Alice" }), "Bonjour, Alice");
  assert.equal(translate("en", "home.morning"), "Good morning, {name}");
  assert.equal(translate("fr", "about.componentsCount", { shown: 3, total: 10 }), "3 composants sur 10");
});

test("plural-aware durations", () => {
  assert.equal(duration("en", 1, "hour"), "1 hour");
  assert.equal(duration("en", 24, "hour"), "24 hours");
  assert.equal(duration("fr", 1, "day"), "1 jour");
  assert.equal(duration("fr", 30, "day"), "30 jours");
});

test("isMessageKey and greetings", () => {
  assert.ok(isMessageKey("error.invalid_credentials"));
  assert.ok(!isMessageKey("error.something_new"));
  assert.equal(greetingKey(8), "home.morning");
  assert.equal(greetingKey(14), "home.afternoon");
  assert.equal(greetingKey(22), "home.evening");
  assert.equal(greetingKey(2), "home.evening");
});
