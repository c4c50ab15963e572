//! Loader tests: the DESIGN.md example, defaults, every validation rule,
//! `--set`, and robustness against garbage.

use super::*;
use crate::dist::Dist;
use crate::units::{Bytes, IntOrPercent, MilliCpu};

const DESIGN_EXAMPLE: &str = include_str!("../../tests/fixtures/design-example.yaml");

/// A small valid scenario that tests extend.
const BASE: &str = "\
name: base
duration: 1d
cluster:
  zones: [a, b]
  node_pools:
    - name: general
      count: 4
      cpu: 4
      memory: 16Gi
workloads:
  - name: web
    replicas: 3
    cpu: 500m
    memory: 512Mi
";

fn load(text: &str) -> Result<Scenario, ScenarioError> {
    load_str(text, "test.yaml", &[])
}

fn load_set(text: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    load_str(text, "test.yaml", &sets)
}

fn ok(text: &str) -> Scenario {
    match load(text) {
        Ok(s) => s,
        Err(e) => panic!("expected the scenario to load, got:\n{e}"),
    }
}

/// The error lines of a scenario that must fail.
fn errors(text: &str) -> Vec<String> {
    errors_set(text, &[])
}

fn errors_set(text: &str, sets: &[&str]) -> Vec<String> {
    match load_set(text, sets) {
        Ok(_) => panic!("expected errors, the scenario loaded:\n{text}\nsets: {sets:?}"),
        Err(e) => e.to_string().lines().map(str::to_string).collect(),
    }
}

/// Asserts some error line mentions `path` as its field path and contains `needle`.
#[track_caller]
fn assert_error(lines: &[String], path: &str, needle: &str) {
    let hit = lines
        .iter()
        .any(|l| l.contains(&format!(": {path}: ")) && l.contains(needle));
    assert!(
        hit,
        "no error at `{path}` containing {needle:?}; got:\n{}",
        lines.join("\n")
    );
}

/// BASE with `extra` appended to the first workload.
fn with_workload(extra: &str) -> String {
    format!("{BASE}{extra}")
}

#[test]
fn design_example_loads_with_resolved_values() {
    let s = ok(DESIGN_EXAMPLE);
    assert_eq!(s.name, "three-zone-web");
    assert_eq!(s.duration, SimDuration::from_secs(30 * 86_400));
    assert_eq!(s.seed, 1);
    assert_eq!(s.sample_interval, SimDuration::from_secs(2592));
    assert_eq!(s.cluster.zones, ["a", "b", "c"]);
    let pool = &s.cluster.node_pools[0];
    assert_eq!((pool.name.as_str(), pool.count), ("general", 9));
    assert_eq!(pool.cpu, MilliCpu(4000));
    assert_eq!(pool.memory, Bytes(16 << 30));
    assert_eq!(pool.max_pods, 110);
    assert_eq!(pool.labels["tier"], "general");
    let failure = pool.failure.as_ref().unwrap();
    assert_eq!(
        failure.mttf,
        Dist::Exponential {
            mean: SimDuration::from_secs(30 * 86_400)
        }
    );
    assert_eq!(
        failure.mttr,
        Dist::LogNormal {
            median: SimDuration::from_secs(3600),
            sigma: 0.8
        }
    );
    let auto = pool.autoscaling.as_ref().unwrap();
    assert_eq!((auto.min, auto.max), (3, 30));
    assert_eq!(
        auto.provision_time,
        Dist::Fixed(SimDuration::from_secs(120))
    );
    let cp = &s.cluster.control_plane;
    assert_eq!(cp.node_monitor_grace_period, SimDuration::from_secs(40));
    assert_eq!(cp.node_monitor_period, SimDuration::from_secs(5));
    assert_eq!(cp.default_toleration_seconds, SimDuration::from_secs(300));
    assert_eq!(cp.watch_latency, SimDuration::from_millis(100));
    assert_eq!(cp.scheduler.score, ScoreStrategy::LeastAllocated);

    let web = &s.workloads[0];
    assert_eq!((web.name.as_str(), web.replicas), ("web", 6));
    assert_eq!((web.cpu, web.memory), (MilliCpu(500), Bytes(512 << 20)));
    assert_eq!(web.startup_time, Dist::Fixed(SimDuration::from_secs(20)));
    assert_eq!(web.termination_grace, SimDuration::from_secs(30));
    assert_eq!(web.min_ready_seconds, SimDuration::ZERO);
    assert_eq!(web.strategy, Strategy::default());
    assert_eq!(
        web.spread,
        [SpreadConstraint {
            topology: Topology::Zone,
            max_skew: 1,
            do_not_schedule: true,
            min_domains: None
        }]
    );
    // The `anti_affinity` shorthand: a required term on the workload itself.
    assert_eq!(
        web.affinity.pod_anti_affinity,
        [PodAffinityTerm {
            workload: 0,
            topology: Topology::Hostname,
            weight: None
        }]
    );
    assert_eq!(web.pdb, Some(Pdb::MinAvailable(IntOrPercent::Int(4))));
    assert_eq!(web.slo_min_ready, 4);
    assert_eq!(
        web.crash.as_ref().unwrap().mtbf,
        Dist::Exponential {
            mean: SimDuration::from_secs(7 * 86_400)
        }
    );
    let traffic = web.traffic.as_ref().unwrap();
    assert_eq!(traffic.rate_rps, 600.0);
    assert_eq!(traffic.capacity_per_pod_rps, 150.0);
    assert_eq!(traffic.cpu_per_request, MilliCpu(2));
    assert_eq!(
        traffic.pattern,
        TrafficPattern::Diurnal {
            amplitude: 0.5,
            period: SimDuration::from_secs(86_400),
            peak: SimDuration::from_secs(43_200)
        }
    );
    let hpa = web.hpa.as_ref().unwrap();
    assert_eq!(
        (hpa.min, hpa.max, hpa.target_cpu_utilization_percent),
        (3, 20, 70)
    );

    assert_eq!(s.events.len(), 5);
    assert!(s.events.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(matches!(
        s.events[0].action,
        EventAction::Scale {
            workload: 0,
            replicas: 8
        }
    ));
    assert!(matches!(
        s.events[1].action,
        EventAction::Rollout {
            workload: 0,
            startup_time: None,
            cpu: None,
            ..
        }
    ));
    assert!(matches!(
        s.events[2].action,
        EventAction::ZoneOutage { zone: 0, .. }
    ));
    match &s.events[3].action {
        EventAction::NodeFailure { target, duration } => {
            assert_eq!(*target, NodeTarget::Hosting(0));
            assert_eq!(*duration, Some(Dist::Fixed(SimDuration::from_secs(1800))));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.events[4].action,
        EventAction::NodePoolUpgrade {
            pool: 0,
            max_surge: 1,
            ..
        }
    ));
}

#[test]
fn design_example_file_loads_from_disk() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/design-example.yaml");
    let s = load_file(&path, &[]).unwrap();
    assert_eq!(s.name, "three-zone-web");
}

