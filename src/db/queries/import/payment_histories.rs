//! `"PaymentHistoryDO"` rows of a PaymentHistories import.
use crate::db::params;

use super::insert_and_update;
use crate::db::{Conn, StoreResult};

#[derive(Debug, Default, Clone)]
pub struct PaymentHistoryRow {
    pub shop: i64,
    pub finance_controller: i64,
    pub invoicing: i64,
    pub merchant_id: String,
    pub trans_id: String,
    pub ref_nr: String,
    pub debitor: i64,
    pub entry_date: String,
    pub voucher_no: String,
    pub voucher_date: String,
    pub contra_account: Option<String>,
    pub position_type: String,
    pub kind: &'static str,
    pub position_details: Option<String>,
    pub position_details_ext: Option<String>,
    pub amount: i64,
    pub entry_range: Option<String>,
    pub import_file: i64,
}

const PH_COLUMNS: &[&str] = &[
    "shopRef", "financeControllerRef", "invoicingRef", "merchantId", "transId", "refNr", "debitorRef", "entryDate",
    "voucherNo", "voucherDate", "contraAccount", "positionType", "kind", "positionDetails", "positionDetailsExt", "amount",
    "entryRange", "importFileRef", "importDate",
];

/// Writes payment histories of one file: replaces the booking with the same invoice, voucher
/// and position type (the trigger keeps the old version) or inserts it.
pub struct PaymentHistoryWriter<'c> {
    conn: &'c Conn,
    update: String,
    insert: String,
}

impl<'c> PaymentHistoryWriter<'c> {
    pub fn new(conn: &'c Conn) -> StoreResult<Self> {
        let (insert, update) =
            insert_and_update("PaymentHistoryDO", PH_COLUMNS, r#""invoicingRef" = ?3 AND "voucherNo" = ?9 AND "positionType" = ?12"#);
        Ok(PaymentHistoryWriter { conn, update, insert })
    }

    pub fn write(&mut self, p: &PaymentHistoryRow, now: &str) -> StoreResult<()> {
        let params = params![
            p.shop,
            p.finance_controller,
            p.invoicing,
            p.merchant_id,
            p.trans_id,
            p.ref_nr,
            p.debitor,
            p.entry_date,
            p.voucher_no,
            p.voucher_date,
            p.contra_account,
            p.position_type,
            p.kind,
            p.position_details,
            p.position_details_ext,
            p.amount,
            p.entry_range,
            p.import_file,
            now
        ];
        let exists = self
            .conn
            .query_opt(
                r#"SELECT 1 FROM "PaymentHistoryDO" WHERE "invoicingRef" = ?1 AND "voucherNo" = ?2 AND "positionType" = ?3"#,
                params![p.invoicing, p.voucher_no, p.position_type],
                |_| Ok(()),
            )?
            .is_some();
        self.conn.execute(if exists { &self.update } else { &self.insert }, params)?;
        Ok(())
    }
}
