//! IOM's order states derived from impex's rows (see [`super`]; docs/orders.md, "Order states"
//! and "Payment state"): [`order_status`], the one pure function from an order's (or a
//! position's) quantities to IOM's order state name, the web shop's name of it
//! ([`OrderStatus::shop_status`]), and the order service's `OrderState` bodies of
//! `GET /shops/{shopId}/order-states` ([`search`]) and `.../order-states/modified`
//! ([`modified`]).
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use crate::db::queries::order_states as q;
use crate::db::queries::order_status as pay;
use crate::db::Conn;
use crate::error::ServiceError;

/// The search of `order-states` (filters and sorting), as the storage reads it.
pub use crate::db::queries::order_states::{OrderSearch, SortColumn};

/// The media type of the order service 2.4.
pub const MEDIA_TYPE: &str = "application/vnd.intershop.order.v2+json";

/// IOM's order states ("Order Status Model") impex derives, with their ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Initial,
    NotChecked,
    NotCheckedDoCancel,
    DoApprove,
    NotApproved,
    CheckAnnounced,
    NotAnnounced,
    NotAnnouncedDoCancel,
    WaitForTransmit,
    CreatedTransmission,
    PartlyCommissioned,
    PartlyCommissionedPartlyDispatched,
    PartlyCommissionedPartlyReturned,
    PartlyCommissionedPartlyDispatchedPartlyReturned,
    Commissioned,
    CommissionedPartlyDispatched,
    CommissionedPartlyReturned,
    CommissionedPartlyDispatchedPartlyReturned,
    Dispatched,
    DispatchedPartlyReturned,
    Returned,
    Canceled,
}

use OrderStatus as S;

/// Every state [`order_status`] can answer (for docs, `impex order` and the tests).
pub const ALL_STATES: &[OrderStatus] = &[
    S::Initial,
    S::NotChecked,
    S::NotCheckedDoCancel,
    S::DoApprove,
    S::NotApproved,
    S::CheckAnnounced,
    S::NotAnnounced,
    S::NotAnnouncedDoCancel,
    S::WaitForTransmit,
    S::CreatedTransmission,
    S::PartlyCommissioned,
    S::PartlyCommissionedPartlyDispatched,
    S::PartlyCommissionedPartlyReturned,
    S::PartlyCommissionedPartlyDispatchedPartlyReturned,
    S::Commissioned,
    S::CommissionedPartlyDispatched,
    S::CommissionedPartlyReturned,
    S::CommissionedPartlyDispatchedPartlyReturned,
    S::Dispatched,
    S::DispatchedPartlyReturned,
    S::Returned,
    S::Canceled,
];

impl OrderStatus {
    /// IOM's name, e.g. `COMMISSIONED_PARTLY_DISPATCHED`.
    pub fn name(self) -> &'static str {
        match self {
            S::Initial => "INITIAL",
            S::NotChecked => "NOT_CHECKED",
            S::NotCheckedDoCancel => "NOT_CHECKED_DO_CANCEL",
            S::DoApprove => "DO_APPROVE",
            S::NotApproved => "NOT_APPROVED",
            S::CheckAnnounced => "CHECK_ANNOUNCED",
            S::NotAnnounced => "NOT_ANNOUNCED",
            S::NotAnnouncedDoCancel => "NOT_ANNOUNCED_DO_CANCEL",
            S::WaitForTransmit => "WAIT_FOR_TRANSMIT",
            S::CreatedTransmission => "CREATED_TRANSMISSION",
            S::PartlyCommissioned => "PARTLY_COMMISSIONED",
            S::PartlyCommissionedPartlyDispatched => "PARTLY_COMMISSIONED_PARTLY_DISPATCHED",
            S::PartlyCommissionedPartlyReturned => "PARTLY_COMMISSIONED_PARTLY_RETURNED",
            S::PartlyCommissionedPartlyDispatchedPartlyReturned => "PARTLY_COMMISSIONED_PARTLY_DISPATCHED_PARTLY_RETURNED",
            S::Commissioned => "COMMISSIONED",
            S::CommissionedPartlyDispatched => "COMMISSIONED_PARTLY_DISPATCHED",
            S::CommissionedPartlyReturned => "COMMISSIONED_PARTLY_RETURNED",
            S::CommissionedPartlyDispatchedPartlyReturned => "COMMISSIONED_PARTLY_DISPATCHED_PARTLY_RETURNED",
            S::Dispatched => "DISPATCHED",
            S::DispatchedPartlyReturned => "DISPATCHED_PARTLY_RETURNED",
            S::Returned => "RETURNED",
            S::Canceled => "CANCELED",
        }
    }

    /// IOM's id of the state, e.g. 4520.
    pub fn id(self) -> i64 {
        match self {
            S::Initial => 0,
            S::NotChecked => 998,
            S::NotCheckedDoCancel => 999,
            S::DoApprove => 1580,
            S::NotApproved => 1599,
            S::CheckAnnounced => 2095,
            S::NotAnnounced => 2098,
            S::NotAnnouncedDoCancel => 2099,
            S::WaitForTransmit => 4099,
            S::CreatedTransmission => 4100,
            S::PartlyCommissioned => 4400,
            S::PartlyCommissionedPartlyDispatched => 4420,
            S::PartlyCommissionedPartlyReturned => 4440,
            S::PartlyCommissionedPartlyDispatchedPartlyReturned => 4460,
            S::Commissioned => 4500,
            S::CommissionedPartlyDispatched => 4520,
            S::CommissionedPartlyReturned => 4540,
            S::CommissionedPartlyDispatchedPartlyReturned => 4560,
            S::Dispatched => 5000,
            S::DispatchedPartlyReturned => 5100,
            S::Returned => 6000,
            S::Canceled => 6200,
        }
    }

    /// The state with IOM's name (`COMMISSIONED`, also `STATE_COMMISSIONED` as in the spec's
    /// examples), case-insensitive.
    pub fn from_name(name: &str) -> Option<OrderStatus> {
        let upper = name.trim().to_ascii_uppercase();
        let bare = upper.strip_prefix("STATE_").unwrap_or(&upper);
        ALL_STATES.iter().copied().find(|s| s.name() == bare)
    }

    /// What the web shop (the IOM Connector's order history) shows for the state: transmitted =
    /// commissioned, shipped = shipped, in validation = check failed, returned = returned; `None`
    /// for the states the connector's table does not name.
    pub fn shop_status(self) -> Option<&'static str> {
        match self {
            S::PartlyCommissioned
            | S::PartlyCommissionedPartlyDispatched
            | S::PartlyCommissionedPartlyReturned
            | S::PartlyCommissionedPartlyDispatchedPartlyReturned
            | S::Commissioned
            | S::CommissionedPartlyDispatched
            | S::CommissionedPartlyReturned
            | S::CommissionedPartlyDispatchedPartlyReturned => Some("transmitted"),
            S::Dispatched | S::DispatchedPartlyReturned => Some("shipped"),
            S::NotChecked | S::DoApprove | S::CheckAnnounced | S::NotAnnounced => Some("in validation"),
            S::Returned => Some("returned"),
            _ => None,
        }
    }

    /// A state that only a person or another system sets in `"OrderDO"."orderStateDefRef"` (a
    /// failed check or approval, a cancellation): it stands as it is.
    fn from_stored(id: i64) -> Option<OrderStatus> {
        [S::NotChecked, S::NotCheckedDoCancel, S::DoApprove, S::NotApproved, S::CheckAnnounced, S::NotAnnounced, S::NotAnnouncedDoCancel, S::Canceled]
            .into_iter()
            .find(|s| s.id() == id)
    }
}