#[test]
fn defaults_are_filled_in() {
    let s = ok("\
duration: 1h
cluster:
  node_pools: [{name: p, count: 2, cpu: 2, memory: 4Gi}]
workloads: [{name: w, cpu: 100m, memory: 64Mi}]
");
    assert_eq!(s.name, "test", "defaults to the file stem");
    assert_eq!(s.seed, 1);
    assert_eq!(
        s.sample_interval,
        SimDuration::from_secs(4),
        "1h/1000 = 3.6s, rounded"
    );
    assert_eq!(s.cluster.zones, ["default"]);
    let p = &s.cluster.node_pools[0];
    assert_eq!(p.zones, ["default"]);
    assert_eq!(p.max_pods, 110);
    assert!(p.failure.is_none() && p.autoscaling.is_none() && p.taints.is_empty());
    let cp = &s.cluster.control_plane;
    assert_eq!(cp.node_monitor_grace_period, SimDuration::from_secs(50));
    assert_eq!(cp.node_lease_renew_interval, SimDuration::from_secs(10));
    let w = &s.workloads[0];
    assert_eq!((w.replicas, w.priority, w.slo_min_ready), (1, 0, 1));
    assert_eq!(w.startup_time, Dist::Fixed(SimDuration::ZERO));
    assert_eq!(w.termination_grace, SimDuration::from_secs(30));
    assert_eq!(w.strategy, Strategy::default());
    assert!(w.pdb.is_none() && w.hpa.is_none() && w.traffic.is_none());
    assert!(s.events.is_empty());

    let short = ok(&BASE.replace("duration: 1d", "duration: 100s"));
    assert_eq!(
        short.sample_interval,
        SimDuration::from_secs(1),
        "at least 1s"
    );
}

#[test]
fn pool_zones_default_to_cluster_zones() {
    let s = ok(BASE);
    assert_eq!(s.cluster.node_pools[0].zones, ["a", "b"]);
}

#[test]
fn all_distribution_forms() {
    let s = ok(&with_workload(
        "    startup_time: {dist: uniform, min: 10s, max: 20s}
    crash: {mtbf: {dist: weibull, shape: 1.5, scale: 2d}}
  - name: api
    cpu: 1
    memory: 1Gi
    startup_time: {dist: empirical, samples: [1s, 2s, 5s]}
    crash: {mtbf: {dist: fixed, value: 1h}}
  - name: db
    cpu: 1
    memory: 1Gi
    startup_time: {dist: exponential, mean: 30s}
",
    ));
    assert_eq!(
        s.workloads[0].startup_time,
        Dist::Uniform {
            min: SimDuration::from_secs(10),
            max: SimDuration::from_secs(20)
        }
    );
    assert!(
        matches!(s.workloads[0].crash.as_ref().unwrap().mtbf, Dist::Weibull { shape, .. } if shape == 1.5)
    );
    assert_eq!(
        s.workloads[1].startup_time,
        Dist::Empirical(vec![
            SimDuration::from_secs(1),
            SimDuration::from_secs(2),
            SimDuration::from_secs(5)
        ])
    );
    assert_eq!(
        s.workloads[1].crash.as_ref().unwrap().mtbf,
        Dist::Fixed(SimDuration::from_secs(3600))
    );
    assert_eq!(
        s.workloads[2].startup_time,
        Dist::Exponential {
            mean: SimDuration::from_secs(30)
        }
    );
}

#[test]
fn distribution_parameters_are_validated() {
    let lines = errors(&with_workload(
        "    startup_time: {dist: uniform, min: 20s, max: 10s}
  - name: a
    cpu: 1
    memory: 1Gi
    startup_time: {dist: weibull, shape: 0, scale: 1s}
  - name: b
    cpu: 1
    memory: 1Gi
    startup_time: {dist: lognormal, median: 1s, sigma: -1}
  - name: c
    cpu: 1
    memory: 1Gi
    startup_time: {dist: empirical, samples: []}
  - name: d
    cpu: 1
    memory: 1Gi
    startup_time: {dist: exponental, mean: 1s}
  - name: e
    cpu: 1
    memory: 1Gi
    startup_time: {dist: exponential, median: 1s}
  - name: f
    cpu: 1
    memory: 1Gi
    startup_time: {mean: 1s}
",
    ));
    assert_error(
        &lines,
        "workloads[0].startup_time.max",
        "must not be less than min",
    );
    assert_error(&lines, "workloads[1].startup_time.shape", "more than 0");
    assert_error(
        &lines,
        "workloads[2].startup_time.sigma",
        "cannot be negative",
    );
    assert_error(
        &lines,
        "workloads[3].startup_time.samples",
        "at least one sample",
    );
    assert_error(
        &lines,
        "workloads[4].startup_time.dist",
        "did you mean `exponential`?",
    );
    assert_error(&lines, "workloads[5].startup_time.median", "unknown field");
    assert_error(&lines, "workloads[6].startup_time", "missing field `dist`");
}

#[test]
fn every_problem_is_reported_with_line_and_column() {
    let text = "\
name: x
duration: 30
cluster:
  node_pools:
    - {name: p, count: 1, cpu: 5x, memory: 1Gi}
workloads:
  - {name: w, replica: 2, cpu: 1, memory: 1Gi}
";
    let err = load(text).unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 3, "{err}");
    assert_eq!(
        d[0].to_string(),
        "test.yaml:2:11: duration: expected a duration like 90s, 5m, 1h30m, got 30 \
         (add a unit, e.g. 30s or 30m)"
    );
    assert_eq!((d[1].line, d[1].column), (Some(5), Some(32)));
    assert_eq!(d[1].path, "cluster.node_pools[0].cpu");
    assert!(
        d[1].message.contains("expected a CPU quantity like 2"),
        "{}",
        d[1]
    );
    assert_eq!(d[2].path, "workloads[0].replica");
    assert_eq!(d[2].hint.as_deref(), Some("did you mean `replicas`?"));
}

