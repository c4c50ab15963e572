//! kubesim: a discrete-event simulator of Kubernetes clusters.
#![warn(missing_docs)]

pub mod cli;
pub mod controllers;
pub mod dist;
pub mod engine;
pub mod manifests;
pub mod metrics;
pub mod model;
pub mod output;
pub mod report;
pub mod scenario;
pub mod scheduler;
pub mod sim;
pub mod sweep;
pub mod traffic;
pub mod units;
