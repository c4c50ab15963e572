//! Scale-to-zero workloads (`scale_to_zero:`): requests, instances and the
//! two policies.
//!
//! **Requests.** Everything enters through one function,
//! [`Simulation::scale_to_zero_request`]: "a request for workload `w`
//! arrives now and needs `service` of an instance's time". A built-in
//! source feeds it: arrivals follow the workload's `traffic` rate model
//! (`rate` times every `traffic.pattern` factor, `crate::traffic`, the same
//! model as traffic routing uses), Poisson or `regular`, on the RNG stream
//! `s2z-arrivals/<workload>`, with service times from
//! `scale_to_zero.service_time` on `s2z-service/<workload>`. Such a
//! workload is not routed by `sim::traffic` (the two are exclusive; the
//! loader refuses `traffic.mode: requests` and `noise` on it). An instance serves a request for its full service time
//! even if its pod stops meanwhile (requests are not failed or retried).
//!
//! **Instances are the Deployment's pods**: they are scheduled, start in
//! `startup_time`, use cluster capacity (so pending instances can make the
//! cluster autoscaler add nodes), and count in the workload's metrics. A
//! request that finds no instance to serve it waits: that is a *cold start*,
//! and the wait is its added latency.
//!
//! **`kpa`** (Knative Serving, `pkg/autoscaler/scaling/autoscaler.go`,
//! `pkg/reconciler/autoscaling/kpa/{kpa,scaler}.go`): pods take any number
//! of concurrent requests (containerConcurrency 0). While no pod serves,
//! the activator holds requests and, if the last decision was zero, pokes
//! the autoscaler, which asks for at least one pod at once; held requests
//! go to the first pod that becomes ready. Every `tick` (2 s) the decider
//! averages the in-flight requests (held and in service) over the stable
//! (60 s) and panic (6 s) windows, exactly (integrated between changes, not
//! sampled; over the part of a window after the first recorded data when
//! that is shorter, as Knative's `WindowAverage`), and computes
//! `ceil(avg / (target * target_utilization))` within
//! `[floor(ready/max_scale_down_rate), ceil(ready*max_scale_up_rate)]`
//! (`ready` at least 1), entering panic when the panic figure over `ready`
//! reaches `panic_threshold`, never scaling down while panicking, and
//! leaving panic a stable window after the last crossing. The PA reconciler
//! then applies min/max scale and the scale-to-zero steps of
//! `handleScaleToZero`: when the decider wants 0, an Active PA that has been
//! active for a stable window becomes Inactive (activator in the path,
//! pods kept), else it keeps one pod; an Inactive PA goes to 0 once it has
//! been inactive for `scale_to_zero_grace_period` (30 s). A PA whose pods
//! are not ready 610 s after activation (progress deadline 600 s + 10 s)
//! gives up and goes to 0. Simplified: target burst capacity (the
//! activator stays in the path under load) and the per-pod queue-proxy
//! breakers are not modelled; concurrency is seen without scrape delay.
//!
//! **`per_request`** (function-platform style, as AWS Lambda): a request
//! takes the most recently idle instance (LIFO), or starts a new instance
//! (the Deployment gains one replica) and waits for it: its added latency is
//! the cold start, pod creation and scheduling plus `startup_time` (new
//! instances serve the requests that started them in order). With
//! `max_instances` instances already there, a request queues for the next
//! instance that frees up instead (not a cold start, but added latency). An
//! instance idle for `keep_alive` is removed: that very pod is deleted and
//! the replica count lowered together, so the ReplicaSet does not pick
//! another victim.

use super::{Action, DeleteReason, Event, Simulation};
use crate::controllers::deployment_algo;
use crate::dist::Dist;
use crate::engine::{EventId, RngStreams, SimDuration, SimRng, SimTime};
use crate::metrics::ScaleToZeroSummary;
use crate::model::{DeploymentId, PodId, PodPhase};
use crate::scenario::{Arrivals, KpaConfig, ScaleToZeroPolicy, Scenario};
use crate::traffic::{RateModel, rate_model};
use rand::RngExt;
use std::collections::VecDeque;

