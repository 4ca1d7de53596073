//! The transmissions' read model of the Transmission REST API 2.0 (`send::api`): one row per
//! `"TransmissionDO"` with its group, type, partners, order and invoice, searched by filter with
//! paging and sorting. State changes are in [`crate::db::state::transmission`].
use crate::db::params;
use crate::db::{Conn, StoreResult};
use crate::db::Value as V;
use crate::db::{Optional, Row};

/// The group of a transmission by its business object (IOM's `transmissionTypeGroup`).
pub const GROUP_SQL: &str = r#"CASE WHEN t."orderRef" IS NOT NULL THEN 'ORDERTRANSMISSION'
            WHEN t."dispatchRef" IS NOT NULL THEN 'DISPATCHTRANSMISSION'
            WHEN t."returnRef" IS NOT NULL THEN 'RETURNTRANSMISSION'
            WHEN t."invoicingRef" IS NOT NULL THEN 'INVOICETRANSMISSION'
            WHEN t."debitorRef" IS NOT NULL THEN 'PAYMENTTRANSMISSION'
            ELSE 'RETURNANNOUNCEMENTTRANSMISSION' END"#;

/// The business object column of each group impex produces.
pub const GROUP_COLUMNS: &[(&str, &str)] = &[
    ("ORDERTRANSMISSION", "orderRef"),
    ("DISPATCHTRANSMISSION", "dispatchRef"),
    ("RETURNTRANSMISSION", "returnRef"),
    ("INVOICETRANSMISSION", "invoicingRef"),
    ("PAYMENTTRANSMISSION", "debitorRef"),
    ("RETURNANNOUNCEMENTTRANSMISSION", "returnAnnouncementRef"),
];

const SELECT: &str = r#"SELECT * FROM (
SELECT t."id" AS "id", GROUP_SQL AS "grp", tt."name" AS "typeName", t."state" AS "state",
       t."creationDate" AS "creationDate", t."modificationDate" AS "modificationDate", t."retryCount" AS "retryCount",
       t."nextRetryDate" AS "nextRetryDate", t."errorText" AS "errorText",
       sp."shopRef" AS "shopId", sh."name" AS "shopName", rp."supplierRef" AS "supplierId", su."name" AS "supplierName",
       CASE WHEN rp."shopRef" IS NOT NULL THEN 'SHOP' WHEN rp."supplierRef" IS NOT NULL THEN 'SUPPLIER'
            WHEN rp."paymentProviderRef" IS NOT NULL THEN 'PAYMENTPROVIDER' WHEN rp."financeControllerRef" IS NOT NULL THEN 'FINANCECONTROLLER'
            WHEN rp."carrierRef" IS NOT NULL THEN 'CARRIER' WHEN rp."bonusPartnerRef" IS NOT NULL THEN 'BONUSPARTNER' END AS "receiverType",
       o."id" AS "orderId", o."shopOrderNo" AS "shopOrderNo",
       t."invoicingRef" AS "invoiceId", coalesce(i."invoiceNo", d."invoiceNo", r."invoiceNo") AS "invoiceNo",
       CASE t."state" WHEN 'PUSHED' THEN t."sentDate" WHEN 'DO_PUSH' THEN t."modificationDate"
                      WHEN 'DO_MANUAL_CHECK' THEN t."modificationDate" END AS "retryDate"
FROM "TransmissionDO" t
LEFT JOIN "TransmissionTypeDefDO" tt ON tt."id" = t."transmissionTypeDefRef"
LEFT JOIN "PartnerReferrerDO" sp ON sp."id" = t."sendingPartnerReferrerRef"
LEFT JOIN "ShopDO" sh ON sh."id" = sp."shopRef"
LEFT JOIN "PartnerReferrerDO" rp ON rp."id" = t."receivingPartnerReferrerRef"
LEFT JOIN "SupplierDO" su ON su."id" = rp."supplierRef"
LEFT JOIN "DispatchDO" d ON d."id" = t."dispatchRef"
LEFT JOIN "ReturnDO" r ON r."id" = t."returnRef"
LEFT JOIN "InvoicingDO" i ON i."id" = t."invoicingRef"
LEFT JOIN "ReturnAnnouncementDO" ra ON ra."id" = t."returnAnnouncementRef"
LEFT JOIN "OrderDO" o ON o."id" = coalesce(t."orderRef", d."orderRef", r."orderRef", i."orderRef", ra."orderRef")
INNER_WHERE
) x"#;

