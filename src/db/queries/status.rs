//! Queries behind `impex status` beyond the schedules: the state of the transmissions.
use crate::db::params;
use crate::db::{Conn, StoreResult};

/// Transmissions by state, and events that found no partner.
#[derive(Debug, Default, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransmissionSummary {
    /// (state, count), every state that has rows.
    pub by_state: Vec<(String, i64)>,
    /// Transmissions waiting for a person (DO_MANUAL_CHECK).
    pub manual_check: i64,
    /// Business events with no communication partner configured (`"ExportUnroutedEventDO"`).
    pub no_partner: i64,
}

pub fn transmissions(conn: &Conn) -> StoreResult<TransmissionSummary> {
    let st_sql = r#"SELECT "state", count(*) FROM "TransmissionDO" GROUP BY "state" ORDER BY "state""#;
    let by_state: Vec<(String, i64)> = conn.query_map(st_sql, params![], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let manual_check = by_state.iter().find(|(s, _)| s == "DO_MANUAL_CHECK").map(|(_, n)| *n).unwrap_or(0);
    let no_partner = conn.query_row(r#"SELECT count(*) FROM "ExportUnroutedEventDO""#, params![], |r| r.get(0))?;
    Ok(TransmissionSummary { by_state, manual_check, no_partner })
}

/// The database answers a query.
pub fn ping(conn: &Conn) -> StoreResult<()> {
    conn.query_row("SELECT 1", params![], |_| Ok(()))?;
    Ok(())
}

/// What `/metrics` reports from the database: counts that every impex process sharing the
/// database agrees on.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    /// (job name, outcome, runs) of the job history.
    pub job_runs: Vec<(String, String, i64)>,
    /// (state, transmissions).
    pub transmissions: Vec<(String, i64)>,
    /// (state, files) of the imports.
    pub import_files: Vec<(String, i64)>,
}

pub fn counts(conn: &Conn) -> StoreResult<Counts> {
    let pairs = |sql: &str| -> StoreResult<Vec<(String, i64)>> {
        let v = conn.query_map(sql, params![], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(v)
    };
    let job_runs = conn.query_map(r#"SELECT coalesce(j."name", CAST(r."jobDefRef" AS TEXT)), r."outcome", count(*) FROM "JobRunDO" r LEFT JOIN "JobDefDO" j ON j."id" = r."jobDefRef"
           GROUP BY 1, 2 ORDER BY 1, 2"#, params![], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(Counts {
        job_runs,
        transmissions: pairs(r#"SELECT "state", count(*) FROM "TransmissionDO" GROUP BY 1 ORDER BY 1"#)?,
        import_files: pairs(r#"SELECT "state", count(*) FROM "ImportFileDO" GROUP BY 1 ORDER BY 1"#)?,
    })
}
