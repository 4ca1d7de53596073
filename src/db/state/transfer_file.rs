//! States of the file ledger `"TransferFileDO"` and their transitions. The `as_str` values match
//! the `CHECK` list in `schema.sql`; every transition is one named function that updates
//! `WHERE id = ? AND state = <from>` and fails if no row changed.
//!
//! Pull (remote -> local):
//! - `LISTED`: seen remotely, not (completely) transferred. Moved by the next run: to
//!   `DOWNLOADING`, or to `FAILED` when the remote file is gone. A failed attempt comes back here
//!   with `error` set and `attempts` counted.
//! - `DOWNLOADING`: being streamed to `<work dir>/.partial/<id>.part`. A crash leaves it here;
//!   the next run deletes the partial file and moves it back to `LISTED`.
//! - `DOWNLOADED`: complete and fsynced, content hash recorded, (being) renamed into the target
//!   directory; the remote file still exists. The next run finishes the rename if needed and
//!   deletes (or archives) the remote file: never downloads it again.
//! - `DONE`: final: local file in place, remote file deleted or archived.
//! - `DUPLICATE`: final: the content hash equals that of a file pulled before; the local copy
//!   was discarded and the remote file removed.
//!
//! Deliver (local -> remote):
//! - `LISTED` -> `UPLOADING` (to a temporary remote name) -> `UPLOADED` (renamed into place)
//!   -> `DONE` (local file moved to the sent directory).
//!
//! Both: `REJECTED` (final, unsafe file name, recorded once), `FAILED` (final, the file vanished).
use crate::db::{Conn, StoreResult};

use crate::db::queries::transfer::{self as q, Changes};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    Listed,
    Downloading,
    Downloaded,
    Uploading,
    Uploaded,
    Done,
    Duplicate,
    Rejected,
    Failed,
}

impl FileState {
    pub const ALL: [FileState; 9] = [
        FileState::Listed,
        FileState::Downloading,
        FileState::Downloaded,
        FileState::Uploading,
        FileState::Uploaded,
        FileState::Done,
        FileState::Duplicate,
        FileState::Rejected,
        FileState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Listed => "LISTED",
            FileState::Downloading => "DOWNLOADING",
            FileState::Downloaded => "DOWNLOADED",
            FileState::Uploading => "UPLOADING",
            FileState::Uploaded => "UPLOADED",
            FileState::Done => "DONE",
            FileState::Duplicate => "DUPLICATE",
            FileState::Rejected => "REJECTED",
            FileState::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<FileState> {
        FileState::ALL.iter().copied().find(|x| x.as_str() == s)
    }
}

/// The ledger direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Pull,
    Push,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Pull => "PULL",
            Direction::Push => "PUSH",
        }
    }
}

fn go(conn: &Conn, id: i64, from: FileState, to: FileState, c: Changes) -> StoreResult<()> {
    q::transition(conn, id, from.as_str(), to.as_str(), &c)
}

/// LISTED -> DOWNLOADING (one more attempt).
pub fn start_download(conn: &Conn, id: i64, size: u64, mtime: Option<&str>) -> StoreResult<()> {
    go(conn, id, FileState::Listed, FileState::Downloading, Changes { size: Some(size as i64), mtime, attempt: true, clear_error: true, ..Default::default() })
}

/// DOWNLOADING -> LISTED: the attempt failed or was interrupted; `error` says why.
pub fn download_failed(conn: &Conn, id: i64, error: &str) -> StoreResult<()> {
    go(conn, id, FileState::Downloading, FileState::Listed, Changes { error: Some(error), ..Default::default() })
}

/// DOWNLOADING -> DOWNLOADED: the complete content is on local disk.
pub fn downloaded(conn: &Conn, id: i64, hash: &str, local_path: &str) -> StoreResult<()> {
    go(conn, id, FileState::Downloading, FileState::Downloaded, Changes { hash: Some(hash), local_path: Some(local_path), ..Default::default() })
}

/// DOWNLOADING -> DUPLICATE (final).
pub fn duplicate(conn: &Conn, id: i64, hash: &str, error: &str) -> StoreResult<()> {
    go(conn, id, FileState::Downloading, FileState::Duplicate, Changes { hash: Some(hash), error: Some(error), done: true, ..Default::default() })
}

/// DOWNLOADED stays DOWNLOADED, with the reason the remote file could not be removed.
pub fn cleanup_failed(conn: &Conn, id: i64, error: &str) -> StoreResult<()> {
    go(conn, id, FileState::Downloaded, FileState::Downloaded, Changes { error: Some(error), ..Default::default() })
}

/// DOWNLOADED -> DONE (final): the remote file is deleted or archived.
pub fn pull_done(conn: &Conn, id: i64) -> StoreResult<()> {
    go(conn, id, FileState::Downloaded, FileState::Done, Changes { clear_error: true, done: true, ..Default::default() })
}

/// LISTED -> FAILED (final): the file vanished before it was transferred.
pub fn vanished(conn: &Conn, id: i64, error: &str) -> StoreResult<()> {
    go(conn, id, FileState::Listed, FileState::Failed, Changes { error: Some(error), done: true, ..Default::default() })
}

/// LISTED -> UPLOADING (one more attempt).
pub fn start_upload(conn: &Conn, id: i64, size: u64, hash: &str) -> StoreResult<()> {
    go(conn, id, FileState::Listed, FileState::Uploading, Changes { size: Some(size as i64), hash: Some(hash), attempt: true, clear_error: true, ..Default::default() })
}

/// UPLOADING -> LISTED: the attempt failed or was interrupted.
pub fn upload_failed(conn: &Conn, id: i64, error: &str) -> StoreResult<()> {
    go(conn, id, FileState::Uploading, FileState::Listed, Changes { error: Some(error), ..Default::default() })
}

/// UPLOADING -> UPLOADED: the file has its final remote name.
pub fn uploaded(conn: &Conn, id: i64) -> StoreResult<()> {
    go(conn, id, FileState::Uploading, FileState::Uploaded, Changes::default())
}

/// UPLOADED -> DONE (final): the local file is in the sent directory.
pub fn push_done(conn: &Conn, id: i64, sent_path: &str) -> StoreResult<()> {
    go(conn, id, FileState::Uploaded, FileState::Done, Changes { local_path: Some(sent_path), clear_error: true, done: true, ..Default::default() })
}
