//! The Job controller's decision for one non-indexed Job with
//! `restartPolicy: Never` (upstream `pkg/controller/job/job_controller.go`
//! `syncJob` and `manageJob`; the pod-failure backoff is `backoff_utils.go`).
//!
//! One sync, in upstream's order:
//! 1. `failed > backoffLimit`: the Job fails (`BackoffLimitExceeded`) and
//!    its active pods are deleted;
//! 2. `manageJob`: the wanted active pods are
//!    `min(parallelism, completions - succeeded)` (at least 0), or, without
//!    `completions` (a work queue), `parallelism` until one pod has
//!    succeeded and then no more than are running; missing pods are created
//!    (at most 500 per sync) once the pod-failure backoff has elapsed,
//!    otherwise the sync is requeued for when it does;
//! 3. the Job is complete when `succeeded >= completions` (work queue: one
//!    success) and no pod is active.
//!
//! Terminating pods count as failed and are replaced at once (upstream's
//! `podReplacementPolicy: TerminatingOrFailed`, the default without a
//! `podFailurePolicy`). Active pods never exceed the wanted number here
//! (parallelism and completions do not change during a run), so the
//! deletion branch of `manageJob` is not needed.

use crate::engine::{SimDuration, SimTime};

/// `syncJobBatchPeriod`: pod events wake the Job's sync this much later,
/// batching them.
pub const SYNC_JOB_BATCH_PERIOD: SimDuration = SimDuration::from_secs(1);
/// `DefaultJobPodFailureBackOff`: the delay after the first failure.
pub const DEFAULT_JOB_POD_FAILURE_BACKOFF: SimDuration = SimDuration::from_secs(10);
/// `MaxJobPodFailureBackOff` (10 min in the controller; the documentation's
/// "six minutes" dates from the old queue-based backoff).
pub const MAX_JOB_POD_FAILURE_BACKOFF: SimDuration = SimDuration::from_secs(600);
/// `MaxPodCreateDeletePerSync`.
pub const MAX_POD_CREATE_DELETE_PER_SYNC: u32 = 500;

/// The parts of a Job's spec the controller reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobSpec {
    /// `spec.parallelism`.
    pub parallelism: u32,
    /// `spec.completions` (None: a work queue).
    pub completions: Option<u32>,
    /// `spec.backoffLimit`.
    pub backoff_limit: u32,
}

/// The counters a sync reads: pods not terminating and not finished, and
/// pods counted as succeeded and failed so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobStatus {
    /// Active pods (`FilterActivePods`).
    pub active: u32,
    /// Succeeded pods.
    pub succeeded: u32,
    /// Failed pods (terminating ones included).
    pub failed: u32,
}

/// Upstream `backoffRecord`: failures since the last success and when the
/// last of them happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackoffRecord {
    /// `failuresAfterLastSuccess`.
    pub failures_after_last_success: u32,
    /// `lastFailureTime`.
    pub last_failure: Option<SimTime>,
}

impl BackoffRecord {
    /// A pod succeeded. Pods finish in time order here, so applying
    /// them one by one gives what `newBackoffRecord` computes from a batch
    /// (a success resets; failures after the last success count).
    pub fn record_success(&mut self) {
        *self = BackoffRecord::default();
    }

    /// A pod failed at `at` (its finish time, or its deletion for a
    /// terminating pod: `getFinishedTime`).
    pub fn record_failure(&mut self, at: SimTime) {
        self.failures_after_last_success += 1;
        // The latest finish time (pods of one batch are sorted by it).
        self.last_failure = Some(self.last_failure.map_or(at, |t| t.max(at)));
    }

    /// `getRemainingTimeForFailuresCount`: 10 s doubling per failure after
    /// the first, capped at 10 min, less the time since the last failure.
    pub fn remaining(&self, now: SimTime) -> SimDuration {
        let Some(last) = self.last_failure else {
            return SimDuration::ZERO;
        };
        if self.failures_after_last_success == 0 {
            return SimDuration::ZERO;
        }
        let mut backoff = DEFAULT_JOB_POD_FAILURE_BACKOFF.as_millis();
        for _ in 1..self.failures_after_last_success {
            backoff *= 2;
            if backoff >= MAX_JOB_POD_FAILURE_BACKOFF.as_millis() {
                backoff = MAX_JOB_POD_FAILURE_BACKOFF.as_millis();
                break;
            }
        }
        SimDuration(backoff.saturating_sub(now.since(last).as_millis()))
    }
}

/// What one sync decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobDecision {
    /// `BackoffLimitExceeded`: delete the active pods; the Job has failed.
    Fail,
    /// Enough pods succeeded and none is active: the Job is complete.
    Complete,
    /// Create this many pods.
    Create(u32),
    /// Pods are missing but the pod-failure backoff has not elapsed: sync
    /// again after this (at least the batch period, `enqueueSyncJobWithDelay`).
    RequeueAfter(SimDuration),
    /// Nothing to do until a pod changes.
    Wait,
}

