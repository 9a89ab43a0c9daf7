//! Search in a team's channels, and cards for links to the other tools.

use super::*;

impl ChatService {
    /// Whether a search's `in:` words name channel `c` (every channel when there are none).
    pub(crate) fn named_in(s: &text::Search, c: &ChannelRow) -> bool {
        s.in_channels.is_empty()
            || s.in_channels
                .iter()
                .any(|n| *n == c.name || c.display_name.to_lowercase() == *n)
    }

    /// The posts a parsed search finds in `channel_ids`, newest first (none when a `from:`
    /// names nobody).
    pub(crate) async fn find_posts(
        &self,
        s: &text::Search,
        channel_ids: Vec<String>,
        limit: i64,
    ) -> ChatResult<Vec<PostRow>> {
        let mut users = Vec::new();
        for name in &s.from_users {
            match self.auth.user_by_username(name).await? {
                Some(u) => users.push(u.id),
                None => return Ok(Vec::new()),
            }
        }
        let day = |d: &str| nichoir_core::time::day_start_ms(d);
        let before_ms = s.before.as_deref().and_then(day);
        let after_ms = s.after.as_deref().and_then(day).map(|ms| ms + 86_400_000);
        let fts = s.fts.clone();
        Ok(self
            .db
            .read(move |c| {
                store::search(
                    c,
                    &store::SearchFilter {
                        fts: &fts,
                        channel_ids: &channel_ids,
                        user_ids: &users,
                        before_ms,
                        after_ms,
                    },
                    limit,
                )
            })
            .await?)
    }

    pub async fn search(&self, actor: &Actor, team: &str, q: &str) -> ChatResult<SearchResults> {
        let me = Self::me(actor)?;
        let (team, _) = self.member_team(team, &me.id).await?;
        let s = text::parse_search(q)?;
        let (tid, uid) = (team.id.clone(), me.id.clone());
        let mine = self
            .db
            .read(move |c| store::my_channels(c, &tid, &uid))
            .await?;
        let channels: Vec<&ChannelRow> = mine
            .iter()
            .map(|(c, _)| c)
            .filter(|c| Self::named_in(&s, c))
            .collect();
        let ids: Vec<String> = channels.iter().map(|c| c.id.clone()).collect();
        let rows = self.find_posts(&s, ids, 100).await?;
        let by_id: HashMap<&str, &ChannelRow> =
            channels.iter().map(|c| (c.id.as_str(), *c)).collect();
        let posts = self.posts_view(&rows, &me.id).await?;
        // Every post found is in one of `channels`: the search looked nowhere else.
        let posts = posts
            .into_iter()
            .filter_map(|post| {
                let ch = by_id.get(post.channel_id.as_str())?;
                let channel = ChannelRef {
                    id: ch.id.clone(),
                    name: ch.name.clone(),
                    display_name: ch.display_name.clone(),
                };
                Some(SearchPost { post, channel })
            })
            .collect();
        Ok(SearchResults { posts })
    }

    // ---- link previews ----------------------------------------------------------------------

    /// A card for a link to this instance's pad, poll or wiki page, as `actor` may see it.
    pub async fn preview(
        &self,
        actor: &Actor,
        url: &str,
    ) -> ChatResult<nichoir_http::preview::LinkPreview> {
        let path = local_path(url, &self.base_url)
            .ok_or_else(|| not_found("not a link to this instance"))?;
        for p in &self.previewers {
            if let Some(card) = p.preview(&path, Some(actor)).await {
                return Ok(card);
            }
        }
        Err(not_found("nothing to preview at this link, or not for you"))
    }
}
