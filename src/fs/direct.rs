//! Writing a large pulled file around the page cache.
//!
//! A buffered write copies every byte into the page cache, and the `fsync` before the rename
//! then has the whole file to flush: on the development machine a 1 GB file cost 3 s that way
//! (`dd conv=fsync`) against 1 s with `O_DIRECT` (`dd oflag=direct`), and the copies competed
//! for the CPU with the decryption of the SFTP stream. [`BlockWriter`] collects the bytes in an
//! aligned buffer and writes whole blocks with `O_DIRECT` (Linux); the last partial block is
//! written normally after `O_DIRECT` is switched off again. A file system that refuses
//! `O_DIRECT` (tmpfs, some network file systems) gets ordinary writes.
use std::fs::File;
use std::io::{self, Write};

/// Bytes per direct write (a multiple of any logical block size).
const BLOCK: usize = 2 * 1024 * 1024;
/// Alignment of buffer, length and file offset of direct writes.
const ALIGN: usize = 4096;

/// See the module documentation.
pub struct BlockWriter {
    file: File,
    direct: bool,
    /// Bytes written to the file so far (direct writes are positioned).
    offset: u64,
    /// Tests: the next direct write fails with EINVAL, as on a file system that accepts the
    /// flag but not the writes.
    #[cfg(test)]
    refuse_next_direct_write: bool,
    /// `BLOCK + ALIGN` bytes; the block starts at `start` (aligned in memory).
    mem: Vec<u8>,
    start: usize,
    len: usize,
}

impl BlockWriter {
    /// A writer for `file`, which must be empty and opened for writing.
    pub fn new(file: File) -> BlockWriter {
        let direct = set_direct(&file, true).is_ok();
        let (mem, start) = if direct {
            let mem = vec![0u8; BLOCK + ALIGN];
            let start = mem.as_ptr().align_offset(ALIGN);
            (mem, start)
        } else {
            (Vec::new(), 0)
        };
        BlockWriter {
            file,
            direct,
            offset: 0,
            #[cfg(test)]
            refuse_next_direct_write: false,
            mem,
            start,
            len: 0,
        }
    }

    /// Whether the file is (still) written with `O_DIRECT`.
    #[cfg(test)]
    pub fn is_direct(&self) -> bool {
        self.direct
    }

    fn block(&mut self) -> &mut [u8] {
        &mut self.mem[self.start..self.start + BLOCK]
    }

    /// Writes what is buffered; the whole of it when `all`, else only whole aligned blocks.
    fn flush_buffer(&mut self, all: bool) -> io::Result<()> {
        let aligned = self.len / ALIGN * ALIGN;
        if aligned > 0 {
            let (start, len) = (self.start, self.len);
            self.write_at_offset(start, aligned)?;
            self.mem.copy_within(start + aligned..start + len, start);
            self.len -= aligned;
        }
        if all && self.len > 0 {
            // the tail is not a whole block: O_DIRECT off for the rest of the file
            self.buffered_from_here()?;
            let (start, len) = (self.start, self.len);
            self.write_at_offset(start, len)?;
            self.len = 0;
        }
        Ok(())
    }

    /// Writes `mem[from..from + n]` at the current offset. A file system that accepted
    /// `O_DIRECT` when it was switched on but refuses the write (`EINVAL`) gets it again as an
    /// ordinary write, and ordinary writes from then on.
    fn write_at_offset(&mut self, from: usize, n: usize) -> io::Result<()> {
        use std::os::unix::fs::FileExt;
        #[cfg(test)]
        let refused = std::mem::take(&mut self.refuse_next_direct_write) && self.direct;
        #[cfg(not(test))]
        let refused = false;
        let res = if refused {
            Err(io::Error::from_raw_os_error(libc::EINVAL))
        } else {
            self.file.write_all_at(&self.mem[from..from + n], self.offset)
        };
        match res {
            Err(e) if self.direct && e.raw_os_error() == Some(libc::EINVAL) => {
                self.buffered_from_here()?;
                self.file.write_all_at(&self.mem[from..from + n], self.offset)?;
            }
            r => r?,
        }
        self.offset += n as u64;
        Ok(())
    }

    /// Switches `O_DIRECT` off (writes stay positioned at `offset`); the file position is set
    /// to the bytes written so far, for whoever gets the file.
    fn buffered_from_here(&mut self) -> io::Result<()> {
        use std::io::{Seek, SeekFrom};
        if self.direct {
            set_direct(&self.file, false)?;
            self.direct = false;
        }
        self.file.seek(SeekFrom::Start(self.offset))?;
        Ok(())
    }

    /// Writes the rest and returns the file (not yet synced), positioned at its end.
    pub fn finish(mut self) -> io::Result<File> {
        self.flush_buffer(true)?;
        self.buffered_from_here()?;
        Ok(self.file)
    }
}

impl Write for BlockWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if !self.direct {
            // a switch to ordinary writes happens only with an empty buffer (after a whole block)
            debug_assert_eq!(self.len, 0);
            // positioned like the direct writes; `finish` leaves the file position at the end
            std::os::unix::fs::FileExt::write_all_at(&self.file, data, self.offset)?;
            self.offset += data.len() as u64;
            return Ok(data.len());
        }
        let len = self.len;
        let n = data.len().min(BLOCK - len);
        self.block()[len..len + n].copy_from_slice(&data[..n]);
        self.len += n;
        if self.len == BLOCK {
            self.flush_buffer(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: F_GETFL/F_SETFL only read and set the status flags of the descriptor, which
    // `file` keeps open for the duration of the calls.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 {
            return Err(io::Error::last_os_error());
        }
        let flags = if on { flags | libc::O_DIRECT } else { flags & !libc::O_DIRECT };
        if libc::fcntl(fd, libc::F_SETFL, flags) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, on: bool) -> io::Result<()> {
    if on {
        Err(io::Error::new(io::ErrorKind::Unsupported, "O_DIRECT is used on Linux only"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Every length around the block and alignment boundaries, written in uneven pieces,
    /// comes back byte for byte.
    #[test]
    fn writes_any_length_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..(2 * BLOCK + 3 * ALIGN + 17)).map(|i| (i * 7 + i / 251) as u8).collect();
        for &len in &[0, 1, ALIGN - 1, ALIGN, ALIGN + 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + ALIGN, data.len()] {
            let path = dir.path().join(format!("f{len}"));
            let mut w = BlockWriter::new(File::create(&path).unwrap());
            if len == 0 && !w.is_direct() {
                eprintln!("{}: no O_DIRECT on this file system; testing ordinary writes", dir.path().display());
            }
            // every second length: the file system refuses the first direct write
            w.refuse_next_direct_write = len % 2 == 1;
            for piece in data[..len].chunks(100_003) {
                w.write_all(piece).unwrap();
            }
            let mut f = w.finish().unwrap();
            f.sync_all().unwrap();
            f.write_all(b"").unwrap();
            let mut back = Vec::new();
            File::open(&path).unwrap().read_to_end(&mut back).unwrap();
            assert_eq!(back.len(), len, "length {len}");
            assert!(back == data[..len], "content of length {len}");
        }
    }
}
