//! impex: an embedded, SQLite-centred job engine for the file-based import/export interfaces of
//! Intershop Order Management (IOM).
//!
//! Architecture (one folder per role):
//! - [`db`]: the SQLite database: open, schema and migrations, the PostgreSQL dialect bridge
//!   used by `impex sql`, and named queries per table.
//! - [`config`]: the base directory layout, seeds, and `impex check` validation.
//! - [`schedule`]: the Quartz-cron scheduler driven by `"ScheduleDO"`.
//! - [`jobs`]: the job contract and the registry of jobs by `"JobDefDO"` id.
//! - [`transfer`]: FTP, FTPS, SFTP and local transports and the file transfer job.
//! - [`transform`]: transformer groups and one file per transformer bean.
//! - [`send`]: transmissions and one file per exported document format.
//! - [`state`]: the only code that writes a state column.
//! - [`cli`]: the command line.
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod jobs;
pub mod schedule;
pub mod send;
pub mod state;
pub mod time;
pub mod transfer;
pub mod transform;
pub mod xml;
