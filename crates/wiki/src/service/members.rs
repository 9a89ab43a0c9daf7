//! A wiki's members and their roles.

use super::*;

impl WikiService {
    pub async fn members(&self, slug: &str, actor: &Actor) -> WikiResult<Vec<Member>> {
        let (wiki, _) = self.load_admin(slug, actor).await?;
        let id = wiki.id;
        let rows = self.db.read(move |c| store::members(c, id)).await?;
        let mut out = Vec::new();
        for (uid, role) in rows {
            // An account that goes takes its memberships with it (`store::forget_user`): one
            // not found here is left out rather than listed without a name to manage it by.
            let Some(user) = self.auth.user_by_id(&uid).await.ok().flatten() else {
                continue;
            };
            out.push(Member {
                username: user.username,
                display_name: user.display_name,
                user_id: uid,
                role,
            });
        }
        Ok(out)
    }

    pub async fn set_member(
        &self,
        slug: &str,
        actor: &Actor,
        username: &str,
        role: Option<Role>,
    ) -> WikiResult<()> {
        let (wiki, _) = self.load_admin(slug, actor).await?;
        let user = self
            .auth
            .user_by_username(username)
            .await?
            .ok_or_else(|| Error::not_found(format!("no user named {username}")))?;
        let (id, uid) = (wiki.id, user.id.clone());
        self.db
            .write(move |c| {
                let current = store::role(c, id, &uid)?;
                let demoting_admin = current == Some(Role::Admin) && role != Some(Role::Admin);
                if demoting_admin && store::admin_count(c, id)? <= 1 {
                    return fail(WikiError::Other(Error::conflict(
                        "a wiki keeps at least one admin",
                    )));
                }
                match role {
                    Some(r) => store::set_member(c, id, &uid, r),
                    None => store::remove_member(c, id, &uid).map(|_| ()),
                }
            })
            .await?;
        Ok(())
    }
}
