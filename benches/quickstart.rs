//! End to end: the quickstart scenario (7 simulated days, 6 nodes, two
//! workloads, node failures, a rollout), parsed once and run from scratch in
//! each iteration. Items/s are engine events per second.
//!
//! Run: `cargo bench --bench quickstart`.

use divan::counter::ItemsCount;
use kubesim::cli::QUICKSTART_YAML;
use kubesim::scenario;
use kubesim::sim::Simulation;

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 50)]
fn quickstart_run(bencher: divan::Bencher) {
    let sc = scenario::load_str(QUICKSTART_YAML, "quickstart.yaml", &[]).expect("quickstart loads");
    let events = Simulation::new(sc.clone(), sc.seed)
        .expect("supported")
        .run()
        .summary
        .events;
    bencher
        .counter(ItemsCount::new(events))
        .with_inputs(|| sc.clone())
        .bench_local_values(|sc| Simulation::new(sc, 1).expect("supported").run());
}

#[divan::bench(sample_count = 50)]
fn quickstart_parse(bencher: divan::Bencher) {
    bencher.bench(|| scenario::load_str(QUICKSTART_YAML, "quickstart.yaml", &[]).expect("loads"));
}
