//! Claims of a job's whole work item across nodes: one run of a transfer configuration, one
//! import of a transform directory. On PostgreSQL a claim is a session-level advisory lock of
//! the job's connection (`pg_try_advisory_lock(hashtextextended('impex.' || what, 0))`), so it
//! holds across nodes, needs no lock support of a shared file system, and ends when the
//! connection closes (a node killed with `kill -9` loses it the moment the server sees its
//! socket close). On SQLite the database is on one machine and the jobs keep their lock files
//! in the base directory: these functions answer `None` there and the caller takes its file
//! lock.
use crate::db::{params, Conn, StoreResult};

const KEY: &str = "hashtextextended('impex.' || CAST(?1 AS text), 0)";

/// Claims `what` if no other session holds it: `Some(true)` claimed (held by `conn` until
/// [`release`] or its end), `Some(false)` held elsewhere, `None` on SQLite.
pub fn try_claim(conn: &Conn, what: &str) -> StoreResult<Option<bool>> {
    if !conn.is_postgres() {
        return Ok(None);
    }
    Ok(Some(conn.query_row(&format!("SELECT pg_try_advisory_lock({KEY})"), params![what], |r| r.get::<bool>(0))?))
}

/// Claims `what`, waiting while another session holds it: `Some(())` claimed, `None` on
/// SQLite.
pub fn claim(conn: &Conn, what: &str) -> StoreResult<Option<()>> {
    if !conn.is_postgres() {
        return Ok(None);
    }
    conn.query_row(&format!("SELECT CAST(pg_advisory_lock({KEY}) AS text)"), params![what], |_| Ok(()))?;
    Ok(Some(()))
}

/// Ends a claim of `conn` (see [`try_claim`]); nothing on SQLite.
pub fn release(conn: &Conn, what: &str) -> StoreResult<()> {
    if !conn.is_postgres() {
        return Ok(());
    }
    conn.query_row(&format!("SELECT pg_advisory_unlock({KEY})"), params![what], |_| Ok(()))
}
