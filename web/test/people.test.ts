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

test("chat: a direct channel with a deleted account, and its posts, name it in the reader's language", async () => {
  const { channelLabel, postAuthor } = await import("../src/chat/names.ts");
  const fr = translator("fr");
  const gone = { id: "u_gone", username: "deleted-u_gone", display_name: "Deleted user" };
  const me = { id: "u_me", username: "me", display_name: "Moi" };
  const dm = { id: "c1", kind: "direct", name: "dm", display_name: "", team_id: "", users: [me, gone] };
  assert.equal(channelLabel(dm as never, "u_me", fr), "Utilisateur supprimé");
  assert.equal(channelLabel(dm as never, "u_me"), "Deleted user");
  const group = { ...dm, kind: "group", users: [me, gone, { id: "u_b", username: "bob", display_name: "Bob" }] };
  assert.equal(channelLabel(group as never, "u_me", fr), "Utilisateur supprimé, Bob");
  assert.equal(postAuthor({ user: gone, props: {} } as never, fr).name, "Utilisateur supprimé");
  // A webhook's own name is never taken for the marker's translation of the account behind it.
  assert.equal(postAuthor({ user: gone, props: { override_username: "CI bot", from_webhook: true } } as never, fr).name, "CI bot");
});
