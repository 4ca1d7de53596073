//! `impex demo [DIR]`: the whole product in a few seconds on the embedded default (SQLite plus
//! local directories as the partners' servers).
//!
//! In DIR (default `./impex-demo`, made anew) it creates a database with the demo data and the
//! `jobs/` configuration, points the pulls at local partner directories, drops sample
//! files there (OpenPositions, PaymentHistories, a storeOrder, a supplier's openTRANS dispatch
//! notification, a zip of article and stock files), writes business rows with plain SQL so that
//! every export kind is written once, runs the schedules until the work is done, and prints what
//! happened.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::Status;
use crate::db::{self, script};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory of the demo; removed and made anew when it holds an earlier demo.
    #[arg(default_value = "impex-demo")]
    pub dir: PathBuf,
}

/// The configuration scripts of `jobs/`, embedded, in order.
pub const JOB_SCRIPTS: &[(&str, &str)] = &[
    ("jobs/01_finance_controller.sql", include_str!("../../jobs/01_finance_controller.sql")),
    ("jobs/02_import_openpositions.sql", include_str!("../../jobs/02_import_openpositions.sql")),
    ("jobs/03_import_paymenthistories.sql", include_str!("../../jobs/03_import_paymenthistories.sql")),
    ("jobs/04_export_purchaseorders_dispatch.sql", include_str!("../../jobs/04_export_purchaseorders_dispatch.sql")),
    ("jobs/05_export_purchaseorders_return.sql", include_str!("../../jobs/05_export_purchaseorders_return.sql")),
    ("jobs/06_export_debtors.sql", include_str!("../../jobs/06_export_debtors.sql")),
    ("jobs/07_export_salesorders.sql", include_str!("../../jobs/07_export_salesorders.sql")),
    ("jobs/08_export_storeorder.sql", include_str!("../../jobs/08_export_storeorder.sql")),
    ("jobs/09_export_customers.sql", include_str!("../../jobs/09_export_customers.sql")),
    ("jobs/10_export_return_announcements.sql", include_str!("../../jobs/10_export_return_announcements.sql")),
    ("jobs/11_import_orders.sql", include_str!("../../jobs/11_import_orders.sql")),
    ("jobs/12_import_opentrans_dispatch.sql", include_str!("../../jobs/12_import_opentrans_dispatch.sql")),
    ("jobs/13_import_articles.sql", include_str!("../../jobs/13_import_articles.sql")),
    ("jobs/14_returns.sql", include_str!("../../jobs/14_returns.sql")),
];

/// Sample files dropped into the partners' directories: (schedule key, partner, file name,
/// content).
const SAMPLES: &[(&str, &str, &str, &str)] = &[
    ("import_openpositions", "accounting", "OpenPositionsImport_1.xml", include_str!("../../seed/demo/OpenPositionsImport_1.xml")),
    ("import_paymenthistories", "accounting", "PaymentHistories_1.xml", include_str!("../../seed/demo/PaymentHistories_1.xml")),
    ("import_orders", "webshop", "storeOrder_000000300.xml", include_str!("../../seed/demo/storeOrder_000000300.xml")),
    ("import_opentrans_dispatch", "supplier", "openTransDispatch_1.xml", include_str!("../../seed/demo/openTransDispatch_1.xml")),
];

/// The supplier's article and stock files, delivered in one zip archive (schedule key, partner,
/// archive name, the files in it).
const ARCHIVE: (&str, &str, &str, &[(&str, &str)]) = (
    "import_articles",
    "supplier",
    "10000_5000_20261130080000_articles.zip",
    &[
        ("10000_5000_20261130080000_A.csv", include_str!("../../seed/demo/10000_5000_20261130080000_A.csv")),
        ("10000_5000_20261130080000_BCG.csv", include_str!("../../seed/demo/10000_5000_20261130080000_BCG.csv")),
    ],
);

