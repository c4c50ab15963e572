//! Traffic in the simulation: routing the offered load to pods, deciding
//! what is served, and the CPU it costs.
//!
//! Routing is over the workload's endpoints (Kubernetes' view). An
//! endpoint whose pod is not running (its node died and the endpoints have
//! not caught up) fails what it is sent. Two models, per workload:
//!
//! - **fluid**: with `E` endpoints of which `L` run, capacity `c` per pod
//!   and offered rate `r(t)`, each endpoint is sent `r/E` and a running one
//!   serves `min(r/E, c)`: served = `(L/E) ∫ min(r, cE) dt`, integrated
//!   exactly between events ([`crate::traffic::RateModel`]). The counts
//!   `E` and `L` only change at the workload's own events, so each
//!   workload's integrals are brought up to date lazily: just before its
//!   counts change, before a reader looks at them (metrics scrape, sample,
//!   end of run) and before the cluster's ready capacity changes
//!   ([`Simulation::advance_workload_traffic`]). An event elsewhere in the
//!   cluster costs the workload nothing and does not split its integrals,
//!   so a workload's figures depend only on its own history.
//! - **requests**: one event per arrival and per completion; each pod has
//!   `concurrency` slots and a FIFO queue. A pod that stops running (node
//!   down, crash, termination over) fails its queue and the requests in its
//!   slots; a terminating pod leaves the endpoints but finishes its queue.
//!
//! CPU: each request costs `cpu_per_request` millicore-seconds, spread over
//! its service (requests) or served at the served rate (fluid). Per-pod
//! cumulative CPU feeds the metrics pipeline of the HPA (`hpa.rs`); the
//! total feeds `cluster.cpu_usage`.

use super::world::PodFlags;
use super::{Event, Simulation};
use crate::engine::{Engine, EventId, RngStreams, SimRng, SimTime};
use crate::metrics::WorkloadSummary;
use crate::model::{DeploymentId, IdMap, PodId};
use crate::scenario::{LoadBalancer, RequestModel, Scenario, TrafficMode};
use crate::traffic::{LatencyHistogram, RateModel, rate_model};
use rand::RngExt;
use std::collections::{BTreeMap, VecDeque};

/// Pods must have served this long for `pod_utilization_max`.
const MIN_POD_LIVE_S: f64 = 60.0;

/// The traffic of every workload and the per-pod state it needs.
pub(super) struct TrafficState {
    workloads: Vec<Option<WorkloadTraffic>>,
    /// Per pod, from its first change to its release (`sim::reclaim`).
    pub(super) pods: IdMap<PodTraffic>,
    end: SimTime,
    /// Names of the workloads with traffic, in scenario order.
    names: Vec<String>,
}

struct WorkloadTraffic {
    rate: RateModel,
    /// Requests per second one pod serves (fluid), or the nominal
    /// `concurrency / mean service time` (requests).
    capacity: f64,
    /// Millicore-seconds per request.
    cpu_per_request: f64,
    requests: Option<Requests>,
    /// Ready endpoints, in the order they joined (the load balancer's list).
    endpoints: Vec<PodId>,
    /// Endpoints whose pod runs.
    live: u32,
    offered: f64,
    served: f64,
    failed: f64,
    /// Fluid: requests served so far by each running endpoint.
    served_per_endpoint: f64,
    /// ∫ live endpoints dt, pod-seconds.
    live_pod_s: f64,
    /// ∫ utilization of live endpoints dt, pod-seconds.
    busy_pod_s: f64,
    /// CPU in use now, millicores.
    usage_now: f64,
    /// Counts at the last timeseries row.
    mark: (f64, f64, f64),
    /// The integrals above hold up to this instant.
    last: SimTime,
    /// The highest utilization of the released pods that count for
    /// `pod_utilization_max`.
    released_max_util: Option<f64>,
}

