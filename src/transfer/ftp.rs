//! FTP and FTPS (explicit TLS, `AUTH TLS`) with suppaftp.
//!
//! - binary transfer type (suppaftp defaults to ASCII, which would alter files);
//! - EPSV first, PASV when the server does not understand EPSV;
//! - a connect timeout on the control AND the passive data connections (suppaftp's default data
//!   connection has none), and read/write timeouts on both;
//! - FTPS uses rustls with ONE shared `ClientConfig` per CA file, so the data connections resume
//!   the control connection's TLS session (vsftpd's default `require_ssl_reuse=YES` demands
//!   it). Trusted roots: `/etc/ssl/certs/ca-certificates.crt` when present, plus `ftpsCaFile`
//!   (or env `IMPEX_FTPS_CA_FILE`) for self-signed or private CAs.
//! - FTPS speaks TLS 1.2: rustls uses each TLS 1.3 session ticket once, and a data connection
//!   that only writes (STOR) never reads the fresh tickets, so after two uploads there is no
//!   ticket left and vsftpd refuses the data connection ("522 session reuse required"). A TLS 1.2
//!   session can be resumed by every data connection.
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use suppaftp::types::FileType;
use suppaftp::{FtpError, FtpStream, Mode, RustlsConnector, RustlsFtpStream};

use super::{Account, ConnectOptions, RemoteFile, Scheme, TResult, TransferError, Transport, BUF_SIZE};

enum Ctl {
    Plain(FtpStream),
    Tls(RustlsFtpStream),
}

/// Runs `$body` with `$f` bound to the inner stream, whatever its TLS type.
macro_rules! with {
    ($self:expr, $f:ident => $body:expr) => {
        match &mut $self.ctl {
            Ctl::Plain($f) => $body,
            Ctl::Tls($f) => $body,
        }
    };
}

pub struct Ftp {
    ctl: Ctl,
    desc: String,
    /// false once the server refused EPSV.
    epsv: bool,
}

/// The system CA bundle read for FTPS.
const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// One TLS configuration per CA file, shared by every connection (TLS session resumption).
type ConfigCache = Mutex<Vec<(Option<PathBuf>, Arc<rustls::ClientConfig>)>>;

