//! Orders of the shops, as a library behind IOM's order service 2.4 (`/rest/order-service`) and
//! the storeOrder import: one writer for every way an order comes in, and the read side the
//! order service answers from. docs/orders.md has the rules.
//!
//! - [`writer`]: writes a checked [`crate::model::order::NewOrder`] (customer, addresses,
//!   charges, positions, properties); the storeOrder import (`transform::store_order`) and the
//!   order service's `POST /shops/{shopId}/orders` both call it.
//! - [`intake`]: the order service's `Order` body (spec types) checked and turned into a
//!   `NewOrder`, the create and read operations, change requests (cancellations).
//! - [`states`]: IOM's order state of an order derived from impex's rows, the payment state,
//!   the order states search and the change cursor of `order-states/modified`.
pub mod intake;
pub mod returns;
pub mod states;
pub mod writer;
