//! Reading Etherpad's `.etherpad` export (a JSON object of database records) so people can move
//! their pads over with their history. Etherpad changesets count UTF-16 code units; they are
//! converted here into operations that count Unicode characters, walking the text as it was.
//!
//! Changeset syntax: `Z:<old length>(>|<)<change><ops>$<char bank>`, numbers in base 36, where
//! each op is optional `*<attribute>`s and `|<newlines>` followed by `+n` (insert n units from the
//! char bank), `-n` (delete n units) or `=n` (keep n units).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use nichoir_ot::Operation;
use serde_json::Value;

use crate::formats::{atext, model};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EtherpadFileError {
    #[error("not an Etherpad export: {0}")]
    NotAnExport(String),
    #[error("revision {rev}: {message}")]
    BadChangeset { rev: u64, message: String },
    #[error("replaying the history took longer than allowed")]
    OverBudget,
}

/// One revision of the imported history.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedRev {
    pub op: Operation,
    pub author: Option<String>,
    pub timestamp: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportedPad {
    /// The pad id in Etherpad.
    pub id: String,
    pub revisions: Vec<ImportedRev>,
    pub text: String,
    /// Etherpad author id → display name.
    pub authors: Vec<(String, String)>,
    /// (author id, text, timestamp ms)
    pub chat: Vec<(Option<String>, String, Option<i64>)>,
}

fn base36(s: &str) -> Option<usize> {
    usize::from_str_radix(s, 36).ok()
}

/// Converts one changeset, applied to `doc`, into an operation over characters.
pub fn changeset_to_op(doc: &str, cs: &str) -> Result<Operation, String> {
    let rest = cs.strip_prefix("Z:").ok_or("no Z: header")?;
    let (head, bank) = rest.split_once('$').unwrap_or((rest, ""));
    let sign = head.find(['>', '<']).ok_or("no length change")?;
    let old_len = base36(&head[..sign]).ok_or("bad old length")?;
    let doc_units: Vec<u16> = doc.encode_utf16().collect();
    if old_len != doc_units.len() {
        return Err(format!(
            "expects a text of {old_len} units, the text has {}",
            doc_units.len()
        ));
    }
    // Skip the length change number.
    let after_sign = &head[sign + 1..];
    let ops_start = after_sign
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(after_sign.len());
    let mut ops = &after_sign[ops_start..];
    let bank_units: Vec<u16> = bank.encode_utf16().collect();
    let (mut pos, mut bank_pos) = (0usize, 0usize);
    let mut op = Operation::new();
    let take_number = |s: &mut &str| -> Result<usize, String> {
        let end = s
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(s.len());
        let n = base36(&s[..end]).ok_or("bad number")?;
        *s = &s[end..];
        Ok(n)
    };
    let chars_in = |units: &[u16]| -> Result<usize, String> {
        String::from_utf16(units)
            .map(|s| s.chars().count())
            .map_err(|_| "a change splits a character".to_string())
    };
    while let Some(c) = ops.chars().next() {
        ops = &ops[c.len_utf8()..];
        match c {
            '*' | '|' => {
                take_number(&mut ops)?;
            }
            '=' | '-' => {
                let n = take_number(&mut ops)?;
                let end = pos
                    .checked_add(n)
                    .filter(|e| *e <= doc_units.len())
                    .ok_or("past the end of the text")?;
                let chars = chars_in(&doc_units[pos..end])?;
                if c == '=' {
                    op.retain(chars);
                } else {
                    op.delete(chars);
                }
                pos = end;
            }
            '+' => {
                let n = take_number(&mut ops)?;
                let end = bank_pos
                    .checked_add(n)
                    .filter(|e| *e <= bank_units.len())
                    .ok_or("char bank too short")?;
                let s = String::from_utf16(&bank_units[bank_pos..end])
                    .map_err(|_| "an insert splits a character")?;
                op.insert(&s);
                bank_pos = end;
            }
            _ => return Err(format!("unexpected `{c}`")),
        }
    }
    // Etherpad leaves the rest of the text implicit.
    if pos < doc_units.len() {
        op.retain(chars_in(&doc_units[pos..])?);
    }
    Ok(op)
}

/// Attributes that carry formatting (the others, such as `author`, do not change the text).
const FORMATTING: [&str; 7] = [
    "bold",
    "italic",
    "underline",
    "strikethrough",
    "list",
    "heading",
    "lmkr",
];

