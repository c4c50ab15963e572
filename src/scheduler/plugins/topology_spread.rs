//! PodTopologySpread (upstream `podtopologyspread/{filtering,scoring,common}.go`).
//!
//! Constraints count the *active* pods a selector matches per topology
//! domain (terminating pods are skipped, upstream #87621). A domain is
//! eligible when one of its nodes passes the pod's node selector and
//! required node affinity (`nodeAffinityPolicy: Honor`, the default),
//! whatever its taints (`nodeTaintsPolicy: Ignore`, the default) and
//! whether or not the pod would fit there. Every kubesim node carries both
//! topology labels.
//!
//! Filter (DoNotSchedule constraints): a node passes when
//! `matchNum(its domain) + 1 - globalMin <= maxSkew`, `globalMin` being the
//! smallest count over eligible domains, or 0 when there are fewer of them
//! than `minDomains`.
//!
//! Score (ScheduleAnyway constraints; when the pod has no constraints at
//! all, upstream's system defaults: hostname skew 3 and zone skew 5): for
//! each constraint, `count(domain) * ln(#domains + 2) + (maxSkew - 1)`,
//! summed as floats and rounded; domains are those of the feasible nodes.
//! Normalized as `100 * (max + min - s) / max` (100 for all when max is 0),
//! so emptier domains score higher.
//!
//! Selectors: an explicit constraint selects the workload's pods (all
//! revisions share the workload's labels). The system default constraints
//! select with `DefaultSelector`, which ANDs the owning ReplicaSet's
//! selector, and a ReplicaSet's selector includes its `pod-template-hash`:
//! so they count the pods of the pod's own ReplicaSet (revision) only. A
//! Job's pods have no such selector, so the defaults do not apply to them.

use super::NodeSums;
use super::node_affinity;
use crate::model::{ClusterState, DeploymentId, NodeId, Pod, PodId};
use crate::scenario::{SpreadConstraint, Topology, Workload};
use crate::scheduler::cycle::{Code, CycleContext, FilterPlugin, Rejection, ScorePlugin};
use crate::scheduler::score::MAX_NODE_SCORE;

/// Upstream plugin name.
pub const NAME: &str = "PodTopologySpread";
/// Upstream `ErrReasonConstraintsNotMatch`.
pub const REASON: &str = "node(s) didn't match pod topology spread constraints";
/// Upstream's system default constraints (`systemDefaultConstraints`,
/// `apis/config/v1`): `(topology, maxSkew)`, both ScheduleAnyway.
pub const SYSTEM_DEFAULT_CONSTRAINTS: [(Topology, u32); 2] =
    [(Topology::Hostname, 3), (Topology::Zone, 5)];