/// What an order's (or one position's) state is derived from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateFacts {
    /// `"OrderPositionDO"."quantity"` (summed over the positions for an order).
    pub ordered: i64,
    /// `"OrderPositionDO"."cancelledQuantity"` (change requests).
    pub cancelled: i64,
    /// Quantity sent to its supplier (a `PUSHED` `SEND_ORDER` transmission to the position's
    /// supplier).
    pub commissioned: i64,
    /// `"DispatchPositionDO"."quantity"` (SQL or openTRANS dispatches).
    pub dispatched: i64,
    /// Quantities of accepted or closed return announcements.
    pub returned: i64,
    /// `"OrderDO"."orderStateDefRef"`.
    pub stored_state: i64,
    /// `"OrderDO"."readyForSupplier"` is set.
    pub ready_for_supplier: bool,
    /// A `SEND_ORDER` transmission of the order is created but not yet pushed.
    pub transmission_pending: bool,
}

/// IOM's order state of an order (or a position) from what impex knows of it. The rules, in
/// order (docs/orders.md, "Order states"):
/// 1. a stored check/approval/cancel state (998, 999, 1580, 1599, 2095, 2098, 2099, 6200) stands;
/// 2. nothing left after cancellations (and nothing dispatched): CANCELED;
/// 3. nothing commissioned nor dispatched: CREATED_TRANSMISSION when a transmission waits,
///    WAIT_FOR_TRANSMIT when the order is ready for its supplier, else INITIAL;
/// 4. everything left dispatched: RETURNED when all of it came back, DISPATCHED_PARTLY_RETURNED
///    when some did, else DISPATCHED;
/// 5. else COMMISSIONED (all left commissioned) or PARTLY_COMMISSIONED, with `_PARTLY_DISPATCHED`
///    when some is dispatched and `_PARTLY_RETURNED` when some is returned or cancelled.
///
/// A dispatched quantity counts as commissioned (the supplier had it); quantities are clamped
/// (returned <= dispatched <= ordered, cancelled <= ordered - dispatched).
pub fn order_status(f: &StateFacts) -> OrderStatus {
    if let Some(s) = OrderStatus::from_stored(f.stored_state) {
        return s;
    }
    let ordered = f.ordered.max(0);
    let dispatched = f.dispatched.clamp(0, ordered);
    let cancelled = f.cancelled.clamp(0, ordered - dispatched);
    let left = ordered - cancelled;
    let commissioned = f.commissioned.clamp(0, left).max(dispatched);
    let returned = f.returned.clamp(0, dispatched);
    if left == 0 {
        return S::Canceled;
    }
    if commissioned == 0 {
        return if f.transmission_pending {
            S::CreatedTransmission
        } else if f.ready_for_supplier {
            S::WaitForTransmit
        } else {
            S::Initial
        };
    }
    if dispatched == left {
        return if returned == left {
            S::Returned
        } else if returned > 0 {
            S::DispatchedPartlyReturned
        } else {
            S::Dispatched
        };
    }
    let partly_returned = returned > 0 || cancelled > 0;
    match (commissioned == left, dispatched > 0, partly_returned) {
        (true, false, false) => S::Commissioned,
        (true, false, true) => S::CommissionedPartlyReturned,
        (true, true, false) => S::CommissionedPartlyDispatched,
        (true, true, true) => S::CommissionedPartlyDispatchedPartlyReturned,
        (false, false, false) => S::PartlyCommissioned,
        (false, false, true) => S::PartlyCommissionedPartlyReturned,
        (false, true, false) => S::PartlyCommissionedPartlyDispatched,
        (false, true, true) => S::PartlyCommissionedPartlyDispatchedPartlyReturned,
    }
}

