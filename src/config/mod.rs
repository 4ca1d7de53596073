//! `impex check`: validation of the configuration rows (table, id, column, reason).
pub mod check;
