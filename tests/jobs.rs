//! Batch Jobs (`jobs:`) end to end: Job controller timings derived by hand
//! from upstream's rules, node loss, preemption and the cluster autoscaler,
//! trace replay, and queueing closed forms (Little's law, Erlang C).
//!
//! Timing facts used throughout (watch latency 100 ms per hop unless a
//! scenario says otherwise): a Job arriving at t is synced at t + 0.1 s
//! (the informer, then `enqueueSyncJobImmediately`), its pods are created
//! then, tried by the scheduler 0.1 s later and bound, and started by the
//! kubelet 0.1 s after binding; a pod event at t wakes the Job's sync at
//! t + 0.1 s + 1 s (`syncJobBatchPeriod`). So a one-pod Job whose pod runs
//! d seconds without waiting completes at t + d + 1.4 s.

use kubesim::metrics::JobClassSummary;
use kubesim::scenario;
use kubesim::sim::{EventRecord, RunResult, Simulation};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_at(yaml: &str, origin: &str, seed: u64) -> RunResult {
    let sc = scenario::load_str(yaml, origin, &[]).unwrap_or_else(|e| panic!("{e}"));
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
    run_at(yaml, "test.yaml", 1)
}

fn class<'a>(r: &'a RunResult, name: &str) -> &'a JobClassSummary {
    &r.summary.jobs.as_ref().expect("jobs block").classes[name]
}

fn events<'a>(r: &'a RunResult, kind: &str) -> Vec<&'a EventRecord> {
    r.events.iter().filter(|e| e.kind == kind).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// A scenario whose traces are read from tests/fixtures/jobs.
fn run_fixture(yaml: &str) -> RunResult {
    let origin = root().join("tests/fixtures/jobs/inline.yaml");
    run_at(yaml, origin.to_str().unwrap(), 1)
}

/// One Job at time 0 (the one-row trace tests/fixtures/jobs/one.csv), on one
/// 8-CPU node.
fn one_job(class: &str) -> String {
    let trace = root().join("tests/fixtures/jobs/one.csv");
    format!(
        "name: one\nduration: 10m\nsample_interval: 10s\n\
         cluster:\n  node_pools:\n    - {{name: p, count: 1, cpu: 8, memory: 32Gi}}\n\
         jobs:\n  - name: j\n    arrivals: {{trace: {}}}\n    cpu: 1\n    memory: 1Gi\n{class}",
        trace.display()
    )
}

/// parallelism 2, completions 5, every pod runs 100 s:
/// - 0.1 s: sync, min(2, 5 - 0) = 2 pods created; bound at 0.2, started 0.3;
/// - both finish at 100.3; sync at 101.4: 2 succeeded, min(2, 3) = 2 more;
///   bound 101.5, started 101.6, finished 201.6;
/// - sync at 202.7: 4 succeeded, min(2, 1) = 1 more; started 202.9,
///   finished 302.9; sync at 304.0: 5 succeeded, none active: complete.
///
/// Completion time 304.0 s; ideal duration max(100, 5 x 100 / 2) = 250 s,
/// so slowdown 304 / 250 = 1.216. Every pod waited 0.1 s. Running pods:
/// 2 x 100 + 2 x 100 + 1 x 100 = 500 pod-s over 600 s.
#[test]
fn completions_and_parallelism_follow_manage_job() {
    let r = run(&one_job(
        "    run_time: 100s\n    parallelism: 2\n    completions: 5\n",
    ));
    let j = class(&r, "j");
    assert_eq!((j.jobs_arrived, j.jobs_completed, j.jobs_failed), (1, 1, 0));
    assert_eq!((j.pods_created, j.pods_succeeded, j.pods_failed), (5, 5, 0));
    assert!(close(j.completion_time_mean_s, 304.0), "{j:?}");
    assert!(close(j.slowdown_mean, 1.216), "{j:?}");
    assert!(close(j.pending_time_mean_s, 0.1), "{j:?}");
    assert!(close(j.running_pods_mean, 500.0 / 600.0), "{j:?}");
    assert_eq!(j.running_pods_max, 2);
    // The timeseries has the class's columns: at 150 s two pods run.
    let csv = String::from_utf8(r.timeseries_csv()).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",j_pending,j_running"), "{header}");
    let row = csv.lines().find(|l| l.starts_with("150.000,")).unwrap();
    assert!(row.ends_with(",0,2"), "{row}");
}