/// The facts of one position of `order`.
pub fn position_facts(order: &q::OrderRow, p: &q::PositionRow) -> StateFacts {
    StateFacts {
        ordered: p.quantity,
        cancelled: p.cancelled,
        commissioned: if p.commissioned.is_some() { p.quantity } else { 0 },
        dispatched: p.dispatched,
        returned: p.returned,
        stored_state: order.state_def,
        ready_for_supplier: order.ready_for_supplier.is_some(),
        transmission_pending: order.pending_transmissions > 0,
    }
}

/// The facts of an order: its positions' quantities summed (each clamped first).
pub fn order_facts(order: &q::OrderRow, positions: &[&q::PositionRow]) -> StateFacts {
    let mut f = StateFacts {
        stored_state: order.state_def,
        ready_for_supplier: order.ready_for_supplier.is_some(),
        transmission_pending: order.pending_transmissions > 0,
        ..StateFacts::default()
    };
    for p in positions {
        let pf = position_facts(order, p);
        let ordered = pf.ordered.max(0);
        let dispatched = pf.dispatched.clamp(0, ordered);
        let cancelled = pf.cancelled.clamp(0, ordered - dispatched);
        f.ordered += ordered;
        f.cancelled += cancelled;
        f.dispatched += dispatched;
        f.commissioned += pf.commissioned.clamp(0, ordered - cancelled).max(dispatched);
        f.returned += pf.returned.clamp(0, dispatched);
    }
    f
}

/// The query of `GET /shops/{shopId}/order-states` (checked by the HTTP layer).
#[derive(Debug, Clone, Default)]
pub struct StatesQuery {
    pub search: q::OrderSearch,
    /// `None`: any status; `Some(list)`: one of these (an empty list matches nothing).
    pub statuses: Option<Vec<OrderStatus>>,
    pub offset: i64,
    pub limit: i64,
}

/// The query of `GET /shops/{shopId}/order-states/modified`.
#[derive(Debug, Clone, Default)]
pub struct ModifiedQuery {
    pub shop: i64,
    pub min_cursor: Option<i64>,
    pub modified_since: Option<DateTime<Utc>>,
    pub limit: i64,
}

fn storage(e: crate::error::StoreError) -> ServiceError {
    ServiceError::Internal(e.into())
}

/// `OrderStateCollectionContainer`: the matching orders' states, `offset`/`limit` applied, and
/// `meta.totalCount`. `base` (scheme and host of the request) goes in front of download paths.
pub fn search(conn: &mut Conn, query: &StatesQuery, base: &str) -> Result<Value, ServiceError> {
    let tx = conn.snapshot().map_err(storage)?;
    let (ids, total) = match &query.statuses {
        None => q::search(&tx, &query.search, Some((query.offset, query.limit))).map_err(storage)?,
        Some(statuses) if statuses.is_empty() => (Vec::new(), 0),
        Some(statuses) => {
            // the status is derived: every candidate's state, then the page
            let (candidates, _) = q::search(&tx, &query.search, None).map_err(storage)?;
            let orders = q::orders(&tx, &candidates).map_err(storage)?;
            let positions = q::positions(&tx, &candidates).map_err(storage)?;
            let by_id: BTreeMap<i64, &q::OrderRow> = orders.iter().map(|o| (o.id, o)).collect();
            let matching: Vec<i64> = candidates
                .iter()
                .filter(|id| {
                    let Some(o) = by_id.get(id) else { return false };
                    let own: Vec<&q::PositionRow> = positions.iter().filter(|p| p.order_id == **id).collect();
                    statuses.contains(&order_status(&order_facts(o, &own)))
                })
                .copied()
                .collect();
            let total = matching.len() as i64;
            (matching.into_iter().skip(query.offset.max(0) as usize).take(query.limit.max(0) as usize).collect(), total)
        }
    };
    let data = order_states(&tx, &ids, base)?;
    Ok(json!({ "data": data, "meta": { "totalCount": total } }))
}

