//! Schedule locks: `"ScheduleDO"."lockedSince"` (IOM's lock) plus `"lockedBy"` =
//! `host:pid:process-start` of the impex process that holds it (process-start is field 22 of
//! `/proc/<pid>/stat`, so a reused pid is told apart).
//!
//! Stale-lock rule ([`stale_reason`]):
//! - a lock held by a process on this host is stale exactly when that process is gone (no such
//!   pid, or a different process start time): it is released at once; a live local holder is
//!   never overruled (it asks its own over-long job to stop instead, see `runner`);
//! - a lock held on another host, or without a readable `lockedBy` (set by hand or by IOM), is
//!   stale when older than its allowance: 2 x `expectedRuntime` (ms), at least 60 s; 1 hour when
//!   `expectedRuntime` is NULL.
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Who holds a lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    pub start: u64,
}

impl Holder {
    /// This process.
    pub fn this_process() -> Holder {
        let pid = std::process::id();
        let me = Holder { host: hostname(), pid, start: process_start(pid).unwrap_or(0) };
        crate::db::set_process_identity(&me.to_string());
        me
    }

    /// Reads a `lockedBy` value.
    pub fn parse(text: &str) -> Option<Holder> {
        let mut parts = text.rsplitn(3, ':');
        let start = parts.next()?.parse().ok()?;
        let pid = parts.next()?.parse().ok()?;
        let host = parts.next()?.to_string();
        Some(Holder { host, pid, start })
    }

    /// Whether the process is alive on this host (only meaningful for local holders). Without
    /// `/proc` the start time cannot be compared: then any process with that pid counts.
    pub fn alive_here(&self) -> bool {
        if std::path::Path::new("/proc/self/stat").exists() {
            return process_start(self.pid) == Some(self.start);
        }
        pid_exists(self.pid)
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.host, self.pid, self.start)
    }
}

/// Whether a process with this pid exists (`kill(pid, 0)`). A pid of 0 or one beyond
/// `pid_t` is no process: `kill` would address a process group instead.
#[cfg(unix)]
fn pid_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 sends nothing; it only checks that the (positive) pid exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn pid_exists(_pid: u32) -> bool {
    true
}

/// The host name (`gethostname`).
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its length; gethostname NUL-terminates or truncates.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "localhost".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).replace(':', "_")
}

/// The start time of a process (clock ticks since boot, `/proc/<pid>/stat` field 22).
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    // rest starts at field 3; field 22 is index 19.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// How long a lock may be held before another host may take it over.
pub fn allowance(expected_runtime_ms: Option<i64>) -> Duration {
    match expected_runtime_ms {
        None => Duration::from_secs(3600),
        Some(ms) => Duration::from_millis(ms.max(0) as u64 * 2).max(Duration::from_secs(60)),
    }
}

/// Why a lock is stale, or `None` when it is not (see the module documentation).
/// `session_alive`: on PostgreSQL, whether the holder still has a session on the database
/// (`db::queries::heartbeat::holder_alive`).
pub fn stale_reason(
    locked_by: Option<&str>,
    locked_since: Option<DateTime<Utc>>,
    expected_runtime_ms: Option<i64>,
    me: &Holder,
    now: DateTime<Utc>,
    session_alive: Option<bool>,
) -> Option<String> {
    let holder = locked_by.and_then(Holder::parse);
    if let Some(h) = &holder {
        if h.host == me.host {
            if h == me || h.alive_here() {
                return None;
            }
            return Some(format!("lock holder {h} is gone (process {} not running)", h.pid));
        }
        match session_alive {
            Some(true) => return None,
            Some(false) => return Some(format!("lock holder {h} has no session on the database any more (its node is gone)")),
            None => {}
        }
    }
    let allowed = allowance(expected_runtime_ms);
    let since = match locked_since {
        Some(s) => s,
        None => return Some("lockedSince is not a readable timestamp".into()),
    };
    let age = (now - since).to_std().unwrap_or_default();
    if age > allowed {
        let who = locked_by.unwrap_or("an unknown holder");
        return Some(format!("lock held by {who} for {}s, longer than its allowance of {}s", age.as_secs(), allowed.as_secs()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pid 0 and pids beyond pid_t are never alive (kill would signal a process group).
    #[test]
    fn pid_zero_and_out_of_range_pids_do_not_exist() {
        assert!(!pid_exists(0));
        assert!(!pid_exists(u32::MAX));
        assert!(pid_exists(std::process::id()));
    }
    use chrono::TimeZone;

    #[test]
    fn holder_roundtrip_and_liveness() {
        let me = Holder::this_process();
        assert!(me.start > 0);
        assert!(me.alive_here());
        assert_eq!(Holder::parse(&me.to_string()), Some(me.clone()));
        let other_start = Holder { start: me.start + 1, ..me.clone() };
        assert!(!other_start.alive_here());
        assert_eq!(Holder::parse("web-1:42:1234"), Some(Holder { host: "web-1".into(), pid: 42, start: 1234 }));
        assert_eq!(Holder::parse("garbage"), None);
    }

    #[test]
    fn staleness_rules() {
        let me = Holder::this_process();
        let now = Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap();
        let long_ago = Some(now - chrono::Duration::hours(5));
        let recent = Some(now - chrono::Duration::seconds(10));
        // A live local process keeps its lock however old.
        assert_eq!(stale_reason(Some(&me.to_string()), long_ago, Some(1000), &me, now, None), None);
        // A dead local process (same pid, other start time) loses it at once.
        let dead = Holder { start: me.start + 7, ..me.clone() }.to_string();
        assert!(stale_reason(Some(&dead), recent, None, &me, now, None).unwrap().contains("gone"));
        // Another host: by age.
        assert_eq!(stale_reason(Some("elsewhere:1:1"), recent, None, &me, now, None), None);
        assert!(stale_reason(Some("elsewhere:1:1"), long_ago, None, &me, now, None).is_some());
        // on PostgreSQL: a holder elsewhere with a session is never stale, one without is at once
        assert_eq!(stale_reason(Some("elsewhere:1:1"), long_ago, None, &me, now, Some(true)), None);
        assert!(stale_reason(Some("elsewhere:1:1"), recent, None, &me, now, Some(false)).unwrap().contains("no session"));
        assert!(stale_reason(None, Some(now - chrono::Duration::seconds(61)), Some(1000), &me, now, None).is_some());
        assert_eq!(stale_reason(None, Some(now - chrono::Duration::seconds(59)), Some(1000), &me, now, None), None);
        assert_eq!(allowance(Some(120_000)), Duration::from_secs(240));
        assert_eq!(allowance(None), Duration::from_secs(3600));
    }
}
