//! Loader tests for `traffic` (modes, pattern shapes and lists, trace
//! replay) and `hpa.behavior`.

use super::*;
use crate::controllers::hpa_algo::{PolicyKind, ScalingPolicy, ScalingRules, SelectPolicy};
use crate::dist::Dist;
use crate::traffic::Interpolation;

const BASE: &str = "\
name: base
duration: 1d
cluster:
  node_pools:
    - {name: general, count: 4, cpu: 4, memory: 16Gi}
workloads:
  - name: web
    replicas: 3
    cpu: 500m
    memory: 512Mi
";

fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

fn ok(text: &str) -> Scenario {
    load_str(text, "test.yaml", &[]).unwrap_or_else(|e| panic!("expected to load:\n{e}"))
}

fn traffic(extra: &str) -> Traffic {
    ok(&with(extra)).workloads[0].traffic.clone().unwrap()
}

fn errors(text: &str) -> Vec<String> {
    match load_str(text, "test.yaml", &[]) {
        Ok(_) => panic!("expected errors:\n{text}"),
        Err(e) => e.to_string().lines().map(str::to_string).collect(),
    }
}

#[track_caller]
fn assert_error(lines: &[String], path: &str, needle: &str) {
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!(" {path}: ")) && l.contains(needle)),
        "no error at {path} containing {needle:?} in:\n{}",
        lines.join("\n")
    );
}

#[test]
fn fluid_is_the_default_mode_without_noise() {
    let t = traffic("    traffic: {rate: 10, capacity_per_pod: 5}\n");
    assert_eq!(t.mode, TrafficMode::Fluid);
    assert!(!t.noise);
    assert_eq!(t.pattern, TrafficPattern::Constant);
    let t = traffic("    traffic: {rate: 10, capacity_per_pod: 5, noise: poisson}\n");
    assert!(t.noise);
}

#[test]
fn requests_mode_reads_its_fields_and_defaults() {
    let t = traffic(
        "    traffic: {mode: requests, rate: 50, service_time: {dist: exponential, mean: 20ms}}\n",
    );
    let TrafficMode::Requests(r) = &t.mode else {
        panic!("requests mode")
    };
    assert_eq!(r.concurrency, 1);
    assert_eq!(r.load_balancer, LoadBalancer::Random);
    assert_eq!(r.timeout, None);
    assert!(t.noise, "requests mode draws Poisson arrivals by default");
    // capacity_per_pod defaults to concurrency / mean service time.
    assert!((t.capacity_per_pod_rps - 50.0).abs() < 1e-9);
    let t = traffic(
        "    traffic: {mode: requests, rate: 50, service_time: 10ms, concurrency: 4, \
         load_balancer: least_request, timeout: 2s, noise: none}\n",
    );
    let TrafficMode::Requests(r) = &t.mode else {
        panic!("requests mode")
    };
    assert_eq!(r.service_time, Dist::Fixed(SimDuration::from_millis(10)));
    assert_eq!(
        (r.concurrency, r.load_balancer, r.timeout),
        (
            4,
            LoadBalancer::LeastRequest,
            Some(SimDuration::from_secs(2))
        )
    );
    assert!(!t.noise);
    assert!((t.capacity_per_pod_rps - 400.0).abs() < 1e-9);
}

#[test]
fn mode_rules() {
    let lines = errors(&with("    traffic: {rate: 1}\n"));
    assert_error(
        &lines,
        "workloads[0].traffic",
        "missing field `capacity_per_pod`",
    );
    let lines = errors(&with(
        "    traffic: {rate: 1, capacity_per_pod: 2, concurrency: 3}\n",
    ));
    assert_error(
        &lines,
        "workloads[0].traffic.concurrency",
        "applies to mode: requests only",
    );
    let lines = errors(&with("    traffic: {mode: requests, rate: 1}\n"));
    assert_error(
        &lines,
        "workloads[0].traffic",
        "missing field `service_time`",
    );
    let lines = errors(&with(
        "    traffic: {mode: request, rate: 1, load_balancer: roundrobin}\n",
    ));
    assert_error(
        &lines,
        "workloads[0].traffic.mode",
        "did you mean `requests`",
    );
    let lines = errors(&with(
        "    traffic: {mode: requests, rate: 1, service_time: 1s, load_balancer: roundrobin, \
         concurrency: 0, timeout: 0s}\n",
    ));
    assert_error(
        &lines,
        "workloads[0].traffic.load_balancer",
        "did you mean `round_robin`",
    );
    assert_error(&lines, "workloads[0].traffic.concurrency", "at least 1");
    assert_error(&lines, "workloads[0].traffic.timeout", "more than zero");
}

