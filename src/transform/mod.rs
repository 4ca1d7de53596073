//! Import: transformer groups and one file per transformer bean.
//!
//! Contract used by the file transfer job: after a pull, [`run_group`] imports the files of a
//! transform directory (`<transfer dir>/in`) with the configuration's
//! `"TransformerProcessGroupDO"`; files move to the sibling folders `done/`, `error/` and
//! `obsolete/` of that directory.
//!
//! Pipeline (reference "Debtor Management Import Open Positions", transformer contract):
//! - the group's `"TransformerProcessDO"` rows run in `"index"` order (then id);
//! - a process handles the files whose names fully match its file name regex: the
//!   `SOURCE_FILENAME` parameter (key 4) when set, else `"filenameRegex"`; a file goes to the
//!   first process that matches it;
//! - files are imported one at a time, oldest first (mtime, then name), each in ONE transaction:
//!   all records or none. Success moves the file to `done/`; failure moves it to `error/` with
//!   `<file>.error.txt` beside it (record, line, field, reason) and an ERROR `"ImportFileDO"` row;
//! - files no process matches go to `obsolete/` when any process of the group has
//!   `"moveObsoleteFiles"` set, else they stay where they are;
//! - names starting with `.` are ignored (files being copied in);
//! - a `"ImportFileDO"` DONE row is written in the file's transaction, so a crash after the
//!   commit but before the move is repaired by the next run (the file is moved, not imported
//!   again: same name, size and mtime).
use crate::db::{Conn, Tx};
pub mod incoming;
pub mod open_positions;
pub mod payment_histories;
pub use crate::db::state::import_file as state;
pub mod store_order;
pub mod values;
pub mod xml_input;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::db::queries::import as q;
use xml_input::XmlInput;

/// What a group run did.
#[derive(Debug, Default, Clone)]
pub struct GroupReport {
    /// Files imported completely (moved to done/).
    pub imported: i64,
    /// Files that failed (moved to error/ with a reason).
    pub failed: i64,
    /// Files no process matched (moved to obsolete/ or left in place).
    pub obsolete: i64,
    /// Records imported from all files.
    pub records: i64,
    /// One line per failed file: file name and reason.
    pub messages: Vec<String>,
}

impl GroupReport {
    /// OK / WARN / ERROR as the scheduler records it.
    pub fn outcome(&self) -> crate::model::job::Outcome {
        match (self.imported, self.failed) {
            (_, 0) => crate::model::job::Outcome::Ok,
            (0, _) => crate::model::job::Outcome::Error,
            _ => crate::model::job::Outcome::Warn,
        }
    }
}

/// A group that cannot run at all (unknown bean, invalid regex, missing group).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

pub use crate::model::import_error::ImportError;

/// The line of an error known by its position in `path` (read again up to there: only
/// failed files pay for counting their lines).
pub fn resolve_line(mut err: ImportError, path: &Path) -> ImportError {
    if let (None, Some(pos)) = (err.line, err.pos.take()) {
        err.line = xml_input::line_at(path, pos);
    }
    err
}

/// The parameters of one `"TransformerProcessDO"` (`"TransformerProcessParameterDO"` by key id).
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub process_id: i64,
    pub values: HashMap<i64, String>,
}

/// Parameter key 1.
pub const SHOP_ID: i64 = 1;
/// Parameter key 4.
pub const SOURCE_FILENAME: i64 = 4;

impl Params {
    /// The shop (parameter 1 SHOP_ID), mandatory for the beans that import business data.
    pub fn shop_id(&self) -> Result<i64, ConfigError> {
        let v = self.values.get(&SHOP_ID).ok_or_else(|| {
            ConfigError(format!(
                "\"TransformerProcessDO\" id {}: parameter SHOP_ID (key 1) is missing: add a \"TransformerProcessParameterDO\" row",
                self.process_id
            ))
        })?;
        v.trim().parse().map_err(|_| {
            ConfigError(format!("\"TransformerProcessDO\" id {}: parameter SHOP_ID (key 1) `{v}` is not a shop id", self.process_id))
        })
    }
}

/// What a bean gets for one file: the file's transaction and where it is.
pub struct Ctx<'a> {
    pub tx: &'a Tx<'a>,
    pub import_file_id: i64,
    pub file_name: &'a str,
    progress: &'a mut dyn FnMut(u64, u64),
}

