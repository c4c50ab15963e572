//! Cluster autoscaler decision logic (`kubernetes/autoscaler`,
//! `cluster-autoscaler/`), as functions over the cluster state: the
//! simulation (`sim::autoscaler`) owns the loop, the timers and the
//! bookkeeping, and applies what these functions decide.
//!
//! - **Snapshot.** Upstream simulates on a `ClusterSnapshot` it forks and
//!   reverts. [`Fork`] does the same on the live [`ClusterState`]: it adds
//!   template nodes, moves pods between nodes and hides nodes, journaling
//!   every change, and undoes them all (in reverse order, so node pod lists
//!   get their exact order back) when dropped. The real scheduler filters
//!   run on the forked state through a [`Scheduler`] the autoscaler owns.
//! - **Scale-up** ([`plan_scale_up`]): pending pods that would fit existing
//!   or upcoming nodes are set aside (`FilterOutSchedulablePodListProcessor`);
//!   for each pool below its max, the rest are grouped by ReplicaSet
//!   (upstream equivalence groups), groups whose exemplar cannot fit an
//!   empty template node of the pool are dropped, and the binpacking
//!   estimator (`estimator/binpacking_estimator.go`: first fit over the new
//!   nodes, groups in decreasing `cpu/node cpu + mem/node mem`,
//!   `decreasing_pod_orderer.go`) counts the nodes needed. [`choose`] is the
//!   expander.
//! - **Scale-down** ([`find_unneeded`]): candidates below the utilization
//!   threshold ([`utilization`], `simulator/utilization/info.go`) are
//!   simulated one after another; a node is unneeded if the PDBs allow
//!   evicting its pods (`RemainingPdbTracker`) and every pod fits on another
//!   node; the pods of an unneeded node stay moved for the next candidates,
//!   so the unneeded set can be removed together (`planner.go`).
//!
//! Simplifications: a pool spanning several zones is one node group whose
//! new nodes go to its least-populated zone in which the pod fits (upstream
//! has one node group per zone, or balances similar groups); pods are moved
//! to the first node (in id order) that passes the filters, not upstream's
//! hinted round robin.

use crate::engine::SimRng;
use crate::model::{ClusterState, Node, NodeId, PodId, RsId};
use crate::scenario::{Expander, Workload};
use crate::scheduler::cycle::Scheduler;
use rand::RngExt;

/// Upstream `--expendable-pods-priority-cutoff`: pending pods with a lower
/// priority never trigger a scale-up.
pub const EXPENDABLE_PODS_PRIORITY_CUTOFF: i32 = -10;
/// Upstream `--max-scale-down-parallelism` (10): nodes being deleted at
/// once, empty or drained.
pub const MAX_SCALE_DOWN_PARALLELISM: usize = 10;
/// Upstream `--max-drain-parallelism` (1): non-empty nodes drained at once.
pub const MAX_DRAIN_PARALLELISM: usize = 1;
/// Upstream `--unremovable-node-recheck-timeout` (5 min): a node the
/// removal simulation rejected is not simulated again before this.
pub const UNREMOVABLE_NODE_RECHECK_TIMEOUT: crate::engine::SimDuration =
    crate::engine::SimDuration::from_secs(300);
/// Upstream `--max-graceful-termination-sec` (600 s) plus
/// `PodEvictionHeadroom` (30 s): a drained node whose pods are still
/// terminating this long after the drain started is deleted anyway.
pub const MAX_DRAIN_WAIT: crate::engine::SimDuration = crate::engine::SimDuration::from_secs(630);

/// One journaled change of a [`Fork`].
#[derive(Clone, Copy, Debug)]
enum Change {
    /// A node was appended to the arena.
    Added,
    /// A pod moved from `from` (node, index in its pod list) to `to`.
    Moved {
        pod: PodId,
        from: Option<(NodeId, usize)>,
        to: NodeId,
    },
    /// A node was hidden (marked removed).
    Hidden(NodeId),
    /// An added node's zone was changed from this one.
    Zone(NodeId, usize),
}

/// A reversible what-if view of the cluster (upstream `ClusterSnapshot`
/// `Fork`/`Revert`). Every change is undone when the fork is dropped.
pub struct Fork<'s> {
    state: &'s mut ClusterState,
    sched: &'s mut Scheduler,
    journal: Vec<Change>,
}

