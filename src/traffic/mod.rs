//! Offered load: rate functions and the statistics of served requests.
//!
//! Pure models, free of the simulation: [`RateModel`] (a base rate times
//! pattern factors, with exact integrals, capped integrals and inversion,
//! see [`series`]), trace files ([`Trace`]) and latency histograms
//! ([`LatencyHistogram`]). The simulation (`crate::sim`) routes the load to
//! pods, decides what is served and feeds CPU usage to the autoscaler.

pub mod latency;
pub mod rate;
pub mod series;
pub mod trace;

pub use latency::LatencyHistogram;
pub use rate::{Factor, Mmpp, RateModel};
pub use trace::{Interpolation, MAX_TRACE_BYTES, Trace, TraceError};

use crate::engine::RngStreams;
use crate::scenario::{Traffic, TrafficPattern};

/// The rate model of a workload's `traffic`: its base rate and factors, with
/// the bursty factors' streams named `traffic/<workload>/bursty/<i>` and the
/// fluid noise stream `traffic/<workload>/noise`. `fluid_noise` adds Poisson
/// count noise (fluid mode; requests mode draws Poisson arrivals instead).
pub fn rate_model(
    workload: &str,
    traffic: &Traffic,
    streams: &RngStreams,
    fluid_noise: bool,
) -> RateModel {
    let m = pattern_rate_model(
        &format!("traffic/{workload}"),
        traffic.rate_rps,
        &traffic.pattern,
        streams,
    );
    if fluid_noise {
        m.with_noise(streams.stream(&format!("traffic/{workload}/noise")))
    } else {
        m
    }
}

/// `rate` times the factors of `pattern`, without noise; the bursty
/// factors' streams are named `<prefix>/bursty/<i>` (also the arrival rate
/// of a `jobs` class, prefix `jobs/<class>`).
pub fn pattern_rate_model(
    prefix: &str,
    rate: f64,
    pattern: &TrafficPattern,
    streams: &RngStreams,
) -> RateModel {
    let mut factors = Vec::new();
    let mut bursty = 0;
    collect_factors(pattern, prefix, streams, &mut bursty, &mut factors);
    RateModel::new(rate, factors)
}

fn collect_factors(
    p: &TrafficPattern,
    prefix: &str,
    streams: &RngStreams,
    bursty: &mut usize,
    out: &mut Vec<Factor>,
) {
    let s = |d: crate::engine::SimDuration| d.as_secs_f64();
    match p {
        TrafficPattern::Constant => {}
        TrafficPattern::Diurnal {
            amplitude,
            period,
            peak,
        } => out.push(Factor::Diurnal {
            amplitude: *amplitude,
            period_s: s(*period),
            peak_s: s(*peak),
        }),
        TrafficPattern::Step { at, factor } => out.push(Factor::Step {
            at_s: s(*at),
            factor: *factor,
        }),
        TrafficPattern::Spike {
            at,
            factor,
            duration,
        } => out.push(Factor::Spike {
            at_s: s(*at),
            duration_s: s(*duration),
            factor: *factor,
        }),
        TrafficPattern::Ramp {
            at,
            duration,
            from,
            to,
        } => out.push(Factor::Ramp {
            at_s: s(*at),
            duration_s: s(*duration),
            from: *from,
            to: *to,
        }),
        TrafficPattern::Bursty { factor, burst, gap } => {
            let rng = streams.stream(&format!("{prefix}/bursty/{bursty}"));
            *bursty += 1;
            out.push(Factor::Bursty(Mmpp::new(*factor, s(*burst), s(*gap), rng)));
        }
        TrafficPattern::Replay {
            trace,
            interpolation,
            looped,
            ..
        } => out.push(Factor::Replay {
            trace: trace.clone(),
            interpolation: *interpolation,
            looped: *looped,
        }),
        TrafficPattern::Product(ps) => {
            for q in ps {
                collect_factors(q, prefix, streams, bursty, out);
            }
        }
    }
}
