//! Cluster state as plain data: nodes, pods, replica sets, deployments.
//!
//! Objects live in `Vec`s indexed by newtype ids, never in hash maps, so every
//! iteration order is the creation order and runs are reproducible. Only the
//! simulation (`crate::sim`) mutates this state; controllers and the scheduler
//! read it and return decisions.

use crate::dist::Dist;
use crate::engine::{EventId, SimDuration, SimTime};
use crate::scenario::{Strategy, Taint};
use crate::units::{Bytes, MilliCpu};
use std::collections::BTreeMap;

mod arena;
mod nodes;
mod nominations;
pub use arena::{IdMap, PodArena};
pub use nodes::{ChangeCursor, NodeTable};
pub use nominations::Nominations;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            /// The index of this object in its arena.
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A node (index into [`ClusterState::nodes`]).
    NodeId
);
id_type!(
    /// A pod (index into [`ClusterState::pods`]).
    PodId
);
id_type!(
    /// A ReplicaSet (index into [`ClusterState::replica_sets`]).
    RsId
);
id_type!(
    /// A Deployment, one per scenario workload (index into
    /// [`ClusterState::deployments`] and into the scenario's `workloads`).
    DeploymentId
);

/// A node and both views of its health: the machine's (`up`) and the
/// control plane's (`ready`), which lags behind it.
#[derive(Clone, Debug)]
// The resources, pod list and flags every scheduling cycle reads of every
// node it visits come first and share one cache line (field order is kept
// by `repr(C)`; checked below); the taints, read too, start the second.
#[repr(C, align(64))]
pub struct Node {
    /// Allocatable CPU.
    pub cpu: MilliCpu,
    /// Allocatable memory.
    pub memory: Bytes,
    /// Sum of CPU requests of pods bound here (terminating ones included,
    /// as the scheduler counts them until they are gone).
    pub requested_cpu: MilliCpu,
    /// Sum of memory requests of pods bound here.
    pub requested_memory: Bytes,
    /// Pods bound here, in binding order.
    pub pods: Vec<PodId>,
    /// Maximum pods.
    pub max_pods: u32,
    /// The control plane's view: the Ready condition.
    pub ready: bool,
    /// Cordoned (`spec.unschedulable`).
    pub unschedulable: bool,
    /// Removed from the cluster (scale-down, upgrade): kept in the arena so
    /// ids stay stable, but invisible to everything.
    pub removed: bool,
    /// Taints from the pool (the control plane's own taints are derived from
    /// `ready` and `unschedulable`).
    pub taints: Vec<Taint>,
    /// `<pool>-<i>`.
    pub name: String,
    /// Index of its pool in the scenario.
    pub pool: usize,
    /// Index of its zone in `cluster.zones`.
    pub zone: usize,
    /// Labels (from the pool).
    pub labels: BTreeMap<String, String>,
    /// Rack index within the pool (`racks`).
    pub rack: u32,
    /// Number of active outages (failure processes, chaos events, an
    /// in-place upgrade): the machine runs iff this is zero.
    pub outages: u32,
    /// Number of active network partitions: while non-zero the kubelet
    /// cannot reach the control plane, but the machine and its pods run.
    pub partitioned: u32,
    /// The drain in progress on this node, if any (index into the
    /// simulation's drains).
    pub drain: Option<u32>,
    /// Offset of this kubelet's 10 s lease renewals.
    pub lease_phase: SimDuration,
    /// When the machine last came up (lease renewals restart from here).
    pub up_since: SimTime,
    /// Pending "mark NotReady" or "evict" timer of the node lifecycle
    /// controller, cancelled when the node comes back.
    pub lifecycle_timer: Option<EventId>,
    /// When the control plane marked it NotReady (taint time).
    pub not_ready_since: Option<SimTime>,
    /// The taint eviction controller's next deletion of pods on this node
    /// (the earliest of their scheduled evictions) and when it fires.
    pub eviction_timer: Option<(EventId, SimTime)>,
}

// The measured layout: the hot fields end within the first 64 bytes.
const _: () = assert!(std::mem::offset_of!(Node, removed) < 64);

impl Node {
    /// A Ready, running, empty node.
    pub fn new(
        name: String,
        pool: usize,
        zone: usize,
        cpu: MilliCpu,
        memory: Bytes,
        max_pods: u32,
    ) -> Node {
        Node {
            name,
            pool,
            zone,
            cpu,
            memory,
            max_pods,
            labels: BTreeMap::new(),
            taints: Vec::new(),
            rack: 0,
            outages: 0,
            partitioned: 0,
            drain: None,
            ready: true,
            unschedulable: false,
            removed: false,
            lease_phase: SimDuration::ZERO,
            up_since: SimTime::ZERO,
            requested_cpu: MilliCpu(0),
            requested_memory: Bytes(0),
            pods: Vec::new(),
            lifecycle_timer: None,
            not_ready_since: None,
            eviction_timer: None,
        }
    }

    /// The machine is running (no active outage).
    pub fn is_up(&self) -> bool {
        self.outages == 0 && !self.removed
    }

