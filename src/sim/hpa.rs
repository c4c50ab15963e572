//! The metrics pipeline and the HorizontalPodAutoscaler controller.
//!
//! **metrics-server.** Every [`METRIC_RESOLUTION`] (15 s, metrics-server's
//! `--metric-resolution` default) it scrapes every kubelet that reaches
//! the control plane. For each pod whose containers run (started, not
//! crashed, node up), the kubelet reports the cumulative CPU counter; the
//! pod's sample is the rate between this scrape and the previous one
//! (`usage = Δcpu / Δt`, `timestamp` = this scrape, `window` = `Δt`, 15 s
//! in steady state), as metrics-server computes it from two cumulative
//! points. A pod seen for the first time (new, or back after its node or
//! container was down) has no sample until its second scrape; a pod not
//! scraped loses its sample. The value is rounded to whole nanocores and
//! read by the HPA as `MilliValue()`, which rounds up. kubesim's counters
//! are exact (no cAdvisor housekeeping delay).
//!
//! **HPA.** Each HPA syncs every 15 s
//! (`--horizontal-pod-autoscaler-sync-period`); its first sync comes at a
//! random phase in the first period (stream `hpa/<workload>`), the first
//! scrape likewise (stream `metrics-server`). A sync reads the target's
//! `spec.replicas` and every pod of the workload (all revisions), classifies
//! them from their real state (phase, `startTime`, the Ready condition and
//! its `lastTransitionTime`, the sample's timestamp and window) and runs
//! [`hpa_algo::ReplicaCalculator::resource_replicas`] and
//! [`hpa_algo::reconcile`] with a per-HPA [`HpaState`]. A rescale writes the
//! Deployment's replicas; the deployment controller does the rest.

use super::Simulation;
use super::events::Event;
use crate::controllers::hpa_algo::{
    self, ConditionStatus, HpaControllerConfig, HpaPodView, HpaSpecView, HpaState, MetricSample,
    PodPhase as HpaPhase, ReadyCondition, ResourceName,
};
use crate::engine::{SimDuration, SimTime};
use crate::model::{DeploymentId, PodId, PodPhase};
use crate::scenario::Scenario;
use rand::RngExt;

/// metrics-server `--metric-resolution` (default 15 s).
pub const METRIC_RESOLUTION: SimDuration = SimDuration::from_secs(15);

/// One HPA and the controller's memory of it.
struct HpaRuntime {
    workload: usize,
    spec: HpaSpecView,
    target_percent: i32,
    state: HpaState,
}

/// Every HPA of the scenario.
pub(super) struct HpaControllers {
    hpas: Vec<HpaRuntime>,
    /// By workload: its HPA's index.
    by_workload: Vec<Option<usize>>,
    config: HpaControllerConfig,
    /// Reused buffers: a scrape or a sync visits every pod of a workload
    /// every 15 s, so it must not allocate.
    scratch_pods: Vec<PodId>,
    scratch_views: Vec<HpaPodView>,
}

impl HpaControllers {
    pub(super) fn new(sc: &Scenario) -> HpaControllers {
        let mut hpas = Vec::new();
        let mut by_workload = vec![None; sc.workloads.len()];
        for (i, w) in sc.workloads.iter().enumerate() {
            if let Some(h) = &w.hpa {
                by_workload[i] = Some(hpas.len());
                hpas.push(HpaRuntime {
                    workload: i,
                    spec: HpaSpecView {
                        min_replicas: h.min,
                        max_replicas: h.max,
                        behavior: h.behavior.clone(),
                    },
                    target_percent: i32::try_from(h.target_cpu_utilization_percent)
                        .unwrap_or(i32::MAX),
                    state: HpaState::new(),
                });
            }
        }
        HpaControllers {
            hpas,
            by_workload,
            config: HpaControllerConfig::default(),
            scratch_pods: Vec::new(),
            scratch_views: Vec::new(),
        }
    }

    /// Whether workload `d` has an HPA (its pods' readiness history is kept).
    pub(super) fn watches(&self, d: usize) -> bool {
        self.by_workload.get(d).is_some_and(Option::is_some)
    }
}

impl Simulation {
    /// Schedules the first scrape and the first sync of each HPA.
    pub(super) fn start_hpas(&mut self) {
        if self.hpas.hpas.is_empty() {
            return;
        }
        let period = METRIC_RESOLUTION.as_millis();
        let phase = self
            .streams
            .stream("metrics-server")
            .random_range(0..period);
        self.engine
            .schedule_at(SimTime(phase), Event::MetricsScrape);
        let sync = self.hpas.config.sync_period_ms;
        for i in 0..self.hpas.hpas.len() {
            let w = self.hpas.hpas[i].workload;
            let name = &self.scenario.workloads[w].name;
            let phase = self
                .streams
                .stream(&format!("hpa/{name}"))
                .random_range(0..sync);
            self.engine
                .schedule_at(SimTime(phase), Event::HpaSync(DeploymentId(w as u32)));
        }
    }

    /// Pods of a workload, all revisions, not gone, into `out` (cleared).
    fn workload_pods(&self, d: usize, out: &mut Vec<PodId>) {
        out.clear();
        for rs in &self.state.deployment(DeploymentId(d as u32)).replica_sets {
            out.extend(
                self.state
                    .rs(*rs)
                    .pods
                    .iter()
                    .copied()
                    .filter(|p| !self.state.pod(*p).gone),
            );
        }
    }

