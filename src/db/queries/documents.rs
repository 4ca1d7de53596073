//! The order documents (`src/document`, docs/orders.md "Documents"): the source rows that have
//! no `"DocumentDO"` yet, what a document shows (order, addresses, positions, invoice taxes,
//! dispatch, return announcement with reasons and return address), and the `"DocumentDO"` rows.
use crate::db::{params, Optional};

use crate::db::{Conn, StoreResult};

/// Which row a document is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `"InvoicingDO"`: an invoice or a credit note.
    Invoicing,
    /// `"DispatchDO"`: a delivery note.
    Dispatch,
    /// `"ReturnAnnouncementDO"`: a return slip.
    ReturnAnnouncement,
    /// `"ReturnAnnouncementDO"` too: its return label.
    ReturnLabel,
}

impl Source {
    fn column(self) -> &'static str {
        match self {
            Source::Invoicing => "invoicingRef",
            Source::Dispatch => "dispatchRef",
            Source::ReturnAnnouncement | Source::ReturnLabel => "returnAnnouncementRef",
        }
    }
}

/// A source row without a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub source: Source,
    pub source_id: i64,
    pub order_id: i64,
    pub shop_id: i64,
    /// `"InvoicingDO"."documentTypeDefRef"` (17, 18, 19); 0 for the others.
    pub invoice_type: i64,
    /// `"InvoicingDO"."grossAmount"` (the sign decides a type 17 row); 0 for the others.
    pub gross: i64,
}

/// Up to `limit` source rows without a document, invoices first, each kind oldest first.
/// Invoices without an order (`"orderRef"` NULL) have no order document. A return announcement
/// gets its slip (type 7) once it is accepted (`"stateDefRef"` 5000 ACCEPTED, 7000 DO_CLOSE or
/// 8000 CLOSED of `state::return_request`), and its label (type 1) then too when the
/// shop's relation to the supplier of its first position has an active return carrier
/// (`"Shop2SupplierDO"."returnCarrierRef"`, [`return_carrier`]).
pub fn missing(conn: &Conn, limit: usize) -> StoreResult<Vec<Missing>> {
    let sql = r#"
        SELECT * FROM (
          SELECT 0, i."id", i."orderRef", o."shopRef", i."documentTypeDefRef", i."grossAmount"
            FROM "InvoicingDO" i JOIN "OrderDO" o ON o."id" = i."orderRef"
           WHERE NOT EXISTS (SELECT 1 FROM "DocumentDO" d WHERE d."invoicingRef" = i."id")
          UNION ALL
          SELECT 1, x."id", x."orderRef", o."shopRef", 0, 0
            FROM "DispatchDO" x JOIN "OrderDO" o ON o."id" = x."orderRef"
           WHERE NOT EXISTS (SELECT 1 FROM "DocumentDO" d WHERE d."dispatchRef" = x."id")
          UNION ALL
          SELECT 2, r."id", r."orderRef", o."shopRef", 0, 0
            FROM "ReturnAnnouncementDO" r JOIN "OrderDO" o ON o."id" = r."orderRef"
           WHERE r."stateDefRef" IN (5000, 7000, 8000)
             AND NOT EXISTS (SELECT 1 FROM "DocumentDO" d WHERE d."returnAnnouncementRef" = r."id" AND d."documentTypeDefRef" = 7)
          UNION ALL
          SELECT 3, r."id", r."orderRef", o."shopRef", 0, 0
            FROM "ReturnAnnouncementDO" r JOIN "OrderDO" o ON o."id" = r."orderRef"
           WHERE r."stateDefRef" IN (5000, 7000, 8000)
             AND NOT EXISTS (SELECT 1 FROM "DocumentDO" d WHERE d."returnAnnouncementRef" = r."id" AND d."documentTypeDefRef" = 1)
             AND EXISTS (SELECT 1 FROM "ReturnAnnouncementPositionDO" x
                           JOIN "OrderPositionDO" p ON p."id" = x."orderPositionRef"
                           JOIN "Shop2SupplierDO" ss ON ss."shopRef" = o."shopRef" AND ss."supplierRef" = coalesce(p."supplierRef", o."supplierRef")
                           JOIN "CarrierDO" c ON c."id" = ss."returnCarrierRef" AND c."active" = 1
                          WHERE x."returnAnnouncementRef" = r."id"
                            AND x."id" = (SELECT min(y."id") FROM "ReturnAnnouncementPositionDO" y WHERE y."returnAnnouncementRef" = r."id"))
        ) AS missing ORDER BY 1, 2 LIMIT ?1"#;
    let rows = conn.query_map(sql, params![limit as i64], |r| {
        let source = match r.get::<i64>(0)? {
            0 => Source::Invoicing,
            1 => Source::Dispatch,
            2 => Source::ReturnAnnouncement,
            _ => Source::ReturnLabel,
        };
        Ok(Missing { source, source_id: r.get(1)?, order_id: r.get(2)?, shop_id: r.get(3)?, invoice_type: r.get(4)?, gross: r.get(5)? })
    })?;
    Ok(rows)
}

