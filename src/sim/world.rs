//! Applying decisions and the state transitions of pods and nodes, with the
//! metric bookkeeping that must follow every one of them.

use super::{Action, DeleteReason, Event, OutageCause, Simulation};
use crate::engine::{SimDuration, SimTime};
use crate::model::*;
use crate::scenario::NodeTarget;
use rand::RngExt;

/// CrashLoopBackOff: first restart delay (kubelet initial backoff).
const CRASH_BACKOFF_INITIAL: SimDuration = SimDuration::from_secs(10);
/// CrashLoopBackOff cap (MaxContainerBackOff).
const CRASH_BACKOFF_MAX: SimDuration = SimDuration::from_secs(300);
/// The backoff resets after the container ran this long (2 x the cap).
const CRASH_BACKOFF_RESET: SimDuration = SimDuration::from_secs(600);

/// What a pod contributes to the counters.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct PodFlags {
    pub(super) active: bool,
    pub(super) endpoint: bool,
    pub(super) serving: bool,
    pub(super) pending: bool,
    // Its requests count towards the allocation of a ready, running node.
    pub(super) counted_on: Option<NodeId>,
    /// The kubelet has started its containers (`status.startTime` is set
    /// the first time this holds).
    pub(super) started: bool,
    /// A ready container on a running machine, whatever the API says: a
    /// terminating pod keeps serving the requests it already has.
    pub(super) running: bool,
}

impl Simulation {
    fn node_counted(&self, n: NodeId) -> bool {
        let node = self.state.node(n);
        node.is_up() && node.ready
    }

    fn pod_flags(&self, pod: PodId) -> PodFlags {
        let p = self.state.pod(pod);
        if p.gone {
            return PodFlags::default();
        }
        let node = p.node.map(|n| self.state.node(n));
        let endpoint = p.is_api_ready();
        // Serving: the container is ready on a running machine, and traffic
        // reaches it: through the endpoints, or, behind a partition, from
        // clients on its side (both copies serve until the partition heals).
        // A hung application is Ready (until its probe says otherwise) but
        // does not serve.
        let running_ready =
            p.phase == PodPhase::Ready && p.hang_since.is_none() && node.is_some_and(|n| n.is_up());
        let partitioned = node.is_some_and(|n| n.partitioned > 0);
        PodFlags {
            active: p.is_active(),
            endpoint,
            serving: running_ready && (endpoint || partitioned),
            pending: p.node.is_none(),
            counted_on: p.node.filter(|n| self.node_counted(*n)),
            started: !matches!(p.phase, PodPhase::Pending | PodPhase::Bound),
            running: running_ready,
        }
    }

    /// Mutates a pod and moves the counters by the difference.
    pub(super) fn update_pod(&mut self, pod: PodId, f: impl FnOnce(&mut Pod)) {
        let before = self.pod_flags(pod);
        f(&mut self.state.pods[pod.idx()]);
        let after = self.pod_flags(pod);
        self.account_pod(pod, before, after);
    }

    /// Counts a pod that was just created.
    pub(super) fn account_new_pod(&mut self, pod: PodId) {
        self.account_pod(pod, PodFlags::default(), self.pod_flags(pod));
    }

    fn account_pod(&mut self, pod: PodId, before: PodFlags, after: PodFlags) {
        if before == after {
            return;
        }
        let now = self.engine.now();
        let d = self.state.pod(pod).deployment.idx();
        if d >= self.workload_metrics.len() {
            // A Job's pod: its class keeps its own counters.
            self.job_pod_changed(pod, &before, &after);
            self.account_cluster(pod, &before, &after);
            return;
        }
        self.traffic_pod_changed(pod, &before, &after);
        let m = &mut self.workload_metrics[d];
        m.advance(now);
        let delta = |v: &mut u32, b: bool, a: bool| {
            if a && !b {
                *v += 1;
            } else if b && !a {
                *v -= 1;
            }
        };
        delta(&mut m.active_pods, before.active, after.active);
        delta(&mut m.endpoints, before.endpoint, after.endpoint);
        delta(&mut m.serving, before.serving, after.serving);
        m.after_change();
        let active = m.active_pods;
        self.account_cluster(pod, &before, &after);
        if before.active != after.active {
            self.on_active_pods_changed(DeploymentId(d as u32), active);
        }
    }

