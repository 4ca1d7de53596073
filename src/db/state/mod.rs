//! The only code that writes a state column. Each state is an enum whose `as_str` values match
//! the `CHECK` lists in `schema.sql`; each transition is one named function that updates
//! `WHERE id = ? AND state = <expected>` and fails if no row changed.
//!
//! - [`schedule`]: `"ScheduleDO"` lock, retry, stop (the scheduler calls them).
//! - [`transfer_file`]: the file ledger `"TransferFileDO"` of the file transfer job.
//! - [`change_request`]: `"OrderChangeRequestDO"` of the order service (`src/order/intake.rs`).
//! - [`import_file`]: `"ImportFileDO"` rows of imported files.
//! - [`return_request`]: `"ReturnAnnouncementDO"` of the RMA service (`src/order/returns.rs`).
//! - [`reservation`]: `"ReservationDO"` of the inventory service (`src/inventory`).
//! - [`transmission`]: `"TransmissionDO"` of the sending job and `impex resend`/`cancel`.
//! - [`user`]: `"UserDO"` password, activity and lockout (src/auth, `impex user`).
pub mod change_request;
pub mod import_file;
pub mod reservation;
pub mod return_request;
pub mod schedule;
pub mod transfer_file;
pub mod transmission;
pub mod user;
