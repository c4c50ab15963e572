//! kube-scheduler: the scheduling queue and the filter/score cycle.
pub mod cycle;
pub mod queue;