    /// The cluster's pending pods and allocation, for one pod's change.
    fn account_cluster(&mut self, pod: PodId, before: &PodFlags, after: &PodFlags) {
        if before.pending == after.pending && before.counted_on == after.counted_on {
            return;
        }
        let (cpu, mem) = {
            let p = self.state.pod(pod);
            (p.cpu.0, p.memory.0)
        };
        let cm = &mut self.cluster_metrics;
        cm.advance(self.engine.now());
        if after.pending && !before.pending {
            cm.pending_pods += 1;
        } else if before.pending && !after.pending {
            cm.pending_pods -= 1;
        }
        if before.counted_on.is_some() {
            cm.requested_cpu -= cpu;
            cm.requested_memory -= mem;
        }
        if after.counted_on.is_some() {
            cm.requested_cpu += cpu;
            cm.requested_memory += mem;
        }
    }

    /// Mutates a node; recounts its capacity and every pod on it.
    pub(super) fn update_node(&mut self, n: NodeId, f: impl FnOnce(&mut Node)) {
        let pods = self.state.node(n).pods.clone();
        let before: Vec<PodFlags> = pods.iter().map(|p| self.pod_flags(*p)).collect();
        let counted_before = self.node_counted(n);
        let existed = !self.state.node(n).removed;
        f(&mut self.state.nodes[n.idx()]);
        let counted_after = self.node_counted(n);
        let (cpu, mem) = (self.state.node(n).cpu.0, self.state.node(n).memory.0);
        let pool = self.state.node(n).pool;
        let now = self.engine.now();
        if counted_before != counted_after {
            // Traffic credits its CPU as a fraction of the ready capacity
            // over each piece it integrates: close the pieces first.
            self.advance_all_traffic(now);
        }
        let cm = &mut self.cluster_metrics;
        cm.advance(now);
        if counted_before && !counted_after {
            cm.ready_nodes -= 1;
            cm.ready_cpu -= cpu;
            cm.ready_memory -= mem;
        } else if counted_after && !counted_before {
            cm.ready_nodes += 1;
            cm.ready_cpu += cpu;
            cm.ready_memory += mem;
        }
        if existed && self.state.node(n).removed {
            cm.nodes -= 1;
            cm.pool_node_removed(pool);
        }
        for (p, b) in pods.iter().zip(before) {
            let a = self.pod_flags(*p);
            self.account_pod(*p, b, a);
        }
        self.track_upgrade_capacity(pool);
    }

    /// Applies one decision. The only place pods and replica sets change.
    pub fn apply(&mut self, action: Action) {
        let now = self.engine.now();
        match action {
            Action::CreateReplicaSet {
                deployment,
                replicas,
                desired_annotation,
                max_annotation,
            } => {
                let d = self.state.deployment(deployment);
                let id = RsId(self.state.replica_sets.len() as u32);
                self.state.replica_sets.push(ReplicaSet {
                    deployment,
                    revision: d.revision,
                    template: d.template.clone(),
                    replicas,
                    pods: Vec::new(),
                    desired_annotation: Some(desired_annotation),
                    max_annotation: Some(max_annotation),
                    created_at: now,
                    deleted: false,
                });
                self.rs_sync_pending.push(false);
                self.state.deployments[deployment.idx()]
                    .replica_sets
                    .push(id);
                self.enqueue_replica_set(id);
                self.enqueue_deployment(deployment);
            }
            Action::ScaleReplicaSet {
                rs,
                replicas,
                desired_annotation,
                max_annotation,
            } => {
                let r = &mut self.state.replica_sets[rs.idx()];
                let changed = r.replicas != replicas;
                r.replicas = replicas;
                r.desired_annotation = Some(desired_annotation);
                r.max_annotation = Some(max_annotation);
                if changed {
                    self.enqueue_replica_set(rs);
                    let d = self.state.rs(rs).deployment;
                    self.enqueue_deployment(d);
                }
            }
            Action::DeleteReplicaSet { rs } => {
                let r = &mut self.state.replica_sets[rs.idx()];
                debug_assert!(r.replicas == 0 && r.pods.is_empty());
                r.deleted = true;
                let d = r.deployment;
                self.state.deployments[d.idx()]
                    .replica_sets
                    .retain(|x| *x != rs);
            }
            Action::CreatePods { rs, count } => {
                let job = self.is_job_owner(rs);
                for _ in 0..count {
                    if job {
                        self.create_job_pod(rs);
                    } else {
                        self.create_pod(rs);
                    }
                }
            }
            Action::DeletePod { pod, reason } => self.delete_pod(pod, reason),
            Action::BindPod { pod, node } => self.bind_pod(pod, node),
        }
    }