struct Requests {
    model: RequestModel,
    arrivals: SimRng,
    service: SimRng,
    lb: SimRng,
    poisson: bool,
    /// Exact time of the last scheduled arrival, seconds.
    next_s: f64,
    rr: usize,
    latency: LatencyHistogram,
    /// Requests queued or in service.
    in_system: u32,
    in_system_s: f64,
    /// Busy slots over all pods.
    busy: u32,
}

/// One request in a pod's slot.
#[derive(Clone, Copy, Debug)]
struct Slot {
    arrival: SimTime,
    timer: EventId,
    /// Millicores while it is served.
    cpu_rate: f64,
}

/// Traffic and metrics state of one pod (indexed by pod id).
#[derive(Clone, Debug, Default)]
pub(super) struct PodTraffic {
    endpoint: bool,
    running: bool,
    /// Listed as an endpoint and running.
    live: bool,
    /// `status.startTime`.
    pub(super) started_at: Option<SimTime>,
    /// `lastTransitionTime` of the Ready condition.
    pub(super) ready_transition: Option<SimTime>,
    /// Pod-seconds accounting up to `acct_last`.
    acct_last: SimTime,
    live_s: f64,
    busy_s: f64,
    /// Fluid: requests served by this pod in finished stints, and the
    /// workload's `served_per_endpoint` when the current stint began.
    served_acc: f64,
    served_offset: f64,
    /// Requests mode.
    slots: Vec<Option<Slot>>,
    queue: VecDeque<SimTime>,
    busy: u32,
    cpu_rate: f64,
    cpu_cum: f64,
    /// metrics-server: the last cumulative CPU point (time, millicore-s)
    /// and the sample computed from the last two.
    pub(super) point: Option<(SimTime, f64)>,
    pub(super) sample: Option<crate::controllers::hpa_algo::MetricSample>,
}

impl PodTraffic {
    /// Brings the pod's time integrals up to `now` (requests mode keeps
    /// `busy` and `cpu_rate` constant between changes).
    fn settle(&mut self, now: SimTime, concurrency: f64) {
        let dt = now.since(self.acct_last).as_secs_f64();
        if dt > 0.0 {
            if self.live {
                self.live_s += dt;
            }
            if self.busy > 0 {
                self.busy_s += f64::from(self.busy) * dt / concurrency;
                self.cpu_cum += self.cpu_rate * dt;
            }
        }
        self.acct_last = now;
    }
}

/// What the cumulative CPU of a workload's pods is read from, once its
/// traffic is advanced to now ([`Simulation::cpu_reader`]).
#[derive(Clone, Copy, Debug)]
pub(super) enum CpuReader {
    /// No traffic: no CPU.
    Idle,
    /// Fluid traffic: each live endpoint serves the same per-endpoint share.
    Fluid {
        served_per_endpoint: f64,
        cpu_per_request: f64,
    },
    /// Requests mode: each pod's own accounting, settled to now.
    Requests { concurrency: f64 },
}

impl CpuReader {
    /// The cumulative CPU of the pod whose traffic state is `pt`,
    /// millicore-seconds.
    pub(super) fn cumulative(self, pt: &mut PodTraffic, now: SimTime) -> f64 {
        match self {
            CpuReader::Idle => 0.0,
            CpuReader::Fluid {
                served_per_endpoint,
                cpu_per_request,
            } => {
                let stint = if pt.live {
                    served_per_endpoint - pt.served_offset
                } else {
                    0.0
                };
                cpu_per_request * (pt.served_acc + stint)
            }
            CpuReader::Requests { concurrency } => {
                pt.settle(now, concurrency);
                pt.cpu_cum
            }
        }
    }
}

