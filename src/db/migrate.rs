//! Schema creation and in-place upgrade.
//!
//! `schema.sql` is idempotent and always describes the newest schema. The schema version is
//! `PRAGMA user_version`. [`init`] creates a new database or upgrades an old one: first the
//! explicit [`STEPS`] for the versions the database lacks (column changes to existing tables),
//! then `schema.sql` again (new tables, indexes, views, triggers), all in one transaction. A
//! database is never recreated; data stays.
use rusqlite::Connection;

use crate::error::Result;

/// The schema, embedded in the binary.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// Upgrade steps: `STEPS[i]` brings a database from version `i + 1` to `i + 2`.
/// Version 1 is the first released schema; append steps, never edit old ones.
pub const STEPS: &[&str] = &[];

/// The schema version this impex writes.
pub const LATEST: i64 = 1 + STEPS.len() as i64;

pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// What [`init`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    Created,
    Upgraded { from: i64, to: i64 },
    UpToDate,
}

/// Creates the schema in a new database or upgrades an older one.
pub fn init(conn: &mut Connection) -> Result<InitOutcome> {
    let from = version(conn)?;
    if from > LATEST {
        return Err(crate::error::Error::Other(format!(
            "the database was made by a newer impex (schema version {from}, this impex knows {LATEST})"
        )));
    }
    if from == LATEST {
        return Ok(InitOutcome::UpToDate);
    }
    let tx = super::write_tx(conn)?;
    if from > 0 {
        for step in &STEPS[(from - 1) as usize..] {
            tx.execute_batch(step)?;
        }
    }
    tx.execute_batch(SCHEMA)?;
    tx.pragma_update(None, "user_version", LATEST)?;
    tx.commit()?;
    Ok(if from == 0 { InitOutcome::Created } else { InitOutcome::Upgraded { from, to: LATEST } })
}

/// Upgrades an existing database (see [`init`]).
pub fn upgrade(conn: &mut Connection) -> Result<InitOutcome> {
    init(conn)
}