/// A zip archive of `files` (name, content).
fn zip_of(files: &[(&str, &str)]) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in files {
        zip.start_file(*name, options)?;
        zip.write_all(content.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

const BUSINESS: &str = include_str!("../../seed/demo/business.sql");

/// Marks a directory as made by `impex demo`, so that a re-run may remove it.
const MARKER: &str = ".impex-demo";

pub fn run(args: Args) -> anyhow::Result<Status> {
    let dir = prepare_dir(&args.dir)?;
    let db_path = dir.join("impex.db");
    let base = dir.join("base");
    let partners = dir.join("partners");
    let started = std::time::Instant::now();

    println!("impex demo in {}", dir.display());
    for line in super::init::init(&db_path, Some(&base), true)? {
        println!("  {line}");
    }
    let mut conn = db::open_existing(&db_path)?;
    let sources: Vec<script::Source> =
        JOB_SCRIPTS.iter().map(|(name, text)| script::Source { name: (*name).into(), text: (*text).into() }).collect();
    let s = script::run(&mut conn, &sources)?;
    println!("  applied the configuration scripts of jobs/ ({} statements)", s.statements);

    // the partners' "servers" are local directories; run every schedule now and then
    let mut setup = String::new();
    let archive = zip_of(ARCHIVE.3)?;
    let samples = SAMPLES.iter().map(|(k, p, f, c)| (*k, *p, *f, c.as_bytes())).chain([(ARCHIVE.0, ARCHIVE.1, ARCHIVE.2, archive.as_slice())]);
    for (key, partner, file, content) in samples {
        let remote = partners.join(partner).join(key);
        std::fs::create_dir_all(&remote)?;
        let path = remote.join(file);
        std::fs::write(&path, content)?;
        // the partner finished writing it a minute ago (the FTP job leaves files younger than
        // minFileAge for the next run)
        std::fs::File::options()
            .write(true)
            .open(&path)?
            .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(60))?;
        // the schedule's pull reads that directory (no account: a local directory)
        setup.push_str(&format!(
            r#"UPDATE "ExecutionBeanValueDO" SET "parameterValue" = '{remote}'
               WHERE "executionBeanKeyDefRef" = 1331 AND "communicationPartnerRef" = (
                   SELECT c."communicationPartnerRef" FROM "FileTransferConfigurationDO" c JOIN "ScheduleDO" s ON s."configId" = c."id" WHERE s."key" = '{key}');
               DELETE FROM "ExecutionBeanValueDO"
               WHERE "executionBeanKeyDefRef" = 1330 AND "communicationPartnerRef" = (
                   SELECT c."communicationPartnerRef" FROM "FileTransferConfigurationDO" c JOIN "ScheduleDO" s ON s."configId" = c."id" WHERE s."key" = '{key}');
"#,
            remote = remote.display().to_string().replace('\'', "''")
        ));
    }
    script::run(&mut conn, &[script::Source { name: "demo setup".into(), text: setup }])?;
    println!("  dropped sample files into {}", partners.display());
    let s = script::run(&mut conn, &[script::Source { name: "seed/demo/business.sql".into(), text: BUSINESS.into() }])?;
    println!("  wrote business rows with plain SQL ({} statements): a dispatch, a return, an invoice, a debtor change, an order for its supplier, a return announcement", s.statements);
    drop(conn);

    let failures = run_schedules(&db_path)?;

    let credentials = api_users(&db_path, &dir)?;
    let conn = db::open_existing(&db_path)?;
    super::demo_report::print(&conn, &db_path, &base)?;
    super::demo_report::print_api(&db_path, &credentials);
    println!("\ndone in {:.1} s{}", started.elapsed().as_secs_f64(), if failures > 0 { format!(", {failures} job(s) failed") } else { String::new() });
    Ok(if failures > 0 { Status::Problems } else { Status::Ok })
}

/// The API's demo users, `webshop` (ShopServiceClient of shop 10000) and `operator`
/// (Operator), with random passwords written to `DIR/demo-users.txt` (mode 0600; they are not
/// printed). Returns that file.
fn api_users(db_path: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let conn = db::open_existing(db_path)?;
    let mut lines = String::new();
    for (account, role, target) in [("webshop", "ShopServiceClient", crate::auth::admin::Target::Shop(10000)), ("operator", "Operator", crate::auth::admin::Target::Everywhere)] {
        let mut bytes = [0u8; 12];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        let password = hex::encode(bytes);
        let new = crate::auth::admin::NewAccount { account, password: &password, role, target, email: None, first_name: None, last_name: None, company_name: None };
        crate::auth::admin::add_user(&conn, &new).map_err(|e| anyhow::anyhow!("demo user {account}: {e}"))?;
        lines.push_str(&format!("{account} {password}\n"));
    }
    let path = dir.join("demo-users.txt");
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&path)?;
    std::io::Write::write_all(&mut f, lines.as_bytes())?;
    Ok(path)
}

/// Removes an earlier demo (only a directory that `impex demo` made) and creates DIR.
fn prepare_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.exists() {
        if !dir.join(MARKER).exists() {
            if std::fs::read_dir(dir)?.next().is_some() {
                bail!("{} exists and was not made by `impex demo`: choose another directory", dir.display());
            }
        } else {
            std::fs::remove_dir_all(dir).with_context(|| format!("removing the earlier demo in {}", dir.display()))?;
        }
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(MARKER), "made by `impex demo`; removed by the next run\n")?;
    let dir = if dir.is_absolute() { dir.to_path_buf() } else { std::env::current_dir()?.join(dir) };
    Ok(dir.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect())
}

/// Runs the demo's schedules once each through the scheduler (locks, history rows), imports
/// before exports. Returns the number of failed runs.
fn run_schedules(db_path: &Path) -> anyhow::Result<usize> {
    use crate::schedule::runner::{Mode, Options, Runner};
    let conn = db::open_existing(db_path)?;
    let schedules = db::queries::schedule::active_imports_first(&conn)?;
    let mut failures = 0;
    println!("\nrunning the schedules (as `impex trigger KEY` does):");
    for (id, key) in schedules {
        let mut runner = Runner::new(db_path, Options::default())?;
        let summary = runner.run(Mode::Trigger(id))?;
        failures += summary.failed;
        let (outcome, message) = db::queries::schedule::last_outcome_of(&conn, id)?.unwrap_or_default();
        println!("  {key:<28} {outcome:<5} {message}");
    }
    Ok(failures)
}