/// An address as the order or the debtor has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub company: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub street: Option<String>,
    pub house_number: Option<String>,
    pub addition: Option<String>,
    pub post_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
}

/// What every document of an order shows at the top.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderHead {
    pub order_id: i64,
    pub shop_id: i64,
    /// `"ShopDO"."shopName"`, else `"name"`.
    pub shop_name: String,
    pub shop_order_no: String,
    /// `"orderCreationDate"` (impex text).
    pub order_date: Option<String>,
    pub currency: String,
    pub customer_no: Option<String>,
    pub email: Option<String>,
    pub billing: Option<Address>,
    pub delivery: Option<Address>,
    /// `"OrderDO"."supplierRef"`.
    pub supplier_id: Option<i64>,
}

fn address(conn: &Conn, order: i64, kind: &str) -> StoreResult<Option<Address>> {
    Ok(conn
        .query_row(r#"SELECT "companyName", "firstName", "lastName", "street", "houseNumber", trim(coalesce("addition1", '') || ' ' || coalesce("addition2", '')),
                      "postCode", "city", "country"
                 FROM "OrderAddressDO" WHERE "orderRef" = ?1 AND "addressType" = ?2 ORDER BY "id" LIMIT 1"#, params![order, kind], |r| {
            Ok(Address {
                company: r.get(0)?,
                first_name: r.get(1)?,
                last_name: r.get(2)?,
                street: r.get(3)?,
                house_number: r.get(4)?,
                addition: r.get::<Option<String>>(5)?.filter(|s| !s.is_empty()),
                post_code: r.get(6)?,
                city: r.get(7)?,
                country: r.get(8)?,
            })
        })
        .optional()?)
}

/// The order, its shop and its addresses.
pub fn order_head(conn: &Conn, order: i64) -> StoreResult<Option<OrderHead>> {
    let head = conn
        .query_row(r#"SELECT o."id", o."shopRef", coalesce(s."shopName", s."name"), o."shopOrderNo", o."orderCreationDate", o."currency",
                      o."shopCustomerNo", o."customerEmail", o."supplierRef"
                 FROM "OrderDO" o JOIN "ShopDO" s ON s."id" = o."shopRef" WHERE o."id" = ?1"#, params![order], |r| {
            Ok(OrderHead {
                order_id: r.get(0)?,
                shop_id: r.get(1)?,
                shop_name: r.get(2)?,
                shop_order_no: r.get(3)?,
                order_date: r.get(4)?,
                currency: r.get::<Option<String>>(5)?.unwrap_or_else(|| "EUR".into()),
                customer_no: r.get(6)?,
                email: r.get(7)?,
                supplier_id: r.get(8)?,
                ..OrderHead::default()
            })
        })
        .optional()?;
    let Some(mut head) = head else { return Ok(None) };
    head.billing = address(conn, order, "BILLING")?;
    head.delivery = address(conn, order, "DELIVERY")?;
    Ok(Some(head))
}

/// A position of the order with its prices (minor units).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    pub id: i64,
    pub number: i64,
    pub article_id: String,
    pub article_name: String,
    pub quantity: i64,
    pub unit_gross: Option<i64>,
    pub sum_gross: Option<i64>,
    pub tax_type: Option<String>,
    pub supplier_id: Option<i64>,
}

/// The order's positions by number.
pub fn positions(conn: &Conn, order: i64) -> StoreResult<Vec<Position>> {
    conn.query_map(r#"SELECT p."id", p."number", p."articleId", p."articleName", p."quantity", p."unitGross", p."sumGross", t."name",
                  coalesce(p."supplierRef", o."supplierRef")
             FROM "OrderPositionDO" p JOIN "OrderDO" o ON o."id" = p."orderRef"
             LEFT JOIN "TaxTypeDefDO" t ON t."id" = p."taxTypeDefRef"
            WHERE p."orderRef" = ?1 ORDER BY p."number""#, params![order], |r| {
        Ok(Position {
            id: r.get(0)?,
            number: r.get(1)?,
            article_id: r.get(2)?,
            article_name: r.get(3)?,
            quantity: r.get(4)?,
            unit_gross: r.get(5)?,
            sum_gross: r.get(6)?,
            tax_type: r.get(7)?,
            supplier_id: r.get(8)?,
        })
    })
}

