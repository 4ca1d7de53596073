//! The bottom layer: plain types every other layer shares, with no dependency on storage, files
//! or protocols: the job contract ([`job`]), where an import failed ([`import_error`]) and an
//! order before it is written ([`order`]).
pub mod import_error;
pub mod order;
pub mod job;
