//! The SQL facade every tool's store code uses: `Connection`, `Statement`, `Row`, `params!`,
//! `ToValue`/`FromValue`, `OptionalExtension`, with the names and method shapes of rusqlite that
//! the stores were written against. No crate but this one names the database driver, so a
//! second engine (PostgreSQL, issue 14) is a second driver behind these types, not a rewrite of
//! six crates' SQL (../shared/design/scale-out.md §3).
//!
//! Values cross the facade as [`ValueRef`] (the five storage classes both engines share:
//! NULL, 64-bit integer, double, text, bytes). On SQLite binding is zero-copy and every call is
//! one match away from rusqlite's: the hot paths (pad batches, chat posts) pay nothing.

use std::borrow::Cow;

use rusqlite::types::{ToSqlOutput, ValueRef as SqliteRef};

/// A value as both engines store it, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// Why a statement, a bound value or a read column failed.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// `query_row` found nothing (`optional()` turns it into `None`).
    #[error("the query returned no row")]
    NoRows,
    /// A column held something the reader did not expect.
    #[error("column {column}: {message}")]
    Column { column: String, message: String },
    /// A value could not be bound (an unsigned number past `i64::MAX`).
    #[error("parameter: {0}")]
    Param(String),
}

impl SqlError {
    /// A column whose stored value makes no sense to the reader (e.g. an unknown enum text).
    pub fn invalid_column(what: impl Into<String>) -> SqlError {
        SqlError::Column {
            column: String::new(),
            message: what.into(),
        }
    }
}

pub type SqlResult<T> = Result<T, SqlError>;

/// `query_row(…).optional()`: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> SqlResult<Option<T>>;
}

impl<T> OptionalExtension<T> for SqlResult<T> {
    fn optional(self) -> SqlResult<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(SqlError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

// ---- values in ----

/// A Rust value that can be bound to a statement parameter.
pub trait ToValue {
    fn to_value(&self) -> SqlResult<ValueRef<'_>>;
}

macro_rules! to_value_int {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> SqlResult<ValueRef<'_>> {
                Ok(ValueRef::Integer(i64::from(*self)))
            }
        }
    )*};
}
to_value_int!(i8, i16, i32, i64, u8, u16, u32, bool);

macro_rules! to_value_wide {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> SqlResult<ValueRef<'_>> {
                i64::try_from(*self)
                    .map(ValueRef::Integer)
                    .map_err(|_| SqlError::Param(format!("{} does not fit in 64 signed bits", self)))
            }
        }
    )*};
}
to_value_wide!(u64, usize, isize);

impl ToValue for f64 {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Real(*self))
    }
}

impl ToValue for str {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Text(self))
    }
}

impl ToValue for String {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Text(self))
    }
}

impl ToValue for Cow<'_, str> {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Text(self))
    }
}

impl ToValue for [u8] {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Blob(self))
    }
}

impl ToValue for Vec<u8> {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Blob(self))
    }
}

impl<T: ToValue> ToValue for Option<T> {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        match self {
            Some(v) => v.to_value(),
            None => Ok(ValueRef::Null),
        }
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        (**self).to_value()
    }
}

impl<T: ToValue + ?Sized> ToValue for Box<T> {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        (**self).to_value()
    }
}

/// What a statement's parameters are given as: `params![a, b]`, `[a]`, `[a, b]` (one type),
/// `[]`, or `()`.
pub trait Params {
    fn with_values<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R;
}

impl Params for &[&dyn ToValue] {
    #[inline]
    fn with_values<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
        f(self)
    }
}

impl Params for () {
    #[inline]
    fn with_values<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
        f(&[])
    }
}

impl Params for [&dyn ToValue; 0] {
    #[inline]
    fn with_values<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
        f(&[])
    }
}

