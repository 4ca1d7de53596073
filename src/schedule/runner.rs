//! The run loop of `impex run`, `impex run --once` and `impex trigger`, on std threads.
//!
//! Each tick (at most [`Options::max_sleep`] apart, earlier when a fire time or a finished job
//! wakes it): release stale locks (`maintenance::rescuer`), re-read the runnable schedules (so changes made by
//! other processes take effect within a tick), compute which are due (`due`), claim them in one
//! unit of work (`Conn::write`; optimistic `UPDATE`s, see `state::claim`) with their
//! RUNNING history rows, and start each job on a worker thread (`pool`, at most `max_jobs` at a time).
//! Finished jobs report back over a channel; the loop records the outcome (`state::after_run`,
//! `state::finish`). SIGTERM/SIGINT: stop claiming, set the jobs' cancel flags, wait for running
//! jobs up to the shutdown timeout, release own locks, exit 0; a second signal releases the
//! locks and exits at once (code 130). `impex run` (mode `Forever`) beats in
//! `"ProcessHeartbeatDO"` every `health::HEARTBEAT_INTERVAL` and deletes its row at exit.
use crate::db::Conn;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use tracing::{debug, error, info, warn};

use super::due::{self, Due, Timing};
use super::health::{Kind, Node};
use super::lock::{self, Holder};
use super::maintenance::overlong::{self, Watched};
use super::maintenance::documents::Renderer;
use super::maintenance::expirer::Expirer;
use super::maintenance::pruner::{self, Pruner};
use super::maintenance::rescuer::Rescuer;
use super::state::{self, AfterRun};
use crate::db::{self, queries::schedule as q, queries::schedule::ScheduleRow};
use crate::error::{Error, Result};
use crate::jobs::{self, JobContext, JobError, Report};
use crate::time;

/// How long after its start the end of a job is waited for, to record it with others ([`Runner::coalesce`]).
const COALESCE: Duration = Duration::from_millis(2);

/// Settings of the run loop.
#[derive(Debug, Clone)]
pub struct Options {
    /// The zone crons are read in.
    pub tz: Tz,
    /// Jobs running at the same time in this process.
    pub max_jobs: usize,
    /// How long a shutdown waits for running jobs.
    pub shutdown_timeout: Duration,
    /// `"JobRunDO"` retention in days.
    pub history_days: u32,
    /// The longest sleep between ticks (how fast edits by other processes are seen).
    pub max_sleep: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options { tz: Tz::UTC, max_jobs: 16, shutdown_timeout: Duration::from_secs(60), history_days: pruner::DEFAULT_DAYS, max_sleep: Duration::from_secs(1) }
    }
}

/// What the loop runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Until a signal (`impex run`).
    Forever,
    /// Everything due now, then exit (`impex run --once`).
    Once,
    /// One schedule now, regardless of its cron (`impex trigger`).
    Trigger(i64),
}

/// What a loop did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub runs: usize,
    /// Runs that failed (temporary or permanent failure, ERROR report, job not runnable).
    pub failed: usize,
}

pub(super) enum Event {
    Done { id: i64, result: std::result::Result<Report, JobError> },
    Signal,
}

/// A cached `Due::At` answer and the columns it was computed from.
struct NextFire {
    cron: String,
    last_run: Option<String>,
    next_retry: Option<String>,
    fixed_next_run: Option<String>,
    at: DateTime<Utc>,
}

struct Running {
    run_id: i64,
    job: &'static str,
    watched: Watched,
}

