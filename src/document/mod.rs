//! The documents of an order (IOM's DocumentTypeDefDO: invoice, credit note, delivery note,
//! return slip, return label), rendered once as PDF, stored under the base directory with a row, and found by
//! their unguessable key for IOM's DocumentServlet-like download link (docs/orders.md,
//! "Documents").
//!
//! - [`render_missing`]: the source rows (`"InvoicingDO"`, `"DispatchDO"`,
//!   `"ReturnAnnouncementDO"`) without a `"DocumentDO"` get their PDF ([`render`]): the files
//!   of a batch are written atomically (temporary name, rename) and made durable (one `syncfs`)
//!   first, then the batch's rows in one transaction. A crash between leaves files without
//!   rows, which the next run writes again (same path) before their rows.
//! - [`for_orders`]: what the order states list.
//! - [`download`]: a document by id and key (compared in constant time), with its bytes.
pub mod render;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

use crate::db::queries::documents::{self as q, Missing, NewDocument, Source};
use crate::db::Conn;
use crate::error::{Error, Result};

/// `"DocumentTypeDefDO"` ids of the order documents.
pub const DELIVERY_NOTE: i64 = 6;
pub const INVOICE_CREDIT_NOTE: i64 = 17;
pub const INVOICE_NOTE: i64 = 18;
pub const CREDIT_NOTE: i64 = 19;
pub const RETURN_LABEL: i64 = 1;
pub const RETURN_SLIP: i64 = 7;

/// The directory of the documents below the base directory: `documents/<shop>/<order>/`.
pub const DIRECTORY: &str = "documents";

/// The order service's `OrderDocument.type` and the download's file name prefix of a
/// `"DocumentTypeDefDO"` id.
pub fn type_names(type_def: i64) -> (&'static str, &'static str) {
    match type_def {
        DELIVERY_NOTE => ("deliveryNote", "DeliveryNote"),
        CREDIT_NOTE => ("creditNote", "CreditNote"),
        RETURN_SLIP => ("returnSlip", "ReturnSlip"),
        RETURN_LABEL => ("returnLabel", "ReturnLabel"),
        _ => ("invoiceNote", "InvoiceNote"),
    }
}

/// One stored document of an order, as the order states list it (`OrderDocument` of the order
/// service 2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    pub id: i64,
    pub order_id: i64,
    pub shop_id: i64,
    /// The spec's `OrderDocument.type`, e.g. `invoiceNote`.
    pub type_name: String,
    /// The file name of the download, e.g. `InvoiceNote_2014000001.pdf`.
    pub file_name: String,
    /// The random key of the download link.
    pub key: String,
    pub creation_date: DateTime<Utc>,
    pub mime_type: String,
}

impl StoredDocument {
    /// The path of the download (the server's scheme and host go in front), in the shape of
    /// IOM's DocumentServlet: `/servlets/DocumentServlet/v1.0/<type>/<file>?k=<key>&i=<id>&s=<shop>`.
    pub fn download_path(&self) -> String {
        format!("/servlets/DocumentServlet/v1.0/{}/{}?k={}&i={}&s={}", self.type_name, self.file_name, self.key, self.id, self.shop_id)
    }
}

fn stored(row: q::DocumentRow) -> StoredDocument {
    StoredDocument {
        id: row.id,
        order_id: row.order_id,
        shop_id: row.shop_id,
        type_name: type_names(row.type_def).0.to_string(),
        file_name: row.file_name,
        key: row.key,
        creation_date: crate::time::parse(&row.creation_date).unwrap_or_default(),
        mime_type: "application/pdf".to_string(),
    }
}

/// The stored documents of these orders, oldest first per order.
pub fn for_orders(conn: &Conn, orders: &[i64]) -> Result<Vec<StoredDocument>> {
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    Ok(q::for_orders(conn, orders)?.into_iter().map(stored).collect())
}

/// What a render pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Documents written (file and row).
    pub documents: usize,
    /// Source rows that could not be rendered (logged; tried again next pass).
    pub failed: usize,
}

/// A file name part from a number of the shop or supplier: letters, digits, `-` and `_`, at
/// most 60 characters (anything else becomes `_`), so it is safe in a path and a header.
fn safe_name(text: &str) -> String {
    let s: String = text.chars().take(60).map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

/// A new random key: 32 bytes from the operating system's CSPRNG, as 64 hex digits.
pub fn new_key() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| Error::Other(format!("no random key from the operating system: {e}")))?;
    Ok(hex::encode(b))
}

