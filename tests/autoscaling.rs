//! Cluster autoscaler and scale-to-zero, end to end: timings derived by
//! hand from the rules (upstream defaults unless a scenario says
//! otherwise), and closed forms (Little's law, keep-alive arithmetic).
//!
//! Timing facts used throughout (watch latency 100 ms per hop): a scale
//! event at t creates pods at t + 0.2 s (deployment sync, then ReplicaSet
//! sync), the scheduler tries them at t + 0.3 s; an evicted pod's
//! replacement is created 0.1 s after the eviction; a bound pod is Ready
//! 0.1 s (kubelet) + `startup_time` after binding. The cluster autoscaler
//! scans at 0, 10 s, 20 s, ...; its start counts as a scale-up for
//! `scale_down_delay_after_add`.

use kubesim::scenario;
use kubesim::sim::{EventRecord, RunResult, Simulation};

fn run_with(yaml: &str, sets: &[&str], seed: u64) -> RunResult {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = scenario::load_str(yaml, "test.yaml", &sets).unwrap_or_else(|e| panic!("{e}"));
    let r = Simulation::new(sc, seed)
        .unwrap_or_else(|e| panic!("{e}"))
        .check_invariants(true)
        .run();
    assert!(
        r.summary.invariant_violations.is_empty(),
        "{:?}",
        r.summary.invariant_violations
    );
    r
}

fn run(yaml: &str) -> RunResult {
    run_with(yaml, &[], 1)
}

fn events<'a>(r: &'a RunResult, kind: &str) -> Vec<&'a EventRecord> {
    r.events.iter().filter(|e| e.kind == kind).collect()
}

fn times(r: &RunResult, kind: &str) -> Vec<f64> {
    events(r, kind)
        .iter()
        .map(|e| e.time_ms as f64 / 1000.0)
        .collect()
}

// ---------------------------------------------------------------- scale-up

const SCALE_UP: &str = "
name: up
duration: 30m
cluster:
  node_pools:
    - {name: general, count: 2, cpu: 4, memory: 16Gi,
       autoscaling: {min: 1, max: 5, provision_time: 2m}}
workloads:
  - {name: web, replicas: 4, cpu: 1500m, memory: 1Gi, startup_time: 10s}
events:
  - {at: 60s, scale: {workload: web, replicas: 8}}
";

/// Two pods of 1.5 cpu fit a 4-cpu node. Scaling 4 -> 8 at 60 s creates 4
/// pods at 60.2 s that fail scheduling at 60.3 s. The scan at 70 s sees
/// them, the estimator packs them 2 per node: +2 nodes, joining at
/// 70 + 120 = 190 s, when the pods bind at once. Each pod was pending
/// 190 - 60.2 = 129.8 s: 4 x 129.8 = 519.2 pod-seconds.
#[test]
fn scale_up_adds_nodes_that_join_after_provision_time_and_take_the_pods() {
    let r = run(SCALE_UP);
    assert_eq!(times(&r, "scale_up"), vec![70.0]);
    assert!(
        events(&r, "scale_up")[0]
            .detail
            .starts_with("+2 nodes for 4 pending pods")
    );
    assert_eq!(times(&r, "node_joined"), vec![190.0, 190.0]);
    let c = &r.summary.cluster;
    assert!(
        (c.pending_pod_seconds - 519.2).abs() < 1e-9,
        "{}",
        c.pending_pod_seconds
    );
    let w = &r.summary.workloads["web"];
    assert_eq!(w.replicas_final, 8);
    let last = r.samples.last().unwrap();
    assert_eq!(last.pending_pods, 0);
    assert_eq!(last.workloads[0].2, 8, "all 8 serve at the end");
    let pool = &c.node_pools["general"];
    assert_eq!(
        (pool.nodes_final, pool.nodes_max, pool.scale_up_nodes),
        (4, 4, 2)
    );
    // Node hours: 2 nodes for 30 min, 2 more from 190 s.
    let expected = (2.0 * 1800.0 + 2.0 * (1800.0 - 190.0)) / 3600.0;
    assert!((pool.node_hours - expected).abs() < 1e-9);
    // The nodes are 75% allocated: no scale-down.
    assert!(events(&r, "scale_down").is_empty());
}

