//! Time-weighted metrics, integrated exactly between state changes.
//!
//! Each counter keeps the time of its last change; when it changes, the
//! elapsed interval is credited at the old value. Nothing is sampled, so a
//! one-second dip between two samples still counts in full. Sampled rows
//! (timeseries.csv) are a separate, purely descriptive output.

use crate::engine::SimTime;
use crate::traffic::LatencyHistogram;
use serde::Serialize;

/// Availability accounting for one workload.
#[derive(Clone, Debug)]
pub struct WorkloadMetrics {
    last: SimTime,
    /// Pods actually serving: API-ready and on a running node.
    pub serving: u32,
    /// Pods listed as ready endpoints (Kubernetes' own, lagging view).
    pub endpoints: u32,
    /// Non-terminating pods (what maxSurge bounds).
    pub active_pods: u32,
    /// Desired replicas (Deployment spec).
    pub desired: u32,
    /// `slo.min_ready`.
    pub slo_min_ready: u32,
    ms_any_serving: u64,
    ms_slo_ok: u64,
    ms_stale_endpoints: u64,
    serving_ms: u128,
    endpoints_ms: u128,
    min_serving: u32,
    incidents: u32,
    below: bool,
    incident_start: SimTime,
    longest_incident_ms: u64,
    /// `slo.target` as a fraction, for the error budget.
    pub slo_target: Option<f64>,
    replicas_min: u32,
    replicas_max: u32,
    active_ms: u128,
    ms_no_active: u64,
}

impl WorkloadMetrics {
    /// Starts accounting at time zero with nothing serving.
    pub fn new(desired: u32, slo_min_ready: u32) -> Self {
        WorkloadMetrics {
            last: SimTime::ZERO,
            serving: 0,
            endpoints: 0,
            active_pods: 0,
            desired,
            slo_min_ready,
            ms_any_serving: 0,
            ms_slo_ok: 0,
            ms_stale_endpoints: 0,
            serving_ms: 0,
            endpoints_ms: 0,
            min_serving: u32::MAX,
            incidents: 0,
            below: false,
            incident_start: SimTime::ZERO,
            longest_incident_ms: 0,
            slo_target: None,
            replicas_min: desired,
            replicas_max: desired,
            active_ms: 0,
            ms_no_active: 0,
        }
    }

    /// Integral of non-terminating pods over time (pod-ms) and the time
    /// with none (ms), up to the last `advance`.
    pub fn active_pods_integrals(&self) -> (u128, u64) {
        (self.active_ms, self.ms_no_active)
    }

    /// Credits the interval since the last change at the current values.
    pub fn advance(&mut self, now: SimTime) {
        let dt = now.since(self.last).as_millis();
        if dt > 0 {
            if self.serving >= 1 {
                self.ms_any_serving += dt;
            }
            if self.serving >= self.slo_min_ready {
                self.ms_slo_ok += dt;
            }
            if self.endpoints > self.serving {
                self.ms_stale_endpoints += dt;
            }
            self.serving_ms += u128::from(self.serving) * u128::from(dt);
            self.active_ms += u128::from(self.active_pods) * u128::from(dt);
            if self.active_pods == 0 {
                self.ms_no_active += dt;
            }
            self.endpoints_ms += u128::from(self.endpoints) * u128::from(dt);
            self.min_serving = self.min_serving.min(self.serving);
        }
        self.last = now;
    }

    /// Call after the counters changed at `now` (after `advance(now)`):
    /// opens an incident on a drop below the SLO.
    pub fn after_change(&mut self) {
        let below = self.serving < self.slo_min_ready;
        if below && !self.below {
            self.incidents += 1;
            self.incident_start = self.last;
        } else if !below && self.below {
            let len = self.last.since(self.incident_start).as_millis();
            self.longest_incident_ms = self.longest_incident_ms.max(len);
        }
        self.below = below;
        self.replicas_min = self.replicas_min.min(self.desired);
        self.replicas_max = self.replicas_max.max(self.desired);
    }

    /// Marks the end of the warm start: the instant state at time zero
    /// counts as the baseline, not as an incident.
    pub fn reset_incidents(&mut self) {
        self.incidents = u32::from(self.serving < self.slo_min_ready);
        self.below = self.serving < self.slo_min_ready;
    }

