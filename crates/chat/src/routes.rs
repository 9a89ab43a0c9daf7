//! Chat HTTP routes (docs/chat-api.md). Signed-in users only.

use std::sync::Arc;

use crate::api::{
    BrowseChannel, CadenceBody, CallStarted, Channel, ChannelMember, ChannelPatch, ChatFile,
    ChatStatus, CreateChannelBody, CreateTeamBody, CreatedWebhook, DirectBody, EditBody,
    EmailChoice, Empty, FileQuery, FollowedThread, HookBody, HookPayload, HookPosted, ImportResult,
    NewPostBody, NotifyBody, Post, PostProps, Posts, PostsQuery, PreviewQuery, RetentionBody,
    SearchQuery, SearchResults, StatusBody, Team, TeamMember, TeamMemberBody, Thread,
    UnsubscribeBody, ViewBody, Webhook,
};
use crate::service::ChatService;
use actix_web::http::Method;
use actix_web::{web, HttpResponse};
use nichoir_http::{doc, Access, Api, ApiResult, SignedIn};

type Chat = web::Data<Arc<ChatService>>;

#[rustfmt::skip] // one line per route reads as a table
pub fn declare(api: Api) -> Api {
    let m = |s: &str| Method::from_bytes(s.as_bytes()).unwrap_or(Method::GET);
    let u = Access::User;
    api.route(doc(m("POST"), "/api/v1/chat/teams", "chat", "Create a team (with its town square); I am its admin", u)
            .takes::<CreateTeamBody>().answers::<Team>().ok(201, "application/json").errors(&[409]), create_team)
        .route(doc(m("GET"), "/api/v1/chat/teams", "chat", "My teams", u).answers::<Vec<Team>>(), my_teams)
        .route(doc(m("GET"), "/api/v1/chat/email", "chat", "How often I am mailed about mentions and direct messages I have not seen, and the instance's default", u).answers::<EmailChoice>(), email_choice)
        .route(doc(m("PUT"), "/api/v1/chat/email", "chat", "Choose how often I am mailed about what I missed: immediately, 15min, hourly or never", u)
            .takes::<CadenceBody>().answers::<EmailChoice>(), set_email_choice)
        .route(doc(m("POST"), "/api/v1/chat/email/unsubscribe", "chat", "One click in a mail about missed messages: no more of them (the same answer for any token)", Access::Public)
            .takes::<UnsubscribeBody>().ok(204, ""), unsubscribe)
        .route(doc(m("POST"), "/api/v1/chat/email/one-click", "chat", "The one-click unsubscribe of mail apps (RFC 8058: List-Unsubscribe-Post): no more mail about missed messages (?token=)", Access::Public)
            .raw_body("application/x-www-form-urlencoded").query::<UnsubscribeBody>().ok(204, ""), one_click)
        .route(doc(m("GET"), "/api/v1/chat/status", "chat", "My custom status (emoji, text, when it clears), or null", u).answers::<Option<ChatStatus>>(), my_status)
        .route(doc(m("PUT"), "/api/v1/chat/status", "chat", "Set my custom status: an emoji, a line, cleared after minutes (or never)", u)
            .takes::<StatusBody>().answers::<Option<ChatStatus>>(), set_status)
        .route(doc(m("DELETE"), "/api/v1/chat/status", "chat", "Clear my custom status", u).ok(204, ""), clear_status)
        .route(doc(m("GET"), "/api/v1/chat/teams/open", "chat", "Open teams I may join", u).answers::<Vec<Team>>(), open_teams)
        .route(doc(m("POST"), "/api/v1/chat/teams/{team}/join", "chat", "Join an open team", u).answers::<Team>(), join_team)
        .route(doc(m("POST"), "/api/v1/chat/teams/{team}/leave", "chat", "Leave a team", u).ok(204, ""), leave_team)
        .route(doc(m("GET"), "/api/v1/chat/teams/{team}/members", "chat", "Team members (?q= for mention autocomplete)", u).query::<SearchQuery>().answers::<Vec<TeamMember>>(), team_members)
        .route(doc(m("PUT"), "/api/v1/chat/teams/{team}/members/{username}", "chat", "Add a user to the team or change their role; a guest (role guest) gets only the listed channels (team admins)", u)
            .takes::<TeamMemberBody>().ok(204, ""), set_team_member)
        .route(doc(m("DELETE"), "/api/v1/chat/teams/{team}/members/{username}", "chat", "Remove a user from the team (team admins)", u).ok(204, ""), remove_team_member)
        .route(doc(m("GET"), "/api/v1/chat/teams/{team}/channels", "chat", "My channels in the team and my direct messages, with unread counts", u).answers::<Vec<Channel>>(), team_channels)
        .route(doc(m("GET"), "/api/v1/chat/teams/{team}/channels/browse", "chat", "Public channels of the team (?q=)", u).query::<SearchQuery>().answers::<Vec<BrowseChannel>>(), browse)
        .route(doc(m("POST"), "/api/v1/chat/teams/{team}/channels", "chat", "Create a channel", u)
            .takes::<CreateChannelBody>().answers::<Channel>().ok(201, "application/json"), create_channel)
        .route(doc(m("GET"), "/api/v1/chat/teams/{team}/threads", "chat", "Threads I follow, with unread replies", u).answers::<Vec<FollowedThread>>(), threads)
        .route(doc(m("GET"), "/api/v1/chat/teams/{team}/search", "chat", "Search messages (?q= words in:channel from:user before:date after:date)", u).query::<SearchQuery>().answers::<SearchResults>(), search)
        .route(doc(m("POST"), "/api/v1/chat/direct", "chat", "Open a direct (one person) or group (2–7) conversation", u)
            .takes::<DirectBody>().answers::<Channel>().errors(&[404]), direct)
        .route(doc(m("GET"), "/api/v1/chat/channels/{id}", "chat", "A channel", u).answers::<Channel>(), channel)
        .route(doc(m("PATCH"), "/api/v1/chat/channels/{id}", "chat", "Change a channel's name, header or purpose", u)
            .takes::<ChannelPatch>().answers::<Channel>(), patch_channel)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/join", "chat", "Join a public channel", u).ok(204, ""), join_channel)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/leave", "chat", "Leave a channel", u).ok(204, "").errors(&[422]), leave_channel)
        .route(doc(m("GET"), "/api/v1/chat/channels/{id}/members", "chat", "Channel members", u).answers::<Vec<ChannelMember>>(), channel_members)
        .route(doc(m("PUT"), "/api/v1/chat/channels/{id}/members/{username}", "chat", "Add someone of the team to the channel", u).ok(204, ""), add_member)
        .route(doc(m("DELETE"), "/api/v1/chat/channels/{id}/members/{username}", "chat", "Remove someone from the channel (channel admins)", u).ok(204, ""), remove_member)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/archive", "chat", "Archive a channel: read-only, still searchable", u).ok(204, "").errors(&[422]), archive)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/unarchive", "chat", "Unarchive a channel", u).ok(204, "").errors(&[422]), unarchive)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/view", "chat", "Mark the channel read (on every device)", u)
            .takes::<ViewBody>().ok(204, ""), view)
        .route(doc(m("PUT"), "/api/v1/chat/channels/{id}/notify", "chat", "My notifications in the channel: level all (every message), mentions, or none (muted); {\"muted\": true} is none", u)
            .takes::<NotifyBody>().ok(204, ""), notify)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/call", "chat", "Start a call: the channel's video room, a card posted with its link; in a direct or group conversation the others' devices ring", u)
            .takes::<Empty>().answers::<CallStarted>().ok(201, "application/json"), start_call)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/call/stop", "chat", "Stop the ringing of the conversation's call (answered, declined or given up)", u)
            .takes::<Empty>().ok(204, ""), stop_ringing)
        .route(doc(m("GET"), "/api/v1/chat/channels/{id}/posts", "chat", "Messages (?before=ID, ?after=ID or ?around=ID; &limit=)", u).query::<PostsQuery>().answers::<Posts>(), posts)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/posts", "chat", "Send a message (root_id for a thread reply)", u)
            .takes::<NewPostBody>().answers::<Post>().ok(201, "application/json"), create_post)
        .route(doc(m("GET"), "/api/v1/chat/channels/{id}/pinned", "chat", "Pinned messages", u).answers::<Vec<Post>>(), pinned)
        .route(doc(m("GET"), "/api/v1/chat/posts/{id}", "chat", "A message (permalinks)", u).answers::<Post>(), get_post)
        .route(doc(m("PATCH"), "/api/v1/chat/posts/{id}", "chat", "Edit my message", u).takes::<EditBody>().answers::<Post>(), edit_post)
        .route(doc(m("DELETE"), "/api/v1/chat/posts/{id}", "chat", "Delete a message (its author, channel admins)", u).ok(204, ""), delete_post)
        .route(doc(m("GET"), "/api/v1/chat/posts/{id}/thread", "chat", "A thread: root and replies", u).answers::<Thread>(), thread)
        .route(doc(m("POST"), "/api/v1/chat/posts/{id}/thread/view", "chat", "Mark a thread read", u).ok(204, ""), thread_view)
        .route(doc(m("PUT"), "/api/v1/chat/posts/{id}/follow", "chat", "Follow a thread", u).ok(204, ""), follow)
        .route(doc(m("DELETE"), "/api/v1/chat/posts/{id}/follow", "chat", "Stop following a thread", u).ok(204, ""), unfollow)
        .route(doc(m("PUT"), "/api/v1/chat/posts/{id}/reactions/{emoji}", "chat", "React with an emoji (character or shortcode)", u).ok(204, ""), react)
        .route(doc(m("DELETE"), "/api/v1/chat/posts/{id}/reactions/{emoji}", "chat", "Remove my reaction", u).ok(204, ""), unreact)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/files", "chat", "Upload a file to the channel (?name=; the body is the file with its Content-Type); then post with file_ids", u).raw_body("application/octet-stream").query::<FileQuery>().answers::<ChatFile>().ok(201, "application/json"), upload)
        .route(doc(m("GET"), "/api/v1/chat/files/{file}", "chat", "A file, with its channel's read rights", u).ok(200, "application/octet-stream"), file)
        .route(doc(m("GET"), "/api/v1/chat/files/{file}/thumbnail", "chat", "An image's thumbnail (PNG, at most 400 px)", u).ok(200, "image/png"), thumbnail)
        .route(doc(m("POST"), "/api/v1/chat/channels/{id}/webhooks", "chat", "Add an incoming webhook (channel or team admins); answers its secret URL once", u)
            .takes::<HookBody>().answers::<CreatedWebhook>().ok(201, "application/json"), create_webhook)
        .route(doc(m("GET"), "/api/v1/chat/channels/{id}/webhooks", "chat", "The channel's webhooks (channel or team admins)", u).answers::<Vec<Webhook>>(), webhooks)
        .route(doc(m("DELETE"), "/api/v1/chat/channels/{id}/webhooks/{hook}", "chat", "Remove a webhook", u).ok(204, ""), delete_webhook)
        .route(doc(m("POST"), "/hooks/{secret}", "chat", "Incoming webhook: Slack/Mattermost JSON {\"text\", \"username\"?, \"attachments\"?}", Access::Public)
            .takes::<HookPayload>().answers::<HookPosted>(), receive_hook)
        .route(doc(m("PUT"), "/api/v1/chat/channels/{id}/retention", "chat", "The channel's own message retention in days, or null for the instance's (team admins)", u)
            .takes::<RetentionBody>().ok(204, ""), retention)
        .route(doc(m("POST"), "/api/v1/chat/teams/{team}/import/slack", "chat", "Import a Slack export zip into the team: channels, messages, threads, reactions (team admins)", u).raw_body("application/octet-stream")
            .answers::<ImportResult>(), import_slack)
        .route(doc(m("POST"), "/api/v1/chat/teams/{team}/import/mattermost", "chat", "Import a Mattermost bulk export (JSONL, or a zip holding it) into the team (team admins)", u).raw_body("application/octet-stream")
            .answers::<ImportResult>(), import_mattermost)
        .route(doc(m("GET"), "/api/v1/chat/preview", "chat", "A card for a link to this instance's pad, poll or wiki page (?url=), as I may see it", u).query::<PreviewQuery>().answers::<nichoir_http::preview::LinkPreview>().errors(&[404]), preview)
        .route(doc(m("PUT"), "/api/v1/chat/posts/{id}/pin", "chat", "Pin a message", u).ok(204, ""), pin)
        .route(doc(m("DELETE"), "/api/v1/chat/posts/{id}/pin", "chat", "Unpin a message", u).ok(204, ""), unpin)
}