/// Active (non-terminating) pods among `pods`, bound to a live node.
fn active_bound<'a>(
    state: &'a ClusterState,
    pods: impl Iterator<Item = &'a PodId> + 'a,
) -> impl Iterator<Item = (&'a Pod, NodeId)> + 'a {
    pods.filter_map(move |&p| {
        let pod = state.pod(p);
        let n = pod.node?;
        (pod.is_active() && !state.node(n).removed).then_some((pod, n))
    })
}

/// The active bound pods of workload `w`.
fn workload_pods(state: &ClusterState, w: DeploymentId) -> impl Iterator<Item = (&Pod, NodeId)> {
    let rss = &state.deployment(w).replica_sets;
    active_bound(
        state,
        rss.iter().flat_map(move |rs| state.rs(*rs).pods.iter()),
    )
}

/// Which nodes are eligible (`nodeAffinityPolicy: Honor`).
enum Eligible {
    /// The pod constrains no node: every live node.
    All,
    /// By arena index.
    Some(Vec<bool>),
}

impl Eligible {
    fn of(cx: &CycleContext<'_>) -> (Eligible, usize, Vec<bool>) {
        let zones = cx.zones.len();
        if !node_affinity::has_required(cx.workload) {
            let zone_domains = (0..zones).map(|z| cx.nodes.live_in_zone(z) > 0).collect();
            return (Eligible::All, cx.nodes.len(), zone_domains);
        }
        let mut flags = vec![false; cx.state.nodes.len()];
        let mut zone_domains = vec![false; zones];
        let mut count = 0;
        for &id in cx.nodes.order() {
            let n = cx.node(id);
            if node_affinity::required_matches(cx.workload, n, cx.zones) {
                flags[id.idx()] = true;
                zone_domains[n.zone] = true;
                count += 1;
            }
        }
        (Eligible::Some(flags), count, zone_domains)
    }

    fn contains(&self, id: NodeId) -> bool {
        match self {
            Eligible::All => true,
            Eligible::Some(v) => v[id.idx()],
        }
    }
}

/// Matching pods per node and per zone.
struct Counts {
    by_node: NodeSums,
    by_zone: Vec<u32>,
}

impl Counts {
    fn new(zones: usize) -> Self {
        Counts {
            by_node: NodeSums::default(),
            by_zone: vec![0; zones],
        }
    }

    fn get(&self, topology: Topology, id: NodeId, zone: usize) -> u32 {
        match topology {
            Topology::Hostname => self.by_node.get(id) as u32,
            Topology::Zone => self.by_zone.get(zone).copied().unwrap_or(0),
        }
    }
}

struct Filter<'a> {
    // (constraint, globalMin)
    constraints: Vec<(&'a SpreadConstraint, u32)>,
    counts: Counts,
}

/// PreFilter: counts per eligible domain and each DoNotSchedule
/// constraint's global minimum (upstream `calPreFilterState`). Skipped
/// without DoNotSchedule constraints.
pub fn pre_filter<'a>(cx: &CycleContext<'a>) -> Option<Box<dyn FilterPlugin + 'a>> {
    let hard: Vec<&SpreadConstraint> = cx
        .workload
        .spread
        .iter()
        .filter(|c| c.do_not_schedule)
        .collect();
    if hard.is_empty() {
        return None;
    }
    let (eligible, eligible_nodes, zone_domains) = Eligible::of(cx);
    let mut counts = Counts::new(cx.zones.len());
    for (_, n) in workload_pods(cx.state, cx.workload_id()) {
        if eligible.contains(n) {
            counts.by_node.add(n, 1);
            counts.by_zone[cx.node(n).zone] += 1;
        }
    }
    counts.by_node.seal();
    let constraints = hard
        .into_iter()
        .map(|c| {
            let (domains, min) = match c.topology {
                Topology::Zone => {
                    let zs = zone_domains.iter().enumerate().filter(|(_, d)| **d);
                    let min = zs.clone().map(|(z, _)| counts.by_zone[z]).min();
                    (zs.count(), min)
                }
                Topology::Hostname => {
                    // Eligible nodes without a matching pod count 0.
                    let min = if counts.by_node.nodes() < eligible_nodes {
                        Some(0)
                    } else {
                        counts.by_node.sums().min().map(|m| m as u32)
                    };
                    (eligible_nodes, min)
                }
            };
            // Fewer domains than minDomains (default 1): globalMin is 0.
            let min_domains = c.min_domains.unwrap_or(1) as usize;
            let global_min = if domains < min_domains {
                0
            } else {
                min.unwrap_or(0)
            };
            (c, global_min)
        })
        .collect();
    Some(Box::new(Filter {
        constraints,
        counts,
    }))
}

impl FilterPlugin for Filter<'_> {
    fn name(&self) -> &'static str {
        NAME
    }

    fn filter(&self, cx: &CycleContext<'_>, node: NodeId) -> Result<(), Rejection> {
        let zone = cx.node(node).zone;
        for &(c, global_min) in &self.constraints {
            // matchNum + selfMatch (the pod matches its own workload) - globalMin.
            let skew =
                i64::from(self.counts.get(c.topology, node, zone)) + 1 - i64::from(global_min);
            if skew > i64::from(c.max_skew) {
                return Err(Rejection::new(Code::Unschedulable, REASON));
            }
        }
        Ok(())
    }
}