/// The pad's final text as Markdown when its attributed text carries formatting; `None` for a
/// plain pad, whose text is kept exactly as it was typed.
pub fn formatted_markdown(pad: &Value) -> Option<String> {
    let atext = pad.get("atext")?;
    let text = atext.get("text")?.as_str()?;
    let attribs = atext.get("attribs")?.as_str()?;
    let pool = atext::read_pool(pad.get("pool")?);
    let used = attribs
        .split('*')
        .skip(1)
        .filter_map(|n| {
            let end = n
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(n.len());
            usize::from_str_radix(&n[..end], 36).ok()
        })
        .any(|n| {
            pool.get(&n)
                .is_some_and(|(k, _)| FORMATTING.contains(&k.as_str()))
        });
    if !used {
        return None;
    }
    let blocks = atext::atext_to_blocks(text, attribs, &pool);
    Some(model::to_markdown(&blocks, true))
}

/// One revision of a pad, for an export.
pub struct ExportRev {
    pub op: Operation,
    pub author_id: String,
    pub at_ms: i64,
}

/// An author known to the pad: (id, name, colour).
pub type ExportAuthor = (String, String, String);

/// The Etherpad author id for one of ours: imported authors get theirs back, the others a
/// stable `a.` id derived from ours (Etherpad ids are `a.` and 16 letters or digits).
fn etherpad_author(id: &str) -> String {
    if let Some(original) = id.strip_prefix("etherpad:").filter(|a| a.starts_with("a.")) {
        return original.to_string();
    }
    // FNV-1a, twice with different seeds: stable and spread, not a secret.
    let hash = |seed: u64| {
        id.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let (a, b) = (hash(0xcbf2_9ce4_8422_2325), hash(0x8422_2325_cbf2_9ce4));
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::from("a.");
    let mut n = u128::from(a) << 64 | u128::from(b);
    for _ in 0..16 {
        out.push(ALPHABET[(n % ALPHABET.len() as u128) as usize] as char);
        n /= ALPHABET.len() as u128;
    }
    out
}

/// Attributed text kept along the history: each character with its attribute string.
fn atext_of(chars: &[(char, String)]) -> Value {
    let mut assem = atext::Assembler::default();
    let mut text = String::with_capacity(chars.len() + 1);
    let mut buf = [0u8; 4];
    for (c, a) in chars {
        text.push(*c);
        assem.append_text('+', c.encode_utf8(&mut buf), a);
    }
    text.push('\n');
    assem.append_text('+', "\n", "");
    serde_json::json!({"text": text, "attribs": assem.finish()})
}

/// The formatted text with each character's author where it is a character of the Markdown
/// (found by a diff of the two: markup has no author), so that Etherpad colours the current text
/// by who wrote it. A diff out of time (a huge pad) leaves the rest without authors.
fn with_authors(
    f: atext::Formatted,
    chars: &[(char, String)],
    author_of: &HashMap<String, String>,
    pool: &mut atext::PoolBuilder,
) -> atext::Formatted {
    let plain: Vec<char> = chars.iter().map(|(c, _)| *c).collect();
    let shown: Vec<char> = f.pieces.iter().flat_map(|(t, _)| t.chars()).collect();
    let mut who: Vec<Option<&str>> = vec![None; shown.len()];
    let deadline = Instant::now() + AUTHORS_DIFF_TIME;
    let ops = similar::capture_diff_slices_deadline(
        similar::Algorithm::Myers,
        &plain,
        &shown,
        Some(deadline),
    );
    for op in ops {
        if let similar::DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            for k in 0..len {
                let author = chars
                    .get(old_index + k)
                    .and_then(|(_, a)| author_of.get(a))
                    .map(String::as_str);
                if let Some(slot) = who.get_mut(new_index + k) {
                    *slot = author;
                }
            }
        }
    }
    let mut with = |attribs: &str, author: Option<&str>| match author {
        Some(aid) => pool.with(attribs, "author", aid),
        None => attribs.to_string(),
    };
    let mut pieces = Vec::with_capacity(f.pieces.len());
    let mut at = 0;
    for (text, attribs) in f.pieces {
        let mut run = String::new();
        let mut run_author: Option<&str> = None;
        for c in text.chars() {
            let author = who.get(at).copied().flatten();
            at += 1;
            if author != run_author && !run.is_empty() {
                pieces.push((std::mem::take(&mut run), with(&attribs, run_author)));
            }
            run_author = author;
            run.push(c);
        }
        if !run.is_empty() {
            pieces.push((run, with(&attribs, run_author)));
        }
    }
    atext::Formatted {
        text: f.text,
        pieces,
    }
}