fn ok(v: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok().json(v)
}

fn done() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn create_team(
    s: Chat,
    who: SignedIn,
    b: web::Json<CreateTeamBody>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(
        s.create_team(&who.0, &b.name, &b.display_name, &b.description, b.open)
            .await?,
    ))
}

async fn my_teams(s: Chat, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(ok(s.my_teams(&who.0).await?))
}

async fn open_teams(s: Chat, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(ok(s.open_teams(&who.0).await?))
}

async fn join_team(s: Chat, who: SignedIn, team: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(ok(s.join_team(&who.0, &team).await?))
}

async fn leave_team(s: Chat, who: SignedIn, team: web::Path<String>) -> ApiResult<HttpResponse> {
    s.leave_team(&who.0, &team).await?;
    Ok(done())
}

async fn team_members(
    s: Chat,
    who: SignedIn,
    team: web::Path<String>,
    q: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    Ok(ok(s.team_members(&who.0, &team, &q.q).await?))
}

async fn set_team_member(
    s: Chat,
    who: SignedIn,
    p: web::Path<(String, String)>,
    b: web::Json<TeamMemberBody>,
) -> ApiResult<HttpResponse> {
    let (team, user) = p.into_inner();
    let b = b.into_inner();
    let role = b.role.clone().unwrap_or_else(|| "member".into());
    if role == "guest" {
        let channels = b.channels;
        s.add_guest(&who.0, &team, &user, &channels).await?;
    } else {
        s.set_team_member(&who.0, &team, &user, Some(&role)).await?;
    }
    Ok(done())
}

