//! High availability: closed-form checks and the behaviours HA studies rely
//! on (zone outages and spread, drains with PDBs, partitions, crashes,
//! control-plane outages, independent fault streams).

use kubesim::scenario;
use kubesim::sim::{RunResult, Simulation};

fn run(yaml: &str, seed: u64) -> RunResult {
    let sc = scenario::load_str(yaml, "test.yaml", &[]).unwrap_or_else(|e| panic!("{e}"));
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

fn binomial(n: u64, k: u64) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// P(at least k of n independent components up), each up with probability a.
fn k_of_n(n: u64, k: u64, a: f64) -> f64 {
    (k..=n)
        .map(|i| binomial(n, i) * a.powi(i as i32) * (1.0 - a).powi((n - i) as i32))
        .sum()
}

/// N nodes fail and repair independently; one pod per node (required
/// anti-affinity), zero start-up time, and a toleration so long that pods are
/// never evicted: a pod serves exactly while its node is up, so the time at
/// or above `min_ready: k` is the k-out-of-n availability with
/// A = mttf / (mttf + mttr) (for any distributions, by the renewal theorem).
///
/// Tolerance: the estimate from one 2-year run scatters around the true
/// value with a standard deviation measured at 1.5e-3 for (5, 3) and 1.8e-3
/// for (4, 3) (12 seeds each, `kubesim run --seed 1..12`); the third case is
/// of the same kind. The mean of 6 seeds then has sigma <= 7.4e-4, and the
/// allowed error of 3e-3 is 4 sigma: a real bias of that size fails, noise
/// does not.
fn check_k_of_n(n: u32, k: u32, mttf: &str, mttr: &str, a: f64) {
    let yaml = format!(
        "name: kofn\nduration: 730d\nsample_interval: 1d\n\
         cluster:\n  node_pools:\n    - {{name: p, count: {n}, cpu: 2, memory: 4Gi, failure: {{mttf: {mttf}, mttr: {mttr}}}}}\n  \
         control_plane: {{default_toleration_seconds: 36500d}}\n\
         workloads:\n  - {{name: app, replicas: {n}, cpu: 1, memory: 1Gi, startup_time: 0s, \
         anti_affinity: {{topology: hostname}}, slo: {{min_ready: {k}}}}}\n"
    );
    let seeds = 6;
    let mean: f64 = (1..=seeds)
        .map(|s| run(&yaml, s).summary.workloads["app"].slo_attainment)
        .sum::<f64>()
        / seeds as f64;
    let expected = k_of_n(u64::from(n), u64::from(k), a);
    assert!(
        (mean - expected).abs() < 3e-3,
        "n={n} k={k} mttf={mttf} mttr={mttr}: simulated {mean:.5}, closed form {expected:.5}"
    );
}

#[test]
fn k_out_of_n_availability_matches_the_closed_form() {
    // A = 10/11: P(>=2 of 3) = 3 A^2 (1-A) + A^3 = 0.97746...
    check_k_of_n(3, 2, "10h", "1h", 10.0 / 11.0);
    // A = 5/6: P(>=3 of 5) = 0.96450...
    check_k_of_n(5, 3, "5h", "1h", 5.0 / 6.0);
    // Log-normal repairs (median 2h, sigma 0.5: mean 2h e^0.125 = 2.266h),
    // A = 20/22.266 = 0.898: P(>=3 of 4) = A^4 + 4 A^3 (1-A) = 0.94596...
    let a = 20.0 / (20.0 + 2.0 * (0.125f64).exp());
    check_k_of_n(4, 3, "20h", "{dist: lognormal, median: 2h, sigma: 0.5}", a);
}

const ZONES: &str = "
name: zones
duration: 6h
sample_interval: 10s
cluster:
  zones: [a, b, c]
  node_pools:
    - {name: p, count: 6, cpu: 4, memory: 16Gi}
workloads:
  - name: web
    replicas: 6
    cpu: 1
    memory: 1Gi
    startup_time: 20s
    spread: [{topology: zone, max_skew: 1, when_unsatisfiable: do_not_schedule}]
    slo: {min_ready: MIN}
events:
  - {at: 1h, zone_outage: {zone: a, duration: 1h}}
";

#[test]
fn zone_outage_with_spread_and_headroom_keeps_the_slo() {
    // 6 replicas, 2 per zone. Losing zone a leaves 4 >= min_ready 4.
    let r = run(&ZONES.replace("MIN", "4"), 1);
    let w = &r.summary.workloads["web"];
    assert_eq!(w.slo_attainment, 1.0, "{w:?}");
    assert_eq!(w.service_availability, 1.0);
    assert_eq!(w.min_ready, 4);
}

#[test]
fn zone_outage_without_headroom_costs_the_whole_outage() {
    // min_ready 5: serving drops to 4 at 1h. The evicted pods' replacements
    // cannot schedule: DoNotSchedule spread still counts zone a (its nodes
    // are tainted, but nodeTaintsPolicy is Ignore) with 0 pods, so zones b
    // and c at 2 would reach skew 3 - 0 > 1. They stay Pending until zone a
    // returns at 2h: its nodes run again (the kubelet cleans up the deleted
    // pods 0.1 s later, freeing the scheduler's cluster event), the node
    // lifecycle controller marks them Ready on the 5 s tick at 2h, the
    // pending pods leave backoff on the next 1 s flush (at most 10 s, the
    // backoff cap), bind, start 0.1 s later and are Ready 20 s after that.
    // Deficit: 3600 s + 20.1 s + up to ~10 s of queue backoff.
    let r = run(&ZONES.replace("MIN", "5"), 1);
    let w = &r.summary.workloads["web"];
    assert_eq!(w.incidents, 1, "{w:?}");
    assert!(
        (3620.1..=3631.2).contains(&w.downtime_s),
        "downtime {} s",
        w.downtime_s
    );
    assert!(
        r.summary.cluster.pending_pod_seconds > 2.0 * 3000.0,
        "{:?}",
        r.summary.cluster
    );
}

const UPGRADE: &str = "
name: upgrade
duration: 4h
sample_interval: 10s
cluster:
  node_pools:
    - {name: p, count: 3, cpu: 4, memory: 16Gi}
workloads:
  - name: web
    replicas: 3
    cpu: 1
    memory: 1Gi
    startup_time: 30s
    anti_affinity: {topology: hostname}
    pdb: {min_available: PDB}
events:
  - {at: 10m, node_pool_upgrade: {pool: p, max_surge: 1, provision_time: 2m}}
";

#[test]
fn pdb_guards_every_eviction_of_a_surge_upgrade() {
    // One pod per node; a surge node joins, then each old node is drained.
    // min_available 2 lets one pod go at a time: serving never drops below 2,
    // and every old node is replaced.
    let r = run(&UPGRADE.replace("PDB", "2"), 1);
    let w = &r.summary.workloads["web"];
    assert!(w.min_ready >= 2, "{w:?}");
    let u = &r.summary.upgrades[0];
    assert!(u.completed, "{u:?}");
    assert_eq!(u.nodes, 3);
    // A node is cordoned while it drains: 2 of the 3 (+1 surge) schedulable.
    assert!(u.min_ready_nodes >= 2, "{u:?}");
}

#[test]
fn pdb_with_no_budget_blocks_the_upgrade() {
    // min_available 3 of 3: disruptionsAllowed is 0 forever; kubectl drain
    // retries every 5 s and the upgrade never finishes. Nothing is evicted.
    let r = run(&UPGRADE.replace("PDB", "3"), 1);
    let w = &r.summary.workloads["web"];
    assert_eq!(w.min_ready, 3, "{w:?}");
    let u = &r.summary.upgrades[0];
    assert!(!u.completed, "{u:?}");
    assert!(r.events.iter().all(|e| e.kind != "pod_evicted"));
}

#[test]
fn partitioned_nodes_pods_are_replaced_and_both_copies_serve_until_it_heals() {
    // A partition of one node for 30 min at 1h: the control plane marks it
    // NotReady (~50-65 s), evicts its pod 300 s later, and the replacement
    // runs elsewhere 0.3 s + 20 s after that. The old pod keeps running (its
    // kubelet never hears of the deletion) until the partition heals; then
    // it terminates within its 30 s grace.
    let yaml = "
name: partition
duration: 3h
sample_interval: 10s
cluster:
  node_pools:
    - {name: p, count: 3, cpu: 4, memory: 16Gi}
workloads:
  - {name: web, replicas: 2, cpu: 1, memory: 1Gi, startup_time: 20s, anti_affinity: {topology: hostname}}
events:
  - {at: 1h, partition: {hosting: web, duration: 30m}}
";
    let r = run(yaml, 3);
    let serving = |t_s: u64| {
        let row = r
            .samples
            .iter()
            .find(|s| s.time_ms == t_s * 1000)
            .expect("sample");
        row.workloads[0].2
    };
    assert_eq!(serving(3590), 2);
    assert_eq!(serving(4200), 3, "duplicate visible during the partition");
    assert_eq!(serving(5390), 3);
    assert_eq!(
        serving(5460),
        2,
        "the old copy is gone after the partition healed"
    );
    let w = &r.summary.workloads["web"];
    assert_eq!(w.service_availability, 1.0);
    assert_eq!(
        w.slo_attainment, 1.0,
        "the partitioned pod never stopped serving: {w:?}"
    );
}

#[test]
fn crash_loop_backoff_doubles_to_the_cap() {
    // One pod, Ready at 0, crashing 100 s after each start (fixed mtbf) and
    // taking 20 s to start. Backoffs 10, 20, 40, 80, 160, 300 s (crashes are
    // less than 600 s apart, so the streak never resets):
    //   crash 100 -> start 110 -> ready 130 -> crash 230 -> start 250 ->
    //   ready 270 -> crash 370 -> start 410 -> ready 430 -> crash 530 ->
    //   start 610 -> ready 630 -> crash 730 -> start 890 -> ready 910 ->
    //   crash 1010 -> start 1310 -> ready 1330 -> crash 1430 -> (300) ...
    // Down in [0, 1500]: (30)+(40)+(60)+(100)+(180)+(320)+70 (1430..1500).
    let yaml = "
name: crash
duration: 1500s
sample_interval: 10s
cluster:
  node_pools:
    - {name: p, count: 1, cpu: 4, memory: 16Gi}
workloads:
  - {name: app, replicas: 1, cpu: 1, memory: 1Gi, startup_time: 20s, crash: {mtbf: {dist: fixed, value: 100s}}}
";
    let r = run(yaml, 1);
    let crashes: Vec<u64> = r
        .events
        .iter()
        .filter(|e| e.kind == "container_crashed")
        .map(|e| e.time_ms / 1000)
        .collect();
    assert_eq!(crashes, [100, 230, 370, 530, 730, 1010, 1430]);
    let w = &r.summary.workloads["app"];
    assert!(
        (w.downtime_s - (30.0 + 40.0 + 60.0 + 100.0 + 180.0 + 320.0 + 70.0)).abs() < 1e-9,
        "{w:?}"
    );
    assert_eq!(w.incidents, 7);
}

#[test]
fn control_plane_outage_freezes_controllers_but_pods_keep_serving() {
    // The control plane is down from 1h to 2h; a node dies at 1h10m. Its pod
    // stops serving at once, but nothing is detected or replaced until the
    // control plane is back: the restarted node lifecycle controller gives
    // the node a fresh grace period from 2h (NotReady at 2h + 50 s + up to a
    // 5 s tick), eviction 300 s later, replacement Ready 20.3 s after that.
    let yaml = "
name: cp
duration: 4h
sample_interval: 10s
cluster:
  node_pools:
    - {name: p, count: 3, cpu: 4, memory: 16Gi}
workloads:
  - {name: web, replicas: 3, cpu: 1, memory: 1Gi, startup_time: 20s, anti_affinity: {topology: hostname}}
  - {name: other, replicas: 1, cpu: 1, memory: 1Gi, startup_time: 20s}
events:
  - {at: 1h, control_plane_outage: {duration: 1h}}
  - {at: 70m, node_failure: {hosting: web, duration: 3h}}
";
    let r = run(yaml, 2);
    let not_ready = r
        .events
        .iter()
        .find(|e| e.kind == "node_not_ready")
        .expect("detected");
    assert!(
        (7_250_000..=7_255_000).contains(&not_ready.time_ms),
        "{not_ready:?}"
    );
    let w = &r.summary.workloads["web"];
    // Down from 4200 s to 7250..7255 + 300 + 20.3 s. With 3 replicas on 3
    // nodes and anti-affinity the replacement has nowhere to go (the dead
    // node is tainted): it stays Pending, so the deficit lasts to the end.
    assert!(w.downtime_s >= 7250.0 - 4200.0, "{w:?}");
}

#[test]
fn adding_a_workload_does_not_move_node_failures() {
    let base = "
name: streams
duration: 30d
cluster:
  node_pools:
    - {name: p, count: 4, cpu: 8, memory: 32Gi, failure: {mttf: 5d, mttr: 1h}}
workloads:
  - {name: a, replicas: 3, cpu: 1, memory: 1Gi, startup_time: {dist: uniform, min: 5s, max: 30s}}
";
    let more = format!(
        "{base}  - {{name: b, replicas: 5, cpu: 500m, memory: 1Gi, startup_time: {{dist: exponential, mean: 30s}}}}\n"
    );
    let failures = |r: &RunResult| -> Vec<(u64, String)> {
        r.events
            .iter()
            .filter(|e| e.kind == "node_failed" || e.kind == "node_repaired")
            .map(|e| (e.time_ms, e.object.clone()))
            .collect()
    };
    let a = run(base, 9);
    let b = run(&more, 9);
    assert!(!failures(&a).is_empty());
    assert_eq!(failures(&a), failures(&b));
}

#[test]
fn spot_nodes_are_reclaimed_drained_and_replaced() {
    let yaml = "
name: spot
duration: 2d
cluster:
  node_pools:
    - {name: spot, count: 4, cpu: 4, memory: 16Gi, spot: {mttf: 12h, notice: 2m, replace_after: 5m}}
workloads:
  - {name: web, replicas: 4, cpu: 1, memory: 1Gi, startup_time: 20s, pdb: {max_unavailable: 1}, slo: {min_ready: 3}}
";
    let r = run(yaml, 4);
    let reclaimed = r
        .events
        .iter()
        .filter(|e| e.kind == "spot_reclaimed")
        .count();
    let joined = r.events.iter().filter(|e| e.kind == "node_joined").count();
    assert!(
        reclaimed >= 4,
        "about 16 expected over 2 days, got {reclaimed}"
    );
    assert!(
        joined >= reclaimed - 1,
        "{joined} joined for {reclaimed} reclaimed"
    );
    let w = &r.summary.workloads["web"];
    // Drains during the 2 min notice move pods ahead of the reclamation.
    assert!(w.slo_attainment > 0.99, "{w:?}");
}

// ---- regressions from the review of the HA core ---------------------------

#[test]
fn pods_of_a_reclaimed_node_are_replaced_even_when_the_pdb_blocked_the_drain() {
    // The PDB allows no disruption, so the 2 min notice drains nothing; at
    // reclamation the pod vanishes with its node and the ReplicaSet must
    // replace it at once (not at some unrelated later event).
    let yaml = "
name: reclaim
duration: 6h
sample_interval: 1m
cluster:
  node_pools:
    - {name: spot, count: 1, cpu: 4, memory: 16Gi, spot: {mttf: {dist: fixed, value: 1h}, notice: 2m, replace_after: {dist: fixed, value: 10h}}}
    - {name: stable, count: 1, cpu: 4, memory: 16Gi}
workloads:
  - {name: web, replicas: 2, cpu: 1, memory: 1Gi, startup_time: 20s, pdb: {min_available: 2}, anti_affinity: {topology: hostname}}
";
    let r = run(yaml, 1);
    // Only one node is left after the reclamation at 1h2m: the replacement
    // stays Pending (anti-affinity), so web runs 1 of 2 from then on.
    let w = &r.summary.workloads["web"];
    assert!(r.events.iter().any(|e| e.kind == "spot_reclaimed"));
    assert!(
        r.summary.cluster.pending_pod_seconds > 4.0 * 3600.0,
        "{:?}",
        r.summary.cluster
    );
    assert_eq!(w.min_ready, 1);
}

#[test]
fn a_pod_deleted_behind_a_long_partition_terminates_when_it_heals() {
    // Partition 2h: NotReady, eviction, replacement elsewhere. The old pod
    // (still running) must terminate within its grace after the heal, so a
    // later drain of that node completes.
    let yaml = "
name: long-partition
duration: 8h
sample_interval: 1m
cluster:
  node_pools:
    - {name: p, count: 3, cpu: 4, memory: 16Gi}
workloads:
  - {name: web, replicas: 2, cpu: 1, memory: 1Gi, startup_time: 20s, crash: {mtbf: 30m}, anti_affinity: {topology: hostname}}
events:
  - {at: 1h, partition: {node: p-0, duration: 2h}}
  - {at: 4h, drain: {node: p-0}}
";
    let r = run(yaml, 5);
    let drained = r
        .events
        .iter()
        .filter(|e| e.kind == "drain_completed" && e.object == "p-0")
        .count();
    assert_eq!(drained, 1, "{:?}", r.events);
}

#[test]
fn in_place_upgrade_survives_an_overlapping_outage_and_a_manual_drain() {
    // Node p-0 is drained by hand (PDB-paced) while the in-place upgrade
    // reaches it, and a zone outage overlaps its upgrade downtime. The
    // upgrade must still finish.
    let yaml = "
name: upgrade-overlap
duration: 12h
sample_interval: 1m
cluster:
  node_pools:
    - {name: p, count: 3, cpu: 4, memory: 16Gi}
workloads:
  - {name: web, replicas: 2, cpu: 1, memory: 1Gi, startup_time: 20s, pdb: {max_unavailable: 1}}
events:
  - {at: 1h, drain: {node: p-0, uncordon_after: 20m}}
  - {at: 1h, node_pool_upgrade: {pool: p, max_surge: 0, node_upgrade_time: 10m}}
  - {at: 65m, zone_outage: {zone: default, duration: 30m}}
";
    let r = run(yaml, 2);
    let u = &r.summary.upgrades[0];
    assert!(u.completed, "{u:?}\n{:?}", r.events);
}

#[test]
fn default_slo_follows_scale_events() {
    // No slo.min_ready: it is the desired replica count, also after scaling
    // down from 6 to 3, so the run has no downtime.
    let yaml = "
name: slo-follows
duration: 2h
cluster:
  node_pools:
    - {name: p, count: 3, cpu: 4, memory: 16Gi}
workloads:
  - {name: web, replicas: 6, cpu: 500m, memory: 1Gi}
events:
  - {at: 1h, scale: {workload: web, replicas: 3}}
";
    let r = run(yaml, 1);
    let w = &r.summary.workloads["web"];
    assert_eq!(w.downtime_s, 0.0, "{w:?}");
    assert_eq!(w.replicas_final, 3);
}