fn tls_config(ca_file: Option<&Path>) -> TResult<Arc<rustls::ClientConfig>> {
    static CONFIGS: OnceLock<ConfigCache> = OnceLock::new();
    let cache = CONFIGS.get_or_init(|| Mutex::new(Vec::new()));
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    let key = ca_file.map(Path::to_path_buf);
    if let Some((_, c)) = cache.iter().find(|(k, _)| *k == key) {
        return Ok(Arc::clone(c));
    }
    let mut roots = rustls::RootCertStore::empty();
    if Path::new(SYSTEM_CA_BUNDLE).exists() {
        for c in read_certs(Path::new(SYSTEM_CA_BUNDLE))? {
            let _ = roots.add(c);
        }
    }
    if let Some(f) = ca_file {
        let certs = read_certs(f)?;
        if certs.is_empty() {
            return Err(TransferError::permanent(format!("ftpsCaFile {}: no PEM certificate in it", f.display())));
        }
        for c in certs {
            roots
                .add(c)
                .map_err(|e| TransferError::permanent(format!("ftpsCaFile {}: {e}", f.display())))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .map_err(|e| TransferError::permanent(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let config = Arc::new(config);
    cache.push((key, Arc::clone(&config)));
    Ok(config)
}

fn read_certs(path: &Path) -> TResult<Vec<rustls::pki_types::CertificateDer<'static>>> {
    let f = std::fs::File::open(path).map_err(|e| TransferError::permanent(format!("CA file {}: {e}", path.display())))?;
    rustls_pemfile::certs(&mut std::io::BufReader::new(f))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TransferError::permanent(format!("CA file {}: {e}", path.display())))
}

/// Maps a suppaftp error; `file_kind` is the kind of a 55x reply (file or permanent).
fn map(e: FtpError, what: &str, file_kind: super::ErrorKind) -> TransferError {
    match e {
        // rustls reports certificate and protocol failures as InvalidData I/O errors.
        FtpError::ConnectionError(io) if io.get_ref().is_some_and(|i| i.downcast_ref::<rustls::Error>().is_some()) => {
            TransferError::permanent(format!("{what}: TLS: {io}"))
        }
        FtpError::ConnectionError(io) => super::net_error(what, &io),
        FtpError::SecureError(s) => TransferError::permanent(format!("{what}: TLS: {s}")),
        FtpError::UnexpectedResponse(r) => {
            let code = r.status.code();
            let text = String::from_utf8_lossy(&r.body).trim().to_string();
            let m = format!("{what}: server replied {text}");
            match code {
                421 | 425 | 426 | 450 | 451 | 452 => TransferError::temporary(m),
                430 | 530 => TransferError::permanent(m),
                550..=553 => TransferError { kind: file_kind, message: m },
                _ => TransferError::permanent(m),
            }
        }
        FtpError::BadResponse => TransferError::temporary(format!("{what}: malformed reply from the server")),
        other => TransferError::temporary(format!("{what}: {other}")),
    }
}

fn is_epsv_refused(e: &FtpError) -> bool {
    matches!(e, FtpError::UnexpectedResponse(r) if matches!(r.status.code(), 500 | 501 | 502 | 504))
}

fn builder(connect: Duration, io: Duration) -> impl Fn(std::net::SocketAddr) -> suppaftp::FtpResult<std::net::TcpStream> + Send + Sync + 'static {
    move |addr| {
        let s = std::net::TcpStream::connect_timeout(&addr, connect).map_err(FtpError::ConnectionError)?;
        s.set_read_timeout(Some(io)).map_err(FtpError::ConnectionError)?;
        s.set_write_timeout(Some(io)).map_err(FtpError::ConnectionError)?;
        Ok(s)
    }
}

pub fn connect(account: &Account, opts: &ConnectOptions) -> TResult<Box<dyn Transport>> {
    let desc = account.to_string();
    let sock = super::tcp_connect(&account.host, account.port, opts.connect_timeout)?;
    let _ = sock.set_nodelay(true);
    sock.set_read_timeout(Some(opts.io_timeout)).map_err(|e| super::net_error(&desc, &e))?;
    sock.set_write_timeout(Some(opts.io_timeout)).map_err(|e| super::net_error(&desc, &e))?;
    let password = account.password.as_ref().map(|p| p.expose()).unwrap_or("");
    let ctl = match account.scheme {
        Scheme::Ftp => {
            let mut s = FtpStream::connect_with_stream(sock)
                .map_err(|e| map(e, &format!("{desc}: greeting"), super::ErrorKind::Permanent))?
                .passive_stream_builder(builder(opts.connect_timeout, opts.io_timeout));
            s.login(account.user.as_str(), password)
                .map_err(|e| map(e, &format!("{desc}: login as {}", account.user), super::ErrorKind::Permanent))?;
            s.transfer_type(FileType::Binary).map_err(|e| map(e, &format!("{desc}: TYPE I"), super::ErrorKind::Permanent))?;
            s.set_mode(Mode::ExtendedPassive);
            Ctl::Plain(s)
        }
        Scheme::Ftps => {
            let ca = opts.ca_file.clone().or_else(|| std::env::var_os("IMPEX_FTPS_CA_FILE").map(PathBuf::from));
            let config = tls_config(ca.as_deref())?;
            let s = RustlsFtpStream::connect_with_stream(sock)
                .map_err(|e| map(e, &format!("{desc}: greeting"), super::ErrorKind::Permanent))?
                .passive_stream_builder(builder(opts.connect_timeout, opts.io_timeout));
            let mut s = s
                .into_secure(RustlsConnector::from(config), &account.host)
                .map_err(|e| map(e, &format!("{desc}: AUTH TLS"), super::ErrorKind::Permanent))?;
            s.login(account.user.as_str(), password)
                .map_err(|e| map(e, &format!("{desc}: login as {}", account.user), super::ErrorKind::Permanent))?;
            s.transfer_type(FileType::Binary).map_err(|e| map(e, &format!("{desc}: TYPE I"), super::ErrorKind::Permanent))?;
            s.set_mode(Mode::ExtendedPassive);
            Ctl::Tls(s)
        }
        other => return Err(TransferError::permanent(format!("ftp transport cannot handle {}", other.as_str()))),
    };
    Ok(Box::new(Ftp { ctl, desc, epsv: true }))
}

impl Ftp {
    /// Runs a data command, falling back from EPSV to PASV once if the server refuses EPSV.
    fn data<R>(&mut self, mut f: impl FnMut(&mut Self) -> Result<R, FtpError>) -> Result<R, FtpError> {
        match f(self) {
            Err(e) if self.epsv && is_epsv_refused(&e) => {
                self.epsv = false;
                with!(self, s => s.set_mode(Mode::Passive));
                f(self)
            }
            r => r,
        }
    }
}

fn mdtm_secs(t: chrono::NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

impl Transport for Ftp {
    fn describe(&self) -> String {
        self.desc.clone()
    }

    fn check_dir(&mut self, dir: &str) -> TResult<()> {
        let desc = self.desc.clone();
        let here = with!(self, s => s.pwd()).map_err(|e| map(e, &format!("{desc}: PWD"), super::ErrorKind::Permanent))?;
        with!(self, s => s.cwd(dir)).map_err(|e| match map(e, &format!("{desc}: remote directory {dir}"), super::ErrorKind::Permanent) {
            e if e.kind == super::ErrorKind::Permanent => TransferError::permanent(format!("{desc}: remote directory {dir} does not exist or is not accessible ({})", e.message)),
            e => e,
        })?;
        with!(self, s => s.cwd(here.as_str())).map_err(|e| map(e, &format!("{desc}: CWD {here}"), super::ErrorKind::Permanent))?;
        Ok(())
    }

    fn list(&mut self, dir: &str) -> TResult<Vec<RemoteFile>> {
        let desc = self.desc.clone();
        let lines = self
            .data(|me| with!(me, s => s.list(Some(dir))))
            .map_err(|e| map(e, &format!("{desc}: LIST {dir}"), super::ErrorKind::Permanent))?;
        let mut out = Vec::new();
        for line in lines {
            if let Ok(f) = suppaftp::list::File::from_str(&line) {
                let mtime = f.modified().duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs() as i64);
                // LIST names may carry the directory prefix on some servers.
                let name = f.name().rsplit('/').next().unwrap_or(f.name()).to_string();
                out.push(RemoteFile { name, size: f.size() as u64, mtime, is_file: f.is_file() });
            }
        }
        Ok(out)
    }

    fn stat(&mut self, path: &str) -> TResult<Option<RemoteFile>> {
        let desc = self.desc.clone();
        let size = match with!(self, s => s.size(path)) {
            Ok(n) => n as u64,
            Err(FtpError::UnexpectedResponse(r)) if r.status.code() == 550 => return Ok(None),
            Err(e) => return Err(map(e, &format!("{desc}: SIZE {path}"), super::ErrorKind::File)),
        };
        let mtime = match with!(self, s => s.mdtm(path)) {
            Ok(t) => Some(mdtm_secs(t)),
            Err(FtpError::UnexpectedResponse(r)) if r.status.code() == 550 => return Ok(None),
            Err(FtpError::UnexpectedResponse(_)) => None,
            Err(e) => return Err(map(e, &format!("{desc}: MDTM {path}"), super::ErrorKind::File)),
        };
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        Ok(Some(RemoteFile { name, size, mtime, is_file: true }))
    }

    fn mtime(&mut self, path: &str) -> TResult<Option<Option<i64>>> {
        let desc = self.desc.clone();
        match with!(self, s => s.mdtm(path)) {
            Ok(t) => Ok(Some(Some(mdtm_secs(t)))),
            Err(FtpError::UnexpectedResponse(r)) if r.status.code() == 550 => Ok(None),
            Err(FtpError::UnexpectedResponse(_)) => Ok(Some(None)),
            Err(e) => Err(map(e, &format!("{desc}: MDTM {path}"), super::ErrorKind::File)),
        }
    }

    fn get(&mut self, path: &str, _size_hint: Option<u64>, out: &mut dyn Write) -> TResult<u64> {
        let desc = self.desc.clone();
        let mut stream = self
            .data(|me| with!(me, s => s.retr_as_stream(path).map(|t| Box::new(TransferWrap::from(t)) as Box<dyn FinishRead>)))
            .map_err(|e| map(e, &format!("{desc}: RETR {path}"), super::ErrorKind::File))?;
        let mut buf = vec![0u8; BUF_SIZE];
        let mut n = 0u64;
        loop {
            let k = match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(super::net_error(format!("{desc}: RETR {path}: after {n} bytes"), &e)),
            };
            out.write_all(&buf[..k]).map_err(|e| TransferError::temporary(format!("writing the local copy of {path}: {e}")))?;
            n += k as u64;
        }
        stream.finish().map_err(|e| map(e, &format!("{desc}: RETR {path}: completion"), super::ErrorKind::Temporary))?;
        Ok(n)
    }

    fn put(&mut self, path: &str, input: &mut dyn Read) -> TResult<u64> {
        let desc = self.desc.clone();
        let mut stream = self
            .data(|me| with!(me, s => s.put_with_stream(path).map(|t| Box::new(TransferWrap::from(t)) as Box<dyn FinishWrite>)))
            .map_err(|e| map(e, &format!("{desc}: STOR {path}"), super::ErrorKind::File))?;
        let mut buf = vec![0u8; BUF_SIZE];
        let n = super::copy_chunks(path, input, &mut buf, |chunk, n| {
            stream.write_all(chunk).map_err(|e| super::net_error(format!("{desc}: STOR {path}: after {n} bytes"), &e))
        })?;
        stream.finish_w().map_err(|e| map(e, &format!("{desc}: STOR {path}: completion"), super::ErrorKind::Temporary))?;
        Ok(n)
    }

    fn rename(&mut self, from: &str, to: &str) -> TResult<()> {
        let desc = self.desc.clone();
        with!(self, s => s.rename(from, to)).map_err(|e| map(e, &format!("{desc}: rename {from} to {to}"), super::ErrorKind::File))
    }

    fn remove(&mut self, path: &str) -> TResult<()> {
        let desc = self.desc.clone();
        match with!(self, s => s.rm(path)) {
            Ok(()) => Ok(()),
            Err(FtpError::UnexpectedResponse(r)) if r.status.code() == 550 => match self.stat(path)? {
                None => Ok(()),
                Some(_) => Err(TransferError::file(format!(
                    "{desc}: DELE {path}: server replied {}",
                    String::from_utf8_lossy(&r.body).trim()
                ))),
            },
            Err(e) => Err(map(e, &format!("{desc}: DELE {path}"), super::ErrorKind::File)),
        }
    }
}

/// A transfer stream of either TLS type, as a trait object.
trait FinishRead: Read {
    fn finish(self: Box<Self>) -> suppaftp::FtpResult<()>;
}
trait FinishWrite: Write {
    fn finish_w(self: Box<Self>) -> suppaftp::FtpResult<()>;
}

struct TransferWrap<T: suppaftp::TlsStream>(suppaftp::TransferStream<T>);

impl<T: suppaftp::TlsStream> From<suppaftp::TransferStream<T>> for TransferWrap<T> {
    fn from(t: suppaftp::TransferStream<T>) -> Self {
        TransferWrap(t)
    }
}
impl<T: suppaftp::TlsStream> Read for TransferWrap<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}
impl<T: suppaftp::TlsStream> Write for TransferWrap<T> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
impl<T: suppaftp::TlsStream + 'static> FinishRead for TransferWrap<T> {
    fn finish(self: Box<Self>) -> suppaftp::FtpResult<()> {
        self.0.finish()
    }
}
impl<T: suppaftp::TlsStream + 'static> FinishWrite for TransferWrap<T> {
    fn finish_w(self: Box<Self>) -> suppaftp::FtpResult<()> {
        self.0.finish()
    }
}
