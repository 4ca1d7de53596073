//! A real PostgreSQL 15 server for a test (Debian's binaries in /usr/lib/postgresql/15/bin):
//! `initdb` in a temporary directory and `pg_ctl start` on a free loopback port, both as the
//! `postgres` system user (the server refuses to run as root), stopped when dropped, like the
//! vsftpd and sshd harnesses. Local (socket) connections are trusted; TCP connections need
//! the password (scram-sha-256), so that the password sources are tested for real. `fsync` is
//! off: these tests do not test durability.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::transfer::free_port;

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// The superuser's password on TCP connections.
pub const PASSWORD: &str = "pg-test-secret-7";

pub struct Postgres {
    pub dir: tempfile::TempDir,
    pub port: u16,
}

fn as_postgres(program: &str, args: &[&str]) -> std::process::Output {
    Command::new("runuser")
        .args(["-u", "postgres", "--", &format!("{BIN}/{program}")])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("runuser {program}: {e}"))
}

impl Postgres {
    pub fn start() -> Postgres {
        Self::start_with(false)
    }

    /// A server whose TCP connections must use TLS (`hostssl` only), with a self-signed
    /// certificate for 127.0.0.1 at [`Postgres::cert`].
    pub fn start_tls() -> Postgres {
        Self::start_with(true)
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("server.crt")
    }

    fn start_with(tls: bool) -> Postgres {
        let dir = tempfile::Builder::new().prefix("impex-pg-").tempdir().unwrap();
        let d = dir.path().to_str().unwrap().to_string();
        assert!(Command::new("chown").args(["postgres", &d]).status().unwrap().success());
        let pwfile = format!("{d}/pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        assert!(Command::new("chown").args(["postgres", &pwfile]).status().unwrap().success());
        let out = as_postgres(
            "initdb",
            &["-D", &format!("{d}/data"), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", &format!("--pwfile={pwfile}")],
        );
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        if tls {
            let (crt, key) = (format!("{d}/server.crt"), format!("{d}/server.key"));
            let ok = Command::new("openssl")
                .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
                .args(["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
                .args(["-keyout", &key, "-out", &crt])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(ok.success(), "openssl req failed");
            assert!(Command::new("chown").args(["postgres", &crt, &key]).status().unwrap().success());
            assert!(Command::new("chmod").args(["600", &key]).status().unwrap().success());
            let conf = format!("{d}/data/postgresql.conf");
            let mut text = std::fs::read_to_string(&conf).unwrap();
            text.push_str(&format!("\nssl = on\nssl_cert_file = '{crt}'\nssl_key_file = '{key}'\n"));
            std::fs::write(&conf, text).unwrap();
            let hba = format!("{d}/data/pg_hba.conf");
            let text: String = std::fs::read_to_string(&hba).unwrap().lines().filter(|l| !l.starts_with("host")).map(|l| format!("{l}\n")).collect();
            std::fs::write(&hba, format!("{text}hostssl all all 127.0.0.1/32 scram-sha-256\n")).unwrap();
        }
        let pg = Postgres { dir, port: free_port() };
        pg.pg_ctl_start();
        pg
    }

    fn pg_ctl_start(&self) {
        let (d, port) = (self.dir.path().display(), self.port);
        let options = format!("-p {port} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50");
        let out = as_postgres("pg_ctl", &["-D", &format!("{d}/data"), "-o", &options, "-l", &format!("{d}/log"), "-w", "start"]);
        assert!(out.status.success(), "pg_ctl start: {}\n{}", String::from_utf8_lossy(&out.stderr), std::fs::read_to_string(format!("{d}/log")).unwrap_or_default());
    }

    /// Stops the server as a crash would (`pg_ctl -m immediate stop`: every connection cut, no
    /// checkpoint; the start recovers from the WAL), then starts it again on the same port.
    pub fn restart(&self) {
        let d = self.dir.path().join("data");
        let out = as_postgres("pg_ctl", &["-D", d.to_str().unwrap(), "-m", "immediate", "-w", "stop"]);
        assert!(out.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
        self.pg_ctl_start();
    }

    fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// A new empty database; returns its URL without a password.
    pub fn create_db(&self, name: &str) -> String {
        self.psql("postgres", &format!("CREATE DATABASE \"{name}\""));
        self.url(name)
    }

    /// `postgres://postgres@127.0.0.1:PORT/name` (the password comes from elsewhere).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// The same with the password in it.
    pub fn url_with_password(&self, name: &str) -> String {
        format!("postgres://postgres:{PASSWORD}@127.0.0.1:{}/{name}", self.port)
    }

    /// Runs SQL with psql over the socket (trusted); returns the rows, unaligned, one per line.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new("psql")
            .args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(self.socket_dir())
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db, "-c", sql])
            .output()
            .expect("psql");
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    pub fn log(&self) -> PathBuf {
        self.dir.path().join("log")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let d = self.dir.path().join("data");
        let _ = as_postgres("pg_ctl", &["-D", d.to_str().unwrap(), "-m", "immediate", "stop"]);
    }
}
