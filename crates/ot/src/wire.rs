//! The JSON wire format, ot.js style: `[5, "hé🙂", -3, 2]` — a positive integer retains, a
//! negative integer deletes, a non-empty string inserts.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{self, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::{char_len, Component, Operation, OtError};

/// Largest retain or delete length accepted from the wire (2^32).
pub const MAX_COMPONENT_LEN: u64 = 1 << 32;

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.components.len()))?;
        for c in &self.components {
            match c {
                Component::Retain(n) => seq.serialize_element(&(*n as u64))?,
                Component::Insert(s) => seq.serialize_element(s)?,
                Component::Delete(n) => {
                    let n = i64::try_from(*n)
                        .map_err(|_| ser::Error::custom("delete length too large"))?;
                    seq.serialize_element(&-n)?
                }
            }
        }
        seq.end()
    }
}

/// One element of the wire array, already checked.
struct WireComponent(Component);

fn checked_len<E: de::Error>(n: u64) -> Result<usize, E> {
    if n == 0 {
        return Err(E::custom("zero-length component"));
    }
    if n > MAX_COMPONENT_LEN {
        return Err(E::custom("component length larger than 2^32"));
    }
    usize::try_from(n).map_err(|_| E::custom("component length too large"))
}

impl<'de> Deserialize<'de> for WireComponent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = WireComponent;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-zero integer (retain > 0, delete < 0) or a non-empty string")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(WireComponent(Component::Retain(checked_len(v)?)))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                if v >= 0 {
                    return self.visit_u64(v.unsigned_abs());
                }
                Ok(WireComponent(Component::Delete(checked_len(
                    v.unsigned_abs(),
                )?)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.is_empty() {
                    return Err(E::custom("empty insert"));
                }
                Ok(WireComponent(Component::Insert(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                if v.is_empty() {
                    return Err(E::custom("empty insert"));
                }
                Ok(WireComponent(Component::Insert(v)))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Operation {
    /// Accepts the wire array and normalises it (adjacent components of one kind are merged).
    /// No size limit: use [`parse_op`] for untrusted input.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Operation;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an operation: an array of integers and strings")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut op = Operation::new();
                while let Some(WireComponent(c)) = seq.next_element()? {
                    op.push(&c);
                }
                Ok(op)
            }
        }
        deserializer.deserialize_seq(V)
    }
}

/// Parses an operation from untrusted JSON with limits: at most `max_components` array elements
/// and `max_insert_chars` inserted characters in total. Elements must be non-zero integers of
/// magnitude at most 2^32 or non-empty strings.
pub fn parse_op(
    json: &serde_json::Value,
    max_components: usize,
    max_insert_chars: usize,
) -> Result<Operation, OtError> {
    let items = json.as_array().ok_or(OtError::NotAnArray)?;
    if items.len() > max_components {
        return Err(OtError::TooLarge);
    }
    let mut op = Operation::new();
    let mut inserted = 0usize;
    for item in items {
        match item {
            serde_json::Value::Number(n) => {
                if let Some(v) = n.as_u64() {
                    op.retain(checked(v)?);
                } else if let Some(v) = n.as_i64().filter(|v| *v < 0) {
                    op.delete(checked(v.unsigned_abs())?);
                } else {
                    return Err(OtError::InvalidComponent);
                }
            }
            serde_json::Value::String(s) if !s.is_empty() => {
                inserted = inserted.saturating_add(char_len(s));
                if inserted > max_insert_chars {
                    return Err(OtError::TooLarge);
                }
                op.insert(s);
            }
            _ => return Err(OtError::InvalidComponent),
        }
    }
    Ok(op)
}

fn checked(n: u64) -> Result<usize, OtError> {
    if n == 0 || n > MAX_COMPONENT_LEN {
        return Err(OtError::InvalidComponent);
    }
    usize::try_from(n).map_err(|_| OtError::InvalidComponent)
}
