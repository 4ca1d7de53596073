//! ImportXmlPaymenthistoriesBean (`"TransformerBeanDefDO"` 23): PaymentHistories files of an
//! external accounting system (reference: "Debtor Management Import Payment Histories").
//!
//! - Header and references as in [`super::open_positions`]: MerchantId -> finance controller of
//!   the shop, `RefNr` an invoice of the shop, `Debtor/@id` a debtor of the shop (xs:long).
//! - Dates in format DDMMYYYY (stored as YYYY-MM-DD); Amount in minor units, signed.
//! - PositionType is mandatory: R, Z, RU or ZU; the stored `kind`: positive R = INVOICE,
//!   negative R = CREDIT_NOTE, positive Z = PAYMENT, negative Z = REFUND, RU / ZU = REBOOKING.
//!   The reference's example has an empty PositionType and Debtor id "1234556a": it is not
//!   valid per the field table and is rejected naming the field.
//! - One row per (invoice, VoucherNo, PositionType): a later file's booking with the same key
//!   replaces it, the old one is kept in `"PaymentHistoryVersionDO"`.
use crate::db::Conn;
use std::collections::HashMap;


use super::open_positions::{checked_shop, invoice_and_debtor, Accounting, HeaderReader};
use super::values::{FieldSpec, Rec, Slot};
use super::xml_input::XmlInput;
use super::{ConfigError, Ctx, ImportError, Params, Transformer};
use crate::db::queries::import::{self as q, PaymentHistoryRow};

const SPECS: &[FieldSpec] = &[
    FieldSpec { name: "RefNr", attr: None },
    FieldSpec { name: "Debtor", attr: Some("id") },
    FieldSpec { name: "EntryDate", attr: None },
    FieldSpec { name: "VoucherNo", attr: None },
    FieldSpec { name: "VoucherDate", attr: None },
    FieldSpec { name: "ContraAccount", attr: None },
    FieldSpec { name: "PositionType", attr: None },
    FieldSpec { name: "PositionDetails", attr: None },
    FieldSpec { name: "PositionDetailsExt", attr: None },
    FieldSpec { name: "Amount", attr: None },
    FieldSpec { name: "EntryRange", attr: None },
];

const REF_NR: usize = 0;
const DEBTOR: usize = 1;
const ENTRY_DATE: usize = 2;
const VOUCHER_NO: usize = 3;
const VOUCHER_DATE: usize = 4;
const CONTRA_ACCOUNT: usize = 5;
const POSITION_TYPE: usize = 6;
const POSITION_DETAILS: usize = 7;
const POSITION_DETAILS_EXT: usize = 8;
const AMOUNT: usize = 9;
const ENTRY_RANGE: usize = 10;

pub fn build(conn: &Conn, params: &Params) -> Result<Box<dyn Transformer>, ConfigError> {
    Ok(Box::new(PaymentHistories { shop: checked_shop(conn, params)? }))
}

struct PaymentHistories {
    shop: i64,
}

/// The stored kind of a booking.
pub fn kind(position_type: &str, amount: i64) -> Option<&'static str> {
    match (position_type, amount >= 0) {
        ("R", true) => Some("INVOICE"),
        ("R", false) => Some("CREDIT_NOTE"),
        ("Z", true) => Some("PAYMENT"),
        ("Z", false) => Some("REFUND"),
        ("RU" | "ZU", _) => Some("REBOOKING"),
        _ => None,
    }
}

impl Transformer for PaymentHistories {
    fn checks_references(&self) -> bool {
        true
    }