/// KPA activation timeout: the revision's progress deadline (600 s) plus
/// `activationTimeoutBuffer` (10 s), `kpa/scaler.go`.
const ACTIVATION_TIMEOUT: SimDuration = SimDuration::from_secs(610);

/// The PodAutoscaler's `Active` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PaStatus {
    /// Active=True since then: pods serve directly.
    Active(SimTime),
    /// Active=False since then: the activator is in the path.
    Inactive(SimTime),
    /// Active=Unknown since then: waiting for pods to become ready.
    Activating(SimTime),
}

/// KPA state of one workload.
#[derive(Debug)]
struct Kpa {
    cfg: KpaConfig,
    /// Requests the activator holds (arrival, service).
    held: VecDeque<(SimTime, SimDuration)>,
    /// Change points of the in-flight count: (time, integral of in-flight
    /// requests up to then in request-ms, in-flight from then on). Pruned
    /// to one point before the stable window.
    history: VecDeque<(SimTime, u128, u32)>,
    status: PaStatus,
    panic_time: Option<SimTime>,
    max_panic_pods: u32,
    /// The decider's last recommendation.
    desired: u32,
    ticking: bool,
    /// A pending re-check of the PA (`enqueueCB`), if any.
    requeue: Option<SimTime>,
    /// Metrics are recorded while pods exist or requests are in flight.
    /// Since when, without a stable window's gap (Knative averages over
    /// the part of the window after the first write).
    first_data: Option<SimTime>,
    /// The last decision with metrics being recorded.
    last_data: SimTime,
}

/// per_request state of one workload.
#[derive(Debug)]
struct PerRequest {
    keep_alive: SimDuration,
    max_instances: u32,
    /// Idle instances, most recent last, with their keep-alive timers.
    idle: Vec<(PodId, EventId)>,
    /// Requests waiting for the instance they started (arrival, service),
    /// served by new instances in order.
    cold: VecDeque<(SimTime, SimDuration)>,
    /// Requests that found `max_instances` busy, served by the next
    /// instance that frees up.
    queued: VecDeque<(SimTime, SimDuration)>,
}

#[derive(Debug)]
enum Policy {
    Kpa(Box<Kpa>),
    PerRequest(PerRequest),
}

/// Traffic's rate model of a workload (opaque in `Debug` output).
struct Rate(RateModel);

impl std::fmt::Debug for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateModel")
    }
}

/// One scale-to-zero workload.
#[derive(Debug)]
struct Workload {
    policy: Policy,
    service: Dist,
    arrivals: Arrivals,
    /// Traffic's rate model, and the time (s) of the last arrival on it.
    rate: Rate,
    next_s: f64,
    rng_arrivals: SimRng,
    rng_service: SimRng,
    requests: u64,
    cold_starts: u64,
    wait_ms: u128,
    cold_wait_ms: u128,
    max_wait_ms: u64,
    scale_to_zero_count: u64,
    /// Requests held or in service, and in service.
    in_flight: u32,
    in_service: u32,
    last: SimTime,
    in_service_ms: u128,
    in_flight_ms: u128,
}

/// Scale-to-zero state of the run (workloads without `scale_to_zero` have
/// none).
#[derive(Debug, Default)]
pub(super) struct ScaleToZeroState {
    workloads: Vec<Option<Workload>>,
}

