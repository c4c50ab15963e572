//! Kubernetes semantics end to end that surprise users: priority preemption
//! in a full cluster, and a crash-looping rollout that stalls. Every
//! expected number is derived in a comment from the upstream rules (see
//! docs/fidelity.md).

use kubesim::scenario;
use kubesim::sim::{EventRecord, RunResult, Simulation};

fn run(yaml: &str, sets: &[&str]) -> RunResult {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let sc = scenario::load_str(yaml, "test.yaml", &sets).unwrap_or_else(|e| panic!("{e}"));
    let r = Simulation::new(sc, 1)
        .unwrap_or_else(|e| panic!("{e}"))
        .run();
    assert!(
        r.summary.invariant_violations.is_empty(),
        "{:?}",
        r.summary.invariant_violations
    );
    r
}

fn events<'a>(r: &'a RunResult, kind: &str) -> Vec<&'a EventRecord> {
    r.events.iter().filter(|e| e.kind == kind).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ------------------------------------------------------------ preemption

const PREEMPT: &str = "\
name: preempt
duration: 10m
cluster:
  zones: [a]
  node_pools: [{name: pool, count: 2, cpu: 4, memory: 16Gi}]
workloads:
  - {name: batch, replicas: 4, cpu: 2, memory: 1Gi, priority: 0, termination_grace: 30s}
  - {name: web, replicas: 0, cpu: 2, memory: 1Gi, priority: 1000, startup_time: 10s}
events:
  - {at: 60s, scale: {workload: web, replicas: 2}}
";

/// Two nodes of 4 cpu, each full with two 2-cpu `batch` pods (priority 0).
/// At 60 s `web` (priority 1000, 2 cpu) scales to 2. Timeline (watch
/// latency 0.1 s per hop):
///
/// - 60.1 s the deployment controller scales web's ReplicaSet to 2; 60.2 s
///   the ReplicaSet creates both pods; 60.3 s the scheduler tries them.
/// - First web pod: no node fits (Insufficient cpu: Unschedulable, so both
///   nodes are potential). On each node both batch pods are lower priority;
///   without them the pod fits; reprieving the first (2 + 2 = 4 cpu) fits,
///   the second does not: one victim per node. The two candidates tie on
///   every rule, so the node the random offset reached first wins; call it
///   X. Its victim is deleted (grace 30 s) and the pod nominated to X.
/// - Second web pod, same cycle: on X the first pod's nomination holds 2
///   cpu (priority 1000 >= 1000) and the terminating victim still holds 2,
///   so X needs both batch pods gone (2 victims); the other node, Y, needs
///   one. Rule 3 (sum of priorities shifted by 2^31: 2^32 vs 2^31) picks Y.
///   So each node loses exactly one batch pod, both at 60.3 s.
/// - 60.4 s the batch ReplicaSet replaces its two victims; the
///   replacements cannot fit (and, priority 0, cannot preempt): Pending to
///   the end.
/// - 90.3 s both victims are gone (60.3 + 30); the removal moves the web
///   pods back to the active queue (their 1 s backoff ended at 61.3 s);
///   each tries its nominated node first and binds at 90.3 s; the kubelet
///   starts them at 90.4 s and they are Ready at 100.4 s.
///
/// Metrics over 600 s:
/// - web serving: 2 pods from 100.4 s: mean 2 x 499.6 / 600 = 1.665333...
/// - batch serving: 4 until 60.3 s (a terminating pod leaves the
///   endpoints), then 2: mean (4 x 60.3 + 2 x 539.7) / 600 = 2.201;
/// - pending: web 2 x (90.3 - 60.2) = 60.2 pod-s, batch replacements
///   2 x (600 - 60.4) = 1079.2 pod-s: 1139.4 pod-s.
#[test]
fn higher_priority_pods_preempt_and_run_after_the_victims_grace_period() {
    let r = run(PREEMPT, &[]);
    let preempted = events(&r, "pod_preempted");
    assert_eq!(preempted.len(), 2, "{preempted:?}");
    assert!(preempted.iter().all(|e| e.time_ms == 60_300));
    assert!(preempted.iter().all(|e| e.object.starts_with("batch-")));
    let nominated = events(&r, "pod_nominated");
    assert_eq!(nominated.len(), 2);
    assert!(nominated.iter().all(|e| e.time_ms == 60_300));
    let node = |e: &EventRecord| e.detail.split(',').next().unwrap().to_string();
    assert_ne!(node(nominated[0]), node(nominated[1]), "one per node");
    assert!(
        nominated
            .iter()
            .all(|e| e.detail.ends_with(", 1 victim(s)"))
    );
    // Each victim is on the node its preemptor was nominated to.
    for (p, n) in preempted.iter().zip(&nominated) {
        assert!(
            p.detail.ends_with(&format!("on {}", node(n))),
            "{p:?} {n:?}"
        );
    }

    let web = &r.summary.workloads["web"];
    assert!(
        close(web.mean_ready, 2.0 * 499.6 / 600.0),
        "{}",
        web.mean_ready
    );
    let batch = &r.summary.workloads["batch"];
    assert!(
        close(batch.mean_ready, (4.0 * 60.3 + 2.0 * 539.7) / 600.0),
        "{}",
        batch.mean_ready
    );
    assert_eq!(batch.min_ready, 2);
    let pending = r.summary.cluster.pending_pod_seconds;
    assert!(close(pending, 1139.4), "pending_pod_seconds {pending}");
}

