//! Real servers for the transfer tests: Debian's vsftpd (FTP and explicit FTPS) and OpenSSH's
//! sshd (SFTP), each on a free loopback port with its own configuration in a temporary
//! directory, killed on Drop; a local test user with a password; a TCP proxy that can cut a
//! connection in the middle of a transfer.
//!
//! Needs root and the packages of `tests/install-deps.sh`. When they are missing the tests print
//! `SKIPPED: ...` and return, unless env `CI` is set: then they fail.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

pub const USER: &str = "impextest";
pub const PASSWORD: &str = "Impex-test-pw1";

/// Skips (or fails in CI) when `why` is Some.
pub fn skip(why: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("test servers required in CI: {why}");
    }
    eprintln!("SKIPPED: {why}");
    true
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// Why server tests cannot run here, if they cannot.
pub fn unavailable(need_ftp: bool, need_ssh: bool) -> Option<String> {
    if !is_root() {
        return Some("the FTP/SFTP server tests need root (they start vsftpd/sshd and create a test user)".into());
    }
    if need_ftp && !Path::new("/usr/sbin/vsftpd").exists() {
        return Some("vsftpd is not installed (run tests/install-deps.sh as root)".into());
    }
    if need_ssh && !Path::new("/usr/sbin/sshd").exists() {
        return Some("sshd is not installed (run tests/install-deps.sh as root)".into());
    }
    if Command::new("openssl").arg("version").output().is_err() || Command::new("ssh-keygen").arg("-?").output().is_err() {
        return Some("openssl or ssh-keygen missing".into());
    }
    None
}

