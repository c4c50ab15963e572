//! The kubelet's readiness probes and the workloads' `hang` process: when
//! a started pod becomes Ready, and when a hung one leaves and rejoins the
//! endpoints. The timing rules are `controllers::readiness`.

use super::{Event, Simulation};
use crate::controllers::readiness;
use crate::engine::{SimDuration, SimTime};
use crate::model::{PodId, PodPhase};

impl Simulation {
    /// With a readiness probe, when a container starting now (its
    /// application answering after `warmup`) becomes Ready; None without a
    /// probe. Keeps the worker's anchor and run of successes.
    pub(super) fn probed_ready_at(
        &mut self,
        pod: PodId,
        new_worker: bool,
        warmup: SimDuration,
    ) -> Option<SimTime> {
        let now = self.engine.now();
        let d = self.state.pod(pod).deployment.idx();
        let probe = self.pod_specs[d].readiness.clone()?;
        let p = &self.state.pods[pod.idx()];
        let carried = match (new_worker, p.probe_run_since, p.last_crash) {
            // The successes counted before the crash, which the worker
            // keeps (`lastResult`, `resultRun`).
            (false, Some(since), Some(crash)) => {
                readiness::probes_between(p.probe_anchor, probe.period, since, crash)
            }
            _ => 0,
        };
        let anchor = if new_worker { now } else { p.probe_anchor };
        let at = readiness::ready_at(&probe, anchor, now, warmup, carried);
        let p = &mut self.state.pods[pod.idx()];
        p.probe_anchor = anchor;
        p.probe_run_since = Some(at.first_success);
        Some(at.ready)
    }

    /// Starts the hang clock of a pod that just became Ready.
    pub(super) fn arm_hang(&mut self, pod: PodId) {
        let d = self.state.pod(pod).deployment.idx();
        let Some(h) = self.pod_specs[d].hang.clone() else {
            return;
        };
        let ttf = h.mtbf.sample(&mut self.rng_hang[d]);
        let t = self.engine.schedule_in(ttf, Event::PodHangs(pod));
        self.state.pods[pod.idx()].hang_timer = Some(t);
    }

    /// The application stops answering; its container keeps running.
    pub(super) fn on_pod_hangs(&mut self, pod: PodId) {
        self.state.pods[pod.idx()].hang_timer = None;
        let p = self.state.pod(pod);
        if !p.is_active() || p.phase != PodPhase::Ready || p.hang_since.is_some() {
            return;
        }
        let now = self.engine.now();
        let d = p.deployment.idx();
        let Some(h) = self.pod_specs[d].hang.clone() else {
            return;
        };
        let duration = h.duration.sample(&mut self.rng_hang[d]);
        let ends = now + duration;
        self.update_pod(pod, |p| p.hang_since = Some(now));
        let t = self.engine.schedule_at(ends, Event::PodRecovers(pod));
        self.state.pods[pod.idx()].hang_timer = Some(t);
        let name = self.pod_name(pod);
        self.log("container_hung", name, format!("for {duration}"));
        // Without a probe the pod stays Ready (and an endpoint) throughout.
        if let Some(probe) = self.pod_specs[d].readiness.clone() {
            let anchor = self.state.pod(pod).probe_anchor;
            let (last_tick, known) = readiness::not_ready_at(&probe, anchor, now);
            if last_tick < ends {
                let t = self.engine.schedule_at(known, Event::ProbeFailed(pod));
                self.state.pods[pod.idx()].timer = Some(t);
            }
        }
    }

    /// `failure_threshold` probes failed in a row: not ready.
    pub(super) fn on_probe_failed(&mut self, pod: PodId) {
        self.state.pods[pod.idx()].timer = None;
        let p = self.state.pod(pod);
        if !p.is_active() || p.phase != PodPhase::Ready || p.hang_since.is_none() {
            return;
        }
        // The crash clock runs while Ready; it is drawn again when the pod
        // is Ready again.
        if let Some(t) = self.state.pods[pod.idx()].crash_timer.take() {
            self.engine.cancel(t);
        }
        self.update_pod(pod, |p| {
            p.phase = PodPhase::Starting;
            p.probe_run_since = None;
        });
        let d = self.state.pod(pod).deployment.idx();
        let threshold = self.pod_specs[d]
            .readiness
            .as_ref()
            .map_or(0, |r| r.failure_threshold);
        let name = self.pod_name(pod);
        self.log(
            "pod_not_ready",
            name,
            format!("readiness probe failed {threshold} times"),
        );
        let p = self.state.pod(pod);
        let (rs, d) = (p.rs, p.deployment);
        self.enqueue_replica_set(rs);
        self.enqueue_deployment(d);
    }

    /// The application answers again.
    pub(super) fn on_pod_recovers(&mut self, pod: PodId) {
        self.state.pods[pod.idx()].hang_timer = None;
        let p = self.state.pod(pod);
        let Some(since) = p.hang_since else {
            return;
        };
        let now = self.engine.now();
        let d = p.deployment.idx();
        let probe = self.pod_specs[d].readiness.clone();
        let anchor = p.probe_anchor;
        let phase = p.phase;
        self.update_pod(pod, |p| p.hang_since = None);
        let name = self.pod_name(pod);
        self.log("container_recovered", name, String::new());
        // A deleted pod (still running behind a partition) only answers
        // again; no controller cares about its readiness.
        if !self.state.pod(pod).is_active() {
            return;
        }
        match (phase, probe) {
            (PodPhase::Ready, probe) => {
                // Back before the probe gave up: a failure threshold not
                // reached leaves the pod Ready; failed probes restart the
                // run of successes.
                if let Some(t) = self.state.pods[pod.idx()].timer.take() {
                    self.engine.cancel(t);
                }
                if let Some(probe) = probe
                    && readiness::tick_at_or_after(anchor, probe.period, since) < now
                {
                    self.state.pods[pod.idx()].probe_run_since =
                        Some(readiness::tick_at_or_after(anchor, probe.period, now));
                }
                self.arm_hang(pod);
            }
            (PodPhase::Starting, Some(probe)) => {
                let at = readiness::recovered_at(&probe, anchor, now);
                self.state.pods[pod.idx()].probe_run_since = Some(at.first_success);
                let t = self.engine.schedule_at(at.ready, Event::PodReady(pod));
                self.state.pods[pod.idx()].timer = Some(t);
            }
            _ => {}
        }
    }

    /// A crash during a hang: the hang's timers go, and failed probes
    /// before the crash end the worker's run of successes.
    pub(super) fn crash_ends_hang(&mut self, pod: PodId) {
        let now = self.engine.now();
        let p = &mut self.state.pods[pod.idx()];
        let Some(since) = p.hang_since else {
            return;
        };
        let timers = [p.timer.take(), p.hang_timer.take()];
        let anchor = p.probe_anchor;
        for t in timers.into_iter().flatten() {
            self.engine.cancel(t);
        }
        let d = self.state.pod(pod).deployment.idx();
        if let Some(probe) = &self.pod_specs[d].readiness
            && readiness::tick_at_or_after(anchor, probe.period, since) < now
        {
            self.state.pods[pod.idx()].probe_run_since = None;
        }
    }
}
