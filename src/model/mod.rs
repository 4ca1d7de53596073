//! The bottom layer: plain types every other layer shares, with no dependency on storage, files
//! or protocols: the job contract ([`job`]) and where an import failed ([`import_error`]).
pub mod import_error;
pub mod job;
