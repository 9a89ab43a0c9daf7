// The chat endpoints (docs/chat-api.md) over the app's one API client (CSRF token, errors).
import { api } from "../api.ts";
import type {
  AroundPage,
  BrowseChannel,
  Channel,
  ChannelPatch,
  ChatFile,
  ChatMember,
  CreateChannelBody,
  CreateTeamBody,
  FollowedThread,
  LinkPreview,
  Post,
  PostPage,
  SearchPost,
  Team,
  Thread,
} from "./types.ts";

const enc = encodeURIComponent;

function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

const T = (team: string) => `/api/v1/chat/teams/${enc(team)}`;
const C = (id: string) => `/api/v1/chat/channels/${enc(id)}`;
const P = (id: number) => `/api/v1/chat/posts/${id}`;

export const chatApi = {
  teams: () => api.get<Team[]>("/api/v1/chat/teams"),
  openTeams: () => api.get<Team[]>("/api/v1/chat/teams/open"),
  createTeam: (body: CreateTeamBody) => api.post<Team>("/api/v1/chat/teams", body),
  joinTeam: (team: string) => api.post<Team>(`${T(team)}/join`),
  leaveTeam: (team: string) => api.post<void>(`${T(team)}/leave`),
  teamMembers: (team: string, q = "") => api.get<ChatMember[]>(`${T(team)}/members${query({ q })}`),

  channels: (team: string) => api.get<Channel[]>(`${T(team)}/channels`),
  browse: (team: string, q = "") => api.get<BrowseChannel[]>(`${T(team)}/channels/browse${query({ q })}`),
  createChannel: (team: string, body: CreateChannelBody) => api.post<Channel>(`${T(team)}/channels`, body),
  direct: (usernames: string[]) => api.post<Channel>("/api/v1/chat/direct", { usernames }),
  channel: (id: string) => api.get<Channel>(C(id)),
  patchChannel: (id: string, body: ChannelPatch) => api.patch<Channel>(C(id), body),
  joinChannel: (id: string) => api.post<void>(`${C(id)}/join`),
  leaveChannel: (id: string) => api.post<void>(`${C(id)}/leave`),
  addMember: (id: string, username: string) => api.put(`${C(id)}/members/${enc(username)}`),
  removeMember: (id: string, username: string) => api.del(`${C(id)}/members/${enc(username)}`),
  channelMembers: (id: string) => api.get<ChatMember[]>(`${C(id)}/members`),
  archive: (id: string, on: boolean) => api.post<void>(`${C(id)}/${on ? "archive" : "unarchive"}`),
  view: (id: string, postId?: number) => api.post<void>(`${C(id)}/view`, postId ? { post_id: postId } : {}),
  mute: (id: string, muted: boolean) => api.put(`${C(id)}/notify`, { muted }),

  posts: (id: string, before?: number, limit = 50) => api.get<PostPage>(`${C(id)}/posts${query({ before, limit })}`),
  around: (id: string, around: number) => api.get<AroundPage>(`${C(id)}/posts${query({ around })}`),
  after: (id: string, after: number) => api.get<AroundPage & PostPage>(`${C(id)}/posts${query({ after, limit: 50 })}`),
  send: (id: string, text: string, rootId: number | null, clientId: string, fileIds: string[] = []) =>
    api.post<Post>(`${C(id)}/posts`, {
      text,
      client_id: clientId,
      ...(rootId ? { root_id: rootId } : {}),
      ...(fileIds.length ? { file_ids: fileIds } : {}),
    }),
  upload: (id: string, file: Blob, name: string) => api.postBlob<ChatFile>(`${C(id)}/files${query({ name })}`, file),
  preview: (url: string) => api.get<LinkPreview>(`/api/v1/chat/preview${query({ url })}`),
  edit: (postId: number, text: string) => api.patch<Post>(P(postId), { text }),
  remove: (postId: number) => api.del(P(postId)),
  post: (postId: number) => api.get<Post>(P(postId)),
  thread: (postId: number) => api.get<Thread>(`${P(postId)}/thread`),
  react: (postId: number, emoji: string, on: boolean) =>
    on ? api.put(`${P(postId)}/reactions/${enc(emoji)}`) : api.del(`${P(postId)}/reactions/${enc(emoji)}`),
  pin: (postId: number, on: boolean) => (on ? api.put(`${P(postId)}/pin`) : api.del(`${P(postId)}/pin`)),
  pinned: (id: string) => api.get<Post[]>(`${C(id)}/pinned`),
  threads: (team: string) => api.get<FollowedThread[]>(`/api/v1/chat/teams/${encodeURIComponent(team)}/threads`),
  follow: (postId: number, on: boolean) => (on ? api.put(`${P(postId)}/follow`) : api.del(`${P(postId)}/follow`)),
  threadView: (postId: number) => api.post<void>(`${P(postId)}/thread/view`),

  search: (team: string, q: string) => api.get<{ posts: SearchPost[] }>(`/api/v1/chat/teams/${encodeURIComponent(team)}/search${query({ q })}`),
};
