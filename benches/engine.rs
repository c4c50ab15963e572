//! Engine throughput: the hold model (pop the earliest event, push one a
//! random increment later) with a trivial handler, at 10^3 and 10^6 pending
//! events, next to a bare `BinaryHeap` doing the same with entries of the same
//! size: the physical baseline the engine is measured against.
//!
//! Run: `cargo bench --bench engine`. Items/s are events per second.
//! `cargo bench --bench table` prints the ratio with the other benchmarks.

use divan::counter::ItemsCount;

#[path = "common/hold.rs"]
mod hold;

fn main() {
    divan::main();
}

const HOLDS: usize = 100_000;

#[divan::bench(args = [1_000, 1_000_000], sample_count = 20)]
fn engine_hold(bencher: divan::Bencher, pending: usize) {
    let inc = hold::increments(pending + HOLDS);
    bencher
        .counter(ItemsCount::new(HOLDS))
        .with_inputs(|| hold::engine_with(&inc[..pending]))
        .bench_local_values(|mut e| {
            hold::engine_holds(&mut e, &inc[pending..]);
            e
        });
}

#[divan::bench(args = [1_000, 1_000_000], sample_count = 20)]
fn bare_binary_heap_hold(bencher: divan::Bencher, pending: usize) {
    let inc = hold::increments(pending + HOLDS);
    bencher
        .counter(ItemsCount::new(HOLDS))
        .with_inputs(|| hold::bare_with(&inc[..pending]))
        .bench_local_values(|(mut h, mut seq)| {
            hold::bare_holds(&mut h, &mut seq, &inc[pending..]);
            (h, seq)
        });
}
