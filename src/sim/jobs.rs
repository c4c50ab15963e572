//! Batch Jobs (`jobs:`) wired to the simulation: arrivals, the Job
//! controller ([`crate::controllers::job`] decides, this applies), the
//! pods' run to completion, and their metrics.
//!
//! How a Job lives here:
//! - it arrives (`JobArrival`, a Poisson process or a trace row) and the Job
//!   controller syncs it once the informer has seen it (`watch_latency`);
//! - each Job owns a ReplicaSet-shaped record in the cluster state (its pod
//!   template and pod list, never reconciled by the ReplicaSet controller),
//!   and each job class a Deployment-shaped one after the workloads' (name,
//!   priority, grace period), so the scheduler, preemption, drains, node
//!   failures and the cluster autoscaler treat its pods like any other;
//! - pod events wake the controller `syncJobBatchPeriod` (1 s) after the
//!   informer sees them (upstream `enqueueSyncJobBatched`), a blocked
//!   creation when the pod-failure backoff has elapsed;
//! - a started pod runs for its run time (`JobPodFinished`), then succeeds,
//!   or fails with `failure_probability`. A finished pod frees its node at
//!   once (the scheduler's informer drops terminal pods, upstream
//!   `newPodInformer`) and its record is recycled;
//! - a pod deleted before it finished (preemption, taint eviction after
//!   node loss, drains, node deletion) counts as failed, as upstream without
//!   a `podFailurePolicy` (`isPodFailed`: a deletion timestamp on a pod not
//!   Succeeded), and is replaced at once (`podReplacementPolicy:
//!   TerminatingOrFailed`). A pod whose machine restarts under it fails
//!   (`restartPolicy: Never`: the kubelet does not restart its container);
//! - a finished Job keeps nothing but counters and histograms: its record
//!   is recycled once its last pod is gone, so memory stays proportional to
//!   the live Jobs, not to the Jobs that ever ran.

use super::{Action, DeleteReason, Event, Simulation};
use crate::controllers::job::{self as ctl, BackoffRecord, JobDecision, JobSpec, JobStatus};
use crate::dist::Dist;
use crate::engine::{EventId, RngStreams, SimDuration, SimRng, SimTime};
use crate::metrics::{JobMetrics, JobsSummary};
use crate::model::{DeploymentId, PodId, PodPhase, PodTemplate, ReplicaSet, RsId};
use crate::scenario::{JobArrivals, JobTrace, Scenario};
use crate::traffic::{RateModel, pattern_rate_model};
use crate::units::{Bytes, MilliCpu};
use rand::RngExt;
use std::sync::Arc;

use super::world::PodFlags;

/// Where a class's Jobs come from.
enum Source {
    /// The k-th arrival is where the rate's integral reaches the sum of k
    /// Exp(1) gaps (an inhomogeneous Poisson process by inversion).
    Poisson {
        rate: Box<RateModel>,
        next_s: f64,
        rng: SimRng,
    },
    /// The next row of the trace.
    Trace { trace: Arc<JobTrace>, next: usize },
}

/// One job class.
struct Class {
    name: String,
    deployment: DeploymentId,
    spec: JobSpec,
    cpu: MilliCpu,
    memory: Bytes,
    run_time: Dist,
    failure_probability: f64,
    source: Source,
    rng_run: SimRng,
    rng_failure: SimRng,
    rng_uid: SimRng,
    /// Jobs created so far (the next Job's number).
    arrived: u64,
    metrics: JobMetrics,
}

/// A Job that has not been cleaned up.
struct LiveJob {
    class: u32,
    /// Its number within the class (`<class>-<number>`).
    number: u64,
    arrival: SimTime,
    /// Every pod's run time (a trace's `duration_s`); None draws it.
    run_time: Option<SimDuration>,
    succeeded: u32,
    failed: u32,
    backoff: BackoffRecord,
    /// Complete or failed: no more syncs.
    finished: bool,
    /// The pending sync and when it fires.
    sync: Option<(SimTime, EventId)>,
    /// Run time of the pods that succeeded, ms: its sum and its largest.
    work_ms: u64,
    longest_ms: u64,
}