    /// The kubelet renews its lease: the machine runs and reaches the
    /// control plane.
    pub fn heartbeats(&self) -> bool {
        self.is_up() && self.partitioned == 0
    }

    /// Pods counted against `max_pods`.
    pub fn pod_count(&self) -> u32 {
        self.pods.len() as u32
    }

    /// Whether a NoSchedule/NoExecute taint the control plane put on this
    /// node (`unreachable`, `unschedulable`) keeps new pods off.
    pub fn control_plane_blocks_scheduling(&self) -> bool {
        !self.ready || self.unschedulable || self.removed
    }
}

/// Upstream `Toleration.ToleratesTaint`: effect matches (empty = all), key
/// matches (empty key with Exists = all), and Exists or equal value.
pub fn tolerates(tol: &crate::scenario::Toleration, taint: &Taint) -> bool {
    if tol.effect.is_some_and(|e| e != taint.effect) {
        return false;
    }
    if tol.key.is_empty() {
        return tol.exists;
    }
    tol.key == taint.key && (tol.exists || tol.value == taint.value)
}

/// Where a pod is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodPhase {
    /// Created, not yet bound to a node.
    Pending,
    /// Bound; the kubelet has not started it yet.
    Bound,
    /// Containers running, not ready: starting, or failing their
    /// readiness probe (a hung application).
    Starting,
    /// Ready (readiness probe passing). A hung application stays Ready
    /// until its probe has failed `failure_threshold` times, but does not
    /// serve.
    Ready,
    /// Crash-looping: never becomes ready (a bad rollout).
    CrashLoop,
    /// The container crashed and waits out its restart backoff.
    BackOff,
}

/// A pod. Deletion is a flag (`deleted_at`, Kubernetes' deletionTimestamp)
/// on top of the phase: a terminating pod keeps its phase until it is gone.
#[derive(Clone, Debug)]
pub struct Pod {
    /// Owner.
    pub rs: RsId,
    /// Owner's owner.
    pub deployment: DeploymentId,
    /// Phase.
    pub phase: PodPhase,
    /// Node, once bound.
    pub node: Option<NodeId>,
    /// CPU request.
    pub cpu: MilliCpu,
    /// Memory request.
    pub memory: Bytes,
    /// Priority (higher preempts lower).
    pub priority: i32,
    /// Creation time.
    pub created_at: SimTime,
    /// Last transition to Ready (for minReadySeconds and deletion order).
    pub ready_since: Option<SimTime>,
    /// Set when deletion starts; the pod is Terminating from then on.
    pub deleted_at: Option<SimTime>,
    /// The node lifecycle controller set Ready=False because the node is
    /// NotReady: the pod left the endpoints although it may still run.
    pub marked_not_ready: bool,
    /// Gone from the API (terminated and removed). Kept in the arena until
    /// nothing refers to it any more, then released ([`PodArena`]).
    pub gone: bool,
    /// Pending kubelet timer (start, ready, termination end, restart).
    pub timer: Option<EventId>,
    /// Pending container crash (the workload's `crash` process).
    pub crash_timer: Option<EventId>,
    /// Container restarts so far.
    pub restarts: u32,
    /// Last container crash, for CrashLoopBackOff's reset rule.
    pub last_crash: Option<SimTime>,
    /// Crashes in the current backoff streak.
    pub crash_streak: u32,
    /// Last container restart after a crash, for CrashLoopBackOff's reset.
    pub last_restart: Option<SimTime>,
    /// Placed by the warm start: Ready (and available) since before the run.
    pub warm: bool,
    /// Pseudo-random UID used only to break ties like upstream does.
    pub uid: u64,
    /// Scheduling attempts that failed.
    pub failed_attempts: u32,
    /// `status.startTime`: when the kubelet first acknowledged the pod
    /// (before its containers start).
    pub started_at: Option<SimTime>,
    /// The scheduler preempted it (its `DisruptionTarget` condition with
    /// reason `PreemptionByScheduler`).
    pub preempted: bool,
    /// Its deletion queued by the taint eviction controller (a tolerated
    /// NoExecute taint with `toleration_seconds`).
    pub taint_eviction: Option<crate::controllers::taint_eviction::ScheduledEviction>,
    /// When its readiness probe worker started (the kubelet started the
    /// pod): probes tick at this plus multiples of the period.
    pub probe_anchor: SimTime,
    /// First probe of the worker's current run of successes (None after a
    /// failing probe): a container restarted after a crash continues it.
    pub probe_run_since: Option<SimTime>,
    /// The application stopped answering at this time (the workload's
    /// `hang`); its container still runs.
    pub hang_since: Option<SimTime>,
    /// Pending hang start or hang end.
    pub hang_timer: Option<EventId>,
}

