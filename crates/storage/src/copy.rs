//! `nichoir storage copy`: moves a whole instance's database between the engines (SQLite →
//! PostgreSQL when a host outgrows one machine, and back when it leaves a cluster), with the
//! server stopped. The destination is created by the same migrations, must be empty, and is
//! checked afterwards: every table's row count and a checksum of its rows, equal on both sides.
//!
//! The tables and their columns come from the SQLite side (in creation order, so a row's
//! foreign keys are always copied before it); search tables carry their rowid; PostgreSQL's
//! generated `tsvector` columns fill themselves, and its identity sequences are moved past the
//! copied ids.

use sha2::{Digest, Sha256};

use crate::sql::{Connection, Dialect, Value};
use crate::{params, StorageError};

/// One table after the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableReport {
    pub table: String,
    pub rows: u64,
    /// SHA-256 of the table's rows in a fixed order, the same on both engines.
    pub checksum: String,
}

/// A table to copy: its name and the columns both engines have.
#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<String>,
}

/// The tables of the instance, from the SQLite connection, oldest first.
fn tables(sqlite: &Connection) -> Result<Vec<Table>, StorageError> {
    let mut st = sqlite.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name <> '_migrations' ORDER BY rowid",
    )?;
    let all: Vec<(String, String)> = st
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            ))
        })?
        .collect::<Result<_, _>>()?;
    let virtuals: Vec<&str> = all
        .iter()
        .filter(|(_, sql)| sql.starts_with("CREATE VIRTUAL TABLE"))
        .map(|(n, _)| n.as_str())
        .collect();
    let mut out = Vec::new();
    for (name, sql) in &all {
        // FTS5 keeps its index in shadow tables (`chat_search_data`…): the index is rebuilt
        // from the virtual table's rows on the other side.
        if virtuals
            .iter()
            .any(|v| name != v && name.starts_with(&format!("{v}_")))
        {
            continue;
        }
        let mut info = sqlite.prepare(&format!("SELECT name FROM pragma_table_info('{name}')"))?;
        let mut columns: Vec<String> = info
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        if sql.starts_with("CREATE VIRTUAL TABLE") {
            columns.insert(0, "rowid".into());
        }
        out.push(Table {
            name: name.clone(),
            columns,
        });
    }
    Ok(out)
}

/// Every row of `table`, in the order of all its columns (one order on both engines: the
/// database is C.UTF-8, whose text order is SQLite's).
fn rows(c: &Connection, t: &Table) -> Result<Vec<Vec<Value>>, StorageError> {
    let cols = t.columns.join(", ");
    let order: Vec<String> = (1..=t.columns.len()).map(|i| i.to_string()).collect();
    let mut st = c.prepare(&format!(
        "SELECT {cols} FROM {} ORDER BY {}",
        t.name,
        order.join(", ")
    ))?;
    let n = t.columns.len();
    let out = st
        .query_map([], |r| (0..n).map(|i| r.value(i)).collect())?
        .collect::<Result<_, _>>()?;
    Ok(out)
}

