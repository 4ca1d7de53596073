//! The health service (IOM's monitoring 1.0 API: `GET /health/status`,
//! `GET /health/clusterstatus`, media type `application/json`) and the heartbeat of impex
//! processes (`"ProcessHeartbeatDO"`).
//!
//! - Each `impex run` beats every [`HEARTBEAT_INTERVAL`] from its loop ([`Node::beat`]); the
//!   HTTP server does the same with kind [`Kind::Serve`]. A clean exit deletes the row.
//! - A process is **alive** while its `lastSeen` is at most [`ALIVE_INTERVALS`] x its own
//!   interval old ([`alive`]).
//! - [`status`]: healthy (200) when the database answers and at least one `impex run` is alive
//!   (the scheduler loop runs somewhere); otherwise 503 with the failing service.
//! - [`cluster_status`]: one entry per process row, 200 when alive, 503 when not.
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::lock::Holder;
use crate::db::queries::heartbeat::{self as q, Heartbeat};
use crate::db::Conn;
use crate::error::{Result, ServiceError};
use crate::time;

/// How often a process beats.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(5);
/// A process whose last beat is older than this many of its intervals is not alive.
pub const ALIVE_INTERVALS: i64 = 3;

/// What kind of impex process beats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `impex run`: the scheduler loop.
    Run,
    /// The HTTP server.
    Serve,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Serve => "serve",
        }
    }
}

/// This process as the heartbeat table knows it.
#[derive(Debug, Clone)]
pub struct Node {
    /// `host:pid:start`, the same text as its locks' `lockedBy`.
    pub id: String,
    pub host: String,
    pub pid: u32,
    pub kind: Kind,
    pub started: DateTime<Utc>,
    pub interval: Duration,
}

impl Node {
    pub fn this_process(kind: Kind) -> Node {
        let h = Holder::this_process();
        Node { id: h.to_string(), host: h.host.clone(), pid: h.pid, kind, started: Utc::now(), interval: HEARTBEAT_INTERVAL }
    }

    /// Records that this process is alive now (call every [`Node::interval`]).
    pub fn beat(&self, conn: &Conn, now: DateTime<Utc>) -> Result<()> {
        let hb = Heartbeat {
            node_id: self.id.clone(),
            host: self.host.clone(),
            pid: self.pid as i64,
            kind: self.kind.as_str().into(),
            started: time::format(self.started),
            last_seen: time::format(now),
            interval_ms: self.interval.as_millis().max(1) as i64,
        };
        Ok(q::beat(conn, &hb)?)
    }

    /// Deletes this process's row (clean exit).
    pub fn leave(&self, conn: &Conn) -> Result<()> {
        q::remove(conn, &self.id)?;
        Ok(())
    }
}

/// Whether a process row is alive at `now`: its last beat is at most [`ALIVE_INTERVALS`] of its
/// intervals old.
pub fn alive(hb: &Heartbeat, now: DateTime<Utc>) -> bool {
    match time::parse(&hb.last_seen) {
        Some(seen) => (now - seen).num_milliseconds() <= ALIVE_INTERVALS * hb.interval_ms,
        None => false,
    }
}

/// `HealthCheckServiceStatus` of the monitoring spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheckServiceStatus {
    pub name: String,
    pub checked: bool,
    pub status_code: i32,
    pub description: String,
}

/// `HealthCheckStatus` of the monitoring spec. Epochs are milliseconds since 1970 (UTC);
/// `lastCheck` / `lastSuccessfulCheck` are RFC 3339 date-times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheckStatus {
    pub services: Vec<HealthCheckServiceStatus>,
    pub server_id: String,
    /// `run` (scheduler) or `serve` (HTTP server).
    pub server_type: String,
    pub status_code: i32,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_check_epoch: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_successful_check_epoch: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_check: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_successful_check: Option<String>,
}

impl HealthCheckStatus {
    /// 200 when healthy, else 503 (the spec's "Service unavailable").
    pub fn http_status(&self) -> u16 {
        if self.status_code == 200 { 200 } else { 503 }
    }
}

use crate::time::rfc3339;

fn service(name: &str, ok: bool, description: String) -> HealthCheckServiceStatus {
    HealthCheckServiceStatus { name: name.into(), checked: true, status_code: if ok { 200 } else { 503 }, description }
}

