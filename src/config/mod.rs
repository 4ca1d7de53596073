//! Configuration: the base directory layout ([`paths`]), the embedded seeds ([`seed`]) and the
//! validation behind `impex check` ([`check`]).
pub mod check;
pub mod paths;
pub mod seed;
