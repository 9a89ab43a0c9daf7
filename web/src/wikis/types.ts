// The wiki objects of docs/wiki-api.md.

export type Visibility = "public" | "members" | "private";
export type EditPolicy = "anyone" | "users" | "editors";
export type Role = "admin" | "editor";
export type PageRule = "inherit" | "editors";
export type Template = "blank" | "project" | "association" | "event";
export type RevisionKind = "create" | "edit" | "revert" | "rename" | "delete";

export interface Wiki {
  slug: string;
  title: string;
  description: string;
  visibility: Visibility;
  edit_policy: EditPolicy;
  theme_color: string;
  home_page: string;
  menu: string;
  comments_enabled: boolean;
  /** Open to search engines (robots.txt); only ever true for a public wiki. */
  search_indexable: boolean;
  locked: boolean;
  created_at: string;
  updated_at: string;
  my_role: Role | null;
  can_edit: boolean;
  can_admin: boolean;
  menu_html?: string;
  watching?: boolean;
}

export interface DirectoryEntry {
  slug: string;
  title: string;
  description: string;
  theme_color: string;
  pages: number;
  updated_at: string;
}

export interface MyWiki {
  slug: string;
  title: string;
  role: Role;
  visibility: Visibility;
  updated_at: string;
}

export interface Member {
  user_id: string;
  username: string;
  display_name: string;
  role: Role;
}

export interface PageListEntry {
  name: string;
  rev: number;
  updated_at: string;
}

export interface TocEntry {
  level: number;
  text: string;
  id: string;
}

export interface PageAnswer {
  wiki: { slug: string; title: string; theme_color: string; home_page: string };
  page: {
    name: string;
    rev: number;
    html: string;
    toc: TocEntry[];
    created_at: string;
    updated_at: string;
    view_rule: PageRule;
    edit_rule: PageRule;
  };
  text: string;
  can_edit: boolean;
  can_admin: boolean;
  redirected_from: string | null;
  watching: boolean;
}

export interface SaveBody {
  text: string;
  base_rev: number | null;
  summary?: string;
  website?: string;
}

export interface SaveAnswer {
  rev: number;
  merged: boolean;
  created: boolean;
  /** The text was the current revision's: nothing was stored, `rev` is the current one. */
  unchanged?: boolean;
}

export interface ConflictBody {
  error: { code: string; message: string };
  conflict: { rev: number; text: string };
}

export interface Preview {
  html: string;
  toc: TocEntry[];
}

export interface Revision {
  rev: number;
  summary: string;
  kind: RevisionKind;
  author_name: string;
  created_at: string;
  size_change: number;
}

export interface History {
  page: string;
  rev: number;
  deleted: boolean;
  revisions: Revision[];
}

export interface RevisionText {
  page: string;
  rev: number;
  text: string;
  html: string;
}

export interface Segment {
  changed: boolean;
  text: string;
}

export interface DiffLine {
  kind: "same" | "added" | "removed";
  old_line: number | null;
  new_line: number | null;
  segments: Segment[];
  missing_newline?: boolean;
}

export interface Hunk {
  old_start: number;
  new_start: number;
  lines: DiffLine[];
}

export interface WikiDiff {
  added: number;
  removed: number;
  hunks: Hunk[];
}

export interface DiffAnswer {
  page: string;
  from: number;
  to: number;
  diff: WikiDiff;
}

export interface Backlink {
  name: string;
  updated_at: string;
}

export interface Change {
  page: string;
  rev: number;
  summary: string;
  kind: RevisionKind;
  author_name: string;
  created_at: string;
}

export interface ChangeEntry {
  id: number;
  change: Change;
}

export interface SearchHit {
  wiki: string;
  wiki_title: string;
  page: string;
  snippet: string;
}

export interface WikiFile {
  name: string;
  content_type: string;
  size: number;
  url: string;
  created_at?: string;
}

export interface WikiComment {
  id: number;
  author_name: string;
  text: string;
  created_at: string;
  deletable: boolean;
}

export interface WikiNotification {
  id: number;
  wiki: string;
  wiki_title: string;
  page: string;
  rev: number;
  actor_name: string;
  summary: string;
  /** The contract does not say its shape: a unified diff text, or a diff object. */
  diff: string | WikiDiff | null;
  created_at: string;
  read: boolean;
}

export interface CreateWikiBody {
  slug: string;
  title: string;
  description?: string;
  template?: Template;
  lang?: "en" | "fr";
  visibility?: Visibility;
  edit_policy?: EditPolicy;
  theme_color?: string;
}

export type WikiPatch = Partial<Pick<Wiki, "title" | "description" | "visibility" | "edit_policy" | "theme_color" | "home_page" | "menu" | "comments_enabled" | "search_indexable">>;
