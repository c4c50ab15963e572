//! Decisions returned by controllers and the scheduler, applied in one place
//! ([`super::Simulation::apply`]).

use crate::model::{DeploymentId, NodeId, PodId, RsId};

/// One decision of a policy. Policies read state and return these; only the
/// simulation applies them, so every state change has one code path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create a ReplicaSet for the deployment's current template.
    CreateReplicaSet {
        /// Owner.
        deployment: DeploymentId,
        /// Initial `spec.replicas`.
        replicas: u32,
        /// `desired-replicas` annotation.
        desired_annotation: u32,
        /// `max-replicas` annotation.
        max_annotation: u32,
    },
    /// Set a ReplicaSet's `spec.replicas` and its annotations.
    ScaleReplicaSet {
        /// Which.
        rs: RsId,
        /// New `spec.replicas`.
        replicas: u32,
        /// `desired-replicas` annotation.
        desired_annotation: u32,
        /// `max-replicas` annotation.
        max_annotation: u32,
    },
    /// Delete a ReplicaSet with no replicas and no pods (history cleanup).
    DeleteReplicaSet {
        /// Which.
        rs: RsId,
    },
    /// Create pods from a ReplicaSet's template.
    CreatePods {
        /// Owner.
        rs: RsId,
        /// How many.
        count: u32,
    },
    /// Start graceful deletion of a pod.
    DeletePod {
        /// Which.
        pod: PodId,
        /// Why (for the event log).
        reason: DeleteReason,
    },
    /// Bind a pending pod to a node.
    BindPod {
        /// Which.
        pod: PodId,
        /// Where.
        node: NodeId,
    },
}

/// Why a pod is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteReason {
    /// The ReplicaSet has more pods than it wants.
    ScaleDown,
    /// Taint-based eviction from a NotReady node.
    TaintEviction,
    /// The eviction API (drains), after the PDB allowed it.
    Eviction,
    /// The scheduler preempted it for a pod of higher priority.
    Preemption,
    /// Its Job failed (`BackoffLimitExceeded`): the Job controller deletes
    /// the pods still active.
    JobFailed,
}

impl DeleteReason {
    /// Name used in events.csv.
    pub fn as_str(self) -> &'static str {
        match self {
            DeleteReason::ScaleDown => "scale_down",
            DeleteReason::TaintEviction => "taint_eviction",
            DeleteReason::Eviction => "eviction",
            DeleteReason::Preemption => "preemption",
            DeleteReason::JobFailed => "job_failed",
        }
    }
}
