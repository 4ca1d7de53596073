//! Import: transformer groups and the OpenPositions, PaymentHistories and storeOrder beans, run
//! through the real `impex import` binary (and `impex::transform::run_group` for the group
//! rules the file transfer job relies on).
#![allow(clippy::cloned_ref_to_slice_refs)]
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::env::{files_under, import_lock, TestEnv};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

/// A demo database with the accounting mappings and the three import groups of setup.sql.
fn setup() -> TestEnv {
    let env = TestEnv::new(true);
    env.sql_ok(&std::fs::read_to_string(fixture("setup.sql")).unwrap());
    env
}

/// `n` extra invoices T-000001.. of debtor 100654 (shop 10000), gross 1000 + i.
fn add_invoices(env: &TestEnv, n: usize) {
    env.sql_ok(&format!(
        r#"INSERT INTO "InvoicingDO" ("invoiceNo", "shopRef", "debitorRef", "invoiceDate", "grossAmount", "netAmount")
           WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
           SELECT 'T-' || substr(CAST(1000000 + i AS TEXT), 2), 10000, 100654, '2015-01-01 00:00:00.000', 1000 + i, 800 + i FROM n;"#
    ));
}

fn import(env: &TestEnv, group: &str, files: &[&Path]) -> Output {
    let mut args: Vec<String> = vec!["import".into(), "--group".into(), group.into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&refs)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn work(env: &TestEnv, group: &str) -> PathBuf {
    env.base().join("share/import").join(group)
}

/// Writes `content` to `<test dir>/<name>` and returns the path.
fn write(env: &TestEnv, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = env.path(name);
    std::fs::write(&p, content).unwrap();
    p
}

struct Pos<'a> {
    ref_nr: &'a str,
    debtor: &'a str,
    pay: &'a str,
    op: &'a str,
    sum: &'a str,
    open: &'a str,
}

impl Default for Pos<'_> {
    fn default() -> Self {
        Pos { ref_nr: "2014000001", debtor: "10000", pay: "55", op: "12345", sum: "12346", open: "1" }
    }
}

fn position(p: &Pos<'_>) -> String {
    format!(
        "  <OpenPosition>\n    <RefNr>{}</RefNr>\n    <Debtor id=\"{}\"/>\n    <CreationDate>2015-01-18</CreationDate>\n    <VoucherNo>12345dsf</VoucherNo>\n    <VoucherDate>2015-01-18</VoucherDate>\n    <EntryText>abc</EntryText>\n    <Currency>EUR</Currency>\n    <PayType>{}</PayType>\n    <OPAmount>{}</OPAmount>\n    <SumAmount>{}</SumAmount>\n    <OpenAmount>{}</OpenAmount>\n    <EntryRange>01</EntryRange>\n  </OpenPosition>\n",
        p.ref_nr, p.debtor, p.pay, p.op, p.sum, p.open
    )
}

fn op_file(merchant: &str, positions: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OpenPositions xmlns=\"http://types.theberlinbakery.com/v1_0\">\n  <MerchantId>{merchant}</MerchantId>\n  <TransId>t1</TransId>\n{}</OpenPositions>\n",
        positions.concat()
    )
}

