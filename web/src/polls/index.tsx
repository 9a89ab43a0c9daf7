// The polls tool: my polls (/polls), a new poll (/poll/new), a poll (/poll/{id}, `?edit=` a
// personal edit link) and its administration (/poll/admin/{token}). One chunk.
import { chunk, decodeSegment, defineTool, page } from "../tool.ts";

const pages = chunk(() => import("./pages.tsx"));

export const pollsTool = defineTool({
  tool: "polls",
  routes: ["polls", "pollNew", "poll", "pollAdmin"],
  paths: { "/polls": "polls", "/poll/new": "pollNew" },
  match(path, search) {
    const admin = /^\/poll\/admin\/([^/]+)$/.exec(path);
    if (admin && admin[1]) return { name: "pollAdmin", params: { token: decodeSegment(admin[1]) } };
    const poll = /^\/poll\/([^/]+)$/.exec(path);
    if (poll && poll[1] && poll[1] !== "admin") {
      const params: Record<string, string> = { id: decodeSegment(poll[1]) };
      const edit = new URLSearchParams(search).get("edit");
      if (edit) params.edit = edit;
      return { name: "poll", params };
    }
    return null;
  },
  needsAccount: [],
  embed: (route) => (route.name === "poll" ? { asksName: false } : null),
  page(route) {
    const p = route.params;
    switch (route.name) {
      case "polls":
        return page(pages, "polls", (m) => <m.MyPollsPage />);
      case "pollNew":
        return page(pages, "new", (m) => <m.NewPollPage />);
      case "poll":
        return page(pages, "polls", (m) => <m.PollPage key={p.id} id={p.id ?? ""} editToken={p.edit ?? null} />);
      case "pollAdmin":
        return page(pages, "polls", (m) => <m.PollAdminPage key={p.token} token={p.token ?? ""} />);
    }
  },
});