/// `LatestOrderStateCollectionContainer`: the orders changed after `minCursor` (or since
/// `modifiedSince`), oldest change first, with the cursors of the page in `meta`.
pub fn modified(conn: &mut Conn, query: &ModifiedQuery, base: &str) -> Result<Value, ServiceError> {
    let since = query.modified_since.map(|d| d.to_rfc3339_opts(SecondsFormat::Millis, true));
    let tx = conn.snapshot().map_err(storage)?;
    let (page, total) = q::modified(&tx, query.shop, query.min_cursor.unwrap_or(0), since.as_deref(), query.limit).map_err(storage)?;
    let ids: Vec<i64> = page.iter().map(|(id, _)| *id).collect();
    let mut data = order_states(&tx, &ids, base)?;
    // each state's own cursor (the spec's meta has only the page's first and last)
    for (state, (_, cursor)) in data.iter_mut().zip(&page) {
        state["additionalAttributes"]["impexChange"] = json!({ "cursor": cursor.to_string() });
    }
    let mut meta = json!({ "totalCount": total, "pageSize": page.len() });
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        meta["minCursor"] = json!(first.1);
        meta["maxCursor"] = json!(last.1);
    } else if let Some(c) = query.min_cursor {
        // an empty page: the next request keeps the same cursor
        meta["minCursor"] = json!(c);
        meta["maxCursor"] = json!(c);
    }
    Ok(json!({ "data": data, "meta": meta }))
}

/// The `OrderState`s of these orders, in the order of `ids`.
pub fn order_states(conn: &Conn, ids: &[i64], base: &str) -> Result<Vec<Value>, ServiceError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let orders = q::orders(conn, ids).map_err(storage)?;
    let addresses = q::addresses(conn, ids).map_err(storage)?;
    let positions = q::positions(conn, ids).map_err(storage)?;
    let dispatches = q::dispatches(conn, ids).map_err(storage)?;
    let returns = q::returns(conn, ids).map_err(storage)?;
    let charges = q::charges(conn, ids).map_err(storage)?;
    let properties = q::properties(conn, ids).map_err(storage)?;
    let payments = pay::payment_facts(conn, ids).map_err(storage)?;
    let histories = pay::payment_history_lines(conn, ids).map_err(storage)?;
    let documents = crate::document::for_orders(conn, ids).map_err(ServiceError::Internal)?;
    let by_id: BTreeMap<i64, &q::OrderRow> = orders.iter().map(|o| (o.id, o)).collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(o) = by_id.get(id) else { continue };
        let own: Vec<&q::PositionRow> = positions.iter().filter(|p| p.order_id == *id).collect();
        let status = order_status(&order_facts(o, &own));
        let addr: Vec<&q::AddressRow> = addresses.iter().filter(|a| a.order_id == *id).collect();
        let ch: Vec<&q::ChargeRow> = charges.iter().filter(|c| c.order_id == *id).collect();
        let mut state = Map::new();
        state.insert("shopOrderNumber".into(), json!(o.shop_order_no));
        state.insert("shopOrderCreationDate".into(), json!(date_time(&o.creation_date)));
        state.insert("customerData".into(), customer_data(o));
        state.insert("invoiceAddress".into(), address(o, addr.iter().find(|a| a.kind == "BILLING").or(addr.first()).copied(), false));
        state.insert("sales".into(), sales(o, &ch));
        let method = o.payment_method.clone().or(o.payment_def_name.clone()).unwrap_or_else(|| "UNKNOWN".into());
        state.insert("payment".into(), json!({ "paymentMethod": method }));
        if let Some(split) = o.split_shipment_allowed {
            state.insert("splitShipmentAllowed".into(), json!(split));
        }
        if let Some(rule) = o.optimization.as_ref().filter(|r| !r.is_empty()) {
            state.insert("optimizationRule".into(), json!(rule));
        }
        let delivery = addr.iter().find(|a| a.kind == "DELIVERY").or(addr.iter().find(|a| a.kind == "BILLING")).or(addr.first()).copied();
        let bucket_positions: Vec<Value> = own.iter().map(|p| position(o, p, &dispatches, &returns)).collect();
        let mut bucket = json!({ "number": "1", "shippingAddress": address(o, delivery, true), "positions": bucket_positions });
        if let Some(c) = o.carrier.as_ref() {
            bucket["shippingMethod"] = json!(c);
        }
        state.insert("shippingBuckets".into(), json!([bucket]));
        state.insert("status".into(), json!(status.name()));
        let mut attributes: Map<String, Value> = Map::new();
        for (_, group, key, value) in properties.iter().filter(|p| p.0 == *id) {
            let g = attributes.entry(group.clone()).or_insert_with(|| json!({}));
            g[key.as_str()] = json!(value);
        }
        if let Some(p) = payments.iter().find(|p| p.order_id == *id) {
            attributes.insert(
                "impexPaymentStatus".into(),
                json!({
                    "status": p.payment_status,
                    "paidPercent": format!("{:.2}", p.paid_percent),
                    "openInvoicedAmount": format!("{:.2}", money(p.open_amount)),
                }),
            );
            let lines: Vec<&pay::PaymentHistoryLine> = histories.iter().filter(|h| h.order_id == *id).collect();
            state.insert("paymentState".into(), payment_state(o, p, &lines));
        }
        if let Some(shop) = status.shop_status() {
            attributes.insert("impexOrderStatus".into(), json!({ "id": status.id().to_string(), "shopStatus": shop }));
        } else {
            attributes.insert("impexOrderStatus".into(), json!({ "id": status.id().to_string() }));
        }
        state.insert("additionalAttributes".into(), Value::Object(attributes));
        let docs: Vec<Value> = documents
            .iter()
            .filter(|d| d.order_id == *id)
            .map(|d| {
                json!({
                    "type": d.type_name,
                    "downloadLink": format!("{base}{}", d.download_path()),
                    "creationDate": d.creation_date.to_rfc3339_opts(SecondsFormat::Millis, true),
                    "mimeType": d.mime_type,
                })
            })
            .collect();
        state.insert("documents".into(), Value::Array(docs));
        out.push(Value::Object(state));
    }
    Ok(out)
}

