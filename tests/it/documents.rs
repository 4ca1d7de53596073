//! The order documents (docs/orders.md, "Documents"): invoice, delivery note and return slip
//! PDFs rendered once (`impex documents render`, the scheduler), read back with pdftotext, and
//! downloaded at the DocumentServlet link over a real socket with curl: the right shop only, the
//! right key only, the key never in the log.
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::http::{add_user, curl, Server};
use crate::support::env::{wait_for, TestEnv};

/// A dispatch with two tracking numbers, an accepted return announcement with a serial number
/// and one not yet decided (INITIAL: no documents), all of demo order 0083 (id 10002, shop
/// 10000); the return addresses and the return carrier of jobs/14_returns.sql.
fn dispatch_and_return(env: &TestEnv) {
    env.sql_ok(
        r#"INSERT INTO "DispatchDO" ("id", "orderRef", "supplierRef", "carrierRef", "supplierOrderNo", "deliveryNoteNo", "netAmount", "trackingNumbers")
           VALUES (900, 10002, 5000, 5100, 'PO-10002', 'DN-10002', 62687, '00340434161094042557;JJD000390007');
           INSERT INTO "DispatchPositionDO" ("dispatchRef", "orderPositionRef", "number", "quantity") VALUES (900, 10002, 1, 2);
           INSERT INTO "ReturnAnnouncementDO" ("id", "orderRef", "rmaNumber", "stateDefRef", "type", "contactFirstName", "contactLastName")
           VALUES (901, 10002, 'RMA-10002-1', 5000, 'RETURN', 'Jördis', 'Müller');
           INSERT INTO "ReturnAnnouncementDO" ("id", "orderRef", "rmaNumber", "type") VALUES (903, 10002, 'RMA-10002-2', 'RETURN');
           INSERT INTO "ReturnAnnouncementPositionDO" ("returnAnnouncementRef", "orderPositionRef", "quantity", "returnReason")
           VALUES (903, 10002, 1, 'RET020');
           INSERT INTO "ReturnAnnouncementPositionDO" ("id", "returnAnnouncementRef", "orderPositionRef", "quantity", "returnReason")
           VALUES (902, 901, 10002, 1, 'RET020');
           INSERT INTO "ReturnAnnouncementItemDO" ("returnAnnouncementPositionRef", "serialNumber") VALUES (902, 'SN-4711');"#,
    );
    let returns = Path::new(env!("CARGO_MANIFEST_DIR")).join("jobs/14_returns.sql");
    env.ok(&["sql", returns.to_str().unwrap()]);
}