impl ScaleToZeroState {
    /// The pods this state refers to (idle per_request instances).
    pub(super) fn pods(&self) -> impl Iterator<Item = PodId> + '_ {
        self.workloads
            .iter()
            .flatten()
            .flat_map(|w| match &w.policy {
                Policy::PerRequest(p) => p.idle.as_slice(),
                Policy::Kpa(_) => &[],
            })
            .map(|&(pod, _)| pod)
    }

    pub(super) fn new(scenario: &Scenario, streams: &RngStreams) -> Self {
        let workloads = scenario
            .workloads
            .iter()
            .map(|w| {
                let s = w.scale_to_zero.as_ref()?;
                let traffic = w.traffic.as_ref()?;
                let policy = match &s.policy {
                    ScaleToZeroPolicy::Kpa(cfg) => Policy::Kpa(Box::new(Kpa {
                        cfg: cfg.clone(),
                        held: VecDeque::new(),
                        history: VecDeque::from([(SimTime::ZERO, 0, 0)]),
                        status: if w.replicas > 0 {
                            PaStatus::Active(SimTime::ZERO)
                        } else {
                            PaStatus::Inactive(SimTime::ZERO)
                        },
                        panic_time: None,
                        max_panic_pods: 0,
                        desired: w.replicas,
                        ticking: false,
                        requeue: None,
                        first_data: (w.replicas > 0).then_some(SimTime::ZERO),
                        last_data: SimTime::ZERO,
                    })),
                    ScaleToZeroPolicy::PerRequest {
                        keep_alive,
                        max_instances,
                    } => Policy::PerRequest(PerRequest {
                        keep_alive: *keep_alive,
                        max_instances: *max_instances,
                        idle: Vec::new(),
                        cold: VecDeque::new(),
                        queued: VecDeque::new(),
                    }),
                };
                Some(Workload {
                    policy,
                    service: s.service_time.clone(),
                    arrivals: s.arrivals,
                    rate: Rate(rate_model(&w.name, traffic, streams, false)),
                    next_s: 0.0,
                    rng_arrivals: streams.stream(&format!("s2z-arrivals/{}", w.name)),
                    rng_service: streams.stream(&format!("s2z-service/{}", w.name)),
                    requests: 0,
                    cold_starts: 0,
                    wait_ms: 0,
                    cold_wait_ms: 0,
                    max_wait_ms: 0,
                    scale_to_zero_count: 0,
                    in_flight: 0,
                    in_service: 0,
                    last: SimTime::ZERO,
                    in_service_ms: 0,
                    in_flight_ms: 0,
                })
            })
            .collect();
        ScaleToZeroState { workloads }
    }
}

impl Workload {
    /// Credits the interval since the last change.
    fn advance(&mut self, now: SimTime) {
        let dt = u128::from(now.since(self.last).as_millis());
        self.in_service_ms += u128::from(self.in_service) * dt;
        self.in_flight_ms += u128::from(self.in_flight) * dt;
        self.last = now;
    }

    /// Changes the in-flight count by `delta` at `now`.
    fn flight(&mut self, now: SimTime, delta: i32) {
        self.advance(now);
        self.in_flight = self.in_flight.checked_add_signed(delta).expect("in flight");
        if let Policy::Kpa(k) = &mut self.policy {
            let (t, _, _) = *k.history.back().expect("history");
            if t == now {
                k.history.pop_back();
            }
            k.history
                .push_back((now, self.in_flight_ms, self.in_flight));
        }
    }

    /// The time of the next arrival after the previous one, if any before
    /// `limit`. The k-th arrival is where the integral of traffic's rate
    /// model (rate times all pattern factors, `crate::traffic`) reaches the
    /// sum of k gaps: unit gaps (`regular`) or Exp(1) gaps (`poisson`, an
    /// inhomogeneous Poisson process by inversion).
    fn next_arrival(&mut self, now: SimTime, limit: SimTime) -> Option<SimTime> {
        let x = match self.arrivals {
            Arrivals::Regular => 1.0,
            Arrivals::Poisson => {
                let u: f64 = self.rng_arrivals.random();
                -(1.0 - u).ln()
            }
        };
        let limit_s = limit.as_millis() as f64 / 1000.0;
        let t = self.rate.0.solve(self.next_s, x, limit_s)?;
        self.next_s = t;
        Some(SimTime((t * 1000.0).round() as u64).max(now))
    }
}

