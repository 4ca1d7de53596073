//! `impex migrate --to postgres://...`: moves the SQLite database of `--db` into an empty
//! PostgreSQL database in one run (see `crate::db::pg::moving`).
use std::path::Path;

use super::Status;
use crate::db;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The empty PostgreSQL database to move to: postgres://user@host:port/dbname (password
    /// from the URL, PGPASSWORD or ~/.pgpass).
    #[arg(long)]
    pub to: String,
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    if !db::pg::target::is_url(&args.to) {
        anyhow::bail!("--to {}: a PostgreSQL URL (postgres://user@host:port/dbname) is expected", db::pg::target::redact(&args.to));
    }
    let target = db::pg::Target::parse(&args.to)?;
    let mut source = db::open_existing(db_path)?;
    let moved = db::pg::moving::move_up(&mut source, &target)?;
    for (table, n) in moved.tables.iter().filter(|(_, n)| *n > 0) {
        println!("{table:<40} {n:>10} rows");
    }
    println!(
        "moved {} rows of {} tables from {} to {}; the row counts match",
        moved.rows(),
        moved.tables.len(),
        db_path.display(),
        target.shown()
    );
    Ok(Status::Ok)
}
