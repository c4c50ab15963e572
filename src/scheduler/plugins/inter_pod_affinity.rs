//! InterPodAffinity (upstream `interpodaffinity/{filtering,scoring}.go`).
//!
//! A term selects the pods of one workload and names a topology; "pods"
//! are those bound to a node of the snapshot, terminating ones included
//! (the scheduler's NodeInfo keeps them until they are gone).
//!
//! Filter, in upstream's order:
//! 1. required affinity: on every term's topology, the node's domain must
//!    hold a pod matching *all* the terms; except that the first pod of a
//!    group with affinity to itself passes when no pod matches yet;
//! 2. required anti-affinity: no term's domain may hold a matching pod;
//! 3. symmetry: no existing pod whose required anti-affinity term selects
//!    the incoming pod may share that term's domain with the node.
//!
//! Score: per topology domain, `+weight` for each existing pod matching one
//! of the pod's preferred affinity terms and `-weight` for its preferred
//! anti-affinity terms; symmetrically `+1` (`hardPodAffinityWeight`) for each
//! existing pod whose required affinity term selects the incoming pod and
//! `±weight` for its preferred terms that do. A node's raw score sums its
//! hostname and zone domains; normalized as `100 * (s - min) / (max - min)`
//! in floats, truncated (0 for all when max == min).

use super::TopologyCounts;
use crate::model::NodeId;
use crate::scenario::{PodAffinityTerm, Topology};
use crate::scheduler::cycle::{Code, CycleContext, FilterPlugin, Rejection, ScorePlugin, TermKind};
use crate::scheduler::score::MAX_NODE_SCORE;

/// Upstream plugin name.
pub const NAME: &str = "InterPodAffinity";
/// Upstream `ErrReasonAffinityRulesNotMatch`.
pub const REASON_AFFINITY: &str = "node(s) didn't match pod affinity rules";
/// Upstream `ErrReasonAntiAffinityRulesNotMatch`.
pub const REASON_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
/// Upstream `ErrReasonExistingAntiAffinityRulesNotMatch`.
pub const REASON_EXISTING_ANTI_AFFINITY: &str =
    "node(s) didn't satisfy existing pods anti-affinity rules";
/// Weight of an existing pod's required affinity term that selects the
/// incoming pod (upstream `InterPodAffinityArgs.HardPodAffinityWeight`,
/// default 1).
pub const HARD_POD_AFFINITY_WEIGHT: i64 = 1;

struct Filter<'a> {
    affinity: Vec<&'a PodAffinityTerm>,
    anti_affinity: Vec<&'a PodAffinityTerm>,
    affinity_counts: TopologyCounts,
    anti_affinity_counts: TopologyCounts,
    existing_anti_affinity: TopologyCounts,
    // The pod matches all of its own required affinity terms.
    self_match: bool,
}

/// PreFilter (upstream `PreFilter`): counts per topology domain of the pods
/// matching the incoming pod's required terms, and of existing pods whose
/// required anti-affinity selects it. Skipped when there is nothing to
/// check.
pub fn pre_filter<'a>(cx: &CycleContext<'a>) -> Option<Box<dyn FilterPlugin + 'a>> {
    let me = cx.workload_id().idx();
    let required = |terms: &'a [PodAffinityTerm]| -> Vec<&'a PodAffinityTerm> {
        terms.iter().filter(|t| t.is_required()).collect()
    };
    let affinity = required(&cx.workload.affinity.pod_affinity);
    let anti_affinity = required(&cx.workload.affinity.pod_anti_affinity);

    let mut existing_anti_affinity = TopologyCounts::default();
    for t in cx.affinity.selecting(me) {
        if t.kind == TermKind::RequiredAntiAffinity {
            for (_, n) in cx.bound_pods(t.source) {
                existing_anti_affinity.add(t.topology, n, cx.node(n), 1);
            }
        }
    }
    if existing_anti_affinity.is_empty() && affinity.is_empty() && anti_affinity.is_empty() {
        return None;
    }

    // A pod counts for affinity only if it matches every term; terms select
    // one workload each, so only when they all select the same one.
    let mut affinity_counts = TopologyCounts::default();
    if let Some(first) = affinity.first()
        && affinity.iter().all(|t| t.workload == first.workload)
    {
        for (_, n) in cx.bound_pods(first.workload) {
            for t in &affinity {
                affinity_counts.add(t.topology, n, cx.node(n), 1);
            }
        }
    }
    let mut anti_affinity_counts = TopologyCounts::default();
    for t in &anti_affinity {
        for (_, n) in cx.bound_pods(t.workload) {
            anti_affinity_counts.add(t.topology, n, cx.node(n), 1);
        }
    }
    for c in [
        &mut affinity_counts,
        &mut anti_affinity_counts,
        &mut existing_anti_affinity,
    ] {
        c.seal();
    }
    let self_match = !affinity.is_empty() && affinity.iter().all(|t| t.workload == me);
    Some(Box::new(Filter {
        affinity,
        anti_affinity,
        affinity_counts,
        anti_affinity_counts,
        existing_anti_affinity,
        self_match,
    }))
}