    /// Final figures over `[0, end]`.
    pub fn summary(&mut self, end: SimTime) -> WorkloadSummary {
        self.advance(end);
        if self.below {
            // An incident still open at the end counts up to the end.
            let len = end.since(self.incident_start).as_millis();
            self.longest_incident_ms = self.longest_incident_ms.max(len);
        }
        let total = end.as_millis().max(1) as f64;
        let frac = |ms: u64| (ms as f64 / total).clamp(0.0, 1.0);
        let below_ms = end.as_millis() - self.ms_slo_ok.min(end.as_millis());
        let availability = frac(self.ms_any_serving);
        let attainment = frac(self.ms_slo_ok);
        let incidents = f64::from(self.incidents);
        WorkloadSummary {
            service_availability: availability,
            slo_attainment: attainment,
            availability_nines: nines(availability, total),
            slo_nines: nines(attainment, total),
            mttr_s: if self.incidents == 0 {
                0.0
            } else {
                below_ms as f64 / 1000.0 / incidents
            },
            mtbf_s: (total - below_ms as f64) / 1000.0 / incidents.max(1.0),
            longest_incident_s: self.longest_incident_ms as f64 / 1000.0,
            error_budget_consumed: self
                .slo_target
                .map(|t| below_ms as f64 / ((1.0 - t) * total)),
            request_success_ratio: 1.0,
            downtime_s: below_ms as f64 / 1000.0,
            incidents: self.incidents,
            mean_ready: self.serving_ms as f64 / total,
            min_ready: if self.min_serving == u32::MAX {
                self.serving
            } else {
                self.min_serving
            },
            mean_endpoints: self.endpoints_ms as f64 / total,
            stale_endpoint_s: self.ms_stale_endpoints as f64 / 1000.0,
            replicas_min: self.replicas_min,
            replicas_max: self.replicas_max,
            replicas_final: self.desired,
            requests_offered: 0.0,
            requests_served: 0.0,
            pod_utilization_mean: None,
            pod_utilization_max: None,
            latency_mean_ms: None,
            latency_p50_ms: None,
            latency_p99_ms: None,
            requests_in_flight_mean: None,
            scale_to_zero: None,
        }
    }
}

/// The per-workload block of summary.json.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct WorkloadSummary {
    /// Fraction of time with at least one pod serving.
    pub service_availability: f64,
    /// Fraction of time with serving pods >= `slo.min_ready`.
    pub slo_attainment: f64,
    /// `-log10(1 - service_availability)`; with no downtime at all, the
    /// resolution limit `log10(duration in ms)` (read it as "at least").
    pub availability_nines: f64,
    /// The same for `slo_attainment`.
    pub slo_nines: f64,
    /// Mean incident length (time below `slo.min_ready`), seconds; 0 without
    /// incidents.
    pub mttr_s: f64,
    /// Mean time between incidents: time at or above the SLO divided by the
    /// number of incidents (the whole run when there was none), seconds.
    pub mtbf_s: f64,
    /// Longest incident, seconds.
    pub longest_incident_s: f64,
    /// Downtime / error budget, where the budget is `(1 - slo.target) *
    /// duration`; above 1 means the SLO was missed. Only with `slo.target`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_budget_consumed: Option<f64>,
    /// Served / offered requests (1.0 without traffic).
    pub request_success_ratio: f64,
    /// Time below `slo.min_ready`, seconds.
    pub downtime_s: f64,
    /// Number of intervals below `slo.min_ready`.
    pub incidents: u32,
    /// Time-average of serving pods.
    pub mean_ready: f64,
    /// Minimum serving pods.
    pub min_ready: u32,
    /// Time-average of pods listed as ready endpoints (Kubernetes' view).
    pub mean_endpoints: f64,
    /// Time during which endpoints listed pods that were not serving
    /// (requests routed to them would fail), seconds.
    pub stale_endpoint_s: f64,
    /// Minimum desired replicas.
    pub replicas_min: u32,
    /// Maximum desired replicas.
    pub replicas_max: u32,
    /// Desired replicas at the end.
    pub replicas_final: u32,
    /// Requests offered (0 without traffic; fractional in fluid mode).
    pub requests_offered: f64,
    /// Requests served successfully.
    pub requests_served: f64,
    /// Time-average utilization of the pods that serve through the
    /// endpoints: served load / capacity (fluid), busy slots / concurrency
    /// (requests). Only with traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_utilization_mean: Option<f64>,
    /// The highest time-average utilization of one pod, over the pods that
    /// served for at least a minute. Only with traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_utilization_max: Option<f64>,
    /// Mean latency (arrival to completion) of successful requests, ms.
    /// Requests mode only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_mean_ms: Option<f64>,
    /// Median latency of successful requests, ms. Requests mode only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p50_ms: Option<f64>,
    /// 99th percentile latency of successful requests, ms. Requests mode only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p99_ms: Option<f64>,
    /// Time-average number of requests queued or in service (Little's L).
    /// Requests mode only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests_in_flight_mean: Option<f64>,
    /// Scale-to-zero figures (workloads with `scale_to_zero` only).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub scale_to_zero: Option<ScaleToZeroSummary>,
}

