//! Shared test support: a fresh database and base directory per test, and a runner for the real
//! `impex` binary.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A fresh temporary directory with `impex.db` (or, on PostgreSQL, a database of its own) and
/// `base/`.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    /// On PostgreSQL: the database's URL without the password.
    pub pg: Option<String>,
}

/// Whether the tests run on PostgreSQL: `IMPEX_TEST_BACKEND=postgres` (docs/postgres.md,
/// "Testing"). One test body, two backends: a [`TestEnv`] then has a database of its own on a
/// server the harness starts once per test process ([`shared_server`]).
pub fn on_postgres() -> bool {
    std::env::var("IMPEX_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// The test process's PostgreSQL server, started at its first use and stopped when the process
/// exits.
pub fn shared_server() -> std::sync::MutexGuard<'static, Option<super::postgres::Postgres>> {
    static SERVER: std::sync::Mutex<Option<super::postgres::Postgres>> = std::sync::Mutex::new(None);
    extern "C" fn stop() {
        if let Ok(mut s) = SERVER.lock() {
            drop(s.take());
        }
    }
    let mut s = SERVER.lock().unwrap_or_else(|p| p.into_inner());
    if s.is_none() {
        *s = Some(super::postgres::Postgres::start());
        // SAFETY: registers a plain function to run at exit (stops the server).
        unsafe { libc::atexit(stop) };
    }
    s
}

fn with_password(url: &str) -> String {
    url.replacen("postgres@", &format!("postgres:{}@", super::postgres::PASSWORD), 1)
}

impl TestEnv {
    /// An empty directory; no database yet (on PostgreSQL: an empty database).
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let pg = on_postgres().then(|| {
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let name = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
            let url = shared_server().as_ref().unwrap().create_db(&name);
            // this process's own connections (impex::db::open_existing(env.db())) find the
            // password by the URL without it
            impex::db::location(std::path::Path::new(&with_password(&url))).unwrap();
            url
        });
        TestEnv { dir, pg }
    }

    /// `impex init --base <dir>/base` (with `--demo` when asked).
    pub fn new(demo: bool) -> Self {
        let env = Self::empty();
        let base = env.base();
        let mut args = vec!["init", "--base", base.to_str().unwrap()];
        if demo {
            args.push("--demo");
        }
        env.ok(&args);
        env
    }

    /// The `--db` of this test: the SQLite file, or the PostgreSQL URL (no password).
    pub fn db(&self) -> PathBuf {
        match &self.pg {
            Some(url) => PathBuf::from(url),
            None => self.dir.path().join("impex.db"),
        }
    }

    pub fn base(&self) -> PathBuf {
        self.dir.path().join("base")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// An `impex` command with `--db` set and the working directory in the test directory.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_impex"));
        c.arg("--db").arg(self.db()).args(args).current_dir(self.dir.path());
        c.env_remove("IMPEX_DB");
        if self.pg.is_some() {
            c.env("PGPASSWORD", super::postgres::PASSWORD);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run impex")
    }

    /// Runs and asserts exit code 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "impex {args:?} failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `impex sql` with `script` on stdin.
    pub fn sql(&self, script: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .cmd(&["sql"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn impex sql");
        child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    pub fn sql_ok(&self, script: &str) {
        let out = self.sql(script);
        assert!(out.status.success(), "impex sql failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }

    /// A direct connection to the SQLite file (foreign keys on, impex functions registered).
    pub fn conn(&self) -> rusqlite::Connection {
        assert!(self.pg.is_none(), "a SQLite connection to a test on PostgreSQL (use TestEnv::store)");
        impex::db::open_library_connection(&self.db()).expect("open db")
    }

    /// impex's storage handle on this test's database, either backend.
    pub fn store(&self) -> impex::db::Conn {
        impex::db::open_existing(&self.db()).expect("open db")
    }

    /// One value from a query (either backend; the query in the common subset of SQL).
    /// (On SQLite through a plain connection: reading does not upgrade an old schema.)
    pub fn query_i64(&self, sql: &str) -> i64 {
        if self.pg.is_none() {
            return self.conn().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        self.store().query_i64(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub fn query_string(&self, sql: &str) -> String {
        if self.pg.is_none() {
            return self.conn().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        match self.store().query_value(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}")) {
            impex::db::Value::Text(s) => s,
            other => panic!("{sql}: not a text: {other:?}"),
        }
    }
}

/// Waits until `cond` holds, polling every 50 ms, or panics after `deadline` naming `what`.
pub fn wait_for(what: &str, deadline: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > deadline {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Every file (recursively) under `dir`, as paths relative to it, sorted.
/// The lock file an import leaves beside its directory: on SQLite; on PostgreSQL the import
/// is claimed in the database instead (`db::queries::claims`) and there is none.
pub fn import_lock() -> Vec<&'static str> {
    if on_postgres() {
        vec![]
    } else {
        vec![".import.lock"]
    }
}

pub fn files_under(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<String>) {
        if let Ok(rd) = std::fs::read_dir(d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}
