//! Queries of the export (file senders, customer export): transmissions, unrouted events, and
//! the business rows each document format reads. Rows for documents come back as [`Rec`]: the
//! columns of one row as text, by name.
use crate::db::{Conn, StoreResult, Value};
use crate::db::{params, Optional};

/// One row: column name -> value as text (NULL = `None`).
#[derive(Debug, Clone, Default)]
pub struct Rec(pub Vec<(String, Option<String>)>);

impl Rec {
    pub(crate) fn from_row(row: &crate::db::Row<'_>) -> StoreResult<Rec> {
        let mut v = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let name = row.name(i)?;
            let val = match row.get::<Value>(i)? {
                Value::Null => None,
                Value::Integer(n) => Some(n.to_string()),
                Value::Real(f) => Some(f.to_string()),
                Value::Text(t) => Some(t),
                Value::Blob(t) => Some(String::from_utf8_lossy(&t).into_owned()),
            };
            v.push((name, val));
        }
        Ok(Rec(v))
    }

    /// The value of a column (None when NULL or blank).
    pub fn s(&self, col: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == col).and_then(|(_, v)| v.as_deref()).filter(|v| !v.trim().is_empty())
    }

    /// An owned optional value.
    pub fn o(&self, col: &str) -> Option<String> {
        self.s(col).map(str::to_string)
    }

    /// The value or "".
    pub fn t(&self, col: &str) -> &str {
        self.s(col).unwrap_or("")
    }

    pub fn i(&self, col: &str) -> Option<i64> {
        self.s(col).and_then(|v| v.parse().ok())
    }

    /// `"true"`/`"false"` for a 0/1 column (None when NULL).
    pub fn b(&self, col: &str) -> Option<&'static str> {
        self.i(col).map(|v| if v != 0 { "true" } else { "false" })
    }
}

fn one(conn: &Conn, sql: &str, id: i64) -> StoreResult<Option<Rec>> {
    Ok(conn.query_row(sql, params![id], Rec::from_row).optional()?)
}

pub(crate) fn many(conn: &Conn, sql: &str, id: i64) -> StoreResult<Vec<Rec>> {
    conn.query_map(sql, params![id], Rec::from_row)
}

// ---------------------------------------------------------------------------------------------
// Transmissions
// ---------------------------------------------------------------------------------------------

/// A transmission due for sending, with what the sending job needs to route it.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub state: String,
    /// `"CommunicationDO"."key"`, e.g. `XML###MESSAGE_FILE_SENDER_BEAN###SEND_DEBITOR`.
    pub key: String,
    pub retry_count: i64,
    pub max_retries: i64,
    pub retry_delay: String,
    pub file_name: Option<String>,
    pub dispatch_ref: Option<i64>,
    pub return_ref: Option<i64>,
    pub invoicing_ref: Option<i64>,
    pub debitor_ref: Option<i64>,
    pub order_ref: Option<i64>,
    pub return_announcement_ref: Option<i64>,
    pub event: Option<String>,
    /// The sending partner's shop.
    pub shop_ref: Option<i64>,
    pub receiving_partner_ref: i64,
    pub receiving_supplier: Option<i64>,
    pub receiving_finance_controller: Option<i64>,
}

const DUE_SELECT: &str = r#"
SELECT t."id", t."state", c."key", t."retryCount", cp."maxNoOfRetries", cp."retryDelay", t."fileName",
       t."dispatchRef", t."returnRef", t."invoicingRef", t."debitorRef", t."orderRef", t."returnAnnouncementRef",
       t."event", s."shopRef", t."receivingPartnerReferrerRef", r."supplierRef", r."financeControllerRef"
FROM "TransmissionDO" t
JOIN "CommunicationPartnerDO" cp ON cp."id" = t."communicationPartnerRef"
JOIN "CommunicationDO" c ON c."id" = cp."communicationRef"
JOIN "PartnerReferrerDO" s ON s."id" = t."sendingPartnerReferrerRef"
JOIN "PartnerReferrerDO" r ON r."id" = t."receivingPartnerReferrerRef""#;