/// What the simulation keeps for `jobs:`.
pub(super) struct JobsState {
    classes: Vec<Class>,
    /// The `DeploymentId` of the first class (= the number of workloads).
    first: usize,
    /// Live Jobs by the index of their owner record (None elsewhere).
    live: Vec<Option<LiveJob>>,
    /// Owner records free for reuse.
    free_owners: Vec<RsId>,
    /// Per pod record: its outcome has been counted.
    counted: Vec<bool>,
    /// Every class together.
    total: JobMetrics,
}

impl JobsState {
    pub(super) fn new(scenario: &Scenario, streams: &RngStreams) -> Self {
        let first = scenario.workloads.len();
        let classes = scenario
            .jobs
            .iter()
            .enumerate()
            .map(|(i, j)| {
                let stream = |what: &str| streams.stream(&format!("jobs/{}/{what}", j.name));
                let source = match &j.arrivals {
                    JobArrivals::Poisson {
                        rate_per_s,
                        pattern,
                    } => Source::Poisson {
                        rate: Box::new(pattern_rate_model(
                            &format!("jobs/{}", j.name),
                            *rate_per_s,
                            pattern,
                            streams,
                        )),
                        next_s: 0.0,
                        rng: stream("arrivals"),
                    },
                    JobArrivals::Trace { trace, .. } => Source::Trace {
                        trace: Arc::clone(trace),
                        next: 0,
                    },
                };
                Class {
                    name: j.name.clone(),
                    deployment: DeploymentId((first + i) as u32),
                    spec: JobSpec {
                        parallelism: j.parallelism,
                        completions: j.completions,
                        backoff_limit: j.backoff_limit,
                    },
                    cpu: j.cpu,
                    memory: j.memory,
                    run_time: j.run_time.clone(),
                    failure_probability: j.failure_probability,
                    source,
                    rng_run: stream("run-time"),
                    rng_failure: stream("failure"),
                    rng_uid: stream("pod-uid"),
                    arrived: 0,
                    metrics: JobMetrics::default(),
                }
            })
            .collect();
        JobsState {
            classes,
            first,
            live: Vec::new(),
            free_owners: Vec::new(),
            counted: Vec::new(),
            total: JobMetrics::default(),
        }
    }

    /// Class names, in scenario order (timeseries columns).
    pub(super) fn names(&self) -> Vec<String> {
        self.classes.iter().map(|c| c.name.clone()).collect()
    }

    /// Per class: (pending, running) pods now.
    pub(super) fn sample(&self) -> Vec<(u32, u32)> {
        self.classes
            .iter()
            .map(|c| (c.metrics.pending_pods, c.metrics.running_pods))
            .collect()
    }

    /// The owner records of live Jobs, in index order.
    pub(super) fn owners(&self) -> impl Iterator<Item = RsId> + '_ {
        self.live
            .iter()
            .enumerate()
            .filter(|(_, j)| j.is_some())
            .map(|(i, _)| RsId(i as u32))
    }

    fn job(&self, rs: RsId) -> Option<&LiveJob> {
        self.live.get(rs.idx()).and_then(Option::as_ref)
    }

    fn job_mut(&mut self, rs: RsId) -> Option<&mut LiveJob> {
        self.live.get_mut(rs.idx()).and_then(Option::as_mut)
    }
}

impl Simulation {
    /// Whether `d` is a job class's stand-in Deployment.
    pub(super) fn is_job_class(&self, d: DeploymentId) -> bool {
        d.idx() >= self.jobs.first
    }

    /// Whether `pod` belongs to a Job.
    pub(super) fn is_job_pod(&self, pod: PodId) -> bool {
        self.is_job_class(self.state.pod(pod).deployment)
    }

    /// Whether `rs` is a Job's owner record.
    pub(super) fn is_job_owner(&self, rs: RsId) -> bool {
        self.is_job_class(self.state.rs(rs).deployment)
    }

