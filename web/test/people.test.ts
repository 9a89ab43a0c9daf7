import assert from "node:assert/strict";
import { test } from "node:test";
import { translator } from "../src/i18n/index.ts";
import { personName } from "../src/people.ts";

test("a deleted account's name shows in the reader's language; real names stay", () => {
  const fr = translator("fr");
  const en = translator("en");
  assert.equal(personName(fr, "Deleted user"), "Utilisateur supprimé");
  assert.equal(personName(en, "Deleted user"), "Deleted user");
  assert.equal(personName(fr, "Anonymous"), "Anonyme");
  // Only the exact marker: a person's own name is theirs.
  assert.equal(personName(fr, "deleted user2"), "deleted user2");
  assert.equal(personName(fr, "Élodie"), "Élodie");
});
