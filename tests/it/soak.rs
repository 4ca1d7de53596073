//! Soak test with faults (issue 7 item 4): the whole pipeline under `kill -9`, server restarts
//! and dropped connections, then a final drain and a check of the invariants.
//!
//! Setup: an `impex init --demo` database plus `jobs/*.sql`; the OpenPositions pull points at
//! OpenSSH's sshd (SFTP) and the PaymentHistories pull at vsftpd (FTP), each behind a proxy
//! whose connections the test cuts; every schedule fires every second, `minFileAge` is 1 s, and
//! inserted `"DispatchDO"` rows become PurchaseOrders transmissions (jobs/01 + jobs/04).
//!
//! During the run (default 50 s, env `IMPEX_SOAK_SECS`; seed env `IMPEX_SOAK_SEED`, printed):
//! real `impex run` processes are killed with SIGKILL and restarted every 0.5-2.5 s, the SFTP and
//! FTP servers are restarted, open connections are cut, good and bad files are written
//! atomically (temporary name, then rename) into the remote inboxes, and dispatches are inserted
//! with SQL. Then the faults stop, a last `impex run` drains everything and is stopped with
//! SIGTERM, and the invariants are checked: each good file imported exactly once with all its
//! records, each bad file in `error/` with a reason, each transmission's file written once and
//! complete, no lock and no temporary file left. Without root/vsftpd/sshd (outside CI) the pulls
//! use local directories (kills only).
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::env::{files_under, TestEnv};
use crate::support::soak::{FaultProxy, Rng};
use crate::support::transfer as ts;

/// Seconds of faults in the default (CI) run.
const DEFAULT_SECS: u64 = 50;
const OP_KEY: &str = "import_openpositions";
const PH_KEY: &str = "import_paymenthistories";

/// One file the test put into a remote inbox.
struct Source {
    name: String,
    key: &'static str,
    content: Vec<u8>,
    good: bool,
    records: usize,
    trans_id: String,
}

/// The servers (None: local-directory pulls).
struct Servers {
    sshd: ts::Sshd,
    ftp: ts::Vsftpd,
    sftp_proxy: FaultProxy,
    ftp_proxy: FaultProxy,
}

/// Counts of what happened, printed at the end.
#[derive(Default, Debug)]
struct Stats {
    kills: u64,
    starts: u64,
    server_restarts: u64,
    cut_rounds: u64,
    good_files: u64,
    bad_files: u64,
    dispatches: u64,
    unexpected_exits: u64,
    /// Kills while a job run was in progress / while a pulled file was between LISTED and DONE.
    kills_mid_run: u64,
    kills_mid_file: u64,
    /// Kills while a file waited in `in/` (import pending or in progress).
    kills_mid_import: u64,
    /// Kills while transmissions had a file name but were not PUSHED (a sending run in progress).
    kills_mid_send: u64,
    sigterms: u64,
}

/// Waits (up to 10 s) until `child` catches SIGTERM, i.e. `impex run` has installed its signal
/// handler, or has exited. A SIGTERM in the first milliseconds after exec ends any process by
/// the default action; the graceful stop under test starts once impex is up (found when the
/// final drain was immediate and the SIGTERM came right after the spawn).
fn wait_for_sigterm_handler(child: &mut Child) {
    let pid = child.id();
    let catches = || {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("SigCgt:").map(|m| m.trim().to_string())))
            .and_then(|m| u64::from_str_radix(&m, 16).ok())
            .is_some_and(|mask| mask & (1u64 << (libc::SIGTERM - 1)) != 0)
    };
    wait_until(Duration::from_secs(10), || catches() || child.try_wait().unwrap().is_some());
}

/// The `impex run` under test, restarted after each kill.
struct Runner {
    child: Option<Child>,
    log: PathBuf,
}

impl Runner {
    fn start(&mut self, env: &TestEnv, stats: &mut Stats) {
        let log = std::fs::File::options()
            .append(true)
            .create(true)
            .open(&self.log)
            .unwrap();
        let child = env
            .cmd(&["run"])
            .env("IMPEX_TZ", "UTC")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn impex run");
        self.child = Some(child);
        stats.starts += 1;
    }
    fn kill9(&mut self, stats: &mut Stats) {
        if let Some(mut c) = self.child.take() {
            if c.try_wait().unwrap().is_none() {
                unsafe { libc::kill(c.id() as i32, libc::SIGKILL) };
                stats.kills += 1;
            }
            let _ = c.wait();
        }
    }
    /// True when the process ended by itself (it never should).
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().unwrap())
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn settings() -> (u64, u64) {
    let secs = std::env::var("IMPEX_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECS);
    let seed = std::env::var("IMPEX_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                % 1_000_000_007
        });
    (secs, seed)
}

/// Writes `name` into `dir` atomically: a dot-named temporary file (never pulled), then rename.
fn put(dir: &Path, owner: Option<(u32, u32)>, name: &str, content: &[u8]) {
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, content).unwrap();
    if let Some((u, g)) = owner {
        ts::chown(&tmp, u, g);
    }
    std::fs::rename(&tmp, dir.join(name)).unwrap();
}

