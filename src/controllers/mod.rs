//! Controller algorithms restated from Kubernetes; `deployment_algo` holds the pure arithmetic.

pub mod deployment_algo;
