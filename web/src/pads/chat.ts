// Pad chat, the pure part (no DOM, no Preact): reading messages from the server, merging pages and
// live events, and the time shown next to a message. Unit-tested in test/pads.test.ts.

import type { ChatMessage } from "../generated/pads/ChatMessage.ts";

/** A chat line (crates/pad/src/chat.rs `ChatMessage`). The text is plain text, never HTML. */
export type { ChatMessage } from "../generated/pads/ChatMessage.ts";

/** A message from the server (REST answer or `chat` event), or null when it is malformed. */
export function readChatMessage(v: unknown): ChatMessage | null {
  if (!v || typeof v !== "object") return null;
  const m = v as Record<string, unknown>;
  if (typeof m.id !== "number" || !Number.isFinite(m.id) || typeof m.text !== "string") return null;
  return {
    id: m.id,
    author_id: typeof m.author_id === "string" ? m.author_id : "",
    name: typeof m.name === "string" && m.name ? m.name : "?",
    color: typeof m.color === "string" ? m.color : "",
    text: m.text,
    created_at: typeof m.created_at === "string" ? m.created_at : "",
  };
}

/** Merges messages into a list: one entry per id, oldest first. */
export function mergeChat(list: readonly ChatMessage[], more: readonly ChatMessage[]): ChatMessage[] {
  if (more.length === 0) return list as ChatMessage[];
  const byId = new Map<number, ChatMessage>();
  for (const m of list) byId.set(m.id, m);
  for (const m of more) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** The import format for a file name (`txt`, `md`, `html`), or null when it is not importable. */
export function importFormat(name: string, mime = ""): "txt" | "md" | "html" | "docx" | "odt" | null {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? "";
  if (ext === "txt" || ext === "text") return "txt";
  if (ext === "md" || ext === "markdown") return "md";
  if (ext === "html" || ext === "htm") return "html";
  if (ext === "docx") return "docx";
  if (ext === "odt") return "odt";
  if (mime === "text/plain") return "txt";
  if (mime === "text/markdown") return "md";
  if (mime === "text/html") return "html";
  if (mime === DOCX_TYPE) return "docx";
  if (mime === ODT_TYPE) return "odt";
  return null;
}

const DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const ODT_TYPE = "application/vnd.oasis.opendocument.text";

/** What the import button's file picker offers. */
export const IMPORT_ACCEPT = `.txt,.md,.markdown,.html,.htm,.docx,.odt,text/plain,text/markdown,text/html,${DOCX_TYPE},${ODT_TYPE}`;