/// The two demo invoices the files refer to: (RefNr, debtor, OpenPositions PayType).
const INVOICES: [(&str, &str, &str); 2] = [("2014000001", "10000", "55"), ("0083", "100646", "60")];

fn op_xml(trans_id: &str, n: u64, records: usize, ref_override: Option<&str>) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OpenPositions xmlns=\"http://types.theberlinbakery.com/v1_0\">\n  <MerchantId>XYZ</MerchantId>\n  <TransId>{trans_id}</TransId>\n"
    );
    for i in 0..records {
        let (r, d, p) = INVOICES[i % 2];
        let r = ref_override.unwrap_or(r);
        s.push_str(&format!(
            "  <OpenPosition>\n    <RefNr>{r}</RefNr>\n    <Debtor id=\"{d}\"/>\n    <CreationDate>2015-01-18</CreationDate>\n    <VoucherNo>OP{n}-{i}</VoucherNo>\n    <VoucherDate>2015-01-18</VoucherDate>\n    <EntryText>soak {n} {i}</EntryText>\n    <Currency>EUR</Currency>\n    <PayType>{p}</PayType>\n    <OPAmount>{}</OPAmount>\n    <SumAmount>100</SumAmount>\n    <OpenAmount>{}</OpenAmount>\n    <EntryRange>01</EntryRange>\n    <ModificationDate>2015-01-20</ModificationDate>\n  </OpenPosition>\n",
            1000 + i,
            900 + i
        ));
    }
    s.push_str("</OpenPositions>\n");
    s
}

fn ph_xml(trans_id: &str, n: u64, records: usize, ref_override: Option<&str>) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PaymentHistories xmlns=\"http://types.theberlinbakery.com/v1_0\">\n  <MerchantId>XYZ</MerchantId>\n  <TransId>{trans_id}</TransId>\n"
    );
    for i in 0..records {
        let (r, d, _) = INVOICES[i % 2];
        let r = ref_override.unwrap_or(r);
        let t = if i % 3 == 0 { "R" } else { "Z" };
        s.push_str(&format!(
            "  <PaymentHistory>\n    <RefNr>{r}</RefNr>\n    <Debtor id=\"{d}\"/>\n    <EntryDate>18012015</EntryDate>\n    <VoucherNo>PH{n}-{i}</VoucherNo>\n    <VoucherDate>18012015</VoucherDate>\n    <PositionType>{t}</PositionType>\n    <PositionDetails>soak {n} {i}</PositionDetails>\n    <Amount>{}</Amount>\n    <EntryRange>01</EntryRange>\n  </PaymentHistory>\n",
            100 + i
        ));
    }
    s.push_str("</PaymentHistories>\n");
    s
}

/// A new file for `key`: good (unique TransId and voucher numbers) or one of three kinds of bad.
fn make_source(rng: &mut Rng, key: &'static str, n: u64, good: bool) -> Source {
    let op = key == OP_KEY;
    let name = if op {
        format!("OpenPositionsImport_{n}.xml")
    } else {
        format!("PaymentHistories_{n}.xml")
    };
    let trans_id = format!("SOAK-{}-{n}", if op { "OP" } else { "PH" });
    // mostly small files, sometimes a big one (a kill then often lands in its transfer or import)
    let records = if rng.chance(5) {
        rng.range(500, 3000)
    } else {
        rng.range(1, 60)
    } as usize;
    let xml = |r: Option<&str>| {
        if op {
            op_xml(&trans_id, n, records, r)
        } else {
            ph_xml(&trans_id, n, records, r)
        }
    };
    let content = if good {
        xml(None)
    } else {
        match rng.range(0, 3) {
            // malformed: cut in the middle
            0 => {
                let full = xml(None);
                full[..full.len() / 2].to_string()
            }
            // wrong root element
            1 => format!(
                "<?xml version=\"1.0\"?>\n<Invoices><TransId>{trans_id}</TransId></Invoices>\n"
            ),
            // well-formed, but an unknown invoice
            _ => xml(Some("NO-SUCH-INVOICE")),
        }
    };
    Source {
        name,
        key,
        content: content.into_bytes(),
        good,
        records,
        trans_id,
    }
}

/// Well-formed XML with the root element `root` and a `TransID` element `trans_id`?
fn check_xml(bytes: &[u8], root: &str, trans_id: &str) -> Result<(), String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut seen_root = None;
    let mut in_trans = false;
    let mut trans = None;
    let mut closed_root = false;
    loop {
        match r.read_event_into(&mut buf) {
            Err(e) => return Err(format!("not well-formed at {}: {e}", r.buffer_position())),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_string();
                if depth == 0 {
                    if seen_root.is_some() {
                        return Err("two root elements".into());
                    }
                    seen_root = Some(name.clone());
                }
                in_trans = name == "TransID";
                depth += 1;
            }
            Ok(Event::End(_)) => {
                depth = depth.checked_sub(1).ok_or("unbalanced end tag")?;
                in_trans = false;
                if depth == 0 {
                    closed_root = true;
                }
            }
            Ok(Event::Text(t)) if in_trans => {
                trans = Some(AsRef::<str>::as_ref(&t).trim().to_string())
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    if !closed_root || depth != 0 {
        return Err("truncated: the root element is not closed".into());
    }
    if seen_root.as_deref() != Some(root) {
        return Err(format!("root {seen_root:?}, expected {root}"));
    }
    if trans.as_deref() != Some(trans_id) {
        return Err(format!("TransID {trans:?}, expected {trans_id}"));
    }
    Ok(())
}

/// Files (not directories) directly in `dir`, by name.
fn files_in(dir: &Path) -> BTreeMap<String, PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().is_file())
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .collect()
        })
        .unwrap_or_default()
}