impl Kpa {
    /// Integral of in-flight requests up to `t` (request-ms), `t` at or
    /// after the oldest kept point.
    fn integral_at(&self, t: SimTime) -> u128 {
        let i = self.history.partition_point(|&(pt, _, _)| pt <= t);
        let (pt, cum, level) = self.history[i.saturating_sub(1)];
        cum + u128::from(level) * u128::from(t.since(pt).as_millis())
    }

    /// Average in-flight requests over the `window` ending at `now`. As
    /// Knative's `WindowAverage`, a window reaching back before the first
    /// recorded data averages over the part after it (at least one 1 s
    /// bucket), so a burst from zero is seen at full strength at once.
    fn window_average(&self, now: SimTime, window: SimDuration) -> f64 {
        let from = (now - window).max(self.first_data.unwrap_or(now));
        let total = self.integral_at(now) - self.integral_at(from);
        let span = now.since(from).max(SimDuration::from_secs(1)).min(window);
        total as f64 / span.as_millis().max(1) as f64
    }

    /// Notes that metrics are being recorded at `now` (pods report, or
    /// requests are in flight); a gap of a whole stable window resets the
    /// first write.
    fn record_data(&mut self, now: SimTime) {
        if self
            .first_data
            .is_none_or(|_| now.since(self.last_data) >= self.cfg.stable_window)
        {
            self.first_data = Some(now);
        }
        self.last_data = now;
    }

    fn panic_window(&self) -> SimDuration {
        SimDuration::from_secs_f64(
            self.cfg.stable_window.as_secs_f64() * self.cfg.panic_window_fraction,
        )
    }

    /// Drops history points that no window can reach any more.
    fn prune(&mut self, now: SimTime) {
        let from = now - self.cfg.stable_window;
        while self.history.len() > 1 && self.history[1].0 <= from {
            self.history.pop_front();
        }
    }

    /// Knative `autoscaler.Scale`: the decider's desired pod count.
    fn decide(&mut self, now: SimTime, ready: u32) -> u32 {
        let c = &self.cfg;
        let target = (c.target * c.target_utilization).max(0.01);
        let ready_f = f64::from(ready.max(1));
        let max_up = (c.max_scale_up_rate * ready_f).ceil();
        let max_down = (ready_f / c.max_scale_down_rate).floor();
        let stable = self.window_average(now, c.stable_window);
        let panic = self.window_average(now, self.panic_window());
        let dspc = (stable / target).ceil();
        let dppc = (panic / target).ceil();
        let desired_stable = dspc.max(max_down).min(max_up) as u32;
        let desired_panic = dppc.max(max_down).min(max_up) as u32;
        let over = dppc / ready_f >= c.panic_threshold;
        if over {
            self.panic_time = Some(now);
        } else if self.panic_time.is_some_and(|p| p + c.stable_window < now) {
            self.panic_time = None;
            self.max_panic_pods = 0;
        }
        let mut desired = desired_stable;
        if self.panic_time.is_some() {
            desired = desired.max(desired_panic);
            self.max_panic_pods = self.max_panic_pods.max(desired);
            desired = self.max_panic_pods;
        }
        // The activator holds requests: scale from zero at once.
        if !self.held.is_empty() {
            desired = desired.max(1);
        }
        desired
    }
}

impl Simulation {
    /// Starts the request sources and KPA deciders.
    pub(super) fn start_scale_to_zero(&mut self) {
        let now = self.engine.now();
        for w in 0..self.scale_to_zero.workloads.len() {
            let Some(s) = self.scale_to_zero.workloads[w].as_mut() else {
                continue;
            };
            if let Some(t) = s.next_arrival(now, self.end) {
                self.engine
                    .schedule_at(t, Event::ScaleToZeroArrival(w as u32));
            }
            match &s.policy {
                Policy::Kpa(_) => self.ensure_kpa_ticking(w),
                Policy::PerRequest(_) => {
                    // Warm instances start idle, their keep-alive running.
                    let d = DeploymentId(w as u32);
                    let pods: Vec<PodId> = self
                        .state
                        .deployment(d)
                        .replica_sets
                        .iter()
                        .flat_map(|rs| self.state.rs(*rs).pods.clone())
                        .filter(|&p| self.state.pod(p).phase == PodPhase::Ready)
                        .collect();
                    for p in pods {
                        self.instance_free(w, p, false);
                    }
                }
            }
        }
    }

