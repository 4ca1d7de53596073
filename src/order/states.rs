//! IOM's order states derived from impex's rows (see [`super`]).