/// One position's state for `impex order`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PositionSummary {
    pub number: i64,
    pub article: String,
    pub ordered: i64,
    pub cancelled: i64,
    pub commissioned: bool,
    pub dispatched: i64,
    pub returned: i64,
    pub status: &'static str,
}

/// An order's derived state and its positions' (for `impex order`).
pub fn summary(conn: &Conn, order_id: i64) -> Result<(OrderStatus, Vec<PositionSummary>), ServiceError> {
    let orders = q::orders(conn, &[order_id]).map_err(storage)?;
    let Some(o) = orders.first() else { return Err(ServiceError::NotFound(format!("no order {order_id}"))) };
    let positions = q::positions(conn, &[order_id]).map_err(storage)?;
    let own: Vec<&q::PositionRow> = positions.iter().collect();
    let status = order_status(&order_facts(o, &own));
    let lines = positions
        .iter()
        .map(|p| PositionSummary {
            number: p.number,
            article: p.article_id.clone(),
            ordered: p.quantity,
            cancelled: p.cancelled,
            commissioned: p.commissioned.is_some() || p.dispatched > 0,
            dispatched: p.dispatched,
            returned: p.returned,
            status: order_status(&position_facts(o, p)).name(),
        })
        .collect();
    Ok((status, lines))
}

/// Minor units as the spec's decimal number.
pub fn money(minor: i64) -> f64 {
    minor as f64 / 100.0
}

/// A stored date as ISO-8601 with a zone (stored dates without one are UTC).
pub fn date_time(text: &str) -> String {
    // (PostgreSQL's text of a timestamptz ends with its offset, `+00` in impex's sessions)
    let t = text.trim();
    let t = t.strip_suffix("+00").unwrap_or(t);
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return d.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return d.and_utc().to_rfc3339_opts(SecondsFormat::Millis, true);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|d| d.and_utc().to_rfc3339_opts(SecondsFormat::Millis, true)).unwrap_or_default();
    }
    "1970-01-01T00:00:00.000Z".into()
}

