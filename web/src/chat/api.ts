// The chat endpoints (docs/chat-api.md) over the app's one API client (CSRF token, errors).
import { ApiError, api, parseError } from "../api.ts";
import type {
  AroundPage,
  BrowseChannel,
  Channel,
  ChannelPatch,
  ChatFile,
  ChannelMember,
  CreateChannelBody,
  CreateTeamBody,
  CreatedWebhook,
  FollowedThread,
  ImportResult,
  ImportSource,
  LinkPreview,
  Post,
  PostPage,
  SearchPost,
  Team,
  TeamMember,
  TeamMemberBody,
  Thread,
  Webhook,
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
  teamMembers: (team: string, q = "") => api.get<TeamMember[]>(`${T(team)}/members${query({ q })}`),
  /** The same list with team roles (guests included), for team admins. */
  teamRoster: (team: string, q = "") => api.get<TeamMember[]>(`${T(team)}/members${query({ q })}`),
  setTeamMember: (team: string, username: string, body: TeamMemberBody) => api.put(`${T(team)}/members/${enc(username)}`, body),
  removeTeamMember: (team: string, username: string) => api.del(`${T(team)}/members/${enc(username)}`),
  /** Uploads a Slack or Mattermost export into the team (team admins), reporting the upload's progress. */
  importTeam: (team: string, source: ImportSource, file: Blob, onProgress: (sent: number, total: number) => void) =>
    uploadWithProgress<ImportResult>(`${T(team)}/import/${source}`, file, onProgress),

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
  channelMembers: (id: string) => api.get<ChannelMember[]>(`${C(id)}/members`),
  archive: (id: string, on: boolean) => api.post<void>(`${C(id)}/${on ? "archive" : "unarchive"}`),
  view: (id: string, postId?: number) => api.post<void>(`${C(id)}/view`, postId ? { post_id: postId } : {}),
  mute: (id: string, muted: boolean) => api.put(`${C(id)}/notify`, { muted }),
  webhooks: (id: string) => api.get<Webhook[]>(`${C(id)}/webhooks`),
  createWebhook: (id: string, displayName: string) => api.post<CreatedWebhook>(`${C(id)}/webhooks`, { display_name: displayName }),
  deleteWebhook: (id: string, hook: string) => api.del(`${C(id)}/webhooks/${enc(hook)}`),
  /** The channel's own retention in days, or null for the instance's (team admins). */
  setRetention: (id: string, days: number | null) => api.put(`${C(id)}/retention`, { days }),

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
  react: (postId: number, emoji: string, on: boolean) => (on ? api.put(`${P(postId)}/reactions/${enc(emoji)}`) : api.del(`${P(postId)}/reactions/${enc(emoji)}`)),
  pin: (postId: number, on: boolean) => (on ? api.put(`${P(postId)}/pin`) : api.del(`${P(postId)}/pin`)),
  pinned: (id: string) => api.get<Post[]>(`${C(id)}/pinned`),
  threads: (team: string) => api.get<FollowedThread[]>(`/api/v1/chat/teams/${encodeURIComponent(team)}/threads`),
  follow: (postId: number, on: boolean) => (on ? api.put(`${P(postId)}/follow`) : api.del(`${P(postId)}/follow`)),
  threadView: (postId: number) => api.post<void>(`${P(postId)}/thread/view`),

  search: (team: string, q: string) => api.get<{ posts: SearchPost[] }>(`/api/v1/chat/teams/${encodeURIComponent(team)}/search${query({ q })}`),
};

/** An upload in flight: its answer, and a way to stop it (the answer then fails with code "aborted"). */
export interface Upload<T> {
  done: Promise<T>;
  abort(): void;
}

/**
 * POSTs a file as the raw body with XMLHttpRequest, since fetch cannot report upload progress;
 * otherwise as the API client does (src/api.ts): the file's type as Content-Type, the CSRF token,
 * one retry with a fresh token after `csrf_failed`, errors as `ApiError`, 401 ends the session.
 * `onProgress` gets the bytes sent and the total; it reaches the total when the upload is over
 * (the server then works before it answers).
 */
export function uploadWithProgress<T>(path: string, file: Blob, onProgress: (sent: number, total: number) => void): Upload<T> {
  let xhr: XMLHttpRequest | null = null;
  let aborted = false;
  const once = () =>
    new Promise<T>((resolve, reject) => {
      const x = new XMLHttpRequest();
      xhr = x;
      x.open("POST", path);
      x.setRequestHeader("Accept", "application/json");
      x.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      if (api.csrfToken) x.setRequestHeader("X-CSRF-Token", api.csrfToken);
      x.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      x.upload.onload = () => onProgress(file.size, file.size);
      x.onload = () => {
        let data: unknown = undefined;
        if (x.responseText) {
          try {
            data = JSON.parse(x.responseText);
          } catch {
            data = undefined;
          }
        }
        if (x.status >= 200 && x.status < 300) resolve(data as T);
        else reject(parseError(x.status, data, x.getResponseHeader("Retry-After")));
      };
      x.onerror = () => reject(new ApiError("network", "the upload did not reach the server", 0));
      x.onabort = () => reject(new ApiError("aborted", "upload stopped", 0));
      x.send(file);
    });
  const done = (async () => {
    try {
      return await once();
    } catch (err) {
      // A stale CSRF token (e.g. after logging in from another tab): refresh it once and retry.
      if (err instanceof ApiError && err.code === "csrf_failed" && !aborted) {
        await api.get("/api/v1/me");
        if (aborted) throw new ApiError("aborted", "upload stopped", 0);
        onProgress(0, file.size);
        return await once();
      }
      if (err instanceof ApiError && err.code === "unauthenticated") api.onUnauthenticated?.();
      throw err;
    }
  })();
  return {
    done,
    abort: () => {
      aborted = true;
      xhr?.abort();
    },
  };
}
