//! DefaultPreemption, the default profile's PostFilter, restated from
//! upstream `framework/plugins/defaultpreemption/default_preemption.go` and
//! `framework/preemption/preemption.go` (k8s-algorithms.md 4.8). It runs
//! when no node passed the filters:
//!
//! 1. Eligibility (`PodEligibleToPreemptOthers`): a pod with
//!    `preemption_policy: never` never preempts. A pod already nominated
//!    to a node does not preempt again while a lower-priority pod that the
//!    scheduler preempted is still terminating there (it waits for its
//!    victims), unless this cycle found the nominated node
//!    UnschedulableAndUnresolvable.
//! 2. Potential nodes: those the filters rejected as `Unschedulable`
//!    ([`Diagnosis::resolvable`]), not `UnschedulableAndUnresolvable`, in
//!    the snapshot's order (`NodesForStatusCode`).
//! 3. Dry run (`DryRunPreemption`): from a random offset into the potential
//!    nodes (the scheduler's RNG; upstream `rand.Int31n`), select victims on
//!    each node in turn; stop once at least one candidate violates no PDB
//!    and `numCandidates` candidates are found, `numCandidates` being 10%
//!    of the potential nodes but at least 100 (`minCandidateNodesPercentage`,
//!    `minCandidateNodesAbsolute`) and at most all of them. Candidates that
//!    violate no PDB come first.
//! 4. Victims on one node (`SelectVictimsOnNode`): remove every pod of
//!    lower priority (terminating ones included: they are still in the
//!    scheduler's NodeInfo); if the pod still does not pass the filters the
//!    node is no candidate. Otherwise sort them most important first
//!    (`MoreImportantPod`: higher priority, then earlier start time), split
//!    them into those whose eviction would violate a PDB and the others
//!    (`filterPodsWithPDBViolation`: each PDB's `disruptionsAllowed` is
//!    decremented per matching pod; a pod that takes it below 0 violates),
//!    and reprieve them one at a time, violating ones first, each group
//!    most important first: a pod is added back and stays if the pod still
//!    fits, else it is a victim. The filters run again on the altered
//!    state each time (PreFilter included), which is what upstream's
//!    `AddPod`/`RemovePod` PreFilter extensions achieve incrementally.
//! 5. Node choice (`pickOneNodeForPreemption`), each rule deciding only
//!    among the candidates tied on the previous ones: fewest PDB
//!    violations; lowest priority of the most important victim; smallest
//!    sum of victim priorities, each shifted by 2^31 so that more victims
//!    always weigh more; fewest victims; latest start time of the earliest
//!    started among the highest-priority victims; then the first candidate.
//! 6. The caller deletes the victims with their grace period (skipping
//!    those already terminating), marks them preempted (the
//!    `DisruptionTarget` condition), clears the nominations of pods of
//!    lower priority nominated to that node, and nominates the pod there.
//!    With no candidate at all, the pod's nomination is cleared.
//!
//! While the pod waits, pods of lower or equal priority see its requests
//! on the nominated node ([`nominated_reservation`], used by
//! NodeResourcesFit), and the pod tries that node first in its next cycles.

use super::cycle::{CycleEnv, Diagnosis, Scheduler};
use crate::engine::{SimRng, SimTime};
use crate::model::{ClusterState, NodeId, Pod, PodId};
use crate::scenario::{PreemptionPolicy, Workload};
use rand::RngExt;
use std::cmp::Reverse;
use std::collections::BTreeSet;

/// Upstream plugin name.
pub const NAME: &str = "DefaultPreemption";
/// `DefaultPreemptionArgs.minCandidateNodesPercentage` default.
pub const MIN_CANDIDATE_NODES_PERCENTAGE: usize = 10;
/// `DefaultPreemptionArgs.minCandidateNodesAbsolute` default.
pub const MIN_CANDIDATE_NODES_ABSOLUTE: usize = 100;
/// Upstream's reason when the policy forbids preemption.
pub const REASON_NEVER: &str = "not eligible due to preemptionPolicy=Never.";
/// Upstream's reason while victims are still terminating.
pub const REASON_WAITING: &str = "not eligible due to a terminating pod on the nominated node.";

/// How many candidates the dry run looks for among `potential` nodes
/// (upstream `calculateNumCandidates`).
pub fn num_candidates(potential: usize) -> usize {
    (potential * MIN_CANDIDATE_NODES_PERCENTAGE / 100)
        .max(MIN_CANDIDATE_NODES_ABSOLUTE)
        .min(potential)
}

