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
    let _ = conn;
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
    println!("  sqlite3 -header -column {db} 'SELECT * FROM \"ScheduleDO\"'");
    println!("  impex --db {db} check");
    Ok(())
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