impl Ctx<'_> {
    /// Reports progress: bytes read and records imported so far.
    pub fn progress(&mut self, bytes: u64, records: u64) {
        (self.progress)(bytes, records)
    }
}

/// A configured bean: imports one file.
pub trait Transformer {
    /// Imports `input` inside `ctx.tx`; returns the number of records.
    fn import(&self, ctx: &mut Ctx<'_>, input: XmlInput) -> Result<u64, ImportError>;

    /// True when the bean itself checks every reference it writes (invoice, debtor, mapped
    /// ids): SQLite's per-row foreign key checks are then switched off for the file's
    /// transaction (bulk files import about a third faster).
    fn checks_references(&self) -> bool {
        false
    }
}

/// Checks a process's parameters and builds its transformer.
pub type BuildFn = fn(&Conn, &Params) -> Result<Box<dyn Transformer>, ConfigError>;

/// A transformer bean known to impex, by `"TransformerBeanDefDO"` id.
pub struct BeanDef {
    pub def_id: i64,
    pub name: &'static str,
    /// Checks the process's parameters and the configuration it needs.
    pub build: BuildFn,
}

/// Every bean impex knows. Each seeded `"TransformerBeanDefDO"` row except 19 (unzip) has one.
pub static BEANS: &[BeanDef] = &[
    BeanDef { def_id: 22, name: "ImportXmlOpenpositionsBean", build: open_positions::build },
    BeanDef { def_id: 23, name: "ImportXmlPaymenthistoriesBean", build: payment_histories::build },
    BeanDef { def_id: 10000, name: "ImportXmlStoreOrderBean", build: store_order::build },
];

/// The bean of a `"TransformerBeanDefDO"` id.
pub fn bean(def_id: i64) -> Option<&'static BeanDef> {
    BEANS.iter().find(|b| b.def_id == def_id)
}

/// Follows a group run file by file (the CLI draws a progress bar with it).
pub trait Observer {
    fn file_started(&mut self, _name: &str, _size: u64) {}
    fn progress(&mut self, _bytes: u64, _records: u64) {}
    fn file_finished(&mut self, _name: &str, _result: &Result<u64, ImportError>) {}
}

struct Quiet;
impl Observer for Quiet {}

/// Runs transformer group `group_id` on the files in `in_dir`.
pub fn run_group(db_path: &Path, group_id: i64, in_dir: &Path) -> Result<GroupReport, ConfigError> {
    run_group_with(db_path, group_id, in_dir, &mut Quiet)
}

struct Process {
    id: i64,
    bean: &'static BeanDef,
    regex: Regex,
    move_obsolete: bool,
    transformer: Box<dyn Transformer>,
}

/// [`run_group`] with an observer.
pub fn run_group_with(db_path: &Path, group_id: i64, in_dir: &Path, obs: &mut dyn Observer) -> Result<GroupReport, ConfigError> {
    run_group_importing(db_path, group_id, in_dir, &[], obs)
}

