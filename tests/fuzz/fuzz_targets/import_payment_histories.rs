//! Fuzz target: the payment_histories import bean never panics, and a file it rejects leaves no rows.
#![no_main]
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::import("import_paymenthistory", "PaymentHistories_", data, "PaymentHistoryDO");
});
