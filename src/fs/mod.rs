//! Files on the local disk, below every component that writes them: the base directory layout
//! ([`paths`]), atomic writes ([`atomic`]), the `O_DIRECT` block writer for large files
//! ([`direct`]) and making a batch of files durable ([`sync_file_system`]).
pub mod atomic;
pub mod direct;
pub mod paths;

pub use atomic::write_atomic;

use std::fs::File;
use std::path::Path;

/// Makes the data and directory entries of files written into `dir` durable with one flush of
/// the whole file system (`syncfs`, Linux). Returns false where that is not available or
/// failed: the caller then syncs each file and the directory itself.
pub fn sync_file_system(dir: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let Ok(d) = File::open(dir) else { return false };
        // SAFETY: syncfs only reads the descriptor, which `d` keeps open during the call.
        unsafe { libc::syncfs(d.as_raw_fd()) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        false
    }
}

/// Makes `files` and their directory `dir` durable: one [`sync_file_system`] when `many`, else
/// (or where that fails) an fsync of each file and one of `dir` (cheaper when other processes
/// have much unwritten data).
pub fn sync_files<'a>(dir: &Path, many: bool, files: impl IntoIterator<Item = &'a Path>) -> std::io::Result<()> {
    if many && sync_file_system(dir) {
        return Ok(());
    }
    for f in files {
        File::open(f)
            .and_then(|h| h.sync_all())
            .map_err(|e| std::io::Error::new(e.kind(), format!("syncing {}: {e}", f.display())))?;
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| std::io::Error::new(e.kind(), format!("syncing {}: {e}", dir.display())))
}