    /// metrics-server: one scrape of every kubelet.
    pub(super) fn on_metrics_scrape(&mut self) {
        let now = self.engine.now();
        let next = now + METRIC_RESOLUTION;
        if next <= self.end {
            self.engine.schedule_at(next, Event::MetricsScrape);
        }
        let mut pods = std::mem::take(&mut self.hpas.scratch_pods);
        for h in 0..self.hpas.hpas.len() {
            let d = self.hpas.hpas[h].workload;
            self.workload_pods(d, &mut pods);
            // The workload's traffic is advanced at the first pod scraped,
            // not before: advancing it when no pod is scraped would split
            // its integration at an extra instant.
            let mut reader = None;
            for &pod in &pods {
                let p = self.state.pod(pod);
                let scraped = matches!(p.phase, PodPhase::Starting | PodPhase::Ready)
                    && p.node.is_some_and(|n| self.state.node(n).heartbeats());
                let cum = if scraped {
                    let r = *reader.get_or_insert_with(|| self.cpu_reader(d));
                    Some(r.cumulative(self.traffic.pod_mut(pod), now))
                } else {
                    None
                };
                let pt = self.traffic.pod_mut(pod);
                match cum {
                    None => {
                        pt.point = None;
                        pt.sample = None;
                    }
                    Some(cum) => {
                        pt.sample = match pt.point {
                            Some((t0, c0)) if t0 < now => {
                                let window = now.since(t0);
                                let millicores = (cum - c0) / window.as_secs_f64();
                                Some(MetricSample {
                                    value_milli: milli_value(millicores),
                                    timestamp_ms: now.as_millis(),
                                    window_ms: window.as_millis(),
                                })
                            }
                            _ => None,
                        };
                        pt.point = Some((now, cum));
                    }
                }
            }
        }
        self.hpas.scratch_pods = pods;
    }

    /// What the HPA reads from one pod.
    fn hpa_pod_view(&mut self, pod: PodId) -> HpaPodView {
        self.traffic.pod_mut(pod);
        let p = self.state.pod(pod);
        let pt = &self.traffic.pods[pod.idx()];
        let start = pt.started_at;
        HpaPodView {
            // Pending until the kubelet first starts the containers; after
            // that the API shows Running (a pod on a dead node keeps the
            // phase it last reported).
            phase: if start.is_some() {
                HpaPhase::Running
            } else {
                HpaPhase::Pending
            },
            deleting: p.deleted_at.is_some(),
            ready: start.map(|_| ReadyCondition {
                status: if p.is_api_ready() {
                    ConditionStatus::True
                } else {
                    ConditionStatus::False
                },
                last_transition_ms: pt
                    .ready_transition
                    .or(start)
                    .unwrap_or(SimTime::ZERO)
                    .as_millis(),
            }),
            start_time_ms: start.map(SimTime::as_millis),
            request_milli: i64::try_from(p.cpu.0).unwrap_or(i64::MAX),
            sample: pt.sample,
        }
    }

    /// One sync of the HPA of workload `d`.
    pub(super) fn on_hpa_sync(&mut self, d: DeploymentId) {
        let now = self.engine.now();
        let next = now + SimDuration(self.hpas.config.sync_period_ms);
        if next <= self.end {
            self.engine.schedule_at(next, Event::HpaSync(d));
        }
        let Some(h) = self.hpas.by_workload[d.idx()] else {
            return;
        };
        let mut pods = std::mem::take(&mut self.hpas.scratch_pods);
        let mut views = std::mem::take(&mut self.hpas.scratch_views);
        self.workload_pods(d.idx(), &mut pods);
        views.clear();
        for &p in &pods {
            let v = self.hpa_pod_view(p);
            views.push(v);
        }
        self.hpas.scratch_pods = pods;
        let current = self.state.deployment(d).replicas;
        let config = self.hpas.config;
        let hpa = &mut self.hpas.hpas[h];
        let calc = config.replica_calculator();
        let proposal = calc.resource_replicas(
            &views,
            current,
            hpa.target_percent,
            ResourceName::Cpu,
            hpa.spec.tolerances(&config),
            now.as_millis(),
        );
        self.hpas.scratch_views = views;
        let utilization = proposal.as_ref().ok().map(|r| r.utilization_percent);
        let decision = hpa_algo::reconcile(
            &mut hpa.state,
            &hpa.spec,
            current,
            &[proposal.ok().map(|r| r.replicas)],
            now.as_millis(),
            &config,
        );
        if !decision.rescale {
            return;
        }
        let target = hpa.target_percent;
        let replicas = decision.desired_replicas;
        self.state.deployments[d.idx()].replicas = replicas;
        let m = &mut self.workload_metrics[d.idx()];
        m.advance(now);
        m.desired = replicas;
        m.after_change();
        let name = self.state.deployment(d).name.clone();
        let why = match utilization {
            Some(u) => format!("cpu {u}% of request, target {target}%"),
            None => "outside min/max".to_string(),
        };
        self.log(
            "hpa_scale",
            name,
            format!("replicas {current} -> {replicas} ({why})"),
        );
        self.enqueue_deployment(d);
    }
}

/// metrics-server reports whole nanocores; the HPA reads `MilliValue()`,
/// which rounds up.
fn milli_value(millicores: f64) -> i64 {
    let nano = crate::scheduler::score::go_round(millicores.max(0.0) * 1e6);
    (nano + 999_999) / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::milli_value;

    #[test]
    fn milli_value_rounds_whole_nanocores_up() {
        assert_eq!(milli_value(500.0), 500);
        assert_eq!(milli_value(500.000_000_1), 500, "below a nanocore");
        assert_eq!(milli_value(433.333_333), 434);
        assert_eq!(milli_value(0.0), 0);
    }
}
