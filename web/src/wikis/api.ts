// The wiki endpoints (docs/wiki-api.md) over the app's one API client (CSRF token, errors).
import { ApiError, api } from "../api.ts";
import { pageSegment } from "./names.ts";
import type {
  Backlink,
  ChangeEntry,
  ConflictBody,
  CreateWikiBody,
  DiffAnswer,
  DirectoryEntry,
  History,
  Member,
  MyWiki,
  PageAnswer,
  PageListEntry,
  PageRule,
  Preview,
  RevisionText,
  Role,
  SaveAnswer,
  SaveBody,
  SearchHit,
  Wiki,
  WikiComment,
  WikiFile,
  WikiNotification,
  WikiPatch,
} from "./types.ts";

const enc = encodeURIComponent;

export const wikiApiPath = (slug: string) => `/api/v1/wikis/${enc(slug)}`;
export const pageApiPath = (slug: string, name: string) => `${wikiApiPath(slug)}/pages/${pageSegment(name)}`;
export const feedUrl = (slug: string) => `${wikiApiPath(slug)}/feed.atom`;
export const exportUrl = (slug: string) => `${wikiApiPath(slug)}/export.zip`;

function query(params: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** The conflict of a 409 answer to a save, if it carries one. */
export function conflictOf(err: unknown): { rev: number; text: string } | null {
  if (!(err instanceof ApiError) || err.status !== 409) return null;
  const body = err.body as Partial<ConflictBody> | undefined;
  const c = body?.conflict;
  if (c && typeof c.rev === "number" && typeof c.text === "string") return c;
  return null;
}

export const wikisApi = {
  create: (body: CreateWikiBody) => api.post<Wiki>("/api/v1/wikis", body),
  directory: (q: string) => api.get<DirectoryEntry[]>(`/api/v1/wikis${query({ q })}`),
  mine: () => api.get<MyWiki[]>("/api/v1/me/wikis"),
  searchAll: (q: string) => api.get<SearchHit[]>(`/api/v1/wiki-search${query({ q })}`),
  importZip: (slug: string, title: string, file: Blob) => api.postBlob<Wiki>(`/api/v1/wikis/import${query({ slug, title })}`, file),

  get: (slug: string) => api.get<Wiki>(wikiApiPath(slug)),
  patch: (slug: string, body: WikiPatch) => api.patch<Wiki>(wikiApiPath(slug), body),
  remove: (slug: string) => api.del(wikiApiPath(slug)),
  lock: (slug: string, locked: boolean) => api.put(`${wikiApiPath(slug)}/lock`, { locked }),
  members: (slug: string) => api.get<Member[]>(`${wikiApiPath(slug)}/members`),
  setMember: (slug: string, username: string, role: Role) => api.put(`${wikiApiPath(slug)}/members/${enc(username)}`, { role }),
  removeMember: (slug: string, username: string) => api.del(`${wikiApiPath(slug)}/members/${enc(username)}`),
  watchWiki: (slug: string, on: boolean) => (on ? api.put(`${wikiApiPath(slug)}/watch`) : api.del(`${wikiApiPath(slug)}/watch`)),

  pages: (slug: string) => api.get<PageListEntry[]>(`${wikiApiPath(slug)}/pages`),
  page: (slug: string, name: string) => api.get<PageAnswer>(pageApiPath(slug, name)),
  save: (slug: string, name: string, body: SaveBody) => api.put<SaveAnswer>(pageApiPath(slug, name), body),
  preview: (slug: string, text: string) => api.post<Preview>(`${wikiApiPath(slug)}/preview`, { text }),
  deletePage: (slug: string, name: string) => api.del(pageApiPath(slug, name)),
  restorePage: (slug: string, name: string) => api.post<{ rev: number }>(`${pageApiPath(slug, name)}/restore`),
  rename: (slug: string, name: string, to: string, redirect: boolean) => api.post<{ name: string; rev: number }>(`${pageApiPath(slug, name)}/rename`, { name: to, redirect }),
  revert: (slug: string, name: string, rev: number) => api.post<{ rev: number }>(`${pageApiPath(slug, name)}/revert`, { rev }),
  setRules: (slug: string, name: string, view: PageRule, edit: PageRule) => api.put(`${pageApiPath(slug, name)}/rules`, { view, edit }),
  history: (slug: string, name: string, before?: number) => api.get<History>(`${pageApiPath(slug, name)}/history${query({ before, limit: 100 })}`),
  revision: (slug: string, name: string, rev: number) => api.get<RevisionText>(`${pageApiPath(slug, name)}/revisions/${rev}`),
  diff: (slug: string, name: string, from: number, to: number) => api.get<DiffAnswer>(`${pageApiPath(slug, name)}/diff${query({ from, to })}`),
  backlinks: (slug: string, name: string) => api.get<Backlink[]>(`${pageApiPath(slug, name)}/backlinks`),
  watchPage: (slug: string, name: string, on: boolean) => (on ? api.put(`${pageApiPath(slug, name)}/watch`) : api.del(`${pageApiPath(slug, name)}/watch`)),

  changes: (slug: string, f: { author?: string; page?: string; before?: number; limit?: number }) =>
    api.get<ChangeEntry[]>(`${wikiApiPath(slug)}/changes${query({ author: f.author, page: f.page, before: f.before, limit: f.limit })}`),
  search: (slug: string, q: string) => api.get<SearchHit[]>(`${wikiApiPath(slug)}/search${query({ q })}`),

  files: (slug: string) => api.get<WikiFile[]>(`${wikiApiPath(slug)}/files`),
  upload: (slug: string, name: string, file: Blob) => api.postBlob<WikiFile>(`${wikiApiPath(slug)}/files${query({ name })}`, file),
  deleteFile: (slug: string, name: string) => api.del(`${wikiApiPath(slug)}/files/${enc(name)}`),

  comments: (slug: string, name: string) => api.get<WikiComment[]>(`${pageApiPath(slug, name)}/comments`),
  comment: (slug: string, name: string, text: string, website: string) => api.post<WikiComment>(`${pageApiPath(slug, name)}/comments`, { text, website }),
  deleteComment: (slug: string, id: number) => api.del(`${wikiApiPath(slug)}/comments/${id}`),

  notifications: () => api.get<WikiNotification[]>("/api/v1/me/wiki-notifications"),
  markRead: (ids: number[] | "all") => api.post<void>("/api/v1/me/wiki-notifications/read", ids === "all" ? { all: true } : { ids }),
};
