//! DefaultPreemption wired into the simulation: after a failed scheduling
//! cycle the scheduler decides ([`crate::scheduler::preemption`]) and this
//! applies the decision, as upstream `prepareCandidate` and the scheduling
//! queue's nominator do: victims are deleted with their grace period (those
//! already terminating are left alone), lower-priority pods nominated to
//! the same node lose their nomination and are requeued, and the preemptor
//! is nominated to the node. It then waits in the queue like any
//! unschedulable pod; the victims' removal moves it back, it tries the
//! nominated node first and binds there.

use super::{Action, DeleteReason, Simulation};
use crate::model::{DeploymentId, PodId};
use crate::scheduler::cycle::{Diagnosis, Nomination};
use crate::scheduler::preemption::{self, Preemption};

impl Simulation {
    /// PostFilter for `pod`, whose cycle found no node: runs preemption and
    /// records any nomination in `diag`.
    ///
    /// During the warm start's single cycle no pod can preempt: pods are
    /// placed highest priority first, so every bound pod has at least the
    /// priority of the pod being placed.
    pub(super) fn post_filter(&mut self, pod: PodId, diag: &mut Diagnosis) {
        let now = self.engine.now();
        let pdbs = self.pdb_budgets();
        let decision = self.scheduler.preempt(
            &mut self.state,
            &self.pod_specs,
            pod,
            diag,
            &pdbs,
            now,
            &mut self.rng_scheduler,
        );
        match decision {
            Preemption::NotEligible(_) => {}
            Preemption::NoCandidates => {
                self.state.nominations.clear(pod);
            }
            Preemption::Nominate(c) => {
                let preemptor = self.pod_name(pod);
                let node = self.state.node(c.node).name.clone();
                for &v in &c.victims.pods {
                    if !self.state.pod(v).is_active() {
                        // Already terminating: upstream skips the API call.
                        continue;
                    }
                    let name = self.pod_name(v);
                    self.log(
                        "pod_preempted",
                        name,
                        format!("by {preemptor} on node {node}"),
                    );
                    self.state.pods[v.idx()].preempted = true;
                    self.apply(Action::DeletePod {
                        pod: v,
                        reason: DeleteReason::Preemption,
                    });
                }
                for q in preemption::lower_priority_nominated(&self.state, pod, c.node) {
                    self.state.nominations.clear(q);
                    self.queue.activate(q, now);
                }
                self.state.nominations.set(pod, c.node);
                self.log(
                    "pod_nominated",
                    preemptor,
                    format!("node {node}, {} victim(s)", c.victims.pods.len()),
                );
                diag.nomination = Some(Nomination {
                    node: c.node,
                    victims: c.victims.pods,
                });
            }
        }
    }

    /// `disruptionsAllowed` of each workload's PDB (currentHealthy less
    /// desiredHealthy, at least 0), None for workloads without one.
    fn pdb_budgets(&self) -> Vec<Option<u32>> {
        (0..self.state.deployments.len())
            .map(|d| {
                self.pdb_status(DeploymentId(d as u32))
                    .map(|(current, desired)| current.saturating_sub(desired))
            })
            .collect()
    }
}