    /// The built-in source's arrival event: one request, and the next
    /// arrival.
    pub(super) fn on_scale_to_zero_arrival(&mut self, w: usize) {
        let now = self.engine.now();
        let Some(s) = self.scale_to_zero.workloads[w].as_mut() else {
            return;
        };
        let service = s.service.sample(&mut s.rng_service);
        if let Some(t) = s.next_arrival(now, self.end)
            && t <= self.end
        {
            self.engine
                .schedule_at(t, Event::ScaleToZeroArrival(w as u32));
        }
        self.scale_to_zero_request(w, service);
    }

    /// A request for scale-to-zero workload `w` arrives now and needs
    /// `service` of an instance's time. The one entry point for requests:
    /// the built-in source calls it, and so can a traffic model.
    pub(super) fn scale_to_zero_request(&mut self, w: usize, service: SimDuration) {
        let now = self.engine.now();
        let serving = self.workload_metrics[w].serving;
        let replicas = self.state.deployments[w].replicas;
        let Some(s) = self.scale_to_zero.workloads[w].as_mut() else {
            return;
        };
        s.requests += 1;
        s.flight(now, 1);
        match &mut s.policy {
            Policy::Kpa(k) => {
                if serving > 0 {
                    self.start_service(w, None, now, service, false);
                } else {
                    k.held.push_back((now, service));
                    s.cold_starts += 1;
                    // The activator's stat pokes the autoscaler when its
                    // last decision was zero (`MultiScaler.Poke`).
                    if k.desired == 0 {
                        self.kpa_decide_and_reconcile(w);
                    }
                    self.ensure_kpa_ticking(w);
                }
            }
            Policy::PerRequest(p) => {
                let state = &self.state;
                let found = p
                    .idle
                    .iter()
                    .rposition(|&(pod, _)| state.pod(pod).is_api_ready());
                if let Some(i) = found {
                    let (pod, timer) = p.idle.remove(i);
                    self.engine.cancel(timer);
                    self.start_service(w, Some(pod), now, service, false);
                } else if p.max_instances == 0 || replicas < p.max_instances {
                    p.cold.push_back((now, service));
                    s.cold_starts += 1;
                    self.set_instances(w, replicas + 1, "cold start");
                } else {
                    p.queued.push_back((now, service));
                }
            }
        }
    }

    /// A request that arrived at `arrived` starts its service now.
    /// `cold`: it waited for an instance.
    fn start_service(
        &mut self,
        w: usize,
        pod: Option<PodId>,
        arrived: SimTime,
        service: SimDuration,
        cold: bool,
    ) {
        let now = self.engine.now();
        let s = self.scale_to_zero.workloads[w].as_mut().expect("s2z");
        let wait = now.since(arrived).as_millis();
        if cold {
            s.cold_wait_ms += u128::from(wait);
        }
        s.wait_ms += u128::from(wait);
        s.max_wait_ms = s.max_wait_ms.max(wait);
        s.advance(now);
        s.in_service += 1;
        self.engine.schedule_in(
            service,
            Event::ScaleToZeroDone {
                workload: w as u32,
                pod,
            },
        );
    }

    pub(super) fn on_scale_to_zero_done(&mut self, w: usize, pod: Option<PodId>) {
        let now = self.engine.now();
        let s = self.scale_to_zero.workloads[w].as_mut().expect("s2z");
        s.advance(now);
        s.in_service -= 1;
        s.flight(now, -1);
        if let Some(pod) = pod
            && self.state.pod(pod).is_active()
        {
            self.instance_free(w, pod, false);
        }
    }

