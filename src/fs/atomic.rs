//! Atomic file writing: a temporary name in the same directory, then a rename.
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary name in the same directory, fsync, rename,
/// fsync of the directory. A reader never sees half a file.
///
/// A writer killed before its rename leaves its `.NAME.PID.tmp`; the next write into the same
/// directory removes such files of processes that no longer run (found by the soak test: a
/// `kill -9` while an import wrote `error/<file>.error.txt` left the temporary file for good).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    remove_dead_temporaries(dir);
    let tmp = temporary_path(dir, &name);
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// This process's temporary file for `dir/name`: `dir/.<name>.<pid>.tmp`, the name that
/// [`remove_dead_temporaries`] recognizes once the process is gone.
pub(crate) fn temporary_path(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(format!(".{name}.{}.tmp", std::process::id()))
}

/// Removes `.<name>.<pid>.tmp` files of [`write_atomic`] in `dir` whose process is gone (Linux:
/// no `/proc/<pid>`). Files of running processes (and of this one) are left alone.
pub(crate) fn remove_dead_temporaries(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let f = e.file_name();
        let Some(f) = f.to_str() else { continue };
        let Some(rest) = f.strip_prefix('.').and_then(|r| r.strip_suffix(".tmp")) else { continue };
        let Some(pid) = rest.rsplit('.').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if rest.len() > pid.to_string().len() && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (soak test, issue 7): temporary files of a writer killed before its rename are
    /// removed by the next write; those of running processes stay.
    #[test]
    fn write_atomic_removes_temporaries_of_dead_writers() {
        let d = tempfile::tempdir().unwrap();
        let dead = d.path().join(".a.xml.error.txt.999999999.tmp"); // above Linux's pid_max
        let live = d.path().join(".b.xml.1.tmp"); // pid 1 always runs
        let other = d.path().join(".notes.tmp");
        for p in [&dead, &live, &other] {
            std::fs::write(p, "x").unwrap();
        }
        write_atomic(&d.path().join("c.xml"), b"<c/>").unwrap();
        assert_eq!(std::fs::read(d.path().join("c.xml")).unwrap(), b"<c/>");
        assert!(!dead.exists(), "the dead writer's temporary file is removed");
        assert!(live.exists() && other.exists());
        let own = d.path().join(format!(".c.xml.{}.tmp", std::process::id()));
        assert!(!own.exists());
    }
}
