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
use std::cell::Cell;

use rusqlite::types::{ToSqlOutput, ValueRef as SqliteRef};

pub use crate::pg::SqlType;
use crate::pg::{PgConn, PgRows};

/// Which engine a connection talks to, for the few statements written once per dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

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
    #[error("postgres: {}", postgres_detail(.0))]
    Postgres(#[from] postgres::Error),
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

/// The server's own words when there are some ("db error" alone says nothing).
fn postgres_detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
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
    /// The parameter's type, also when it is NULL (PostgreSQL prepares with it).
    fn sql_type(&self) -> SqlType;
}

/// A type whose values all have one SQL type (what `Option<T>` declares for `None`).
pub trait Typed {
    const SQL_TYPE: SqlType;
}

impl<T: Typed + ?Sized> Typed for &T {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
}

macro_rules! to_value_int {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> SqlResult<ValueRef<'_>> {
                Ok(ValueRef::Integer(i64::from(*self)))
            }
            fn sql_type(&self) -> SqlType {
                SqlType::Integer
            }
        }
        impl Typed for $t {
            const SQL_TYPE: SqlType = SqlType::Integer;
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
            fn sql_type(&self) -> SqlType {
                SqlType::Integer
            }
        }
        impl Typed for $t {
            const SQL_TYPE: SqlType = SqlType::Integer;
        }
    )*};
}
to_value_wide!(u64, usize, isize);

impl ToValue for f64 {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Real(*self))
    }
    fn sql_type(&self) -> SqlType {
        SqlType::Real
    }
}

impl Typed for f64 {
    const SQL_TYPE: SqlType = SqlType::Real;
}

impl ToValue for str {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Text(self))
    }
    fn sql_type(&self) -> SqlType {
        SqlType::Text
    }
}

impl Typed for str {
    const SQL_TYPE: SqlType = SqlType::Text;
}

impl ToValue for String {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Text(self))
    }
    fn sql_type(&self) -> SqlType {
        SqlType::Text
    }
}

impl Typed for String {
    const SQL_TYPE: SqlType = SqlType::Text;
}

impl ToValue for Cow<'_, str> {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Text(self))
    }
    fn sql_type(&self) -> SqlType {
        SqlType::Text
    }
}

impl Typed for Cow<'_, str> {
    const SQL_TYPE: SqlType = SqlType::Text;
}

impl ToValue for [u8] {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Blob(self))
    }
    fn sql_type(&self) -> SqlType {
        SqlType::Blob
    }
}

impl Typed for [u8] {
    const SQL_TYPE: SqlType = SqlType::Blob;
}

impl ToValue for Vec<u8> {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(ValueRef::Blob(self))
    }
    fn sql_type(&self) -> SqlType {
        SqlType::Blob
    }
}

impl Typed for Vec<u8> {
    const SQL_TYPE: SqlType = SqlType::Blob;
}

impl<T: ToValue + Typed> ToValue for Option<T> {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        match self {
            Some(v) => v.to_value(),
            None => Ok(ValueRef::Null),
        }
    }
    fn sql_type(&self) -> SqlType {
        T::SQL_TYPE
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        (**self).to_value()
    }
    fn sql_type(&self) -> SqlType {
        (**self).sql_type()
    }
}

impl<T: ToValue + ?Sized> ToValue for Box<T> {
    #[inline]
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        (**self).to_value()
    }
    fn sql_type(&self) -> SqlType {
        (**self).sql_type()
    }
}

/// A value owned, of any column: what the copy between engines carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn of(v: ValueRef<'_>) -> Value {
        match v {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(t) => Value::Text(t.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

impl ToValue for Value {
    fn to_value(&self) -> SqlResult<ValueRef<'_>> {
        Ok(match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        })
    }
    fn sql_type(&self) -> SqlType {
        match self {
            Value::Null => SqlType::Any,
            Value::Integer(_) => SqlType::Integer,
            Value::Real(_) => SqlType::Real,
            Value::Text(_) => SqlType::Text,
            Value::Blob(_) => SqlType::Blob,
        }
    }
}

