//! impex: an embedded, SQLite-centred job engine for the file-based import/export interfaces of
//! Intershop Order Management (IOM).
//!
//! Architecture: layers that depend one way, from the top (what users call) to the bottom
//! (plain types). A test (`layering` in tests) fails when a module refers to one above it.
//! - [`cli`]: the command line; [`http`]: IOM's REST API (axum).
//! - [`config`]: `impex check`, validating the configuration rows.
//! - [`jobs`]: the composition root: the registry of jobs by `"JobDefDO"` id; the scheduler's
//!   [`schedule`] runs them.
//! - [`auth`]: users, passwords, rights of the REST API (no HTTP types).
//! - [`transfer`], [`transform`], [`send`]: FTP/FTPS/SFTP/local transports and the file transfer
//!   job, transformer groups and beans, transmissions and file senders.
//! - [`inventory`]: the inventory service behind IOM's ATP 2.0 and Reservation 2.0 REST APIs
//!   (availability per product and supplier, reservations), as a library.
//! - [`order`]: orders of the shops: the one order writer (storeOrder files, the order service
//!   2.4), order states, payment state, change requests.
//! - [`document`]: the order's documents as PDF (invoice, credit note, delivery note, return slip).
//! - [`fs`]: files on disk: the base directory layout, atomic writes, O_DIRECT writes.
//! - [`db`]: the storage layer: the only code with SQL and the database library; state
//!   transitions of every row with a state ([`db::state`]).
//! - [`model`], [`error`], [`time`]: shared plain types, errors, the timestamp format.
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod document;
pub mod error;
pub mod fs;
pub mod http;
pub mod inventory;
pub mod jobs;
pub mod model;
pub mod order;
pub mod schedule;
pub mod send;
pub mod time;
pub mod transfer;
pub mod transform;
