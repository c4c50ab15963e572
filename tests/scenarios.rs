//! End-to-end runs of scenario files through the library.

use kubesim::scenario;
use kubesim::sim::{RunResult, Simulation};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_file(path: &Path, sets: &[&str], seed: Option<u64>) -> RunResult {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = scenario::load_file(path, &sets).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let seed = seed.unwrap_or(sc.seed);
    Simulation::new(sc, seed)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .check_invariants(true)
        .run()
}

fn assert_fractions_in_unit_interval(r: &RunResult) {
    let c = &r.summary.cluster;
    for (k, v) in [
        ("cpu_allocation", c.cpu_allocation),
        ("memory_allocation", c.memory_allocation),
        ("cpu_usage", c.cpu_usage),
    ] {
        assert!((0.0..=1.0).contains(&v), "cluster.{k} = {v}");
    }
    for (name, w) in &r.summary.workloads {
        for (k, v) in [
            ("service_availability", w.service_availability),
            ("slo_attainment", w.slo_attainment),
            ("request_success_ratio", w.request_success_ratio),
        ] {
            assert!((0.0..=1.0).contains(&v), "workloads.{name}.{k} = {v}");
        }
    }
}

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        seen += 1;
        let r = run_file(&path, &[], None);
        assert!(
            r.summary.invariant_violations.is_empty(),
            "{}: {:?}",
            path.display(),
            r.summary.invariant_violations
        );
        assert_fractions_in_unit_interval(&r);
        assert!(r.summary.events > 0);
    }
    assert!(seen >= 1, "no scenarios found");
}

/// The hand-checked micro-scenario (tests/fixtures/micro.yaml): 2 nodes of
/// 2 CPU, one pod of 1.5 CPU, so a replacement must go to the other node.
/// Its node dies at 100 s and stays down past the end (1 h = 3600 s).
///
/// - leases renew every 1 s, so the last renewal is in (99, 100] s and the
///   node is NotReady at the first 5 s monitor tick with more than 50 s
///   since it: 150 s (checked from events.csv);
/// - eviction 300 s later: 450 s; the ReplicaSet sees it after the 0.1 s
///   watch latency (450.1), the scheduler binds (450.2), the kubelet starts
///   it (450.3) and it is Ready 20 s later: 470.3 s;
/// - so nothing serves from 100 to 470.3 s: downtime 370.3 s, one incident,
///   availability (3600 - 370.3)/3600 = 0.897138...;
/// - the endpoint still lists the dead pod from 100 to 150 s: 50 s stale;
/// - mean ready = 3229.7/3600; node-hours: 2 nodes for 1 h = 2;
/// - cpu allocation counts running, Ready nodes only: 1500m of 4000m from
///   0 to 100 s, 0 of 2000m from 100 to 450.2 s (the dead node provides
///   nothing; the replacement is not bound yet), then 1500m of 2000m to the
///   end: (100*0.375 + 350.2*0 + 3149.8*0.75)/3600 = 0.666604...
/// - pending: the replacement waits from 450.1 to 450.2 s: 0.1 pod-seconds.
#[test]
fn micro_scenario_metrics_match_hand_computation() {
    let r = run_file(&root().join("tests/fixtures/micro.yaml"), &[], None);
    let not_ready = r
        .events
        .iter()
        .find(|e| e.kind == "node_not_ready")
        .expect("node_not_ready logged");
    assert_eq!(not_ready.time_ms, 150_000);
    let w = &r.summary.workloads["app"];
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(close(w.downtime_s, 370.3), "{w:?}");
    assert_eq!(w.incidents, 1);
    assert!(
        close(w.service_availability, (3600.0 - 370.3) / 3600.0),
        "{w:?}"
    );
    assert!(close(w.slo_attainment, (3600.0 - 370.3) / 3600.0), "{w:?}");
    assert!(close(w.stale_endpoint_s, 50.0), "{w:?}");
    assert!(close(w.mean_ready, 3229.7 / 3600.0), "{w:?}");
    assert_eq!(w.min_ready, 0);
    let c = &r.summary.cluster;
    assert!(close(c.node_hours, 2.0), "{c:?}");
    assert!(
        close(c.cpu_allocation, (100.0 * 0.375 + 3149.8 * 0.75) / 3600.0),
        "{c:?}"
    );
    assert!(close(c.pending_pod_seconds, 0.1), "{c:?}");
}