    /// A per_request instance is free (`new`: it just became ready): a new
    /// one serves the oldest request that started an instance, else the
    /// oldest queued one; a finishing one serves the oldest queued request;
    /// otherwise it goes idle with its keep-alive running.
    fn instance_free(&mut self, w: usize, pod: PodId, new: bool) {
        let s = self.scale_to_zero.workloads[w].as_mut().expect("s2z");
        let Policy::PerRequest(p) = &mut s.policy else {
            return;
        };
        let cold = if new { p.cold.pop_front() } else { None };
        if let Some((arrived, service)) = cold {
            self.start_service(w, Some(pod), arrived, service, true);
        } else if let Some((arrived, service)) = p.queued.pop_front() {
            self.start_service(w, Some(pod), arrived, service, false);
        } else {
            let t = self
                .engine
                .schedule_in(p.keep_alive, Event::KeepAliveExpired(pod));
            p.idle.push((pod, t));
        }
    }

    pub(super) fn on_keep_alive_expired(&mut self, pod: PodId) {
        let w = self.state.pod(pod).deployment.idx();
        let Some(s) = self.scale_to_zero.workloads[w].as_mut() else {
            return;
        };
        let Policy::PerRequest(p) = &mut s.policy else {
            return;
        };
        let Some(i) = p.idle.iter().position(|&(x, _)| x == pod) else {
            return;
        };
        p.idle.remove(i);
        if !self.state.pod(pod).is_active() {
            return; // already deleted; its replacement has its own keep-alive
        }
        // Remove this very instance: lower the replica counts and delete the
        // pod together.
        let d = DeploymentId(w as u32);
        let rs = self.state.pod(pod).rs;
        let replicas = self.state.deployment(d).replicas.saturating_sub(1);
        self.set_desired(w, replicas, "keep-alive expired");
        let dep = self.state.deployment(d);
        let surge = deployment_algo::max_surge(dep.strategy, replicas);
        let rs_replicas = self.state.rs(rs).replicas.saturating_sub(1);
        self.apply(Action::ScaleReplicaSet {
            rs,
            replicas: rs_replicas,
            desired_annotation: replicas,
            max_annotation: replicas + surge,
        });
        self.apply(Action::DeletePod {
            pod,
            reason: DeleteReason::ScaleDown,
        });
        if replicas == 0 {
            self.scale_to_zero.workloads[w]
                .as_mut()
                .expect("s2z")
                .scale_to_zero_count += 1;
        }
    }

    /// Called when a pod becomes Ready.
    pub(super) fn scale_to_zero_pod_ready(&mut self, pod: PodId) {
        let w = self.state.pod(pod).deployment.idx();
        let Some(s) = self
            .scale_to_zero
            .workloads
            .get_mut(w)
            .and_then(Option::as_mut)
        else {
            return;
        };
        match &mut s.policy {
            Policy::Kpa(_) => {
                self.flush_activator(w);
                self.kpa_reconcile(w);
            }
            Policy::PerRequest(p) => {
                if p.idle.iter().all(|&(x, _)| x != pod) {
                    self.instance_free(w, pod, true);
                }
            }
        }
    }

    /// The activator sends the requests it holds to the serving pods.
    fn flush_activator(&mut self, w: usize) {
        if self.workload_metrics[w].serving == 0 {
            return;
        }
        let s = self.scale_to_zero.workloads[w].as_mut().expect("s2z");
        let Policy::Kpa(k) = &mut s.policy else {
            return;
        };
        let held: Vec<_> = k.held.drain(..).collect();
        for (arrived, service) in held {
            self.start_service(w, None, arrived, service, true);
        }
    }

    /// Sets the Deployment's replicas (the instance count) and wakes its
    /// controller.
    fn set_instances(&mut self, w: usize, replicas: u32, why: &str) {
        self.set_desired(w, replicas, why);
        self.enqueue_deployment(DeploymentId(w as u32));
    }

