//! The scheduling framework and one scheduling cycle for one pod
//! (upstream `schedulePod`, `schedule_one.go`):
//!
//! 1. PreFilter: each filter plugin of the [`Profile`] prepares its state
//!    for this pod (or skips itself); a pod nominated by an earlier
//!    preemption tries its nominated node first and binds there if it
//!    passes the filters (upstream `evaluateNominatedNode`);
//! 2. Filter: nodes are visited in the snapshot's order (zones round-robin,
//!    upstream `nodeTree.list`), starting at the rotating
//!    `nextStartNodeIndex`, until `numFeasibleNodesToFind` feasible nodes
//!    are found (`percentageOfNodesToScore`); a node fails at its first
//!    failing plugin;
//! 3. PostFilter, when no node fits (preemption: [`super::preemption`],
//!    run by the simulation right after a failed cycle);
//! 4. PreScore, Score and NormalizeScore per score plugin over the feasible
//!    nodes, then `Σ weight × score`;
//! 5. selectHost: the best total, ties broken uniformly at random.
//!
//! Upstream filters nodes in parallel and stops "soon after" enough are
//! found; kubesim visits them sequentially and stops exactly then, so a run
//! is deterministic. Plugins live in [`super::plugins`].

use super::index::NodeIndex;
use super::memo::ScoreMemo;
use super::plugins;
use super::score;
use crate::engine::SimRng;
use crate::model::{ClusterState, DeploymentId, Node, NodeId, Pod, PodId};
use crate::scenario::{SchedulerConfig, Topology, Workload};
use rand::RngExt;
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;

/// A failure reason as shown to users, e.g. `Insufficient cpu`.
pub type Reason = Cow<'static, str>;

/// How a filter rejected a node (upstream status codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// `Unschedulable`: removing pods (preemption) might make the node fit.
    Unschedulable,
    /// `UnschedulableAndUnresolvable`: preemption cannot help on this node.
    UnschedulableAndUnresolvable,
}

/// Why one filter plugin rejected one node. NodeResourcesFit lists every
/// short resource, so a rejection holds up to three reasons, kept inline so
/// rejecting thousands of nodes allocates nothing for static reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The status code.
    pub code: Code,
    /// The first reason.
    pub reason: Reason,
    /// Further reasons of the same rejection.
    pub more: [Option<&'static str>; 2],
}

impl Rejection {
    /// A rejection with one reason.
    pub fn new(code: Code, reason: impl Into<Reason>) -> Self {
        Rejection {
            code,
            reason: reason.into(),
            more: [None, None],
        }
    }

    /// Every reason, first one first.
    pub fn reasons(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.reason.as_ref()).chain(self.more.iter().flatten().copied())
    }
}

/// Why nodes were filtered out, counted like upstream's
/// "0/9 nodes are available: ..." message, plus what a PostFilter needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnosis {
    /// Nodes in the snapshot.
    pub nodes: u32,
    /// Reason -> number of nodes rejected for it (at their first failing
    /// filter; a node short of two resources counts for both).
    pub reasons: BTreeMap<Reason, u32>,
    /// Nodes rejected with [`Code::Unschedulable`], in visiting order: where
    /// preemption might help (upstream `nodesWherePreemptionMightHelp`).
    pub resolvable: Vec<NodeId>,
    /// What the PostFilter plugins proposed, if any (upstream: the cycle
    /// still fails; the pod is nominated and waits for its victims).
    pub nomination: Option<Nomination>,
}

impl Diagnosis {
    fn record(&mut self, node: NodeId, r: &Rejection) {
        for reason in r.reasons() {
            match self.reasons.get_mut(reason) {
                Some(n) => *n += 1,
                None => {
                    self.reasons.insert(Cow::Owned(reason.to_owned()), 1);
                }
            }
        }
        if r.code == Code::Unschedulable {
            self.resolvable.push(node);
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reasons = self
            .reasons
            .iter()
            .flat_map(|(r, n)| std::iter::repeat_n(r.as_ref(), *n as usize));
        f.write_str(&score::fit_error_message(self.nodes as usize, reasons))
    }
}

/// A PostFilter's proposal: run the pod on `node` once `victims` are gone
/// (upstream `nominatedNodeName` and the preemption victims).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nomination {
    /// The nominated node.
    pub node: NodeId,
    /// Pods to delete so the pod fits there.
    pub victims: Vec<PodId>,
}