fn some(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn customer_data(o: &q::OrderRow) -> Value {
    let mut c = Map::new();
    if let Some(company) = some(&o.company_name) {
        c.insert("customerDataType".into(), json!("COMPANY"));
        let mut data = json!({ "companyName": cut(company, 100) });
        if let Some(d) = some(&o.company_department) {
            data["department"] = json!(cut(d, 50));
        }
        if let Some(v) = some(&o.vat_no) {
            data["vatNumber"] = json!(cut(v, 25));
        }
        c.insert("companyData".into(), data);
    } else {
        c.insert("customerDataType".into(), json!("PERSON"));
    }
    if let Some(n) = some(&o.shop_customer_no) {
        c.insert("shopCustomerNumber".into(), json!(cut(n, 255)));
    }
    Value::Object(c)
}

/// At most `max` characters (the spec's maxLength).
fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// `AddressInvoice` / `AddressShipping` of an address row (the order's customer when the order
/// has no address rows).
fn address(o: &q::OrderRow, a: Option<&q::AddressRow>, shipping: bool) -> Value {
    let fallback = q::AddressRow {
        company_name: o.company_name.clone(),
        salutation: o.salutation.clone(),
        title: o.title.clone(),
        first_name: o.first_name.clone(),
        last_name: o.last_name.clone(),
        email: o.email.clone(),
        telephone: o.telephone.clone(),
        city: "-".into(),
        post_code: "-".into(),
        country: "-".into(),
        ..q::AddressRow::default()
    };
    let a = a.unwrap_or(&fallback);
    let mut location = Map::new();
    let nonempty = |s: &str| if s.trim().is_empty() { "-".to_string() } else { s.to_string() };
    location.insert("city".into(), json!(cut(&nonempty(&a.city), 100)));
    location.insert("postCode".into(), json!(cut(&nonempty(&a.post_code), 25)));
    location.insert("countryCode".into(), json!(nonempty(&a.country)));
    if let Some(d) = some(&a.district) {
        location.insert("district".into(), json!(cut(d, 100)));
    }
    let additions: Vec<String> = [&a.addition1, &a.addition2].into_iter().filter_map(some).map(str::to_string).collect();
    if !additions.is_empty() {
        location.insert("additions".into(), json!(additions));
    }
    match (some(&a.packstation), some(&a.po_box)) {
        (Some(station), _) if shipping => {
            location.insert("type".into(), json!("AddressLocationPackstation"));
            location.insert("stationNumber".into(), json!(cut(station, 100)));
            location.insert("userId".into(), json!(cut(some(&a.street).unwrap_or("-"), 100)));
        }
        (_, Some(po)) => {
            location.insert("type".into(), json!("AddressLocationPOBox"));
            location.insert("postBox".into(), json!(cut(po, 25)));
        }
        _ => {
            location.insert("type".into(), json!("AddressLocationStreet"));
            location.insert("street".into(), json!(cut(a.street.as_deref().unwrap_or(""), 100)));
            if let Some(n) = some(&a.house_number) {
                location.insert("streetNumber".into(), json!(cut(n, 20)));
            }
        }
    }
    let mut out = json!({ "location": location, "receiver": receiver(a) });
    if let Some(email) = some(&a.email).filter(|e| e.contains('@')) {
        let mut contact = json!({ "email": cut(email, 100) });
        for (name, v) in [("phone", &a.telephone), ("mobile", &a.mobile), ("fax", &a.fax)] {
            if let Some(v) = some(v) {
                contact[name] = json!(cut(v, 25));
            }
        }
        out["contact"] = contact;
    }
    out
}

fn receiver(a: &q::AddressRow) -> Value {
    match (some(&a.last_name), some(&a.company_name)) {
        (None, Some(company)) => json!({ "addressReceiverType": "COMPANY", "companyName": cut(company, 100) }),
        (last, company) => {
            let mut person = json!({ "lastName": cut(last.unwrap_or("-"), 50) });
            for (name, v, max) in [("salutation", &a.salutation, 25), ("title", &a.title, 25), ("firstName", &a.first_name, 50)] {
                if let Some(v) = some(v) {
                    person[name] = json!(cut(v, max));
                }
            }
            let mut r = json!({ "addressReceiverType": "PERSON", "person": person });
            if let Some(c) = company {
                r["companyName"] = json!(cut(c, 100));
            }
            r
        }
    }
}

/// A `SumPrice` / `TotalPrice`: net, gross and at least one tax.
fn price(net: Option<i64>, gross: Option<i64>, taxes: Vec<(String, i64)>) -> Value {
    let mut p = Map::new();
    if let Some(n) = net {
        p.insert("net".into(), json!({ "amount": money(n) }));
    }
    if let Some(g) = gross {
        p.insert("gross".into(), json!({ "amount": money(g) }));
    }
    let taxes = if taxes.is_empty() { vec![("NONE".to_string(), gross.zip(net).map(|(g, n)| g - n).unwrap_or(0))] } else { taxes };
    p.insert("taxes".into(), taxes.into_iter().map(|(t, a)| json!({ "type": t, "amount": money(a) })).collect());
    Value::Object(p)
}

fn sales(o: &q::OrderRow, charges: &[&q::ChargeRow]) -> Value {
    let of = |kind: &str| -> (Option<i64>, Option<i64>, Vec<(String, i64)>) {
        let rows: Vec<&&q::ChargeRow> = charges.iter().filter(|c| c.kind == kind).collect();
        let sum = |f: fn(&q::ChargeRow) -> Option<i64>| rows.iter().filter_map(|c| f(c)).reduce(|a, b| a + b);
        let mut taxes: BTreeMap<String, i64> = BTreeMap::new();
        for c in &rows {
            if let Some(t) = c.tax {
                *taxes.entry(c.tax_type.clone().unwrap_or_else(|| "NONE".into())).or_default() += t;
            }
        }
        (sum(|c| c.net), sum(|c| c.gross), taxes.into_iter().collect())
    };
    let (sn, sg, st) = of("SUM");
    let (tn, tg, tt) = of("TOTAL");
    let sub_total = price(sn.or(o.sum_net).or(Some(0)), sg.or(o.sum_gross), st);
    let total = price(tn.or(o.total_net).or(Some(0)), tg.or(o.total_gross), tt);
    let extra: Vec<Value> = charges
        .iter()
        .filter(|c| c.kind == "CHARGE")
        .map(|c| {
            let taxes = vec![(c.tax_type.clone().unwrap_or_else(|| "NONE".into()), c.tax.unwrap_or(0))];
            let mut v = price(Some(c.net.unwrap_or(0)), Some(c.gross.unwrap_or(0)), taxes);
            v["type"] = json!(c.charge_type.clone().unwrap_or_else(|| "CHARGE".into()));
            v
        })
        .collect();
    let mut s = json!({ "currencyCode": o.currency, "subTotal": sub_total, "total": total });
    if !extra.is_empty() {
        s["charges"] = json!(extra);
    }
    s
}

fn return_state_name(id: i64) -> &'static str {
    match id {
        3000 => "DO_APPROVE",
        5000 => "ACCEPTED",
        7000 => "DO_CLOSE",
        8000 => "CLOSED",
        _ => "INITIAL",
    }
}

