//! kube-scheduler: the scheduling queue, the filter/score cycle, and the
//! plugins' scoring arithmetic restated from upstream.
//!
//! `score` holds pure functions checked against Kubernetes' own test
//! vectors; `cycle` applies them to the cluster state for one pod; `queue`
//! orders pending pods with upstream's backoff.
pub mod cycle;
pub mod queue;
pub mod score;