/// Temporary or partial files anywhere under `dir` (lock files are permanent by design).
fn temporaries(dir: &Path) -> Vec<String> {
    files_under(dir)
        .into_iter()
        .filter(|f| {
            let p = Path::new(f);
            let name = p.file_name().unwrap().to_string_lossy();
            let parent_hidden_work = p
                .components()
                .any(|c| matches!(c.as_os_str().to_str(), Some(".partial" | ".staging")));
            name.ends_with(".tmp")
                || name.ends_with(".part")
                || name.ends_with(".impex-part")
                || name.ends_with(".partial")
                || parent_hidden_work
        })
        .collect()
}

fn wait_until(deadline: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !cond() {
        if start.elapsed() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    true
}

#[test]
fn soak_with_faults() {
    let (secs, seed) = settings();
    // Real servers when possible; in CI they are required (ts::skip panics there).
    // env IMPEX_SOAK_LOCAL=1 forces the local-directory variant.
    let forced_local = std::env::var_os("IMPEX_SOAK_LOCAL").is_some_and(|v| v == "1");
    let unavailable = if forced_local { Some("IMPEX_SOAK_LOCAL=1".to_string()) } else { ts::unavailable(true, true) };
    let servers = match unavailable {
        None => {
            let sshd = ts::Sshd::start();
            let ftp = ts::Vsftpd::start(false);
            let sftp_proxy = FaultProxy::start(sshd.port);
            let ftp_proxy = FaultProxy::start(ftp.port);
            Some(Servers {
                sshd,
                ftp,
                sftp_proxy,
                ftp_proxy,
            })
        }
        Some(why) if forced_local => {
            eprintln!("soak: {why}: local-directory pulls");
            None
        }
        Some(why) => {
            // panics in CI (the servers are required there); elsewhere the run goes on locally
            ts::skip(&format!(
                "{why}; soak test falls back to local-directory pulls (kills only)"
            ));
            None
        }
    };
    eprintln!(
        "soak: {secs} s of faults, seed {seed} (IMPEX_SOAK_SEED={seed} to repeat), {}",
        if servers.is_some() {
            "SFTP + FTP servers"
        } else {
            "local directories"
        }
    );
    let mut rng = Rng::new(seed);

    let env = TestEnv::new(true);
    let jobs: Vec<String> = {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs");
        let mut v: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path().display().to_string())
            .filter(|p| p.ends_with(".sql"))
            .collect();
        v.sort();
        v
    };
    let mut args = vec!["sql"];
    args.extend(jobs.iter().map(|s| s.as_str()));
    env.ok(&args);

    // Remote inboxes: owned by the test user when served, plain directories otherwise.
    let area = servers.as_ref().map(|_| ts::Area::new());
    let owner = servers.as_ref().map(|_| ts::ensure_user());
    let remote_root = match &area {
        Some(a) => a.remote(),
        None => env.path("partners"),
    };
    let remote = |key: &str| remote_root.join(key);
    for key in [OP_KEY, PH_KEY] {
        std::fs::create_dir_all(remote(key)).unwrap();
        if let Some((u, g)) = owner {
            ts::chown(&remote(key), u, g);
        }
    }

    // Per-second schedules, quick retries, no stop after many temporary failures; the pulls'
    // accounts and directories; short timeouts so a cut connection fails fast.
    let q = |s: &str| s.replace('\'', "''");
    let mut setup = format!(
        r#"UPDATE "ScheduleDO" SET "cron" = '0/1 * * * * ?', "retryDelay" = '1s', "maxNoOfRetries" = 1000000
               WHERE "key" IN ('{OP_KEY}', '{PH_KEY}', 'send_transmissions');
           UPDATE "ScheduleDO" SET "active" = 0 WHERE "key" IN ('import_orders', 'import_opentrans_dispatch', 'import_articles');  -- no storeOrder / dispatch / article partner here
           UPDATE "CommunicationPartnerDO" SET "retryDelay" = '1s', "maxNoOfRetries" = 1000
               WHERE "communicationRef" = (SELECT "id" FROM "CommunicationDO" WHERE "key" = 'XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH');
"#
    );
    for key in [OP_KEY, PH_KEY] {
        let mut values = vec![
            ("pullDirectory", remote(key).display().to_string()),
            ("minFileAge", "1".to_string()),
            ("connectTimeout", "5".into()),
            ("ioTimeout", "5".into()),
        ];
        if let Some(s) = &servers {
            if key == OP_KEY {
                values.push((
                    "pullFtpAccount",
                    format!(
                        "sftp://{}:{}@127.0.0.1:{}",
                        ts::USER,
                        ts::PASSWORD,
                        s.sftp_proxy.port
                    ),
                ));
                let kh = env.path("known_hosts");
                std::fs::write(
                    &kh,
                    format!("[127.0.0.1]:{} {}\n", s.sftp_proxy.port, s.sshd.host_pub),
                )
                .unwrap();
                values.push(("knownHostsFile", kh.display().to_string()));
            } else {
                values.push((
                    "pullFtpAccount",
                    format!(
                        "ftp://{}:{}@127.0.0.1:{}",
                        ts::USER,
                        ts::PASSWORD,
                        s.ftp_proxy.port
                    ),
                ));
            }
        }
        let partner = format!(
            r#"(SELECT f."communicationPartnerRef" FROM "FileTransferConfigurationDO" f JOIN "ScheduleDO" s ON s."configId" = f."id" AND s."jobDefRef" = 3 WHERE s."key" = '{key}')"#
        );
        for (k, v) in values {
            let kd = format!(
                r#"(SELECT "id" FROM "ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = '{k}')"#
            );
            setup.push_str(&format!(
                r#"DELETE FROM "ExecutionBeanValueDO" WHERE "executionBeanKeyDefRef" = {kd} AND "communicationPartnerRef" = {partner};
                   INSERT INTO "ExecutionBeanValueDO" ("executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef") VALUES ({kd}, '{}', {partner});
"#,
                q(&v)
            ));
        }
    }
    env.sql_ok(&setup);
    let check = env.run(&["check"]);
    assert!(
        check.status.success(),
        "impex check:\n{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );

    // ---- the run with faults ----
    let mut stats = Stats::default();
    let mut sources: Vec<Source> = Vec::new();
    let mut dispatch_ids: Vec<i64> = Vec::new();
    let ms = |m: u64| Duration::from_millis(m);
    let mut violations: Vec<String> = Vec::new();
    let mut stopped_seen: BTreeSet<String> = BTreeSet::new();
    // Two `impex run` processes share the database (as the README allows), each killed at its
    // own random moments.
    let mut runners = [
        Runner {
            child: None,
            log: env.path("impex-run.log"),
        },
        Runner {
            child: None,
            log: env.path("impex-run.log"),
        },
    ];
    let biz = env.conn();
    let mut servers = servers;
    // The partners and the business: a thread keeps writing files into the remote inboxes and
    // inserting dispatches while the main thread injects faults.
    let stop_producing = std::sync::atomic::AtomicBool::new(false);
    let mut producer_rng = Rng::new(seed ^ 0x5eed);
    let db_path = env.db();
    let remote_ref = &remote;
    let stop_ref = &stop_producing;
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
        let rng = &mut producer_rng;
        let mut biz = impex::db::open_library_connection(&db_path).unwrap();
        let (mut sources, mut dispatch_ids, mut good_files, mut bad_files) = (Vec::new(), Vec::new(), 0u64, 0u64);
        let mut next_file = Instant::now();
        let mut next_dispatch = Instant::now() + ms(rng.range(200, 800));
        while !stop_ref.load(std::sync::atomic::Ordering::SeqCst) {
            let now = Instant::now();
            if now >= next_file {
                let key = if rng.chance(50) { OP_KEY } else { PH_KEY };
                let good = !rng.chance(20);
                let src = make_source(rng, key, sources.len() as u64 + 1, good);
                put(&remote_ref(key), owner, &src.name, &src.content);
                if good {
                    good_files += 1;
                } else {
                    bad_files += 1;
                }
                sources.push(src);
                next_file = Instant::now() + ms(rng.range(100, 500));
            }
            if now >= next_dispatch {
                let n = dispatch_ids.len() + 1;
                // an insert as any client does it; "database is locked" (a long import holding
                // the write lock beyond the busy timeout on a loaded machine) is simply retried
                let mut insert = || -> rusqlite::Result<i64> {
                    let tx = biz.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    tx.execute(
                        r#"INSERT INTO "DispatchDO" ("orderRef", "supplierRef", "carrierRef", "supplierOrderNo", "deliveryNoteNo", "invoiceNo", "creditorId", "companyCode", "netAmount", "currency")
                           VALUES (10001, 5000, 5100, ?1, ?2, '2014000001', 'CRED-5000', '001', ?3, 'EUR')"#,
                        rusqlite::params![format!("SOAK-PO-{n}"), format!("SOAK-DN-{n}"), 1000 + n as i64],
                    )?;
                    let id = tx.last_insert_rowid();
                    tx.commit()?;
                    Ok(id)
                };
                let mut tries = 0;
                let id = loop {
                    match insert() {
                        Ok(id) => break id,
                        Err(e) if tries < 20 => {
                            tries += 1;
                            eprintln!("soak: inserting a dispatch: {e}; trying again");
                        }
                        Err(e) => panic!("inserting a dispatch: {e}"),
                    }
                };
                dispatch_ids.push(id);
                next_dispatch = Instant::now() + ms(rng.range(200, 800));
            }
            let next = next_file.min(next_dispatch);
            let now = Instant::now();
            if next > now {
                std::thread::sleep(next - now);
            }
        }
        (sources, dispatch_ids, good_files, bad_files)
    });
        let t0 = Instant::now();
        let end = t0 + Duration::from_secs(secs);
        let mut next_kill = [t0 + ms(rng.range(500, 2000)), t0 + ms(rng.range(500, 2000))];
        let mut next_cut = t0 + ms(rng.range(1000, 4000));
        let mut next_restart = t0 + ms(rng.range(3000, 9000));
        for r in runners.iter_mut() {
            r.start(&env, &mut stats);
        }
        // The default run goes on (at most 30 s longer) until it has killed 20 times.
        let short = (DEFAULT_SECS..2 * DEFAULT_SECS).contains(&secs);
        while Instant::now() < end
            || (short && stats.kills < 20 && Instant::now() < end + Duration::from_secs(30))
        {
            let now = Instant::now();
            for runner in runners.iter_mut() {
                if let Some(st) = runner.exited() {
                    stats.unexpected_exits += 1;
                    violations.push(format!(
                        "impex run exited by itself ({st}) at {:.1} s",
                        t0.elapsed().as_secs_f64()
                    ));
                    runner.child = None;
                    runner.start(&env, &mut stats);
                }
            }
            // Transient faults must never stop a schedule (a stop waits for a person).
        let stops: Vec<String> = biz
            .prepare(r#"SELECT "key" || ': ' || coalesce("lastMessage", '') FROM "ScheduleDO" WHERE "active" = 1 AND "stoppedSince" IS NOT NULL"#)
            .and_then(|mut st| st.query_map([], |r| r.get::<_, String>(0))?.collect())
            .unwrap_or_default();
        for stop in stops {
            if !stopped_seen.contains(&stop) {
                violations.push(format!("schedule stopped at {:.1} s: {stop}", t0.elapsed().as_secs_f64()));
                stopped_seen.insert(stop);
            }
        }
        let due = (0..2).find(|&i| now >= next_kill[i]);
            if let Some(i) = due {
                let runner = &mut runners[i];
                let in_flight = |biz: &rusqlite::Connection| -> (i64, i64, bool, i64) {
                    let (runs, files, sending): (i64, i64, i64) = biz
                    .query_row(
                        r#"SELECT (SELECT count(*) FROM "JobRunDO" WHERE "outcome" = 'RUNNING'),
                                  (SELECT count(*) FROM "TransferFileDO" WHERE "state" IN ('DOWNLOADING', 'DOWNLOADED')),
                                  (SELECT count(*) FROM "TransmissionDO" WHERE "state" IN ('INITIAL', 'DO_PUSH') AND "fileName" IS NOT NULL)"#,
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .unwrap_or((0, 0, 0));
                    let importing = [OP_KEY, PH_KEY].iter().any(|k| {
                        !files_in(&env.base().join("share").join(k).join("in")).is_empty()
                    });
                    (runs, files, importing, sending)
                };
                // Most kills wait (up to 1 s) for work in flight: a transfer, an import or a sending
                // run, so that they land in the middle of it rather than in an idle process.
                if rng.chance(70) {
                    let wait_start = Instant::now();
                    while wait_start.elapsed() < ms(1000) {
                        let (_, files, importing, sending) = in_flight(&biz);
                        if files > 0 || importing || sending > 0 {
                            std::thread::sleep(ms(rng.range(0, 30)));
                            break;
                        }
                        std::thread::sleep(ms(3));
                    }
                }
                let (runs, files, importing, sending) = in_flight(&biz);
                stats.kills_mid_run += (runs > 0) as u64;
                stats.kills_mid_file += (files > 0) as u64;
                stats.kills_mid_import += importing as u64;
                stats.kills_mid_send += (sending > 0) as u64;
                if rng.chance(10) {
                    // now and then a graceful stop instead: SIGTERM, exit 0, locks released
                    let mut c = runner.child.take().unwrap();
                    wait_for_sigterm_handler(&mut c);
                    unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
                    let mut st = None;
                    wait_until(Duration::from_secs(30), || {
                        st = c.try_wait().unwrap();
                        st.is_some()
                    });
                    if st.and_then(|s| s.code()) != Some(0) {
                        violations.push(format!("impex run after SIGTERM: {st:?}"));
                        let _ = c.kill();
                        let _ = c.wait();
                    }
                    stats.sigterms += 1;
                } else {
                    runner.kill9(&mut stats);
                }
                // sometimes stay down a little, like a supervisor's restart delay
                if rng.chance(30) {
                    std::thread::sleep(ms(rng.range(50, 700)));
                }
                runner.start(&env, &mut stats);
                next_kill[i] = Instant::now() + ms(rng.range(200, 3000));
            }
            if now >= next_cut {
                if let Some(s) = &servers {
                    s.sftp_proxy.cut_all();
                    s.ftp_proxy.cut_all();
                    stats.cut_rounds += 1;
                }
                next_cut = Instant::now() + ms(rng.range(1000, 4000));
            }
            if now >= next_restart {
                if let Some(s) = &mut servers {
                    let down = ms(rng.range(100, 1500));
                    if rng.chance(50) {
                        s.sshd.stop();
                        s.sftp_proxy.cut_all();
                        std::thread::sleep(down);
                        s.sshd.start_again();
                    } else {
                        s.ftp.stop();
                        s.ftp_proxy.cut_all();
                        std::thread::sleep(down);
                        s.ftp.start_again();
                    }
                    stats.server_restarts += 1;
                }
                next_restart = Instant::now() + ms(rng.range(3000, 9000));
            }
            let next = [next_kill[0], next_kill[1], next_cut, next_restart, end]
                .into_iter()
                .min()
                .unwrap();
            let now = Instant::now();
            if next > now {
                std::thread::sleep((next - now).min(ms(100)));
            }
        }

        stop_producing.store(true, std::sync::atomic::Ordering::SeqCst);
        let (s, d, g, b) = producer.join().unwrap();
        (sources, dispatch_ids, stats.good_files, stats.bad_files) = (s, d, g, b);
        stats.dispatches = dispatch_ids.len() as u64;
    });

    // ---- faults stop; a last run drains everything ----
    for r in runners.iter_mut() {
        r.kill9(&mut stats);
    }
    let [mut runner, _] = runners;
    runner.start(&env, &mut stats);
    let base = env.base();
    let work = |key: &str| base.join("share").join(key);
    let drain_limit = Duration::from_secs(120);
    let drain_start = Instant::now();
    let drained = wait_until(drain_limit, || {
        let c = env.conn();
        let remote_empty = [OP_KEY, PH_KEY]
            .iter()
            .all(|k| files_in(&remote(k)).keys().all(|n| n.starts_with('.')));
        let in_empty = [OP_KEY, PH_KEY]
            .iter()
            .all(|k| files_in(&work(k).join("in")).is_empty());
        let handled: i64 = c
            .query_row(r#"SELECT count(DISTINCT "fileName") FROM "ImportFileDO" WHERE "state" IN ('DONE', 'ERROR')"#, [], |r| r.get(0))
            .unwrap();
        let pending: i64 = c
            .query_row(
                r#"SELECT count(*) FROM "TransmissionDO" WHERE "state" IN ('INITIAL', 'DO_PUSH')"#,
                [],
                |r| r.get(0),
            )
            .unwrap();
        remote_empty && in_empty && handled as usize >= sources.len() && pending == 0
    });
    let drain_secs = drain_start.elapsed().as_secs_f64();
    if !drained {
        violations.push(format!("not drained within {drain_limit:?}"));
    }
    let mut last = runner.child.take().unwrap();
    wait_for_sigterm_handler(&mut last);
    unsafe { libc::kill(last.id() as i32, libc::SIGTERM) };
    let mut status = None;
    wait_until(Duration::from_secs(90), || {
        status = last.try_wait().unwrap();
        status.is_some()
    });
    match status {
        Some(st) if st.code() == Some(0) => {}
        other => {
            violations.push(format!(
                "the last impex run did not exit 0 after SIGTERM: {other:?}"
            ));
            let _ = last.kill();
            let _ = last.wait();
        }
    }
    let cuts = servers.as_ref().map_or(0, |s| {
        s.sftp_proxy.cuts.load(std::sync::atomic::Ordering::SeqCst)
            + s.ftp_proxy.cuts.load(std::sync::atomic::Ordering::SeqCst)
    });
    drop(servers);

    // ---- invariants ----
    let c = env.conn();
    let i64q = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> i64 {
        c.query_row(sql, p, |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };

    // imports: every file handled once, good ones with all their records
    for s in &sources {
        let rows: Vec<(i64, String, i64, Option<String>)> = c
            .prepare(r#"SELECT "id", "state", "records", "errorText" FROM "ImportFileDO" WHERE "fileName" = ?1 ORDER BY "id""#)
            .unwrap()
            .query_map([&s.name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let dir = work(s.key);
        if s.good {
            match rows.as_slice() {
                [(id, state, records, _)] if state == "DONE" => {
                    if *records as usize != s.records {
                        violations.push(format!(
                            "{}: {records} records imported, the file has {}",
                            s.name, s.records
                        ));
                    }
                    let (table, versions) = if s.key == OP_KEY {
                        ("OpenPositionDO", Some("OpenPositionVersionDO"))
                    } else {
                        ("PaymentHistoryDO", None)
                    };
                    let mut n = i64q(
                        &format!(
                            r#"SELECT count(*) FROM "{table}" WHERE "transId" = ?1 AND "importFileRef" = ?2"#
                        ),
                        &[&s.trans_id, id],
                    );
                    if let Some(v) = versions {
                        n += i64q(
                            &format!(
                                r#"SELECT count(*) FROM "{v}" WHERE "transId" = ?1 AND "importFileRef" = ?2"#
                            ),
                            &[&s.trans_id, id],
                        );
                    }
                    let all = i64q(
                        &format!(r#"SELECT count(*) FROM "{table}" WHERE "transId" = ?1"#),
                        &[&s.trans_id],
                    );
                    if n as usize != s.records || all > n {
                        violations.push(format!("{}: {n} rows in {table} from its import (of {all} with its TransId), expected {}", s.name, s.records));
                    }
                    if std::fs::read(dir.join("done").join(&s.name))
                        .ok()
                        .as_deref()
                        != Some(&s.content[..])
                    {
                        violations.push(format!("{}: not in done/ with its content", s.name));
                    }
                }
                other => violations.push(format!(
                    "{} (good): ImportFileDO rows {other:?}, expected one DONE",
                    s.name
                )),
            }
        } else {
            match rows.as_slice() {
                [(_, state, _, Some(reason))] if state == "ERROR" && !reason.is_empty() => {
                    if std::fs::read(dir.join("error").join(&s.name))
                        .ok()
                        .as_deref()
                        != Some(&s.content[..])
                    {
                        violations.push(format!("{}: not in error/ with its content", s.name));
                    }
                    let txt = std::fs::read_to_string(
                        dir.join("error").join(format!("{}.error.txt", s.name)),
                    )
                    .unwrap_or_default();
                    if txt.trim().is_empty() {
                        violations.push(format!(
                            "{}: no error/{}.error.txt with the reason",
                            s.name, s.name
                        ));
                    }
                }
                other => violations.push(format!(
                    "{} (bad): ImportFileDO rows {other:?}, expected one ERROR with a reason",
                    s.name
                )),
            }
        }
    }
    // the ledger: each file pulled exactly once, with the content the partner wrote
    for s in &sources {
        let hash = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&s.content))
        };
        let done = i64q(
            r#"SELECT count(*) FROM "TransferFileDO" WHERE "direction" = 'PULL' AND "fileName" = ?1 AND "state" = 'DONE'"#,
            &[&s.name],
        );
        let same = i64q(
            r#"SELECT count(*) FROM "TransferFileDO" WHERE "fileName" = ?1 AND "state" = 'DONE' AND "contentHash" = ?2"#,
            &[&s.name, &hash],
        );
        if done != 1 || same != 1 {
            violations.push(format!("{}: {done} DONE pulls ({same} with its SHA-256), expected 1", s.name));
        }
    }
    // nothing else, nothing twice in the folders
    for key in [OP_KEY, PH_KEY] {
        let expect_done: BTreeSet<String> = sources
            .iter()
            .filter(|s| s.key == key && s.good)
            .map(|s| s.name.clone())
            .collect();
        let mut expect_error: BTreeSet<String> = BTreeSet::new();
        for s in sources.iter().filter(|s| s.key == key && !s.good) {
            expect_error.insert(s.name.clone());
            expect_error.insert(format!("{}.error.txt", s.name));
        }
        let done: BTreeSet<String> = files_in(&work(key).join("done")).into_keys().collect();
        let error: BTreeSet<String> = files_in(&work(key).join("error")).into_keys().collect();
        for extra in done.difference(&expect_done) {
            violations.push(format!("{key}/done/{extra}: unexpected (a second copy?)"));
        }
        for extra in error.difference(&expect_error) {
            violations.push(format!("{key}/error/{extra}: unexpected"));
        }
        for (dir, what) in [("in", "left in in/"), ("obsolete", "in obsolete/")] {
            for f in files_in(&work(key).join(dir)).keys() {
                violations.push(format!("{key}/{dir}/{f}: {what}"));
            }
        }
        for f in files_in(&remote(key)).keys() {
            violations.push(format!("remote {key}/{f}: still on the server"));
        }
    }
    let names: BTreeSet<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let foreign: Vec<String> = c
        .prepare(r#"SELECT "fileName" || ' ' || "state" FROM "ImportFileDO""#)
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| r.unwrap())
        .filter(|n| !names.contains(n.split(' ').next().unwrap()))
        .collect();
    for f in foreign {
        violations.push(format!(
            "ImportFileDO row for a file the test did not write: {f}"
        ));
    }
    let unfinished = i64q(
        r#"SELECT count(*) FROM "TransferFileDO" WHERE "state" NOT IN ('DONE', 'DUPLICATE')"#,
        &[],
    );
    if unfinished > 0 {
        violations.push(format!("{unfinished} TransferFileDO rows not finished"));
    }

    // exports: one transmission per dispatch, each PUSHED with exactly one complete file
    let out = base.join("communication/messages/out");
    let out_files = files_in(&out);
    let mut files_of: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for name in out_files.keys() {
        let id = name
            .trim_end_matches(".xml")
            .rsplit('_')
            .next()
            .and_then(|s| s.parse::<i64>().ok());
        match id {
            Some(id) => files_of.entry(id).or_default().push(name.clone()),
            None => violations.push(format!(
                "outbox file {name}: no transmission id in the name"
            )),
        }
    }
    let mut pushed = 0;
    for d in &dispatch_ids {
        let rows: Vec<(i64, String, Option<String>)> = c
            .prepare(r#"SELECT "id", "state", "fileName" FROM "TransmissionDO" WHERE "dispatchRef" = ?1"#)
            .unwrap()
            .query_map([d], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let [(id, state, file)] = rows.as_slice() else {
            violations.push(format!(
                "dispatch {d}: {} transmissions, expected 1",
                rows.len()
            ));
            continue;
        };
        if state != "PUSHED" {
            violations.push(format!("transmission {id}: state {state}, expected PUSHED"));
            continue;
        }
        pushed += 1;
        let files = files_of.remove(id).unwrap_or_default();
        if files.len() != 1 || Some(&files[0]) != file.as_ref() {
            violations.push(format!(
                "transmission {id}: outbox files {files:?}, expected exactly {file:?}"
            ));
            continue;
        }
        if let Err(e) = check_xml(
            &std::fs::read(&out_files[&files[0]]).unwrap(),
            "PurchaseOrders",
            &id.to_string(),
        ) {
            violations.push(format!("{}: {e}", files[0]));
        }
    }
    for (id, files) in files_of {
        violations.push(format!(
            "outbox files {files:?} of transmission {id}, which is not a dispatch of this test"
        ));
    }

    // no lock, no running job, no stop, no temporary file
    let locked = i64q(
        r#"SELECT count(*) FROM "ScheduleDO" WHERE "lockedSince" IS NOT NULL OR "lockedBy" IS NOT NULL"#,
        &[],
    );
    if locked > 0 {
        violations.push(format!("{locked} schedules still locked after SIGTERM"));
    }
    let running = i64q(
        r#"SELECT count(*) FROM "JobRunDO" WHERE "outcome" = 'RUNNING'"#,
        &[],
    );
    if running > 0 {
        violations.push(format!("{running} JobRunDO rows still RUNNING"));
    }
    let stopped = i64q(
        r#"SELECT count(*) FROM "ScheduleDO" WHERE "stoppedSince" IS NOT NULL AND "active" = 1"#,
        &[],
    );
    if stopped > 0 {
        violations.push(format!("{stopped} active schedules stopped"));
    }
    for t in temporaries(&base)
        .into_iter()
        .chain(temporaries(&remote_root))
    {
        violations.push(format!("temporary file left: {t}"));
    }

    // ---- report ----
    let outcomes: Vec<String> = c
        .prepare(r#"SELECT "scheduleKey" || ' ' || "outcome" || ' ' || count(*) FROM "JobRunDO" GROUP BY "scheduleKey", "outcome""#)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let ledger: Vec<String> = c
        .prepare(r#"SELECT "state" || ' ' || count(*) FROM "TransferFileDO" GROUP BY "state""#)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    eprintln!(
        "soak: {secs} s, seed {seed}: files {} ({} good, {} bad), dispatches {} ({pushed} pushed), kills {}, SIGTERM stops {}, starts {}, \
         kills during a job run {}, kills with a pulled file in flight {}, kills with a file in in/ {}, kills in a sending run {}, server restarts {}, connection-cut rounds {} ({cuts} connections cut), unexpected exits {}, drained in {drain_secs:.1} s, violations {}",
        sources.len(),
        stats.good_files,
        stats.bad_files,
        stats.dispatches,
        stats.kills,
        stats.sigterms,
        stats.starts,
        stats.kills_mid_run,
        stats.kills_mid_file,
        stats.kills_mid_import,
        stats.kills_mid_send,
        stats.server_restarts,
        stats.cut_rounds,
        stats.unexpected_exits,
        violations.len()
    );
    eprintln!("soak: job runs: {}", outcomes.join(", "));
    eprintln!("soak: file ledger: {}", ledger.join(", "));
    let errors: Vec<String> = c
        .prepare(
            r#"SELECT count(*) || ' x ' || m FROM (
                   SELECT CASE WHEN "message" LIKE 'abandoned:%' THEN 'abandoned: lock holder gone (kill -9)'
                               ELSE substr(coalesce("message", ''), 1, 90) END AS m
                   FROM "JobRunDO" WHERE "outcome" IN ('ERROR', 'RETRY', 'WARN'))
               GROUP BY m ORDER BY count(*) DESC"#,
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for e in errors.iter().take(15) {
        eprintln!("soak: run message: {e}");
    }
    for v in violations.iter().take(50) {
        eprintln!("VIOLATION: {v}");
    }
    if !violations.is_empty() {
        let TestEnv { dir, .. } = env;
        let kept = dir.keep();
        eprintln!(
            "soak: kept {} (impex-run.log, impex.db) for inspection",
            kept.display()
        );
    }
    assert_eq!(
        violations.len(),
        0,
        "{} violations (seed {seed}), see above",
        violations.len()
    );
    if secs >= DEFAULT_SECS {
        assert!(stats.kills >= 20, "only {} kills", stats.kills);
    }
}