/// The PDF of one source row and its row (without the key), or None when the source is gone.
fn render_one(conn: &Conn, m: &Missing) -> Result<Option<(Vec<u8>, NewDocument)>> {
    let Some(head) = q::order_head(conn, m.order_id)? else { return Ok(None) };
    let (type_def, number, bytes) = match m.source {
        Source::Invoicing => {
            let Some(inv) = q::invoice(conn, m.source_id)? else { return Ok(None) };
            let credit = m.invoice_type == CREDIT_NOTE || (m.invoice_type == INVOICE_CREDIT_NOTE && m.gross < 0);
            let positions = q::positions(conn, m.order_id)?;
            let charges = q::charges(conn, m.order_id)?;
            let bytes = render::invoice(&head, &inv, &positions, &charges, credit);
            (if credit { CREDIT_NOTE } else { INVOICE_NOTE }, inv.invoice_no, bytes)
        }
        Source::Dispatch => {
            let Some(d) = q::dispatch(conn, m.source_id)? else { return Ok(None) };
            let positions = if d.positions.is_empty() { q::positions(conn, m.order_id)? } else { Vec::new() };
            let bytes = render::delivery_note(&head, &d, &positions);
            (DELIVERY_NOTE, d.delivery_note_no.clone().unwrap_or_else(|| d.id.to_string()), bytes)
        }
        Source::ReturnAnnouncement => {
            let Some(ra) = q::return_announcement(conn, m.source_id)? else { return Ok(None) };
            (RETURN_SLIP, ra.rma_number.clone(), render::return_slip(&head, &ra))
        }
        Source::ReturnLabel => {
            let Some(ra) = q::return_announcement(conn, m.source_id)? else { return Ok(None) };
            let Some(carrier) = q::return_carrier(conn, m.source_id)? else { return Ok(None) };
            (RETURN_LABEL, ra.rma_number.clone(), render::return_label(&head, &ra, &carrier))
        }
    };
    let (type_name, prefix) = type_names(type_def);
    let path = format!("{DIRECTORY}/{}/{}/{type_name}_{}.pdf", m.shop_id, m.order_id, m.source_id);
    let doc = NewDocument {
        type_def,
        order_id: m.order_id,
        shop_id: m.shop_id,
        source: m.source,
        source_id: m.source_id,
        file_name: format!("{prefix}_{}.pdf", safe_name(&number)),
        path,
        key: String::new(),
    };
    Ok(Some((bytes, doc)))
}

/// Renders up to `limit` documents of source rows that have none: each file written atomically
/// under `base`, then all rows in one transaction (a source that got its document meanwhile
/// keeps that one). Nothing that exists is rendered again.
pub fn render_missing(conn: &mut Conn, base: &Path, limit: usize) -> Result<Rendered> {
    let missing = q::missing(conn, limit)?;
    let mut out = Rendered::default();
    let mut docs = Vec::with_capacity(missing.len());
    let mut files = Vec::with_capacity(missing.len());
    for m in &missing {
        match render_one(conn, m) {
            Ok(Some((bytes, mut doc))) => {
                let file = base.join(&doc.path);
                write_file(&file, &bytes)?;
                files.push(file);
                doc.key = new_key()?;
                docs.push(doc);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(source = ?m.source, id = m.source_id, "rendering a document failed: {e}");
                out.failed += 1;
            }
        }
    }
    if !docs.is_empty() {
        make_durable(base, &files)?;
        out.documents = q::insert(conn, &docs)?;
    }
    Ok(out)
}

/// Writes `bytes` to `file` under a temporary name, then renames it (a reader never sees half
/// a file; a crash leaves at most the temporary, removed by the next write into the directory).
/// Not yet durable: [`make_durable`] flushes the batch before its rows are written.
fn write_file(file: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io { path: file.to_path_buf(), source };
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io)?;
    crate::fs::atomic::remove_dead_temporaries(dir);
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = crate::fs::atomic::temporary_path(dir, &name);
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, file).map_err(io)
}

/// Makes the batch's files and directory entries durable: one `syncfs` of the base directory's
/// file system (Linux), else an fsync of each file and of its directory.
fn make_durable(base: &Path, files: &[PathBuf]) -> Result<()> {
    if crate::fs::sync_file_system(base) {
        return Ok(());
    }
    for f in files {
        let io = |source| Error::Io { path: f.clone(), source };
        std::fs::File::open(f).and_then(|h| h.sync_all()).map_err(io)?;
        if let Some(dir) = f.parent() {
            std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        }
    }
    Ok(())
}