    fn create_pod(&mut self, rs: RsId) -> PodId {
        let now = self.engine.now();
        let r = self.state.rs(rs);
        let d = r.deployment;
        let id = PodId(self.state.pods.len() as u32);
        let uid = self.rng_uid[d.idx()].random::<u64>();
        let priority = self.state.deployment(d).priority;
        self.state.pods.push(Pod::new(
            rs,
            d,
            r.template.cpu,
            r.template.memory,
            priority,
            now,
            uid,
        ));
        self.state.replica_sets[rs.idx()].pods.push(id);
        self.account_pod(id, PodFlags::default(), self.pod_flags(id));
        let prio = self.state.pod(id).priority;
        self.queue.push_active(id, prio, now);
        let lat = self.watch_latency();
        self.ensure_scheduler_cycle(now + lat);
        self.enqueue_deployment(d);
        id
    }

    fn bind_pod(&mut self, pod: PodId, node: NodeId) {
        self.state.nominations.clear(pod);
        let (cpu, mem) = {
            let p = self.state.pod(pod);
            (p.cpu, p.memory)
        };
        {
            let n = &self.state.nodes[node.idx()];
            if !n.ready || n.unschedulable || n.removed {
                let msg = format!(
                    "pod bound to node {} that is NotReady, cordoned or gone",
                    n.name
                );
                self.violation(msg);
            }
            let n = &mut self.state.nodes[node.idx()];
            n.requested_cpu.0 += cpu.0;
            n.requested_memory.0 += mem.0;
            n.pods.push(pod);
            if n.requested_cpu > n.cpu
                || n.requested_memory > n.memory
                || n.pod_count() > n.max_pods
            {
                let msg = format!("node {} over-committed after binding", n.name);
                self.violation(msg);
            }
        }
        self.update_pod(pod, |p| {
            p.node = Some(node);
            p.phase = PodPhase::Bound;
        });
        let lat = self.watch_latency();
        let t = self.engine.schedule_in(lat, Event::KubeletStart(pod));
        self.state.pods[pod.idx()].timer = Some(t);
        // The taint eviction controller sees the pod land on a node with
        // NoExecute taints (a pool's, tolerated for a while).
        let taints = self.no_execute_taints(node);
        if !taints.is_empty() {
            self.process_pod_taints(pod, &taints);
            self.arm_node_eviction(node);
        }
    }

    pub(super) fn on_kubelet_start(&mut self, pod: PodId) {
        self.state.pods[pod.idx()].timer = None;
        let p = self.state.pod(pod);
        let Some(n) = p.node else { return };
        // A kubelet that cannot reach the API does not see the binding; it
        // starts the pod when it reconnects (heartbeats_resumed).
        if !p.is_active() || !self.state.node(n).heartbeats() {
            return;
        }
        self.start_containers(pod, true);
    }

    /// Containers start: a first start or a restart after the machine came
    /// back (`new_worker`: the kubelet starts the pod's probe worker), or a
    /// restart after a crash (the worker keeps ticking).
    fn start_containers(&mut self, pod: PodId, new_worker: bool) {
        // A start supersedes any pending kubelet step (e.g. a KubeletStart
        // still in flight when the machine restarted).
        if let Some(t) = self.state.pods[pod.idx()].timer.take() {
            self.engine.cancel(t);
        }
        let now = self.engine.now();
        self.state.pods[pod.idx()].started_at.get_or_insert(now);
        if self.is_job_pod(pod) {
            self.start_job_pod(pod);
            return;
        }
        let rs = self.state.pod(pod).rs;
        let d = self.state.pod(pod).deployment.idx();
        let template = &self.state.rs(rs).template;
        let crash = template.crash_probability > 0.0
            && self.rng_startup[d].random::<f64>() < template.crash_probability;
        let startup = template.startup_time.sample(&mut self.rng_startup[d]);
        // Without a probe the pod is Ready once started (`startup_time`);
        // with one, at the probe that completes its successes.
        let ready_at = self.probed_ready_at(pod, new_worker, startup);
        if crash {
            self.update_pod(pod, |p| p.phase = PodPhase::CrashLoop);
            return;
        }
        self.update_pod(pod, |p| {
            p.phase = PodPhase::Starting;
            p.hang_since = None;
        });
        let t = match ready_at {
            Some(at) => self.engine.schedule_at(at, Event::PodReady(pod)),
            None => self.engine.schedule_in(startup, Event::PodReady(pod)),
        };
        self.state.pods[pod.idx()].timer = Some(t);
    }

