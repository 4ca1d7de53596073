//! `impex migrate --to postgres://...`: moving a SQLite database up to PostgreSQL in one run
//! (docs/postgres.md, "Moving up").
//!
//! The target must be empty: no table in IOM's schemas (`oms`, `customer`, `product`, `admin`).
//! Everything happens in one transaction of the target: the schema's tables, every row of every
//! table (COPY, in the table's column order, the SQLite file read in one snapshot), the row
//! counts compared per table, then the foreign keys (checked over all rows at once), indexes,
//! views and triggers (created after the rows, so that the export and change triggers do not
//! fire for rows that are copied), the helper functions, the sequences moved past the highest
//! ids, and the schema version. Any failure (a value PostgreSQL does not take, a count that
//! differs, a reference to a missing row) names the table, and the target stays empty.
use std::io::Write;

use super::schema::{self, Table};
use super::{describe, Target};
use crate::db::Conn;
use crate::error::{Error, Result};

/// What a move did: per table, its name and the rows copied.
#[derive(Debug, Clone, Default)]
pub struct Moved {
    pub tables: Vec<(String, u64)>,
}

impl Moved {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

fn failed(what: String, e: postgres::Error) -> Error {
    Error::Other(format!("{what}: {}", describe(&e)))
}

/// One value of a SQLite row in COPY's text format (`\N` for NULL), for a column of `pg_type`.
fn copy_text(v: rusqlite::types::ValueRef<'_>, pg_type: &str, out: &mut Vec<u8>) -> std::result::Result<(), String> {
    use rusqlite::types::ValueRef;
    let text = match v {
        ValueRef::Null => {
            out.extend_from_slice(b"\\N");
            return Ok(());
        }
        ValueRef::Integer(i) => match pg_type {
            "boolean" => (if i != 0 { "t" } else { "f" }).to_string(),
            "timestamptz" => return Err(format!("{i} is not a timestamp")),
            _ => i.to_string(),
        },
        ValueRef::Real(f) => match pg_type {
            "int8" if f.fract() == 0.0 => format!("{}", f as i64),
            "boolean" | "timestamptz" => return Err(format!("{f} is not a {pg_type}")),
            _ => f.to_string(),
        },
        ValueRef::Text(t) => {
            let t = std::str::from_utf8(t).map_err(|_| "the text is not UTF-8".to_string())?;
            match pg_type {
                "timestamptz" => match crate::time::parse(t) {
                    Some(ts) => crate::time::rfc3339(ts),
                    None => return Err(format!("{t:?} is not a timestamp")),
                },
                "boolean" => match t {
                    "0" | "false" | "FALSE" => "f".to_string(),
                    "1" | "true" | "TRUE" => "t".to_string(),
                    other => return Err(format!("{other:?} is not 0 or 1")),
                },
                _ => t.to_string(),
            }
        }
        ValueRef::Blob(b) => match pg_type {
            "bytea" => format!("\\x{}", hex::encode(b)),
            _ => return Err(format!("a blob of {} bytes in a {pg_type} column", b.len())),
        },
    };
    for c in text.bytes() {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            c => out.push(c),
        }
    }
    Ok(())
}

/// Copies one table's rows with COPY; returns how many.
fn copy_table(source: &Conn, tx: &mut postgres::Transaction<'_>, table: &Table) -> Result<u64> {
    let cols: Vec<String> = table.columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
    let mut st = source.sql().prepare(&format!("SELECT {} FROM \"{}\" ORDER BY rowid", cols.join(", "), table.name)).or_else(|_| {
        // a table without rowid: in its own order
        source.sql().prepare(&format!("SELECT {} FROM \"{}\"", cols.join(", "), table.name))
    })?;
    let mut rows = st.query([])?;
    let mut writer = tx
        .copy_in(&format!("COPY {} ({}) FROM STDIN", table.qualified(), cols.join(", ")))
        .map_err(|e| failed(format!("copying {}", table.name), e))?;
    let mut n = 0u64;
    let mut line = Vec::with_capacity(256);
    while let Some(row) = rows.next()? {
        line.clear();
        for (i, (col, ty)) in table.columns.iter().enumerate() {
            if i > 0 {
                line.push(b'\t');
            }
            copy_text(row.get_ref(i)?, ty, &mut line).map_err(|reason| {
                let id = row.get_ref(0).ok().map(|v| format!("{v:?}")).unwrap_or_default();
                Error::Other(format!("\"{}\" row {n} ({} {id}): column \"{col}\": {reason}; nothing was moved", table.name, table.columns[0].0))
            })?;
        }
        line.push(b'\n');
        writer.write_all(&line).map_err(|e| Error::Other(format!("copying {}: {e}", table.name)))?;
        n += 1;
    }
    writer.finish().map_err(|e| failed(format!("copying \"{}\" (nothing was moved)", table.name), e))?;
    Ok(n)
}

