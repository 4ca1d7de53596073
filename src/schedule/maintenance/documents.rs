//! The document renderer: renders the order documents that are missing (`document::render_missing`,
//! docs/orders.md "Documents"), at most once per [`RENDER_EVERY`] and [`BATCH`] documents a pass
//! by the run loop, so a large backlog does not hold up the schedules.
use std::path::Path;
use std::time::{Duration, Instant};

use crate::db::Conn;

/// How often the run loop looks for missing documents.
pub const RENDER_EVERY: Duration = Duration::from_secs(10);
/// Documents per pass.
pub const BATCH: usize = 200;

#[derive(Debug, Default)]
pub struct Renderer {
    last: Option<Instant>,
}

impl Renderer {
    /// Renders missing documents if the last pass is more than [`RENDER_EVERY`] ago; returns
    /// how many.
    pub fn run_once(&mut self, conn: &mut Conn, base: &Path) -> crate::error::Result<usize> {
        if self.last.is_some_and(|l| l.elapsed() < RENDER_EVERY) {
            return Ok(0);
        }
        self.last = Some(Instant::now());
        Ok(crate::document::render_missing(conn, base, BATCH)?.documents)
    }
}
