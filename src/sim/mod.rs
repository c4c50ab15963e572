//! The simulated world: cluster state, controllers, faults and metrics wired
//! to the engine.
//!
//! Lifecycle of a run:
//! 1. [`Simulation::new`] builds nodes and deployments from the scenario and
//!    places the initial pods (warm start: the cluster is in steady state at
//!    time zero, every initial pod Ready).
//! 2. [`Simulation::run`] pops events until the scenario's duration. Each
//!    handler reads state, asks a policy (controller, scheduler) for
//!    decisions, and applies them through [`Simulation::apply`], the one
//!    place where pods and replica sets change.
//!    After every event, the rows it produced (timeseries.csv, events.csv)
//!    go to the run's [`RunSink`], and gone pods nothing refers to any more
//!    are released: memory follows the cluster, not the simulated time.
//! 3. The run ends with a [`RunResult`]: the summary (and, from
//!    [`Simulation::run`], the rows kept in memory).

mod action;
mod autoscaler;
mod disruption;
mod events;
mod faults;
mod hpa;
mod invariants;
mod jobs;
mod preemption;
mod probes;
mod progress;
mod reclaim;
mod record;
mod result;
mod scale_to_zero;
mod support;
mod timeline;
mod traffic;
mod world;

pub use action::{Action, DeleteReason};
pub use disruption::UpgradeSummary;
pub use events::{Event, JoinPurpose};
pub use reclaim::RECLAIM_BATCH;
pub use record::{Columns, Discard, EventLog, MemorySink, RunSink};
pub use result::{
    EventRecord, Footprint, RolloutSummary, RunResult, Sample, Summary, timeseries_header,
    timeseries_row, write_event, write_events_header,
};
pub use support::Unsupported;

use crate::controllers;
use crate::engine::{Engine, RngStreams, SimDuration, SimRng, SimTime};
use crate::metrics::{ClusterMetrics, WorkloadMetrics};
use crate::model::*;
use crate::scenario::{EventAction, Scenario, Workload};
use crate::scheduler::cycle::{Outcome, Scheduler};
use crate::scheduler::queue::{self, SchedulingQueue};
use rand::RngExt;
use result::RolloutTracker;

/// Why a node is down; the machine runs again when every cause has ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutageCause {
    /// The pool's own failure/repair process.
    Process,
    /// A scheduled `node_failure` or `zone_outage` event.
    Chaos,
    /// A correlated failure of its rack, pool or zone.
    Domain,
    /// An in-place node pool upgrade.
    Upgrade,
}

impl OutageCause {
    /// Name used in events.csv.
    pub fn as_str(self) -> &'static str {
        match self {
            OutageCause::Process => "failure process",
            OutageCause::Chaos => "scenario event",
            OutageCause::Domain => "failure domain",
            OutageCause::Upgrade => "node upgrade",
        }
    }
}

/// One simulation run.
pub struct Simulation {
    scenario: Scenario,
    engine: Engine<Event>,
    state: ClusterState,
    seed: u64,
    streams: RngStreams,
    scheduler: Scheduler,
    rng_scheduler: SimRng,
    rng_chaos: SimRng,
    rng_uid: Vec<SimRng>,
    rng_startup: Vec<SimRng>,
    rng_node_failure: Vec<Option<SimRng>>,
    rng_crash: Vec<SimRng>,
    rng_hang: Vec<SimRng>,
    domains: Vec<faults::Domain>,
    drains: Vec<disruption::DrainState>,
    upgrades: Vec<disruption::UpgradeState>,
    control_plane_outages: u32,
    deferred: Vec<Event>,
    next_node_index: Vec<u32>,
    queue: SchedulingQueue,
    scheduler_cycle_pending: Option<SimTime>,
    unschedulable_flush_pending: bool,
    deployment_sync_pending: Vec<bool>,
    rs_sync_pending: Vec<bool>,
    workload_metrics: Vec<WorkloadMetrics>,
    cluster_metrics: ClusterMetrics,
    rollouts: Vec<RolloutTracker>,
    progress: Vec<progress::DeploymentProgress>,
    /// Rows not yet handed to the run's sink (see `record.rs`).
    samples: Vec<Sample>,
    log: Vec<EventRecord>,
    last_sample_ms: Option<u64>,
    /// Gone pods not yet released, and the batch size that triggers the
    /// next release pass (see `reclaim.rs`).
    gone_pods: Vec<PodId>,
    pinned_pods: usize,
    released_reads_reported: u64,
    rows_buffered_peak: usize,
    event_log: EventLog,
    events_logged: u64,
    events_not_logged: u64,
    invariant_violations: Vec<String>,
    full_checks: bool,
    current_event: Option<Event>,
    end: SimTime,
    traffic: traffic::TrafficState,
    hpas: hpa::HpaControllers,
    autoscaler: Option<autoscaler::ClusterAutoscaler>,
    scale_to_zero: scale_to_zero::ScaleToZeroState,
    jobs: jobs::JobsState,
    /// The pods' specs by `DeploymentId`: the workloads, then each job
    /// class's stand-in (`Scenario::pod_specs`).
    pod_specs: Vec<Workload>,
}