    /// Adds each class's stand-in Deployment (after the workloads') and
    /// schedules the first arrivals; called once the warm start is over.
    pub(super) fn start_jobs(&mut self) {
        for (i, j) in self.scenario.jobs.clone().iter().enumerate() {
            let spec = j.pod_spec();
            self.state.deployments.push(crate::model::Deployment {
                name: j.name.clone(),
                replicas: 0,
                strategy: spec.strategy,
                min_ready: SimDuration::ZERO,
                termination_grace: j.termination_grace,
                priority: j.priority,
                template: PodTemplate {
                    cpu: j.cpu,
                    memory: j.memory,
                    startup_time: Dist::Fixed(SimDuration::ZERO),
                    crash_probability: 0.0,
                },
                revision: 1,
                replica_sets: Vec::new(),
            });
            self.deployment_sync_pending.push(false);
            self.schedule_job_arrival(i);
        }
    }

    /// Schedules class `c`'s next arrival, if it comes before the end.
    fn schedule_job_arrival(&mut self, c: usize) {
        let now = self.engine.now();
        let end = self.end;
        let class = &mut self.jobs.classes[c];
        let at = match &mut class.source {
            Source::Poisson { rate, next_s, rng } => {
                let u: f64 = rng.random();
                let x = -(1.0 - u).ln();
                let Some(t) = rate.solve(*next_s, x, end.as_secs_f64()) else {
                    return;
                };
                *next_s = t;
                SimTime((t * 1000.0).round() as u64).max(now)
            }
            Source::Trace { trace, next } => match trace.jobs.get(*next) {
                Some(row) => (SimTime::ZERO + row.arrival).max(now),
                None => return,
            },
        };
        if at <= end {
            self.engine.schedule_at(at, Event::JobArrival(c as u32));
        }
    }

    /// A Job of class `c` is created; the Job controller sees it after the
    /// informer's latency (`enqueueSyncJobImmediately`).
    pub(super) fn on_job_arrival(&mut self, c: u32) {
        let now = self.engine.now();
        let class = &mut self.jobs.classes[c as usize];
        let (cpu, memory, run_time) = match &mut class.source {
            Source::Poisson { .. } => (class.cpu, class.memory, None),
            Source::Trace { trace, next } => {
                let row = trace.jobs[*next];
                *next += 1;
                (row.cpu, row.memory, row.run_time)
            }
        };
        let number = class.arrived;
        class.arrived += 1;
        class.metrics.jobs_arrived += 1;
        self.jobs.total.jobs_arrived += 1;
        let deployment = class.deployment;
        let record = ReplicaSet {
            deployment,
            revision: 1,
            template: PodTemplate {
                cpu,
                memory,
                startup_time: Dist::Fixed(SimDuration::ZERO),
                crash_probability: 0.0,
            },
            replicas: 0,
            pods: Vec::new(),
            desired_annotation: None,
            max_annotation: None,
            created_at: now,
            deleted: false,
        };
        let rs = match self.jobs.free_owners.pop() {
            Some(rs) => {
                self.state.replica_sets[rs.idx()] = record;
                rs
            }
            None => {
                let rs = RsId(self.state.replica_sets.len() as u32);
                self.state.replica_sets.push(record);
                self.rs_sync_pending.push(false);
                rs
            }
        };
        if self.jobs.live.len() <= rs.idx() {
            self.jobs.live.resize_with(rs.idx() + 1, || None);
        }
        self.jobs.live[rs.idx()] = Some(LiveJob {
            class: c,
            number,
            arrival: now,
            run_time,
            succeeded: 0,
            failed: 0,
            backoff: BackoffRecord::default(),
            finished: false,
            sync: None,
            work_ms: 0,
            longest_ms: 0,
        });
        let lat = self.watch_latency();
        self.enqueue_job_sync(rs, now + lat);
        self.schedule_job_arrival(c as usize);
    }