/// The text of a PDF as pdftotext reads it (layout kept, so a row stays one line).
fn pdf_text(file: &Path) -> String {
    let out = Command::new("pdftotext").args(["-layout", "-enc", "UTF-8"]).arg(file).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The file of the document of a source row.
fn file_of(env: &TestEnv, source: &str, id: i64) -> std::path::PathBuf {
    env.base().join(env.query_string(&format!(r#"SELECT "path" FROM "DocumentDO" WHERE "{source}" = {id} ORDER BY "documentTypeDefRef" DESC LIMIT 1"#)))
}

/// The file of the return label (type 1) of a return announcement.
fn label_of(env: &TestEnv, id: i64) -> std::path::PathBuf {
    env.base().join(env.query_string(&format!(r#"SELECT "path" FROM "DocumentDO" WHERE "returnAnnouncementRef" = {id} AND "documentTypeDefRef" = 1"#)))
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

#[test]
fn invoice_delivery_note_and_return_slip_are_rendered_once_and_read_back() {
    let env = TestEnv::new(true);
    dispatch_and_return(&env);
    let out = env.ok(&["documents", "render"]);
    // the demo's two invoices, the dispatch, the accepted return announcement's slip and label;
    // nothing for the undecided one
    assert!(out.starts_with("rendered 5 document(s)"), "{out}");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "DocumentDO""#), 5);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "DocumentDO" WHERE "returnAnnouncementRef" = 903"#), 0);

    // the invoice of order 2014000001: number, position, totals and tax
    let text = pdf_text(&file_of(&env, "invoicingRef", 10001));
    assert!(text.contains("Invoice") && line_with(&text, "Invoice number").contains("2014000001"), "{text}");
    let row = line_with(&text, "test_product_1");
    assert!(row.contains("100-0001") && row.contains(" 1 ") && row.contains("123.45 EUR"), "{row}");
    assert!(line_with(&text, "Total net").contains("103.74 EUR"), "{text}");
    assert!(line_with(&text, "on 103.74 EUR").contains("19.71 EUR"), "{text}");
    assert!(line_with(&text, "Total gross").contains("123.45 EUR"), "{text}");
    assert!(text.contains("Leutragraben 1") && text.contains("07743 Jena"), "billing address: {text}");
    // the invoice of order 0083: non-ASCII names and article texts come back as written
    let text = pdf_text(&file_of(&env, "invoicingRef", 10002));
    assert!(text.contains("Jördis Müller & Söhne"), "{text}");
    assert!(line_with(&text, "Handbuch \"Löten\" <2. Auflage>").contains("127.00 EUR"), "{text}");
    assert!(line_with(&text, "SD111001").contains("752.25 EUR"), "{text}");
    assert!(line_with(&text, "Total gross").contains("879.25 EUR"), "{text}");

    // the delivery note: number, carrier, tracking numbers, what was shipped
    let text = pdf_text(&file_of(&env, "dispatchRef", 900));
    assert!(line_with(&text, "Delivery note number").contains("DN-10002"), "{text}");
    assert!(line_with(&text, "Carrier").contains("DHL"), "{text}");
    assert!(line_with(&text, "Tracking number").contains("00340434161094042557, JJD000390007"), "{text}");
    let row = line_with(&text, "SD111001");
    assert!(row.contains("Stuurventiel") && row.trim_end().ends_with('2'), "{row}");
    assert!(!text.contains("100-0002"), "only the dispatched position: {text}");

    // the return slip: RMA number, return address, reason, serial number
    let text = pdf_text(&file_of(&env, "returnAnnouncementRef", 901));
    assert!(line_with(&text, "RMA number").contains("RMA-10002-1"), "{text}");
    assert!(text.contains("inTRONICS Return Center") && text.contains("c/o inTRONICS Distribution"), "return address: {text}");
    assert!(line_with(&text, "SD111001").contains("RET020"), "{text}");
    assert!(text.contains("SN-4711") && text.contains("Contact: Jördis Müller"), "{text}");
    // the return label: the return carrier, both addresses, the RMA number
    let text = pdf_text(&label_of(&env, 901));
    assert!(line_with(&text, "Return label").contains("DHL"), "{text}");
    assert!(text.contains("inTRONICS Return Center") && text.contains("Neue Promenade 5"), "recipient: {text}");
    assert!(line_with(&text, "RMA-10002-1").trim() == "RMA-10002-1", "{text}");
    assert!(text.contains("1 item(s)"), "{text}");
    // once the second is accepted, it gets its two
    env.sql_ok(r#"UPDATE "ReturnAnnouncementDO" SET "stateDefRef" = 5000 WHERE "id" = 903;"#);
    assert!(env.ok(&["documents", "render"]).starts_with("rendered 2 document(s)"));
    env.sql_ok(r#"DELETE FROM "DocumentDO" WHERE "returnAnnouncementRef" = 903; UPDATE "ReturnAnnouncementDO" SET "stateDefRef" = 1 WHERE "id" = 903;"#);

    // rendering again makes nothing new and leaves the files alone
    let modified = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let invoice = file_of(&env, "invoicingRef", 10001);
    let before = modified(&invoice);
    let all_keys = || -> Vec<String> {
        env.store().query_rows(r#"SELECT "key" FROM "DocumentDO" ORDER BY "id""#, &[]).unwrap().iter().map(|r| r[0].as_str().unwrap().to_string()).collect()
    };
    let keys = all_keys();
    assert!(env.ok(&["documents", "render"]).starts_with("rendered 0 document(s)"));
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "DocumentDO""#), 5);
    assert_eq!(all_keys(), keys);
    assert_eq!(modified(&invoice), before);

    // a crash after the file, before the row: the next run writes the file again, then the row
    env.sql_ok(r#"DELETE FROM "DocumentDO" WHERE "dispatchRef" = 900;"#);
    std::fs::write(file_of_path(&env, "documents/10000/10002/deliveryNote_900.pdf"), b"half a file").unwrap();
    assert!(env.ok(&["documents", "render"]).starts_with("rendered 1 document(s)"));
    assert!(pdf_text(&file_of(&env, "dispatchRef", 900)).contains("DN-10002"));
    let keys = all_keys();
    assert_eq!(keys.len(), 5);
    assert!(keys.iter().all(|k| k.len() == 64), "{keys:?}");
}

fn file_of_path(env: &TestEnv, rel: &str) -> std::path::PathBuf {
    env.base().join(rel)
}

/// A second shop (20000) with a copy of order 2014000001 and its invoice.
fn other_shop(env: &TestEnv) {
    let conn = env.conn();
    conn.execute_batch(
        r#"INSERT INTO "ShopDO" ("id", "name") VALUES (20000, 'otherShop');
           CREATE TEMP TABLE o AS SELECT * FROM "OrderDO" WHERE "id" = 10001;
           UPDATE o SET "id" = 20001, "shopRef" = 20000, "shopOrderNo" = 'OTHER-1';
           INSERT INTO "OrderDO" SELECT * FROM o;
           INSERT INTO "InvoicingDO" ("id", "invoiceNo", "shopRef", "orderRef", "documentTypeDefRef", "invoiceDate", "grossAmount", "netAmount")
           VALUES (20001, 'OTHER-INV-1', 20000, 20001, 18, '2026-01-01 00:00:00.000', 100, 84);"#,
    )
    .unwrap();
}

/// The download link of a document: (path with query, id, key).
fn link(env: &TestEnv, source: &str, id: i64) -> (String, i64, String, i64) {
    link_where(env, &format!(r#""{source}" = {id}"#))
}

/// The download link of the document that `condition` picks.
fn link_where(env: &TestEnv, condition: &str) -> (String, i64, String, i64) {
    let conn = env.conn();
    let (doc, key, file, ty, shop): (i64, String, String, i64, i64) = conn
        .query_row(&format!(r#"SELECT "id", "key", "fileName", "documentTypeDefRef", "shopRef" FROM "DocumentDO" WHERE {condition} ORDER BY "id" LIMIT 1"#), [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap();
    let ty = match ty {
        6 => "deliveryNote",
        19 => "creditNote",
        7 => "returnSlip",
        1 => "returnLabel",
        _ => "invoiceNote",
    };
    (format!("/servlets/DocumentServlet/v1.0/{ty}/{file}?k={key}&i={doc}&s={shop}"), doc, key, shop)
}

#[test]
fn the_scheduler_renders_and_the_link_serves_the_shops_documents_only() {
    let env = TestEnv::new(true);
    dispatch_and_return(&env);
    other_shop(&env);
    add_user(&env, "webshop", "shop-secret-2", "ShopServiceClient", &["--shop", "10000"]);
    add_user(&env, "other", "other-secret-3", "ShopServiceClient", &["--shop", "20000"]);
    // `impex run` renders what is missing in its maintenance pass
    let s = Server::start(&env, &["run"], false);
    wait_for("the scheduler renders 6 documents", Duration::from_secs(30), || env.query_i64(r#"SELECT count(*) FROM "DocumentDO""#) == 6);

    let (path, id, key, shop) = link(&env, "invoicingRef", 10001);
    assert_eq!(shop, 10000);
    let webshop = ["-u", "webshop:shop-secret-2"];
    let get = |auth: &[&str], path: &str| {
        let url = s.url(path);
        let mut args: Vec<&str> = auth.to_vec();
        args.push(&url);
        curl(&args)
    };
    // the shop's user gets the PDF as stored
    let (status, head, body) = get(&webshop, &path);
    assert_eq!(status, 200, "{head}{body}");
    let lower = head.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/pdf"), "{head}");
    assert!(lower.contains("content-disposition: inline; filename=\"invoicenote_2014000001.pdf\""), "{head}");
    let file = env.base().join(env.query_string(&format!(r#"SELECT "path" FROM "DocumentDO" WHERE "id" = {id}"#)));
    let out = Command::new("curl").args(["-s", "-u", "webshop:shop-secret-2", &s.url(&path)]).output().unwrap();
    assert_eq!(out.stdout, std::fs::read(&file).unwrap(), "the stored file, byte for byte");
    // the delivery note and the return slip too
    for condition in [r#""dispatchRef" = 900"#, r#""returnAnnouncementRef" = 901 AND "documentTypeDefRef" = 7"#, r#""returnAnnouncementRef" = 901 AND "documentTypeDefRef" = 1"#] {
        let (p, ..) = link_where(&env, condition);
        assert_eq!(get(&webshop, &p).0, 200, "{p}");
    }
    let (label, ..) = link_where(&env, r#""documentTypeDefRef" = 1"#);
    assert!(label.contains("/returnLabel/ReturnLabel_RMA-10002-1.pdf?"), "{label}");

    // no credentials: 401; a wrong key, a wrong id, another type or file name: 404
    assert_eq!(get(&[], &path).0, 401);
    let mut wrong = key.clone().into_bytes();
    wrong[10] = if wrong[10] == b'a' { b'b' } else { b'a' };
    let wrong = String::from_utf8(wrong).unwrap();
    for bad in [
        path.replace(&key, &wrong),
        path.replace(&format!("&i={id}"), &format!("&i={}", id + 1000)),
        path.replace("/invoiceNote/", "/creditNote/"),
        path.replace("InvoiceNote_2014000001.pdf", "InvoiceNote_0083.pdf"),
        path.replace(&format!("k={key}"), "k=short"),
    ] {
        let (status, _, body) = get(&webshop, &bad);
        assert_eq!(status, 404, "{bad}: {body}");
        assert!(!body.contains("%PDF"), "{body}");
    }
    // a missing or malformed parameter: 400 naming it
    let (status, _, body) = get(&webshop, &path.replace(&format!("&s={shop}"), ""));
    assert!(status == 400 && body.contains("\"s\""), "{status} {body}");
    let (status, _, body) = get(&webshop, &path.replace(&format!("&i={id}"), "&i=x"));
    assert!(status == 400 && body.contains("\"i\""), "{status} {body}");

    // another shop's document is refused as not found, whichever shop the link names
    let (other_path, _, _, other_shop) = link(&env, "invoicingRef", 20001);
    assert_eq!(other_shop, 20000);
    let (status, _, body) = get(&webshop, &other_path);
    assert_eq!(status, 404, "{body}");
    assert_eq!(get(&webshop, &other_path.replace("&s=20000", "&s=10000")).0, 404);
    // and the other shop's user gets its own document, not shop 10000's
    let other = ["-u", "other:other-secret-3"];
    assert_eq!(get(&other, &other_path).0, 200);
    assert_eq!(get(&other, &path).0, 404);
    assert_eq!(get(&other, &path.replace("&s=10000", "&s=20000")).0, 404);

    // the key is never logged
    let (_, log) = s.terminate();
    assert!(log.contains("path=/servlets/DocumentServlet/v1.0/invoiceNote/InvoiceNote_2014000001.pdf"), "{log}");
    assert!(!log.contains(&key) && !log.contains("?k="), "{log}");
    assert!(log.contains("rendered order documents"), "{log}");
}