impl TrafficState {
    pub(super) fn new(sc: &Scenario, streams: &RngStreams, end: SimTime) -> TrafficState {
        let mut names = Vec::new();
        let workloads = sc
            .workloads
            .iter()
            .map(|w| {
                // A scale_to_zero workload's traffic feeds the built-in
                // source of `sim::scale_to_zero` instead; it is not routed.
                let t = w.traffic.as_ref().filter(|_| w.scale_to_zero.is_none())?;
                names.push(w.name.clone());
                let fluid = matches!(t.mode, TrafficMode::Fluid);
                let requests = match &t.mode {
                    TrafficMode::Fluid => None,
                    TrafficMode::Requests(model) => Some(Requests {
                        model: model.clone(),
                        arrivals: streams.stream(&format!("traffic/{}", w.name)),
                        service: streams.stream(&format!("traffic/{}/service", w.name)),
                        lb: streams.stream(&format!("traffic/{}/lb", w.name)),
                        poisson: t.noise,
                        next_s: 0.0,
                        rr: 0,
                        latency: LatencyHistogram::new(),
                        in_system: 0,
                        in_system_s: 0.0,
                        busy: 0,
                    }),
                };
                Some(WorkloadTraffic {
                    rate: rate_model(&w.name, t, streams, fluid && t.noise),
                    capacity: t.capacity_per_pod_rps,
                    cpu_per_request: t.cpu_per_request.0 as f64,
                    requests,
                    endpoints: Vec::new(),
                    live: 0,
                    offered: 0.0,
                    served: 0.0,
                    failed: 0.0,
                    served_per_endpoint: 0.0,
                    live_pod_s: 0.0,
                    busy_pod_s: 0.0,
                    usage_now: 0.0,
                    mark: (0.0, 0.0, 0.0),
                    last: SimTime::ZERO,
                    released_max_util: None,
                })
            })
            .collect();
        TrafficState {
            workloads,
            pods: IdMap::default(),
            end,
            names,
        }
    }

    pub(super) fn pod_mut(&mut self, pod: PodId) -> &mut PodTraffic {
        if self.pods.get(pod.idx()).is_none() {
            self.pods.insert(pod.idx(), PodTraffic::default());
        }
        &mut self.pods[pod.idx()]
    }

    /// Names of the workloads with traffic (timeseries columns).
    pub(super) fn names(&self) -> &[String] {
        &self.names
    }
}

impl Simulation {
    /// Schedules the first arrivals (after the warm start reset the engine).
    pub(super) fn start_traffic(&mut self) {
        for d in 0..self.traffic.workloads.len() {
            if self.traffic.workloads[d]
                .as_ref()
                .is_some_and(|w| w.requests.is_some())
            {
                self.schedule_next_arrival(DeploymentId(d as u32));
            }
        }
        self.start_hpas();
    }

    /// Brings every workload's traffic up to `now`, and the instantaneous
    /// traffic CPU of the cluster with it: before the cluster's ready
    /// capacity changes (the CPU credit is a fraction of it), for samples
    /// and at the end of the run.
    pub(super) fn advance_all_traffic(&mut self, now: SimTime) {
        let mut usage = 0.0;
        for d in 0..self.traffic.workloads.len() {
            if self.traffic.workloads[d].is_some() {
                self.advance_workload_traffic(d, now);
                usage += self.traffic.workloads[d]
                    .as_ref()
                    .map_or(0.0, |w| w.usage_now);
            }
        }
        self.cluster_metrics.traffic_cpu = usage;
    }