    pub(super) fn on_pod_ready(&mut self, pod: PodId) {
        let now = self.engine.now();
        self.state.pods[pod.idx()].timer = None;
        let p = self.state.pod(pod);
        let node = p.node.map(|n| self.state.node(n));
        if p.phase != PodPhase::Starting || !node.is_some_and(|n| n.is_up()) {
            return;
        }
        // The kubelet reports Ready, but a NotReady node's pods stay out of
        // the endpoints until the node lifecycle controller sees it again.
        let node_ready = node.is_some_and(|n| n.ready);
        self.update_pod(pod, |p| {
            p.phase = PodPhase::Ready;
            p.ready_since = Some(now);
            if node_ready {
                p.marked_not_ready = false;
            }
        });
        if !self.state.pod(pod).is_active() {
            // A deleted pod that still runs behind a partition: no crash
            // clock, no controller cares.
            return;
        }
        let p = self.state.pod(pod);
        let (rs, d) = (p.rs, p.deployment);
        self.enqueue_replica_set(rs);
        self.enqueue_deployment(d);
        self.scale_to_zero_pod_ready(pod);
        if let Some(c) = self.pod_specs[d.idx()].crash.clone() {
            let ttf = c.mtbf.sample(&mut self.rng_crash[d.idx()]);
            let t = self.engine.schedule_in(ttf, Event::PodCrashed(pod));
            self.state.pods[pod.idx()].crash_timer = Some(t);
        }
        self.arm_hang(pod);
        let min_ready = self.state.deployment(d).min_ready;
        if min_ready > SimDuration::ZERO {
            // Upstream requeues after minReadySeconds so that availability,
            // which needs strictly more than that, is observed.
            self.engine
                .schedule_in(min_ready + SimDuration(1), Event::DeploymentSync(d));
        }
    }

    fn delete_pod(&mut self, pod: PodId, reason: DeleteReason) {
        let now = self.engine.now();
        if !self.state.pod(pod).is_active() {
            return;
        }
        let kubelet_sees_it = self
            .state
            .pod(pod)
            .node
            .is_none_or(|n| self.state.node(n).heartbeats());
        if kubelet_sees_it {
            self.cancel_pod_timers(pod);
        }
        self.on_job_pod_deleted(pod);
        self.update_pod(pod, |p| p.deleted_at = Some(now));
        // Preemption logs `pod_preempted` itself (sim/preemption.rs), a
        // failed Job `job_failed`.
        if !matches!(
            reason,
            DeleteReason::ScaleDown | DeleteReason::Preemption | DeleteReason::JobFailed
        ) {
            let name = self.pod_name(pod);
            let node = self
                .state
                .pod(pod)
                .node
                .map(|n| self.state.node(n).name.clone());
            let detail = format!("{} from node {}", reason.as_str(), node.unwrap_or_default());
            self.log("pod_evicted", name, detail);
        }
        let p = self.state.pod(pod);
        let (rs, d) = (p.rs, p.deployment);
        match p.node {
            None => {
                self.queue.remove(pod);
                self.pod_gone(pod);
            }
            Some(n) if self.state.node(n).heartbeats() => {
                let grace = self.state.deployment(d).termination_grace;
                let t = self.engine.schedule_in(grace, Event::PodTerminated(pod));
                self.state.pods[pod.idx()].timer = Some(t);
            }
            // On a dead or unreachable node the kubelet cannot see the
            // deletion: the pod stays Terminating (and, behind a partition,
            // running) until the kubelet reaches the API again.
            Some(_) => {}
        }
        self.enqueue_replica_set(rs);
        self.enqueue_deployment(d);
    }

    /// A running container crashes: the pod leaves the endpoints and the
    /// kubelet restarts it after CrashLoopBackOff: 10 s doubling to 300 s,
    /// reset after 600 s (2 x max) without a crash (kubelet
    /// `flowcontrol.Backoff`).
    pub(super) fn on_pod_crashed(&mut self, pod: PodId) {
        self.state.pods[pod.idx()].crash_timer = None;
        let now = self.engine.now();
        let p = self.state.pod(pod);
        if !p.is_active() || p.phase != PodPhase::Ready {
            return;
        }
        // The backoff resets once the container has run for 2 x the cap
        // (600 s) since its last restart without crashing.
        let streak_continues = p
            .last_restart
            .is_some_and(|t| now.since(t) <= CRASH_BACKOFF_RESET);
        let streak = if streak_continues {
            p.crash_streak + 1
        } else {
            1
        };
        let backoff = SimDuration(
            (CRASH_BACKOFF_INITIAL.as_millis() << (streak - 1).min(16))
                .min(CRASH_BACKOFF_MAX.as_millis()),
        );
        // The process exits: the kubelet reports the container not ready
        // at once (`UpdatePodStatus`: not running -> not ready), whatever
        // the probe's failure threshold. A hang in progress ends with it.
        self.crash_ends_hang(pod);
        self.update_pod(pod, |p| {
            p.phase = PodPhase::BackOff;
            p.restarts += 1;
            p.crash_streak = streak;
            p.last_crash = Some(now);
            p.hang_since = None;
        });
        let name = self.pod_name(pod);
        self.log("container_crashed", name, format!("restart in {backoff}"));
        let (rs, d) = (self.state.pod(pod).rs, self.state.pod(pod).deployment);
        self.enqueue_replica_set(rs);
        self.enqueue_deployment(d);
        let t = self
            .engine
            .schedule_in(backoff, Event::ContainerRestart(pod));
        self.state.pods[pod.idx()].timer = Some(t);
    }

