//! Runs every `hpa_*` vector of `tests/fixtures/k8s-vectors.json` (extracted
//! from the upstream Go unit tests) against `kubesim::controllers::hpa_algo`.
//!
//! Each group has a runner; a group without one fails the test, and each
//! runner must visit as many vectors as the file's `_counts` says, so no
//! vector is skipped silently. Mismatches are collected and reported together,
//! each naming its Go test; a case may be listed in [`EXPECTED_FAILURES`] only
//! with its reasoning, and such a case must still fail.
//!
//! Resource vectors give each pod's class (`ready`, `unready`, `missing`,
//! `ignored`) and for unready and ignored pods a `why`. The runner builds a
//! pod whose status gives that class under upstream's rules (Ready=False, a
//! hot CPU sample, Pending, Failed, deleting) and checks that
//! `classify_pod` agrees before running the calculation.

use std::collections::BTreeMap;

use kubesim::controllers::hpa_algo::{
    Behavior, ConditionStatus, HpaControllerConfig, HpaPodView, HpaState, MetricSample, PodClass,
    PodPhase, PolicyKind, ReadyCondition, ReplicaCalculator, ResourceName, ScaleEvent,
    ScalingPolicy, ScalingRules, SelectPolicy, TimestampedRecommendation, Tolerances, classify_pod,
    convert_desired_replicas_with_behavior_rate, external_average_value_replicas,
    external_value_replicas, object_average_value_replicas, object_value_replicas,
    scale_down_limit, stabilize_recommendation, stabilize_recommendation_with_behaviors,
};
use serde_json::Value;

/// Cases known to disagree with our implementation, with the reason. Empty:
/// every vector passes. The test asserts each listed case still fails.
const EXPECTED_FAILURES: &[(&str, &str)] = &[];

/// Evaluation time for every vector: far enough from 0 that the oldest ages
/// in the file (6000 s) are representable.
const NOW_MS: u64 = 100_000_000;

#[path = "common/vectors.rs"]
mod vectors;
use vectors::{Case, load};