/// [`run_group_with`], and the files `given` (of anywhere; they stay where they are) as if they
/// were in `in_dir`: each is copied there while it is imported ([`incoming`]) and then moves on
/// like the others. A file of `in_dir` with the name of a given one is replaced by it.
pub fn run_group_importing(
    db_path: &Path,
    group_id: i64,
    in_dir: &Path,
    given: &[PathBuf],
    obs: &mut dyn Observer,
) -> Result<GroupReport, ConfigError> {
    // The disk writes the WAL pages of a file while it is imported, not all at its commit, and
    // the checkpoint's pages while they are copied (declared first: it stops after the
    // connection's last checkpoint).
    let _writeback = crate::db::writeback::WalWriteback::start(db_path);
    let mut conn = crate::db::open_existing(db_path).map_err(|e| ConfigError(e.to_string()))?;
    // Index pages of a large file's transaction stay in memory.
    conn.large_cache();
    // A file moves to done/ after its commit: the commit must be durable first.
    conn.durable_commits().map_err(|e| ConfigError(e.to_string()))?;
    let group_name = q::group_name(&conn, group_id)
        .map_err(|e| ConfigError(e.to_string()))?
        .ok_or_else(|| ConfigError(format!("no \"TransformerProcessGroupDO\" with id {group_id}")))?;
    let processes = build_processes(&conn, group_id)?;
    let parent = in_dir.parent().unwrap_or(Path::new(".")).to_path_buf();
    for d in ["done", "error", "obsolete"] {
        std::fs::create_dir_all(parent.join(d)).map_err(|e| ConfigError(format!("cannot create {}: {e}", parent.join(d).display())))?;
    }
    std::fs::create_dir_all(in_dir).map_err(|e| ConfigError(format!("cannot create {}: {e}", in_dir.display())))?;
    // One run per transform directory at a time.
    let lock_path = parent.join(".import.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| ConfigError(format!("cannot open {}: {e}", lock_path.display())))?;
    lock.lock().map_err(|e| ConfigError(format!("cannot lock {}: {e}", lock_path.display())))?;

    crate::fs::atomic::remove_dead_temporaries(in_dir);
    let files = list_files(in_dir, given).map_err(|e| ConfigError(format!("cannot list {}: {e}", in_dir.display())))?;
    let mut by_process: Vec<Vec<(PathBuf, Option<&Path>)>> = vec![Vec::new(); processes.len()];
    let mut unmatched = Vec::new();
    for (f, source) in files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match processes.iter().position(|p| p.regex.is_match(&name)) {
            Some(i) => by_process[i].push((f, source)),
            None if source.is_none() => unmatched.push(f),
            None => {} // (`impex import` refuses given files that no process takes)
        }
    }
    let mut report = GroupReport::default();
    for (p, files) in processes.iter().zip(by_process) {
        for (f, source) in files {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let size = std::fs::metadata(source.unwrap_or(&f)).map(|m| m.len()).unwrap_or(0);
            obs.file_started(&name, size);
            let res = import_file(&mut conn, group_id, &group_name, p, &f, source, &parent, obs);
            obs.file_finished(&name, &res);
            match res {
                Ok(n) => {
                    report.imported += 1;
                    report.records += n as i64;
                }
                Err(e) => {
                    report.failed += 1;
                    report.messages.push(format!("{name}: {e}"));
                }
            }
        }
    }
    let move_obsolete = processes.iter().any(|p| p.move_obsolete);
    for f in unmatched {
        report.obsolete += 1;
        if move_obsolete {
            move_to_obsolete(&mut conn, group_id, &f, in_dir, &parent);
        }
    }
    drop(lock);
    Ok(report)
}

/// Records a file that no process matches (OBSOLETE, with its target), then moves it to
/// obsolete/. The row comes first, so a file in obsolete/ always has one; when impex is killed
/// in between, the next run finds the row and finishes the move instead of recording it twice.
fn move_to_obsolete(conn: &mut Conn, group_id: i64, f: &Path, in_dir: &Path, parent: &Path) {
    let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let directory = in_dir.display().to_string();
    let meta = file_meta(f);
    let earlier = q::obsolete_before(conn, &name, &directory, meta.0, &meta.1).ok().flatten().map(PathBuf::from);
    let target = match earlier.filter(|t| !t.exists()) {
        Some(t) => {
            tracing::info!(file = %name, "recorded as obsolete before an interruption; moved to obsolete/ now");
            t
        }
        None => {
            let target = unique_target(&parent.join("obsolete"), &name);
            let row = q::ErrorRow {
                file_name: &name,
                directory: &directory,
                group_id,
                process_id: None,
                bean_id: None,
                size: meta.0,
                modified: &meta.1,
                error: &ImportError::file("no transformer process of the group matches the file name"),
                moved_to: &target.display().to_string(),
            };
            if let Err(e) = state::record_obsolete(conn, &row) {
                tracing::warn!(file = %name, "cannot record the obsolete file (left in place): {e}");
                return;
            }
            target
        }
    };
    if let Err(e) = std::fs::rename(f, &target) {
        tracing::warn!(file = %f.display(), "cannot move to obsolete/: {e}");
    }
}