/// `GET /health/status` of the process `me`: the database check and the scheduler check.
/// Never fails: a failing check is a 503 answer.
pub fn status(conn: &Conn, me: &Node, now: DateTime<Utc>) -> HealthCheckStatus {
    let mut services = Vec::new();
    let db_ok = match q::ping(conn) {
        Ok(()) => {
            services.push(service("database", true, "OK".into()));
            true
        }
        Err(e) => {
            services.push(service("database", false, format!("the database does not answer: {e}")));
            false
        }
    };
    let sched_ok = if db_ok {
        match q::all(conn) {
            Ok(rows) => {
                let runs: Vec<_> = rows.iter().filter(|r| r.kind == Kind::Run.as_str()).collect();
                let alive_runs = runs.iter().filter(|r| alive(r, now)).count();
                let ok = alive_runs > 0;
                let d = if ok {
                    format!("OK: {alive_runs} scheduler process{} alive", if alive_runs == 1 { "" } else { "es" })
                } else if runs.is_empty() {
                    "no `impex run` process has reported".to_string()
                } else {
                    let last = runs.iter().map(|r| r.last_seen.as_str()).max().unwrap_or("?");
                    format!("no `impex run` process alive (last heartbeat {last} UTC)")
                };
                services.push(service("scheduler", ok, d));
                ok
            }
            Err(e) => {
                services.push(service("scheduler", false, format!("reading the heartbeats: {e}")));
                false
            }
        }
    } else {
        services.push(HealthCheckServiceStatus { name: "scheduler".into(), checked: false, status_code: 503, description: "not checked: no database".into() });
        false
    };
    let ok = db_ok && sched_ok;
    let failing: Vec<String> = services.iter().filter(|s| s.status_code != 200).map(|s| s.name.clone()).collect();
    HealthCheckStatus {
        services,
        server_id: me.id.clone(),
        server_type: me.kind.as_str().into(),
        status_code: if ok { 200 } else { 503 },
        description: if ok { "OK".into() } else { format!("unavailable: {}", failing.join(", ")) },
        last_check_epoch: Some(now.timestamp_millis()),
        last_successful_check_epoch: ok.then(|| now.timestamp_millis()),
        last_check: Some(rfc3339(now)),
        last_successful_check: ok.then(|| rfc3339(now)),
    }
}

/// `GET /health/clusterstatus`: every process row, alive (200) or not (503); `lastCheck` is
/// the last heartbeat.
pub fn cluster_status(conn: &Conn, now: DateTime<Utc>) -> std::result::Result<Vec<HealthCheckStatus>, ServiceError> {
    let rows = q::all(conn)?;
    Ok(rows
        .iter()
        .map(|r| {
            let ok = alive(r, now);
            let seen = time::parse(&r.last_seen);
            let d = if ok { "OK".to_string() } else { format!("no heartbeat since {} UTC (interval {} ms)", r.last_seen, r.interval_ms) };
            HealthCheckStatus {
                services: vec![service(if r.kind == "run" { "scheduler" } else { "http" }, ok, d.clone())],
                server_id: r.node_id.clone(),
                server_type: r.kind.clone(),
                status_code: if ok { 200 } else { 503 },
                description: d,
                last_check_epoch: seen.map(|t| t.timestamp_millis()),
                last_successful_check_epoch: seen.map(|t| t.timestamp_millis()),
                last_check: seen.map(rfc3339),
                last_successful_check: seen.map(rfc3339),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn healthy_only_with_a_live_scheduler_and_cluster_lists_every_process() {
        let c = crate::db::memory();
        let t0 = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
        let me = Node { id: "h:1:1".into(), host: "h".into(), pid: 1, kind: Kind::Serve, started: t0, interval: HEARTBEAT_INTERVAL };
        me.beat(&c, t0).unwrap();
        let s = status(&c, &me, t0);
        assert_eq!((s.status_code, s.http_status()), (503, 503), "{s:?}");
        assert_eq!(s.services[0].status_code, 200);
        assert_eq!(s.services[1].name, "scheduler");
        let run = Node { id: "h:2:2".into(), kind: Kind::Run, pid: 2, ..me.clone() };
        run.beat(&c, t0).unwrap();
        let s = status(&c, &me, t0 + chrono::Duration::seconds(15));
        assert_eq!(s.status_code, 200, "{s:?}");
        // three intervals without a beat: not alive
        let later = t0 + chrono::Duration::milliseconds(15_001);
        assert_eq!(status(&c, &me, later).status_code, 503);
        let cl = cluster_status(&c, later).unwrap();
        assert_eq!(cl.len(), 2);
        assert!(cl.iter().all(|s| s.status_code == 503));
        assert_eq!(cl[0].last_check.as_deref(), Some("2026-05-01T12:00:00.000Z"));
        let v = serde_json::to_value(&cl[1]).unwrap();
        for k in ["services", "serverId", "serverType", "statusCode", "description", "lastCheckEpoch", "lastSuccessfulCheckEpoch", "lastCheck", "lastSuccessfulCheck"] {
            assert!(v.get(k).is_some(), "{k} in {v}");
        }
        assert_eq!(v["lastCheckEpoch"], t0.timestamp_millis());
        run.leave(&c).unwrap();
        assert_eq!(cluster_status(&c, later).unwrap().len(), 1);
    }
}
