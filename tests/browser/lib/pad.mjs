// What the pad tests do to a pad page, the same in every suite: wait for the editor, read its
// text and the server's, select words, make a pad by name from the pads list.
import assert from "node:assert/strict";

/** Waits until the pad editor has loaded the pad (and is editable unless read-only). */
export async function waitForPad(page, { editable = true } = {}) {
  await page.waitForFunction(
    (editable) => {
      const v = window.__padView;
      return !!v && document.querySelector(".pad-loading") === null && (!editable || !v.state.readOnly);
    },
    editable,
    { timeout: 20_000 },
  );
}

/** The text in the page's editor. */
export const editorText = (page) => page.evaluate(() => window.__padView.state.doc.toString());

/** The pad as the server answers `GET /api/v1/pads/{id}` (its text, revision, authors). */
export async function serverPad(serverUrl, id) {
  const res = await fetch(`${serverUrl}/api/v1/pads/${encodeURIComponent(id)}`);
  assert.equal(res.status, 200);
  return res.json();
}

/** Selects the first occurrence of `word` in the editor (or puts the caret at its end). */
export async function selectWord(page, word, { caretAtEnd = false } = {}) {
  await page.evaluate(
    ([word, caretAtEnd]) => {
      const v = window.__padView;
      const at = v.state.doc.toString().indexOf(word);
      if (at < 0) throw new Error(`no ${word} in the pad`);
      v.focus();
      v.dispatch({ selection: caretAtEnd ? { anchor: at + word.length } : { anchor: at, head: at + word.length } });
    },
    [word, caretAtEnd],
  );
}

/** Makes a pad named `name` from the pads list, as a person does, and waits for its editor. */
export async function createNamedPad(page, name) {
  await page.goto("/pads");
  await page.getByLabel("Pad name").fill(name);
  await page.getByRole("button", { name: "Create pad" }).click();
  await page.waitForURL((u) => u.pathname === `/p/${name}`);
  await waitForPad(page);
}