impl Simulation {
    /// Builds the cluster at time zero for this scenario and seed; refuses
    /// scenarios that use features this version does not simulate.
    pub fn new(scenario: Scenario, seed: u64) -> Result<Self, Unsupported> {
        support::check(&scenario)?;
        Ok(Self::build(scenario, seed))
    }

    fn build(scenario: Scenario, seed: u64) -> Self {
        let streams = RngStreams::new(seed);
        let end = SimTime::ZERO + scenario.duration;
        let pod_specs = scenario.pod_specs();
        let mut sim = Simulation {
            engine: Engine::new(),
            state: ClusterState::default(),
            seed,
            streams,
            scheduler: Scheduler::new(
                &scenario.cluster.control_plane.scheduler,
                &scenario.cluster.zones,
                &pod_specs,
            ),
            rng_scheduler: streams.stream("scheduler"),
            rng_chaos: streams.stream("chaos"),
            rng_uid: scenario
                .workloads
                .iter()
                .map(|w| streams.stream(&format!("pod-uid/{}", w.name)))
                .collect(),
            rng_startup: scenario
                .workloads
                .iter()
                .map(|w| streams.stream(&format!("startup/{}", w.name)))
                .collect(),
            rng_node_failure: Vec::new(),
            rng_crash: scenario
                .workloads
                .iter()
                .map(|w| streams.stream(&format!("crash/{}", w.name)))
                .collect(),
            rng_hang: scenario
                .workloads
                .iter()
                .map(|w| streams.stream(&format!("hang/{}", w.name)))
                .collect(),
            domains: Vec::new(),
            drains: Vec::new(),
            upgrades: Vec::new(),
            control_plane_outages: 0,
            deferred: Vec::new(),
            next_node_index: scenario
                .cluster
                .node_pools
                .iter()
                .map(|p| p.count)
                .collect(),
            queue: SchedulingQueue::new(),
            scheduler_cycle_pending: None,
            unschedulable_flush_pending: false,
            deployment_sync_pending: vec![false; scenario.workloads.len()],
            rs_sync_pending: Vec::new(),
            workload_metrics: scenario
                .workloads
                .iter()
                .map(|w| {
                    let mut m = WorkloadMetrics::new(w.replicas, w.slo_min_ready);
                    m.slo_target = w.slo_target;
                    m
                })
                .collect(),
            cluster_metrics: ClusterMetrics::default(),
            rollouts: Vec::new(),
            progress: Vec::new(),
            samples: Vec::new(),
            log: Vec::new(),
            last_sample_ms: None,
            gone_pods: Vec::new(),
            pinned_pods: 0,
            released_reads_reported: 0,
            rows_buffered_peak: 0,
            event_log: EventLog::All,
            events_logged: 0,
            events_not_logged: 0,
            invariant_violations: Vec::new(),
            full_checks: false,
            current_event: None,
            end,
            traffic: traffic::TrafficState::new(&scenario, &streams, end),
            hpas: hpa::HpaControllers::new(&scenario),
            autoscaler: autoscaler::ClusterAutoscaler::new(&scenario, &streams),
            scale_to_zero: scale_to_zero::ScaleToZeroState::new(&scenario, &streams),
            jobs: jobs::JobsState::new(&scenario, &streams),
            pod_specs,
            scenario,
        };
        sim.build_cluster();
        sim.start_traffic();
        sim.start_cluster_autoscaler();
        sim.start_scale_to_zero();
        sim.start_jobs();
        sim
    }

    /// The cluster state (read-only), for tests and tools.
    pub fn state(&self) -> &ClusterState {
        &self.state
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.engine.now()
    }