    fn set_desired(&mut self, w: usize, replicas: u32, why: &str) {
        let now = self.engine.now();
        let d = DeploymentId(w as u32);
        let before = self.state.deployments[w].replicas;
        if before == replicas {
            return;
        }
        self.state.deployments[w].replicas = replicas;
        let m = &mut self.workload_metrics[w];
        m.advance(now);
        m.desired = replicas;
        m.after_change();
        let name = self.state.deployment(d).name.clone();
        self.log(
            "scale_to_zero",
            name,
            format!("replicas {before} -> {replicas} ({why})"),
        );
    }

    // ---- KPA ---------------------------------------------------------------

    fn ensure_kpa_ticking(&mut self, w: usize) {
        let now = self.engine.now();
        let Some(Policy::Kpa(k)) = self.scale_to_zero.workloads[w]
            .as_mut()
            .map(|s| &mut s.policy)
        else {
            return;
        };
        if !k.ticking {
            k.ticking = true;
            let at = now.next_multiple_after(k.cfg.tick);
            self.engine.schedule_at(at, Event::KpaTick(w as u32));
        }
    }

    pub(super) fn on_kpa_tick(&mut self, w: usize) {
        let now = self.engine.now();
        self.flush_activator(w);
        self.kpa_decide_and_reconcile(w);
        let replicas = self.state.deployment(DeploymentId(w as u32)).replicas;
        let active = self.workload_metrics[w].active_pods;
        let s = self.scale_to_zero.workloads[w].as_mut().expect("s2z");
        let in_flight = s.in_flight;
        let Policy::Kpa(k) = &mut s.policy else {
            return;
        };
        k.prune(now);
        // Idle at zero with an empty window: the decider sleeps until the
        // next request pokes it (its result would be 0 every tick).
        let quiet = replicas == 0
            && active == 0
            && in_flight == 0
            && matches!(k.status, PaStatus::Inactive(_))
            && k.window_average(now, k.cfg.stable_window) == 0.0;
        if quiet {
            k.ticking = false;
        } else {
            self.engine
                .schedule_in(k.cfg.tick, Event::KpaTick(w as u32));
        }
    }

    pub(super) fn on_kpa_reconcile(&mut self, w: usize) {
        let now = self.engine.now();
        if let Some(Policy::Kpa(k)) = self.scale_to_zero.workloads[w]
            .as_mut()
            .map(|s| &mut s.policy)
            && k.requeue == Some(now)
        {
            k.requeue = None;
        }
        self.kpa_reconcile(w);
    }

    fn kpa_decide_and_reconcile(&mut self, w: usize) {
        let now = self.engine.now();
        let ready = self.workload_metrics[w].endpoints;
        let recording = self.workload_metrics[w].active_pods > 0;
        let s = self.scale_to_zero.workloads[w].as_mut().expect("s2z");
        let in_flight = s.in_flight;
        let Policy::Kpa(k) = &mut s.policy else {
            return;
        };
        if recording || in_flight > 0 {
            k.record_data(now);
        }
        k.desired = k.decide(now, ready);
        self.kpa_reconcile(w);
    }

