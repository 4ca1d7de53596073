//! ImportCsvArticleBean: supplier article (A) and availability (BCG) CSV files through the real
//! `impex import` binary, configured by jobs/13_import_articles.sql on the demo data (supplier
//! 5000 with the standard A and BCG headers in "ImportConfigurationDO").
use std::path::PathBuf;
use std::process::Output;

use crate::support::env::{files_under, import_lock, TestEnv};

const GROUP: &str = "import_articles";
const A_HEADER: &str = "supplierArticleNo|manufacturer|manufacturerArticleNo|ISBN|EAN|articleName|length|height|width|weight|assortmentName|assortmentIdentifier|deliveryForm|customsTariffNo|parentSupplierArticleNo|articleForm|immaterialUid|articleLanguage|supplierSalesCode|supplierArticleIdentifier|articleType|edition|packagingUnit|packagingUnitValue";
/// The standard BCG header in another order (stockLevel first, supplierArticleNo third).
const BCG_REORDERED: &str = "stockLevel|currency|supplierArticleNo|purchasePrice|listPrice|stockType|availabilityInDays|salesPrice|basicPrice|basicPriceUnitValue|basicPriceUnit|salesPriceOld|provisionType|provisionPercentage|taxType|isBestseller";
const Q: char = '\u{18}';

fn setup() -> TestEnv {
    let env = TestEnv::new(true);
    env.sql_ok(include_str!("../../jobs/13_import_articles.sql"));
    env
}

fn write(env: &TestEnv, name: &str, lines: &[String]) -> PathBuf {
    let p = env.path(name);
    std::fs::write(&p, lines.iter().map(|l| format!("{l}\r\n")).collect::<String>()).unwrap();
    p
}

fn import(env: &TestEnv, files: &[&PathBuf]) -> Output {
    let mut args: Vec<String> = vec!["import".into(), "--group".into(), GROUP.into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&refs)
}

