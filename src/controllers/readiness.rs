//! The kubelet's readiness probe timing as pure functions of time
//! (`pkg/kubelet/prober/worker.go`, `prober_manager.go`), so the simulation
//! schedules only the transitions, not every probe.
//!
//! A pod's probe worker starts when the kubelet starts the pod (`anchor`)
//! and probes at once, then on a ticker every `period`: at
//! `anchor + k * period`. A probe does nothing before the container has
//! run for `initial_delay` (`int32(time.Since(startedAt).Seconds()) <
//! InitialDelaySeconds`, whole seconds); it succeeds when the application
//! answers. The Ready state changes after `success_threshold` successes or
//! `failure_threshold` failures in a row (`resultRun`). When a new
//! container starts, `UpdatePodStatus` triggers one extra probe at once
//! (the manual trigger), which only counts with no initial delay. The
//! worker's `lastResult` and `resultRun` survive a container restart: a
//! container that crashed while Ready and answers its first probe after
//! the restart continues the run of successes.

use crate::engine::{SimDuration, SimTime};
use crate::scenario::ReadinessProbe;

/// Upstream default `timeoutSeconds`: a probe of an application that does
/// not answer fails after this long.
pub const PROBE_TIMEOUT: SimDuration = SimDuration::from_secs(1);

/// The first tick at or after `t` of a worker started at `anchor`.
pub fn tick_at_or_after(anchor: SimTime, period: SimDuration, t: SimTime) -> SimTime {
    if t <= anchor {
        return anchor;
    }
    let p = period.as_millis().max(1);
    let k = t.since(anchor).as_millis().div_ceil(p);
    SimTime(anchor.as_millis() + k * p)
}

/// The first tick strictly after `t`.
pub fn tick_after(anchor: SimTime, period: SimDuration, t: SimTime) -> SimTime {
    tick_at_or_after(anchor, period, t + SimDuration(1))
}

/// Probes of a worker started at `anchor` in `[from, to)`, counting `from`
/// itself (a probe instant: a tick or the manual trigger).
pub fn probes_between(anchor: SimTime, period: SimDuration, from: SimTime, to: SimTime) -> u32 {
    if to <= from {
        return 0;
    }
    let first = tick_after(anchor, period, from);
    let ticks = if first >= to {
        0
    } else {
        to.since(first)
            .as_millis()
            .div_ceil(period.as_millis().max(1))
    };
    u32::try_from(1 + ticks).unwrap_or(u32::MAX)
}

/// When a container becomes Ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyAt {
    /// The first successful probe: the run of successes starts here.
    pub first_success: SimTime,
    /// The probe that completes `success_threshold` successes in a row.
    pub ready: SimTime,
}

/// A container started at `start` (the worker ticking since `anchor`)
/// whose application answers from `start + warmup`. `carried`: successes
/// in a row the worker had counted before this container (a restart after
/// a crash while Ready; 0 for a new worker).
pub fn ready_at(
    p: &ReadinessProbe,
    anchor: SimTime,
    start: SimTime,
    warmup: SimDuration,
    carried: u32,
) -> ReadyAt {
    let period = p.period;
    // The manual trigger at the start probes too, but runs only without an
    // initial delay.
    let first_probe = if p.initial_delay == SimDuration::ZERO {
        start
    } else {
        tick_at_or_after(anchor, period, start + p.initial_delay)
    };
    let answers = start + p.initial_delay.max(warmup);
    let first_success = if answers == start {
        start
    } else {
        tick_at_or_after(anchor, period, answers)
    };
    // Earlier probes of this container failed: the run starts again.
    let carried = if first_success == first_probe {
        carried
    } else {
        0
    };
    let needed = p.success_threshold.saturating_sub(carried).max(1);
    let ready = if needed == 1 {
        first_success
    } else {
        let next = tick_after(anchor, period, first_success);
        next + SimDuration(period.as_millis() * u64::from(needed - 2))
    };
    ReadyAt {
        first_success,
        ready,
    }
}

/// A Ready container whose application stops answering at `since`: the
/// `failure_threshold`-th failing probe (a tick) and when its failure is
/// known, after the probe timeout. The pod leaves the endpoints then,
/// provided the application still does not answer at that last tick.
pub fn not_ready_at(p: &ReadinessProbe, anchor: SimTime, since: SimTime) -> (SimTime, SimTime) {
    let first = tick_at_or_after(anchor, p.period, since);
    let last = first + SimDuration(p.period.as_millis() * u64::from(p.failure_threshold - 1));
    (last, last + PROBE_TIMEOUT)
}

