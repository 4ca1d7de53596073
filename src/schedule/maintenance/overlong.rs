//! The over-long job watcher: a job of this process that runs longer than its lock allowance
//! (2 x `expectedRuntime`, at least 60 s; 1 h when NULL, see [`crate::schedule::lock`]) is
//! asked to stop at its next safe point (its cancel flag), once. Another process never takes a
//! live local holder's lock; this is how the holder ends an over-long run itself.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::warn;

/// A running job as the watcher sees it.
#[derive(Debug)]
pub struct Watched {
    pub key: String,
    pub started: Instant,
    pub allowance: Duration,
    pub cancel: Arc<AtomicBool>,
    /// Asked to stop already.
    pub warned: bool,
}

/// Asks every job over its allowance to stop (once each); returns the keys of those asked now.
pub fn run_once<'a>(running: impl IntoIterator<Item = &'a mut Watched>) -> Vec<String> {
    let mut asked = Vec::new();
    for r in running {
        if !r.warned && r.started.elapsed() > r.allowance {
            r.warned = true;
            r.cancel.store(true, Ordering::Relaxed);
            warn!(schedule = %r.key, allowance_s = r.allowance.as_secs(), "job runs longer than its allowance (2 x expectedRuntime, min 60 s, 1 h when NULL); asking it to stop");
            asked.push(r.key.clone());
        }
    }
    asked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_over_its_allowance_is_asked_to_stop_once() {
        let cancel = Arc::new(AtomicBool::new(false));
        let mut jobs = [
            Watched { key: "over".into(), started: Instant::now() - Duration::from_secs(2), allowance: Duration::from_secs(1), cancel: cancel.clone(), warned: false },
            Watched { key: "fine".into(), started: Instant::now(), allowance: Duration::from_secs(3600), cancel: Arc::default(), warned: false },
        ];
        assert_eq!(run_once(jobs.iter_mut()), ["over"]);
        assert!(cancel.load(Ordering::Relaxed));
        assert!(!jobs[1].cancel.load(Ordering::Relaxed));
        assert!(run_once(jobs.iter_mut()).is_empty(), "asked once only");
    }
}
