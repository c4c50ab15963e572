//! Resolution of a workload's `traffic` and `hpa` blocks.

use super::check::{Cx, Obj};
use super::node::{Node, Value};
use super::quantity::Problem;
use super::*;
use crate::controllers::hpa_algo::{
    Behavior, PolicyKind, ScalingPolicy, ScalingRules, SelectPolicy,
};
use crate::engine::SimDuration;
use crate::traffic::{Interpolation, MAX_TRACE_BYTES, Trace};
use crate::units::MilliCpu;
use std::path::Path;
use std::sync::Arc;

const TRAFFIC: &[&str] = &[
    "rate",
    "pattern",
    "capacity_per_pod",
    "cpu_per_request",
    "mode",
    "noise",
    "service_time",
    "concurrency",
    "load_balancer",
    "timeout",
];
const REQUESTS_ONLY: &[&str] = &["service_time", "concurrency", "load_balancer", "timeout"];
const PATTERNS: &[&str] = &[
    "constant", "diurnal", "step", "spike", "ramp", "bursty", "replay",
];
const PATTERN_HINT: &str =
    "write `constant`, a shape like {diurnal: {amplitude: 0.5}}, or a list of shapes";

/// `traffic: {rate, pattern, capacity_per_pod, cpu_per_request, mode, noise,
/// service_time, concurrency, load_balancer, timeout}`.
pub(super) fn resolve_traffic(cx: &mut Cx, n: &Node, path: &str) -> Option<Traffic> {
    let o = cx.obj(n, path, TRAFFIC)?;
    let mode = cx.or(&o, "mode", "fluid", |cx, n, p| {
        cx.choice(n, p, &["fluid", "requests"])
    });
    let pattern = cx.or(&o, "pattern", TrafficPattern::Constant, traffic_pattern);
    let replays = pattern.as_ref().is_some_and(has_replay);
    let rate = if replays {
        cx.or(&o, "rate", 1.0, |cx, n, p| cx.f64_in(n, p, 0.0, 1e12))
    } else {
        cx.req(&o, "rate", |cx, n, p| cx.f64_in(n, p, 0.0, 1e12))
    };
    let positive = |cx: &mut Cx, n: &Node, p: &str| {
        let v = cx.f64_in(n, p, 0.0, 1e12)?;
        if v == 0.0 {
            cx.err(n.loc, p, "must be more than zero");
            return None;
        }
        Some(v)
    };
    let capacity = cx.opt(&o, "capacity_per_pod", positive);
    let cpu_per_request = cx.or(&o, "cpu_per_request", MilliCpu(0), Cx::cpu);
    let noise = cx.opt(&o, "noise", |cx, n, p| {
        cx.choice(n, p, &["poisson", "none"])
            .map(|v| v == "poisson")
    });
    let mode = match mode? {
        "fluid" => {
            for key in REQUESTS_ONLY {
                if o.has(key) {
                    cx.report(
                        o.key_loc(key),
                        &o.path(key),
                        Problem::new(format!("`{key}` applies to mode: requests only"))
                            .hint("set `mode: requests`, or remove it"),
                    );
                }
            }
            if matches!(capacity, Some(None)) {
                cx.report(
                    o.loc,
                    path,
                    Problem::new("missing field `capacity_per_pod`")
                        .hint("fluid traffic needs the requests per second one pod can serve"),
                );
                return None;
            }
            TrafficMode::Fluid
        }
        _ => TrafficMode::Requests(request_model(cx, &o, path)?),
    };
    let capacity = match (capacity?, &mode) {
        (Some(c), _) => c,
        (None, TrafficMode::Requests(r)) => {
            let mean = r.service_time.mean_secs();
            if mean > 0.0 {
                f64::from(r.concurrency) / mean
            } else {
                f64::INFINITY
            }
        }
        (None, TrafficMode::Fluid) => return None,
    };
    let noise = noise?.unwrap_or(matches!(mode, TrafficMode::Requests(_)));
    Some(Traffic {
        rate_rps: rate?,
        pattern: pattern?,
        capacity_per_pod_rps: capacity,
        cpu_per_request: cpu_per_request?,
        mode,
        noise,
    })
}