    fn build_cluster(&mut self) {
        let mut lease_rng = self.streams.stream("node-lease");
        let renew = self
            .scenario
            .cluster
            .control_plane
            .node_lease_renew_interval;
        for (pi, pool) in self.scenario.cluster.node_pools.clone().iter().enumerate() {
            for i in 0..pool.count {
                let zone_name = &pool.zones[i as usize % pool.zones.len()];
                let zone = self
                    .scenario
                    .cluster
                    .zones
                    .iter()
                    .position(|z| z == zone_name)
                    .unwrap_or(0);
                let phase = SimDuration(lease_rng.random_range(0..renew.as_millis().max(1)));
                self.add_node(pi, i, zone, phase);
            }
        }
        for (di, w) in self.scenario.workloads.clone().iter().enumerate() {
            let template = PodTemplate {
                cpu: w.cpu,
                memory: w.memory,
                startup_time: w.startup_time.clone(),
                crash_probability: 0.0,
            };
            self.state.deployments.push(Deployment {
                name: w.name.clone(),
                replicas: w.replicas,
                strategy: w.strategy,
                min_ready: w.min_ready_seconds,
                termination_grace: w.termination_grace,
                priority: w.priority,
                template,
                revision: 1,
                replica_sets: Vec::new(),
            });
            self.workload_metrics[di].desired = w.replicas;
            let d = DeploymentId(di as u32);
            let surge = controllers::deployment_algo::max_surge(w.strategy, w.replicas);
            self.apply(Action::CreateReplicaSet {
                deployment: d,
                replicas: w.replicas,
                desired_annotation: w.replicas,
                max_annotation: w.replicas + surge,
            });
        }
        // Warm start: place the initial pods now and make them Ready at
        // time zero, as in a cluster that has been running for a while.
        for rs in 0..self.state.replica_sets.len() {
            // As many syncs as burstReplicas (500 per sync) needs.
            let rs = RsId(rs as u32);
            while self.state.rs_status_replicas(rs) < self.state.rs(rs).replicas {
                self.reconcile_replica_set(rs);
            }
        }
        self.run_scheduler_cycle();
        for pid in 0..self.state.pods.len() {
            let pod = PodId(pid as u32);
            if self.state.pod(pod).node.is_some() {
                self.update_pod(pod, |p| {
                    p.phase = PodPhase::Ready;
                    p.ready_since = Some(SimTime::ZERO);
                    p.warm = true;
                    p.started_at = Some(SimTime::ZERO);
                    p.timer = None;
                    // Probed (successfully) since the start of time.
                    p.probe_anchor = SimTime::ZERO;
                    p.probe_run_since = Some(SimTime::ZERO);
                });
            }
        }
        for m in &mut self.workload_metrics {
            m.reset_incidents();
        }
        self.init_progress();
        // Everything at time zero is settled; clear the kubelet timers that
        // the binding above scheduled.
        self.engine = Engine::new();
        self.scheduler_cycle_pending = None;
        self.unschedulable_flush_pending = false;
        self.deployment_sync_pending
            .iter_mut()
            .for_each(|p| *p = false);
        self.rs_sync_pending.iter_mut().for_each(|p| *p = false);
        if self.queue.unschedulable_len() > 0 || self.queue.has_active() {
            self.queue.move_all_to_active_or_backoff(SimTime::ZERO);
            self.ensure_scheduler_cycle(SimTime::ZERO);
        }
        // Evictions queued by the bindings (pods tolerating a pool's
        // NoExecute taint for a while) are timed on the new engine.
        for n in 0..self.state.nodes.len() {
            let n = NodeId(n as u32);
            self.state.nodes[n.idx()].eviction_timer = None;
            self.arm_node_eviction(n);
        }

        // Warm pods have been Ready since time zero: their crash clocks run.
        for pid in 0..self.state.pods.len() {
            let pod = PodId(pid as u32);
            let d = self.state.pod(pod).deployment.idx();
            if self.state.pod(pod).phase == PodPhase::Ready
                && let Some(c) = self.pod_specs[d].crash.clone()
            {
                let ttf = c.mtbf.sample(&mut self.rng_crash[d]);
                let t = self.engine.schedule_in(ttf, Event::PodCrashed(pod));
                self.state.pods[pod.idx()].crash_timer = Some(t);
            }
        }
        // And their hang clocks (drawn after every crash clock, from their
        // own streams, so scenarios without `hang` are unchanged).
        for pid in 0..self.state.pods.len() {
            let pod = PodId(pid as u32);
            if self.state.pod(pod).phase == PodPhase::Ready {
                self.arm_hang(pod);
            }
        }
        // Failure processes, timeline, samples.
        for n in 0..self.state.nodes.len() {
            self.schedule_next_process_failure(NodeId(n as u32));
            self.arm_spot(NodeId(n as u32));
        }
        self.build_domains();
        for (i, ev) in self.scenario.events.iter().enumerate() {
            self.engine
                .schedule_at(SimTime::ZERO + ev.at, Event::Timeline(i));
        }
        self.engine.schedule_at(SimTime::ZERO, Event::Sample);
    }

