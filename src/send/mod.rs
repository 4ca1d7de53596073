//! Export: transmissions and one file per exported document format.