/// `max: 3` allows one node of the two needed: 2 pods stay pending, and
/// later scans add nothing more.
#[test]
fn scale_up_stops_at_the_pool_max() {
    let r = run_with(
        SCALE_UP,
        &["cluster.node_pools.general.autoscaling.max=3"],
        1,
    );
    assert_eq!(times(&r, "scale_up"), vec![70.0]);
    assert!(
        events(&r, "scale_up")[0]
            .detail
            .starts_with("+1 nodes for 2 pending pods")
    );
    let pool = &r.summary.cluster.node_pools["general"];
    assert_eq!((pool.nodes_final, pool.nodes_max), (3, 3));
    assert_eq!(r.samples.last().unwrap().pending_pods, 2);
}

/// Pods that no autoscaled pool's template passes (here: a node selector
/// only the fixed `gpu` pool matches) trigger nothing; the scheduler's
/// filters decide, as upstream's predicate checks on the template.
#[test]
fn pods_no_pool_template_can_take_trigger_no_scale_up() {
    let yaml = "
name: selector
duration: 10m
cluster:
  node_pools:
    - {name: general, count: 1, cpu: 4, memory: 16Gi, autoscaling: {min: 1, max: 5}}
    - {name: gpu, count: 1, cpu: 2, memory: 16Gi, labels: {tier: gpu}}
workloads:
  - {name: ml, replicas: 2, cpu: 1500m, memory: 1Gi, node_selector: {tier: gpu}}
";
    let r = run(yaml);
    assert!(events(&r, "scale_up").is_empty());
    assert_eq!(r.samples.last().unwrap().pending_pods, 1);
}

// -------------------------------------------------------------- scale-down

const SCALE_DOWN: &str = "
name: down
duration: 40m
cluster:
  node_pools:
    - {name: general, count: 3, cpu: 4, memory: 16Gi, autoscaling: {min: 1, max: 5}}
workloads:
  - {name: web, replicas: 3, cpu: 1000m, memory: 1Gi, startup_time: 60s}
";

/// Warm start: one 1-cpu pod per 4-cpu node, utilization 0.25 < 0.5. The
/// first scan (t = 0) finds general-0 unneeded (its pod fits general-1)
/// and general-1 too (then both pods fit general-2), so both are unneeded
/// since 0; general-2 is needed. Removal needs both
/// since + unneeded_time <= t (600 s) and no scale-up (the start counts)
/// within delay_after_add (600 s): the scan at 600 s drains general-0 (one
/// non-empty node at a time). Its pod terminates in 30 s: deleted at
/// 630 s (the scan at 630 s comes first and still sees the drain). The
/// next scan, 640 s, is past the delay after delete (10 s): general-1
/// (still unneeded since 0) is drained, deleted at 670 s; general-2 stays
/// (min 1, and it holds the pods).
#[test]
fn scale_down_after_the_unneeded_time_and_not_before() {
    let r = run(SCALE_DOWN);
    assert_eq!(times(&r, "drain_started"), vec![600.0, 640.0]);
    assert_eq!(times(&r, "node_removed"), vec![630.0, 670.0]);
    let pool = &r.summary.cluster.node_pools["general"];
    assert_eq!((pool.nodes_final, pool.scale_down_nodes), (1, 2));

    // Unneeded time 15 min: the drains start at 900 s and (after the
    // first node's deletion at 930 s and the delay after delete) 940 s.
    let r = run_with(
        SCALE_DOWN,
        &["cluster.control_plane.cluster_autoscaler.scale_down_unneeded_time=15m"],
        1,
    );
    assert_eq!(times(&r, "drain_started"), vec![900.0, 940.0]);
    // Unneeded time 5 min and no delay after add: 300 s and 340 s.
    let r = run_with(
        SCALE_DOWN,
        &[
            "cluster.control_plane.cluster_autoscaler.scale_down_unneeded_time=5m",
            "cluster.control_plane.cluster_autoscaler.scale_down_delay_after_add=0s",
        ],
        1,
    );
    assert_eq!(times(&r, "drain_started"), vec![300.0, 340.0]);
    // Scale-down disabled: nothing.
    let r = run_with(
        SCALE_DOWN,
        &["cluster.control_plane.cluster_autoscaler.scale_down_enabled=false"],
        1,
    );
    assert!(times(&r, "drain_started").is_empty());
}