#[test]
fn syntax_errors_have_locations() {
    let err = load("name: 'x\n").unwrap_err();
    let d = &err.diagnostics()[0];
    assert_eq!((d.line, d.column), (Some(1), Some(7)));
    assert!(d.message.contains("unclosed quote"), "{d}");
    let dup = errors("name: a\nname: b\n");
    assert!(dup[0].contains("duplicate key `name`"), "{dup:?}");
    let two_docs = errors(&format!("{BASE}---\n{BASE}"));
    assert!(two_docs[0].contains("one YAML document"), "{two_docs:?}");
}

#[test]
fn unknown_fields_suggest_the_nearest_name() {
    let lines = errors(&format!("{BASE}evnts: []\n"));
    assert_error(&lines, "evnts", "did you mean `events`?");
    let lines = errors(&with_workload("    replcias: 2\n    foo: 1\n"));
    assert_error(&lines, "workloads[0].replcias", "did you mean `replicas`?");
    assert_error(&lines, "workloads[0].foo", "valid fields: name, replicas");
}

#[test]
fn names_must_be_dns_labels() {
    let lines = errors(&BASE.replace("name: web", "name: Web_1"));
    assert_error(&lines, "workloads[0].name", "invalid name \"Web_1\"");
    assert!(lines[0].contains("e.g. \"web-1\""), "{lines:?}");
    let long = "x".repeat(64);
    let lines = errors(&BASE.replace("name: general", &format!("name: {long}")));
    assert_error(&lines, "cluster.node_pools[0].name", "more than 63");
    let lines = errors(&BASE.replace("zones: [a, b]", "zones: [a, -b]"));
    assert_error(&lines, "cluster.zones[1]", "invalid name");
}

#[test]
fn duplicate_names_are_errors() {
    let lines = errors(&format!("{BASE}  - {{name: web, cpu: 1, memory: 1Gi}}\n"));
    assert_error(&lines, "workloads[1].name", "duplicate workload name `web`");
    assert!(lines[0].contains("first defined at line 11"), "{lines:?}");
    let lines = errors(&BASE.replace("[a, b]", "[a, b, a]"));
    assert_error(&lines, "cluster.zones[2]", "listed twice");
    let lines = errors(&BASE.replace(
        "      memory: 16Gi\n",
        "      memory: 16Gi\n    - {name: general, count: 1, cpu: 1, memory: 1Gi}\n",
    ));
    assert_error(
        &lines,
        "cluster.node_pools[1].name",
        "duplicate node pool name",
    );
}

#[test]
fn strategy_rules() {
    let s = ok(&with_workload("    strategy: {type: recreate}\n"));
    assert_eq!(s.workloads[0].strategy, Strategy::Recreate);
    let s = ok(&with_workload(
        "    strategy: {max_surge: 1, max_unavailable: 0}\n",
    ));
    assert_eq!(
        s.workloads[0].strategy,
        Strategy::RollingUpdate {
            max_surge: IntOrPercent::Int(1),
            max_unavailable: IntOrPercent::Int(0)
        }
    );
    ok(&with_workload("    strategy: {max_surge: 200%}\n"));
    let lines = errors(&with_workload(
        "    strategy: {max_surge: 0, max_unavailable: 0%}\n",
    ));
    assert_error(
        &lines,
        "workloads[0].strategy.max_unavailable",
        "may not be 0 when max_surge is 0",
    );
    let lines = errors(&with_workload("    strategy: {max_unavailable: 101%}\n"));
    assert_error(
        &lines,
        "workloads[0].strategy.max_unavailable",
        "at most 100%",
    );
    let lines = errors(&with_workload(
        "    strategy: {type: recreate, max_surge: 1}\n",
    ));
    assert_error(
        &lines,
        "workloads[0].strategy.max_surge",
        "only to type rolling_update",
    );
    let lines = errors(&with_workload("    strategy: {type: rolling}\n"));
    assert_error(
        &lines,
        "workloads[0].strategy.type",
        "did you mean `rolling_update`?",
    );
}

#[test]
fn pdb_hpa_slo_rules() {
    let lines = errors(&with_workload(
        "    pdb: {min_available: 1, max_unavailable: 1}\n",
    ));
    assert_error(&lines, "workloads[0].pdb", "not both");
    let lines = errors(&with_workload("    pdb: {}\n"));
    assert_error(
        &lines,
        "workloads[0].pdb",
        "needs min_available or max_unavailable",
    );
    let lines = errors(&with_workload("    pdb: {min_available: 150%}\n"));
    assert_error(&lines, "workloads[0].pdb.min_available", "at most 100%");
    let lines = errors(&with_workload("    hpa: {min: 5, max: 2}\n"));
    assert_error(
        &lines,
        "workloads[0].hpa.min",
        "min (5) is more than max (2)",
    );
    let lines = errors(&with_workload("    hpa: {min: 0, max: 2}\n"));
    assert_error(&lines, "workloads[0].hpa.min", "at least 1");
    let lines = errors(&with_workload(
        "    hpa: {max: 5, target_cpu_utilization: 70}\n",
    ));
    assert_error(
        &lines,
        "workloads[0].hpa.target_cpu_utilization",
        "write 70%",
    );
    let lines = errors(&with_workload("    slo: {min_ready: 4}\n"));
    assert_error(
        &lines,
        "workloads[0].slo.min_ready",
        "more than the 3 replicas",
    );
    // Allowed when the hpa can scale up that far.
    let s = ok(&with_workload(
        "    slo: {min_ready: 4}\n    hpa: {max: 10}\n",
    ));
    assert_eq!(s.workloads[0].slo_min_ready, 4);
    let hpa = s.workloads[0].hpa.as_ref().unwrap();
    assert_eq!(hpa.target_cpu_utilization_percent, 80, "upstream default");
    // ... or a scale event does.
    let s = ok(&with_workload(
        "    slo: {min_ready: 5}\nevents: [{at: 1h, scale: {workload: web, replicas: 5}}]\n",
    ));
    assert_eq!(s.workloads[0].slo_min_ready, 5);
}