fn checksum(rows: &[Vec<Value>]) -> String {
    let mut h = Sha256::new();
    for row in rows {
        for v in row {
            match v {
                Value::Null => h.update(b"N;"),
                Value::Integer(i) => h.update(format!("I{i};")),
                Value::Real(f) => h.update(format!("R{f:?};")),
                Value::Text(t) => h.update(format!("T{}:{t};", t.len())),
                Value::Blob(b) => {
                    h.update(format!("B{}:", b.len()));
                    h.update(b);
                }
            }
        }
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Copies every row of `from` into `to` (both migrated to the same versions; `to` empty), then
/// compares each table on both sides. One of them must be SQLite (it names the tables).
pub fn copy_database(from: &Connection, to: &Connection) -> Result<Vec<TableReport>, StorageError> {
    let sqlite = match (from.dialect(), to.dialect()) {
        (Dialect::Sqlite, _) => from,
        (_, Dialect::Sqlite) => to,
        _ => {
            return Err(StorageError::Invalid(
                "one side must be SQLite; between two PostgreSQL databases use pg_dump".into(),
            ))
        }
    };
    if crate::applied_versions(from)? != crate::applied_versions(to)? {
        return Err(StorageError::Invalid(
            "the two databases are not at the same migration versions".into(),
        ));
    }
    let tables = tables(sqlite)?;
    for t in &tables {
        let n: i64 = to.query_row(&format!("SELECT COUNT(*) FROM {}", t.name), [], |r| {
            r.get(0)
        })?;
        if n > 0 {
            return Err(StorageError::Invalid(format!(
                "the destination is not empty ({} has {n} rows): copy into a new database",
                t.name
            )));
        }
    }
    let begin = match to.dialect() {
        Dialect::Sqlite => "BEGIN IMMEDIATE",
        Dialect::Postgres => "BEGIN",
    };
    to.execute_batch(begin)?;
    let copied = copy_rows(from, to, &tables);
    let sources = match copied {
        Ok(sources) => {
            to.execute_batch("COMMIT")?;
            sources
        }
        Err(e) => {
            let _ = to.execute_batch("ROLLBACK");
            return Err(e);
        }
    };
    // The source side was summed as it was read for the copy: only the copy is read again.
    let mut reports = Vec::new();
    for (t, source) in tables.iter().zip(sources) {
        let b = rows(to, t)?;
        let sb = checksum(&b);
        if source.rows != b.len() as u64 || source.checksum != sb {
            return Err(StorageError::Invalid(format!(
                "{}: {} rows with checksum {} in the source, {} with {sb} in the copy",
                t.name,
                source.rows,
                source.checksum,
                b.len()
            )));
        }
        reports.push(source);
    }
    Ok(reports)
}

/// Inserts every table's rows; returns what the source held (count and checksum), per table.
fn copy_rows(
    from: &Connection,
    to: &Connection,
    tables: &[Table],
) -> Result<Vec<TableReport>, StorageError> {
    let mut sources = Vec::with_capacity(tables.len());
    for t in tables {
        let cols = t.columns.join(", ");
        let holes: Vec<String> = (1..=t.columns.len()).map(|i| format!("?{i}")).collect();
        let insert = format!(
            "INSERT INTO {} ({cols}) VALUES ({})",
            t.name,
            holes.join(", ")
        );
        let mut st = to.prepare_cached(&insert)?;
        let source = rows(from, t)?;
        sources.push(TableReport {
            table: t.name.clone(),
            rows: source.len() as u64,
            checksum: checksum(&source),
        });
        for row in source {
            let refs: Vec<&dyn crate::ToValue> =
                row.iter().map(|v| v as &dyn crate::ToValue).collect();
            st.execute(refs.as_slice())?;
        }
        if to.dialect() == Dialect::Postgres && t.columns.first().is_some_and(|c| c == "id") {
            // Identity columns: the next id comes after the copied ones.
            let seq: Option<String> = to.query_row(
                "SELECT pg_get_serial_sequence(?1, 'id')",
                params![t.name],
                |r| r.get(0),
            )?;
            if let Some(seq) = seq {
                to.query_row(
                    &format!(
                        "SELECT setval(?1::regclass, GREATEST((SELECT COALESCE(MAX(id), 0) FROM {}), 1))",
                        t.name
                    ),
                    params![seq],
                    |_| Ok(()),
                )?;
            }
        }
    }
    Ok(sources)
}

/// Opens the database behind `target` for the copy, migrated: a PostgreSQL URL, or the path of
/// a SQLite file.
pub fn open_for_copy(
    target: &str,
    sets: &[crate::MigrationSet],
) -> Result<Connection, StorageError> {
    if target.starts_with("postgres://") || target.starts_with("postgresql://") {
        crate::Db::open_postgres(target, &crate::DbOptions::default(), sets)?.close();
        let client = crate::pg::pg_client(&crate::pg::pg_config(target, target)?)?;
        Ok(Connection::from_pg(client))
    } else {
        let path = std::path::Path::new(target);
        crate::Db::open(path, &crate::DbOptions::default(), sets)?.close();
        Ok(Connection::from_sqlite(rusqlite::Connection::open(path)?))
    }
}
