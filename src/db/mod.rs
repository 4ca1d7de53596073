//! The SQLite database: opening connections, the schema and its upgrades, the dialect bridge
//! of `impex sql`, and the named queries per table ([`queries`]).
//!
//! Every connection is opened the same way ([`open`]): WAL mode, `foreign_keys=ON`, a busy
//! timeout, and impex's SQL functions. Every write transaction starts with `BEGIN IMMEDIATE`
//! ([`write_tx`]) so that concurrent processes queue for the write lock instead of failing.
pub mod bulk;
pub mod dialect;
pub mod functions;
pub mod migrate;
pub mod queries;
pub mod script;
pub mod writeback;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};

/// How long a connection waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Page size of a new database: 64 KB, SQLite's largest, instead of its default 4 KB. A bulk
/// import writes its pages to the WAL, fsyncs and copies them into the database (checkpoint)
/// with a sixteenth of the system calls, and tables of wide rows need fewer B-tree pages and
/// balance operations (bench/import.sh, 200,000 open positions: 0.495 s with 8 KB pages, 0.456
/// with 32 KB, 0.431 with 64 KB). A database made with another size keeps it (see the README to
/// convert one).
pub const PAGE_SIZE: i64 = 65536;

/// Opens (creating if needed) the database at `path` with impex's connection settings. Does
/// not create or upgrade the schema: see [`migrate::init`] and [`open_existing`].
pub fn open(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let created = !path.exists();
    let conn = Connection::open_with_flags(path, flags).map_err(|e| Error::Database {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    if created {
        restrict_permissions(path);
        // Before anything is written (afterwards, and in WAL mode, SQLite keeps the size it has).
        conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(|e| Error::Database { path: path.to_path_buf(), reason: e.to_string() })?;
    }
    configure(&conn).map_err(|e| Error::Database { path: path.to_path_buf(), reason: e.to_string() })?;
    Ok(conn)
}

/// The database holds partner passwords: a new database file is readable by its owner only.
fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // "double quotes" name identifiers only, as in PostgreSQL (no string-literal fallback)
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DQS_DML, false)?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DQS_DDL, false)?;
    // Plans that do not depend on bound values. Without it, SQLite marks statements with a
    // `col = ?` term for re-preparation when their parameters are cleared, which rusqlite's
    // statement cache does on every return: each cached statement was compiled again per use.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    functions::register(conn)?;
    Ok(())
}

/// Opens a database that `impex init` has created, upgrading its schema if an older impex made
/// it. A missing file is an error that says to run `impex init`.
pub fn open_existing(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(Error::Database {
            path: path.to_path_buf(),
            reason: "no such database; create it with `impex init`".into(),
        });
    }
    let mut conn = open(path)?;
    let v = migrate::version(&conn)?;
    if v == 0 {
        return Err(Error::Database {
            path: path.to_path_buf(),
            reason: "not an impex database (schema version 0); create it with `impex init`".into(),
        });
    }
    if v < migrate::LATEST {
        migrate::upgrade(&mut conn)?;
    } else if v > migrate::LATEST {
        return Err(Error::Database {
            path: path.to_path_buf(),
            reason: format!("made by a newer impex (schema version {v}, this impex knows {})", migrate::LATEST),
        });
    }
    Ok(conn)
}

/// Starts a write transaction with `BEGIN IMMEDIATE`.
pub fn write_tx(conn: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

/// Where the database is: `--db`, env `IMPEX_DB`, default `./impex.db`.
pub fn default_path() -> PathBuf {
    PathBuf::from("impex.db")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached statement is compiled once, however often it runs with other values. (Without
    /// QPSG, SQLite expired a statement like this one each time rusqlite's cache cleared its
    /// bindings, and the sending job compiled its queries again for every transmission.)
    #[test]
    fn cached_statements_are_not_recompiled_per_use() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open(&dir.path().join("t.db")).unwrap();
        migrate::init(&mut conn).unwrap();
        let sql = r#"SELECT d.*, o."shopRef" FROM "DispatchDO" d JOIN "OrderDO" o ON o."id" = d."orderRef" WHERE d."id" = ?1"#;
        for id in 0..5i64 {
            let mut st = conn.prepare_cached(sql).unwrap();
            let _ = st.query_row([id], |_| Ok(())).ok();
        }
        let st = conn.prepare_cached(sql).unwrap();
        assert_eq!(st.get_status(rusqlite::StatementStatus::RePrepare), 0, "the cached statement was compiled again");
    }

    /// A new database has impex's page size (set before its first write: WAL mode would keep
    /// SQLite's default); an existing one keeps its own.
    #[test]
    fn new_database_has_the_page_size_and_an_old_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = open(&path).unwrap();
        migrate::init(&mut conn).unwrap();
        drop(conn);
        let conn = open(&path).unwrap();
        let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(size, PAGE_SIZE);
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");

        let old = dir.path().join("old.db");
        let c = Connection::open(&old).unwrap();
        c.execute_batch("PRAGMA page_size = 4096; CREATE TABLE t (x); PRAGMA journal_mode = WAL;").unwrap();
        drop(c);
        let conn = open(&old).unwrap();
        let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(size, 4096);
    }
}