    /// Integrates workload `d`'s traffic up to `now` at the counts that held
    /// since its last call, and hands the CPU used to the cluster metrics.
    /// Called before anything changes its counts or reads its integrals, so
    /// the counts are constant over each integrated piece.
    pub(super) fn advance_workload_traffic(&mut self, d: usize, now: SimTime) {
        let Some(w) = self.traffic.workloads[d].as_mut() else {
            return;
        };
        if now <= w.last {
            return;
        }
        let (a, b) = (w.last.as_secs_f64(), now.as_secs_f64());
        let dt = b - a;
        let cpu_ms;
        w.live_pod_s += f64::from(w.live) * dt;
        match &mut w.requests {
            None => {
                let e = w.endpoints.len() as f64;
                if e == 0.0 {
                    let off = w.rate.integral(a, b);
                    w.offered += off;
                    w.failed += off;
                    w.usage_now = 0.0;
                    cpu_ms = 0.0;
                } else {
                    let (off, capped) = w.rate.integral_capped(a, b, w.capacity * e);
                    let per_endpoint = capped / e;
                    let served = per_endpoint * f64::from(w.live);
                    w.offered += off;
                    w.served += served;
                    w.failed += (off - served).max(0.0);
                    w.served_per_endpoint += per_endpoint;
                    w.busy_pod_s += served / w.capacity;
                    cpu_ms = served * w.cpu_per_request * 1000.0;
                    let r = w.rate.rate(b);
                    w.usage_now = (r / e).min(w.capacity) * f64::from(w.live) * w.cpu_per_request;
                }
            }
            Some(rq) => {
                rq.in_system_s += f64::from(rq.in_system) * dt;
                w.busy_pod_s += f64::from(rq.busy) * dt / f64::from(rq.model.concurrency);
                cpu_ms = w.usage_now * dt * 1000.0;
            }
        }
        w.last = now;
        self.cluster_metrics.credit_cpu_usage(cpu_ms);
    }

    /// The fluid usage after the counts changed at `now` (read by samples
    /// through [`Self::advance_all_traffic`]).
    fn refresh_usage(&mut self, d: usize) {
        let now = self.engine.now().as_secs_f64();
        if let Some(w) = self.traffic.workloads[d].as_mut()
            && w.requests.is_none()
        {
            let e = w.endpoints.len() as f64;
            w.usage_now = if e == 0.0 {
                0.0
            } else {
                (w.rate.rate(now) / e).min(w.capacity) * f64::from(w.live) * w.cpu_per_request
            };
        }
    }

    /// A pod's counters changed (see `world.rs`): keep the routing lists,
    /// the per-pod accounting and the Ready condition's history in step.
    pub(super) fn traffic_pod_changed(&mut self, pod: PodId, before: &PodFlags, after: &PodFlags) {
        let now = self.engine.now();
        let d = self.state.pod(pod).deployment.idx();
        self.advance_workload_traffic(d, now);
        let tracked = self.traffic.workloads[d].is_some() || self.hpas.watches(d);
        if !tracked {
            return;
        }
        let pt = self.traffic.pod_mut(pod);
        if after.started && pt.started_at.is_none() {
            // The kubelet sets startTime once and the Ready condition
            // (False) with it.
            pt.started_at = Some(now);
            pt.ready_transition = Some(now);
        }
        if before.endpoint != after.endpoint {
            pt.ready_transition = Some(now);
        }
        let Some(w) = self.traffic.workloads[d].as_mut() else {
            return;
        };
        let concurrency = w
            .requests
            .as_ref()
            .map_or(1.0, |r| f64::from(r.model.concurrency));
        let pt = &mut self.traffic.pods[pod.idx()];
        pt.settle(now, concurrency);
        if before.endpoint != after.endpoint {
            if after.endpoint {
                w.endpoints.push(pod);
            } else if let Some(i) = w.endpoints.iter().position(|p| *p == pod) {
                w.endpoints.remove(i);
            }
            pt.endpoint = after.endpoint;
        }
        pt.running = after.running;
        let live = after.endpoint && after.running;
        if live != pt.live {
            if live {
                w.live += 1;
                pt.served_offset = w.served_per_endpoint;
            } else {
                w.live -= 1;
                pt.served_acc += w.served_per_endpoint - pt.served_offset;
            }
            pt.live = live;
        }
        let mut cancelled = Vec::new();
        if before.running && !after.running {
            drop_requests(w, pt, &mut cancelled);
        }
        for t in cancelled {
            self.engine.cancel(t);
        }
        self.refresh_usage(d);
    }