fn request_model(cx: &mut Cx, o: &Obj, path: &str) -> Option<RequestModel> {
    let service_time = cx.opt(o, "service_time", |cx, n, p| cx.dist(n, p, false))?;
    let Some(service_time) = service_time else {
        cx.report(
            o.loc,
            path,
            Problem::new("missing field `service_time`")
                .hint("requests mode needs a service time, e.g. {dist: exponential, mean: 20ms}"),
        );
        return None;
    };
    let concurrency = cx.or(o, "concurrency", 1, |cx, n, p| {
        let v = cx.positive_u32(n, p)?;
        if v > 100_000 {
            cx.err(n.loc, p, format!("must be at most 100000, got {v}"));
            return None;
        }
        Some(v)
    });
    let load_balancer = cx.or(o, "load_balancer", LoadBalancer::Random, |cx, n, p| {
        Some(
            match cx.choice(n, p, &["random", "round_robin", "least_request"])? {
                "random" => LoadBalancer::Random,
                "round_robin" => LoadBalancer::RoundRobin,
                _ => LoadBalancer::LeastRequest,
            },
        )
    });
    let timeout = cx.opt(o, "timeout", Cx::positive_duration);
    Some(RequestModel {
        service_time,
        concurrency: concurrency?,
        load_balancer: load_balancer?,
        timeout: timeout?,
    })
}

fn has_replay(p: &TrafficPattern) -> bool {
    match p {
        TrafficPattern::Replay { .. } => true,
        TrafficPattern::Product(ps) => ps.iter().any(has_replay),
        _ => false,
    }
}

/// `constant`, one shape `{kind: {...}}`, or a list of shapes.
pub(super) fn traffic_pattern(cx: &mut Cx, n: &Node, path: &str) -> Option<TrafficPattern> {
    match &n.value {
        Value::Seq(_) => {
            let items = cx.list(n, path, pattern_item)?;
            Some(match items.len() {
                0 => TrafficPattern::Constant,
                1 => items.into_iter().next().expect("one item"),
                _ => TrafficPattern::Product(items),
            })
        }
        _ => pattern_item(cx, n, path),
    }
}

fn pattern_item(cx: &mut Cx, n: &Node, path: &str) -> Option<TrafficPattern> {
    if let Value::Str(_) = n.value {
        cx.choice(n, path, &["constant"])?;
        return Some(TrafficPattern::Constant);
    }
    let o = cx.obj(n, path, PATTERNS)?;
    let present: Vec<&str> = PATTERNS.iter().copied().filter(|k| o.has(k)).collect();
    let kind = match present.as_slice() {
        [k] => *k,
        [] => {
            cx.report(
                o.loc,
                path,
                Problem::new("empty pattern").hint(PATTERN_HINT),
            );
            return None;
        }
        many => {
            cx.report(
                o.loc,
                path,
                Problem::new(format!(
                    "a pattern item is one shape, got {}",
                    many.join(" and ")
                ))
                .hint("to combine shapes, list them: pattern: [{diurnal: ...}, {spike: ...}]"),
            );
            return None;
        }
    };
    let body = o.get(kind).expect("present");
    let p = o.path(kind);
    match kind {
        "constant" => {
            if !matches!(&body.value, Value::Map(m) if m.is_empty()) {
                cx.err(
                    body.loc,
                    &p,
                    "constant takes no parameters; write `pattern: constant`",
                );
                return None;
            }
            Some(TrafficPattern::Constant)
        }
        "diurnal" => {
            let d = cx.obj(body, &p, &["amplitude", "period", "peak"])?;
            let amplitude = cx.req(&d, "amplitude", |cx, n, p| cx.f64_in(n, p, 0.0, 1.0));
            let period = cx.or(
                &d,
                "period",
                SimDuration::from_secs(86_400),
                Cx::positive_duration,
            );
            let peak = cx.or(&d, "peak", SimDuration::from_secs(43_200), Cx::duration);
            let (period, peak) = (period?, peak?);
            if peak >= period {
                cx.err(
                    d.key_loc("peak"),
                    &d.path("peak"),
                    format!("the peak ({peak}) must fall within the period ({period})"),
                );
                return None;
            }
            Some(TrafficPattern::Diurnal {
                amplitude: amplitude?,
                period,
                peak,
            })
        }
        "step" => {
            let d = cx.obj(body, &p, &["at", "factor"])?;
            let at = cx.req(&d, "at", Cx::duration);
            let factor = cx.req(&d, "factor", factor);
            Some(TrafficPattern::Step {
                at: at?,
                factor: factor?,
            })
        }
        "spike" => {
            let d = cx.obj(body, &p, &["at", "factor", "duration"])?;
            let at = cx.req(&d, "at", Cx::duration);
            let factor = cx.req(&d, "factor", factor);
            let duration = cx.req(&d, "duration", Cx::positive_duration);
            Some(TrafficPattern::Spike {
                at: at?,
                factor: factor?,
                duration: duration?,
            })
        }
        "ramp" => {
            let d = cx.obj(body, &p, &["at", "duration", "from", "to"])?;
            let at = cx.req(&d, "at", Cx::duration);
            let duration = cx.req(&d, "duration", Cx::positive_duration);
            let from = cx.or(&d, "from", 1.0, factor);
            let to = cx.req(&d, "to", factor);
            Some(TrafficPattern::Ramp {
                at: at?,
                duration: duration?,
                from: from?,
                to: to?,
            })
        }
        "bursty" => {
            // Not `on`/`off`: YAML 1.1 readers take those keys for booleans.
            let d = cx.obj(body, &p, &["factor", "burst", "gap"])?;
            let factor = cx.req(&d, "factor", factor);
            let burst = cx.req(&d, "burst", Cx::positive_duration);
            let gap = cx.req(&d, "gap", Cx::positive_duration);
            Some(TrafficPattern::Bursty {
                factor: factor?,
                burst: burst?,
                gap: gap?,
            })
        }
        _ => replay(cx, body, &p),
    }
}

