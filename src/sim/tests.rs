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
            }],
            control_plane: ControlPlane {
                node_monitor_grace_period: SimDuration::from_secs(50),
                node_monitor_period: SimDuration::from_secs(5),
                node_lease_renew_interval: SimDuration::from_secs(10),
                default_toleration_seconds: SimDuration::from_secs(300),
                watch_latency: SimDuration::from_millis(100),
                scheduler: SchedulerConfig {
                    score: ScoreStrategy::LeastAllocated,
                },
            },
        },
        workloads: vec![Workload {
            name: "web".into(),
            replicas,
            cpu: MilliCpu(500),
            memory: Bytes(512 << 20),
            priority: 0,
            startup_time: Dist::Fixed(SimDuration::from_secs(20)),
            termination_grace: SimDuration::from_secs(30),
            min_ready_seconds: SimDuration::ZERO,
            strategy,
            node_selector: BTreeMap::new(),
            tolerations: vec![],
            spread: vec![],
            anti_affinity: None,
            pdb: None,
            slo_min_ready: replicas,
            crash: None,
            traffic: None,
            hpa: None,
        }],
        events,
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
    let r = Simulation::new(sc, 1).run();
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
    let r = Simulation::new(sc, 1).run();
    let ro = &r.summary.rollouts[0];
    assert!(ro.completed, "{ro:?}");
    assert_eq!(ro.max_total_pods, 10, "{ro:?}");
    assert_eq!(ro.min_available, 9, "{ro:?}");
}

#[test]
fn recreate_drops_to_zero_and_completes() {
    let sc = scenario(6, 10, Strategy::Recreate, vec![rollout_at(60)]);
    let r = Simulation::new(sc, 1).run();
    let ro = &r.summary.rollouts[0];
    assert!(ro.completed, "{ro:?}");
    assert_eq!(ro.min_available, 0);
    assert_eq!(ro.max_total_pods, 10);
    // Old pods terminate (30 s grace), then new ones start (20 s).
    assert!(ro.duration_s >= 50.0 && ro.duration_s < 52.0, "{ro:?}");
}
