//! Property tests: quantities round-trip through their printed form, and
//! random valid scenarios run without breaking any model invariant, with
//! every fraction in [0, 1] and reproducible outputs.

use kubesim::engine::SimDuration;
use kubesim::scenario::{self, parse_cpu, parse_duration, parse_memory};
use kubesim::sim::Simulation;
use kubesim::units::{Bytes, MilliCpu};
use proptest::prelude::*;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Integration tests cannot locate a source file for persisted
        // regressions; shrunk failures are printed instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn durations_round_trip(ms in 0u64..(3650 * 86_400_000)) {
        let d = SimDuration(ms);
        prop_assert_eq!(parse_duration(&d.to_string()), Ok(d));
    }

    #[test]
    fn cpu_round_trips(m in 0u64..1_000_000) {
        let c = MilliCpu(m);
        prop_assert_eq!(parse_cpu(&c.to_string()), Ok(c));
    }

    #[test]
    fn memory_round_trips(b in 0u64..(1u64 << 45)) {
        let m = Bytes(b);
        prop_assert_eq!(parse_memory(&m.to_string()), Ok(m));
    }
}

/// One random but valid scenario, as YAML.
#[derive(Debug, Clone)]
struct Gen {
    zones: usize,
    nodes: u32,
    node_cpu: u32,
    failure: Option<(u32, u32)>,
    workloads: Vec<(u32, u32, u32, bool, bool, u32)>,
    events: Vec<(u32, u32, u32)>,
    seed: u64,
}

fn scenarios() -> impl Strategy<Value = Gen> {
    (
        1usize..=3,
        1u32..=8,
        2u32..=8,
        proptest::option::of((1u32..=48, 1u32..=120)),
        proptest::collection::vec(
            (
                0u32..=8,
                100u32..=1500,
                0u32..=60,
                any::<bool>(),
                any::<bool>(),
                0u32..=3,
            ),
            1..=3,
        ),
        proptest::collection::vec((1u32..=47, 0u32..=6, 0u32..=7), 0..=6),
        any::<u64>(),
    )
        .prop_map(
            |(zones, nodes, node_cpu, failure, workloads, events, seed)| Gen {
                zones,
                nodes,
                node_cpu,
                failure,
                workloads,
                events,
                seed,
            },
        )
}

impl Gen {
    fn yaml(&self) -> String {
        let zone_names: Vec<String> = (0..self.zones).map(|z| format!("z{z}")).collect();
        let mut y = format!(
            "name: prop\nduration: 2d\nsample_interval: 10m\ncluster:\n  zones: [{}]\n  node_pools:\n    - name: p\n      count: {}\n      cpu: {}\n      memory: 16Gi\n",
            zone_names.join(", "),
            self.nodes,
            self.node_cpu
        );
        if let Some((f, r)) = self.failure {
            y += &format!("      failure: {{mttf: {f}h, mttr: {r}m}}\n");
        }
        y += "workloads:\n";
        for (i, (replicas, cpu, startup, recreate, spread, pdb)) in
            self.workloads.iter().enumerate()
        {
            y += &format!(
                "  - name: w{i}\n    replicas: {replicas}\n    cpu: {cpu}m\n    memory: 256Mi\n    startup_time: {startup}s\n"
            );
            if *recreate {
                y += "    strategy: {type: recreate}\n";
            } else {
                y += "    strategy: {type: rolling_update, max_surge: 25%, max_unavailable: 1}\n";
            }
            if *spread {
                y += "    spread: [{topology: zone, max_skew: 1, when_unsatisfiable: schedule_anyway}]\n";
            }
            if *pdb > 0 {
                y += &format!("    pdb: {{max_unavailable: {pdb}}}\n");
            }
            y += &format!("    slo: {{min_ready: {}}}\n", replicas.min(&1));
        }
        if !self.events.is_empty() {
            y += "events:\n";
        }
        for (hour, kind, arg) in &self.events {
            let w = (*arg as usize) % self.workloads.len();
            let z = (*arg as usize) % self.zones;
            let n = arg % self.nodes;
            y += &format!("  - at: {hour}h\n    ");
            y += &match kind {
                0 => format!("rollout: {{workload: w{w}}}\n"),
                1 => format!("scale: {{workload: w{w}, replicas: {arg}}}\n"),
                2 => format!("node_failure: {{node: p-{n}, duration: 30m}}\n"),
                3 => format!("zone_outage: {{zone: z{z}, duration: 20m}}\n"),
                4 => format!("drain: {{node: p-{n}, uncordon_after: 1h}}\n"),
                5 => format!("partition: {{node: p-{n}, duration: 15m}}\n"),
                _ => "control_plane_outage: {duration: 10m}\n".to_string(),
            };
        }
        y
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn random_scenarios_keep_every_invariant(g in scenarios()) {
        let yaml = g.yaml();
        let sc = scenario::load_str(&yaml, "prop.yaml", &[])
            .map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        let a = Simulation::new(sc.clone(), g.seed).unwrap().check_invariants(true).run();
        prop_assert!(a.summary.invariant_violations.is_empty(), "{:?}\n{}", a.summary.invariant_violations, yaml);
        for (name, w) in &a.summary.workloads {
            for v in [w.service_availability, w.slo_attainment, w.request_success_ratio] {
                prop_assert!((0.0..=1.0).contains(&v), "{name}: {v}\n{yaml}");
            }
            prop_assert!(w.downtime_s >= 0.0 && w.downtime_s <= 2.0 * 86400.0);
        }
        let c = &a.summary.cluster;
        for v in [c.cpu_allocation, c.memory_allocation, c.cpu_usage] {
            prop_assert!((0.0..=1.0).contains(&v), "{v}\n{yaml}");
        }
        let mut last = 0;
        for e in &a.events {
            prop_assert!(e.time_ms >= last, "time went backwards in the event log\n{yaml}");
            last = e.time_ms;
        }
        let b = Simulation::new(sc, g.seed).unwrap().run();
        prop_assert_eq!(a.events_csv(), b.events_csv());
        prop_assert_eq!(a.timeseries_csv(), b.timeseries_csv());
    }
}
