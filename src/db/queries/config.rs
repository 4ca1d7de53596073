//! Queries on the platform configuration (`"PlatformConfigDO"`).
use crate::db::params;
use crate::db::{Conn, StoreResult};
use std::path::PathBuf;

use crate::db::Optional;

/// The base directory `"PlatformConfigDO"."omtBasePath"` (the row with the lowest id).
pub fn base_path(conn: &Conn) -> StoreResult<Option<PathBuf>> {
    Ok(conn.query_row(r#"SELECT "omtBasePath" FROM "PlatformConfigDO" ORDER BY "id" LIMIT 1"#, params![], |r| {
        r.get::<String>(0)
    })
    .optional()
    .map(|o| o.map(PathBuf::from))?)
}

/// Sets the base directory; creates the platform row if there is none. Returns true if it changed.
pub fn set_base_path(conn: &Conn, base: &str) -> StoreResult<bool> {
    let current: Option<String> = conn.query_row(r#"SELECT "omtBasePath" FROM "PlatformConfigDO" ORDER BY "id" LIMIT 1"#, params![], |r| r.get(0))
        .optional()?;
    match current {
        Some(c) if c == base => Ok(false),
        Some(_) => {
            conn.execute(
                r#"UPDATE "PlatformConfigDO" SET "omtBasePath" = ?1, "modificationDate" = now()
                   WHERE "id" = (SELECT min("id") FROM "PlatformConfigDO")"#,
                params![base],
            )?;
            Ok(true)
        }
        None => {
            conn.execute(r#"INSERT INTO "PlatformConfigDO" ("id", "omtBasePath") VALUES (1, ?1)"#, params![base])?;
            Ok(true)
        }
    }
}

/// Number of rows in a table (for `impex init` and `status` summaries).
pub fn count(conn: &Conn, table: &str) -> StoreResult<i64> {
    Ok(conn.query_row(&format!(r#"SELECT count(*) FROM "{}""#, table.replace('"', "")), params![], |r| r.get(0))?)
}

/// Retention of the housekeeping job in days (`"PlatformConfigDO"."housekeepingRetentionDays"`).
pub fn retention_days(conn: &Conn) -> StoreResult<i64> {
    Ok(conn.query_row(r#"SELECT "housekeepingRetentionDays" FROM "PlatformConfigDO" ORDER BY "id" LIMIT 1"#, params![], |r| r.get(0))
        .optional()
        .map(|o| o.unwrap_or(28))?)
}
