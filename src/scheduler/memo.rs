//! Per-node memo of the resource scores, the scheduling cycle's hot spot.
//!
//! NodeResourcesFit and BalancedAllocation score a node from four integers
//! only: its CPU and memory requests with the incoming pod added, and its
//! allocatable CPU and memory. Between two cycles almost every node keeps
//! those four numbers (a cycle binds one pod; a few pods leave), and
//! consecutive pods of one workload ask for the same amounts, so most
//! scores of a cycle were already computed by the previous one. Each node
//! keeps its last inputs and scores per plugin; a score is reused only when
//! the inputs are equal, so the memo never needs invalidating and can never
//! change a result (the integer divisions and float arithmetic it saves are
//! about a third of a batch cycle). Kubernetes has no such cache: it
//! recomputes every score every cycle, with the same result.

use crate::model::NodeId;
use crate::scheduler::score::ResourceUse;
use std::cell::Cell;

/// The inputs of a resource score: CPU then memory, each as
/// `(requested with the pod, allocatable)`.
pub type ResourceKey = [ResourceUse; 2];

/// Which memoized score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoSlot {
    /// NodeResourcesFit's score (for the scheduler's one configured strategy).
    Fit = 0,
    /// NodeResourcesBalancedAllocation's score.
    Balanced = 1,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    key: ResourceKey,
    score: i64,
}

// Never a real key: amounts are `u64` values far below `i64::MAX`, never
// negative.
const EMPTY: Entry = Entry {
    key: [ResourceUse {
        requested: i64::MIN,
        allocatable: i64::MIN,
    }; 2],
    score: 0,
};

/// The last inputs and scores of each node, per [`MemoSlot`]. Owned by the
/// scheduler, shared by its cycles (including preemption's dry runs, whose
/// altered states simply miss).
#[derive(Debug, Default)]
pub struct ScoreMemo {
    // Two entries per node: [Fit, Balanced].
    entries: Vec<Cell<Entry>>,
}

impl Clone for ScoreMemo {
    /// A clone starts empty: the memo is a cache, not state.
    fn clone(&self) -> Self {
        ScoreMemo::default()
    }
}

impl ScoreMemo {
    /// Makes room for `nodes` nodes (ids `0..nodes`).
    pub fn ensure(&mut self, nodes: usize) {
        if self.entries.len() < 2 * nodes {
            self.entries.resize(2 * nodes, Cell::new(EMPTY));
        }
    }

    /// The score of `node` in `slot` for `key`: the remembered one if the
    /// node's last inputs were `key`, else `compute(key)`, remembered.
    #[inline]
    pub fn get_or(
        &self,
        slot: MemoSlot,
        node: NodeId,
        key: ResourceKey,
        compute: impl FnOnce(&ResourceKey) -> i64,
    ) -> i64 {
        let Some(cell) = self.entries.get(2 * node.idx() + slot as usize) else {
            return compute(&key);
        };
        let e = cell.get();
        if e.key == key {
            return e.score;
        }
        let score = compute(&key);
        cell.set(Entry { key, score });
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(cpu: i64, mem: i64) -> ResourceKey {
        [
            ResourceUse {
                requested: cpu,
                allocatable: 8000,
            },
            ResourceUse {
                requested: mem,
                allocatable: 1 << 30,
            },
        ]
    }

    #[test]
    fn reuses_only_for_equal_inputs_and_per_slot() {
        let mut memo = ScoreMemo::default();
        memo.ensure(2);
        let calls = Cell::new(0);
        let score = |k: &ResourceKey| {
            calls.set(calls.get() + 1);
            k[0].requested
        };
        let n = NodeId(1);
        assert_eq!(memo.get_or(MemoSlot::Fit, n, key(10, 5), score), 10);
        assert_eq!(memo.get_or(MemoSlot::Fit, n, key(10, 5), score), 10);
        assert_eq!(calls.get(), 1);
        // Another slot, another node, other inputs: computed again.
        memo.get_or(MemoSlot::Balanced, n, key(10, 5), score);
        memo.get_or(MemoSlot::Fit, NodeId(0), key(10, 5), score);
        assert_eq!(memo.get_or(MemoSlot::Fit, n, key(10, 6), score), 10);
        assert_eq!(memo.get_or(MemoSlot::Fit, n, key(11, 6), score), 11);
        assert_eq!(calls.get(), 5);
        // Beyond the nodes made room for: computed, never stored.
        memo.get_or(MemoSlot::Fit, NodeId(7), key(1, 1), score);
        memo.get_or(MemoSlot::Fit, NodeId(7), key(1, 1), score);
        assert_eq!(calls.get(), 7);
    }
}