#[test]
fn every_shape_and_lists_of_shapes() {
    let t = traffic(
        "    traffic:\n      rate: 100\n      capacity_per_pod: 50\n      pattern:\n        \
         - {diurnal: {amplitude: 0.5, period: 7d, peak: 2d}}\n        \
         - {step: {at: 1h, factor: 2}}\n        \
         - {spike: {at: 2h, factor: 5, duration: 10m}}\n        \
         - {ramp: {at: 3h, duration: 1h, to: 0.5}}\n        \
         - {bursty: {factor: 4, burst: 30s, gap: 10m}}\n        \
         - constant\n",
    );
    let d = SimDuration::from_secs;
    assert_eq!(
        t.pattern,
        TrafficPattern::Product(vec![
            TrafficPattern::Diurnal {
                amplitude: 0.5,
                period: d(7 * 86_400),
                peak: d(2 * 86_400)
            },
            TrafficPattern::Step {
                at: d(3600),
                factor: 2.0
            },
            TrafficPattern::Spike {
                at: d(7200),
                factor: 5.0,
                duration: d(600)
            },
            TrafficPattern::Ramp {
                at: d(3 * 3600),
                duration: d(3600),
                from: 1.0,
                to: 0.5
            },
            TrafficPattern::Bursty {
                factor: 4.0,
                burst: d(30),
                gap: d(600)
            },
            TrafficPattern::Constant,
        ])
    );
    // A one-item list is that item.
    let t = traffic(
        "    traffic: {rate: 1, capacity_per_pod: 1, pattern: [{step: {at: 1h, factor: 2}}]}\n",
    );
    assert!(matches!(t.pattern, TrafficPattern::Step { .. }));
}

#[test]
fn shape_rules() {
    let lines = errors(&with(
        "    traffic: {rate: 1, capacity_per_pod: 1, pattern: [{spik: {at: 1h}}, \
         {diurnal: {amplitude: 0.5}, step: {at: 1h, factor: 2}}, {ramp: {at: 1h, duration: 0s, to: -1}}, \
         {bursty: {factor: 2, burst: 0s, gap: 1m}}]}\n",
    ));
    assert_error(
        &lines,
        "workloads[0].traffic.pattern[0].spik",
        "did you mean `spike`",
    );
    assert_error(
        &lines,
        "workloads[0].traffic.pattern[1]",
        "one shape, got diurnal and step",
    );
    assert_error(
        &lines,
        "workloads[0].traffic.pattern[2].ramp.duration",
        "more than zero",
    );
    assert_error(
        &lines,
        "workloads[0].traffic.pattern[2].ramp.to",
        "between 0 and",
    );
    assert_error(
        &lines,
        "workloads[0].traffic.pattern[3].bursty.burst",
        "more than zero",
    );
}

#[test]
fn replay_reads_the_trace_relative_to_the_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("traces")).unwrap();
    std::fs::write(
        dir.path().join("traces/day.csv"),
        "time_s,rate\n0,100\n3600,300\n7200,100\n",
    )
    .unwrap();
    let file = dir.path().join("sc.yaml");
    std::fs::write(
        &file,
        with(
            "    traffic: {capacity_per_pod: 50, pattern: {replay: {path: traces/day.csv, loop: true, \
             interpolation: step}}}\n",
        ),
    )
    .unwrap();
    let s = load_file(&file, &[]).unwrap_or_else(|e| panic!("{e}"));
    let t = s.workloads[0].traffic.as_ref().unwrap();
    assert_eq!(t.rate_rps, 1.0, "with a replay, rate defaults to 1");
    let TrafficPattern::Replay {
        path,
        trace,
        interpolation,
        looped,
    } = &t.pattern
    else {
        panic!("replay")
    };
    assert_eq!(path, "traces/day.csv");
    assert_eq!(trace.rates, [100.0, 300.0, 100.0]);
    assert_eq!((*interpolation, *looped), (Interpolation::Step, true));

    // A missing file and a malformed one are reported at the path field.
    std::fs::write(dir.path().join("traces/bad.csv"), "0,1\n10,x\n").unwrap();
    std::fs::write(
        &file,
        with(
            "    traffic: {capacity_per_pod: 50, pattern: [{replay: {path: nope.csv}}, \
             {replay: {path: traces/bad.csv}}]}\n",
        ),
    )
    .unwrap();
    let e = load_file(&file, &[]).unwrap_err().to_string();
    let lines: Vec<String> = e.lines().map(str::to_string).collect();
    assert_error(
        &lines,
        "workloads[0].traffic.pattern[0].replay.path",
        "cannot read trace",
    );
    assert!(
        e.contains("nope.csv") && e.contains("relative to the scenario file"),
        "{e}"
    );
    assert_error(
        &lines,
        "workloads[0].traffic.pattern[1].replay.path",
        "line 2: rate `x` is not a number",
    );
}

