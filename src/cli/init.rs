//! `impex init [--base DIR] [--demo]`: create or upgrade the database, load reference data
//! (and the demo data set), set the base directory and create its tree. Idempotent.
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Status;
use crate::db::seed;
use crate::fs::paths;
use crate::db::{self, migrate, queries, script};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Base directory ("PlatformConfigDO"."omtBasePath"); default: ./impex-base for a new
    /// database, unchanged for an existing one.
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// Also load the demo data set (shop 10000 inTRONICS of inSPIRED, customers, orders, ...).
    #[arg(long)]
    pub demo: bool,
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let report = init(db_path, args.base.as_deref(), args.demo)?;
    for line in &report {
        println!("{line}");
    }
    Ok(Status::Ok)
}

/// `impex init --db postgres://...`: the schema and reference rows on PostgreSQL, the base
/// directory and its tree.
pub fn run_postgres(target: &db::pg::Target, args: Args) -> anyhow::Result<Status> {
    let base = args.base.as_deref().map(absolute).transpose()?;
    let base_text = base.as_deref().map(|b| b.to_str().context("the base directory must be valid UTF-8")).transpose()?;
    let lines = db::pg::init(target, args.demo, base_text)?;
    for line in &lines {
        println!("{line}");
    }
    if let Some(b) = &base {
        for d in paths::create_tree(b).with_context(|| format!("creating the directory tree under {}", b.display()))? {
            println!("created directory {}", d.display());
        }
    }
    Ok(Status::Ok)
}

/// Initializes a database; returns what it did, one line per change (or a line saying
/// nothing changed).
pub fn init(db_path: &Path, base: Option<&Path>, demo: bool) -> anyhow::Result<Vec<String>> {
    let mut conn = db::open(db_path)?;
    let mut lines = Vec::new();
    match migrate::init(&mut conn)? {
        migrate::InitOutcome::Created => lines.push(format!("created database {} (schema version {})", db_path.display(), migrate::LATEST)),
        migrate::InitOutcome::Upgraded { from, to } => lines.push(format!("upgraded database {} from schema version {from} to {to}", db_path.display())),
        migrate::InitOutcome::UpToDate => {}
    }
    let mut sources = vec![script::Source { name: "seed/reference.sql".into(), text: seed::REFERENCE.into() }];
    if demo {
        sources.push(script::Source { name: "seed/demo.sql".into(), text: seed::DEMO.into() });
    }
    let summary = script::run(&mut conn, &sources)?;
    if summary.rows_changed > 0 {
        lines.push(format!("loaded {} {}rows", summary.rows_changed, if demo { "reference and demo " } else { "reference " }));
    }
    let current = queries::config::base_path(&conn)?;
    let base: PathBuf = match (base, &current) {
        (Some(b), _) => absolute(b)?,
        (None, Some(c)) => c.clone(),
        (None, None) => absolute(Path::new("impex-base"))?,
    };
    let base_text = base.to_str().context("the base directory must be valid UTF-8")?;
    let tx = conn.write()?;
    if queries::config::set_base_path(&tx, base_text)? {
        lines.push(format!("base directory (\"PlatformConfigDO\".\"omtBasePath\") set to {}", base.display()));
    }
    tx.commit()?;
    for d in paths::create_tree(&base).with_context(|| format!("creating the directory tree under {}", base.display()))? {
        lines.push(format!("created directory {}", d.display()));
    }
    if lines.is_empty() {
        lines.push(format!("database {} is up to date (schema version {}); nothing changed", db_path.display(), migrate::LATEST));
    }
    Ok(lines)
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    let joined = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir()?.join(p) };
    Ok(joined.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect())
}