/// The result of a cycle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Bind to this node.
    Bind(NodeId),
    /// No node passed the filters.
    Unschedulable(Diagnosis),
}

/// Everything plugins may read during one cycle.
pub struct CycleContext<'a> {
    /// The cluster.
    pub state: &'a ClusterState,
    /// Every workload, indexed like `state.deployments`.
    pub workloads: &'a [Workload],
    /// Zone names, indexed by `Node::zone`.
    pub zones: &'a [String],
    /// The scheduler configuration.
    pub config: &'a SchedulerConfig,
    /// Which workloads' pod (anti-)affinity terms select which workload.
    pub affinity: &'a AffinityIndex,
    /// The snapshot: live nodes in upstream's order.
    pub nodes: &'a NodeList,
    /// Remembered per-node resource scores (see [`super::memo`]).
    pub memo: &'a ScoreMemo,
    /// What plugins leave for their later extension points this cycle.
    pub cycle_state: CycleState,
    /// The pod being scheduled.
    pub pod_id: PodId,
    /// The pod being scheduled.
    pub pod: &'a Pod,
    /// Its workload.
    pub workload: &'a Workload,
}

/// Facts a plugin's filter half leaves for its score half during one cycle
/// (upstream plugins keep such data in the cycle's `CycleState`).
#[derive(Debug, Default)]
pub struct CycleState {
    /// TaintToleration: `Some(true)` from its PreFilter on, until its filter
    /// visits a node with taints of its own. If it is still `Some(true)` at
    /// scoring, no feasible node has a taint and every raw score is 0,
    /// known without reading the nodes again. `None`: the filter did not
    /// run this cycle (the score then reads every node).
    pub taint_free: Cell<Option<bool>>,
}

impl<'a> CycleContext<'a> {
    /// The pod's workload id.
    pub fn workload_id(&self) -> DeploymentId {
        self.pod.deployment
    }

    /// A node by id.
    pub fn node(&self, id: NodeId) -> &'a Node {
        self.state.node(id)
    }

    /// A node label as the scheduler sees it (well-known labels included).
    pub fn label(&self, node: &'a Node, key: &str) -> Option<&'a str> {
        plugins::node_label(node, self.zones, key)
    }

    /// Pods of workload `w` bound to a node of the snapshot, terminating
    /// ones included (they stay in the scheduler's NodeInfo until gone).
    pub fn bound_pods(&self, w: usize) -> impl Iterator<Item = (&'a Pod, NodeId)> + use<'a> {
        let state = self.state;
        state.deployments[w]
            .replica_sets
            .iter()
            .flat_map(move |rs| state.rs(*rs).pods.iter())
            .filter_map(move |&p| {
                let pod = state.pod(p);
                let n = pod.node?;
                (!pod.gone && !state.node(n).removed).then_some((pod, n))
            })
    }

    /// The topology domain of a node: its id for hostname, its zone.
    pub fn domain(&self, topology: Topology, node: NodeId) -> usize {
        match topology {
            Topology::Hostname => node.idx(),
            Topology::Zone => self.node(node).zone,
        }
    }
}

/// A filter plugin prepared for one pod (its PreFilter has run).
pub trait FilterPlugin {
    /// Upstream plugin name.
    fn name(&self) -> &'static str;
    /// Whether the pod may run on `node`.
    fn filter(&self, cx: &CycleContext<'_>, node: NodeId) -> Result<(), Rejection>;

    /// [`Self::filter`] over a batch: keeps in `nodes` those that pass, in
    /// order, and appends each rejected one to `rejected`. One dynamic call
    /// per plugin and batch instead of one per node (the default body is
    /// compiled for each plugin, so `filter` is called statically).
    fn filter_batch(
        &self,
        cx: &CycleContext<'_>,
        nodes: &mut Vec<Visit>,
        rejected: &mut Vec<(Visit, Rejection)>,
    ) {
        nodes.retain(|&v| match self.filter(cx, v.node) {
            Ok(()) => true,
            Err(r) => {
                rejected.push((v, r));
                false
            }
        });
    }
}

/// A node being filtered, with its place in the cycle's visiting order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visit {
    /// How many nodes this cycle visited before this one.
    pub rank: u32,
    /// The node.
    pub node: NodeId,
}

/// A score plugin prepared for one pod and its feasible nodes (its PreScore
/// has run).
pub trait ScorePlugin {
    /// Upstream plugin name.
    fn name(&self) -> &'static str;
    /// The raw score of a feasible node.
    fn score(&self, cx: &CycleContext<'_>, node: NodeId) -> i64;
    /// [`Self::score`] of each of `nodes` into `out` (same length): one
    /// dynamic call per plugin and cycle instead of one per node (the
    /// default body is compiled for each plugin, so `score` is called
    /// statically; no plugin needs to override it).
    fn score_all(&self, cx: &CycleContext<'_>, nodes: &[NodeId], out: &mut [i64]) {
        debug_assert_eq!(out.len(), nodes.len());
        for (o, &n) in out.iter_mut().zip(nodes) {
            *o = self.score(cx, n);
        }
    }
    /// NormalizeScore over the raw scores of all feasible nodes, in place;
    /// the result must lie in `0..=100`. The default leaves them as they are
    /// (plugins that already score 0..=100).
    fn normalize(&self, _scores: &mut [i64]) {}
}

/// A filter plugin's PreFilter: its state for this cycle, or `None` to skip
/// the plugin (upstream `Skip`).
pub type PreFilterFn = for<'a> fn(&CycleContext<'a>) -> Option<Box<dyn FilterPlugin + 'a>>;

/// A score plugin's PreScore over the feasible nodes, or `None` to skip it
/// (every node then gets 0 from it).
pub type PreScoreFn = for<'a> fn(&CycleContext<'a>, &[NodeId]) -> Option<Box<dyn ScorePlugin + 'a>>;