impl<'a> Case<'a> {
    fn note(&self) -> &'a str {
        self.v.get("note").and_then(Value::as_str).unwrap_or("")
    }
    fn i64_of(&self, v: &Value, what: &str) -> i64 {
        v.as_i64()
            .unwrap_or_else(|| panic!("{}: {what} is not an integer: {v}", self.name))
    }
    fn u32_of(&self, v: &Value, what: &str) -> u32 {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or_else(|| panic!("{}: {what} is not a u32: {v}", self.name))
    }
    fn f64_of(&self, v: &Value, what: &str) -> f64 {
        v.as_f64()
            .unwrap_or_else(|| panic!("{}: {what} is not a number: {v}", self.name))
    }
    fn str_of(&self, v: &'a Value, what: &str) -> &'a str {
        v.as_str()
            .unwrap_or_else(|| panic!("{}: {what} is not a string: {v}", self.name))
    }
    fn array_of(&self, v: &'a Value, what: &str) -> &'a [Value] {
        v.as_array()
            .unwrap_or_else(|| panic!("{}: {what} is not an array: {v}", self.name))
    }
    fn in_u32(&self, key: &str) -> u32 {
        self.u32_of(self.input(key), key)
    }
    fn in_i64(&self, key: &str) -> i64 {
        self.i64_of(self.input(key), key)
    }
    fn exp_u32(&self, key: &str) -> u32 {
        self.u32_of(self.expected(key), key)
    }
    fn exp_i64(&self, key: &str) -> i64 {
        self.i64_of(self.expected(key), key)
    }
    fn tolerances(&self) -> Tolerances {
        Tolerances::symmetric(self.f64_of(self.input("tolerance"), "tolerance"))
    }
    /// An age in (possibly fractional) seconds before [`NOW_MS`], as a time.
    fn time_at_age(&self, v: &Value) -> u64 {
        let age_ms = (self.f64_of(v, "age_seconds") * 1000.0).round();
        assert!(
            (0.0..NOW_MS as f64).contains(&age_ms),
            "{}: age out of range",
            self.name
        );
        NOW_MS - age_ms as u64
    }
    fn recommendations(&self) -> Vec<TimestampedRecommendation> {
        self.array_of(self.input("recommendations"), "recommendations")
            .iter()
            .map(|r| TimestampedRecommendation {
                time_ms: self.time_at_age(&r["age_seconds"]),
                replicas: self.u32_of(&r["replicas"], "replicas"),
            })
            .collect()
    }
    fn events(&self, key: &str) -> Vec<ScaleEvent> {
        self.array_of(self.input(key), key)
            .iter()
            .map(|e| ScaleEvent {
                replica_change: self.u32_of(&e["replica_change"], "replica_change"),
                time_ms: self.time_at_age(&e["age_seconds"]),
                outdated: false,
            })
            .collect()
    }
    fn state(&self) -> HpaState {
        HpaState {
            recommendations: Vec::new(),
            scale_up_events: self.events("scale_up_events"),
            scale_down_events: self.events("scale_down_events"),
        }
    }
    /// `"default"` or `{select_policy, stabilization_window_seconds, policies}`.
    fn rules(&self, key: &str, default: fn() -> ScalingRules) -> ScalingRules {
        let v = self.input(key);
        if v.as_str() == Some("default") {
            return default();
        }
        let select_policy = match self.str_of(&v["select_policy"], "select_policy") {
            "Max" => SelectPolicy::Max,
            "Min" => SelectPolicy::Min,
            "Disabled" => SelectPolicy::Disabled,
            other => panic!("{}: unknown select_policy {other}", self.name),
        };
        let policies = self
            .array_of(&v["policies"], "policies")
            .iter()
            .map(|p| ScalingPolicy {
                kind: match self.str_of(&p["type"], "type") {
                    "Pods" => PolicyKind::Pods,
                    "Percent" => PolicyKind::Percent,
                    other => panic!("{}: unknown policy type {other}", self.name),
                },
                value: self.u32_of(&p["value"], "value"),
                period_s: self.u32_of(&p["period_seconds"], "period_seconds"),
            })
            .collect();
        ScalingRules {
            stabilization_window_s: Some(self.u32_of(
                &v["stabilization_window_seconds"],
                "stabilization_window_seconds",
            )),
            select_policy,
            policies,
            tolerance: None,
        }
    }
}

fn cases<'a>(file: &'a Value, group: &str) -> Vec<Case<'a>> {
    file[group]
        .as_array()
        .unwrap_or_else(|| panic!("group {group} is not an array"))
        .iter()
        .map(Case::new)
        .collect()
}

/// Mismatches found by one runner: `(test name, what differed)`.
type Failures = Vec<(String, String)>;

fn check<T: PartialEq + std::fmt::Debug>(
    failures: &mut Failures,
    c: &Case,
    what: &str,
    got: T,
    want: T,
) {
    if got != want {
        failures.push((
            c.name.clone(),
            format!("{what}: got {got:?}, want {want:?}"),
        ));
    }
}

// ---------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------

const HOUR_MS: u64 = 3_600_000;
const SAMPLE_WINDOW_MS: u64 = 60_000;

fn sample(value_milli: i64) -> MetricSample {
    MetricSample {
        value_milli,
        timestamp_ms: NOW_MS,
        window_ms: SAMPLE_WINDOW_MS,
    }
}

/// Running for an hour, Ready since it started, with a fresh sample if given.
fn running_ready_pod(request_milli: i64, usage: Option<i64>) -> HpaPodView {
    HpaPodView {
        phase: PodPhase::Running,
        deleting: false,
        ready: Some(ReadyCondition {
            status: ConditionStatus::True,
            last_transition_ms: NOW_MS - HOUR_MS,
        }),
        start_time_ms: Some(NOW_MS - HOUR_MS),
        request_milli,
        sample: usage.map(sample),
    }
}

