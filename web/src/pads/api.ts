// The pad endpoints the pad page asks over the app's one API client; the editing itself goes over
// the realtime socket (session.ts).
import { api } from "../api.ts";
import type { Author } from "./session.ts";

/** A group pad's id, as Etherpad's API makes them: `g.<16 characters>$<name>`. */
export function isGroupPad(id: string): boolean {
  return /^g\.[^$]+\$./.test(id);
}

export interface PadMeta {
  pad: { id: string; rev: number; readonly: boolean; readonly_id?: string; owner_id?: string | null; protected?: boolean };
}

export interface RevisionInfo {
  rev: number;
  author_id: string;
  created_at: string;
  inserted: number;
  deleted: number;
}

export interface RevisionText {
  rev: number;
  text: string;
  authorship: unknown;
  authors: Author[];
}

export interface SavedRevision {
  rev: number;
  label: string;
  saved_by: string;
  created_at: string;
}

const enc = encodeURIComponent;
const padPath = (id: string) => `/api/v1/pads/${enc(id)}`;

export const padsApi = {
  /** The pad's settings without its text (the socket sends the text). */
  meta: (id: string) => api.get<PadMeta>(`${padPath(id)}?text=false`),
  remove: (id: string) => api.del(padPath(id)),
  savedRevisions: (id: string) => api.get<SavedRevision[]>(`${padPath(id)}/saved-revisions`),
  saveRevision: (id: string, rev: number, label: string) => api.post<SavedRevision>(`${padPath(id)}/saved-revisions`, { rev, label }),
  /** The latest revisions, newest first, or those before `before`. */
  revisions: (id: string, before?: number) => api.get<RevisionInfo[]>(`${padPath(id)}/revisions?${before === undefined ? "" : `before=${before}&`}limit=100`),
  revision: (id: string, rev: number) => api.get<RevisionText>(`${padPath(id)}/revisions/${rev}`),
  restore: (id: string, rev: number) => api.post(`${padPath(id)}/restore`, { rev }),
};