/// One pod on three nodes: general-1 and general-2 are empty (simulated
/// first, as upstream sorts empty candidates first) and unneeded; general-0
/// is needed for the pod. Empty nodes go together at 600 s without a
/// drain, but `min: 2` lets only one go.
#[test]
fn scale_down_stops_at_the_pool_min() {
    let yaml = SCALE_DOWN
        .replace("replicas: 3", "replicas: 1")
        .replace("min: 1", "min: 2");
    let r = run(&yaml);
    assert!(times(&r, "drain_started").is_empty());
    assert_eq!(times(&r, "node_removed"), vec![600.0]);
    let pool = &r.summary.cluster.node_pools["general"];
    assert_eq!(pool.nodes_final, 2);
    // With min 1 both empty nodes go at once.
    let r = run(&SCALE_DOWN.replace("replicas: 3", "replicas: 1"));
    assert_eq!(times(&r, "node_removed"), vec![600.0, 600.0]);
}

/// `pdb: {min_available: 2}` on the 3 pods. general-2 (the node left
/// holding the pods) fails the removal simulation at 0 s, 300 s and 600 s
/// and, as upstream, is only simulated again 5 min after each failure
/// (`unremovable-node-recheck-timeout`). The drain of general-0 at 600 s
/// uses the one disruption allowed; its replacement is Ready at
/// 600.1 + 0.2 + 60 = 660.3 s. Until then no budget is left, so at the 610 s
/// scan general-1 is unremovable (its unneeded clock stops; recheck at
/// 910 s). At 900 s general-2 is simulated again: the budget is back and
/// its pod fits general-1, so it is unneeded since 900 s and drained at
/// 900 + 600 = 1500 s (general-1, now the one holding the pods, stays).
/// Serving pods never drop below 2. Without the PDB, general-1 is drained
/// at 640 s while the replacement still starts, leaving 1 pod serving.
#[test]
fn scale_down_drains_respect_pdbs() {
    let yaml = SCALE_DOWN.replace(
        "startup_time: 60s",
        "startup_time: 60s, pdb: {min_available: 2}",
    );
    let r = run(&yaml);
    assert_eq!(times(&r, "drain_started"), vec![600.0, 1500.0]);
    assert_eq!(r.summary.workloads["web"].min_ready, 2);
    let r = run(SCALE_DOWN);
    assert_eq!(times(&r, "drain_started"), vec![600.0, 640.0]);
    assert_eq!(r.summary.workloads["web"].min_ready, 1);
}

/// A PDB with no disruption allowed: nothing is drained.
#[test]
fn scale_down_skips_nodes_whose_pods_the_pdb_holds() {
    let yaml = SCALE_DOWN.replace(
        "startup_time: 60s",
        "startup_time: 60s, pdb: {max_unavailable: 0}",
    );
    let r = run(&yaml);
    assert!(times(&r, "drain_started").is_empty());
    assert_eq!(r.summary.cluster.node_pools["general"].nodes_final, 3);
}

/// A drain the PDB keeps blocking is given up after
/// `max_pod_eviction_time`. A bad rollout's surge pod crash-loops on the
/// empty fourth node. The PDB (min_available 4, 3 healthy) refuses to evict
/// it (an unhealthy pod may go only while the budget is met), but the
/// autoscaler's budget check counts healthy pods only, so it drains the
/// node at 600 s; at 720 s (2 min) it gives up, uncordons it, and the node
/// is unneeded again from that scan: the next try is at 720 + 600 = 1320 s.
#[test]
fn scale_down_gives_up_on_drains_the_pdb_blocks() {
    let yaml = "
name: fail
duration: 25m
cluster:
  node_pools:
    - {name: general, count: 4, cpu: 4, memory: 16Gi, autoscaling: {min: 1, max: 5}}
workloads:
  - {name: web, replicas: 3, cpu: 1, memory: 1Gi, pdb: {min_available: 4},
     strategy: {type: rolling_update, max_surge: 1, max_unavailable: 0}}
events:
  - {at: 10s, rollout: {workload: web, crash_probability: 1.0}}
";
    let r = run(yaml);
    assert_eq!(times(&r, "drain_started"), vec![600.0, 1320.0]);
    assert_eq!(times(&r, "scale_down_failed"), vec![720.0, 1440.0]);
    assert!(times(&r, "node_removed").is_empty());
}

