//! Releasing gone pods, so that memory follows the cluster, not the
//! simulated time.
//!
//! A pod that is gone from the API is put aside; every [`RECLAIM_BATCH`]
//! such pods (more with many pending events), between two events, those
//! that nothing refers to any more are released from the pod arena and
//! from the traffic state. What may refer to a gone pod: a pending event (a
//! kubelet timer of a pod deleted on a dead node, a crash timer, a request
//! in service), the scheduling queue, an idle scale-to-zero instance. Pods
//! still referred to wait for the next batch. Ids are never reused, so
//! nothing else changes: outputs are the same as if every pod were kept. A
//! read of a released pod (a reference missed here) is counted by the arena
//! and reported as an invariant violation.

use super::Simulation;
use crate::model::PodId;

/// Gone pods put aside before a release pass. The pass costs one look at
/// every pending event, so it runs once per batch, not per pod.
pub const RECLAIM_BATCH: usize = 64;

/// A batch is also at least the pending events over this: a pass then costs
/// a bounded number of event looks per released pod however many events
/// are pending (4,000 running Jobs: 500 pods a batch, not 64), and the pods
/// awaiting release stay a fraction of what the events already hold.
pub const EVENTS_PER_RECLAIMED_POD: usize = 8;

impl Simulation {
    /// A pod is gone: release it once nothing refers to it.
    pub(super) fn put_aside(&mut self, pod: PodId) {
        self.gone_pods.push(pod);
    }

    /// Between events: releases the gone pods nothing refers to, once
    /// enough of them are waiting.
    pub(super) fn reclaim_pods(&mut self) {
        let batch = RECLAIM_BATCH.max(self.engine.pending() / EVENTS_PER_RECLAIMED_POD);
        if self.gone_pods.len() < batch.max(self.pinned_pods) {
            return;
        }
        let waiting = std::mem::take(&mut self.gone_pods);
        // Look each reference up among the few waiting pods (sorted), rather
        // than collect every referenced pod: a pass then allocates nothing
        // that grows with the cluster.
        let mut sorted = waiting.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let mut referenced = vec![false; sorted.len()];
        let mut mark = |p: PodId| {
            if let Ok(i) = sorted.binary_search(&p) {
                referenced[i] = true;
            }
        };
        self.engine
            .pending_events()
            .chain(self.deferred.iter())
            .filter_map(|e| e.pod())
            .chain(self.queue.pods())
            .chain(self.scale_to_zero.pods())
            .for_each(&mut mark);
        for pod in waiting {
            let i = sorted
                .binary_search(&pod)
                .expect("sorted holds every waiting pod");
            if referenced[i] {
                self.gone_pods.push(pod);
            } else {
                self.release_pod_traffic(pod);
                self.state.pods.release(pod);
            }
        }
        // Pods kept for a later pass: wait for as many new ones again, so
        // that long-referenced pods do not make every pass run.
        self.pinned_pods = batch + self.gone_pods.len();
    }
}