/// A point a [`Fork`] can roll back to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint(usize);

impl<'s> Fork<'s> {
    /// Starts a fork of `state`; `sched` is the scheduler whose filters the
    /// simulation runs (its node list is kept in step with the fork).
    pub fn new(state: &'s mut ClusterState, sched: &'s mut Scheduler) -> Self {
        sched.node_set_changed();
        Fork {
            state,
            sched,
            journal: Vec::new(),
        }
    }

    /// The forked state.
    pub fn state(&self) -> &ClusterState {
        self.state
    }

    /// Whether `pod` passes the scheduler's filters on `node`.
    pub fn fits(&mut self, workloads: &[Workload], pod: PodId, node: NodeId) -> bool {
        self.first_fit(workloads, pod, &[node]).is_some()
    }

    /// The first of `nodes` on which `pod` passes the scheduler's filters.
    pub fn first_fit(
        &mut self,
        workloads: &[Workload],
        pod: PodId,
        nodes: &[NodeId],
    ) -> Option<NodeId> {
        if nodes.is_empty() {
            return None;
        }
        self.sched.first_feasible(self.state, workloads, pod, nodes)
    }

    /// Adds a node (a template's copy) to the snapshot.
    pub fn add_node(&mut self, node: Node) -> NodeId {
        let id = NodeId(self.state.nodes.len() as u32);
        self.state.nodes.push(node);
        self.journal.push(Change::Added);
        self.sched.node_set_changed();
        id
    }

    /// Moves an empty added node to another zone.
    pub fn set_zone(&mut self, n: NodeId, zone: usize) {
        let old = self.state.nodes[n.idx()].zone;
        debug_assert!(self.state.nodes[n.idx()].pods.is_empty());
        self.state.nodes[n.idx()].zone = zone;
        self.journal.push(Change::Zone(n, old));
        self.sched.node_set_changed();
    }

    /// Binds `pod` to `to` in the snapshot, unbinding it from its node.
    pub fn place(&mut self, pod: PodId, to: NodeId) {
        let (cpu, mem, from) = {
            let p = self.state.pod(pod);
            (p.cpu.0, p.memory.0, p.node)
        };
        let from = from.map(|f| {
            let node = &mut self.state.nodes[f.idx()];
            let i = node
                .pods
                .iter()
                .position(|&p| p == pod)
                .expect("a bound pod is in its node's list");
            node.pods.remove(i);
            node.requested_cpu.0 -= cpu;
            node.requested_memory.0 -= mem;
            (f, i)
        });
        let node = &mut self.state.nodes[to.idx()];
        node.pods.push(pod);
        node.requested_cpu.0 += cpu;
        node.requested_memory.0 += mem;
        self.state.pods[pod.idx()].node = Some(to);
        self.journal.push(Change::Moved { pod, from, to });
    }

    /// Hides a node: to the scheduler it no longer exists.
    pub fn hide(&mut self, n: NodeId) {
        self.state.nodes[n.idx()].removed = true;
        self.journal.push(Change::Hidden(n));
        self.sched.node_set_changed();
    }

    /// The current point, to roll back to.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint(self.journal.len())
    }

    /// Undoes every change made since `cp`, newest first.
    pub fn rollback(&mut self, cp: Checkpoint) {
        let structural = self.journal[cp.0..]
            .iter()
            .any(|c| !matches!(c, Change::Moved { .. }));
        while self.journal.len() > cp.0 {
            match self.journal.pop().expect("len > cp") {
                Change::Added => {
                    let n = self.state.nodes.pop().expect("added node");
                    debug_assert!(n.pods.is_empty(), "added node still has pods");
                }
                Change::Moved { pod, from, to } => {
                    let (cpu, mem) = {
                        let p = self.state.pod(pod);
                        (p.cpu.0, p.memory.0)
                    };
                    let node = &mut self.state.nodes[to.idx()];
                    let last = node.pods.pop();
                    debug_assert_eq!(last, Some(pod));
                    node.requested_cpu.0 -= cpu;
                    node.requested_memory.0 -= mem;
                    if let Some((f, i)) = from {
                        let node = &mut self.state.nodes[f.idx()];
                        node.pods.insert(i, pod);
                        node.requested_cpu.0 += cpu;
                        node.requested_memory.0 += mem;
                    }
                    self.state.pods[pod.idx()].node = from.map(|(f, _)| f);
                }
                Change::Hidden(n) => self.state.nodes[n.idx()].removed = false,
                Change::Zone(n, z) => self.state.nodes[n.idx()].zone = z,
            }
        }
        if structural {
            self.sched.node_set_changed();
        }
    }
}

