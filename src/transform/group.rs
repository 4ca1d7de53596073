//! A group run: the files of a transform directory, each to the first process whose file name
//! regex matches it, oldest first; files no process matches to obsolete/ (see the module
//! documentation of [`super`]). A run makes passes: after one, the files that appeared in the
//! directory meanwhile (produced by a bean, e.g. unpacked by [`super::unzip`]) get the next,
//! up to [`MAX_ROUNDS`] passes.
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use regex::Regex;

use crate::db::queries::claims as q_claims;
use crate::db::queries::import as q;
use crate::db::Conn;

use super::bean::{bean, BeanDef, Params, Transformer, BEANS, SOURCE_FILENAME};
use super::file::import_file;
use super::moves::move_to_obsolete;
use super::{ConfigError, ImportError};

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

pub(super) struct Process {
    pub(super) id: i64,
    pub(super) bean: &'static BeanDef,
    pub(super) regex: Regex,
    pub(super) move_obsolete: bool,
    pub(super) transformer: Box<dyn Transformer>,
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
    let mut conn = crate::db::open_existing(db_path)?;
    // Index pages of a large file's transaction stay in memory.
    conn.large_cache();
    // A file moves to done/ after its commit: the commit must be durable first.
    conn.durable_commits()?;
    let group_name = q::group_name(&conn, group_id)?
        .ok_or_else(|| ConfigError(format!("no \"TransformerProcessGroupDO\" with id {group_id}")))?;
    let processes = build_processes(&conn, group_id)?;
    let parent = in_dir.parent().unwrap_or(Path::new(".")).to_path_buf();
    for d in ["done", "error", "obsolete"] {
        std::fs::create_dir_all(parent.join(d)).map_err(|e| ConfigError(format!("cannot create {}: {e}", parent.join(d).display())))?;
    }
    std::fs::create_dir_all(in_dir).map_err(|e| ConfigError(format!("cannot create {}: {e}", in_dir.display())))?;
    // One run per transform directory at a time: a claim in the database on PostgreSQL (any
    // node; the base directory has the same path on every node, "PlatformConfigDO"), a file
    // lock beside the directory on SQLite.
    let claim = format!("import:{}", in_dir.display());
    let lock = match q_claims::claim(&conn, &claim).map_err(|e| ConfigError(format!("claiming the import of {}: {e}", in_dir.display())))? {
        Some(()) => None,
        None => {
            let lock_path = parent.join(".import.lock");
            let lock = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .map_err(|e| ConfigError(format!("cannot open {}: {e}", lock_path.display())))?;
            lock.lock().map_err(|e| ConfigError(format!("cannot lock {}: {e}", lock_path.display())))?;
            Some(lock)
        }
    };

    crate::fs::atomic::remove_dead_temporaries(in_dir);
    let move_obsolete = processes.iter().any(|p| p.move_obsolete);
    let mut report = GroupReport::default();
    // Files of this run, by name and identity: a later pass takes only files that appeared
    // since (produced by a bean of this run, e.g. unpacked from an archive), not the unmatched
    // files left in in/ or a file whose move failed.
    let mut seen: HashSet<FileId> = HashSet::new();
    for round in 1..=MAX_ROUNDS + 1 {
        let given_now = if round == 1 { given } else { &[] };
        let files = list_files(in_dir, given_now).map_err(|e| ConfigError(format!("cannot list {}: {e}", in_dir.display())))?;
        let files: Vec<_> = files.into_iter().filter(|(f, source)| seen.insert(file_id(source.unwrap_or(f)))).collect();
        if files.is_empty() {
            break;
        }
        if round > MAX_ROUNDS {
            tracing::warn!(
                dir = %in_dir.display(),
                "files keep appearing after {MAX_ROUNDS} passes (archives that contain archives?): {} left for the next run",
                files.len()
            );
            break;
        }
        run_pass(&mut conn, group_id, &group_name, &processes, files, in_dir, &parent, move_obsolete, &mut report, obs);
    }
    drop(lock);
    if let Err(e) = q_claims::release(&conn, &claim) {
        tracing::warn!(dir = %in_dir.display(), "ending the claim of the import (it ends with the connection): {e}");
    }
    Ok(report)
}

/// The most passes of a run over in/: the first, and further ones for files produced by the
/// passes before (bounded, so that an archive containing itself, or archives
/// unpacking to archives, cannot keep a run going for ever; what is left waits for the next run).
pub const MAX_ROUNDS: usize = 10;

/// A file by name and identity (device, inode, size, mtime): a produced file renamed over an
/// earlier one of the same name is a new file.
type FileId = (PathBuf, u64, u64, u64, Option<std::time::SystemTime>);

fn file_id(path: &Path) -> FileId {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata(path) {
        Ok(m) => (path.to_path_buf(), m.dev(), m.ino(), m.len(), m.modified().ok()),
        Err(_) => (path.to_path_buf(), 0, 0, 0, None),
    }
}

/// One pass over the files listed: each to the first process that matches it, in process order;
/// the unmatched ones to obsolete/ (or left in place).
#[allow(clippy::too_many_arguments)]
fn run_pass(
    conn: &mut Conn,
    group_id: i64,
    group_name: &str,
    processes: &[Process],
    files: Vec<(PathBuf, Option<&Path>)>,
    in_dir: &Path,
    parent: &Path,
    move_obsolete: bool,
    report: &mut GroupReport,
    obs: &mut dyn Observer,
) {
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
    for (p, files) in processes.iter().zip(by_process) {
        for (f, source) in files {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let size = std::fs::metadata(source.unwrap_or(&f)).map(|m| m.len()).unwrap_or(0);
            obs.file_started(&name, size);
            let res = import_file(conn, group_id, group_name, p, &f, source, parent, obs);
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
    for f in unmatched {
        report.obsolete += 1;
        if move_obsolete {
            move_to_obsolete(conn, group_id, &f, in_dir, parent);
        }
    }
}

fn build_processes(conn: &Conn, group_id: i64) -> Result<Vec<Process>, ConfigError> {
    let rows = q::processes(conn, group_id)?;
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
        let params = Params { process_id: r.id, values: q::process_params(conn, r.id)? };
        let (pattern, column) = match (params.values.get(&SOURCE_FILENAME), &r.regex) {
            (Some(p), _) if !p.trim().is_empty() => (p.clone(), "TransformerProcessParameterDO SOURCE_FILENAME (key 4)"),
            (_, Some(re)) => (re.clone(), "filenameRegex"),
            (_, None) => {
                return Err(ConfigError(format!(
                    "\"TransformerProcessDO\" id {}: no file name regex: \"filenameRegex\" is NULL and there is no parameter SOURCE_FILENAME (key 4)",
                    r.id
                )))
            }
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