fn build_processes(conn: &Conn, group_id: i64) -> Result<Vec<Process>, ConfigError> {
    let rows = q::processes(conn, group_id).map_err(|e| ConfigError(e.to_string()))?;
    let mut out = Vec::new();
    for r in rows {
        let bean = bean(r.bean_id).ok_or_else(|| {
            let known: Vec<String> = BEANS.iter().map(|b| format!("{} {}", b.def_id, b.name)).collect();
            ConfigError(format!(
                "\"TransformerProcessDO\" id {}: \"transformerBeanDefRef\" {}: no transformer bean with this id is known to impex (known: {})",
                r.id,
                r.bean_id,
                known.join(", ")
            ))
        })?;
        let params = Params { process_id: r.id, values: q::process_params(conn, r.id).map_err(|e| ConfigError(e.to_string()))? };
        let (pattern, column) = match params.values.get(&SOURCE_FILENAME) {
            Some(p) if !p.trim().is_empty() => (p.clone(), "TransformerProcessParameterDO SOURCE_FILENAME (key 4)"),
            _ => (r.regex.clone(), "filenameRegex"),
        };
        let regex = Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| ConfigError(format!("\"TransformerProcessDO\" id {}: {column}: invalid regex `{pattern}`: {e}", r.id)))?;
        let transformer = (bean.build)(conn, &params)?;
        out.push(Process { id: r.id, bean, regex, move_obsolete: r.move_obsolete, transformer });
    }
    Ok(out)
}

/// Regular files of `dir` not starting with `.` and the `given` files (as `dir/<name>`, with
/// where they are now), oldest first (mtime, then name). A file of `dir` named like a given one
/// is left out (the given one replaces it).
fn list_files<'g>(dir: &Path, given: &'g [PathBuf]) -> std::io::Result<Vec<(PathBuf, Option<&'g Path>)>> {
    let mut v = Vec::new();
    for g in given {
        let name = g.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        v.push((std::fs::metadata(g)?.modified().ok(), name.clone(), dir.join(name), Some(g.as_path())));
    }
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || v.iter().any(|g| g.3.is_some() && g.1 == name) {
            continue;
        }
        let m = e.metadata()?;
        if !m.is_file() {
            continue;
        }
        v.push((m.modified().ok(), name, e.path(), None));
    }
    v.sort();
    Ok(v.into_iter().map(|t| (t.2, t.3)).collect())
}

/// Size and mtime (impex timestamp) of a file.
fn file_meta(path: &Path) -> (i64, String) {
    let m = std::fs::metadata(path).ok();
    let size = m.as_ref().map(|m| m.len() as i64).unwrap_or(0);
    let modified = m
        .and_then(|m| m.modified().ok())
        .map(|t| crate::time::format(chrono::DateTime::<chrono::Utc>::from(t)))
        .unwrap_or_default();
    (size, modified)
}

/// `dir/name`, or `dir/name.1`, `dir/name.2`, ... when taken.
fn unique_target(dir: &Path, name: &str) -> PathBuf {
    let mut t = dir.join(name);
    let mut n = 1;
    while t.exists() || dir.join(format!("{}.error.txt", t.file_name().unwrap().to_string_lossy())).exists() {
        t = dir.join(format!("{name}.{n}"));
        n += 1;
    }
    t
}

