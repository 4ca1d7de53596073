//! The transformer bean contract and the registry of beans: a `"TransformerProcessDO"` names
//! its bean by `"transformerBeanDefRef"`; [`BeanDef::build`] checks the process's parameters
//! and returns the [`Transformer`] that imports one file inside its unit of work.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::db::{Conn, Tx};

use super::{articles, open_positions, opentrans_dispatch, payment_histories, store_order, unzip, ConfigError, ImportError};

/// The parameters of one `"TransformerProcessDO"` (`"TransformerProcessParameterDO"` by key id).
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub process_id: i64,
    pub values: HashMap<i64, String>,
}

/// Parameter key 1.
pub const SHOP_ID: i64 = 1;
/// Parameter key 4.
pub const SOURCE_FILENAME: i64 = 4;

impl Params {
    /// The shop (parameter 1 SHOP_ID), mandatory for the beans that import business data.
    pub fn shop_id(&self) -> Result<i64, ConfigError> {
        let v = self.values.get(&SHOP_ID).ok_or_else(|| {
            ConfigError(format!(
                "\"TransformerProcessDO\" id {}: parameter SHOP_ID (key 1) is missing: add a \"TransformerProcessParameterDO\" row",
                self.process_id
            ))
        })?;
        v.trim().parse().map_err(|_| {
            ConfigError(format!("\"TransformerProcessDO\" id {}: parameter SHOP_ID (key 1) `{v}` is not a shop id", self.process_id))
        })
    }
}

/// What a bean gets for one file: the file's transaction and where it is.
pub struct Ctx<'a> {
    pub tx: &'a Tx<'a>,
    pub import_file_id: i64,
    pub file_name: &'a str,
    /// The transform directory the file belongs to (the group's `in/`; for a file given to
    /// `impex import`, where its copy goes), where files a bean produces are placed.
    pub dir: &'a Path,
    pub(super) progress: &'a mut dyn FnMut(u64, u64),
    pub(super) produced: &'a mut Vec<Produced>,
}

/// A file a bean produced for the next stage of the group run: a complete, synced hidden
/// temporary file in [`Ctx::dir`] and the name it gets there.
#[derive(Debug)]
pub struct Produced {
    pub temporary: PathBuf,
    pub target: PathBuf,
}

impl Ctx<'_> {
    /// Reports progress: bytes read and records imported so far.
    pub fn progress(&mut self, bytes: u64, records: u64) {
        (self.progress)(bytes, records)
    }

    /// Hands over a produced file: it is renamed from `temporary` to `target` just before the
    /// file's unit of work commits (replacing a file of that name), and removed when the unit
    /// of work fails. So a produced file appears only with the commit of what produced it.
    pub fn produce(&mut self, temporary: PathBuf, target: PathBuf) {
        self.produced.push(Produced { temporary, target });
    }
}

/// A configured bean: imports one file.
pub trait Transformer {
    /// Imports the file `file` inside `ctx.tx`; returns the number of records. XML beans read it
    /// with [`super::xml_input::XmlInput::open`].
    fn import(&self, ctx: &mut Ctx<'_>, file: &Path) -> Result<u64, ImportError>;

    /// True when the bean itself checks every reference it writes (invoice, debtor, mapped
    /// ids): SQLite's per-row foreign key checks are then switched off for the file's
    /// transaction (bulk files import about a third faster).
    fn checks_references(&self) -> bool {
        false
    }
}

/// Checks a process's parameters and builds its transformer.
pub type BuildFn = fn(&Conn, &Params) -> Result<Box<dyn Transformer>, ConfigError>;

/// A transformer bean known to impex, by `"TransformerBeanDefDO"` id.
pub struct BeanDef {
    pub def_id: i64,
    pub name: &'static str,
    /// Checks the process's parameters and the configuration it needs.
    pub build: BuildFn,
}

/// Every bean impex knows. Each seeded `"TransformerBeanDefDO"` row has one.
pub static BEANS: &[BeanDef] = &[
    BeanDef { def_id: 19, name: "UnzipBean", build: unzip::build },
    BeanDef { def_id: 22, name: "ImportXmlOpenpositionsBean", build: open_positions::build },
    BeanDef { def_id: 23, name: "ImportXmlPaymenthistoriesBean", build: payment_histories::build },
    BeanDef { def_id: -10000, name: "ImportXmlStoreOrderBean", build: store_order::build },
    BeanDef { def_id: -10200, name: "ImportXmlOpenTransDispatchBean", build: opentrans_dispatch::build },
    BeanDef { def_id: -10300, name: "ImportCsvArticleBean", build: articles::build },
];

/// The bean of a `"TransformerBeanDefDO"` id.
pub fn bean(def_id: i64) -> Option<&'static BeanDef> {
    BEANS.iter().find(|b| b.def_id == def_id)
}

/// Checks a process's parameters as a group run would before touching a file (`impex check`):
/// builds its bean and drops it. `Ok` for a bean this impex does not know (reported apart).
pub fn check_process(conn: &Conn, process_id: i64, bean_id: i64) -> Result<(), ConfigError> {
    let Some(def) = bean(bean_id) else { return Ok(()) };
    let params = Params { process_id, values: crate::db::queries::import::process_params(conn, process_id)? };
    (def.build)(conn, &params).map(drop)
}

/// Names of the beans (for `impex check` style messages and tests).
pub fn bean_names() -> Vec<(i64, &'static str)> {
    BEANS.iter().map(|b| (b.def_id, b.name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bean_ids_and_names_unique() {
        let mut ids: Vec<i64> = BEANS.iter().map(|b| b.def_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), BEANS.len());
        let mut names: Vec<&str> = BEANS.iter().map(|b| b.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), BEANS.len());
    }

    #[test]
    fn seeded_beans_have_an_implementation() {
        let mut seen = Vec::new();
        for line in crate::db::seed::REFERENCE.lines() {
            if let Some(rest) = line.trim().strip_prefix('(') {
                if rest.contains("Bean'") {
                    let id: i64 = rest.split(',').next().unwrap().trim().parse().unwrap();
                    let name = rest.split('\'').nth(1).unwrap();
                    let b = bean(id).unwrap_or_else(|| panic!("no bean for seeded id {id} ({name})"));
                    assert_eq!(b.name, name);
                    seen.push(id);
                }
            }
        }
        assert!(seen.contains(&19) && seen.contains(&22), "the seed's bean rows were not found: {seen:?}");
    }
}
