//! Scheduling rules end to end: scenarios loaded from YAML and run, with the
//! expected placements and pending time worked out from the upstream rules.

use kubesim::model::ClusterState;
use kubesim::scenario;
use kubesim::sim::{RunResult, Simulation};
use std::collections::BTreeMap;

fn load(yaml: &str, sets: &[&str]) -> scenario::Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    scenario::load_str(yaml, "test.yaml", &sets).unwrap_or_else(|e| panic!("{e}"))
}

/// The state right after the warm start, and the run's result.
fn run(yaml: &str, sets: &[&str]) -> (ClusterState, RunResult) {
    let sc = load(yaml, sets);
    let sim = Simulation::new(sc, 1)
        .unwrap_or_else(|e| panic!("{e}"))
        .check_invariants(true);
    let state = sim.state().clone();
    let r = sim.run();
    assert!(
        r.summary.invariant_violations.is_empty(),
        "{:?}",
        r.summary.invariant_violations
    );
    (state, r)
}

/// Bound, non-terminating pods of `workload` per node name.
fn placement(state: &ClusterState, workload: &str) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for p in &state.pods {
        if state.deployment(p.deployment).name != workload || !p.is_active() {
            continue;
        }
        if let Some(n) = p.node {
            *out.entry(state.node(n).name.clone()).or_default() += 1;
        }
    }
    out
}

/// Bound pods of `workload` per zone index.
fn per_zone(state: &ClusterState, workload: &str) -> BTreeMap<usize, u32> {
    let mut out = BTreeMap::new();
    for p in &state.pods {
        if state.deployment(p.deployment).name == workload
            && let Some(n) = p.node
        {
            *out.entry(state.node(n).zone).or_default() += 1;
        }
    }
    out
}

fn unschedulable_messages(r: &RunResult) -> Vec<String> {
    r.events
        .iter()
        .filter(|e| e.kind == "pod_unschedulable")
        .map(|e| e.detail.clone())
        .collect()
}

const ANTI: &str = "\
name: anti
duration: 1h
cluster:
  zones: [a, b, c]
  node_pools: [{name: pool, count: 3, cpu: 4, memory: 16Gi}]
workloads:
  - name: web
    replicas: 5
    cpu: 500m
    memory: 512Mi
    anti_affinity: {topology: hostname}
";

/// Required pod anti-affinity on hostname with 5 replicas and 3 nodes: one
/// pod per node, and the other 2 stay Pending for the whole hour (every
/// node already runs a web pod): 2 x 3600 = 7200 pending pod-seconds.
#[test]
fn required_anti_affinity_leaves_the_extra_replicas_pending() {
    let (state, r) = run(ANTI, &[]);
    let placed = placement(&state, "web");
    assert_eq!(placed.values().copied().collect::<Vec<_>>(), [1, 1, 1]);
    let c = &r.summary.cluster;
    assert!(
        (c.pending_pod_seconds - 7200.0).abs() < 1e-6,
        "pending_pod_seconds {}",
        c.pending_pod_seconds
    );
    let w = &r.summary.workloads["web"];
    assert_eq!((w.min_ready, w.mean_ready), (3, 3.0));
    assert_eq!(w.slo_attainment, 0.0, "the slo asks for all 5");
    let msgs = unschedulable_messages(&r);
    assert_eq!(msgs.len(), 2, "logged once per pod: {msgs:?}");
    assert!(
        msgs.iter().all(
            |m| m == "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."
        )
    );

    // On zones: 3 zones, 3 pods, 2 pending as well.
    let (state, r) = run(ANTI, &["workloads.web.anti_affinity.topology=zone"]);
    assert_eq!(per_zone(&state, "web").len(), 3);
    assert!((r.summary.cluster.pending_pod_seconds - 7200.0).abs() < 1e-6);

    // Preferred (no longer refused): every replica runs, spread 2-2-1.
    let (state, r) = run(ANTI, &["workloads.web.anti_affinity.required=false"]);
    let mut counts: Vec<u32> = placement(&state, "web").into_values().collect();
    counts.sort();
    assert_eq!(counts, [1, 2, 2]);
    assert_eq!(r.summary.cluster.pending_pod_seconds, 0.0);
}