/// A work queue (parallelism 3, no completions): three pods of 50 s; the
/// first success stops creations and the Job completes once none runs:
/// started 0.3, finished 50.3, sync at 51.4, complete. Ideal: max(50,
/// 150 / 3) = 50 s.
#[test]
fn work_queue_completes_after_one_success_and_no_active_pod() {
    let r = run(&one_job("    run_time: 50s\n    parallelism: 3\n"));
    let j = class(&r, "j");
    assert_eq!(
        (j.jobs_completed, j.pods_created, j.pods_succeeded),
        (1, 3, 3)
    );
    assert!(close(j.completion_time_mean_s, 51.4), "{j:?}");
    assert!(close(j.slowdown_mean, 51.4 / 50.0), "{j:?}");
}

/// Every pod fails (failure_probability 1) after 10 s; backoffLimit 2:
/// - pod 1 created 0.1, started 0.3, fails 10.3; sync at 11.4: 1 failure,
///   backoff 10 s from 10.3 has 8.9 s left: requeued to 20.3;
/// - pod 2 created 20.3, started 20.5, fails 30.5; sync at 31.6: backoff
///   20 s from 30.5: requeued to 50.5;
/// - pod 3 created 50.5, started 50.7, fails 60.7; sync at 61.8: 3 failed
///   > backoffLimit 2: the Job fails (BackoffLimitExceeded) at 61.8 s.
#[test]
fn backoff_limit_exceeded_after_the_pod_failure_backoff() {
    let r = run(&one_job(
        "    run_time: 10s\n    failure_probability: 1\n    backoff_limit: 2\n",
    ));
    let j = class(&r, "j");
    assert_eq!((j.jobs_failed, j.jobs_completed), (1, 0));
    assert_eq!((j.pods_created, j.pods_failed, j.pods_succeeded), (3, 3, 0));
    let failed = events(&r, "job_failed");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].time_ms, 61_800);
    assert_eq!(failed[0].object, "j-0");
    assert!(failed[0].detail.contains("BackoffLimitExceeded: 3"));
    // Failed Jobs have no completion time.
    assert_eq!(j.completion_time_mean_s, 0.0);
}

/// Node loss: a 1000 s pod on the node that a `node_failure` takes down at
/// 100 s (the most-allocated score puts it beside the filler workload, on
/// the node `hosting: filler` picks). Leases renew every second, so the
/// node is NotReady at the first 5 s tick more than 50 s after its last
/// renewal: 150 s, when its pods are marked not ready; evicted 300 s later
/// at 450 s. The eviction counts the pod as failed (a deletion timestamp on
/// a pod that did not succeed) with its finish time the Ready=False
/// transition at 150 s, so the 10 s backoff has long passed when the sync
/// at 451.1 s creates the replacement: bound 451.2 on the other node,
/// started 451.3, done 1451.3, Job complete at 1452.4 s.
#[test]
fn a_pod_lost_with_its_node_is_a_failure_and_is_replaced() {
    let yaml = "
name: loss
duration: 1h
cluster:
  node_pools:
    - {name: p, count: 2, cpu: 4, memory: 16Gi}
  control_plane:
    node_lease_renew_interval: 1s
    scheduler: {score: most_allocated}
workloads:
  - {name: filler, replicas: 1, cpu: 2, memory: 1Gi}
jobs:
  - name: j
    arrivals: {trace: one.csv}
    cpu: 1
    memory: 1Gi
    run_time: 1000s
events:
  - {at: 100s, node_failure: {hosting: filler, duration: 2h}}
";
    let r = run_fixture(yaml);
    let j = class(&r, "j");
    assert_eq!((j.pods_created, j.pods_failed, j.pods_succeeded), (2, 1, 1));
    assert_eq!(j.jobs_completed, 1);
    assert!(close(j.completion_time_mean_s, 1452.4), "{j:?}");
    let evicted: Vec<_> = events(&r, "pod_evicted")
        .into_iter()
        .filter(|e| e.object.starts_with("j-0-"))
        .collect();
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0].time_ms, 450_000);
}