macro_rules! params_array {
    ($($n:literal)*) => {$(
        impl<T: ToValue> Params for [T; $n] {
            #[inline]
            fn with_values<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
                let refs: [&dyn ToValue; $n] = std::array::from_fn(|i| &self[i] as &dyn ToValue);
                f(&refs)
            }
        }
        impl<T: ToValue> Params for &[T; $n] {
            #[inline]
            fn with_values<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
                let refs: [&dyn ToValue; $n] = std::array::from_fn(|i| &self[i] as &dyn ToValue);
                f(&refs)
            }
        }
    )*};
}
params_array!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

macro_rules! params_tuple {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: ToValue),+> Params for ($($t,)+) {
            #[inline]
            fn with_values<R>(&self, f: impl FnOnce(&[&dyn ToValue]) -> R) -> R {
                f(&[$(&self.$i as &dyn ToValue),+])
            }
        }
    )*};
}
params_tuple! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

/// Parameters of different types: `params![id, name, 3]`.
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::ToValue]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::ToValue),+] as &[&dyn $crate::ToValue]
    };
}

/// rusqlite's view of one of our values (borrowed: no copy of texts or blobs).
struct Bind<'a>(&'a dyn ToValue);

impl rusqlite::ToSql for Bind<'_> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let v = self
            .0
            .to_value()
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok(ToSqlOutput::Borrowed(match v {
            ValueRef::Null => SqliteRef::Null,
            ValueRef::Integer(i) => SqliteRef::Integer(i),
            ValueRef::Real(f) => SqliteRef::Real(f),
            ValueRef::Text(t) => SqliteRef::Text(t.as_bytes()),
            ValueRef::Blob(b) => SqliteRef::Blob(b),
        }))
    }
}

fn sqlite_params<'a>(
    values: &'a [&'a dyn ToValue],
) -> rusqlite::ParamsFromIter<impl Iterator<Item = Bind<'a>>> {
    rusqlite::params_from_iter(values.iter().map(|v| Bind(*v)))
}

// ---- values out ----

/// A Rust value that can be read from a column.
pub trait FromValue: Sized {
    fn from_value(v: ValueRef<'_>) -> Result<Self, String>;
}

macro_rules! from_value_int {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            #[inline]
            fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
                match v {
                    ValueRef::Integer(i) => <$t>::try_from(i)
                        .map_err(|_| format!("{i} does not fit in {}", stringify!($t))),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )*};
}
from_value_int!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl FromValue for bool {
    #[inline]
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Integer(i) => Ok(i != 0),
            other => Err(format!("expected a flag, found {other:?}")),
        }
    }
}

impl FromValue for f64 {
    #[inline]
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}

impl FromValue for String {
    #[inline]
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Text(t) => Ok(t.to_string()),
            other => Err(format!("expected a text, found {other:?}")),
        }
    }
}

impl FromValue for Vec<u8> {
    #[inline]
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            ValueRef::Text(t) => Ok(t.as_bytes().to_vec()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    #[inline]
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

fn from_sqlite(v: SqliteRef<'_>) -> Result<ValueRef<'_>, String> {
    Ok(match v {
        SqliteRef::Null => ValueRef::Null,
        SqliteRef::Integer(i) => ValueRef::Integer(i),
        SqliteRef::Real(f) => ValueRef::Real(f),
        SqliteRef::Text(t) => {
            ValueRef::Text(std::str::from_utf8(t).map_err(|e| format!("invalid UTF-8: {e}"))?)
        }
        SqliteRef::Blob(b) => ValueRef::Blob(b),
    })
}

/// A column by position (`0`) or by name (`"id"`).
pub trait RowIndex: Copy + std::fmt::Debug {
    #[doc(hidden)]
    fn sqlite_ref<'r>(self, row: &'r rusqlite::Row<'_>) -> rusqlite::Result<SqliteRef<'r>>;
}

impl RowIndex for usize {
    #[inline]
    fn sqlite_ref<'r>(self, row: &'r rusqlite::Row<'_>) -> rusqlite::Result<SqliteRef<'r>> {
        row.get_ref(self)
    }
}

impl RowIndex for &str {
    #[inline]
    fn sqlite_ref<'r>(self, row: &'r rusqlite::Row<'_>) -> rusqlite::Result<SqliteRef<'r>> {
        row.get_ref(self)
    }
}

/// One row of a result.
pub struct Row<'r> {
    inner: &'r rusqlite::Row<'r>,
}

impl Row<'_> {
    /// The column `idx` as a `T`.
    #[inline]
    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> SqlResult<T> {
        let raw = idx.sqlite_ref(self.inner)?;
        from_sqlite(raw)
            .and_then(T::from_value)
            .map_err(|message| SqlError::Column {
                column: format!("{idx:?}"),
                message,
            })
    }
}

// ---- connections and statements ----

/// What a write job or a read is given.
pub struct Connection {
    inner: rusqlite::Connection,
}

impl Connection {
    pub(crate) fn from_sqlite(inner: rusqlite::Connection) -> Connection {
        Connection { inner }
    }