/// Requests held on a node for nominated pods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reservation {
    /// CPU, millicores.
    pub cpu: i64,
    /// Memory, bytes.
    pub memory: i64,
    /// Pods.
    pub pods: u32,
}

/// What `pod` must leave free on `node` for the pods nominated there: the
/// requests of those with a priority at least the pod's, other than the
/// pod itself and still pending (upstream `addGENominatedPods`). Only
/// NodeResourcesFit counts them; kubesim does not add nominated pods to the
/// spread and inter-pod affinity counts.
pub fn nominated_reservation(state: &ClusterState, node: NodeId, pod: PodId) -> Reservation {
    let mut held = Reservation::default();
    if state.nominations.is_empty() {
        return held;
    }
    let priority = state.pod(pod).priority;
    for &q in state.nominations.on_node(node) {
        let p = state.pod(q);
        if q != pod && p.priority >= priority && p.is_active() && p.node.is_none() {
            held.cpu += p.cpu.0 as i64;
            held.memory += p.memory.0 as i64;
            held.pods += 1;
        }
    }
    held
}

/// The pods to delete on one node (upstream `extenderv1.Victims`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Victims {
    /// Victims, most important first.
    pub pods: Vec<PodId>,
    /// How many of them violate their PDB.
    pub pdb_violations: u32,
}

/// A node where preemption lets the pod fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The node.
    pub node: NodeId,
    /// What must go.
    pub victims: Victims,
}

/// What preemption decided for one unschedulable pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preemption {
    /// The pod may not preempt (now); its nomination, if any, stands.
    NotEligible(&'static str),
    /// Preemption helps on no node; the pod's nomination is cleared.
    NoCandidates,
    /// Delete the victims on the node and nominate the pod there.
    Nominate(Candidate),
}

/// `disruptionsAllowed` of each workload's PodDisruptionBudget, indexed
/// like the workloads (None: no PDB).
pub type PdbBudgets = [Option<u32>];

/// A pod's `status.startTime`; a pod the kubelet has not acknowledged yet
/// has none and counts as starting now (upstream `GetPodStartTime`).
pub fn start_time(p: &Pod, now: SimTime) -> SimTime {
    p.started_at.unwrap_or(now)
}

/// Sort key of upstream `MoreImportantPod`: higher priority first, then the
/// earlier start.
fn importance(state: &ClusterState, pod: PodId, now: SimTime) -> (Reverse<i32>, SimTime) {
    let p = state.pod(pod);
    (Reverse(p.priority), start_time(p, now))
}

/// Upstream `PodEligibleToPreemptOthers`.
pub fn eligible(
    state: &ClusterState,
    workload: &Workload,
    pod: PodId,
    diag: &Diagnosis,
) -> Result<(), &'static str> {
    if workload.preemption_policy == PreemptionPolicy::Never {
        return Err(REASON_NEVER);
    }
    let Some(nominated) = state.nominations.node_of(pod) else {
        return Ok(());
    };
    // Not rejected as Unschedulable this cycle: UnschedulableAndUnresolvable
    // (or gone from the snapshot), so preempting elsewhere is allowed.
    if !diag.resolvable.contains(&nominated) {
        return Ok(());
    }
    let priority = state.pod(pod).priority;
    let waiting = state.node(nominated).pods.iter().any(|&q| {
        let p = state.pod(q);
        p.priority < priority && p.preempted && p.deleted_at.is_some() && !p.gone
    });
    if waiting { Err(REASON_WAITING) } else { Ok(()) }
}

/// Takes `p` off its node in a dry run: its requests are freed and every
/// plugin stops seeing it.
fn remove(state: &mut ClusterState, node: NodeId, p: PodId) {
    let (cpu, memory) = (state.pod(p).cpu, state.pod(p).memory);
    state.pods[p.idx()].gone = true;
    let n = &mut state.nodes[node.idx()];
    n.requested_cpu.0 -= cpu.0;
    n.requested_memory.0 -= memory.0;
    n.pods.retain(|q| *q != p);
}

/// Puts `p` back on its node in a dry run.
fn add(state: &mut ClusterState, node: NodeId, p: PodId) {
    let (cpu, memory) = (state.pod(p).cpu, state.pod(p).memory);
    state.pods[p.idx()].gone = false;
    let n = &mut state.nodes[node.idx()];
    n.requested_cpu.0 += cpu.0;
    n.requested_memory.0 += memory.0;
    n.pods.push(p);
}