/// Expendable pods (priority below -10) neither hold a node nor trigger a
/// scale-up. `filler` (priority -20) keeps off `web`'s node, so each of the
/// two nodes holds one pod. The filler's node counts as empty: deleted at
/// 600 s without a drain; the recreated filler pod stays Pending (it may
/// not join web) and no node is added for it.
#[test]
fn expendable_pods_do_not_hold_nodes_or_trigger_scale_up() {
    let yaml = "
name: expendable
duration: 30m
cluster:
  node_pools:
    - {name: general, count: 2, cpu: 4, memory: 16Gi, autoscaling: {min: 1, max: 5}}
workloads:
  - {name: web, replicas: 1, cpu: 1, memory: 1Gi}
  - {name: filler, replicas: 1, cpu: 1, memory: 1Gi, priority: -20,
     affinity: {pod_anti_affinity: [{workload: web, topology: hostname}]}}
";
    let r = run(yaml);
    assert!(times(&r, "drain_started").is_empty());
    assert_eq!(times(&r, "node_removed"), vec![600.0]);
    assert!(
        events(&r, "scale_down")[0]
            .detail
            .starts_with("deleting empty node")
    );
    assert!(events(&r, "scale_up").is_empty());
    assert_eq!(r.samples.last().unwrap().pending_pods, 1);
}

// --------------------------------------------------------------- expanders

/// Four pending 1-cpu / 1Gi pods (too big for the one `base` node), two
/// empty pools. `small` (2 cpu, 8Gi):
/// 2 nodes, waste (4-4)/4 + (16-4)/16 = 0.75. `big` (16 cpu, 64Gi): 1
/// node, waste 12/16 + 60/64 = 1.6875. least_waste picks small; most_pods
/// sees a tie (4 pods each) and picks at random; priority picks the higher
/// tier.
const EXPANDERS: &str = "
name: expanders
duration: 10m
cluster:
  node_pools:
    - {name: base, count: 1, cpu: 500m, memory: 1Gi}
    - {name: small, count: 0, cpu: 2, memory: 8Gi, priority: 1, cost_per_hour: 0.1,
       autoscaling: {min: 0, max: 10, provision_time: 1m}}
    - {name: big, count: 0, cpu: 16, memory: 64Gi, priority: 5, cost_per_hour: 0.8,
       autoscaling: {min: 0, max: 10, provision_time: 1m}}
  control_plane: {cluster_autoscaler: {expander: least_waste}}
workloads:
  - {name: app, replicas: 4, cpu: 1, memory: 1Gi}
";

fn added(r: &RunResult) -> (u32, u32) {
    let p = &r.summary.cluster.node_pools;
    (p["small"].scale_up_nodes, p["big"].scale_up_nodes)
}

#[test]
fn least_waste_picks_the_pool_with_least_idle_cpu_and_memory() {
    let r = run(EXPANDERS);
    assert_eq!(added(&r), (2, 0));
    // Cost: 2 small nodes from 60 s to 600 s at 0.1/h, plus nothing else
    // priced.
    let expected = 2.0 * 540.0 / 3600.0 * 0.1;
    assert!(
        (r.summary.cluster.cost - expected).abs() < 1e-12,
        "{}",
        r.summary.cluster.cost
    );
}

#[test]
fn priority_picks_the_highest_tier() {
    let r = run_with(
        EXPANDERS,
        &["cluster.control_plane.cluster_autoscaler.expander=priority"],
        1,
    );
    assert_eq!(added(&r), (0, 1));
}

