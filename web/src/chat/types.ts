// Shapes of the chat API objects (docs/chat-api.md): those the server's Rust types give
// (crates/chat/src/api.rs) are generated and re-exported here; the rest are the UI's own.

import type { ChannelMember } from "../generated/chat/ChannelMember.ts";
import type { Post } from "../generated/chat/Post.ts";
import type { TeamMember } from "../generated/chat/TeamMember.ts";

export type { ChatUser } from "../generated/chat/ChatUser.ts";

export type { ChatStatus } from "../generated/chat/ChatStatus.ts";

export type { MemberRole } from "../generated/chat/MemberRole.ts";

export type { TeamRole } from "../generated/chat/TeamRole.ts";

export type { ChannelMember } from "../generated/chat/ChannelMember.ts";

/** Someone in a list of people: a team's members (team roles) or a channel's (channel roles). */
export type ChatMember = TeamMember | ChannelMember;

export type { Team } from "../generated/chat/Team.ts";

export type { ChannelKind } from "../generated/chat/ChannelKind.ts";

export type { ChannelMe } from "../generated/chat/ChannelMe.ts";

export type { NotifyLevel } from "../generated/chat/NotifyLevel.ts";

export type { Channel } from "../generated/chat/Channel.ts";

export type { BrowseChannel } from "../generated/chat/BrowseChannel.ts";

export type { Reaction } from "../generated/chat/Reaction.ts";

export type { Post } from "../generated/chat/Post.ts";

export type { PostProps } from "../generated/chat/PostProps.ts";

export type { ChatFile } from "../generated/chat/ChatFile.ts";

export type { LinkPreview } from "../generated/http/LinkPreview.ts";

/** A message typed here and not yet confirmed by the server: shown where its Post will be. */
export interface PendingPost extends Pick<Post, "channel_id" | "root_id" | "text" | "created_at"> {
  client_id: string;
  failed: boolean;
  file_ids?: string[];
}

export type { PostPage } from "../generated/chat/PostPage.ts";

export type { AroundPage } from "../generated/chat/AroundPage.ts";

export type { Thread } from "../generated/chat/Thread.ts";

export type { FollowedThread } from "../generated/chat/FollowedThread.ts";

export type { SearchPost } from "../generated/chat/SearchPost.ts";

export type { PresenceStatus } from "../generated/chat/PresenceStatus.ts";

export type { CreateTeamBody } from "../generated/chat/CreateTeamBody.ts";

export type { CreateChannelBody } from "../generated/chat/CreateChannelBody.ts";

export type { ChannelPatch } from "../generated/chat/ChannelPatch.ts";

export type { TeamMember } from "../generated/chat/TeamMember.ts";

export type { TeamMemberBody } from "../generated/chat/TeamMemberBody.ts";

export type { Webhook } from "../generated/chat/Webhook.ts";

export type { CreatedWebhook } from "../generated/chat/CreatedWebhook.ts";

export type ImportSource = "slack" | "mattermost";

export type { ImportResult } from "../generated/chat/ImportResult.ts";
