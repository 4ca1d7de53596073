//! Export commands: `impex transmissions [--state S] [--json]` lists transmissions and events
//! with no partner configured; `impex resend ID`, `impex cancel ID`; `impex send` runs the
//! sending job (JobDefDO -10001) once now.
use crate::db::Conn;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::{bail, Context};

use super::Status;
use crate::fs::paths;
use crate::db::{self, queries};
use crate::send::state::{self, TransmissionState};

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Only transmissions in this state (INITIAL, DO_PUSH, PUSHED, DO_MANUAL_CHECK, CANCELED).
    #[arg(long)]
    pub state: Option<String>,
    /// Print JSON: {"transmissions": [...], "total": N, "noPartnerConfigured": [...], "noPartnerConfiguredTotal": N}.
    #[arg(long)]
    pub json: bool,
    /// Show at most the newest N transmissions.
    #[arg(long, default_value_t = 1000)]
    pub limit: i64,
}

#[derive(clap::Args, Debug)]
pub struct IdArgs {
    /// "TransmissionDO"."id"
    pub id: i64,
}

#[derive(clap::Args, Debug)]
pub struct SendArgs {}

pub fn list(db_path: &Path, args: ListArgs) -> anyhow::Result<Status> {
    let conn = db::open_existing(db_path)?;
    let state = match &args.state {
        Some(s) => Some(
            TransmissionState::parse(s)
                .with_context(|| format!("unknown state `{s}`: use INITIAL, DO_PUSH, PUSHED, DO_MANUAL_CHECK or CANCELED"))?
                .as_str(),
        ),
        None => None,
    };
    let rows = queries::export::list(&conn, state, args.limit)?;
    let total = queries::export::count(&conn, state)?;
    let unrouted = queries::export::unrouted(&conn, 100)?;
    let unrouted_total = queries::export::unrouted_count(&conn)?;
    if args.json {
        let v = serde_json::json!({ "transmissions": rows, "total": total, "noPartnerConfigured": unrouted, "noPartnerConfiguredTotal": unrouted_total });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(Status::Ok);
    }
    println!("{:>8}  {:<15}  {:<28}  {:<26}  {:>5}  detail", "id", "state", "type", "object", "tries");
    for r in &rows {
        let object = match &r.event {
            Some(e) => format!("{} ({e})", r.object),
            None => r.object.clone(),
        };
        let detail = match r.state.as_str() {
            "PUSHED" => r.file_name.clone().unwrap_or_default(),
            "DO_PUSH" => format!("next try {}: {}", r.next_retry_date.as_deref().unwrap_or("?"), r.error_text.as_deref().unwrap_or("")),
            _ => r.error_text.clone().unwrap_or_default(),
        };
        println!("{:>8}  {:<15}  {:<28}  {:<26}  {:>5}  {detail}", r.id, r.state, r.type_name, object, r.retry_count);
    }
    if total > rows.len() as i64 {
        println!("{} of {total} transmissions shown (the newest; --limit)", rows.len());
    } else {
        println!("{total} transmission{}", if total == 1 { "" } else { "s" });
    }
    if unrouted_total > 0 {
        println!("no partner configured for {unrouted_total} event{} (newest shown):", if unrouted_total == 1 { "" } else { "s" });
        for u in &unrouted {
            println!(
                "  {} {} of shop {}: no partner configured for {}",
                u.business_table,
                u.business_ref,
                u.shop_ref.map(|s| s.to_string()).unwrap_or_else(|| "?".into()),
                u.communication_key
            );
        }
    }
    Ok(Status::Ok)
}

fn current(conn: &Conn, id: i64) -> anyhow::Result<TransmissionState> {
    let s = queries::export::state_of(conn, id)?.with_context(|| format!("no transmission with id {id}"))?;
    TransmissionState::parse(&s).with_context(|| format!("transmission {id} has unknown state {s}"))
}

pub fn resend(db_path: &Path, args: IdArgs) -> anyhow::Result<Status> {
    let mut conn = db::open_existing(db_path)?;
    let tx = conn.write()?;
    let from = current(&tx, args.id)?;
    if from == TransmissionState::Initial {
        bail!("transmission {} is already INITIAL: the next sending run writes it", args.id);
    }
    state::resend(&tx, args.id, from, &crate::time::now_text())?;
    tx.commit()?;
    println!("transmission {} moved from {} to INITIAL; the next sending run (`impex send`) writes it", args.id, from.as_str());
    Ok(Status::Ok)
}

pub fn cancel(db_path: &Path, args: IdArgs) -> anyhow::Result<Status> {
    let mut conn = db::open_existing(db_path)?;
    let tx = conn.write()?;
    let from = current(&tx, args.id)?;
    if matches!(from, TransmissionState::Pushed | TransmissionState::Canceled) {
        bail!("transmission {} is {}: nothing to cancel", args.id, from.as_str());
    }
    state::cancel(&tx, args.id, from, "canceled by `impex cancel`", &crate::time::now_text())?;
    tx.commit()?;
    println!("transmission {} canceled (was {})", args.id, from.as_str());
    Ok(Status::Ok)
}

pub fn send(db_path: &Path, _args: SendArgs) -> anyhow::Result<Status> {
    let base = {
        let conn = db::open_existing(db_path)?;
        queries::config::base_path(&conn)?.context("no base directory configured: run `impex init --base DIR`")?
    };
    let cancel = AtomicBool::new(false);
    let r = crate::send::job::run_once(db_path, &base, &cancel).map_err(|e| anyhow::anyhow!("sending run failed: {e}"))?;
    println!("{} (outbox {})", r.summary(), paths::outbox(&base).display());
    Ok(if r.failed > 0 { Status::Problems } else { Status::Ok })
}
