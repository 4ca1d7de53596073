//! The pull and deliver algorithms over the `"TransferFileDO"` ledger: a crash at any point
//! neither loses a file nor transfers it twice (see [`super::state`] for what each state means
//! after a crash).
//!
//! Pull, per remote file whose name matches `pullFilenameRegex`:
//! 1. unsafe names (`/`, `..`, control characters) get one REJECTED row and are left alone;
//! 2. files younger than `minFileAge` (by their remote mtime) are skipped this run;
//! 3. LISTED -> DOWNLOADING (committed), stream to `<work dir>/.partial/<id>.part` while hashing
//!    (SHA-256), fsync; the remote size and mtime are checked again: a file that changed during
//!    the transfer is discarded and tried next run;
//! 4. same content hash as a file pulled before: DUPLICATE, local copy dropped, remote removed;
//! 5. otherwise DOWNLOADED (committed), rename into the target directory, fsync the directory;
//! 6. delete the remote file (or move it to `remoteArchiveDirectory`), then DONE.
//!
//! Deliver, per local file matching `deliverFilenameRegex`: LISTED -> UPLOADING, upload as
//! `.<name>.<id>.impex-part`, compare the remote size, rename into place (replacing), UPLOADED
//! (committed), move the local file to the sent directory, DONE.
mod deliver;
mod io;
mod pull;

pub use deliver::deliver;
pub use pull::pull;

use crate::db::Conn;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use regex::Regex;
use sha2::{Digest, Sha256};

use super::state::{self, Direction, FileState};
use super::{join, unsafe_name, ErrorKind, TResult, TransferError, Transport};
use crate::db::queries::transfer::{self as q, NewFile};

/// What a pull or deliver run is about.
#[derive(Debug, Clone)]
pub struct Spec {
    pub config_id: i64,
    pub schedule_id: Option<i64>,
    pub partner_ref: Option<i64>,
    /// Pull: the remote directory; deliver: the remote target directory.
    pub remote_dir: String,
    /// Only names that match completely.
    pub regex: Option<Regex>,
    /// Pull: where files land; deliver: the local source directory.
    pub local_dir: PathBuf,
    /// Pull: partial downloads; deliver: where sent files go.
    pub aux_dir: PathBuf,
    /// Pull: remote files younger than this are left for the next run.
    pub min_age: Duration,
    /// Pull: move remote files here instead of deleting them.
    pub archive_dir: Option<String>,
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub transferred: i64,
    pub failed: i64,
    pub skipped: i64,
    pub duplicates: i64,
    pub rejected: i64,
    pub bytes: u64,
    /// One line per failed, skipped, duplicate or rejected file.
    pub messages: Vec<String>,
}

fn db(e: crate::db::StoreError) -> TransferError {
    TransferError::temporary(format!("database: {e}"))
}

fn io(what: impl std::fmt::Display, e: std::io::Error) -> TransferError {
    TransferError::temporary(format!("{what}: {e}"))
}

fn mtime_text(secs: Option<i64>) -> Option<String> {
    secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0)).map(crate::time::format)
}

fn full_match(re: &Option<Regex>, name: &str) -> bool {
    match re {
        None => !name.starts_with('.'),
        Some(r) => r.find(name).is_some_and(|m| m.start() == 0 && m.end() == name.len()),
    }
}

/// Compiles a configured file name regex (Java `matches()` semantics: the whole name).
pub fn compile(re: Option<&str>) -> Result<Option<Regex>, String> {
    match re.map(str::trim) {
        None | Some("") => Ok(None),
        Some(r) => Regex::new(&format!("^(?:{r})$")).map(Some).map_err(|e| format!("invalid regex `{r}`: {e}")),
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn partial_path(spec: &Spec, id: i64) -> PathBuf {
    spec.aux_dir.join(format!("{id}.part"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_is_a_full_match() {
        let r = compile(Some(r"OpenPositionsImport_[0-9]*\.xml")).unwrap();
        assert!(full_match(&r, "OpenPositionsImport_1234.xml"));
        assert!(!full_match(&r, "x_OpenPositionsImport_1234.xml"));
        assert!(!full_match(&r, "OpenPositionsImport_1234.xml.tmp"));
        assert!(full_match(&None, "a.xml"));
        assert!(!full_match(&None, ".hidden"));
        assert!(compile(Some("(")).is_err());
    }

    /// A run that stopped after committing a batch as DOWNLOADED (before its renames, or
    /// before the remote removals and the DONE commit) is finished by the next run: every file
    /// ends in the target directory once, its remote copy is removed, nothing is fetched again.
    #[test]
    fn next_run_finishes_a_committed_batch() {
        let tmp = tempfile::tempdir().unwrap();
        let (remote, local, aux) = (tmp.path().join("remote"), tmp.path().join("in"), tmp.path().join(".partial"));
        for d in [&remote, &local, &aux] {
            std::fs::create_dir_all(d).unwrap();
        }
        let mut conn = crate::db::memory();
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap(); // no configuration rows here
        let spec = Spec {
            config_id: 1,
            schedule_id: None,
            partner_ref: None,
            remote_dir: remote.display().to_string(),
            regex: None,
            local_dir: local.clone(),
            aux_dir: aux.clone(),
            min_age: Duration::ZERO,
            archive_dir: None,
        };
        let downloaded = |conn: &Conn, name: &str| -> i64 {
            let path = join(&spec.remote_dir, name);
            let target = local.join(name).display().to_string();
            let id = q::insert(conn, &NewFile {
                config_ref: 1,
                schedule_ref: None,
                partner_ref: None,
                direction: "PULL",
                remote_path: &path,
                file_name: name,
                size: Some(1),
                mtime: None,
                local_path: None,
                state: "LISTED",
                error: None,
            })
            .unwrap();
            state::start_download(conn, id, 1, None).unwrap();
            state::downloaded(conn, id, &format!("hash-{name}"), &target).unwrap();
            id
        };
        // a: committed, not renamed yet; b: renamed, remote not removed yet; c: new.
        for n in ["a.xml", "b.xml", "c.xml"] {
            std::fs::write(remote.join(n), format!("remote {n}")).unwrap();
        }
        let a = downloaded(&conn, "a.xml");
        std::fs::write(partial_path(&spec, a), "pulled a.xml").unwrap();
        let b = downloaded(&conn, "b.xml");
        std::fs::write(local.join("b.xml"), "pulled b.xml").unwrap();

        let mut t = super::super::local::Local;
        let c = pull(&mut conn, &mut t, &spec, &|| false).unwrap();
        assert_eq!(c.transferred, 1, "only c.xml is fetched: {:?}", c.messages);
        assert_eq!(std::fs::read_to_string(local.join("a.xml")).unwrap(), "pulled a.xml");
        assert_eq!(std::fs::read_to_string(local.join("b.xml")).unwrap(), "pulled b.xml");
        assert_eq!(std::fs::read_to_string(local.join("c.xml")).unwrap(), "remote c.xml");
        assert_eq!(std::fs::read_dir(&remote).unwrap().count(), 0, "remote copies removed");
        assert_eq!(std::fs::read_dir(&aux).unwrap().count(), 0, "no partial files left");
        let states: Vec<String> = conn
            .query_rows(r#"SELECT "state" FROM "TransferFileDO" ORDER BY "id""#, &[])
            .unwrap()
            .iter()
            .filter_map(|r| r[0].as_str().map(String::from))
            .collect();
        assert_eq!(states, ["DONE", "DONE", "DONE"]);
        assert!(a < b);
    }
}