    /// Reads the cumulative CPU of workload `d`'s pods now: its traffic is
    /// advanced to now once, then [`CpuReader::cumulative`] per pod.
    pub(super) fn cpu_reader(&mut self, d: usize) -> CpuReader {
        let now = self.engine.now();
        self.advance_workload_traffic(d, now);
        match self.traffic.workloads[d].as_ref() {
            None => CpuReader::Idle,
            Some(w) => match &w.requests {
                None => CpuReader::Fluid {
                    served_per_endpoint: w.served_per_endpoint,
                    cpu_per_request: w.cpu_per_request,
                },
                Some(r) => CpuReader::Requests {
                    concurrency: f64::from(r.model.concurrency),
                },
            },
        }
    }

    // ---- requests mode ---------------------------------------------------

    fn schedule_next_arrival(&mut self, d: DeploymentId) {
        let end_s = self.traffic.end.as_secs_f64();
        let now = self.engine.now();
        let w = self.traffic.workloads[d.idx()]
            .as_mut()
            .expect("a workload with traffic");
        let rq = w.requests.as_mut().expect("requests mode");
        let x = if rq.poisson {
            let u: f64 = rq.arrivals.random();
            -(1.0 - u).ln()
        } else {
            1.0
        };
        if let Some(t) = w.rate.solve(rq.next_s, x, end_s) {
            rq.next_s = t;
            let at = SimTime((t * 1000.0).round() as u64).max(now);
            self.engine.schedule_at(at, Event::RequestArrival(d));
        }
    }

    pub(super) fn on_request_arrival(&mut self, d: DeploymentId) {
        let now = self.engine.now();
        self.advance_workload_traffic(d.idx(), now);
        {
            let TrafficState {
                workloads, pods, ..
            } = &mut self.traffic;
            let w = workloads[d.idx()].as_mut().expect("traffic");
            w.offered += 1.0;
            match pick_endpoint(w, pods) {
                Some(pod) if pods.get(pod.idx()).is_some_and(|p| p.running) => {
                    let rq = w.requests.as_mut().expect("requests mode");
                    rq.in_system += 1;
                    let pt = &mut pods[pod.idx()];
                    let conc = rq.model.concurrency as usize;
                    if pt.slots.len() < conc {
                        pt.slots.resize(conc, None);
                    }
                    match pt.slots.iter().position(Option::is_none) {
                        Some(slot) => start_service(&mut self.engine, w, pt, pod, slot, now, now),
                        None => pt.queue.push_back(now),
                    }
                }
                // No endpoint, or a stale one: the request fails at once.
                _ => w.failed += 1.0,
            }
        }
        self.schedule_next_arrival(d);
    }

    pub(super) fn on_request_done(&mut self, pod: PodId, slot: u32) {
        let now = self.engine.now();
        let d = self.state.pod(pod).deployment.idx();
        self.advance_workload_traffic(d, now);
        {
            let TrafficState {
                workloads, pods, ..
            } = &mut self.traffic;
            let w = workloads[d].as_mut().expect("traffic");
            let pt = &mut pods[pod.idx()];
            let Some(s) = pt.slots.get_mut(slot as usize).and_then(Option::take) else {
                return;
            };
            let rq = w.requests.as_mut().expect("requests mode");
            let conc = f64::from(rq.model.concurrency);
            pt.settle(now, conc);
            pt.busy -= 1;
            rq.busy -= 1;
            rq.in_system -= 1;
            if pt.busy == 0 {
                w.usage_now -= pt.cpu_rate;
                pt.cpu_rate = 0.0;
            } else {
                pt.cpu_rate -= s.cpu_rate;
                w.usage_now -= s.cpu_rate;
            }
            if rq.busy == 0 {
                w.usage_now = 0.0;
            }
            let latency = now.since(s.arrival);
            if rq.model.timeout.is_some_and(|t| latency > t) {
                w.failed += 1.0;
            } else {
                w.served += 1.0;
                rq.latency.record(latency.as_millis());
            }
            // The next queued request; those whose client gave up are skipped.
            while let Some(arrival) = pt.queue.pop_front() {
                let rq = w.requests.as_mut().expect("requests mode");
                if rq.model.timeout.is_some_and(|t| now.since(arrival) > t) {
                    rq.in_system -= 1;
                    w.failed += 1.0;
                    continue;
                }
                start_service(&mut self.engine, w, pt, pod, slot as usize, arrival, now);
                break;
            }
        }
    }