/// `preemption_policy: never`: the web pods are queued ahead of batch but
/// preempt nothing; they stay Pending from 60.2 s to the end:
/// 2 x 539.8 = 1079.6 pod-s, and batch keeps its 4 pods.
#[test]
fn preemption_policy_never_waits() {
    let r = run(PREEMPT, &["workloads.web.preemption_policy=never"]);
    assert!(events(&r, "pod_preempted").is_empty());
    assert!(events(&r, "pod_nominated").is_empty());
    assert_eq!(r.summary.workloads["web"].mean_ready, 0.0);
    assert_eq!(r.summary.workloads["batch"].min_ready, 4);
    let pending = r.summary.cluster.pending_pod_seconds;
    assert!(close(pending, 1079.6), "pending_pod_seconds {pending}");
}

/// PDBs are respected where possible, not enforced: with batch under
/// `min_available: 4` every victim violates it (disruptionsAllowed 0), so
/// every candidate has one violation, they still tie, and preemption goes
/// ahead exactly as without the PDB.
#[test]
fn preemption_goes_ahead_when_every_candidate_violates_a_pdb() {
    let yaml = PREEMPT.replace(
        "termination_grace: 30s}",
        "termination_grace: 30s, pdb: {min_available: 4}}",
    );
    let r = run(&yaml, &[]);
    assert_eq!(events(&r, "pod_preempted").len(), 2);
    let web = &r.summary.workloads["web"];
    assert!(
        close(web.mean_ready, 2.0 * 499.6 / 600.0),
        "{}",
        web.mean_ready
    );
}

#[test]
fn preemption_policy_is_validated() {
    let sets = vec!["workloads.web.preemption_policy=sometimes".to_string()];
    let err = scenario::load_str(PREEMPT, "test.yaml", &sets).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("preemption_policy") && msg.contains("preempt_lower_priority"),
        "{msg}"
    );
}

// ------------------------------------------------------ crash-looping rollout

const CRASHLOOP: &str = "\
name: crashloop
duration: 2h
sample_interval: 10s
cluster:
  zones: [a, b, c]
  node_pools: [{name: pool, count: 6, cpu: 4, memory: 16Gi}]
workloads:
  - name: web
    replicas: 10
    cpu: 500m
    memory: 512Mi
    startup_time: 20s
    strategy: {type: rolling_update, max_surge: 25%, max_unavailable: 25%}
events:
  - {at: 10m, rollout: {workload: web, crash_probability: 1}}
";

/// A rollout whose new pods all crash-loop (never Ready). Upstream fence
/// posts for 10 replicas at 25%/25%: maxSurge = ceil(2.5) = 3,
/// maxUnavailable = floor(2.5) = 2, so at most 13 pods and at least 8
/// available.
///
/// - sync 1: NewRSNewReplicas = min(13 - 10, 10 - 0) = 3 new pods (the sync
///   scaled up, so old replica sets wait);
/// - sync 2: old scale-down budget = 13 - 8 - (3 new unavailable) = 2: old
///   10 -> 8;
/// - sync 3: the new replica set grows by min(13 - 11, 10 - 3) = 2 to 5;
/// - then the budget is 13 - 8 - 5 = 0 and the new pods never become
///   available: the rollout stalls for good with 8 old pods serving and 5
///   new pods crash-looping, never completing, and never more than
///   maxUnavailable = 2 replicas out of service.
#[test]
fn crash_looping_rollout_never_completes_and_keeps_max_unavailable() {
    let r = run(CRASHLOOP, &[]);
    assert_eq!(r.summary.rollouts.len(), 1);
    let ro = &r.summary.rollouts[0];
    assert!(!ro.completed, "{ro:?}");
    assert!(close(ro.duration_s, 7200.0 - 600.0), "{ro:?}");
    assert_eq!((ro.max_total_pods, ro.min_available), (13, 8));
    let web = &r.summary.workloads["web"];
    // Serving never dipped below replicas - maxUnavailable, and did reach it.
    assert_eq!(web.min_ready, 8);
    assert!(r.samples.iter().all(|s| s.workloads[0].2 >= 8));
    // From the stall on (a few syncs after 600 s) to the end: 8 serving
    // of 10 desired.
    let after: Vec<_> = r.samples.iter().filter(|s| s.time_ms >= 700_000).collect();
    assert!(!after.is_empty());
    assert!(
        after.iter().all(|s| s.workloads[0] == (10, 8, 8)),
        "{:?}",
        after[0]
    );
    // 5 new pods and 8 old ones, the 2 removed old pods scale-downs, not
    // evictions.
    assert!(events(&r, "pod_evicted").is_empty());
    assert_eq!(r.summary.workloads["web"].replicas_max, 10);
}

// ------------------------------------------------------------ warm start

/// The ReplicaSet controller creates at most burstReplicas = 500 pods per
/// sync; the warm start runs as many syncs as needed, so 1,200 replicas
/// (30 of 100m per node on 40 nodes of 4 cpu) all start placed and Ready.
#[test]
fn warm_start_beyond_burst_replicas_places_every_pod() {
    let yaml = "\
name: big
duration: 1m
cluster:
  zones: [a, b]
  node_pools: [{name: pool, count: 40, cpu: 4, memory: 16Gi}]
workloads:
  - {name: web, replicas: 1200, cpu: 100m, memory: 128Mi}
";
    let r = run(yaml, &[]);
    let web = &r.summary.workloads["web"];
    assert_eq!((web.min_ready, web.replicas_max), (1200, 1200));
    assert_eq!(r.summary.cluster.pending_pod_seconds, 0.0);
}
