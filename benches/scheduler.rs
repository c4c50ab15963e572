//! One scheduling cycle (one pod through PreFilter, Filter, Score and
//! selectHost) on clusters of 100, 1,000 and 10,000 nodes with realistic
//! occupancy: 3 zones, 8-cpu / 32Gi nodes each running 0 to 14 pods of
//! 500m / 1Gi (7 on average, so about 44% of cpu requested and some nodes
//! too full for the pod), from 100 workloads.
//!
//! - `cycle`: the default profile and the adaptive percentageOfNodesToScore
//!   (all of 100 nodes; 420 of 1,000; 500 of 10,000 feasible nodes);
//! - `cycle_all_nodes`: `percentage_of_nodes_to_score: 100`, every node is
//!   filtered and scored: what the sampling saves;
//! - `cycle_constrained`: a pod with a DoNotSchedule zone spread, a
//!   preferred hostname anti-affinity to itself and another workload's
//!   required hostname anti-affinity to it (symmetric), adaptive sampling;
//! - `cycle_job`: a Job pod, which the node index serves, with the chosen
//!   node handed out mutably after each cycle (as a bind would), so the
//!   index redoes one node per cycle.
//!
//! Run: `cargo bench --bench scheduler`.

#[path = "common/sched.rs"]
mod sched;

fn main() {
    divan::main();
}

fn bench_cycle(bencher: divan::Bencher, nodes: usize, percentage: u32, constrained: bool) {
    let c = sched::cluster(nodes, constrained);
    // The cluster is not modified: every cycle schedules the same pod, from
    // the next rotating start index, like a stream of identical pods.
    let (mut s, mut rng) = sched::scheduler(&c, percentage);
    bencher.bench_local(|| s.schedule_one(&c.state, &c.workloads, c.pod, &mut rng));
}
#[divan::bench(args = [100, 1_000, 10_000], sample_count = 50)]
fn cycle(bencher: divan::Bencher, nodes: usize) {
    bench_cycle(bencher, nodes, 0, false);
}

#[divan::bench(args = [100, 1_000, 10_000], sample_count = 50)]
fn cycle_all_nodes(bencher: divan::Bencher, nodes: usize) {
    bench_cycle(bencher, nodes, 100, false);
}

#[divan::bench(args = [100, 1_000, 10_000], sample_count = 50)]
fn cycle_constrained(bencher: divan::Bencher, nodes: usize) {
    bench_cycle(bencher, nodes, 0, true);
}

#[divan::bench(args = [100, 1_000, 10_000], sample_count = 50)]
fn cycle_job(bencher: divan::Bencher, nodes: usize) {
    let mut c = sched::job_cluster(nodes);
    let (mut s, mut rng) = sched::scheduler(&c, 0);
    bencher.bench_local(|| sched::cycle_touching_the_choice(&mut s, &mut c, &mut rng));
}
