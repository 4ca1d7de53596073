//! The HTTP server of IOM's REST API over real sockets, with curl as the client: health without
//! credentials, 401 with a challenge, the served OpenAPI files, HTTPS with a test
//! certificate, graceful shutdown, and `impex run --listen` serving beside the scheduler.
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::env::{wait_for, TestEnv};

/// A running `impex serve` (or `impex run --listen`), killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// The server's stderr (a file: a pipe nobody reads would block a server that logs much).
    pub log: std::path::PathBuf,
}

impl Server {
    pub fn start(env: &TestEnv, args: &[&str], https: bool) -> Server {
        let port = crate::support::transfer::free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--listen", &listen]);
        let log = env.path("serve.stderr");
        let child = env.cmd(&all).stdout(Stdio::null()).stderr(std::fs::File::create(&log).unwrap()).spawn().unwrap();
        let base = format!("{}://127.0.0.1:{port}", if https { "https" } else { "http" });
        let s = Server { child, base, log };
        let url = format!("{}/monitoring/services/health/status", s.base);
        // 200, or 503 while no `impex run` is alive: both are answers
        wait_for("the API answers", Duration::from_secs(20), || matches!(curl(&["-k", &url]).0, 200 | 503));
        s
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM; waits for the exit; returns stderr.
    pub fn terminate(mut self) -> (Option<i32>, String) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = std::mem::replace(&mut self.child, Command::new("true").spawn().unwrap()).wait().unwrap();
        (status.code(), std::fs::read_to_string(&self.log).unwrap_or_default())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // what the server said, for the failing test's output
            eprintln!("--- impex serve stderr ---\n{}", std::fs::read_to_string(&self.log).unwrap_or_default());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// curl `args`: (status, headers, body).
pub fn curl(args: &[&str]) -> (u16, String, String) {
    let out = Command::new("curl").args(["-s", "-S", "-D", "-", "--max-time", "10"]).args(args).output().expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

#[test]
fn serve_answers_health_challenges_callers_and_stops_gracefully() {
    let env = TestEnv::new(true);
    let s = Server::start(&env, &["serve"], false);
    // no `impex run` beats: unavailable, with the spec's body naming the scheduler
    let (status, _, body) = curl(&[&s.url("/monitoring/services/health/status")]);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains(r#""name":"scheduler""#) && body.contains(r#""serverType":"serve""#), "{body}");
    // the served contract
    let (status, head, body) = curl(&[&s.url("/openapi/intershop-order-management-atp-2.0.yaml")]);
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-type: application/yaml") && body.contains("/atp/{shopId}/{id}"), "{head}");
    assert_eq!(curl(&[&s.url("/openapi/nothing.yaml")]).0, 404);
    assert_eq!(curl(&[&s.url("/openapi/intershop-order-management-rma-2.12.yaml")]).0, 200, "the RMA spec is served");
    // an unknown path, a method the path does not take: the family's error body, the Allow kept
    let (status, _, body) = curl(&[&s.url("/servlets/services/nothing")]);
    assert!(status == 404 && body.contains(r#""statusCode":404"#) && body.contains("no resource at /servlets/services/nothing"), "{body}");
    let (status, _, body) = curl(&[&s.url("/rest/nothing")]);
    assert!(status == 404 && body.contains(r#""status":404"#) && body.contains("NOT_FOUND"), "{body}");
    let (status, head, body) = curl(&["-X", "PATCH", &s.url("/openapi/")]);
    assert!(status == 405 && head.to_ascii_lowercase().contains("allow: get") && body.contains("PATCH is not allowed on /openapi/"), "{head}{body}");
    // everything else needs credentials: 401 with a Basic challenge, in the spec's body
    for extra in [vec![], vec!["-u", "nobody:wrong"]] {
        let mut args = extra.clone();
        let url = s.url("/metrics");
        args.push(&url);
        let (status, head, _) = curl(&args);
        assert_eq!(status, 401, "{head}");
        assert!(head.to_ascii_lowercase().contains("www-authenticate: basic realm="), "{head}");
    }
    let (code, log) = s.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("http: stopped"), "{log}");
    // the access log names method, path and status, never a credential
    assert!(log.contains("path=/monitoring/services/health/status status=503"), "{log}");
}

#[test]
fn https_with_a_test_certificate() {
    let env = TestEnv::new(false);
    let (cert, key) = (env.path("cert.pem"), env.path("key.pem"));
    let ok = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    let s = Server::start(&env, &["serve", "--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()], true);
    let url = s.url("/monitoring/services/health/status");
    // verified against the test certificate
    let (status, _, body) = curl(&["--cacert", cert.to_str().unwrap(), &url]);
    assert!(status == 503 && body.contains(r#""statusCode":503"#), "{status} {body}");
    // plain HTTP on the HTTPS port is not answered as HTTP
    assert_eq!(curl(&[&url.replace("https://", "http://")]).0, 0);
    // a missing certificate file stops the start with a message naming it
    let out = env.run(&["serve", "--listen", "127.0.0.1:1", "--tls-cert", "/nonexistent.pem", "--tls-key", key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.pem"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn run_with_listen_serves_beside_the_scheduler() {
    let env = TestEnv::new(true);
    let s = Server::start(&env, &["run"], false);
    // healthy once the scheduler has beaten
    wait_for("a healthy status", Duration::from_secs(20), || curl(&[&s.url("/monitoring/services/health/status")]).0 == 200);
    let (code, log) = s.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("http: stopped") && log.contains("scheduler stopped"), "{log}");
}

/// `impex user add ACCOUNT --role ROLE [target]` with the password on standard input.
pub fn add_user(env: &TestEnv, account: &str, password: &str, role: &str, target: &[&str]) {
    use std::io::Write;
    let mut args = vec!["user", "add", account, "--role", role];
    args.extend(target);
    let mut child = env.cmd(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "impex user add: {}", String::from_utf8_lossy(&out.stderr));
}

/// An operator reads /metrics; a shop's technical user may not (403); wrong passwords block the
/// account (then even the right one gets 401), the log says so and never shows a password.
#[test]
fn users_rights_and_lockout_over_http() {
    let env = TestEnv::new(true);
    add_user(&env, "ops", "ops-secret-1", "Operator", &[]);
    add_user(&env, "webshop", "shop-secret-2", "ShopServiceClient", &["--shop", "10000"]);
    let s = Server::start(&env, &["serve"], false);
    let url = s.url("/metrics");
    let (status, head, body) = curl(&["-u", "ops:ops-secret-1", &url]);
    assert_eq!(status, 200, "{head}");
    assert!(body.contains("impex_http_requests_total") && body.contains("impex_transmissions"), "{body}");
    assert_eq!(curl(&["-u", "webshop:shop-secret-2", &url]).0, 403);
    for _ in 0..5 {
        assert_eq!(curl(&["-u", "webshop:bad-guess-3", &url]).0, 401);
    }
    assert_eq!(curl(&["-u", "webshop:shop-secret-2", &url]).0, 401, "blocked after 5 failures");
    assert_eq!(curl(&["-u", "ops:ops-secret-1", &url]).0, 200, "another account is not affected");
    let (_, log) = s.terminate();
    assert!(log.contains("USER_BLOCKED") || log.contains("blocked"), "{log}");
    for secret in ["ops-secret-1", "shop-secret-2", "bad-guess-3", "$argon2"] {
        assert!(!log.contains(secret), "`{secret}` in the log:\n{log}");
    }
    assert!(log.contains("user=ops"), "{log}");
}

/// Whether schemathesis is installed (tests/.venv, made by tests/install-deps.sh); says the
/// test is skipped when not.
pub fn schemathesis_installed() -> bool {
    let there = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/.venv/bin/schemathesis").exists();
    if !there {
        crate::support::transfer::skip("schemathesis is not installed (tests/install-deps.sh makes tests/.venv)");
    }
    there
}

/// How a contract test runs schemathesis.
pub struct Contract<'a> {
    /// The spec in tests/openapi.
    pub spec: &'a str,
    /// The spec's server path on `s` (e.g. `/rest`).
    pub base: &'a str,
    /// `user:password`.
    pub auth: &'a str,
    /// Examples per operation.
    pub cases: u32,
    /// With tests/schemathesis.toml (400 accepted for schema-valid data refused for its
    /// meaning, no undeclared parameters in negative data, the seeded ids).
    pub config: bool,
}

/// Runs schemathesis (`--checks all`, seed 1) against `s`; `extra` are further arguments of
/// `run`. Panics with its report and the server's last log lines when it fails.
pub fn schemathesis(env: &TestEnv, s: &Server, c: &Contract<'_>, extra: &[&str]) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(root.join("tests/.venv/bin/schemathesis"));
    if c.config {
        cmd.arg("--config-file").arg(root.join("tests/schemathesis.toml"));
    }
    let cases = c.cases.to_string();
    let out = cmd
        .arg("run")
        .arg(root.join("tests/openapi").join(c.spec))
        .args(["--url", &s.url(c.base), "--auth", c.auth, "-n", &cases, "--seed", "1", "--checks", "all"])
        .args(extra)
        .current_dir(env.path(""))
        .env("NO_COLOR", "1")
        .output()
        .expect("schemathesis");
    if !out.status.success() {
        let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let log: String = std::fs::read_to_string(&s.log).unwrap_or_default().lines().rev().take(40).collect::<Vec<_>>().join("\n");
        panic!("schemathesis {} {extra:?} failed:\n{text}\nthe server's last log lines (newest first):\n{log}", c.spec);
    }
}

/// `impex serve` that cannot listen (the port is taken) fails and leaves no heartbeat row: no
/// node that never served shows in the cluster status.
#[test]
fn serve_that_cannot_listen_leaves_no_heartbeat() {
    let env = TestEnv::new(true);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = env.run(&["serve", "--listen", &addr]);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&addr), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ProcessHeartbeatDO""#), 0);
}
