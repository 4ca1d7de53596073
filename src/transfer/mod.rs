//! File transfer: FTP, FTPS, SFTP and local transports, and the file transfer job (JobDefDO 3).
//!
//! Reference: "FTP Pull / Scheduler / ExecutionBean Configuration" in the OpenPositions and
//! PaymentHistories chapters of "Reference - IOM ImpEx Interfaces". A `"ScheduleDO"` row with
//! `jobDefRef` 3 names a `"FileTransferConfigurationDO"` by `configId`; the connection
//! parameters are `"ExecutionBeanValueDO"` rows of the FTP communication partner (see
//! [`job`] for the lookup rule).
//!
//! - [`account`]: `pullFtpAccount` parsing, [`account::Secret`] passwords;
//! - [`Transport`]: one trait for every protocol, looked up by scheme in [`TRANSPORTS`]
//!   ([`ftp`] for FTP and FTPS, [`sftp`], [`local`]);
//! - [`ledger`]: the pull and deliver algorithms over the `"TransferFileDO"` ledger;
//! - [`state`]: the ledger states and their transitions;
//! - [`job`]: the [`crate::jobs::Job`] implementation.
pub mod account;
pub mod ftp;
pub mod job;
pub mod ledger;
pub mod local;
pub mod sftp;
pub use crate::db::state::transfer_file as state;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

pub use account::{Account, Scheme, Secret};

/// Buffer size of every copy loop (constant memory whatever the file size).
pub const BUF_SIZE: usize = 64 * 1024;
/// Default connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default timeout for any read or write on an open connection.
pub const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// One entry of a remote directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    pub name: String,
    pub size: u64,
    /// Modification time, seconds since the epoch (UTC), when the server says.
    pub mtime: Option<i64>,
    /// A regular file (directories, links and others are ignored).
    pub is_file: bool,
}

/// How bad a transfer error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Network: unreachable, timeout, connection lost. Try again later.
    Temporary,
    /// Needs a person: credentials, host key, missing directory, TLS certificate, bad option.
    Permanent,
    /// The file (not the connection) is the problem: missing, permission denied on one file.
    File,
}

/// A transfer error: its kind and an exact reason (never a password).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TransferError {
    pub kind: ErrorKind,
    pub message: String,
}

impl TransferError {
    pub fn temporary(m: impl Into<String>) -> Self {
        TransferError { kind: ErrorKind::Temporary, message: m.into() }
    }
    pub fn permanent(m: impl Into<String>) -> Self {
        TransferError { kind: ErrorKind::Permanent, message: m.into() }
    }
    pub fn file(m: impl Into<String>) -> Self {
        TransferError { kind: ErrorKind::File, message: m.into() }
    }
    /// Prefixes the message with what was being done.
    pub fn context(mut self, what: impl std::fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

pub type TResult<T> = Result<T, TransferError>;

/// Streams a local file (`input`) to a remote one in chunks of `buf`: `write(chunk, written so
/// far)` sends each chunk. A local read error is temporary. Returns the bytes copied.
pub(crate) fn copy_chunks(
    path: &str,
    input: &mut dyn std::io::Read,
    buf: &mut [u8],
    mut write: impl FnMut(&[u8], u64) -> TResult<()>,
) -> TResult<u64> {
    let mut n = 0u64;
    loop {
        let k = match input.read(buf) {
            Ok(0) => return Ok(n),
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(TransferError::temporary(format!("reading the local file for {path}: {e}"))),
        };
        write(&buf[..k], n)?;
        n += k as u64;
    }
}

/// Connection options from the `"ExecutionBeanValueDO"` rows (see README "File transfer").
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub connect_timeout: Duration,
    pub io_timeout: Duration,
    /// SFTP: `pullPrivateKeyFile`.
    pub private_key: Option<PathBuf>,
    /// SFTP: `pullPrivateKeyPassphrase`.
    pub passphrase: Option<Secret>,
    /// SFTP: `knownHostsFile` (default `~/.ssh/known_hosts`).
    pub known_hosts: Option<PathBuf>,
    /// SFTP: `acceptNewHostKey`.
    pub accept_new_host_key: bool,
    /// FTPS: `ftpsCaFile` (or env `IMPEX_FTPS_CA_FILE`).
    pub ca_file: Option<PathBuf>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            connect_timeout: CONNECT_TIMEOUT,
            io_timeout: IO_TIMEOUT,
            private_key: None,
            passphrase: None,
            known_hosts: None,
            accept_new_host_key: false,
            ca_file: None,
        }
    }
}