/// A multiplier: finite, not negative, at most 10^6.
fn factor(cx: &mut Cx, n: &Node, path: &str) -> Option<f64> {
    cx.f64_in(n, path, 0.0, 1e6)
}

/// `{path, interpolation, loop}`: reads and parses the trace now, so a
/// missing or malformed file is reported with the scenario's other problems.
fn replay(cx: &mut Cx, n: &Node, path: &str) -> Option<TrafficPattern> {
    let d = cx.obj(n, path, &["path", "interpolation", "loop"])?;
    let file = cx.req(&d, "path", Cx::string);
    let interpolation = cx.or(&d, "interpolation", Interpolation::Linear, |cx, n, p| {
        Some(match cx.choice(n, p, &["linear", "step"])? {
            "linear" => Interpolation::Linear,
            _ => Interpolation::Step,
        })
    });
    let looped = cx.or(&d, "loop", false, Cx::bool);
    let (file, interpolation, looped) = (file?, interpolation?, looped?);
    let base = Path::new(cx.origin())
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let full = base.join(&file);
    let loc = d.key_loc("path");
    let p = d.path("path");
    let text = match read_trace(&full) {
        Ok(t) => t,
        Err(e) => {
            cx.report(
                loc,
                &p,
                Problem::new(format!("cannot read trace {}: {e}", full.display()))
                    .hint("the path is relative to the scenario file"),
            );
            return None;
        }
    };
    match Trace::parse(&text, looped) {
        Ok(trace) => Some(TrafficPattern::Replay {
            path: file,
            trace: Arc::new(trace),
            interpolation,
            looped,
        }),
        Err(e) => {
            cx.err(loc, &p, format!("trace {}: {e}", full.display()));
            None
        }
    }
}