    // ---- outputs -----------------------------------------------------------

    /// The traffic columns of a timeseries row: per workload with traffic,
    /// the offered rate and the success ratio since the previous row.
    pub(super) fn traffic_sample(&mut self, interval_s: f64) -> Vec<(f64, f64)> {
        self.traffic
            .workloads
            .iter_mut()
            .flatten()
            .map(|w| {
                let (o, s, f) = w.mark;
                let (d_off, d_srv, d_fail) = (w.offered - o, w.served - s, w.failed - f);
                w.mark = (w.offered, w.served, w.failed);
                let rps = if interval_s > 0.0 {
                    d_off / interval_s
                } else {
                    0.0
                };
                let done = d_srv + d_fail;
                let success = if done > 0.0 { d_srv / done } else { 1.0 };
                (rps, success)
            })
            .collect()
    }

    /// Fills the traffic figures of the per-workload summaries.
    pub(super) fn traffic_summaries(&mut self, summaries: &mut BTreeMap<String, WorkloadSummary>) {
        let end = self.end;
        let duration_s = end.as_secs_f64().max(1e-9);
        for d in 0..self.traffic.workloads.len() {
            let name = self.scenario.workloads[d].name.clone();
            let Some(w) = self.traffic.workloads[d].as_mut() else {
                continue;
            };
            let Some(s) = summaries.get_mut(&name) else {
                continue;
            };
            let conc = w
                .requests
                .as_ref()
                .map_or(1.0, |r| f64::from(r.model.concurrency));
            // The highest per-pod utilization, over every pod that ever
            // served (released pods were folded in when they went).
            let mut max_util = w.released_max_util;
            let ids = self.traffic.pods.ids();
            for i in ids {
                if self
                    .state
                    .pods
                    .get(i)
                    .is_none_or(|p| p.deployment.idx() != d)
                {
                    continue;
                }
                let pt = &mut self.traffic.pods[i];
                pt.settle(end, conc);
                if let Some(util) = pod_utilization(w, pt) {
                    max_util = Some(max_util.map_or(util, |m: f64| m.max(util)));
                }
            }
            s.requests_offered = w.offered;
            s.requests_served = w.served;
            let done = w.served + w.failed;
            s.request_success_ratio = if done > 0.0 {
                (w.served / done).clamp(0.0, 1.0)
            } else {
                1.0
            };
            // Present whenever the workload has traffic (0 when undefined),
            // so the set of metrics depends on the scenario only and sweep
            // columns line up across runs.
            s.pod_utilization_mean = Some(if w.live_pod_s > 0.0 {
                w.busy_pod_s / w.live_pod_s
            } else {
                0.0
            });
            s.pod_utilization_max = Some(max_util.unwrap_or(0.0));
            if let Some(rq) = &w.requests {
                s.latency_mean_ms = Some(rq.latency.mean_ms().unwrap_or(0.0));
                s.latency_p50_ms = Some(rq.latency.percentile_ms(50.0).unwrap_or(0.0));
                s.latency_p99_ms = Some(rq.latency.percentile_ms(99.0).unwrap_or(0.0));
                s.requests_in_flight_mean = Some(rq.in_system_s / duration_s);
            }
        }
    }
}

/// A pod's time-average utilization, if it served long enough to count
/// for `pod_utilization_max` (its integrals settled).
fn pod_utilization(w: &WorkloadTraffic, pt: &PodTraffic) -> Option<f64> {
    if pt.live_s < MIN_POD_LIVE_S {
        return None;
    }
    Some(match &w.requests {
        Some(_) => pt.busy_s / pt.live_s,
        None => {
            let stint = if pt.live {
                w.served_per_endpoint - pt.served_offset
            } else {
                0.0
            };
            (pt.served_acc + stint) / w.capacity / pt.live_s
        }
    })
}

