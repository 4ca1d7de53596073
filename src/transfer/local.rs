//! The local transport: `pullDirectory` (and `deliverRemoteDirectory`) are directories of this
//! machine. Used when `pullFtpAccount` is empty or missing, IOM's embedded default.
use std::io::{Read, Write};
use std::path::Path;

use super::{Account, ConnectOptions, RemoteFile, TResult, TransferError, Transport, BUF_SIZE};

pub struct Local;

pub fn connect(_account: &Account, _opts: &ConnectOptions) -> TResult<Box<dyn Transport>> {
    Ok(Box::new(Local))
}

fn io_err(what: &str, path: &str, e: std::io::Error) -> TransferError {
    let m = format!("{what} {path}: {e}");
    if e.kind() == std::io::ErrorKind::NotFound || e.kind() == std::io::ErrorKind::PermissionDenied {
        TransferError::file(m)
    } else {
        TransferError::temporary(m)
    }
}

fn mtime(md: &std::fs::Metadata) -> Option<i64> {
    md.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_secs() as i64)
}

impl Transport for Local {
    fn describe(&self) -> String {
        "local directory".into()
    }

    fn listing_is_exact(&self) -> bool {
        true
    }

    fn check_dir(&mut self, dir: &str) -> TResult<()> {
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(TransferError::permanent(format!("{dir} is not a directory"))),
            Err(e) => Err(TransferError::permanent(format!("directory {dir}: {e}"))),
        }
    }

    fn list(&mut self, dir: &str) -> TResult<Vec<RemoteFile>> {
        let rd = std::fs::read_dir(dir).map_err(|e| TransferError::permanent(format!("listing {dir}: {e}")))?;
        let mut out = Vec::new();
        for e in rd {
            let e = e.map_err(|e| io_err("listing", dir, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            // Symlinks are followed: a link to a regular file is a file.
            let md = match std::fs::metadata(e.path()) {
                Ok(m) => m,
                Err(_) => continue,
            };
            out.push(RemoteFile { name, size: md.len(), mtime: mtime(&md), is_file: md.is_file() });
        }
        Ok(out)
    }

    fn stat(&mut self, path: &str) -> TResult<Option<RemoteFile>> {
        match std::fs::metadata(path) {
            Ok(md) => Ok(Some(RemoteFile {
                name: Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                size: md.len(),
                mtime: mtime(&md),
                is_file: md.is_file(),
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("stat", path, e)),
        }
    }

    fn get(&mut self, path: &str, _size_hint: Option<u64>, out: &mut dyn Write) -> TResult<u64> {
        let mut f = std::fs::File::open(path).map_err(|e| io_err("opening", path, e))?;
        copy(&mut f, out).map_err(|e| io_err("reading", path, e))
    }

    fn put(&mut self, path: &str, input: &mut dyn Read) -> TResult<u64> {
        let mut f = std::fs::File::create(path).map_err(|e| io_err("creating", path, e))?;
        let n = copy(input, &mut f).map_err(|e| io_err("writing", path, e))?;
        f.sync_all().map_err(|e| io_err("syncing", path, e))?;
        Ok(n)
    }

    fn rename(&mut self, from: &str, to: &str) -> TResult<()> {
        std::fs::rename(from, to).map_err(|e| io_err("renaming to", &format!("{to} from {from}"), e))?;
        if let Some(d) = Path::new(to).parent() {
            if let Ok(d) = std::fs::File::open(d) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    fn remove(&mut self, path: &str) -> TResult<()> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("removing", path, e)),
        }
    }
}

/// Copies with a [`BUF_SIZE`] buffer.
pub fn copy(r: &mut dyn Read, w: &mut dyn Write) -> std::io::Result<u64> {
    let mut buf = vec![0u8; BUF_SIZE];
    let mut n = 0u64;
    loop {
        let k = match r.read(&mut buf) {
            Ok(0) => return Ok(n),
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        w.write_all(&buf[..k])?;
        n += k as u64;
    }
}