/// What a statement's parameters are given as: `params![a, b]`, `[a]`, `[a, b]` (one type),
/// `[]`, or `()`.
/// `(?1, ?2, ?3), (?4, ?5, ?6)`: the VALUES list of a multi-row INSERT of `rows` rows of `cols`
/// columns, valid on both engines. A hot path that inserts many rows in one job sends one
/// statement, not one per row (a round trip each on PostgreSQL).
pub fn values_placeholders(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('?');
            out.push_str(&(r * cols + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// Ids bound in one `IN (...)` list at most: far below SQLite's 32,766 parameters and
/// PostgreSQL's 65,535, and a statement text both plan quickly.
pub const MAX_IN_LIST: usize = 500;

/// Runs `query` over `items` cut into lists of [`MAX_IN_LIST`], on one connection, and joins
/// the rows: a caller asks about any number of ids in one `db.read`.
pub fn in_chunks<T, R, E>(
    items: &[T],
    query: impl FnMut(&[T]) -> Result<Vec<R>, E>,
) -> Result<Vec<R>, E> {
    chunked(items, MAX_IN_LIST, query)
}

fn chunked<T, R, E>(
    items: &[T],
    size: usize,
    mut query: impl FnMut(&[T]) -> Result<Vec<R>, E>,
) -> Result<Vec<R>, E> {
    let mut out = Vec::new();
    for chunk in items.chunks(size.max(1)) {
        out.extend(query(chunk)?);
    }
    Ok(out)
}

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
    #[doc(hidden)]
    fn position(self, names: &[String]) -> Option<usize>;
}

impl RowIndex for usize {
    #[inline]
    fn sqlite_ref<'r>(self, row: &'r rusqlite::Row<'_>) -> rusqlite::Result<SqliteRef<'r>> {
        row.get_ref(self)
    }
    fn position(self, names: &[String]) -> Option<usize> {
        (self < names.len()).then_some(self)
    }
}

impl RowIndex for &str {
    #[inline]
    fn sqlite_ref<'r>(self, row: &'r rusqlite::Row<'_>) -> rusqlite::Result<SqliteRef<'r>> {
        row.get_ref(self)
    }
    fn position(self, names: &[String]) -> Option<usize> {
        names.iter().position(|n| n.eq_ignore_ascii_case(self))
    }
}

/// One row of a result.
pub struct Row<'r> {
    inner: RowInner<'r>,
}

enum RowInner<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Pg {
        names: &'r [String],
        cells: &'r [crate::pg::Cell],
    },
}

impl Row<'_> {
    /// The column at `idx`, whatever its type.
    pub fn value(&self, idx: usize) -> SqlResult<Value> {
        match &self.inner {
            RowInner::Sqlite(row) => {
                let raw = row.get_ref(idx)?;
                from_sqlite(raw)
                    .map(Value::of)
                    .map_err(|message| SqlError::Column {
                        column: idx.to_string(),
                        message,
                    })
            }
            RowInner::Pg { cells, .. } => cells
                .get(idx)
                .map(|c| Value::of(c.as_ref()))
                .ok_or_else(|| SqlError::invalid_column(format!("no column {idx}"))),
        }
    }

    /// The column `idx` as a `T`.
    #[inline]
    pub fn get<I: RowIndex, T: FromValue>(&self, idx: I) -> SqlResult<T> {
        let column = |message| SqlError::Column {
            column: format!("{idx:?}"),
            message,
        };
        match &self.inner {
            RowInner::Sqlite(row) => {
                let raw = idx.sqlite_ref(row)?;
                from_sqlite(raw).and_then(T::from_value).map_err(column)
            }
            RowInner::Pg { names, cells } => {
                let cell = idx
                    .position(names)
                    .and_then(|i| cells.get(i))
                    .ok_or_else(|| column("no such column".into()))?;
                T::from_value(cell.as_ref()).map_err(column)
            }
        }
    }
}