/// Pods of 1.5 cpu: a 2-cpu `small` node holds one, a 16-cpu `big` node
/// ten. With room for one node per pool, small helps 1 pod, big 4:
/// most_pods picks big (least_waste would pick small: waste 0.25 + 7/8
/// = 1.125 against 10/16 + 60/64 = 1.5625).
#[test]
fn most_pods_picks_the_pool_that_helps_most_pods() {
    let yaml = EXPANDERS
        .replace("cpu: 1, memory: 1Gi}", "cpu: 1500m, memory: 1Gi}")
        .replace("max: 10", "max: 1");
    let r = run_with(
        &yaml,
        &["cluster.control_plane.cluster_autoscaler.expander=most_pods"],
        1,
    );
    assert_eq!(added(&r), (0, 1));
    let r = run(&yaml);
    assert_eq!(added(&r).0, 1, "least_waste takes small first");
}

/// most_pods with a tie falls back to random: over seeds both pools are
/// chosen, and each run is reproducible.
#[test]
fn tied_expander_choices_are_random_but_reproducible() {
    let sets = ["cluster.control_plane.cluster_autoscaler.expander=most_pods"];
    let mut seen = std::collections::BTreeSet::new();
    for seed in 1..=12 {
        let a = added(&run_with(EXPANDERS, &sets, seed));
        assert_eq!(a, added(&run_with(EXPANDERS, &sets, seed)));
        seen.insert(a);
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
}

// ------------------------------------------------------------ scale to zero

/// KPA, one request every 600 s (regular arrivals at 600, 1200, ... s),
/// 1 s of service, start-up 2 s, initial scale 1, Knative defaults.
///
/// Start: Active since 0 with no traffic. The decider wants 0 from the
/// first tick; the PA was active less than the stable window, so it keeps
/// 1 pod and re-checks at 60 s, marks itself Inactive, and scales to 0 at
/// 60 + 30 (grace) = 90 s; the pod is deleted at 90.2 s.
///
/// Each request at a: held by the activator (a cold start), which pokes the
/// autoscaler: scale 0 -> 1 at a, pod created at a + 0.2, Ready at
/// a + 0.4 + 2 = a + 2.4 (the PA turns Active), served until a + 3.4. The
/// stable window holds in-flight time until the first tick t with
/// t - 60 >= a + 3.4: ticks are even seconds, so t = a + 64; active for
/// 61.6 s >= 60, the PA goes Inactive; at a + 94 (grace 30 s) the scale
/// goes to 0 and the pod is deleted at a + 94.2.
///
/// So each cycle has one pod for 94 s and the wait is 2.4 s. Over 3590 s
/// (requests at 600 .. 3000): instances 90.2 + 5 x 94 = 560.2 pod-s; time at
/// zero (600.2 - 90.2) + 4 x (600.2 - 94.2) + (3590 - 3094.2) = 3029.8 s.
#[test]
fn kpa_sparse_requests_follow_the_grace_period_arithmetic() {
    let yaml = "
name: kpa
duration: 3590s
cluster:
  node_pools: [{name: general, count: 2, cpu: 4, memory: 16Gi}]
workloads:
  - name: fn
    replicas: 1
    cpu: 500m
    memory: 256Mi
    startup_time: 2s
    traffic: {rate: 0.0016666666666666668, capacity_per_pod: 100}
    scale_to_zero: {policy: kpa, service_time: 1s, arrivals: regular}
";
    let r = run(yaml);
    let s = r.summary.workloads["fn"].scale_to_zero.clone().unwrap();
    assert_eq!((s.requests, s.cold_starts, s.scaled_to_zero), (5, 5, 6));
    assert_eq!(s.cold_start_ratio, 1.0);
    assert_eq!(s.added_latency_mean_ms, 2400.0);
    assert!(
        (s.time_at_zero_s - 3029.8).abs() < 1e-9,
        "{}",
        s.time_at_zero_s
    );
    assert!((s.instances_mean - 560.2 / 3590.0).abs() < 1e-12);
    let scale: Vec<f64> = times(&r, "scale_to_zero");
    assert_eq!(
        scale,
        vec![
            90.0, 600.0, 694.0, 1200.0, 1294.0, 1800.0, 1894.0, 2400.0, 2494.0, 3000.0, 3094.0
        ]
    );

    // A longer grace period, 60 s: each cycle keeps the pod 30 s longer.
    let r = run_with(
        yaml,
        &["workloads.fn.scale_to_zero.scale_to_zero_grace_period=60s"],
        1,
    );
    let s2 = r.summary.workloads["fn"].scale_to_zero.clone().unwrap();
    assert!(
        (s2.time_at_zero_s - (3029.8 - 6.0 * 30.0)).abs() < 1e-9,
        "{}",
        s2.time_at_zero_s
    );

    // Requests every 60 s: the first, at 60 s, finds the initial pod
    // (the PA would only have gone Inactive at 60 s), and the stable window
    // never empties again (a request every 60 s): no cold start at all.
    let r = run_with(yaml, &["workloads.fn.traffic.rate=0.016666666666666666"], 1);
    let s3 = r.summary.workloads["fn"].scale_to_zero.clone().unwrap();
    assert_eq!(
        (s3.requests, s3.cold_starts, s3.scaled_to_zero),
        (59, 0, 0),
        "{s3:?}"
    );
}

/// Under load the KPA scales on concurrency: 200 requests/s of 1 s each
/// keep about 200 in flight; with 70 per pod (100 x 70%) that is
/// ceil(200/70) = 3 pods. Poisson noise makes the 60 s average wander
/// around 200 (sd about sqrt(2 x 200 / 60) ~ 2.6), so ceil stays 3.
#[test]
fn kpa_scales_on_concurrency() {
    let yaml = "
name: kpa-load
duration: 30m
cluster:
  node_pools: [{name: general, count: 4, cpu: 4, memory: 16Gi}]
workloads:
  - name: fn
    replicas: 1
    cpu: 500m
    memory: 256Mi
    startup_time: 2s
    traffic: {rate: 200, capacity_per_pod: 100}
    scale_to_zero: {policy: kpa, service_time: 1s}
";
    let r = run(yaml);
    let w = &r.summary.workloads["fn"];
    assert_eq!(w.replicas_final, 3);
    assert_eq!(w.replicas_max, 3);
    let s = w.scale_to_zero.clone().unwrap();
    assert_eq!(s.cold_starts, 0);
    assert!(
        (s.concurrency_mean - 200.0).abs() < 5.0,
        "{}",
        s.concurrency_mean
    );
}

/// A burst from zero: 500 requests/s of 1 s each. The first request pokes
/// the autoscaler: 0 -> 1 at once. At the 2 s tick the windows reach back
/// only to that first request (Knative averages over the part of the
/// window with data), about 500 requests are held, so the panic figure is
/// ceil(500/70) = 8 against 1 ready pod (the bound is ready x 2): panic,
/// and 8 pods at 2 s, more as the backlog shows at 4 s. While panicking the
/// count never drops; panic ends a stable window after the last crossing
/// (ready pods soon make the ratio small), and the count settles at
/// ceil(~500/70) = 8 (7 if the 60 s average dips under 490).
#[test]
fn kpa_panics_on_a_burst_from_zero() {
    let yaml = "
name: kpa-burst
duration: 5m
cluster:
  node_pools: [{name: general, count: 4, cpu: 16, memory: 64Gi}]
workloads:
  - name: fn
    replicas: 0
    cpu: 500m
    memory: 256Mi
    startup_time: 2s
    traffic: {rate: 500, capacity_per_pod: 100}
    scale_to_zero: {policy: kpa, service_time: 1s}
";
    let r = run(yaml);
    let scales: Vec<(f64, u32)> = events(&r, "scale_to_zero")
        .iter()
        .map(|e| {
            let to = e.detail.split(" -> ").nth(1).unwrap();
            let to: u32 = to.split(' ').next().unwrap().parse().unwrap();
            (e.time_ms as f64 / 1000.0, to)
        })
        .collect();
    assert!(scales[0].0 < 0.1 && scales[0].1 == 1, "{scales:?}");
    assert_eq!(scales[1].0, 2.0);
    assert!(scales[1].1 >= 8, "{scales:?}");
    let peak = scales.iter().map(|s| s.1).max().unwrap();
    let first_drop = scales.windows(2).find(|w| w[1].1 < w[0].1).map(|w| w[1].0);
    assert!(first_drop.is_some_and(|t| t > 64.0), "{scales:?}");
    let last = scales.last().unwrap().1;
    assert!((7..=9).contains(&last) && peak > last, "{scales:?}");
}

const PER_REQUEST: &str = "
name: fn
duration: 4h
cluster:
  node_pools: [{name: general, count: 2, cpu: 16, memory: 64Gi}]
workloads:
  - name: fn
    replicas: 0
    cpu: 100m
    memory: 128Mi
    startup_time: 1s
    traffic: {rate: 2, capacity_per_pod: 100}
    scale_to_zero:
      policy: per_request
      service_time: {dist: exponential, mean: 500ms}
      keep_alive: 60s
";

/// Little's law: busy instances on average = arrival rate x mean service
/// time = 2/s x 0.5 s = 1. Over 4 h (about 28,800 requests of exponential
/// service) the measured mean has a relative sd of about sqrt(2/28800) =
/// 0.8%; the tolerance, 3%, is almost 4 sd. Three seeds.
#[test]
fn per_request_busy_instances_follow_littles_law() {
    for seed in 1..=3 {
        let r = run_with(PER_REQUEST, &[], seed);
        let s = r.summary.workloads["fn"].scale_to_zero.clone().unwrap();
        assert!(
            (s.concurrency_mean - 1.0).abs() < 0.03,
            "seed {seed}: {s:?}"
        );
        assert!(s.instances_mean >= s.concurrency_mean);
    }
}

/// Cold-start ratio against the keep-alive arithmetic. Rates low enough
/// that requests rarely overlap (rate x (service + cold start) <= 7.5%):
/// one instance, idle after each request, removed `k` = 60 s later. A
/// request is warm iff it comes within k after the previous one finished,
/// i.e. its gap X satisfies d < X <= d + k, d being the previous request's
/// time in the system: s = 0.1 s if it was warm, c + s = 1.5 s if cold
/// (c = 0.4 s of pod creation and scheduling + 1 s start-up). With Poisson
/// gaps, P(cold | prev warm) = q_w = 1 - e^{-λ s} + e^{-λ (s + k)}, and
/// likewise q_c with c + s; the stationary cold ratio is
/// p = q_w / (1 - q_c + q_w) (about e^{-λ k}: 0.887, 0.549, 0.050).
/// About 3000 requests per rate: sd <= 0.009; tolerance 0.03 (over 3 sd,
/// allowing for the correlation of successive requests and the rare
/// overlaps).
#[test]
fn per_request_cold_start_ratio_falls_with_rate_as_keep_alive_says() {
    let (s, c, k) = (0.1_f64, 1.4_f64, 60.0_f64);
    let mut last = f64::INFINITY;
    for (rate, duration) in [(0.002, "17d"), (0.01, "4d"), (0.05, "1d")] {
        let yaml = PER_REQUEST
            .replace("rate: 2,", &format!("rate: {rate},"))
            .replace("duration: 4h", &format!("duration: {duration}"))
            .replace("{dist: exponential, mean: 500ms}", "100ms");
        let r = run(&yaml);
        let got = r.summary.workloads["fn"].scale_to_zero.clone().unwrap();
        let q = |d: f64| 1.0 - (-rate * d).exp() + (-rate * (d + k)).exp();
        let (qw, qc) = (q(s), q(c + s));
        let expected = qw / (1.0 - qc + qw);
        assert!(got.requests > 2500, "{got:?}");
        assert!(
            (got.cold_start_ratio - expected).abs() < 0.03,
            "rate {rate}: cold-start ratio {} vs {expected:.4} ({} requests)",
            got.cold_start_ratio,
            got.requests
        );
        assert!(got.cold_start_ratio < last);
        last = got.cold_start_ratio;
    }
}

/// Deterministic per_request: requests every 30 s with a 60 s keep-alive
/// reuse the one instance (only the first is cold); every 90 s, each
/// finds its instance removed 60 s after the previous request finished
/// (1.4 s wait + 0.1 s service + 60 s < 90 s): all cold.
#[test]
fn per_request_regular_requests_and_keep_alive() {
    let base = PER_REQUEST
        .replace("duration: 4h", "duration: 905s")
        .replace("{dist: exponential, mean: 500ms}", "100ms")
        .replace(
            "keep_alive: 60s",
            "keep_alive: 60s\n      arrivals: regular",
        );
    let every = |secs: f64| base.replace("rate: 2,", &format!("rate: {},", 1.0 / secs));
    let r = run(&every(30.0));
    let s = r.summary.workloads["fn"].scale_to_zero.clone().unwrap();
    assert_eq!((s.requests, s.cold_starts), (30, 1));
    let r = run(&every(90.0));
    let s = r.summary.workloads["fn"].scale_to_zero.clone().unwrap();
    assert_eq!((s.requests, s.cold_starts), (10, 10));
    assert_eq!(s.cold_start_latency_mean_ms, 1400.0);
    // Zero from 0 to the first pod (created at 90.2 s), then from each
    // removal (request + 1.4 + 0.1 + 60 s; the pod is deleted at once) to
    // the next pod (next request + 0.2 s): 9 gaps of 90.2 - 61.5 = 28.7 s.
    // The last pod, created at 900.2 s, lives to the end.
    let expected = 90.2 + 9.0 * 28.7;
    assert!(
        (s.time_at_zero_s - expected).abs() < 1e-6,
        "{} vs {expected}",
        s.time_at_zero_s
    );
}

// -------------------------------------------------------------- validation

#[test]
fn autoscaling_settings_are_validated_all_at_once() {
    let yaml = "
name: bad
duration: 1h
cluster:
  node_pools:
    - {name: general, count: 2, cpu: 4, memory: 16Gi, cost_per_hour: -1, autoscaling: {min: 1, max: 3}}
  control_plane: {cluster_autoscaler: {expander: least_wast, scale_down_utilization_threshold: 1.5}}
workloads:
  - name: a
    cpu: 1
    memory: 1Gi
    scale_to_zero: {policy: kpa, service_time: 1s, keep_alive: 1m}
  - name: b
    cpu: 1
    memory: 1Gi
    traffic: {rate: 1, capacity_per_pod: 1}
    hpa: {max: 3}
    scale_to_zero: {policy: per_request, service_time: 1s, target_utilization: 150%}
  - name: c
    cpu: 1
    memory: 1Gi
    traffic: {rate: 1, capacity_per_pod: 1}
    scale_to_zero: {policy: kpa, service_time: 1s, stable_window: 2s, panic_threshold: 100%,
                    max_scale_down_rate: 1}
  - name: d
    cpu: 1
    memory: 1Gi
    traffic: {mode: requests, rate: 1, service_time: 10ms, noise: poisson}
    scale_to_zero: {policy: per_request, service_time: 1s}
";
    let err = scenario::load_str(yaml, "bad.yaml", &[])
        .unwrap_err()
        .to_string();
    for needle in [
        "cluster.node_pools[0].cost_per_hour: must be between 0",
        "cluster_autoscaler.expander: unknown value \"least_wast\" (did you mean `least_waste`?)",
        "scale_down_utilization_threshold: must be between 0 and 1, got 1.5",
        "workloads[0].scale_to_zero.keep_alive: keep_alive is a setting of another policy, not of `kpa`",
        "workloads[0].scale_to_zero: scale_to_zero needs requests: the workload has no traffic",
        "workloads[1].scale_to_zero: a workload is scaled either by scale_to_zero or by an hpa",
        "workloads[1].scale_to_zero.target_utilization: target_utilization is a setting of another policy",
        "workloads[2].scale_to_zero.stable_window: must be between 6s and 1h, got 2s",
        "workloads[2].scale_to_zero.panic_threshold: must be between 110% and 1000%, got 100%",
        "workloads[2].scale_to_zero.max_scale_down_rate: must be more than 1, got 1",
        "workloads[3].scale_to_zero: a scale_to_zero workload takes its requests from scale_to_zero, not from traffic mode: requests",
        "workloads[3].scale_to_zero: traffic.noise does not apply to a scale_to_zero workload",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
}

#[test]
fn per_request_rollouts_are_refused() {
    let yaml = format!("{PER_REQUEST}events:\n  - {{at: 1h, rollout: {{workload: fn}}}}\n");
    let sc = scenario::load_str(&yaml, "t.yaml", &[]).unwrap();
    let err = Simulation::new(sc, 1).err().expect("refused").to_string();
    assert!(
        err.contains("workloads[0].scale_to_zero: a rollout of a per_request workload"),
        "{err}"
    );
}
