// The video tool: start or join a call (/video) and a room (/video/{room}). One chunk.
import { chunk, decodeSegment, defineTool, page } from "../tool.ts";

const pages = chunk(() => import("./pages.tsx"));

export const videoTool = defineTool({
  tool: "video",
  routes: ["video", "videoRoom"],
  paths: { "/video": "video" },
  match(path) {
    const room = /^\/video\/([^/]+)$/.exec(path);
    if (room && room[1]) return { name: "videoRoom", params: { room: decodeSegment(room[1]) } };
    return null;
  },
  needsAccount: [],
  page(route) {
    if (route.name === "video") return page(pages, "home", (m) => <m.VideoHomePage />);
    const room = route.params.room ?? "";
    return page(pages, `room:${room}`, (m) => <m.VideoRoomPage key={room} id={room} />);
  },
});
