//! Early writeback of the WAL and the database file during long writes.
//!
//! A bulk import writes its pages into the WAL (`<db>-wal`) through the page cache, and Linux
//! leaves them there (dirty) until the commit's `fsync` has to write all of them at once: for
//! the 200,000-position benchmark file about 35 MB, written while the import waits; the
//! checkpoint then copies them into the database file and waits for its `fsync` the same way.
//! A [`WalWriteback`] asks the kernel every few milliseconds to start writing the dirty pages of
//! both files (`sync_file_range(SYNC_FILE_RANGE_WRITE)`: it starts the I/O and returns, it does
//! not wait for it), so the disk works while the import parses and inserts, and the `fsync`s
//! only have the last pages to wait for (bench/import.sh: the commit's `fsync` 15 -> 4 ms, the
//! checkpoint's 12 -> 5 ms). Durability is unchanged: SQLite still `fsync`s as before.
//! Elsewhere than on Linux it does nothing.
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the dirty pages are handed to the disk (a call costs microseconds when there are
/// none).
const EVERY: Duration = Duration::from_millis(5);

/// See the module documentation; stops when dropped.
pub struct WalWriteback {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The WAL file of the database at `db`.
pub fn wal_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    PathBuf::from(p)
}

impl WalWriteback {
    /// Starts handing the dirty pages of `db` and its WAL to the disk (a file that does not
    /// exist yet is opened once it does).
    pub fn start(db: &Path) -> WalWriteback {
        let (stop, stopped) = mpsc::channel::<()>();
        let (wal, db) = (wal_path(db), db.to_path_buf());
        let thread = std::thread::Builder::new()
            .name("impex-writeback".into())
            .spawn(move || {
                let mut files: [(PathBuf, Option<std::fs::File>); 2] = [(wal, None), (db, None)];
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    for (path, file) in &mut files {
                        if file.is_none() {
                            *file = std::fs::File::open(&*path).ok();
                        }
                        if let Some(f) = file {
                            start_writeback(f);
                        }
                    }
                }
            })
            .ok();
        WalWriteback { stop: Some(stop), thread }
    }
}

impl Drop for WalWriteback {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(target_os = "linux")]
fn start_writeback(f: &std::fs::File) {
    use std::os::fd::AsRawFd;
    // SAFETY: a valid open descriptor; the call only starts I/O of the file's dirty pages.
    unsafe {
        libc::sync_file_range(f.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_f: &std::fs::File) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_path_is_beside_the_database() {
        assert_eq!(wal_path(Path::new("/var/lib/impex/impex.db")), PathBuf::from("/var/lib/impex/impex.db-wal"));
    }

    /// The Dirty pages of the system (kB, /proc/meminfo).
    fn dirty_kb() -> Option<u64> {
        let m = std::fs::read_to_string("/proc/meminfo").ok()?;
        m.lines().find_map(|l| l.strip_prefix("Dirty:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// 64 MB written into a WAL stay dirty in the page cache (Linux writes them back after 30 s
    /// on its own); with a [`WalWriteback`] running they reach the disk within seconds. Stopping
    /// it (drop) returns promptly.
    #[test]
    fn dirty_wal_pages_are_written_back_early() {
        // under target/ (a disk file system: tmpfs pages are never "dirty"; ignored by git)
        let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        std::fs::create_dir_all(&target).unwrap();
        let dir = tempfile::tempdir_in(&target).unwrap();
        let db = dir.path().join("t.db");
        let before = dirty_kb().unwrap_or(0);
        std::fs::write(wal_path(&db), vec![7u8; 64 << 20]).unwrap();
        let written = dirty_kb().unwrap_or(0);
        if written < before + 32 * 1024 {
            eprintln!("skipped: this file system does not keep written pages dirty (Dirty {before} -> {written} kB)");
            return;
        }
        let w = WalWriteback::start(&db);
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while dirty_kb().unwrap_or(0) + 32 * 1024 > written {
            assert!(std::time::Instant::now() < deadline, "the WAL's pages are still dirty: {} kB", dirty_kb().unwrap_or(0));
            std::thread::sleep(Duration::from_millis(10));
        }
        let stop = std::time::Instant::now();
        drop(w);
        assert!(stop.elapsed() < Duration::from_secs(1));
        assert_eq!(std::fs::metadata(wal_path(&db)).unwrap().len(), 64 << 20);
    }
}
