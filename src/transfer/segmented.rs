//! Segmented download of a large file over two connections.
//!
//! libssh2 decrypts an SFTP stream with one call per 16-byte cipher block on one thread: on a
//! fast link that thread, not the network, limits a single download (a 1 GB pull over
//! loopback used a whole core for 5 s). For a file of at least [`MIN_SIZE`], a transport that
//! offers a second connection ([`super::Transport::reconnect`]) downloads it as [`CHUNK`]-sized
//! pieces, the even ones on the first connection and the odd ones on the second, each on its
//! own thread. A third thread takes the pieces strictly in file order, hashes them and writes
//! them (see [`super::direct`]), so the hash is the one of the whole stream and at most a few
//! pieces are in memory. When the second connection cannot be opened (a server that allows one
//! session per user), the file is downloaded as one stream as before.
use std::fs::File;
use std::io::Write;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

use sha2::{Digest, Sha256};

use super::{TResult, TransferError, Transport};

/// Files from this size on are downloaded in segments (when the transport can).
pub const MIN_SIZE: u64 = 64 * 1024 * 1024;
/// Bytes per piece.
pub const CHUNK: u64 = 4 * 1024 * 1024;

/// Downloads `path` (`size` bytes) into `file` over `t` and `second`; returns the bytes, the
/// file (not yet synced) and the hex SHA-256 of the content.
pub fn download(
    t: &mut dyn Transport,
    mut second: Box<dyn Transport + Send>,
    path: &str,
    size: u64,
    file: File,
) -> TResult<(u64, File, String)> {
    let pieces = size.div_ceil(CHUNK);
    std::thread::scope(|scope| {
        let (tx_even, rx_even) = sync_channel::<Vec<u8>>(0);
        let (tx_odd, rx_odd) = sync_channel::<Vec<u8>>(0);
        let (back_even, pool_even) = channel::<Vec<u8>>();
        let (back_odd, pool_odd) = channel::<Vec<u8>>();
        let writer = scope.spawn(move || -> std::io::Result<(u64, File, Sha256)> {
            let mut out = crate::fs::direct::BlockWriter::new(file);
            let mut hash = Sha256::new();
            let mut n = 0u64;
            for i in 0..pieces {
                let (rx, back) = if i % 2 == 0 { (&rx_even, &back_even) } else { (&rx_odd, &back_odd) };
                let Ok(buf) = rx.recv() else {
                    return Err(std::io::Error::other("the download stopped"));
                };
                hash.update(&buf);
                out.write_all(&buf)?;
                n += buf.len() as u64;
                let _ = back.send(buf);
            }
            Ok((n, out.finish()?, hash))
        });
        let helper = scope.spawn(move || fetch(&mut *second, path, size, 1, tx_odd, pool_odd));
        let first = fetch(t, path, size, 0, tx_even, pool_even);
        let second = helper.join().unwrap_or_else(|_| Err(TransferError::temporary("the second download thread panicked")));
        let written = writer.join().unwrap_or_else(|_| Err(std::io::Error::other("the writer thread panicked")));
        // A failed download explains more than the writer's "stopped".
        first?;
        second?;
        let (n, file, hash) = written.map_err(|e| TransferError::temporary(format!("writing the local copy of {path}: {e}")))?;
        Ok((n, file, hex::encode(hash.finalize())))
    })
}

/// Downloads every second piece from `first` on and hands them to the writer in order.
fn fetch(
    t: &mut dyn Transport,
    path: &str,
    size: u64,
    first: u64,
    out: SyncSender<Vec<u8>>,
    pool: Receiver<Vec<u8>>,
) -> TResult<()> {
    let mut i = first;
    while i * CHUNK < size {
        let offset = i * CHUNK;
        let len = CHUNK.min(size - offset) as usize;
        let mut buf = pool.try_recv().unwrap_or_default();
        buf.resize(len, 0);
        t.read_at(path, offset, &mut buf)?;
        if out.send(buf).is_err() {
            return Ok(()); // the writer stopped; it says why
        }
        i += 2;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::sync::Arc;

    /// A file in memory: unit tests of the piece order, not of a protocol.
    struct Memory {
        data: Arc<Vec<u8>>,
        /// read_at fails from this offset on (a broken connection).
        fail_from: Option<u64>,
    }

    impl Transport for Memory {
        fn describe(&self) -> String {
            "memory".into()
        }
        fn check_dir(&mut self, _: &str) -> TResult<()> {
            Ok(())
        }
        fn list(&mut self, _: &str) -> TResult<Vec<super::super::RemoteFile>> {
            Ok(vec![])
        }
        fn stat(&mut self, _: &str) -> TResult<Option<super::super::RemoteFile>> {
            Ok(None)
        }
        fn get(&mut self, _: &str, _: Option<u64>, _: &mut dyn Write) -> TResult<u64> {
            unreachable!()
        }
        fn read_at(&mut self, _: &str, offset: u64, buf: &mut [u8]) -> TResult<()> {
            if self.fail_from.is_some_and(|f| offset >= f) {
                return Err(TransferError::temporary("connection reset"));
            }
            buf.copy_from_slice(&self.data[offset as usize..offset as usize + buf.len()]);
            Ok(())
        }
        fn put(&mut self, _: &str, _: &mut dyn std::io::Read) -> TResult<u64> {
            unreachable!()
        }
        fn rename(&mut self, _: &str, _: &str) -> TResult<()> {
            Ok(())
        }
        fn remove(&mut self, _: &str) -> TResult<()> {
            Ok(())
        }
    }

    #[test]
    fn pieces_come_together_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let c = CHUNK as usize;
        for size in [1, c - 1, c, c + 1, 2 * c, 3 * c + 12_345, 6 * c] {
            let data: Arc<Vec<u8>> = Arc::new((0..size).map(|i| (i % 251) as u8 ^ (i / c) as u8).collect());
            let path = dir.path().join(format!("f{size}"));
            let mut first = Memory { data: data.clone(), fail_from: None };
            let second = Box::new(Memory { data: data.clone(), fail_from: None });
            let (n, file, hash) = download(&mut first, second, "x", size as u64, File::create(&path).unwrap()).unwrap();
            drop(file);
            assert_eq!(n, size as u64);
            assert_eq!(hash, hex::encode(Sha256::digest(&*data)), "size {size}");
            let mut back = Vec::new();
            File::open(&path).unwrap().read_to_end(&mut back).unwrap();
            assert!(back == *data, "content of size {size}");
        }
    }

    #[test]
    fn a_broken_connection_fails_the_download_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let size = 5 * CHUNK as usize + 7;
        let data: Arc<Vec<u8>> = Arc::new(vec![7u8; size]);
        for (first_fails, second_fails) in [(Some(2 * CHUNK), None), (None, Some(3 * CHUNK)), (Some(0), Some(CHUNK))] {
            let mut first = Memory { data: data.clone(), fail_from: first_fails };
            let second = Box::new(Memory { data: data.clone(), fail_from: second_fails });
            let err = download(&mut first, second, "x", size as u64, File::create(dir.path().join("f")).unwrap()).unwrap_err();
            assert_eq!(err.message, "connection reset");
        }
    }
}
