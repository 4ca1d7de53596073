//! File transfer job (JobDefDO 3) against real servers: vsftpd (FTP, explicit FTPS) and OpenSSH
//! sshd (SFTP) on loopback, plus local directories. See `support::transfer` for the harness.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::env::TestEnv;
use impex::jobs::{JobContext, JobError, Outcome, Report};
use crate::support::transfer as ts;

const REGEX: &str = r"OpenPositionsImport_[0-9]*\.xml";

fn ctx(env: &TestEnv, config: i64, key: &str) -> JobContext {
    JobContext {
        db_path: env.db(),
        base: env.base(),
        schedule_id: config,
        schedule_key: key.into(),
        config_id: Some(config),
        cancel: Arc::new(AtomicBool::new(false)),
    }
}

fn run(env: &TestEnv, config: i64, key: &str) -> Result<Report, JobError> {
    impex::transfer::job::run(&ctx(env, config, key))
}

fn in_dir(env: &TestEnv, key: &str) -> PathBuf {
    env.base().join("share").join(key).join("in")
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().filter(|e| e.path().is_file()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn count(env: &TestEnv, config: i64, direction: &str, state: &str) -> i64 {
    env.query_i64(&format!(
        r#"SELECT count(*) FROM "TransferFileDO" WHERE "configRef" = {config} AND "direction" = '{direction}' AND "state" = '{state}'"#
    ))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Proto {
    Ftp,
    Ftps,
    Sftp,
    Local,
}

/// Servers for one protocol, kept alive for the test.
struct Servers {
    _ftp: Option<ts::Vsftpd>,
    sshd: Option<ts::Sshd>,
    /// pullFtpAccount and the extra options the protocol needs.
    values: Vec<(&'static str, String)>,
}

fn servers(p: Proto) -> Option<Servers> {
    let need = match p {
        Proto::Ftp | Proto::Ftps => (true, false),
        Proto::Sftp => (false, true),
        Proto::Local => (false, false),
    };
    if p != Proto::Local {
        if let Some(why) = ts::unavailable(need.0, need.1) {
            ts::skip(&why);
            return None;
        }
    } else if let Some(why) = ts::unavailable(false, false) {
        // Local needs no server, but the remote area is set up for the test user.
        ts::skip(&why);
        return None;
    }
    Some(match p {
        Proto::Ftp => {
            let f = ts::Vsftpd::start(false);
            let values = vec![("pullFtpAccount", f.account(false))];
            Servers { _ftp: Some(f), sshd: None, values }
        }
        Proto::Ftps => {
            let f = ts::Vsftpd::start(true);
            let values = vec![
                ("pullFtpAccount", f.account(true)),
                ("ftpsCaFile", f.cert.as_ref().unwrap().display().to_string()),
            ];
            Servers { _ftp: Some(f), sshd: None, values }
        }
        Proto::Sftp => {
            let s = ts::Sshd::start();
            let values = vec![("pullFtpAccount", s.account_password()), ("knownHostsFile", s.known_hosts.display().to_string())];
            Servers { _ftp: None, sshd: Some(s), values }
        }
        Proto::Local => Servers { _ftp: None, sshd: None, values: vec![] },
    })
}

/// One body for every protocol: pull 50 files, deliver 3, nothing twice, duplicates recognised.
fn pull_and_deliver(p: Proto) {
    let Some(srv) = servers(p) else { return };
    let area = ts::Area::new();
    let env = TestEnv::new(false);
    for i in 0..50u64 {
        area.put(&format!("OpenPositionsImport_{i}.xml"), &ts::content(i, 1000 + i as usize * 37));
    }
    area.put("ignored.txt", b"not matching");
    let outbox = env.base().join("communication/messages/out");
    for i in 0..3u64 {
        std::fs::write(outbox.join(format!("SEND_DEBTOR_{i}.xml")), ts::content(100 + i, 5000)).unwrap();
    }
    // An older file of the same name at the partner is replaced (SFTP: removed, then renamed).
    std::fs::write(area.path("deliver").join("SEND_DEBTOR_0.xml"), b"old").unwrap();
    let mut values = srv.values.clone();
    values.push(("pullDirectory", area.remote().display().to_string()));
    values.push(("pullFilenameRegex", REGEX.into()));
    values.push(("deliverRemoteDirectory", area.path("deliver").display().to_string()));
    ts::configure(&env.store(), 10000, "import_openpositions", 30, &values);

    let r = run(&env, 10000, "import_openpositions").unwrap_or_else(|e| panic!("{p:?}: {e}"));
    assert_eq!(r.outcome, Outcome::Ok, "{p:?}: {}", r.message);
    assert_eq!(r.ok_count, 53, "{p:?}: {}", r.message);
    let inbox = in_dir(&env, "import_openpositions");
    assert_eq!(names(&inbox).len(), 50, "{p:?}");
    for i in 0..50u64 {
        let got = std::fs::read(inbox.join(format!("OpenPositionsImport_{i}.xml"))).unwrap();
        assert_eq!(got, ts::content(i, 1000 + i as usize * 37), "{p:?}: file {i} differs");
    }
    assert_eq!(names(&area.remote()), vec!["ignored.txt"], "{p:?}: pulled files are removed remotely");
    assert_eq!(count(&env, 10000, "PULL", "DONE"), 50);
    // Deliver: in place under the final names, no temporary names left, local files in sent/.
    let delivered = names(&area.path("deliver"));
    assert_eq!(delivered, vec!["SEND_DEBTOR_0.xml", "SEND_DEBTOR_1.xml", "SEND_DEBTOR_2.xml"], "{p:?}");
    for i in 0..3u64 {
        assert_eq!(std::fs::read(area.path("deliver").join(format!("SEND_DEBTOR_{i}.xml"))).unwrap(), ts::content(100 + i, 5000));
    }
    assert!(names(&outbox).is_empty(), "{p:?}: outbox emptied");
    assert_eq!(names(&outbox.join("sent")).len(), 3);
    assert_eq!(count(&env, 10000, "PUSH", "DONE"), 3);
    assert!(!std::fs::read_dir(inbox.parent().unwrap().join(".partial")).unwrap().any(|_| true), "no partial files left");

    // Nothing new: nothing transferred.
    let r = run(&env, 10000, "import_openpositions").unwrap();
    assert_eq!(r.ok_count, 0, "{}", r.message);

    // The same content again (after the import consumed in/): a duplicate, removed remotely.
    std::fs::remove_file(inbox.join("OpenPositionsImport_7.xml")).unwrap();
    area.put("OpenPositionsImport_7.xml", &ts::content(7, 1000 + 7 * 37));
    area.put("OpenPositionsImport_777.xml", &ts::content(7, 1000 + 7 * 37));
    let r = run(&env, 10000, "import_openpositions").unwrap();
    assert!(r.message.contains("duplicate"), "{}", r.message);
    assert_eq!(count(&env, 10000, "PULL", "DUPLICATE"), 2);
    assert_eq!(names(&area.remote()), vec!["ignored.txt"]);
    assert_eq!(names(&inbox).len(), 49, "a duplicate is not imported again");
}

#[test]
fn pull_and_deliver_ftp() {
    pull_and_deliver(Proto::Ftp);
}

#[test]
fn pull_and_deliver_ftps() {
    pull_and_deliver(Proto::Ftps);
}

#[test]
fn pull_and_deliver_sftp() {
    pull_and_deliver(Proto::Sftp);
}

#[test]
fn pull_and_deliver_local() {
    pull_and_deliver(Proto::Local);
}

/// Every cipher impex offers, each forced by the server, moves files intact in both
/// directions. Guards the vendored libssh2 patch (vendor/libssh2-sys/IMPEX-PATCH.md) that
/// decrypts and encrypts whole packets instead of 16-byte blocks: sizes around the block and
/// packet boundaries, and files of several SFTP packets.
#[test]
fn sftp_every_cipher_moves_files_intact() {
    if let Some(why) = ts::unavailable(false, true) {
        ts::skip(&why);
        return;
    }
    let sizes = [0usize, 1, 15, 16, 17, 31, 33, 4095, 32_767, 32_768, 32_769, 100_003, 3 << 20];
    let cases = [
        ("aes128-gcm@openssh.com", ""),
        ("aes256-gcm@openssh.com", ""),
        ("aes128-ctr", "hmac-sha2-256-etm@openssh.com"),
        ("aes256-ctr", "hmac-sha2-256"),
        ("aes192-ctr", "hmac-sha2-512-etm@openssh.com"),
        ("chacha20-poly1305@openssh.com", ""),
    ];
    for (n, (cipher, mac)) in cases.iter().enumerate() {
        let mut extra = format!("Ciphers {cipher}\n");
        if !mac.is_empty() {
            extra.push_str(&format!("MACs {mac}\n"));
        }
        let sshd = ts::Sshd::start_with(&extra);
        let area = ts::Area::new();
        let env = TestEnv::new(false);
        for (i, size) in sizes.iter().enumerate() {
            area.put(&format!("OpenPositionsImport_{i}.xml"), &ts::content(i as u64 + 7 * n as u64, *size));
        }
        let outbox = env.base().join("communication/messages/out");
        for (i, size) in [1usize, 16, 65_537, 2 << 20].iter().enumerate() {
            std::fs::write(outbox.join(format!("SEND_DEBTOR_{i}.xml")), ts::content(50 + i as u64, *size)).unwrap();
        }
        ts::configure(&env.store(), 10000, "import_openpositions", 30, &[
            ("pullFtpAccount", sshd.account_password()),
            ("knownHostsFile", sshd.known_hosts.display().to_string()),
            ("pullDirectory", area.remote().display().to_string()),
            ("pullFilenameRegex", REGEX.into()),
            ("deliverRemoteDirectory", area.path("deliver").display().to_string()),
        ]);
        let r = run(&env, 10000, "import_openpositions").unwrap_or_else(|e| panic!("{cipher}: {e}"));
        assert_eq!(r.outcome, Outcome::Ok, "{cipher}: {}", r.message);
        let inbox = in_dir(&env, "import_openpositions");
        for (i, size) in sizes.iter().enumerate() {
            let got = std::fs::read(inbox.join(format!("OpenPositionsImport_{i}.xml"))).unwrap();
            assert!(got == ts::content(i as u64 + 7 * n as u64, *size), "{cipher}: pulled file of {size} bytes differs");
        }
        for (i, size) in [1usize, 16, 65_537, 2 << 20].iter().enumerate() {
            let got = std::fs::read(area.path("deliver").join(format!("SEND_DEBTOR_{i}.xml"))).unwrap();
            assert!(got == ts::content(50 + i as u64, *size), "{cipher}: delivered file of {size} bytes differs");
        }
    }
}

/// SFTP key logins: ed25519 (OpenSSH format), RSA (PEM), ECDSA with a passphrase; a PuTTY key
/// is refused with the conversion command.
#[test]
fn sftp_key_logins() {
    let Some(srv) = servers(Proto::Sftp) else { return };
    let sshd = srv.sshd.as_ref().unwrap();
    let env = TestEnv::new(false);
    let cases: Vec<(&str, Option<&str>)> = vec![("user_ed25519", None), ("user_rsa_pem", None), ("user_ecdsa_pass", Some("secret phrase"))];
    let mut id = 10000;
    for (key, pass) in cases {
        let area = ts::Area::new();
        area.put("OpenPositionsImport_1.xml", b"<x/>");
        let mut values = vec![
            ("pullFtpAccount", sshd.account_key()),
            ("pullPrivateKeyFile", sshd.key(key).display().to_string()),
            ("knownHostsFile", sshd.known_hosts.display().to_string()),
            ("pullDirectory", area.remote().display().to_string()),
        ];
        if let Some(p) = pass {
            values.push(("pullPrivateKeyPassphrase", p.to_string()));
        }
        ts::configure(&env.store(), id, &format!("k{id}"), 10, &values);
        let r = run(&env, id, &format!("k{id}")).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(r.ok_count, 1, "{key}: {}", r.message);
        id += 1;
    }
    // A wrong passphrase: permanent, and it does not leak.
    let area = ts::Area::new();
    ts::configure(&env.store(), id, "wrongpass", 10, &[
        ("pullFtpAccount", sshd.account_key()),
        ("pullPrivateKeyFile", sshd.key("user_ecdsa_pass").display().to_string()),
        ("pullPrivateKeyPassphrase", "not the phrase".into()),
        ("knownHostsFile", sshd.known_hosts.display().to_string()),
        ("pullDirectory", area.remote().display().to_string()),
    ]);
    match run(&env, id, "wrongpass") {
        Err(JobError::Permanent(m)) => assert!(!m.contains("not the phrase"), "{m}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
    // A PuTTY key.
    id += 1;
    let ppk = area.path("key.ppk");
    std::fs::write(&ppk, "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n").unwrap();
    ts::configure(&env.store(), id, "ppk", 10, &[
        ("pullFtpAccount", sshd.account_key()),
        ("pullPrivateKeyFile", ppk.display().to_string()),
        ("knownHostsFile", sshd.known_hosts.display().to_string()),
        ("pullDirectory", area.remote().display().to_string()),
    ]);
    match run(&env, id, "ppk") {
        Err(JobError::Permanent(m)) => assert!(m.contains("puttygen") && m.contains("-O private-openssh"), "{m}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

/// Unknown host: refused, unless acceptNewHostKey (then remembered); a changed key: permanent
/// error naming host and SHA256 fingerprint.
#[test]
fn sftp_host_key_checks() {
    let Some(srv) = servers(Proto::Sftp) else { return };
    let sshd = srv.sshd.as_ref().unwrap();
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    area.put("OpenPositionsImport_1.xml", b"<x/>");
    let kh = area.path("known_hosts");
    std::fs::write(&kh, "# empty\n").unwrap();
    let base = vec![
        ("pullFtpAccount", sshd.account_password()),
        ("knownHostsFile", kh.display().to_string()),
        ("pullDirectory", area.remote().display().to_string()),
    ];
    ts::configure(&env.store(), 10000, "strict", 10, &base);
    match run(&env, 10000, "strict") {
        Err(JobError::Permanent(m)) => {
            assert!(m.contains("unknown SFTP host") && m.contains(&format!("[127.0.0.1]:{}", sshd.port)) && m.contains("SHA256:"), "{m}")
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }
    assert_eq!(names(&area.remote()).len(), 1, "nothing pulled from an unverified host");

    let mut accept = base.clone();
    accept.push(("acceptNewHostKey", "true".into()));
    ts::configure(&env.store(), 10001, "accept", 10, &accept);
    let r = run(&env, 10001, "accept").unwrap();
    assert_eq!(r.ok_count, 1);
    let text = std::fs::read_to_string(&kh).unwrap();
    assert!(text.contains(&format!("[127.0.0.1]:{} {}", sshd.port, sshd.host_pub)), "{text}");
    // Now known: the strict configuration works too.
    area.put("OpenPositionsImport_2.xml", b"<y/>");
    assert_eq!(run(&env, 10000, "strict").unwrap().ok_count, 1);

    // A different key for this host.
    let other = area.path("other_key");
    ts::keygen(&other, "ed25519", "", &[]);
    let other_pub = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let other_pub = other_pub.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    std::fs::write(&kh, format!("[127.0.0.1]:{} {other_pub}\n", sshd.port)).unwrap();
    area.put("OpenPositionsImport_3.xml", b"<z/>");
    match run(&env, 10000, "strict") {
        Err(JobError::Permanent(m)) => {
            assert!(m.contains("MISMATCH") && m.contains(&format!("[127.0.0.1]:{}", sshd.port)) && m.contains("SHA256:"), "{m}")
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }
    assert!(names(&area.remote()).contains(&"OpenPositionsImport_3.xml".to_string()));
}

/// Wrong password: permanent, the password appears nowhere (error, CLI output, ledger).
#[test]
fn wrong_password_is_permanent_and_never_shown() {
    let Some(ftp) = servers(Proto::Ftp) else { return };
    let Some(sftp) = servers(Proto::Sftp) else { return };
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    area.put("OpenPositionsImport_1.xml", b"<x/>");
    let ftp_port = ftp._ftp.as_ref().unwrap().port;
    let sshd = sftp.sshd.as_ref().unwrap();
    let secret = "Wr0ng-Secret-Pw";
    let accounts = [
        format!("{}:{secret}@127.0.0.1:{ftp_port}", ts::USER),
        format!("sftp://{}:{secret}@127.0.0.1:{}", ts::USER, sshd.port),
    ];
    for (i, acc) in accounts.iter().enumerate() {
        let id = 10000 + i as i64;
        ts::configure(&env.store(), id, &format!("pw{id}"), 10, &[
            ("pullFtpAccount", acc.clone()),
            ("knownHostsFile", sshd.known_hosts.display().to_string()),
            ("pullDirectory", area.remote().display().to_string()),
        ]);
        match run(&env, id, &format!("pw{id}")) {
            Err(JobError::Permanent(m)) => {
                assert!(!m.contains(secret), "{m}");
                assert!(m.contains(ts::USER), "names the user: {m}");
            }
            other => panic!("{acc}: expected a permanent error, got {other:?}"),
        }
        let out = env.run(&["transfer", &id.to_string()]);
        assert_eq!(out.status.code(), Some(2));
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!all.contains(secret), "{all}");
        assert!(all.contains("impex: error"), "{all}");
    }
    assert_eq!(names(&area.remote()).len(), 1);
}

/// Unreachable port: temporary. Missing remote directory: permanent.
#[test]
fn unreachable_is_temporary_missing_directory_is_permanent() {
    let Some(srv) = servers(Proto::Ftp) else { return };
    let env = TestEnv::new(false);
    let closed = ts::free_port();
    for (i, acc) in [format!("ftp://u:p@127.0.0.1:{closed}"), format!("sftp://u:p@127.0.0.1:{closed}")].iter().enumerate() {
        let id = 10000 + i as i64;
        ts::configure(&env.store(), id, &format!("c{id}"), 10, &[
            ("pullFtpAccount", acc.clone()),
            ("pullDirectory", "/tmp".into()),
            ("connectTimeout", "2".into()),
        ]);
        match run(&env, id, &format!("c{id}")) {
            Err(JobError::Temporary(m)) => assert!(m.contains(&closed.to_string()), "{m}"),
            other => panic!("{acc}: expected a temporary error, got {other:?}"),
        }
    }
    let mut values = srv.values.clone();
    values.push(("pullDirectory", "/no/such/directory".into()));
    ts::configure(&env.store(), 10002, "missing", 10, &values);
    match run(&env, 10002, "missing") {
        Err(JobError::Permanent(m)) => assert!(m.contains("/no/such/directory"), "{m}"),
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

/// A file still being written (modified less than minFileAge ago) is left for the next run.
#[test]
fn file_being_written_is_pulled_later() {
    let Some(srv) = servers(Proto::Sftp) else { return };
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    let mut values = srv.values.clone();
    values.push(("pullDirectory", area.remote().display().to_string()));
    values.push(("minFileAge", "30".into()));
    ts::configure(&env.store(), 10000, "young", 10, &values);
    let p = area.put("OpenPositionsImport_1.xml", b"<partial");
    ts::age(&p, 0); // just written
    let r = run(&env, 10000, "young").unwrap();
    assert_eq!(r.ok_count, 0, "{}", r.message);
    assert!(r.message.contains("minFileAge"), "{}", r.message);
    assert!(names(&in_dir(&env, "young")).is_empty());
    // The writer finishes; the file gets old enough.
    std::fs::write(&p, b"<complete/>").unwrap();
    ts::age(&p, 60);
    let r = run(&env, 10000, "young").unwrap();
    assert_eq!(r.ok_count, 1, "{}", r.message);
    assert_eq!(std::fs::read(in_dir(&env, "young").join("OpenPositionsImport_1.xml")).unwrap(), b"<complete/>");
}

/// Configuration 10000 (schedule key `key`): SFTP to `sshd` through `proxy`, pulling from
/// `area`, I/O timeout 5 s; the proxy's port is in the known_hosts file.
fn configure_via_proxy(env: &TestEnv, sshd: &ts::Sshd, proxy: &ts::Proxy, area: &ts::Area, key: &str) {
    let kh = area.path("known_hosts");
    std::fs::write(&kh, format!("[127.0.0.1]:{} {}\n", proxy.port, sshd.host_pub)).unwrap();
    ts::configure(&env.store(), 10000, key, 10, &[
        ("pullFtpAccount", format!("sftp://{}:{}@127.0.0.1:{}", ts::USER, ts::PASSWORD, proxy.port)),
        ("knownHostsFile", kh.display().to_string()),
        ("pullDirectory", area.remote().display().to_string()),
        ("ioTimeout", "5".into()),
    ]);
}

/// The connection drops in the middle of a file: the run fails temporarily, nothing half is
/// imported; the next run pulls the file exactly once.
#[test]
fn dropped_connection_mid_transfer() {
    let Some(srv) = servers(Proto::Sftp) else { return };
    let sshd = srv.sshd.as_ref().unwrap();
    let proxy = ts::Proxy::start(sshd.port);
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    let big = ts::content(42, 4 * 1024 * 1024);
    area.put("OpenPositionsImport_1.xml", &big);
    configure_via_proxy(&env, sshd, &proxy, &area, "drop");
    proxy.cut_after.store(1024 * 1024, Ordering::SeqCst);
    match run(&env, 10000, "drop") {
        Err(JobError::Temporary(m)) => assert!(m.contains("OpenPositionsImport_1.xml") || m.contains("reading"), "{m}"),
        other => panic!("expected a temporary error, got {other:?}"),
    }
    assert!(proxy.cuts.load(Ordering::SeqCst) >= 1, "the proxy cut the connection");
    assert!(names(&in_dir(&env, "drop")).is_empty(), "nothing half-pulled lands in in/");
    assert_eq!(count(&env, 10000, "PULL", "LISTED"), 1);
    proxy.cut_after.store(0, Ordering::SeqCst);
    let r = run(&env, 10000, "drop").unwrap();
    assert_eq!(r.ok_count, 1, "{}", r.message);
    assert_eq!(std::fs::read(in_dir(&env, "drop").join("OpenPositionsImport_1.xml")).unwrap(), big);
    assert_eq!(count(&env, 10000, "PULL", "DONE"), 1);
    assert_eq!(env.query_i64(r#"SELECT "attempts" FROM "TransferFileDO""#), 2);
    assert!(names(&area.remote()).is_empty());
}

/// A server that does not understand EPSV (`502`): impex falls back to PASV once and pulls
/// every file (vsftpd itself always accepts EPSV; a proxy answers for it).
#[test]
fn ftp_without_epsv_falls_back_to_pasv() {
    let Some(srv) = servers(Proto::Ftp) else { return };
    let ftp = srv._ftp.as_ref().unwrap();
    let proxy = ts::RefusingProxy::start(ftp.port, &["EPSV"]);
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    for i in 0..3u64 {
        area.put(&format!("OpenPositionsImport_{i}.xml"), &ts::content(i, 50_000));
    }
    ts::configure(&env.store(), 10000, "pasv", 10, &[
        ("pullFtpAccount", format!("ftp://{}:{}@127.0.0.1:{}", ts::USER, ts::PASSWORD, proxy.port)),
        ("pullDirectory", area.remote().display().to_string()),
        ("pullFilenameRegex", REGEX.into()),
    ]);
    let r = run(&env, 10000, "pasv").unwrap();
    assert_eq!(r.ok_count, 3, "{}", r.message);
    assert!(proxy.refused.load(Ordering::SeqCst) >= 1, "impex tried EPSV first");
    for i in 0..3u64 {
        assert_eq!(std::fs::read(in_dir(&env, "pasv").join(format!("OpenPositionsImport_{i}.xml"))).unwrap(), ts::content(i, 50_000));
    }
    assert!(names(&area.remote()).is_empty());
}

/// A cut connection during the SFTP download of a large file (through the pipe to the O_DIRECT
/// writer): nothing lands in in/, the next run pulls the file whole over one connection.
#[test]
fn dropped_connection_during_a_large_download() {
    let Some(srv) = servers(Proto::Sftp) else { return };
    let sshd = srv.sshd.as_ref().unwrap();
    let proxy = ts::Proxy::start(sshd.port);
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    let big = ts::content(43, 72 * 1024 * 1024);
    area.put("OpenPositionsImport_1.xml", &big);
    configure_via_proxy(&env, sshd, &proxy, &area, "bigcut");
    // the connection is cut after 20 MB
    proxy.cut_after.store(20 * 1024 * 1024, Ordering::SeqCst);
    match run(&env, 10000, "bigcut") {
        Err(JobError::Temporary(m)) => assert!(m.contains("OpenPositionsImport_1.xml") || m.contains("reading"), "{m}"),
        other => panic!("expected a temporary error, got {other:?}"),
    }
    assert!(proxy.cuts.load(Ordering::SeqCst) >= 1, "the proxy cut a connection");
    assert!(names(&in_dir(&env, "bigcut")).is_empty(), "nothing half-pulled lands in in/");
    proxy.cut_after.store(0, Ordering::SeqCst);
    let before = proxy.connections.load(Ordering::SeqCst);
    let r = run(&env, 10000, "bigcut").unwrap();
    assert_eq!(r.ok_count, 1, "{}", r.message);
    assert_eq!(proxy.connections.load(Ordering::SeqCst) - before, 1, "one connection");
    assert!(std::fs::read(in_dir(&env, "bigcut").join("OpenPositionsImport_1.xml")).unwrap() == big, "content");
    assert_eq!(count(&env, 10000, "PULL", "DONE"), 1);
    assert!(names(&area.remote()).is_empty());
}

/// `kill -9` of `impex transfer` in the middle of a pull, at several points: after rerunning,
/// every file is in in/ exactly once with the right content.
#[test]
fn killed_mid_pull_each_file_exactly_once() {
    let Some(srv) = servers(Proto::Ftp) else { return };
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    let mut expected = Vec::new();
    for i in 0..30u64 {
        let size = if i % 10 == 5 { 8 * 1024 * 1024 } else { 20_000 };
        let c = ts::content(i, size);
        area.put(&format!("OpenPositionsImport_{i}.xml"), &c);
        expected.push((format!("OpenPositionsImport_{i}.xml"), c));
    }
    let mut values = srv.values.clone();
    values.push(("pullDirectory", area.remote().display().to_string()));
    values.push(("pullFilenameRegex", REGEX.into()));
    ts::configure(&env.store(), 10000, "killed", 10, &values);
    let inbox = in_dir(&env, "killed");
    let mut kills = 0;
    let mut in_flight = 0;
    for round in 0..6 {
        let mut child = env.cmd(&["transfer", "10000"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
        // Kill at different moments: after more and more files have landed.
        let target = 3 + round * 5;
        let start = std::time::Instant::now();
        while names(&inbox).len() < target && start.elapsed() < Duration::from_secs(20) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
            kills += 1;
        }
        let _ = child.wait();
        in_flight += count(&env, 10000, "PULL", "DOWNLOADING") + count(&env, 10000, "PULL", "DOWNLOADED");
    }
    eprintln!("killed {kills} times, {in_flight} times with a file in flight");
    assert!(kills >= 2, "the pull was killed at least twice ({kills})");
    assert!(in_flight >= 1, "at least one kill hit a file in the middle of its transfer");
    env.ok(&["transfer", "10000"]);
    let got = names(&inbox);
    assert_eq!(got.len(), 30, "{got:?}");
    for (name, c) in &expected {
        assert_eq!(&std::fs::read(inbox.join(name)).unwrap(), c, "{name}");
    }
    assert_eq!(count(&env, 10000, "PULL", "DONE"), 30);
    assert_eq!(count(&env, 10000, "PULL", "DUPLICATE"), 0);
    assert!(names(&area.remote()).is_empty());
}

/// Peak memory of the `impex transfer` process (kB): its VmHWM, polled until it exits. (The
/// rusage of wait4 would count the test process's memory too when the child was forked.)
fn run_measured(env: &TestEnv, args: &[&str]) -> (i32, i64) {
    let mut child = env.cmd(args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0i64;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            // Before exec, the child is still a copy of the test process: only count impex.
            let is_impex = s.lines().next().is_some_and(|l| l.contains("impex"));
            if let Some(kb) = s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<i64>().ok()) {
                if is_impex {
                    peak = peak.max(kb);
                }
            }
        }
        if let Some(st) = child.try_wait().unwrap() {
            return (st.code().unwrap_or(-1), peak);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A 200 MB file over SFTP and FTP with flat memory (peak RSS of the process < 50 MB).
#[test]
fn large_file_flat_memory() {
    for p in [Proto::Sftp, Proto::Ftp] {
        let Some(srv) = servers(p) else { return };
        let env = TestEnv::new(false);
        let area = ts::Area::new();
        let path = area.remote().join("OpenPositionsImport_1.xml");
        {
            use std::io::Write;
            let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
            let chunk = ts::content(9, 1024 * 1024);
            for _ in 0..200 {
                f.write_all(&chunk).unwrap();
            }
        }
        ts::age(&path, 3600);
        let (uid, gid) = ts::ensure_user();
        ts::chown(&path, uid, gid);
        let mut values = srv.values.clone();
        values.push(("pullDirectory", area.remote().display().to_string()));
        ts::configure(&env.store(), 10000, "big", 10, &values);
        let (code, rss_kb) = run_measured(&env, &["transfer", "10000"]);
        assert_eq!(code, 0, "{p:?}");
        assert!(rss_kb > 0, "{p:?}: no memory reading");
        let got = in_dir(&env, "big").join("OpenPositionsImport_1.xml");
        assert_eq!(std::fs::metadata(&got).unwrap().len(), 200 * 1024 * 1024, "{p:?}");
        // byte for byte, and the ledger's hash is the content's
        let chunk = ts::content(9, 1024 * 1024);
        let mut hash = <sha2::Sha256 as sha2::Digest>::new();
        {
            use std::io::Read;
            let mut f = std::fs::File::open(&got).unwrap();
            let mut buf = vec![0u8; chunk.len()];
            for i in 0..200 {
                f.read_exact(&mut buf).unwrap();
                assert!(buf == chunk, "{p:?}: MiB {i} differs");
                sha2::Digest::update(&mut hash, &buf);
            }
        }
        let stored = env.query_string(r#"SELECT "contentHash" FROM "TransferFileDO""#);
        assert_eq!(stored, hex::encode(sha2::Digest::finalize(hash)), "{p:?}: ledger hash");
        eprintln!("{p:?}: 200 MB pulled, peak RSS {} MB", rss_kb / 1024);
        assert!(rss_kb < 50 * 1024, "{p:?}: peak RSS {rss_kb} kB");
    }
}

/// Unsafe names get one REJECTED row (not one per run) and stay where they are.
#[test]
fn unsafe_names_are_rejected_once() {
    let Some(_srv) = servers(Proto::Local) else { return };
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    area.put("OpenPositionsImport_1\u{1b}[2J.xml", b"evil");
    area.put("OpenPositionsImport_2.xml", b"fine");
    ts::configure(&env.store(), 10000, "names", 10, &[
        ("pullDirectory", area.remote().display().to_string()),
        ("pullFilenameRegex", r"OpenPositionsImport_.*\.xml".into()),
    ]);
    let r = run(&env, 10000, "names").unwrap();
    assert_eq!(r.outcome, Outcome::Warn, "{}", r.message);
    assert_eq!((r.ok_count, r.failed_count), (1, 1));
    assert!(r.message.contains("control characters"), "{}", r.message);
    run(&env, 10000, "names").unwrap();
    assert_eq!(count(&env, 10000, "PULL", "REJECTED"), 1);
    let ledger = env.ok(&["transfer", "10000", "--ledger"]);
    assert!(ledger.contains("REJECTED") && ledger.contains("\\u{1b}") && !ledger.contains('\u{1b}'), "{ledger}");
    assert_eq!(names(&in_dir(&env, "names")), vec!["OpenPositionsImport_2.xml"]);
}

/// The lookup rule: the configuration's partner may be the receiving partner too; after the
/// pull the transformer group runs, and its failure is a WARN, not a failed pull.
#[test]
fn receiving_partner_and_transformer_warn() {
    let Some(_srv) = servers(Proto::Local) else { return };
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    area.put("OpenPositionsImport_1.xml", b"<x/>");
    let conn = env.store();
    ts::configure(&conn, 10000, "recv", 10, &[("pullDirectory", area.remote().display().to_string())]);
    // Swap: the configuration now names the shop, the communication partner's receiver.
    conn.execute_batch(
        r#"INSERT INTO "TransformerProcessGroupDO" ("id", "name") VALUES (10000, 'import_openpositions');
           -- a bean impex does not implement: the group cannot run
           INSERT INTO "TransformerBeanDefDO" ("id", "name") VALUES (777, 'SomeOtherBean');
           INSERT INTO "TransformerProcessDO" ("id", "index", "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex")
               VALUES (10000, 1, 777, 10000, 'OpenPositionsImport_.*');
           UPDATE "FileTransferConfigurationDO" SET "partnerReferrerRef" = 10010, "transformerProcessGroupRef" = 10000 WHERE "id" = 10000;"#,
    )
    .unwrap();
    let r = run(&env, 10000, "recv").unwrap();
    assert_eq!(r.outcome, Outcome::Warn, "{}", r.message);
    assert_eq!(r.ok_count, 1);
    assert!(r.message.contains("transformer group 10000"), "{}", r.message);
    assert_eq!(names(&in_dir(&env, "recv")), vec!["OpenPositionsImport_1.xml"]);
}

/// 3 of 5 files can be read: those 3 are pulled, the other 2 are reported (WARN) and stay
/// LISTED with the reason, to be tried again next run.
#[test]
fn partial_failure_pulls_what_it_can() {
    for p in [Proto::Ftp, Proto::Sftp] {
        let Some(srv) = servers(p) else { return };
        let env = TestEnv::new(false);
        let area = ts::Area::new();
        for i in 0..5u64 {
            let f = area.put(&format!("OpenPositionsImport_{i}.xml"), &ts::content(i, 3000));
            if i % 2 == 1 {
                // Owned by root, unreadable for the server's user.
                std::os::unix::fs::chown(&f, Some(0), Some(0)).unwrap();
                ts::chmod(&f, 0o600);
            }
        }
        let mut values = srv.values.clone();
        values.push(("pullDirectory", area.remote().display().to_string()));
        ts::configure(&env.store(), 10000, "partial", 10, &values);
        let r = run(&env, 10000, "partial").unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert_eq!(r.outcome, Outcome::Warn, "{p:?}: {}", r.message);
        assert_eq!((r.ok_count, r.failed_count), (3, 2), "{p:?}: {}", r.message);
        assert!(r.message.contains("OpenPositionsImport_1.xml") && r.message.contains("OpenPositionsImport_3.xml"), "{}", r.message);
        assert_eq!(names(&in_dir(&env, "partial")).len(), 3);
        assert_eq!(count(&env, 10000, "PULL", "LISTED"), 2);
        let err = env.query_string(r#"SELECT "error" FROM "TransferFileDO" WHERE "state" = 'LISTED' ORDER BY "id" LIMIT 1"#);
        assert!(err.to_lowercase().contains("permission") || err.contains("550"), "{p:?}: {err}");
        // Fixed by the partner: the next run pulls the rest.
        let (uid, gid) = ts::ensure_user();
        for i in [1, 3] {
            let f = area.remote().join(format!("OpenPositionsImport_{i}.xml"));
            ts::chown(&f, uid, gid);
        }
        let r = run(&env, 10000, "partial").unwrap();
        assert_eq!((r.outcome, r.ok_count), (Outcome::Ok, 2), "{p:?}: {}", r.message);
        assert_eq!(count(&env, 10000, "PULL", "DONE"), 5);
    }
}

/// remoteArchiveDirectory: pulled files are moved there instead of being deleted.
#[test]
fn remote_archive_directory() {
    let Some(srv) = servers(Proto::Ftp) else { return };
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    area.put("OpenPositionsImport_1.xml", b"<a/>");
    let archive = area.remote().join("archive");
    std::fs::create_dir(&archive).unwrap();
    let (uid, gid) = ts::ensure_user();
    ts::chown(&archive, uid, gid);
    let mut values = srv.values.clone();
    values.push(("pullDirectory", area.remote().display().to_string()));
    values.push(("remoteArchiveDirectory", archive.display().to_string()));
    ts::configure(&env.store(), 10000, "archive", 10, &values);
    assert_eq!(run(&env, 10000, "archive").unwrap().ok_count, 1);
    assert_eq!(names(&archive), vec!["OpenPositionsImport_1.xml"]);
    assert_eq!(names(&area.remote()), Vec::<String>::new());
    assert_eq!(names(&in_dir(&env, "archive")), vec!["OpenPositionsImport_1.xml"]);
}

/// A server that accepts the connection and then says nothing: the I/O timeout ends the run as
/// temporary, for FTP and SFTP alike.
#[test]
fn silent_server_times_out() {
    let Some(_srv) = servers(Proto::Local) else { return };
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in l.incoming().flatten() {
            held.push(c);
        }
    });
    let env = TestEnv::new(false);
    for (i, acc) in [format!("ftp://u:p@127.0.0.1:{port}"), format!("sftp://u:p@127.0.0.1:{port}")].iter().enumerate() {
        let id = 10000 + i as i64;
        ts::configure(&env.store(), id, &format!("t{id}"), 10, &[
            ("pullFtpAccount", acc.clone()),
            ("pullDirectory", "/tmp".into()),
            ("ioTimeout", "1".into()),
        ]);
        let start = std::time::Instant::now();
        match run(&env, id, &format!("t{id}")) {
            Err(JobError::Temporary(m)) => assert!(m.contains("timed out") || m.contains("Timeout") || m.contains("timeout"), "{acc}: {m}"),
            other => panic!("{acc}: expected a temporary error, got {other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{acc}: took {:?}", start.elapsed());
    }
}

/// FTPS with a certificate nobody vouches for (no ftpsCaFile): permanent, says TLS.
#[test]
fn ftps_untrusted_certificate_is_permanent() {
    let Some(srv) = servers(Proto::Ftps) else { return };
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    area.put("OpenPositionsImport_1.xml", b"<x/>");
    let account = srv.values.iter().find(|(k, _)| *k == "pullFtpAccount").unwrap().1.clone();
    ts::configure(&env.store(), 10000, "untrusted", 10, &[
        ("pullFtpAccount", account),
        ("pullDirectory", area.remote().display().to_string()),
    ]);
    match run(&env, 10000, "untrusted") {
        Err(JobError::Permanent(m)) => {
            assert!(m.contains("TLS") && !m.contains(ts::PASSWORD), "{m}");
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }
    assert_eq!(names(&area.remote()).len(), 1);
}

/// One run per transfer configuration at a time, on any node: while another node holds the
/// configuration's claim (on PostgreSQL its advisory lock, held by another session; on SQLite
/// the lock file in its work directory), a run is a temporary failure that pulls nothing; once
/// the claim ends, the next run pulls.
#[test]
fn a_configuration_another_node_holds_is_not_pulled_twice() {
    let Some(srv) = servers(Proto::Local) else { return };
    let env = TestEnv::new(false);
    let area = ts::Area::new();
    area.put("OpenPositionsImport_1.xml", b"<x/>");
    let mut values = srv.values.clone();
    values.push(("pullDirectory", area.remote().display().to_string()));
    ts::configure(&env.store(), 10000, "held", 10, &values);
    let pg = crate::support::env::on_postgres();
    let other = env.store();
    let work = env.base().join("share").join("held");
    std::fs::create_dir_all(&work).unwrap();
    let lock_file = std::fs::File::create(work.join(".impex-transfer.lock")).unwrap();
    if pg {
        let held = other.query_rows("SELECT pg_try_advisory_lock(hashtextextended('impex.' || CAST(?1 AS text), 0))", impex::db::params!["FileTransferConfigurationDO:10000"]).unwrap();
        assert_eq!(held[0][0], impex::db::Value::Integer(1));
    } else {
        lock_file.lock().unwrap();
    }
    match run(&env, 10000, "held") {
        Err(JobError::Temporary(m)) => assert!(m.contains("another run of \"FileTransferConfigurationDO\" 10000"), "{m}"),
        other => panic!("expected a temporary error, got {other:?}"),
    }
    assert!(names(&in_dir(&env, "held")).is_empty());
    drop(other);
    drop(lock_file);
    let r = run(&env, 10000, "held").unwrap();
    assert_eq!(r.ok_count, 1, "{}", r.message);
    assert_eq!(names(&in_dir(&env, "held")), vec!["OpenPositionsImport_1.xml"]);
}
