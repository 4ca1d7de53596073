//! Fuzz target: the dialect bridge of `impex sql` must never panic, whatever the script, and a
//! script it accepts must run (or fail with an error) on a real database without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(stmts) = impex::db::dialect::split(text) else { return };
    let conn = impex::db::open_in_memory().unwrap();
    conn.execute_batch(r#"CREATE TABLE "impexSequence" ("name" TEXT PRIMARY KEY, "value" INTEGER NOT NULL); CREATE TABLE "ShopDO" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);"#).unwrap();
    for s in stmts.iter().take(20) {
        if let Err(e) = conn.execute_batch(&s.sql) {
            let _ = impex::db::dialect::explain(&conn, s, &e);
        }
    }
});