/// The scale-to-zero keys of a workload in summary.json.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct ScaleToZeroSummary {
    /// `kpa` or `per_request`.
    pub policy: &'static str,
    /// Requests that arrived.
    pub requests: u64,
    /// Requests that found no instance ready to serve them and waited.
    pub cold_starts: u64,
    /// `cold_starts / requests` (0 without requests).
    pub cold_start_ratio: f64,
    /// Time-average of instances (non-terminating pods, idle or busy).
    pub instances_mean: f64,
    /// Time-average of requests in service (per_request: busy instances).
    pub concurrency_mean: f64,
    /// Mean wait for an instance over all requests, ms (started ones).
    pub added_latency_mean_ms: f64,
    /// Mean wait of the requests that cold-started, ms.
    pub cold_start_latency_mean_ms: f64,
    /// Longest wait, ms.
    pub added_latency_max_ms: f64,
    /// Time with no instance, seconds.
    pub time_at_zero_s: f64,
    /// Times the workload went to zero replicas.
    pub scaled_to_zero: u64,
}

/// Cluster-wide accounting.
#[derive(Clone, Debug, Default)]
pub struct ClusterMetrics {
    last: SimTime,
    /// Allocatable CPU of ready, running nodes (millicores).
    pub ready_cpu: u64,
    /// Allocatable memory of ready, running nodes (bytes).
    pub ready_memory: u64,
    /// CPU requested by pods on ready, running nodes (millicores).
    pub requested_cpu: u64,
    /// Memory requested by pods on ready, running nodes (bytes).
    pub requested_memory: u64,
    /// CPU in use (millicores) that stays constant between events; zero
    /// without traffic.
    pub used_cpu: u64,
    /// CPU in use by traffic at the current instant (millicores); it varies
    /// continuously, so its integral is credited by [`Self::credit_cpu_usage`].
    pub traffic_cpu: f64,
    /// Nodes that exist (up or down): what a cloud bills.
    pub nodes: u32,
    /// Nodes that are up and Ready.
    pub ready_nodes: u32,
    /// Pods not bound to a node.
    pub pending_pods: u32,
    cpu_alloc_ms: f64,
    mem_alloc_ms: f64,
    cpu_usage_ms: f64,
    node_ms: u128,
    pending_ms: u128,
    /// Nodes that exist, per pool.
    pool_nodes: Vec<u32>,
    pool_nodes_max: Vec<u32>,
    pool_node_ms: Vec<u128>,
}

impl ClusterMetrics {
    /// Credits the interval since the last change at the current values.
    pub fn advance(&mut self, now: SimTime) {
        let dt = now.since(self.last).as_millis();
        if dt > 0 {
            let dtf = dt as f64;
            if self.ready_cpu > 0 {
                self.cpu_alloc_ms +=
                    dtf * (self.requested_cpu as f64 / self.ready_cpu as f64).min(1.0);
                self.cpu_usage_ms += dtf * (self.used_cpu as f64 / self.ready_cpu as f64).min(1.0);
            }
            if self.ready_memory > 0 {
                self.mem_alloc_ms +=
                    dtf * (self.requested_memory as f64 / self.ready_memory as f64).min(1.0);
            }
            self.node_ms += u128::from(self.nodes) * u128::from(dt);
            self.pending_ms += u128::from(self.pending_pods) * u128::from(dt);
            for (ms, n) in self.pool_node_ms.iter_mut().zip(&self.pool_nodes) {
                *ms += u128::from(*n) * u128::from(dt);
            }
        }
        self.last = now;
    }