#[test]
fn spread_affinity_and_tolerations() {
    let s = ok(&with_workload(
        "    spread: [{topology: hostname, max_skew: 2, when_unsatisfiable: schedule_anyway}]
    anti_affinity: {topology: zone, required: false}
    tolerations: [{operator: Exists}, {key: k, value: v, effect: NoExecute}]
",
    ));
    let w = &s.workloads[0];
    assert!(!w.spread[0].do_not_schedule);
    assert_eq!(
        w.affinity.pod_anti_affinity,
        [PodAffinityTerm {
            workload: 0,
            topology: Topology::Zone,
            weight: Some(100)
        }],
        "required: false is preferred with weight 100"
    );
    assert_eq!(w.tolerations.len(), 2);
    assert!(w.tolerations[0].exists && w.tolerations[0].key.is_empty());
    assert_eq!(w.tolerations[1].effect, Some(TaintEffect::NoExecute));

    let lines = errors(&with_workload(
        "    spread:
      - {topology: zone, when_unsatisfiable: schedule_anyway, min_domains: 2}
    tolerations: [{value: v}, {key: k, operator: Exists, value: v}]
",
    ));
    assert_error(
        &lines,
        "workloads[0].spread[0].min_domains",
        "only with when_unsatisfiable",
    );
    assert_error(
        &lines,
        "workloads[0].tolerations[0]",
        "must use operator Exists",
    );
    assert_error(
        &lines,
        "workloads[0].tolerations[1].value",
        "cannot have a value",
    );
    let lines = errors(&with_workload(
        "    spread: [{topology: hostname}, {topology: zone}, {topology: hostname, max_skew: 3}]\n",
    ));
    assert_error(&lines, "workloads[0].spread[2]", "same topology");
}

#[test]
fn affinity_resolves_terms_and_defaults() {
    let text = format!(
        "{}  - name: db
    cpu: 1
    memory: 1Gi
    anti_affinity: {{topology: hostname}}
    affinity:
      pod_anti_affinity: [{{workload: web, topology: zone, weight: 40}}]
",
        with_workload(
            "    affinity:
      node:
        required:
          - match_expressions:
              - {key: disk, operator: In, values: [ssd, nvme]}
              - {key: gen, operator: Gt, values: [3]}
          - match_expressions: [{key: topology.kubernetes.io/zone, operator: NotIn, values: [b]}]
        preferred:
          - {weight: 20, match_expressions: [{key: spot, operator: DoesNotExist}]}
      pod_affinity:
        - {workload: db, topology: zone}
        - {topology: hostname, required: false}
      pod_anti_affinity:
        - {topology: hostname, weight: 7}
    anti_affinity: {topology: zone, required: false}
"
        )
    );
    let s = ok(&text);
    let a = &s.workloads[0].affinity;
    assert_eq!(a.node.required.len(), 2);
    assert_eq!(
        a.node.required[0].match_expressions,
        [
            NodeSelectorRequirement {
                key: "disk".into(),
                operator: LabelOperator::In(vec!["ssd".into(), "nvme".into()])
            },
            NodeSelectorRequirement {
                key: "gen".into(),
                operator: LabelOperator::Gt(3)
            }
        ]
    );
    assert_eq!(a.node.preferred[0].weight, 20);
    assert_eq!(
        a.node.preferred[0].term.match_expressions[0].operator,
        LabelOperator::DoesNotExist
    );
    let t = |workload, topology, weight| PodAffinityTerm {
        workload,
        topology,
        weight,
    };
    // `workload` defaults to the workload itself; `required` defaults to
    // true, preferred terms default to weight 100.
    assert_eq!(
        a.pod_affinity,
        [
            t(1, Topology::Zone, None),
            t(0, Topology::Hostname, Some(100))
        ]
    );
    // The anti_affinity shorthand comes after the explicit terms.
    assert_eq!(
        a.pod_anti_affinity,
        [
            t(0, Topology::Hostname, Some(7)),
            t(0, Topology::Zone, Some(100))
        ]
    );
    assert_eq!(
        s.workloads[1].affinity.pod_anti_affinity,
        [
            t(0, Topology::Zone, Some(40)),
            t(1, Topology::Hostname, None)
        ]
    );
}