async fn remove_team_member(
    s: Chat,
    who: SignedIn,
    p: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (team, user) = p.into_inner();
    s.set_team_member(&who.0, &team, &user, None).await?;
    Ok(done())
}

async fn team_channels(s: Chat, who: SignedIn, team: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(ok(s.team_channels(&who.0, &team).await?))
}

async fn browse(
    s: Chat,
    who: SignedIn,
    team: web::Path<String>,
    q: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    Ok(ok(s.browse(&who.0, &team, &q.q).await?))
}

async fn create_channel(
    s: Chat,
    who: SignedIn,
    team: web::Path<String>,
    b: web::Json<CreateChannelBody>,
) -> ApiResult<HttpResponse> {
    let v = s.create_channel(&who.0, &team, b.into_inner()).await?;
    Ok(HttpResponse::Created().json(v))
}

async fn threads(s: Chat, who: SignedIn, team: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(ok(s.threads(&who.0, &team).await?))
}

async fn search(
    s: Chat,
    who: SignedIn,
    team: web::Path<String>,
    q: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    Ok(ok(s.search(&who.0, &team, &q.q).await?))
}

async fn direct(s: Chat, who: SignedIn, b: web::Json<DirectBody>) -> ApiResult<HttpResponse> {
    Ok(ok(s.direct(&who.0, &b.usernames).await?))
}