    pub(super) fn on_container_restart(&mut self, pod: PodId) {
        self.state.pods[pod.idx()].timer = None;
        let p = self.state.pod(pod);
        if !p.is_active() || p.phase != PodPhase::BackOff {
            return;
        }
        let now = self.engine.now();
        self.state.pods[pod.idx()].last_restart = Some(now);
        self.start_containers(pod, false);
    }

    pub(super) fn on_pod_terminated(&mut self, pod: PodId) {
        self.state.pods[pod.idx()].timer = None;
        self.pod_gone(pod);
    }

    /// The pod object disappears; its node's resources are freed.
    pub(super) fn pod_gone(&mut self, pod: PodId) {
        let (rs, d, node, cpu, mem) = {
            let p = self.state.pod(pod);
            (p.rs, p.deployment, p.node, p.cpu, p.memory)
        };
        self.update_pod(pod, |p| p.gone = true);
        self.put_aside(pod);
        self.state.nominations.clear(pod);
        if let Some(n) = node {
            let nd = &mut self.state.nodes[n.idx()];
            nd.requested_cpu.0 -= cpu.0;
            nd.requested_memory.0 -= mem.0;
            nd.pods.retain(|p| *p != pod);
        }
        self.state.replica_sets[rs.idx()].pods.retain(|p| *p != pod);
        self.enqueue_deployment(d);
        if let Some(n) = node {
            self.cluster_changed();
            self.check_drain_complete(n);
        }
        // Last: a Job pod's record may be reused from here on.
        self.on_job_pod_gone(pod);
    }

    // ---- nodes ---------------------------------------------------------

    pub(super) fn schedule_next_process_failure(&mut self, n: NodeId) {
        let pool = self.state.node(n).pool;
        let Some(f) = self.scenario.cluster.node_pools[pool].failure.clone() else {
            return;
        };
        let name = self.state.node(n).name.clone();
        let rng = self.rng_node_failure[n.idx()]
            .get_or_insert_with(|| self.streams.stream(&format!("node-failure/{name}")));
        let ttf = f.mttf.sample(rng);
        self.engine.schedule_in(
            ttf,
            Event::NodeFails {
                node: n,
                cause: OutageCause::Process,
            },
        );
    }

    /// One more outage cause; the machine stops if it was running.
    pub(super) fn node_down(&mut self, n: NodeId, cause: OutageCause) {
        if self.state.node(n).removed {
            return;
        }
        if cause == OutageCause::Process {
            let pool = self.state.node(n).pool;
            if let Some(f) = self.scenario.cluster.node_pools[pool].failure.clone() {
                let rng = self.rng_node_failure[n.idx()]
                    .as_mut()
                    .expect("stream created");
                let ttr = f.mttr.sample(rng);
                self.engine
                    .schedule_in(ttr, Event::NodeRepaired { node: n, cause });
            }
        }
        if self.state.node(n).is_up() {
            let name = self.state.node(n).name.clone();
            self.log("node_failed", name, cause.as_str().to_string());
        }
        self.change_node_health(n, |node| node.outages += 1);
    }

    /// One outage cause ends; the machine runs again when none is left.
    pub(super) fn node_up(&mut self, n: NodeId, cause: OutageCause) {
        if self.state.node(n).removed {
            return;
        }
        if cause == OutageCause::Process {
            self.schedule_next_process_failure(n);
        }
        if cause == OutageCause::Upgrade {
            self.on_upgrade_downtime_over(n);
        }
        self.change_node_health(n, |node| node.outages = node.outages.saturating_sub(1));
        if self.state.node(n).is_up() {
            let name = self.state.node(n).name.clone();
            self.log("node_repaired", name, cause.as_str().to_string());
            // Whichever outage ends last, an upgraded node is done now.
            self.on_in_place_upgrade_done(n);
        }
    }