#[test]
fn affinity_rules() {
    let lines = errors(&with_workload(
        "    affinity:
      node:
        required:
          - match_expressions:
              - {key: disk, operator: in, values: [ssd]}
              - {key: disk, operator: In}
              - {key: disk, operator: Exists, values: [ssd]}
              - {key: gen, operator: Lt, values: [a]}
              - {key: gen, operator: Gt, values: [1, 2]}
          - match_expressions: []
          - match_expression: []
        preferred:
          - {weight: 0, match_expressions: [{key: a, operator: Exists}]}
      pod_affinity:
        - {workload: wbe, topology: zone}
        - {topology: hostname, required: true, weight: 5}
        - {topology: rack}
      pod_anti_affinity: {topology: zone}
",
    ));
    let p = "workloads[0].affinity";
    let m = format!("{p}.node.required[0].match_expressions");
    assert_error(&lines, &format!("{m}[0].operator"), "did you mean `In`?");
    assert_error(
        &lines,
        &format!("{m}[1].values"),
        "needs at least one value",
    );
    assert_error(&lines, &format!("{m}[2].values"), "takes no values");
    assert_error(&lines, &format!("{m}[3].values"), "exactly one integer");
    assert_error(&lines, &format!("{m}[4].values"), "exactly one integer");
    assert_error(
        &lines,
        &format!("{p}.node.required[1].match_expressions"),
        "at least one expression",
    );
    assert_error(
        &lines,
        &format!("{p}.node.required[2].match_expression"),
        "did you mean `match_expressions`?",
    );
    assert_error(
        &lines,
        &format!("{p}.node.preferred[0].weight"),
        "between 1 and 100",
    );
    assert_error(
        &lines,
        &format!("{p}.pod_affinity[0].workload"),
        "did you mean `web`?",
    );
    assert_error(
        &lines,
        &format!("{p}.pod_affinity[1].weight"),
        "required term has no weight",
    );
    assert_error(
        &lines,
        &format!("{p}.pod_affinity[2].topology"),
        "expected one of zone, hostname",
    );
    assert_error(&lines, &format!("{p}.pod_anti_affinity"), "expected a list");

    // Terms no pool can satisfy, and an empty requirement.
    let lines = errors(&with_workload(
        "    affinity: {node: {required: [{match_expressions: [{key: disk, operator: Exists}]}]}}
",
    ));
    assert_error(
        &lines,
        "workloads[0].affinity.node.required",
        "no node pool satisfies",
    );
    let lines = errors(&with_workload(
        "    affinity: {node: {required: []}}
",
    ));
    assert_error(
        &lines,
        "workloads[0].affinity.node.required",
        "at least one term",
    );
    // The well-known zone label is known per pool; hostname is assumed to
    // match.
    ok(&with_workload(
        "    node_selector: {topology.kubernetes.io/zone: b}
    affinity: {node: {required: [{match_expressions: [{key: kubernetes.io/hostname, operator: In, values: [general-1]}]}]}}
",
    ));
    let lines = errors(&with_workload(
        "    node_selector: {topology.kubernetes.io/zone: c}
",
    ));
    assert_error(
        &lines,
        "workloads[0].node_selector",
        "no node pool has the labels",
    );
}

#[test]
fn scheduler_percentage_of_nodes_to_score() {
    let cp = |body: &str| {
        BASE.replace(
            "      memory: 16Gi\n",
            &format!("      memory: 16Gi\n  control_plane:\n    scheduler: {body}\n"),
        )
    };
    assert_eq!(
        ok(BASE)
            .cluster
            .control_plane
            .scheduler
            .percentage_of_nodes_to_score,
        0,
        "adaptive by default"
    );
    for (text, want) in [("30", 30), ("'30%'", 30), ("100", 100), ("0%", 0)] {
        let s = ok(&cp(&format!("{{percentage_of_nodes_to_score: {text}}}")));
        assert_eq!(
            s.cluster
                .control_plane
                .scheduler
                .percentage_of_nodes_to_score,
            want,
            "{text}"
        );
    }
    let lines = errors(&cp("{percentage_of_nodes_to_score: 101}"));
    assert_error(
        &lines,
        "cluster.control_plane.scheduler.percentage_of_nodes_to_score",
        "between 0 and 100",
    );
    let lines = errors(&cp("{percentage_of_nodes: 10}"));
    assert_error(
        &lines,
        "cluster.control_plane.scheduler.percentage_of_nodes",
        "did you mean `percentage_of_nodes_to_score`?",
    );
    let s = load_set(
        BASE,
        &["cluster.control_plane.scheduler.percentage_of_nodes_to_score=15"],
    )
    .unwrap();
    assert_eq!(
        s.cluster
            .control_plane
            .scheduler
            .percentage_of_nodes_to_score,
        15
    );
}

#[test]
fn pool_rules() {
    let pool = |extra: &str| {
        BASE.replace(
            "      memory: 16Gi\n",
            &format!("      memory: 16Gi\n{extra}"),
        )
    };
    let lines = errors(&pool("      autoscaling: {min: 5, max: 10}\n"));
    assert_error(
        &lines,
        "cluster.node_pools[0].count",
        "outside the autoscaling range",
    );
    let lines = errors(&pool("      autoscaling: {min: 3, max: 2}\n"));
    assert_error(
        &lines,
        "cluster.node_pools[0].autoscaling.min",
        "more than max",
    );
    let lines = errors(&BASE.replace("cpu: 4\n", "cpu: 0\n"));
    assert_error(&lines, "cluster.node_pools[0].cpu", "more than 0 cpu");
    let lines = errors(&BASE.replace("memory: 16Gi", "memory: 0"));
    assert_error(&lines, "cluster.node_pools[0].memory", "more than 0 memory");
    let lines = errors(&pool(
        "      failure: {mttf: 0s, mttr: {dist: exponential, mean: 0s}}\n",
    ));
    assert_error(
        &lines,
        "cluster.node_pools[0].failure.mttf",
        "more than zero",
    );
    assert_error(
        &lines,
        "cluster.node_pools[0].failure.mttr",
        "more than zero",
    );
    let lines = errors(&pool("      zones: [a, c]\n"));
    assert_error(&lines, "cluster.node_pools[0].zones[1]", "unknown zone `c`");
    let lines = errors(&pool("      taints: [{key: k, effect: NoSchedul}]\n"));
    assert_error(
        &lines,
        "cluster.node_pools[0].taints[0].effect",
        "did you mean `NoSchedule`?",
    );
    let lines = errors(&pool("      max_pods: 0\n"));
    assert_error(&lines, "cluster.node_pools[0].max_pods", "at least 1");
    let lines = errors(&BASE.replace("count: 4", "count: '4'"));
    assert_error(&lines, "cluster.node_pools[0].count", "remove the quotes");
    let s = ok(&pool(
        "      labels: {tier: general, gen: 2}\n      taints: [{key: k, effect: NoSchedule}]\n",
    ));
    assert_eq!(s.cluster.node_pools[0].labels["gen"], "2");
    assert_eq!(
        s.cluster.node_pools[0].taints[0].effect,
        TaintEffect::NoSchedule
    );
}

#[test]
fn workloads_must_fit_and_select_existing_labels() {
    let lines = errors(&BASE.replace("cpu: 500m", "cpu: 500"));
    assert_error(&lines, "workloads[0].cpu", "largest node has 4");
    let lines = errors(&BASE.replace("memory: 512Mi", "memory: 32Gi"));
    assert_error(&lines, "workloads[0].memory", "largest node has 16Gi");
    let lines = errors(&with_workload("    node_selector: {tier: gpu}\n"));
    assert_error(
        &lines,
        "workloads[0].node_selector",
        "no node pool has the labels tier=gpu",
    );
    let lines = errors(&with_workload("    hpa: {max: 5}\n").replace("cpu: 500m", "cpu: 0"));
    assert_error(&lines, "workloads[0].hpa", "needs a cpu request");
}