/// A container marked not ready whose application answers again from
/// `since`: the first successful tick, and the one completing
/// `success_threshold` successes.
pub fn recovered_at(p: &ReadinessProbe, anchor: SimTime, since: SimTime) -> ReadyAt {
    let first_success = tick_at_or_after(anchor, p.period, since);
    ReadyAt {
        first_success,
        ready: first_success
            + SimDuration(p.period.as_millis() * u64::from(p.success_threshold - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime(secs * 1000)
    }
    fn d(secs: u64) -> SimDuration {
        SimDuration::from_secs(secs)
    }
    fn probe(initial_delay: u64, period: u64, success: u32, failure: u32) -> ReadinessProbe {
        ReadinessProbe {
            initial_delay: d(initial_delay),
            period: d(period),
            success_threshold: success,
            failure_threshold: failure,
        }
    }

    #[test]
    fn ticks() {
        assert_eq!(tick_at_or_after(s(100), d(10), s(100)), s(100));
        assert_eq!(tick_at_or_after(s(100), d(10), s(101)), s(110));
        assert_eq!(tick_at_or_after(s(100), d(10), s(110)), s(110));
        assert_eq!(tick_after(s(100), d(10), s(110)), s(120));
        assert_eq!(tick_at_or_after(s(100), d(10), s(50)), s(100));
        // [from, to): from, then the ticks 110, 120.
        assert_eq!(probes_between(s(100), d(10), s(103), s(121)), 3);
        assert_eq!(probes_between(s(100), d(10), s(110), s(120)), 1);
        assert_eq!(probes_between(s(100), d(10), s(110), s(110)), 0);
    }

    /// Started at 100 s (ticks 100, 110, 120, ...), startup 20 s, initial
    /// delay 5 s, period 10 s: the probes at 100 s (manual and tick 0) are
    /// within the delay, 110 s fails (the app answers from 120 s), 120 s
    /// succeeds: Ready at 120 s. With 3 successes needed: 120, 130, 140.
    #[test]
    fn first_start() {
        let p = probe(5, 10, 1, 3);
        let r = ready_at(&p, s(100), s(100), d(20), 0);
        assert_eq!((r.first_success, r.ready), (s(120), s(120)));
        // Startup 23 s: the first tick after 123 s is 130 s.
        assert_eq!(ready_at(&p, s(100), s(100), d(23), 0).ready, s(130));
        // Initial delay 25 s beyond a 20 s startup: 125 -> 130 s.
        let late = probe(25, 10, 1, 3);
        assert_eq!(ready_at(&late, s(100), s(100), d(20), 0).ready, s(130));
        let three = probe(5, 10, 3, 3);
        assert_eq!(ready_at(&three, s(100), s(100), d(20), 0).ready, s(140));
        // No delay, no startup: the probe as the container starts passes.
        let zero = probe(0, 10, 1, 3);
        assert_eq!(ready_at(&zero, s(100), s(100), d(0), 0).ready, s(100));
    }

    /// A restart at 147 s of a pod whose worker ticks since 100 s: the
    /// manual trigger at 147 s runs only without initial delay.
    #[test]
    fn restart_keeps_the_ticker_and_the_run() {
        // No delay, app answers at once: the manual probe at 147 s passes.
        let p = probe(0, 10, 1, 3);
        assert_eq!(ready_at(&p, s(100), s(147), d(0), 0).ready, s(147));
        // 3 needed and 3 carried: the first probe continues the run.
        let p3 = probe(0, 10, 3, 3);
        assert_eq!(ready_at(&p3, s(100), s(147), d(0), 5).ready, s(147));
        // 3 needed, none carried: 147 (manual), 150, 160.
        assert_eq!(ready_at(&p3, s(100), s(147), d(0), 0).ready, s(160));
        // 3 needed, 1 carried: 147, 150.
        assert_eq!(ready_at(&p3, s(100), s(147), d(0), 1).ready, s(150));
        // A 2 s warm-up: the manual probe at 147 s fails, the run starts
        // again at 150 s: 150, 160, 170.
        assert_eq!(ready_at(&p3, s(100), s(147), d(2), 5).ready, s(170));
        // Initial delay 5 s: first probe at the tick after 152 s: 160 s.
        let delayed = probe(5, 10, 1, 3);
        assert_eq!(ready_at(&delayed, s(100), s(147), d(0), 0).ready, s(160));
    }

    /// Hung from 133 s, ticks every 10 s from 100 s: failures at 140, 150,
    /// 160 s; the third is known after the 1 s timeout: 161 s.
    #[test]
    fn failure_threshold_and_recovery() {
        let p = probe(0, 10, 1, 3);
        assert_eq!(not_ready_at(&p, s(100), s(133)), (s(160), s(161)));
        assert_eq!(not_ready_at(&p, s(100), s(140)), (s(160), s(161)));
        let one = probe(0, 10, 1, 1);
        assert_eq!(not_ready_at(&one, s(100), s(133)), (s(140), s(141)));
        // Answers again from 175 s: 180 s (or 180, 190 with 2 needed).
        assert_eq!(recovered_at(&p, s(100), s(175)).ready, s(180));
        assert_eq!(
            recovered_at(&probe(0, 10, 2, 3), s(100), s(175)).ready,
            s(190)
        );
    }
}