#[test]
fn reference_open_positions_example_imports_and_sets_payment_status() {
    let env = setup();
    let out = import(&env, "import_openpositions", &[&fixture("OpenPositionsImport_1.xml")]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("1 file imported (1 records)"), "{}", stdout(&out));
    let row = env.query_string(
        r#"SELECT "merchantId" || ' ' || "refNr" || ' ' || "debitorRef" || ' ' || "invoicingRef" || ' ' || "paymentDefRef" || ' ' || "opAmount"
                  || ' ' || "sumAmount" || ' ' || "openAmount" || ' ' || "payType" || ' ' || "financeControllerRef" FROM "OpenPositionDO""#,
    );
    assert_eq!(row, "XYZ 2014000001 10000 10001 3 12345 12346 1 55 1");
    assert_eq!(env.query_string(r#"SELECT "state" || ':' || "records" FROM "ImportFileDO""#), "DONE:1");
    assert_eq!(files_under(&work(&env, "import_openpositions")), [import_lock(), vec!["done/OpenPositionsImport_1.xml"]].concat());
    let order = env.ok(&["order", "2014000001"]);
    assert!(order.contains("Part Paid (99.99 % paid)"), "{order}");
    assert!(order.contains("open invoiced amount: 0.01 EUR"), "{order}");
}

#[test]
fn corrected_file_replaces_position_and_keeps_the_old_version() {
    let env = setup();
    assert!(import(&env, "import_openpositions", &[&fixture("OpenPositionsImport_1.xml")]).status.success());
    let fixed = write(&env, "OpenPositionsImport_2.xml", op_file("XYZ", &[position(&Pos { sum: "12345", open: "0", ..Default::default() })]));
    let out = import(&env, "import_openpositions", &[&fixed]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), 1);
    assert_eq!(env.query_string(r#"SELECT "openAmount" || '/' || "version" FROM "OpenPositionDO""#), "0/2");
    assert_eq!(env.query_string(r#"SELECT "openAmount" || '/' || "version" FROM "OpenPositionVersionDO""#), "1/1");
    let order = env.ok(&["order", "2014000001"]);
    assert!(order.contains("payment:  Paid (100.00 % paid)"), "{order}");
    // the same file again (new delivery, same name): imported again, still one current row
    let again = import(&env, "import_openpositions", &[&fixed]);
    assert!(again.status.success());
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), 1);
    assert_eq!(env.query_i64(r#"SELECT "version" FROM "OpenPositionDO""#), 3);
    // the same invoice three times in one file: the last one is current, the two before are
    // versions (positions of one file are written in chunks whose invoices are looked up at once)
    let thrice = write(
        &env,
        "OpenPositionsImport_3.xml",
        op_file("XYZ", &["7", "5", "3"].map(|open| position(&Pos { sum: "1", open, ..Default::default() }))),
    );
    let out = import(&env, "import_openpositions", &[&thrice]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), 1);
    assert_eq!(env.query_string(r#"SELECT "openAmount" || '/' || "version" FROM "OpenPositionDO""#), "3/6");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionVersionDO""#), 5);
}

#[test]
fn foreign_file_with_prefixes_entities_cdata_imports() {
    let env = setup();
    let out = import(&env, "import_openpositions", &[&fixture("OpenPositionsImport_foreign.xml")]);
    assert!(out.status.success(), "{}", stdout(&out));
    let (text, ext, voucher, pay, dunning, modified): (String, String, String, i64, i64, Option<String>) = env
        .conn()
        .query_row(
            r#"SELECT "entryText", "entryTextExt", "voucherNo", "paymentDefRef", "dunningLevelDefRef", "modificationDate" FROM "OpenPositionDO""#,
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    assert_eq!(text, "Stuurventiel & Handbuch <Löten>");
    assert_eq!(ext, "<b>raw</b> & text");
    assert_eq!(voucher, "V-0083");
    assert_eq!(pay, 10); // '60' -> PayPal
    assert_eq!(dunning, 1); // INITIAL -> NO_DUNNING
    assert_eq!(modified, None);
    assert!(env.ok(&["order", "0083"]).contains("Paid (100.00 % paid)"));
}

#[test]
fn encodings_bom_latin1_crlf_and_many_records() {
    let env = setup();
    add_invoices(&env, 300);
    // windows-1252 / ISO-8859-1 with CRLF line ends and 300 records
    let mut body = String::new();
    for i in 1..=300 {
        let r = format!("T-{i:06}");
        let o = (1000 + i).to_string();
        body.push_str(&position(&Pos { ref_nr: &r, debtor: "100654", op: &o, sum: "0", open: &o, ..Default::default() }).replace("abc", "Gebühr für Müller"));
    }
    let text = op_file("XYZ", &[body]).replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"").replace('\n', "\r\n");
    let (latin1, _, bad) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!bad);
    let f1 = write(&env, "OpenPositionsImport_latin1.xml", &latin1);
    // UTF-8 with BOM, declared windows-1252 is not needed: plain UTF-8 with a BOM
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(std::fs::read(fixture("OpenPositionsImport_1.xml")).unwrap().as_slice());
    let f2 = write(&env, "OpenPositionsImport_bom.xml", &bom);
    let out = import(&env, "import_openpositions", &[&f1, &f2]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), 301);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO" WHERE "entryText" = 'Gebühr für Müller'"#), 300);
    // a line number in a CRLF file is right: break record 2 of a copy
    let broken = text.replacen("<OPAmount>1002</OPAmount>", "<OPAmount>10,02</OPAmount>", 1);
    let line = broken.lines().position(|l| l.contains("10,02")).unwrap() + 1;
    let f3 = write(&env, "OpenPositionsImport_latin1_bad.xml", encoding_rs::WINDOWS_1252.encode(&broken).0);
    let out = import(&env, "import_openpositions", &[&f3]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(&format!("record 2, line {line}, field OPAmount")), "{}", stdout(&out));
}

/// Every bad input ends in error/ with a message naming what failed; nothing of it is kept.
#[test]
fn bad_open_positions_files_go_to_error_with_record_field_and_reason() {
    let env = setup();
    let good = position(&Pos::default());
    let cases: Vec<(&str, String, &[&str])> = vec![
        ("paytype", op_file("XYZ", &[position(&Pos { pay: "99", ..Default::default() })]), &["record 1", "field PayType", "`99`", "FinanceController2PaymentDefDO"]),
        ("refnr", op_file("XYZ", &[position(&Pos { ref_nr: "NOPE-1", ..Default::default() })]), &["record 1", "field RefNr", "no invoice with number `NOPE-1`"]),
        ("debtor", op_file("XYZ", &[position(&Pos { debtor: "999999", ..Default::default() })]), &["field Debtor/@id", "no debtor with id 999999"]),
        ("debtor_not_long", op_file("XYZ", &[position(&Pos { debtor: "12a", ..Default::default() })]), &["field Debtor/@id", "xs:long"]),
        ("merchant", op_file("ABC", &[good.clone()]), &["field MerchantId", "`ABC`", "Shop2FinanceControllerDO"]),
        ("amount", op_file("XYZ", &[position(&Pos { op: "123.45", ..Default::default() })]), &["field OPAmount", "minor units"]),
        ("date", op_file("XYZ", &[good.replace("<CreationDate>2015-01-18", "<CreationDate>18.01.2015")]), &["field CreationDate", "YYYY-MM-DD"]),
        ("missing", op_file("XYZ", &[good.replace("<VoucherNo>12345dsf</VoucherNo>", "")]), &["field VoucherNo", "mandatory field <VoucherNo> is missing"]),
        ("empty_mandatory", op_file("XYZ", &[good.replace("<Currency>EUR</Currency>", "<Currency></Currency>")]), &["field Currency", "empty"]),
        ("size", op_file("XYZ", &[good.replace("12345dsf", &"x".repeat(31))]), &["field VoucherNo", "at most 30"]),
        ("unknown_element", op_file("XYZ", &[good.replace("<EntryRange>", "<Discount>5</Discount><EntryRange>")]), &["record 1", "line 17", "unknown element <Discount>"]),
        ("dunning", op_file("XYZ", &[good.replace("<EntryRange>", "<DunningLevel>M9</DunningLevel><EntryRange>")]), &["field DunningLevel", "Shop2DunningLevelDO"]),
        ("second_record", op_file("XYZ", &[good.clone(), position(&Pos { pay: "77", ..Default::default() })]), &["record 2", "line 27", "field PayType"]),
        ("twice", op_file("XYZ", &[good.replace("<Currency>EUR</Currency>", "<Currency>EUR</Currency><Currency>USD</Currency>")]), &["given twice"]),
        ("no_positions", op_file("XYZ", &[]), &["no <OpenPosition>"]),
        ("doctype", format!("<?xml version=\"1.0\"?>\n<!DOCTYPE OpenPositions [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n{}", op_file("XYZ", &[good.replace("abc", "&x;")]).split_once('\n').unwrap().1), &["line 2", "DOCTYPE"]),
        ("entity", op_file("XYZ", &[good.replace("abc", "a&nbsp;b")]), &["unknown entity &nbsp;"]),
        ("malformed", op_file("XYZ", &[good.replace("</VoucherNo>", "</VoucherNumber>")]), &["malformed XML"]),
        ("wrong_root", std::fs::read_to_string(fixture("PaymentHistories_1.xml")).unwrap(), &["wrong root element <PaymentHistories>"]),
        ("empty", String::new(), &["empty"]),
        ("truncated", { let f = op_file("XYZ", &[good.clone(), good.clone()]); f[..f.len() / 2 + 7].to_string() }, &["truncated"]),
        ("encoding", op_file("XYZ", &[good.clone()]).replace("UTF-8", "KLINGON-8"), &["unsupported encoding \"KLINGON-8\""]),
        ("text", op_file("XYZ", &[good.clone()]).replace("<TransId>t1</TransId>", "<TransId>t1</TransId> stray text"), &["unexpected text `stray text`"]),
        ("after_root", format!("{}<OpenPositions/>", op_file("XYZ", &[good.clone()])), &["after the end of the root element"]),
        ("refnr_second", op_file("XYZ", &[good.clone(), position(&Pos { ref_nr: "NOPE-2", ..Default::default() })]), &["record 2", "line 20", "field RefNr", "`NOPE-2`"]),
        // (a wrong reference after many batches of the parser, the positions before it written)
        ("refnr_later_batch", op_file("XYZ", &[vec![good.clone(); 1300], vec![position(&Pos { ref_nr: "NOPE-3", ..Default::default() })]].concat()), &["record 1301", "field RefNr", "`NOPE-3`"]),
        ("text_in_record", op_file("XYZ", &[good.replace("<Currency>", "loose words <Currency>")]), &["record 1", "unexpected text `loose words` in <OpenPosition>"]),
        ("cdata_in_record", op_file("XYZ", &[good.replace("<Currency>", "<![CDATA[x]]><Currency>")]), &["record 1", "unexpected CDATA"]),
        ("element_in_text", op_file("XYZ", &[good.replace("<Currency>EUR", "<Currency>E<b/>UR")]), &["record 1", "unknown element <b> inside <Currency> (a text field)"]),
        ("no_debtor_id", op_file("XYZ", &[good.replace(r#"<Debtor id="10000"/>"#, r#"<Debtor number="10000"/>"#)]), &["record 1", "field Debtor/@id", "attribute id of <Debtor> is missing"]),
        ("truncated_in_field", { let f = op_file("XYZ", &[good.clone()]); f[..f.find("<VoucherNo>").unwrap() + 14].to_string() }, &["record 1", "<VoucherNo> (line 9) is not closed", "truncated"]),
    ];
    let mut paths = Vec::new();
    for (name, content, _) in &cases {
        paths.push(write(&env, &format!("OpenPositionsImport_{name}.xml"), content));
    }
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let out = import(&env, "import_openpositions", &refs);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("0 files imported (0 records), {} failed", cases.len())), "{}", stdout(&out));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), 0);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionVersionDO""#), 0);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "state" = 'ERROR'"#), cases.len() as i64);
    let err_dir = work(&env, "import_openpositions").join("error");
    for (name, _, expect) in &cases {
        let file = format!("OpenPositionsImport_{name}.xml");
        assert!(err_dir.join(&file).is_file(), "{file} not in error/");
        let txt = std::fs::read_to_string(err_dir.join(format!("{file}.error.txt"))).unwrap();
        let line = stdout(&out).lines().find(|l| l.contains(&file)).unwrap_or_default().to_string();
        for e in *expect {
            assert!(txt.contains(e) || line.contains(e), "{name}: expected `{e}` in:\n{txt}\n{line}");
        }
        assert!(txt.contains("Nothing of this file was imported"));
    }
}

#[test]
fn payment_histories_import_with_kinds_and_reference_example_is_rejected() {
    let env = setup();
    let out = import(&env, "import_paymenthistory", &[&fixture("PaymentHistories_1.xml"), &fixture("PaymentHistories_reference.xml")]);
    assert_eq!(out.status.code(), Some(1));
    let s = stdout(&out);
    assert!(s.contains("done:  PaymentHistories_1.xml (5 records)"), "{s}");
    assert!(s.contains("PaymentHistories_reference.xml: record 1, line 7, field Debtor/@id: `1234556a` is not an integer id (xs:long)"), "{s}");
    let kinds: Vec<String> = {
        let c = env.conn();
        let mut st = c.prepare(r#"SELECT "positionType" || ':' || "kind" || ':' || "amount" || ':' || "entryDate" FROM "PaymentHistoryDO" ORDER BY "id""#).unwrap();
        let v = st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        v
    };
    assert_eq!(
        kinds,
        vec!["R:INVOICE:87925:2015-10-27", "Z:PAYMENT:50000:2015-11-03", "R:CREDIT_NOTE:-12700:2015-11-05", "Z:REFUND:-1000:2015-11-06", "ZU:REBOOKING:0:2015-11-07"]
    );
    // invoiced 879.25 - 127.00 = 752.25, paid 500.00 - 10.00 = 490.00, open 262.25
    let order = env.ok(&["order", "0083"]);
    assert!(order.contains("Part Paid (65.14 % paid)"), "{order}");
    assert!(order.contains("open invoiced amount: 262.25 EUR"), "{order}");
    // the example with a valid Debtor id still fails on its empty PositionType
    let fixed = std::fs::read_to_string(fixture("PaymentHistories_reference.xml")).unwrap().replace("123456a", "0083").replace("1234556a", "100646");
    let f = write(&env, "PaymentHistories_fixed.xml", fixed);
    let out = import(&env, "import_paymenthistory", &[&f]);
    assert!(stdout(&out).contains("record 1, line 12, field PositionType: mandatory field is empty"), "{}", stdout(&out));
    // re-import of the same bookings replaces them (key: invoice, voucher, position type)
    let again = write(&env, "PaymentHistories_2.xml", std::fs::read_to_string(fixture("PaymentHistories_1.xml")).unwrap().replace("50000", "60000"));
    assert!(import(&env, "import_paymenthistory", &[&again]).status.success());
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "PaymentHistoryDO""#), 5);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "PaymentHistoryVersionDO""#), 5);
    assert_eq!(env.query_i64(r#"SELECT "amount" FROM "PaymentHistoryDO" WHERE "voucherNo" = 'PAY-1'"#), 60000);
}

#[test]
fn store_order_reference_example_imports_once() {
    let env = setup();
    let orders_before = env.query_i64(r#"SELECT count(*) FROM "OrderDO""#);
    let out = import(&env, "import_orders", &[&fixture("storeOrder_000000300.xml")]);
    assert!(out.status.success(), "{}", stdout(&out));
    let (id, customer, created, sum_gross, total_gross, method, pay): (i64, i64, String, i64, i64, String, i64) = env
        .conn()
        .query_row(
            r#"SELECT "id", "customerRef", "orderCreationDate", "sumGross", "totalGross", "paymentMethod", "paymentDefRef"
               FROM "OrderDO" WHERE "shopOrderNo" = '000000300'"#,
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .unwrap();
    assert_eq!((customer, created.as_str(), sum_gross, total_gross, method.as_str(), pay), (10073, "2015-09-17 12:22:59.462", 5712, 5617, "PAYPAL", 10));
    let pos: (i64, i64, i64, i64, String, i64) = env
        .conn()
        .query_row(
            r#"SELECT "quantity", "sumNet", "sumTax", "unitGross", "unitGrossDecimal", "purchaseSumNet" FROM "OrderPositionDO" WHERE "orderRef" = ?1"#,
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .unwrap();
    assert_eq!(pos, (1500, 4800, 912, 4, "0.03808".into(), 3000));
    assert_eq!(env.query_i64(&format!(r#"SELECT count(*) FROM "OrderAddressDO" WHERE "orderRef" = {id}"#)), 2);
    assert_eq!(env.query_i64(&format!(r#"SELECT count(*) FROM "OrderChargeDO" WHERE "orderRef" = {id}"#)), 3);
    assert_eq!(env.query_i64(&format!(r#"SELECT count(*) FROM "OrderPropertyDO" WHERE "orderRef" = {id} AND "groupId" = 'references'"#)), 2);
    // the same order again: rejected as a duplicate, nothing added
    let copy = write(&env, "storeOrder_again.xml", std::fs::read(fixture("storeOrder_000000300.xml")).unwrap());
    let out = import(&env, "import_orders", &[&copy]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("duplicate: order `000000300` of shop 10000 already exists"), "{}", stdout(&out));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OrderDO""#), orders_before + 1);
    assert!(work(&env, "import_orders").join("error/storeOrder_again.xml.error.txt").is_file());
}

#[test]
fn store_order_of_another_shop_system_and_bad_orders() {
    let env = setup();
    let reference = std::fs::read_to_string(fixture("storeOrder_000000300.xml")).unwrap();
    // no namespace, new customer, immaterial delivery, several taxes
    let other = reference
        .replace(" xmlns=\"http://types.theberlinbakery.com/v1_0\"", "")
        .replace("000000300", "W-1")
        .replace("customerId=\"1234567\"", "customerId=\"NEW-9\"")
        .replace("<Tax type=\"FullTax\" amount=\"9.12000\"/>", "<Tax type=\"NORMAL_TAX\" amount=\"8.00000\"/><Tax type=\"LOW_TAX\" amount=\"1.12000\"/>");
    let bad_amount = reference.replace("000000300", "B-1").replace("57.12000", "57.12300");
    let bad_element = reference.replace("000000300", "B-2").replace("<SplitShipmentAllowed>", "<Gift>yes</Gift><SplitShipmentAllowed>");
    let bad_quantity = reference.replace("000000300", "B-3").replace("quantity=\"1500\"", "quantity=\"0\"");
    let f1 = write(&env, "storeOrder_W-1.xml", other);
    let f2 = write(&env, "storeOrder_B-1.xml", bad_amount);
    let f3 = write(&env, "storeOrder_B-2.xml", bad_element);
    let f4 = write(&env, "storeOrder_B-3.xml", bad_quantity);
    let out = import(&env, "import_orders", &[&f1, &f2, &f3, &f4]);
    let s = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{s}");
    assert!(s.contains("done:  storeOrder_W-1.xml"), "{s}");
    assert!(s.contains("storeOrder_B-1.xml: record 1, line 43, field Order/Sales/Sum/Gross/@amount: `57.12300` has more than 2 significant decimal places"), "{s}");
    assert!(s.contains("storeOrder_B-2.xml: record 1, line 57, field Order/Gift: unknown element <Gift>"), "{s}");
    assert!(s.contains("field Order/Position[1]/Ordered/@quantity: quantity 0 must be positive"), "{s}");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OrderDO" WHERE "shopOrderNo" LIKE 'B-%'"#), 0);
    assert_eq!(env.query_string(r#"SELECT "customerType" || ':' || "companyName" FROM "CustomerDO" WHERE "shopCustomerNo" = 'NEW-9'"#), "b2b:Company");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OrderChargeDO" c JOIN "OrderDO" o ON o."id" = c."orderRef" WHERE o."shopOrderNo" = 'W-1' AND c."kind" = 'SUM'"#), 2);
}

#[test]
fn group_rules_order_obsolete_files_source_filename_and_unknown_beans() {
    let env = setup();
    add_invoices(&env, 1);
    let gid = env.query_i64(r#"SELECT "id" FROM "TransformerProcessGroupDO" WHERE "name" = 'import_openpositions'"#);
    let dir = env.path("transfer");
    let in_dir = dir.join("in");
    std::fs::create_dir_all(&in_dir).unwrap();
    // two positions for the same invoice: the older file (by mtime) first, so the newer wins
    let newer = in_dir.join("OpenPositionsImport_a.xml");
    let older = in_dir.join("OpenPositionsImport_b.xml");
    std::fs::write(&newer, op_file("XYZ", &[position(&Pos { open: "7", ..Default::default() })])).unwrap();
    std::fs::write(&older, op_file("XYZ", &[position(&Pos { open: "5", ..Default::default() })])).unwrap();
    let t = std::time::SystemTime::now();
    std::fs::File::options().write(true).open(&older).unwrap().set_modified(t - std::time::Duration::from_secs(60)).unwrap();
    std::fs::File::options().write(true).open(&newer).unwrap().set_modified(t).unwrap();
    std::fs::write(in_dir.join("readme.txt"), "not for us").unwrap();
    std::fs::write(in_dir.join("OpenPositionsImport_bad.xml"), op_file("XYZ", &[position(&Pos { pay: "99", ..Default::default() })])).unwrap();
    std::fs::write(in_dir.join(".OpenPositionsImport_copying.xml"), "half").unwrap();
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed, r.obsolete, r.records), (2, 1, 1, 2));
    assert_eq!(r.outcome(), impex::jobs::Outcome::Warn);
    assert_eq!(env.query_i64(r#"SELECT "openAmount" FROM "OpenPositionDO""#), 7);
    assert_eq!(
        files_under(&dir),
        [
            import_lock(),
            vec![
                "done/OpenPositionsImport_a.xml",
                "done/OpenPositionsImport_b.xml",
                "error/OpenPositionsImport_bad.xml",
                "error/OpenPositionsImport_bad.xml.error.txt",
                "in/.OpenPositionsImport_copying.xml",
                "obsolete/readme.txt",
            ],
        ]
        .concat()
    );
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "state" = 'OBSOLETE' AND "fileName" = 'readme.txt'"#), 1);
    // SOURCE_FILENAME (parameter 4) overrides filenameRegex
    env.sql_ok(&format!(
        r#"INSERT INTO "TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
           VALUES (nextval('"TransformerProcessParameterDO_id_seq"'), 'OP_[0-9]+\.xml', 4, (SELECT "id" FROM "TransformerProcessDO" WHERE "transformerProcessGroupRef" = {gid}));"#
    ));
    std::fs::write(in_dir.join("OP_1.xml"), op_file("XYZ", &[position(&Pos { ref_nr: "T-000001", debtor: "100654", ..Default::default() })])).unwrap();
    std::fs::write(in_dir.join("OpenPositionsImport_c.xml"), op_file("XYZ", &[position(&Pos::default())])).unwrap();
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed, r.obsolete), (1, 0, 1));
    assert!(dir.join("obsolete/OpenPositionsImport_c.xml").is_file());
    assert_eq!(r.outcome(), impex::jobs::Outcome::Ok);
    // all failed: ERROR
    std::fs::write(in_dir.join("OP_2.xml"), "<OpenPositions>").unwrap();
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!(r.outcome(), impex::jobs::Outcome::Error);
    // unknown bean: a configuration error, no file touched
    env.sql_ok(&format!(
        r#"INSERT INTO "TransformerBeanDefDO" ("id", "name") VALUES (777, 'SomeOtherBean');
           INSERT INTO "TransformerProcessDO" ("id", "index", "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex", "moveObsoleteFiles")
           VALUES (nextval('"TransformerProcessDO_id_seq"'), 9, 777, {gid}, 'x', FALSE);"#
    ));
    std::fs::write(in_dir.join("OP_3.xml"), "<x/>").unwrap();
    let e = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap_err();
    assert!(e.to_string().contains("\"transformerBeanDefRef\" 777: no transformer bean with this id"), "{e}");
    assert!(in_dir.join("OP_3.xml").is_file());
    let out = import(&env, "import_openpositions", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no transformer bean with this id"));
}

#[test]
fn group_is_found_by_file_name_without_group_flag() {
    let env = setup();
    let out = env.run(&["import", fixture("OpenPositionsImport_1.xml").to_str().unwrap()]);
    assert!(out.status.success(), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("import import_openpositions: 1 file imported"));
    let out = env.run(&["import", "--group", "nope", fixture("OpenPositionsImport_1.xml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no transformer group named `nope`"));
    // a file the group would not take is refused before anything is copied
    let odd = write(&env, "positions.xml", std::fs::read(fixture("OpenPositionsImport_1.xml")).unwrap());
    let out = env.run(&["import", "--group", "import_openpositions", odd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("matches no process of group `import_openpositions`"));
    assert!(!work(&env, "import_openpositions").join("in/positions.xml").exists());
}

/// A database with `n` invoices and an OpenPositions file of `n` positions, big enough that a
/// kill comes long before the commit (a release build is ~30x faster).
fn big_import(n: usize) -> (TestEnv, PathBuf) {
    let env = setup();
    add_invoices(&env, n);
    let mut body = String::with_capacity(n * 450);
    for i in 1..=n {
        let r = format!("T-{i:06}");
        let o = (1000 + i).to_string();
        body.push_str(&position(&Pos { ref_nr: &r, debtor: "100654", op: &o, sum: "0", open: &o, ..Default::default() }));
    }
    let big = write(&env, "OpenPositionsImport_big.xml", op_file("XYZ", &[body]));
    (env, big)
}

/// Runs `impex import --group import_openpositions FILES` and kills it (SIGKILL) once it has
/// reported progress.
fn kill_import_in_progress(env: &TestEnv, files: &[&Path]) {
    use std::io::{BufRead, BufReader};
    let mut args = vec!["import".to_string(), "--group".into(), "import_openpositions".into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = env.cmd(&refs).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "impex ended before reporting progress");
        if line.contains("records read") {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    assert!(!child.wait().unwrap().success());
}

/// kill -9 in the middle of a large import of a file in in/ (as a pull leaves it): no partial
/// rows; the next run imports it once.
#[test]
fn killed_import_leaves_nothing_and_next_run_imports_the_file_once() {
    let n = if cfg!(debug_assertions) { 20_000 } else { 300_000 };
    let (env, big) = big_import(n);
    let in_dir = work(&env, "import_openpositions").join("in");
    std::fs::create_dir_all(&in_dir).unwrap();
    std::fs::rename(&big, in_dir.join("OpenPositionsImport_big.xml")).unwrap();
    kill_import_in_progress(&env, &[]);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), 0);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO""#), 0);
    assert!(in_dir.join("OpenPositionsImport_big.xml").is_file());
    // the next run (no files given: what is in in/) imports it completely
    let out = import(&env, "import_openpositions", &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("1 file imported ({n} records)")), "{}", stdout(&out));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), n as i64);
    // and once: nothing left, no second version
    let out = import(&env, "import_openpositions", &[]);
    assert!(stdout(&out).contains("0 files imported"));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionVersionDO""#), 0);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "state" = 'DONE'"#), 1);
}

/// `impex import FILE` reads the file where it is while it is copied into in/ (the copy reaches
/// in/ only complete, before the commit). Killed in the middle: no rows, nothing in in/ for the
/// pipeline (only the hidden temporary copy), the given file untouched; the same command again
/// imports it once, removes the dead run's temporary file, and done/ holds an exact copy with
/// the original's modification time.
#[test]
fn killed_import_of_a_given_file_leaves_nothing_and_the_same_command_imports_it_once() {
    let n = if cfg!(debug_assertions) { 20_000 } else { 300_000 };
    let (env, big) = big_import(n);
    let original = std::fs::read(&big).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    std::fs::File::options().write(true).open(&big).unwrap().set_modified(old).unwrap();
    kill_import_in_progress(&env, &[&big]);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), 0);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO""#), 0);
    let in_dir = work(&env, "import_openpositions").join("in");
    let left: Vec<String> = std::fs::read_dir(&in_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(left.iter().all(|f| f.starts_with(".OpenPositionsImport_big.xml.") && f.ends_with(".tmp")), "{left:?}");
    assert_eq!(std::fs::read(&big).unwrap(), original, "the given file is untouched");
    let out = import(&env, "import_openpositions", &[&big]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("1 file imported ({n} records)")), "{}", stdout(&out));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), n as i64);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionVersionDO""#), 0);
    assert_eq!(std::fs::read_dir(&in_dir).unwrap().count(), 0, "the dead run's temporary copy is removed");
    let done = work(&env, "import_openpositions").join("done/OpenPositionsImport_big.xml");
    assert!(std::fs::read(&done).unwrap() == original, "done/ holds an exact copy");
    assert_eq!(std::fs::metadata(&done).unwrap().modified().unwrap(), old);
    assert!(big.is_file(), "the given file stays");
}

/// A crash after the commit but before the move to done/: the next run moves the file instead
/// of importing it a second time.
#[test]
fn file_committed_but_not_moved_is_moved_not_imported_again() {
    let env = setup();
    let gid = env.query_i64(r#"SELECT "id" FROM "TransformerProcessGroupDO" WHERE "name" = 'import_openpositions'"#);
    let dir = env.path("transfer");
    let in_dir = dir.join("in");
    std::fs::create_dir_all(&in_dir).unwrap();
    std::fs::copy(fixture("OpenPositionsImport_1.xml"), in_dir.join("OpenPositionsImport_1.xml")).unwrap();
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!(r.imported, 1);
    // as if the process had died before the rename: the file is back in in/ (same size, mtime)
    std::fs::rename(dir.join("done/OpenPositionsImport_1.xml"), in_dir.join("OpenPositionsImport_1.xml")).unwrap();
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed, r.records), (1, 0, 1));
    assert!(dir.join("done/OpenPositionsImport_1.xml").is_file());
    assert_eq!(env.query_i64(r#"SELECT "version" FROM "OpenPositionDO""#), 1);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO""#), 1);
}

/// One import per transform directory at a time, on any node: while another node holds the
/// directory's claim (on PostgreSQL its advisory lock, held by another session; on SQLite the
/// lock file beside the directory), `impex import` waits and imports nothing; once the claim
/// ends (here: the other node's connection closes), the import runs.
#[test]
fn an_import_waits_while_another_node_holds_its_directory() {
    let env = setup();
    let dir = work(&env, "import_openpositions");
    let in_dir = dir.join("in");
    std::fs::create_dir_all(&in_dir).unwrap();
    std::fs::copy(fixture("OpenPositionsImport_1.xml"), in_dir.join("OpenPositionsImport_1.xml")).unwrap();
    let pg = crate::support::env::on_postgres();
    let other = env.store();
    let lock_file = std::fs::File::create(dir.join(".import.lock")).unwrap();
    if pg {
        let claim = format!("import:{}", in_dir.display());
        other.query_rows("SELECT CAST(pg_advisory_lock(hashtextextended('impex.' || CAST(?1 AS text), 0)) AS text)", impex::db::params![claim]).unwrap();
    } else {
        lock_file.lock().unwrap();
    }
    let mut child = env.cmd(&["import", "--group", "import_openpositions"]).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    crate::support::env::wait_for("the import to wait for the claim", std::time::Duration::from_secs(30), || {
        if pg {
            env.query_i64("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") > 0
        } else {
            // a blocked flock request shows as a "->" line of /proc/locks
            std::fs::read_to_string("/proc/locks").unwrap().lines().any(|l| l.contains("->") && l.split_whitespace().nth(5) == Some(&pid.to_string()))
        }
    });
    assert!(child.try_wait().unwrap().is_none(), "the import waits");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO""#), 0);
    assert!(in_dir.join("OpenPositionsImport_1.xml").is_file());
    drop(other);
    drop(lock_file);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("1 file imported (1 records)"), "{}", stdout(&out));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "state" = 'DONE'"#), 1);
}

/// An operator's own trigger on the open positions fires for every imported position on both
/// backends: on PostgreSQL the import then keeps the server's per-row checks (the set-wise
/// checks skip every trigger that is not `ENABLE ALWAYS`). And a role that may not set
/// `session_replication_role` (neither superuser nor granted) imports as well, by the
/// server's checks; granted the parameter, it imports by the set-wise ones.
#[test]
fn an_operators_trigger_fires_and_a_role_without_the_replication_parameter_imports() {
    let env = setup();
    let pg = crate::support::env::on_postgres();
    if pg {
        env.sql_ok(
            r#"CREATE TABLE oms.op_log ("refNr" text);
               CREATE FUNCTION oms.op_log_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO oms.op_log VALUES (NEW."refNr"); RETURN NULL; END $$;
               CREATE TRIGGER op_log AFTER INSERT OR UPDATE ON oms."OpenPositionDO" FOR EACH ROW EXECUTE FUNCTION oms.op_log_fn();"#,
        );
    } else {
        env.sql_ok(
            r#"CREATE TABLE op_log ("refNr" TEXT);
               CREATE TRIGGER op_log_insert AFTER INSERT ON "OpenPositionDO" BEGIN INSERT INTO op_log VALUES (NEW."refNr"); END;
               CREATE TRIGGER op_log_update AFTER UPDATE ON "OpenPositionDO" BEGIN INSERT INTO op_log VALUES (NEW."refNr"); END;"#,
        );
    }
    let out = import(&env, "import_openpositions", &[&fixture("OpenPositionsImport_1.xml")]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    let thrice = write(&env, "OpenPositionsImport_3.xml", op_file("XYZ", &["7", "5", "3"].map(|open| position(&Pos { sum: "1", open, ..Default::default() }))));
    let out = import(&env, "import_openpositions", &[&thrice]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    // (one insert, then three replacements of the same invoice's position)
    assert_eq!(env.query_string(r#"SELECT count(*) || ' ' || min("refNr") || ' ' || max("refNr") FROM op_log"#), "4 2014000001 2014000001");
    assert_eq!(env.query_i64(r#"SELECT "version" FROM "OpenPositionDO""#), 4);
    if !pg {
        return;
    }
    env.sql_ok(r#"DROP TRIGGER op_log ON oms."OpenPositionDO";"#);
    let url = env.pg.clone().unwrap();
    let database = url.rsplit('/').next().unwrap().to_string();
    let role = format!("plain_{database}");
    let server = crate::support::env::shared_server();
    let server = server.as_ref().unwrap();
    server.psql(
        &database,
        &format!(
            r#"CREATE ROLE "{role}" LOGIN PASSWORD '{}';
               GRANT USAGE ON SCHEMA oms, customer, product, admin TO "{role}";
               GRANT ALL ON ALL TABLES IN SCHEMA oms, customer, product, admin TO "{role}";
               GRANT ALL ON ALL SEQUENCES IN SCHEMA oms, customer, product, admin TO "{role}";"#,
            crate::support::postgres::PASSWORD
        ),
    );
    let as_role = |name: &str, open: &str| {
        let file = write(&env, name, op_file("XYZ", &[position(&Pos { sum: "1", open, ..Default::default() })]));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_impex"))
            .arg("--db")
            .arg(url.replacen("postgres@", &format!("{role}@"), 1))
            .args(["import", "--group", "import_openpositions", file.to_str().unwrap()])
            .current_dir(env.dir.path())
            .env_remove("IMPEX_DB")
            .env("PGPASSWORD", crate::support::postgres::PASSWORD)
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}: {}\n{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert_eq!(env.query_string(r#"SELECT "openAmount" || '/' || "version" FROM "OpenPositionDO""#), format!("{open}/{}", env.query_i64(r#"SELECT count(*) FROM "OpenPositionVersionDO""#) + 1));
    };
    let may_set = || server.psql(&database, &format!("SELECT has_parameter_privilege('{role}', 'session_replication_role', 'SET')"));
    assert_eq!(may_set(), "f");
    as_role("OpenPositionsImport_4.xml", "2");
    server.psql(&database, &format!(r#"GRANT SET ON PARAMETER session_replication_role TO "{role}""#));
    assert_eq!(may_set(), "t");
    as_role("OpenPositionsImport_5.xml", "1");
    assert_eq!(env.query_i64(r#"SELECT "version" FROM "OpenPositionDO""#), 6);
    // (the role goes: the shared server outlives the test's database)
    server.psql(&database, &format!(r#"REVOKE SET ON PARAMETER session_replication_role FROM "{role}"; DROP OWNED BY "{role}"; DROP ROLE "{role}""#));
}
