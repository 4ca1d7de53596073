//! Shared test support: a fresh database and base directory per test, and a runner for the real
//! `impex` binary.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A fresh temporary directory with `impex.db` and `base/`.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    /// An empty directory; no database yet.
    pub fn empty() -> Self {
        TestEnv { dir: tempfile::tempdir().expect("tempdir") }
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

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("impex.db")
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

    /// A direct connection (foreign keys on, impex functions registered).
    pub fn conn(&self) -> rusqlite::Connection {
        impex::db::open_library_connection(&self.db()).expect("open db")
    }

    /// One value from a query.
    pub fn query_i64(&self, sql: &str) -> i64 {
        self.conn().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub fn query_string(&self, sql: &str) -> String {
        self.conn().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
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
