//! Unit tests of the wired simulation on hand-built scenarios.

use super::*;
use crate::dist::Dist;
use crate::scenario::*;
use crate::units::{Bytes, IntOrPercent, MilliCpu};
use std::collections::BTreeMap;

pub(crate) fn scenario(
    nodes: u32,
    replicas: u32,
    strategy: Strategy,
    events: Vec<TimedEvent>,
) -> Scenario {
    Scenario {
        name: "unit".into(),
        duration: SimDuration::from_secs(3600),
        seed: 1,
        sample_interval: SimDuration::from_secs(10),
        cluster: Cluster {
            zones: vec!["a".into(), "b".into(), "c".into()],
            node_pools: vec![NodePool {
                name: "general".into(),
                count: nodes,
                zones: vec!["a".into(), "b".into(), "c".into()],
                cpu: MilliCpu(4000),
                memory: Bytes(16 << 30),
                max_pods: 110,
                labels: BTreeMap::new(),
                taints: vec![],
                failure: None,
                autoscaling: None,
                racks: 1,
                correlated_failure: None,
                spot: None,
                cost_per_hour: 0.0,
                priority: 0,
            }],
            control_plane: ControlPlane {
                node_monitor_grace_period: SimDuration::from_secs(50),
                node_monitor_period: SimDuration::from_secs(5),
                node_lease_renew_interval: SimDuration::from_secs(10),
                default_toleration_seconds: SimDuration::from_secs(300),
                watch_latency: SimDuration::from_millis(100),
                scheduler: SchedulerConfig {
                    score: ScoreStrategy::LeastAllocated,
                    percentage_of_nodes_to_score: 0,
                },
                cluster_autoscaler: Default::default(),
            },
            zone_failure: None,
        },
        workloads: vec![Workload {
            replicas,
            startup_time: Dist::Fixed(SimDuration::from_secs(20)),
            strategy,
            slo_min_ready: replicas,
            ..Workload::new("web", MilliCpu(500), Bytes(512 << 20))
        }],
        events,
        jobs: Vec::new(),
    }
}

fn rolling(surge: IntOrPercent, unavailable: IntOrPercent) -> Strategy {
    Strategy::RollingUpdate {
        max_surge: surge,
        max_unavailable: unavailable,
    }
}

fn rollout_at(secs: u64) -> TimedEvent {
    TimedEvent {
        at: SimDuration::from_secs(secs),
        action: EventAction::Rollout {
            workload: 0,
            startup_time: None,
            cpu: None,
            memory: None,
            crash_probability: 0.0,
        },
    }
}

#[test]
fn warm_start_places_every_pod() {
    let r = Simulation::new(
        scenario(
            3,
            6,
            rolling(IntOrPercent::Percent(25), IntOrPercent::Percent(25)),
            vec![],
        ),
        1,
    )
    .unwrap()
    .check_invariants(true)
    .run();
    let w = &r.summary.workloads["web"];
    assert_eq!(w.service_availability, 1.0);
    assert_eq!(w.slo_attainment, 1.0);
    assert_eq!(w.incidents, 0);
    assert_eq!(w.min_ready, 6);
    assert!(r.summary.invariant_violations.is_empty());
}

#[test]
fn rolling_update_25_25_of_10_stays_within_13_pods_and_8_available() {
    let sc = scenario(
        6,
        10,
        rolling(IntOrPercent::Percent(25), IntOrPercent::Percent(25)),
        vec![rollout_at(60)],
    );
    let r = Simulation::new(sc, 1).unwrap().check_invariants(true).run();
    let ro = &r.summary.rollouts[0];
    assert!(ro.completed, "{ro:?}");
    // maxSurge 25% of 10 rounds up to 3, maxUnavailable rounds down to 2.
    assert_eq!(ro.max_total_pods, 13, "{ro:?}");
    assert_eq!(ro.min_available, 8, "{ro:?}");
    assert!(
        r.summary.invariant_violations.is_empty(),
        "{:?}",
        r.summary.invariant_violations
    );
}

