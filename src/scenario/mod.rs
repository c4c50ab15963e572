//! Scenario files: parse, default, validate, override.
mod model;
pub use model::*;