async fn channel(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(ok(s.channel_for(&who.0, &id).await?.0))
}

async fn patch_channel(
    s: Chat,
    who: SignedIn,
    id: web::Path<String>,
    b: web::Json<ChannelPatch>,
) -> ApiResult<HttpResponse> {
    Ok(ok(s
        .patch_channel(
            &who.0,
            &id,
            b.display_name.as_deref(),
            b.header.as_deref(),
            b.purpose.as_deref(),
        )
        .await?))
}

async fn join_channel(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    s.join_channel(&who.0, &id).await?;
    Ok(done())
}

async fn leave_channel(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    s.leave_channel(&who.0, &id).await?;
    Ok(done())
}

async fn channel_members(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(ok(s.channel_members(&who.0, &id).await?))
}

async fn add_member(
    s: Chat,
    who: SignedIn,
    p: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, user) = p.into_inner();
    s.add_member_by_name(&who.0, &id, &user).await?;
    Ok(done())
}

async fn remove_member(
    s: Chat,
    who: SignedIn,
    p: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, user) = p.into_inner();
    s.remove_member_by_name(&who.0, &id, &user).await?;
    Ok(done())
}

async fn archive(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    s.set_archived(&who.0, &id, true).await?;
    Ok(done())
}

async fn unarchive(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    s.set_archived(&who.0, &id, false).await?;
    Ok(done())
}

