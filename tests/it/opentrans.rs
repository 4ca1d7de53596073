//! The openTRANS 2.1 dispatch import (ImportXmlOpenTransDispatchBean, jobs/12): dispatch
//! notifications become "DispatchDO" / "DispatchPositionDO" rows, whatever prefixes the file
//! uses; bad files are refused whole; end to end, a file pulled from vsftpd becomes a
//! PurchaseOrders dispatch export.
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::support::env::{wait_for, TestEnv};
use crate::support::export as sup;
use crate::support::transfer as ts;

const GROUP: &str = "import_opentrans_dispatch";
const OT: &str = "http://www.opentrans.org/XMLSchema/2.1";
const BMC: &str = "http://www.bmecat.org/bmecat/2005";

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A second supplier and its order D-100 (positions 1: 5 units at 7.00, 2: 3 units with only a
/// purchase sum of 10.00); order 0083 (demo) has positions 1 (2 units at 200.00) and 2 (1 at
/// 90.00) of supplier 5000, and here a position 3 of the second supplier.
const BUSINESS: &str = r#"
INSERT INTO "SupplierDO" ("id", "name") VALUES (5001, 'Second Supplier');
INSERT INTO "OrderDO" ("id", "shopRef", "shopOrderNo", "orderCreationDate", "currency", "paymentDefRef")
VALUES (20100, 10000, 'D-100', '2026-11-28 10:00:00.000', 'EUR', 10);
INSERT INTO "OrderPositionDO" ("id", "orderRef", "number", "articleId", "articleName", "quantity", "supplierRef", "purchaseUnitNet", "purchaseSumNet")
VALUES (20101, 20100, 1, 'S2-1', 'Zweitlieferant 1', 5, 5001, 700, 3500),
       (20102, 20100, 2, 'S2-2', 'Zweitlieferant 2', 3, 5001, NULL, 1000),
       (20103, 10002, 3, 'S2-3', 'Zweitlieferant 3', 1, 5001, 100, 100);
"#;

/// A demo database with jobs/12 and the business rows above.
fn setup() -> TestEnv {
    let env = TestEnv::new(true);
    env.ok(&["sql", repo("jobs/12_import_opentrans_dispatch.sql").to_str().unwrap()]);
    env.sql_ok(BUSINESS);
    env
}

fn work(env: &TestEnv) -> PathBuf {
    env.base().join("share/import").join(GROUP)
}

fn import(env: &TestEnv, file: &Path) -> std::process::Output {
    env.run(&["import", "--group", GROUP, file.to_str().unwrap()])
}

fn count(env: &TestEnv, table: &str) -> i64 {
    env.query_i64(&format!(r#"SELECT count(*) FROM "{table}""#))
}

/// One item of a generated file.
#[derive(Clone)]
struct It {
    line: &'static str,
    order: &'static str,
    pos: Option<&'static str>,
    qty: &'static str,
    pid: &'static str,
    supplier_order: Option<&'static str>,
    packages: &'static [(&'static str, &'static str)],
}

fn it(line: &'static str, order: &'static str, pos: Option<&'static str>, qty: &'static str) -> It {
    It { line, order, pos, qty, pid: "P", supplier_order: None, packages: &[] }
}

/// The items of tests/fixtures/import/openTransDispatch_1.xml.
fn fixture_items() -> Vec<It> {
    vec![
        It {
            pid: "SD111001",
            supplier_order: Some("SO-5000-17"),
            packages: &[("deliverer_specific", "00340434161094000011"), ("supplier_specific", "BOX-1")],
            ..it("1", "0083", None, "2")
        },
        It { pid: "S2-1", packages: &[("deliverer_specific", "JJD0001")], ..it("2", "D-100", Some("1"), "3") },
        It {
            pid: "100-0002",
            supplier_order: Some("SO-5000-17"),
            packages: &[("deliverer_specific", "00340434161094000011"), ("deliverer_specific", "00340434161094000028")],
            ..it("3", "0083", Some("2"), "1")
        },
        It { pid: "S2-2", supplier_order: Some("SO-5001-9"), ..it("4", "D-100", Some("2"), "2.000") },
    ]
}

/// A dispatch notification with openTRANS elements prefixed `ot` ("" = default namespace) and
/// BMEcat elements prefixed `bmc` ("" = a default namespace: declared on the root when openTRANS
/// is prefixed, else on each BMEcat element).
fn doc(ot: &str, bmc: &str, id: Option<&str>, suppliers: &[&str], items: &[It]) -> String {
    let o = |n: &str| if ot.is_empty() { n.to_string() } else { format!("{ot}:{n}") };
    let b_open = |n: &str, attrs: &str| match (bmc.is_empty(), ot.is_empty()) {
        (false, _) => format!("<{bmc}:{n}{attrs}>"),
        (true, false) => format!("<{n}{attrs}>"),
        (true, true) => format!("<{n} xmlns=\"{BMC}\"{attrs}>"),
    };
    let b_close = |n: &str| if bmc.is_empty() { format!("</{n}>") } else { format!("</{bmc}:{n}>") };
    let b = |n: &str, attrs: &str, v: &str| format!("{}{v}{}", b_open(n, attrs), b_close(n));
    let t = |n: &str, v: &str| format!("<{0}>{v}</{0}>", o(n));
    let mut decl = if ot.is_empty() { format!(" xmlns=\"{OT}\"") } else { format!(" xmlns:{ot}=\"{OT}\"") };
    if !bmc.is_empty() {
        decl.push_str(&format!(" xmlns:{bmc}=\"{BMC}\""));
    } else if !ot.is_empty() {
        decl.push_str(&format!(" xmlns=\"{BMC}\""));
    }
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{}{decl} version=\"2.1\">\n", o("DISPATCHNOTIFICATION"));
    s.push_str(&format!("<{}><{}>\n", o("DISPATCHNOTIFICATION_HEADER"), o("DISPATCHNOTIFICATION_INFO")));
    if let Some(id) = id {
        s.push_str(&t("DISPATCHNOTIFICATION_ID", id));
    }
    s.push_str(&t("DISPATCHNOTIFICATION_DATE", "2026-11-30T07:50:00+01:00"));
    s.push_str(&format!("\n<{0}>{1}</{0}>\n", o("DELIVERY_DATE"), t("DELIVERY_START_DATE", "2026-11-30T08:00:00+01:00")));
    s.push_str(&format!("<{}>\n", o("PARTIES")));
    for sup in suppliers {
        s.push_str(&format!("<{0}>{1}{2}</{0}>\n", o("PARTY"), b("PARTY_ID", " type=\"supplier_specific\"", sup), t("PARTY_ROLE", "supplier")));
    }
    s.push_str(&format!("<{0}>{1}{2}</{0}>\n", o("PARTY"), b("PARTY_ID", "", "C-1"), t("PARTY_ROLE", "delivery")));
    s.push_str(&format!("</{}>\n", o("PARTIES")));
    s.push_str(&format!("</{}></{}>\n<{}>\n", o("DISPATCHNOTIFICATION_INFO"), o("DISPATCHNOTIFICATION_HEADER"), o("DISPATCHNOTIFICATION_ITEM_LIST")));
    for i in items {
        s.push_str(&format!("<{}>\n", o("DISPATCHNOTIFICATION_ITEM")));
        s.push_str(&t("LINE_ITEM_ID", i.line));
        s.push_str(&format!("<{0}>{1}</{0}>", o("PRODUCT_ID"), b("SUPPLIER_PID", "", i.pid)));
        s.push_str(&t("QUANTITY", i.qty));
        s.push_str(&b("ORDER_UNIT", "", "C62"));
        let pos = i.pos.map(|p| t("LINE_ITEM_ID", p)).unwrap_or_default();
        s.push_str(&format!("\n<{0}>{1}{pos}</{0}>", o("ORDER_REFERENCE"), t("ORDER_ID", i.order)));
        if let Some(so) = i.supplier_order {
            s.push_str(&format!("<{0}>{1}</{0}>", o("SUPPLIER_ORDER_REFERENCE"), t("SUPPLIER_ORDER_ID", so)));
        }
        if !i.packages.is_empty() {
            s.push_str(&format!("\n<{}><{}>", o("LOGISTIC_DETAILS"), o("PACKAGE_INFO")));
            for (ty, id) in i.packages {
                s.push_str(&format!("<{0}><{1} type=\"{ty}\">{id}</{1}></{0}>", o("PACKAGE"), o("PACKAGE_ID")));
            }
            s.push_str(&format!("</{}></{}>", o("PACKAGE_INFO"), o("LOGISTIC_DETAILS")));
        }
        s.push_str(&format!("\n</{}>\n", o("DISPATCHNOTIFICATION_ITEM")));
    }
    s.push_str(&format!("</{}>\n", o("DISPATCHNOTIFICATION_ITEM_LIST")));
    s.push_str(&format!("<{0}>{1}</{0}>\n", o("DISPATCHNOTIFICATION_SUMMARY"), t("TOTAL_ITEM_NUM", &items.len().to_string())));
    s.push_str(&format!("</{}>\n", o("DISPATCHNOTIFICATION")));
    s
}

/// The rows of the fixture's import: two dispatches with their positions, tracking numbers,
/// dates, amounts, carriers and supplier order numbers.
fn assert_fixture_rows(env: &TestEnv) {
    let rows: Vec<String> = {
        let c = env.conn();
        let mut st = c
            .prepare(
                r#"SELECT o."shopOrderNo" || '|' || d."supplierRef" || '|' || coalesce(d."carrierRef", '-') || '|' || d."deliveryNoteNo" || '|'
                          || d."dispatchNotificationId" || '|' || coalesce(d."supplierOrderNo", '-') || '|' || coalesce(d."trackingNumbers", '-') || '|'
                          || d."netAmount" || '|' || d."currency" || '|' || d."dispatchDate"
                   FROM "DispatchDO" d JOIN "OrderDO" o ON o."id" = d."orderRef" ORDER BY o."shopOrderNo""#,
            )
            .unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(
        rows,
        vec![
            "0083|5000|5100|DN-2026-0001|DN-2026-0001|SO-5000-17|00340434161094000011;00340434161094000028|49000|EUR|2026-11-30 07:00:00.000",
            "D-100|5001|-|DN-2026-0001|DN-2026-0001|SO-5001-9|JJD0001|2767|EUR|2026-11-30 07:00:00.000",
        ]
    );
    let positions: Vec<String> = {
        let c = env.conn();
        let mut st = c
            .prepare(
                r#"SELECT o."shopOrderNo" || '|' || p."number" || '|' || op."number" || '|' || p."quantity" || '|' || p."lineItemId" || '|'
                          || p."supplierPid" || '|' || p."orderUnit"
                   FROM "DispatchPositionDO" p JOIN "DispatchDO" d ON d."id" = p."dispatchRef" JOIN "OrderDO" o ON o."id" = d."orderRef"
                   JOIN "OrderPositionDO" op ON op."id" = p."orderPositionRef" ORDER BY p."id""#,
            )
            .unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(
        positions,
        vec!["0083|1|1|2|1|SD111001|C62", "D-100|1|1|3|2|S2-1|C62", "0083|2|2|1|3|100-0002|C62", "D-100|2|2|2|4|S2-2|C62"]
    );
    // each dispatch row went through the export trigger like one inserted with SQL (no
    // partner configured here: recorded as unrouted)
    assert_eq!(
        env.query_i64(r#"SELECT count(*) FROM "ExportUnroutedEventDO" WHERE "businessTable" = 'DispatchDO'"#),
        2
    );
}

#[test]
fn fixture_with_several_orders_and_suppliers_becomes_dispatches() {
    let env = setup();
    let out = import(&env, &repo("tests/fixtures/import/openTransDispatch_1.xml"));
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 file imported (4 records)"), "{}", String::from_utf8_lossy(&out.stdout));
    assert_fixture_rows(&env);
    assert!(work(&env).join("done/openTransDispatch_1.xml").is_file());
    assert_eq!(env.query_string(r#"SELECT "state" || ':' || "records" FROM "ImportFileDO""#), "DONE:4");
    assert_eq!(
        env.query_i64(r#"SELECT count(*) FROM "DispatchDO" WHERE "importFileRef" = (SELECT "id" FROM "ImportFileDO")"#),
        2
    );
}

/// A file of one supplier named by its "SupplierDO" name, with `bmc:`, dates without a time and
/// the position number only in the item's LINE_ITEM_ID.
#[test]
fn second_fixture_with_bmc_prefix_and_dates() {
    let env = setup();
    let out = import(&env, &repo("tests/fixtures/import/openTransDispatch_2.xml"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        env.query_string(
            r#"SELECT group_concat(x, ' / ') FROM (SELECT o."shopOrderNo" || '|' || d."supplierRef" || '|' || d."deliveryNoteNo" || '|'
                      || coalesce(d."trackingNumbers", '-') || '|' || coalesce(d."supplierOrderNo", '-') || '|' || d."netAmount" || '|' || d."dispatchDate" AS x
               FROM "DispatchDO" d JOIN "OrderDO" o ON o."id" = d."orderRef" ORDER BY o."shopOrderNo")"#
        ),
        "0083|5000|LS-7781|-|AB-0083|9000|2026-12-01 00:00:00.000 / 2014000001|5000|LS-7781|1Z999AA10123456784|-|8000|2026-12-01 00:00:00.000"
    );
    assert_eq!(env.query_string(r#"SELECT group_concat("number" || 'x' || "quantity") FROM "DispatchPositionDO""#), "1x1,2x1");
}

/// The carrier is the supplier's ("Supplier2CarrierDO"): its only one, or the order's when the
/// supplier has several and the order's is one of them; the order's when it has none.
#[test]
fn carrier_is_the_suppliers() {
    let env = setup();
    env.sql_ok(
        r#"INSERT INTO "CarrierDO" ("id", "name") VALUES (5101, 'UPS'), (5102, 'GLS');
           INSERT INTO "Supplier2CarrierDO" ("id", "supplierRef", "carrierRef", "supplierCarrierName") VALUES
             (20001, 5001, 5101, 'UPS'), (20002, 5000, 5102, 'GLS');"#,
    );
    assert!(import(&env, &repo("tests/fixtures/import/openTransDispatch_1.xml")).status.success());
    assert_eq!(
        env.query_string(
            r#"SELECT group_concat(x) FROM (SELECT o."shopOrderNo" || ':' || coalesce(d."carrierRef", '-') AS x
               FROM "DispatchDO" d JOIN "OrderDO" o ON o."id" = d."orderRef" ORDER BY o."shopOrderNo")"#
        ),
        "0083:5100,D-100:5101",
        "0083: supplier 5000 ships with DHL (demo) and GLS, the order says DHL; D-100: supplier 5001's only carrier"
    );
    // a supplier with several carriers, none of them the order's: no carrier
    env.sql_ok(r#"UPDATE "OrderDO" SET "carrierRef" = NULL WHERE "shopOrderNo" = '0083'; DELETE FROM "DispatchPositionDO"; DELETE FROM "TransmissionDO"; DELETE FROM "DispatchDO";"#);
    let f = env.path("openTransDispatch_again.xml");
    std::fs::copy(repo("tests/fixtures/import/openTransDispatch_1.xml"), &f).unwrap();
    assert!(import(&env, &f).status.success());
    assert_eq!(env.query_string(r#"SELECT coalesce("carrierRef", '-') FROM "DispatchDO" WHERE "orderRef" = 10002"#), "-");
}

/// `bmecat:` and `bmc:` prefixes, a prefixed openTRANS with a default BMEcat namespace, and
/// BMEcat declared on each element: the same rows.
#[test]
fn prefixes_and_default_namespaces_give_the_same_dispatches() {
    for (ot, bmc) in [("", "bmecat"), ("", "bmc"), ("ot", ""), ("", ""), ("opentrans", "bmecat")] {
        let env = setup();
        let f = env.path("openTransDispatch_v.xml");
        std::fs::write(&f, doc(ot, bmc, Some("DN-2026-0001"), &["5000", "Second Supplier"], &fixture_items())).unwrap();
        let out = import(&env, &f);
        assert!(out.status.success(), "ot={ot:?} bmc={bmc:?}: {}", String::from_utf8_lossy(&out.stdout));
        assert_fixture_rows(&env);
    }
}

/// Every bad file is refused whole: error/ with a reason naming record, line and field; no
/// dispatch, position or transmission remains.
#[test]
fn bad_files_are_refused_whole() {
    let env = setup();
    let good = || fixture_items();
    let sup = &["5000", "Second Supplier"][..];
    let mut cases: Vec<(&str, String, &[&str])> = vec![
        ("malformed", doc("", "bmecat", Some("DN-1"), sup, &good()).replace("</QUANTITY>", "</QUANTITY_>"), &["malformed XML"]),
        ("unknown_order", doc("", "bmecat", Some("DN-1"), sup, &[good()[0].clone(), it("9", "NO-SUCH", Some("1"), "1")]), &[
            "record:  2",
            "field:   DISPATCHNOTIFICATION_ITEM/ORDER_REFERENCE/ORDER_ID",
            "unknown order number `NO-SUCH`",
        ]),
        ("unknown_position", doc("", "bmecat", Some("DN-1"), sup, &[good()[0].clone(), it("9", "0083", Some("7"), "1")]), &[
            "record:  2",
            "field:   DISPATCHNOTIFICATION_ITEM/ORDER_REFERENCE/LINE_ITEM_ID",
            "unknown position number 7",
        ]),
        ("non_numeric_position", doc("", "bmecat", Some("DN-1"), sup, &[it("x1", "0083", None, "1")]), &[
            "field:   DISPATCHNOTIFICATION_ITEM/LINE_ITEM_ID",
            "`x1` is not an order position number",
        ]),
        ("over_dispatch", doc("", "bmecat", Some("DN-1"), sup, &[it("1", "0083", None, "3")]), &[
            "record:  1",
            "field:   DISPATCHNOTIFICATION_ITEM/QUANTITY",
            "quantity 3 is more than the open quantity 2 of position 1 of order `0083` (ordered 2, dispatched before 0)",
        ]),
        ("over_dispatch_in_the_file", doc("", "bmecat", Some("DN-1"), sup, &[it("1", "0083", None, "1"), it("2", "0083", Some("1"), "2")]), &[
            "record:  2",
            "more than the open quantity 1 of position 1 of order `0083` (ordered 2, dispatched before 1)",
        ]),
        ("non_numeric_quantity", doc("", "bmecat", Some("DN-1"), sup, &[it("1", "0083", None, "zwei")]), &[
            "field:   DISPATCHNOTIFICATION_ITEM/QUANTITY",
            "`zwei` is not a quantity",
        ]),
        ("fraction_quantity", doc("", "bmecat", Some("DN-1"), sup, &[it("1", "0083", None, "1.5")]), &["`1.5` is not a quantity"]),
        ("missing_id", doc("", "bmecat", None, sup, &good()), &[
            "field:   DISPATCHNOTIFICATION_HEADER/DISPATCHNOTIFICATION_INFO/DISPATCHNOTIFICATION_ID",
            "DISPATCHNOTIFICATION_ID is missing",
        ]),
        ("wrong_root", "<?xml version=\"1.0\"?>\n<ORDERRESPONSE xmlns=\"http://www.opentrans.org/XMLSchema/2.1\" version=\"2.1\"/>\n".to_string(), &[
            "wrong root element <ORDERRESPONSE>",
        ]),
        ("wrong_namespace", doc("", "bmecat", Some("DN-1"), sup, &good()).replace(OT, "http://www.opentrans.org/XMLSchema/1.0"), &[
            "wrong root element <DISPATCHNOTIFICATION> (namespace http://www.opentrans.org/XMLSchema/1.0)",
        ]),
        ("other_supplier_in_one_order", doc("", "bmecat", Some("DN-1"), sup, &[it("1", "0083", None, "1"), it("2", "0083", Some("3"), "1")]), &[
            "record:  2",
            "belongs to supplier 5001, the file's earlier items of this order to supplier 5000",
        ]),
        ("supplier_not_a_party", doc("", "bmecat", Some("DN-1"), &["5000"], &[it("1", "0083", None, "1"), it("2", "D-100", Some("1"), "1")]), &[
            "record:  2",
            "belongs to supplier 5001, which is not a supplier party of the file",
        ]),
        ("unknown_supplier_party", doc("", "bmecat", Some("DN-1"), &["NOBODY"], &good()), &["none of its PARTY_IDs (NOBODY)"]),
        ("total_item_num", doc("", "bmecat", Some("DN-1"), sup, &good()).replace("<TOTAL_ITEM_NUM>4<", "<TOTAL_ITEM_NUM>5<"), &[
            "TOTAL_ITEM_NUM `5` is not the number of DISPATCHNOTIFICATION_ITEM elements (4)",
        ]),
        ("doctype", doc("", "bmecat", Some("DN-1"), sup, &good()).replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<!DOCTYPE d [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"), &[
            "DOCTYPE",
        ]),
    ];
    // a SUPPLIER_PID of the wrong namespace is not BMEcat's, an undeclared prefix is malformed
    // an undeclared prefix is malformed
    cases.push((
        "undeclared_prefix",
        doc("", "bmecat", Some("DN-1"), sup, &good()).replacen("<QUANTITY>2</QUANTITY>", "<x:QUANTITY>2</x:QUANTITY>", 1),
        &["the namespace prefix `x` of <x:QUANTITY> is not declared"],
    ));
    for (name, content, wants) in &cases {
        let file = format!("openTransDispatch_{name}.xml");
        let f = env.path(&file);
        std::fs::write(&f, content).unwrap();
        let out = import(&env, &f);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", String::from_utf8_lossy(&out.stdout));
        let txt = std::fs::read_to_string(work(&env).join(format!("error/{file}.error.txt"))).unwrap_or_else(|e| panic!("{name}: {e}"));
        for w in *wants {
            assert!(txt.contains(w), "{name}: `{w}` not in\n{txt}");
        }
        assert!(txt.contains("line:"), "{name}: the reason names the line\n{txt}");
        assert!(work(&env).join(format!("error/{file}")).is_file(), "{name}");
        for table in ["DispatchDO", "DispatchPositionDO"] {
            assert_eq!(count(&env, table), 0, "{name}: rows left in {table}");
        }
        assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ExportUnroutedEventDO" WHERE "businessTable" = 'DispatchDO'"#), 0, "{name}");
        assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO" WHERE "dispatchRef" IS NOT NULL"#), 0, "{name}");
        assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "state" = 'DONE'"#), 0, "{name}");
    }
}

/// The open quantity counts earlier files: the second file ships what the first one shipped.
#[test]
fn over_dispatch_across_two_files_is_refused() {
    let env = setup();
    let first = env.path("openTransDispatch_a.xml");
    std::fs::write(&first, doc("", "bmecat", Some("DN-A"), &[], &[it("1", "0083", None, "1"), it("2", "D-100", Some("1"), "4")])).unwrap();
    assert!(import(&env, &first).status.success());
    let second = env.path("openTransDispatch_b.xml");
    std::fs::write(&second, doc("", "bmc", Some("DN-B"), &[], &[it("1", "D-100", Some("1"), "1"), it("2", "0083", Some("1"), "2")])).unwrap();
    let out = import(&env, &second);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let txt = std::fs::read_to_string(work(&env).join("error/openTransDispatch_b.xml.error.txt")).unwrap();
    assert!(txt.contains("record:  2") && txt.contains("quantity 2 is more than the open quantity 1 of position 1 of order `0083` (ordered 2, dispatched before 1)"), "{txt}");
    assert_eq!(count(&env, "DispatchDO"), 2, "only the first file's dispatches");
    assert_eq!(env.query_i64(r#"SELECT sum("quantity") FROM "DispatchPositionDO""#), 5);
    // what is still open can be shipped
    let third = env.path("openTransDispatch_c.xml");
    // without DELIVERY_START_DATE: the dispatch date is the time of the import
    let no_date = doc("", "bmc", Some("DN-C"), &[], &[it("1", "D-100", Some("1"), "1"), it("2", "0083", Some("1"), "1")])
        .replace("<DELIVERY_START_DATE>2026-11-30T08:00:00+01:00</DELIVERY_START_DATE>", "");
    std::fs::write(&third, no_date).unwrap();
    assert!(import(&env, &third).status.success());
    assert_eq!(count(&env, "DispatchDO"), 4);
    assert_eq!(
        env.query_i64(
            r#"SELECT count(*) FROM "DispatchDO" WHERE "deliveryNoteNo" = 'DN-C'
                 AND "dispatchDate" >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-10 minutes')"#
        ),
        2
    );
}

/// End to end: jobs/01, 04 and 12; a dispatch notification pulled from vsftpd becomes
/// dispatches, and the sending job writes their PurchaseOrders dispatch files (XSD valid).
#[test]
fn pulled_over_ftp_then_exported_as_purchase_orders() {
    if let Some(why) = ts::unavailable(true, false) {
        ts::skip(&why);
        return;
    }
    let ftp = ts::Vsftpd::start(false);
    let area = ts::Area::new();
    let env = TestEnv::new(true);
    for job in ["jobs/01_finance_controller.sql", "jobs/04_export_purchaseorders_dispatch.sql", "jobs/12_import_opentrans_dispatch.sql"] {
        env.ok(&["sql", repo(job).to_str().unwrap()]);
    }
    env.sql_ok(BUSINESS);
    let key = GROUP;
    let config = env.query_i64(&format!(r#"SELECT "configId" FROM "ScheduleDO" WHERE "key" = '{key}'"#));
    // the script's typeDefRef 30 (pull and push: into pushDirectory, then the group) as it is
    assert_eq!(env.query_i64(&format!(r#"SELECT "typeDefRef" FROM "FileTransferConfigurationDO" WHERE "id" = {config}"#)), 30);
    env.sql_ok(&format!(
        r#"UPDATE "ExecutionBeanValueDO" SET "parameterValue" = '{}'
             WHERE "executionBeanKeyDefRef" = 1330 AND "communicationPartnerRef" = (SELECT "communicationPartnerRef" FROM "FileTransferConfigurationDO" WHERE "id" = {config});
           UPDATE "ExecutionBeanValueDO" SET "parameterValue" = '{}'
             WHERE "executionBeanKeyDefRef" = 1331 AND "communicationPartnerRef" = (SELECT "communicationPartnerRef" FROM "FileTransferConfigurationDO" WHERE "id" = {config});"#,
        ftp.account(false),
        area.remote().display()
    ));
    area.put("openTransDispatch_1.xml", &std::fs::read(repo("tests/fixtures/import/openTransDispatch_1.xml")).unwrap());
    area.put("other.xml", b"<not-pulled/>");
    let ctx = impex::jobs::JobContext {
        db_path: env.db(),
        base: env.base(),
        schedule_id: env.query_i64(&format!(r#"SELECT "id" FROM "ScheduleDO" WHERE "key" = '{key}'"#)),
        schedule_key: key.into(),
        config_id: Some(config),
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let report = impex::transfer::job::run(&ctx).unwrap_or_else(|e| panic!("{e}"));
    assert!(report.message.contains("1 file(s) imported, 0 failed"), "{}", report.message);
    let dir = env.base().join("share").join(key).join("dispatches");
    assert!(dir.join("done/openTransDispatch_1.xml").is_file(), "{:?}", crate::support::env::files_under(&dir));
    assert_eq!(sup::names(&area.remote()), vec!["other.xml"]);
    assert_fixture_rows_routed(&env);

    let out = env.run(&["send"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let outbox = sup::outbox(&env);
    wait_for("two PurchaseOrders dispatch files", Duration::from_secs(10), || {
        sup::names(&outbox).iter().filter(|n| n.starts_with("PurchaseOrders_DISPATCH_10000_")).count() == 2
    });
    let mut docs = Vec::new();
    for n in sup::names(&outbox).iter().filter(|n| n.starts_with("PurchaseOrders_DISPATCH_10000_")) {
        sup::validate("PurchaseOrders-v1.1.xsd", &outbox.join(n));
        docs.push(std::fs::read_to_string(outbox.join(n)).unwrap());
    }
    docs.sort_by_key(|d| d.contains("<RefNr>D-100</RefNr>"));
    for (d, want) in docs.iter().zip([
        ["<RefNr>0083</RefNr>", "<PurchaseOrderNo>SO-5000-17</PurchaseOrderNo>", r#"<Net amount="49000"/>"#, "<DeliveryNoteNo>DN-2026-0001</DeliveryNoteNo>"],
        ["<RefNr>D-100</RefNr>", "<PurchaseOrderNo>SO-5001-9</PurchaseOrderNo>", r#"<Net amount="2767"/>"#, "<DeliveryNoteNo>DN-2026-0001</DeliveryNoteNo>"],
    ]) {
        for w in want {
            assert!(d.contains(w), "`{w}` not in\n{d}");
        }
    }
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO" WHERE "dispatchRef" IS NOT NULL AND "state" = 'PUSHED'"#), 2);
}

/// The fixture's rows with a dispatch partner configured: one transmission per dispatch.
fn assert_fixture_rows_routed(env: &TestEnv) {
    assert_eq!(count(env, "DispatchDO"), 2);
    assert_eq!(count(env, "DispatchPositionDO"), 4);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO" WHERE "dispatchRef" IS NOT NULL AND "state" = 'INITIAL'"#), 2);
    assert_eq!(env.query_i64(r#"SELECT sum("netAmount") FROM "DispatchDO""#), 49000 + 2767);
}