fn due_from_row(r: &crate::db::Row<'_>) -> StoreResult<Due> {
    Ok(Due {
        id: r.get(0)?,
        state: r.get(1)?,
        key: r.get(2)?,
        retry_count: r.get(3)?,
        max_retries: r.get(4)?,
        retry_delay: r.get(5)?,
        file_name: r.get(6)?,
        dispatch_ref: r.get(7)?,
        return_ref: r.get(8)?,
        invoicing_ref: r.get(9)?,
        debitor_ref: r.get(10)?,
        order_ref: r.get(11)?,
        return_announcement_ref: r.get(12)?,
        event: r.get(13)?,
        shop_ref: r.get(14)?,
        receiving_partner_ref: r.get(15)?,
        receiving_supplier: r.get(16)?,
        receiving_finance_controller: r.get(17)?,
    })
}

/// Up to `limit` due transmissions with id > `after`, oldest first: INITIAL, and DO_PUSH whose
/// "nextRetryDate" <= `now`.
pub fn due(conn: &Conn, now: &str, after: i64, limit: i64) -> StoreResult<Vec<Due>> {
    let sql = format!(
        r#"{DUE_SELECT}
WHERE t."id" IN (SELECT "id" FROM "TransmissionDO" WHERE "state" = 'INITIAL' AND "id" > ?2
                 UNION ALL
                 SELECT "id" FROM "TransmissionDO" WHERE "state" = 'DO_PUSH' AND "nextRetryDate" <= ?1 AND "id" > ?2
                 ORDER BY 1 LIMIT ?3)
ORDER BY t."id""#
    );
        conn.query_map(&sql, params![now, after, limit], due_from_row)
}

/// The key of a transmission's claim: a session-level advisory lock, so a claim lives across
/// the sending run's transactions and ends with the run's connection (a node killed with
/// `kill -9` loses its claims the moment the server sees its socket close).
const CLAIM_KEY: &str = "hashtextextended('impex.TransmissionDO:' || e, 0)";

/// Claims transmissions for this sending run: returns the ids of `ids` that no other run holds,
/// now held by this connection until [`release`] or until the connection closes. On
/// PostgreSQL a claim is an advisory lock of the run's session per transmission, so runs on
/// several nodes take disjoint transmissions; on SQLite one run at a time holds the sending
/// lock, and every id is returned.
pub fn claim(conn: &Conn, ids: &[i64]) -> StoreResult<Vec<i64>> {
    if !conn.is_postgres() || ids.is_empty() {
        return Ok(ids.to_vec());
    }
    let json = super::ids_json(ids);
    // every element is tried (no LIMIT), so no lock is taken for a row not returned
    let sql = format!("SELECT CAST(e AS int8) FROM json_array_elements_text(CAST(CAST(?1 AS text) AS json)) AS e WHERE pg_try_advisory_lock({CLAIM_KEY})");
    conn.query_map(&sql, params![json], |r| r.get::<i64>(0))
}

/// Ends this run's claims of `ids` (see [`claim`]).
pub fn release(conn: &Conn, ids: &[i64]) -> StoreResult<()> {
    if !conn.is_postgres() || ids.is_empty() {
        return Ok(());
    }
    let json = super::ids_json(ids);
    let sql = format!("SELECT count(*) FROM json_array_elements_text(CAST(CAST(?1 AS text) AS json)) AS e WHERE pg_advisory_unlock({CLAIM_KEY})");
    conn.query_row(&sql, params![json], |_| Ok(()))
}

/// Stores the chosen file names of transmissions before their files are written, only while
/// each is still due and has no name (`(id, name)` pairs): on PostgreSQL one statement for
/// many (a statement is a round trip to the server).
pub fn set_file_names(conn: &Conn, names: &[(i64, String)]) -> StoreResult<usize> {
    let mut done = 0;
    if !conn.is_postgres() {
        // (SQLite: a cached statement per row costs less than building one for many)
        for (id, name) in names {
            done += conn.execute(
                r#"UPDATE "TransmissionDO" SET "fileName" = ?2 WHERE "id" = ?1 AND "fileName" IS NULL AND "state" IN ('INITIAL', 'DO_PUSH')"#,
                params![id, name],
            )?;
        }
        return Ok(done);
    }
    for part in names.chunks(VALUES_ROWS) {
        let args: Vec<&dyn crate::db::Param> = part.iter().flat_map(|(id, name)| [id as &dyn crate::db::Param, name]).collect();
        let sql = format!(
            r#"UPDATE "TransmissionDO" SET "fileName" = v."column2" FROM (VALUES {}) AS v
               WHERE "TransmissionDO"."id" = v."column1" AND "TransmissionDO"."fileName" IS NULL
                 AND "TransmissionDO"."state" IN ('INITIAL', 'DO_PUSH')"#,
            values_rows(part.len(), 0)
        );
        done += conn.execute(&sql, &args)?;
    }
    Ok(done)
}