async fn view(
    s: Chat,
    who: SignedIn,
    id: web::Path<String>,
    b: web::Json<ViewBody>,
) -> ApiResult<HttpResponse> {
    s.view(&who.0, &id, b.post_id).await?;
    Ok(done())
}

async fn notify(
    s: Chat,
    who: SignedIn,
    id: web::Path<String>,
    b: web::Json<NotifyBody>,
) -> ApiResult<HttpResponse> {
    let level = match (&b.level, b.muted) {
        (Some(l), _) => l.as_str(),
        (None, Some(true)) => "none",
        (None, Some(false)) => "mentions",
        (None, None) => {
            return Err(
                nichoir_core::Error::validation("level: \"all\", \"mentions\" or \"none\"").into(),
            )
        }
    };
    s.set_notify(&who.0, &id, level).await?;
    Ok(done())
}

async fn my_status(s: Chat, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.my_status(&who.0).await?))
}

async fn set_status(s: Chat, who: SignedIn, b: web::Json<StatusBody>) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.set_status(&who.0, b.into_inner()).await?))
}

async fn clear_status(s: Chat, who: SignedIn) -> ApiResult<HttpResponse> {
    s.clear_status(&who.0).await?;
    Ok(done())
}

async fn start_call(
    s: Chat,
    who: SignedIn,
    id: web::Path<String>,
    _b: web::Json<Empty>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(s.start_call(&who.0, &id).await?))
}

async fn stop_ringing(
    s: Chat,
    who: SignedIn,
    id: web::Path<String>,
    _b: web::Json<Empty>,
) -> ApiResult<HttpResponse> {
    s.stop_ringing(&who.0, &id).await?;
    Ok(done())
}

async fn posts(
    s: Chat,
    who: SignedIn,
    id: web::Path<String>,
    q: web::Query<PostsQuery>,
) -> ApiResult<HttpResponse> {
    Ok(ok(s
        .posts(
            &who.0,
            &id,
            q.before,
            q.after,
            q.around,
            q.limit.unwrap_or(50),
        )
        .await?))
}

async fn create_post(
    s: Chat,
    who: SignedIn,
    id: web::Path<String>,
    b: web::Json<NewPostBody>,
) -> ApiResult<HttpResponse> {
    let b = b.into_inner();
    // Signed in with an API token rather than a browser session: a bot or a script, shown with
    // a BOT tag as Mattermost shows its bots' messages.
    let props = PostProps {
        from_bot: (who.0.as_user().is_some() && who.0.session_id().is_none()).then_some(true),
        ..PostProps::default()
    };
    let v = s
        .create_post_with(
            &who.0,
            &id,
            &b.text,
            b.root_id,
            b.client_id.as_deref(),
            &b.file_ids,
            props,
        )
        .await?;
    Ok(HttpResponse::Created().json(v))
}

async fn pinned(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(ok(s.pinned(&who.0, &id).await?))
}

async fn get_post(s: Chat, who: SignedIn, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    Ok(ok(s.get_post(&who.0, *id).await?))
}

async fn edit_post(
    s: Chat,
    who: SignedIn,
    id: web::Path<i64>,
    b: web::Json<EditBody>,
) -> ApiResult<HttpResponse> {
    Ok(ok(s.edit_post(&who.0, *id, &b.text).await?))
}

async fn delete_post(s: Chat, who: SignedIn, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    s.delete_post(&who.0, *id).await?;
    Ok(done())
}

async fn thread(s: Chat, who: SignedIn, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    Ok(ok(s.thread(&who.0, *id).await?))
}

async fn thread_view(s: Chat, who: SignedIn, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    s.thread_viewed(&who.0, *id).await?;
    Ok(done())
}

async fn follow(s: Chat, who: SignedIn, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    s.follow(&who.0, *id, true).await?;
    Ok(done())
}

async fn unfollow(s: Chat, who: SignedIn, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    s.follow(&who.0, *id, false).await?;
    Ok(done())
}

