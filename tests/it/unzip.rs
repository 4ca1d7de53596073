//! UnzipBean (19): archives built here with the zip crate, unpacked by a real group run
//! (`impex::transform::run_group` and the `impex import` binary) whose next pass imports the
//! OpenPositions files that were inside; refused and broken archives end in error/ with their
//! reason and leave nothing unpacked in in/.
use std::io::Write;
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::support::env::{files_under, import_lock, TestEnv};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");

/// The fixture OpenPositions file (invoice 2014000001, open amount 1) with another TransId and
/// open amount.
fn positions(trans_id: &str, open: &str) -> Vec<u8> {
    let s = std::fs::read_to_string(Path::new(FIXTURES).join("OpenPositionsImport_1.xml")).unwrap();
    s.replace("<TransId>12345a</TransId>", &format!("<TransId>{trans_id}</TransId>"))
        .replace("<OpenAmount>1</OpenAmount>", &format!("<OpenAmount>{open}</OpenAmount>"))
        .into_bytes()
}

enum E<'a> {
    /// a deflated file
    File(&'a str, Vec<u8>),
    /// a stored (uncompressed) file
    Stored(&'a str, Vec<u8>),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
}

fn zip_bytes(entries: &[E<'_>]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    for e in entries {
        match e {
            E::File(n, b) => {
                w.start_file(*n, deflated).unwrap();
                w.write_all(b).unwrap();
            }
            E::Stored(n, b) => {
                w.start_file(*n, stored).unwrap();
                w.write_all(b).unwrap();
            }
            E::Dir(n) => w.add_directory(*n, deflated).unwrap(),
            E::Symlink(n, t) => w.add_symlink(*n, *t, deflated).unwrap(),
        }
    }
    w.finish().unwrap().into_inner()
}

/// A demo database with setup.sql's groups, and in import_openpositions an unzip process
/// before the OpenPositions one, configured as IOM configurations write it (no
/// "filenameRegex", parameter 4 names the files). Returns (env, group id, unzip process id).
fn setup() -> (TestEnv, i64, i64) {
    let env = TestEnv::new(true);
    env.sql_ok(&std::fs::read_to_string(Path::new(FIXTURES).join("setup.sql")).unwrap());
    env.sql_ok(
        r#"INSERT INTO oms."TransformerProcessDO" (id, index, "transformerBeanDefRef", "transformerProcessGroupRef", "filenameRegex", "moveObsoleteFiles")
           VALUES (nextval('"TransformerProcessDO_id_seq"'), 1, 19, (SELECT id FROM oms."TransformerProcessGroupDO" WHERE name = 'import_openpositions'), NULL, false);
           INSERT INTO oms."TransformerProcessParameterDO" (id, "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
           VALUES (nextval('"TransformerProcessParameterDO_id_seq"'), '.*\.zip', 4, currval('"TransformerProcessDO_id_seq"'));"#,
    );
    let gid = env.query_i64(r#"SELECT "id" FROM "TransformerProcessGroupDO" WHERE "name" = 'import_openpositions'"#);
    let pid = env.query_i64(&format!(r#"SELECT "id" FROM "TransformerProcessDO" WHERE "transformerProcessGroupRef" = {gid} AND "transformerBeanDefRef" = 19"#));
    (env, gid, pid)
}

fn set_param(env: &TestEnv, process: i64, key: i64, value: &str) {
    env.sql_ok(&format!(
        r#"DELETE FROM "TransformerProcessParameterDO" WHERE "transformerProcessesRef" = {process} AND "transformerProcessesParameterKeyDefRef" = {key};
           INSERT INTO "TransformerProcessParameterDO" ("id", "parameterValue", "transformerProcessesParameterKeyDefRef", "transformerProcessesRef")
           VALUES (nextval('"TransformerProcessParameterDO_id_seq"'), '{value}', {key}, {process});"#
    ));
}

fn dirs(env: &TestEnv) -> (PathBuf, PathBuf) {
    let dir = env.path("transfer");
    let in_dir = dir.join("in");
    std::fs::create_dir_all(&in_dir).unwrap();
    (dir, in_dir)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn archive_entries_are_imported_in_the_same_run() {
    let (env, gid, _) = setup();
    let (dir, in_dir) = dirs(&env);
    let zip = zip_bytes(&[
        E::File("OpenPositionsImport_1.xml", positions("t1", "5")),
        E::Dir("later/"),
        E::File("later/OpenPositionsImport_2.xml", positions("t2", "7")),
    ]);
    std::fs::write(in_dir.join("10020_openpositions_1.zip"), &zip).unwrap();
    // a temporary of an unpacking killed before its commit (pid above Linux's pid_max): removed
    std::fs::write(in_dir.join(".OpenPositionsImport_1.xml.unzip.999999999.tmp"), "half").unwrap();
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed, r.obsolete), (3, 0, 0), "{:?}", r.messages);
    assert_eq!(r.records, 2 + 1 + 1, "two entries and one position per file");
    assert_eq!(
        files_under(&dir),
        [import_lock(), vec!["done/10020_openpositions_1.zip", "done/OpenPositionsImport_1.xml", "done/OpenPositionsImport_2.xml"]].concat()
    );
    assert_eq!(std::fs::read(dir.join("done/10020_openpositions_1.zip")).unwrap(), zip);
    assert_eq!(std::fs::read(dir.join("done/OpenPositionsImport_2.xml")).unwrap(), positions("t2", "7"));
    // unpacked in archive order and imported oldest first: the later entry's position is current
    assert_eq!(env.query_i64(r#"SELECT "openAmount" FROM "OpenPositionDO""#), 7);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionVersionDO""#), 1);
    assert_eq!(
        env.query_string(r#"SELECT "state" || ':' || "records" || ':' || "transformerBeanDefRef" FROM "ImportFileDO" WHERE "fileName" = '10020_openpositions_1.zip'"#),
        "DONE:2:19"
    );
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO" WHERE "state" = 'DONE' AND "transformerBeanDefRef" = 22"#), 2);
    // nothing is imported twice by the next run
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed, r.obsolete), (0, 0, 0));
}

/// `impex import ARCHIVE`: the given archive is unpacked into the group's in/ and its entries
/// imported by the same command.
#[test]
fn impex_import_of_an_archive_imports_its_entries() {
    let (env, _, _) = setup();
    let zip = env.path("10020_openpositions_2.zip");
    std::fs::write(&zip, zip_bytes(&[E::File("OpenPositionsImport_9.xml", positions("t9", "9"))])).unwrap();
    let out = env.run(&["import", "--group", "import_openpositions", zip.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("2 files imported (2 records)"), "{text}");
    assert_eq!(env.query_i64(r#"SELECT "openAmount" FROM "OpenPositionDO""#), 9);
    let work = env.base().join("share/import/import_openpositions");
    assert_eq!(names_in(&work.join("done")), vec!["10020_openpositions_2.zip", "OpenPositionsImport_9.xml"]);
    assert!(names_in(&work.join("in")).is_empty());
}

/// Sets the encryption flag of every entry (local and central headers), as an encrypting
/// writer would: the bean must refuse the entry before trying to read it.
fn mark_encrypted(mut zip: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 4 <= zip.len() {
        match &zip[i..i + 4] {
            b"PK\x03\x04" => zip[i + 6] |= 1,
            b"PK\x01\x02" => zip[i + 8] |= 1,
            _ => {}
        }
        i += 1;
    }
    zip
}

/// Flips a byte of the stored content `needle` (its CRC no longer matches).
fn corrupt(mut zip: Vec<u8>, needle: &[u8]) -> Vec<u8> {
    let at = zip.windows(needle.len()).position(|w| w == needle).expect("content not found");
    zip[at] ^= 0x20;
    zip
}

#[test]
fn refused_and_broken_archives_go_to_error_and_leave_nothing_unpacked() {
    let (env, gid, pid) = setup();
    let (dir, in_dir) = dirs(&env);
    let good = || E::File("OpenPositionsImport_ok.xml", positions("ok", "3"));
    let good_len = positions("ok", "3").len();
    set_param(&env, pid, -1, &(good_len + 1000).to_string());
    set_param(&env, pid, -2, "3");
    let valid = zip_bytes(&[good(), E::File("OpenPositionsImport_ok2.xml", positions("ok2", "4"))]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("slip.zip", zip_bytes(&[good(), E::File("../evil.xml", b"<x/>".to_vec())]), "entry `../evil.xml`: the path contains `..`"),
        ("slip2.zip", zip_bytes(&[good(), E::File("a/../../evil.xml", b"<x/>".to_vec())]), "zip slip"),
        ("abs.zip", zip_bytes(&[good(), E::File("/abs.xml", b"<x/>".to_vec())]), "entry `/abs.xml`: absolute path"),
        ("link.zip", zip_bytes(&[good(), E::Symlink("OpenPositionsImport_l.xml", "/etc/passwd")]), "entry `OpenPositionsImport_l.xml`: symbolic links are refused"),
        ("crypt.zip", mark_encrypted(zip_bytes(&[good()])), "entry `OpenPositionsImport_ok.xml`: encrypted entries are refused"),
        ("dup.zip", zip_bytes(&[good(), E::File("sub/OpenPositionsImport_ok.xml", b"<x/>".to_vec())]), "same file name `OpenPositionsImport_ok.xml`"),
        ("hidden.zip", zip_bytes(&[good(), E::File("dir/.profile", b"x".to_vec())]), "entry `dir/.profile`: the file name `.profile` starts with `.`"),
        ("self.zip", zip_bytes(&[good(), E::File("x/self.zip", b"x".to_vec())]), "is the archive's own name"),
        (
            "many.zip",
            zip_bytes(&[E::File("a1", vec![]), E::File("a2", vec![]), E::File("a3", vec![]), E::File("a4", vec![])]),
            "the archive has 4 entries, more than the limit of 3 (parameter UNZIP_MAX_ENTRIES, key -2)",
        ),
        (
            "bomb.zip",
            zip_bytes(&[good(), E::File("zeros.bin", vec![0u8; 50_000])]),
            "entry `zeros.bin`: the archive unpacks to more than the limit of",
        ),
        ("crc.zip", corrupt(zip_bytes(&[good(), E::Stored("plain.txt", b"some plain text that is stored".to_vec())]), b"plain text"), "entry `plain.txt`: cannot unpack (damaged or cut-off archive)"),
        ("cut.zip", valid[..valid.len() * 2 / 3].to_vec(), "not a zip archive, or a damaged or cut-off one"),
        ("text.zip", b"this is not an archive\n".to_vec(), "not a zip archive, or a damaged or cut-off one"),
        ("empty.zip", Vec::new(), "not a zip archive, or a damaged or cut-off one"),
    ];
    for (name, bytes, _) in &cases {
        std::fs::write(in_dir.join(name), bytes).unwrap();
    }
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed, r.obsolete), (0, cases.len() as i64, 0), "{:#?}", r.messages);
    assert_eq!(names_in(&in_dir), Vec::<String>::new(), "nothing unpacked, no temporaries");
    assert!(!dir.join("evil.xml").exists() && !env.path("evil.xml").exists() && !Path::new("/abs.xml").exists());
    assert!(names_in(&dir.join("done")).is_empty());
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), 0);
    for (name, bytes, reason) in &cases {
        assert_eq!(&std::fs::read(dir.join("error").join(name)).unwrap(), bytes, "{name} in error/ as it was");
        let txt = std::fs::read_to_string(dir.join("error").join(format!("{name}.error.txt"))).unwrap();
        assert!(txt.contains(reason), "{name}: {txt}");
        let row = env.query_string(&format!(r#"SELECT "state" || ':' || "errorText" FROM "ImportFileDO" WHERE "fileName" = '{name}'"#));
        assert!(row.starts_with("ERROR:") && row.contains(reason), "{name}: {row}");
    }
    // the entry that broke a limit or the archive is named as the field too
    assert_eq!(env.query_string(r#"SELECT "errorField" || ':' || "errorRecord" FROM "ImportFileDO" WHERE "fileName" = 'slip.zip'"#), "../evil.xml:2");
    assert_eq!(env.query_string(r#"SELECT "errorField" FROM "ImportFileDO" WHERE "fileName" = 'bomb.zip'"#), "zeros.bin");
}

/// The default limits (4 GiB, 100000 entries) let an ordinary archive through; a configured
/// limit that is not a number stops the group before any file is touched.
#[test]
fn default_limits_pass_ordinary_archives_and_bad_limits_are_configuration_errors() {
    let (env, gid, pid) = setup();
    let (dir, in_dir) = dirs(&env);
    let many: Vec<(String, Vec<u8>)> = (0..200).map(|i| (format!("n{i}.bin"), vec![b'x'; 100])).collect();
    let mut entries: Vec<E<'_>> = many.iter().map(|(n, b)| E::File(n, b.clone())).collect();
    entries.push(E::File("zeros.bin", vec![0u8; 8 << 20]));
    std::fs::write(in_dir.join("big.zip"), zip_bytes(&entries)).unwrap();
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed, r.obsolete), (1, 0, 201), "{:?}", r.messages);
    assert_eq!(r.records, 201);
    assert_eq!(std::fs::metadata(dir.join("obsolete/zeros.bin")).unwrap().len(), 8 << 20);
    set_param(&env, pid, -1, "4GB");
    std::fs::write(in_dir.join("next.zip"), zip_bytes(&[E::File("a.bin", vec![1])])).unwrap();
    let e = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap_err();
    assert!(e.to_string().contains("parameter UNZIP_MAX_BYTES (key -1) `4GB` is not a positive whole number"), "{e}");
    assert!(in_dir.join("next.zip").is_file());
}

/// Archives that unpack to archives: each pass of the run unpacks one level, at most
/// `MAX_ROUNDS` passes; what is left waits in in/ for the next run.
#[test]
fn nested_archives_are_bounded_by_the_passes_of_a_run() {
    let (env, gid, _) = setup();
    let (dir, in_dir) = dirs(&env);
    let levels = impex::transform::group::MAX_ROUNDS + 2;
    let mut zip = zip_bytes(&[E::File("OpenPositionsImport_deep.xml", positions("deep", "2"))]);
    for level in (1..=levels).rev() {
        let inner = format!("level{}.zip", level + 1);
        if level == levels {
            continue; // the innermost archive holds the XML file
        }
        zip = zip_bytes(&[E::File(&inner, zip)]);
    }
    std::fs::write(in_dir.join("level1.zip"), &zip).unwrap();
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed), (impex::transform::group::MAX_ROUNDS as i64, 0), "{:?}", r.messages);
    let left = format!("level{}.zip", impex::transform::group::MAX_ROUNDS + 1);
    assert_eq!(names_in(&in_dir), vec![left.clone()]);
    // the next run goes on from there
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed), (3, 0), "{:?}", r.messages);
    assert!(names_in(&in_dir).is_empty());
    assert!(dir.join("done").join(&left).is_file());
    assert_eq!(env.query_i64(r#"SELECT "openAmount" FROM "OpenPositionDO""#), 2);
}

/// Entries get their names only at the end of the archive's unit of work; when that fails (here
/// an entry's name is taken by a directory), the entries renamed before are removed again and
/// the archive goes to error/.
#[test]
fn a_failed_rename_at_the_end_removes_the_entries_placed_before() {
    let (env, gid, _) = setup();
    let (dir, in_dir) = dirs(&env);
    std::fs::create_dir(in_dir.join("blocker")).unwrap();
    std::fs::write(in_dir.join("x.zip"), zip_bytes(&[E::File("OpenPositionsImport_1.xml", positions("t1", "5")), E::File("blocker", b"x".to_vec())])).unwrap();
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed), (0, 1), "{:?}", r.messages);
    assert_eq!(names_in(&in_dir), vec!["blocker"]);
    assert!(dir.join("error/x.zip").is_file());
    let txt = env.query_string(r#"SELECT "errorText" FROM "ImportFileDO" WHERE "fileName" = 'x.zip'"#);
    assert!(txt.contains("cannot rename") && txt.contains("blocker"), "{txt}");
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "OpenPositionDO""#), 0);
}

/// kill -9 while an archive is being unpacked (`impex import` reports progress every 10,000
/// entries; 2,000 more follow, so the kill comes well before the commit): no unpacked
/// file under its name and no row; the next run removes the dead run's temporaries and unpacks
/// the archive completely.
#[test]
fn killed_unpacking_leaves_only_temporaries_and_the_next_run_unpacks_it() {
    use std::io::{BufRead, BufReader};
    let (env, gid, _) = setup();
    // unmatched entries stay in in/ (no obsolete/ moves to wait for)
    env.sql_ok(&format!(r#"UPDATE "TransformerProcessDO" SET "moveObsoleteFiles" = FALSE WHERE "transformerProcessGroupRef" = {gid};"#));
    let n = 12_000;
    let names: Vec<String> = (0..n).map(|i| format!("e{i:05}.bin")).collect();
    let entries: Vec<E<'_>> = names.iter().map(|name| E::Stored(name, name.as_bytes().to_vec())).collect();
    let in_dir = env.base().join("share/import/import_openpositions/in");
    std::fs::create_dir_all(&in_dir).unwrap();
    std::fs::write(in_dir.join("many.zip"), zip_bytes(&entries)).unwrap();
    let mut child = env
        .cmd(&["import", "--group", "import_openpositions"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "impex ended before reporting progress");
        if line.contains("many.zip: 10000 records read") {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    assert!(!child.wait().unwrap().success());
    let left = names_in(&in_dir);
    assert!(left.contains(&"many.zip".to_string()), "{:?}", &left[..5.min(left.len())]);
    assert!(left.iter().all(|f| f == "many.zip" || (f.starts_with(".e") && f.ends_with(".tmp"))), "only temporaries besides the archive");
    assert!(left.len() > 10_000);
    assert_eq!(env.query_i64(r#"SELECT count(*) FROM "ImportFileDO""#), 0);
    let r = impex::transform::run_group(&env.db(), gid, &in_dir).unwrap();
    assert_eq!((r.imported, r.failed, r.obsolete, r.records), (1, 0, n as i64, n as i64), "{:?}", r.messages);
    let left = names_in(&in_dir);
    assert_eq!(left, names, "every entry once, no temporaries");
    assert_eq!(std::fs::read(in_dir.join("e00042.bin")).unwrap(), b"e00042.bin");
    assert!(in_dir.parent().unwrap().join("done/many.zip").is_file());
}
