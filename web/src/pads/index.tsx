// The pads tool: the list (/pads) and the editor (/p/{id}). Two chunks: the editor brings
// CodeMirror, marked and DOMPurify, which the list does not need.
import { chunk, decodeSegment, defineTool, page } from "../tool.ts";
import { isReadOnlyPad } from "./api.ts";
import { prefetchPad } from "./early.ts";

const home = chunk(() => import("./home.tsx"));
const editor = chunk(() => import("./page.tsx"));

export const padsTool = defineTool({
  tool: "pads",
  routes: ["pads", "pad"],
  paths: { "/pads": "pads" },
  match(path) {
    const pad = /^\/p\/([^/]+)$/.exec(path);
    if (pad && pad[1]) return { name: "pad", params: { id: decodeSegment(pad[1]) } };
    return null;
  },
  needsAccount: [],
  // A read-only pad (`r-…`) shows no name: only writers are named.
  embed: (route) => (route.name === "pad" ? { asksName: !isReadOnlyPad(route.params.id ?? "") } : null),
  page(route) {
    if (route.name === "pads") return page(home, "home", (m) => <m.PadsHomePage />);
    const id = route.params.id ?? "";
    return page(editor, `pad:${id}`, (m) => <m.PadPage key={id} id={id} />);
  },
  // The pad's facts and its text (the socket's state) travel while the editor's code arrives.
  prefetch(route) {
    if (route.name === "pad") prefetchPad(route.params.id ?? "");
  },
});
