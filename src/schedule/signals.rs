//! Signals: the first SIGTERM/SIGINT starts a graceful shutdown of the run loop (see `runner`);
//! a second one releases this process's locks and exits at once with code 130.
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

use tracing::{error, info, warn};

use super::runner::Event;
use super::state;
use crate::db::{self, queries::schedule as q};
use crate::error::{Error, Result};
use crate::time;

/// Starts the signal thread.
pub(super) fn install(tx: Sender<Event>, db_path: PathBuf, holder: String) -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT]).map_err(|e| Error::Other(format!("installing signal handlers: {e}")))?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let mut seen = 0;
            for sig in signals.forever() {
                seen += 1;
                if seen == 1 {
                    info!(signal = sig, "signal received: finishing running jobs, taking no new work (send it again to exit at once)");
                    let _ = tx.send(Event::Signal);
                } else {
                    warn!(signal = sig, "second signal: releasing locks and exiting now");
                    if let Err(e) = release_all(&db_path, &holder, Duration::from_secs(2), "impex stopped by a second signal while the job ran") {
                        error!("releasing locks: {e}");
                    }
                    std::process::exit(130);
                }
            }
        })
        .map_err(|e| Error::Other(format!("starting the signal thread: {e}")))?;
    Ok(())
}

/// Releases every lock of `holder` (and closes its RUNNING history rows) on a fresh connection.
pub fn release_all(db_path: &Path, holder: &str, busy: Duration, message: &str) -> Result<usize> {
    let mut conn = db::open(db_path)?;
    conn.set_busy_timeout(busy)?;
    let now = time::now_text();
    let tx = conn.write()?;
    let n = state::release_own(&tx, holder, &now, message)?;
    q::abandon_runs(&tx, None, holder, &now, message)?;
    tx.commit()?;
    Ok(n)
}