#[test]
fn control_plane_and_scheduler() {
    let s = ok(&BASE.replace(
            "      memory: 16Gi\n",
            "      memory: 16Gi\n  control_plane:\n    default_toleration_seconds: 30\n    scheduler:\n      score:\n        requested_to_capacity_ratio:\n          shape: [{utilization: 0, score: 0}, {utilization: 100, score: 10}]\n",
    ));
    let cp = &s.cluster.control_plane;
    assert_eq!(
        cp.default_toleration_seconds,
        SimDuration::from_secs(30),
        "bare = seconds"
    );
    assert_eq!(
        cp.scheduler.score,
        ScoreStrategy::RequestedToCapacityRatio {
            shape: vec![(0, 0), (100, 10)]
        }
    );
    let cp = |body: &str| {
        BASE.replace(
            "      memory: 16Gi\n",
            &format!("      memory: 16Gi\n  control_plane:\n{body}"),
        )
    };
    let lines = errors(&cp(
        "    node_lease_renew_interval: 0s\n    watch_latency: 100\n",
    ));
    assert_error(
        &lines,
        "cluster.control_plane.node_lease_renew_interval",
        "more than zero",
    );
    assert_error(&lines, "cluster.control_plane.watch_latency", "add a unit");
    let lines = errors(&cp(
        "    scheduler: {score: {requested_to_capacity_ratio: {shape: [{utilization: 50, score: 11}, {utilization: 40, score: 0}]}}}\n",
    ));
    assert_error(
        &lines,
        "cluster.control_plane.scheduler.score.requested_to_capacity_ratio.shape[0].score",
        "between 0 and 10",
    );
    let lines = errors(&cp(
        "    scheduler: {score: {requested_to_capacity_ratio: {shape: [{utilization: 50, score: 1}, {utilization: 40, score: 0}]}}}\n",
    ));
    assert_error(
        &lines,
        "cluster.control_plane.scheduler.score.requested_to_capacity_ratio.shape[1].utilization",
        "strictly ascending",
    );
    let s = ok(&cp("    scheduler: {score: most_allocated}\n"));
    assert_eq!(
        s.cluster.control_plane.scheduler.score,
        ScoreStrategy::MostAllocated
    );
}

#[test]
fn traffic_rules() {
    let s = ok(&with_workload(
        "    traffic: {rate: 10, capacity_per_pod: 5}\n",
    ));
    let t = s.workloads[0].traffic.as_ref().unwrap();
    assert_eq!(
        (t.pattern.clone(), t.cpu_per_request),
        (TrafficPattern::Constant, MilliCpu(0))
    );
    ok(&with_workload(
        "    traffic: {rate: 10, capacity_per_pod: 5, pattern: constant}\n",
    ));
    let lines = errors(&with_workload(
        "    traffic: {rate: -1, capacity_per_pod: 0, pattern: {diurnal: {amplitude: 2, peak: 1d}}}\n",
    ));
    assert_error(&lines, "workloads[0].traffic.rate", "between 0 and");
    assert_error(
        &lines,
        "workloads[0].traffic.capacity_per_pod",
        "more than zero",
    );
    assert_error(
        &lines,
        "workloads[0].traffic.pattern.diurnal.amplitude",
        "between 0 and 1",
    );
    assert_error(
        &lines,
        "workloads[0].traffic.pattern.diurnal.peak",
        "within the period",
    );
}

#[test]
fn scenario_level_rules_and_limits() {
    let lines = errors(&BASE.replace("duration: 1d", "duration: 0s"));
    assert_error(&lines, "duration", "more than zero");
    let lines = errors(&BASE.replace("duration: 1d", "duration: 3651d"));
    assert_error(&lines, "duration", "limit of 3650d (10 years)");
    let lines = errors(&BASE.replace("duration: 1d", "duration: 1d\nsample_interval: 0s"));
    assert_error(&lines, "sample_interval", "more than zero");
    let lines = errors(&BASE.replace("duration: 1d", "duration: 3650d\nsample_interval: 1s"));
    assert_error(&lines, "sample_interval", "more than the limit of 10000000");
    let lines = errors(&BASE.replace("count: 4", "count: 100001"));
    assert_error(
        &lines,
        "cluster.node_pools[0].count",
        "limit of 100000 nodes",
    );
    let lines = errors(
        &BASE
            .replace(
                "count: 4",
                "count: 4\n      autoscaling: {min: 1, max: 60000}",
            )
            .replace(
                "      memory: 16Gi\n",
                "      memory: 16Gi\n    - {name: more, count: 50000, cpu: 1, memory: 1Gi}\n",
            ),
    );
    assert_error(&lines, "cluster.node_pools", "reach 110000 nodes in total");
    let lines = errors(&BASE.replace("replicas: 3", "replicas: 600000\n    hpa: {max: 1000001}"));
    assert_error(&lines, "workloads", "reach 1000001 replicas");
    let lines = errors(&BASE.replace("cluster:\n", "clusters:\n"));
    assert_error(&lines, "clusters", "did you mean `cluster`?");
    assert!(
        lines.iter().any(|l| l.contains("missing field `cluster`")),
        "{lines:?}"
    );
    let lines = errors(&BASE.replace(
        "workloads:\n  - name: web",
        "workloads:\n  web:\n    name: web",
    ));
    assert_error(
        &lines,
        "workloads",
        "expected a list, got a mapping (start each item with `- `",
    );
    let lines = errors("");
    assert!(
        lines[0].contains("expected a mapping with fields name, duration"),
        "{lines:?}"
    );
}

