//! The integration tests of impex, one test binary (`cargo test --test integration`): the
//! support code is compiled once and the tests are linked once. Each module below was its own
//! binary before (`tests/<module>.rs`); `cargo test --test integration transfer::` runs one.
//! Fixtures stay in `tests/fixtures/`, `tests/xsd/` and `tests/export_support/*.sql`.

// Configurations written the way real IOM projects write them (the blueprint project).
mod blueprint;
// Shared support: test environments, export checks, real FTP/SFTP servers, the fault proxy.
mod support;

// Supplier article (A) and availability (BCG) CSV files (ImportCsvArticleBean).
mod articles;
// The PostgreSQL backend: `impex init` and `impex sql` on a real PostgreSQL 15.
mod postgres;
// The order documents: invoice, delivery note, return slip PDFs and their download link.
mod documents;
// `impex demo`: the whole product on the embedded default, and re-running it.
mod demo;
// Exports: `impex send` documents (XSDs, reference examples), retries, crash safety, customers.
mod export;
// The IOM table mirror, `impex init`, `impex sql` (the dialect bridge) and `impex check`.
mod foundation;
// The HTTP server of the REST API over real sockets.
mod http;
// Imports: transformer groups, the OpenPositions, PaymentHistories and storeOrder beans.
mod import;
// The openTRANS 2.1 dispatch import (bean -10200, jobs/12), end to end over FTP to the export.
mod opentrans;
// The inventory service (impex::inventory): ATP, reservations, their expiry, concurrent reservations.
mod inventory;
// ATP and reservations over real sockets with curl, and their contract tests (schemathesis).
mod inventory_http;
// The architecture: the modules of src/ depend one way; only src/db uses the database library.
mod layering;
// Operations: housekeeping deletes old finished files only.
mod operations;
// The operators' services (schedules, transmissions, health) against a running `impex run`.
mod operations_api;
// The order service's order states over real HTTP: derived states, filters, the modified cursor.
mod order_states_http;
// The operators' HTTP APIs over real sockets with curl, and their contract tests (schemathesis).
mod operations_http;
// The scheduler end to end: `impex run`, `run --once`, `trigger`, `status`, signals, locks.
mod scheduler;
// Soak test (about a minute): the pipeline under kill -9, server restarts, cut connections.
mod soak;
// The file transfer job against real vsftpd (FTP, FTPS), sshd (SFTP) and local directories.
mod transfer;
// UnzipBean (19): archives unpacked into in/ and their entries imported by the same run.
mod unzip;
// In-place upgrades of databases made by earlier releases.
mod upgrade;
// `impex user`: the users of the REST API, passwords on stdin, never in the output.
mod users;
// The order service's orders in and change requests over HTTP, and their contract test.
mod orders_http;
// The RMA service's return requests over HTTP.
mod rma_http;
