//! What `impex demo` prints after the run: files pulled and imported, payment status of the
//! demo orders, export files written, and where to look further.
use std::path::Path;

use rusqlite::Connection;

use crate::config::paths;

pub fn print(conn: &Connection, db_path: &Path, base: &Path) -> anyhow::Result<()> {
    println!("\nfiles imported (done/) and failed (error/):");
    let share = base.join("share");
    let mut any = false;
    for entry in walk(&share) {
        let rel = entry.strip_prefix(base).unwrap_or(&entry).display().to_string();
        if rel.contains("/done/") || rel.contains("/error/") {
            println!("  {rel}");
            any = true;
        }
    }
    if !any {
        println!("  (none)");
    }
    println!("\npayment status of the orders (\"OrderPaymentStatusView\", from the imported open positions and payment histories):");
    let mut st = conn.prepare(
        r#"SELECT "shopOrderNo", "invoices", "invoicedAmount", "openAmount", "paymentStatus", "paidPercent", "currency"
           FROM "OrderPaymentStatusView" ORDER BY "orderRef""#,
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<i64>>(2)?.unwrap_or(0),
            r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            r.get::<_, String>(4)?,
            r.get::<_, Option<f64>>(5)?.unwrap_or(0.0),
            r.get::<_, String>(6)?,
        ))
    })?;
    for row in rows {
        let (no, invoices, invoiced, open, status, pct, cur) = row?;
        println!(
            "  order {no:<12} {invoices} invoice(s), invoiced {:>9} {cur}, open {:>9} {cur}: {status} ({pct:.0} % paid)",
            money(invoiced),
            money(open)
        );
    }
    println!("\nexport files written:");
    let mut any = false;
    for dir in [paths::outbox(base), paths::customer_export_dir(base)] {
        for f in walk(&dir) {
            if f.parent() == Some(dir.as_path()) {
                println!("  {}", f.display());
                any = true;
            }
        }
    }
    if !any {
        println!("  (none)");
    }
    let db = db_path.display();
    println!("\nlook further:");
    println!("  sqlite3 {db} '.tables'");
    println!("  sqlite3 -header -column {db} 'SELECT * FROM \"OrderPaymentStatusView\"'");
    println!("  sqlite3 -header -column {db} 'SELECT * FROM \"JobRunDO\"'");
    println!("  sqlite3 -header -column {db} 'SELECT \"id\", \"state\", \"fileName\" FROM \"TransmissionDO\"'");
    println!("  sqlite3 -header -column {db} 'SELECT * FROM \"TransferFileDO\"'");
    println!("  sqlite3 -header -column {db} 'SELECT * FROM \"ImportFileDO\"'");
    println!("  sqlite3 -header -column {db} 'SELECT * FROM \"ScheduleDO\"'");
    println!("  impex --db {db} status");
    println!("  impex --db {db} transmissions");
    println!("  impex --db {db} order 0083");
    Ok(())
}

fn money(minor: i64) -> String {
    format!("{}{}.{:02}", if minor < 0 { "-" } else { "" }, minor.abs() / 100, minor.abs() % 100)
}

/// Every file under `dir`, sorted.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}
