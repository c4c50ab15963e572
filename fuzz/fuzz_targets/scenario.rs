//! Fuzz target: any text given to the scenario loader (with and without a
//! `--set`) must give a scenario or a list of diagnostics, never a panic;
//! small valid scenarios are also simulated.
#![no_main]

use kubesim::scenario;
use kubesim::sim::Simulation;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = scenario::load_str(text, "fuzz.yaml", &["workloads.0.replicas=2".to_string()]);
    let Ok(sc) = scenario::load_str(text, "fuzz.yaml", &[]) else {
        return;
    };
    // Keep each input fast: simulate only small clusters for short spans.
    let nodes: u32 = sc.cluster.node_pools.iter().map(|p| p.count).sum();
    let replicas: u32 = sc.workloads.iter().map(|w| w.replicas).sum();
    if nodes <= 50 && replicas <= 200 && sc.duration.as_millis() <= 7 * 86_400_000 {
        if let Ok(sim) = Simulation::new(sc, 1) {
            let r = sim.run();
            assert!(r.summary.invariant_violations.is_empty(), "{:?}", r.summary.invariant_violations);
        }
    }
});