    fn add_node(
        &mut self,
        pool: usize,
        index: u32,
        zone: usize,
        lease_phase: SimDuration,
    ) -> NodeId {
        let p = &self.scenario.cluster.node_pools[pool];
        let id = NodeId(self.state.nodes.len() as u32);
        let rack = index % p.racks.max(1);
        let mut labels = p.labels.clone();
        if p.racks > 1 {
            labels.insert("rack".into(), format!("{}-rack-{rack}", p.name));
        }
        self.state.nodes.push(Node {
            name: format!("{}-{}", p.name, index),
            pool,
            zone,
            cpu: p.cpu,
            memory: p.memory,
            max_pods: p.max_pods,
            labels,
            taints: p.taints.clone(),
            rack,
            outages: 0,
            partitioned: 0,
            drain: None,
            ready: true,
            unschedulable: false,
            removed: false,
            lease_phase,
            up_since: self.engine.now(),
            requested_cpu: Default::default(),
            requested_memory: Default::default(),
            pods: Vec::new(),
            lifecycle_timer: None,
            not_ready_since: None,
            eviction_timer: None,
        });
        self.rng_node_failure.push(None);
        let (cpu, memory) = (p.cpu.0, p.memory.0);
        // Traffic credits its CPU as a fraction of the ready capacity over
        // each piece it integrates: close the pieces first.
        self.advance_all_traffic(self.engine.now());
        let cm = &mut self.cluster_metrics;
        cm.advance(self.engine.now());
        cm.nodes += 1;
        cm.pool_node_added(pool);
        cm.ready_nodes += 1;
        cm.ready_cpu += cpu;
        cm.ready_memory += memory;
        id
    }

    /// Runs to the end of the scenario, handing timeseries rows and event
    /// records to `sink` as they are produced; the result's `samples` and
    /// `events` stay empty.
    pub fn run_with(mut self, sink: &mut dyn RunSink) -> RunResult {
        let started = std::time::Instant::now();
        let end = self.end;
        sink.start(&self.columns());
        while let Some(t) = self.engine.peek_time() {
            if t > end {
                break;
            }
            let (now, ev) = self.engine.pop().expect("peeked");
            self.current_event = Some(ev);
            self.handle(now, ev);
            self.flush_rows(sink);
            self.reclaim_pods();
            if self.full_checks {
                self.full_check();
                if self.must_stop() {
                    break;
                }
            }
        }
        self.current_event = None;
        self.advance_all_traffic(end);
        self.flush_rows(sink);
        self.check_released_reads();
        let wall = started.elapsed().as_secs_f64();
        result::finish(self, wall)
    }

    fn log(&mut self, kind: &'static str, object: String, detail: String) {
        if !self.event_log.admits(self.events_logged) {
            self.events_not_logged += 1;
            return;
        }
        self.events_logged += 1;
        self.log.push(EventRecord {
            time_ms: self.engine.now().as_millis(),
            kind,
            object,
            detail,
        });
    }