/// The scheduler of one process.
pub struct Runner {
    db_path: PathBuf,
    opts: Options,
    conn: Conn,
    holder: String,
    base: PathBuf,
    running: HashMap<i64, Running>,
    tx: Sender<Event>,
    rx: Receiver<Event>,
    crons: HashMap<String, std::result::Result<Cron, String>>,
    /// Per schedule: the inputs of the last `Due::At` answer and that answer.
    next: HashMap<i64, NextFire>,
    deadline: Option<Instant>,
    summary: Summary,
    /// Due schedules that found no free slot, earliest first.
    backlog: Vec<(ScheduleRow, DateTime<Utc>)>,
    pruner: Pruner,
    expirer: Expirer,
    renderer: Renderer,
    rescuer: Rescuer,
    /// This process in `"ProcessHeartbeatDO"` (`impex run` only: [`Mode::Forever`]).
    node: Node,
    last_beat: Option<Instant>,
    /// The threads the jobs run on.
    pool: super::pool::Pool,
    /// Orders schedules with the same fire time (from the holder: differs between processes).
    order_seed: u64,
}

impl Runner {
    pub fn new(db_path: &Path, opts: Options) -> Result<Runner> {
        let conn = db::open_existing(db_path)?;
        conn.defer_checkpoints()?;
        let base = db::queries::config::base_path(&conn)?.ok_or_else(|| Error::Database {
            path: db_path.to_path_buf(),
            reason: "no base directory (\"PlatformConfigDO\".\"omtBasePath\"); run `impex init --base DIR`".into(),
        })?;
        let me = Holder::this_process();
        let (tx, rx) = channel();
        Ok(Runner {
            db_path: db_path.to_path_buf(),
            pruner: Pruner::new(opts.history_days),
            pool: super::pool::Pool::new(opts.max_jobs),
            expirer: Expirer::default(),
            renderer: Renderer::default(),
            rescuer: Rescuer::new(me.clone()),
            opts,
            conn,
            holder: me.to_string(),
            base,
            running: HashMap::new(),
            tx,
            rx,
            crons: HashMap::new(),
            next: HashMap::new(),
            deadline: None,
            summary: Summary::default(),
            backlog: Vec::new(),
            node: Node { id: me.to_string(), host: me.host.clone(), pid: me.pid, ..Node::this_process(Kind::Run) },
            last_beat: None,
            order_seed: {
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                me.to_string().hash(&mut h);
                h.finish()
            },
        })
    }

    /// This process's `lockedBy` value.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// SIGTERM/SIGINT handling (see `signals`).
    pub fn install_signals(&self) -> Result<()> {
        super::signals::install(self.tx.clone(), self.db_path.clone(), self.holder.clone())
    }

    /// Runs the loop in `mode` until it ends (see [`Mode`]).
    pub fn run(&mut self, mode: Mode) -> Result<Summary> {
        if !matches!(mode, Mode::Trigger(_)) {
            let n = state::reactivate_on_start(&self.conn)?;
            if n > 0 {
                info!(count = n, "reactivateOnStart: reset stopped or retrying schedules");
            }
        }
        let result = self.main_loop(mode);
        if self.last_beat.is_some() {
            if let Err(e) = self.node.leave(&self.conn) {
                warn!("removing this process's heartbeat: {e}");
            }
        }
        let cleanup = self.release_remaining();
        result?;
        cleanup?;
        Ok(self.summary)
    }