    /// Wakes the Job controller for `rs` at `at`, unless a sync is already
    /// due by then (the work queue keeps the earliest time).
    fn enqueue_job_sync(&mut self, rs: RsId, at: SimTime) {
        let Some(job) = self.jobs.job(rs) else {
            return;
        };
        if job.finished {
            return;
        }
        if let Some((due, id)) = job.sync {
            if due <= at {
                return;
            }
            self.engine.cancel(id);
        }
        let id = self.engine.schedule_at(at, Event::JobSync(rs));
        if let Some(job) = self.jobs.job_mut(rs) {
            job.sync = Some((at, id));
        }
    }

    /// A pod of Job `rs` changed (the ReplicaSet controller's wake-up, for
    /// a Job's pods): `enqueueSyncJobBatched`.
    pub(super) fn job_pod_event(&mut self, rs: RsId) {
        let at = self.engine.now() + self.watch_latency() + ctl::SYNC_JOB_BATCH_PERIOD;
        self.enqueue_job_sync(rs, at);
    }

    /// One sync of the Job controller.
    pub(super) fn on_job_sync(&mut self, rs: RsId) {
        let now = self.engine.now();
        let Some(job) = self.jobs.job_mut(rs) else {
            return;
        };
        job.sync = None;
        if job.finished {
            return;
        }
        let (c, number, arrival) = (job.class as usize, job.number, job.arrival);
        let (succeeded, failed, backoff) = (job.succeeded, job.failed, job.backoff);
        let (work_ms, longest_ms) = (job.work_ms, job.longest_ms);
        let status = JobStatus {
            active: self.state.active_pods(rs).count() as u32,
            succeeded,
            failed,
        };
        let spec = self.jobs.classes[c].spec;
        match ctl::sync(&spec, &status, &backoff, now) {
            JobDecision::Fail => {
                self.finish_job(rs);
                let name = format!("{}-{number}", self.jobs.classes[c].name);
                self.jobs.classes[c].metrics.jobs_failed += 1;
                self.jobs.total.jobs_failed += 1;
                self.log(
                    "job_failed",
                    name,
                    format!("BackoffLimitExceeded: {failed} failed pod(s)"),
                );
                let active: Vec<PodId> = self.state.active_pods(rs).collect();
                for pod in active {
                    self.apply(Action::DeletePod {
                        pod,
                        reason: DeleteReason::JobFailed,
                    });
                }
                self.free_job_if_done(rs);
            }
            JobDecision::Complete => {
                self.finish_job(rs);
                let took = now.since(arrival).as_millis();
                let width = match spec.completions {
                    Some(k) => k.min(spec.parallelism),
                    None => spec.parallelism,
                };
                // The ideal duration: the Job alone on an empty cluster with
                // no control-plane delay, its successful pods' work spread
                // over its width, and no shorter than its longest pod.
                let ideal = longest_ms.max(work_ms.div_ceil(u64::from(width.max(1))));
                self.jobs.classes[c].metrics.record_completion(took, ideal);
                self.jobs.total.record_completion(took, ideal);
                self.free_job_if_done(rs);
            }
            JobDecision::Create(n) => {
                self.apply(Action::CreatePods { rs, count: n });
                if n == ctl::MAX_POD_CREATE_DELETE_PER_SYNC {
                    // The creations' watch events sync it again.
                    self.job_pod_event(rs);
                }
            }
            JobDecision::RequeueAfter(d) => self.enqueue_job_sync(rs, now + d),
            JobDecision::Wait => {}
        }
    }

    /// Marks a Job complete or failed: no more syncs.
    fn finish_job(&mut self, rs: RsId) {
        if let Some(job) = self.jobs.job_mut(rs) {
            job.finished = true;
            if let Some((_, id)) = job.sync.take() {
                self.engine.cancel(id);
            }
        }
    }