/// The answer to a download request.
#[derive(Debug)]
pub enum Download {
    /// The document and its PDF.
    Found(StoredDocument, Vec<u8>),
    /// No document with this id and key (a wrong key is answered the same).
    NotFound,
}

/// The document `id` if `key` is its key (compared in constant time), with its bytes read from
/// the base directory. A document whose file is gone is not found (and logged).
pub fn download(conn: &Conn, id: i64, key: &str) -> Result<Download> {
    let Some(row) = q::by_id(conn, id)? else { return Ok(Download::NotFound) };
    if !bool::from(row.key.as_bytes().ct_eq(key.as_bytes())) {
        return Ok(Download::NotFound);
    }
    let base = crate::db::queries::config::base_path(conn)?.ok_or_else(|| Error::Other("no base directory (\"PlatformConfigDO\".\"omtBasePath\")".into()))?;
    let file: PathBuf = base.join(&row.path);
    match std::fs::read(&file) {
        Ok(bytes) => Ok(Download::Found(stored(row), bytes)),
        Err(e) => {
            tracing::warn!(document = id, path = %file.display(), "the file of a document is unreadable: {e}");
            Ok(Download::NotFound)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_64_hex_digits_and_differ() {
        let (a, b) = (new_key().unwrap(), new_key().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(safe_name("../a b/ü"), "___a_b__");
        assert_eq!(safe_name(""), "_");
    }

    /// A type 17 row with a negative gross amount becomes a credit note; the order states get it
    /// with its type, file name and creation date; the right key finds it, a wrong one not.
    #[test]
    fn a_negative_type_17_invoice_is_listed_as_a_credit_note() {
        let mut conn = crate::db::memory();
        let dir = tempfile::tempdir().unwrap();
        conn.execute_batch(&format!(
            r#"INSERT INTO "PlatformConfigDO" ("omtBasePath") VALUES ('{}');
               INSERT OR IGNORE INTO "DocumentTypeDefDO" ("id", "name") VALUES (17, 'INVOICE_CREDIT_NOTE'), (19, 'CREDIT_NOTE');
               INSERT OR IGNORE INTO "DocumentFormatDefDO" ("id", "name") VALUES (1, 'PDF');
               INSERT INTO "ShopDO" ("id", "name") VALUES (1, 'Shop');
               INSERT INTO "OrderDO" ("id", "shopRef", "shopOrderNo", "orderCreationDate") VALUES (5, 1, 'A-1', '2026-12-01 09:00:00.000');
               INSERT INTO "InvoicingDO" ("id", "invoiceNo", "shopRef", "orderRef", "documentTypeDefRef", "invoiceDate", "grossAmount", "netAmount")
               VALUES (8, 'CN/8', 1, 5, 17, '2026-12-01 10:00:00.000', -119, -100);"#,
            dir.path().display()
        ))
        .unwrap();
        let r = render_missing(&mut conn, dir.path(), 10).unwrap();
        assert_eq!(r, Rendered { documents: 1, failed: 0 });
        assert_eq!(render_missing(&mut conn, dir.path(), 10).unwrap().documents, 0);
        let docs = for_orders(&conn, &[5, 6]).unwrap();
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        assert_eq!((d.type_name.as_str(), d.file_name.as_str(), d.shop_id), ("creditNote", "CreditNote_CN_8.pdf", 1));
        assert!(d.creation_date > Utc::now() - chrono::Duration::minutes(5), "{:?}", d.creation_date);
        assert!(matches!(download(&conn, d.id, &d.key).unwrap(), Download::Found(_, ref b) if b.starts_with(b"%PDF-")));
        assert!(matches!(download(&conn, d.id, &new_key().unwrap()).unwrap(), Download::NotFound));
        assert!(for_orders(&conn, &[]).unwrap().is_empty());
    }

    #[test]
    fn download_path_has_the_servlet_shape() {
        let d = StoredDocument {
            id: 7,
            order_id: 1,
            shop_id: 10000,
            type_name: "invoiceNote".into(),
            file_name: "InvoiceNote_1.pdf".into(),
            key: "ab".into(),
            creation_date: Utc::now(),
            mime_type: "application/pdf".into(),
        };
        assert_eq!(d.download_path(), "/servlets/DocumentServlet/v1.0/invoiceNote/InvoiceNote_1.pdf?k=ab&i=7&s=10000");
    }
}