/// How long the export looks for each character's author in the formatted text.
const AUTHORS_DIFF_TIME: Duration = Duration::from_millis(500);

/// Writes a pad as Etherpad's `.etherpad` export (the JSON of its database records), which
/// Etherpad 1.8 and 2.x import: `pad:<id>` with the attributed text and attribute pool, one
/// `pad:<id>:revs:N` per revision with a canonical changeset (key revisions, every 100th, with
/// the attributed text Etherpad checks), `globalAuthor:` records and the chat.
///
/// The history is plain text with each insertion attributed to its author; when the Markdown
/// carries formatting, a last revision (by no author) replaces the text with its formatted form.
pub fn write_export(
    pad_id: &str,
    revisions: &[ExportRev],
    authors: &[ExportAuthor],
    chat: &[(String, String, i64)],
) -> Result<Value, nichoir_core::Error> {
    let mut pool = atext::PoolBuilder::default();
    let mut ids: std::collections::BTreeMap<&str, String> = std::collections::BTreeMap::new();
    for r in revisions {
        ids.entry(r.author_id.as_str())
            .or_insert_with(|| etherpad_author(&r.author_id));
    }
    for aid in ids.values() {
        pool.num("author", aid);
    }
    let mut out = serde_json::Map::new();
    // Our text without Etherpad's final newline, character by character with attributes.
    let mut chars: Vec<(char, String)> = Vec::new();
    let mut records: Vec<(String, Option<i64>, String)> = Vec::new();
    // Each author's attribute string, back to the author.
    let mut author_of: HashMap<String, String> = HashMap::new();
    let first_ts = revisions.first().map(|r| r.at_ms).unwrap_or(1).max(1);
    // Etherpad's revision 0 creates the pad; ours start at 1 on an empty text.
    records.push(("Z:1>0$".into(), Some(first_ts), String::new()));
    let mut key_atexts: Vec<(usize, Value)> = vec![(0, atext_of(&chars))];
    for r in revisions {
        if nichoir_core::work::over_budget() {
            return Err(nichoir_core::work::exceeded());
        }
        let aid = ids.get(r.author_id.as_str()).cloned().unwrap_or_default();
        let attr = pool.attribs(&[("author", aid.clone())]);
        author_of.entry(attr.clone()).or_insert_with(|| aid.clone());
        let old_len: usize = chars.iter().map(|(c, _)| c.len_utf16()).sum::<usize>() + 1;
        let mut assem = atext::Assembler::default();
        let mut bank = String::new();
        let mut next: Vec<(char, String)> = Vec::with_capacity(chars.len());
        let mut pos = 0usize;
        for c in r.op.components() {
            match c {
                nichoir_ot::Component::Retain(n) | nichoir_ot::Component::Delete(n) => {
                    let end = pos + n;
                    let Some(slice) = chars.get(pos..end) else {
                        return Err(nichoir_core::Error::internal("a revision does not apply"));
                    };
                    let text: String = slice.iter().map(|(c, _)| *c).collect();
                    if matches!(c, nichoir_ot::Component::Retain(_)) {
                        // A keep carries no attribute change: the same op for every piece.
                        assem.append_text('=', &text, "");
                        next.extend_from_slice(slice);
                    } else {
                        assem.append_text('-', &text, "");
                    }
                    pos = end;
                }
                nichoir_ot::Component::Insert(s) => {
                    assem.append_text('+', s, &attr);
                    bank.push_str(s);
                    next.extend(s.chars().map(|c| (c, attr.clone())));
                }
            }
        }
        next.extend_from_slice(chars.get(pos..).unwrap_or_default());
        chars = next;
        let new_len: usize = chars.iter().map(|(c, _)| c.len_utf16()).sum::<usize>() + 1;
        records.push((
            atext::pack(old_len, new_len, &assem.finish(), &bank),
            Some(r.at_ms.max(1)),
            aid,
        ));
        if (records.len() - 1).is_multiple_of(100) {
            key_atexts.push((records.len() - 1, atext_of(&chars)));
        }
    }
    // The formatting, as a last revision replacing the plain Markdown with formatted text.
    let plain: String = chars.iter().map(|(c, _)| *c).collect();
    let spaced = model::from_markdown_spaced(&plain)?;
    let formatted = atext::blocks_to_formatted(&spaced, &mut pool);
    let has_format = formatted.pieces.iter().any(|(_, a)| !a.is_empty());
    let final_atext = if has_format || formatted.text != format!("{plain}\n") {
        let formatted = with_authors(formatted, &chars, &author_of, &mut pool);
        let old_len = plain.encode_utf16().count() + 1;
        let mut assem = atext::Assembler::default();
        assem.append_text('-', &plain, "");
        let mut bank = String::new();
        for (t, a) in &formatted.pieces {
            assem.append_text('+', t, a);
            bank.push_str(t);
        }
        let last_ts = revisions.last().map(|r| r.at_ms).unwrap_or(first_ts).max(1);
        records.push((
            atext::pack(
                old_len,
                formatted.text.encode_utf16().count(),
                &assem.finish(),
                &bank,
            ),
            Some(last_ts),
            String::new(),
        ));
        let value =
            serde_json::json!({"text": formatted.text, "attribs": atext::attribution(&formatted)});
        if (records.len() - 1).is_multiple_of(100) {
            key_atexts.push((records.len() - 1, value.clone()));
        }
        value
    } else {
        atext_of(&chars)
    };
    let pool_json = pool.to_json();
    let head = records.len() - 1;
    for (n, (changeset, ts, author)) in records.into_iter().enumerate() {
        let mut meta = serde_json::json!({"author": author, "timestamp": ts.unwrap_or(first_ts)});
        if let Some((_, a)) = key_atexts.iter().find(|(k, _)| *k == n) {
            meta["atext"] = a.clone();
            meta["pool"] = pool_json.clone();
        }
        out.insert(
            format!("pad:{pad_id}:revs:{n}"),
            serde_json::json!({"changeset": changeset, "meta": meta}),
        );
    }
    for (n, (author, text, at)) in chat.iter().enumerate() {
        let aid = ids
            .get(author.as_str())
            .cloned()
            .unwrap_or_else(|| etherpad_author(author));
        out.insert(
            format!("pad:{pad_id}:chat:{n}"),
            serde_json::json!({"text": text, "userId": aid, "time": at}),
        );
    }
    for (ours, aid) in &ids {
        let (name, color) = authors
            .iter()
            .find(|(id, _, _)| id == ours)
            .map(|(_, n, c)| (n.clone(), c.clone()))
            .unwrap_or_default();
        // Etherpad takes a palette number or a `#rrggbb` colour.
        let color = if color.len() == 7 && color.starts_with('#') {
            color
        } else {
            "#999999".to_string()
        };
        out.insert(
            format!("globalAuthor:{aid}"),
            serde_json::json!({"colorId": color, "name": name, "timestamp": first_ts, "padIDs": pad_id}),
        );
    }
    out.insert(
        format!("pad:{pad_id}"),
        serde_json::json!({
            "atext": final_atext,
            "pool": pool_json,
            "head": head,
            "chatHead": chat.len() as i64 - 1,
            "publicStatus": false,
            "savedRevisions": [],
        }),
    );
    Ok(Value::Object(out))
}

