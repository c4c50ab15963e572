//! kube-scheduler, restated: the algorithms the simulator runs to place pods.
//!
//! The scheduler reproduces the upstream scheduling cycle (filter every
//! candidate node, score the feasible ones, normalize, weight, pick the best,
//! ties broken at random). This module grows in layers:
//!
//! - [`score`]: pure functions with no simulation state: the resource scoring
//!   strategies (LeastAllocated, MostAllocated, RequestedToCapacityRatio,
//!   BalancedAllocation), score normalization and weighting, the
//!   NodeResourcesFit filter, the number of feasible nodes to look for
//!   (`percentageOfNodesToScore`) and host selection. They use Go's integer
//!   and float semantics so the numbers match upstream exactly, and are
//!   checked against the upstream unit-test vectors in
//!   `tests/k8s_scheduler_vectors.rs`.
//!
//! The reference for every rule is section 4 of `k8s-algorithms.md`; each
//! function cites the upstream file it restates.

pub mod score;