impl Pod {
    /// A new Pending pod.
    pub fn new(
        rs: RsId,
        deployment: DeploymentId,
        cpu: MilliCpu,
        memory: Bytes,
        priority: i32,
        created_at: SimTime,
        uid: u64,
    ) -> Pod {
        Pod {
            rs,
            deployment,
            phase: PodPhase::Pending,
            node: None,
            cpu,
            memory,
            priority,
            created_at,
            ready_since: None,
            deleted_at: None,
            marked_not_ready: false,
            gone: false,
            timer: None,
            crash_timer: None,
            restarts: 0,
            last_crash: None,
            crash_streak: 0,
            last_restart: None,
            warm: false,
            uid,
            failed_attempts: 0,
            started_at: None,
            preempted: false,
            taint_eviction: None,
            probe_anchor: created_at,
            probe_run_since: None,
            hang_since: None,
            hang_timer: None,
        }
    }

    /// Not being deleted (upstream `FilterActivePods`, for our purposes).
    pub fn is_active(&self) -> bool {
        self.deleted_at.is_none() && !self.gone
    }

    /// Ready as the API reports it (what endpoints and controllers see).
    pub fn is_api_ready(&self) -> bool {
        self.is_active() && self.phase == PodPhase::Ready && !self.marked_not_ready
    }

    /// Available per upstream `IsPodAvailable`: ready, and ready for longer
    /// than minReadySeconds (strictly) unless that is zero.
    pub fn is_available(&self, now: SimTime, min_ready: SimDuration) -> bool {
        self.is_api_ready()
            && (min_ready == SimDuration::ZERO
                || self.warm
                || self.ready_since.is_some_and(|t| t + min_ready < now))
    }
}

/// A pod template: what a rollout changes.
#[derive(Clone, Debug, PartialEq)]
pub struct PodTemplate {
    /// CPU request.
    pub cpu: MilliCpu,
    /// Memory request.
    pub memory: Bytes,
    /// Start-up time distribution.
    pub startup_time: Dist,
    /// Probability that a pod of this template crash-loops.
    pub crash_probability: f64,
}

/// A ReplicaSet: one revision of a deployment.
#[derive(Clone, Debug)]
pub struct ReplicaSet {
    /// Owner.
    pub deployment: DeploymentId,
    /// Revision number (1, 2, ...).
    pub revision: u32,
    /// Template.
    pub template: PodTemplate,
    /// `spec.replicas`.
    pub replicas: u32,
    /// Pods owned (active and terminating; gone pods are dropped).
    pub pods: Vec<PodId>,
    /// `deployment.kubernetes.io/desired-replicas` annotation.
    pub desired_annotation: Option<u32>,
    /// `deployment.kubernetes.io/max-replicas` annotation.
    pub max_annotation: Option<u32>,
    /// Creation time.
    pub created_at: SimTime,
    /// Deleted by history cleanup.
    pub deleted: bool,
}

/// A Deployment.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Name (the workload's).
    pub name: String,
    /// `spec.replicas`.
    pub replicas: u32,
    /// Strategy.
    pub strategy: Strategy,
    /// `minReadySeconds`.
    pub min_ready: SimDuration,
    /// Grace period of its pods.
    pub termination_grace: SimDuration,
    /// Pod priority.
    pub priority: i32,
    /// The current template (the newest revision's).
    pub template: PodTemplate,
    /// Revision of the current template.
    pub revision: u32,
    /// Its replica sets, oldest first (deleted ones removed).
    pub replica_sets: Vec<RsId>,
}

/// The whole cluster.
#[derive(Clone, Debug, Default)]
pub struct ClusterState {
    /// Nodes by id (mutable access is logged, see [`NodeTable`]).
    pub nodes: NodeTable,
    /// Pods by id (gone pods stay, flagged, until the simulation releases
    /// them).
    pub pods: PodArena,
    /// Replica sets by id.
    pub replica_sets: Vec<ReplicaSet>,
    /// Deployments by id (= workload index).
    pub deployments: Vec<Deployment>,
    /// Pods nominated to nodes by preemption.
    pub nominations: Nominations,
}

impl ClusterState {
    /// A node by id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.idx()]
    }
    /// A pod by id.
    pub fn pod(&self, id: PodId) -> &Pod {
        &self.pods[id.idx()]
    }
    /// A replica set by id.
    pub fn rs(&self, id: RsId) -> &ReplicaSet {
        &self.replica_sets[id.idx()]
    }
    /// A deployment by id.
    pub fn deployment(&self, id: DeploymentId) -> &Deployment {
        &self.deployments[id.idx()]
    }

    /// Active (non-terminating) pods of a replica set.
    pub fn active_pods(&self, rs: RsId) -> impl Iterator<Item = PodId> + '_ {
        self.rs(rs)
            .pods
            .iter()
            .copied()
            .filter(|p| self.pod(*p).is_active())
    }

    /// `status.availableReplicas` of a replica set.
    pub fn rs_available(&self, rs: RsId, now: SimTime) -> u32 {
        let min_ready = self.deployment(self.rs(rs).deployment).min_ready;
        self.active_pods(rs)
            .filter(|p| self.pod(*p).is_available(now, min_ready))
            .count() as u32
    }

    /// `status.replicas` of a replica set: its active pods.
    pub fn rs_status_replicas(&self, rs: RsId) -> u32 {
        self.active_pods(rs).count() as u32
    }
}
