//! Named queries, one module per table or group of tables. SQL lives here (and in
//! `schema.sql`), not in the jobs.
pub mod check;
pub mod claims;
pub mod config;
pub mod housekeeping;
pub mod schedule;
pub mod transfer;
pub mod transmission;
pub mod import;
pub mod inventory;
pub mod returns;
pub mod order_status;
pub mod order_states;
pub mod export;
pub mod heartbeat;
pub mod status;
pub mod users;
pub mod orders;
pub mod documents;

/// A list of ids as one JSON array, for `json_each(?)` in a statement (either backend).
pub(crate) fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).expect("integers serialize")
}