    /// Changes a node's outage or partition counters, then lets the kubelet
    /// and the node lifecycle controller react to what changed.
    pub(super) fn change_node_health(&mut self, n: NodeId, f: impl FnOnce(&mut Node)) {
        let was_up = self.state.node(n).is_up();
        let was_hb = self.state.node(n).heartbeats();
        self.update_node(n, f);
        let up = self.state.node(n).is_up();
        let hb = self.state.node(n).heartbeats();
        if was_up && !up {
            // Containers die with the machine; kubelet timers die with it.
            for pod in self.state.node(n).pods.clone() {
                self.cancel_pod_timers(pod);
            }
        }
        if was_hb && !hb {
            self.heartbeats_stopped(n);
        }
        if !was_up && up {
            self.machine_restarted(n);
        }
        if !was_hb && hb {
            self.heartbeats_resumed(n, was_up);
        }
    }

    pub(super) fn cancel_pod_timers(&mut self, pod: PodId) {
        let p = &mut self.state.pods[pod.idx()];
        let timers = [p.timer.take(), p.crash_timer.take(), p.hang_timer.take()];
        for t in timers.into_iter().flatten() {
            self.engine.cancel(t);
        }
    }

    /// Last renewal of a kubelet lease at or before now.
    fn last_lease_renewal(&self, n: NodeId) -> SimTime {
        let now = self.engine.now();
        let renew = self
            .scenario
            .cluster
            .control_plane
            .node_lease_renew_interval
            .as_millis()
            .max(1);
        let phase = self.state.node(n).lease_phase.as_millis() % renew;
        let since_renewal = (now.as_millis() + renew - phase) % renew;
        SimTime(now.as_millis().saturating_sub(since_renewal))
    }

    /// The lease stops being renewed: the node lifecycle controller marks
    /// the node NotReady on the first monitor tick after the grace period.
    fn heartbeats_stopped(&mut self, n: NodeId) {
        if !self.state.node(n).ready {
            return;
        }
        let last = self.last_lease_renewal(n);
        self.schedule_not_ready_detection(n, last);
    }

    /// Schedules NotReady for a node whose lease was last seen at `seen`:
    /// probeTimestamp + gracePeriod must be strictly before the tick.
    pub(super) fn schedule_not_ready_detection(&mut self, n: NodeId, seen: SimTime) {
        let cp = &self.scenario.cluster.control_plane;
        let detect =
            (seen + cp.node_monitor_grace_period).next_multiple_after(cp.node_monitor_period);
        let now = self.engine.now();
        if let Some(t) = self.state.nodes[n.idx()].lifecycle_timer.take() {
            self.engine.cancel(t);
        }
        let t = self
            .engine
            .schedule_at(detect.max(now), Event::NodeNotReady(n));
        self.state.nodes[n.idx()].lifecycle_timer = Some(t);
    }

    /// The machine runs again: its kubelet restarts the node's pods.
    fn machine_restarted(&mut self, n: NodeId) {
        let now = self.engine.now();
        self.state.nodes[n.idx()].up_since = now;
        let renew = self
            .scenario
            .cluster
            .control_plane
            .node_lease_renew_interval;
        // The kubelet renews its lease as it starts; renewals continue from here.
        self.state.nodes[n.idx()].lease_phase =
            SimDuration(now.as_millis() % renew.as_millis().max(1));
        for pod in self.state.node(n).pods.clone() {
            let p = self.state.pod(pod);
            if p.gone {
                continue;
            }
            if !p.is_active() {
                // Deleted pods do not start again; heartbeats_resumed
                // finishes them once the kubelet reaches the API.
                self.update_pod(pod, |p| p.phase = PodPhase::Bound);
                continue;
            }
            if p.started_at.is_some() && self.is_job_pod(pod) {
                // restartPolicy: Never: the container is not started again.
                self.job_pod_lost(pod);
                continue;
            }
            self.update_pod(pod, |p| p.phase = PodPhase::Bound);
            self.start_containers(pod, true);
        }
    }

