//! Fuzz target: the openTRANS dispatch import bean (namespace-resolving parser and the checks of
//! each item) never panics, and a file it rejects leaves no rows.
#![no_main]
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::import("import_opentrans_dispatch", "openTransDispatch_", data, "DispatchPositionDO");
});
