//! The threads the scheduler's jobs run on: up to `max_jobs` workers, started when a job finds
//! none idle and then kept, fed over a channel. Starting a thread per job cost about 45 µs
//! of the scheduler loop's time per job (docs/performance.md, "Scheduler"): with 1,000
//! schedules due at once, that alone was a third of the last one's wait.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

type Work = Box<dyn FnOnce() + Send + 'static>;

pub struct Pool {
    work: Sender<Work>,
    queue: Arc<Mutex<Receiver<Work>>>,
    idle: Arc<AtomicUsize>,
    workers: usize,
    max: usize,
}

impl Pool {
    pub fn new(max: usize) -> Pool {
        let (work, rx) = channel();
        Pool { work, queue: Arc::new(Mutex::new(rx)), idle: Arc::new(AtomicUsize::new(0)), workers: 0, max: max.max(1) }
    }

    /// Runs `f` on an idle worker, or on a new one while there are fewer than `max`. The
    /// caller runs at most `max` at a time, so a piece of work never waits long for a worker.
    pub fn run(&mut self, f: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        if self.idle.load(Ordering::Acquire) == 0 && self.workers < self.max {
            let queue = Arc::clone(&self.queue);
            let idle = Arc::clone(&self.idle);
            std::thread::Builder::new().name(format!("job-worker-{}", self.workers + 1)).spawn(move || loop {
                idle.fetch_add(1, Ordering::AcqRel);
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                idle.fetch_sub(1, Ordering::AcqRel);
                match next {
                    Ok(work) => work(),
                    Err(_) => return, // the pool is gone
                }
            })?;
            self.workers += 1;
        }
        self.work.send(Box::new(f)).map_err(|_| std::io::Error::other("the job workers are gone"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_on_at_most_max_threads() {
        let mut pool = Pool::new(3);
        let (tx, rx) = channel();
        for i in 0..20 {
            let tx = tx.clone();
            pool.run(move || {
                tx.send((i, std::thread::current().name().unwrap_or_default().to_string())).unwrap();
            })
            .unwrap();
        }
        let mut got: Vec<(i32, String)> = (0..20).map(|_| rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap()).collect();
        got.sort();
        assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), (0..20).collect::<Vec<_>>());
        assert!(pool.workers <= 3 && got.iter().all(|g| g.1.starts_with("job-worker-")), "{got:?}");
    }
}