#[test]
fn rolling_update_0_1_never_exceeds_10_nor_drops_below_9() {
    let sc = scenario(
        6,
        10,
        rolling(IntOrPercent::Int(0), IntOrPercent::Int(1)),
        vec![rollout_at(60)],
    );
    let r = Simulation::new(sc, 1).unwrap().check_invariants(true).run();
    let ro = &r.summary.rollouts[0];
    assert!(ro.completed, "{ro:?}");
    assert_eq!(ro.max_total_pods, 10, "{ro:?}");
    assert_eq!(ro.min_available, 9, "{ro:?}");
}

#[test]
fn recreate_drops_to_zero_and_completes() {
    let sc = scenario(6, 10, Strategy::Recreate, vec![rollout_at(60)]);
    let r = Simulation::new(sc, 1).unwrap().check_invariants(true).run();
    let ro = &r.summary.rollouts[0];
    assert!(ro.completed, "{ro:?}");
    assert_eq!(ro.min_available, 0);
    assert_eq!(ro.max_total_pods, 10);
    // Old pods terminate (30 s grace), then new ones start (20 s).
    assert!(ro.duration_s >= 50.0 && ro.duration_s < 52.0, "{ro:?}");
}

fn node_failure_at(secs: u64, index: u32) -> TimedEvent {
    TimedEvent {
        at: SimDuration::from_secs(secs),
        action: EventAction::NodeFailure {
            target: NodeTarget::Node { pool: 0, index },
            duration: Some(Dist::Fixed(SimDuration::from_secs(7200))),
        },
    }
}

/// Downtime of a 3-replica workload (SLO: all 3) when the node of one pod dies.
fn downtime_after_node_death(toleration_s: u64) -> (f64, Vec<EventRecord>) {
    // 3 nodes, 3 replicas: one pod per node (least allocated spreads them).
    let mut sc = scenario(
        3,
        3,
        rolling(IntOrPercent::Percent(25), IntOrPercent::Percent(25)),
        vec![node_failure_at(1000, 0)],
    );
    sc.cluster.control_plane.default_toleration_seconds = SimDuration::from_secs(toleration_s);
    let r = Simulation::new(sc, 7).unwrap().check_invariants(true).run();
    assert!(r.summary.invariant_violations.is_empty());
    (r.summary.workloads["web"].downtime_s, r.events)
}

#[test]
fn node_death_replacement_follows_grace_plus_toleration() {
    // failure -> NotReady after 50 s grace (+0..10 s lease phase, +0..5 s
    // monitor tick) -> eviction 300 s later -> replacement created,
    // scheduled and started (3 x 0.1 s watch latency) -> ready 20 s later.
    let (down, events) = downtime_after_node_death(300);
    assert!(
        (370.3..=385.3).contains(&down),
        "downtime {down} s; events {events:?}"
    );
    let kinds: Vec<&str> = events.iter().map(|e| e.kind).collect();
    assert!(
        kinds.contains(&"node_not_ready") && kinds.contains(&"pod_evicted"),
        "{kinds:?}"
    );
    let not_ready = events
        .iter()
        .find(|e| e.kind == "node_not_ready")
        .unwrap()
        .time_ms;
    let evicted = events
        .iter()
        .find(|e| e.kind == "pod_evicted")
        .unwrap()
        .time_ms;
    assert!((1_050_000..=1_065_000).contains(&not_ready), "{not_ready}");
    assert_eq!(evicted - not_ready, 300_000);

    // Operators often cut tolerationSeconds: 50 + 30 s + the rest.
    let (down, _) = downtime_after_node_death(30);
    assert!((100.3..=115.3).contains(&down), "downtime {down} s");
}

#[test]
fn the_full_check_catches_a_drifted_counter_and_stops_the_run() {
    let sc = scenario(
        3,
        3,
        rolling(IntOrPercent::Percent(25), IntOrPercent::Percent(25)),
        vec![rollout_at(60)],
    );
    let mut sim = Simulation::new(sc, 1).unwrap().check_invariants(true);
    // Corrupt the incremental bookkeeping the way a missed update would.
    sim.workload_metrics[0].serving += 1;
    let r = sim.run();
    assert_eq!(
        r.summary.invariant_violations.len(),
        1,
        "{:?}",
        r.summary.invariant_violations
    );
    let v = &r.summary.invariant_violations[0];
    assert!(
        v.contains("workload web") && v.contains("serving 4") && v.contains("while handling"),
        "{v}"
    );
    // It stopped at the first event instead of running the hour.
    assert!(r.summary.events <= 1, "{}", r.summary.events);
}