/// A connection to where files are. Paths are `/`-separated; `dir` arguments are directories as
/// configured (`pullDirectory`), `path` arguments are `dir/name`.
pub trait Transport {
    /// What this is connected to, e.g. `sftp://user@host:22` (never the password).
    fn describe(&self) -> String;
    /// Checks that `dir` exists and is a directory: a missing directory is Permanent.
    fn check_dir(&mut self, dir: &str) -> TResult<()>;
    /// The entries of `dir` (not recursive).
    fn list(&mut self, dir: &str) -> TResult<Vec<RemoteFile>>;
    /// Size and modification time of one file; `None` when it does not exist.
    fn stat(&mut self, path: &str) -> TResult<Option<RemoteFile>>;
    /// The modification time of one file (outer `None`: the file does not exist).
    fn mtime(&mut self, path: &str) -> TResult<Option<Option<i64>>> {
        Ok(self.stat(path)?.map(|s| s.mtime))
    }
    /// Streams the file into `out`; returns the number of bytes. `size_hint` (the listed size)
    /// lets a transport size its read-ahead.
    fn get(&mut self, path: &str, size_hint: Option<u64>, out: &mut dyn Write) -> TResult<u64>;
    /// Whether [`Transport::list`] reports size and mtime as exactly as [`Transport::stat`]
    /// (FTP's LIST has minutes at best, so FTP asks SIZE and MDTM).
    fn listing_is_exact(&self) -> bool {
        false
    }
    /// Stores `input` as `path` (overwriting); returns the number of bytes.
    fn put(&mut self, path: &str, input: &mut dyn Read) -> TResult<u64>;
    /// Renames `from` to `to`, replacing `to` if it exists.
    fn rename(&mut self, from: &str, to: &str) -> TResult<()>;
    /// Removes a file; a missing file is not an error.
    fn remove(&mut self, path: &str) -> TResult<()>;
}

/// A transport by scheme (litestream-style registry).
pub struct TransportDef {
    pub scheme: Scheme,
    pub connect: fn(&Account, &ConnectOptions) -> TResult<Box<dyn Transport>>,
}

/// Every transport impex knows.
pub static TRANSPORTS: &[TransportDef] = &[
    TransportDef { scheme: Scheme::Ftp, connect: ftp::connect },
    TransportDef { scheme: Scheme::Ftps, connect: ftp::connect },
    TransportDef { scheme: Scheme::Sftp, connect: sftp::connect },
    TransportDef { scheme: Scheme::Local, connect: local::connect },
];

/// Connects with the transport of the account's scheme.
pub fn connect(account: &Account, opts: &ConnectOptions) -> TResult<Box<dyn Transport>> {
    let def = TRANSPORTS
        .iter()
        .find(|t| t.scheme == account.scheme)
        .ok_or_else(|| TransferError::permanent(format!("no transport for {}", account.scheme.as_str())))?;
    (def.connect)(account, opts)
}

/// `dir/name` with exactly one `/` between.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Why a remote file name is unsafe to use as a local file name, if it is.
pub fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("empty file name")
    } else if name.contains('/') || name.contains('\\') {
        Some("file name contains a path separator")
    } else if name == "." || name == ".." || name.contains("..") {
        Some("file name contains `..`")
    } else if name.chars().any(|c| c.is_control()) {
        Some("file name contains control characters")
    } else {
        None
    }
}

/// Maps an I/O error of a network socket: timeouts and resets are temporary.
pub(crate) fn net_error(what: impl std::fmt::Display, e: &std::io::Error) -> TransferError {
    use std::io::ErrorKind as K;
    let m = format!("{what}: {e}");
    match e.kind() {
        K::TimedOut | K::WouldBlock => TransferError::temporary(format!("{what}: timed out ({e})")),
        K::ConnectionRefused | K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof
        | K::NotConnected | K::AddrNotAvailable | K::HostUnreachable | K::NetworkUnreachable | K::Interrupted => {
            TransferError::temporary(m)
        }
        _ => TransferError::temporary(m),
    }
}

/// Resolves `host:port` and connects with a timeout; errors are temporary and name the address.
pub(crate) fn tcp_connect(host: &str, port: u16, timeout: Duration) -> TResult<std::net::TcpStream> {
    use std::net::ToSocketAddrs;
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| TransferError::temporary(format!("cannot resolve {host}: {e}")))?
        .collect();
    let mut last = None;
    for a in &addrs {
        match std::net::TcpStream::connect_timeout(a, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => net_error(format!("cannot connect to {host}:{port}"), &e),
        None => TransferError::temporary(format!("{host} has no address")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names() {
        assert!(unsafe_name("OpenPositionsImport_1.xml").is_none());
        assert!(unsafe_name("../etc/passwd").is_some());
        assert!(unsafe_name("a/b").is_some());
        assert!(unsafe_name("..").is_some());
        assert!(unsafe_name("a\nb").is_some());
        assert!(unsafe_name("a\u{1b}b").is_some());
    }

    #[test]
    fn every_scheme_has_a_transport() {
        for s in [Scheme::Ftp, Scheme::Ftps, Scheme::Sftp, Scheme::Local] {
            assert!(TRANSPORTS.iter().any(|t| t.scheme == s));
        }
    }
}