/// Rows per multi-row `VALUES` list (two parameters each; SQLite allows 32,766 parameters).
pub(crate) const VALUES_ROWS: usize = 5000;

/// `(CAST(?a AS INTEGER), ?b), ...`: `n` rows of an integer and a value, the parameters
/// numbered after the first `skip`. `VALUES` names its columns `column1`, `column2` on both
/// backends; the rows give the planner their number, which a JSON array does not (on
/// PostgreSQL a join of two JSON arrays by position was planned as a nested loop).
pub(crate) fn values_rows(n: usize, skip: usize) -> String {
    (0..n).map(|i| format!("(CAST(?{} AS INTEGER), ?{})", skip + 2 * i + 1, skip + 2 * i + 2)).collect::<Vec<_>>().join(", ")
}

/// The state of a transmission.
pub fn state_of(conn: &Conn, id: i64) -> StoreResult<Option<String>> {
    Ok(conn.query_row(r#"SELECT "state" FROM "TransmissionDO" WHERE "id" = ?1"#, params![id], |r| r.get(0)).optional()?)
}

/// One line of `impex transmissions`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    pub id: i64,
    pub state: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub object: String,
    pub event: Option<String>,
    #[serde(rename = "communicationPartnerRef")]
    pub communication_partner_ref: i64,
    #[serde(rename = "receivingPartnerReferrerRef")]
    pub receiving_partner_ref: i64,
    #[serde(rename = "retryCount")]
    pub retry_count: i64,
    #[serde(rename = "nextRetryDate")]
    pub next_retry_date: Option<String>,
    #[serde(rename = "fileName")]
    pub file_name: Option<String>,
    #[serde(rename = "errorText")]
    pub error_text: Option<String>,
    #[serde(rename = "creationDate")]
    pub creation_date: String,
    #[serde(rename = "sentDate")]
    pub sent_date: Option<String>,
}

/// The newest `limit` transmissions (newest last), optionally of one state.
pub fn list(conn: &Conn, state: Option<&str>, limit: i64) -> StoreResult<Vec<Listed>> {
    conn.query_map(r#"SELECT t."id", t."state", COALESCE(tt."name", CAST(t."transmissionTypeDefRef" AS TEXT)),
                  CASE WHEN t."dispatchRef" IS NOT NULL THEN 'DispatchDO ' || t."dispatchRef"
                       WHEN t."returnRef" IS NOT NULL THEN 'ReturnDO ' || t."returnRef"
                       WHEN t."invoicingRef" IS NOT NULL THEN 'InvoicingDO ' || t."invoicingRef"
                       WHEN t."debitorRef" IS NOT NULL THEN 'DebitorDO ' || t."debitorRef"
                       WHEN t."orderRef" IS NOT NULL THEN 'OrderDO ' || t."orderRef"
                       ELSE 'ReturnAnnouncementDO ' || t."returnAnnouncementRef" END,
                  t."event", t."communicationPartnerRef", t."receivingPartnerReferrerRef", t."retryCount",
                  t."nextRetryDate", t."fileName", t."errorText", t."creationDate", t."sentDate"
           FROM "TransmissionDO" t LEFT JOIN "TransmissionTypeDefDO" tt ON tt."id" = t."transmissionTypeDefRef"
           WHERE t."id" IN (SELECT "id" FROM "TransmissionDO" WHERE ?1 IS NULL OR "state" = ?1 ORDER BY "id" DESC LIMIT ?2)
           ORDER BY t."id""#, params![state, limit], |r| {
        Ok(Listed {
            id: r.get(0)?,
            state: r.get(1)?,
            type_name: r.get::<Value>(2).map(|v| match v {
                Value::Text(s) => s,
                Value::Integer(i) => i.to_string(),
                _ => String::new(),
            })?,
            object: r.get(3)?,
            event: r.get(4)?,
            communication_partner_ref: r.get(5)?,
            receiving_partner_ref: r.get(6)?,
            retry_count: r.get(7)?,
            next_retry_date: r.get(8)?,
            file_name: r.get(9)?,
            error_text: r.get(10)?,
            creation_date: r.get(11)?,
            sent_date: r.get(12)?,
        })
    })
}