    /// Credits `millicore_ms` of CPU used since the last event, during which
    /// the ready capacity did not change (traffic integrates its own usage
    /// exactly and hands the integral over here).
    pub fn credit_cpu_usage(&mut self, millicore_ms: f64) {
        if self.ready_cpu > 0 && millicore_ms > 0.0 {
            self.cpu_usage_ms += millicore_ms / self.ready_cpu as f64;
        }
    }

    /// A node of `pool` now exists (call after `advance`).
    pub fn pool_node_added(&mut self, pool: usize) {
        if self.pool_nodes.len() <= pool {
            self.pool_nodes.resize(pool + 1, 0);
            self.pool_nodes_max.resize(pool + 1, 0);
            self.pool_node_ms.resize(pool + 1, 0);
        }
        self.pool_nodes[pool] += 1;
        self.pool_nodes_max[pool] = self.pool_nodes_max[pool].max(self.pool_nodes[pool]);
    }

    /// A node of `pool` was deleted (call after `advance`).
    pub fn pool_node_removed(&mut self, pool: usize) {
        self.pool_nodes[pool] -= 1;
    }

    /// Node-hours per pool index, so far.
    pub fn pool_node_hours(&self) -> Vec<f64> {
        self.pool_node_ms
            .iter()
            .map(|&ms| ms as f64 / 3_600_000.0)
            .collect()
    }

    /// Most nodes each pool had at once.
    pub fn pool_nodes_max(&self) -> &[u32] {
        &self.pool_nodes_max
    }

    /// Current CPU allocation ratio (for samples).
    pub fn cpu_allocation_now(&self) -> f64 {
        ratio(self.requested_cpu, self.ready_cpu)
    }
    /// Current memory allocation ratio (for samples).
    pub fn memory_allocation_now(&self) -> f64 {
        ratio(self.requested_memory, self.ready_memory)
    }
    /// Current CPU usage ratio (for samples).
    pub fn cpu_usage_now(&self) -> f64 {
        if self.ready_cpu == 0 {
            return 0.0;
        }
        ((self.used_cpu as f64 + self.traffic_cpu) / self.ready_cpu as f64).min(1.0)
    }

    /// Final figures over `[0, end]`.
    pub fn summary(&mut self, end: SimTime) -> ClusterSummary {
        self.advance(end);
        let total = end.as_millis().max(1) as f64;
        ClusterSummary {
            cpu_allocation: (self.cpu_alloc_ms / total).clamp(0.0, 1.0),
            memory_allocation: (self.mem_alloc_ms / total).clamp(0.0, 1.0),
            cpu_usage: (self.cpu_usage_ms / total).clamp(0.0, 1.0),
            node_hours: self.node_ms as f64 / 3_600_000.0,
            pending_pod_seconds: self.pending_ms as f64 / 1000.0,
            cost: 0.0,
            node_pools: std::collections::BTreeMap::new(),
        }
    }
}

/// Nines of a fraction; perfect runs report the resolution limit.
fn nines(a: f64, total_ms: f64) -> f64 {
    let miss = 1.0 - a;
    if miss <= 1.0 / total_ms {
        total_ms.log10()
    } else {
        -miss.log10()
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        (a as f64 / b as f64).min(1.0)
    }
}

/// The `cluster` block of summary.json.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct ClusterSummary {
    /// Time-average of requested / allocatable CPU on ready nodes.
    pub cpu_allocation: f64,
    /// Time-average of requested / allocatable memory on ready nodes.
    pub memory_allocation: f64,
    /// Time-average of used / allocatable CPU on ready nodes.
    pub cpu_usage: f64,
    /// Node-hours of nodes that existed (up or down).
    pub node_hours: f64,
    /// Integral of unbound pods over time, pod-seconds.
    pub pending_pod_seconds: f64,
    /// Node hours times each pool's `cost_per_hour`, summed.
    pub cost: f64,
    /// Per pool, by name.
    pub node_pools: std::collections::BTreeMap<String, PoolSummary>,
}