impl Drop for Fork<'_> {
    fn drop(&mut self) {
        self.rollback(Checkpoint(0));
        self.sched.node_set_changed();
    }
}

/// Upstream `utilization.Calculate`: max(cpu, memory) requested /
/// allocatable, terminating pods included (as the scheduler counts them).
pub fn utilization(node: &Node) -> f64 {
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    ratio(node.requested_cpu.0, node.cpu.0).max(ratio(node.requested_memory.0, node.memory.0))
}

/// A pool the autoscaler may grow, as the scan sees it.
#[derive(Clone, Debug)]
pub struct PoolCandidate {
    /// Pool index.
    pub pool: usize,
    /// A fresh node of the pool (name, labels, taints, capacity); its zone
    /// is set per new node.
    pub template: Node,
    /// The pool's zones (cluster zone indices), in the pool's order.
    pub zones: Vec<usize>,
    /// Nodes per entry of `zones`: existing plus upcoming.
    pub zone_counts: Vec<u32>,
    /// Zones of the nodes requested but not joined yet.
    pub upcoming: Vec<usize>,
    /// Nodes it may still add: max - existing - upcoming.
    pub room: u32,
    /// `priority`, for the priority expander.
    pub priority: i32,
}

/// One way to scale up (upstream `expander.Option`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleUpOption {
    /// Index into the candidates given to [`plan_scale_up`].
    pub candidate: usize,
    /// The zone of each new node.
    pub zones: Vec<usize>,
    /// The pending pods the new nodes would take.
    pub pods: Vec<PodId>,
}

/// What a scale-up scan found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScaleUpPlan {
    /// Pending pods that fit existing or upcoming nodes (no scale-up for them).
    pub fit_existing: Vec<PodId>,
    /// Pending pods no pool can help.
    pub unhelpable: Vec<PodId>,
    /// One option per pool that can help.
    pub options: Vec<ScaleUpOption>,
}

/// Scale-up planning for the unschedulable `pending` pods (already ordered:
/// priority first). See the module docs.
pub fn plan_scale_up(
    state: &mut ClusterState,
    sched: &mut Scheduler,
    workloads: &[Workload],
    pending: &[PodId],
    pools: &[PoolCandidate],
) -> ScaleUpPlan {
    let mut fork = Fork::new(state, sched);
    // Upcoming nodes count as if they had joined (upstream adds them to the
    // snapshot as template copies).
    let mut upcoming = Vec::new();
    for c in pools {
        for &z in &c.upcoming {
            upcoming.push(fork.add_node(template_in(c, z, upcoming.len())));
        }
    }
    // Pods that fit somewhere already; upcoming nodes first, they are where
    // a pending pod most likely fits. A pod whose ReplicaSet sibling did not
    // fit is skipped (upstream equivalence groups).
    let mut nodes = upcoming.clone();
    nodes.extend(
        (0..fork.state().nodes.len() - upcoming.len())
            .map(|i| NodeId(i as u32))
            .filter(|&n| {
                let node = fork.state().node(n);
                !node.removed && node.is_up() && !node.control_plane_blocks_scheduling()
            }),
    );
    let mut plan = ScaleUpPlan::default();
    let mut rest = Vec::new();
    let mut failed: Vec<RsId> = Vec::new();
    for &pod in pending {
        let rs = fork.state().pod(pod).rs;
        if failed.contains(&rs) {
            rest.push(pod);
            continue;
        }
        match fork.first_fit(workloads, pod, &nodes) {
            Some(n) => {
                fork.place(pod, n);
                plan.fit_existing.push(pod);
            }
            None => {
                failed.push(rs);
                rest.push(pod);
            }
        }
    }
    if rest.is_empty() {
        return plan;
    }
    let groups = equivalence_groups(fork.state(), &rest);
    let mut helped: Vec<PodId> = Vec::new();
    for (ci, c) in pools.iter().enumerate() {
        if c.room == 0 {
            continue;
        }
        let cp = fork.checkpoint();
        let option = estimate(&mut fork, workloads, c, &groups);
        fork.rollback(cp);
        if let Some((zones, pods)) = option {
            helped.extend(&pods);
            plan.options.push(ScaleUpOption {
                candidate: ci,
                zones,
                pods,
            });
        }
    }
    helped.sort();
    plan.unhelpable = rest
        .into_iter()
        .filter(|p| helped.binary_search(p).is_err())
        .collect();
    plan
}

