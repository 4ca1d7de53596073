//! The documents of an order (IOM's DocumentTypeDefDO: invoice, credit note, delivery note,
//! return slip), rendered once as PDF, stored under the base directory with a row, and found by
//! their unguessable key for IOM's DocumentServlet-like download link.
