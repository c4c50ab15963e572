//! Scenario timeline events, rollout tracking and periodic samples.

use super::disruption::DrainPurpose;
use super::result::RolloutTracker;
use super::{Event, OutageCause, Sample, Simulation};
use crate::controllers::deployment_algo;
use crate::engine::SimDuration;
use crate::model::{DeploymentId, PodTemplate};
use crate::scenario::EventAction;

/// Down time of a `node_failure` without `duration` and without a pool mttr.
const DEFAULT_NODE_FAILURE_DURATION: SimDuration = SimDuration::from_secs(3600);

impl Simulation {
    pub(super) fn on_timeline(&mut self, i: usize) {
        let action = self.scenario.events[i].action.clone();
        // Each timeline event draws its targets and durations from its own
        // stream, so one event's draws never shift another's.
        self.rng_chaos = self.streams.stream(&format!("event/{i}"));
        match action {
            EventAction::Scale { workload, replicas } => {
                let d = DeploymentId(workload as u32);
                self.state.deployments[workload].replicas = replicas;
                let now = self.engine.now();
                let follows = self.scenario.workloads[workload].slo_follows_replicas;
                let m = &mut self.workload_metrics[workload];
                m.advance(now);
                m.desired = replicas;
                if follows {
                    m.slo_min_ready = replicas;
                }
                m.after_change();
                let name = self.state.deployment(d).name.clone();
                self.log("scale", name, format!("replicas {replicas}"));
                self.enqueue_deployment(d);
            }
            EventAction::Rollout {
                workload,
                startup_time,
                cpu,
                memory,
                crash_probability,
            } => {
                let d = DeploymentId(workload as u32);
                let dep = &mut self.state.deployments[workload];
                let old = dep.template.clone();
                dep.template = PodTemplate {
                    cpu: cpu.unwrap_or(old.cpu),
                    memory: memory.unwrap_or(old.memory),
                    startup_time: startup_time.unwrap_or(old.startup_time),
                    crash_probability,
                };
                dep.revision += 1;
                let (name, rev) = (dep.name.clone(), dep.revision);
                let now = self.engine.now();
                // A rollout that starts before the previous one completed
                // supersedes it, as a new template does in Kubernetes.
                let reason = self.progressing_reason(d);
                for r in self
                    .rollouts
                    .iter_mut()
                    .filter(|r| r.deployment == d && r.end.is_none())
                {
                    r.superseded = true;
                    r.end = Some(now);
                    r.reason = Some(reason);
                }
                let active = self.workload_metrics[workload].active_pods;
                let available = self.available(d);
                self.rollouts.push(RolloutTracker {
                    deployment: d,
                    revision: rev,
                    start: now,
                    end: None,
                    superseded: false,
                    max_total_pods: active,
                    min_available: available,
                    deadline_exceeded: None,
                    reason: None,
                });
                self.log("rollout_started", name, format!("revision {rev}"));
                self.enqueue_deployment(d);
            }
            EventAction::ZoneOutage { zone, duration } => {
                let d = duration.sample(&mut self.rng_chaos);
                let nodes = self.resolve_target(&crate::scenario::NodeTarget::Zone(zone));
                let zname = self.scenario.cluster.zones[zone].clone();
                self.log(
                    "zone_outage",
                    zname,
                    format!("{} nodes for {d}", nodes.len()),
                );
                let durations = vec![d; nodes.len()];
                self.chaos_down(nodes, durations, OutageCause::Chaos);
            }
            EventAction::NodeFailure { target, duration } => {
                let nodes = self.resolve_target(&target);
                let mut durations = Vec::with_capacity(nodes.len());
                for n in &nodes {
                    let pool = self.state.node(*n).pool;
                    let d = match (&duration, &self.scenario.cluster.node_pools[pool].failure) {
                        (Some(d), _) => d.sample(&mut self.rng_chaos),
                        (None, Some(f)) => f.mttr.sample(&mut self.rng_chaos),
                        (None, None) => DEFAULT_NODE_FAILURE_DURATION,
                    };
                    durations.push(d);
                }
                if nodes.is_empty() {
                    self.log(
                        "node_failure_skipped",
                        String::new(),
                        "no live node matched".into(),
                    );
                }
                self.chaos_down(nodes, durations, OutageCause::Chaos);
            }
            EventAction::NodePoolUpgrade {
                pool,
                max_surge,
                provision_time,
                node_upgrade_time,
            } => self.start_upgrade(pool, max_surge, provision_time, node_upgrade_time),
            EventAction::Drain {
                target,
                uncordon_after,
            } => {
                let nodes = self.resolve_target(&target);
                if nodes.is_empty() {
                    self.log(
                        "drain_skipped",
                        String::new(),
                        "no live node matched".into(),
                    );
                }
                for n in nodes {
                    self.start_drain(n, DrainPurpose::Manual, uncordon_after);
                }
            }
            EventAction::Partition { target, duration } => {
                let nodes = self.resolve_target(&target);
                let durations = nodes
                    .iter()
                    .map(|_| duration.sample(&mut self.rng_chaos))
                    .collect();
                self.partition(nodes, durations);
            }
            EventAction::ControlPlaneOutage { duration } => {
                let d = duration.sample(&mut self.rng_chaos);
                self.control_plane_outages += 1;
                self.log("control_plane_outage", String::new(), format!("for {d}"));
                self.engine.schedule_in(d, Event::ControlPlaneRestored);
            }
        }
    }

