//! The Deployment controller's `Progressing` condition: the progress
//! deadline of a rollout (upstream `syncRolloutStatus` and
//! `requeueStuckDeployment`, pkg/controller/deployment/progress.go). The
//! rules are the pure functions of `controllers::deployment_algo`; this
//! keeps each deployment's stored status and condition and the timer of
//! its next deadline check.

use super::{Event, Simulation};
use crate::controllers::deployment_algo::{
    self as algo, DeploymentStatusView, ProgressingCondition, ProgressingReason,
};
use crate::engine::{EventId, SimTime};
use crate::model::DeploymentId;

/// A deployment's `status` as the controller last wrote it.
#[derive(Clone, Copy, Debug)]
pub(super) struct DeploymentProgress {
    /// The counters at the last sync (what `DeploymentProgressing`
    /// compares against).
    pub status: DeploymentStatusView,
    /// The Progressing condition.
    pub condition: ProgressingCondition,
    /// The pending deadline check and when it fires.
    pub timer: Option<(EventId, SimTime)>,
}

impl Simulation {
    /// `calculateStatus`: counters over the active pods of every replica
    /// set (upstream sums the replica sets' statuses, which count the same
    /// pods).
    pub(super) fn deployment_status(&self, d: DeploymentId) -> DeploymentStatusView {
        let now = self.engine.now();
        let dep = self.state.deployment(d);
        let mut s = DeploymentStatusView::default();
        for &rs in &dep.replica_sets {
            let pods = self.state.active_pods(rs).map(|p| self.state.pod(p));
            for p in pods {
                s.replicas += 1;
                if self.state.rs(rs).revision == dep.revision {
                    s.updated += 1;
                }
                if p.is_api_ready() {
                    s.ready += 1;
                }
                if p.is_available(now, dep.min_ready) {
                    s.available += 1;
                }
            }
        }
        s
    }

    /// The warm start: every deployment has finished its last rollout
    /// (`NewReplicaSetAvailable`) and its status is what it is at time 0.
    pub(super) fn init_progress(&mut self) {
        self.progress = (0..self.state.deployments.len())
            .map(|d| DeploymentProgress {
                status: self.deployment_status(DeploymentId(d as u32)),
                condition: ProgressingCondition {
                    reason: ProgressingReason::NewReplicaSetAvailable,
                    last_update_s: 0,
                },
                timer: None,
            })
            .collect();
    }

    /// The end of a deployment sync: a scaling sync only stores the new
    /// counters (`syncDeploymentStatus`); any other runs `syncRolloutStatus`
    /// (`created_new_rs`: this sync created the new replica set, which
    /// sets `NewReplicaSetCreated` first) and re-arms the deadline check.
    pub(super) fn sync_progress(&mut self, d: DeploymentId, scaling: bool, created_new_rs: bool) {
        let now = self.engine.now();
        let new = self.deployment_status(d);
        let p = self.progress[d.idx()];
        if scaling {
            self.progress[d.idx()].status = new;
            return;
        }
        let dep = self.state.deployment(d);
        let deadline_s = self.scenario.workloads[d.idx()]
            .progress_deadline
            .as_millis()
            / 1000;
        let deadline_s = u32::try_from(deadline_s).unwrap_or(algo::NO_PROGRESS_DEADLINE);
        let now_s = now.as_millis() / 1000;
        let mut current = p.condition;
        if created_new_rs && current.reason != ProgressingReason::NewReplicaSetCreated {
            current = ProgressingCondition {
                reason: ProgressingReason::NewReplicaSetCreated,
                last_update_s: now_s,
            };
        }
        let condition =
            algo::sync_rollout_status(dep.replicas, deadline_s, current, &p.status, &new, now_s);
        let complete = algo::deployment_complete(dep.replicas, &new, 0, 0);
        let check = algo::progress_check_at_ms(deadline_s, condition, complete, now.as_millis())
            .map(SimTime);
        self.progress[d.idx()].status = new;
        self.progress[d.idx()].condition = condition;
        if condition.reason == ProgressingReason::ProgressDeadlineExceeded
            && current.reason != ProgressingReason::ProgressDeadlineExceeded
        {
            self.rollout_deadline_exceeded(d);
        }
        if p.timer.map(|(_, at)| at) != check {
            if let Some((t, _)) = p.timer {
                self.engine.cancel(t);
            }
            self.progress[d.idx()].timer =
                check.map(|at| (self.engine.schedule_at(at, Event::ProgressCheck(d)), at));
        }
    }

    /// The deadline check fires: a deployment sync (requeued, so without
    /// the informer's latency).
    pub(super) fn on_progress_check(&mut self, d: DeploymentId) {
        self.progress[d.idx()].timer = None;
        self.reconcile_deployment(d);
    }

    /// Marks the open rollouts of `d` as past their deadline (each keeps
    /// the first time; events.csv lists every time the condition turns).
    fn rollout_deadline_exceeded(&mut self, d: DeploymentId) {
        let now = self.engine.now();
        let deadline = self.scenario.workloads[d.idx()].progress_deadline;
        let mut revisions = Vec::new();
        for r in self
            .rollouts
            .iter_mut()
            .filter(|r| r.deployment == d && r.end.is_none())
        {
            r.deadline_exceeded.get_or_insert(now);
            revisions.push(r.revision);
        }
        let name = self.state.deployment(d).name.clone();
        for rev in revisions {
            self.log(
                "progress_deadline_exceeded",
                name.clone(),
                format!("revision {rev}: no progress for {deadline}"),
            );
        }
    }

    /// The Progressing condition's reason now.
    pub(super) fn progressing_reason(&self, d: DeploymentId) -> ProgressingReason {
        self.progress[d.idx()].condition.reason
    }
}
