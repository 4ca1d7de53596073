//! Files given to `impex import FILE...`: copied into the transform directory while they are
//! imported.
//!
//! A given file is imported from where it is (it stays there) while a thread copies it into
//! `in/` under a hidden temporary name (`.NAME.PID.tmp`, invisible to the pipeline), so that the
//! copy does not add to the import's time. Before the file's transaction commits, the complete copy
//! is renamed to `in/NAME`, with the original's modification time; from there it moves to
//! `done/` or `error/` as any file of the directory. So the states a kill can leave are those of
//! a file pulled into `in/`: uncommitted and not yet in `in/` (only the temporary file, removed by
//! the next run, and the original, which the user imports again), uncommitted in `in/` (the next
//! run imports it), or committed in `in/` (the next run moves it to `done/`).
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

/// A copy of one given file on its way into `in/`.
pub struct Copy {
    thread: Option<JoinHandle<io::Result<()>>>,
    source: PathBuf,
    tmp: PathBuf,
    target: PathBuf,
}

impl Copy {
    /// Starts copying `source` to `target` (in `in/`) through a hidden temporary file beside it.
    pub fn start(source: &Path, target: &Path) -> io::Result<Copy> {
        let dir = target.parent().unwrap_or(Path::new("."));
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let tmp = crate::fs::atomic::temporary_path(dir, &name);
        let mut from = File::open(source)?;
        let mut to = File::create(&tmp)?;
        let thread = std::thread::Builder::new().name("impex-copy".into()).spawn(move || -> io::Result<()> {
            io::copy(&mut from, &mut to)?;
            let f = to;
            if let Ok(m) = from.metadata().and_then(|m| m.modified()) {
                f.set_modified(m)?;
            }
            Ok(())
        });
        match thread {
            Ok(thread) => Ok(Copy { thread: Some(thread), source: source.to_path_buf(), tmp, target: target.to_path_buf() }),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Waits for the copy and renames it to its place in `in/`; on failure the temporary file
    /// is removed and the error names both files.
    pub fn finish(mut self) -> Result<(), String> {
        let done = self.wait();
        let res = done.and_then(|()| std::fs::rename(&self.tmp, &self.target));
        res.map_err(|e| {
            let _ = std::fs::remove_file(&self.tmp);
            format!("cannot copy {} to {}: {e}", self.source.display(), self.target.display())
        })
    }

    fn wait(&mut self) -> io::Result<()> {
        match self.thread.take() {
            Some(t) => t.join().unwrap_or_else(|_| Err(io::Error::other("the copying thread panicked"))),
            None => Ok(()),
        }
    }
}

/// A copy given up (the import stopped before it was needed): its temporary file is removed.
impl Drop for Copy {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.wait();
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