#[test]
fn rate_is_required_without_a_replay() {
    let lines = errors(&with("    traffic: {capacity_per_pod: 5}\n"));
    assert_error(&lines, "workloads[0].traffic", "missing field `rate`");
}

#[test]
fn hpa_behavior_fills_upstream_defaults() {
    let s = ok(&with("    hpa: {max: 10}\n"));
    assert_eq!(
        s.workloads[0].hpa.as_ref().unwrap().behavior,
        None,
        "legacy path"
    );
    let s = ok(&with("    hpa: {max: 10, behavior: {}}\n"));
    let b = s.workloads[0]
        .hpa
        .as_ref()
        .unwrap()
        .behavior
        .clone()
        .unwrap();
    assert_eq!(b.scale_up, ScalingRules::default_scale_up());
    assert_eq!(b.scale_down, ScalingRules::default_scale_down());
    let s = ok(&with(
        "    hpa:\n      max: 10\n      behavior:\n        scale_down:\n          \
         stabilization_window: 60s\n          select_policy: min\n          \
         policies: [{type: pods, value: 1, period: 1m}, {type: percent, value: 10, period: 30s}]\n        \
         scale_up: {select_policy: disabled, tolerance: 5%}\n",
    ));
    let b = s.workloads[0]
        .hpa
        .as_ref()
        .unwrap()
        .behavior
        .clone()
        .unwrap();
    assert_eq!(
        b.scale_down,
        ScalingRules {
            stabilization_window_s: Some(60),
            select_policy: SelectPolicy::Min,
            policies: vec![
                ScalingPolicy {
                    kind: PolicyKind::Pods,
                    value: 1,
                    period_s: 60
                },
                ScalingPolicy {
                    kind: PolicyKind::Percent,
                    value: 10,
                    period_s: 30
                },
            ],
            tolerance: None,
        }
    );
    assert_eq!(b.scale_up.select_policy, SelectPolicy::Disabled);
    assert_eq!(
        b.scale_up.policies,
        ScalingRules::default_scale_up().policies
    );
    assert_eq!(b.scale_up.stabilization_window_s, Some(0));
    assert_eq!(b.scale_up.tolerance, Some(0.05));
}

#[test]
fn hpa_behavior_rules() {
    let lines = errors(&with(
        "    hpa:\n      max: 10\n      behavior:\n        scale_down:\n          \
         stabilization_window: 2h\n          policies: [{type: pod, value: 0, period: 31m}]\n        \
         scaleUp: {}\n",
    ));
    assert_error(
        &lines,
        "workloads[0].hpa.behavior.scale_down.stabilization_window",
        "between 0s and 1h",
    );
    assert_error(
        &lines,
        "workloads[0].hpa.behavior.scale_down.policies[0].type",
        "did you mean `pods`",
    );
    assert_error(
        &lines,
        "workloads[0].hpa.behavior.scale_down.policies[0].value",
        "at least 1",
    );
    assert_error(
        &lines,
        "workloads[0].hpa.behavior.scale_down.policies[0].period",
        "between 1s and 30m",
    );
    assert_error(
        &lines,
        "workloads[0].hpa.behavior.scaleUp",
        "did you mean `scale_up`",
    );
}