#[test]
fn same_seed_gives_identical_outputs_and_another_seed_differs() {
    let q = root().join("scenarios/quickstart.yaml");
    let a = run_file(&q, &[], Some(11));
    let b = run_file(&q, &[], Some(11));
    let strip = |r: &RunResult| {
        let mut s = r.summary.clone();
        s.wall_time_s = 0.0;
        serde_json::to_string(&s).unwrap()
    };
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(a.events_csv(), b.events_csv());
    assert_eq!(a.timeseries_csv(), b.timeseries_csv());
    let c = run_file(&q, &[], Some(12));
    assert_ne!(
        a.events_csv(),
        c.events_csv(),
        "a different seed must change a stochastic scenario"
    );
}

#[test]
fn set_overrides_apply_by_name() {
    let q = root().join("scenarios/quickstart.yaml");
    let r = run_file(
        &q,
        &[
            "cluster.control_plane.default_toleration_seconds=30s",
            "workloads.api.replicas=4",
        ],
        None,
    );
    assert_eq!(r.summary.workloads["api"].replicas_min, 4);
}

/// The story told at the top of scenarios/scaling-flash-crowd-ca.yaml:
/// saturated pods use at most 400 req/s x 2m = 80 % of their CPU request,
/// so each HPA step grows by at most ceil(n x 80/60) (6 -> 8 -> 11 -> 15 ->
/// 20 -> 27); at 27 pods 9000/27 = 333 req/s is 66 % (truncated), a ratio of
/// 1.1, inside the tolerance, so it stops short of 30. The crowd dips the
/// success ratio; the autoscaler adds nodes for it and removes them after.
#[test]
fn flash_crowd_scenario_tells_its_story() {
    let r = run_file(
        &root().join("scenarios/scaling-flash-crowd-ca.yaml"),
        &[],
        None,
    );
    let path: Vec<u32> = r
        .events
        .iter()
        .filter(|e| e.kind == "hpa_scale" && e.time_ms < 7_200_000)
        .map(|e| {
            let to = e.detail.split("-> ").nth(1).unwrap();
            to.split(' ').next().unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(path, [8, 11, 15, 20, 27]);
    let w = &r.summary.workloads["web"];
    assert_eq!(w.replicas_final, 6, "back to the HPA's min");
    let success = w.request_success_ratio;
    assert!((0.9..0.99).contains(&success), "success {success}");
    let pool = &r.summary.cluster.node_pools["general"];
    assert!(pool.scale_up_nodes >= 3, "{}", pool.scale_up_nodes);
    assert_eq!(pool.nodes_final, 3, "back to the pool's min");
    assert_fractions_in_unit_interval(&r);
}

/// The reference studies' scenarios (results/*/scenario.yaml) load and run
/// with the invariant checker on, so the studies cannot rot unnoticed
/// between regenerations (CI regenerates only the fastest one).
#[test]
fn every_reference_study_scenario_validates_and_runs() {
    let mut seen = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("results"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("scenario.yaml").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let path = dir.join("scenario.yaml");
        seen += 1;
        let r = run_file(&path, &[], None);
        assert!(
            r.summary.invariant_violations.is_empty(),
            "{}: {:?}",
            path.display(),
            r.summary.invariant_violations
        );
        assert_fractions_in_unit_interval(&r);
    }
    assert_eq!(seen, 3, "expected the three reference studies in results/");
}