/// A copy of the pool's template in `zone`, named after its index in the
/// simulation (names only matter for hostname labels, unique per fork).
fn template_in(c: &PoolCandidate, zone: usize, k: usize) -> Node {
    let mut n = c.template.clone();
    n.zone = zone;
    n.name = format!("{}-template-{k}", c.template.name);
    n
}

/// Pods grouped by ReplicaSet (same template), groups in order of first
/// appearance.
fn equivalence_groups(state: &ClusterState, pods: &[PodId]) -> Vec<Vec<PodId>> {
    let mut keys: Vec<RsId> = Vec::new();
    let mut groups: Vec<Vec<PodId>> = Vec::new();
    for &p in pods {
        let rs = state.pod(p).rs;
        match keys.iter().position(|&k| k == rs) {
            Some(i) => groups[i].push(p),
            None => {
                keys.push(rs);
                groups.push(vec![p]);
            }
        }
    }
    groups
}

/// The binpacking estimator for one pool: zones of the new nodes that get
/// pods, and those pods; None if the pool helps no pod.
fn estimate(
    fork: &mut Fork<'_>,
    workloads: &[Workload],
    c: &PoolCandidate,
    groups: &[Vec<PodId>],
) -> Option<(Vec<usize>, Vec<PodId>)> {
    // Groups whose exemplar fits an empty template node in some zone
    // (upstream: the predicate check on the node group's template).
    let mut fitting: Vec<(f64, &Vec<PodId>)> = Vec::new();
    for g in groups {
        let exemplar = g[0];
        let cp = fork.checkpoint();
        let probe = fork.add_node(template_in(c, c.zones[0], usize::MAX));
        let mut ok = false;
        for &z in &c.zones {
            fork.set_zone(probe, z);
            if fork.fits(workloads, exemplar, probe) {
                ok = true;
                break;
            }
        }
        fork.rollback(cp);
        if ok {
            let p = fork.state().pod(exemplar);
            let score = p.cpu.0 as f64 / c.template.cpu.0.max(1) as f64
                + p.memory.0 as f64 / c.template.memory.0.max(1) as f64;
            fitting.push((score, g));
        }
    }
    if fitting.is_empty() {
        return None;
    }
    // DecreasingPodOrderer (stable here, so equal scores keep their order).
    fitting.sort_by(|a, b| b.0.total_cmp(&a.0));

    let mut counts = c.zone_counts.clone();
    let mut new_nodes: Vec<NodeId> = Vec::new();
    let mut with_pods: Vec<bool> = Vec::new();
    let mut pods_placed = Vec::new();
    for (_, group) in fitting {
        // tryToScheduleOnExistingNodes: any of the new nodes, until one
        // pod of the group does not fit.
        let mut i = 0;
        while i < group.len() {
            match fork.first_fit(workloads, group[i], &new_nodes) {
                Some(n) => {
                    fork.place(group[i], n);
                    let k = new_nodes.iter().position(|&x| x == n).expect("new node");
                    with_pods[k] = true;
                    pods_placed.push(group[i]);
                    i += 1;
                }
                None => break,
            }
        }
        // tryToScheduleOnNewNodes: the last new node, else a fresh one.
        for &pod in &group[i..] {
            if let Some(&last) = new_nodes.last()
                && fork.fits(workloads, pod, last)
            {
                fork.place(pod, last);
                *with_pods.last_mut().expect("last") = true;
                pods_placed.push(pod);
                continue;
            }
            // An empty last node that did not take the pod: neither would
            // another one.
            if with_pods.last() == Some(&false) {
                break;
            }
            if new_nodes.len() as u32 >= c.room {
                break;
            }
            // The least-populated zone in which the pod fits.
            let mut order: Vec<usize> = (0..c.zones.len()).collect();
            order.sort_by_key(|&k| (counts[k], k));
            let n = fork.add_node(template_in(
                c,
                c.zones[order[0]],
                c.upcoming.len() + new_nodes.len(),
            ));
            let chosen = order.into_iter().find(|&k| {
                fork.set_zone(n, c.zones[k]);
                fork.fits(workloads, pod, n)
            });
            let Some(k) = chosen else {
                // Keep the empty node, as upstream does, so the next pod
                // stops at the check above.
                new_nodes.push(n);
                with_pods.push(false);
                break;
            };
            counts[k] += 1;
            fork.place(pod, n);
            new_nodes.push(n);
            with_pods.push(true);
            pods_placed.push(pod);
        }
    }
    let zones: Vec<usize> = new_nodes
        .iter()
        .zip(&with_pods)
        .filter(|(_, w)| **w)
        .map(|(n, _)| fork.state().node(*n).zone)
        .collect();
    if zones.is_empty() {
        return None;
    }
    Some((zones, pods_placed))
}