/// The pod a resource vector describes: `class` plus `why` for unready and
/// ignored pods, built so that upstream's `groupPods` gives that class.
fn resource_pod(c: &Case, p: &Value) -> (HpaPodView, PodClass) {
    let class = c.str_of(&p["class"], "class");
    let request = c.i64_of(&p["request_milli"], "request_milli");
    let usage = match &p["usage_milli"] {
        Value::Null => None,
        v => Some(c.i64_of(v, "usage_milli")),
    };
    let why = p.get("why").and_then(Value::as_str).unwrap_or("");
    let mut pod = running_ready_pod(request, usage);
    let class = match class {
        "ready" => PodClass::Ready,
        "missing" => {
            assert!(usage.is_none(), "{}: a missing pod has a usage", c.name);
            PodClass::Missing
        }
        "unready" => {
            if why == "not-ready" {
                // Started a minute ago (inside the CPU initialization period), not Ready.
                pod.start_time_ms = Some(NOW_MS - 60_000);
                pod.ready = Some(ReadyCondition {
                    status: ConditionStatus::False,
                    last_transition_ms: NOW_MS - 60_000,
                });
            } else if why.starts_with("hot-cpu") {
                // Ready 30 s ago, a minute after starting: the 60 s sample
                // still covers time before the transition.
                pod.start_time_ms = Some(NOW_MS - 60_000);
                pod.ready = Some(ReadyCondition {
                    status: ConditionStatus::True,
                    last_transition_ms: NOW_MS - 30_000,
                });
            } else if why == "phase Pending" {
                pod.phase = PodPhase::Pending;
                pod.ready = None;
                pod.start_time_ms = None;
            } else {
                panic!("{}: unknown reason {why:?} for an unready pod", c.name);
            }
            PodClass::Unready
        }
        "ignored" => {
            match why {
                "failed" => pod.phase = PodPhase::Failed,
                "deletionTimestamp set" => pod.deleting = true,
                _ => panic!("{}: unknown reason {why:?} for an ignored pod", c.name),
            }
            PodClass::Ignored
        }
        other => panic!("{}: unknown pod class {other}", c.name),
    };
    (pod, class)
}

// ---------------------------------------------------------------------------
// Runners
// ---------------------------------------------------------------------------

fn resource_utilization_group(file: &Value, group: &str, failures: &mut Failures) -> usize {
    let cases = cases(file, group);
    let calc = ReplicaCalculator::default();
    for c in &cases {
        let resource = match c.str_of(c.input("resource"), "resource") {
            "cpu" => ResourceName::Cpu,
            "memory" => ResourceName::Memory,
            other => panic!("{}: unknown resource {other}", c.name),
        };
        let pods: Vec<HpaPodView> = c
            .array_of(c.input("pods"), "pods")
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (pod, class) = resource_pod(c, p);
                check(
                    failures,
                    c,
                    &format!("class of pod {i}"),
                    classify_pod(&pod, Some(resource), NOW_MS, &calc),
                    class,
                );
                pod
            })
            .collect();
        let target = i32::try_from(c.in_i64("target_utilization_percent")).expect("target fits");
        match calc.resource_replicas(
            &pods,
            c.in_u32("current_replicas"),
            target,
            resource,
            c.tolerances(),
            NOW_MS,
        ) {
            Ok(got) => {
                check(
                    failures,
                    c,
                    "desired_replicas",
                    got.replicas,
                    c.exp_u32("desired_replicas"),
                );
                check(
                    failures,
                    c,
                    "utilization_percent",
                    i64::from(got.utilization_percent),
                    c.exp_i64("utilization_percent"),
                );
                check(
                    failures,
                    c,
                    "raw_average_usage_milli",
                    got.raw_average_milli,
                    c.exp_i64("raw_average_usage_milli"),
                );
            }
            Err(e) => failures.push((c.name.clone(), format!("error: {e}"))),
        }
    }
    cases.len()
}

/// Pod counts that the vectors give only in their notes (the metrics API
/// returned fewer samples than there are pods): `(test, pods, phrase in the note)`.
const PODS_FROM_NOTES: &[(&str, usize, &str)] = &[
    (
        "TestPlainMetricReplicaCalcMissingMetricsNoChangeEq",
        5,
        "5 pods",
    ),
    (
        "TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM",
        3,
        "3 running pods",
    ),
];

/// The pods of a plain/object/external vector: `pod_ready` gives their
/// readiness when present; otherwise `count` Ready pods. The first
/// `samples.len()` pods carry the samples (pod metrics only).
fn plain_pods(c: &Case, count: usize, samples: &[i64]) -> Vec<HpaPodView> {
    let ready: Vec<bool> = match c.v["input"].get("pod_ready") {
        Some(v) => c
            .array_of(v, "pod_ready")
            .iter()
            .map(|b| b.as_bool().expect("pod_ready holds booleans"))
            .collect(),
        None => vec![true; count],
    };
    assert!(
        ready.len() >= samples.len(),
        "{}: more samples than pods",
        c.name
    );
    ready
        .iter()
        .enumerate()
        .map(|(i, &is_ready)| {
            let mut pod = running_ready_pod(1000, samples.get(i).copied());
            if !is_ready {
                pod.ready = Some(ReadyCondition {
                    status: ConditionStatus::False,
                    last_transition_ms: NOW_MS - 60_000,
                });
            }
            pod
        })
        .collect()
}

