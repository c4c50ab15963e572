//! The closed set of events of a run. Each variant says who schedules it and
//! what it causes.

use super::OutageCause;
use crate::model::{DeploymentId, NodeId, PodId, RsId};

/// Everything that can happen at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Scenario timeline item `i` (scheduled at start) -> scale, rollout,
    /// outage, node failure.
    Timeline(usize),
    /// A node's machine stops (failure process or chaos) -> its pods stop
    /// serving at once; the control plane notices after the grace period.
    NodeFails {
        /// Which node.
        node: NodeId,
        /// Which process took it down.
        cause: OutageCause,
    },
    /// One outage cause of a node ends -> when none is left, the machine
    /// runs again, its kubelet renews its lease and restarts its pods.
    NodeRepaired {
        /// Which node.
        node: NodeId,
        /// Which outage ends.
        cause: OutageCause,
    },
    /// Node lifecycle controller (monitor tick after the grace period with no
    /// lease renewal) -> Ready=Unknown, unreachable taints, its pods leave
    /// the endpoints, eviction timer starts.
    NodeNotReady(NodeId),
    /// Node lifecycle controller sees a renewed lease -> Ready, taints
    /// removed, pending evictions cancelled.
    NodeReadyAgain(NodeId),
    /// Taint eviction controller: the earliest scheduled eviction of a pod
    /// on the node (its tolerationSeconds after the NoExecute taint) -> the
    /// pods due are deleted, ReplicaSets replace them.
    TaintEviction(NodeId),
    /// Deployment controller sync (woken by watches) -> replica set scaling.
    DeploymentSync(DeploymentId),
    /// Deployment controller: a stalled rollout requeued for its progress
    /// deadline (`requeueStuckDeployment`) -> a sync, which may set
    /// `ProgressDeadlineExceeded`.
    ProgressCheck(DeploymentId),
    /// ReplicaSet controller sync (woken by watches) -> pod creation/deletion.
    ReplicaSetSync(RsId),
    /// Scheduler: drain the active queue -> bindings.
    SchedulerCycle,
    /// Scheduler: retry pods unschedulable for too long (every 30 s).
    UnschedulableFlush,
    /// Kubelet observes a binding -> containers start.
    KubeletStart(PodId),
    /// Kubelet: readiness probe passes -> the pod is Ready.
    PodReady(PodId),
    /// Kubelet: the grace period ended -> the pod is gone, resources freed.
    PodTerminated(PodId),
    /// Periodic sample for timeseries.csv.
    Sample,
    /// A failure domain (zone, rack, pool) fails as a whole -> every node in
    /// it goes down until the domain is repaired.
    DomainFails(u32),
    /// A failure domain is repaired -> its next failure is scheduled.
    DomainRepaired(u32),
    /// A network partition of a node ends -> the kubelet reaches the
    /// control plane again and finishes deletions it missed.
    PartitionHealed(NodeId),
    /// A control-plane outage ends -> deferred controller work runs and the
    /// node lifecycle controller restarts its grace periods.
    ControlPlaneRestored,
    /// `kubectl drain` retries evictions refused by a PDB (every 5 s).
    DrainRetry(u32),
    /// A drained node becomes schedulable again (ignored if a later drain
    /// of the node started since).
    Uncordon {
        /// Which node.
        node: NodeId,
        /// The drain that asked for it.
        drain: u32,
    },
    /// A running container crashes -> the pod is not ready; the kubelet
    /// restarts it after CrashLoopBackOff.
    PodCrashed(PodId),
    /// CrashLoopBackOff elapsed -> the container starts again.
    ContainerRestart(PodId),
    /// A Ready pod's application stops answering (the workload's `hang`)
    /// -> it stops serving; its readiness probe starts failing.
    PodHangs(PodId),
    /// A hung application answers again -> it serves again, or, if the
    /// probe marked it not ready, is Ready after `success_threshold`
    /// successful probes.
    PodRecovers(PodId),
    /// The readiness probe failed `failure_threshold` times in a row -> the
    /// pod is not ready and leaves the endpoints.
    ProbeFailed(PodId),
    /// A spot node gets its reclamation notice -> cordon and drain.
    SpotNotice(NodeId),
    /// A spot node is taken by the provider -> its pods are gone; a
    /// replacement is requested.
    SpotReclaim(NodeId),
    /// A new node of a pool joins the cluster (spot replacement, upgrade
    /// surge).
    NodeJoins {
        /// Pool index.
        pool: u32,
        /// Zone index.
        zone: u32,
        /// Why it was created.
        purpose: JoinPurpose,
    },
    /// Traffic in requests mode: the next request of a workload arrives ->
    /// routed to an endpoint (queued, served or failed); the following
    /// arrival is scheduled.
    RequestArrival(DeploymentId),
    /// Traffic in requests mode: a pod finishes the request in one of its
    /// slots -> its latency is recorded and the next queued request starts.
    RequestDone {
        /// The pod.
        pod: PodId,
        /// Its slot (0..concurrency).
        slot: u32,
    },
    /// metrics-server scrapes the kubelets (every 15 s) -> each running
    /// pod's CPU usage over the last interval becomes its metric sample.
    MetricsScrape,
    /// HPA controller: periodic sync of a workload's HPA (every 15 s) ->
    /// the Deployment's replicas may change.
    HpaSync(DeploymentId),
    /// Cluster autoscaler loop (every `scan_interval`) -> scale-up
    /// requests, unneeded-node tracking, scale-down drains and deletions.
    AutoscalerScan,
    /// The built-in request source of scale-to-zero workload `w` -> a
    /// request is routed, held by the activator or starts an instance; the
    /// next arrival is scheduled.
    ScaleToZeroArrival(u32),
    /// A scale-to-zero request finished its service -> the instance
    /// (per_request: `pod`) becomes idle.
    ScaleToZeroDone {
        /// Workload index.
        workload: u32,
        /// The per_request instance that served it.
        pod: Option<PodId>,
    },
    /// KPA decider tick (every 2 s) of workload `w` -> desired scale from
    /// the stable and panic windows; scale-to-zero steps.
    KpaTick(u32),
    /// KPA re-check when the scale-to-zero grace period of workload `w`
    /// has run out -> the Deployment goes to zero.
    KpaReconcile(u32),
    /// A per_request instance stayed idle for `keep_alive` -> removed.
    KeepAliveExpired(PodId),
    /// A Job of job class `c` is created (its arrival process or trace) ->
    /// the Job controller syncs it; the class's next arrival is scheduled.
    JobArrival(u32),
    /// Job controller sync of the Job whose pods `RsId` owns (woken by the
    /// Job's creation, its pods' events, or its pod-failure backoff) ->
    /// pods created, or the Job complete or failed.
    JobSync(RsId),
    /// A Job pod's container exits after its run time -> the pod succeeded
    /// (or `failed`), frees its node; the Job controller is woken.
    JobPodFinished {
        /// The pod.
        pod: PodId,
        /// Whether it exited with a failure.
        failed: bool,
    },
}