/// Creates the test user with its password once per process (idempotent across runs).
pub fn ensure_user() -> (u32, u32) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let exists = Command::new("id").arg(USER).output().map(|o| o.status.success()).unwrap_or(false);
        if !exists {
            let st = Command::new("useradd").args(["-m", "-s", "/bin/bash", USER]).status().expect("useradd");
            // Another test binary may have created it meanwhile.
            if !st.success() {
                assert!(Command::new("id").arg(USER).status().unwrap().success(), "useradd {USER} failed");
            }
        }
        let mut c = Command::new("chpasswd").stdin(Stdio::piped()).spawn().expect("chpasswd");
        c.stdin.take().unwrap().write_all(format!("{USER}:{PASSWORD}\n").as_bytes()).unwrap();
        assert!(c.wait().unwrap().success(), "chpasswd failed");
    });
    let id = |flag: &str| -> u32 {
        let o = Command::new("id").args([flag, USER]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
    };
    (id("-u"), id("-g"))
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_port(port: u16, child: &mut Child, what: &str, log: &Path) {
    let start = Instant::now();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("{what} exited ({st}) before listening; log:\n{}", std::fs::read_to_string(log).unwrap_or_default());
        }
        if start.elapsed() > Duration::from_secs(10) {
            panic!("{what} did not listen on {port}; log:\n{}", std::fs::read_to_string(log).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A world-traversable temporary directory with a `remote/` directory owned by the test user.
pub struct Area {
    pub dir: tempfile::TempDir,
}

impl Area {
    pub fn new() -> Self {
        let (uid, gid) = ensure_user();
        let dir = tempfile::Builder::new().prefix("impex-transfer-").tempdir().unwrap();
        chmod(dir.path(), 0o755);
        let a = Area { dir };
        for d in ["remote", "deliver"] {
            let p = a.path(d);
            std::fs::create_dir_all(&p).unwrap();
            chown(&p, uid, gid);
        }
        a
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
    pub fn remote(&self) -> PathBuf {
        self.path("remote")
    }
    /// Writes a remote file (as the test user, with an old mtime so it counts as complete).
    pub fn put(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.remote().join(name);
        std::fs::write(&p, content).unwrap();
        let (uid, gid) = ensure_user();
        chown(&p, uid, gid);
        age(&p, 3600);
        p
    }
}

pub fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn chown(p: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
}

/// Sets the mtime of `p` to `secs` seconds ago.
pub fn age(p: &Path, secs: u64) {
    let t = std::time::SystemTime::now() - Duration::from_secs(secs);
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(t).unwrap();
}

/// vsftpd in the foreground (plain FTP, or explicit FTPS when `tls`).
pub struct Vsftpd {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// The server certificate (PEM), trusted by the client as CA file (FTPS only).
    pub cert: Option<PathBuf>,
}

impl Vsftpd {
    pub fn start(tls: bool) -> Vsftpd {
        ensure_user();
        let dir = tempfile::Builder::new().prefix("impex-vsftpd-").tempdir().unwrap();
        let port = free_port();
        std::fs::create_dir_all("/var/run/vsftpd/empty").unwrap();
        let log = dir.path().join("vsftpd.log");
        let mut conf = format!(
            "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\n\
             anonymous_enable=NO\nlocal_enable=YES\nwrite_enable=YES\nlocal_umask=022\n\
             secure_chroot_dir=/var/run/vsftpd/empty\nseccomp_sandbox=NO\npam_service_name=vsftpd\n\
             pasv_enable=YES\nport_enable=NO\nuse_localtime=NO\nxferlog_enable=YES\nxferlog_std_format=NO\n\
             vsftpd_log_file={}\nmax_clients=50\nmax_per_ip=50\nidle_session_timeout=60\n",
            log.display()
        );
        let mut cert = None;
        if tls {
            let c = dir.path().join("cert.pem");
            let k = dir.path().join("key.pem");
            let ok = Command::new("openssl")
                .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
                .args(["-addext", "basicConstraints=critical,CA:FALSE"])
                .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
                .arg("-keyout")
                .arg(&k)
                .arg("-out")
                .arg(&c)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(ok.success(), "openssl req failed");
            conf.push_str(&format!(
                "ssl_enable=YES\nrsa_cert_file={}\nrsa_private_key_file={}\nforce_local_logins_ssl=YES\n\
                 force_local_data_ssl=YES\nrequire_ssl_reuse=YES\nssl_ciphers=HIGH\n",
                c.display(),
                k.display()
            ));
            cert = Some(c);
        }
        let conf_path = dir.path().join("vsftpd.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut child = Command::new("/usr/sbin/vsftpd")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("stderr")).unwrap())
            .spawn()
            .expect("start vsftpd");
        wait_port(port, &mut child, "vsftpd", &dir.path().join("stderr"));
        Vsftpd { child, port, dir, cert }
    }

    pub fn account(&self, tls: bool) -> String {
        format!("{}://{USER}:{PASSWORD}@127.0.0.1:{}", if tls { "ftps" } else { "ftp" }, self.port)
    }
}

impl Vsftpd {
    /// Stops the server (SIGKILL; sessions already open keep their processes) so that new
    /// connections are refused until `start_again`.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the stopped server again on the same port with the same configuration.
    pub fn start_again(&mut self) {
        self.stop();
        let stderr = self.dir.path().join("stderr");
        self.child = Command::new("/usr/sbin/vsftpd")
            .arg(self.dir.path().join("vsftpd.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::options().append(true).create(true).open(&stderr).unwrap())
            .spawn()
            .expect("start vsftpd");
        wait_port(self.port, &mut self.child, "vsftpd", &stderr);
    }
}

impl Drop for Vsftpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// OpenSSH's sshd in the foreground with its own host key, serving SFTP.
pub struct Sshd {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    /// known_hosts with `[127.0.0.1]:PORT <host key>`.
    pub known_hosts: PathBuf,
    /// The host public key line (`ssh-ed25519 AAAA...`).
    pub host_pub: String,
    /// A user key (ed25519, no passphrase) in authorized_keys.
    #[allow(dead_code)] // no test reads it: they name the key files with `key`
    pub user_key: PathBuf,
}

pub fn keygen(path: &Path, kind: &str, passphrase: &str, extra: &[&str]) {
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", passphrase, "-C", "impex-test"])
        .args(extra)
        .arg("-f")
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "ssh-keygen -t {kind} failed");
}

impl Sshd {
    pub fn start() -> Sshd {
        Sshd::start_with("")
    }

    /// A server with extra sshd_config lines (e.g. `Ciphers aes128-ctr`: only that cipher).
    pub fn start_with(extra_config: &str) -> Sshd {
        ensure_user();
        let dir = tempfile::Builder::new().prefix("impex-sshd-").tempdir().unwrap();
        chmod(dir.path(), 0o755);
        let port = free_port();
        std::fs::create_dir_all("/run/sshd").unwrap();
        let hk = dir.path().join("host_ed25519");
        keygen(&hk, "ed25519", "", &[]);
        let uk = dir.path().join("user_ed25519");
        keygen(&uk, "ed25519", "", &[]);
        let mut auth = std::fs::read_to_string(uk.with_extension("pub")).unwrap();
        // Extra keys other tests may add: rsa (PEM) and ecdsa with a passphrase.
        let rsa = dir.path().join("user_rsa_pem");
        keygen(&rsa, "rsa", "", &["-b", "2048", "-m", "PEM"]);
        auth.push_str(&std::fs::read_to_string(rsa.with_extension("pub")).unwrap());
        let ec = dir.path().join("user_ecdsa_pass");
        keygen(&ec, "ecdsa", "secret phrase", &[]);
        auth.push_str(&std::fs::read_to_string(ec.with_extension("pub")).unwrap());
        let ak = dir.path().join("authorized_keys");
        std::fs::write(&ak, auth).unwrap();
        chmod(&ak, 0o644);
        let log = dir.path().join("sshd.log");
        let conf = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
             StrictModes no\nUsePAM no\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n\
             PubkeyAuthentication yes\nPermitRootLogin no\nAllowUsers {USER}\nSubsystem sftp internal-sftp\n\
             MaxStartups 50\nMaxSessions 50\nLogLevel ERROR\n{extra_config}",
            hk.display(),
            dir.path().join("sshd.pid").display(),
            ak.display()
        );
        let conf_path = dir.path().join("sshd_config");
        std::fs::write(&conf_path, conf).unwrap();
        let mut child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start sshd");
        wait_port(port, &mut child, "sshd", &log);
        let host_pub = std::fs::read_to_string(hk.with_extension("pub")).unwrap();
        let host_pub = host_pub.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        let known_hosts = dir.path().join("known_hosts");
        std::fs::write(&known_hosts, format!("[127.0.0.1]:{port} {host_pub}\n")).unwrap();
        Sshd { child, port, dir, known_hosts, host_pub, user_key: uk }
    }

    pub fn account_password(&self) -> String {
        format!("sftp://{USER}:{PASSWORD}@127.0.0.1:{}", self.port)
    }
    pub fn account_key(&self) -> String {
        format!("sftp://{USER}@127.0.0.1:{}", self.port)
    }
    pub fn key(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Sshd {
    /// Stops the listening server (SIGKILL; open sessions keep their processes) so that new
    /// connections are refused until `start_again`.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the stopped server again on the same port with the same host key and configuration.
    pub fn start_again(&mut self) {
        self.stop();
        let log = self.dir.path().join("sshd.log");
        self.child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(self.dir.path().join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::options().append(true).create(true).open(&log).unwrap())
            .spawn()
            .expect("start sshd");
        wait_port(self.port, &mut self.child, "sshd", &log);
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy to `127.0.0.1:target` that cuts each connection after `cut_after` bytes from the
/// server (0 = never).
pub struct Proxy {
    pub port: u16,
    pub cut_after: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    pub cuts: Arc<AtomicU64>,
    /// Connections accepted so far.
    pub connections: Arc<AtomicU64>,
}

impl Proxy {
    pub fn start(target: u16) -> Proxy {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let cut_after = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let cuts = Arc::new(AtomicU64::new(0));
        let connections = Arc::new(AtomicU64::new(0));
        let (c2, s2, k2, n2) = (cut_after.clone(), stop.clone(), cuts.clone(), connections.clone());
        std::thread::spawn(move || {
            for conn in l.incoming() {
                if s2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else { continue };
                n2.fetch_add(1, Ordering::SeqCst);
                let limit = c2.load(Ordering::SeqCst);
                let (c_r, s_w) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pump(c_r, s_w, 0, None));
                let k = k2.clone();
                std::thread::spawn(move || pump(server, client, limit, Some(k)));
            }
        });
        Proxy { port, cut_after, stop, cuts, connections }
    }
}

/// A proxy for an FTP control connection to `127.0.0.1:target` that answers the commands
/// named in `refuse` itself with `502 Command not implemented` instead of passing them on (a
/// server without EPSV, for example); `refused` counts them. Data connections go to the server
/// directly (the PASV reply names it).
pub struct RefusingProxy {
    pub port: u16,
    pub refused: Arc<AtomicU64>,
}

impl RefusingProxy {
    pub fn start(target: u16, refuse: &'static [&'static str]) -> RefusingProxy {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let refused = Arc::new(AtomicU64::new(0));
        let r2 = refused.clone();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(client) = conn else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else { continue };
                let (from_client, to_server, mut answer) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap(), client.try_clone().unwrap());
                let r = r2.clone();
                std::thread::spawn(move || {
                    let mut lines = std::io::BufReader::new(from_client);
                    let mut to_server = to_server;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        match std::io::BufRead::read_line(&mut lines, &mut line) {
                            Ok(0) | Err(_) => break,
                            Ok(_) => {}
                        }
                        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
                        let sent = if refuse.contains(&verb.as_str()) {
                            r.fetch_add(1, Ordering::SeqCst);
                            answer.write_all(b"502 Command not implemented.\r\n")
                        } else {
                            to_server.write_all(line.as_bytes())
                        };
                        if sent.is_err() {
                            break;
                        }
                    }
                    let _ = to_server.shutdown(std::net::Shutdown::Both);
                });
                std::thread::spawn(move || pump(server, client, 0, None));
            }
        });
        RefusingProxy { port, refused }
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, limit: u64, cuts: Option<Arc<AtomicU64>>) {
    let mut buf = [0u8; 16384];
    let mut n = 0u64;
    loop {
        let k = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => k,
        };
        if limit > 0 && n + k as u64 > limit {
            if let Some(c) = &cuts {
                c.fetch_add(1, Ordering::SeqCst);
            }
            break;
        }
        if to.write_all(&buf[..k]).is_err() {
            break;
        }
        n += k as u64;
    }
    let _ = from.shutdown(std::net::Shutdown::Both);
    let _ = to.shutdown(std::net::Shutdown::Both);
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The configuration of one transfer: IOM-style rows as the reference scripts create them
/// (finance controller = sending partner and configuration partner, shop = receiving partner).
#[allow(dead_code)] // no test reads the ids yet: they know them
pub struct Config {
    pub id: i64,
    pub partner: i64,
}

/// Inserts a FileTransferConfigurationDO (id `id`), a ScheduleDO (key `key`), the FTP
/// communication partner and its ExecutionBeanValueDO rows.
pub fn configure(conn: &impex::db::Conn, id: i64, key: &str, type_def: i64, values: &[(&str, String)]) -> Config {
    conn.execute_batch(
        r#"INSERT OR IGNORE INTO "ShopDO" ("id", "name") VALUES (10000, 'inTRONICS');
           INSERT OR IGNORE INTO "PartnerReferrerDO" ("id", "shopRef") VALUES (10010, 10000);
"#,
    )
    .unwrap();
    // One finance controller per configuration so several configurations can coexist.
    let pr = 6000 + id;
    conn.execute(r#"INSERT INTO "FinanceControllerDO" ("id", "name") VALUES (?1, 'fc ' || ?1)"#, impex::db::params![id]).unwrap();
    conn.execute(r#"INSERT INTO "PartnerReferrerDO" ("id", "financeControllerRef") VALUES (?1, ?2)"#, impex::db::params![pr, id]).unwrap();
    conn.execute(
        r#"INSERT INTO "FileTransferConfigurationDO" ("id", "basePath", "transmissionTypeDefRef", "typeDefRef", "partnerReferrerRef", "description")
           VALUES (?1, NULL, 1900, ?2, ?3, 'test')"#,
        impex::db::params![id, type_def, pr],
    )
    .unwrap();
    conn.execute(
        r#"INSERT INTO "ScheduleDO" ("id", "active", "configId", "cron", "jobDefRef", "key") VALUES (?1, ?3, ?1, '0 0/10 * 1/1 * ? *', 3, ?2)"#,
        impex::db::params![id, key, 1i64],
    )
    .unwrap();
    conn.execute(
        r#"INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "receivingPartnerReferrerRef", "sendingPartnerReferrerRef")
           VALUES (?1, (SELECT "id" FROM "CommunicationDO" WHERE "key" = 'ANY###FTP_JOB###EXT_TRANSFER_FILE'), 10010, ?2)"#,
        impex::db::params![id, pr],
    )
    .unwrap();
    for (k, v) in values {
        conn.execute(
            r#"INSERT INTO "ExecutionBeanValueDO" ("executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
               VALUES ((SELECT "id" FROM "ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = ?1), ?2, ?3)"#,
            impex::db::params![k, v, id],
        )
        .unwrap_or_else(|e| panic!("value {k}: {e}"));
    }
    Config { id, partner: id }
}

/// Deterministic content of `n` bytes.
pub fn content(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