fn plain_object_external_group(file: &Value, group: &str, failures: &mut Failures) -> usize {
    let cases = cases(file, group);
    let calc = ReplicaCalculator::default();
    for c in &cases {
        let current = c.in_u32("current_replicas");
        let values: Vec<i64> = c
            .array_of(c.input("values_milli"), "values_milli")
            .iter()
            .map(|v| c.i64_of(v, "values_milli"))
            .collect();
        let target = c.in_i64("target_milli");
        let tol = c.tolerances();
        let got = match c.str_of(c.input("metric_type"), "metric_type") {
            "pods_average" => {
                let count = match PODS_FROM_NOTES.iter().find(|(t, ..)| *t == c.name) {
                    Some(&(_, n, phrase)) => {
                        assert!(
                            c.note().contains(phrase),
                            "{}: note no longer says {phrase:?}",
                            c.name
                        );
                        n
                    }
                    None => values.len(),
                };
                let pods = plain_pods(c, count, &values);
                calc.plain_metric_replicas(&pods, current, target, None, tol, NOW_MS)
            }
            "object_value" => {
                let pods = plain_pods(c, current as usize, &[]);
                object_value_replicas(&pods, current, values[0], target, tol)
            }
            "external_value" => {
                let pods = plain_pods(c, current as usize, &[]);
                external_value_replicas(&pods, current, &values, target, tol)
            }
            "object_average_value" => Ok(object_average_value_replicas(
                current, values[0], target, tol,
            )),
            "external_average_value" => Ok(external_average_value_replicas(
                current, &values, target, tol,
            )),
            other => panic!("{}: unknown metric_type {other}", c.name),
        };
        match got {
            Ok(got) => {
                check(
                    failures,
                    c,
                    "desired_replicas",
                    got.replicas,
                    c.exp_u32("desired_replicas"),
                );
                check(
                    failures,
                    c,
                    "usage_milli",
                    got.usage_milli,
                    c.exp_i64("usage_milli"),
                );
            }
            Err(e) => failures.push((c.name.clone(), format!("error: {e}"))),
        }
    }
    cases.len()
}

fn behavior_rate_limits_group(file: &Value, group: &str, failures: &mut Failures) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let behavior = Behavior {
            scale_up: c.rules("scale_up_rules", ScalingRules::default_scale_up),
            scale_down: c.rules("scale_down_rules", ScalingRules::default_scale_down),
        };
        let (replicas, reason) = convert_desired_replicas_with_behavior_rate(
            &c.state(),
            &behavior,
            c.in_u32("min_replicas"),
            c.in_u32("max_replicas"),
            c.in_u32("current_replicas"),
            c.in_u32("desired_replicas"),
            NOW_MS,
        );
        check(failures, c, "replicas", replicas, c.exp_u32("replicas"));
        check(
            failures,
            c,
            "condition_reason",
            reason.as_str(),
            c.str_of(c.expected("condition_reason"), "condition_reason"),
        );
    }
    cases.len()
}

fn behavior_stabilization_group(file: &Value, group: &str, failures: &mut Failures) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let mut recs = c.recommendations();
        let before = recs.len();
        let (stabilized, _) = stabilize_recommendation_with_behaviors(
            &mut recs,
            c.in_u32("current_replicas"),
            c.in_u32("desired_replicas"),
            c.in_u32("scale_up_stabilization_seconds"),
            c.in_u32("scale_down_stabilization_seconds"),
            NOW_MS,
        );
        check(
            failures,
            c,
            "stabilized_replicas",
            stabilized,
            c.exp_u32("stabilized_replicas"),
        );
        // The raw recommendation is always stored, in a reused slot or appended.
        let stored = recs
            .iter()
            .filter(|r| r.time_ms == NOW_MS && r.replicas == c.in_u32("desired_replicas"))
            .count();
        check(failures, c, "stored recommendation", stored, 1);
        // Cases named for slot reuse must not grow the history.
        if c.name.contains("reuse") {
            check(failures, c, "recommendation count", recs.len(), before);
        }
    }
    cases.len()
}

