//! `impex status [--json]`: one line per schedule: key, job, cron, active, next fire time (in
//! the configured zone), last run and outcome, retries, stopped and why, lock holder. Exit code
//! 1 when an active schedule is stopped (a health check). Prints nothing of
//! `"ExecutionBeanValueDO"` (passwords live there).
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::Status;
use crate::db::{self, queries::schedule as q, queries::schedule::ScheduleRow};
use crate::schedule::{cron, due, zone};
use crate::time;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON (an array of schedules) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The zone crons are read in and times are shown in (IANA name); default: the server's.
    #[arg(long, env = "IMPEX_TZ")]
    pub tz: Option<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Line {
    key: String,
    job: String,
    job_def_ref: i64,
    cron: String,
    active: bool,
    /// idle, due, running, retrying, stopped, inactive.
    state: &'static str,
    next_fire: Option<String>,
    last_run: Option<String>,
    last_outcome: Option<String>,
    last_message: Option<String>,
    count_retry: i64,
    max_no_of_retries: i64,
    next_retry: Option<String>,
    stopped_since: Option<String>,
    locked_by: Option<String>,
    locked_since: Option<String>,
}

fn local(t: Option<&str>, tz: Tz, json: bool) -> Option<String> {
    let t = t?;
    Some(match time::parse(t) {
        Some(u) => show(u, tz, json),
        None => t.to_string(),
    })
}

/// A time in the zone: `2026-03-29 03:00:00 CEST` in the table, RFC 3339 in JSON.
fn show(t: DateTime<Utc>, tz: Tz, json: bool) -> String {
    let t = t.with_timezone(&tz);
    if json {
        t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    } else {
        t.format("%Y-%m-%d %H:%M:%S %Z").to_string()
    }
}

fn line(s: ScheduleRow, tz: Tz, now: DateTime<Utc>, json: bool) -> Line {
    let timing = due::Timing {
        last_run: s.last_run.as_deref().and_then(time::parse),
        next_retry: s.next_retry.as_deref().and_then(time::parse),
        fixed_next_run: s.fixed_next_run.as_deref().and_then(time::parse),
    };
    let (mut state, next_fire) = match cron::parse(&s.cron) {
        Err(e) => ("bad cron", Some(e)),
        Ok(c) => match due::due(&c, tz, timing, now) {
            due::Due::Now(..) => ("due", Some("now".to_string())),
            due::Due::At(t, _) => ("idle", Some(show(t, tz, json))),
            due::Due::Never => ("idle", Some("never".to_string())),
        },
    };
    if s.count_retry > 0 {
        state = "retrying";
    }
    if s.locked_since.is_some() {
        state = "running";
    }
    if s.stopped_since.is_some() {
        state = "stopped";
    }
    if !s.active {
        state = "inactive";
    }
    let next_fire = if matches!(state, "stopped" | "inactive" | "running") { None } else { next_fire };
    Line {
        job: s.job_name.clone().unwrap_or_else(|| format!("unknown JobDefDO {}", s.job_def_ref)),
        job_def_ref: s.job_def_ref,
        cron: s.cron,
        active: s.active,
        state,
        next_fire,
        last_run: local(s.last_run.as_deref(), tz, json),
        last_outcome: s.last_outcome,
        last_message: s.last_message,
        count_retry: s.count_retry,
        max_no_of_retries: s.max_no_of_retries,
        next_retry: local(s.next_retry.as_deref(), tz, json),
        stopped_since: local(s.stopped_since.as_deref(), tz, json),
        locked_by: s.locked_by,
        locked_since: local(s.locked_since.as_deref(), tz, json),
        key: s.key,
    }
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let tz = zone::resolve(args.tz.as_deref()).map_err(anyhow::Error::msg).context("--tz / IMPEX_TZ")?;
    let conn = db::open_existing(db_path)?;
    let now = Utc::now();
    let lines: Vec<Line> = q::all(&conn)?.into_iter().map(|s| line(s, tz, now, args.json)).collect();
    let stopped = lines.iter().filter(|l| l.active && l.stopped_since.is_some()).count();
    let tx = crate::db::queries::status::transmissions(&conn)?;
    if args.json {
        let out = serde_json::json!({ "schedules": lines, "transmissions": tx });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_table(&lines, tz);
        if stopped > 0 {
            println!("{stopped} active schedule{} stopped", if stopped == 1 { " is" } else { "s are" });
        }
        let states: Vec<String> = tx.by_state.iter().map(|(s, n)| format!("{s} {n}")).collect();
        println!("transmissions: {}", if states.is_empty() { "none".to_string() } else { states.join(", ") });
        if tx.manual_check > 0 {
            println!("{} transmission(s) wait in DO_MANUAL_CHECK: see `impex transmissions --state DO_MANUAL_CHECK`", tx.manual_check);
        }
        if tx.no_partner > 0 {
            println!("{} business event(s) found no communication partner configured: see `impex transmissions`", tx.no_partner);
        }
    }
    // a health check: a stopped schedule or a transmission waiting for a person
    Ok(if stopped > 0 || tx.manual_check > 0 { Status::Problems } else { Status::Ok })
}

fn print_table(lines: &[Line], tz: Tz) {
    if lines.is_empty() {
        println!("no schedules (\"ScheduleDO\" is empty)");
        return;
    }
    let header = ["KEY", "JOB", "CRON", "ACTIVE", "STATE", "NEXT", "LAST RUN", "OUTCOME", "RETRIES"];
    let rows: Vec<[String; 9]> = lines
        .iter()
        .map(|l| {
            [
                l.key.clone(),
                l.job.clone(),
                l.cron.clone(),
                if l.active { "yes" } else { "no" }.into(),
                l.state.into(),
                l.next_fire.clone().unwrap_or_else(|| "-".into()),
                l.last_run.clone().unwrap_or_else(|| "never".into()),
                l.last_outcome.clone().unwrap_or_else(|| "-".into()),
                format!("{}/{}", l.count_retry, l.max_no_of_retries),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let print = |cells: &[String]| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(width).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  "));
            }
        }
        println!("{}", s.trim_end());
    };
    print(&header.map(String::from));
    for r in &rows {
        print(r);
    }
    println!("(times in {tz})");
    for l in lines {
        if let Some(since) = &l.stopped_since {
            println!("{}: stopped since {since}: {}", l.key, l.last_message.as_deref().unwrap_or("no reason recorded"));
        }
        if let Some(by) = &l.locked_by {
            println!("{}: locked by {by} since {}", l.key, l.locked_since.as_deref().unwrap_or("?"));
        } else if let Some(since) = l.locked_since.as_deref().filter(|_| l.state == "running") {
            println!("{}: locked since {since} (no lockedBy)", l.key);
        }
    }
}