/// One pool in `cluster.node_pools` of summary.json.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PoolSummary {
    /// Node-hours of the pool's nodes that existed (up or down).
    pub node_hours: f64,
    /// `node_hours * cost_per_hour`.
    pub cost: f64,
    /// Nodes at the end.
    pub nodes_final: u32,
    /// Most nodes at once.
    pub nodes_max: u32,
    /// Nodes the cluster autoscaler requested.
    pub scale_up_nodes: u32,
    /// Nodes the cluster autoscaler deleted.
    pub scale_down_nodes: u32,
}

/// Batch accounting for one job class (or for all of them): counts,
/// time-weighted pending and running pods, and the distributions of pod
/// pending time, Job completion time and slowdown.
///
/// The distributions are [`LatencyHistogram`]s: exact to the millisecond
/// below 65.536 s, within a relative 2^-15 (0.003 %) above, so memory stays
/// bounded however many Jobs finish. Slowdowns are kept in thousandths.
#[derive(Clone, Debug, Default)]
pub struct JobMetrics {
    last: SimTime,
    /// Pods not yet bound to a node.
    pub pending_pods: u32,
    /// Pods whose containers run on a running machine.
    pub running_pods: u32,
    pending_ms: u128,
    running_ms: u128,
    running_max: u32,
    /// Jobs created.
    pub jobs_arrived: u64,
    /// Jobs complete.
    pub jobs_completed: u64,
    /// Jobs failed (`BackoffLimitExceeded`).
    pub jobs_failed: u64,
    /// Pods created.
    pub pods_created: u64,
    /// Pods that succeeded.
    pub pods_succeeded: u64,
    /// Pods that failed: their run failed, they were deleted (preemption,
    /// eviction, a failed Job's remaining pods) or lost with their node.
    pub pods_failed: u64,
    pending_time: LatencyHistogram,
    completion_time: LatencyHistogram,
    slowdown_milli: LatencyHistogram,
}

impl JobMetrics {
    /// Credits the interval since the last change at the current counts.
    pub fn advance(&mut self, now: SimTime) {
        let dt = u128::from(now.since(self.last).as_millis());
        self.pending_ms += u128::from(self.pending_pods) * dt;
        self.running_ms += u128::from(self.running_pods) * dt;
        self.running_max = self.running_max.max(self.running_pods);
        self.last = now;
    }

    /// A pod was bound `ms` after its creation.
    pub fn record_pending(&mut self, ms: u64) {
        self.pending_time.record(ms);
    }

    /// A Job completed `ms` after it arrived; `ideal_ms` is its ideal
    /// duration (none when its pods ran for no time at all).
    pub fn record_completion(&mut self, ms: u64, ideal_ms: u64) {
        self.jobs_completed += 1;
        self.completion_time.record(ms);
        if ideal_ms > 0 {
            let milli = (ms as f64 * 1000.0 / ideal_ms as f64).round() as u64;
            self.slowdown_milli.record(milli);
        }
    }

    /// Final figures over `[0, end]`.
    pub fn summary(&mut self, end: SimTime) -> JobClassSummary {
        self.advance(end);
        let total = end.as_millis().max(1) as f64;
        let secs = |h: &LatencyHistogram, p: Option<f64>| {
            let v = match p {
                None => h.mean_ms(),
                Some(p) => h.percentile_ms(p),
            };
            v.unwrap_or(0.0) / 1000.0
        };
        JobClassSummary {
            jobs_arrived: self.jobs_arrived,
            jobs_completed: self.jobs_completed,
            jobs_failed: self.jobs_failed,
            jobs_unfinished: self.jobs_arrived - self.jobs_completed - self.jobs_failed,
            pods_created: self.pods_created,
            pods_succeeded: self.pods_succeeded,
            pods_failed: self.pods_failed,
            pending_time_mean_s: secs(&self.pending_time, None),
            pending_time_p50_s: secs(&self.pending_time, Some(50.0)),
            pending_time_p99_s: secs(&self.pending_time, Some(99.0)),
            completion_time_mean_s: secs(&self.completion_time, None),
            completion_time_p50_s: secs(&self.completion_time, Some(50.0)),
            completion_time_p99_s: secs(&self.completion_time, Some(99.0)),
            slowdown_mean: secs(&self.slowdown_milli, None),
            slowdown_p50: secs(&self.slowdown_milli, Some(50.0)),
            slowdown_p99: secs(&self.slowdown_milli, Some(99.0)),
            pending_pods_mean: self.pending_ms as f64 / total,
            running_pods_mean: self.running_ms as f64 / total,
            running_pods_max: self.running_max,
        }
    }
}

