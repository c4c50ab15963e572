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
        .check_invariants(true)
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

/// The same stalled rollout against its progress deadline (default 600 s,
/// upstream `progressDeadlineSeconds`). Condition times are whole seconds,
/// as the API stores them:
///
/// - 600.1 s the sync creates the new ReplicaSet: `NewReplicaSetCreated`,
///   lastUpdateTime 600 s;
/// - 600.2 s (3 new pods), 600.3 s (old pods 10 -> 8), 600.4 s (5 new
///   pods): progress each time (`DeploymentProgressing`), `ReplicaSetUpdated`
///   with lastUpdateTime 600 s; after that nothing changes (the old pods'
///   termination at 630.3 s is no progress: they left the counts when
///   deleted);
/// - every sync without progress requeues the deployment for
///   `lastUpdateTime + deadline - now` + 1 s (`requeueStuckDeployment`):
///   at 600 + 600 + 1 = 1201 s, when `600 + 600 < 1201` holds
///   (`DeploymentTimedOut` is strict): `ProgressDeadlineExceeded` at 1201 s.
///
/// The deadline only reports: the rollout stays as it is, holding 8 of 10
/// replicas serving, and is still not completed at the end.
#[test]
fn stalled_rollout_reports_progress_deadline_exceeded() {
    let r = run(CRASHLOOP, &[]);
    let ro = &r.summary.rollouts[0];
    assert!(!ro.completed, "{ro:?}");
    assert_eq!(ro.reason, "ProgressDeadlineExceeded");
    assert_eq!(ro.deadline_exceeded_s, Some(1201.0));
    let ev = events(&r, "progress_deadline_exceeded");
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].time_ms, 1_201_000);
    assert_eq!(r.summary.workloads["web"].min_ready, 8);
    assert!(r.samples.iter().all(|s| s.workloads[0].2 >= 8));
    assert_eq!((ro.max_total_pods, ro.min_available), (13, 8));

    // `progress_deadline` is a per-workload field: 120 s declares it at
    // 600 + 120 + 1 = 721 s.
    let r = run(CRASHLOOP, &["workloads.web.progress_deadline=120s"]);
    assert_eq!(r.summary.rollouts[0].deadline_exceeded_s, Some(721.0));
}

/// Proportional scaling (`sync.go` `scale`) of the stalled rollout, scaled
/// from 10 to 20 replicas at 30 min. Both replica sets carry the
/// `max-replicas` annotation 13 (10 + maxSurge 3); for 20 replicas maxSurge
/// is ceil(25% x 20) = 5, so 25 pods are allowed and 25 - (8 + 5) = 12 are
/// added, largest replica set first: the old one gets
/// round(8 x 25 / 13) - 8 = 15 - 8 = 7 (15), the new one
/// round(5 x 25 / 13) - 5 = 10 - 5 = 5 (10). The old-template pods become
/// Ready; the new ones crash-loop; the scale-down budget is
/// 25 - (20 - 5) - 10 = 0: the rollout stalls again, with 15 = 20 -
/// maxUnavailable serving.
///
/// The scaling sync (1800.1 s) leaves the Progressing condition alone; the
/// next syncs see progress: 10 updated pods at 1800.2 s, then the 7 old
/// pods Ready at 1820.4 s (started at 1800.4 s, 20 s start-up), seen at
/// 1820.5 s: lastUpdateTime 1820 s. The deadline is exceeded a second time
/// at 1820 + 600 + 1 = 2421 s; the rollout keeps the first (1201 s).
#[test]
fn scaling_a_stalled_rollout_is_proportional() {
    let yaml = CRASHLOOP.replace(
        "  - {at: 10m, rollout: {workload: web, crash_probability: 1}}\n",
        "  - {at: 10m, rollout: {workload: web, crash_probability: 1}}\n  \
         - {at: 30m, scale: {workload: web, replicas: 20}}\n",
    );
    let r = run(&yaml, &[]);
    let ro = &r.summary.rollouts[0];
    assert!(!ro.completed, "{ro:?}");
    assert_eq!(ro.max_total_pods, 25, "{ro:?}");
    assert_eq!(ro.deadline_exceeded_s, Some(1201.0));
    let times: Vec<u64> = events(&r, "progress_deadline_exceeded")
        .iter()
        .map(|e| e.time_ms)
        .collect();
    assert_eq!(times, [1_201_000, 2_421_000]);
    let after: Vec<_> = r
        .samples
        .iter()
        .filter(|s| s.time_ms >= 1_830_000)
        .collect();
    assert!(!after.is_empty());
    assert!(
        after.iter().all(|s| s.workloads[0] == (20, 15, 15)),
        "{:?}",
        after[0]
    );
    // Never below replicas - maxUnavailable: 8 of 10, then 15 of 20.
    assert!(r.samples.iter().all(|s| s.workloads[0].2 >= 8));
}

