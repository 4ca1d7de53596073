//! What `impex demo` prints after the run: files pulled and imported, payment status of the
//! demo orders, export files written, and where to look further.
use std::path::Path;

use crate::db::Conn;
use crate::fs::paths;

pub fn print(conn: &Conn, db_path: &Path, base: &Path) -> anyhow::Result<()> {
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
    for p in crate::db::queries::order_status::all_order_payment_status(conn)? {
        let cur = &p.currency;
        println!(
            "  order {:<12} {} invoice(s), invoiced {:>9} {cur}, open {:>9} {cur}: {} ({:.0} % paid)",
            p.shop_order_no,
            p.invoices,
            money(p.invoiced_amount),
            money(p.open_amount),
            p.payment_status,
            p.paid_percent
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
    println!("  sqlite3 -header -column {db} 'SELECT \"id\", \"orderRef\", \"deliveryNoteNo\", \"trackingNumbers\", \"carrierRef\" FROM \"DispatchDO\"'");
    println!("  sqlite3 -header -column {db} 'SELECT \"supplierArticleNo\", \"stockLevel\", \"salesPriceDecimal\" FROM \"ArticleStockDO\"'");
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

/// How to try the REST API on the demo database: the commands, with the users' passwords read
/// from `credentials` by the shell (never printed).
pub fn print_api(db_path: &Path, credentials: &Path) {
    let db = db_path.display();
    let c = credentials.display();
    let base = "http://127.0.0.1:8080";
    println!("\nthe REST API (users and their passwords in {c}):");
    println!("  impex --db {db} serve --listen 127.0.0.1:8080 &");
    println!("  W=\"webshop:$(sed -n 's/^webshop //p' {c})\"; O=\"operator:$(sed -n 's/^operator //p' {c})\"");
    println!("  curl -u \"$W\" {base}/servlets/services/atp/10000/100-0001,SD111001");
    println!("  curl -u \"$W\" -X POST -H 'Content-Type: application/json' -d '{{\"type\":\"COMPLETE\",\"lifetime\":600,\"items\":[{{\"id\":\"100-0001\",\"qty\":2}}]}}' {base}/servlets/services/reservation/10000");
    println!("  curl -u \"$W\" {base}/servlets/services/atp/10000/100-0001    # 2 fewer available");
    println!("  curl -u \"$O\" -H 'Accept: application/vnd.intershop.schedule.v1+json' {base}/rest/schedules/schedulestates");
    println!("  curl -u \"$O\" {base}/metrics");
}