/// The expander: which option to take (upstream `expander/*`). Ties are
/// broken uniformly at random from `rng` (the `random` fallback).
pub fn choose(
    expander: Expander,
    options: &[ScaleUpOption],
    pools: &[PoolCandidate],
    state: &ClusterState,
    rng: &mut SimRng,
) -> Option<usize> {
    if options.is_empty() {
        return None;
    }
    let best: Vec<usize> = match expander {
        Expander::Random => (0..options.len()).collect(),
        Expander::MostPods => {
            let most = options.iter().map(|o| o.pods.len()).max().unwrap_or(0);
            (0..options.len())
                .filter(|&i| options[i].pods.len() == most)
                .collect()
        }
        Expander::LeastWaste => {
            let scores: Vec<f64> = options
                .iter()
                .map(|o| waste(o, &pools[o.candidate].template, state))
                .collect();
            let least = scores.iter().copied().fold(f64::INFINITY, f64::min);
            (0..options.len()).filter(|&i| scores[i] == least).collect()
        }
        Expander::Priority => {
            let top = options
                .iter()
                .map(|o| pools[o.candidate].priority)
                .max()
                .unwrap_or(0);
            (0..options.len())
                .filter(|&i| pools[options[i].candidate].priority == top)
                .collect()
        }
    };
    Some(match best.len() {
        1 => best[0],
        k => best[rng.random_range(0..k)],
    })
}

/// Upstream least-waste score (`expander/waste/waste.go`): the idle
/// fraction of the new nodes' cpu plus that of their memory, once the
/// option's pods are on them.
pub fn waste(o: &ScaleUpOption, template: &Node, state: &ClusterState) -> f64 {
    let nodes = o.zones.len() as f64;
    let (cpu, mem) = o.pods.iter().fold((0u64, 0u64), |(c, m), p| {
        let pod = state.pod(*p);
        (c + pod.cpu.0, m + pod.memory.0)
    });
    let avail_cpu = template.cpu.0 as f64 * nodes;
    let avail_mem = template.memory.0 as f64 * nodes;
    (avail_cpu - cpu as f64) / avail_cpu + (avail_mem - mem as f64) / avail_mem
}

/// Whether removing a node must find `p` another place: not terminating,
/// and not expendable (priority below the cutoff: upstream lets those be
/// killed without a thought during scale-down).
pub fn is_pod_to_move(state: &ClusterState, p: PodId) -> bool {
    let pod = state.pod(p);
    pod.is_active() && pod.priority >= EXPENDABLE_PODS_PRIORITY_CUTOFF
}

/// What the removal simulation found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Removal {
    /// Unneeded nodes, and whether each has no pod to move.
    pub unneeded: Vec<(NodeId, bool)>,
    /// Candidates whose pods the PDBs hold or no other node can take
    /// (upstream re-checks these only after `UnremovableNodeRecheckTimeout`).
    pub unremovable: Vec<NodeId>,
}

