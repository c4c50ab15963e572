//! Traffic at scale:
//! - `requests_1m`: one million requests in requests mode (1000 req/s for
//!   1000 s over 10 pods with 4 slots each, exponential 20 ms service,
//!   round robin; utilization 0.5): two engine events per request;
//! - `diurnal_hpa_30d`: the shipped `scaling-diurnal-hpa` scenario (fluid,
//!   diurnal with a spike, HPA, Poisson noise per second) run for 30 days;
//! - `diurnal_hpa_30d_no_noise`: the same without noise (only the exact
//!   integrals between events).
//!
//! Each iteration builds and runs the simulation from the parsed scenario.
//! Items/s are requests (first) or engine events (others) per second.
//!
//! Run: `cargo bench --bench traffic`.

use divan::counter::ItemsCount;
use kubesim::scenario::{self, Scenario};
use kubesim::sim::Simulation;

fn main() {
    divan::main();
}

const REQUESTS: &str = "\
name: requests-1m
duration: 1000s
sample_interval: 10s
cluster:
  node_pools:
    - {name: p, count: 10, cpu: 8, memory: 32Gi}
workloads:
  - name: api
    replicas: 10
    cpu: 1
    memory: 1Gi
    traffic:
      mode: requests
      rate: 1000
      service_time: {dist: exponential, mean: 20ms}
      concurrency: 4
      load_balancer: round_robin
";

const DIURNAL: &str = include_str!("../scenarios/scaling-diurnal-hpa.yaml");

fn load(yaml: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    scenario::load_str(yaml, "bench.yaml", &sets).expect("bench scenario loads")
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn requests_1m(bencher: divan::Bencher) {
    let sc = load(REQUESTS, &[]);
    let offered = Simulation::new(sc.clone(), 1)
        .expect("supported")
        .run()
        .summary
        .workloads["api"]
        .requests_offered;
    bencher
        .counter(ItemsCount::new(offered as u64))
        .with_inputs(|| sc.clone())
        .bench_local_values(|sc| Simulation::new(sc, 1).expect("supported").run());
}

fn diurnal(bencher: divan::Bencher, sets: &[&str]) {
    let sc = load(DIURNAL, sets);
    let events = Simulation::new(sc.clone(), 1)
        .expect("supported")
        .run()
        .summary
        .events;
    bencher
        .counter(ItemsCount::new(events))
        .with_inputs(|| sc.clone())
        .bench_local_values(|sc| Simulation::new(sc, 1).expect("supported").run());
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn diurnal_hpa_30d(bencher: divan::Bencher) {
    diurnal(bencher, &["duration=30d"]);
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn diurnal_hpa_30d_no_noise(bencher: divan::Bencher) {
    diurnal(
        bencher,
        &["duration=30d", "workloads.web.traffic.noise=none"],
    );
}
