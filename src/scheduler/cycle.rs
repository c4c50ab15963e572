//! One scheduling cycle for one pod: filter every node, score the feasible
//! ones, pick the best with a random tie-break (kube-scheduler's
//! `schedulePod`/`selectHost`).

use super::score::{self, CpuMemory, NodeFitState, ResourceUse};
use crate::engine::SimRng;
use crate::model::{ClusterState, Node, NodeId, PodId};
use crate::scenario::{ScoreStrategy, Topology, Workload};
use rand::RngExt;
use std::collections::BTreeMap;
use std::fmt;

/// Why nodes were filtered out, counted like upstream's
/// "0/9 nodes are available: ..." message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnosis {
    /// Nodes considered.
    pub nodes: u32,
    /// Reason -> number of nodes rejected for it (first failing filter).
    pub reasons: BTreeMap<&'static str, u32>,
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reasons = self
            .reasons
            .iter()
            .flat_map(|(r, n)| std::iter::repeat_n(*r, *n as usize));
        f.write_str(&score::fit_error_message(self.nodes as usize, reasons))
    }
}

/// The result of a cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Bind to this node.
    Bind(NodeId),
    /// No node passed the filters.
    Unschedulable(Diagnosis),
}

/// Counts of the workload's pods per topology domain, for spread and
/// anti-affinity.
struct DomainCounts {
    // Active (non-terminating) matching pods: PodTopologySpread skips
    // terminating pods when counting.
    active_by_node: BTreeMap<NodeId, u32>,
    active_by_zone: Vec<u32>,
    // All bound matching pods, terminating included: the scheduler's NodeInfo
    // still holds them, and InterPodAffinity sees them.
    any_by_node: BTreeMap<NodeId, u32>,
    any_by_zone: Vec<u32>,
}

impl DomainCounts {
    fn new(state: &ClusterState, pod: PodId, zones: usize) -> Self {
        let dep = state.pod(pod).deployment;
        let mut c = DomainCounts {
            active_by_node: BTreeMap::new(),
            active_by_zone: vec![0; zones],
            any_by_node: BTreeMap::new(),
            any_by_zone: vec![0; zones],
        };
        for rs in &state.deployment(dep).replica_sets {
            for &p in &state.rs(*rs).pods {
                let pd = state.pod(p);
                let Some(n) = pd.node else { continue };
                if pd.gone || p == pod {
                    continue;
                }
                let zone = state.node(n).zone;
                *c.any_by_node.entry(n).or_default() += 1;
                c.any_by_zone[zone] += 1;
                if pd.is_active() {
                    *c.active_by_node.entry(n).or_default() += 1;
                    c.active_by_zone[zone] += 1;
                }
            }
        }
        c
    }
}

/// Runs the filters and scores for `pod` (a pod of `workload`) and picks a
/// node. `rng` is the scheduler's own stream, used only for tie-breaks.
pub fn schedule_one(
    state: &ClusterState,
    workload: &Workload,
    strategy: &ScoreStrategy,
    zones: usize,
    pod: PodId,
    rng: &mut SimRng,
) -> Outcome {
    let p = state.pod(pod);
    let needs_counts = !workload.spread.is_empty() || workload.anti_affinity.is_some();
    let counts = needs_counts.then(|| DomainCounts::new(state, pod, zones));
    // Eligible domains for spread: nodes passing the node selector
    // (nodeAffinityPolicy Honor) whatever their taints (nodeTaintsPolicy
    // Ignore), the upstream defaults.
    let eligible = |n: &Node| !n.removed && selector_matches(workload, n);
    let global_mins = counts
        .as_ref()
        .map(|c| spread_global_mins(state, workload, c, &eligible))
        .unwrap_or_default();

    let mut diag = Diagnosis::default();
    let mut feasible: Vec<NodeId> = Vec::new();
    for (i, node) in state.nodes.iter().enumerate() {
        if node.removed {
            continue;
        }
        diag.nodes += 1;
        let id = NodeId(i as u32);
        let reason = if node.unschedulable {
            Some("node(s) were unschedulable")
        } else if !node.ready {
            Some("node(s) had untolerated taint {node.kubernetes.io/unreachable}")
        } else if !node.taints_tolerated(&workload.tolerations) {
            Some("node(s) had untolerated taint(s)")
        } else if !selector_matches(workload, node) {
            Some("node(s) didn't match Pod's node affinity/selector")
        } else if let Some(r) = fit_failure(node, p, &mut diag) {
            Some(r)
        } else if let Some(c) = &counts {
            spread_or_affinity_violation(state, workload, c, &global_mins, id)
        } else {
            None
        };
        match reason {
            Some(r) => *diag.reasons.entry(r).or_default() += 1,
            None => feasible.push(id),
        }
    }
    if feasible.is_empty() {
        return Outcome::Unschedulable(diag);
    }

    let scored: Vec<(NodeId, i64)> = feasible
        .into_iter()
        .map(|id| {
            (
                id,
                node_score(strategy, state.node(id), p.cpu.0, p.memory.0),
            )
        })
        .collect();
    // Ties are broken uniformly at random from the scheduler's own stream.
    let chosen =
        score::select_host(&scored, |n| rng.random_range(0..n)).expect("feasible is not empty");
    Outcome::Bind(chosen)
}

