//! The scheduling queue: active, backoff and unschedulable pods, as in
//! kube-scheduler's `PriorityQueue` (pkg/scheduler/backend/queue).

use crate::engine::{SimDuration, SimTime};
use crate::model::PodId;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

/// podInitialBackoffDuration (upstream default 1 s).
pub const INITIAL_BACKOFF: SimDuration = SimDuration::from_secs(1);
/// podMaxBackoffDuration (upstream default 10 s).
pub const MAX_BACKOFF: SimDuration = SimDuration::from_secs(10);
/// podMaxInUnschedulablePodsDuration: an unschedulable pod is retried after
/// this long even if no cluster event moved it (upstream 5 min).
pub const MAX_IN_UNSCHEDULABLE: SimDuration = SimDuration::from_secs(300);
/// Period of the leftover flush of unschedulable pods (upstream 30 s).
pub const UNSCHEDULABLE_FLUSH_PERIOD: SimDuration = SimDuration::from_secs(30);
/// Period of the backoff-queue flush (upstream 1 s).
pub const BACKOFF_FLUSH_PERIOD: SimDuration = SimDuration::from_secs(1);

/// Backoff after `attempts` failed attempts: 1 s doubling, capped at 10 s
/// (upstream `calculateBackoffDuration`).
pub fn backoff_duration(attempts: u32) -> SimDuration {
    let mut d = INITIAL_BACKOFF.as_millis();
    for _ in 1..attempts {
        if d > MAX_BACKOFF.as_millis() - d {
            return MAX_BACKOFF;
        }
        d += d;
    }
    SimDuration(d.min(MAX_BACKOFF.as_millis()))
}

/// Pods waiting to be scheduled.
#[derive(Debug, Default)]
pub struct SchedulingQueue {
    // Priority order: higher priority first, then earlier enqueue, then id.
    active: BTreeSet<(Reverse<i32>, SimTime, PodId)>,
    // (backoff expiry, pod) -> priority
    backoff: BTreeMap<(SimTime, PodId), i32>,
    // pod -> (time it became unschedulable, backoff expiry, priority)
    unschedulable: BTreeMap<PodId, (SimTime, SimTime, i32)>,
}

impl SchedulingQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new pod, or one moved back, ready for an attempt.
    pub fn push_active(&mut self, pod: PodId, priority: i32, now: SimTime) {
        self.active.insert((Reverse(priority), now, pod));
    }

    /// Every pod in the queue (active, backoff, unschedulable), in no
    /// particular order.
    pub fn pods(&self) -> impl Iterator<Item = PodId> + '_ {
        self.active
            .iter()
            .map(|(_, _, p)| *p)
            .chain(self.backoff.keys().map(|(_, p)| *p))
            .chain(self.unschedulable.keys().copied())
    }

    /// Takes the highest-priority pod.
    pub fn pop_active(&mut self) -> Option<PodId> {
        self.active.pop_first().map(|(_, _, p)| p)
    }

    /// True when some pod waits in the active queue.
    pub fn has_active(&self) -> bool {
        !self.active.is_empty()
    }

    /// Parks a pod that did not fit anywhere until a cluster event or the
    /// leftover flush moves it.
    pub fn push_unschedulable(
        &mut self,
        pod: PodId,
        priority: i32,
        now: SimTime,
        backoff_until: SimTime,
    ) {
        self.unschedulable
            .insert(pod, (now, backoff_until, priority));
    }

    /// A cluster event that may make pods schedulable (a node became ready,
    /// resources were freed): every unschedulable pod moves to the backoff
    /// queue, or straight to active if its backoff has expired.
    pub fn move_all_to_active_or_backoff(&mut self, now: SimTime) {
        let moved = std::mem::take(&mut self.unschedulable);
        for (pod, (_, until, prio)) in moved {
            self.requeue(pod, prio, until, now);
        }
    }

    /// An update of one unschedulable pod (its nomination was cleared):
    /// it moves to the active queue, or to the backoff queue until its
    /// backoff expires (upstream `PriorityQueue.Update`). False if it was
    /// not parked as unschedulable.
    pub fn activate(&mut self, pod: PodId, now: SimTime) -> bool {
        match self.unschedulable.remove(&pod) {
            Some((_, until, prio)) => {
                self.requeue(pod, prio, until, now);
                true
            }
            None => false,
        }
    }

    /// Moves pods whose backoff has expired into the active queue.
    pub fn flush_backoff(&mut self, now: SimTime) {
        while let Some((&(until, pod), &prio)) = self.backoff.first_key_value() {
            if until > now {
                break;
            }
            self.backoff.pop_first();
            self.active.insert((Reverse(prio), until, pod));
        }
    }

    /// Moves pods unschedulable for longer than [`MAX_IN_UNSCHEDULABLE`].
    pub fn flush_unschedulable_leftover(&mut self, now: SimTime) {
        let stale: Vec<PodId> = self
            .unschedulable
            .iter()
            .filter(|(_, (since, _, _))| now.since(*since) >= MAX_IN_UNSCHEDULABLE)
            .map(|(p, _)| *p)
            .collect();
        for pod in stale {
            if let Some((_, until, prio)) = self.unschedulable.remove(&pod) {
                self.requeue(pod, prio, until, now);
            }
        }
    }

    fn requeue(&mut self, pod: PodId, prio: i32, until: SimTime, now: SimTime) {
        if until <= now {
            self.active.insert((Reverse(prio), now, pod));
        } else {
            self.backoff.insert((until, pod), prio);
        }
    }

    /// Earliest backoff expiry, if any pod is backing off.
    pub fn next_backoff_expiry(&self) -> Option<SimTime> {
        self.backoff.first_key_value().map(|(&(t, _), _)| t)
    }

    /// Number of parked unschedulable pods.
    pub fn unschedulable_len(&self) -> usize {
        self.unschedulable.len()
    }

    /// Forgets a pod (deleted while pending). Linear in the queue sizes;
    /// deletions of pending pods are rare.
    pub fn remove(&mut self, pod: PodId) {
        self.active.retain(|(_, _, p)| *p != pod);
        self.backoff.retain(|(_, p), _| *p != pod);
        self.unschedulable.remove(&pod);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_to_ten() {
        let secs: Vec<u64> = (1..=6)
            .map(|a| backoff_duration(a).as_millis() / 1000)
            .collect();
        assert_eq!(secs, [1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn priority_then_fifo() {
        let mut q = SchedulingQueue::new();
        q.push_active(PodId(1), 0, SimTime(5));
        q.push_active(PodId(2), 10, SimTime(6));
        q.push_active(PodId(3), 0, SimTime(4));
        let order: Vec<_> = std::iter::from_fn(|| q.pop_active()).collect();
        assert_eq!(order, [PodId(2), PodId(3), PodId(1)]);
    }

    #[test]
    fn cluster_event_moves_pods_respecting_backoff() {
        let mut q = SchedulingQueue::new();
        q.push_unschedulable(PodId(1), 0, SimTime(0), SimTime(1000));
        q.push_unschedulable(PodId(2), 0, SimTime(0), SimTime(8000));
        q.move_all_to_active_or_backoff(SimTime(2000));
        assert_eq!(q.pop_active(), Some(PodId(1)));
        assert_eq!(q.pop_active(), None);
        assert_eq!(q.next_backoff_expiry(), Some(SimTime(8000)));
        q.flush_backoff(SimTime(8000));
        assert_eq!(q.pop_active(), Some(PodId(2)));
    }
}