/// A PostFilter, run when no node passed the filters; may nominate a node.
/// It gets the profile so it can run the filters again (with
/// [`run_filters`], on a context whose state has the victims removed).
pub type PostFilterFn = fn(&Profile, &CycleContext<'_>, &Diagnosis) -> Option<Nomination>;

/// Which plugins run, in which order, with which score weights (upstream
/// `KubeSchedulerProfile`).
#[derive(Clone)]
pub struct Profile {
    /// Filter plugins, in order (a node fails at its first failing one).
    pub filters: Vec<(&'static str, PreFilterFn)>,
    /// Score plugins with their weights.
    pub scores: Vec<(&'static str, PreScoreFn, i64)>,
    /// PostFilter plugins, in order; the first nomination wins.
    pub post_filters: Vec<(&'static str, PostFilterFn)>,
}

impl Profile {
    /// Upstream's default profile, restricted to what kubesim models
    /// (`apis/config/v1/default_plugins.go`). Filters: NodeUnschedulable,
    /// NodeName (no pod names a node here: skipped), TaintToleration,
    /// NodeAffinity, NodeResourcesFit, PodTopologySpread, InterPodAffinity.
    /// Scores (weight): TaintToleration (3), NodeAffinity (2),
    /// NodeResourcesFit (1), PodTopologySpread (2), InterPodAffinity (2),
    /// NodeResourcesBalancedAllocation (1). ImageLocality (1) is left out:
    /// images are not modelled, so it would give every node 0. No
    /// PostFilter plugin: DefaultPreemption needs the scheduler's RNG and
    /// the PDBs, so the simulation runs it after a failed cycle
    /// ([`Scheduler::preempt`]).
    pub fn default_profile() -> Self {
        use plugins::*;
        Profile {
            filters: vec![
                (node_unschedulable::NAME, node_unschedulable::pre_filter),
                (taint_toleration::NAME, taint_toleration::pre_filter),
                (node_affinity::NAME, node_affinity::pre_filter),
                (node_resources::FIT, node_resources::pre_filter),
                (topology_spread::NAME, topology_spread::pre_filter),
                (inter_pod_affinity::NAME, inter_pod_affinity::pre_filter),
            ],
            scores: vec![
                (taint_toleration::NAME, taint_toleration::pre_score, 3),
                (node_affinity::NAME, node_affinity::pre_score, 2),
                (node_resources::FIT, node_resources::pre_score_fit, 1),
                (topology_spread::NAME, topology_spread::pre_score, 2),
                (inter_pod_affinity::NAME, inter_pod_affinity::pre_score, 2),
                (
                    node_resources::BALANCED,
                    node_resources::pre_score_balanced,
                    1,
                ),
            ],
            post_filters: Vec::new(),
        }
    }
}

impl Profile {
    /// Whether this is [`Profile::default_profile`]: the same plugins, the
    /// same functions, the same weights. Compared, not flagged, so that a
    /// default profile altered afterwards is not taken for the default.
    /// Function addresses may differ for one function (codegen units): that
    /// only turns the node index off; two different functions never share
    /// one unless their code is identical.
    pub fn is_default(&self) -> bool {
        let d = Profile::default_profile();
        let same_filters = self.filters.len() == d.filters.len()
            && self
                .filters
                .iter()
                .zip(&d.filters)
                .all(|(a, b)| a.0 == b.0 && std::ptr::fn_addr_eq(a.1, b.1));
        let same_scores = self.scores.len() == d.scores.len()
            && self
                .scores
                .iter()
                .zip(&d.scores)
                .all(|(a, b)| a.0 == b.0 && a.2 == b.2 && std::ptr::fn_addr_eq(a.1, b.1));
        same_filters && same_scores && self.post_filters.is_empty()
    }
}

/// The scheduler's snapshot of the node list: live nodes with zones visited
/// round-robin (zones in order of their first node, nodes in creation
/// order), as upstream `nodeTree.list` orders `NodeInfos().List()`.
#[derive(Clone, Debug, Default)]
pub struct NodeList {
    order: Vec<NodeId>,
    live_per_zone: Vec<u32>,
    // Arena length the list was built from; None forces a rebuild.
    built_from: Option<usize>,
    // Set when a cycle met a removed node nobody announced.
    stale: Cell<bool>,
    // Bumped at each rebuild: positions in `order` change meaning.
    version: u64,
    // Position in `order` of each node id; NOT_LISTED if absent.
    position: Vec<u32>,
}

const NOT_LISTED: u32 = u32::MAX;

impl NodeList {
    /// Live nodes in visiting order.
    pub fn order(&self) -> &[NodeId] {
        &self.order
    }

    /// Number of live nodes.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when no node is live.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Changes whenever the list is rebuilt (positions may then differ).
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Where node `id` is in [`Self::order`], if listed.
    pub fn position(&self, id: NodeId) -> Option<usize> {
        match self.position.get(id.idx()) {
            Some(&p) if p != NOT_LISTED => Some(p as usize),
            _ => None,
        }
    }

    /// Live nodes in zone `z`.
    pub fn live_in_zone(&self, z: usize) -> u32 {
        self.live_per_zone.get(z).copied().unwrap_or(0)
    }

    /// Rebuilds the list if nodes were added since, or if it was marked
    /// stale.
    fn refresh(&mut self, state: &ClusterState, zones: usize) {
        if self.built_from == Some(state.nodes.len()) && !self.stale.get() {
            return;
        }
        self.stale.set(false);
        let mut by_zone: Vec<Vec<NodeId>> = Vec::new();
        let mut zone_order: Vec<usize> = Vec::new();
        self.live_per_zone = vec![0; zones];
        for (i, n) in state.nodes.iter().enumerate() {
            if n.removed {
                continue;
            }
            if by_zone.len() <= n.zone {
                by_zone.resize(n.zone + 1, Vec::new());
            }
            if by_zone[n.zone].is_empty() {
                zone_order.push(n.zone);
            }
            by_zone[n.zone].push(NodeId(i as u32));
            if self.live_per_zone.len() <= n.zone {
                self.live_per_zone.resize(n.zone + 1, 0);
            }
            self.live_per_zone[n.zone] += 1;
        }
        self.order.clear();
        let longest = by_zone.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..longest {
            for &z in &zone_order {
                if let Some(&n) = by_zone[z].get(i) {
                    self.order.push(n);
                }
            }
        }
        self.position.clear();
        self.position.resize(state.nodes.len(), NOT_LISTED);
        for (p, n) in self.order.iter().enumerate() {
            self.position[n.idx()] = p as u32;
        }
        self.version += 1;
        self.built_from = Some(state.nodes.len());
    }
}

/// One pod (anti-)affinity term, indexed by the workload it selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexedTerm {
    /// The workload that carries the term.
    pub source: usize,
    /// Its topology key.
    pub topology: Topology,
    /// Which kind of term.
    pub kind: TermKind,
}

/// The four kinds of pod (anti-)affinity terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermKind {
    /// Required affinity.
    RequiredAffinity,
    /// Preferred affinity with its weight.
    PreferredAffinity(u32),
    /// Required anti-affinity.
    RequiredAntiAffinity,
    /// Preferred anti-affinity with its weight.
    PreferredAntiAffinity(u32),
}

/// For each workload, the terms (of any workload) that select its pods:
/// what the symmetric rules of InterPodAffinity need (existing pods' terms
/// against the incoming pod), found without scanning every pod.
#[derive(Clone, Debug, Default)]
pub struct AffinityIndex {
    selecting: Vec<Vec<IndexedTerm>>,
}

impl AffinityIndex {
    /// Indexes the terms of `workloads`.
    pub fn new(workloads: &[Workload]) -> Self {
        let mut selecting = vec![Vec::new(); workloads.len()];
        for (source, w) in workloads.iter().enumerate() {
            let a = &w.affinity;
            let terms = a
                .pod_affinity
                .iter()
                .map(|t| {
                    let kind = match t.weight {
                        None => TermKind::RequiredAffinity,
                        Some(w) => TermKind::PreferredAffinity(w),
                    };
                    (t, kind)
                })
                .chain(a.pod_anti_affinity.iter().map(|t| {
                    let kind = match t.weight {
                        None => TermKind::RequiredAntiAffinity,
                        Some(w) => TermKind::PreferredAntiAffinity(w),
                    };
                    (t, kind)
                }));
            for (t, kind) in terms {
                if let Some(list) = selecting.get_mut(t.workload) {
                    list.push(IndexedTerm {
                        source,
                        topology: t.topology,
                        kind,
                    });
                }
            }
        }
        AffinityIndex { selecting }
    }

    /// The terms that select pods of workload `w`, in workload order.
    pub fn selecting(&self, w: usize) -> &[IndexedTerm] {
        self.selecting.get(w).map_or(&[], Vec::as_slice)
    }
}

/// The scheduler: its profile and configuration, and the state kube-scheduler
/// keeps between cycles (the rotating start index, the node snapshot order).
/// Owned by the simulation; `schedule_one` is one scheduling cycle.
#[derive(Clone)]
pub struct Scheduler {
    profile: Profile,
    config: SchedulerConfig,
    zones: Vec<String>,
    affinity: AffinityIndex,
    nodes: NodeList,
    memo: ScoreMemo,
    scratch: Scratch,
    next_start_node_index: usize,
    // Whether the profile is the default one, whose plugins the node index
    // knows (see `super::index`).
    indexed: bool,
    index: NodeIndex,
}

/// Buffers a cycle reuses, so that a cycle allocates little.
#[derive(Clone, Default)]
struct Scratch {
    batch: Vec<Visit>,
    rejected: Vec<(Visit, Rejection)>,
    feasible: Vec<NodeId>,
    scores: Vec<i64>,
    totals: Vec<i64>,
    scored: Vec<(NodeId, i64)>,
}

impl Scheduler {
    /// A scheduler with the default profile for a cluster with these zones
    /// and workloads.
    pub fn new(config: &SchedulerConfig, zones: &[String], workloads: &[Workload]) -> Self {
        Self::with_profile(Profile::default_profile(), config, zones, workloads)
    }

    /// A scheduler with a custom profile.
    pub fn with_profile(
        profile: Profile,
        config: &SchedulerConfig,
        zones: &[String],
        workloads: &[Workload],
    ) -> Self {
        let indexed = profile.is_default();
        Scheduler {
            profile,
            indexed,
            index: NodeIndex::default(),
            config: config.clone(),
            zones: zones.to_vec(),
            affinity: AffinityIndex::new(workloads),
            nodes: NodeList::default(),
            memo: ScoreMemo::default(),
            scratch: Scratch::default(),
            next_start_node_index: 0,
        }
    }

    /// The profile in use.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Upstream `nextStartNodeIndex`: where the next cycle starts visiting
    /// the node list.
    pub fn next_start_node_index(&self) -> usize {
        self.next_start_node_index
    }

    /// Cycles decided by the node index rather than by running every plugin
    /// on every visited node (see [`super::index`]); the outcomes are the
    /// same either way.
    pub fn indexed_cycles(&self) -> u64 {
        self.index.served()
    }

    /// Turns the node index off (or back on, for the default profile):
    /// for comparisons and tests, since outcomes are the same either way.
    pub fn set_indexed(&mut self, on: bool) {
        self.indexed = on && self.profile.is_default();
    }

    /// Must be called when a node is removed (`Node::removed` set), so the
    /// snapshot order is rebuilt; added nodes are noticed on their own.
    pub fn node_set_changed(&mut self) {
        self.nodes.built_from = None;
    }

    /// Runs `f` with the profile and a context for `pod`, as a cycle would.
    fn with_cycle<R>(
        &mut self,
        state: &ClusterState,
        workloads: &[Workload],
        pod: PodId,
        f: impl FnOnce(&Profile, &CycleContext<'_>) -> R,
    ) -> R {
        self.nodes.refresh(state, self.zones.len());
        self.memo.ensure(state.nodes.len());
        let p = state.pod(pod);
        let cx = CycleContext {
            state,
            workloads,
            zones: &self.zones,
            config: &self.config,
            affinity: &self.affinity,
            nodes: &self.nodes,
            memo: &self.memo,
            cycle_state: CycleState::default(),
            pod_id: pod,
            pod: p,
            workload: &workloads[p.deployment.idx()],
        };
        f(&self.profile, &cx)
    }

    /// What a cycle reads besides the cluster state, for code that re-runs
    /// the filters on states it alters (preemption's dry runs).
    pub fn env<'a>(&'a mut self, state: &ClusterState, workloads: &'a [Workload]) -> CycleEnv<'a> {
        self.nodes.refresh(state, self.zones.len());
        self.memo.ensure(state.nodes.len());
        CycleEnv {
            profile: &self.profile,
            workloads,
            zones: &self.zones,
            config: &self.config,
            affinity: &self.affinity,
            nodes: &self.nodes,
            memo: &self.memo,
        }
    }

    /// Runs PreFilter and every filter of the profile for `pod` on one node,
    /// as a cycle would: for diagnostics, tests and PostFilter plugins.
    pub fn filter_node(
        &mut self,
        state: &ClusterState,
        workloads: &[Workload],
        pod: PodId,
        node: NodeId,
    ) -> Result<(), Rejection> {
        self.with_cycle(state, workloads, pod, |profile, cx| {
            run_filters(&pre_filter(profile, cx), cx, node)
        })
    }

    /// Runs PreFilter once for `pod`, then the filters on each of
    /// `candidates` in order; returns the first node that passes: what the
    /// cluster autoscaler's simulations ask ("does it fit somewhere?").
    pub fn first_feasible(
        &mut self,
        state: &ClusterState,
        workloads: &[Workload],
        pod: PodId,
        candidates: &[NodeId],
    ) -> Option<NodeId> {
        self.with_cycle(state, workloads, pod, |profile, cx| {
            let filters = pre_filter(profile, cx);
            candidates
                .iter()
                .copied()
                .find(|&n| run_filters(&filters, cx, n).is_ok())
        })
    }

    /// Each score plugin's raw and normalized scores of `feasible` for
    /// `pod`, as a cycle would compute them (plugins that skip themselves
    /// are left out): for diagnostics and tests.
    pub fn score_breakdown(
        &mut self,
        state: &ClusterState,
        workloads: &[Workload],
        pod: PodId,
        feasible: &[NodeId],
    ) -> Vec<PluginScores> {
        self.with_cycle(state, workloads, pod, |profile, cx| {
            let mut out = Vec::new();
            for &(name, pre_score, weight) in &profile.scores {
                let Some(plugin) = pre_score(cx, feasible) else {
                    continue;
                };
                let raw: Vec<i64> = feasible.iter().map(|&n| plugin.score(cx, n)).collect();
                let mut normalized = raw.clone();
                plugin.normalize(&mut normalized);
                out.push(PluginScores {
                    name,
                    weight,
                    raw,
                    normalized,
                });
            }
            out
        })
    }

    /// Runs one scheduling cycle for `pod`. `workloads` are the scenario's,
    /// indexed like `state.deployments`; `rng` is the scheduler's own
    /// stream, used only to break ties between the best nodes.
    pub fn schedule_one(
        &mut self,
        state: &ClusterState,
        workloads: &[Workload],
        pod: PodId,
        rng: &mut SimRng,
    ) -> Outcome {
        let Scheduler {
            profile,
            config,
            zones,
            affinity,
            nodes,
            memo,
            scratch,
            next_start_node_index,
            indexed,
            index,
        } = self;
        nodes.refresh(state, zones.len());
        memo.ensure(state.nodes.len());
        let p = state.pod(pod);
        let cx = CycleContext {
            state,
            workloads,
            zones,
            config,
            affinity,
            nodes,
            memo,
            cycle_state: CycleState::default(),
            pod_id: pod,
            pod: p,
            workload: &workloads[p.deployment.idx()],
        };

        let filters = pre_filter(profile, &cx);

        // Upstream `evaluateNominatedNode`: the nominated node alone first;
        // if it fits it is the only feasible node (no scoring) and the
        // rotating start index stays where it is.
        if let Some(nominated) = state.nominations.node_of(pod)
            && !state.node(nominated).removed
            && run_filters(&filters, &cx, nominated).is_ok()
        {
            return Outcome::Bind(nominated);
        }

        // Filter, from the rotating start, until enough feasible nodes.
        let all = nodes.order();
        let n = all.len();
        let to_find =
            score::adaptive_nodes_to_find(n as u32, config.percentage_of_nodes_to_score) as usize;
        let mut diag = Diagnosis {
            nodes: n as u32,
            ..Diagnosis::default()
        };
        // The index may point past a list that has since shrunk.
        let start = if n > 0 { *next_start_node_index % n } else { 0 };
        if *indexed
            && let Some(pick) = index.try_cycle(profile, &cx, &filters, nodes, start, to_find, rng)
        {
            *next_start_node_index = (start + pick.processed) % n;
            return Outcome::Bind(pick.node);
        }
        // From `start` to the end, then from the beginning.
        let (before, from_start) = all.split_at(start);
        let mut order = from_start.iter().chain(before).copied();
        let Scratch {
            batch,
            rejected,
            feasible,
            scores,
            totals,
            scored,
        } = scratch;
        feasible.clear();
        let mut processed = 0;
        // Nodes are filtered in batches of as many as are still wanted: a
        // batch can never overshoot, so exactly the nodes a one-by-one visit
        // would see are visited, and rejections are recorded in visiting
        // order (upstream's `nodesWherePreemptionMightHelp` order).
        while feasible.len() < to_find && processed < n {
            let want = to_find - feasible.len();
            batch.clear();
            for node in order.by_ref().take(want) {
                let rank = processed as u32;
                processed += 1;
                if state.node(node).removed {
                    // Removed without `node_set_changed`: rebuild next cycle.
                    nodes.stale.set(true);
                    continue;
                }
                batch.push(Visit { rank, node });
            }
            rejected.clear();
            for f in &filters {
                if batch.is_empty() {
                    break;
                }
                f.filter_batch(&cx, batch, rejected);
            }
            rejected.sort_unstable_by_key(|(v, _)| v.rank);
            for (v, r) in rejected.iter() {
                diag.record(v.node, r);
            }
            feasible.extend(batch.iter().map(|v| v.node));
        }
        // Upstream: (start + feasible + rejected) mod |all nodes|.
        if n > 0 {
            *next_start_node_index = (start + processed) % n;
        }

        if feasible.is_empty() {
            diag.nomination = profile
                .post_filters
                .iter()
                .find_map(|(_, f)| f(profile, &cx, &diag));
            return Outcome::Unschedulable(diag);
        }
        // Upstream skips scoring when a single node is feasible.
        if let [only] = feasible[..] {
            return Outcome::Bind(only);
        }

        score_nodes_into(profile, &cx, feasible, scores, totals);
        scored.clear();
        scored.extend(feasible.iter().copied().zip(totals.iter().copied()));
        // Ties are broken uniformly at random from the scheduler's own stream.
        let chosen =
            score::select_host(scored, |k| rng.random_range(0..k)).expect("feasible is not empty");
        Outcome::Bind(chosen)
    }
}

/// The scheduler's side of a [`CycleContext`]: everything but the state and
/// the pod (see [`Scheduler::env`]).
pub struct CycleEnv<'a> {
    /// The profile.
    pub profile: &'a Profile,
    /// Every workload, indexed like `state.deployments`.
    pub workloads: &'a [Workload],
    /// Zone names.
    pub zones: &'a [String],
    /// The scheduler configuration.
    pub config: &'a SchedulerConfig,
    /// The affinity index.
    pub affinity: &'a AffinityIndex,
    /// The node snapshot.
    pub nodes: &'a NodeList,
    /// The score memo.
    pub memo: &'a ScoreMemo,
}

impl CycleEnv<'_> {
    /// A cycle context for `pod` on `state`.
    pub fn context<'s>(&'s self, state: &'s ClusterState, pod: PodId) -> CycleContext<'s> {
        let p = state.pod(pod);
        CycleContext {
            state,
            workloads: self.workloads,
            zones: self.zones,
            config: self.config,
            affinity: self.affinity,
            nodes: self.nodes,
            memo: self.memo,
            cycle_state: CycleState::default(),
            pod_id: pod,
            pod: p,
            workload: &self.workloads[p.deployment.idx()],
        }
    }

    /// Whether `pod` passes every filter of the profile on `node` in
    /// `state` (PreFilter included, so every plugin sees `state` as it is).
    pub fn fits(&self, state: &ClusterState, pod: PodId, node: NodeId) -> bool {
        let cx = self.context(state, pod);
        run_filters(&pre_filter(self.profile, &cx), &cx, node).is_ok()
    }
}

/// One score plugin's scores of a set of nodes (see
/// [`Scheduler::score_breakdown`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginScores {
    /// Plugin name.
    pub name: &'static str,
    /// Its weight in the profile.
    pub weight: i64,
    /// Score results, in the order of the nodes given.
    pub raw: Vec<i64>,
    /// After NormalizeScore.
    pub normalized: Vec<i64>,
}