/// Which `candidates` (in order: the simulation tries them one by one) are
/// unneeded: their pods can all be evicted within the PDB budgets
/// (`pdb_allowed`, per deployment, decremented for the nodes found
/// unneeded; None without a PDB) and placed on other nodes.
pub fn find_unneeded(
    state: &mut ClusterState,
    sched: &mut Scheduler,
    workloads: &[Workload],
    candidates: &[NodeId],
    pdb_allowed: &mut [Option<u32>],
) -> Removal {
    let mut fork = Fork::new(state, sched);
    let mut out = Removal::default();
    for &n in candidates {
        let to_move: Vec<PodId> = fork
            .state()
            .node(n)
            .pods
            .iter()
            .copied()
            .filter(|&p| is_pod_to_move(fork.state(), p))
            .collect();
        // RemainingPdbTracker: healthy pods this node would take from each
        // budget.
        let mut need: Vec<(usize, u32)> = Vec::new();
        for &p in &to_move {
            let pod = fork.state().pod(p);
            let d = pod.deployment.idx();
            if pdb_allowed[d].is_some() && pod.is_api_ready() {
                match need.iter_mut().find(|(x, _)| *x == d) {
                    Some((_, k)) => *k += 1,
                    None => need.push((d, 1)),
                }
            }
        }
        if need
            .iter()
            .any(|&(d, k)| pdb_allowed[d].is_some_and(|a| a < k))
        {
            out.unremovable.push(n);
            continue;
        }
        let cp = fork.checkpoint();
        fork.hide(n);
        let destinations: Vec<NodeId> = (0..fork.state().nodes.len())
            .map(|i| NodeId(i as u32))
            .filter(|&m| {
                let node = fork.state().node(m);
                !node.removed
                    && node.is_up()
                    && !node.control_plane_blocks_scheduling()
                    && node.drain.is_none()
            })
            .collect();
        let mut all = true;
        for &p in &to_move {
            match fork.first_fit(workloads, p, &destinations) {
                Some(m) => fork.place(p, m),
                None => {
                    all = false;
                    break;
                }
            }
        }
        if !all {
            fork.rollback(cp);
            out.unremovable.push(n);
            continue;
        }
        for (d, k) in need {
            if let Some(a) = pdb_allowed[d].as_mut() {
                *a -= k;
            }
        }
        out.unneeded.push((n, to_move.is_empty()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::Dist;
    use crate::engine::{SimDuration, SimTime};
    use crate::model::{Deployment, Pod, PodTemplate, ReplicaSet};
    use crate::scenario::{SchedulerConfig, ScoreStrategy, Strategy};
    use crate::units::{Bytes, MilliCpu};

    const GI: u64 = 1 << 30;

    fn sched(workloads: &[Workload]) -> Scheduler {
        Scheduler::new(
            &SchedulerConfig {
                score: ScoreStrategy::LeastAllocated,
                percentage_of_nodes_to_score: 0,
            },
            &["a".to_string(), "b".to_string()],
            workloads,
        )
    }

    /// One workload `w` with `pending` unbound pods of (cpu m, mem GiB).
    fn cluster(nodes: &[(u64, u64)], cpu: u64, mem: u64, pending: usize) -> ClusterState {
        let mut s = ClusterState::default();
        for (i, &(c, m)) in nodes.iter().enumerate() {
            s.nodes.push(Node::new(
                format!("n-{i}"),
                0,
                0,
                MilliCpu(c),
                Bytes(m * GI),
                110,
            ));
        }
        s.deployments.push(Deployment {
            name: "w".into(),
            replicas: pending as u32,
            strategy: Strategy::default(),
            min_ready: SimDuration::ZERO,
            termination_grace: SimDuration::ZERO,
            priority: 0,
            template: PodTemplate {
                cpu: MilliCpu(cpu),
                memory: Bytes(mem * GI),
                startup_time: Dist::Fixed(SimDuration::ZERO),
                crash_probability: 0.0,
            },
            revision: 1,
            replica_sets: vec![RsId(0)],
        });
        s.replica_sets.push(ReplicaSet {
            deployment: crate::model::DeploymentId(0),
            revision: 1,
            template: s.deployments[0].template.clone(),
            replicas: pending as u32,
            pods: Vec::new(),
            desired_annotation: None,
            max_annotation: None,
            created_at: SimTime::ZERO,
            deleted: false,
        });
        for i in 0..pending {
            s.pods.push(Pod::new(
                RsId(0),
                crate::model::DeploymentId(0),
                MilliCpu(cpu),
                Bytes(mem * GI),
                0,
                SimTime::ZERO,
                i as u64,
            ));
            s.replica_sets[0].pods.push(PodId(i as u32));
        }
        s
    }

    fn pool(pool: usize, cpu: u64, mem: u64, room: u32) -> PoolCandidate {
        PoolCandidate {
            pool,
            template: Node::new(
                format!("p{pool}"),
                pool,
                0,
                MilliCpu(cpu),
                Bytes(mem * GI),
                110,
            ),
            zones: vec![0, 1],
            zone_counts: vec![0, 0],
            upcoming: Vec::new(),
            room,
            priority: 0,
        }
    }

    fn workloads() -> Vec<Workload> {
        vec![Workload::new("w", MilliCpu(0), Bytes(0))]
    }

    #[test]
    fn binpacking_counts_nodes_and_caps_at_room() {
        // 10 pods of 1 cpu / 1 GiB on 4-cpu nodes: 4 + 4 + 2 -> 3 nodes,
        // balanced over zones a, b, a.
        let w = workloads();
        let mut s = cluster(&[], 1000, 1, 10);
        let before = format!("{:?}", s.pods);
        let pending: Vec<PodId> = (0..10).map(PodId).collect();
        let mut sc = sched(&w);
        let plan = plan_scale_up(&mut s, &mut sc, &w, &pending, &[pool(0, 4000, 16, 5)]);
        assert_eq!(plan.options.len(), 1);
        assert_eq!(plan.options[0].zones, vec![0, 1, 0]);
        assert_eq!(plan.options[0].pods.len(), 10);
        // Room for 2 nodes: 8 pods helped.
        let plan = plan_scale_up(&mut s, &mut sc, &w, &pending, &[pool(0, 4000, 16, 2)]);
        assert_eq!(plan.options[0].zones.len(), 2);
        assert_eq!(plan.options[0].pods.len(), 8);
        assert_eq!(plan.unhelpable.len(), 2);
        // The fork left no trace.
        assert!(s.nodes.is_empty());
        assert_eq!(format!("{:?}", s.pods), before);
    }

    #[test]
    fn pods_that_fit_upcoming_or_existing_nodes_trigger_nothing() {
        let w = workloads();
        // One existing node with room for 2 pods; 2 upcoming nodes for 8.
        let mut s = cluster(&[(2000, 16)], 1000, 1, 10);
        let mut sc = sched(&w);
        let mut c = pool(0, 4000, 16, 3);
        c.upcoming = vec![0, 1];
        let pending: Vec<PodId> = (0..10).map(PodId).collect();
        let plan = plan_scale_up(&mut s, &mut sc, &w, &pending, &[c]);
        assert_eq!(plan.fit_existing.len(), 10);
        assert!(plan.options.is_empty());
        assert_eq!(s.nodes.len(), 1);
        assert!(s.nodes[0].pods.is_empty() && s.nodes[0].requested_cpu.0 == 0);
    }

    #[test]
    fn pods_larger_than_a_template_node_are_not_helped() {
        let w = workloads();
        let mut s = cluster(&[], 8000, 1, 2);
        let mut sc = sched(&w);
        let pending = [PodId(0), PodId(1)];
        let plan = plan_scale_up(&mut s, &mut sc, &w, &pending, &[pool(0, 4000, 16, 5)]);
        assert!(plan.options.is_empty());
        assert_eq!(plan.unhelpable, pending.to_vec());
    }

    #[test]
    fn expanders() {
        // 6 pods of 1 cpu / 2 GiB. Pool 0 (4 cpu / 8 GiB) needs 2 nodes:
        // 8 cpu and 16 GiB for 6 cpu and 12 GiB, waste 2/8 + 4/16 = 0.5.
        // Pool 1 (8 cpu / 64 GiB) needs 1 node: waste 2/8 + 52/64 = 1.0625.
        let w = workloads();
        let mut s = cluster(&[], 1000, 2, 6);
        let mut sc = sched(&w);
        let pending: Vec<PodId> = (0..6).map(PodId).collect();
        let mut small = pool(0, 4000, 8, 10);
        let mut big = pool(1, 8000, 64, 10);
        small.priority = 1;
        big.priority = 5;
        let pools = [small, big];
        let plan = plan_scale_up(&mut s, &mut sc, &w, &pending, &pools);
        assert_eq!(plan.options.len(), 2);
        let wastes: Vec<f64> = plan
            .options
            .iter()
            .map(|o| waste(o, &pools[o.candidate].template, &s))
            .collect();
        assert_eq!(wastes, vec![0.5, 1.0625]);
        let mut rng = crate::engine::RngStreams::new(1).stream("t");
        let pick = |e, rng: &mut SimRng| {
            plan.options[choose(e, &plan.options, &pools, &s, rng).unwrap()].candidate
        };
        assert_eq!(pick(Expander::LeastWaste, &mut rng), 0);
        assert_eq!(pick(Expander::Priority, &mut rng), 1);
        // Most pods: both take all 6; a tie, broken at random -> both seen.
        let seen: std::collections::BTreeSet<usize> = (0..50)
            .map(|_| pick(Expander::MostPods, &mut rng))
            .collect();
        assert_eq!(seen.len(), 2);
    }

    #[test]
    fn most_pods_prefers_the_pool_that_helps_more_pods() {
        // Pods of 3 cpu; pool 0 (4 cpu nodes, room 1) helps 1 pod, pool 1
        // (8 cpu, room 1) helps 2.
        let w = workloads();
        let mut s = cluster(&[], 3000, 1, 4);
        let mut sc = sched(&w);
        let pending: Vec<PodId> = (0..4).map(PodId).collect();
        let pools = [pool(0, 4000, 16, 1), pool(1, 8000, 16, 1)];
        let plan = plan_scale_up(&mut s, &mut sc, &w, &pending, &pools);
        let mut rng = crate::engine::RngStreams::new(1).stream("t");
        let i = choose(Expander::MostPods, &plan.options, &pools, &s, &mut rng).unwrap();
        assert_eq!(plan.options[i].candidate, 1);
        assert_eq!(plan.options[i].pods.len(), 2);
    }

    #[test]
    fn unneeded_nodes_are_jointly_removable_and_respect_pdbs() {
        // Three 4-cpu nodes with 1, 1 and 2 one-cpu pods bound: nodes 0 and
        // 1 are unneeded together (their pods fit on node 2, then on the
        // remaining ones), but a third removal would leave 4 pods on ... no
        // node, so node 2 is needed.
        let w = workloads();
        let mut s = cluster(&[(4000, 16), (4000, 16), (4000, 16)], 1000, 1, 4);
        for (p, n) in [(0, 0), (1, 1), (2, 2), (3, 2)] {
            let node = &mut s.nodes[n];
            node.pods.push(PodId(p));
            node.requested_cpu.0 += 1000;
            node.requested_memory.0 += GI;
            s.pods[p as usize].node = Some(NodeId(n as u32));
            s.pods[p as usize].phase = crate::model::PodPhase::Ready;
        }
        let snapshot = format!("{:?}{:?}", s.nodes, s.pods);
        let mut sc = sched(&w);
        let cands = [NodeId(0), NodeId(1), NodeId(2)];
        let got = find_unneeded(&mut s, &mut sc, &w, &cands, &mut [None]);
        assert_eq!(got.unneeded, vec![(NodeId(0), false), (NodeId(1), false)]);
        assert_eq!(got.unremovable, vec![NodeId(2)]);
        assert_eq!(format!("{:?}{:?}", s.nodes, s.pods), snapshot);
        // A PDB allowing one disruption: only the first node.
        let got = find_unneeded(&mut s, &mut sc, &w, &cands, &mut [Some(1)]);
        assert_eq!(got.unneeded, vec![(NodeId(0), false)]);
        // None allowed: nothing.
        let got = find_unneeded(&mut s, &mut sc, &w, &cands, &mut [Some(0)]);
        assert!(got.unneeded.is_empty());
        assert_eq!(got.unremovable, cands.to_vec());
    }

    #[test]
    fn utilization_is_the_larger_ratio() {
        let mut n = Node::new("n".into(), 0, 0, MilliCpu(4000), Bytes(16 * GI), 110);
        n.requested_cpu = MilliCpu(1000);
        n.requested_memory = Bytes(8 * GI);
        assert_eq!(utilization(&n), 0.5);
    }
}
