//! Export: transmissions created by triggers from business rows, written by `impex send` in the
//! formats of the reference; retries, crash safety, customer export.
use std::collections::BTreeSet;
use std::time::Duration;

use crate::support::env::{files_under, wait_for, TestEnv};
use crate::support::export as sup;

fn setup() -> TestEnv {
    let env = TestEnv::new(true);
    env.sql_ok(sup::CONFIG);
    env
}

fn read(env: &TestEnv, name: &str) -> String {
    std::fs::read_to_string(sup::outbox(env).join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn find<'a>(files: &'a [String], re: &str) -> Vec<&'a String> {
    let re = regex::Regex::new(re).unwrap();
    files.iter().filter(|f| re.is_match(f)).collect()
}

fn tid(env: &TestEnv, cond: &str) -> i64 {
    env.query_i64(&format!(r#"SELECT "id" FROM "TransmissionDO" WHERE {cond}"#))
}

/// `n` dispatches of order 10002, each with its transmission (the triggers), in transactions of
/// 500: each dispatch replaces the order's "OrderChangeDO" row, and inside one transaction
/// PostgreSQL keeps every dead version of it under its key, which each insert walks.
fn insert_dispatches(env: &TestEnv, n: i64) {
    for from in (0..n).step_by(500) {
        let to = (from + 500).min(n);
        env.sql_ok(&format!(
            r#"WITH RECURSIVE n(i) AS (SELECT {from} + 1 UNION ALL SELECT i + 1 FROM n WHERE i < {to})
               INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount", "invoiceNo", "deliveryNoteNo")
               SELECT 100000 + i, 10002, 5000, i, 'INV-' || i, 'DN-' || i FROM n;"#
        ));
    }
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO" WHERE "state" = 'INITIAL'"#), n);
}

#[test]
fn every_document_from_rows_inserted_with_the_sqlite3_shell() {
    let env = setup();
    // Plain sqlite3: the triggers create the transmissions, not impex.
    sup::sqlite3(&env, sup::BUSINESS);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO" WHERE "state" = 'INITIAL'"#), 10);

    let out = env.run(&["send"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("9 written") && stdout.contains("1 canceled"), "{stdout}");

    let files = sup::names(&sup::outbox(&env));
    assert_eq!(files.len(), 9, "{files:?}");
    let ts = r"\d{14}";

    // PurchaseOrders for the dispatch: positive net amount; MerchantID from Shop2FinanceControllerDO
    let t = tid(&env, r#""dispatchRef" = 20001"#);
    let f = find(&files, &format!(r"^PurchaseOrders_DISPATCH_10000_{ts}_{t}\.xml$"));
    assert_eq!(f.len(), 1, "{files:?}");
    let x = read(&env, f[0]);
    for want in [
        "<MerchantID>MerchantId</MerchantID>",
        &format!("<TransID>{t}</TransID>"),
        "<RefNr>123456a</RefNr>",
        "<PurchaseOrderNo>1241451wre</PurchaseOrderNo>",
        "<EventToken>OC</EventToken>",
        "<PayType>PP</PayType>",
        r#"<Creditor id="1234556a"/>"#,
        "<PayTerm></PayTerm>",
        r#"<Net amount="33900"/>"#,
        "<DeliveryNoteNo>123Abc</DeliveryNoteNo>",
    ] {
        assert!(x.contains(want), "missing {want} in\n{x}");
    }
    sup::validate("PurchaseOrders-v1.1.xsd", &sup::outbox(&env).join(f[0]));
    sup::same_structure(&x, &sup::fixture("purchase_orders_dispatch.xml"), &["PurchaseOrders/MerchantID", "PurchaseOrders/TransID", "PurchaseOrders/PurchaseOrder/Customer"]);

    // PurchaseOrders for the return: negative amount, payment of order 10001 (credit card)
    let t = tid(&env, r#""returnRef" = 20002"#);
    let f = find(&files, &format!(r"^PurchaseOrders_RETURN_10000_{ts}_{t}\.xml$"));
    let x = read(&env, f[0]);
    assert!(x.contains(r#"<Net amount="-33900"/>"#) && x.contains("<PayType>CC</PayType>"), "{x}");
    assert!(!x.contains("DeliveryNoteNo"), "{x}");
    sup::validate("PurchaseOrders-v1.1.xsd", &sup::outbox(&env).join(f[0]));
    sup::same_structure(&x, &sup::fixture("purchase_orders_return.xml"), &["PurchaseOrders/MerchantID", "PurchaseOrders/TransID"]);

    // Debtors: CD, UD, DD
    for (debitor, event) in [(100700, "CD"), (100646, "UD"), (10000, "DD")] {
        let t = tid(&env, &format!(r#""debitorRef" = {debitor}"#));
        let f = find(&files, &format!(r"^SEND_DEBTOR_10000_inTRONICS_{ts}_{t}\.xml$"));
        assert_eq!(f.len(), 1, "{debitor}: {files:?}");
        let x = read(&env, f[0]);
        assert!(x.contains(&format!("<Event>{event}</Event>")) && x.contains(&format!(r#"<Debtor id="{debitor}""#)), "{x}");
        assert!(x.contains("<Currency></Currency>") && x.contains("<Language></Language>"), "{x}");
        sup::validate("Debtors.xsd", &sup::outbox(&env).join(f[0]));
        if debitor == 100700 {
            // the reference example's debtor, field by field
            assert!(x.contains(r#"<Person salutation="Mr." firstName="Matze" lastName="Katze"/>"#), "{x}");
            assert!(x.contains("<ns2:Addition>3. OG</ns2:Addition>\n            <ns2:Addition>Terrasse</ns2:Addition>"), "{x}");
            sup::same_structure(&x, &sup::fixture("debtors.xml"), &[]);
        }
        if debitor == 100646 {
            assert!(x.contains(r#"<Company name="Company" vatNo="DE123456789"/>"#) && x.contains("<Email>b.buyer@company.com</Email>"), "{x}");
        }
    }

    // SalesOrders: taxes per tax code via FinanceController2TaxTypeDefDO, as in the example
    let t = tid(&env, r#""invoicingRef" = 10010"#);
    let f = find(&files, &format!(r"^SalesOrders_10000_{ts}_{t}\.xml$"));
    let x = read(&env, f[0]);
    let expected = r#"        <InvoiceDate>2015-10-27</InvoiceDate>
        <Sale>
            <Gross amount="87925">0</Gross>
            <Net amount="75387">0</Net>
            <Taxes>
                <Tax code="101" netAmount="62687" taxAmount="12538"/>
                <Tax code="000" netAmount="12700" taxAmount="0"/>
                <Tax code="002" netAmount="0" taxAmount="0"/>
            </Taxes>
        </Sale>"#;
    assert!(x.contains(expected), "{x}");
    assert!(x.contains("<PayType>PP</PayType>") && x.contains(r#"<Debtor id="100646" type="1"/>"#) && x.contains("<Currency>GBP</Currency>"), "{x}");
    sup::validate("SalesOrders.xsd", &sup::outbox(&env).join(f[0]));
    sup::same_structure(&x, &sup::fixture("sales_orders.xml"), &[]);

    // storeOrder: one per supplier with only that supplier's positions, 5-place decimals, escaping
    let f5000 = find(&files, &format!(r"^sendOrder_10000_5000_{ts}_\d+\.xml$"));
    let f5001 = find(&files, &format!(r"^sendOrder_10000_5001_{ts}_\d+\.xml$"));
    assert_eq!((f5000.len(), f5001.len()), (1, 1), "{files:?}");
    let x = read(&env, f5000[0]);
    assert!(x.contains(r#"<Position number="1">"#) && x.contains(r#"<Position number="2">"#) && !x.contains(r#"<Position number="3">"#), "{x}");
    assert!(x.contains(r#"<Net amount="626.87000"/>"#) && x.contains(r#"<Tax type="FullTax" amount="125.38000"/>"#), "{x}");
    assert!(x.contains(r#"lastName="Müller &amp; Söhne""#), "{x}");
    assert!(x.contains(r#"name="Handbuch &quot;Löten&quot; &lt;2. Auflage&gt;""#), "{x}");
    assert!(x.contains(r#"<Property key="pos" value="a &amp; b"/>"#), "{x}");
    sup::validate("storeOrder.xsd", &sup::outbox(&env).join(f5000[0]));
    sup::same_structure(
        &x,
        &sup::fixture("store_order.xml"),
        &["storeOrder/Order/Carrier", "storeOrder/Order/Customer/Person", "storeOrder/Order/DeliveryAddress/Receiver/Person", "storeOrder/Order/Address/Receiver/Person"],
    );
    let x = read(&env, f5001[0]);
    assert!(x.contains(r#"<Position number="3">"#) && !x.contains(r#"<Position number="1">"#), "{x}");
    sup::validate("storeOrder.xsd", &sup::outbox(&env).join(f5001[0]));

    // ReturnAnnouncement: only supplier 5000's positions; the one with none is CANCELED
    let t = tid(&env, r#""returnAnnouncementRef" = 128"#);
    let name = format!("SEND_RETURN_ANNOUNCEMENT-SHOP__10000-SUPPLIER__5000-{t}.xml");
    let x = read(&env, &name);
    assert!(x.contains("<RMANumber>1090-109r.5</RMANumber>") && x.contains("<SerialNumber>JUST 2</SerialNumber>"), "{x}");
    assert!(x.contains("<SupplierOrderNumber>1241451wre</SupplierOrderNumber>") && !x.contains("RET030"), "{x}");
    sup::validate("ReturnAnnouncement.xsd", &sup::outbox(&env).join(&name));
    sup::same_structure(&x, &sup::fixture("return_announcement.xml"), &["ReturnAnnouncementExport/ReturnAnnouncement/SupplierOrderNumber"]);
    let canceled = tid(&env, r#""returnAnnouncementRef" = 129"#);
    assert_eq!(env.query_string(&format!(r#"SELECT "state" FROM "TransmissionDO" WHERE "id" = {canceled}"#)), "CANCELED");
    assert!(env
        .query_string(&format!(r#"SELECT "errorText" FROM "TransmissionDO" WHERE "id" = {canceled}"#))
        .contains("no position for supplier 5000"));

    // every PUSHED transmission names its file; re-running writes nothing new
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO" WHERE "state" = 'PUSHED' AND "sentDate" IS NOT NULL"#), 9);
    let out = env.ok(&["send"]);
    assert!(out.contains("0 written"), "{out}");
    assert_eq!(sup::names(&sup::outbox(&env)), files);

    // the listing shows states, files and the demo's events that had no partner yet
    let list = env.ok(&["transmissions"]);
    assert!(list.contains("PUSHED") && list.contains(&name) && list.contains("no partner configured"), "{list}");
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["transmissions", "--state", "CANCELED", "--json"])).unwrap();
    assert_eq!(json["transmissions"].as_array().unwrap().len(), 1);
    assert!(json["noPartnerConfiguredTotal"].as_i64().unwrap() >= 1);
}

#[test]
fn no_partner_configured_is_recorded_not_sent() {
    let env = TestEnv::new(true);
    sup::sqlite3(
        &env,
        r#"INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount") VALUES (1, 10001, 5000, 100);
           UPDATE "CommunicationDO" SET "active" = false WHERE "id" = 2;"#,
    );
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO""#), 0);
    let list = env.ok(&["transmissions"]);
    assert!(list.contains("DispatchDO 1 of shop 10000: no partner configured for XML###MESSAGE_FILE_SENDER_BEAN###SEND_PURCHASE_ORDER_DISPATCH"), "{list}");
    // an inactive CommunicationDO row is ignored even with a partner configured
    env.sql_ok(sup::CONFIG);
    env.sql_ok(r#"UPDATE "DebitorDO" SET "email" = 'x@example.com' WHERE "id" = 10000"#);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO" WHERE "debitorRef" = 10000"#), 0);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ExportUnroutedEventDO" WHERE "businessTable" = 'DebitorDO' AND "event" = 'UD'"#), 1);
}

#[test]
fn missing_mapping_fails_that_partner_retries_then_manual_check() {
    let env = setup();
    // a second finance controller without payment mappings receives the dispatches too
    env.sql_ok(
        r#"INSERT INTO "FinanceControllerDO" ("id", "name") VALUES (2, 'Other Accounting');
           INSERT INTO "PartnerReferrerDO" ("id", "financeControllerRef") VALUES (5302, 2);
           INSERT INTO "Shop2FinanceControllerDO" ("id", "financeControllerRef", "shopRef", "financeControllerShopName") VALUES (2, 2, 10000, 'OTHER');
           INSERT INTO "CommunicationPartnerDO" ("id", "communicationRef", "sendingPartnerReferrerRef", "receivingPartnerReferrerRef", "maxNoOfRetries", "retryDelay")
               VALUES (9000, 100011, 10010, 5302, 1, '1s');
           INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount", "invoiceNo") VALUES (30001, 10002, 5000, 1200, 'INV-1');"#,
    );
    let ok_id = tid(&env, r#""dispatchRef" = 30001 AND "communicationPartnerRef" <> 9000"#);
    let bad_id = tid(&env, r#""dispatchRef" = 30001 AND "communicationPartnerRef" = 9000"#);
    let out = env.run(&["send"]);
    assert_eq!(out.status.code(), Some(1), "a failed transmission makes `impex send` exit 1");
    let files = sup::names(&sup::outbox(&env));
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(&format!("_{ok_id}.xml")));
    let state = |id: i64| env.query_string(&format!(r#"SELECT "state" || '|' || "retryCount" || '|' || IFNULL("errorText", '') FROM "TransmissionDO" WHERE "id" = {id}"#));
    let s = state(bad_id);
    assert!(s.starts_with("DO_PUSH|1|"), "{s}");
    assert!(
        s.contains(r#"add "FinanceController2PaymentDefDO" (financeControllerRef 2, paymentDefRef 10) with financeControllerPaymentExportName"#),
        "{s}"
    );
    // not due before nextRetryDate; after it the retry fails again: retries used up -> DO_MANUAL_CHECK
    let out = env.ok(&["send"]);
    assert!(out.contains("0 written") && out.contains("0 failed"), "{out}");
    wait_for("the retry to move the transmission to DO_MANUAL_CHECK", Duration::from_secs(10), || {
        let _ = env.run(&["send"]);
        state(bad_id).starts_with("DO_MANUAL_CHECK|1|")
    });
    // a person adds the mapping and resends
    env.sql_ok(r#"INSERT INTO "FinanceController2PaymentDefDO" ("financeControllerRef", "financeControllerPaymentExportName", "paymentDefRef") VALUES (2, 'PAYPAL', 10)"#);
    env.ok(&["resend", &bad_id.to_string()]);
    assert!(state(bad_id).starts_with("INITIAL|0|"));
    env.ok(&["send"]);
    assert!(state(bad_id).starts_with("PUSHED|"));
    let files = sup::names(&sup::outbox(&env));
    assert_eq!(files.len(), 2);
    let x = read(&env, files.iter().find(|f| f.ends_with(&format!("_{bad_id}.xml"))).unwrap());
    assert!(x.contains("<MerchantID>OTHER</MerchantID>") && x.contains("<PayType>PAYPAL</PayType>"), "{x}");
    // cancel: only what is not yet pushed
    assert!(!env.run(&["cancel", &bad_id.to_string()]).status.success());
    env.sql_ok(r#"INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount") VALUES (30002, 10002, 5000, 1)"#);
    let c = tid(&env, r#""dispatchRef" = 30002 AND "communicationPartnerRef" = 9000"#);
    env.ok(&["cancel", &c.to_string()]);
    assert!(state(c).starts_with("CANCELED|0|canceled by"));
}

#[test]
fn kill_during_sending_run_leaves_no_partial_file_and_completes_exactly_once() {
    let env = setup();
    const N: i64 = 12_000; // several batches of impex::send::job::BATCH
    insert_dispatches(&env, N);
    let outbox = sup::outbox(&env);
    let mut child = env.cmd(&["send"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    wait_for("the first files of the sending run", Duration::from_secs(60), || !sup::names(&outbox).is_empty());
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let check = |complete: bool| {
        let files = sup::names(&outbox);
        for f in &files {
            assert!(!f.starts_with('.'), "temporary file {f} in the outbox");
            let x = std::fs::read_to_string(outbox.join(f)).unwrap();
            assert!(x.trim_end().ends_with("</PurchaseOrders>"), "partial file {f}");
        }
        let on_disk: BTreeSet<String> = files.into_iter().collect();
        let pushed: Vec<String> = env
            .store()
            .query_rows(r#"SELECT "fileName" FROM "TransmissionDO" WHERE "state" = 'PUSHED'"#, &[])
            .unwrap()
            .into_iter()
            .map(|r| match &r[0] {
                impex::db::Value::Text(t) => t.clone(),
                v => panic!("fileName {v:?}"),
            })
            .collect();
        for p in &pushed {
            assert!(on_disk.contains(p), "PUSHED without its file: {p}");
        }
        if complete {
            assert_eq!(pushed.len() as i64, N);
            assert_eq!(on_disk.len() as i64, N, "each transmission written exactly once");
        }
        pushed.len() as i64
    };
    let pushed = check(false);
    assert!(pushed < N, "the kill came after the run had finished: make N bigger");

    let out = env.ok(&["send"]);
    assert!(out.contains("0 failed"), "{out}");
    check(true);
    // one file per transmission id
    let ids: BTreeSet<String> =
        sup::names(&outbox).iter().map(|f| f.rsplit('_').next().unwrap().trim_end_matches(".xml").to_string()).collect();
    assert_eq!(ids.len() as i64, N);
    assert!(files_under(&env.base().join("communication/messages/.staging")).is_empty());
}

/// Two sending runs at once on one database and one base directory: every transmission's file
/// is written once. On PostgreSQL both runs work at once, each on the transmissions it claimed;
/// on SQLite the second finds the sending lock taken and does nothing.
#[test]
fn two_sending_runs_at_once_write_each_transmission_once() {
    let env = setup();
    const N: i64 = 12_000; // several batches of impex::send::job::BATCH
    insert_dispatches(&env, N);
    let runs: Vec<_> = (0..2)
        .map(|_| env.cmd(&["send"]).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap())
        .collect();
    let outs: Vec<String> = runs
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect();
    let written = |out: &str| -> i64 { out.split(" written").next().and_then(|n| n.trim().parse().ok()).unwrap_or(0) };
    if env.pg.is_some() {
        assert!(outs.iter().all(|o| written(o) > 0), "both runs wrote files at once: {outs:?}");
        assert_eq!(outs.iter().map(|o| written(o)).sum::<i64>(), N, "{outs:?}");
    } else {
        assert!(outs.iter().any(|o| o.contains("another sending run is active")), "{outs:?}");
        env.ok(&["send"]);
    }
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "TransmissionDO" WHERE "state" = 'PUSHED'"#), N);
    let files = sup::names(&sup::outbox(&env));
    assert_eq!(files.len() as i64, N, "one file per transmission");
    let ids: BTreeSet<&str> = files.iter().map(|f| f.rsplit('_').next().unwrap().trim_end_matches(".xml")).collect();
    assert_eq!(ids.len() as i64, N);
    assert!(files_under(&env.base().join("communication/messages/.staging")).is_empty());
}

#[test]
fn customer_export_full_then_increment() {
    let env = TestEnv::new(true);
    let dir = env.base().join("importarticle/export");
    // disabled (NULL exportStartDate): nothing
    env.sql_ok(
        r#"INSERT INTO customer."CustomerExportConfigDO"("id", "exportName", "exportStartDate", "exportVersion", "intervalFullInDays",
                "intervalIncrementInMinutes", "lastExport", "shopRef", "version", "startTimeControlApp", "startTimeMDB", "exportNewCustomerOnIncrement")
           VALUES (500, 'IOM-CUSTOMER', null, null, 1, 60, null, 10000, 1, null, null, TRUE);"#,
    );
    let run = || impex::send::customers::run_once(&env.db(), &env.base(), chrono::Utc::now(), None).unwrap();
    assert!(run().is_empty());
    // enabled an hour ago: the first full export is 1.00000 with every customer of the shop
    env.sql_ok(r#"UPDATE "CustomerExportConfigDO" SET "exportStartDate" = strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 hour')"#);
    let files = run();
    assert_eq!(files.len(), 1);
    assert!(regex::Regex::new(r"^IOM-CUSTOMER_10000_1\.00000_\d{14}_FULL\.xml$").unwrap().is_match(&files[0]), "{files:?}");
    let x = std::fs::read_to_string(dir.join(&files[0])).unwrap();
    assert_eq!(x.matches("<Customer ").count(), 3, "{x}");
    sup::validate("CustomerService-v1.1.xsd", &dir.join(&files[0]));
    sup::same_structure(
        &x,
        &sup::fixture("customers.xml"),
        &["Customers/Customer/BankAccount", "Customers/Customer/BankAccount/BankName", "Customers/Customer/BankAccount/AccountHolder",
          "Customers/Customer/BankAccount/AccountNumber", "Customers/Customer/BankAccount/BankCode"],
    );
    assert!(x.contains(r#"<Customer isActive="true" customerType="b2c" isNewCustomer="false" hasNewsletter="false" hasDeliveryStop="false" id="10071" version="0">"#), "{x}");
    assert!(x.contains(r#"<Property key="VIP" value="TRUE" id="10097" version="0"/>"#), "{x}");
    assert_eq!(env.query_string(r#"SELECT "exportVersion" FROM "CustomerExportConfigDO""#), "1.00000");
    // nothing due right after
    assert!(run().is_empty());
    // an hour later (lastExport moved back): one changed and one new customer -> INCREMENT 1.00001
    env.sql_ok(
        r#"UPDATE "CustomerDO" SET "creationDate" = strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 hours'),
                                  "modificationDate" = strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 hours');
           UPDATE "CustomerExportConfigDO" SET "lastExport" = strftime('%Y-%m-%d %H:%M:%f', 'now', '-61 minutes');
           UPDATE "CustomerDO" SET "modificationDate" = now(), "phone1" = '+49 30 1' WHERE "id" = 10072;
           INSERT INTO "CustomerDO" ("id", "shopRef", "shopCustomerNo", "lastName") VALUES (10074, 10000, 'NEW-1', 'Neu');"#,
    );
    let files = run();
    assert_eq!(files.len(), 1);
    assert!(files[0].contains("_1.00001_") && files[0].ends_with("_INCREMENT.xml"), "{files:?}");
    let x = std::fs::read_to_string(dir.join(&files[0])).unwrap();
    assert!(x.contains(r#"id="10072""#) && x.contains(r#"id="10074""#) && !x.contains(r#"id="10071""#), "{x}");
    sup::validate("CustomerService-v1.1.xsd", &dir.join(&files[0]));
    assert_eq!(env.query_string(r#"SELECT "exportVersion" FROM "CustomerExportConfigDO""#), "1.00001");
}

#[test]
fn reference_examples_validate_against_the_xsds() {
    for (xsd, file) in [
        ("PurchaseOrders-v1.1.xsd", "purchase_orders_dispatch.xml"),
        ("PurchaseOrders-v1.1.xsd", "purchase_orders_return.xml"),
        ("Debtors.xsd", "debtors.xml"),
        ("SalesOrders.xsd", "sales_orders.xml"),
        ("storeOrder.xsd", "store_order.xml"),
        ("ReturnAnnouncement.xsd", "return_announcement.xml"),
        ("CustomerService-v1.1.xsd", "customers.xml"),
    ] {
        sup::validate(xsd, &sup::repo().join("tests/fixtures/export").join(file));
    }
}

#[test]
fn a_file_written_before_a_crash_is_not_written_again() {
    let env = setup();
    env.sql_ok(r#"INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount", "invoiceNo") VALUES (40001, 10002, 5000, 5, 'X')"#);
    let id = tid(&env, r#""dispatchRef" = 40001"#);
    // the state a run leaves when it dies after renaming the file into the outbox but before
    // marking the transmission PUSHED: name stored, file complete in the outbox
    let name = format!("PurchaseOrders_DISPATCH_10000_20260101000000_{id}.xml");
    env.sql_ok(&format!(r#"UPDATE "TransmissionDO" SET "fileName" = '{name}' WHERE "id" = {id}"#));
    std::fs::write(sup::outbox(&env).join(&name), "<PurchaseOrders>written before the crash</PurchaseOrders>\n").unwrap();
    // and a leftover in staging
    let staging = env.base().join("communication/messages/.staging");
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::write(staging.join("half.xml"), "<Purch").unwrap();
    let out = env.ok(&["send"]);
    assert!(out.contains("0 written, 1 completed from an interrupted run"), "{out}");
    assert_eq!(sup::names(&sup::outbox(&env)), vec![name.clone()]);
    assert!(read(&env, &name).contains("written before the crash"));
    assert_eq!(env.query_string(&format!(r#"SELECT "state" FROM "TransmissionDO" WHERE "id" = {id}"#)), "PUSHED");
    assert!(files_under(&staging).is_empty(), "{:?}", files_under(&staging));
    // a stored name whose file is missing (died before the rename): written now, under that name
    env.sql_ok(r#"INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount", "invoiceNo") VALUES (40002, 10002, 5000, 6, 'Y')"#);
    let id2 = tid(&env, r#""dispatchRef" = 40002"#);
    let name2 = format!("PurchaseOrders_DISPATCH_10000_20260101000000_{id2}.xml");
    env.sql_ok(&format!(r#"UPDATE "TransmissionDO" SET "fileName" = '{name2}' WHERE "id" = {id2}"#));
    let out = env.ok(&["send"]);
    assert!(out.contains("1 written"), "{out}");
    assert!(read(&env, &name2).contains("<RefNr>Y</RefNr>"));
}

#[test]
fn seeded_schedules_and_jobs_run_directly() {
    use std::sync::{atomic::AtomicBool, Arc};
    let env = setup();
    let sched = |id: i64| {
        env.query_string(&format!(
            r#"SELECT "key" || ' ' || "jobDefRef" || ' ' || "cron" || ' ' || CASE WHEN "active" THEN 1 ELSE 0 END FROM "ScheduleDO" WHERE "id" = {id}"#
        ))
    };
    assert_eq!(sched(-1), "send_transmissions -10001 0/10 * * * * ? 1");
    assert_eq!(sched(-2), "customer_export -10002 0 * * * * ? 1");
    env.sql_ok(r#"INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount", "invoiceNo") VALUES (50001, 10002, 5000, 7, 'Z')"#);
    let ctx = |id: i64, key: &str| impex::jobs::JobContext {
        db_path: env.db(),
        base: env.base(),
        schedule_id: id,
        schedule_key: key.into(),
        config_id: None,
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let send = impex::jobs::lookup(-10001).expect("SEND_TRANSMISSIONS registered");
    assert_eq!(send.name(), "SEND_TRANSMISSIONS");
    let r = send.run(&ctx(-1, "send_transmissions")).unwrap();
    assert_eq!((r.outcome, r.ok_count, r.failed_count), (impex::jobs::Outcome::Ok, 1, 0), "{}", r.message);
    let r = send.run(&ctx(-1, "send_transmissions")).unwrap();
    assert_eq!(r.ok_count, 0, "{}", r.message);
    assert_eq!(sup::names(&sup::outbox(&env)).len(), 1);

    env.sql_ok(
        r#"INSERT INTO "CustomerExportConfigDO" ("id", "exportName", "exportStartDate", "intervalFullInDays", "intervalIncrementInMinutes", "shopRef")
           VALUES (1, 'IOM-CUSTOMER', now(), 1, 60, 10000)"#,
    );
    let export = impex::jobs::lookup(-10002).expect("CUSTOMER_EXPORT registered");
    let r = export.run(&ctx(-2, "customer_export")).unwrap();
    assert_eq!(r.ok_count, 1, "{}", r.message);
    assert!(r.message.contains("IOM-CUSTOMER_10000_1.00000_"), "{}", r.message);
    let out = env.ok(&["check"]);
    assert!(out.contains("configuration ok"), "{out}");
}

#[test]
fn decision_bean_180_sends_return_announcements_when_accepted() {
    let env = setup();
    env.sql_ok(r#"UPDATE "CommunicationPartnerDO" SET "decisionBeanDefRef" = 180 WHERE "communicationRef" = 100013"#);
    sup::sqlite3(
        &env,
        r#"INSERT INTO "ReturnAnnouncementDO" ("id", "orderRef", "rmaNumber", "stateDefRef") VALUES (300, 10002, 'RMA-300', 0);
           INSERT INTO "ReturnAnnouncementPositionDO" ("returnAnnouncementRef", "orderPositionRef", "quantity", "returnReason") VALUES (300, 10002, 1, 'RET010');"#,
    );
    let count = || env.query_i64(r#"SELECT count(*) FROM "TransmissionDO" WHERE "returnAnnouncementRef" = 300"#);
    assert_eq!(count(), 0, "not before it is accepted");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ExportUnroutedEventDO" WHERE "businessRef" = 300"#), 0);
    sup::sqlite3(&env, r#"UPDATE "ReturnAnnouncementDO" SET "stateDefRef" = 5000 WHERE "id" = 300;"#);
    assert_eq!(count(), 1);
    env.ok(&["send"]);
    let files = sup::names(&sup::outbox(&env));
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(read(&env, &files[0]).contains("<RMANumber>RMA-300</RMANumber>"));
}

#[test]
fn a_deleted_business_object_cancels_its_transmission() {
    let env = setup();
    env.sql_ok(r#"INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "netAmount") VALUES (60001, 10002, 5000, 1)"#);
    let id = tid(&env, r#""dispatchRef" = 60001"#);
    env.sql_ok(r#"DELETE FROM "DispatchDO" WHERE "id" = 60001"#);
    env.ok(&["send"]);
    let s = env.query_string(&format!(r#"SELECT "state" || '|' || "errorText" FROM "TransmissionDO" WHERE "id" = {id}"#));
    assert_eq!(s, "CANCELED|DispatchDO 60001 no longer exists: nothing to send");
    assert!(sup::names(&sup::outbox(&env)).is_empty());
}
