//! Engine throughput: the hold model (pop the earliest event, push one a
//! random increment later) with a trivial handler, at 10^3 and 10^6 pending
//! events, next to a bare `BinaryHeap` doing the same with entries of the same
//! size: the physical baseline the engine is measured against.
//!
//! Run: `cargo bench --bench engine`. Items/s are events per second.

use divan::counter::ItemsCount;
use kubesim::engine::{Engine, SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

fn main() {
    divan::main();
}

const HOLDS: usize = 100_000;

/// Increments from a fixed LCG, identical for both contenders.
fn increments(n: usize) -> Vec<u64> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % 1_000_000
        })
        .collect()
}

#[divan::bench(args = [1_000, 1_000_000], sample_count = 20)]
fn engine_hold(bencher: divan::Bencher, pending: usize) {
    let inc = increments(pending + HOLDS);
    bencher
        .counter(ItemsCount::new(HOLDS))
        .with_inputs(|| {
            let mut e: Engine<u32> = Engine::new();
            for (i, d) in inc[..pending].iter().enumerate() {
                e.schedule_at(SimTime(*d), i as u32);
            }
            e
        })
        .bench_local_values(|mut e| {
            for d in &inc[pending..] {
                let (_, x) = e.pop().expect("pending");
                e.schedule_in(SimDuration(*d), x);
            }
            e
        });
}

/// Same layout as the engine's queue entry: time, sequence, slot, payload.
struct Bare {
    time: u64,
    seq: u64,
    _slot: u32,
    payload: u32,
}
impl PartialEq for Bare {
    fn eq(&self, o: &Self) -> bool {
        (self.time, self.seq) == (o.time, o.seq)
    }
}
impl Eq for Bare {}
impl PartialOrd for Bare {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Bare {
    fn cmp(&self, o: &Self) -> Ordering {
        (o.time, o.seq).cmp(&(self.time, self.seq))
    }
}

#[divan::bench(args = [1_000, 1_000_000], sample_count = 20)]
fn bare_binary_heap_hold(bencher: divan::Bencher, pending: usize) {
    let inc = increments(pending + HOLDS);
    bencher
        .counter(ItemsCount::new(HOLDS))
        .with_inputs(|| {
            let mut h = BinaryHeap::with_capacity(pending);
            for (i, d) in inc[..pending].iter().enumerate() {
                h.push(Bare {
                    time: *d,
                    seq: i as u64,
                    _slot: i as u32,
                    payload: i as u32,
                });
            }
            (h, pending as u64)
        })
        .bench_local_values(|(mut h, mut seq)| {
            for d in &inc[pending..] {
                let top = h.pop().expect("pending");
                seq += 1;
                h.push(Bare {
                    time: top.time + d,
                    seq,
                    _slot: top._slot,
                    payload: top.payload,
                });
            }
            (h, seq)
        });
}
