//! Renaming a page, the old name kept as a redirect.

use super::*;

impl WikiService {
    /// Renames a page; the old name keeps working as a redirect unless `redirect` is false.
    pub async fn rename(
        &self,
        slug: &str,
        name: &str,
        new_name: &str,
        redirect: bool,
        actor: &Actor,
    ) -> WikiResult<Renamed> {
        let (wiki, page) = self.editable_page(slug, name, actor).await?;
        let display = validate_page_name(new_name)?;
        let new_key = page_key(&display);
        let (author_id, author_name) = (actor.id().to_string(), actor.display_name().to_string());
        let base_url = self.base_url.clone();
        let rev = self
            .db
            .write(move |c| {
                let now = now_ms();
                if new_key != page.key {
                    if let Some(other) = store::page(c, wiki.id, &new_key)? {
                        if !other.deleted && other.redirect_to.is_none() {
                            return fail(WikiError::PageExists(other.name));
                        }
                        // A deleted page or an old redirect under that name gives way.
                        store::unindex(c, other.id)?;
                        store::delete_page_row(c, other.id)?;
                    }
                }
                let summary = format!("Renamed from \"{}\"", page.name);
                let w = store::Write {
                    text: &page.text,
                    html: page.html.as_deref().unwrap_or(""),
                    toc: page.toc.as_deref().unwrap_or("[]"),
                    summary: &summary,
                    kind: "rename",
                    author_id: Some(&author_id),
                    author_name: &author_name,
                    now,
                };
                let rev = store::rename(c, &page, &display, &new_key, &w)?;
                if new_key != page.key {
                    if redirect {
                        store::insert_redirect(c, wiki.id, &page.name, &page.key, &new_key, now)?;
                    } else {
                        refresh_linkers(c, &wiki, &page.key, &base_url)?;
                    }
                    refresh_linkers(c, &wiki, &new_key, &base_url)?;
                    if page.key == page_key(&wiki.home_page) {
                        store::set_home_page(c, wiki.id, &display)?;
                    }
                }
                Ok(rev)
            })
            .await?;
        Ok(Renamed {
            name: new_name.trim().to_string(),
            rev,
        })
    }
}
