//! `impex sql [FILE...]`: runs configuration SQL as IOM's reference writes it, all files in one
//! transaction (see [`crate::db::dialect`]).
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Status;
use crate::db::{self, script};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Script files, run in order in one transaction; standard input when none.
    pub files: Vec<PathBuf>,
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let sources = read(&args)?;
    let mut conn = db::open_existing(db_path)?;
    let summary = script::run(&mut conn, &sources)?;
    report(&summary);
    Ok(Status::Ok)
}

/// `impex sql --db postgres://...`: the scripts go to the server as they are.
pub fn run_postgres(target: &db::pg::Target, args: Args) -> anyhow::Result<Status> {
    let sources = read(&args)?;
    let summary = db::pg::run_scripts(target, &sources)?;
    report(&summary);
    Ok(Status::Ok)
}

fn read(args: &Args) -> anyhow::Result<Vec<script::Source>> {
    let mut sources = Vec::new();
    if args.files.is_empty() {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("reading SQL from standard input")?;
        sources.push(script::Source { name: "<stdin>".into(), text });
    }
    for f in &args.files {
        let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        sources.push(script::Source { name: f.display().to_string(), text });
    }
    Ok(sources)
}

fn report(summary: &script::Summary) {
    println!(
        "ok: {} statement{} applied, {} row{} changed",
        summary.statements,
        if summary.statements == 1 { "" } else { "s" },
        summary.rows_changed,
        if summary.rows_changed == 1 { "" } else { "s" }
    );
}
