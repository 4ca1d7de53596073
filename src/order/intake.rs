//! The order service's create and read operations and change requests (see [`super`]).
