//! Customer export v1.1 (reference: "Export Customer - Version 1.1"), `"JobDefDO"` -10002
//! CUSTOMER_EXPORT, one run per `"CustomerExportConfigDO"` row (or the schedule's `configId`).
//!
//! - NULL "exportStartDate" disables a configuration; nothing happens before that date.
//! - Schedule anchored at "exportStartDate": a full export is due when the latest full slot
//!   (start + k × "intervalFullInDays") is later than the last full export; otherwise an
//!   incremental export is due when the latest increment slot (start + k ×
//!   "intervalIncrementInMinutes") is later than "lastExport".
//! - A full export writes every customer of the shop; an increment those whose
//!   "modificationDate" is after "lastExport", plus those created after it when
//!   "exportNewCustomerOnIncrement". An increment with no customer writes no file (lastExport
//!   still advances, the version does not).
//! - "exportVersion" `<full>.<increment, 5 digits>`: NULL → the first full export is `1.00000`;
//!   a full export adds 1 before the point and resets the increment; an increment adds 1 after it
//!   (`2.00007` = 7th increment after the 2nd full export).
//! - File `<exportName>_<shopRef>_<exportVersion>_<yyyyMMddHHmmss>_<FULL|INCREMENT>.xml` in
//!   `<base>/importarticle/export/`; "lastExport" = the run's start time.
use crate::db::Conn;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};

use super::writer::{a, Xml};
use crate::fs::paths;
use crate::db::{self, queries::export as q};
use crate::model::job::{Job, JobContext, JobError, Report};

pub struct CustomerExportJob;

impl Job for CustomerExportJob {
    fn def_id(&self) -> i64 {
        -10002
    }
    fn name(&self) -> &'static str {
        "CUSTOMER_EXPORT"
    }
    fn run(&self, ctx: &JobContext) -> Result<Report, JobError> {
        let files = run_once(&ctx.db_path, &ctx.base, Utc::now(), ctx.config_id)?;
        let msg = if files.is_empty() { "no customer export due".to_string() } else { format!("wrote {}", files.join(", ")) };
        Ok(Report::ok(files.len() as i64, msg))
    }
}

/// Which export is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Full,
    Increment,
    Nothing,
}

fn latest_slot(start: DateTime<Utc>, every: Duration, now: DateTime<Utc>) -> DateTime<Utc> {
    let n = (now - start).num_seconds() / every.num_seconds().max(1);
    start + Duration::seconds(n * every.num_seconds().max(1))
}

/// Decides what is due at `now` (see the module documentation).
pub fn decide(
    start: DateTime<Utc>,
    full_days: i64,
    increment_minutes: i64,
    last_full: Option<DateTime<Utc>>,
    last_export: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Due {
    if now < start {
        return Due::Nothing;
    }
    let full_slot = latest_slot(start, Duration::days(full_days.max(1)), now);
    if last_full.is_none_or(|l| l < full_slot) {
        return Due::Full;
    }
    let inc_slot = latest_slot(start, Duration::minutes(increment_minutes.max(1)), now);
    if last_export.is_none_or(|l| l < inc_slot) {
        return Due::Increment;
    }
    Due::Nothing
}

/// The next export version (see the module documentation).
pub fn next_version(current: Option<&str>, due: Due) -> String {
    let (major, minor) = current
        .and_then(|v| {
            let (a, b) = v.trim().split_once('.')?;
            Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?))
        })
        .unwrap_or((0, 0));
    match due {
        Due::Increment if major > 0 => format!("{major}.{:05}", minor + 1),
        _ => format!("{}.{:05}", major + 1, 0),
    }
}