/// A pod whose machine comes back before the control plane noticed fails
/// (restartPolicy Never) and is replaced: node down 100-120 s, the pod
/// fails at 120 s, its backoff (10 s from 120) holds the replacement until
/// 130 s; it starts 130.2 and runs 1000 s; complete at 1131.3 s.
#[test]
fn a_pod_whose_machine_restarts_fails_and_is_replaced_after_backoff() {
    let yaml = one_job("    run_time: 1000s\n").replace("duration: 10m", "duration: 30m")
        + "events:\n  - {at: 100s, node_failure: {node: p-0, duration: 20s}}\n";
    let r = run(&yaml);
    let j = class(&r, "j");
    assert_eq!((j.pods_created, j.pods_failed, j.pods_succeeded), (2, 1, 1));
    assert!(close(j.completion_time_mean_s, 1131.3), "{j:?}");
}

/// A high-priority workload scaled up on a node full of batch pods
/// preempts two of them; the Job counts them as failed and replaces them
/// once room is back, and still completes its 4 completions.
#[test]
fn preempted_job_pods_count_as_failed_and_are_replaced() {
    let yaml = "
name: preempt
duration: 2h
cluster:
  node_pools:
    - {name: p, count: 1, cpu: 4, memory: 16Gi}
workloads:
  - {name: web, replicas: 0, cpu: 1, memory: 1Gi, priority: 1000}
jobs:
  - name: batch
    arrivals: {trace: one.csv}
    cpu: 1
    memory: 1Gi
    run_time: 600s
    parallelism: 4
    completions: 4
events:
  - {at: 100s, scale: {workload: web, replicas: 2}}
  - {at: 1000s, scale: {workload: web, replicas: 0}}
";
    let r = run_fixture(yaml);
    let j = class(&r, "batch");
    assert_eq!(events(&r, "pod_preempted").len(), 2);
    assert_eq!((j.pods_created, j.pods_failed, j.pods_succeeded), (6, 2, 4));
    assert_eq!(j.jobs_completed, 1);
    // The replacements waited for the web pods to go (at 1000 s) or for the
    // two survivors to finish (at 600.3 s): pending well over a minute.
    assert!(j.pending_time_p99_s > 60.0, "{j:?}");
}

/// The cluster autoscaler sees pending Job pods: 8 one-CPU pods on one
/// 4-CPU node, so it adds one more node and every pod runs.
#[test]
fn the_cluster_autoscaler_scales_up_for_pending_job_pods() {
    let yaml = one_job("    run_time: 20m\n    parallelism: 8\n    completions: 8\n")
        .replace(
            "count: 1, cpu: 8, memory: 32Gi}",
            "count: 1, cpu: 4, memory: 32Gi, autoscaling: {min: 1, max: 3, provision_time: 2m}}",
        )
        .replace("duration: 10m", "duration: 1h");
    let r = run(&yaml);
    let j = class(&r, "j");
    assert_eq!(j.jobs_completed, 1);
    assert_eq!(j.pods_succeeded, 8);
    assert_eq!(j.running_pods_max, 8);
    let pool = &r.summary.cluster.node_pools["p"];
    assert_eq!(pool.scale_up_nodes, 1, "{pool:?}");
}

