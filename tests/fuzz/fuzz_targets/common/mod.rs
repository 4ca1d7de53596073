//! Shared set-up of the import fuzz targets: one demo database with the import groups of
//! `tests/fixtures/import/setup.sql` and `jobs/12_import_opentrans_dispatch.sql`, made once per
//! fuzzing process.
use std::path::PathBuf;
use std::sync::OnceLock;

use impex::db::{self, script::Source};

pub struct World {
    pub _dir: tempfile::TempDir,
    pub db: PathBuf,
    pub in_dir: PathBuf,
}

pub fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("impex.db");
        let mut conn = db::open(&db).unwrap();
        db::migrate::init(&mut conn).unwrap();
        let sources = vec![
            Source { name: "reference".into(), text: impex::db::seed::REFERENCE.into() },
            Source { name: "demo".into(), text: impex::db::seed::DEMO.into() },
            Source { name: "setup".into(), text: include_str!("../../../fixtures/import/setup.sql").into() },
            Source { name: "12".into(), text: include_str!("../../../../jobs/12_import_opentrans_dispatch.sql").into() },
        ];
        db::script::run(&mut conn, &sources).unwrap();
        db::queries::config::set_base_path(&conn, dir.path().to_str().unwrap()).unwrap();
        let in_dir = dir.path().join("work/in");
        std::fs::create_dir_all(&in_dir).unwrap();
        World { _dir: dir, db, in_dir }
    })
}

/// Imports `data` as file `<prefix><n>.xml` (a new name each time) with transformer group
/// `group`; must never panic. A file that fails leaves no rows in `table`.
pub fn import(group: &str, prefix: &str, data: &[u8], table: &str) {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = &format!("{prefix}{}.xml", N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let w = world();
    let conn = db::open(&w.db).unwrap();
    let group_id = conn.query_i64(r#"SELECT "id" FROM "TransformerProcessGroupDO" WHERE "name" = ?1"#, &[&group]).unwrap();
    let count = |c: &db::Conn| -> i64 { c.query_i64(&format!(r#"SELECT count(*) FROM "{table}""#), &[]).unwrap() };
    let before = count(&conn);
    std::fs::write(w.in_dir.join(name), data).unwrap();
    let report = impex::transform::run_group(&w.db, group_id, &w.in_dir).unwrap();
    if report.failed > 0 {
        assert_eq!(before, count(&conn), "a failed file left rows in {table}");
    }
    // keep the work directory small
    for d in ["done", "error", "obsolete"] {
        let _ = std::fs::remove_dir_all(w.in_dir.parent().unwrap().join(d));
    }
    let _ = std::fs::remove_file(w.in_dir.join(name));
}
