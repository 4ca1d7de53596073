//! The only code that writes a state column. Each state is an enum whose `as_str` values match
//! the `CHECK` lists in `schema.sql`; each transition is one named function that updates
//! `WHERE id = ? AND state = <expected>` and fails if no row changed.
//!
//! Submodules: schedule states ([`crate::schedule`] calls them), file ledger states
//! ([`crate::transfer`]), transmission states ([`crate::send`]).
//! - schedules ("ScheduleDO" lock, retry, stop): `crate::schedule::state`.
//! - file ledger states of the file transfer job: [`crate::transfer::state`].
//! - import file states (`"ImportFileDO"`): [`crate::transform::state`].
//! - transmission states: [`crate::send::state`].