/// One job class (or all of them) in the `jobs` block of summary.json.
/// Times and slowdowns are 0 when nothing was measured.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct JobClassSummary {
    /// Jobs created.
    pub jobs_arrived: u64,
    /// Jobs complete by the end.
    pub jobs_completed: u64,
    /// Jobs failed (`BackoffLimitExceeded`).
    pub jobs_failed: u64,
    /// Jobs neither complete nor failed at the end.
    pub jobs_unfinished: u64,
    /// Pods created.
    pub pods_created: u64,
    /// Pods that succeeded.
    pub pods_succeeded: u64,
    /// Pods that failed or were deleted or lost before finishing.
    pub pods_failed: u64,
    /// Mean time from a pod's creation to its binding, over bound pods, s.
    pub pending_time_mean_s: f64,
    /// Median pending time, s (nearest rank).
    pub pending_time_p50_s: f64,
    /// 99th percentile pending time, s.
    pub pending_time_p99_s: f64,
    /// Mean time from a Job's arrival to its completion, over completed
    /// Jobs, s.
    pub completion_time_mean_s: f64,
    /// Median completion time, s.
    pub completion_time_p50_s: f64,
    /// 99th percentile completion time, s.
    pub completion_time_p99_s: f64,
    /// Mean slowdown: completion time / ideal duration (README, `jobs`).
    pub slowdown_mean: f64,
    /// Median slowdown.
    pub slowdown_p50: f64,
    /// 99th percentile slowdown.
    pub slowdown_p99: f64,
    /// Time-average of pending (unbound) pods.
    pub pending_pods_mean: f64,
    /// Time-average of running pods.
    pub running_pods_mean: f64,
    /// Most running pods at once.
    pub running_pods_max: u32,
}

/// The `jobs` block of summary.json (present when the scenario has `jobs`).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct JobsSummary {
    /// Every class together.
    pub total: JobClassSummary,
    /// Per class, by name.
    pub classes: std::collections::BTreeMap<String, JobClassSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_metrics_integrate_exactly() {
        // 3 desired, SLO 2. Timeline (seconds):
        //   0-10 serving 3, 10-12 serving 1, 12-15 serving 0, 15-20 serving 3.
        // any-serving: 10 + 2 + 5 = 17 of 20 -> 0.85
        // slo (>=2):   10 + 5     = 15 of 20 -> 0.75, downtime 5 s, 1 incident
        // mean: (3*10 + 1*2 + 0*3 + 3*5)/20 = 47/20 = 2.35
        let mut m = WorkloadMetrics::new(3, 2);
        let set = |m: &mut WorkloadMetrics, t: u64, s: u32| {
            m.advance(SimTime(t * 1000));
            m.serving = s;
            m.endpoints = s;
            m.after_change();
        };
        set(&mut m, 0, 3);
        m.reset_incidents();
        set(&mut m, 10, 1);
        set(&mut m, 12, 0);
        set(&mut m, 15, 3);
        let s = m.summary(SimTime(20_000));
        assert_eq!(s.service_availability, 0.85);
        assert_eq!(s.slo_attainment, 0.75);
        assert_eq!(s.downtime_s, 5.0);
        assert_eq!(s.incidents, 1);
        assert!((s.mean_ready - 2.35).abs() < 1e-12);
        assert_eq!(s.min_ready, 0);
        // One incident of 5 s (10 s to 15 s): mttr 5, mtbf 15/1, longest 5.
        assert_eq!(s.mttr_s, 5.0);
        assert_eq!(s.mtbf_s, 15.0);
        assert_eq!(s.longest_incident_s, 5.0);
        assert!((s.slo_nines - (-(0.25f64).log10())).abs() < 1e-12);
    }
}