    /// The PodAutoscaler reconciler: bounds, `handleScaleToZero`, the scale
    /// itself and `computeActiveCondition`.
    fn kpa_reconcile(&mut self, w: usize) {
        let now = self.engine.now();
        let d = DeploymentId(w as u32);
        let current = self.state.deployment(d).replicas;
        let ready = self.workload_metrics[w].endpoints;
        let s = self.scale_to_zero.workloads[w].as_mut().expect("s2z");
        let Policy::Kpa(k) = &mut s.policy else {
            return;
        };
        let c = &k.cfg;
        let mut want = k.desired.max(c.min_scale);
        if c.max_scale > 0 {
            want = want.min(c.max_scale);
        }
        // handleScaleToZero.
        let mut requeue = None;
        let (want, apply): (Option<u32>, bool) = if want != 0 {
            (Some(want), true)
        } else {
            match k.status {
                PaStatus::Activating(since) => {
                    if now.since(since) >= ACTIVATION_TIMEOUT {
                        (Some(0), true)
                    } else {
                        requeue = Some(since + ACTIVATION_TIMEOUT);
                        (None, false)
                    }
                }
                PaStatus::Active(since) => {
                    if now.since(since) >= c.stable_window {
                        (Some(0), false)
                    } else {
                        requeue = Some(since + c.stable_window);
                        (Some(1), true)
                    }
                }
                PaStatus::Inactive(since) => {
                    if now.since(since) >= c.grace_period {
                        (Some(0), true)
                    } else {
                        requeue = Some(since + c.grace_period);
                        (Some(0), false)
                    }
                }
            }
        };
        // computeActiveCondition (activeThreshold: max(1, min_scale)).
        let min_ready = c.min_scale.max(1);
        let inactive = matches!(k.status, PaStatus::Inactive(_));
        let next = if want == Some(0) {
            (!inactive).then_some(PaStatus::Inactive(now))
        } else if ready < min_ready {
            (want.is_some_and(|x| x > 0) || !inactive)
                .then_some(PaStatus::Activating(now))
                .filter(|_| !matches!(k.status, PaStatus::Activating(_)))
        } else {
            (want.is_some_and(|x| x > 0) || !inactive)
                .then_some(PaStatus::Active(now))
                .filter(|_| !matches!(k.status, PaStatus::Active(_)))
        };
        if let Some(st) = next {
            k.status = st;
            if let PaStatus::Inactive(t) = st {
                requeue = Some(t + c.grace_period);
            }
        }
        if let Some(t) = requeue.map(|t| t.max(now))
            && k.requeue.is_none_or(|r| r < now || r > t)
        {
            k.requeue = Some(t);
            self.engine.schedule_at(t, Event::KpaReconcile(w as u32));
        }
        if apply
            && let Some(want) = want
            && want != current
        {
            if want == 0 {
                s.scale_to_zero_count += 1;
            }
            self.set_instances(w, want, "kpa");
        }
    }

    /// The `scale_to_zero` figures of workload `w` over `[0, end]`.
    /// Requests arrived and requests done of scale-to-zero workload `w`
    /// (`None` for other workloads).
    pub(super) fn scale_to_zero_requests(&self, w: usize) -> Option<(u64, u64)> {
        let s = self.scale_to_zero.workloads[w].as_ref()?;
        Some((s.requests, s.requests - u64::from(s.in_flight)))
    }

    pub(super) fn scale_to_zero_summary(
        &mut self,
        w: usize,
        end: SimTime,
    ) -> Option<ScaleToZeroSummary> {
        let (instances_ms, zero_ms) = self.workload_metrics[w].active_pods_integrals();
        let s = self.scale_to_zero.workloads[w].as_mut()?;
        s.advance(end);
        let total = end.as_millis().max(1) as f64;
        let requests = s.requests;
        let per = |ms: u128, n: u64| if n == 0 { 0.0 } else { ms as f64 / n as f64 };
        Some(ScaleToZeroSummary {
            policy: match s.policy {
                Policy::Kpa(_) => "kpa",
                Policy::PerRequest(_) => "per_request",
            },
            requests,
            cold_starts: s.cold_starts,
            cold_start_ratio: if requests == 0 {
                0.0
            } else {
                s.cold_starts as f64 / requests as f64
            },
            instances_mean: instances_ms as f64 / total,
            concurrency_mean: s.in_service_ms as f64 / total,
            added_latency_mean_ms: per(s.wait_ms, requests),
            cold_start_latency_mean_ms: per(s.cold_wait_ms, s.cold_starts),
            added_latency_max_ms: s.max_wait_ms as f64,
            time_at_zero_s: zero_ms as f64 / 1000.0,
            scaled_to_zero: s.scale_to_zero_count,
        })
    }
}
