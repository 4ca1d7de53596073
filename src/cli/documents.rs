//! `impex documents render [--limit N]`: renders the PDF of every invoice, credit note,
//! dispatch and return announcement that has no document yet (docs/orders.md, "Documents"), in
//! batches of `--limit`; prints how many. The scheduler (`impex run`) does the same every
//! minute.
use std::path::Path;

use super::Status;
use crate::db::{self, queries::config};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(clap::Subcommand, Debug)]
pub enum Sub {
    /// Render the documents that are missing (nothing that exists is rendered again).
    Render {
        /// Documents per batch (one transaction for the rows of a batch).
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
    },
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let Sub::Render { limit } = args.command;
    let mut conn = db::open_existing(db_path)?;
    let Some(base) = config::base_path(&conn)? else {
        anyhow::bail!("no base directory (\"PlatformConfigDO\".\"omtBasePath\"); run `impex init --base DIR`");
    };
    let started = std::time::Instant::now();
    let (mut documents, mut failed) = (0, 0);
    loop {
        let r = crate::document::render_missing(&mut conn, &base, limit as usize)?;
        documents += r.documents;
        failed += r.failed;
        // a batch that rendered nothing new (only failures, or all done) ends the run
        if r.documents == 0 {
            break;
        }
    }
    println!("rendered {documents} document(s) in {:.2} s{}", started.elapsed().as_secs_f64(), if failed > 0 { format!(", {failed} failed (see the log)") } else { String::new() });
    Ok(if failed > 0 { Status::Problems } else { Status::Ok })
}
