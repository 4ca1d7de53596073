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

/// The REST API commands the demo prints work as printed: the shell reads the passwords from
/// the demo's file, the ATP of 100-0001 is 2 lower after the reservation. (The test puts a free
/// port for 8080, waits for the server after the `serve &` line, asks curl to fail on an error
/// status, and stops the server at the end.)
#[test]
fn the_printed_api_commands_work() {
    let env = TestEnv::empty();
    let out = env.run(&["demo", "d"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    let block: Vec<&str> = text.split_once("the REST API (").expect("the API block").1.lines().skip(1).take_while(|l| l.starts_with("  ")).collect();
    assert!(block.len() >= 5 && block[0].contains(" serve --listen 127.0.0.1:8080 &"), "{block:?}");
    let port = crate::support::transfer::free_port();
    let health = format!("http://127.0.0.1:{port}/monitoring/services/health/status");
    let mut script = String::from("set -eu\n");
    for line in &block {
        let line = line.trim().replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
        if let Some(rest) = line.strip_prefix("curl ") {
            script.push_str(&format!("curl -sS --fail-with-body {rest}\necho\n"));
        } else {
            script.push_str(&format!("{line}\n"));
        }
        if line.ends_with('&') {
            script.push_str(&format!("for i in $(seq 300); do curl -s -o /dev/null {health} && break; sleep 0.1; done\n"));
        }
    }
    script.push_str("kill %1\nwait\n");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_impex")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = std::process::Command::new("bash").arg("-c").arg(&script).current_dir(env.path("")).env("PATH", path).env_remove("IMPEX_DB").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{script}\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let answers: Vec<serde_json::Value> = stdout.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(answers.len() >= 4, "{stdout}");
    let atp = |v: &serde_json::Value| -> i64 {
        v["data"].as_array().unwrap().iter().filter(|l| l["id"] == "100-0001").map(|l| l["atp"].as_i64().unwrap()).sum()
    };
    assert!(answers[1]["data"]["resvId"].as_i64().is_some(), "{}", answers[1]);
    assert_eq!(atp(&answers[2]), atp(&answers[0]) - 2, "{stdout}");
    assert!(stdout.contains("impex_"), "the metrics: {stdout}");
}