/// A rollout that progresses completes as before, its condition
/// `NewReplicaSetAvailable`, its deadline never exceeded.
#[test]
fn progressing_rollout_completes_with_new_replica_set_available() {
    let yaml = CRASHLOOP.replace("crash_probability: 1", "crash_probability: 0");
    let r = run(&yaml, &[]);
    let ro = &r.summary.rollouts[0];
    assert!(ro.completed, "{ro:?}");
    assert_eq!(ro.reason, "NewReplicaSetAvailable");
    assert_eq!(ro.deadline_exceeded_s, None);
    assert!(events(&r, "progress_deadline_exceeded").is_empty());
}

#[test]
fn progress_deadline_is_validated() {
    for (set, needle) in [
        (
            "workloads.web.progress_deadline=1500ms",
            "workloads[0].progress_deadline: must be whole seconds",
        ),
        (
            "workloads.web.progress_deadline=0s",
            "workloads[0].progress_deadline: must be at least 1s",
        ),
        (
            "workloads.web.min_ready_seconds=600",
            "workloads[0].min_ready_seconds: min_ready_seconds 10m must be less than \
             progress_deadline (default 10m)",
        ),
    ] {
        let sets = vec![set.to_string()];
        let err = scenario::load_str(CRASHLOOP, "test.yaml", &sets).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(needle), "{set}: {msg}");
    }
    // Given both: the deadline is the field at fault.
    let sets = vec![
        "workloads.web.min_ready_seconds=60".to_string(),
        "workloads.web.progress_deadline=60".to_string(),
    ];
    let msg = scenario::load_str(CRASHLOOP, "test.yaml", &sets)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(
            "workloads[0].progress_deadline: progress_deadline 1m must be greater than \
             min_ready_seconds 1m"
        ),
        "{msg}"
    );
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

// ---------------------------------------------- taint eviction tolerations

const TOLERATIONS: &str = "\
name: tolerations
duration: 2h
cluster:
  node_pools: [{name: pool, count: 5, cpu: 2, memory: 4Gi}]
  control_plane: {node_lease_renew_interval: 1s}
workloads:
  - name: short
    cpu: 1500m
    memory: 1Gi
    startup_time: 10s
    tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, toleration_seconds: 30s}
  - {name: default, cpu: 1500m, memory: 1Gi, startup_time: 10s}
  - name: forever
    cpu: 1500m
    memory: 1Gi
    startup_time: 10s
    tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}]
events:
  - {at: 100s, node_failure: {hosting: short, duration: 1h}}
  - {at: 100s, node_failure: {hosting: default, duration: 1h}}
  - {at: 100s, node_failure: {hosting: forever, duration: 1h}}
";

/// Three one-pod workloads (1.5 of a node's 2 cpu each, so one pod per
/// node) whose three nodes die at 100 s for 1 h; two nodes are spare.
///
/// - Leases renew every 1 s, so each dead node last renewed in (99, 100] s
///   and is NotReady (tainted `unreachable:NoExecute`) at the first 5 s
///   monitor tick more than 50 s later: 150 s.
/// - The DefaultTolerationSeconds admission plugin adds the 300 s
///   `unreachable` toleration only to pods without their own, and the taint
///   eviction controller deletes a pod after the `tolerationSeconds` of the
///   toleration that matches the taint (`processPodOnNode`):
///   - `short` (its own, 30 s): deleted at 180 s; the replacement is
///     created, bound and started 0.1 s apart (180.3 s) and Ready 10 s
///     later: down from 100 to 190.3 s = 90.3 s;
///   - `default` (admission's 300 s): deleted at 450 s, Ready at 460.3 s:
///     360.3 s down;
///   - `forever` (NoExecute, no seconds: tolerated for ever): never
///     deleted, so never replaced; its node is back at 3700 s, the kubelet
///     restarts the pod, Ready at 3710 s (the node is Ready again on the
///     3700 s tick, before that): 3610 s down.
#[test]
fn taint_eviction_follows_each_workloads_own_toleration() {
    let r = run(TOLERATIONS, &[]);
    let not_ready = events(&r, "node_not_ready");
    assert_eq!(not_ready.len(), 3);
    assert!(
        not_ready.iter().all(|e| e.time_ms == 150_000),
        "{not_ready:?}"
    );
    let evicted = events(&r, "pod_evicted");
    let at = |w: &str| -> Vec<u64> {
        evicted
            .iter()
            .filter(|e| e.object.starts_with(&format!("{w}-")))
            .map(|e| e.time_ms)
            .collect()
    };
    assert_eq!(at("short"), [180_000]);
    assert_eq!(at("default"), [450_000]);
    assert!(at("forever").is_empty(), "{evicted:?}");
    let down = |w: &str| r.summary.workloads[w].downtime_s;
    assert!(close(down("short"), 90.3), "{}", down("short"));
    assert!(close(down("default"), 360.3), "{}", down("default"));
    assert!(close(down("forever"), 3610.0), "{}", down("forever"));
}

