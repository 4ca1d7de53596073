//! SFTP with ssh2 (libssh2).
//!
//! - the host key is checked against a known_hosts file (`knownHostsFile`, default
//!   `~/.ssh/known_hosts`) with `check_port`, so `[host]:port` entries work for ports other than
//!   22. An unknown host is refused unless `acceptNewHostKey` is true (then its key is appended
//!   to the file); a different key is a permanent error naming host and SHA256 fingerprint.
//! - login: the password of `sftp://user:pass@host`, else the private key `pullPrivateKeyFile`
//!   (OpenSSH or PEM format: ed25519, ecdsa, rsa) with `pullPrivateKeyPassphrase`. A PuTTY
//!   `.ppk` file is refused with the command that converts it.
//! - `set_timeout` is always set (libssh2 would otherwise wait forever).
//! - SFTP v3 rename does not overwrite: the target is removed first.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use ssh2::{CheckResult, ErrorCode, HashType, HostKeyType, KnownHostFileKind, MethodType, Session};

use super::{Account, ConnectOptions, RemoteFile, TResult, TransferError, Transport};

/// Read and write size of SFTP transfers. libssh2 keeps up to 4x the buffer of read requests in
/// flight (and splits writes into 30000-byte requests sent before waiting): 256 KiB gives a
/// 1 MiB window, close to OpenSSH's sftp (64 requests of 32 KiB), still constant memory.
const SFTP_BUF: usize = 256 * 1024;

pub struct Sftp {
    // Field order: the SFTP channel is dropped before its session.
    sftp: ssh2::Sftp,
    _session: Session,
    desc: String,
}

// libssh2 session error codes (libssh2.h).
const LIBSSH2_ERROR_SOCKET_SEND: i32 = -7;
const LIBSSH2_ERROR_KEX_FAILURE: i32 = -5;
const LIBSSH2_ERROR_TIMEOUT: i32 = -9;
const LIBSSH2_ERROR_SOCKET_DISCONNECT: i32 = -13;
const LIBSSH2_ERROR_AUTHENTICATION_FAILED: i32 = -18;
const LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED: i32 = -19;
const LIBSSH2_ERROR_SOCKET_RECV: i32 = -43;
const LIBSSH2_ERROR_FILE: i32 = -16;
// SFTP status codes.
const FX_NO_SUCH_FILE: i32 = 2;
const FX_PERMISSION_DENIED: i32 = 3;

fn map(e: &ssh2::Error, what: &str) -> TransferError {
    let m = format!("{what}: {}", e.message());
    match e.code() {
        ErrorCode::Session(LIBSSH2_ERROR_TIMEOUT) => TransferError::temporary(format!("{what}: timed out")),
        ErrorCode::Session(LIBSSH2_ERROR_SOCKET_SEND | LIBSSH2_ERROR_SOCKET_DISCONNECT | LIBSSH2_ERROR_SOCKET_RECV) => {
            TransferError::temporary(m)
        }
        ErrorCode::Session(LIBSSH2_ERROR_KEX_FAILURE) => TransferError::permanent(format!(
            "{m} (the server offers no key exchange, host key or cipher algorithm libssh2 accepts; \
             SHA-1 key exchange, ssh-rsa with SHA-1, DSA and 3DES are disabled)"
        )),
        ErrorCode::SFTP(FX_NO_SUCH_FILE) => TransferError::file(format!("{what}: no such file")),
        ErrorCode::SFTP(FX_PERMISSION_DENIED) => TransferError::file(format!("{what}: permission denied")),
        ErrorCode::SFTP(_) => TransferError::file(m),
        _ => TransferError::temporary(m),
    }
}

fn io_map(e: &std::io::Error, what: &str) -> TransferError {
    // ssh2's Read/Write wrap libssh2 errors into io::Error; timeouts come as TimedOut.
    super::net_error(what, e)
}

fn default_known_hosts() -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"));
    home.join(".ssh/known_hosts")
}