/// Splits `pods` (in order) into those whose deletion would violate their
/// workload's PDB and the others (upstream `filterPodsWithPDBViolation`).
fn split_by_pdb(
    state: &ClusterState,
    pods: &[PodId],
    pdbs: &PdbBudgets,
) -> (Vec<PodId>, Vec<PodId>) {
    let mut allowed: Vec<Option<i64>> = pdbs.iter().map(|b| b.map(i64::from)).collect();
    let (mut violating, mut other) = (Vec::new(), Vec::new());
    for &p in pods {
        let w = state.pod(p).deployment.idx();
        match allowed.get_mut(w) {
            Some(Some(a)) => {
                *a -= 1;
                if *a < 0 {
                    violating.push(p);
                } else {
                    other.push(p);
                }
            }
            _ => other.push(p),
        }
    }
    (violating, other)
}

/// Upstream `SelectVictimsOnNode`: the fewest pods of lower priority to
/// delete on `node` so that `pod` passes the filters, or None if removing
/// all of them is not enough (or there are none). `state` is altered during
/// the dry run and restored before returning.
pub fn select_victims_on_node(
    env: &CycleEnv<'_>,
    state: &mut ClusterState,
    pod: PodId,
    node: NodeId,
    pdbs: &PdbBudgets,
    now: SimTime,
) -> Option<Victims> {
    let priority = state.pod(pod).priority;
    let mut potential: Vec<PodId> = state
        .node(node)
        .pods
        .iter()
        .copied()
        .filter(|&q| state.pod(q).priority < priority)
        .collect();
    if potential.is_empty() {
        return None;
    }
    let saved = {
        let n = state.node(node);
        (n.requested_cpu, n.requested_memory, n.pods.clone())
    };
    for &q in &potential {
        remove(state, node, q);
    }
    let result = if env.fits(state, pod, node) {
        potential.sort_by_key(|&q| importance(state, q, now));
        let (violating, other) = split_by_pdb(state, &potential, pdbs);
        let mut victims = Vec::new();
        let mut pdb_violations = 0;
        for (group, violates) in [(&violating, true), (&other, false)] {
            for &q in group {
                add(state, node, q);
                if !env.fits(state, pod, node) {
                    remove(state, node, q);
                    victims.push(q);
                    pdb_violations += u32::from(violates);
                }
            }
        }
        if !violating.is_empty() && !other.is_empty() {
            victims.sort_by_key(|&q| importance(state, q, now));
        }
        // Upstream treats a node with no victim left as an error, not a
        // candidate.
        (!victims.is_empty()).then_some(Victims {
            pods: victims,
            pdb_violations,
        })
    } else {
        None
    };
    for &q in &potential {
        state.pods[q.idx()].gone = false;
    }
    let n = &mut state.nodes[node.idx()];
    (n.requested_cpu, n.requested_memory, n.pods) = saved;
    result
}

/// Upstream `pickOneNodeForPreemption`: the index of the chosen candidate.
/// Each rule keeps the candidates with the best value among those the
/// previous rules tied; the first of the last ties wins (upstream: the
/// first in Go map order, so arbitrary).
pub fn pick_one_node(state: &ClusterState, candidates: &[Candidate], now: SimTime) -> usize {
    let priority = |p: PodId| i64::from(state.pod(p).priority);
    let rules: [&dyn Fn(&Victims) -> i64; 5] = [
        // Fewest PDB violations.
        &|v| -i64::from(v.pdb_violations),
        // Lowest priority of the most important victim (victims are sorted).
        &|v| -priority(v.pods[0]),
        // Smallest sum of priorities, each shifted by MaxInt32 + 1 >= 0.
        &|v| {
            -v.pods
                .iter()
                .map(|&p| priority(p) + (1i64 << 31))
                .sum::<i64>()
        },
        // Fewest victims.
        &|v| -(v.pods.len() as i64),
        // Latest start of the earliest started highest-priority victim
        // (`GetEarliestPodStartTime`).
        &|v| {
            let top = priority(v.pods[0]);
            v.pods
                .iter()
                .filter(|&&p| priority(p) == top)
                .map(|&p| start_time(state.pod(p), now).as_millis() as i64)
                .min()
                .unwrap_or(i64::MIN)
        },
    ];
    let mut tied: Vec<usize> = (0..candidates.len()).collect();
    for rule in rules {
        let scores: Vec<i64> = tied.iter().map(|&i| rule(&candidates[i].victims)).collect();
        let best = scores.iter().copied().max().unwrap_or(i64::MIN);
        tied = tied
            .into_iter()
            .zip(scores)
            .filter(|&(_, s)| s == best)
            .map(|(i, _)| i)
            .collect();
        if tied.len() == 1 {
            break;
        }
    }
    tied[0]
}

