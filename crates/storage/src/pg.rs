//! The PostgreSQL driver behind the SQL facade: the synchronous `postgres` client, so it runs on
//! the same writer thread and blocking read pool as SQLite.
//!
//! Statements keep SQLite's `?N` placeholders in the stores; they are rewritten to `$N` once per
//! text, and prepared with the types of the values bound (`prepare_typed`): a parameter that
//! nothing else types (`?2 IS NULL`) would otherwise fail to prepare. Integers and flags are
//! `BIGINT` on both engines, so one text serves both.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as StdError;

use postgres::types::{FromSql, IsNull, ToSql, Type};

pub(crate) use crate::pg_tls::PgTarget;
use crate::sql::{SqlError, SqlResult, ToValue, ValueRef};

/// What the search tables of PostgreSQL need, at the head of the migration that creates one
/// (chat and wikis each, so neither depends on the other's migrations):
/// `nichoir_fts(text)`: words of letters and digits, accents folded (`unaccent`, a trusted
/// extension the database owner may create). The stores give it text already folded by
/// `search::fold`, on which it changes nothing, so both engines find the same posts and pages
/// (it came first, folding on its own, and stays the generated column's expression). IMMUTABLE
/// so it can feed a generated column. The database must be created with `LOCALE 'C.UTF-8'`, or
/// `[:alnum:]` is ASCII only.
#[macro_export]
macro_rules! pg_fts_function {
    () => {
        r#"
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE OR REPLACE FUNCTION nichoir_fts(t TEXT) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $fts$ SELECT to_tsvector('simple'::regconfig,
        public.unaccent('public.unaccent'::regdictionary,
            regexp_replace(coalesce(t, ''), '[^[:alnum:]]+', ' ', 'g'))) $fts$;
"#
    };
}

/// The declared type of a parameter, from its Rust type (a NULL still has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SqlType {
    Integer,
    Real,
    Text,
    Blob,
    /// Left to the server to infer from where the parameter stands (a NULL of a value whose
    /// column is not known to the caller: the copy between engines).
    Any,
}

impl SqlType {
    pub(crate) fn of(v: &ValueRef<'_>, declared: SqlType) -> SqlType {
        match v {
            ValueRef::Integer(_) => SqlType::Integer,
            ValueRef::Real(_) => SqlType::Real,
            ValueRef::Text(_) => SqlType::Text,
            ValueRef::Blob(_) => SqlType::Blob,
            ValueRef::Null => declared,
        }
    }

    fn pg(self) -> Type {
        match self {
            SqlType::Integer => Type::INT8,
            SqlType::Real => Type::FLOAT8,
            SqlType::Text => Type::TEXT,
            SqlType::Blob => Type::BYTEA,
            // OID 0 in the Parse message: "unspecified".
            SqlType::Any => Type::new(
                "unspecified".into(),
                0,
                postgres::types::Kind::Simple,
                "pg_catalog".into(),
            ),
        }
    }
}

/// `?1` → `$1`, outside quoted literals and identifiers.
pub(crate) fn rewrite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None => {
                match c {
                    '\'' | '"' => quote = Some(c),
                    '?' => {
                        out.push('$');
                        continue;
                    }
                    _ => {}
                }
                out.push(c);
            }
        }
    }
    out
}

/// One bound value as PostgreSQL receives it.
#[derive(Debug)]
struct Param<'a>(ValueRef<'a>);

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self.0 {
            ValueRef::Null => Ok(IsNull::Yes),
            ValueRef::Integer(i) => match *ty {
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            ValueRef::Real(f) => f.to_sql(ty, out),
            ValueRef::Text(t) => t.to_sql(ty, out),
            ValueRef::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// One column as PostgreSQL sends it, made into the facade's value.
pub(crate) enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    pub(crate) fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Cell::Null => ValueRef::Null,
            Cell::Integer(i) => ValueRef::Integer(*i),
            Cell::Real(f) => ValueRef::Real(*f),
            Cell::Text(t) => ValueRef::Text(t),
            Cell::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Cell::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => Cell::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Cell::Integer(i16::from_sql(ty, raw)?.into()),
            Type::OID => Cell::Integer(u32::from_sql(ty, raw)?.into()),
            Type::BOOL => Cell::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Cell::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Cell::Blob(raw.to_vec()),
            // `SELECT pg_advisory_lock(…)` and other functions returning nothing.
            Type::VOID => Cell::Null,
            _ => Cell::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Cell::Null)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::OID
                | Type::BOOL
                | Type::FLOAT8
                | Type::FLOAT4
                | Type::NUMERIC
                | Type::BYTEA
                | Type::VOID
        ) || <String as FromSql>::accepts(ty)
    }
}