    /// Creates one pod of Job `rs` (the one place: `apply`'s `CreatePods`),
    /// reusing the record of a finished pod when there is one.
    pub(super) fn create_job_pod(&mut self, rs: RsId) -> PodId {
        let now = self.engine.now();
        let r = self.state.rs(rs);
        let d = r.deployment;
        let (cpu, memory) = (r.template.cpu, r.template.memory);
        let priority = self.state.deployment(d).priority;
        let c = d.idx() - self.jobs.first;
        let uid = self.jobs.classes[c].rng_uid.random::<u64>();
        let pod = crate::model::Pod::new(rs, d, cpu, memory, priority, now, uid);
        // Ids are never reused (creation order stays id order); a finished
        // pod's record is released by `sim::reclaim` once nothing refers to it.
        let id = PodId(self.state.pods.len() as u32);
        self.state.pods.push(pod);
        if self.jobs.counted.len() <= id.idx() {
            self.jobs.counted.resize(id.idx() + 1, false);
        }
        self.jobs.counted[id.idx()] = false;
        self.state.replica_sets[rs.idx()].pods.push(id);
        self.jobs.classes[c].metrics.pods_created += 1;
        self.jobs.total.pods_created += 1;
        self.account_new_pod(id);
        self.queue.push_active(id, priority, now);
        let lat = self.watch_latency();
        self.ensure_scheduler_cycle(now + lat);
        id
    }

    /// The kubelet starts a Job pod's container: it runs for its run time,
    /// then succeeds or fails. A pod without a readiness probe is Ready
    /// while it runs.
    pub(super) fn start_job_pod(&mut self, pod: PodId) {
        let now = self.engine.now();
        let rs = self.state.pod(pod).rs;
        let Some(job) = self.jobs.job(rs) else {
            return;
        };
        let (fixed, c) = (job.run_time, job.class as usize);
        let class = &mut self.jobs.classes[c];
        let run = fixed.unwrap_or_else(|| class.run_time.sample(&mut class.rng_run));
        let failed = class.failure_probability > 0.0
            && class.rng_failure.random::<f64>() < class.failure_probability;
        self.update_pod(pod, |p| {
            p.phase = PodPhase::Ready;
            p.ready_since = Some(now);
        });
        let t = self
            .engine
            .schedule_in(run, Event::JobPodFinished { pod, failed });
        self.state.pods[pod.idx()].timer = Some(t);
    }

    /// A Job pod's container exited: the pod is Succeeded or Failed, its
    /// node's resources are free and its record goes back to the pool.
    pub(super) fn on_job_pod_finished(&mut self, pod: PodId, failed: bool) {
        let now = self.engine.now();
        self.state.pods[pod.idx()].timer = None;
        let p = self.state.pod(pod);
        if !p.is_active() {
            return;
        }
        let run_ms = p.started_at.map_or(0, |t| now.since(t).as_millis());
        let rs = p.rs;
        self.count_job_pod(pod, !failed, run_ms, now);
        self.job_pod_event(rs);
        self.pod_gone(pod);
    }

    /// The machine under a running Job pod restarted: with `restartPolicy:
    /// Never` the kubelet does not start the container again, the pod fails.
    pub(super) fn job_pod_lost(&mut self, pod: PodId) {
        let rs = self.state.pod(pod).rs;
        if let Some(t) = self.state.pods[pod.idx()].timer.take() {
            self.engine.cancel(t);
        }
        let at = self.job_pod_failure_time(pod);
        self.count_job_pod(pod, false, 0, at);
        self.job_pod_event(rs);
        self.pod_gone(pod);
    }

    /// A Job pod is being deleted before it finished: it counts as failed
    /// (upstream `isPodFailed`).
    pub(super) fn on_job_pod_deleted(&mut self, pod: PodId) {
        if self.is_job_pod(pod) {
            let at = self.job_pod_failure_time(pod);
            self.count_job_pod(pod, false, 0, at);
        }
    }

    /// A Job pod's record is gone: count it if nothing did (a node deleted
    /// under it), recycle the record, and the Job's once it is done.
    pub(super) fn on_job_pod_gone(&mut self, pod: PodId) {
        if !self.is_job_pod(pod) {
            return;
        }
        let at = self.job_pod_failure_time(pod);
        self.count_job_pod(pod, false, 0, at);
        let rs = self.state.pod(pod).rs;
        self.free_job_if_done(rs);
    }

