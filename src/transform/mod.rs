//! Import: transformer groups and one file per transformer bean.
