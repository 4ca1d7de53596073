//! UnzipBean (`"TransformerBeanDefDO"` 19): unpacks a zip archive into the directory it is in
//! (the group's `in/`), where the same group run picks up the unpacked files (see
//! [`super::group`]: a run lists `in/` again after each pass).
//!
//! - Entries are unpacked under their final name (directories of the archive are flattened;
//!   directory entries are skipped). Two entries with the same final name fail the archive.
//! - Refused, failing the whole archive (nothing is unpacked): absolute paths, `..` components,
//!   NUL bytes, names whose final part starts with `.` (the group ignores such files, so they
//!   would stay unseen in `in/` for good), an entry named like the archive itself, symbolic
//!   links, encrypted entries, more entries than `UNZIP_MAX_ENTRIES` (parameter -2) and more
//!   unpacked bytes than `UNZIP_MAX_BYTES` (parameter -1). The bytes are counted while
//!   inflating: the sizes in the archive's headers are not trusted.
//! - Broken archives (not a zip, cut off, bad CRC, unsupported compression) fail with the
//!   reason of the zip reader.
//! - Entries are written to hidden temporaries (`.NAME.unzip.PID.tmp`, which the group ignores
//!   and the next run removes when this process is gone), made durable (an fsync each, or one
//!   `syncfs` for more than 16), and get their final
//!   names only just before the archive's unit of work commits ([`Ctx::produce`]), so a failure
//!   or a crash before the commit leaves no unpacked file, and the archive stays in `in/` to be
//!   unpacked again.
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use super::{ConfigError, Ctx, ImportError, Params, Transformer};

/// Parameter key of the most bytes an archive may unpack to (impex's own key, negative).
pub const UNZIP_MAX_BYTES: i64 = -1;
/// Parameter key of the most entries an archive may have (impex's own key, negative).
pub const UNZIP_MAX_ENTRIES: i64 = -2;
/// Default of [`UNZIP_MAX_BYTES`]: 4 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 4 << 30;
/// Default of [`UNZIP_MAX_ENTRIES`].
pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;
/// Archives with at most this many files have each fsynced; larger ones share one `syncfs`.
const SYNC_EACH_UP_TO: usize = 16;

pub fn build(_conn: &crate::db::Conn, params: &Params) -> Result<Box<dyn Transformer>, ConfigError> {
    Ok(Box::new(Unzip {
        max_bytes: limit(params, UNZIP_MAX_BYTES, "UNZIP_MAX_BYTES", DEFAULT_MAX_BYTES)?,
        max_entries: limit(params, UNZIP_MAX_ENTRIES, "UNZIP_MAX_ENTRIES", DEFAULT_MAX_ENTRIES)?,
    }))
}

fn limit(params: &Params, key: i64, name: &str, default: u64) -> Result<u64, ConfigError> {
    match params.values.get(&key).map(|v| v.trim()) {
        None | Some("") => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError(format!(
                "\"TransformerProcessDO\" id {}: parameter {name} (key {key}) `{v}` is not a positive whole number",
                params.process_id
            ))),
        },
    }
}

struct Unzip {
    max_bytes: u64,
    max_entries: u64,
}

/// The name an entry is unpacked under: `Ok(None)` for a directory entry, `Err` with the reason
/// for a name that is refused. Both `/` and `\` count as separators: archives made on Windows
/// sometimes use `\`, and `..\x` must not slip through as one odd file name.
pub fn entry_target(raw: &str) -> Result<Option<String>, String> {
    if raw.is_empty() {
        return Err("the entry has an empty name".into());
    }
    if raw.contains('\0') {
        return Err("the name contains a NUL byte".into());
    }
    let bytes = raw.as_bytes();
    let drive = bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic();
    if raw.starts_with('/') || raw.starts_with('\\') || drive {
        return Err("absolute path: entries must be relative to the archive".into());
    }
    let parts: Vec<&str> = raw.split(['/', '\\']).collect();
    if parts.contains(&"..") {
        return Err("the path contains `..` (it could leave the directory: zip slip)".into());
    }
    if raw.ends_with('/') || raw.ends_with('\\') {
        return Ok(None);
    }
    let last = parts.last().copied().unwrap_or_default();
    if last.is_empty() || last == "." {
        return Err("the entry has no file name".into());
    }
    if last.starts_with('.') {
        return Err(format!("the file name `{last}` starts with `.`: the group ignores such files, it would never be imported"));
    }
    Ok(Some(last.to_string()))
}