#[test]
fn events_resolve_and_sort_stably() {
    let s = ok(&format!(
        "{BASE}events:
  - {{at: 2h, scale: {{workload: web, replicas: 5}}}}
  - {{at: 1h, node_failure: {{node: general-3}}}}
  - {{at: 2h, rollout: {{workload: web, cpu: 1, memory: 1Gi, crash_probability: 0.5, startup_time: 1m}}}}
  - {{at: 1h, node_failure: {{pool: general, count: 2, duration: 10m}}}}
  - {{at: 0s, node_failure: {{zone: b}}}}
  - {{at: 3h, zone_outage: {{zone: b, duration: {{dist: exponential, mean: 1h}}}}}}
  - {{at: 4h, node_pool_upgrade: {{pool: general, max_surge: 0}}}}
"
    ));
    let at: Vec<u64> = s.events.iter().map(|e| e.at.as_millis() / 1000).collect();
    assert_eq!(at, [0, 3600, 3600, 7200, 7200, 10800, 14400]);
    assert!(matches!(
        s.events[0].action,
        EventAction::NodeFailure {
            target: NodeTarget::Zone(1),
            duration: None
        }
    ));
    assert!(matches!(
        s.events[1].action,
        EventAction::NodeFailure {
            target: NodeTarget::Node { pool: 0, index: 3 },
            ..
        }
    ));
    assert!(matches!(
        s.events[2].action,
        EventAction::NodeFailure {
            target: NodeTarget::Pool { pool: 0, count: 2 },
            ..
        }
    ));
    assert!(
        matches!(s.events[3].action, EventAction::Scale { .. }),
        "stable order"
    );
    match &s.events[4].action {
        EventAction::Rollout {
            cpu,
            memory,
            crash_probability,
            startup_time,
            ..
        } => {
            assert_eq!(*cpu, Some(MilliCpu(1000)));
            assert_eq!(*memory, Some(Bytes(1 << 30)));
            assert_eq!(*crash_probability, 0.5);
            assert_eq!(*startup_time, Some(Dist::Fixed(SimDuration::from_secs(60))));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.events[6].action,
        EventAction::NodePoolUpgrade {
            pool: 0,
            max_surge: 0,
            ..
        }
    ));
}

#[test]
fn event_rules() {
    let lines = errors(&format!(
        "{BASE}events:
  - {{at: 1d, scale: {{workload: web, replicas: 5}}}}
  - {{at: 2h, scale: {{workload: wbe, replicas: 5}}}}
  - {{at: 2h, node_failure: {{node: general-4}}}}
  - {{at: 2h, node_failure: {{node: genral-1}}}}
  - {{at: 2h, node_failure: {{node: general}}}}
  - {{at: 2h, node_failure: {{zone: a, hosting: web}}}}
  - {{at: 2h, node_failure: {{zone: a, count: 2}}}}
  - {{at: 2h, node_failure: {{pool: general, count: 9}}}}
  - {{at: 2h, zone_outage: {{zone: z, duration: 0s}}}}
  - {{at: 2h}}
  - {{at: 2h, scale: {{workload: web, replicas: 1}}, rollout: {{workload: web}}}}
  - {{at: 2h, rollout: {{workload: web, crash_probability: 1.5}}}}
  - {{at: 2h, node_pool_upgrade: {{pool: gpu}}}}
  - {{scale: {{workload: web, replicas: 1}}}}
"
    ));
    assert_error(
        &lines,
        "events[0].at",
        "not before the end of the simulation at 1d",
    );
    assert_error(
        &lines,
        "events[1].scale.workload",
        "unknown workload `wbe` (did you mean `web`?)",
    );
    assert_error(
        &lines,
        "events[2].node_failure.node",
        "starts with 4 nodes, so there is no node `general-4`",
    );
    assert_error(
        &lines,
        "events[3].node_failure.node",
        "did you mean `general-1`?",
    );
    assert_error(
        &lines,
        "events[4].node_failure.node",
        "expected a node name like general-3",
    );
    assert_error(
        &lines,
        "events[5].node_failure",
        "takes one target, got zone, hosting",
    );
    assert_error(&lines, "events[6].node_failure.count", "goes with `pool`");
    assert_error(
        &lines,
        "events[7].node_failure.count",
        "more than the 4 nodes",
    );
    assert_error(
        &lines,
        "events[8].zone_outage.zone",
        "unknown zone `z` (defined zones: a, b)",
    );
    assert_error(&lines, "events[8].zone_outage.duration", "more than zero");
    assert_error(&lines, "events[9]", "needs an action");
    assert_error(&lines, "events[10]", "exactly one action");
    assert_error(
        &lines,
        "events[11].rollout.crash_probability",
        "between 0 and 1",
    );
    assert_error(
        &lines,
        "events[12].node_pool_upgrade.pool",
        "unknown node pool `gpu`",
    );
    assert_error(&lines, "events[13]", "missing field `at`");
    assert_eq!(lines.len(), 15, "{}", lines.join("\n"));
}

// ------------------------------------------------------------------ --set

#[test]
fn set_by_name_and_index() {
    let s = load_set(
        DESIGN_EXAMPLE,
        &[
            "workloads.web.replicas=5",
            "cluster.node_pools.general.count=12",
            "workloads.web.spread.0.max_skew=2",
            "workloads.web.strategy={type: recreate}",
            "seed=42",
            "workloads.web.hpa=null",
            "cluster.zones=[a, b]",
            "cluster.node_pools.general.zones=",
        ],
    )
    .unwrap();
    let w = &s.workloads[0];
    assert_eq!(w.replicas, 5);
    assert_eq!(s.cluster.node_pools[0].count, 12);
    assert_eq!(w.spread[0].max_skew, 2);
    assert_eq!(w.strategy, Strategy::Recreate);
    assert!(w.hpa.is_none());
    assert_eq!(s.seed, 42);
    assert_eq!(s.cluster.node_pools[0].zones, ["a", "b"]);
}

#[test]
fn set_creates_missing_optional_fields() {
    let s = load_set(
        BASE,
        &[
            "cluster.control_plane.default_toleration_seconds=30s",
            "workloads.web.pdb.max_unavailable=25%",
            "sample_interval=1m",
        ],
    )
    .unwrap();
    assert_eq!(
        s.cluster.control_plane.default_toleration_seconds,
        SimDuration::from_secs(30)
    );
    assert_eq!(
        s.cluster.control_plane.node_monitor_period,
        SimDuration::from_secs(5)
    );
    assert_eq!(
        s.workloads[0].pdb,
        Some(Pdb::MaxUnavailable(IntOrPercent::Percent(25)))
    );
    assert_eq!(s.sample_interval, SimDuration::from_secs(60));
}

