//! The hold model shared by `benches/engine.rs` and `benches/table.rs`:
//! pop the earliest event, push one a pseudo-random increment later, with a
//! trivial handler; the same loop on a bare `BinaryHeap` with entries of the
//! engine's entry size is the physical baseline.

use kubesim::engine::{Engine, SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Increments from a fixed LCG, identical for both contenders.
pub fn increments(n: usize) -> Vec<u64> {
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

/// An engine holding the first `pending` increments as events.
pub fn engine_with(inc: &[u64]) -> Engine<u32> {
    let mut e: Engine<u32> = Engine::new();
    for (i, d) in inc.iter().enumerate() {
        e.schedule_at(SimTime(*d), i as u32);
    }
    e
}

/// One hold per increment: pop the earliest event, schedule it again `d` later.
pub fn engine_holds(e: &mut Engine<u32>, inc: &[u64]) {
    for d in inc {
        let (_, x) = e.pop().expect("pending");
        e.schedule_in(SimDuration(*d), x);
    }
}

/// Same layout as the engine's queue entry: time, sequence, slot, payload.
pub struct Bare {
    time: u64,
    seq: u64,
    slot: u32,
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

/// A bare heap holding the increments, and the next sequence number.
pub fn bare_with(inc: &[u64]) -> (BinaryHeap<Bare>, u64) {
    let mut h = BinaryHeap::with_capacity(inc.len());
    for (i, d) in inc.iter().enumerate() {
        h.push(Bare {
            time: *d,
            seq: i as u64,
            slot: i as u32,
            payload: i as u32,
        });
    }
    (h, inc.len() as u64)
}

/// The engine's hold loop on the bare heap.
pub fn bare_holds(h: &mut BinaryHeap<Bare>, seq: &mut u64, inc: &[u64]) {
    for d in inc {
        let top = h.pop().expect("pending");
        *seq += 1;
        h.push(Bare {
            time: top.time + d,
            seq: *seq,
            slot: top.slot,
            payload: top.payload,
        });
    }
}