pub(super) fn read_trace(path: &Path) -> Result<String, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_TRACE_BYTES {
        return Err(format!(
            "the file is {len} bytes, more than the {MAX_TRACE_BYTES}-byte limit for traces"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())
}

/// `hpa: {min, max, target_cpu_utilization, behavior}`.
pub(super) fn resolve_hpa(cx: &mut Cx, n: &Node, path: &str) -> Option<Hpa> {
    let o = cx.obj(
        n,
        path,
        &["min", "max", "target_cpu_utilization", "behavior"],
    )?;
    let min = cx.or(&o, "min", 1, Cx::positive_u32);
    let max = cx.req(&o, "max", Cx::positive_u32);
    let target = cx.or(&o, "target_cpu_utilization", 80, |cx, n, p| {
        let v = cx.percent(n, p)?;
        if v == 0 {
            cx.err(n.loc, p, "must be more than 0%");
            return None;
        }
        Some(v)
    });
    let behavior = cx.opt(&o, "behavior", resolve_behavior);
    let (min, max) = (min?, max?);
    if min > max {
        cx.err(
            o.key_loc("min"),
            &o.path("min"),
            format!("min ({min}) is more than max ({max})"),
        );
        return None;
    }
    Some(Hpa {
        min,
        max,
        target_cpu_utilization_percent: target?,
        behavior: behavior?,
    })
}

/// `behavior: {scale_up, scale_down}`; what is left out takes upstream's
/// defaults (`GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules`).
fn resolve_behavior(cx: &mut Cx, n: &Node, path: &str) -> Option<Behavior> {
    let o = cx.obj(n, path, &["scale_up", "scale_down"])?;
    let up = cx.or(
        &o,
        "scale_up",
        ScalingRules::default_scale_up(),
        |cx, n, p| scaling_rules(cx, n, p, ScalingRules::default_scale_up()),
    );
    let down = cx.or(
        &o,
        "scale_down",
        ScalingRules::default_scale_down(),
        |cx, n, p| scaling_rules(cx, n, p, ScalingRules::default_scale_down()),
    );
    Some(Behavior {
        scale_up: up?,
        scale_down: down?,
    })
}

/// `{stabilization_window, select_policy, policies, tolerance}`, with the
/// API's limits: window 0..=1h, policy values > 0, periods 1 s..=30 min.
fn scaling_rules(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    defaults: ScalingRules,
) -> Option<ScalingRules> {
    let o = cx.obj(
        n,
        path,
        &[
            "stabilization_window",
            "select_policy",
            "policies",
            "tolerance",
        ],
    )?;
    let window = cx.opt(&o, "stabilization_window", |cx, n, p| {
        let d = cx.seconds(n, p)?;
        if d.as_millis() % 1000 != 0 || d > SimDuration::from_secs(3600) {
            cx.err(
                n.loc,
                p,
                format!("must be whole seconds between 0s and 1h, got {d}"),
            );
            return None;
        }
        Some((d.as_millis() / 1000) as u32)
    });
    let select = cx.or(&o, "select_policy", defaults.select_policy, |cx, n, p| {
        Some(match cx.choice(n, p, &["max", "min", "disabled"])? {
            "max" => SelectPolicy::Max,
            "min" => SelectPolicy::Min,
            _ => SelectPolicy::Disabled,
        })
    });
    let policies = cx.opt(&o, "policies", |cx, n, p| cx.list(n, p, policy));
    let tolerance = cx.opt(&o, "tolerance", |cx, n, p| {
        let v = cx.f64_percent(n, p)?;
        if !(0.0..100.0).contains(&v) {
            cx.err(n.loc, p, format!("must be from 0% to below 100%, got {v}%"));
            return None;
        }
        Some(v / 100.0)
    });
    let policies = match policies? {
        Some(ps) if !ps.is_empty() => ps,
        _ => defaults.policies,
    };
    Some(ScalingRules {
        stabilization_window_s: window?.or(defaults.stabilization_window_s),
        select_policy: select?,
        policies,
        tolerance: tolerance?,
    })
}

/// `{type: pods | percent, value, period}`.
fn policy(cx: &mut Cx, n: &Node, path: &str) -> Option<ScalingPolicy> {
    let o = cx.obj(n, path, &["type", "value", "period"])?;
    let kind = cx.req(&o, "type", |cx, n, p| {
        Some(match cx.choice(n, p, &["pods", "percent"])? {
            "pods" => PolicyKind::Pods,
            _ => PolicyKind::Percent,
        })
    });
    let value = cx.req(&o, "value", Cx::positive_u32);
    let period = cx.req(&o, "period", |cx, n, p| {
        let d = cx.seconds(n, p)?;
        if d.as_millis() % 1000 != 0
            || d < SimDuration::from_secs(1)
            || d > SimDuration::from_secs(1800)
        {
            cx.err(
                n.loc,
                p,
                format!("must be whole seconds between 1s and 30m, got {d}"),
            );
            return None;
        }
        Some((d.as_millis() / 1000) as u32)
    });
    Some(ScalingPolicy {
        kind: kind?,
        value: value?,
        period_s: period?,
    })
}
