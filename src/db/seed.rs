//! Seeds embedded in the binary: the reference rows (`seed/reference.sql`) that every database
//! gets, and the demo data set (`seed/demo.sql`) loaded by `impex init --demo`.
pub const REFERENCE: &str = include_str!("../../seed/reference.sql");
pub const DEMO: &str = include_str!("../../seed/demo.sql");