/// NodeResourcesFit filter. Every shortage is counted in the diagnosis, as
/// upstream lists each insufficient resource; the first one is returned.
fn fit_failure(node: &Node, p: &crate::model::Pod, diag: &mut Diagnosis) -> Option<&'static str> {
    let fit = score::fits(
        CpuMemory::new(p.cpu.0 as i64, p.memory.0 as i64),
        &NodeFitState {
            allocatable: CpuMemory::new(node.cpu.0 as i64, node.memory.0 as i64),
            requested: CpuMemory::new(node.requested_cpu.0 as i64, node.requested_memory.0 as i64),
            pod_count: node.pod_count(),
            max_pods: node.max_pods,
        },
    );
    let mut reasons = fit.reasons();
    let first = reasons.next()?;
    for r in reasons {
        *diag.reasons.entry(r).or_default() += 1;
    }
    Some(first)
}

fn selector_matches(workload: &Workload, node: &Node) -> bool {
    workload
        .node_selector
        .iter()
        .all(|(k, v)| node.labels.get(k) == Some(v))
}

/// `globalMin` of each DoNotSchedule spread constraint, computed once per
/// cycle: the smallest count of matching pods over the eligible domains, or
/// 0 when there are fewer domains than `minDomains`.
fn spread_global_mins(
    state: &ClusterState,
    workload: &Workload,
    c: &DomainCounts,
    eligible: &dyn Fn(&Node) -> bool,
) -> Vec<u32> {
    let mut zone_eligible = vec![false; c.active_by_zone.len()];
    let mut node_domains = 0u32;
    let mut node_min = u32::MAX;
    for (i, n) in state.nodes.iter().enumerate() {
        if eligible(n) {
            zone_eligible[n.zone] = true;
            node_domains += 1;
            node_min = node_min.min(
                c.active_by_node
                    .get(&NodeId(i as u32))
                    .copied()
                    .unwrap_or(0),
            );
        }
    }
    let zone_counts: Vec<u32> = zone_eligible
        .iter()
        .enumerate()
        .filter(|(_, e)| **e)
        .map(|(z, _)| c.active_by_zone[z])
        .collect();
    workload
        .spread
        .iter()
        .map(|sc| {
            let (domains, min) = match sc.topology {
                Topology::Zone => (
                    zone_counts.len() as u32,
                    zone_counts.iter().copied().min().unwrap_or(0),
                ),
                Topology::Hostname => (
                    node_domains,
                    if node_min == u32::MAX { 0 } else { node_min },
                ),
            };
            match sc.min_domains {
                Some(md) if domains < md => 0,
                _ => min,
            }
        })
        .collect()
}

/// PodTopologySpread (DoNotSchedule constraints) and required pod
/// anti-affinity among the workload's own pods.
fn spread_or_affinity_violation(
    state: &ClusterState,
    workload: &Workload,
    c: &DomainCounts,
    global_mins: &[u32],
    id: NodeId,
) -> Option<&'static str> {
    let node = state.node(id);
    for (sc, &global_min) in workload.spread.iter().zip(global_mins) {
        if !sc.do_not_schedule {
            continue;
        }
        let mine = match sc.topology {
            Topology::Zone => c.active_by_zone[node.zone],
            Topology::Hostname => c.active_by_node.get(&id).copied().unwrap_or(0),
        };
        // matchNum(domain) + selfMatch(1) - globalMin <= maxSkew (filtering.go)
        if mine + 1 > global_min + sc.max_skew {
            return Some("node(s) didn't match pod topology spread constraints");
        }
    }
    if let Some(aa) = &workload.anti_affinity
        && aa.required
    {
        let taken = match aa.topology {
            Topology::Hostname => c.any_by_node.get(&id).copied().unwrap_or(0) > 0,
            Topology::Zone => c.any_by_zone[node.zone] > 0,
        };
        if taken {
            return Some("node(s) didn't match pod anti-affinity rules");
        }
    }
    None
}

/// Weighted sum of the resource scoring plugins of the default profile:
/// NodeResourcesFit (the configured strategy, weight 1) and
/// NodeResourcesBalancedAllocation (weight 1). Both already give 0..=100, so
/// they have no NormalizeScore step. Requests are explicit in kubesim, so the
/// non-zero defaults (100m, 200Mi) never apply.
fn node_score(strategy: &ScoreStrategy, node: &Node, cpu: u64, mem: u64) -> i64 {
    let cpu_use = ResourceUse::new((node.requested_cpu.0 + cpu) as i64, node.cpu.0 as i64);
    let mem_use = ResourceUse::new((node.requested_memory.0 + mem) as i64, node.memory.0 as i64);
    let weighted = [(cpu_use, 1), (mem_use, 1)];
    let fit = match strategy {
        ScoreStrategy::LeastAllocated => score::least_allocated(&weighted),
        ScoreStrategy::MostAllocated => score::most_allocated(&weighted),
        ScoreStrategy::RequestedToCapacityRatio { shape } => {
            score::requested_to_capacity_ratio(&weighted, shape)
        }
    };
    let balanced = score::balanced_allocation(&[cpu_use, mem_use]);
    score::weighted_total([(fit, 1), (balanced, 1)])
}