/// Trace replay (tests/fixtures/jobs/replay.csv; columns in another order):
/// Jobs at 0 (10 s), 5 (20 s), 5 (1 s) complete at d + 1.4 s after they
/// arrive: 11.4, 21.4, 2.4 s (mean 11.7333, nearest-rank median 11.4,
/// p99 21.4); slowdowns 1.14, 1.07, 2.4. The row at 9000 s is after the
/// end. CPU allocation: pods are bound from 0.1 s after creation until
/// they finish: 1 CPU for 10.1 s, 0.5 for 20.1 s, 2 for 1.1 s = 22.35
/// CPU-seconds of 4 CPU x 600 s.
#[test]
fn a_trace_is_replayed_row_by_row() {
    let path = root().join("tests/fixtures/jobs/replay.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let r = run_at(&text, path.to_str().unwrap(), 1);
    let j = class(&r, "etl");
    assert_eq!((j.jobs_arrived, j.jobs_completed), (3, 3));
    assert!(close(j.completion_time_mean_s, 35.2 / 3.0), "{j:?}");
    assert!(close(j.completion_time_p50_s, 11.4), "{j:?}");
    assert!(close(j.completion_time_p99_s, 21.4), "{j:?}");
    assert!(close(j.slowdown_mean, (1.14 + 1.07 + 2.4) / 3.0), "{j:?}");
    assert!(close(j.slowdown_p50, 1.14), "{j:?}");
    assert!(close(r.summary.cluster.cpu_allocation, 22.35 / 2400.0));
    assert_eq!(r.summary.jobs.as_ref().unwrap().total, *j);
}

/// Little's law on an ample cluster: Poisson arrivals of one-pod Jobs at
/// λ = 0.5/s running an exponential 100 s: the time-average of running
/// pods is L = λ E[run] = 50 (M/G/∞). Over 40,000 s the standard error is
/// about sqrt(2 L E[run] / T) = 0.5 (1 %); starting empty costs L E[run] /
/// T = 0.125. Tolerance 4 %. The cluster's CPU allocation counts the batch
/// pods: 50 one-CPU pods of 320 CPUs.
#[test]
fn littles_law_mean_running_pods_is_rate_times_run_time() {
    let yaml = "
name: little
duration: 40000s
cluster:
  node_pools:
    - {name: p, count: 20, cpu: 16, memory: 64Gi}
jobs:
  - name: j
    arrivals: {rate: 0.5}
    cpu: 1
    memory: 1Gi
    run_time: {dist: exponential, mean: 100s}
";
    let r = run_at(yaml, "little.yaml", 7);
    let j = class(&r, "j");
    eprintln!("Little: L {:.3} {j:?}", j.running_pods_mean);
    assert!(rel(j.running_pods_mean, 50.0) < 0.04, "{j:?}");
    assert!(rel(j.jobs_arrived as f64, 20_000.0) < 0.03, "{j:?}");
    assert!(j.pending_time_p99_s < 0.2, "ample cluster: {j:?}");
    let alloc = r.summary.cluster.cpu_allocation;
    assert!(rel(alloc, 50.0 / 320.0) < 0.04, "cpu_allocation {alloc}");
}

/// Erlang C: one node with room for exactly c = 4 one-CPU pods, Poisson
/// arrivals λ = 0.003/s, exponential runs of mean 1000 s (μ = 0.001/s), so
/// a = λ/μ = 3 and ρ = 0.75. C(4, 3) = (3^4/4! · 4/(4-3)) / (Σ_{k<4}
/// 3^k/k! + 13.5) = 13.5 / 26.5 = 0.50943; a pod waits on average
/// W_q = C / (cμ - λ) = 509.4 s. By PASTA, the fraction of time all four
/// run is also C. No watch latency, so a finishing pod's slot is taken the
/// same instant; the scheduler's 1-10 s retry backoff delays a start only
/// when every waiting pod failed an attempt within the last 10 s (about 4 %
/// of completions, each by a few seconds of a 1000 s run: negligible).
///
/// Tolerance: 300,000 arrivals (10^8 s; M/M/c waits are strongly
/// correlated at ρ = 0.75). Over seeds 1-8 the estimate of C from W_q
/// averaged 0.516 with a standard deviation of 0.009 (1.8 %), the busy
/// fraction of the 100,000 samples 0.511 with 0.004 (0.8 %): bounds of 6 %
/// and 3 % are more than 3 sigma away.
#[test]
fn mmc_waiting_matches_erlang_c() {
    let yaml = "
name: erlang
duration: 100000000s
sample_interval: 1000s
cluster:
  node_pools:
    - {name: p, count: 1, cpu: 4, memory: 64Gi}
  control_plane:
    watch_latency: 0s
jobs:
  - name: j
    arrivals: {rate: 0.003}
    cpu: 1
    memory: 1Gi
    run_time: {dist: exponential, mean: 1000s}
";
    let r = run_at(yaml, "erlang.yaml", 3);
    let j = class(&r, "j");
    let c_exact = 13.5 / 26.5;
    let c_from_wait = j.pending_time_mean_s * (0.004 - 0.003);
    // Fraction of sampled instants with all four slots busy.
    let csv = String::from_utf8(r.timeseries_csv()).unwrap();
    let (mut busy, mut rows) = (0u32, 0u32);
    for line in csv.lines().skip(1) {
        rows += 1;
        busy += u32::from(line.ends_with(",4"));
    }
    let c_from_time = f64::from(busy) / f64::from(rows);
    eprintln!("Erlang C {c_exact:.4}: from W_q {c_from_wait:.4}, from time {c_from_time:.4}");
    assert!(
        rel(c_from_wait, c_exact) < 0.06,
        "W_q {}",
        j.pending_time_mean_s
    );
    assert!(
        rel(c_from_time, c_exact) < 0.04,
        "busy fraction {c_from_time}"
    );
}

/// The same scenario and seed give byte-identical outputs.
#[test]
fn jobs_are_deterministic() {
    let yaml = "
name: det
duration: 2h
cluster:
  node_pools:
    - {name: p, count: 3, cpu: 4, memory: 16Gi}
jobs:
  - name: a
    arrivals: {rate: 0.05, pattern: {diurnal: {amplitude: 0.5, period: 1h, peak: 30m}}}
    cpu: 1
    memory: 1Gi
    run_time: {dist: lognormal, median: 2m, sigma: 0.5}
    parallelism: 2
    completions: 3
    failure_probability: 10%
";
    let a = run_at(yaml, "det.yaml", 5);
    let b = run_at(yaml, "det.yaml", 5);
    let strip = |r: &RunResult| {
        let mut s = r.summary.clone();
        s.wall_time_s = 0.0;
        serde_json::to_string(&s).unwrap()
    };
    assert_eq!(strip(&a), strip(&b));
    assert_eq!(a.timeseries_csv(), b.timeseries_csv());
    assert_eq!(a.events_csv(), b.events_csv());
    assert!(class(&a, "a").pods_failed > 0);
}

/// The benchmark scenarios (benches/scenarios) stay valid: 100 s of each,
/// with the invariant checks.
#[test]
fn benchmark_scenarios_load_and_run_briefly() {
    for file in ["bench-batch-1k.yaml", "bench-batch-10k.yaml"] {
        let path = root().join("benches/scenarios").join(file);
        let sc = scenario::load_file(&path, &["duration=100s".to_string()])
            .unwrap_or_else(|e| panic!("{e}"));
        let r = Simulation::new(sc, 1).unwrap().check_invariants(true).run();
        assert!(r.summary.invariant_violations.is_empty(), "{file}");
        // 12.5 Jobs per second for 100 s.
        let arrived = class(&r, "batch").jobs_arrived;
        assert!((1000..1500).contains(&arrived), "{file}: {arrived}");
    }
}
