//! The architecture, kept by a test: the top-level modules of `src/` depend one way, and the
//! database libraries (rusqlite, postgres) are used by the storage layer only (docs/architecture.md).
//!
//! A module's references are the `crate::<module>` paths in its files (comments left out). A
//! reference must go to a module of a lower layer; a cycle (a module that refers to one that
//! refers back, directly or through others) is reported with its path.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers from the top. A module may refer to the modules of the layers below its own only.
const LAYERS: &[&[&str]] = &[
    &["cli"],
    &["http"],
    &["config"],
    &["schedule"],
    &["jobs"],
    &["transfer"],
    &["transform", "send", "auth"],
    &["order"],
    &["inventory", "document"],
    &["fs", "db"],
    &["model", "time"],
    &["error"],
];

/// Where the database library may be named: the storage layer.
const STORAGE: &str = "db";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The text of a file without its comments (`//` to the end of a line, `/* */`).
fn code(text: &str) -> String {
    let block = regex_lite_strip_blocks(text);
    block.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

fn regex_lite_strip_blocks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        match rest[i..].find("*/") {
            Some(j) => rest = &rest[i + j + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Top-level modules named in `code` as `crate::x` or `crate::{x, y::z}`.
fn references(code: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // e.g. `$crate::` in a macro, `foo_crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    refs.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                refs.insert(name);
            }
        }
    }
    refs
}

/// The storage handle's generic SQL methods: for tests, fixtures and tools. Business code uses
/// the named operations of the storage layer instead.
const GENERIC_SQL: &[&str] = &[".execute_batch(", ".execute(", ".query_rows(", ".query_i64(", ".query_value("];

struct Graph {
    /// module -> module it refers to -> files that do
    edges: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    modules: BTreeSet<String>,
    /// files outside the storage layer that name the database library
    library_users: Vec<String>,
    /// (file, method) outside the storage layer and outside tests calling generic SQL
    generic_sql: Vec<(String, &'static str)>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut g = Graph { edges: BTreeMap::new(), modules: BTreeSet::new(), library_users: Vec::new(), generic_sql: Vec::new() };
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        if top == "lib" || top == "main" {
            continue;
        }
        g.modules.insert(top.clone());
        let code = code(&std::fs::read_to_string(&f).unwrap());
        if top != STORAGE && (code.contains("rusqlite") || code.contains("libsqlite3") || code.contains("postgres::") || code.contains("tokio_postgres")) {
            g.library_users.push(rel.clone());
        }
        if top != STORAGE {
            let business = code.split("#[cfg(test)]").next().unwrap_or("");
            for m in GENERIC_SQL {
                if business.contains(m) {
                    g.generic_sql.push((rel.clone(), m));
                }
            }
        }
        for r in references(&code) {
            if r != top {
                g.edges.entry(top.clone()).or_default().entry(r).or_default().insert(rel.clone());
            }
        }
    }
    g
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// A cycle through the graph, if there is one.
fn cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(g: &Graph, m: &str, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            let mut c = stack[i..].to_vec();
            c.push(m.to_string());
            return Some(c);
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.to_string());
        for next in g.edges.get(m).map(|e| e.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            if let Some(c) = visit(g, &next, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in &g.modules {
        if let Some(c) = visit(g, m, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn top_level_modules_depend_one_way() {
    let g = graph();
    if let Some(c) = cycle(&g) {
        let steps: Vec<String> = c
            .windows(2)
            .map(|w| format!("{} -> {} (in {})", w[0], w[1], g.edges[&w[0]][&w[1]].iter().cloned().collect::<Vec<_>>().join(", ")))
            .collect();
        panic!("the modules of src/ refer to each other in a circle:\n  {}", steps.join("\n  "));
    }
    let mut wrong = Vec::new();
    for m in &g.modules {
        if layer_of(m).is_none() {
            wrong.push(format!("src/{m} is in no layer of tests/it/layering.rs: add it to LAYERS"));
        }
    }
    for (from, to) in &g.edges {
        for (m, files) in to {
            match (layer_of(from), layer_of(m)) {
                (Some(a), Some(b)) if a < b => {}
                (Some(_), Some(_)) => wrong.push(format!(
                    "{from} refers to {m}, which is not in a lower layer (in {})",
                    files.iter().cloned().collect::<Vec<_>>().join(", ")
                )),
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "layering:\n  {}", wrong.join("\n  "));
}

#[test]
fn only_the_storage_layer_uses_the_database_library() {
    let g = graph();
    assert!(g.library_users.is_empty(), "outside src/{STORAGE}/, these files use the database library: {:?}", g.library_users);
}

/// SQL text stays in the storage layer: outside it, only tests use the handle's generic methods.
#[test]
fn business_code_uses_named_storage_operations() {
    let g = graph();
    assert!(g.generic_sql.is_empty(), "outside src/{STORAGE}/ and its tests, generic SQL calls: {:?}", g.generic_sql);
}

/// The test sees what it must: a reference written either way, and a cycle.
#[test]
fn the_layering_check_finds_references_and_cycles() {
    let refs = references(&code("use crate::db::Conn;\nuse crate::{fs, model::job};\n// crate::cli in a comment\nlet x = $crate::y;"));
    assert_eq!(refs.into_iter().collect::<Vec<_>>(), ["db", "fs", "model"]);
    let mut g = Graph { edges: BTreeMap::new(), modules: ["a", "b", "c"].map(String::from).into(), library_users: Vec::new(), generic_sql: Vec::new() };
    for (x, y) in [("a", "b"), ("b", "c"), ("c", "a")] {
        g.edges.entry(x.into()).or_default().entry(y.into()).or_default().insert(format!("{x}.rs"));
    }
    assert_eq!(cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    g.edges.get_mut("c").unwrap().clear();
    assert!(cycle(&g).is_none());
}