    /// When a pod that failed without its container reporting an exit
    /// finished, as upstream's `getFinishedTime` reads it: the Ready=False
    /// transition the node lifecycle controller wrote when the pod's node
    /// went NotReady, else now (its deletion; `deletionTimestamp - grace`).
    fn job_pod_failure_time(&self, pod: PodId) -> SimTime {
        let p = self.state.pod(pod);
        let marked = p
            .node
            .filter(|_| p.marked_not_ready)
            .and_then(|n| self.state.node(n).not_ready_since);
        marked.unwrap_or(self.engine.now())
    }

    /// Counts a pod's outcome once: in its class, and, while the Job runs,
    /// in the Job's status and pod-failure backoff record (`at`: when it
    /// finished).
    fn count_job_pod(&mut self, pod: PodId, succeeded: bool, run_ms: u64, at: SimTime) {
        let i = pod.idx();
        if self.jobs.counted.get(i).copied().unwrap_or(true) {
            return;
        }
        self.jobs.counted[i] = true;
        let rs = self.state.pod(pod).rs;
        let Some(job) = self.jobs.live.get_mut(rs.idx()).and_then(Option::as_mut) else {
            return;
        };
        let c = job.class as usize;
        if !job.finished {
            if succeeded {
                job.succeeded += 1;
                job.backoff.record_success();
                job.work_ms += run_ms;
                job.longest_ms = job.longest_ms.max(run_ms);
            } else {
                job.failed += 1;
                job.backoff.record_failure(at);
            }
        }
        for m in [&mut self.jobs.classes[c].metrics, &mut self.jobs.total] {
            if succeeded {
                m.pods_succeeded += 1;
            } else {
                m.pods_failed += 1;
            }
        }
    }

    /// Frees a finished Job's record once its last pod is gone.
    fn free_job_if_done(&mut self, rs: RsId) {
        let done = self
            .jobs
            .job(rs)
            .is_some_and(|j| j.finished && self.state.rs(rs).pods.is_empty());
        if !done {
            return;
        }
        if let Some(job) = self.jobs.live[rs.idx()].take()
            && let Some((_, id)) = job.sync
        {
            self.engine.cancel(id);
        }
        let r = &mut self.state.replica_sets[rs.idx()];
        r.deleted = true;
        r.pods = Vec::new();
        self.jobs.free_owners.push(rs);
    }

    /// A Job pod's counters changed: its class's pending and running pods,
    /// and its pending time when it is bound.
    pub(super) fn job_pod_changed(&mut self, pod: PodId, before: &PodFlags, after: &PodFlags) {
        let now = self.engine.now();
        let p = self.state.pod(pod);
        let c = p.deployment.idx() - self.jobs.first;
        let bound = before.pending && !after.pending && p.node.is_some() && !p.gone;
        let waited = now.since(p.created_at).as_millis();
        for m in [&mut self.jobs.classes[c].metrics, &mut self.jobs.total] {
            m.advance(now);
            let step = |v: &mut u32, b: bool, a: bool| {
                if a && !b {
                    *v += 1;
                } else if b && !a {
                    *v -= 1;
                }
            };
            step(&mut m.pending_pods, before.pending, after.pending);
            step(&mut m.running_pods, before.running, after.running);
            if bound {
                m.record_pending(waited);
            }
        }
    }

    /// Name of a Job pod, `<class>-<job number>-<uid suffix>`.
    pub(super) fn job_pod_name(&self, pod: PodId) -> Option<String> {
        let p = self.state.pod(pod);
        let c = p.deployment.idx().checked_sub(self.jobs.first)?;
        let class = &self.jobs.classes.get(c)?.name;
        let number = self.jobs.job(p.rs).map_or(0, |j| j.number);
        Some(format!("{class}-{number}-{:x}", p.uid & 0xfffff))
    }

    /// The `jobs` block of summary.json (None without job classes).
    pub(super) fn jobs_summary(&mut self, end: SimTime) -> Option<JobsSummary> {
        if self.jobs.classes.is_empty() {
            return None;
        }
        let classes = self
            .jobs
            .classes
            .iter_mut()
            .map(|c| (c.name.clone(), c.metrics.summary(end)))
            .collect();
        Some(JobsSummary {
            total: self.jobs.total.summary(end),
            classes,
        })
    }

