//! I/O plumbing of the pull: a writer that hashes what it writes, and a pipe that moves the
//! writes of large files to a thread (the O_DIRECT block writer) while the transport reads on.
use super::*;

/// Writes to a file while hashing (small files: no thread).
pub(super) struct HashingWriter {
    pub(super) file: std::fs::File,
    pub(super) hash: Sha256,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// From this size on, hashing and writing run on a second thread.
pub(super) const PIPE_MIN_SIZE: u64 = 1024 * 1024;

/// Writes to a file (around the page cache, see [`super::direct`]) and hashes on a second
/// thread, so that the network transfer, the hashing and the disk writes overlap. At most [`PIPE_DEPTH`] buffers are in flight (constant memory).
pub(super) struct PipeWriter {
    pub(super) tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    /// Buffers the worker has finished with, for reuse.
    pub(super) pool: std::sync::mpsc::Receiver<Vec<u8>>,
    pub(super) worker: Option<std::thread::JoinHandle<std::io::Result<(std::fs::File, Sha256)>>>,
}

pub(super) const PIPE_DEPTH: usize = 4;

impl PipeWriter {
    pub(super) fn new(file: std::fs::File) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(PIPE_DEPTH);
        let (ptx, prx) = std::sync::mpsc::channel::<Vec<u8>>();
        let worker = std::thread::spawn(move || {
            let mut out = crate::fs::direct::BlockWriter::new(file);
            let mut hash = Sha256::new();
            for buf in rx {
                hash.update(&buf);
                out.write_all(&buf)?;
                let _ = ptx.send(buf);
            }
            Ok((out.finish()?, hash))
        });
        PipeWriter { tx: Some(tx), pool: prx, worker: Some(worker) }
    }

    fn join(&mut self) -> std::io::Result<(std::fs::File, Sha256)> {
        drop(self.tx.take());
        match self.worker.take() {
            Some(w) => w.join().unwrap_or_else(|_| Err(std::io::Error::other("the writer thread panicked"))),
            None => Err(std::io::Error::other("the writer thread already ended")),
        }
    }

    /// Waits for every buffer to be written; returns the file and the hex SHA-256.
    pub(super) fn finish(mut self) -> std::io::Result<(std::fs::File, String)> {
        let (f, h) = self.join()?;
        Ok((f, hex::encode(h.finalize())))
    }
}

impl Write for PipeWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let mut buf = self.pool.try_recv().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(data);
        let sent = self.tx.as_ref().map(|tx| tx.send(buf).is_ok()).unwrap_or(false);
        if !sent {
            // The worker stopped: report its error.
            return Err(self.join().err().unwrap_or_else(|| std::io::Error::other("the writer thread ended")));
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        let _ = self.join();
    }
}


pub(super) fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; crate::transfer::BUF_SIZE];
    let mut n = 0u64;
    loop {
        let k = std::io::Read::read(&mut f, &mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex::encode(h.finalize())))
}

