//! `"ProcessHeartbeatDO"`: every impex process using this database and when it last reported
//! (the health service's cluster status). Written by `impex run`'s loop and the HTTP server.
use crate::db::{Conn, StoreError, StoreErrorKind, StoreResult};

/// Rows whose `lastSeen` is older than this are deleted by [`beat`] (crashed processes).
pub const PRUNE_AFTER_HOURS: i64 = 24;

/// One process's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// `host:pid:start`, the same text as a lock holder.
    pub node_id: String,
    pub host: String,
    pub pid: i64,
    /// `run` or `serve`.
    pub kind: String,
    pub started: String,
    pub last_seen: String,
    pub interval_ms: i64,
}

/// Records that `hb.node_id` is alive at `hb.last_seen` (insert or update), and deletes rows not
/// seen for [`PRUNE_AFTER_HOURS`]. One statement each; no unit of work needed. Runs on both
/// backends (the generic statements of [`Conn`]).
pub fn beat(conn: &Conn, hb: &Heartbeat) -> StoreResult<()> {
    conn.execute(
        r#"INSERT INTO "ProcessHeartbeatDO" ("nodeId", "host", "pid", "kind", "started", "lastSeen", "intervalMs")
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
           ON CONFLICT ("nodeId") DO UPDATE SET "lastSeen" = excluded."lastSeen", "intervalMs" = excluded."intervalMs", "kind" = excluded."kind""#,
        &[&hb.node_id, &hb.host, &hb.pid, &hb.kind, &hb.started, &hb.last_seen, &hb.interval_ms],
    )?;
    if let Some(seen) = crate::time::parse(&hb.last_seen) {
        let before = crate::time::format(seen - chrono::Duration::hours(PRUNE_AFTER_HOURS));
        conn.execute(r#"DELETE FROM "ProcessHeartbeatDO" WHERE "lastSeen" < ?1"#, &[&before])?;
    }
    Ok(())
}

/// Deletes a process's row (at a clean exit).
pub fn remove(conn: &Conn, node_id: &str) -> StoreResult<usize> {
    conn.execute(r#"DELETE FROM "ProcessHeartbeatDO" WHERE "nodeId" = ?1"#, &[&node_id])
}

/// Every row, by node id.
pub fn all(conn: &Conn) -> StoreResult<Vec<Heartbeat>> {
    let rows = conn.query_rows(r#"SELECT "nodeId", "host", "pid", "kind", "started", "lastSeen", "intervalMs" FROM "ProcessHeartbeatDO" ORDER BY "nodeId""#, &[])?;
    rows.into_iter()
        .map(|r| {
            let text = |i: usize| r[i].as_str().map(str::to_string).ok_or_else(|| StoreError::new(StoreErrorKind::Other, format!("\"ProcessHeartbeatDO\" column {i}: not a text")));
            let int = |i: usize| r[i].as_i64().ok_or_else(|| StoreError::new(StoreErrorKind::Other, format!("\"ProcessHeartbeatDO\" column {i}: not an integer")));
            Ok(Heartbeat { node_id: text(0)?, host: text(1)?, pid: int(2)?, kind: text(3)?, started: text(4)?, last_seen: text(5)?, interval_ms: int(6)? })
        })
        .collect()
}

/// Whether the process `holder` (`host:pid:start`) still has a session on the database: on
/// PostgreSQL, whether any session holds its liveness lock (`None` on SQLite, where processes of
/// other hosts cannot be asked). A process that died (kill -9, a lost node) holds none once the
/// server has closed its connections: at once for a killed process, after TCP keepalive (about
/// 10 s) for a node that vanished.
pub fn holder_alive(conn: &Conn, holder: &str) -> StoreResult<Option<bool>> {
    if !conn.is_postgres() {
        return Ok(None);
    }
    let key = crate::db::pg::session::LIVENESS_KEY.replace("$1", "?1");
    let free = conn.query_row(&format!("SELECT pg_try_advisory_lock({key})"), crate::db::params![holder], |r| r.get::<bool>(0))?;
    if free {
        conn.query_row(&format!("SELECT pg_advisory_unlock({key})"), crate::db::params![holder], |_| Ok(()))?;
    }
    Ok(Some(!free))
}

/// Whether the database answers a query (the health service's database check).
pub fn ping(conn: &Conn) -> StoreResult<()> {
    conn.query_i64(r#"SELECT count(*) FROM "ProcessHeartbeatDO""#, &[]).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hb(node: &str, seen: &str) -> Heartbeat {
        Heartbeat { node_id: node.into(), host: "h".into(), pid: 1, kind: "run".into(), started: "2026-01-01 00:00:00.000".into(), last_seen: seen.into(), interval_ms: 5000 }
    }

    #[test]
    fn beat_upserts_and_prunes_day_old_rows() {
        let c = crate::db::memory();
        beat(&c, &hb("a", "2026-01-01 00:00:00.000")).unwrap();
        beat(&c, &hb("a", "2026-01-01 00:00:05.000")).unwrap();
        beat(&c, &hb("b", "2026-01-01 00:00:06.000")).unwrap();
        let rows = all(&c).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].last_seen, "2026-01-01 00:00:05.000");
        beat(&c, &hb("b", "2026-01-02 00:00:06.000")).unwrap();
        let rows = all(&c).unwrap();
        assert_eq!(rows.iter().map(|r| r.node_id.as_str()).collect::<Vec<_>>(), ["b"]);
        assert_eq!(remove(&c, "b").unwrap(), 1);
        ping(&c).unwrap();
    }
}