impl Event {
    /// The pod this event refers to, if any (a pod is kept in memory while
    /// an event refers to it: `sim::reclaim`).
    pub fn pod(&self) -> Option<PodId> {
        match *self {
            Event::KubeletStart(p)
            | Event::PodReady(p)
            | Event::PodTerminated(p)
            | Event::PodCrashed(p)
            | Event::ContainerRestart(p)
            | Event::KeepAliveExpired(p)
            | Event::PodHangs(p)
            | Event::PodRecovers(p)
            | Event::ProbeFailed(p)
            | Event::JobPodFinished { pod: p, .. }
            | Event::RequestDone { pod: p, .. } => Some(p),
            Event::ScaleToZeroDone { pod, .. } => pod,
            Event::Timeline(_)
            | Event::NodeFails { .. }
            | Event::NodeRepaired { .. }
            | Event::NodeNotReady(_)
            | Event::NodeReadyAgain(_)
            | Event::TaintEviction(_)
            | Event::DeploymentSync(_)
            | Event::ReplicaSetSync(_)
            | Event::SchedulerCycle
            | Event::UnschedulableFlush
            | Event::Sample
            | Event::DomainFails(_)
            | Event::DomainRepaired(_)
            | Event::PartitionHealed(_)
            | Event::ControlPlaneRestored
            | Event::DrainRetry(_)
            | Event::Uncordon { .. }
            | Event::SpotNotice(_)
            | Event::SpotReclaim(_)
            | Event::NodeJoins { .. }
            | Event::RequestArrival(_)
            | Event::MetricsScrape
            | Event::HpaSync(_)
            | Event::AutoscalerScan
            | Event::ScaleToZeroArrival(_)
            | Event::KpaTick(_)
            | Event::KpaReconcile(_)
            | Event::ProgressCheck(_)
            | Event::JobArrival(_)
            | Event::JobSync(_) => None,
        }
    }
}

/// Why a node joins mid-run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinPurpose {
    /// Replaces a reclaimed spot node.
    SpotReplacement,
    /// A surge node of node pool upgrade `u`, replacing an old node.
    UpgradeSurge(u32, NodeId),
    /// Requested by the cluster autoscaler.
    ScaleUp,
}