/// One entry to unpack: its index in the archive, its name there and its final name.
struct Planned {
    index: usize,
    raw: String,
    target: String,
}

/// Hidden temporaries of an archive being unpacked, removed unless handed over to the unit of
/// work (which renames or removes them).
struct Temporaries(Vec<PathBuf>);

impl Drop for Temporaries {
    fn drop(&mut self) {
        for t in &self.0 {
            let _ = std::fs::remove_file(t);
        }
    }
}

fn entry_err(index: usize, raw: &str, reason: impl std::fmt::Display) -> ImportError {
    ImportError { record: Some(index as u64 + 1), field: Some(raw.to_string()), ..ImportError::file(format!("entry `{raw}`: {reason}")) }
}

fn zip_err(e: zip::result::ZipError) -> String {
    match e {
        zip::result::ZipError::InvalidArchive(_) | zip::result::ZipError::Io(_) => format!("not a zip archive, or a damaged or cut-off one: {e}"),
        e => e.to_string(),
    }
}

impl Unzip {
    /// Checks every entry before anything is written, so that a refused archive costs no disk.
    fn plan<R: Read + std::io::Seek>(&self, zip: &zip::ZipArchive<R>, archive_name: &str) -> Result<Vec<Planned>, ImportError> {
        if zip.len() as u64 > self.max_entries {
            return Err(ImportError::file(format!(
                "the archive has {} entries, more than the limit of {} (parameter UNZIP_MAX_ENTRIES, key {UNZIP_MAX_ENTRIES})",
                zip.len(),
                self.max_entries
            )));
        }
        let mut names = HashSet::new();
        let mut planned = Vec::new();
        for index in 0..zip.len() {
            let e = zip.by_index_data(index).map_err(|e| ImportError { record: Some(index as u64 + 1), ..ImportError::file(zip_err(e)) })?;
            let raw = String::from_utf8_lossy(e.name_raw()).into_owned();
            let err = |reason: String| entry_err(index, &raw, reason);
            let target = entry_target(&raw).map_err(err)?;
            // the crate's own check as a second opinion (it knows the archive's name encoding)
            if e.enclosed_name().is_none() {
                return Err(err("the path is not enclosed in the archive's directory (absolute or leaving it)".into()));
            }
            if e.is_symlink() {
                return Err(err("symbolic links are refused".into()));
            }
            if e.encrypted() {
                return Err(err("encrypted entries are refused (impex has no password to decrypt them)".into()));
            }
            let Some(target) = target.filter(|_| !e.is_dir()) else { continue };
            if target == archive_name {
                return Err(err(format!("the file name `{target}` is the archive's own name")));
            }
            if !names.insert(target.clone()) {
                return Err(err(format!("another entry of the archive has the same file name `{target}` (directories are flattened)")));
            }
            planned.push(Planned { index, raw, target });
        }
        Ok(planned)
    }
}