    fn import(&self, ctx: &mut Ctx<'_>, file: &std::path::Path) -> Result<u64, ImportError> {
        let mut x = XmlInput::open(file)?;
        let root = x.root()?;
        if root.name != "PaymentHistories" {
            return Err(ImportError {
                line: Some(root.line),
                ..ImportError::file(format!("wrong root element <{}>: ImportXmlPaymenthistoriesBean expects <PaymentHistories>", root.name))
            });
        }
        let now = crate::time::now_text();
        let mut header = HeaderReader::default();
        let mut acc: Option<Accounting> = None;
        let mut debtors: HashMap<i64, Option<i64>> = HashMap::new();
        let mut slots: Vec<Slot> = vec![None; SPECS.len()];
        let mut text = String::new();
        let mut n: u64 = 0;
        let mut look = q::Lookups::new(ctx.tx)?;
        let mut writer = q::PaymentHistoryWriter::new(ctx.tx)?;
        while let Some(el) = x.next_child()? {
            if header.offer(&mut x, &el, acc.is_some())? {
                continue;
            }
            if !el.name.eq_ignore_ascii_case("PaymentHistory") {
                return Err(ImportError {
                    line: Some(el.line),
                    field: Some(el.name.clone()),
                    ..ImportError::file(format!("unknown element <{}> in <PaymentHistories> (known: MerchantId, TransId, PaymentHistory)", el.name))
                });
            }
            n += 1;
            if acc.is_none() {
                acc = Some(header.resolve(ctx.tx, self.shop, el.line)?);
            }
            let a = acc.as_ref().unwrap();
            text.clear();
            x.read_fields(&el.name, SPECS, &mut text, &mut slots, n)?;
            let rec = Rec { record: n, line: el.line, specs: SPECS, text: &text, slots: &slots };
            let (ref_nr, invoicing, debitor) = invoice_and_debtor(&mut look, &rec, REF_NR, DEBTOR, self.shop, &mut debtors)?;
            let entry_date = rec.ddmmyyyy(ENTRY_DATE)?;
            let voucher_no = rec.mandatory(VOUCHER_NO, 30)?.to_string();
            let voucher_date = rec.ddmmyyyy(VOUCHER_DATE)?;
            let contra_account = rec.optional(CONTRA_ACCOUNT, 20)?.map(str::to_string);
            let position_type = rec.mandatory(POSITION_TYPE, 255)?.to_ascii_uppercase();
            let amount = rec.amount(AMOUNT)?;
            let kind = kind(&position_type, amount)
                .ok_or_else(|| rec.err(POSITION_TYPE, format!("`{position_type}` is not a position type (R, Z, RU or ZU)")))?;
            let row = PaymentHistoryRow {
                shop: self.shop,
                finance_controller: a.fc,
                invoicing,
                merchant_id: a.merchant.clone(),
                trans_id: a.trans_id.clone(),
                ref_nr,
                debitor,
                entry_date,
                voucher_no,
                voucher_date,
                contra_account,
                position_type,
                kind,
                position_details: rec.optional(POSITION_DETAILS, 255)?.map(str::to_string),
                position_details_ext: rec.optional(POSITION_DETAILS_EXT, 255)?.map(str::to_string),
                amount,
                entry_range: rec.optional(ENTRY_RANGE, 10)?.map(str::to_string),
                import_file: ctx.import_file_id,
            };
            writer.write(&row, &now).map_err(|e| ImportError::at(n, el.line, "PaymentHistory", format!("database: {e}")))?;
            if n.is_multiple_of(1024) {
                ctx.progress(x.position(), n);
            }
        }
        if n == 0 {
            header.resolve(ctx.tx, self.shop, x.line())?;
            return Err(x.error_here("the file has no <PaymentHistory> (at least one is required)"));
        }
        x.finish()?;
        ctx.progress(x.position(), n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kinds() {
        assert_eq!(super::kind("R", 100), Some("INVOICE"));
        assert_eq!(super::kind("R", -100), Some("CREDIT_NOTE"));
        assert_eq!(super::kind("Z", 100), Some("PAYMENT"));
        assert_eq!(super::kind("Z", -100), Some("REFUND"));
        assert_eq!(super::kind("ZU", -1), Some("REBOOKING"));
        assert_eq!(super::kind("", 1), None);
    }
}