/// Runs every PreFilter of `profile` for the context's pod: the prepared
/// filter plugins, skipped ones left out.
pub fn pre_filter<'a>(profile: &Profile, cx: &CycleContext<'a>) -> Vec<Box<dyn FilterPlugin + 'a>> {
    profile.filters.iter().filter_map(|(_, f)| f(cx)).collect()
}

/// Runs the prepared filters on one node: the first failure decides.
pub fn run_filters(
    filters: &[Box<dyn FilterPlugin + '_>],
    cx: &CycleContext<'_>,
    node: NodeId,
) -> Result<(), Rejection> {
    filters.iter().try_for_each(|f| f.filter(cx, node))
}

/// PreScore, Score, NormalizeScore and weighting of every score plugin of
/// `profile` over `feasible`: each node's `Σ weight × normalized score`.
pub fn score_nodes(profile: &Profile, cx: &CycleContext<'_>, feasible: &[NodeId]) -> Vec<i64> {
    let mut totals = Vec::new();
    score_nodes_into(profile, cx, feasible, &mut Vec::new(), &mut totals);
    totals
}

/// [`score_nodes`] into `totals`, with `scores` as scratch space.
fn score_nodes_into(
    profile: &Profile,
    cx: &CycleContext<'_>,
    feasible: &[NodeId],
    scores: &mut Vec<i64>,
    totals: &mut Vec<i64>,
) {
    totals.clear();
    totals.resize(feasible.len(), 0);
    scores.clear();
    scores.resize(feasible.len(), 0);
    for &(_, pre_score, weight) in &profile.scores {
        let Some(plugin) = pre_score(cx, feasible) else {
            continue;
        };
        plugin.score_all(cx, feasible, scores);
        plugin.normalize(scores);
        debug_assert!(
            scores
                .iter()
                .all(|s| (0..=score::MAX_NODE_SCORE).contains(s)),
            "{} normalized out of range: {scores:?}",
            plugin.name()
        );
        for (t, s) in totals.iter_mut().zip(scores.iter()) {
            *t += s * weight;
        }
    }
}
