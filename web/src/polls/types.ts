// Shapes of the polls API objects (docs/polls-api.md), generated from the server's Rust types
// (crates/polls/src/api.rs and input.rs; `cargo test -p nichoir-polls` writes them).
export type { Kind as PollKind } from "../generated/polls/Kind.ts";
export type { AnswerMode } from "../generated/polls/AnswerMode.ts";
export type { Visibility as ResultsMode } from "../generated/polls/Visibility.ts";
export type { EditMode } from "../generated/polls/EditMode.ts";
export type { Answer } from "../generated/polls/Answer.ts";
export type { PollOption } from "../generated/polls/PollOption.ts";
export type { Poll } from "../generated/polls/Poll.ts";
export type { Participant } from "../generated/polls/Participant.ts";
export type { PollComment } from "../generated/polls/PollComment.ts";
export type { AdminInfo } from "../generated/polls/AdminInfo.ts";
export type { PollView } from "../generated/polls/PollView.ts";
/** One option as sent when creating or editing (PATCH keeps `id`). */
export type { OptionInput } from "../generated/polls/OptionInput.ts";
export type { NewPoll as CreatePollBody } from "../generated/polls/NewPoll.ts";
export type { CreatedPoll } from "../generated/polls/CreatedPoll.ts";
export type { VoteAnswer } from "../generated/polls/VoteAnswer.ts";
/** The poll's part of a "My polls" entry. */
export type { PollSummary } from "../generated/polls/PollSummary.ts";
/** One poll of `GET /api/v1/polls`: created by this account, or answered under it. */
export type { MyPoll } from "../generated/polls/MyPoll.ts";
