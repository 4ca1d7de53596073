//! Support for the export tests (tests/it/export.rs): the configuration and business SQL
//! (tests/export_support/, also used by bench/export.sh), the sqlite3 shell, xmllint XSD
//! validation and structure comparison with the reference examples.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::env::TestEnv;

/// CommunicationPartnerDO rows for every file sender key, partner referrers, finance controller
/// mappings (as the reference writes them).
pub const CONFIG: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/export_support/config.sql"
));
/// Business events in plain SQLite.
pub const BUSINESS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/export_support/business.sql"
));

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn xsd(name: &str) -> PathBuf {
    repo().join("tests/xsd").join(name)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/export").join(name)).unwrap()
}

/// Runs SQL with the real `sqlite3` shell (no impex involved: foreign keys off, no impex
/// functions); on PostgreSQL with `psql`.
pub fn sqlite3(env: &TestEnv, sql: &str) {
    use std::io::Write;
    if let Some(url) = &env.pg {
        let mut child = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url])
            .env("PGPASSWORD", super::postgres::PASSWORD)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("psql");
        child.stdin.take().unwrap().write_all(sql.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "psql failed:\n{}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let mut child = Command::new("sqlite3")
        .arg(env.db())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the sqlite3 shell is needed (tests/install-deps.sh installs it)");
    child.stdin.take().unwrap().write_all(format!(".bail on\n{sql}").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "sqlite3 failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

pub fn outbox(env: &TestEnv) -> PathBuf {
    env.base().join("communication/messages/out")
}

/// Names of the files in a directory, sorted (hidden files included).
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Validates `file` with `xmllint --noout --schema tests/xsd/<xsd>`; panics with xmllint's words.
pub fn validate(xsd_name: &str, file: &Path) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd(xsd_name))
        .arg(file)
        .output()
        .expect("xmllint is needed (Debian libxml2-utils; tests/install-deps.sh installs it)");
    assert!(
        out.status.success(),
        "{} does not validate against {xsd_name}:\n{}\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(file).unwrap_or_default()
    );
}

/// The root element's name and namespace declarations, and every element path (local names
/// with their prefix, `/`-joined) of a document.
pub fn structure(xml: &str) -> (String, Vec<String>, BTreeSet<String>) {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut paths = BTreeSet::new();
    let mut root = String::new();
    let mut ns = Vec::new();
    loop {
        match r.read_event().unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}")) {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                if stack.is_empty() {
                    root = name.clone();
                    ns = namespaces(&e);
                }
                stack.push(name);
                paths.insert(stack.join("/"));
            }
            Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                if stack.is_empty() {
                    root = name.clone();
                    ns = namespaces(&e);
                }
                paths.insert(format!("{}/{name}", stack.join("/")).trim_start_matches('/').to_string());
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (root, ns, paths)
}

fn namespaces(e: &quick_xml::events::BytesStart<'_>) -> Vec<String> {
    let mut v: Vec<String> = e
        .attributes()
        .flatten()
        .filter(|a| a.key.as_ref().starts_with("xmlns"))
        .map(|a| format!("{}={}", a.key.as_ref(), a.value))
        .collect();
    v.sort();
    v
}

/// Asserts that `generated` has the reference example's root and namespaces, and that every
/// element path it uses appears in the example or in `extras` (documented additions).
pub fn same_structure(generated: &str, example: &str, extras: &[&str]) {
    let (groot, gns, gpaths) = structure(generated);
    let (eroot, ens, epaths) = structure(example);
    assert_eq!(groot, eroot, "root element");
    assert_eq!(gns, ens, "namespace declarations of {groot}");
    let unknown: Vec<&String> = gpaths.iter().filter(|p| !epaths.contains(*p) && !extras.contains(&p.as_str())).collect();
    assert!(unknown.is_empty(), "{groot}: paths not in the reference example: {unknown:?}\n{generated}");
}