#[test]
fn set_errors_name_the_argument_and_segment() {
    let lines = errors_set(BASE, &["workloads.wbe.replicas=5"]);
    assert_eq!(
        lines,
        [
            "--set workloads.wbe.replicas=5: workloads.wbe.replicas: `workloads` has no item named \
          `wbe` (did you mean `web`?)"
        ]
    );
    let lines = errors_set(
        BASE,
        &["cluster.control_plane.default_tolerations_seconds=30s"],
    );
    assert_error(
        &lines,
        "cluster.control_plane.default_tolerations_seconds",
        "did you mean `default_toleration_seconds`?",
    );
    assert!(
        lines[0].starts_with("--set cluster.control_plane"),
        "{lines:?}"
    );
    let lines = errors_set(BASE, &["workloads.web.replicas=many"]);
    assert_eq!(
        lines,
        [
            "--set workloads.web.replicas=many: workloads[0].replicas: expected a whole number like 3, \
          got \"many\""
        ]
    );
    let lines = errors_set(BASE, &["workloads.5.replicas=1"]);
    assert!(
        lines[0].contains("has 1 item(s), so there is no item 5"),
        "{lines:?}"
    );
    let lines = errors_set(BASE, &["workloads.web.spread.0.max_skew=2"]);
    assert!(lines[0].contains("set the whole list"), "{lines:?}");
    let lines = errors_set(BASE, &["workloads.web.replicas.x=2"]);
    assert!(
        lines[0].contains("`workloads.web.replicas` is 3, it has no field `x`"),
        "{lines:?}"
    );
    let lines = errors_set(BASE, &["replicas"]);
    assert!(lines[0].contains("expected PATH=VALUE"), "{lines:?}");
    let lines = errors_set(BASE, &["a..b=1"]);
    assert!(lines[0].contains("empty segment"), "{lines:?}");
    let lines = errors_set(BASE, &["workloads.web.strategy={type: recreate"]);
    assert!(lines[0].contains("not valid YAML"), "{lines:?}");
}

#[test]
fn io_errors_name_the_path() {
    let err = load_file(std::path::Path::new("/nonexistent/kubesim.yaml"), &[]).unwrap_err();
    assert!(matches!(err, ScenarioError::Io { .. }));
    assert!(
        err.to_string().contains("/nonexistent/kubesim.yaml"),
        "{err}"
    );
}

// ------------------------------------------------------------- robustness

/// Loading never panics, whatever the input; an error always says why.
fn must_not_panic(text: &str, sets: &[String]) {
    if let Err(e) = load_str(text, "fuzz.yaml", sets) {
        assert!(!e.diagnostics().is_empty());
        assert!(!e.to_string().is_empty());
    }
}

#[test]
fn truncated_documents_do_not_panic() {
    // Every line end and every 5th character (all of them is slow in debug builds).
    for (i, c) in DESIGN_EXAMPLE.char_indices() {
        if c == '\n' || i % 5 == 0 {
            must_not_panic(&DESIGN_EXAMPLE[..i], &[]);
        }
    }
}

#[test]
fn garbage_does_not_panic() {
    let cases = [
        "",
        "~",
        "[]",
        "{}",
        "- - -",
        ":",
        "a:b:c",
        "\t",
        "\0",
        "key: [",
        "key: {",
        "*x",
        "&a [*a]",
        "!!binary x",
        "? ? ?",
        "duration: 1d\ncluster: []",
        "workloads: {}",
        "events: [1, 2, 3]",
        "name: 9999999999999999999999999999999999999999",
        "duration: 99999999999999999999999999999d",
        "duration: .inf",
        "seed: 1.5",
        "cluster: {node_pools: [{name: a, count: -1, cpu: -1, memory: 1e400}]}",
        "%YAML 1.2\n---\na: 1",
        "a: !!int x",
        "\u{feff}name: x",
        "a: |\n  x\n b",
    ];
    for c in cases {
        must_not_panic(c, &[]);
    }
    let sets: Vec<String> = [
        "=",
        "a=",
        ".=1",
        "workloads.0=",
        "x.y.z={",
        "name=[[[[",
        "cluster=1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for s in &sets {
        must_not_panic(BASE, std::slice::from_ref(s));
    }
    // Pseudo-random byte soup from the example's alphabet.
    let alphabet: Vec<char> = DESIGN_EXAMPLE.chars().collect();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        let mut t = String::new();
        for _ in 0..(x % 200) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        must_not_panic(&t, &[]);
    }
}

#[test]
fn hostile_documents_fail_cleanly() {
    let deep = format!("a: {}{}", "[".repeat(2_000), "]".repeat(2_000));
    let lines = errors(&deep);
    assert!(!lines.is_empty());
    let deep_block: String = (0..200)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    must_not_panic(&deep_block, &[]);
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .windows(2)
        .map(|w| (w[0], w[1]))
    {
        bomb.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 10].join(", ")
        ));
    }
    let lines = errors(&bomb);
    assert!(
        lines[0].contains("alias") || lines[0].contains("limit"),
        "{lines:?}"
    );
    let huge_set = format!("name={}", "[".repeat(10_000));
    must_not_panic(BASE, &[huge_set]);
}

#[test]
fn long_lists_load_and_problems_are_capped() {
    use std::fmt::Write;
    // Parsing dominates; debug builds parse about 10k lines a second.
    let mut text = BASE.replace("duration: 1d", "duration: 30d");
    for i in 0..500 {
        writeln!(text, "  - {{name: w{i}, cpu: 1m, memory: 1Mi}}").unwrap();
    }
    text.push_str("events:\n");
    for i in 0..500 {
        writeln!(
            text,
            "  - {{at: {}s, scale: {{workload: w{i}, replicas: 2}}}}",
            i % 100
        )
        .unwrap();
    }
    let s = ok(&text);
    assert_eq!((s.workloads.len(), s.events.len()), (501, 500));

    let bad = text.replace("workload: w", "workload: x");
    let err = load(&bad).unwrap_err();
    let d = err.diagnostics();
    assert_eq!(d.len(), 101);
    assert_eq!(
        d[100].message,
        "400 more problems not listed (only the first 100 are)"
    );
}