/// Imports the file `path` of the transform directory; a `given` file (`impex import FILE`) is
/// read from where it is and reaches `path` before the commit ([`incoming`]).
#[allow(clippy::too_many_arguments)]
fn import_file(
    conn: &mut Conn,
    group_id: i64,
    group_name: &str,
    p: &Process,
    path: &Path,
    given: Option<&Path>,
    parent: &Path,
    obs: &mut dyn Observer,
) -> Result<u64, ImportError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let directory = path.parent().map(|d| d.display().to_string()).unwrap_or_default();
    let (size, modified) = file_meta(given.unwrap_or(path));
    let mut copy = match given {
        Some(g) => Some(incoming::Copy::start(g, path).map_err(|e| ImportError::file(format!("cannot copy {} into {directory}: {e}", g.display())))?),
        None => None,
    };
    // the copy in place (before the file moves on, or before its transaction commits)
    let place = |copy: &mut Option<incoming::Copy>| copy.take().map_or(Ok(()), |c| c.finish());
    let placed = |copy: &mut Option<incoming::Copy>| place(copy).map_err(ImportError::file);
    // Committed before an interruption but never moved (its done/ copy is missing): move it now
    // instead of importing it twice. The same file delivered again after a completed run (its
    // done/ copy exists) is imported again.
    if let Some((records, moved_to)) = q::done_before(conn, &name, &directory, size, &modified)? {
        if let Some(target) = moved_to.map(PathBuf::from).filter(|t| !t.exists()) {
            placed(&mut copy)?;
            std::fs::rename(path, &target).map_err(|e| ImportError::file(format!("cannot move to done/: {e}")))?;
            tracing::info!(file = %name, "imported before an interruption; moved to done/ now");
            return Ok(records as u64);
        }
    }
    // Failed, its ERROR row committed, but interrupted before the file reached error/ (its error/
    // copy is missing): finish the move (and the .error.txt) instead of failing it a second time,
    // so that a failed file has exactly one ERROR row and one error/ copy with its reason.
    if let Some((record, line, field, reason, moved_to)) = q::failed_before(conn, &name, &directory, size, &modified)? {
        if let Some(target) = moved_to.map(PathBuf::from).filter(|t| !t.exists()) {
            let err = ImportError {
                record: record.map(|r| r as u64),
                line: line.map(|l| l as u64),
                field,
                reason: reason.unwrap_or_default(),
                pos: None,
            };
            placed(&mut copy)?;
            tracing::info!(file = %name, "failed before an interruption; moved to error/ now");
            move_to_error(&name, group_id, group_name, p, &err, path, &target);
            return Err(err);
        }
    }
    let done_target = unique_target(&parent.join("done"), &name);
    // a given file that did not reach in/: nothing to record or to move, the original stays
    let mut copy_failed: Option<String> = None;
    let result = conn.write_trusted(p.transformer.checks_references(), |tx| -> Result<u64, ImportError> {
        let id = state::start(tx, &name, &directory, group_id, p.id, p.bean.def_id, size, &modified)?;
        let input = XmlInput::open(given.unwrap_or(path))?;
        let mut progress = |bytes: u64, records: u64| obs.progress(bytes, records);
        let mut ctx = Ctx { tx, import_file_id: id, file_name: &name, progress: &mut progress };
        let n = p.transformer.import(&mut ctx, input).map_err(|e| resolve_line(e, given.unwrap_or(path)))?;
        if let Err(e) = place(&mut copy) {
            copy_failed = Some(e.clone());
            return Err(ImportError::file(e));
        }
        state::finish_done(tx, id, n, &done_target.display().to_string())?;
        Ok(n)
    });
    if result.is_err() && copy_failed.is_none() {
        copy_failed = place(&mut copy).err();
    }
    if let Some(e) = copy_failed {
        let err = match result {
            Err(err) if err.reason != e => ImportError { reason: format!("{}; {e}", err.reason), ..err },
            _ => ImportError::file(e),
        };
        tracing::warn!(file = %name, "import failed: {err}");
        return Err(err);
    }
    match result {
        Ok(n) => {
            if let Err(e) = std::fs::rename(path, &done_target) {
                tracing::warn!(file = %name, "imported, but cannot move to done/: {e}");
            }
            tracing::info!(file = %name, group = group_name, records = n, "imported");
            Ok(n)
        }
        Err(err) => {
            let target = unique_target(&parent.join("error"), &name);
            let row = q::ErrorRow {
                file_name: &name,
                directory: &directory,
                group_id,
                process_id: Some(p.id),
                bean_id: Some(p.bean.def_id),
                size,
                modified: &modified,
                error: &err,
                moved_to: &target.display().to_string(),
            };
            if let Err(e) = state::record_error(conn, &row) {
                tracing::warn!(file = %name, "cannot record the failed import: {e}");
            }
            move_to_error(&name, group_id, group_name, p, &err, path, &target);
            tracing::warn!(file = %name, group = group_name, "import failed: {err}");
            Err(err)
        }
    }
}

/// Writes `<target>.error.txt`, then moves the failed file to `target` in error/. The reason is
/// written first so that a file in error/ always has its reason beside it, even when impex is
/// killed in between (the ERROR row, committed before, lets the next run finish the move).
fn move_to_error(name: &str, group_id: i64, group_name: &str, p: &Process, err: &ImportError, path: &Path, target: &Path) {
    let txt = error_text(name, group_id, group_name, p, err);
    let txt_path = PathBuf::from(format!("{}.error.txt", target.display()));
    if let Err(e) = crate::fs::atomic::write_atomic(&txt_path, txt.as_bytes()) {
        tracing::warn!(file = %name, "cannot write {}: {e}", txt_path.display());
    }
    if let Err(e) = std::fs::rename(path, target) {
        tracing::warn!(file = %name, "cannot move to error/: {e}");
    }
}