/// `toleration_seconds` is a `--set`-able field: 60 s moves `short`'s
/// eviction to 150 + 60 = 210 s and its downtime to 210.3 + 10 - 100 =
/// 120.3 s; the others are unchanged.
#[test]
fn toleration_seconds_can_be_set_per_workload() {
    let r = run(
        TOLERATIONS,
        &["workloads.short.tolerations.0.toleration_seconds=60s"],
    );
    let down = |w: &str| r.summary.workloads[w].downtime_s;
    assert!(close(down("short"), 120.3), "{}", down("short"));
    assert!(close(down("default"), 360.3), "{}", down("default"));
}

/// Upstream validation: `tolerationSeconds` needs effect NoExecute.
#[test]
fn toleration_seconds_needs_no_execute() {
    let yaml = TOLERATIONS.replace(
        "effect: NoExecute, toleration_seconds: 30s",
        "effect: NoSchedule, toleration_seconds: 30s",
    );
    let err = scenario::load_str(&yaml, "test.yaml", &[]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("workloads[0].tolerations[0].toleration_seconds")
            && msg.contains("toleration_seconds needs effect NoExecute"),
        "{msg}"
    );
}

// ------------------------------------------------------- readiness probes

const PROBED: &str = "\
name: probed
duration: 10m
cluster:
  node_pools: [{name: pool, count: 1, cpu: 4, memory: 16Gi}]
workloads:
  - name: web
    replicas: 0
    cpu: 1
    memory: 1Gi
    startup_time: 23s
    readiness: {initial_delay: 5s, period: 10s}
events:
  - {at: 60s, scale: {workload: web, replicas: 1}}
";

/// `web` scales from 0 to 1 at 60 s: the deployment controller (60.1 s),
/// the ReplicaSet (60.2 s) and the scheduler (60.3 s) each take the 0.1 s
/// watch latency, and the kubelet starts the pod at 60.4 s, when its probe
/// worker starts ticking: 60.4, 70.4, 80.4, 90.4 s, ... The application
/// answers 23 s after the start, from 83.4 s, and the initial delay (5 s)
/// only skips the probe at 60.4 s. The first successful probe is the tick
/// at 90.4 s: Ready (and serving) then, 30.4 s below the SLO of 1 from 60
/// s. Without the probe it is Ready at 83.4 s (23.4 s).
///
/// With `success_threshold: 3` it takes the ticks at 90.4, 100.4 and
/// 110.4 s: 50.4 s.
#[test]
fn readiness_probe_decides_when_a_started_pod_is_ready() {
    let r = run(PROBED, &[]);
    let web = &r.summary.workloads["web"];
    assert!(close(web.downtime_s, 30.4), "{}", web.downtime_s);
    assert!(
        close(web.mean_ready, (600.0 - 90.4) / 600.0),
        "{}",
        web.mean_ready
    );

    let r = run(PROBED, &["workloads.web.readiness.success_threshold=3"]);
    let down = r.summary.workloads["web"].downtime_s;
    assert!(close(down, 50.4), "{down}");

    let no_probe = PROBED.replace("    readiness: {initial_delay: 5s, period: 10s}\n", "");
    let r = run(&no_probe, &[]);
    let down = r.summary.workloads["web"].downtime_s;
    assert!(close(down, 23.4), "{down}");
}

