// The wiki objects of docs/wiki-api.md. Those the server defines are generated from its Rust
// types (crates/wiki/src/api.rs, `cargo test -p nichoir-wiki`); only what it has no type for is
// written here.

export type { Visibility } from "../generated/wiki/Visibility.ts";
export type { EditPolicy } from "../generated/wiki/EditPolicy.ts";
export type { Role } from "../generated/wiki/Role.ts";
export type { PageRule } from "../generated/wiki/PageRule.ts";
export type { Wiki } from "../generated/wiki/Wiki.ts";
export type { DirectoryEntry } from "../generated/wiki/DirectoryEntry.ts";
export type { MyWiki } from "../generated/wiki/MyWiki.ts";
export type { PageListEntry } from "../generated/wiki/PageListEntry.ts";
export type { TocEntry } from "../generated/wiki/TocEntry.ts";
export type { PageAnswer } from "../generated/wiki/PageAnswer.ts";
export type { SaveInput as SaveBody } from "../generated/wiki/SaveInput.ts";
export type { SaveAnswer } from "../generated/wiki/SaveAnswer.ts";
export type { ConflictBody } from "../generated/wiki/ConflictBody.ts";
export type { Preview } from "../generated/wiki/Preview.ts";
export type { RevisionInfo as Revision } from "../generated/wiki/RevisionInfo.ts";
export type { History } from "../generated/wiki/History.ts";
export type { RevisionText } from "../generated/wiki/RevisionText.ts";
export type { Segment } from "../generated/wiki/Segment.ts";
export type { DiffLine } from "../generated/wiki/DiffLine.ts";
export type { Hunk } from "../generated/wiki/Hunk.ts";
export type { WikiDiff } from "../generated/wiki/WikiDiff.ts";
export type { DiffAnswer } from "../generated/wiki/DiffAnswer.ts";
export type { Backlink } from "../generated/wiki/Backlink.ts";
export type { ChangeInfo as Change } from "../generated/wiki/ChangeInfo.ts";
export type { ChangeEntry } from "../generated/wiki/ChangeEntry.ts";
export type { SearchHit } from "../generated/wiki/SearchHit.ts";
export type { WikiFile } from "../generated/wiki/WikiFile.ts";
export type { WikiComment } from "../generated/wiki/WikiComment.ts";
export type { WikiNotification } from "../generated/wiki/WikiNotification.ts";
export type { NewWiki as CreateWikiBody } from "../generated/wiki/NewWiki.ts";
export type { WikiPatch } from "../generated/wiki/WikiPatch.ts";
export type { Member } from "../generated/wiki/Member.ts";

export type { Template } from "../generated/wiki/Template.ts";
export type { RevisionKind } from "../generated/wiki/RevisionKind.ts";