    pub(crate) fn sqlite_mut(&mut self) -> &mut rusqlite::Connection {
        &mut self.inner
    }

    /// A private in-memory database (unit tests of stores).
    pub fn open_in_memory() -> SqlResult<Connection> {
        Ok(Connection::from_sqlite(
            rusqlite::Connection::open_in_memory()?,
        ))
    }

    /// Runs one statement; the number of rows it changed.
    #[inline]
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> SqlResult<usize> {
        params.with_values(|v| Ok(self.inner.execute(sql, sqlite_params(v))?))
    }

    /// The first row, read by `f`; `SqlError::NoRows` when there is none.
    #[inline]
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> SqlResult<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> SqlResult<T>,
    {
        let mut st = self.prepare_cached(sql)?;
        st.query_row(params, f)
    }

    pub fn prepare(&self, sql: &str) -> SqlResult<Statement<'_>> {
        Ok(Statement {
            inner: StmtInner::Plain(self.inner.prepare(sql)?),
        })
    }

    /// As `prepare`, from this connection's cache of prepared statements.
    #[inline]
    pub fn prepare_cached(&self, sql: &str) -> SqlResult<Statement<'_>> {
        Ok(Statement {
            inner: StmtInner::Cached(self.inner.prepare_cached(sql)?),
        })
    }

    /// Several statements without parameters (migrations, tests).
    pub fn execute_batch(&self, sql: &str) -> SqlResult<()> {
        Ok(self.inner.execute_batch(sql)?)
    }
}

enum StmtInner<'c> {
    Plain(rusqlite::Statement<'c>),
    Cached(rusqlite::CachedStatement<'c>),
}

/// A prepared statement.
pub struct Statement<'c> {
    inner: StmtInner<'c>,
}

impl<'c> Statement<'c> {
    #[inline]
    fn raw(&mut self) -> &mut rusqlite::Statement<'c> {
        match &mut self.inner {
            StmtInner::Plain(s) => s,
            StmtInner::Cached(s) => s,
        }
    }

    #[inline]
    pub fn execute<P: Params>(&mut self, params: P) -> SqlResult<usize> {
        params.with_values(|v| Ok(self.raw().execute(sqlite_params(v))?))
    }

    /// Whether the query returns at least one row.
    #[inline]
    pub fn exists<P: Params>(&mut self, params: P) -> SqlResult<bool> {
        params.with_values(|v| Ok(self.raw().exists(sqlite_params(v))?))
    }

    #[inline]
    pub fn query_row<T, P, F>(&mut self, params: P, f: F) -> SqlResult<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> SqlResult<T>,
    {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(SqlError::NoRows),
        }
    }

    /// The rows, one after another (`while let Some(row) = rows.next()?`).
    #[inline]
    pub fn query<P: Params>(&mut self, params: P) -> SqlResult<Rows<'_>> {
        let rows = params.with_values(|v| self.raw().query(sqlite_params(v)))?;
        Ok(Rows { inner: rows })
    }

    /// The rows, each read by `f`: an iterator of `SqlResult<T>`.
    #[inline]
    pub fn query_map<T, P, F>(&mut self, params: P, f: F) -> SqlResult<MappedRows<'_, F>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> SqlResult<T>,
    {
        Ok(MappedRows {
            rows: self.query(params)?,
            f,
        })
    }
}