/// A rollout waits for Ready as the probe reports it: 1 replica with
/// maxSurge 1, maxUnavailable 0, rolled out at 60 s. The new ReplicaSet is
/// created at 60.1 s, its pod at 60.2 s, scheduled at 60.3 s and started at
/// 60.4 s; Ready at the 90.4 s tick (as above); the deployment controller
/// sees it at 90.5 s and scales the old ReplicaSet to 0; at 90.6 s the
/// ReplicaSet deletes the old pod and the deployment sync right after it
/// finds the rollout complete: 30.6 s (23.6 s without the probe).
#[test]
fn rollouts_wait_for_the_probe() {
    let yaml = PROBED.replace("replicas: 0", "replicas: 1").replace(
        "  - {at: 60s, scale: {workload: web, replicas: 1}}",
        "  - {at: 60s, rollout: {workload: web}}",
    ) .replace(
        "    readiness:",
        "    strategy: {type: rolling_update, max_surge: 1, max_unavailable: 0}\n    readiness:",
    );
    let r = run(&yaml, &[]);
    let ro = &r.summary.rollouts[0];
    assert!(ro.completed, "{ro:?}");
    assert!(close(ro.duration_s, 30.6), "{ro:?}");
    assert_eq!(ro.min_available, 1);
}

const HUNG: &str = "\
name: hung
duration: 300s
cluster:
  node_pools: [{name: pool, count: 1, cpu: 4, memory: 16Gi}]
workloads:
  - name: web
    replicas: 1
    cpu: 1
    memory: 1Gi
    readiness: {period: 10s, failure_threshold: 3}
    hang: {mtbf: {dist: fixed, value: 95s}, duration: 2m}
";

/// A warm pod (Ready since 0 s, probe ticks at 0, 10, 20, ... s) whose
/// application stops answering at 95 s for 2 min; its container keeps
/// running, so only the probe can take it out of the endpoints:
///
/// - it stops serving at 95 s, but stays an endpoint: the probes at 100,
///   110 and 120 s fail, the third after its 1 s timeout: not ready at
///   121 s (`failureThreshold` 3 x `periodSeconds` 10, from the first tick
///   of the hang);
/// - it answers again at 215 s; the tick at 220 s succeeds
///   (`successThreshold` 1): Ready and serving at 220 s; its next hang
///   would be 95 s later, past the end.
///
/// So: 125 s down (95 -> 220 s), of which 26 s (95 -> 121 s) as a stale
/// endpoint; endpoints 1 except 121 -> 220 s.
#[test]
fn a_hung_pod_leaves_the_endpoints_after_failure_threshold_probes() {
    let r = run(HUNG, &[]);
    let web = &r.summary.workloads["web"];
    assert!(close(web.downtime_s, 125.0), "{}", web.downtime_s);
    assert!(
        close(web.stale_endpoint_s, 26.0),
        "{}",
        web.stale_endpoint_s
    );
    assert!(
        close(web.mean_endpoints, (300.0 - 99.0) / 300.0),
        "{}",
        web.mean_endpoints
    );
    let not_ready = events(&r, "pod_not_ready");
    assert_eq!(not_ready.len(), 1);
    assert_eq!(not_ready[0].time_ms, 121_000);

    // A 20 s hang (95 -> 115 s) fails only the probes at 100 and 110 s,
    // fewer than 3: the pod stays an endpoint, down and stale 20 s; the
    // next hang comes 95 s after the recovery, 210 -> 230 s: 40 s in all.
    let r = run(HUNG, &["workloads.web.hang.duration=20s"]);
    let web = &r.summary.workloads["web"];
    assert!(close(web.downtime_s, 40.0), "{}", web.downtime_s);
    assert!(
        close(web.stale_endpoint_s, 40.0),
        "{}",
        web.stale_endpoint_s
    );
    assert!(events(&r, "pod_not_ready").is_empty());

    // Without a probe the hung pod stays an endpoint for the whole hang
    // (upstream: a running container without a readiness probe is ready):
    // 95 -> 215 s down and stale, 120 s.
    let no_probe = HUNG.replace("    readiness: {period: 10s, failure_threshold: 3}\n", "");
    let r = run(&no_probe, &[]);
    let web = &r.summary.workloads["web"];
    assert!(close(web.downtime_s, 120.0), "{}", web.downtime_s);
    assert!(
        close(web.stale_endpoint_s, 120.0),
        "{}",
        web.stale_endpoint_s
    );
}