    fn handle(&mut self, now: SimTime, ev: Event) {
        if self.control_plane_down() && self.needs_control_plane(&ev) {
            // The node lifecycle controller re-arms its timers when it comes
            // back (on_control_plane_restored); everything else waits.
            match ev {
                Event::NodeNotReady(n) => self.state.nodes[n.idx()].lifecycle_timer = None,
                _ => self.deferred.push(ev),
            }
            return;
        }
        match ev {
            Event::Timeline(i) => self.on_timeline(i),
            Event::NodeFails { node, cause } => self.node_down(node, cause),
            Event::NodeRepaired { node, cause } => self.node_up(node, cause),
            Event::NodeNotReady(node) => self.on_node_not_ready(node),
            Event::NodeReadyAgain(node) => self.on_node_ready_again(node),
            Event::TaintEviction(node) => self.on_taint_eviction(node),
            Event::ProgressCheck(d) => self.on_progress_check(d),
            Event::DeploymentSync(d) => {
                self.deployment_sync_pending[d.idx()] = false;
                self.reconcile_deployment(d);
            }
            Event::ReplicaSetSync(rs) => {
                self.rs_sync_pending[rs.idx()] = false;
                self.reconcile_replica_set(rs);
            }
            Event::SchedulerCycle => {
                self.scheduler_cycle_pending = None;
                self.run_scheduler_cycle();
            }
            Event::UnschedulableFlush => {
                self.unschedulable_flush_pending = false;
                self.queue.flush_unschedulable_leftover(now);
                self.ensure_scheduler_cycle(now);
                self.ensure_unschedulable_flush();
            }
            Event::KubeletStart(pod) => self.on_kubelet_start(pod),
            Event::PodReady(pod) => self.on_pod_ready(pod),
            Event::PodTerminated(pod) => self.on_pod_terminated(pod),
            Event::Sample => self.on_sample(),
            Event::DomainFails(d) => self.on_domain_fails(d),
            Event::DomainRepaired(d) => self.on_domain_repaired(d),
            Event::PartitionHealed(n) => self.on_partition_healed(n),
            Event::ControlPlaneRestored => self.on_control_plane_restored(),
            Event::DrainRetry(id) => self.try_drain(id),
            Event::Uncordon { node, drain } => self.on_uncordon(node, drain),
            Event::PodCrashed(pod) => self.on_pod_crashed(pod),
            Event::ContainerRestart(pod) => self.on_container_restart(pod),
            Event::PodHangs(pod) => self.on_pod_hangs(pod),
            Event::PodRecovers(pod) => self.on_pod_recovers(pod),
            Event::ProbeFailed(pod) => self.on_probe_failed(pod),
            Event::SpotNotice(n) => self.on_spot_notice(n),
            Event::SpotReclaim(n) => self.on_spot_reclaim(n),
            Event::NodeJoins {
                pool,
                zone,
                purpose,
            } => self.on_node_joins(pool as usize, zone as usize, purpose),
            Event::RequestArrival(d) => self.on_request_arrival(d),
            Event::RequestDone { pod, slot } => self.on_request_done(pod, slot),
            Event::MetricsScrape => self.on_metrics_scrape(),
            Event::HpaSync(d) => self.on_hpa_sync(d),
            Event::AutoscalerScan => self.on_autoscaler_scan(),
            Event::ScaleToZeroArrival(w) => self.on_scale_to_zero_arrival(w as usize),
            Event::ScaleToZeroDone { workload, pod } => {
                self.on_scale_to_zero_done(workload as usize, pod)
            }
            Event::KpaTick(w) => self.on_kpa_tick(w as usize),
            Event::KpaReconcile(w) => self.on_kpa_reconcile(w as usize),
            Event::KeepAliveExpired(pod) => self.on_keep_alive_expired(pod),
            Event::JobArrival(c) => self.on_job_arrival(c),
            Event::JobSync(rs) => self.on_job_sync(rs),
            Event::JobPodFinished { pod, failed } => self.on_job_pod_finished(pod, failed),
        }
    }

    /// Events that are control-plane work (controllers, scheduler, API
    /// writes) and wait out a control-plane outage. Machines, kubelets and
    /// the outside world go on.
    fn needs_control_plane(&self, ev: &Event) -> bool {
        match ev {
            Event::DeploymentSync(_)
            | Event::ProgressCheck(_)
            | Event::ReplicaSetSync(_)
            | Event::SchedulerCycle
            | Event::UnschedulableFlush
            | Event::NodeNotReady(_)
            | Event::NodeReadyAgain(_)
            | Event::TaintEviction(_)
            | Event::DrainRetry(_)
            | Event::Uncordon { .. }
            | Event::HpaSync(_)
            | Event::AutoscalerScan
            | Event::KpaTick(_)
            | Event::KpaReconcile(_)
            | Event::JobArrival(_)
            | Event::JobSync(_) => true,
            Event::Timeline(i) => matches!(
                self.scenario.events[*i].action,
                EventAction::Scale { .. }
                    | EventAction::Rollout { .. }
                    | EventAction::Drain { .. }
                    | EventAction::NodePoolUpgrade { .. }
            ),
            _ => false,
        }
    }

    // ---- controllers -------------------------------------------------

    fn watch_latency(&self) -> SimDuration {
        self.scenario.cluster.control_plane.watch_latency
    }

    /// Wakes the deployment controller for `d` after the informer delay
    /// (coalesced: one pending sync per deployment).
    fn enqueue_deployment(&mut self, d: DeploymentId) {
        // A job class's stand-in has no Deployment controller.
        if self.is_job_class(d) {
            return;
        }
        if !self.deployment_sync_pending[d.idx()] {
            self.deployment_sync_pending[d.idx()] = true;
            let lat = self.watch_latency();
            self.engine.schedule_in(lat, Event::DeploymentSync(d));
        }
    }