/// The rows of a query.
pub struct Rows<'s> {
    inner: rusqlite::Rows<'s>,
}

impl Rows<'_> {
    /// The next row, or `None` at the end.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> SqlResult<Option<Row<'_>>> {
        Ok(self.inner.next()?.map(|inner| Row { inner }))
    }
}

/// The rows of a query, each read by a function.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    f: F,
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> SqlResult<T>,
{
    type Item = SqlResult<T>;

    #[inline]
    fn next(&mut self) -> Option<SqlResult<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.f)(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().expect("db");
        c.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, b BLOB, f REAL)",
        )
        .expect("table");
        c
    }

    #[test]
    fn values_go_in_and_come_out_as_they_were() -> SqlResult<()> {
        let c = db();
        let name = String::from("Zoé 🦀");
        c.execute(
            "INSERT INTO t (id, name, n, b, f) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![1, name, Some(7u32), vec![0u8, 255], 0.5],
        )?;
        c.execute("INSERT INTO t (id) VALUES (?1)", [2])?;
        c.execute("INSERT INTO t (id, name) VALUES (?1, ?2)", params![3, "x"])?;
        let (n, name, b, f): (Option<i64>, String, Vec<u8>, f64) =
            c.query_row("SELECT n, name, b, f FROM t WHERE id = ?1", [1], |r| {
                Ok((r.get(0)?, r.get("name")?, r.get(2)?, r.get(3)?))
            })?;
        assert_eq!(
            (n, name.as_str(), b, f),
            (Some(7), "Zoé 🦀", vec![0, 255], 0.5)
        );
        let nulls: (Option<String>, Option<i64>) =
            c.query_row("SELECT name, n FROM t WHERE id = 2", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        assert_eq!(nulls, (None, None));
        let mut st = c.prepare_cached("SELECT id FROM t WHERE id > ?1 ORDER BY id")?;
        let ids = st
            .query_map([1], |r| r.get::<_, i64>(0))?
            .collect::<SqlResult<Vec<_>>>()?;
        assert_eq!(ids, vec![2, 3]);
        let mut rows = st.query([0])?;
        let mut seen = 0;
        while let Some(r) = rows.next()? {
            seen += r.get::<_, i64>(0)?;
        }
        assert_eq!(seen, 6);
        assert!(c.prepare("SELECT 1 FROM t WHERE id = ?1")?.exists([3])?);
        Ok(())
    }

    #[test]
    fn missing_rows_wrong_types_and_huge_numbers_are_errors_not_panics() -> SqlResult<()> {
        let c = db();
        c.execute("INSERT INTO t (id, name, n) VALUES (1, 'a', -1)", ())?;
        let none = c
            .query_row("SELECT id FROM t WHERE id = 9", [], |r| r.get::<_, i64>(0))
            .optional()?;
        assert_eq!(none, None);
        let wrong = c.query_row("SELECT name FROM t", [], |r| r.get::<_, i64>(0));
        assert!(matches!(wrong, Err(SqlError::Column { .. })), "{wrong:?}");
        let negative = c.query_row("SELECT n FROM t", [], |r| r.get::<_, u64>(0));
        assert!(matches!(negative, Err(SqlError::Column { .. })));
        let huge = c.execute("UPDATE t SET n = ?1", [u64::MAX]);
        assert!(huge.is_err());
        Ok(())
    }
}
