// The polls endpoints (docs/polls-api.md) over the app's one API client (CSRF token, errors).
import { api } from "../api.ts";
import type { Answer, CreatePollBody, CreatedPoll, MyPoll, OptionInput, Participant, PollComment, PollView, VoteAnswer } from "./types.ts";

const enc = encodeURIComponent;

export const pollPath = (id: string) => `/api/v1/polls/${enc(id)}`;
export const adminPath = (token: string) => `/api/v1/poll-admin/${enc(token)}`;

/** Where a poll's votes, comments… live: the public API or the admin one. */
export interface PollTarget {
  kind: "public" | "admin";
  /** The poll id (public) or the admin token (admin). */
  key: string;
}

export const targetPath = (t: PollTarget) => (t.kind === "admin" ? adminPath(t.key) : pollPath(t.key));

export const pollsApi = {
  create: (body: CreatePollBody) => api.post<CreatedPoll>("/api/v1/polls", body),
  mine: () => api.get<MyPoll[]>("/api/v1/polls"),
  /** The view; with a personal edit link's token, the row it opens is marked editable. */
  view: (t: PollTarget, editToken?: string | null) => api.get<PollView>(targetPath(t) + (editToken && t.kind === "public" ? `?edit_token=${enc(editToken)}` : "")),
  unlock: (id: string, password: string) => api.post<void>(`${pollPath(id)}/unlock`, { password }),
  vote: (id: string, name: string, answers: Record<string, Answer>) => api.post<VoteAnswer>(`${pollPath(id)}/votes`, { name, answers }),
  updateVote: (t: PollTarget, voteId: number, name: string, answers: Record<string, Answer>, editToken?: string | null) =>
    api.request<Participant>("PUT", `${targetPath(t)}/votes/${voteId}`, editToken && t.kind === "public" ? { name, answers, edit_token: editToken } : { name, answers }),
  deleteVote: (t: PollTarget, voteId: number, editToken?: string | null) =>
    api.del(`${targetPath(t)}/votes/${voteId}${editToken && t.kind === "public" ? `?edit_token=${enc(editToken)}` : ""}`),
  comment: (id: string, author_name: string, text: string) => api.post<PollComment>(`${pollPath(id)}/comments`, { author_name, text }),
  deleteComment: (token: string, commentId: number) => api.del(`${adminPath(token)}/comments/${commentId}`),
  patch: (token: string, body: Record<string, unknown>) => api.patch<PollView>(adminPath(token), body),
  patchOptions: (token: string, options: OptionInput[]) => api.patch<PollView>(adminPath(token), { options }),
  finalise: (token: string, optionId: number | null) => api.post<PollView>(`${adminPath(token)}/finalise`, { option_id: optionId }),
  remove: (token: string) => api.del(adminPath(token)),
};

export const finalIcsUrl = (id: string) => `${pollPath(id)}/final.ics`;

/**
 * The name of a poll's video room: the same for everyone who has the poll's link, and a valid room
 * name (lower-case letters, digits, dashes) whatever characters the poll id holds.
 */
export function pollRoomName(pollId: string): string {
  const hex = Array.from(new TextEncoder().encode(pollId), (b) => b.toString(16).padStart(2, "0")).join("");
  return `poll-${hex}`.slice(0, 64);
}
export const csvUrl = (token: string) => `${adminPath(token)}/export.csv`;

/** The site paths (links built on this origin, whatever base URL the server believes it has). */
export const pollPage = (id: string) => `/poll/${enc(id)}`;
export const adminPage = (token: string) => `/poll/admin/${enc(token)}`;
export const editPage = (id: string, token: string) => `/poll/${enc(id)}?edit=${enc(token)}`;

/** The path of a URL the server built (".../poll/admin/…"), so links stay on this origin. */
export function sitePath(url: string): string {
  try {
    const u = new URL(url, "http://x.invalid");
    return u.pathname + u.search;
  } catch {
    return url;
  }
}
