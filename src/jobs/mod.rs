//! The composition root: every plug-in impex has, in one place.
//!
//! - [`REGISTRY`]: the jobs by `"JobDefDO"` id. A `"ScheduleDO"` row names its job by
//!   `"jobDefRef"` and the job's configuration row by `"configId"`; the scheduler looks the job
//!   up here ([`lookup`]); an unknown id is a configuration error on that schedule, not a crash.
//! - [`BEANS`]: the transformer beans by `"TransformerBeanDefDO"` id (import).
//! - [`SENDERS`]: the file senders by transmission type (export).
//! - [`TRANSPORTS`]: the file transfer protocols by URL scheme.
//!
//! The contracts themselves live below their users: [`crate::model::job`] (jobs),
//! [`crate::transform::Transformer`], [`crate::send::sender::Sender`],
//! [`crate::transfer::Transport`]. Tests here check that every seeded reference row has its
//! implementation.
pub mod housekeeping;
pub mod test_job;

pub use crate::model::job::{Job, JobContext, JobError, Outcome, Report};
pub use crate::send::sender::SENDERS;
pub use crate::transfer::TRANSPORTS;
pub use crate::transform::BEANS;

/// Every job impex knows, by `"JobDefDO"` id. Each seeded `"JobDefDO"` row has one.
pub static REGISTRY: &[&dyn Job] = &[
    &crate::transfer::job::FILE_TRANSFER_JOB,
    &crate::send::job::SendTransmissionsJob,
    &crate::send::customers::CustomerExportJob,
    &housekeeping::Housekeeping,
];

/// The job for a `"JobDefDO"` id. The scheduler's test job (10999) is visible only with env
/// `IMPEX_TEST_JOBS=1` (see `test_job`).
pub fn lookup(def_id: i64) -> Option<&'static dyn Job> {
    REGISTRY.iter().copied().find(|j| j.def_id() == def_id).or_else(|| test_job::lookup(def_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_unique() {
        let mut ids: Vec<i64> = REGISTRY.iter().map(|j| j.def_id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), REGISTRY.len());
    }

    /// Every seeded "JobDefDO" row has a job.
    #[test]
    fn every_seeded_job_def_has_a_job() {
        let conn = crate::db::memory();
        conn.execute_batch(crate::db::seed::REFERENCE).unwrap();
        let ids: Vec<i64> = conn.query_rows(r#"SELECT "id" FROM "JobDefDO""#, &[]).unwrap().iter().filter_map(|r| r[0].as_i64()).collect();
        assert!(ids.len() >= 4);
        for id in ids {
            assert!(lookup(id).is_some(), "JobDefDO {id} has no job");
        }
    }
}
