//! The pending-event set: a binary heap keyed by (time, sequence).

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Identifies one scheduled event, for cancellation. An id goes stale once
/// its event fires or is cancelled; cancelling a stale id does nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId {
    slot: u32,
    generation: u32,
}

struct Entry<E> {
    time: SimTime,
    seq: u64,
    slot: u32,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

#[derive(Clone, Copy, Default)]
struct Slot {
    generation: u32,
    cancelled: bool,
}

/// Pending events in (time, insertion order).
///
/// Cancellation is lazy and O(1): each pending event owns a slot in a small
/// slab; cancelling flags the slot, and the entry is dropped when it reaches
/// the top of the heap. Slots are recycled with a new generation, so memory
/// stays proportional to the number of pending events, not to all events
/// ever scheduled, and stale ids cannot cancel a later event.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    slots: Vec<Slot>,
    free: Vec<u32>,
    cancelled: usize,
}

impl<E> std::fmt::Debug for EventQueue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue")
            .field("pending", &self.len())
            .finish()
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
            slots: Vec::new(),
            free: Vec::new(),
            cancelled: 0,
        }
    }

    /// Number of pending events, cancelled ones excluded.
    pub fn len(&self) -> usize {
        self.heap.len() - self.cancelled
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds an event; equal times keep insertion order.
    pub fn push(&mut self, time: SimTime, event: E) -> EventId {
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(Slot::default());
                u32::try_from(self.slots.len() - 1).expect("more than 2^32 pending events")
            }
        };
        self.heap.push(Entry {
            time,
            seq,
            slot,
            event,
        });
        EventId {
            slot,
            generation: self.slots[slot as usize].generation,
        }
    }

    /// Cancels a pending event; false if it already fired or was cancelled.
    pub fn cancel(&mut self, id: EventId) -> bool {
        match self.slots.get_mut(id.slot as usize) {
            Some(s) if s.generation == id.generation && !s.cancelled => {
                s.cancelled = true;
                self.cancelled += 1;
                true
            }
            _ => false,
        }
    }

    /// The pending events (cancelled ones excluded), in no particular order.
    pub fn pending_events(&self) -> impl Iterator<Item = &E> + '_ {
        self.heap
            .iter()
            .filter(|e| !self.slots[e.slot as usize].cancelled)
            .map(|e| &e.event)
    }

    /// Time of the earliest pending event.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(top) = self.heap.peek() {
            if !self.slots[top.slot as usize].cancelled {
                return Some(top.time);
            }
            let e = self.heap.pop().expect("peeked");
            self.release(e.slot);
        }
        None
    }

    /// Removes and returns the earliest pending event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        loop {
            let e = self.heap.pop()?;
            if !self.release(e.slot) {
                return Some((e.time, e.event));
            }
        }
    }

    /// Frees a slot; returns whether its event had been cancelled.
    fn release(&mut self, slot: u32) -> bool {
        let s = &mut self.slots[slot as usize];
        let was_cancelled = s.cancelled;
        s.cancelled = false;
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
        if was_cancelled {
            self.cancelled -= 1;
        }
        was_cancelled
    }
}