// ---- connections and statements ----

/// What a write job or a read is given.
pub struct Connection {
    inner: Engine,
    /// Statements run so far (a batch's text counts each of its statements): the writer's
    /// statements per job, in its figures.
    statements: Cell<u64>,
}

enum Engine {
    Sqlite(rusqlite::Connection),
    // Boxed: a PostgreSQL client is much larger than a SQLite handle, and SQLite is the default.
    Pg(Box<PgConn>),
}

impl Connection {
    pub(crate) fn from_sqlite(inner: rusqlite::Connection) -> Connection {
        Connection {
            inner: Engine::Sqlite(inner),
            statements: Cell::new(0),
        }
    }

    pub(crate) fn from_pg(client: postgres::Client) -> Connection {
        Connection {
            inner: Engine::Pg(Box::new(PgConn::new(client))),
            statements: Cell::new(0),
        }
    }

    /// Which engine this is: for the rare statement that has one text per dialect.
    pub fn dialect(&self) -> Dialect {
        match self.inner {
            Engine::Sqlite(_) => Dialect::Sqlite,
            Engine::Pg(_) => Dialect::Postgres,
        }
    }

    /// Statements run on this connection so far.
    pub(crate) fn statements(&self) -> u64 {
        self.statements.get()
    }

    fn count(&self, n: u64) {
        self.statements.set(self.statements.get().wrapping_add(n));
    }

    /// Whether the server closed this connection (PostgreSQL restarted): it is replaced.
    pub(crate) fn is_broken(&self) -> bool {
        match &self.inner {
            Engine::Sqlite(_) => false,
            Engine::Pg(c) => c.is_closed(),
        }
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
        self.count(1);
        match &self.inner {
            Engine::Sqlite(c) => params.with_values(|v| Ok(c.execute(sql, sqlite_params(v))?)),
            Engine::Pg(c) => params.with_values(|v| c.execute(sql, v)),
        }
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

    /// A statement prepared for this use only. On PostgreSQL it is planned at each run for its
    /// values: for a query whose best plan depends on them (a search), where the cached one
    /// would soon run a generic plan.
    pub fn prepare(&self, sql: &str) -> SqlResult<Statement<'_>> {
        Ok(Statement {
            runs: &self.statements,
            inner: match &self.inner {
                Engine::Sqlite(c) => StmtInner::Plain(c.prepare(sql)?),
                Engine::Pg(c) => StmtInner::PgOnce(c, sql.to_string()),
            },
        })
    }

    /// As `prepare`, from this connection's cache of prepared statements.
    #[inline]
    pub fn prepare_cached(&self, sql: &str) -> SqlResult<Statement<'_>> {
        Ok(Statement {
            runs: &self.statements,
            inner: match &self.inner {
                Engine::Sqlite(c) => StmtInner::Cached(c.prepare_cached(sql)?),
                // Every PostgreSQL statement is cached (per text and parameter types).
                Engine::Pg(c) => StmtInner::Pg(c, sql.to_string()),
            },
        })
    }

    /// Several statements without parameters (migrations, savepoints, tests).
    pub fn execute_batch(&self, sql: &str) -> SqlResult<()> {
        self.count(sql.trim_end().trim_end_matches(';').matches(';').count() as u64 + 1);
        match &self.inner {
            Engine::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Engine::Pg(c) => c.batch_execute(sql),
        }
    }
}