    /// The kubelet reaches the control plane again (machine back, or a
    /// partition healed). `containers_survived`: the pods kept running.
    fn heartbeats_resumed(&mut self, n: NodeId, containers_survived: bool) {
        if self.state.node(n).ready {
            // Back before the control plane noticed: nothing to undo.
            if let Some(t) = self.state.nodes[n.idx()].lifecycle_timer.take() {
                self.engine.cancel(t);
            }
        } else {
            let now = self.engine.now();
            let period = self
                .scenario
                .cluster
                .control_plane
                .node_monitor_period
                .as_millis()
                .max(1);
            let at = SimTime(now.as_millis().div_ceil(period) * period);
            self.engine.schedule_at(at, Event::NodeReadyAgain(n));
        }
        // The kubelet now sees what it missed: bindings start, deletions
        // finish (dead containers at once, running ones after their grace).
        for pod in self.state.node(n).pods.clone() {
            let p = self.state.pod(pod);
            if p.gone {
                continue;
            }
            if p.is_active() {
                if p.phase == PodPhase::Bound && p.timer.is_none() {
                    self.start_containers(pod, true);
                }
                continue;
            }
            // Whatever the kubelet was doing for a deleted pod stops.
            self.cancel_pod_timers(pod);
            let p = self.state.pod(pod);
            let containers_survived = containers_survived && p.phase != PodPhase::Bound;
            let delay = if containers_survived {
                self.state.deployment(p.deployment).termination_grace
            } else {
                self.watch_latency()
            };
            let t = self.engine.schedule_in(delay, Event::PodTerminated(pod));
            self.state.pods[pod.idx()].timer = Some(t);
        }
    }

    pub(super) fn on_node_not_ready(&mut self, n: NodeId) {
        self.state.nodes[n.idx()].lifecycle_timer = None;
        if self.state.node(n).heartbeats() || !self.state.node(n).ready {
            return;
        }
        let now = self.engine.now();
        self.update_node(n, |node| {
            node.ready = false;
            node.not_ready_since = Some(now);
        });
        let name = self.state.node(n).name.clone();
        self.log(
            "node_not_ready",
            name,
            "lease expired; tainted unreachable".into(),
        );
        // MarkPodsNotReady: every pod on the node leaves the endpoints.
        for pod in self.state.node(n).pods.clone() {
            self.update_pod(pod, |p| p.marked_not_ready = true);
            let (rs, d) = (self.state.pod(pod).rs, self.state.pod(pod).deployment);
            self.enqueue_replica_set(rs);
            self.enqueue_deployment(d);
        }
        // The unreachable:NoExecute taint: the taint eviction controller
        // queues each pod's deletion after its toleration.
        self.process_node_taints(n);
    }

    pub(super) fn on_node_ready_again(&mut self, n: NodeId) {
        if !self.state.node(n).heartbeats() || self.state.node(n).ready {
            return;
        }
        if let Some(t) = self.state.nodes[n.idx()].lifecycle_timer.take() {
            self.engine.cancel(t);
        }
        self.update_node(n, |node| {
            node.ready = true;
            node.not_ready_since = None;
        });
        // The kubelet reports the pods that kept running as Ready again.
        for pod in self.state.node(n).pods.clone() {
            if self.state.pod(pod).phase == PodPhase::Ready && self.state.pod(pod).marked_not_ready
            {
                self.update_pod(pod, |p| p.marked_not_ready = false);
                let (rs, d) = (self.state.pod(pod).rs, self.state.pod(pod).deployment);
                self.enqueue_replica_set(rs);
                self.enqueue_deployment(d);
            }
        }
        let name = self.state.node(n).name.clone();
        self.log("node_ready", name, "lease renewed; taints removed".into());
        // Without the unreachable taint, queued evictions are cancelled
        // (unless a pool NoExecute taint keeps one queued).
        self.process_node_taints(n);
        self.cluster_changed();
    }

    /// The node's NoExecute taints as the taint eviction controller sees
    /// them: the pool's, then the control plane's.
    fn no_execute_taints(&self, n: NodeId) -> Vec<crate::scenario::Taint> {
        let node = self.state.node(n);
        node.taints
            .iter()
            .cloned()
            .chain(crate::scheduler::plugins::taint_toleration::control_plane_taints(node))
            .filter(|t| t.effect == crate::scenario::TaintEffect::NoExecute)
            .collect()
    }

    /// Upstream `handleNodeUpdate`: every pod on the node is processed
    /// against its NoExecute taints.
    fn process_node_taints(&mut self, n: NodeId) {
        let taints = self.no_execute_taints(n);
        for pod in self.state.node(n).pods.clone() {
            self.process_pod_taints(pod, &taints);
        }
        self.arm_node_eviction(n);
    }