    fn enqueue_replica_set(&mut self, rs: RsId) {
        // A Job's pods wake the Job controller instead.
        if self.is_job_owner(rs) {
            self.job_pod_event(rs);
            return;
        }
        if !self.rs_sync_pending[rs.idx()] {
            self.rs_sync_pending[rs.idx()] = true;
            let lat = self.watch_latency();
            self.engine.schedule_in(lat, Event::ReplicaSetSync(rs));
        }
    }

    fn reconcile_deployment(&mut self, d: DeploymentId) {
        let now = self.engine.now();
        let scaling = controllers::deployment::is_scaling_event(&self.state, d);
        let actions = controllers::deployment::reconcile(&self.state, d, now);
        let created = actions
            .iter()
            .any(|a| matches!(a, Action::CreateReplicaSet { .. }));
        for a in actions {
            self.apply(a);
        }
        self.sync_progress(d, scaling, created);
        self.track_rollouts(d);
    }

    fn reconcile_replica_set(&mut self, rs: RsId) {
        let now = self.engine.now();
        let actions = controllers::replicaset::reconcile(&self.state, rs, now);
        for a in actions {
            self.apply(a);
        }
    }

    // ---- scheduler ---------------------------------------------------

    fn ensure_scheduler_cycle(&mut self, at: SimTime) {
        let at = at.max(self.engine.now());
        if self.scheduler_cycle_pending.is_none_or(|t| at < t) {
            self.scheduler_cycle_pending = Some(at);
            self.engine.schedule_at(at, Event::SchedulerCycle);
        }
    }

    fn ensure_unschedulable_flush(&mut self) {
        if !self.unschedulable_flush_pending && self.queue.unschedulable_len() > 0 {
            self.unschedulable_flush_pending = true;
            self.engine
                .schedule_in(queue::UNSCHEDULABLE_FLUSH_PERIOD, Event::UnschedulableFlush);
        }
    }

    /// A change that may let unschedulable pods fit (upstream: cluster
    /// events that move pods out of the unschedulable set).
    fn cluster_changed(&mut self) {
        if self.queue.unschedulable_len() > 0 {
            let now = self.engine.now();
            self.queue.move_all_to_active_or_backoff(now);
            self.schedule_after_backoff();
            if self.queue.has_active() {
                self.ensure_scheduler_cycle(now);
            }
        }
    }

    fn schedule_after_backoff(&mut self) {
        if let Some(t) = self.queue.next_backoff_expiry() {
            // The backoff queue is flushed once a second upstream.
            let at = SimTime(t.as_millis().div_ceil(1000) * 1000);
            self.ensure_scheduler_cycle(at);
        }
    }

    fn run_scheduler_cycle(&mut self) {
        let now = self.engine.now();
        self.queue.flush_backoff(now);
        while let Some(pod) = self.queue.pop_active() {
            let p = self.state.pod(pod);
            if !p.is_active() || p.node.is_some() {
                continue;
            }
            match self.scheduler.schedule_one(
                &self.state,
                &self.pod_specs,
                pod,
                &mut self.rng_scheduler,
            ) {
                Outcome::Bind(node) => self.apply(Action::BindPod { pod, node }),
                Outcome::Unschedulable(mut diag) => {
                    self.post_filter(pod, &mut diag);
                    let attempts = self.state.pods[pod.idx()].failed_attempts + 1;
                    self.state.pods[pod.idx()].failed_attempts = attempts;
                    let until = now + queue::backoff_duration(attempts);
                    let prio = self.state.pod(pod).priority;
                    self.queue.push_unschedulable(pod, prio, now, until);
                    if attempts == 1 {
                        let name = self.pod_name(pod);
                        self.log("pod_unschedulable", name, diag.to_string());
                    }
                }
            }
        }
        self.schedule_after_backoff();
        self.ensure_unschedulable_flush();
    }

    fn pod_name(&self, pod: PodId) -> String {
        if let Some(name) = self.job_pod_name(pod) {
            return name;
        }
        let p = self.state.pod(pod);
        let rs = self.state.rs(p.rs);
        format!(
            "{}-r{}-{:x}",
            self.state.deployment(p.deployment).name,
            rs.revision,
            p.uid & 0xfffff
        )
    }
}

#[cfg(test)]
mod tests;