    /// Recounts the job classes' counters from the pods (the full
    /// invariant check).
    pub(super) fn check_jobs(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let n = self.jobs.classes.len();
        let (mut pending, mut running) = (vec![0u32; n], vec![0u32; n]);
        for p in &self.state.pods {
            if p.gone || p.deployment.idx() < self.jobs.first {
                continue;
            }
            let c = p.deployment.idx() - self.jobs.first;
            pending[c] += u32::from(p.node.is_none());
            running[c] += u32::from(
                p.phase == PodPhase::Ready && p.node.is_some_and(|n| self.state.node(n).is_up()),
            );
        }
        for (c, class) in self.jobs.classes.iter().enumerate() {
            let m = &class.metrics;
            if (m.pending_pods, m.running_pods) != (pending[c], running[c]) {
                problems.push(format!(
                    "job class {}: counters (pending {}, running {}) but the pods say ({}, {})",
                    class.name, m.pending_pods, m.running_pods, pending[c], running[c]
                ));
            }
        }
        for rs in self.jobs.owners() {
            let job = self.jobs.job(rs).expect("live");
            let spec = self.jobs.classes[job.class as usize].spec;
            let active = self.state.active_pods(rs).count() as u32;
            let status = JobStatus {
                active,
                succeeded: job.succeeded,
                failed: job.failed,
            };
            if !job.finished && active > ctl::want_active(&spec, &status) {
                problems.push(format!(
                    "job {}-{}: {active} active pods, more than the controller wants",
                    self.jobs.classes[job.class as usize].name, job.number
                ));
            }
        }
        problems
    }

    /// Per class (pending, running) pods, for a timeseries row.
    pub(super) fn jobs_sample(&self) -> Vec<(u32, u32)> {
        self.jobs.sample()
    }

    /// Class names for the timeseries columns.
    pub(super) fn job_names(&self) -> Vec<String> {
        self.jobs.names()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// About 4,000 one-pod Jobs of 2 s on an ample cluster: at most a few
    /// run at once, so the pod and Job records stay a handful, however many
    /// Jobs finish (memory does not grow with finished Jobs).
    #[test]
    fn records_are_recycled_so_memory_follows_live_jobs() {
        let yaml = "
name: recycle
duration: 4000s
cluster:
  node_pools:
    - {name: p, count: 2, cpu: 8, memory: 32Gi}
jobs:
  - {name: j, arrivals: {rate: 1}, cpu: 1, memory: 1Gi, run_time: 2s, failure_probability: 0.2}
";
        let sc = crate::scenario::load_str(yaml, "t.yaml", &[]).unwrap();
        let mut sim = Simulation::new(sc, 1).unwrap().check_invariants(true);
        let mut most_live = 0;
        while let Some(t) = sim.engine.peek_time() {
            if t > sim.end {
                break;
            }
            let (now, ev) = sim.engine.pop().unwrap();
            sim.current_event = Some(ev);
            sim.handle(now, ev);
            sim.reclaim_pods();
            sim.full_check();
            assert!(
                sim.invariant_violations.is_empty(),
                "{:?}",
                sim.invariant_violations
            );
            most_live = most_live.max(sim.jobs.owners().count());
        }
        let m = &sim.jobs.total;
        assert!(m.jobs_arrived > 3_800, "{}", m.jobs_arrived);
        assert!(m.pods_failed > 500, "failures retried: {}", m.pods_failed);
        // Records: as many as were ever live at once, not one per Job.
        assert!(most_live < 40, "{most_live}");
        assert!(
            sim.state.replica_sets.len() <= most_live,
            "{}",
            sim.state.replica_sets.len()
        );
        // Pod records: released in batches once gone (`sim::reclaim`).
        let held = sim.state.pods.held_peak();
        assert!(held < 40 + crate::sim::reclaim::RECLAIM_BATCH, "{held}");
        assert!(sim.jobs.live.len() <= most_live);
    }
}