/// Moves the SQLite database behind `source` into the empty PostgreSQL database `target`.
pub fn move_up(source: &mut Conn, target: &Target) -> Result<Moved> {
    let mut client = target.connect()?;
    let existing: Vec<String> = client
        .query(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind IN ('r', 'v', 'p') AND n.nspname = ANY($1) ORDER BY 1 LIMIT 5",
            &[&super::target::SCHEMAS],
        )
        .map_err(|e| failed("looking at the target".into(), e))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if !existing.is_empty() {
        return Err(Error::Other(format!(
            "{} is not empty ({} ...): impex migrate moves a database only into an empty one; nothing was changed",
            target.shown(),
            existing.join(", ")
        )));
    }
    let ddl = schema::ddl(crate::db::migrate::SCHEMA);
    let snapshot = source.snapshot()?;
    let mut tx = client.transaction().map_err(|e| failed("starting the target's transaction".into(), e))?;
    for stmt in &ddl.statements[..ddl.tables_end] {
        tx.batch_execute(stmt).map_err(|e| failed(format!("creating the schema ({stmt})"), e))?;
    }
    let mut moved = Moved::default();
    for table in &ddl.tables {
        let n = copy_table(&snapshot, &mut tx, table)?;
        let source_count: i64 = snapshot.sql().query_row(&format!("SELECT count(*) FROM \"{}\"", table.name), [], |r| r.get(0))?;
        let target_count: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {}", table.qualified()), &[])
            .map_err(|e| failed(format!("counting {}", table.name), e))?
            .get(0);
        if source_count != target_count || n as i64 != source_count {
            return Err(Error::Other(format!(
                "\"{}\": {source_count} rows in the SQLite file, {target_count} in the target; nothing was moved",
                table.name
            )));
        }
        moved.tables.push((table.name.clone(), n));
    }
    drop(snapshot);
    for stmt in &ddl.statements[ddl.tables_end..] {
        tx.batch_execute(stmt).map_err(|e| failed(format!("after the rows ({}); nothing was moved", stmt.lines().next().unwrap_or(stmt)), e))?;
    }
    tx.batch_execute(super::FUNCTIONS).map_err(|e| failed("creating the helper functions".into(), e))?;
    tx.batch_execute("SELECT admin.impex_sync_sequences()").map_err(|e| failed("moving the sequences".into(), e))?;
    tx.batch_execute(&format!(r#"CREATE TABLE oms."impexSchemaVersion" ("version" int8 NOT NULL); INSERT INTO oms."impexSchemaVersion" VALUES ({});"#, super::VERSION))
        .map_err(|e| failed("recording the schema version".into(), e))?;
    tx.commit().map_err(|e| failed("committing the move".into(), e))?;
    super::set_search_path(&mut client);
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::ValueRef;

    fn text(v: ValueRef<'_>, ty: &str) -> std::result::Result<String, String> {
        let mut out = Vec::new();
        copy_text(v, ty, &mut out).map(|()| String::from_utf8(out).unwrap())
    }

    #[test]
    fn values_become_copy_text_of_the_columns_type() {
        assert_eq!(text(ValueRef::Null, "int8").unwrap(), "\\N");
        assert_eq!(text(ValueRef::Integer(1), "boolean").unwrap(), "t");
        assert_eq!(text(ValueRef::Integer(0), "boolean").unwrap(), "f");
        assert_eq!(text(ValueRef::Text(b"2026-12-03 00:56:57.590"), "timestamptz").unwrap(), "2026-12-03T00:56:57.590Z");
        assert_eq!(text(ValueRef::Text(b"a\tb\\c\nd"), "varchar").unwrap(), "a\\tb\\\\c\\nd");
        assert_eq!(text(ValueRef::Blob(&[1, 255]), "bytea").unwrap(), "\\\\x01ff");
        assert!(text(ValueRef::Text(b"yesterday"), "timestamptz").unwrap_err().contains("not a timestamp"));
        assert!(text(ValueRef::Text(b"2"), "boolean").is_err());
    }
}