fn position(o: &q::OrderRow, p: &q::PositionRow, dispatches: &[q::DispatchRow], returns: &[q::ReturnRow]) -> Value {
    let status = order_status(&position_facts(o, p));
    let mut product = json!({ "name": p.article_name, "number": p.article_id });
    if let Some(isbn) = some(&p.isbn) {
        product["isbn"] = json!(isbn);
    }
    if let Some(ean) = some(&p.ean).and_then(|e| e.parse::<i64>().ok()) {
        product["ean"] = json!(ean);
    }
    let taxes = p.sum_tax.map(|t| vec![(p.tax_type.clone().unwrap_or_else(|| "NONE".into()), t)]).unwrap_or_default();
    let mut ordered = json!({
        "quantity": p.quantity.max(1),
        "shipping": { "deliveryDate": { "deliveryDateType": "STANDARD" }, "expectedDeliveryDays": p.delivery_days.max(-1) },
        "sum": price(p.sum_net, p.sum_gross, taxes),
    });
    if let Some(s) = some(&p.selected_supplier) {
        ordered["shipping"]["selectedSupplier"] = json!(s);
    }
    let mut unit = Map::new();
    if let Some(n) = p.unit_net {
        unit.insert("net".into(), json!({ "amount": money(n) }));
    }
    if let Some(g) = p.unit_gross {
        unit.insert("gross".into(), json!({ "amount": money(g) }));
    }
    if !unit.is_empty() {
        ordered["unitPrice"] = Value::Object(unit);
    }
    let mut v = json!({ "number": p.number.max(0), "product": product, "status": status.name(), "ordered": ordered });
    if let Some(date) = &p.commissioned {
        let mut c = json!({ "name": p.supplier.clone().unwrap_or_else(|| "-".into()) });
        if !date.is_empty() {
            c["commissionDate"] = json!(date_time(date));
        }
        v["commissioned"] = c;
    }
    let left = p.quantity - p.cancelled.clamp(0, p.quantity);
    if p.commissioned.is_some() || p.cancelled > 0 {
        let mut confirmed = json!({ "type": if p.cancelled > 0 { "PARTLY_CONFIRMED" } else { "CONFIRMED" }, "confirmationDate": date_time(p.commissioned.as_deref().filter(|d| !d.is_empty()).unwrap_or(&o.creation_date)) });
        if left > 0 {
            confirmed["quantities"] = json!([{ "value": left }]);
        }
        if p.cancelled > 0 {
            confirmed["cancelled"] = json!([{ "quantity": p.cancelled, "reason": { "id": "CANCELLED", "value": "cancelled by a change request" } }]);
        }
        v["confirmed"] = confirmed;
    }
    let sent: Vec<Value> = dispatches
        .iter()
        .filter(|d| d.position_id == p.id)
        .map(|d| {
            let mut x = json!({ "quantity": d.quantity, "dispatchDate": date_time(&d.dispatch_date) });
            if let Some(n) = some(&d.delivery_note_no) {
                x["deliveryNoteNumber"] = json!(n);
            }
            if let Some(name) = some(&d.carrier) {
                let numbers: Vec<&str> = d.tracking_numbers.as_deref().unwrap_or("").split(';').map(str::trim).filter(|s| !s.is_empty()).collect();
                let mut carrier = json!({ "name": name, "packages": numbers.len().max(1) });
                if let Some(first) = numbers.first() {
                    let mut t = json!({ "number": first });
                    if let Some(url) = some(&d.tracking_url) {
                        t["url"] = json!(format!("{url}{first}"));
                    }
                    carrier["shipmentTracking"] = t;
                }
                x["carrier"] = carrier;
            }
            x
        })
        .collect();
    if !sent.is_empty() {
        v["dispatched"] = json!(sent);
    }
    let back: Vec<Value> = returns
        .iter()
        .filter(|r| r.position_id == p.id)
        .map(|r| {
            json!({
                "status": return_state_name(r.state_def),
                "quantity": r.quantity,
                "supplierEntryDate": date_time(&r.creation_date),
                "returnReason": { "value": r.reason, "type": r.reason_type.clone().unwrap_or_else(|| "RET".into()) },
            })
        })
        .collect();
    if !back.is_empty() {
        v["returned"] = json!(back);
    }
    v
}

/// The spec's `PaymentState` of an order (docs/orders.md, "Payment state").
fn payment_state(o: &q::OrderRow, p: &pay::PaymentFacts, lines: &[&pay::PaymentHistoryLine]) -> Value {
    let paid = (p.invoiced_amount - p.open_amount.max(0)).max(0);
    let open = p.open_amount.max(0);
    let mut s = json!({
        "invoicingDebitAmount": money(p.invoiced_amount),
        "invoicingCreditAmount": money(p.credit_note_amount),
        "chargedDebitAmount": money(paid),
        "chargedCreditAmount": money(p.refunded_amount),
        "chargedOpenAmount": money(-open),
        "bookedDebitAmount": money(paid),
        "bookedCreditAmount": money(p.refunded_amount),
        "bookedOpenAmount": money(-open),
        "creationDate": date_time(&p.creation_date),
        "lastCalculationDate": date_time(&p.last_calculation_date),
        "currencyCode": o.currency,
    });
    if let Some(d) = &p.last_capture_date {
        s["lastCaptureDate"] = json!(date_time(d));
    }
    if let Some(d) = &p.last_refund_date {
        s["lastRefundDate"] = json!(date_time(d));
    }
    let method = o.payment_method.clone().or(o.payment_def_name.clone()).unwrap_or_else(|| "UNKNOWN".into());
    let history: Vec<Value> = lines
        .iter()
        .map(|h| {
            let (kind, action) = history_kind(&h.kind);
            let mut item = json!({
                "amount": money(h.amount.abs()),
                "currencyCode": h.currency,
                "type": kind,
                "action": action,
                "paymentMethod": h.pay_type.clone().unwrap_or_else(|| method.clone()),
                "creationDate": date_time(&h.entry_date),
                "modificationDate": date_time(&h.import_date),
                "invoiceNumber": h.invoice_no,
            });
            if let Some(d) = some(&h.details) {
                item["comment"] = json!(d);
            }
            item
        })
        .collect();
    s["paymentHistory"] = json!(history);
    s
}