enum StmtInner<'c> {
    Plain(rusqlite::Statement<'c>),
    Cached(rusqlite::CachedStatement<'c>),
    Pg(&'c PgConn, String),
    PgOnce(&'c PgConn, String),
}

/// A prepared statement.
pub struct Statement<'c> {
    inner: StmtInner<'c>,
    /// Its connection's statement count.
    runs: &'c Cell<u64>,
}

impl Statement<'_> {
    fn count(&self) {
        self.runs.set(self.runs.get().wrapping_add(1));
    }

    #[inline]
    pub fn execute<P: Params>(&mut self, params: P) -> SqlResult<usize> {
        self.count();
        match &mut self.inner {
            StmtInner::Plain(s) => params.with_values(|v| Ok(s.execute(sqlite_params(v))?)),
            StmtInner::Cached(s) => params.with_values(|v| Ok(s.execute(sqlite_params(v))?)),
            StmtInner::Pg(c, sql) => params.with_values(|v| c.execute(sql, v)),
            StmtInner::PgOnce(c, sql) => params.with_values(|v| c.execute_once(sql, v)),
        }
    }

    /// Whether the query returns at least one row.
    #[inline]
    pub fn exists<P: Params>(&mut self, params: P) -> SqlResult<bool> {
        let mut rows = self.query(params)?;
        Ok(rows.next()?.is_some())
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
        self.count();
        Ok(Rows {
            inner: match &mut self.inner {
                StmtInner::Plain(s) => {
                    RowsInner::Sqlite(params.with_values(|v| s.query(sqlite_params(v)))?)
                }
                StmtInner::Cached(s) => {
                    RowsInner::Sqlite(params.with_values(|v| s.query(sqlite_params(v)))?)
                }
                StmtInner::Pg(c, sql) => RowsInner::Pg(params.with_values(|v| c.query(sql, v))?),
                StmtInner::PgOnce(c, sql) => {
                    RowsInner::Pg(params.with_values(|v| c.query_once(sql, v))?)
                }
            },
        })
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
    inner: RowsInner<'s>,
}

enum RowsInner<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Pg(PgRows),
}

impl Rows<'_> {
    /// The next row, or `None` at the end.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> SqlResult<Option<Row<'_>>> {
        match &mut self.inner {
            RowsInner::Sqlite(rows) => Ok(rows.next()?.map(|r| Row {
                inner: RowInner::Sqlite(r),
            })),
            RowsInner::Pg(rows) => {
                let at = rows.at;
                rows.at += 1;
                Ok(rows.rows.get(at).map(|cells| Row {
                    inner: RowInner::Pg {
                        names: &rows.names,
                        cells,
                    },
                }))
            }
        }
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

    #[test]
    fn in_chunks_asks_each_list_once_and_joins_the_rows() {
        let ids: Vec<usize> = (0..MAX_IN_LIST * 2 + 1).collect();
        let mut sizes = Vec::new();
        let rows = super::in_chunks(&ids, |chunk| {
            sizes.push(chunk.len());
            Ok::<_, ()>(chunk.iter().filter(|i| *i % 2 == 0).copied().collect())
        })
        .expect("rows");
        assert_eq!(sizes, [MAX_IN_LIST, MAX_IN_LIST, 1]);
        assert_eq!(rows, (0..=MAX_IN_LIST * 2).step_by(2).collect::<Vec<_>>());
        let none = super::in_chunks(&[] as &[usize], |_| Ok::<Vec<usize>, ()>(vec![1]));
        assert_eq!(none, Ok(Vec::new()), "no list, no query");
        let failed = super::in_chunks(&ids, |chunk| {
            if chunk[0] == 0 {
                Ok(vec![0])
            } else {
                Err("second list")
            }
        });
        assert_eq!(failed, Err("second list"));
    }

    #[test]
    fn values_placeholders_number_rows_then_columns() {
        assert_eq!(super::values_placeholders(1, 1), "(?1)");
        assert_eq!(
            super::values_placeholders(2, 3),
            "(?1, ?2, ?3), (?4, ?5, ?6)"
        );
        assert_eq!(super::values_placeholders(0, 3), "");
    }

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