/// Number of transmissions, optionally of one state.
pub fn count(conn: &Conn, state: Option<&str>) -> StoreResult<i64> {
    Ok(conn.query_row(r#"SELECT count(*) FROM "TransmissionDO" WHERE ?1 IS NULL OR "state" = ?1"#, params![state], |r| r.get(0))?)
}

/// Number of transmissions per state.
pub fn count_by_state(conn: &Conn) -> StoreResult<Vec<(String, i64)>> {
    conn.query_map(r#"SELECT "state", count(*) FROM "TransmissionDO" GROUP BY "state" ORDER BY "state""#, params![], |r| Ok((r.get(0)?, r.get(1)?)))
}

/// A business event without a configured communication partner.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unrouted {
    pub id: i64,
    #[serde(rename = "communicationKey")]
    pub communication_key: String,
    #[serde(rename = "businessTable")]
    pub business_table: String,
    #[serde(rename = "businessRef")]
    pub business_ref: i64,
    #[serde(rename = "shopRef")]
    pub shop_ref: Option<i64>,
    pub event: Option<String>,
    #[serde(rename = "creationDate")]
    pub creation_date: String,
}

/// Events with no partner configured, newest last (at most `limit`, the newest ones).
pub fn unrouted(conn: &Conn, limit: i64) -> StoreResult<Vec<Unrouted>> {
    conn.query_map(r#"SELECT * FROM (SELECT "id", "communicationKey", "businessTable", "businessRef", "shopRef", "event", "creationDate"
                          FROM "ExportUnroutedEventDO" ORDER BY "id" DESC LIMIT ?1) AS newest ORDER BY "id""#, params![limit], |r| {
        Ok(Unrouted {
            id: r.get(0)?,
            communication_key: r.get(1)?,
            business_table: r.get(2)?,
            business_ref: r.get(3)?,
            shop_ref: r.get(4)?,
            event: r.get(5)?,
            creation_date: r.get(6)?,
        })
    })
}

