// What the chat components share: the store, who I am, the team, the actions on posts.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { ChatLive, ChatStore } from "./live.ts";
import type { Post, Team } from "./types.ts";

export interface ChatActions {
  openThread(post: Post): void;
  react(post: Post, emoji: string, on: boolean): void;
  pin(post: Post, on: boolean): void;
  edit(post: Post, text: string): Promise<void>;
  remove(post: Post): void;
  copyLink(post: Post): void;
  /** Sends a message (a reply when rootId is set). */
  send(channelId: string, text: string, rootId: number | null, fileIds?: string[]): void;
  /** Sends a failed message again (same client id). */
  resend(clientId: string): void;
  discard(clientId: string): void;
  /** Tells the others I am typing (at most every 3 s). */
  typing(channelId: string, rootId: number | null): void;
}

export interface ChatCtxValue {
  store: ChatStore;
  live: ChatLive;
  meId: string;
  team: Team;
  actions: ChatActions;
  /** The post to highlight (permalink target). */
  highlight: number | null;
  /** The post being edited: "c:{id}" in the channel, "t:{id}" in the thread panel (Up arrow starts it). */
  editing: string | null;
  setEditing(key: string | null): void;
}

export const ChatCtx = createContext<ChatCtxValue | null>(null);

export function useChat(): ChatCtxValue {
  const c = useContext(ChatCtx);
  if (!c) throw new Error("useChat outside <ChatCtx.Provider>");
  return c;
}