/// The order's charges (`"OrderChargeDO"` kind CHARGE): type and gross amount.
pub fn charges(conn: &Conn, order: i64) -> StoreResult<Vec<(String, i64)>> {
    conn.query_map(r#"SELECT coalesce("chargeType", 'CHARGE'), coalesce("gross", 0) FROM "OrderChargeDO" WHERE "orderRef" = ?1 AND "kind" = 'CHARGE' ORDER BY "id""#, params![order], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// An invoice or credit note with its taxes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invoice {
    pub id: i64,
    pub invoice_no: String,
    pub invoice_date: String,
    pub currency: String,
    pub gross: i64,
    pub net: i64,
    pub pay_term: Option<String>,
    /// Per tax type: name, net, tax.
    pub taxes: Vec<(String, i64, i64)>,
}

pub fn invoice(conn: &Conn, id: i64) -> StoreResult<Option<Invoice>> {
    let inv = conn
        .query_row(r#"SELECT "id", "invoiceNo", "invoiceDate", "currency", "grossAmount", "netAmount", "payTerm" FROM "InvoicingDO" WHERE "id" = ?1"#, params![id], |r| {
            Ok(Invoice {
                id: r.get(0)?,
                invoice_no: r.get(1)?,
                invoice_date: r.get(2)?,
                currency: r.get(3)?,
                gross: r.get(4)?,
                net: r.get(5)?,
                pay_term: r.get(6)?,
                taxes: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut inv) = inv else { return Ok(None) };
    let st_sql = r#"SELECT coalesce(t."description", t."name", CAST(x."taxTypeDefRef" AS TEXT)), x."netAmount", x."taxAmount"
             FROM "InvoicingTaxDO" x LEFT JOIN "TaxTypeDefDO" t ON t."id" = x."taxTypeDefRef"
            WHERE x."invoicingRef" = ?1 ORDER BY x."taxTypeDefRef" DESC"#;
    inv.taxes = conn.query_map(st_sql, params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(Some(inv))
}

/// A dispatch with what it shipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dispatch {
    pub id: i64,
    pub delivery_note_no: Option<String>,
    pub dispatch_date: String,
    pub supplier: String,
    pub supplier_order_no: Option<String>,
    pub carrier: Option<String>,
    /// `"trackingNumbers"` as stored (`;`-separated).
    pub tracking_numbers: Option<String>,
    /// Position number, article id, article name, quantity shipped (`"DispatchPositionDO"`).
    pub positions: Vec<(i64, String, String, i64)>,
}

pub fn dispatch(conn: &Conn, id: i64) -> StoreResult<Option<Dispatch>> {
    let d = conn
        .query_row(r#"SELECT x."id", x."deliveryNoteNo", x."dispatchDate", s."name", x."supplierOrderNo", c."name", x."trackingNumbers"
                 FROM "DispatchDO" x JOIN "SupplierDO" s ON s."id" = x."supplierRef" LEFT JOIN "CarrierDO" c ON c."id" = x."carrierRef"
                WHERE x."id" = ?1"#, params![id], |r| {
            Ok(Dispatch {
                id: r.get(0)?,
                delivery_note_no: r.get(1)?,
                dispatch_date: r.get(2)?,
                supplier: r.get(3)?,
                supplier_order_no: r.get(4)?,
                carrier: r.get(5)?,
                tracking_numbers: r.get(6)?,
                positions: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut d) = d else { return Ok(None) };
    let st_sql = r#"SELECT p."number", p."articleId", p."articleName", sum(x."quantity")
             FROM "DispatchPositionDO" x JOIN "OrderPositionDO" p ON p."id" = x."orderPositionRef"
            WHERE x."dispatchRef" = ?1 GROUP BY p."id" ORDER BY p."number""#;
    d.positions = conn.query_map(st_sql, params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(Some(d))
}

/// A position of a return announcement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnPosition {
    pub number: i64,
    pub article_id: String,
    pub article_name: String,
    /// The announced quantity (NULL in the row: the position's quantity).
    pub quantity: i64,
    /// The reason code as announced (`RET020`).
    pub reason: String,
    /// `"ReturnReasonDefDO"."description"` of the code, if it is one.
    pub reason_text: Option<String>,
    pub serial_numbers: Vec<String>,
}

/// A return announcement with its positions and the return address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnAnnouncement {
    pub id: i64,
    pub rma_number: String,
    pub kind: String,
    pub creation_date: String,
    pub contact: Vec<String>,
    pub positions: Vec<ReturnPosition>,
    /// `"SupplierReturnAddressDO"` lines for the shop, the supplier and the return type of the
    /// first position's reason (empty when none is configured).
    pub return_address: Vec<String>,
    /// The pickup address of a PICKUP request (name, street, post code and city, country).
    pub pickup: Vec<String>,
}

/// The return carrier of a return announcement: `"CarrierDO"."name"` of the active
/// `"Shop2SupplierDO"."returnCarrierRef"` of the shop and the supplier of its first position.
pub fn return_carrier(conn: &Conn, id: i64) -> StoreResult<Option<String>> {
    Ok(conn
        .query_row(r#"SELECT c."name"
                 FROM "ReturnAnnouncementPositionDO" x
                 JOIN "OrderPositionDO" p ON p."id" = x."orderPositionRef"
                 JOIN "OrderDO" o ON o."id" = p."orderRef"
                 JOIN "Shop2SupplierDO" ss ON ss."shopRef" = o."shopRef" AND ss."supplierRef" = coalesce(p."supplierRef", o."supplierRef")
                 JOIN "CarrierDO" c ON c."id" = ss."returnCarrierRef" AND c."active" = 1
                WHERE x."returnAnnouncementRef" = ?1 ORDER BY x."id" LIMIT 1"#, params![id], |r| r.get(0))
        .optional()?)
}

pub fn return_announcement(conn: &Conn, id: i64) -> StoreResult<Option<ReturnAnnouncement>> {
    let ra = conn
        .query_row(r#"SELECT "id", "rmaNumber", "type", "creationDate",
                      trim(coalesce("contactFirstName", '') || ' ' || coalesce("contactLastName", '')), "contactCompanyName", "contactPhone", "contactEmail",
                      trim(coalesce("pickupFirstName", '') || ' ' || coalesce("pickupLastName", '')), "pickupCompanyName",
                      trim(coalesce("pickupStreetName", '') || ' ' || coalesce("pickupStreetNumber", '')),
                      trim(coalesce("pickupAddition1", '') || ' ' || coalesce("pickupAddition2", '')),
                      trim(coalesce("pickupPostCode", '') || ' ' || coalesce("pickupCity", '')), "pickupCountry"
                 FROM "ReturnAnnouncementDO" WHERE "id" = ?1"#, params![id], |r| {
            let lines = |from: usize, to: usize| -> StoreResult<Vec<String>> {
                Ok((from..to).map(|i| r.get::<Option<String>>(i)).collect::<StoreResult<Vec<_>>>()?.into_iter().flatten().filter(|s| !s.is_empty()).collect())
            };
            Ok(ReturnAnnouncement {
                id: r.get(0)?,
                rma_number: r.get(1)?,
                kind: r.get(2)?,
                creation_date: r.get(3)?,
                contact: lines(4, 8)?,
                pickup: lines(8, 14)?,
                ..Default::default()
            })
        })
        .optional()?;
    let Some(mut ra) = ra else { return Ok(None) };
    let st_sql = r#"SELECT x."id", p."number", p."articleId", p."articleName", coalesce(x."quantity", p."quantity"), x."returnReason", d."description"
             FROM "ReturnAnnouncementPositionDO" x JOIN "OrderPositionDO" p ON p."id" = x."orderPositionRef"
             LEFT JOIN "ReturnReasonDefDO" d ON d."name" = x."returnReason"
            WHERE x."returnAnnouncementRef" = ?1 ORDER BY p."number", x."id""#;
    let rows: Vec<(i64, ReturnPosition)> = conn.query_map(st_sql, params![id], |r| {
            Ok((
                r.get(0)?,
                ReturnPosition {
                    number: r.get(1)?,
                    article_id: r.get(2)?,
                    article_name: r.get(3)?,
                    quantity: r.get(4)?,
                    reason: r.get(5)?,
                    reason_text: r.get(6)?,
                    serial_numbers: Vec::new(),
                },
            ))
        })?;
    let items_sql = r#"SELECT "serialNumber" FROM "ReturnAnnouncementItemDO" WHERE "returnAnnouncementPositionRef" = ?1 ORDER BY "id""#;
    for (pos_id, mut p) in rows {
        p.serial_numbers = conn.query_map(items_sql, params![pos_id], |r| r.get(0))?;
        ra.positions.push(p);
    }
    ra.return_address = conn
        .query_row(r#"SELECT a."addressLine1", a."addressLine2", a."addressLine3", a."addressLine4", a."addressLine5"
                 FROM "ReturnAnnouncementPositionDO" x
                 JOIN "OrderPositionDO" p ON p."id" = x."orderPositionRef"
                 JOIN "OrderDO" o ON o."id" = p."orderRef"
                 JOIN "ReturnReasonDefDO" rr ON rr."name" = x."returnReason"
                 JOIN "Supplier2ReturnTypeDefDO" st ON st."supplierRef" = coalesce(p."supplierRef", o."supplierRef") AND st."returnTypeDefRef" = rr."returnTypeDefRef"
                 JOIN "Shop2SupplierDO" ss ON ss."shopRef" = o."shopRef" AND ss."supplierRef" = st."supplierRef"
                 JOIN "SupplierReturnAddressDO" a ON a."supplier2ReturnTypeDefRef" = st."id" AND a."shop2SupplierRef" = ss."id"
                WHERE x."returnAnnouncementRef" = ?1 ORDER BY x."id" LIMIT 1"#, params![id], |r| {
            Ok([r.get::<Option<String>>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?].into_iter().flatten().filter(|s| !s.trim().is_empty()).collect())
        })
        .optional()?
        .unwrap_or_default();
    Ok(Some(ra))
}

/// A `"DocumentDO"` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRow {
    pub id: i64,
    pub type_def: i64,
    pub order_id: i64,
    pub shop_id: i64,
    pub source: Source,
    pub source_id: i64,
    pub file_name: String,
    /// Relative to the base directory.
    pub path: String,
    pub key: String,
    pub creation_date: String,
}

const COLUMNS: &str = r#""id", "documentTypeDefRef", "orderRef", "shopRef", "invoicingRef", "dispatchRef", "returnAnnouncementRef",
                         "fileName", "path", "key", "creationDate""#;

fn document_row(r: &crate::db::Row<'_>) -> StoreResult<DocumentRow> {
    let refs: [Option<i64>; 3] = [r.get(4)?, r.get(5)?, r.get(6)?];
    let (source, source_id) = match refs {
        [Some(i), _, _] => (Source::Invoicing, i),
        [_, Some(d), _] => (Source::Dispatch, d),
        [_, _, ra] => (if r.get::<i64>(1)? == 1 { Source::ReturnLabel } else { Source::ReturnAnnouncement }, ra.unwrap_or_default()),
    };
    Ok(DocumentRow {
        id: r.get(0)?,
        type_def: r.get(1)?,
        order_id: r.get(2)?,
        shop_id: r.get(3)?,
        source,
        source_id,
        file_name: r.get(7)?,
        path: r.get(8)?,
        key: r.get(9)?,
        creation_date: r.get(10)?,
    })
}

/// A new document (the id is the database's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub type_def: i64,
    pub order_id: i64,
    pub shop_id: i64,
    pub source: Source,
    pub source_id: i64,
    pub file_name: String,
    pub path: String,
    pub key: String,
}

/// Inserts the documents in one transaction; a source that got its document meanwhile (another
/// renderer) keeps that one. Returns how many were inserted.
pub fn insert(conn: &mut Conn, docs: &[NewDocument]) -> StoreResult<usize> {
    let tx = conn.write()?;
    let mut n = 0;
    for d in docs {
        let sql = format!(
            r#"INSERT OR IGNORE INTO "DocumentDO" ("documentTypeDefRef", "documentFormatDefRef", "orderRef", "shopRef", "{}", "fileName", "path", "key")
               VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7)"#,
            d.source.column()
        );
        n += tx.execute(&sql, params![d.type_def, d.order_id, d.shop_id, d.source_id, d.file_name, d.path, d.key])?;
    }
    tx.commit()?;
    Ok(n)
}

/// The documents of these orders, by order, oldest first.
pub fn for_orders(conn: &Conn, orders: &[i64]) -> StoreResult<Vec<DocumentRow>> {
    let json = super::ids_json(orders);
    let sql = format!(r#"SELECT {COLUMNS} FROM "DocumentDO" WHERE "orderRef" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1)) ORDER BY "orderRef", "creationDate", "id""#);
        conn.query_map(&sql, params![json], document_row)
}

/// A document by id.
pub fn by_id(conn: &Conn, id: i64) -> StoreResult<Option<DocumentRow>> {
    let sql = format!(r#"SELECT {COLUMNS} FROM "DocumentDO" WHERE "id" = ?1"#);
    Ok(conn.query_row(&sql, params![id], document_row).optional()?)
}

/// How many documents there are.
pub fn count(conn: &Conn) -> StoreResult<i64> {
    Ok(conn.query_row(r#"SELECT count(*) FROM "DocumentDO""#, params![], |r| r.get(0))?)
}