impl Simulation {
    /// Drops the traffic state of a gone pod, keeping what the summary
    /// needs of it. A gone pod is neither live nor busy, so its figures no
    /// longer change: folding them in now gives the end-of-run result.
    pub(super) fn release_pod_traffic(&mut self, pod: PodId) {
        let Some(pt) = self.traffic.pods.remove(pod.idx()) else {
            return;
        };
        let d = self.state.pod(pod).deployment.idx();
        if let Some(w) = self.traffic.workloads[d].as_mut()
            && let Some(util) = pod_utilization(w, &pt)
        {
            w.released_max_util = Some(w.released_max_util.map_or(util, |m: f64| m.max(util)));
        }
    }
}

/// The endpoint a request goes to, by the workload's load balancer.
fn pick_endpoint(w: &mut WorkloadTraffic, pods: &IdMap<PodTraffic>) -> Option<PodId> {
    let n = w.endpoints.len();
    if n == 0 {
        return None;
    }
    let rq = w.requests.as_mut().expect("requests mode");
    Some(match rq.model.load_balancer {
        LoadBalancer::Random => w.endpoints[rq.lb.random_range(0..n)],
        LoadBalancer::RoundRobin => {
            let p = w.endpoints[rq.rr % n];
            rq.rr = rq.rr.wrapping_add(1);
            p
        }
        LoadBalancer::LeastRequest => {
            if n == 1 {
                return Some(w.endpoints[0]);
            }
            let i = rq.lb.random_range(0..n);
            let mut j = rq.lb.random_range(0..n - 1);
            if j >= i {
                j += 1;
            }
            let load = |p: PodId| {
                pods.get(p.idx())
                    .map_or(0, |t| t.busy as usize + t.queue.len())
            };
            let (a, b) = (w.endpoints[i], w.endpoints[j]);
            if load(b) < load(a) { b } else { a }
        }
    })
}

/// Starts serving a request that arrived at `arrival` in `slot` of `pod`.
#[allow(clippy::too_many_arguments)]
fn start_service(
    engine: &mut Engine<Event>,
    w: &mut WorkloadTraffic,
    pt: &mut PodTraffic,
    pod: PodId,
    slot: usize,
    arrival: SimTime,
    now: SimTime,
) {
    let rq = w.requests.as_mut().expect("requests mode");
    let service = rq.model.service_time.sample(&mut rq.service);
    pt.settle(now, f64::from(rq.model.concurrency));
    let secs = service.as_secs_f64();
    let cpu_rate = if secs > 0.0 {
        w.cpu_per_request / secs
    } else {
        // Served within the millisecond: its CPU counts at once.
        pt.cpu_cum += w.cpu_per_request;
        0.0
    };
    let timer = engine.schedule_in(
        service,
        Event::RequestDone {
            pod,
            slot: slot as u32,
        },
    );
    pt.slots[slot] = Some(Slot {
        arrival,
        timer,
        cpu_rate,
    });
    pt.busy += 1;
    rq.busy += 1;
    pt.cpu_rate += cpu_rate;
    w.usage_now += cpu_rate;
}

/// A pod stopped running: its queue and the requests in its slots fail.
fn drop_requests(w: &mut WorkloadTraffic, pt: &mut PodTraffic, cancelled: &mut Vec<EventId>) {
    let Some(rq) = w.requests.as_mut() else {
        return;
    };
    let mut dropped = pt.queue.len() as u32;
    pt.queue.clear();
    for s in pt.slots.iter_mut() {
        if let Some(s) = s.take() {
            cancelled.push(s.timer);
            dropped += 1;
        }
    }
    rq.busy -= pt.busy;
    rq.in_system -= dropped;
    w.failed += f64::from(dropped);
    w.usage_now -= pt.cpu_rate;
    if rq.busy == 0 {
        w.usage_now = 0.0;
    }
    pt.busy = 0;
    pt.cpu_rate = 0.0;
}