impl Transformer for Unzip {
    fn import(&self, ctx: &mut Ctx<'_>, file: &Path) -> Result<u64, ImportError> {
        let dir = ctx.dir.to_path_buf();
        let archive_name = ctx.file_name.to_string();
        let f = File::open(file).map_err(|e| ImportError::file(format!("cannot open the archive: {e}")))?;
        let mut zip = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| ImportError::file(zip_err(e)))?;
        let planned = self.plan(&zip, &archive_name)?;
        let mut temps = Temporaries(Vec::new());
        let mut produced = Vec::new();
        let mut total: u64 = 0;
        let mut compressed: u64 = 0;
        let mut buf = vec![0u8; 64 * 1024];
        for (n, p) in planned.iter().enumerate() {
            let err = |reason: String| entry_err(p.index, &p.raw, reason);
            let mut entry = zip.by_index(p.index).map_err(|e| err(zip_err(e)))?;
            let tmp = crate::fs::atomic::temporary_path(&dir, &format!("{}.unzip", p.target));
            let mut out = File::create(&tmp).map_err(|e| err(format!("cannot create {}: {e}", tmp.display())))?;
            temps.0.push(tmp.clone());
            loop {
                let k = entry.read(&mut buf).map_err(|e| err(format!("cannot unpack (damaged or cut-off archive): {e}")))?;
                if k == 0 {
                    break;
                }
                total += k as u64;
                if total > self.max_bytes {
                    return Err(err(format!(
                        "the archive unpacks to more than the limit of {} bytes (parameter UNZIP_MAX_BYTES, key {UNZIP_MAX_BYTES})",
                        self.max_bytes
                    )));
                }
                out.write_all(&buf[..k]).map_err(|e| err(format!("cannot write {}: {e}", tmp.display())))?;
            }
            compressed += entry.compressed_size();
            produced.push((tmp, dir.join(&p.target)));
            ctx.progress(compressed, n as u64 + 1);
        }
        // Durable before they get their names: one flush of the file system for an archive of
        // many entries (an fsync each costs milliseconds), else an fsync of each.
        crate::fs::sync_files(&dir, planned.len() > SYNC_EACH_UP_TO, temps.0.iter().map(PathBuf::as_path))
            .map_err(|e| ImportError::file(format!("cannot sync the unpacked files: {e}")))?;
        // the unit of work renames (or removes) them from here on
        temps.0.clear();
        for (tmp, target) in produced {
            ctx.produce(tmp, target);
        }
        if planned.is_empty() {
            tracing::warn!(file = %archive_name, "the archive has no file to unpack");
        }
        Ok(planned.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_nested_names_are_flattened() {
        assert_eq!(entry_target("a.xml"), Ok(Some("a.xml".into())));
        assert_eq!(entry_target("dir/sub/a.xml"), Ok(Some("a.xml".into())));
        assert_eq!(entry_target("dir\\a.xml"), Ok(Some("a.xml".into())));
        assert_eq!(entry_target("./a.xml"), Ok(Some("a.xml".into())));
        assert_eq!(entry_target(".hidden-dir/a.xml"), Ok(Some("a.xml".into())));
    }

    #[test]
    fn directories_are_skipped() {
        assert_eq!(entry_target("dir/"), Ok(None));
        assert_eq!(entry_target("dir/sub\\"), Ok(None));
    }

    #[test]
    fn escaping_names_are_refused() {
        for n in ["../evil.xml", "a/../../evil.xml", "a/../b.xml", "..\\evil.xml", ".."] {
            assert!(entry_target(n).unwrap_err().contains("zip slip"), "{n}");
        }
        for n in ["/abs.xml", "\\abs.xml", "C:\\x.xml", "c:x.xml"] {
            assert!(entry_target(n).unwrap_err().contains("absolute"), "{n}");
        }
    }

    #[test]
    fn hidden_empty_and_nul_names_are_refused() {
        assert!(entry_target(".a.xml").unwrap_err().contains("starts with `.`"));
        assert!(entry_target("dir/.import.lock").unwrap_err().contains("starts with `.`"));
        assert!(entry_target("").is_err());
        assert!(entry_target("dir/.").is_err());
        assert!(entry_target("a\0.xml").unwrap_err().contains("NUL"));
    }

    #[test]
    fn limits_default_and_parse() {
        let mut p = Params { process_id: 7, ..Default::default() };
        assert_eq!(limit(&p, UNZIP_MAX_BYTES, "UNZIP_MAX_BYTES", DEFAULT_MAX_BYTES).unwrap(), 4 * 1024 * 1024 * 1024);
        p.values.insert(UNZIP_MAX_BYTES, " 1000 ".into());
        assert_eq!(limit(&p, UNZIP_MAX_BYTES, "UNZIP_MAX_BYTES", DEFAULT_MAX_BYTES).unwrap(), 1000);
        for bad in ["0", "-5", "1k"] {
            p.values.insert(UNZIP_MAX_BYTES, bad.into());
            let e = limit(&p, UNZIP_MAX_BYTES, "UNZIP_MAX_BYTES", DEFAULT_MAX_BYTES).unwrap_err();
            assert!(e.0.contains("UNZIP_MAX_BYTES (key -1)") && e.0.contains("id 7"), "{e}");
        }
    }
}