/// One sync of a Job that has not finished.
pub fn sync(
    spec: &JobSpec,
    status: &JobStatus,
    backoff: &BackoffRecord,
    now: SimTime,
) -> JobDecision {
    if status.failed > spec.backoff_limit {
        return JobDecision::Fail;
    }
    let want = want_active(spec, status);
    if want > status.active {
        let remaining = backoff.remaining(now);
        if remaining > SimDuration::ZERO {
            return JobDecision::RequeueAfter(remaining.max(SYNC_JOB_BATCH_PERIOD));
        }
        return JobDecision::Create((want - status.active).min(MAX_POD_CREATE_DELETE_PER_SYNC));
    }
    let complete = match spec.completions {
        None => status.succeeded > 0,
        Some(c) => status.succeeded >= c,
    };
    if complete && status.active == 0 {
        JobDecision::Complete
    } else {
        JobDecision::Wait
    }
}

/// `manageJob`'s `wantActive`.
pub fn want_active(spec: &JobSpec, status: &JobStatus) -> u32 {
    match spec.completions {
        None if status.succeeded > 0 => status.active,
        None => spec.parallelism,
        Some(c) => c.saturating_sub(status.succeeded).min(spec.parallelism),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: JobSpec = JobSpec {
        parallelism: 2,
        completions: Some(5),
        backoff_limit: 6,
    };

    fn status(active: u32, succeeded: u32, failed: u32) -> JobStatus {
        JobStatus {
            active,
            succeeded,
            failed,
        }
    }

    #[test]
    fn active_is_min_of_parallelism_and_remaining_completions() {
        let none = BackoffRecord::default();
        let t = SimTime::ZERO;
        // A new Job: min(2, 5 - 0) = 2 pods.
        assert_eq!(
            sync(&SPEC, &status(0, 0, 0), &none, t),
            JobDecision::Create(2)
        );
        // 4 succeeded: min(2, 1) = 1, one running: nothing to do.
        assert_eq!(sync(&SPEC, &status(1, 4, 0), &none, t), JobDecision::Wait);
        // 5 succeeded, none active: complete.
        assert_eq!(
            sync(&SPEC, &status(0, 5, 0), &none, t),
            JobDecision::Complete
        );
        // 3 succeeded and one running: one more pod for the last completion.
        assert_eq!(
            sync(&SPEC, &status(1, 3, 0), &none, t),
            JobDecision::Create(1)
        );
        // Creations are capped per sync.
        let wide = JobSpec {
            parallelism: 2000,
            completions: None,
            backoff_limit: 6,
        };
        assert_eq!(
            sync(&wide, &status(0, 0, 0), &none, t),
            JobDecision::Create(500)
        );
    }

    #[test]
    fn work_queue_creates_parallelism_until_a_success_then_drains() {
        let wq = JobSpec {
            parallelism: 3,
            completions: None,
            backoff_limit: 6,
        };
        let none = BackoffRecord::default();
        let t = SimTime::ZERO;
        assert_eq!(
            sync(&wq, &status(0, 0, 0), &none, t),
            JobDecision::Create(3)
        );
        // One failed, no success yet: replace it.
        assert_eq!(
            sync(&wq, &status(2, 0, 1), &none, t),
            JobDecision::Create(1)
        );
        // One succeeded: no new pods; wait for the other two.
        assert_eq!(sync(&wq, &status(2, 1, 0), &none, t), JobDecision::Wait);
        assert_eq!(sync(&wq, &status(0, 1, 0), &none, t), JobDecision::Complete);
    }

    #[test]
    fn the_job_fails_once_failures_exceed_the_backoff_limit() {
        let none = BackoffRecord::default();
        let t = SimTime::ZERO;
        // backoffLimit 6: 6 failures are allowed, the 7th fails the Job.
        assert_ne!(sync(&SPEC, &status(0, 0, 6), &none, t), JobDecision::Fail);
        assert_eq!(sync(&SPEC, &status(1, 0, 7), &none, t), JobDecision::Fail);
        let zero = JobSpec {
            backoff_limit: 0,
            ..SPEC
        };
        assert_eq!(sync(&zero, &status(1, 0, 1), &none, t), JobDecision::Fail);
    }

    /// Upstream `backoff_utils_test.go` style: n failures after the last
    /// success wait 10 s · 2^(n-1), capped at 600 s, from the last one.
    #[test]
    fn failure_backoff_doubles_from_10s_to_10min() {
        let at = SimTime(1_000_000);
        let mut b = BackoffRecord::default();
        assert_eq!(b.remaining(at), SimDuration::ZERO);
        let mut waits = Vec::new();
        for _ in 0..8 {
            b.record_failure(at);
            waits.push(b.remaining(at).as_millis() / 1000);
        }
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 600, 600]);
        // 15 s after the last failure of 3: 40 - 15 = 25 s left.
        let mut b = BackoffRecord::default();
        for _ in 0..3 {
            b.record_failure(at);
        }
        assert_eq!(
            b.remaining(at + SimDuration::from_secs(15)).as_millis(),
            25_000
        );
        assert_eq!(
            b.remaining(at + SimDuration::from_secs(50)),
            SimDuration::ZERO
        );
        // A success resets it.
        b.record_success();
        assert_eq!(b.remaining(at), SimDuration::ZERO);
        // A creation blocked by the backoff is requeued, at least 1 s later.
        b.record_failure(at);
        let d = sync(
            &SPEC,
            &status(0, 0, 1),
            &b,
            at + SimDuration::from_millis(9_500),
        );
        assert_eq!(d, JobDecision::RequeueAfter(SimDuration::from_secs(1)));
        let d = sync(&SPEC, &status(0, 0, 1), &b, at + SimDuration::from_secs(2));
        assert_eq!(d, JobDecision::RequeueAfter(SimDuration::from_secs(8)));
    }
}