/// Runs every due export (of `config_id` only, when given); returns the files written.
pub fn run_once(db_path: &Path, base: &Path, now: DateTime<Utc>, config_id: Option<i64>) -> Result<Vec<String>, JobError> {
    let mut conn = db::open_existing(db_path)?;
    let dir = paths::customer_export_dir(base);
    std::fs::create_dir_all(&dir).map_err(|e| JobError::Permanent(format!("cannot create {}: {e}", dir.display())))?;
    let configs = q::customer_export_configs(&conn)?;
    let mut written = Vec::new();
    for c in configs {
        let id = c.i("id").unwrap_or(0);
        if config_id.is_some_and(|want| want != id) {
            continue;
        }
        let Some(start) = c.s("exportStartDate").and_then(crate::time::parse) else { continue };
        let last_full = c.s("lastFullExport").and_then(crate::time::parse);
        let last_export = c.s("lastExport").and_then(crate::time::parse);
        let due = decide(
            start,
            c.i("intervalFullInDays").unwrap_or(1),
            c.i("intervalIncrementInMinutes").unwrap_or(60),
            last_full,
            last_export,
            now,
        );
        if due == Due::Nothing {
            continue;
        }
        let shop = c.i("shopRef").unwrap_or(0);
        let since = if due == Due::Increment { c.o("lastExport") } else { None };
        let new_too = c.i("exportNewCustomerOnIncrement").unwrap_or(1) != 0;
        let now_text = crate::time::format(now);
        let ids = q::customers_to_export(&conn, shop, since.as_deref(), new_too)?;
        let (version, full_text) = if ids.is_empty() && due == Due::Increment {
            (None, None)
        } else {
            let version = next_version(c.s("exportVersion"), due);
            let kind = if due == Due::Full { "FULL" } else { "INCREMENT" };
            let name = format!("{}_{shop}_{version}_{}_{kind}.xml", c.t("exportName"), now.format("%Y%m%d%H%M%S"));
            let bytes = render(&conn, &ids).map_err(|e| JobError::Temporary(format!("CustomerExportConfigDO {id}: {e}")))?;
            let path = dir.join(&name);
            crate::fs::atomic::write_atomic(&path, &bytes).map_err(|e| JobError::Temporary(format!("writing {}: {e}", path.display())))?;
            written.push(name);
            (Some(version), (due == Due::Full).then(|| now_text.clone()))
        };
        let tx = conn.write()?;
        q::customer_export_done(&tx, id, version.as_deref(), &now_text, full_text.as_deref())?;
        tx.commit()?;
    }
    Ok(written)
}

fn person(x: &mut Xml, r: &q::Rec, with_birth: bool) {
    let mut attrs = vec![
        ("companyName", r.s("companyName").map(Into::into)),
        ("firstName", r.s("firstName").map(Into::into)),
        ("lastName", r.s("lastName").map(Into::into)),
        ("title", r.s("title").map(Into::into)),
        ("isFemale", r.b("isFemale").map(Into::into)),
    ];
    if with_birth {
        attrs.push(("dateOfBirth", r.s("dateOfBirth").map(|d| super::writer::date(d).into())));
    }
    x.empty("Person", &attrs);
}

fn contact(x: &mut Xml, r: &q::Rec) {
    x.empty(
        "Contact",
        &[
            ("phone1", r.s("phone1").map(Into::into)),
            ("phone2", r.s("phone2").map(Into::into)),
            ("mobilePhone", r.s("mobilePhone").map(Into::into)),
            ("eMail", r.s("eMail").map(Into::into)),
            ("fax", r.s("fax").map(Into::into)),
        ],
    );
}