/// One transmission as the Transmission API shows it (timestamps in impex's text format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransmissionView {
    pub id: i64,
    pub group: String,
    pub type_name: Option<String>,
    pub state: String,
    pub creation_date: String,
    pub modification_date: String,
    pub retry_count: i64,
    pub next_retry_date: Option<String>,
    pub error_text: Option<String>,
    pub shop_id: Option<i64>,
    pub shop_name: Option<String>,
    pub supplier_id: Option<i64>,
    pub supplier_name: Option<String>,
    pub receiver_type: Option<String>,
    pub order_id: Option<i64>,
    pub shop_order_no: Option<String>,
    pub invoice_id: Option<i64>,
    pub invoice_no: Option<String>,
    /// The last attempt: `sentDate` of a PUSHED one, the last change of a failed one.
    pub retry_date: Option<String>,
}

fn view(r: &Row<'_>) -> StoreResult<TransmissionView> {
    Ok(TransmissionView {
        id: r.get("id")?,
        group: r.get("grp")?,
        type_name: r.get("typeName")?,
        state: r.get("state")?,
        creation_date: r.get("creationDate")?,
        modification_date: r.get("modificationDate")?,
        retry_count: r.get("retryCount")?,
        next_retry_date: r.get("nextRetryDate")?,
        error_text: r.get("errorText")?,
        shop_id: r.get("shopId")?,
        shop_name: r.get("shopName")?,
        supplier_id: r.get("supplierId")?,
        supplier_name: r.get("supplierName")?,
        receiver_type: r.get("receiverType")?,
        order_id: r.get("orderId")?,
        shop_order_no: r.get("shopOrderNo")?,
        invoice_id: r.get("invoiceId")?,
        invoice_no: r.get("invoiceNo")?,
        retry_date: r.get("retryDate")?,
    })
}

/// The sortable attributes (`sortBy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransmissionOrder {
    #[default]
    Id,
    TransmissionType,
    Status,
    /// impex has no response status: ordered by id.
    ResponseStatus,
    CreationDate,
    ModificationDate,
    ShopId,
    ShopName,
    SupplierId,
    SupplierName,
    ReceiverType,
    RetryCount,
    RetryDate,
    NextRetryDate,
    InvoiceNumber,
}

impl TransmissionOrder {
    fn column(self) -> &'static str {
        match self {
            TransmissionOrder::Id | TransmissionOrder::ResponseStatus => r#"x."id""#,
            TransmissionOrder::TransmissionType => r#"x."typeName""#,
            TransmissionOrder::Status => r#"x."state""#,
            TransmissionOrder::CreationDate => r#"x."creationDate""#,
            TransmissionOrder::ModificationDate => r#"x."modificationDate""#,
            TransmissionOrder::ShopId => r#"x."shopId""#,
            TransmissionOrder::ShopName => r#"x."shopName""#,
            TransmissionOrder::SupplierId => r#"x."supplierId""#,
            TransmissionOrder::SupplierName => r#"x."supplierName""#,
            TransmissionOrder::ReceiverType => r#"x."receiverType""#,
            TransmissionOrder::RetryCount => r#"x."retryCount""#,
            TransmissionOrder::RetryDate => r#"x."retryDate""#,
            TransmissionOrder::NextRetryDate => r#"x."nextRetryDate""#,
            TransmissionOrder::InvoiceNumber => r#"x."invoiceNo""#,
        }
    }
}