impl crate::service::PadService {
    /// The pad as an `.etherpad` file (see [`write_export`]), built on the work pool.
    /// `file_id` names the pad in the file: the read-only id when a read-only link exports, so
    /// the file never reveals the edit id.
    pub async fn etherpad_export(
        &self,
        pad_id: &str,
        file_id: &str,
    ) -> Result<Vec<u8>, crate::service::PadError> {
        let key = pad_id.to_string();
        let history = self
            .db()
            .read(move |c| crate::store::history(c, &key))
            .await?;
        let authors: Vec<ExportAuthor> = self
            .authors(pad_id)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name, a.color))
            .collect();
        let mut chat = Vec::new();
        let mut before = None;
        loop {
            let page = self.chat_history(pad_id, before, 500).await?;
            let Some(first) = page.first() else { break };
            before = Some(first.id);
            let full = page.len() == 500;
            let mut lines: Vec<(String, String, i64)> = page
                .into_iter()
                .map(|m| (m.author_id, m.text, m.created_at))
                .collect();
            lines.append(&mut chat);
            chat = lines;
            if !full {
                break;
            }
        }
        let id = file_id.to_string();
        let file = nichoir_core::work::run(move || {
            let revs: Vec<ExportRev> = history
                .into_iter()
                .map(|(_, op, author_id, at_ms)| ExportRev {
                    op,
                    author_id,
                    at_ms,
                })
                .collect();
            let value = write_export(&id, &revs, &authors, &chat)?;
            serde_json::to_vec(&value).map_err(|e| nichoir_core::Error::internal(e.to_string()))
        })
        .await
        .map_err(crate::service::PadError::Other)?;
        Ok(file)
    }
}

