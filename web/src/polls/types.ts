// Shapes of the polls API objects (docs/polls-api.md).
export type PollKind = "date" | "classic";
export type AnswerMode = "yes_maybe_no" | "yes_no";
export type ResultsMode = "everyone" | "after_voting" | "admin";
export type EditMode = "none" | "own" | "anyone";
export type Answer = "yes" | "maybe" | "no";

export interface PollOption {
  id: number;
  label: string;
  url: string | null;
  image_url: string | null;
  date: string | null;
  start: string | null;
  end: string | null;
  starts_at: string | null;
  ends_at: string | null;
  yes: number | null;
  maybe: number | null;
  no: number | null;
  remaining: number | null;
}

export interface Poll {
  id: string;
  kind: PollKind;
  title: string;
  description: string;
  description_html: string;
  author_name: string;
  timezone: string;
  answers: AnswerMode;
  deadline: string | null;
  results: ResultsMode;
  max_yes: number | null;
  one_choice: boolean;
  edit_mode: EditMode;
  closed: boolean;
  closed_reason: "closed" | "deadline" | null;
  final_option: number | null;
  protected: boolean;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface Participant {
  id: number;
  name: string;
  answers: (Answer | null)[];
  created_at: string;
  updated_at: string;
  editable: boolean;
}

export interface PollComment {
  id: number;
  author_name: string;
  text: string;
  created_at: string;
  deletable: boolean;
}

export interface AdminInfo {
  author_email: string | null;
  notify_votes: boolean;
  notify_comments: boolean;
  remind: boolean;
  purge_at: string | null;
  public_url: string;
  admin_url: string;
}

export interface PollView {
  poll: Poll;
  options: PollOption[];
  results_visible: boolean;
  participants: Participant[];
  best: number[];
  comments: PollComment[];
  me: { rows: number[] } | null;
  admin: AdminInfo | null;
}

/** One option as sent when creating or editing (PATCH keeps `id`). */
export interface OptionInput {
  id?: number;
  label?: string;
  url?: string | null;
  image_url?: string | null;
  date?: string;
  start?: string | null;
  end?: string | null;
}

export interface CreatePollBody {
  kind: PollKind;
  title: string;
  description: string;
  author_name: string;
  author_email: string | null;
  timezone: string;
  answers: AnswerMode;
  deadline: string | null;
  password: string | null;
  results: ResultsMode;
  max_yes: number | null;
  one_choice: boolean;
  edit_mode: EditMode;
  notify_votes: boolean;
  notify_comments: boolean;
  remind: boolean;
  options: OptionInput[];
}

export interface CreatedPoll {
  poll: Poll;
  url: string;
  admin_url: string;
  admin_token: string;
}

export interface VoteAnswer {
  participant: Participant;
  edit_token: string;
  edit_url: string;
}

/** The poll's part of a "My polls" entry. */
export interface PollSummary {
  id: string;
  kind: PollKind;
  title: string;
  closed: boolean;
  deadline: string | null;
  created_at: string;
  final_option: number | null;
}

/** One poll of `GET /api/v1/polls`: created by this account, or answered under it. */
export interface MyPoll {
  poll: PollSummary;
  url: string;
  /** The creator's only. */
  admin_url: string | null;
  role: "created" | "answered";
  /** A row under this account (the creator may have answered too). */
  answered: boolean;
  /** Null when only the poll's admin sees the rows and this account only answered. */
  participants: number | null;
  /** The poll's last change: the list is ordered by it, latest first. */
  activity_at: string;
}