fn text(o: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A BCG row in [`BCG_REORDERED`]'s order.
fn bcg(no: &str, stock: &str, purchase: &str, sales: &str) -> String {
    format!("{stock}|EUR|{no}|{purchase}|19,99|1|3|{sales}|1,50|100|ml|24.99|P|2,5|FullTax|1")
}

fn a_row(no: &str, name: &str, weight: &str) -> String {
    let mut f = vec![String::new(); 24];
    f[0] = no.into();
    f[1] = "ACME".into();
    f[2] = "M-1".into();
    f[4] = "4006381333931".into();
    f[5] = name.into();
    f[9] = weight.into();
    f[23] = "0,75".into();
    f.join("|")
}

#[test]
fn article_and_stock_files_import_and_update() {
    let env = setup();
    let a = write(
        &env,
        "10000_5000_20261202100000_A.csv",
        &[A_HEADER.into(), a_row("42", &format!("{Q}Kabel | 2 m{Q}"), "1,25"), a_row("0815", "Stecker", "0.5")],
    );
    let b = write(
        &env,
        "10000_5000_20261202100000_BCG.csv",
        &[BCG_REORDERED.into(), bcg("42", "17", "10,005", "19,95"), bcg("0815", "0", "7.5", "12")],
    );
    let out = import(&env, &[&a, &b]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("2 files imported (4 records)"), "{}", text(&out));
    let art: (i64, String, String, String, String, String) = env
        .conn()
        .query_row(
            r#"SELECT "supplierRef", "manufacturer", "articleName", "ean", "weight", "packagingUnitValue" FROM "SupplierArticleDO" WHERE "supplierArticleNo" = '42'"#,
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    assert_eq!(art, (5000, "ACME".into(), "Kabel | 2 m".into(), "4006381333931".into(), "1.25".into(), "0.75".into()));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "SupplierArticleDO" WHERE "isbn" IS NULL"#), 2, "empty values are NULL");
    let stock: (i64, i64, String, i64, String, i64, String, i64, String, i64) = env
        .conn()
        .query_row(
            r#"SELECT "shopRef", "stockLevel", "supplierArticleNo", "purchasePrice", "purchasePriceDecimal", "salesPrice", "basicPriceUnitValue",
                      "isBestseller", "provisionPercentage", "version" FROM "ArticleStockDO" WHERE "supplierArticleNo" = '42'"#,
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)),
        )
        .unwrap();
    assert_eq!(stock, (10000, 17, "42".into(), 1000, "10.005".into(), 1995, "100".into(), 1, "2.5".into(), 1));
    assert_eq!(env.query_string(r#"SELECT "supplierArticleNo" || ':' || "stockLevel" || ':' || "purchasePrice" FROM "ArticleStockDO" WHERE "supplierArticleNo" = '0815'"#), "0815:0:750");
    assert_eq!(
        files_under(&env.base().join("share/import").join(GROUP)),
        [import_lock(), vec!["done/10000_5000_20261202100000_A.csv", "done/10000_5000_20261202100000_BCG.csv"]].concat()
    );
    // a later file updates the rows (no duplicates)
    let b2 = write(&env, "10000_5000_20261202110000_BCG.csv", &[BCG_REORDERED.into(), bcg("42", "3", "10", "18,50")]);
    let a2 = write(&env, "10000_5000_20261202110000_A.csv", &[A_HEADER.into(), a_row("42", "Kabel 3 m", "2")]);
    let out = import(&env, &[&b2, &a2]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ArticleStockDO""#), 2);
    assert_eq!(env.query_string(r#"SELECT "stockLevel" || ':' || "salesPrice" || ':' || "version" FROM "ArticleStockDO" WHERE "supplierArticleNo" = '42'"#), "3:1850:2");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "SupplierArticleDO""#), 2);
    assert_eq!(env.query_string(r#"SELECT "articleName" || ':' || "weight" || ':' || "version" FROM "SupplierArticleDO" WHERE "supplierArticleNo" = '42'"#), "Kabel 3 m:2:2");
}

/// Each bad file goes to error/ with a reason naming the line and field; nothing of it is written.
#[test]
fn bad_files_go_to_error_with_line_and_reason() {
    let env = setup();
    let good = || bcg("1", "5", "1", "2");
    let cases: Vec<(&str, Vec<String>, &[&str])> = vec![
        ("10000_5000_20261202100001_BCG.csv", vec![BCG_REORDERED.replace("|isBestseller", ""), good()], &["line 1", "lacks the configured column `isBestseller`"]),
        ("10000_5000_20261202100002_BCG.csv", vec![format!("{BCG_REORDERED}|colour"), good()], &["line 1", "field colour", "not a configured column"]),
        ("10000_5000_20261202100003_BCG.csv", vec![BCG_REORDERED.into(), good(), bcg("2", "viele", "1", "2")], &["record 2, line 3, field stockLevel", "`viele` is not a whole number"]),
        ("10000_5000_20261202100004_BCG.csv", vec![BCG_REORDERED.into(), good(), bcg("3", "1", "1.2.3", "2")], &["record 2, line 3, field purchasePrice", "not a number"]),
        ("10000_5000_20261202100005_BCG.csv", vec![BCG_REORDERED.into(), good(), format!("{}|extra", good())], &["record 2, line 3", "17 fields, but the header has 16"]),
        ("10000_4999_20261202100006_BCG.csv", vec![BCG_REORDERED.into(), good()], &["supplier 4999 of the file name is no \"SupplierDO\""]),
        ("99_5000_20261202100007_BCG.csv", vec![BCG_REORDERED.into(), good()], &["shop 99 of the file name is no \"ShopDO\""]),
        ("100_5000_20261202100010_BCG.csv", vec![BCG_REORDERED.into(), good()], &["shop 100 of the file name is neither the process's shop 10000"]),
        ("10000_5000_20261302100008_BCG.csv", vec![BCG_REORDERED.into(), good()], &["is not a time yyyyMMddHHmmss"]),
    ];
    let err_dir = env.base().join("share/import").join(GROUP).join("error");
    for (name, lines, expect) in &cases {
        let f = write(&env, name, lines);
        let out = import(&env, &[&f]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out));
        let txt = std::fs::read_to_string(err_dir.join(format!("{name}.error.txt"))).unwrap_or_default();
        // the reason with its place as the run prints it, and in error/<file>.error.txt
        let line = text(&out).lines().find(|l| l.starts_with("error: ")).unwrap_or_default().to_string();
        assert!(!txt.is_empty() && txt.contains("Nothing of this file was imported"), "{name}: {txt}");
        for e in *expect {
            assert!(line.contains(e), "{name}: expected `{e}` in:\n{line}\n{}", text(&out));
        }
        assert!(err_dir.join(name).is_file(), "{name} in error/");
        assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ArticleStockDO""#), 0, "{name}: nothing written");
    }
    // no configuration for the type: a supplier without one
    env.sql_ok(r#"INSERT INTO "SupplierDO" ("id", "name") VALUES (5001, 'second supplier');"#);
    let f = write(&env, "10000_5001_20261202100009_A.csv", &[A_HEADER.into(), a_row("1", "x", "1")]);
    let out = import(&env, &[&f]);
    assert_eq!(out.status.code(), Some(1));
    let txt = std::fs::read_to_string(err_dir.join("10000_5001_20261202100009_A.csv.error.txt")).unwrap();
    assert!(txt.contains("supplier 5001 has no configuration for A files"), "{txt}");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "SupplierArticleDO""#), 0);
    let failed = env.query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "state" = 'ERROR' AND "errorText" IS NOT NULL"#);
    assert_eq!(failed as usize, cases.len() + 1);
}

/// A configured header in another order and with other columns than the standard one: the
/// file's header must name exactly the configured columns; columns not configured keep their
/// values on update.
#[test]
fn configured_subset_and_semicolon_delimiter() {
    let env = setup();
    let b = write(&env, "10000_5000_20261202100000_BCG.csv", &[BCG_REORDERED.into(), bcg("7", "5", "1", "2")]);
    assert!(import(&env, &[&b]).status.success());
    env.sql_ok(r#"UPDATE "ImportConfigurationDO" SET "csvHeader" = 'supplierArticleNo;stockLevel', "csvDelimiter" = ';' WHERE "id" = 5013;"#);
    let b2 = write(&env, "10000_5000_20261202120000_BCG.csv", &["STOCKLEVEL; supplierArticleNo".into(), "9;7".into(), "1;8".into()]);
    let out = import(&env, &[&b2]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.query_string(r#"SELECT "stockLevel" || ':' || "salesPrice" || ':' || "currency" FROM "ArticleStockDO" WHERE "supplierArticleNo" = '7'"#), "9:200:EUR");
    assert_eq!(env.query_string(r#"SELECT "stockLevel" || ':' || coalesce(CAST("salesPrice" AS TEXT), 'NULL') FROM "ArticleStockDO" WHERE "supplierArticleNo" = '8'"#), "1:NULL");
}

/// End to end with jobs/13 as it is (typeDefRef 30, pushDirectory importarticle/in/, the unzip
/// stage and the CSV stage): the supplier's zip of two BCG files is pulled from a real sshd,
/// unpacked into importarticle/in/ and its stock imported in the same run; the archive and
/// the CSV files end in done/.
#[test]
fn zip_of_bcg_files_pulled_over_sftp_is_unpacked_and_imported() {
    use crate::support::transfer as ts;
    use std::io::Write;
    if let Some(why) = ts::unavailable(false, true) {
        ts::skip(&why);
        return;
    }
    let sshd = ts::Sshd::start();
    let area = ts::Area::new();
    let env = setup();
    let key = GROUP;
    let config = env.query_i64(&format!(r#"SELECT "configId" FROM "ScheduleDO" WHERE "key" = '{key}'"#));
    assert_eq!(env.query_i64(&format!(r#"SELECT "typeDefRef" FROM "FileTransferConfigurationDO" WHERE "id" = {config}"#)), 30);
    let partner = env.query_i64(&format!(r#"SELECT "communicationPartnerRef" FROM "FileTransferConfigurationDO" WHERE "id" = {config}"#));
    let conn = env.store();
    for (k, v) in [
        ("pullFtpAccount", sshd.account_password()),
        ("knownHostsFile", sshd.known_hosts.display().to_string()),
        ("pullDirectory", area.remote().display().to_string()),
    ] {
        conn.execute(
            r#"INSERT INTO "ExecutionBeanValueDO" ("executionBeanKeyDefRef", "parameterValue", "communicationPartnerRef")
               VALUES ((SELECT "id" FROM "ExecutionBeanKeyDefDO" WHERE "executionBeanDefRef" = 202 AND "parameterKey" = ?1), ?2, ?3)
               ON CONFLICT ("communicationPartnerRef", "executionBeanKeyDefRef") DO UPDATE SET "parameterValue" = excluded."parameterValue""#,
            impex::db::params![k, v, partner],
        )
        .unwrap();
    }
    drop(conn);

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let header = "supplierArticleNo|currency|purchasePrice|listPrice|stockLevel|stockType|availabilityInDays|salesPrice|basicPrice|basicPriceUnitValue|basicPriceUnit|salesPriceOld|provisionType|provisionPercentage|taxType|isBestseller";
    for (name, rows) in [
        ("10000_5000_20261202100000_BCG.csv", vec!["100-0001|EUR|80,00|123,45|17|1|2|123,45|||||||FullTax|0", "SD111001|EUR|200,00|376,98|5|1|3|376,98|||||||FullTax|1"]),
        ("stock/10000_5000_20261202110000_BCG.csv", vec!["100-0002|EUR|90,00|127,00|0|1|14|127,00|||||||NoTax|0"]),
    ] {
        zip.start_file(name, opts).unwrap();
        let body: Vec<String> = std::iter::once(header.to_string()).chain(rows.iter().map(|r| r.to_string())).collect();
        zip.write_all(format!("{}\r\n", body.join("\r\n")).as_bytes()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let pulled = area.put("10000_5000_20261202120000_stock.zip", &bytes);
    ts::age(&pulled, 60);
    area.put("notes.txt", b"not for us");

    let ctx = impex::jobs::JobContext {
        db_path: env.db(),
        base: env.base(),
        schedule_id: env.query_i64(&format!(r#"SELECT "id" FROM "ScheduleDO" WHERE "key" = '{key}'"#)),
        schedule_key: key.into(),
        config_id: Some(config),
        cancel: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    };
    let report = impex::transfer::job::run(&ctx).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.message.contains("pulled 1 file(s)") && report.message.contains("3 file(s) imported, 0 failed"), "{}", report.message);
    let stock = env.query_string(
        r#"SELECT group_concat("supplierArticleNo" || ':' || "stockLevel", ',') FROM (SELECT * FROM "ArticleStockDO" WHERE "shopRef" = 10000 AND "supplierRef" = 5000 ORDER BY "supplierArticleNo")"#,
    );
    assert_eq!(stock, "100-0001:17,100-0002:0,SD111001:5");
    let dir = env.base().join("share").join(key).join("importarticle");
    let mut done = crate::support::env::files_under(&dir.join("done"));
    done.sort();
    assert_eq!(done, vec!["10000_5000_20261202100000_BCG.csv", "10000_5000_20261202110000_BCG.csv", "10000_5000_20261202120000_stock.zip"]);
    assert!(crate::support::env::files_under(&dir.join("in")).is_empty());
    assert_eq!(crate::support::env::files_under(&area.remote()), vec!["notes.txt".to_string()]);
}
