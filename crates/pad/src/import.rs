//! Import into pads: plain text, Markdown, HTML, DOCX and ODT (converted to Markdown) replace
//! the text as one new revision; an Etherpad `.etherpad` export becomes a new pad with its history, authors
//! and chat. Export to HTML renders the Markdown and sanitises the result.

use nichoir_auth::{avatar_color_for, Actor};
use nichoir_core::time::now_ms;
use nichoir_core::{limits, work, Error, Field, Rule};

use crate::authorship::Authorship;
use crate::chat_store;
use crate::etherpad_file::ImportedPad;
use crate::model::{Author, PadInfo};
use crate::service::{Applied, PadError, PadService};
use crate::store::{self, NewRev};

/// The pad's Markdown as safe HTML (no scripts, no event handlers, no foreign styles), rendered
/// on the work pool under its limits and deadline.
pub async fn markdown_to_html(text: String) -> Result<String, Error> {
    work::run(move || nichoir_core::markdown::to_html(&text)).await
}

/// HTML to Markdown (htmd), refused over the size and nesting limits: htmd recurses once per
/// element and html5ever's scope checks walk the open elements, so nesting is checked twice, on
/// the text before parsing (cheap, over-estimating) and on the parsed tree before converting
/// (exact: the parser can re-open formatting elements). Runs on the work pool.
pub fn html_to_markdown(html: &str) -> Result<String, Error> {
    limits::check_html(html)?;
    let converter = htmd::HtmlToMarkdown::new();
    let tree = converter.html_to_tree(html).map_err(|e| {
        Error::validation(format!("cannot read this HTML: {e}"))
            .with_invalid(Field::File, Rule::BadFormat { example: None })
    })?;
    let max = limits::max_nesting();
    let mut stack = vec![(std::rc::Rc::clone(&tree), 0usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > max + 3 {
            // The document, <html> and <body> that the parser adds, and the text in the deepest
            // element.
            return Err(Error::validation(format!(
                "the HTML nests deeper than the limit of {max} levels; flatten it"
            ))
            .with_invalid(Field::File, Rule::TooDeep { max: max as u64 }));
        }
        for child in node.children.borrow().iter() {
            stack.push((std::rc::Rc::clone(child), depth + 1));
        }
    }
    if work::over_budget() {
        return Err(work::exceeded());
    }
    Ok(converter.tree_to_markdown(&tree))
}

impl PadService {
    /// Replaces the text with an imported file's content (`txt`, `md` or `html`).
    pub async fn import_text(
        &self,
        pad_id: &str,
        actor: &Actor,
        format: &str,
        body: &[u8],
    ) -> Result<Applied, PadError> {
        // An imported file is an upload: it needs its size left in the importer's quota, as a
        // chat file or a wiki attachment does (pads' text itself is not counted).
        self.quotas()
            .check(actor.id(), body.len() as u64)
            .await
            .map_err(PadError::Other)?;
        let office = match format {
            "docx" => Some(crate::formats::Office::Docx),
            "odt" => Some(crate::formats::Office::Odt),
            _ => None,
        };
        if let Some(kind) = office {
            let bytes = body.to_vec();
            let text = work::run(move || crate::formats::read_office(kind, &bytes)).await?;
            if text.chars().count() > self.config().max_pad_chars as usize {
                return Err(PadError::PadTooLarge);
            }
            return self.set_text(pad_id, actor, &text).await;
        }
        let text = std::str::from_utf8(body).map_err(|_| {
            PadError::Other(
                Error::validation("the file is not UTF-8 text")
                    .with_invalid(Field::File, Rule::BadFormat { example: None }),
            )
        })?;
        let text = match format {
            "txt" | "md" => text.replace("\r\n", "\n"),
            "html" => {
                let html = text.to_string();
                work::run(move || html_to_markdown(&html)).await?
            }
            other => {
                return Err(PadError::Other(
                    Error::validation(format!(
                    "format `{other}`: use txt, md, html, docx, odt, or import an .etherpad file"
                ))
                    .with_invalid(
                        Field::Format,
                        Rule::NotOneOf {
                            allowed: ["txt", "md", "html", "docx", "odt", "etherpad"]
                                .map(String::from)
                                .to_vec(),
                        },
                    ),
                ))
            }
        };
        if text.chars().count() > self.config().max_pad_chars as usize {
            return Err(PadError::PadTooLarge);
        }
        self.set_text(pad_id, actor, &text).await
    }

    /// Creates a pad from an Etherpad export, history included. The pad is named `name`, else the
    /// Etherpad id when it is free and valid, else a random id.
    pub async fn import_etherpad(
        &self,
        actor: &Actor,
        name: Option<&str>,
        pad: ImportedPad,
    ) -> Result<PadInfo, PadError> {
        if pad.text.chars().count() > self.config().max_pad_chars as usize {
            return Err(PadError::PadTooLarge);
        }
        self.quotas()
            .check(actor.id(), pad.text.len() as u64)
            .await
            .map_err(PadError::Other)?;
        let wanted = name.map(str::to_string).or_else(|| Some(pad.id.clone()));
        let info = match self.create(actor, wanted.as_deref()).await {
            Ok(info) => info,
            Err(PadError::NameTaken | PadError::Other(_)) if name.is_none() => {
                self.create(actor, None).await?
            }
            Err(e) => return Err(e),
        };
        let author_for = |aid: &Option<String>| -> Author {
            match aid {
                Some(a) => Author {
                    id: format!("etherpad:{a}"),
                    name: pad
                        .authors
                        .iter()
                        .find(|(id, _)| id == a)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_else(|| "Etherpad author".into()),
                    color: avatar_color_for(a),
                },
                None => Author {
                    id: "etherpad:unknown".into(),
                    name: "Etherpad".into(),
                    color: avatar_color_for("etherpad"),
                },
            }
        };
        let every = self.config().snapshot_every.max(1);
        let now = now_ms();
        let mut rows = Vec::with_capacity(pad.revisions.len());
        let (mut text, mut auth) = (String::new(), Authorship::default());
        for (i, r) in pad.revisions.iter().enumerate() {
            let rev = i as u64 + 1;
            let author = author_for(&r.author);
            text =
                r.op.apply(&text)
                    .map_err(|e| PadError::InvalidOp(e.to_string()))?;
            if !auth.apply_mut(&r.op, &author.id) {
                return Err(PadError::InvalidOp("authorship".into()));
            }
            let snapshot = (rev.is_multiple_of(every) || i + 1 == pad.revisions.len())
                .then(|| (text.clone(), auth.clone()));
            rows.push((
                rev,
                r.op.clone(),
                author,
                r.timestamp.unwrap_or(now),
                snapshot,
            ));
        }
        let chat: Vec<(Author, String, i64)> = pad
            .chat
            .iter()
            .map(|(a, t, ts)| (author_for(a), t.clone(), ts.unwrap_or(now)))
            .collect();
        let id = info.id.clone();
        self.db()
            .write(move |tx| {
                for (rev, op, author, at, snapshot) in &rows {
                    // The import is the only client: its last edit is this revision.
                    let clients = format!(r#"{{"etherpad-import":[{rev},{rev}]}}"#);
                    store::insert_revision(
                        tx,
                        &NewRev {
                            pad: &id,
                            rev: *rev,
                            op,
                            author,
                            client_id: "etherpad-import",
                            seq: *rev,
                            now: *at,
                            snapshot: snapshot
                                .as_ref()
                                .map(|(t, a)| (t.as_str(), a, clients.as_str())),
                        },
                    )?;
                }
                for (n, (author, text, at)) in chat.iter().enumerate() {
                    chat_store::insert_chat(
                        tx,
                        &id,
                        n as i64 + 1,
                        &author.id,
                        &author.name,
                        &author.color,
                        text,
                        *at,
                    )?;
                }
                Ok(())
            })
            .await?;
        let (info, _) = self.find(&info.id).await?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use nichoir_core::{limits, ErrorCode};

    fn nested(depth: usize) -> String {
        format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth))
    }

    #[test]
    fn html_import_converts_up_to_the_nesting_limit_and_refuses_beyond() {
        let max = limits::max_nesting();
        let md = super::html_to_markdown("<h1>Titre</h1><ul><li>un</li><li><b>deux</b></li></ul>")
            .unwrap_or_default();
        assert!(md.contains("# Titre") && md.contains("**deux**"), "{md}");
        assert!(super::html_to_markdown(&nested(max)).is_ok());
        let err = super::html_to_markdown(&nested(max + 1)).expect_err("too deep");
        assert_eq!(err.code, ErrorCode::ValidationFailed);
        assert!(err.message.contains(&max.to_string()), "{}", err.message);
    }

    #[test]
    fn html_that_once_overflowed_the_stack_is_refused_at_once() {
        // A few thousand nested elements (~25 KB) aborted the process inside htmd's recursion.
        for html in [
            nested(5_000),
            "<blockquote>".repeat(5_000),
            format!("{}x", "<b><i>".repeat(3_000)),
            "<table><tr><td>".repeat(2_000),
        ] {
            let err = super::html_to_markdown(&html).expect_err("refused");
            assert_eq!(err.code, ErrorCode::ValidationFailed, "{}", err.message);
        }
    }

    #[test]
    fn html_export_is_rendered_and_sanitised() {
        let html = nichoir_core::markdown::to_html(
            "# Titre\n\n- un\n- *deux*\n\n<script>alert(1)</script><img src=x onerror=alert(1)>",
        )
        .unwrap_or_default();
        assert!(
            html.contains("<h1>Titre</h1>") && html.contains("<em>deux</em>"),
            "{html}"
        );
        assert!(
            !html.contains("<script") && !html.contains("onerror"),
            "{html}"
        );
    }
}