/// NUMERIC in PostgreSQL's binary form (`SUM` of a BIGINT column is one): an integer when it
/// has no fraction and fits, else a double. Format: ndigits, weight, sign, dscale (i16 each),
/// then base-10000 digits.
fn numeric(raw: &[u8]) -> Result<Cell, Box<dyn StdError + Sync + Send>> {
    let word = |i: usize| -> Result<i16, Box<dyn StdError + Sync + Send>> {
        let b = raw.get(i * 2..i * 2 + 2).ok_or("truncated NUMERIC value")?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    };
    let (ndigits, weight, sign) = (word(0)?, word(1)?, word(2)?);
    if sign == 0xC000u16 as i16 {
        return Ok(Cell::Real(f64::NAN));
    }
    let mut value = 0f64;
    let mut int: Option<i64> = Some(0);
    for i in 0..ndigits.max(0) as usize {
        let d = word(4 + i)?;
        let power = i32::from(weight) - i as i32;
        value += f64::from(d) * 10000f64.powi(power);
        int = match (int, power >= 0) {
            (Some(acc), true) => u32::try_from(power)
                .ok()
                .and_then(|p| 10000i64.checked_pow(p))
                .and_then(|scale| i64::from(d).checked_mul(scale))
                .and_then(|v| acc.checked_add(v)),
            (acc, false) if d == 0 => acc,
            _ => None,
        };
    }
    let negative = sign == 0x4000;
    Ok(match int {
        Some(i) => Cell::Integer(if negative { -i } else { i }),
        _ => Cell::Real(if negative { -value } else { value }),
    })
}

/// Parses a PostgreSQL URL (with its `sslmode`); `what` names where it came from in the error.
pub(crate) fn pg_config(url: &str, what: &str) -> Result<PgTarget, crate::StorageError> {
    PgTarget::parse(url, what)
}

/// A new client: the one place every PostgreSQL connection of the crate is made.
pub(crate) fn pg_client(target: &PgTarget) -> Result<postgres::Client, SqlError> {
    target.connect().map_err(pg_error)
}

/// A PostgreSQL connection with its cache of prepared statements.
pub(crate) struct PgConn {
    /// Always `Some` until dropped (see the `Drop` impl).
    client: RefCell<Option<postgres::Client>>,
    cache: RefCell<HashMap<(String, Vec<SqlType>), postgres::Statement>>,
}

/// Distinct statement texts kept prepared per connection (every store statement fits).
const CACHE_CAP: usize = 1024;

pub(crate) fn pg_error(e: postgres::Error) -> SqlError {
    SqlError::Postgres(e)
}

