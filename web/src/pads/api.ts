// The pad endpoints the pad page asks over the app's one API client; the editing itself goes over
// the realtime socket (session.ts).
import { api } from "../api.ts";
import type { PadPage } from "../generated/pads/PadPage.ts";
import type { PadRestore } from "../generated/pads/PadRestore.ts";
import type { PadRevisionText } from "../generated/pads/PadRevisionText.ts";
import type { PadSaveRevision } from "../generated/pads/PadSaveRevision.ts";
import type { RevisionInfo } from "../generated/pads/RevisionInfo.ts";
import type { SavedRevision } from "../generated/pads/SavedRevision.ts";

/** A group pad's id, as Etherpad's API makes them: `g.<16 characters>$<name>`. */
export function isGroupPad(id: string): boolean {
  return /^g\.[^$]+\$./.test(id);
}

/** A read-only pad's id (`r-…`): anyone with it reads the pad, nobody writes. */
export function isReadOnlyPad(id: string): boolean {
  return id.startsWith("r-");
}

/** The socket topic of a pad: `padro:` for a read-only id, `pad:` for a writable one. */
export function padTopic(id: string): string {
  return `${isReadOnlyPad(id) ? "padro" : "pad"}:${id}`;
}

/** The pad's facts (`GET /api/v1/pads/{id}?text=false`: no text, no authors). */
export type PadMeta = PadPage;

export type { RevisionInfo } from "../generated/pads/RevisionInfo.ts";

/** The text and authorship at a revision (the timeslider). */
export type RevisionText = PadRevisionText;

export type { SavedRevision } from "../generated/pads/SavedRevision.ts";

const enc = encodeURIComponent;
const padPath = (id: string) => `/api/v1/pads/${enc(id)}`;

export const padsApi = {
  /** The pad's settings without its text (the socket sends the text). */
  meta: (id: string) => api.get<PadMeta>(`${padPath(id)}?text=false`),
  remove: (id: string) => api.del(padPath(id)),
  savedRevisions: (id: string) => api.get<SavedRevision[]>(`${padPath(id)}/saved-revisions`),
  saveRevision: (id: string, rev: number, label: string) => api.post<SavedRevision>(`${padPath(id)}/saved-revisions`, { rev, label } satisfies PadSaveRevision),
  /** The latest revisions, newest first, or those before `before`. */
  revisions: (id: string, before?: number) => api.get<RevisionInfo[]>(`${padPath(id)}/revisions?${before === undefined ? "" : `before=${before}&`}limit=100`),
  revision: (id: string, rev: number) => api.get<RevisionText>(`${padPath(id)}/revisions/${rev}`),
  restore: (id: string, rev: number) => api.post(`${padPath(id)}/restore`, { rev } satisfies PadRestore),
};
