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
    /// Taint eviction controller: tolerationSeconds after the NoExecute
    /// taint -> the node's pods are deleted, ReplicaSets replace them.
    TaintEviction(NodeId),
    /// Deployment controller sync (woken by watches) -> replica set scaling.
    DeploymentSync(DeploymentId),
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
}
