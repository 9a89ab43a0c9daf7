//! Reading Etherpad's `.etherpad` export (a JSON object of database records) so people can move
//! their pads over with their history. Etherpad changesets count UTF-16 code units; they are
//! converted here into operations that count Unicode characters, walking the text as it was.
//!
//! Changeset syntax: `Z:<old length>(>|<)<change><ops>$<char bank>`, numbers in base 36, where
//! each op is optional `*<attribute>`s and `|<newlines>` followed by `+n` (insert n units from the
//! char bank), `-n` (delete n units) or `=n` (keep n units).

use nichoir_ot::Operation;
use serde_json::Value;

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
}