impl PgConn {
    pub(crate) fn new(client: postgres::Client) -> PgConn {
        PgConn {
            client: RefCell::new(Some(client)),
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// The client, for one call.
    fn with<R>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<R, postgres::Error>,
    ) -> SqlResult<R> {
        let mut guard = self.client.borrow_mut();
        let client = guard
            .as_mut()
            .ok_or_else(|| SqlError::Param("the connection was closed".into()))?;
        f(client).map_err(pg_error)
    }

    /// Prepares `sql` for these values' types (cached).
    fn statement(
        &self,
        sql: &str,
        values: &[ValueRef<'_>],
        declared: &[SqlType],
    ) -> SqlResult<postgres::Statement> {
        let types: Vec<SqlType> = values
            .iter()
            .zip(declared)
            .map(|(v, d)| SqlType::of(v, *d))
            .collect();
        let key = (sql.to_string(), types);
        if let Some(st) = self.cache.borrow().get(&key) {
            return Ok(st.clone());
        }
        let pg_types: Vec<Type> = key.1.iter().map(|t| t.pg()).collect();
        let st = self.with(|c| c.prepare_typed(&rewrite_placeholders(sql), &pg_types))?;
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= CACHE_CAP {
            cache.clear();
        }
        cache.insert(key, st.clone());
        Ok(st)
    }

    fn bind<'v>(params: &'v [&'v dyn ToValue]) -> SqlResult<(Vec<ValueRef<'v>>, Vec<SqlType>)> {
        let mut values = Vec::with_capacity(params.len());
        let mut declared = Vec::with_capacity(params.len());
        for p in params {
            values.push(p.to_value()?);
            declared.push(p.sql_type());
        }
        Ok((values, declared))
    }

    pub(crate) fn execute(&self, sql: &str, params: &[&dyn ToValue]) -> SqlResult<usize> {
        let (values, declared) = Self::bind(params)?;
        let st = self.statement(sql, &values, &declared)?;
        let bound: Vec<Param<'_>> = values.into_iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let n = self.with(|c| c.execute(&st, &refs))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Every row of the query, decoded.
    pub(crate) fn query(&self, sql: &str, params: &[&dyn ToValue]) -> SqlResult<PgRows> {
        let (values, declared) = Self::bind(params)?;
        let st = self.statement(sql, &values, &declared)?;
        let bound: Vec<Param<'_>> = values.into_iter().map(Param).collect();
        let refs: Vec<&(dyn ToSql + Sync)> =
            bound.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.with(|c| c.query(&st, &refs))?;
        Self::decode(Some(&st), &rows)
    }

    /// The rows as cells, with the column names (the statement's, else the first row's).
    fn decode(st: Option<&postgres::Statement>, rows: &[postgres::Row]) -> SqlResult<PgRows> {
        let columns = match (st, rows.first()) {
            (Some(st), _) => st.columns(),
            (None, Some(row)) => row.columns(),
            (None, None) => &[],
        };
        let names: Vec<String> = columns.iter().map(|c| c.name().to_string()).collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut cells = Vec::with_capacity(row.len());
            for i in 0..row.len() {
                cells.push(row.try_get::<_, Cell>(i).map_err(pg_error)?);
            }
            out.push(cells);
        }
        Ok(PgRows {
            names,
            rows: out,
            at: 0,
        })
    }

    /// As `execute`, with a statement of its own, unnamed and planned for these values (the
    /// cache's statements get a generic plan after five runs, blind to the values).
    pub(crate) fn execute_once(&self, sql: &str, params: &[&dyn ToValue]) -> SqlResult<usize> {
        let n = self.once(params, |c, typed| {
            c.execute_typed(&rewrite_placeholders(sql), typed)
        })?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// As `query`, with a statement of its own, unnamed and planned for these values: a query
    /// whose best plan depends on them (a rare word or a common one in a search).
    pub(crate) fn query_once(&self, sql: &str, params: &[&dyn ToValue]) -> SqlResult<PgRows> {
        let rows = self.once(params, |c, typed| {
            c.query_typed(&rewrite_placeholders(sql), typed)
        })?;
        Self::decode(None, &rows)
    }

    /// Runs `f` with the values, each with the type it is sent as. A value of type `Any` is
    /// always a NULL (a value has its own type), so it is never encoded for a type the server
    /// inferred.
    fn once<R>(
        &self,
        params: &[&dyn ToValue],
        f: impl FnOnce(
            &mut postgres::Client,
            &[(&(dyn ToSql + Sync), Type)],
        ) -> Result<R, postgres::Error>,
    ) -> SqlResult<R> {
        let (values, declared) = Self::bind(params)?;
        let types: Vec<Type> = values
            .iter()
            .zip(&declared)
            .map(|(v, d)| SqlType::of(v, *d).pg())
            .collect();
        let bound: Vec<Param<'_>> = values.into_iter().map(Param).collect();
        let typed: Vec<(&(dyn ToSql + Sync), Type)> = bound
            .iter()
            .zip(types)
            .map(|(p, t)| (p as &(dyn ToSql + Sync), t))
            .collect();
        self.with(|c| f(c, &typed))
    }

    pub(crate) fn batch_execute(&self, sql: &str) -> SqlResult<()> {
        self.with(|c| c.batch_execute(sql))
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.client.borrow().as_ref().is_none_or(|c| c.is_closed())
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // Closing the client blocks on its own runtime, which panics (and, in a destructor,
        // aborts) on a thread that drives async tasks: the last handle of a `Db` may well be
        // dropped on one. Closed on a thread of its own instead.
        if let Some(client) = self.client.get_mut().take() {
            let _ = std::thread::Builder::new()
                .name("nichoir-pg-close".into())
                .spawn(move || drop(client));
        }
    }
}

/// The decoded rows of one query.
pub(crate) struct PgRows {
    pub(crate) names: Vec<String>,
    pub(crate) rows: Vec<Vec<Cell>>,
    pub(crate) at: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_literals_only() {
        assert_eq!(
            rewrite_placeholders("SELECT '?1', \"a?\" FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', \"a?\" FROM t WHERE a = $1 AND b = $12"
        );
        assert_eq!(
            rewrite_placeholders("x LIKE ?3 ESCAPE '\\'"),
            "x LIKE $3 ESCAPE '\\'"
        );
    }

    fn encode(ndigits: i16, weight: i16, sign: u16, dscale: i16, digits: &[i16]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [ndigits, weight, sign as i16, dscale] {
            v.extend_from_slice(&w.to_be_bytes());
        }
        for d in digits {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v
    }

    #[test]
    fn numeric_sums_read_as_integers() {
        // 1_2345_6789 = digits [1, 2345, 6789], weight 2.
        let n = numeric(&encode(3, 2, 0, 0, &[1, 2345, 6789])).expect("numeric");
        assert!(matches!(n, Cell::Integer(123_456_789)));
        let n = numeric(&encode(1, 1, 0x4000, 0, &[7])).expect("numeric");
        assert!(matches!(n, Cell::Integer(-70_000)));
        let n = numeric(&encode(0, 0, 0, 0, &[])).expect("numeric");
        assert!(matches!(n, Cell::Integer(0)));
        let n = numeric(&encode(2, 0, 0, 1, &[3, 5000])).expect("numeric");
        assert!(matches!(n, Cell::Real(f) if (f - 3.5).abs() < 1e-9));
        assert!(numeric(&[0, 1]).is_err());
    }
}