/// Steps 1 to 5 of the module documentation for an unschedulable `pod`
/// whose failed cycle produced `diag`. `offset(n)` draws the dry run's
/// start among `n` potential nodes, uniformly in `0..n`. `state` is
/// altered during dry runs and restored.
pub fn evaluate(
    env: &CycleEnv<'_>,
    state: &mut ClusterState,
    pod: PodId,
    diag: &Diagnosis,
    pdbs: &PdbBudgets,
    now: SimTime,
    offset: impl FnOnce(usize) -> usize,
) -> Preemption {
    let workload = &env.workloads[state.pod(pod).deployment.idx()];
    if let Err(why) = eligible(state, workload, pod, diag) {
        return Preemption::NotEligible(why);
    }
    let resolvable: BTreeSet<NodeId> = diag.resolvable.iter().copied().collect();
    let potential: Vec<NodeId> = env
        .nodes
        .order()
        .iter()
        .copied()
        .filter(|n| resolvable.contains(n) && !state.node(*n).removed)
        .collect();
    // Without a single pod of lower priority on them the outcome is known
    // whatever the offset: skip the draw, so runs without priorities keep
    // the scheduler's random stream as it was.
    let priority = state.pod(pod).priority;
    // Pods take their workload's priority: at the lowest one, nothing is
    // lower anywhere (the common all-zero case costs no scan of the pods).
    if env.workloads.iter().all(|w| w.priority >= priority) {
        return Preemption::NoCandidates;
    }
    let any_lower = potential.iter().any(|&n| {
        state
            .node(n)
            .pods
            .iter()
            .any(|&q| state.pod(q).priority < priority)
    });
    if !any_lower {
        return Preemption::NoCandidates;
    }
    let n = potential.len();
    let start = offset(n);
    let wanted = num_candidates(n);
    let (mut clean, mut violating) = (Vec::new(), Vec::new());
    for i in 0..n {
        let node = potential[(start + i) % n];
        let Some(victims) = select_victims_on_node(env, state, pod, node, pdbs, now) else {
            continue;
        };
        let list = if victims.pdb_violations == 0 {
            &mut clean
        } else {
            &mut violating
        };
        // Upstream's candidate lists hold at most numCandidates each.
        if list.len() < wanted {
            list.push(Candidate { node, victims });
        }
        if !clean.is_empty() && clean.len() + violating.len() >= wanted {
            break;
        }
    }
    let mut candidates = clean;
    candidates.append(&mut violating);
    if candidates.is_empty() {
        return Preemption::NoCandidates;
    }
    let best = pick_one_node(state, &candidates, now);
    Preemption::Nominate(candidates.swap_remove(best))
}

/// Pods nominated to `node` with a lower priority than `pod`: their
/// nominations are cleared when `pod` preempts there (upstream
/// `getLowerPriorityNominatedPods`).
pub fn lower_priority_nominated(state: &ClusterState, pod: PodId, node: NodeId) -> Vec<PodId> {
    let priority = state.pod(pod).priority;
    state
        .nominations
        .on_node(node)
        .iter()
        .copied()
        .filter(|&q| state.pod(q).priority < priority)
        .collect()
}

impl Scheduler {
    /// DefaultPreemption for `pod` after a cycle that found no node
    /// ([`evaluate`] with the dry run's offset drawn from `rng`, the
    /// scheduler's stream). Decides only; the caller applies the result.
    #[allow(clippy::too_many_arguments)]
    pub fn preempt(
        &mut self,
        state: &mut ClusterState,
        workloads: &[Workload],
        pod: PodId,
        diag: &Diagnosis,
        pdbs: &PdbBudgets,
        now: SimTime,
        rng: &mut SimRng,
    ) -> Preemption {
        let env = self.env(state, workloads);
        evaluate(&env, state, pod, diag, pdbs, now, |n| {
            rng.random_range(0..n)
        })
    }
}

#[cfg(test)]
mod tests;
