//! `impex order SHOP_ORDER_NO [--shop ID] [--json]`: an order, its invoices and its payment
//! status (Paid / Part Paid / Not Paid with the paid percentage and the open invoiced amount),
//! from `"OrderPaymentStatusView"` and `"InvoicePaymentStatusView"`, and IOM's order state derived
//! from impex's rows with the web shop's name of it (docs/orders.md, "Order states").
use std::path::Path;

use anyhow::bail;

use super::Status;
use crate::db::{self, queries::import as q};
use crate::order::states::{self, ALL_STATES};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shop's order number ("OrderDO"."shopOrderNo").
    pub shop_order_no: String,
    /// Only the order of this shop id.
    #[arg(long)]
    pub shop: Option<i64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Minor units as a decimal amount: 12345 -> "123.45".
pub fn money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let a = minor.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

pub fn run(db_path: &Path, args: Args) -> anyhow::Result<Status> {
    let conn = db::open_existing(db_path)?;
    let orders = q::order_payment_status(&conn, &args.shop_order_no, args.shop)?;
    if orders.is_empty() {
        bail!("no order with shop order number `{}`{}", args.shop_order_no, args.shop.map(|s| format!(" in shop {s}")).unwrap_or_default());
    }
    let mut json = Vec::new();
    for o in &orders {
        let invoices = q::invoice_statuses(&conn, o.order_id)?;
        let (created, customer, total, method) = q::order_summary(&conn, o.order_id)?;
        let (status, positions) = states::summary(&conn, o.order_id)?;
        let shop_status = status.shop_status();
        if args.json {
            json.push(serde_json::json!({
                "order": o, "invoices": invoices, "created": created, "customer": customer, "totalGross": total, "paymentMethod": method,
                "status": status.name(), "statusId": status.id(), "shopStatus": shop_status, "positions": positions,
            }));
            continue;
        }
        println!("order {} (shop {}, \"OrderDO\" id {})", o.shop_order_no, o.shop_id, o.order_id);
        println!("  created:  {created}");
        if !customer.is_empty() {
            println!("  customer: {customer}");
        }
        if let Some(t) = total {
            println!("  total:    {} {}{}", money(t), o.currency, method.map(|m| format!(" ({m})")).unwrap_or_default());
        }
        if invoices.is_empty() {
            println!("  invoices: none");
        } else {
            println!("  invoices:");
            for i in &invoices {
                let source = match i.source.as_str() {
                    "OPEN_POSITION" => "open position",
                    "PAYMENT_HISTORY" => "payment history",
                    _ => "no accounting data yet",
                };
                println!(
                    "    {:<14} invoiced {:>12} {}  open {:>12} {}  ({source})",
                    i.invoice_no,
                    money(i.invoiced_amount),
                    o.currency,
                    money(i.open_amount),
                    o.currency
                );
            }
        }
        println!(
            "  state:    {} ({}); the web shop shows: {}",
            status.name(),
            status.id(),
            shop_status.unwrap_or("(no name in the connector's mapping)")
        );
        for p in &positions {
            println!(
                "    position {:>3} {:<20} ordered {:>4}  cancelled {:>4}  {}  dispatched {:>4}  returned {:>4}  {}",
                p.number,
                p.article,
                p.ordered,
                p.cancelled,
                if p.commissioned { "commissioned" } else { "not sent    " },
                p.dispatched,
                p.returned,
                p.status
            );
        }
        println!("  payment:  {} ({:.2} % paid)", o.payment_status, o.paid_percent);
        println!("  open invoiced amount: {} {}", money(o.open_amount), o.currency);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        let mapped: Vec<String> = ALL_STATES.iter().filter_map(|s| s.shop_status().map(|m| format!("{} = {m}", s.name()))).collect();
        println!("web shop names (IOM Connector): {}", mapped.join(", "));
    }
    Ok(Status::Ok)
}
