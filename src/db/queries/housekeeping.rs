//! Pruning of finished rows for the housekeeping job. Each statement deletes only rows in a final
//! state older than the cutoff; pending work and DO_MANUAL_CHECK transmissions are never touched.
use crate::db::params;
use crate::db::{Conn, StoreResult};

/// Deletes finished rows older than `cutoff` (impex timestamp text). Returns the number of rows.
pub fn prune(conn: &mut Conn, cutoff: &str) -> StoreResult<i64> {
    let tx = conn.write()?;
    let mut n = 0i64;
    for sql in PRUNE {
        // a table that this database does not have (yet) is skipped
        match tx.execute(sql, params![cutoff]) {
            Ok(c) => n += c as i64,
            Err(e) if e.message.contains("no such table") => {}
            Err(e) => return Err(e),
        }
    }
    tx.commit()?;
    Ok(n)
}

/// One DELETE per table with finished rows; `?1` is the cutoff.
const PRUNE: &[&str] = &[
    // job history: finished runs
    r#"DELETE FROM "JobRunDO" WHERE "outcome" <> 'RUNNING' AND coalesce("endTime", "startTime") < ?1"#,
    // finished transmissions; DO_MANUAL_CHECK waits for a person and is never deleted
    r#"DELETE FROM "TransmissionDO" WHERE "state" IN ('PUSHED', 'CANCELED') AND "modificationDate" < ?1"#,
];