const SPREAD: &str = "\
name: spread
duration: 1h
cluster:
  zones: [a, b, c]
  node_pools:
    - {name: big, count: 4, zones: [a, b], cpu: 4, memory: 16Gi}
    - {name: small, count: 1, zones: [c], cpu: 1, memory: 16Gi}
workloads:
  - name: web
    replicas: 6
    cpu: 2
    memory: 1Gi
    spread: [{topology: zone, max_skew: 1, when_unsatisfiable: do_not_schedule}]
";

/// Zone c's only node has 1 cpu, so no 2-cpu web pod ever fits there; yet
/// zone c is an eligible domain (nodeAffinityPolicy Honor, nothing to
/// honor) and its count stays 0. globalMin is 0, so zones a and b take at
/// most maxSkew = 1 pod each: 2 pods run and 4 stay Pending all hour,
/// 4 x 3600 = 14400 pending pod-seconds. ScheduleAnyway only scores: all 6
/// run, 3 per zone (the big nodes hold 2 each: 8 slots).
#[test]
fn do_not_schedule_spread_counts_a_zone_that_cannot_fit() {
    let (state, r) = run(SPREAD, &[]);
    assert_eq!(
        per_zone(&state, "web"),
        BTreeMap::from([(0, 1), (1, 1)]),
        "one pod in a, one in b"
    );
    assert!(
        (r.summary.cluster.pending_pod_seconds - 14_400.0).abs() < 1e-6,
        "pending_pod_seconds {}",
        r.summary.cluster.pending_pod_seconds
    );
    let msgs = unschedulable_messages(&r);
    assert_eq!(msgs.len(), 4);
    assert_eq!(
        msgs[0],
        "0/5 nodes are available: 1 Insufficient cpu, \
         4 node(s) didn't match pod topology spread constraints."
    );

    let (state, r) = run(
        SPREAD,
        &["workloads.web.spread.0.when_unsatisfiable=schedule_anyway"],
    );
    assert_eq!(per_zone(&state, "web"), BTreeMap::from([(0, 3), (1, 3)]));
    assert_eq!(r.summary.cluster.pending_pod_seconds, 0.0);
    assert!(unschedulable_messages(&r).is_empty());

    // Without the small node, zone c has no node at all, so it is no domain:
    // globalMin is min(a, b) and all 6 pods run, 3 per zone.
    let (state, r) = run(SPREAD, &["cluster.node_pools.small.count=0"]);
    assert_eq!(per_zone(&state, "web"), BTreeMap::from([(0, 3), (1, 3)]));
    assert_eq!(r.summary.cluster.pending_pod_seconds, 0.0);
}

/// Required affinity to another workload's pods: every web pod lands on a
/// node that runs a cache pod. db's required anti-affinity to web keeps web
/// out of db's zone (the symmetric rule), though web declares nothing
/// about db.
#[test]
fn inter_pod_affinity_between_workloads() {
    let yaml = "\
name: ipa
duration: 10m
cluster:
  zones: [a, b]
  node_pools: [{name: pool, count: 6, cpu: 8, memory: 32Gi}]
workloads:
  - {name: db, replicas: 1, cpu: 1, memory: 1Gi,
     affinity: {pod_anti_affinity: [{workload: web, topology: zone}]}}
  - {name: cache, replicas: 2, cpu: 1, memory: 1Gi, anti_affinity: {topology: hostname}}
  - name: web
    replicas: 4
    cpu: 1
    memory: 1Gi
    affinity:
      pod_affinity: [{workload: cache, topology: hostname}]
";
    let (state, r) = run(yaml, &[]);
    let cache = placement(&state, "cache");
    let web = placement(&state, "web");
    assert_eq!(web.values().sum::<u32>(), 4);
    assert!(
        web.keys().all(|n| cache.contains_key(n)),
        "web {web:?} cache {cache:?}"
    );
    // The default zone spreading (scored) puts the two cache pods in
    // different zones, so one runs outside db's zone: web follows it there.
    let db_zone = per_zone(&state, "db").into_keys().next().unwrap();
    assert_eq!(per_zone(&state, "cache").len(), 2);
    assert!(!per_zone(&state, "web").contains_key(&db_zone));
    assert_eq!(r.summary.cluster.pending_pod_seconds, 0.0);
}