/// `PaymentStateHistoryItem` `type` and `action` of a payment history kind.
pub fn history_kind(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "PAYMENT" => ("INBOUND", "CAPTURE"),
        "REFUND" => ("OUTBOUND", "REFUND"),
        "CREDIT_NOTE" => ("ACTION", "REFUND"),
        "REBOOKING" => ("ACTION", "REVERSE"),
        _ => ("ACTION", "CAPTURE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(ordered: i64, cancelled: i64, commissioned: i64, dispatched: i64, returned: i64) -> StateFacts {
        StateFacts { ordered, cancelled, commissioned, dispatched, returned, stored_state: 1, ..StateFacts::default() }
    }

    #[test]
    fn before_commissioning() {
        assert_eq!(order_status(&f(3, 0, 0, 0, 0)), S::Initial);
        assert_eq!(order_status(&StateFacts { ready_for_supplier: true, ..f(3, 0, 0, 0, 0) }), S::WaitForTransmit);
        assert_eq!(order_status(&StateFacts { ready_for_supplier: true, transmission_pending: true, ..f(3, 0, 0, 0, 0) }), S::CreatedTransmission);
    }

    #[test]
    fn stored_states_stand() {
        for s in [S::NotChecked, S::NotCheckedDoCancel, S::DoApprove, S::NotApproved, S::CheckAnnounced, S::NotAnnounced, S::NotAnnouncedDoCancel, S::Canceled] {
            assert_eq!(order_status(&StateFacts { stored_state: s.id(), ..f(3, 0, 3, 1, 0) }), s);
        }
        // the default of the writer (1) and a derived id stored are no override
        assert_eq!(order_status(&StateFacts { stored_state: 5000, ..f(3, 0, 3, 1, 0) }), S::CommissionedPartlyDispatched);
    }

    #[test]
    fn cancelled() {
        assert_eq!(order_status(&f(3, 3, 0, 0, 0)), S::Canceled);
        assert_eq!(order_status(&f(3, 3, 3, 0, 0)), S::Canceled);
        // cancelled more than there is left: clamped
        assert_eq!(order_status(&f(3, 5, 3, 1, 0)), S::Dispatched);
    }

    #[test]
    fn commissioned_family() {
        assert_eq!(order_status(&f(3, 0, 3, 0, 0)), S::Commissioned);
        assert_eq!(order_status(&f(3, 1, 2, 0, 0)), S::CommissionedPartlyReturned);
        assert_eq!(order_status(&f(3, 0, 3, 1, 0)), S::CommissionedPartlyDispatched);
        assert_eq!(order_status(&f(3, 0, 3, 2, 1)), S::CommissionedPartlyDispatchedPartlyReturned);
        assert_eq!(order_status(&f(3, 1, 2, 1, 0)), S::CommissionedPartlyDispatchedPartlyReturned);
    }

    #[test]
    fn partly_commissioned_family() {
        assert_eq!(order_status(&f(4, 0, 2, 0, 0)), S::PartlyCommissioned);
        assert_eq!(order_status(&f(4, 1, 2, 0, 0)), S::PartlyCommissionedPartlyReturned);
        assert_eq!(order_status(&f(4, 0, 2, 1, 0)), S::PartlyCommissionedPartlyDispatched);
        assert_eq!(order_status(&f(4, 0, 2, 2, 1)), S::PartlyCommissionedPartlyDispatchedPartlyReturned);
    }

    #[test]
    fn dispatched_and_returned() {
        assert_eq!(order_status(&f(3, 0, 3, 3, 0)), S::Dispatched);
        // a dispatch counts as commissioned (sent by SQL without a transmission)
        assert_eq!(order_status(&f(3, 0, 0, 3, 0)), S::Dispatched);
        assert_eq!(order_status(&f(3, 0, 0, 1, 0)), S::PartlyCommissionedPartlyDispatched);
        assert_eq!(order_status(&f(3, 1, 2, 2, 0)), S::Dispatched);
        assert_eq!(order_status(&f(3, 0, 3, 3, 1)), S::DispatchedPartlyReturned);
        assert_eq!(order_status(&f(3, 0, 3, 3, 3)), S::Returned);
        assert_eq!(order_status(&f(3, 0, 3, 3, 9)), S::Returned);
    }

    #[test]
    fn names_ids_and_the_shop_mapping() {
        for s in ALL_STATES {
            assert_eq!(OrderStatus::from_name(s.name()), Some(*s));
            assert_eq!(OrderStatus::from_name(&format!("state_{}", s.name())), Some(*s));
        }
        assert_eq!(S::CommissionedPartlyDispatched.id(), 4520);
        assert_eq!(S::Commissioned.shop_status(), Some("transmitted"));
        assert_eq!(S::Dispatched.shop_status(), Some("shipped"));
        assert_eq!(S::NotChecked.shop_status(), Some("in validation"));
        assert_eq!(S::Returned.shop_status(), Some("returned"));
        assert_eq!(S::Initial.shop_status(), None);
        assert_eq!(OrderStatus::from_name("SHIPPED"), None);
    }

    #[test]
    fn dates_get_a_zone() {
        assert_eq!(date_time("2014-03-20 10:00:00.5"), "2014-03-20T10:00:00.500Z");
        assert_eq!(date_time("2014-03-20T10:00:00+02:00"), "2014-03-20T08:00:00.000Z");
        assert_eq!(date_time("2014-03-20"), "2014-03-20T00:00:00.000Z");
    }
}