/// The Customers document of the given customers.
pub fn render(conn: &Conn, ids: &[i64]) -> crate::db::StoreResult<Vec<u8>> {
    let mut x = Xml::new();
    x.start("Customers", &[("xmlns", a("http://types.theberlinbakery.com/customer/v1_1"))]);
    for &id in ids {
        let Some(c) = q::customer(conn, id)? else { continue };
        x.start(
            "Customer",
            &[
                ("isActive", c.b("isActive").map(Into::into)),
                ("customerType", a(c.t("customerType"))),
                ("isNewCustomer", c.b("isNewCustomer").map(Into::into)),
                ("dunningLevel", c.s("dunningLevel").map(Into::into)),
                ("hasNewsletter", c.b("hasNewsletter").map(Into::into)),
                ("hasDeliveryStop", c.b("hasDeliveryStop").map(Into::into)),
                ("id", a(id.to_string())),
                ("version", a(c.s("version").unwrap_or("0"))),
            ],
        );
        x.empty("Shop", &[("shopCustomerNo", a(c.t("shopCustomerNo")))]);
        person(&mut x, &c, true);
        contact(&mut x, &c);
        for ad in q::customer_addresses(conn, id)? {
            x.start(
                "Address",
                &[
                    ("isDefault", ad.b("isDefault").map(Into::into)),
                    ("addressType", a(ad.t("addressType"))),
                    ("id", a(ad.t("id"))),
                    ("shopAddressNo", ad.s("shopAddressNo").map(Into::into)),
                    ("version", a(ad.s("version").unwrap_or("0"))),
                    ("nightShipping", ad.b("nightShipping").map(Into::into)),
                ],
            );
            person(&mut x, &ad, false);
            contact(&mut x, &ad);
            x.start("Location", &[]);
            x.opt_elem("Street", ad.s("street"));
            x.opt_elem("HouseNo", ad.s("houseNo"));
            x.opt_elem("POBox", ad.s("poBox"));
            if let (Some(u), Some(s)) = (ad.s("packstationUserId"), ad.s("packstationStationId")) {
                x.empty("Packstation", &[("userId", a(u)), ("stationId", a(s))]);
            }
            x.opt_elem("AddressAddition", ad.s("addressAddition1"));
            x.opt_elem("AddressAddition", ad.s("addressAddition2"));
            x.opt_elem("District", ad.s("district"));
            x.opt_elem("City", ad.s("city"));
            x.opt_elem("PostCode", ad.s("postCode"));
            x.opt_elem("Country", ad.s("country"));
            x.end("Location");
            if let Some(v) = ad.b("isValidated") {
                x.elem_attrs("IsValidated", &[("lastValidation", ad.s("lastValidation").map(|t| super::writer::date_time(t).into()))], v);
            }
            x.end("Address");
        }
        for b in q::customer_bank_accounts(conn, id)? {
            x.start(
                "BankAccount",
                &[
                    ("isDefault", b.b("isDefault").map(Into::into)),
                    ("hasDirectDebit", b.b("hasDirectDebit").map(Into::into)),
                    ("id", a(b.t("id"))),
                    ("shopBankAccountNo", b.s("shopBankAccountNo").map(Into::into)),
                    ("version", a(b.s("version").unwrap_or("0"))),
                ],
            );
            x.opt_elem("BankName", b.s("bankName"));
            x.opt_elem("AccountHolder", b.s("accountHolder"));
            x.opt_elem("AccountNumber", b.s("accountNumber"));
            if let Some(code) = b.s("bankCode") {
                x.elem_attrs("BankCode", &[("bankCodeType", a(b.s("bankCodeType").unwrap_or("STANDARD")))], code);
            }
            x.end("BankAccount");
        }
        for s in q::customer_scorings(conn, id)? {
            x.elem_attrs(
                "Scoring",
                &[
                    ("source", a(s.t("source"))),
                    ("scoringDate", a(super::writer::date(s.t("scoringDate")))),
                    ("id", a(s.t("id"))),
                    ("version", a(s.s("version").unwrap_or("0"))),
                ],
                s.t("value"),
            );
        }
        let props = q::customer_properties(conn, id)?;
        let mut types: Vec<&str> = Vec::new();
        for p in &props {
            if !types.contains(&p.t("type")) {
                types.push(p.t("type"));
            }
        }
        for ty in types {
            x.start("Properties", &[("type", a(ty))]);
            for p in props.iter().filter(|p| p.t("type") == ty) {
                x.empty(
                    "Property",
                    &[("key", a(p.t("key"))), ("value", a(p.t("value"))), ("id", a(p.t("id"))), ("version", a(p.s("version").unwrap_or("0")))],
                );
            }
            x.end("Properties");
        }
        x.end("Customer");
    }
    x.end("Customers");
    Ok(x.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2016, 11, 13, h, m, 0).unwrap()
    }

    #[test]
    fn schedule_anchored_at_start() {
        let start = t(12, 0);
        assert_eq!(decide(start, 1, 60, None, None, t(11, 59)), Due::Nothing);
        assert_eq!(decide(start, 1, 60, None, None, t(12, 0)), Due::Full);
        assert_eq!(decide(start, 1, 60, Some(t(12, 0)), Some(t(12, 0)), t(12, 30)), Due::Nothing);
        assert_eq!(decide(start, 1, 60, Some(t(12, 0)), Some(t(12, 0)), t(13, 5)), Due::Increment);
        assert_eq!(decide(start, 1, 60, Some(t(12, 0)), Some(t(13, 5)), t(13, 59)), Due::Nothing);
        let next_day = Utc.with_ymd_and_hms(2016, 11, 14, 12, 0, 1).unwrap();
        assert_eq!(decide(start, 1, 60, Some(t(12, 0)), Some(t(23, 0)), next_day), Due::Full);
    }

    #[test]
    fn versions() {
        assert_eq!(next_version(None, Due::Full), "1.00000");
        assert_eq!(next_version(Some("1.00000"), Due::Increment), "1.00001");
        assert_eq!(next_version(Some("2.00006"), Due::Increment), "2.00007");
        assert_eq!(next_version(Some("2.00007"), Due::Full), "3.00000");
        assert_eq!(next_version(None, Due::Increment), "1.00000");
    }
}