impl FilterPlugin for Filter<'_> {
    fn name(&self) -> &'static str {
        NAME
    }

    fn filter(&self, cx: &CycleContext<'_>, node: NodeId) -> Result<(), Rejection> {
        let n = cx.node(node);
        // satisfyPodAffinity.
        let pods_exist = self
            .affinity
            .iter()
            .all(|t| self.affinity_counts.get(t.topology, node, n) > 0);
        // The first pod of a self-affine group: nothing matches anywhere yet.
        let first_of_group = self.affinity_counts.is_empty() && self.self_match;
        if !(pods_exist || first_of_group) {
            return Err(Rejection::new(
                Code::UnschedulableAndUnresolvable,
                REASON_AFFINITY,
            ));
        }
        // satisfyPodAntiAffinity.
        if self
            .anti_affinity
            .iter()
            .any(|t| self.anti_affinity_counts.get(t.topology, node, n) > 0)
        {
            return Err(Rejection::new(Code::Unschedulable, REASON_ANTI_AFFINITY));
        }
        // satisfyExistingPodsAntiAffinity: any of the node's topology pairs.
        let ex = &self.existing_anti_affinity;
        if ex.get(Topology::Hostname, node, n) > 0 || ex.get(Topology::Zone, node, n) > 0 {
            return Err(Rejection::new(
                Code::Unschedulable,
                REASON_EXISTING_ANTI_AFFINITY,
            ));
        }
        Ok(())
    }
}

struct Score {
    topology_score: TopologyCounts,
}

/// PreScore (upstream `PreScore`/`processExistingPod`): the weight sums per
/// topology domain. Skipped when no existing pod contributes.
pub fn pre_score<'a>(cx: &CycleContext<'a>, _: &[NodeId]) -> Option<Box<dyn ScorePlugin + 'a>> {
    let me = cx.workload_id().idx();
    let mut topology_score = TopologyCounts::default();
    let a = &cx.workload.affinity;
    // The incoming pod's preferred terms against existing pods.
    let own = a
        .pod_affinity
        .iter()
        .filter_map(|t| Some((t, i64::from(t.weight?))))
        .chain(
            a.pod_anti_affinity
                .iter()
                .filter_map(|t| Some((t, -i64::from(t.weight?)))),
        );
    for (t, v) in own {
        for (_, n) in cx.bound_pods(t.workload) {
            topology_score.add(t.topology, n, cx.node(n), v);
        }
    }
    // Existing pods' terms against the incoming pod.
    for t in cx.affinity.selecting(me) {
        let v = match t.kind {
            TermKind::RequiredAffinity => HARD_POD_AFFINITY_WEIGHT,
            TermKind::PreferredAffinity(w) => i64::from(w),
            TermKind::PreferredAntiAffinity(w) => -i64::from(w),
            TermKind::RequiredAntiAffinity => continue,
        };
        for (_, n) in cx.bound_pods(t.source) {
            topology_score.add(t.topology, n, cx.node(n), v);
        }
    }
    topology_score.seal();
    (!topology_score.is_empty()).then(|| Box::new(Score { topology_score }) as Box<dyn ScorePlugin>)
}

impl ScorePlugin for Score {
    fn name(&self) -> &'static str {
        NAME
    }

    fn score(&self, cx: &CycleContext<'_>, node: NodeId) -> i64 {
        self.topology_score.node_total(node, cx.node(node))
    }

    fn normalize(&self, scores: &mut [i64]) {
        normalize(scores);
    }
}

/// InterPodAffinity's NormalizeScore: `int64(100 * (float(s - min) /
/// float(max - min)))`, 0 for every node when max == min.
pub fn normalize(scores: &mut [i64]) {
    let min = scores.iter().copied().min().unwrap_or(0);
    let max = scores.iter().copied().max().unwrap_or(0);
    let diff = max - min;
    for s in scores.iter_mut() {
        *s = if diff > 0 {
            (MAX_NODE_SCORE as f64 * ((*s - min) as f64 / diff as f64)) as i64
        } else {
            0
        };
    }
}