/// Reads an export: the pad record, its revisions in order (each replayed to check it), authors
/// and chat.
pub fn read_export(file: &Value) -> Result<ImportedPad, EtherpadFileError> {
    let obj = file
        .as_object()
        .ok_or_else(|| EtherpadFileError::NotAnExport("the file is not a JSON object".into()))?;
    let (key, pad) = obj
        .iter()
        .find(|(k, _)| k.starts_with("pad:") && k.matches(':').count() == 1)
        .ok_or_else(|| EtherpadFileError::NotAnExport("no pad record".into()))?;
    let id = key["pad:".len()..].to_string();
    let head = pad.get("head").and_then(Value::as_u64).ok_or_else(|| {
        EtherpadFileError::NotAnExport("the pad record has no head revision".into())
    })?;
    let final_text = pad
        .get("atext")
        .and_then(|a| a.get("text"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    // Etherpad pads start as a single newline.
    let mut doc = String::from("\n");
    let mut revisions = Vec::new();
    for rev in 0..=head {
        // Each replay step is linear in the text, so a long history on a long text is the one
        // costly shape: the work pool's deadline bounds it.
        if nichoir_core::work::over_budget() {
            return Err(EtherpadFileError::OverBudget);
        }
        let record = obj.get(&format!("pad:{id}:revs:{rev}"));
        let Some(record) = record else {
            return Err(EtherpadFileError::BadChangeset {
                rev,
                message: "missing from the export".into(),
            });
        };
        let cs = record
            .get("changeset")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut op = changeset_to_op(&doc, cs)
            .map_err(|message| EtherpadFileError::BadChangeset { rev, message })?;
        if rev == 0 {
            // Our pads start empty: the first revision also writes Etherpad's initial newline.
            let mut first = Operation::new();
            first.insert("\n");
            op = first
                .compose(&op)
                .map_err(|e| EtherpadFileError::BadChangeset {
                    rev,
                    message: e.to_string(),
                })?;
            doc = String::new();
        }
        doc = op
            .apply(&doc)
            .map_err(|e| EtherpadFileError::BadChangeset {
                rev,
                message: e.to_string(),
            })?;
        let meta = record.get("meta");
        revisions.push(ImportedRev {
            op,
            author: meta
                .and_then(|m| m.get("author"))
                .and_then(Value::as_str)
                .filter(|a| !a.is_empty())
                .map(str::to_string),
            timestamp: meta
                .and_then(|m| m.get("timestamp"))
                .and_then(Value::as_i64),
        });
    }
    if !final_text.is_empty() && doc != final_text {
        return Err(EtherpadFileError::BadChangeset {
            rev: head,
            message: "replaying the history does not give the pad's text".into(),
        });
    }
    // The history stays plain text (mapping every revision's attributes onto Markdown would
    // rewrite the whole text at each step); the formatting arrives as one last revision.
    if let Some(md) = formatted_markdown(pad).filter(|md| *md != doc) {
        revisions.push(ImportedRev {
            op: nichoir_ot::diff(&doc, &md),
            author: None,
            timestamp: revisions.last().and_then(|r| r.timestamp),
        });
        doc = md;
    }
    let mut authors: Vec<(String, String)> = obj
        .iter()
        .filter_map(|(k, v)| {
            let aid = k.strip_prefix("globalAuthor:")?;
            let name = v.get("name").and_then(Value::as_str).unwrap_or("").trim();
            Some((
                aid.to_string(),
                if name.is_empty() {
                    "Etherpad author".to_string()
                } else {
                    name.to_string()
                },
            ))
        })
        .collect();
    authors.sort();
    let mut chat: Vec<(u64, Option<String>, String, Option<i64>)> = obj
        .iter()
        .filter_map(|(k, v)| {
            let n: u64 = k.strip_prefix(&format!("pad:{id}:chat:"))?.parse().ok()?;
            let text = v.get("text").and_then(Value::as_str)?.to_string();
            let author = v.get("userId").and_then(Value::as_str).map(str::to_string);
            Some((n, author, text, v.get("time").and_then(Value::as_i64)))
        })
        .collect();
    chat.sort_by_key(|c| c.0);
    Ok(ImportedPad {
        id,
        revisions,
        text: doc,
        authors,
        chat: chat.into_iter().map(|(_, a, t, ts)| (a, t, ts)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_changesets_counting_utf16_units() {
        // "\n" → "Hi 🙂\n": insert 5 UTF-16 units ("Hi " + a surrogate pair) before the newline.
        let op = changeset_to_op("\n", "Z:1>5+5$Hi 🙂").expect("valid");
        assert_eq!(op.apply("\n").expect("applies"), "Hi 🙂\n");
        // Keep "Hi " (3), delete the emoji (2 units = 1 char), keep the rest implicitly.
        let op = changeset_to_op("Hi 🙂\n", "Z:6<2=3-2$").expect("valid");
        assert_eq!(op.apply("Hi 🙂\n").expect("applies"), "Hi \n");
        // Attributes and newline counts are skipped.
        let op = changeset_to_op("a\n", "Z:2>4*0|1+4$b\nc\n").expect("valid");
        assert_eq!(op.apply("a\n").expect("applies"), "b\nc\na\n");
    }

    #[test]
    fn rejects_broken_changesets() {
        assert!(changeset_to_op("\n", "Y:1>1+1$a").is_err());
        assert!(
            changeset_to_op("\n", "Z:5>1+1$a").is_err(),
            "wrong base length"
        );
        assert!(
            changeset_to_op("\n", "Z:1>1+9$a").is_err(),
            "char bank too short"
        );
        assert!(
            changeset_to_op("🙂\n", "Z:3<1-1$").is_err(),
            "splits a surrogate pair"
        );
        assert!(changeset_to_op("\n", "Z:1>1?1$a").is_err());
    }

    #[test]
    fn reads_an_export_with_history_authors_and_chat() {
        let file = json!({
            "pad:meeting": {"atext": {"text": "Hello world\n", "attribs": "*0+c"}, "pool": {}, "head": 1},
            "pad:meeting:revs:0": {"changeset": "Z:1>5+5$Hello", "meta": {"author": "a.x1", "timestamp": 1600000000000i64}},
            "pad:meeting:revs:1": {"changeset": "Z:6>6=5+6$ world", "meta": {"author": "a.y2", "timestamp": 1600000001000i64}},
            "globalAuthor:a.x1": {"name": "Alice", "colorId": 3},
            "globalAuthor:a.y2": {"name": null, "colorId": "#ff0000"},
            "pad:meeting:chat:1": {"text": "second", "userId": "a.y2", "time": 2},
            "pad:meeting:chat:0": {"text": "first", "userId": "a.x1", "time": 1}
        });
        let pad = read_export(&file).expect("reads");
        assert_eq!(pad.id, "meeting");
        assert_eq!(pad.text, "Hello world\n");
        assert_eq!(pad.revisions.len(), 2);
        assert_eq!(pad.revisions[0].author.as_deref(), Some("a.x1"));
        assert_eq!(
            pad.authors,
            vec![
                ("a.x1".into(), "Alice".into()),
                ("a.y2".into(), "Etherpad author".into())
            ]
        );
        assert_eq!(
            pad.chat.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(),
            vec!["first", "second"]
        );
        assert!(read_export(&json!({"x": 1})).is_err());
        assert!(read_export(&json!([1])).is_err());
    }

    fn fixture() -> Value {
        let bytes = include_bytes!("../tests/corpus/etherpad-1.8.14-formatted.etherpad");
        serde_json::from_slice(bytes).unwrap_or_default()
    }

    #[test]
    fn a_real_etherpad_export_imports_with_its_formatting() {
        let pad = read_export(&fixture()).expect("reads");
        for part in [
            "# Compte rendu\n## Ordre du jour\n",
            "Un **gras**, un *italique*, un <u>souligné</u> et un ~~barré~~, ***les deux*** 🙂.",
            "- premier point\n  - sous-point\n- second point\n1. un\n2. deux\n",
            "> texte en retrait",
            "### Conclusion\n",
            "Ajout d'Alice 🙂\nEt de Bruno.",
        ] {
            assert!(pad.text.contains(part), "{part:?} in {:?}", pad.text);
        }
        // Etherpad's five revisions in plain text, then the formatting as one more.
        assert_eq!(pad.revisions.len(), 6);
        let mut text = String::new();
        for r in &pad.revisions {
            text = r.op.apply(&text).unwrap_or_default();
        }
        assert_eq!(text, pad.text);
    }

    /// A pad made by a real Etherpad, imported then exported, has the lines it had: the same
    /// text and the same formatting of each line.
    #[test]
    fn a_real_etherpad_pad_goes_back_with_the_same_lines() {
        let file = fixture();
        let pad = read_export(&file).expect("reads");
        let revs: Vec<ExportRev> = pad
            .revisions
            .iter()
            .map(|r| ExportRev {
                op: r.op.clone(),
                author_id: r.author.clone().unwrap_or_default(),
                at_ms: r.timestamp.unwrap_or(1),
            })
            .collect();
        let out = write_export(&pad.id, &revs, &[], &[]).expect("writes");
        let record = |v: &Value| v[format!("pad:{}", pad.id)].clone();
        let (before, after) = (record(&file), record(&out));
        let text = |r: &Value| r["atext"]["text"].as_str().unwrap_or("").to_string();
        assert_eq!(text(&after), text(&before));
        let blocks = |r: &Value| {
            atext::atext_to_blocks(
                &text(r),
                r["atext"]["attribs"].as_str().unwrap_or(""),
                &atext::read_pool(&r["pool"]),
            )
        };
        assert_eq!(blocks(&after), blocks(&before));
    }

    /// An export of a varied history: Unicode, lines joined and split, long enough for key
    /// revisions, formatted at the end.
    fn sample_export() -> (Value, String) {
        let mut revs = Vec::new();
        let mut text = String::new();
        let mut push = |text: &mut String, new: &str, author: &str, at: i64| {
            revs.push(ExportRev {
                op: nichoir_ot::diff(text, new),
                author_id: author.to_string(),
                at_ms: at,
            });
            *text = new.to_string();
        };
        push(&mut text, "Bonjour 🙂\n", "u1", 1_700_000_000_000);
        push(
            &mut text,
            "# Titre 🙂\nUn **gras** et *italique*\n\n",
            "u2",
            1_700_000_001_000,
        );
        for i in 0..120 {
            let new = format!("{text}ligne {i} é\n");
            push(
                &mut text,
                &new,
                if i % 2 == 0 { "u1" } else { "etherpad:a.x1" },
                1_700_000_002_000 + i,
            );
        }
        let end = format!(
            "{}\n1. un\n2. <u>deux</u> ~~trois~~ [lien](https://a.example/)\n\n> cité\n\n- un\n  - deux\n",
            text.replacen("*italique*", "*italique* suite", 1)
        );
        push(&mut text, &end, "u2", 1_700_000_003_000);
        let authors = vec![
            ("u1".into(), "Alice".into(), "#aa0000".into()),
            ("u2".into(), "Bruno".into(), "hsl(1,2%,3%)".into()),
        ];
        let chat = vec![("u1".to_string(), "salut".to_string(), 1_700_000_000_500)];
        let value = write_export("mon-pad", &revs, &authors, &chat).expect("writes");
        (value, text)
    }

    #[test]
    fn our_export_reads_back_with_its_history_and_formatting() {
        let (value, markdown) = sample_export();
        let pad = read_export(&value).expect("reads back");
        assert_eq!(pad.id, "mon-pad");
        let same = |a: &str, b: &str| {
            model::from_markdown(a).unwrap_or_default()
                == model::from_markdown(b).unwrap_or_default()
        };
        // Etherpad has no links: a link's address follows its text.
        let expected = markdown.replace("[lien](https://a.example/)", "lien (https://a.example/)");
        assert!(same(&pad.text, &expected), "{}", pad.text);
        // Our 123 revisions, Etherpad's creation and the formatting revision, which the import
        // turns back into Markdown as one more.
        assert!(pad.revisions.len() >= 124, "{}", pad.revisions.len());
        assert!(pad.authors.iter().any(|(_, n)| n == "Alice"));
        assert!(pad.authors.iter().any(|(id, _)| id == "a.x1"));
        assert_eq!(pad.chat.len(), 1);
    }

    /// Etherpad colours the current text by its authors: every character that is text of the
    /// Markdown (not markup) carries the author who wrote it, beside its formatting.
    #[test]
    fn the_current_text_keeps_its_authors() {
        let mut revs = Vec::new();
        let mut text = String::new();
        for (new, author) in [
            ("Bonjour tout le monde\n", "u1"),
            ("Bonjour tout le monde\nUn mot en **gras** ici\n", "u2"),
            ("# Bonjour tout le monde\nUn mot en **gras** ici\n", "u1"),
            (
                "# Bonjour tout le monde\nUn mot en **gras** ici\n- une liste\n",
                "etherpad:a.x1",
            ),
        ] {
            revs.push(ExportRev {
                op: nichoir_ot::diff(&text, new),
                author_id: author.to_string(),
                at_ms: 1_700_000_000_000 + revs.len() as i64,
            });
            text = new.to_string();
        }
        let value = write_export("p", &revs, &[], &[]).expect("writes");
        let pad = &value["pad:p"];
        let pool = atext::read_pool(&pad["pool"]);
        let text: Vec<u16> = pad["atext"]["text"]
            .as_str()
            .unwrap_or_default()
            .encode_utf16()
            .collect();
        let runs = atext::attribution_runs(pad["atext"]["attribs"].as_str().unwrap_or_default())
            .expect("attribs read");
        // Who wrote each UTF-16 unit, and whether it is bold.
        let mut by_unit: Vec<(Option<String>, bool)> = Vec::new();
        for (len, nums) in runs {
            let attrs: Vec<&(String, String)> = nums.iter().filter_map(|n| pool.get(n)).collect();
            let author = attrs
                .iter()
                .find(|(k, _)| k == "author")
                .map(|(_, v)| v.clone());
            let bold = attrs.iter().any(|(k, v)| k == "bold" && v == "true");
            by_unit.extend(std::iter::repeat_n((author, bold), len));
        }
        assert_eq!(by_unit.len(), text.len());
        let who = |needle: &str| -> Vec<(Option<String>, bool)> {
            let n: Vec<u16> = needle.encode_utf16().collect();
            let at = text
                .windows(n.len())
                .position(|w| w == n.as_slice())
                .unwrap_or_else(|| panic!("{needle} in the text"));
            by_unit[at..at + n.len()].to_vec()
        };
        let (u1, u2) = (Some(etherpad_author("u1")), Some(etherpad_author("u2")));
        // A heading made of Alice's words stays hers; Bruno's bold word is his, and bold.
        assert!(who("Bonjour tout le monde")
            .iter()
            .all(|(a, b)| *a == u1 && !b));
        assert!(who("gras").iter().all(|(a, b)| *a == u2 && *b));
        assert!(who(" ici").iter().all(|(a, b)| *a == u2 && !b));
        // An imported Etherpad author gets their own id back.
        assert!(who("une liste")
            .iter()
            .all(|(a, _)| a.as_deref() == Some("a.x1")));
    }

    /// Etherpad's own changeset library (1.8.14, from npm, in `tests/etherpad/`) replays the
    /// export with Etherpad 2.x's import checks.
    #[test]
    fn etherpads_own_code_accepts_our_export() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let check = |path: &std::path::Path| -> Value {
            let out = std::process::Command::new("node")
                .arg(dir.join("etherpad/check.js"))
                .arg(path)
                .output()
                .expect("node runs (it builds the web front-end too)");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice(&out.stdout).unwrap_or_default()
        };
        // The checker accepts what a real Etherpad wrote.
        check(&dir.join("corpus/etherpad-1.8.14-formatted.etherpad"));
        let (value, _) = sample_export();
        let tmp = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(tmp.path(), serde_json::to_vec(&value).unwrap_or_default()).expect("writes");
        let replayed = check(tmp.path());
        let text = replayed["text"].as_str().unwrap_or("");
        assert!(
            text.starts_with("*Titre 🙂\nUn gras et italique suite\n\nligne 0 é\nligne 1 é\n"),
            "{text}"
        );
        assert!(
            text.ends_with("é\n\n*un\n*deux trois lien (https://a.example/)\n*cité\n*un\n*deux\n"),
            "{text}"
        );
    }
}
