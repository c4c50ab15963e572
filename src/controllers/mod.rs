//! Controllers: level-triggered reconcilers that read the cluster state and
//! return [`crate::sim::Action`]s. `deployment_algo` and `hpa_algo` hold the
//! pure arithmetic restated from Kubernetes; the other modules wire it to state.

pub mod cluster_autoscaler;
pub mod deployment;
pub mod deployment_algo;
pub mod hpa_algo;
pub mod job;
pub mod readiness;
pub mod replicaset;
pub mod taint_eviction;