async fn react(s: Chat, who: SignedIn, p: web::Path<(i64, String)>) -> ApiResult<HttpResponse> {
    let (id, emoji) = p.into_inner();
    s.react(&who.0, id, &emoji, true).await?;
    Ok(done())
}

async fn unreact(s: Chat, who: SignedIn, p: web::Path<(i64, String)>) -> ApiResult<HttpResponse> {
    let (id, emoji) = p.into_inner();
    s.react(&who.0, id, &emoji, false).await?;
    Ok(done())
}

async fn pin(s: Chat, who: SignedIn, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    s.pin(&who.0, *id, true).await?;
    Ok(done())
}

async fn unpin(s: Chat, who: SignedIn, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    s.pin(&who.0, *id, false).await?;
    Ok(done())
}

async fn upload(
    s: Chat,
    who: SignedIn,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
    q: web::Query<FileQuery>,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes =
        nichoir_http::read_body(body, (s.max_file_bytes as usize).saturating_add(1)).await?;
    Ok(HttpResponse::Created().json(
        s.upload(&who.0, &id, &q.name, &declared, bytes.to_vec())
            .await?,
    ))
}

async fn file(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let (name, ct, bytes) = s.file(&who.0, &id, false).await?;
    Ok(nichoir_http::file_download(&name, ct, bytes))
}

async fn thumbnail(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let (name, ct, bytes) = s.file(&who.0, &id, true).await?;
    Ok(nichoir_http::file_download(&name, ct, bytes))
}

async fn create_webhook(
    s: Chat,
    who: SignedIn,
    id: web::Path<String>,
    b: web::Json<HookBody>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created().json(s.create_webhook(&who.0, &id, &b.display_name).await?))
}

async fn webhooks(s: Chat, who: SignedIn, id: web::Path<String>) -> ApiResult<HttpResponse> {
    Ok(ok(s.webhooks(&who.0, &id).await?))
}

async fn delete_webhook(
    s: Chat,
    who: SignedIn,
    p: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, hook) = p.into_inner();
    s.delete_webhook(&who.0, &id, &hook).await?;
    Ok(done())
}

async fn receive_hook(
    s: Chat,
    secret: web::Path<String>,
    b: web::Json<HookPayload>,
) -> ApiResult<HttpResponse> {
    Ok(ok(s.receive_hook(&secret, b.into_inner()).await?))
}

async fn retention(
    s: Chat,
    who: SignedIn,
    id: web::Path<String>,
    b: web::Json<RetentionBody>,
) -> ApiResult<HttpResponse> {
    s.set_retention(&who.0, &id, b.days).await?;
    Ok(done())
}

async fn preview(s: Chat, who: SignedIn, q: web::Query<PreviewQuery>) -> ApiResult<HttpResponse> {
    Ok(ok(s.preview(&who.0, &q.url).await?))
}

async fn import_slack(
    s: Chat,
    who: SignedIn,
    team: web::Path<String>,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    // An export is bigger than one file: allow ten times the upload limit.
    let bytes =
        nichoir_http::read_body(body, (s.max_file_bytes as usize).saturating_mul(10)).await?;
    Ok(ok(s.import_slack(&who.0, &team, &bytes).await?))
}

async fn import_mattermost(
    s: Chat,
    who: SignedIn,
    team: web::Path<String>,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let bytes =
        nichoir_http::read_body(body, (s.max_file_bytes as usize).saturating_mul(10)).await?;
    Ok(ok(s.import_mattermost(&who.0, &team, &bytes).await?))
}

async fn email_choice(s: Chat, who: SignedIn) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.email_choice(who.0.id()).await?))
}

async fn set_email_choice(
    s: Chat,
    who: SignedIn,
    body: web::Json<CadenceBody>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(s.set_email_choice(who.0.id(), &body.cadence).await?))
}

async fn unsubscribe(s: Chat, body: web::Json<UnsubscribeBody>) -> ApiResult<HttpResponse> {
    s.unsubscribe(&body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// RFC 8058: the mail app POSTs `List-Unsubscribe=One-Click` to the URL of the mail's header; the
/// token is in the URL, the body says nothing more.
async fn one_click(s: Chat, q: web::Query<UnsubscribeBody>) -> ApiResult<HttpResponse> {
    s.unsubscribe(&q.token).await?;
    Ok(HttpResponse::NoContent().finish())
}
