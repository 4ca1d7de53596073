//! `impex import [--group NAME] FILE...`: imports local files now with a transformer group.
//!
//! The files are copied (the originals stay) into the group's work directory
//! `<base>/share/import/<group name>/in/` while they are imported (under a hidden temporary
//! name, renamed with the original mtime before the file's commit: `transform::incoming`), and
//! the group's pipeline runs on that directory: files end in the sibling `done/`, `error/`
//! (with `<file>.error.txt`) or `obsolete/`. Without FILE the
//! pipeline runs on what is already in `in/` (e.g. after an interrupted run). Without `--group`
//! the group is the one whose processes match every file name. Exit code 1 when a file failed.
use crate::db::Conn;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::Status;
use crate::db::{self, queries};
use crate::transform::{self, ImportError, Observer};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The transformer group ("TransformerProcessGroupDO"."name").
    #[arg(long)]
    pub group: Option<String>,
    /// Files to import.
    pub files: Vec<PathBuf>,
}

/// The work directory of a group for `impex import`.
pub fn work_dir(base: &Path, group: &str) -> PathBuf {
    base.join("share").join("import").join(group).join("in")
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let conn = db::open_existing(db_path)?;
    let base = queries::config::base_path(&conn)?.context("no base directory configured: run `impex init --base DIR`")?;
    let (group_id, group_name) = match &args.group {
        Some(g) => {
            let id = queries::import::group_id_by_name(&conn, g)?;
            match id {
                Some(id) => (id, g.clone()),
                None => bail!("no transformer group named `{g}` (\"TransformerProcessGroupDO\"); known: {}", group_list(&conn)?),
            }
        }
        None => pick_group(&conn, &args.files)?,
    };
    for f in &args.files {
        if !f.is_file() {
            bail!("{}: no such file", f.display());
        }
    }
    // Refuse files the group would not take (they would only wait in in/ or go to obsolete/).
    let patterns: Vec<String> =
        queries::import::group_patterns(&conn)?.into_iter().filter(|p| p.0 == group_id).map(|p| p.2).collect();
    let regexes: Vec<regex::Regex> = patterns.iter().filter_map(|p| regex::Regex::new(&format!("^(?:{p})$")).ok()).collect();
    for f in &args.files {
        let n = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !regexes.iter().any(|r| r.is_match(&n)) {
            bail!(
                "{}: the name matches no process of group `{group_name}` (file name patterns: {}); rename the file or choose another --group",
                f.display(),
                if patterns.is_empty() { "none".to_string() } else { patterns.join(", ") }
            );
        }
    }
    drop(conn);
    let in_dir = work_dir(&base, &group_name);
    std::fs::create_dir_all(&in_dir).with_context(|| format!("creating {}", in_dir.display()))?;
    let mut obs = CliObserver::new();
    let report = transform::run_group_importing(db_path, group_id, &in_dir, &args.files, &mut obs)?;
    obs.finish();
    println!(
        "import {group_name}: {} file{} imported ({} records), {} failed, {} not matched; work directory {}",
        report.imported,
        if report.imported == 1 { "" } else { "s" },
        report.records,
        report.failed,
        report.obsolete,
        in_dir.parent().unwrap_or(&in_dir).display()
    );
    Ok(if report.failed > 0 { Status::Problems } else { Status::Ok })
}

fn group_list(conn: &Conn) -> anyhow::Result<String> {
    let mut names: Vec<String> = queries::import::group_patterns(conn)?.into_iter().map(|g| g.1).collect();
    names.dedup();
    Ok(if names.is_empty() { "none configured".into() } else { names.join(", ") })
}

/// The one group whose processes match every file name.
fn pick_group(conn: &Conn, files: &[PathBuf]) -> anyhow::Result<(i64, String)> {
    if files.is_empty() {
        bail!("give --group NAME (and files to import)");
    }
    let patterns = queries::import::group_patterns(conn)?;
    let mut groups: Vec<(i64, String)> = patterns.iter().map(|p| (p.0, p.1.clone())).collect();
    groups.dedup();
    let mut fits = Vec::new();
    for (id, name) in groups {
        let res: Vec<regex::Regex> = patterns
            .iter()
            .filter(|p| p.0 == id)
            .filter_map(|p| regex::Regex::new(&format!("^(?:{})$", p.2)).ok())
            .collect();
        let all = files.iter().all(|f| {
            let n = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            res.iter().any(|r| r.is_match(&n))
        });
        if all {
            fits.push((id, name));
        }
    }
    match fits.len() {
        1 => Ok(fits.remove(0)),
        0 => bail!("no transformer group has processes matching these file names; give --group NAME (known: {})", group_list(conn)?),
        _ => bail!(
            "several transformer groups match these file names ({}); give --group NAME",
            fits.iter().map(|f| f.1.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A progress bar on a terminal, progress lines on stderr otherwise.
struct CliObserver {
    bar: Option<indicatif::ProgressBar>,
    tty: bool,
    name: String,
    next_line: u64,
}

/// Records between progress lines when stderr is not a terminal.
const LINE_EVERY: u64 = 10_000;

impl CliObserver {
    fn new() -> Self {
        CliObserver { bar: None, tty: std::io::stderr().is_terminal(), name: String::new(), next_line: LINE_EVERY }
    }
    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl Observer for CliObserver {
    fn file_started(&mut self, name: &str, size: u64) {
        self.name = name.to_string();
        self.next_line = LINE_EVERY;
        if self.tty && size > 1024 * 1024 {
            let b = indicatif::ProgressBar::new(size);
            b.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.set_message(name.to_string());
            self.bar = Some(b);
        }
    }
    fn progress(&mut self, bytes: u64, records: u64) {
        if let Some(b) = &self.bar {
            b.set_position(bytes);
            b.set_message(format!("{} ({records} records)", self.name));
        } else if !self.tty && records >= self.next_line {
            eprintln!("impex: {}: {records} records read", self.name);
            self.next_line = records + LINE_EVERY;
        }
    }
    fn file_finished(&mut self, name: &str, result: &Result<u64, ImportError>) {
        self.finish();
        match result {
            Ok(n) => println!("done:  {name} ({n} records)"),
            Err(e) => println!("error: {name}: {e}"),
        }
    }
}