fn error_text(name: &str, group_id: i64, group_name: &str, p: &Process, err: &ImportError) -> String {
    let mut s = String::new();
    s.push_str(&format!("file:    {name}\n"));
    s.push_str(&format!("group:   {group_name} (\"TransformerProcessGroupDO\" id {group_id})\n"));
    s.push_str(&format!("process: \"TransformerProcessDO\" id {}, bean {} ({})\n", p.id, p.bean.name, p.bean.def_id));
    s.push_str(&format!("time:    {} UTC\n", crate::time::now_text()));
    if let Some(r) = err.record {
        s.push_str(&format!("record:  {r}\n"));
    }
    if let Some(l) = err.line {
        s.push_str(&format!("line:    {l}\n"));
    }
    if let Some(f) = &err.field {
        s.push_str(&format!("field:   {f}\n"));
    }
    s.push_str(&format!("reason:  {}\n", err.reason));
    s.push_str("\nNothing of this file was imported. Fix the file (or the configuration) and put it into the\ntransform directory again.\n");
    s
}

/// Names of the beans (for `impex check` style messages and tests).
pub fn bean_names() -> Vec<(i64, &'static str)> {
    BEANS.iter().map(|b| (b.def_id, b.name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bean_ids_and_names_unique() {
        let mut ids: Vec<i64> = BEANS.iter().map(|b| b.def_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), BEANS.len());
        let mut names: Vec<&str> = BEANS.iter().map(|b| b.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), BEANS.len());
    }

    #[test]
    fn seeded_beans_have_an_implementation() {
        for line in crate::db::seed::REFERENCE.lines() {
            if let Some(rest) = line.trim().strip_prefix('(') {
                if rest.contains("Bean'") && !rest.contains("UnzipBean") {
                    let id: i64 = rest.split(',').next().unwrap().trim().parse().unwrap();
                    let name = rest.split('\'').nth(1).unwrap();
                    if name.starts_with("Import") {
                        let b = bean(id).unwrap_or_else(|| panic!("no bean for seeded id {id}"));
                        assert_eq!(b.name, name);
                    }
                }
            }
        }
    }

    /// Regression (soak test, issue 7): impex killed after a failed file's ERROR row was committed
    /// but before the file reached error/ used to fail the file again on the next run (a second
    /// ERROR row), and a kill between the move and writing `.error.txt` left a file in error/
    /// without its reason. Now the next run finishes the move with the recorded reason.
    /// A database with the OpenPositions import configured: (db path, connection, group id).
    fn open_positions_group(dir: &Path) -> (PathBuf, Conn, i64) {
        let db_path = dir.join("impex.db");
        let mut conn = crate::db::open(&db_path).unwrap();
        crate::db::migrate::init(&mut conn).unwrap();
        let src = |name: &str, text: &str| crate::db::script::Source { name: name.into(), text: text.into() };
        let sources = vec![
            src("reference", crate::db::seed::REFERENCE),
            src("demo", crate::db::seed::DEMO),
            src("01", include_str!("../../jobs/01_finance_controller.sql")),
            src("02", include_str!("../../jobs/02_import_openpositions.sql")),
        ];
        crate::db::script::run(&mut conn, &sources).unwrap();
        let group: i64 = conn
            .query_i64(r#"SELECT "id" FROM "TransformerProcessGroupDO" WHERE "name" = 'import_openpositions'"#, &[])
            .unwrap();
        (db_path, conn, group)
    }

    #[test]
    fn obsolete_file_interrupted_before_its_move_is_finished_once() {
        let dir = tempfile::tempdir().unwrap();
        let (db_path, mut conn, group) = open_positions_group(dir.path());
        conn.execute(r#"UPDATE "TransformerProcessDO" SET "moveObsoleteFiles" = 1 WHERE "transformerProcessGroupRef" = ?1"#, &[&group]).unwrap();
        let work = dir.path().join("work");
        let in_dir = work.join("in");
        std::fs::create_dir_all(&in_dir).unwrap();
        let name = "Unrelated_1.csv";
        let file = in_dir.join(name);
        std::fs::write(&file, "a;b\n").unwrap();
        // the state a kill leaves: OBSOLETE row committed (target obsolete/<name>), file still in in/
        let target = work.join("obsolete").join(name);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let (size, modified) = file_meta(&file);
        let row = q::ErrorRow {
            file_name: name,
            directory: &in_dir.display().to_string(),
            group_id: group,
            process_id: None,
            bean_id: None,
            size,
            modified: &modified,
            error: &ImportError::file("no transformer process of the group matches the file name"),
            moved_to: &target.display().to_string(),
        };
        state::record_obsolete(&mut conn, &row).unwrap();
        let report = run_group(&db_path, group, &in_dir).unwrap();
        assert_eq!(report.obsolete, 1);
        let rows: i64 = conn.query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "fileName" = ?1"#, &[&name]).unwrap();
        assert_eq!(rows, 1, "one OBSOLETE row, not a second one");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a;b\n");
        assert_eq!(std::fs::read_dir(work.join("obsolete")).unwrap().count(), 1, "no name.1 copy");
        assert_eq!(std::fs::read_dir(&in_dir).unwrap().count(), 0);
        // a new file of the same name later is recorded and moved on its own
        std::fs::write(&file, "c;d;e\n").unwrap();
        let report = run_group(&db_path, group, &in_dir).unwrap();
        assert_eq!(report.obsolete, 1);
        let rows: i64 = conn.query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "fileName" = ?1"#, &[&name]).unwrap();
        assert_eq!(rows, 2);
        assert_eq!(std::fs::read_to_string(work.join("obsolete").join(format!("{name}.1"))).unwrap(), "c;d;e\n");
    }

    #[test]
    fn failed_file_interrupted_before_its_move_is_finished_once() {
        let dir = tempfile::tempdir().unwrap();
        let (db_path, mut conn, group) = open_positions_group(dir.path());
        let work = dir.path().join("work");
        let in_dir = work.join("in");
        std::fs::create_dir_all(&in_dir).unwrap();
        for (n, txt_written) in [(1, false), (2, true)] {
            let name = format!("OpenPositionsImport_{n}.xml");
            let file = in_dir.join(&name);
            std::fs::write(&file, "<Invoices/>").unwrap();
            // the state a kill leaves: ERROR row committed (target error/<name>), file still in in/,
            // and (second file) the reason already written
            let target = work.join("error").join(&name);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            if txt_written {
                std::fs::write(format!("{}.error.txt", target.display()), "reason: wrong root\n").unwrap();
            }
            let (size, modified) = file_meta(&file);
            let row = q::ErrorRow {
                file_name: &name,
                directory: &in_dir.display().to_string(),
                group_id: group,
                process_id: None,
                bean_id: None,
                size,
                modified: &modified,
                error: &ImportError::at(1, 2, "OpenPositions", "wrong root element"),
                moved_to: &target.display().to_string(),
            };
            state::record_error(&mut conn, &row).unwrap();
        }
        let report = run_group(&db_path, group, &in_dir).unwrap();
        assert_eq!(report.failed, 2, "{:?}", report.messages);
        for n in [1, 2] {
            let name = format!("OpenPositionsImport_{n}.xml");
            let rows: i64 = conn
                .query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "fileName" = ?1"#, &[&name])
                .unwrap();
            assert_eq!(rows, 1, "{name}: one ERROR row, not a second failure");
            assert_eq!(std::fs::read_to_string(work.join("error").join(&name)).unwrap(), "<Invoices/>");
            let txt = std::fs::read_to_string(work.join("error").join(format!("{name}.error.txt"))).unwrap();
            assert!(txt.contains("wrong root element") || txt.contains("wrong root"), "{txt}");
        }
        let mut left: Vec<_> = std::fs::read_dir(work.join("error")).unwrap().map(|e| e.unwrap().file_name()).collect();
        left.sort();
        assert_eq!(left.len(), 4, "no name.1 copies: {left:?}");
        assert_eq!(std::fs::read_dir(&in_dir).unwrap().count(), 0);
    }

    #[test]
    fn error_display() {
        let e = ImportError::at(3, 17, "PayType", "unknown");
        assert_eq!(e.to_string(), "record 3, line 17, field PayType: unknown");
    }
}