fn legacy_stabilization_group(file: &Value, group: &str, failures: &mut Failures) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        let mut recs = c.recommendations();
        let window_ms = u64::from(c.in_u32("downscale_stabilization_window_seconds")) * 1000;
        let stabilized =
            stabilize_recommendation(&mut recs, c.in_u32("desired_replicas"), NOW_MS, window_ms);
        check(
            failures,
            c,
            "stabilized_replicas",
            stabilized,
            c.exp_u32("stabilized_replicas"),
        );
    }
    cases.len()
}

fn misc_group(file: &Value, group: &str, failures: &mut Failures) -> usize {
    let cases = cases(file, group);
    for c in &cases {
        // The only misc vector asserts calculateScaleDownLimitWithBehaviors.
        assert!(
            c.v["expected"].get("scale_down_limit").is_some(),
            "{}: unknown misc vector shape",
            c.name
        );
        let rules = c.rules("rules", ScalingRules::default_scale_down);
        let limit = scale_down_limit(c.in_u32("current_replicas"), &c.state(), &rules, NOW_MS);
        check(
            failures,
            c,
            "scale_down_limit",
            limit,
            c.exp_i64("scale_down_limit"),
        );
    }
    cases.len()
}

type Runner = fn(&Value, &str, &mut Failures) -> usize;

#[test]
fn hpa_vectors() {
    let file = load();
    let runners: BTreeMap<&str, Runner> = BTreeMap::from([
        (
            "hpa_replica_calc_resource_utilization",
            resource_utilization_group as Runner,
        ),
        (
            "hpa_replica_calc_plain_object_external_metrics",
            plain_object_external_group,
        ),
        ("hpa_behavior_rate_limits", behavior_rate_limits_group),
        ("hpa_behavior_stabilization", behavior_stabilization_group),
        (
            "hpa_legacy_downscale_stabilization",
            legacy_stabilization_group,
        ),
        ("hpa_misc", misc_group),
    ]);
    let groups: Vec<&str> = file
        .as_object()
        .expect("top level is an object")
        .keys()
        .map(String::as_str)
        .filter(|k| k.starts_with("hpa_"))
        .collect();
    let mut failures = Failures::new();
    let mut total = 0;
    for group in &groups {
        let run = runners
            .get(group)
            .unwrap_or_else(|| panic!("no runner for vector group {group}"));
        let before = failures.len();
        let ran = run(&file, group, &mut failures);
        let declared = file["_counts"][group]
            .as_u64()
            .unwrap_or_else(|| panic!("_counts has no {group}"));
        assert_eq!(
            ran as u64, declared,
            "{group}: ran {ran} vectors, _counts says {declared}"
        );
        let failed: std::collections::BTreeSet<&str> = failures[before..]
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        eprintln!("{group}: {ran} vectors run, {} passed", ran - failed.len());
        total += ran;
    }
    assert_eq!(
        groups.len(),
        runners.len(),
        "a runner's group is missing from the file"
    );
    assert_eq!(
        total, 81,
        "the hpa groups held 81 vectors when this test was written"
    );

    let expected: BTreeMap<&str, &str> = EXPECTED_FAILURES.iter().copied().collect();
    let unexpected: Vec<String> = failures
        .iter()
        .filter(|(name, _)| !expected.contains_key(name.as_str()))
        .map(|(name, what)| format!("{name}: {what}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "vectors failed:\n{}",
        unexpected.join("\n")
    );
    for (name, why) in EXPECTED_FAILURES {
        assert!(
            failures.iter().any(|(n, _)| n == name),
            "{name} is listed as an expected failure ({why}) but now passes: remove it"
        );
    }
}

#[test]
fn config_defaults_match_the_spec() {
    let c = HpaControllerConfig::default();
    assert_eq!(c.sync_period_ms, 15_000);
    assert_eq!(c.tolerance, 0.1);
    assert_eq!(c.downscale_stabilization_window_ms, 300_000);
    assert_eq!(c.cpu_initialization_period_ms, 300_000);
    assert_eq!(c.initial_readiness_delay_ms, 30_000);
}
