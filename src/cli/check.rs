//! `impex check`: lists every configuration problem; exit code 1 when there is one.
use std::path::Path;

use super::Status;
use crate::config::check;
use crate::db;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print the problems as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let conn = db::open_existing(db_path)?;
    let mut problems = check::check(&conn)?;
    problems.extend(check::file_permissions(db_path));
    let errors = problems.iter().filter(|p| !p.warning).count();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&problems)?);
    } else if problems.is_empty() {
        println!("configuration ok");
    } else {
        for p in &problems {
            println!("{p}");
        }
        println!("{errors} problem{} found", if errors == 1 { "" } else { "s" });
    }
    Ok(if errors > 0 { Status::Problems } else { Status::Ok })
}
