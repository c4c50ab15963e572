//! kubesim: a discrete-event simulator of Kubernetes clusters.
#![warn(missing_docs)]

pub mod controllers;
pub mod dist;
pub mod engine;
pub mod scenario;
pub mod units;