fn key_type_name(t: HostKeyType) -> &'static str {
    match t {
        HostKeyType::Rsa => "ssh-rsa",
        HostKeyType::Dss => "ssh-dss",
        HostKeyType::Ecdsa256 => "ecdsa-sha2-nistp256",
        HostKeyType::Ecdsa384 => "ecdsa-sha2-nistp384",
        HostKeyType::Ecdsa521 => "ecdsa-sha2-nistp521",
        HostKeyType::Ed25519 => "ssh-ed25519",
        HostKeyType::Unknown => "unknown",
    }
}

/// Standard base64 (with padding when `pad`).
pub fn base64(data: &[u8], pad: bool) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// The `[host]:port` (or `host` for port 22) name of a known_hosts entry.
fn known_hosts_name(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

fn verify_host_key(sess: &Session, account: &Account, opts: &ConnectOptions) -> TResult<()> {
    let name = known_hosts_name(&account.host, account.port);
    let (key, ktype) = sess
        .host_key()
        .ok_or_else(|| TransferError::permanent(format!("{name}: the server sent no host key")))?;
    let fp = sess.host_key_hash(HashType::Sha256).map(|h| format!("SHA256:{}", base64(h, false))).unwrap_or_default();
    let file = opts.known_hosts.clone().unwrap_or_else(default_known_hosts);
    let mut kh = sess.known_hosts().map_err(|e| map(&e, "known_hosts"))?;
    if file.exists() {
        kh.read_file(&file, KnownHostFileKind::OpenSSH)
            .map_err(|e| TransferError::permanent(format!("known_hosts file {}: {}", file.display(), e.message())))?;
    }
    match kh.check_port(&account.host, account.port, key) {
        CheckResult::Match => Ok(()),
        CheckResult::Mismatch => Err(TransferError::permanent(format!(
            "HOST KEY MISMATCH for {name}: the server offers {} {fp}, which differs from the key in {}; \
             this may be a man-in-the-middle attack; if the server's key really changed, replace its line in that file",
            key_type_name(ktype),
            file.display()
        ))),
        CheckResult::NotFound if opts.accept_new_host_key => {
            let line = format!("{name} {} {}\n", key_type_name(ktype), base64(key, true));
            if let Some(d) = file.parent() {
                let _ = std::fs::create_dir_all(d);
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&file)
                .map_err(|e| TransferError::permanent(format!("known_hosts file {}: {e}", file.display())))?;
            f.write_all(line.as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(|e| TransferError::permanent(format!("known_hosts file {}: {e}", file.display())))?;
            tracing::warn!(host = %name, fingerprint = %fp, file = %file.display(), "accepted new SFTP host key (acceptNewHostKey)");
            Ok(())
        }
        CheckResult::NotFound => Err(TransferError::permanent(format!(
            "unknown SFTP host {name} ({} {fp}): not in known_hosts file {}; add it (e.g. `ssh-keyscan -p {} {} >> {}`) \
             or set acceptNewHostKey=true",
            key_type_name(ktype),
            file.display(),
            account.port,
            account.host,
            file.display()
        ))),
        CheckResult::Failure => Err(TransferError::permanent(format!(
            "{name}: the host key {fp} could not be checked against {}",
            file.display()
        ))),
    }
}

/// Refuses key files libssh2 cannot read, with a hint how to convert them.
fn check_key_file(path: &Path) -> TResult<()> {
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| TransferError::permanent(format!("pullPrivateKeyFile {}: {e}", path.display())))?;
    let head = String::from_utf8_lossy(&head[..n]);
    if head.starts_with("PuTTY-User-Key-File") {
        return Err(TransferError::permanent(format!(
            "pullPrivateKeyFile {} is a PuTTY .ppk key, which impex cannot read; convert it to OpenSSH format with \
             `puttygen {} -O private-openssh -o KEYFILE` and configure KEYFILE",
            path.display(),
            path.display()
        )));
    }
    if !head.contains("PRIVATE KEY") {
        return Err(TransferError::permanent(format!(
            "pullPrivateKeyFile {} is not a private key in OpenSSH or PEM format",
            path.display()
        )));
    }
    Ok(())
}

pub fn connect(account: &Account, opts: &ConnectOptions) -> TResult<Box<dyn Transport>> {
    Ok(Box::new(open(account, opts)?))
}

fn open(account: &Account, opts: &ConnectOptions) -> TResult<Sftp> {
    let desc = account.to_string();
    let sess = handshake(account, opts, &desc)?;
    verify_host_key(&sess, account, opts)?;
    match (&account.password, &opts.private_key) {
        (Some(p), _) => sess.userauth_password(&account.user, p.expose()).map_err(|e| auth_error(&e, &desc, &account.user, "password"))?,
        (None, Some(key)) => {
            check_key_file(key)?;
            let pass = opts.passphrase.as_ref().map(|p| p.expose());
            sess.userauth_pubkey_file(&account.user, None, key, pass)
                .map_err(|e| auth_error(&e, &desc, &account.user, &format!("key {}", key.display())))?
        }
        (None, None) => {
            return Err(TransferError::permanent(format!(
                "{desc}: no password in pullFtpAccount and no pullPrivateKeyFile: nothing to log in with"
            )))
        }
    }
    if !sess.authenticated() {
        return Err(TransferError::permanent(format!("{desc}: authentication as {} failed", account.user)));
    }
    let sftp = sess.sftp().map_err(|e| map(&e, &format!("{desc}: starting the SFTP subsystem")))?;
    Ok(Sftp { sftp, _session: sess, desc })
}

/// Ciphers in order of preference. With the vendored libssh2 patch (whole packets per cipher
/// call, vendor/libssh2-sys/IMPEX-PATCH.md) AES-GCM on OpenSSL's AES and carry-less multiply
/// instructions is the cheapest for both ends: a 1 GB pull took 3.3 s with AES-128-GCM, 3.8 s
/// with AES-CTR + HMAC-SHA2-256-ETM. libssh2 computes ChaCha20-Poly1305 (OpenSSH's first choice)
/// in portable C, so it comes after them. Servers without these negotiate the next ones.
const CIPHERS: &str = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes256-ctr,chacha20-poly1305@openssh.com,aes192-ctr";
/// MACs for the AES-CTR ciphers: encrypt-then-MAC first.
const MACS: &str = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512";

/// A TCP connection and the SSH handshake on it.
///
/// libssh2 reports LIBSSH2_ERROR_KEX_FAILURE not only when the server offers no algorithm it
/// accepts, but also when the connection breaks during the key exchange (sending our KEXINIT or
/// waiting for the server's; `_libssh2_kex_exchange` returns KEX_FAILURE for both). Found by the
/// soak test: a server restart in the middle of a handshake stopped the schedule as if the
/// configuration were wrong. An algorithm mismatch fails again on a fresh connection, a broken
/// connection hardly ever does twice in a row: so after a KEX failure the handshake is tried
/// once more, and only a second KEX failure is permanent (any other error of the second try
/// counts as it is, e.g. temporary when the server is unreachable).
fn handshake(account: &Account, opts: &ConnectOptions, desc: &str) -> TResult<Session> {
    let mut tries = 0;
    loop {
        tries += 1;
        let tcp: TcpStream = super::tcp_connect(&account.host, account.port, opts.connect_timeout)?;
        // SFTP is request/response: without TCP_NODELAY, Nagle and delayed ACKs stall small requests.
        let _ = tcp.set_nodelay(true);
        let mut sess = Session::new().map_err(|e| map(&e, desc))?;
        for (method, pref) in [
            (MethodType::CryptCs, CIPHERS),
            (MethodType::CryptSc, CIPHERS),
            (MethodType::MacCs, MACS),
            (MethodType::MacSc, MACS),
        ] {
            sess.method_pref(method, pref).map_err(|e| map(&e, desc))?;
        }
        sess.set_tcp_stream(tcp);
        sess.set_timeout(opts.io_timeout.as_millis().min(u32::MAX as u128) as u32);
        match sess.handshake() {
            Ok(()) => return Ok(sess),
            Err(e) if tries == 1 && e.code() == ErrorCode::Session(LIBSSH2_ERROR_KEX_FAILURE) => {
                tracing::debug!("{desc}: SSH key exchange failed ({}); trying once more on a new connection", e.message());
            }
            Err(e) => return Err(map(&e, &format!("{desc}: SSH handshake"))),
        }
    }
}

fn auth_error(e: &ssh2::Error, desc: &str, user: &str, how: &str) -> TransferError {
    match e.code() {
        ErrorCode::Session(LIBSSH2_ERROR_AUTHENTICATION_FAILED | LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) => {
            TransferError::permanent(format!("{desc}: authentication as {user} with {how} failed: {}", e.message()))
        }
        ErrorCode::Session(LIBSSH2_ERROR_FILE) => TransferError::permanent(format!(
            "{desc}: cannot use {how} (wrong passphrase in pullPrivateKeyPassphrase, or unsupported key format): {}",
            e.message()
        )),
        _ => map(e, &format!("{desc}: authentication as {user}")),
    }
}

fn stat_to(name: String, st: &ssh2::FileStat) -> RemoteFile {
    RemoteFile { name, size: st.size.unwrap_or(0), mtime: st.mtime.map(|t| t as i64), is_file: st.is_file() }
}

impl Transport for Sftp {
    fn describe(&self) -> String {
        self.desc.clone()
    }

    fn listing_is_exact(&self) -> bool {
        true
    }

    fn check_dir(&mut self, dir: &str) -> TResult<()> {
        match self.sftp.stat(Path::new(dir)) {
            Ok(st) if st.is_dir() => Ok(()),
            Ok(_) => Err(TransferError::permanent(format!("{}: remote {dir} is not a directory", self.desc))),
            Err(e) => match map(&e, &format!("{}: remote directory {dir}", self.desc)) {
                t if t.kind == super::ErrorKind::File => Err(TransferError::permanent(format!(
                    "{}: remote directory {dir} does not exist or is not accessible ({})",
                    self.desc, t.message
                ))),
                t => Err(t),
            },
        }
    }

    fn list(&mut self, dir: &str) -> TResult<Vec<RemoteFile>> {
        let entries = self.sftp.readdir(Path::new(dir)).map_err(|e| map(&e, &format!("{}: listing {dir}", self.desc)))?;
        Ok(entries
            .into_iter()
            .map(|(p, st)| stat_to(p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), &st))
            .collect())
    }

    fn stat(&mut self, path: &str) -> TResult<Option<RemoteFile>> {
        match self.sftp.stat(Path::new(path)) {
            Ok(st) => Ok(Some(stat_to(path.rsplit('/').next().unwrap_or(path).to_string(), &st))),
            Err(e) if e.code() == ErrorCode::SFTP(FX_NO_SUCH_FILE) => Ok(None),
            Err(e) => Err(map(&e, &format!("{}: stat {path}", self.desc))),
        }
    }

    fn get(&mut self, path: &str, size_hint: Option<u64>, out: &mut dyn Write) -> TResult<u64> {
        let what = format!("{}: reading {path}", self.desc);
        let mut f = self.sftp.open(Path::new(path)).map_err(|e| map(&e, &what))?;
        // libssh2 requests 4x the buffer ahead: for a small file, a buffer just past its size
        // saves dozens of read requests beyond the end.
        let len = size_hint.map(|s| (s as usize + 1).clamp(4096, SFTP_BUF)).unwrap_or(SFTP_BUF);
        let mut buf = vec![0u8; len];
        let mut n = 0u64;
        loop {
            let k = match f.read(&mut buf) {
                Ok(0) => break,
                Ok(k) => k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_map(&e, &format!("{what}: after {n} bytes"))),
            };
            out.write_all(&buf[..k]).map_err(|e| TransferError::temporary(format!("writing the local copy of {path}: {e}")))?;
            n += k as u64;
        }
        Ok(n)
    }

    fn put(&mut self, path: &str, input: &mut dyn Read) -> TResult<u64> {
        let what = format!("{}: writing {path}", self.desc);
        let mut f = self.sftp.create(Path::new(path)).map_err(|e| map(&e, &what))?;
        let mut buf = vec![0u8; SFTP_BUF];
        let n = super::copy_chunks(path, input, &mut buf, |chunk, n| {
            f.write_all(chunk).map_err(|e| io_map(&e, &format!("{what}: after {n} bytes")))
        })?;
        f.flush().map_err(|e| io_map(&e, &what))?;
        f.close().map_err(|e| map(&e, &what))?;
        Ok(n)
    }

    fn rename(&mut self, from: &str, to: &str) -> TResult<()> {
        // SFTP v3: rename fails when the target exists.
        self.remove(to)?;
        self.sftp
            .rename(Path::new(from), Path::new(to), None)
            .map_err(|e| map(&e, &format!("{}: rename {from} to {to}", self.desc)))
    }

    fn remove(&mut self, path: &str) -> TResult<()> {
        match self.sftp.unlink(Path::new(path)) {
            Ok(()) => Ok(()),
            Err(e) if e.code() == ErrorCode::SFTP(FX_NO_SUCH_FILE) => Ok(()),
            Err(e) => Err(map(&e, &format!("{}: removing {path}", self.desc))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b"", true), "");
        assert_eq!(base64(b"f", true), "Zg==");
        assert_eq!(base64(b"fo", true), "Zm8=");
        assert_eq!(base64(b"foo", true), "Zm9v");
        assert_eq!(base64(b"foobar", false), "Zm9vYmFy");
        assert_eq!(base64(b"fooba", false), "Zm9vYmE");
    }

    /// A fake SSH server: answers the banner, waits for the client's first packet (its KEXINIT)
    /// and closes the connection, as a server restart in the middle of the handshake does.
    /// `drops` connections are treated so; later ones are closed before the banner (server down).
    fn dropping_server(drops: usize) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let s2 = seen.clone();
        std::thread::spawn(move || {
            for c in l.incoming() {
                let Ok(mut c) = c else { continue };
                let n = s2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if n < drops {
                    let _ = c.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
                    let mut buf = [0u8; 4096];
                    let _ = c.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                    let _ = c.read(&mut buf); // the client's banner (and maybe its KEXINIT)
                }
                drop(c);
            }
        });
        (port, seen)
    }

    fn account(port: u16) -> Account {
        Account::parse(Some(&format!("sftp://u:p@127.0.0.1:{port}"))).unwrap()
    }

    /// Regression (soak test, issue 7): a connection broken during the key exchange is temporary,
    /// not "the server offers no algorithm libssh2 accepts" (which stopped the schedule).
    #[test]
    fn key_exchange_broken_by_the_network_is_temporary() {
        let (port, seen) = dropping_server(1);
        let opts = ConnectOptions::default();
        let e = connect(&account(port), &opts).err().expect("no SSH server there");
        assert_eq!(e.kind, super::super::ErrorKind::Temporary, "{}", e.message);
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 2, "tried once more");
        // the same failure twice in a row still counts as an algorithm mismatch (permanent)
        let (port, seen) = dropping_server(usize::MAX);
        let e = connect(&account(port), &opts).err().expect("no SSH server there");
        assert_eq!(e.kind, super::super::ErrorKind::Permanent, "{}", e.message);
        assert!(e.message.contains("key exchange"), "{}", e.message);
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn ppk_is_refused_with_a_hint() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("k.ppk");
        std::fs::write(&p, "PuTTY-User-Key-File-3: ssh-ed25519\n").unwrap();
        let e = check_key_file(&p).unwrap_err();
        assert!(e.message.contains("puttygen"), "{}", e.message);
        assert_eq!(e.kind, super::super::ErrorKind::Permanent);
    }
}
