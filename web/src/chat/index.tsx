// The chat tool: the teams (/chat) and a team's workspace (/chat/{team}/…). One chunk. Members
// only: guests are sent to the login page.
import { chunk, decodeSegment, defineTool, page } from "../tool.ts";

const pages = chunk(() => import("./pages.tsx"));

export const chatTool = defineTool({
  tool: "chat",
  routes: ["chat", "chatTeam"],
  paths: { "/chat": "chat" },
  match: matchChat,
  needsAccount: ["chat", "chatTeam"],
  page(route) {
    if (route.name === "chat") return page(pages, "home", (m) => <m.ChatHomePage />);
    // One key for every channel and team: moving between them keeps the same chat (and its one
    // realtime connection).
    const params = route.params;
    return page(pages, "team", (m) => <m.ChatTeamPage params={params} />);
  },
});

/**
 * `/chat/{team}` (its default channel), `/chat/{team}/{channel}`, `/chat/{team}/messages/@{user}`
 * (a direct message; a group channel by id), `/chat/{team}/pl/{post id}` (permalink),
 * `/chat/{team}/threads` (followed threads). Params: team, view, channel | dm | post.
 */
function matchChat(path: string): { name: "chatTeam"; params: Record<string, string> } | null {
  const m = /^\/chat\/([^/]+)(?:\/([^/]+)(?:\/([^/]+))?)?$/.exec(path);
  if (!m || !m[1]) return null;
  const team = decodeSegment(m[1]);
  const seg = m[2];
  const sub = m[3];
  if (!seg) return { name: "chatTeam", params: { team, view: "team" } };
  if (sub === undefined) {
    if (seg === "threads") return { name: "chatTeam", params: { team, view: "threads" } };
    return { name: "chatTeam", params: { team, view: "channel", channel: decodeSegment(seg) } };
  }
  if (seg === "messages") return { name: "chatTeam", params: { team, view: "dm", dm: decodeSegment(sub) } };
  if (seg === "pl" && /^\d+$/.test(sub)) return { name: "chatTeam", params: { team, view: "permalink", post: sub } };
  return null;
}