    fn main_loop(&mut self, mode: Mode) -> Result<()> {
        let mut first = true;
        let mut next_tick = Instant::now();
        loop {
            if self.deadline.is_none() {
                // While due schedules wait in the backlog for slots, the full pass (maintenance,
                // re-reading every schedule: tens of ms with 1,000 schedules) waits too, up to
                // one more `max_sleep`: the backlog's jobs are already late.
                let full = match mode {
                    Mode::Forever => {
                        let now = Instant::now();
                        now >= next_tick && (self.backlog.is_empty() || now >= next_tick + self.opts.max_sleep)
                    }
                    Mode::Once | Mode::Trigger(_) => first,
                };
                let step = if full {
                    let now = Utc::now();
                    let r = match mode {
                        Mode::Forever => {
                            match self.pruner.run_once(&self.conn, now) {
                                Ok(n) if n > 0 => info!(rows = n, "pruned job history"),
                                Ok(_) => {}
                                Err(e) => error!("pruning the job history: {e}"),
                            }
                            match self.expirer.run_once(&mut self.conn, now) {
                                Ok(n) if n > 0 => info!(reservations = n, "expired reservations"),
                                Ok(_) => {}
                                Err(e) => error!("expiring reservations: {e}"),
                            }
                            match self.renderer.run_once(&mut self.conn, &self.base) {
                                Ok(n) if n > 0 => info!(documents = n, "rendered order documents"),
                                Ok(_) => {}
                                Err(e) => error!("rendering order documents: {e}"),
                            }
                            if let Err(e) = self.conn.checkpoint() {
                                warn!("checkpoint of the WAL: {e}");
                            }
                            self.recover_stale(now).and_then(|_| self.tick(now))
                        }
                        // --once: one pass fixes what is due now; what finds no free slot waits
                        // in the backlog.
                        Mode::Once => self.recover_stale(now).and_then(|_| self.tick(now)),
                        Mode::Trigger(id) => self.recover_stale(now).and_then(|_| self.start_trigger(id)).map(|_| None),
                    };
                    r.map(|wake| {
                        let mut sleep = self.opts.max_sleep;
                        if let Some(w) = wake {
                            sleep = sleep.min((w - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(2));
                        }
                        next_tick = Instant::now() + sleep;
                    })
                } else {
                    self.fill_from_backlog()
                };
                first = false;
                if let Err(e) = step {
                    if mode != Mode::Forever {
                        return Err(e);
                    }
                    error!("scheduler tick failed (retrying): {e}");
                    next_tick = Instant::now() + self.opts.max_sleep;
                }
            }
            if mode == Mode::Forever && self.deadline.is_none() && self.last_beat.is_none_or(|b| b.elapsed() >= self.node.interval) {
                self.heartbeat();
            }
            overlong::run_once(self.running.values_mut().map(|r| &mut r.watched));
            let done = match mode {
                Mode::Forever => false,
                Mode::Once => self.running.is_empty() && self.backlog.is_empty(),
                Mode::Trigger(_) => self.running.is_empty(),
            };
            if done {
                return Ok(());
            }
            if let Some(d) = self.deadline {
                if self.running.is_empty() {
                    return Ok(());
                }
                if Instant::now() >= d {
                    warn!(jobs = self.running.len(), "shutdown timeout reached with jobs still running; releasing their locks");
                    return Ok(());
                }
            }
            let mut timeout = match mode {
                // (a full pass that waits for the backlog: until its latest time, or a job's end)
                Mode::Forever if !self.backlog.is_empty() && Instant::now() >= next_tick => (next_tick + self.opts.max_sleep).saturating_duration_since(Instant::now()),
                Mode::Forever => next_tick.saturating_duration_since(Instant::now()),
                _ => self.opts.max_sleep,
            };
            if let Some(d) = self.deadline {
                timeout = self.opts.max_sleep.min(d.saturating_duration_since(Instant::now()));
            }
            let mut ev = match self.rx.recv_timeout(timeout) {
                Ok(ev) => Some(ev),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => unreachable!("the runner holds a sender"),
            };
            let mut done = Vec::new();
            while let Some(e) = ev {
                match e {
                    Event::Signal => self.on_signal(),
                    Event::Done { id, result } => done.push((id, result)),
                }
                ev = self.rx.try_recv().ok();
                if ev.is_none() && !done.is_empty() {
                    ev = self.coalesce(&done);
                }
            }
            if !done.is_empty() {
                let n = done.len();
                if let Err(e) = self.record(done) {
                    error!("recording the outcome of {n} run(s): {e}");
                    if mode != Mode::Forever {
                        self.summary.failed += n;
                    }
                } else if let Err(e) = self.fill_from_backlog() {
                    error!("claiming due schedules: {e}");
                }
                // A finished schedule's next fire time is only known after a full pass; while
                // a backlog is waiting, it is served first.
                if self.backlog.is_empty() {
                    next_tick = Instant::now();
                }
            }
        }
    }

    /// Waits for the next end of a job that started less than [`COALESCE`] ago, at most until
    /// then: short jobs started together end together, and their ends are recorded in one
    /// round instead of one each (a round is a database round trip per statement).
    fn coalesce(&self, done: &[(i64, std::result::Result<Report, JobError>)]) -> Option<Event> {
        let until = self.running.iter().filter(|(id, _)| !done.iter().any(|(d, _)| d == *id)).map(|(_, r)| r.watched.started + COALESCE).max()?;
        let wait = until.checked_duration_since(Instant::now())?;
        self.rx.recv_timeout(wait).ok()
    }

    /// Records that this scheduler loop is alive (`"ProcessHeartbeatDO"`, see `health`). A
    /// failure is logged; the loop goes on.
    fn heartbeat(&mut self) {
        self.last_beat = Some(Instant::now());
        if let Err(e) = self.node.beat(&self.conn, Utc::now()) {
            warn!("heartbeat: {e}");
        }
    }

    /// Claims backlog entries (due, but found no free slot) as slots free up. Claims are
    /// optimistic, so an entry that changed meanwhile is simply not claimed.
    /// Entries another node claimed first are dropped and the next ones tried, until the slots
    /// are full or the backlog is empty.
    fn fill_from_backlog(&mut self) -> Result<()> {
        loop {
            let free = free_slots(self.opts.max_jobs, self.running.len(), self.deadline.is_some());
            if free == 0 || self.backlog.is_empty() {
                return Ok(());
            }
            let take: Vec<_> = self.backlog.drain(..free.min(self.backlog.len())).collect();
            let claimed = self.claim_batch(&take, &[], false)?;
            for (r, run_id) in claimed {
                self.spawn(r, run_id);
            }
        }
    }

    fn cron(&mut self, expr: &str) -> std::result::Result<Cron, String> {
        self.crons.entry(expr.to_string()).or_insert_with(|| super::cron::parse(expr)).clone()
    }

    /// One scheduling pass; returns the earliest future due time.
    fn tick(&mut self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        let rows = q::runnable(&self.conn)?;
        let mut wake: Option<DateTime<Utc>> = None;
        let mut to_claim: Vec<(ScheduleRow, DateTime<Utc>)> = Vec::new();
        let mut unrunnable: Vec<(ScheduleRow, String)> = Vec::new();
        let mut seen = HashSet::with_capacity(rows.len());
        for r in rows {
            seen.insert(r.id);
            if self.running.contains_key(&r.id) {
                continue;
            }
            if let Some(n) = self.next.get(&r.id) {
                if n.cron == r.cron && n.last_run == r.last_run && n.next_retry == r.next_retry && n.fixed_next_run == r.fixed_next_run && n.at > now {
                    wake = Some(wake.map_or(n.at, |w| w.min(n.at)));
                    continue;
                }
            }
            let cron = match self.cron(&r.cron) {
                Ok(c) => c,
                // (a stopped schedule is runnable only for its fixedNextRun; an unusable one
                // stays stopped without another history row each tick)
                Err(_) if r.stopped_since.is_some() => continue,
                Err(e) => {
                    unrunnable.push((r, format!("cron: {e}; schedule stopped")));
                    continue;
                }
            };
            if jobs::lookup(r.job_def_ref).is_none() && r.stopped_since.is_some() {
                continue;
            }
            if jobs::lookup(r.job_def_ref).is_none() {
                let m = format!("no job with JobDefDO id {} is known to this impex; schedule stopped", r.job_def_ref);
                unrunnable.push((r, m));
                continue;
            }
            match due::due(&cron, self.opts.tz, timing(&r), now) {
                Due::Now(at, _) => to_claim.push((r, at)),
                Due::At(at, _) => {
                    wake = Some(wake.map_or(at, |w| w.min(at)));
                    self.next.insert(r.id, NextFire { cron: r.cron.clone(), last_run: r.last_run.clone(), next_retry: r.next_retry.clone(), fixed_next_run: r.fixed_next_run.clone(), at });
                }
                Due::Never => {}
            }
        }
        self.next.retain(|id, _| seen.contains(id));
        // earliest fire time first; among equal ones an order of this process's own, so that
        // nodes sharing a database try different schedules first instead of colliding
        let seed = self.order_seed;
        to_claim.sort_by_key(|(r, at)| (*at, (r.id as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        let free = free_slots(self.opts.max_jobs, self.running.len(), self.deadline.is_some());
        self.backlog = to_claim.split_off(free.min(to_claim.len()));
        if to_claim.is_empty() && unrunnable.is_empty() {
            return Ok(wake);
        }
        let claimed = self.claim_batch(&to_claim, &unrunnable, false)?;
        for (r, run_id) in claimed {
            self.spawn(r, run_id);
        }
        // (slots left by schedules another node claimed first)
        self.fill_from_backlog()?;
        Ok(wake)
    }

    /// Claims schedules and stops unrunnable ones in one write transaction.
    fn claim_batch(&mut self, items: &[(ScheduleRow, DateTime<Utc>)], unrunnable: &[(ScheduleRow, String)], force: bool) -> Result<Vec<(ScheduleRow, i64)>> {
        let now = time::now_text();
        let mut stopped = Vec::new();
        let tx = self.conn.write_rows()?;
        for (s, msg) in unrunnable {
            if state::stop_unrunnable(&tx, s.id, &now, msg)? {
                q::insert_finished_run(&tx, s, &now, "ERROR", msg, &self.holder)?;
                stopped.push((s.key.clone(), msg.clone()));
            }
        }
        let claimed = claim_in(&tx, items, force, &self.holder, &now)?;
        tx.commit()?;
        for (key, msg) in stopped {
            error!(schedule = %key, "{msg}");
            self.summary.failed += 1;
        }
        Ok(claimed)
    }

    fn start_trigger(&mut self, id: i64) -> Result<()> {
        let s = q::by_id(&self.conn, id)?.ok_or_else(|| Error::Other(format!("ScheduleDO id {id} disappeared")))?;
        if jobs::lookup(s.job_def_ref).is_none() {
            let m = format!("no job with JobDefDO id {} is known to this impex; schedule stopped", s.job_def_ref);
            let now = time::now_text();
            let tx = self.conn.write()?;
            let _ = state::stop_unrunnable(&tx, s.id, &now, &m)?;
            q::insert_finished_run(&tx, &s, &now, "ERROR", &m, &self.holder)?;
            tx.commit()?;
            error!(schedule = %s.key, "{m}");
            self.summary.failed += 1;
            return Ok(());
        }
        let claimed = self.claim_batch(&[(s.clone(), Utc::now())], &[], true)?;
        if claimed.is_empty() {
            let s = q::by_id(&self.conn, id)?.unwrap_or(s);
            return Err(Error::Other(format!(
                "schedule {} is running (locked by {} since {})",
                s.key,
                s.locked_by.as_deref().unwrap_or("an unknown holder"),
                s.locked_since.as_deref().unwrap_or("?")
            )));
        }
        for (r, run_id) in claimed {
            self.spawn(r, run_id);
        }
        Ok(())
    }

    fn spawn(&mut self, s: ScheduleRow, run_id: i64) {
        let Some(job) = jobs::lookup(s.job_def_ref) else { return };
        let cancel = Arc::new(AtomicBool::new(false));
        let ctx = JobContext {
            db_path: self.db_path.clone(),
            base: self.base.clone(),
            schedule_id: s.id,
            schedule_key: s.key.clone(),
            config_id: s.config_id,
            cancel: cancel.clone(),
        };
        info!(schedule = %s.key, job = job.name(), run = run_id, "job started");
        let tx = self.tx.clone();
        let id = s.id;
        let spawned = self.pool.run(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(&ctx))).unwrap_or_else(|p| {
                let what = p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_default();
                Err(JobError::Permanent(format!("the job panicked: {what}")))
            });
            let _ = tx.send(Event::Done { id, result });
        });
        let watched = Watched { key: s.key.clone(), started: Instant::now(), allowance: lock::allowance(s.expected_runtime), cancel, warned: false };
        let running = Running { run_id, job: job.name(), watched };
        self.running.insert(id, running);
        if let Err(e) = spawned {
            let _ = self.tx.send(Event::Done { id, result: Err(JobError::Temporary(format!("cannot start a thread: {e}"))) });
        }
    }

    fn on_signal(&mut self) {
        if self.deadline.is_none() {
            self.deadline = Some(Instant::now() + self.opts.shutdown_timeout);
            for r in self.running.values() {
                r.watched.cancel.store(true, Ordering::Relaxed);
            }
            info!(jobs = self.running.len(), timeout_s = self.opts.shutdown_timeout.as_secs(), "shutting down: waiting for running jobs");
        }
    }

    /// Records finished runs (schedule state and history) in one transaction, and claims in
    /// the same one what waits in the backlog for the slots they freed (one commit instead of
    /// two per round: docs/performance.md, "Scheduler"); those jobs start after the commit.
    fn record(&mut self, batch: Vec<(i64, std::result::Result<Report, JobError>)>) -> Result<()> {
        let now = Utc::now();
        let now_text = time::format(now);
        let shutting_down = self.deadline.is_some();
        let mut logs = Vec::with_capacity(batch.len());
        let tx = self.conn.write_rows()?;
        // (only a failure's retry rule needs the schedule as it is now)
        let failed: Vec<i64> = batch.iter().filter(|(_, r)| r.is_err()).map(|(id, _)| *id).collect();
        let rows: HashMap<i64, ScheduleRow> = q::by_ids(&tx, &failed)?.into_iter().map(|r| (r.id, r)).collect();
        let mut ended = Vec::with_capacity(batch.len());
        for (id, result) in batch {
            let Some(run) = self.running.remove(&id) else { continue };
            let after = match (&result, rows.get(&id)) {
                (Ok(r), _) => state::after_report(r),
                (Err(_), Some(s)) => state::after_run(s, &result, now, shutting_down),
                (Err(_), None) => AfterRun::Stop { count: 0, message: "the schedule was deleted while its job ran".into() },
            };
            let (ok_count, failed_count) = match &result {
                Ok(r) => (r.ok_count, r.failed_count),
                Err(_) => (0, 0),
            };
            ended.push((id, run, after, ok_count, failed_count));
        }
        let finishing: Vec<(i64, &AfterRun)> = ended.iter().map(|(id, _, after, _, _)| (*id, after)).collect();
        let lost: HashSet<i64> = state::finish_all(&tx, &finishing, &self.holder, &now_text)?.into_iter().collect();
        let finished: Vec<q::Finished<'_>> = ended
            .iter()
            .map(|(_, run, after, ok_count, failed_count)| q::Finished { run_id: run.run_id, outcome: after.history_outcome(), ok_count: *ok_count, failed_count: *failed_count, message: after.message() })
            .collect();
        q::finish_runs(&tx, &finished, &now_text)?;
        for (id, run, after, _, _) in ended {
            let lock_lost = lost.contains(&id).then(|| format!("ScheduleDO id {id}: the lock is no longer held by {} (released as stale by another process, or the schedule was deleted?)", self.holder));
            logs.push((run, after, lock_lost));
        }
        let free = free_slots(self.opts.max_jobs, self.running.len(), shutting_down);
        let take: Vec<_> = self.backlog.drain(..free.min(self.backlog.len())).collect();
        let claimed = claim_in(&tx, &take, false, &self.holder, &now_text)?;
        let t = Instant::now();
        tx.commit()?;
        let ms = |d: Duration| d.as_micros() as f64 / 1000.0;
        debug!(finished = logs.len(), claimed = claimed.len(), ms = ms((Utc::now() - now).to_std().unwrap_or_default()), commit_ms = ms(t.elapsed()), "round recorded");
        for (r, run_id) in claimed {
            self.spawn(r, run_id);
        }
        for (run, after, lock_lost) in logs {
            let ms = run.watched.started.elapsed().as_millis() as u64;
            let key = &run.watched.key;
            if let Some(m) = lock_lost {
                warn!(schedule = %key, "{m}");
            }
            self.summary.runs += 1;
            if after.failed() {
                self.summary.failed += 1;
                warn!(schedule = %key, job = run.job, outcome = after.history_outcome(), duration_ms = ms, "job finished: {}", after.message());
            } else {
                info!(schedule = %key, job = run.job, outcome = after.history_outcome(), duration_ms = ms, "job finished: {}", after.message());
            }
        }
        Ok(())
    }

    /// Releases stale locks (the [`Rescuer`]).
    fn recover_stale(&mut self, now: DateTime<Utc>) -> Result<()> {
        let running = &self.running;
        self.rescuer.run_once(&mut self.conn, |id| running.contains_key(&id), now)?;
        Ok(())
    }

    /// At exit: locks of jobs still running are released and their history rows closed.
    fn release_remaining(&mut self) -> Result<()> {
        let now = time::now_text();
        let msg = "impex stopped while the job ran (shutdown timeout); lock released";
        let tx = self.conn.write()?;
        let n = state::release_own(&tx, &self.holder, &now, msg)?;
        q::abandon_runs(&tx, None, &self.holder, &now, msg)?;
        tx.commit()?;
        if n > 0 {
            warn!(locks = n, "released locks of jobs still running");
            self.summary.failed += n;
        }
        self.running.clear();
        Ok(())
    }
}

fn timing(r: &ScheduleRow) -> Timing {
    Timing {
        last_run: r.last_run.as_deref().and_then(time::parse),
        next_retry: r.next_retry.as_deref().and_then(time::parse),
        fixed_next_run: r.fixed_next_run.as_deref().and_then(time::parse),
    }
}

/// Claims `items` in the unit of work `tx` (optimistic: one that changed meanwhile is not
/// claimed), each with its RUNNING history row; returns the claimed ones with their run ids.
/// A round's claims go together (`state::claim_all`, `q::insert_runs`): one statement each on
/// PostgreSQL.
fn claim_in(tx: &Conn, items: &[(ScheduleRow, DateTime<Utc>)], force: bool, holder: &str, now: &str) -> Result<Vec<(ScheduleRow, i64)>> {
    let claimed: Vec<&(ScheduleRow, DateTime<Utc>)> = if force {
        let mut c = Vec::new();
        for item in items {
            if state::claim_forced(tx, item.0.id, holder, now)? {
                c.push(item);
            }
        }
        c
    } else {
        let ids: HashSet<i64> = state::claim_all(tx, items, holder, now)?.into_iter().collect();
        items.iter().filter(|(s, _)| ids.contains(&s.id)).collect()
    };
    let runs: Vec<(&ScheduleRow, Option<String>)> = claimed.iter().map(|(s, at)| (s, Some(time::format(*at)))).collect();
    let run_ids = q::insert_runs(tx, &runs, now, holder)?;
    Ok(claimed.into_iter().zip(run_ids).map(|((s, _), run_id)| (s.clone(), run_id)).collect())
}

/// Worker slots of `max_jobs` without one of the `running` jobs (none while shutting down).
fn free_slots(max_jobs: usize, running: usize, shutting_down: bool) -> usize {
    if shutting_down { 0 } else { max_jobs.saturating_sub(running) }
}