struct Score {
    // (topology, maxSkew, ln(#domains + 2))
    constraints: Vec<(Topology, u32, f64)>,
    counts: Counts,
}

/// PreScore (upstream `initPreScoreState` and `PreScore`): the soft
/// constraints, or the system defaults when the workload declares no
/// constraint at all; skipped when there is none.
pub fn pre_score<'a>(
    cx: &CycleContext<'a>,
    feasible: &[NodeId],
) -> Option<Box<dyn ScorePlugin + 'a>> {
    let w: &Workload = cx.workload;
    let soft: Vec<(Topology, u32)> = if w.spread.is_empty() {
        if w.job {
            // No Service or ReplicaSet selects a Job's pods: DefaultSelector
            // is empty and upstream's buildDefaultConstraints returns none.
            return None;
        }
        SYSTEM_DEFAULT_CONSTRAINTS.to_vec()
    } else {
        w.spread
            .iter()
            .filter(|c| !c.do_not_schedule)
            .map(|c| (c.topology, c.max_skew))
            .collect()
    };
    if soft.is_empty() {
        return None;
    }
    // Domains: those of the feasible nodes.
    let mut zone_in = vec![false; cx.zones.len()];
    for &n in feasible {
        zone_in[cx.node(n).zone] = true;
    }
    let zones = zone_in.iter().filter(|z| **z).count();
    let constraints = soft
        .into_iter()
        .map(|(t, skew)| {
            let size = match t {
                Topology::Hostname => feasible.len(),
                Topology::Zone => zones,
            };
            (t, skew, ((size + 2) as f64).ln())
        })
        .collect();

    // Counts over every node passing the inclusion policy (node affinity),
    // for zones among the feasible nodes' zones; per-node counts are only
    // read for feasible nodes, which pass node affinity.
    let honor = node_affinity::has_required(w);
    let mut counts = Counts::new(cx.zones.len());
    let mut add = |cx: &CycleContext<'_>, n: NodeId| {
        counts.by_node.add(n, 1);
        let node = cx.node(n);
        if zone_in[node.zone] && (!honor || node_affinity::required_matches(w, node, cx.zones)) {
            counts.by_zone[node.zone] += 1;
        }
    };
    if w.spread.is_empty() {
        // DefaultSelector: the pod's own ReplicaSet.
        for (_, n) in active_bound(cx.state, cx.state.rs(cx.pod.rs).pods.iter()) {
            add(cx, n);
        }
    } else {
        for (_, n) in workload_pods(cx.state, cx.workload_id()) {
            add(cx, n);
        }
    }
    counts.by_node.seal();
    Some(Box::new(Score {
        constraints,
        counts,
    }))
}

impl ScorePlugin for Score {
    fn name(&self) -> &'static str {
        NAME
    }

    /// `Σ count * ln(#domains + 2) + (maxSkew - 1)`, rounded half away from
    /// zero (Go `math.Round`).
    fn score(&self, cx: &CycleContext<'_>, node: NodeId) -> i64 {
        let zone = cx.node(node).zone;
        let mut s = 0.0f64;
        for &(t, max_skew, weight) in &self.constraints {
            let cnt = self.counts.get(t, node, zone);
            s += f64::from(cnt) * weight + f64::from(max_skew - 1);
        }
        crate::scheduler::score::go_round(s)
    }

    fn normalize(&self, scores: &mut [i64]) {
        normalize(scores);
    }
}

/// PodTopologySpread's NormalizeScore: `100 * (max + min - s) / max`,
/// integer; every node 100 when the highest score is 0.
pub fn normalize(scores: &mut [i64]) {
    let min = scores.iter().copied().min().unwrap_or(0);
    let max = scores.iter().copied().fold(0, i64::max);
    for s in scores.iter_mut() {
        *s = if max == 0 {
            MAX_NODE_SCORE
        } else {
            MAX_NODE_SCORE * (max + min - *s) / max
        };
    }
}
