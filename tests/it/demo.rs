//! `impex demo` runs the whole product on the embedded default and can be re-run.
use crate::support::env::TestEnv;

#[test]
fn demo_runs_every_interface_and_can_be_rerun() {
    let env = TestEnv::empty();
    for round in 0..2 {
        let out = env.run(&["demo", "d"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "round {round}:\n{text}\n{}", String::from_utf8_lossy(&out.stderr));
        for needle in [
            "share/import_openpositions/done/OpenPositionsImport_1.xml",
            "share/import_paymenthistories/done/PaymentHistories_1.xml",
            "share/import_orders/done/storeOrder_000000300.xml",
            "share/import_opentrans_dispatch/dispatches/done/openTransDispatch_1.xml",
            "share/import_articles/importarticle/done/10000_5000_20261130080000_articles.zip",
            "share/import_articles/importarticle/done/10000_5000_20261130080000_BCG.csv",
            "order 2014000001",
            "Part Paid",
            "PurchaseOrders_DISPATCH_10000_",
            "PurchaseOrders_RETURN_10000_",
            "SEND_DEBTOR_10000_inTRONICS_",
            "SalesOrders_10000_",
            "sendOrder_10000_5000_",
            "SEND_RETURN_ANNOUNCEMENT-SHOP__10000-SUPPLIER__5000-",
            "importarticle/export/IOM-CUSTOMER_10000_1.00000_",
            "sqlite3 ",
        ] {
            assert!(text.contains(needle), "round {round}: `{needle}` missing in:\n{text}");
        }
        assert!(!text.contains("FAILED") && !text.contains("ERROR"), "{text}");
        // the API's demo users: passwords in a file of the owner, never in the output
        assert!(text.contains("the REST API (users and their passwords in"), "{text}");
        let creds = std::fs::read_to_string(env.path("d/demo-users.txt")).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(env.path("d/demo-users.txt")).unwrap().permissions().mode() & 0o777, 0o600);
        }
        for line in creds.lines() {
            let password = line.split_once(' ').unwrap().1;
            assert!(password.len() >= 16 && !text.contains(password), "a demo password in the output");
        }
    }
    // a directory that is not a demo is never removed
    std::fs::create_dir_all(env.path("precious")).unwrap();
    std::fs::write(env.path("precious/keep.txt"), b"x").unwrap();
    let out = env.run(&["demo", "precious"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(env.path("precious/keep.txt").exists());
}