/// Number of events with no partner configured.
pub fn unrouted_count(conn: &Conn) -> StoreResult<i64> {
    Ok(conn.query_row(r#"SELECT count(*) FROM "ExportUnroutedEventDO""#, params![], |r| r.get(0))?)
}

// ---------------------------------------------------------------------------------------------
// Partners and finance controller mappings
// ---------------------------------------------------------------------------------------------

pub fn shop(conn: &Conn, shop: i64) -> StoreResult<Option<Rec>> {
    one(conn, r#"SELECT "id", "name", "defaultCurrency", "defaultLanguage" FROM "ShopDO" WHERE "id" = ?1"#, shop)
}

/// The finance controllers of a shop, lowest id first.
pub fn shop_finance_controllers(conn: &Conn, shop: i64) -> StoreResult<Vec<i64>> {
    conn.query_map(r#"SELECT DISTINCT "financeControllerRef" FROM "Shop2FinanceControllerDO" WHERE "shopRef" = ?1 ORDER BY 1"#, params![shop], |r| r.get(0))
}

/// `"Shop2FinanceControllerDO"."financeControllerShopName"` (the MerchantID).
pub fn merchant_id(conn: &Conn, shop: i64, fc: i64) -> StoreResult<Option<String>> {
    Ok(conn.query_row(r#"SELECT "financeControllerShopName" FROM "Shop2FinanceControllerDO"
           WHERE "shopRef" = ?1 AND "financeControllerRef" = ?2 ORDER BY "id" LIMIT 1"#, params![shop, fc], |r| r.get(0))
    .optional()?)
}

/// `"FinanceController2PaymentDefDO"."financeControllerPaymentExportName"` (None: no row or NULL name).
pub fn payment_export_name(conn: &Conn, fc: i64, payment_def: i64) -> StoreResult<Option<String>> {
    Ok(conn.query_row(r#"SELECT "financeControllerPaymentExportName" FROM "FinanceController2PaymentDefDO"
           WHERE "financeControllerRef" = ?1 AND "paymentDefRef" = ?2"#, params![fc, payment_def], |r| r.get::<Option<String>>(0))
    .optional()
    .map(|o| o.flatten().filter(|s| !s.is_empty()))?)
}

/// `"FinanceController2TaxTypeDefDO"."financeControllerTaxTypeExportName"` (None: no row or NULL name).
pub fn tax_export_name(conn: &Conn, fc: i64, tax_type: i64) -> StoreResult<Option<String>> {
    Ok(conn.query_row(r#"SELECT "financeControllerTaxTypeExportName" FROM "FinanceController2TaxTypeDefDO"
           WHERE "financeControllerRef" = ?1 AND "taxTypeDefRef" = ?2"#, params![fc, tax_type], |r| r.get::<Option<String>>(0))
    .optional()
    .map(|o| o.flatten().filter(|s| !s.is_empty()))?)
}

// ---------------------------------------------------------------------------------------------
// Business rows of the documents
// ---------------------------------------------------------------------------------------------

/// A dispatch with its order's shop, payment and customer.
pub fn dispatch(conn: &Conn, id: i64) -> StoreResult<Option<Rec>> {
    if let Some(rec) = take_prefetched("DispatchDO", id) {
        return Ok(rec);
    }
    one(conn, &format!("{DISPATCH_SELECT} WHERE d.\"id\" = ?1"), id)
}

const DISPATCH_SELECT: &str = r#"SELECT d.*, o."shopRef", o."shopOrderNo", o."shopCustomerNo", o."paymentDefRef"
           FROM "DispatchDO" d JOIN "OrderDO" o ON o."id" = d."orderRef""#;
const RETURN_SELECT: &str = r#"SELECT d.*, o."shopRef", o."shopOrderNo", o."shopCustomerNo", o."paymentDefRef"
           FROM "ReturnDO" d JOIN "OrderDO" o ON o."id" = d."orderRef""#;

thread_local! {
    /// Rows read ahead for a batch of the sending run ([`prefetch`]): (table, id) -> the row, or
    /// None when there is none.
    static PREFETCHED: std::cell::RefCell<std::collections::HashMap<(&'static str, i64), Option<Rec>>> = Default::default();
}

fn take_prefetched(table: &'static str, id: i64) -> Option<Option<Rec>> {
    PREFETCHED.with(|p| p.borrow_mut().remove(&(table, id)))
}

/// Reads the rows of many dispatches and returns, with their orders' columns, in one statement
/// per table, for the next [`dispatch`] and [`return_row`] calls of this thread (each row is
/// handed out once; the next `prefetch` or [`clear_prefetched`] drops what is left). On
/// PostgreSQL each statement is a round trip, so the sending run reads a batch's rows ahead
/// instead of one per transmission.
pub fn prefetch(conn: &Conn, dispatches: &[i64], returns: &[i64]) -> StoreResult<()> {
    clear_prefetched();
    for (table, select, ids) in [("DispatchDO", DISPATCH_SELECT, dispatches), ("ReturnDO", RETURN_SELECT, returns)] {
        if ids.is_empty() {
            continue;
        }
        let json = super::ids_json(ids);
        let rows = conn.query_map(
            &format!(r#"{select} WHERE d."id" IN (SELECT CAST("value" AS INTEGER) FROM json_each(?1))"#),
            params![json],
            Rec::from_row,
        )?;
        PREFETCHED.with(|p| {
            let mut p = p.borrow_mut();
            for id in ids {
                p.insert((table, *id), None);
            }
            for rec in rows {
                if let Some(id) = rec.i("id") {
                    p.insert((table, id), Some(rec));
                }
            }
        });
    }
    Ok(())
}

/// Drops the rows [`prefetch`] read and no one took.
pub fn clear_prefetched() {
    PREFETCHED.with(|p| p.borrow_mut().clear());
}

/// A return with its order's shop, payment and customer.
pub fn return_row(conn: &Conn, id: i64) -> StoreResult<Option<Rec>> {
    if let Some(rec) = take_prefetched("ReturnDO", id) {
        return Ok(rec);
    }
    one(conn, &format!("{RETURN_SELECT} WHERE d.\"id\" = ?1"), id)
}

pub fn debitor(conn: &Conn, id: i64) -> StoreResult<Option<Rec>> {
    one(conn, r#"SELECT * FROM "DebitorDO" WHERE "id" = ?1"#, id)
}

pub fn debitor_properties(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT "key", "value" FROM "DebitorPropertyDO" WHERE "debitorRef" = ?1 ORDER BY "id""#, id)
}

/// An invoice with its debtor's type and its order's customer number.
pub fn invoicing(conn: &Conn, id: i64) -> StoreResult<Option<Rec>> {
    one(
        conn,
        r#"SELECT i.*, d."type" AS "debitorType", o."shopCustomerNo"
           FROM "InvoicingDO" i LEFT JOIN "DebitorDO" d ON d."id" = i."debitorRef"
           LEFT JOIN "OrderDO" o ON o."id" = i."orderRef" WHERE i."id" = ?1"#,
        id,
    )
}

pub fn invoicing_taxes(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(
        conn,
        r#"SELECT "taxTypeDefRef", "netAmount", "taxAmount" FROM "InvoicingTaxDO" WHERE "invoicingRef" = ?1 ORDER BY "id""#,
        id,
    )
}

/// An order with its shop's and carrier's names.
pub fn order(conn: &Conn, id: i64) -> StoreResult<Option<Rec>> {
    one(
        conn,
        r#"SELECT o.*, s."name" AS "shopName", c."name" AS "carrierName"
           FROM "OrderDO" o JOIN "ShopDO" s ON s."id" = o."shopRef" LEFT JOIN "CarrierDO" c ON c."id" = o."carrierRef"
           WHERE o."id" = ?1"#,
        id,
    )
}

pub fn order_addresses(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(
        conn,
        r#"SELECT * FROM "OrderAddressDO" WHERE "orderRef" = ?1
           ORDER BY CASE "addressType" WHEN 'DELIVERY' THEN 0 WHEN 'BILLING' THEN 1 ELSE 2 END, "id""#,
        id,
    )
}

/// The positions of an order with their supplier (a position without one belongs to the order's
/// supplier) and tax type name.
pub fn order_positions(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(
        conn,
        r#"SELECT p.*, COALESCE(p."supplierRef", o."supplierRef") AS "effectiveSupplierRef", t."name" AS "taxTypeName"
           FROM "OrderPositionDO" p JOIN "OrderDO" o ON o."id" = p."orderRef"
           LEFT JOIN "TaxTypeDefDO" t ON t."id" = p."taxTypeDefRef"
           WHERE p."orderRef" = ?1 ORDER BY p."number""#,
        id,
    )
}

pub fn order_charges(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT * FROM "OrderChargeDO" WHERE "orderRef" = ?1 ORDER BY "id""#, id)
}

/// Properties of an order (`positionRef` NULL) and of its positions.
pub fn order_properties(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT * FROM "OrderPropertyDO" WHERE "orderRef" = ?1 ORDER BY "id""#, id)
}

/// A return announcement with its order's shop and shop order number.
pub fn return_announcement(conn: &Conn, id: i64) -> StoreResult<Option<Rec>> {
    one(
        conn,
        r#"SELECT ra.*, o."shopRef", o."shopOrderNo" FROM "ReturnAnnouncementDO" ra JOIN "OrderDO" o ON o."id" = ra."orderRef"
           WHERE ra."id" = ?1"#,
        id,
    )
}

/// The positions of a return announcement with their order position and its supplier.
pub fn return_announcement_positions(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(
        conn,
        r#"SELECT rp."id", rp."quantity", rp."returnReason", p."articleId", p."supplierArticleNo", p."articleName",
                  COALESCE(p."supplierRef", o."supplierRef") AS "supplierRef"
           FROM "ReturnAnnouncementPositionDO" rp
           JOIN "OrderPositionDO" p ON p."id" = rp."orderPositionRef"
           JOIN "OrderDO" o ON o."id" = p."orderRef"
           WHERE rp."returnAnnouncementRef" = ?1 ORDER BY rp."id""#,
        id,
    )
}

pub fn return_announcement_items(conn: &Conn, position: i64) -> StoreResult<Vec<Rec>> {
    many(
        conn,
        r#"SELECT "serialNumber" FROM "ReturnAnnouncementItemDO" WHERE "returnAnnouncementPositionRef" = ?1 ORDER BY "id""#,
        position,
    )
}

pub fn return_announcement_properties(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(
        conn,
        r#"SELECT "groupId", "key", "value" FROM "ReturnAnnouncementPropertyDO" WHERE "returnAnnouncementRef" = ?1 ORDER BY "id""#,
        id,
    )
}

/// The supplier's order number for an order (from its dispatches), if any.
pub fn supplier_order_no(conn: &Conn, order: i64, supplier: i64) -> StoreResult<Option<String>> {
    Ok(conn.query_row(r#"SELECT "supplierOrderNo" FROM "DispatchDO" WHERE "orderRef" = ?1 AND "supplierRef" = ?2
           AND "supplierOrderNo" IS NOT NULL ORDER BY "id" LIMIT 1"#, params![order, supplier], |r| r.get(0))
    .optional()?)
}

// ---------------------------------------------------------------------------------------------
// Customer export
// ---------------------------------------------------------------------------------------------

/// Every customer export configuration (enabled or not).
pub fn customer_export_configs(conn: &Conn) -> StoreResult<Vec<Rec>> {
    conn.query_map(r#"SELECT * FROM "CustomerExportConfigDO" ORDER BY "id""#, params![], Rec::from_row)
}

/// Ids of the customers of a shop to export: all (`since` None), or those changed after `since`
/// (and, with `new_too`, those created after it).
pub fn customers_to_export(conn: &Conn, shop: i64, since: Option<&str>, new_too: bool) -> StoreResult<Vec<i64>> {
    conn.query_map(r#"SELECT "id" FROM "CustomerDO" WHERE "shopRef" = ?1
             AND (?2 IS NULL
                  OR ("creationDate" > ?2 AND ?3)
                  OR ("modificationDate" > ?2 AND "creationDate" <= ?2))
           ORDER BY "id""#, params![shop, since, new_too], |r| r.get(0))
}

pub fn customer(conn: &Conn, id: i64) -> StoreResult<Option<Rec>> {
    one(conn, r#"SELECT * FROM "CustomerDO" WHERE "id" = ?1"#, id)
}

pub fn customer_addresses(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(
        conn,
        r#"SELECT * FROM "CustomerAddressDO" WHERE "customerRef" = ?1
           ORDER BY CASE "addressType" WHEN 'SHIPPING' THEN 0 WHEN 'BILLING' THEN 1 ELSE 2 END, "id""#,
        id,
    )
}

pub fn customer_bank_accounts(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT * FROM "CustomerBankAccountDO" WHERE "customerRef" = ?1 ORDER BY "id""#, id)
}

pub fn customer_scorings(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT * FROM "CustomerScoringDO" WHERE "customerRef" = ?1 ORDER BY "id""#, id)
}

pub fn customer_properties(conn: &Conn, id: i64) -> StoreResult<Vec<Rec>> {
    many(conn, r#"SELECT * FROM "CustomerPropertyDO" WHERE "customerRef" = ?1 ORDER BY "id""#, id)
}

/// Records a finished customer export run.
pub fn customer_export_done(
    conn: &Conn,
    id: i64,
    version: Option<&str>,
    last_export: &str,
    last_full: Option<&str>,
) -> StoreResult<usize> {
    Ok(conn.execute(
        r#"UPDATE "CustomerExportConfigDO" SET "exportVersion" = COALESCE(?2, "exportVersion"), "lastExport" = ?3,
               "lastFullExport" = COALESCE(?4, "lastFullExport"), "startTimeControlApp" = NULL, "version" = "version" + 1
           WHERE "id" = ?1"#,
        params![id, version, last_export, last_full],
    )?)
}