    /// Upstream `processPodOnNode` for one pod with its admitted
    /// tolerations (its own plus the DefaultTolerationSeconds defaults).
    fn process_pod_taints(&mut self, pod: PodId, taints: &[crate::scenario::Taint]) {
        use crate::controllers::taint_eviction::{self as te, EvictionStep};
        let p = self.state.pod(pod);
        if !p.is_active() {
            return;
        }
        let defaults = self
            .scenario
            .cluster
            .control_plane
            .default_toleration_seconds;
        // Job pods' stand-in specs follow the workloads' (`pod_specs`).
        let own = &self.pod_specs[p.deployment.idx()].tolerations;
        let verdict = te::verdict(taints, &te::admitted(own, defaults));
        match te::process_pod_on_node(verdict, p.taint_eviction, self.engine.now()) {
            EvictionStep::DeleteNow => {
                self.state.pods[pod.idx()].taint_eviction = None;
                self.apply(Action::DeletePod {
                    pod,
                    reason: DeleteReason::TaintEviction,
                });
            }
            EvictionStep::Schedule(s) => self.state.pods[pod.idx()].taint_eviction = s,
        }
    }

    /// Keeps one timer per node, at the earliest queued eviction of its
    /// active pods.
    pub(super) fn arm_node_eviction(&mut self, n: NodeId) {
        let due = self
            .state
            .node(n)
            .pods
            .iter()
            .map(|p| self.state.pod(*p))
            .filter(|p| p.is_active())
            .filter_map(|p| p.taint_eviction.map(|s| s.due))
            .min();
        let current = self.state.node(n).eviction_timer;
        if current.map(|(_, at)| at) == due {
            return;
        }
        if let Some((t, _)) = current {
            self.engine.cancel(t);
        }
        self.state.nodes[n.idx()].eviction_timer =
            due.map(|at| (self.engine.schedule_at(at, Event::TaintEviction(n)), at));
    }

    pub(super) fn on_taint_eviction(&mut self, n: NodeId) {
        let now = self.engine.now();
        // A replay after a control-plane outage may come after the timer
        // was re-armed; only a timer that is due is consumed.
        if self
            .state
            .node(n)
            .eviction_timer
            .is_some_and(|(_, at)| at <= now)
        {
            self.state.nodes[n.idx()].eviction_timer = None;
        }
        for pod in self.state.node(n).pods.clone() {
            let p = self.state.pod(pod);
            if p.is_active() && p.taint_eviction.is_some_and(|s| s.due <= now) {
                self.state.pods[pod.idx()].taint_eviction = None;
                self.apply(Action::DeletePod {
                    pod,
                    reason: DeleteReason::TaintEviction,
                });
            }
        }
        self.arm_node_eviction(n);
    }

    /// Takes a set of nodes down by a scenario event for `duration`.
    pub(super) fn chaos_down(
        &mut self,
        nodes: Vec<NodeId>,
        durations: Vec<SimDuration>,
        cause: OutageCause,
    ) {
        for (n, d) in nodes.into_iter().zip(durations) {
            self.node_down(n, cause);
            self.engine
                .schedule_in(d, Event::NodeRepaired { node: n, cause });
        }
    }

    /// Resolves a node target to concrete live nodes.
    pub(super) fn resolve_target(&mut self, target: &NodeTarget) -> Vec<NodeId> {
        let live = |s: &Self, n: usize| !s.state.nodes[n].removed && s.state.nodes[n].is_up();
        match *target {
            NodeTarget::Node { pool, index } => {
                let name = format!("{}-{}", self.scenario.cluster.node_pools[pool].name, index);
                (0..self.state.nodes.len())
                    .filter(|&n| self.state.nodes[n].name == name && live(self, n))
                    .map(|n| NodeId(n as u32))
                    .collect()
            }
            NodeTarget::Zone(z) => (0..self.state.nodes.len())
                .filter(|&n| self.state.nodes[n].zone == z && !self.state.nodes[n].removed)
                .map(|n| NodeId(n as u32))
                .collect(),
            NodeTarget::Pool { pool, count } => {
                let mut cands: Vec<usize> = (0..self.state.nodes.len())
                    .filter(|&n| self.state.nodes[n].pool == pool && live(self, n))
                    .collect();
                let mut chosen = Vec::new();
                for _ in 0..count.min(cands.len() as u32) {
                    let i = self.rng_chaos.random_range(0..cands.len());
                    chosen.push(NodeId(cands.remove(i) as u32));
                }
                chosen.sort();
                chosen
            }
            NodeTarget::Hosting(w) => {
                let cands: Vec<usize> = (0..self.state.nodes.len())
                    .filter(|&n| {
                        live(self, n)
                            && self.state.nodes[n].pods.iter().any(|p| {
                                let pd = self.state.pod(*p);
                                pd.deployment.idx() == w && pd.is_active()
                            })
                    })
                    .collect();
                if cands.is_empty() {
                    return Vec::new();
                }
                let i = self.rng_chaos.random_range(0..cands.len());
                vec![NodeId(cands[i] as u32)]
            }
        }
    }
}