const CRASHING: &str = "\
name: crashing
duration: 300s
cluster:
  node_pools: [{name: pool, count: 1, cpu: 4, memory: 16Gi}]
workloads:
  - name: web
    replicas: 1
    cpu: 1
    memory: 1Gi
    readiness: {period: 10s, success_threshold: 3}
    crash: {mtbf: {dist: fixed, value: 100s}}
";

/// A crash is not a probe failure: the process exits, and the kubelet
/// reports the container not ready at once (`UpdatePodStatus`: not running
/// -> not ready). The restart keeps the pod's probe worker (ticks at 0,
/// 10, 20, ... s) and its run of successes (`lastResult`, `resultRun`).
///
/// - Start-up 0: crash at 100 s, CrashLoopBackOff 10 s, restart at 110 s;
///   the probe triggered as the container starts (`manualTriggerCh`)
///   succeeds and continues the run of successes, so 1 more is enough
///   despite `success_threshold: 3`: Ready at 110 s. Next crash 100 s
///   later at 210 s, backoff 20 s (the streak continues), Ready at 230 s:
///   10 + 20 = 30 s down.
/// - Start-up 5 s: the probe at the restart (110 s) fails, the run starts
///   again: successes at 120, 130, 140 s: Ready at 140 s (40 s down); next
///   crash at 240 s, restart at 260 s, answers from 265 s: 270, 280, 290 s
///   (50 s down): 90 s.
#[test]
fn a_crash_is_not_ready_at_once_and_the_restart_keeps_the_probe_run() {
    let r = run(CRASHING, &[]);
    let down = r.summary.workloads["web"].downtime_s;
    assert!(close(down, 30.0), "{down}");
    let r = run(CRASHING, &["workloads.web.startup_time=5s"]);
    let down = r.summary.workloads["web"].downtime_s;
    assert!(close(down, 90.0), "{down}");
}

#[test]
fn readiness_fields_are_validated() {
    for (set, path, needle) in [
        (
            "workloads.web.readiness.period=0s",
            "readiness.period",
            "must be at least 1s",
        ),
        (
            "workloads.web.readiness.initial_delay=2.5s",
            "readiness.initial_delay",
            "must be whole seconds",
        ),
        (
            "workloads.web.readiness.failure_threshold=0",
            "readiness.failure_threshold",
            "must be at least 1",
        ),
        ("workloads.web.readiness.timeout=1s", "readiness", "timeout"),
    ] {
        let sets = vec![set.to_string()];
        let err = scenario::load_str(PROBED, "test.yaml", &sets).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(path) && msg.contains(needle), "{set}: {msg}");
    }
}

/// A pool's own NoExecute taint tolerated for a while evicts pods that long
/// after they land on it (upstream's taint eviction controller processes
/// every pod bound to a tainted node). One 1-cpu pod on the only pool
/// (tainted `dedicated:NoExecute`), tolerated for 60 s:
///
/// - the warm pod is evicted at 60 s; the ReplicaSet creates its
///   replacement at 60.1 s, the scheduler binds it (to the same pool) at
///   60.2 s, which queues its eviction for 120.2 s; it starts at 60.3 s
///   and is Ready at 70.3 s (10 s start-up);
/// - so every 60.2 s: evictions at 60, 120.2, 180.4, 240.6 s (the next,
///   300.8 s, is past the end), each followed by 10.3 s without a pod
///   serving: 41.2 s down.
#[test]
fn a_pool_no_execute_taint_tolerated_for_a_while_evicts_after_binding() {
    let yaml = "\
name: tainted
duration: 300s
cluster:
  node_pools:
    - {name: pool, count: 1, cpu: 4, memory: 16Gi, taints: [{key: dedicated, effect: NoExecute}]}
workloads:
  - name: web
    cpu: 1
    memory: 1Gi
    startup_time: 10s
    tolerations: [{key: dedicated, operator: Exists, effect: NoExecute, toleration_seconds: 60s}]
";
    let r = run(yaml, &[]);
    let times: Vec<u64> = events(&r, "pod_evicted")
        .iter()
        .map(|e| e.time_ms)
        .collect();
    assert_eq!(times, [60_000, 120_200, 180_400, 240_600]);
    let down = r.summary.workloads["web"].downtime_s;
    assert!(close(down, 41.2), "{down}");
}
