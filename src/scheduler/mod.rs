//! kube-scheduler: the scheduling queue, the plugin framework and one
//! scheduling cycle, the default profile's plugins, and their scoring
//! arithmetic restated from upstream.
//!
//! `score` holds pure functions checked against Kubernetes' own test
//! vectors; `plugins` applies them (and the other default plugins) to the
//! cluster state; `cycle` is the framework running a profile's plugins for
//! one pod; `queue` orders pending pods with upstream's backoff;
//! `preemption` is DefaultPreemption (PostFilter); `memo` remembers each
//! node's resource scores while their inputs are unchanged; `index` keeps
//! each node's verdict and total per pod class across cycles.
pub mod cycle;
pub mod index;
pub mod memo;
pub mod plugins;
pub mod preemption;
pub mod queue;
pub mod score;

#[cfg(test)]
mod tests;