    /// Available pods of a deployment (Kubernetes' view, minReadySeconds
    /// included).
    pub(super) fn available(&self, d: DeploymentId) -> u32 {
        let now = self.engine.now();
        self.state
            .deployment(d)
            .replica_sets
            .iter()
            .map(|rs| self.state.rs_available(*rs, now))
            .sum()
    }

    /// Called whenever the number of non-terminating pods of `d` changes.
    pub(super) fn on_active_pods_changed(&mut self, d: DeploymentId, active: u32) {
        for r in self
            .rollouts
            .iter_mut()
            .filter(|r| r.deployment == d && r.end.is_none())
        {
            r.max_total_pods = r.max_total_pods.max(active);
        }
    }

    /// After each deployment sync: update the open rollouts of `d` and check
    /// the rolling-update bound on the replica sets' total size.
    pub(super) fn track_rollouts(&mut self, d: DeploymentId) {
        let dep = self.state.deployment(d);
        let surge = deployment_algo::max_surge(dep.strategy, dep.replicas);
        let total_spec: u32 = dep
            .replica_sets
            .iter()
            .map(|rs| self.state.rs(*rs).replicas)
            .sum();
        if total_spec > dep.replicas + surge {
            let msg = format!(
                "deployment {}: replica sets sum to {total_spec} > replicas {} + maxSurge {surge}",
                dep.name, dep.replicas
            );
            self.violation(msg);
        }
        if !self
            .rollouts
            .iter()
            .any(|r| r.deployment == d && r.end.is_none())
        {
            return;
        }
        let available = self.available(d);
        let now = self.engine.now();
        let dep = self.state.deployment(d);
        let new_rs = dep
            .replica_sets
            .iter()
            .copied()
            .find(|rs| self.state.rs(*rs).revision == dep.revision);
        let active_total: u32 = dep
            .replica_sets
            .iter()
            .map(|rs| self.state.rs_status_replicas(*rs))
            .sum();
        let updated = new_rs.map_or(0, |rs| self.state.rs_status_replicas(rs));
        let status = deployment_algo::DeploymentStatusView {
            replicas: active_total,
            updated,
            ready: available,
            available,
        };
        // Generations are always observed: decisions apply synchronously.
        let complete = deployment_algo::deployment_complete(dep.replicas, &status, 0, 0);
        let name = dep.name.clone();
        let reason = self.progressing_reason(d);
        let mut done = None;
        for r in self
            .rollouts
            .iter_mut()
            .filter(|r| r.deployment == d && r.end.is_none())
        {
            r.min_available = r.min_available.min(available);
            if complete {
                r.end = Some(now);
                r.reason = Some(reason);
                done = Some((r.revision, now.since(r.start)));
            }
        }
        if let Some((rev, took)) = done {
            self.log(
                "rollout_completed",
                name,
                format!("revision {rev} in {took}"),
            );
        }
    }

    pub(super) fn on_sample(&mut self) {
        let now = self.engine.now();
        let since_last = self
            .last_sample_ms
            .map_or(0.0, |t| (now.as_millis() - t) as f64 / 1000.0);
        self.last_sample_ms = Some(now.as_millis());
        self.advance_all_traffic(now);
        let traffic = self.traffic_sample(since_last);
        let workloads = self
            .workload_metrics
            .iter()
            .map(|m| (m.desired, m.endpoints, m.serving))
            .collect();
        let cm = &self.cluster_metrics;
        self.samples.push(Sample {
            time_ms: now.as_millis(),
            workloads,
            ready_nodes: cm.ready_nodes,
            pending_pods: cm.pending_pods,
            cpu_allocation: cm.cpu_allocation_now(),
            memory_allocation: cm.memory_allocation_now(),
            cpu_usage: cm.cpu_usage_now(),
            traffic,
            jobs: self.jobs_sample(),
        });
        let next = now + self.scenario.sample_interval;
        if next <= self.end {
            self.engine.schedule_at(next, Event::Sample);
        }
    }
}