/// A search: the group is required, empty lists do not filter.
#[derive(Debug, Clone, Default)]
pub struct TransmissionSearch {
    /// A group impex produces (see [`GROUP_COLUMNS`]); another one finds nothing.
    pub group: String,
    /// impex timestamp text, inclusive.
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub type_names: Vec<String>,
    pub states: Vec<String>,
    pub receiver_types: Vec<String>,
    pub shop_ids: Vec<i64>,
    pub supplier_ids: Vec<i64>,
    pub shop_order_numbers: Vec<String>,
    pub invoice_numbers: Vec<String>,
    /// False when the filter asks for response statuses none of which impex has.
    pub any_response_status: bool,
    pub order: TransmissionOrder,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

fn where_of(f: &TransmissionSearch, vals: &mut Vec<V>) -> (String, String) {
    let mut ph = |v: V| {
        vals.push(v);
        format!("?{}", vals.len())
    };
    let mut inner = Vec::new();
    match GROUP_COLUMNS.iter().find(|(g, _)| *g == f.group) {
        Some((_, col)) => inner.push(format!(r#"t."{col}" IS NOT NULL"#)),
        None => inner.push("1 = 0".to_string()),
    }
    if let Some(from) = &f.created_from {
        inner.push(format!(r#"t."creationDate" >= {}"#, ph(V::Text(from.clone()))));
    }
    if let Some(to) = &f.created_to {
        inner.push(format!(r#"t."creationDate" <= {}"#, ph(V::Text(to.clone()))));
    }
    if !f.states.is_empty() {
        let l: Vec<String> = f.states.iter().map(|s| ph(V::Text(s.clone()))).collect();
        inner.push(format!(r#"t."state" IN ({})"#, l.join(", ")));
    }
    if !f.any_response_status {
        inner.push("1 = 0".to_string());
    }
    let mut outer = Vec::new();
    let mut texts = |col: &str, l: &[String], outer: &mut Vec<String>| {
        if !l.is_empty() {
            let l: Vec<String> = l.iter().map(|s| ph(V::Text(s.clone()))).collect();
            outer.push(format!(r#"x."{col}" IN ({})"#, l.join(", ")));
        }
    };
    texts("typeName", &f.type_names, &mut outer);
    texts("receiverType", &f.receiver_types, &mut outer);
    texts("shopOrderNo", &f.shop_order_numbers, &mut outer);
    texts("invoiceNo", &f.invoice_numbers, &mut outer);
    let mut ints = |col: &str, l: &[i64], outer: &mut Vec<String>| {
        if !l.is_empty() {
            let l: Vec<String> = l.iter().map(|s| ph(V::Integer(*s))).collect();
            outer.push(format!(r#"x."{col}" IN ({})"#, l.join(", ")));
        }
    };
    ints("shopId", &f.shop_ids, &mut outer);
    ints("supplierId", &f.supplier_ids, &mut outer);
    let outer = if outer.is_empty() { String::new() } else { format!("WHERE {}", outer.join(" AND ")) };
    (format!("WHERE {}", inner.join(" AND ")), outer)
}

fn select(inner: &str) -> String {
    SELECT.replace("GROUP_SQL", GROUP_SQL).replace("INNER_WHERE", inner)
}

/// One page of matching transmissions and the total count without paging (ties by id).
pub fn search(conn: &Conn, f: &TransmissionSearch) -> StoreResult<(Vec<TransmissionView>, i64)> {
    let mut vals = Vec::new();
    let (inner, outer) = where_of(f, &mut vals);
    let base = select(&inner);
    let total: i64 = conn.query_row(&format!("SELECT count(*) FROM ({base} {outer}) AS matching"), &crate::db::refs(&vals), |r| r.get(0))?;
    let dir = if f.descending { "DESC" } else { "ASC" };
    let n = vals.len();
    vals.push(V::Integer(f.limit));
    vals.push(V::Integer(f.offset));
    let sql = format!(r#"{base} {outer} ORDER BY {} {dir}, x."id" {dir} LIMIT ?{} OFFSET ?{}"#, f.order.column(), n + 1, n + 2);
    let rows = conn.query_map(&sql, &crate::db::refs(&vals), view)?;
    Ok((rows, total))
}

/// The ids of every matching transmission (paging ignored), by id.
pub fn matching_ids(conn: &Conn, f: &TransmissionSearch) -> StoreResult<Vec<i64>> {
    let mut vals = Vec::new();
    let (inner, outer) = where_of(f, &mut vals);
    let rows = conn.query_map(&format!(r#"SELECT x."id" FROM ({}) x {outer} ORDER BY x."id""#, select(&inner)), &crate::db::refs(&vals), |r| r.get(0))?;
    Ok(rows)
}

/// One transmission.
pub fn by_id(conn: &Conn, id: i64) -> StoreResult<Option<TransmissionView>> {
    let st_sql = &select(r#"WHERE t."id" = ?1"#);
    Ok(conn.query_row(st_sql, params![id], view).optional()?)
}

/// (name, description) of the given transmission types that exist in `"TransmissionTypeDefDO"`.
pub fn type_descriptions(conn: &Conn) -> StoreResult<Vec<(String, Option<String>)>> {
    conn.query_map(r#"SELECT "name", "description" FROM "TransmissionTypeDefDO" ORDER BY "id""#, params![], |r| Ok((r.get(0)?, r.get(1)?)))
}
