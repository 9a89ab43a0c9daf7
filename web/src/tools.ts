// The one list of tools: the router matches their paths, the app shell shows their pages. A tool
// is a folder with an index.tsx (see tool.ts); adding one here is all the shell needs.
import { chatTool } from "./chat/index.tsx";
import { padsTool } from "./pads/index.tsx";
import { pollsTool } from "./polls/index.tsx";
import { videoTool } from "./video/index.tsx";
import { wikisTool } from "./wikis/index.tsx";

export const TOOL_DEFS = [padsTool, pollsTool, chatTool, videoTool, wikisTool] as const;
