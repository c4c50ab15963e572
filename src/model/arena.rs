//! Storage for objects with ids handed out in increasing order, whose
//! entries can be released when nothing refers to them any more.
//!
//! Ids are never reused, so ordering by id stays creation order (and runs
//! reproducible); a released entry gives its memory back and keeps only its
//! 4-byte index slot. A run that creates and deletes pods for a simulated
//! year thus holds the pods that exist (plus 4 bytes per pod ever created),
//! not every pod it ever made.

use super::{DeploymentId, Pod, PodId, RsId};
use crate::engine::SimTime;
use crate::units::{Bytes, MilliCpu};
use std::cell::Cell;

const VACANT: u32 = u32::MAX;

/// Compaction waits for at least this many vacant slots.
const MIN_VACANT: usize = 32;

/// Objects by id: an id-to-slot index, and slots in insertion order
/// (creation order for pods, so that pods made together lie together in
/// memory, as in a plain `Vec`). Slot 0 holds a filler value that absent
/// ids map to, so a lookup is two loads and no branch. Removed entries
/// leave a vacant slot; when vacant slots outnumber the others the slots
/// are compacted, in order, so memory stays within twice the entries
/// present.
#[derive(Clone, Debug)]
pub struct IdMap<T> {
    /// Slot of each id; 0 when absent.
    index: Vec<u32>,
    slots: Vec<T>,
    /// The id of each slot; `VACANT` for slot 0 and removed entries.
    slot_ids: Vec<u32>,
    vacant: usize,
    /// Ids were inserted in increasing order, so slot order is id order.
    ordered: bool,
}

impl<T: Clone + Default> Default for IdMap<T> {
    fn default() -> Self {
        Self::with_filler(T::default())
    }
}

impl<T: Clone> IdMap<T> {
    /// An empty map whose absent ids read as `filler`
    /// ([`IdMap::get_or_filler`]).
    pub fn with_filler(filler: T) -> Self {
        IdMap {
            index: Vec::new(),
            slots: vec![filler],
            slot_ids: vec![VACANT],
            vacant: 0,
            ordered: true,
        }
    }

    /// One past the highest id ever inserted.
    pub fn id_bound(&self) -> usize {
        self.index.len()
    }

    /// Entries present.
    pub fn len(&self) -> usize {
        self.slots.len() - 1 - self.vacant
    }

    /// True when no entry is present.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots in use, vacant ones included (at most about twice the entries).
    pub fn slots(&self) -> usize {
        self.slots.len() - 1
    }

    #[inline]
    fn slot(&self, id: usize) -> usize {
        self.index.get(id).map_or(0, |&s| s as usize)
    }

    /// The entry of `id`, if present.
    #[inline]
    pub fn get(&self, id: usize) -> Option<&T> {
        match self.slot(id) {
            0 => None,
            s => Some(&self.slots[s]),
        }
    }

    /// The entry of `id`, or the filler if it has none.
    #[inline]
    pub fn get_or_filler(&self, id: usize) -> &T {
        &self.slots[self.slot(id)]
    }

    /// The entry of `id`, if present.
    #[inline]
    pub fn get_mut(&mut self, id: usize) -> Option<&mut T> {
        match self.slot(id) {
            0 => None,
            s => Some(&mut self.slots[s]),
        }
    }

    /// Sets the entry of `id`, returning the one it replaces.
    pub fn insert(&mut self, id: usize, value: T) -> Option<T> {
        let s = self.slot(id);
        if s != 0 {
            return Some(std::mem::replace(&mut self.slots[s], value));
        }
        if self.index.len() > id + 1 || self.index.get(id).is_some() {
            // Lower than an id inserted before (the index reaches past it).
            self.ordered = false;
        }
        if self.index.len() <= id {
            self.index.resize(id + 1, 0);
        }
        let id32 = u32::try_from(id)
            .ok()
            .filter(|&i| i != VACANT)
            .expect("ids below 2^32 - 1");
        self.index[id] = u32::try_from(self.slots.len()).expect("fewer than 2^32 slots");
        self.slots.push(value);
        self.slot_ids.push(id32);
        None
    }

    /// Removes the entry of `id`, giving its memory back.
    pub fn remove(&mut self, id: usize) -> Option<T> {
        let s = self.slot(id);
        if s == 0 {
            return None;
        }
        self.index[id] = 0;
        self.slot_ids[s] = VACANT;
        self.vacant += 1;
        let filler = self.slots[0].clone();
        let value = std::mem::replace(&mut self.slots[s], filler);
        if self.vacant >= MIN_VACANT && 2 * self.vacant > self.slots.len() {
            self.compact();
        }
        Some(value)
    }

    /// Drops the vacant slots, keeping the others in order.
    fn compact(&mut self) {
        let mut w = 1;
        for r in 1..self.slots.len() {
            let id = self.slot_ids[r];
            if id != VACANT {
                self.slots.swap(r, w);
                self.slot_ids[w] = id;
                self.index[id as usize] = w as u32;
                w += 1;
            }
        }
        self.slots.truncate(w);
        self.slot_ids.truncate(w);
        self.vacant = 0;
        if self.slots.capacity() > 4 * w.max(16) {
            self.slots.shrink_to(2 * w);
            self.slot_ids.shrink_to(2 * w);
        }
    }

    /// Ids present, in increasing order.
    pub fn ids(&self) -> Vec<usize> {
        let mut ids: Vec<usize> = self
            .slot_ids
            .iter()
            .filter(|&&id| id != VACANT)
            .map(|&id| id as usize)
            .collect();
        if !self.ordered {
            ids.sort_unstable();
        }
        ids
    }

    /// Entries present with their ids, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &T)> + '_ {
        let ordered = self.ordered.then(|| {
            self.slots
                .iter()
                .zip(&self.slot_ids)
                .filter(|(_, id)| **id != VACANT)
                .map(|(v, &id)| (id as usize, v))
        });
        let sorted = (!self.ordered).then(|| {
            self.ids()
                .into_iter()
                .map(|id| (id, self.get_or_filler(id)))
        });
        ordered
            .into_iter()
            .flatten()
            .chain(sorted.into_iter().flatten())
    }
}

impl<T: Clone> std::ops::Index<usize> for IdMap<T> {
    type Output = T;
    /// # Panics
    /// If `id` has no entry (a kubesim bug, as for a `Vec` index).
    #[inline]
    fn index(&self, id: usize) -> &T {
        self.get(id).expect("an entry for this id")
    }
}

impl<T: Clone> std::ops::IndexMut<usize> for IdMap<T> {
    #[inline]
    fn index_mut(&mut self, id: usize) -> &mut T {
        self.get_mut(id).expect("an entry for this id")
    }
}

/// The pods of a cluster, by [`PodId`]: a `Vec`-like arena whose gone pods
/// can be released once nothing refers to them (`sim::reclaim`).
///
/// Indexing a released (or never created) id yields a stand-in that looks
/// like a pod that is gone, and counts the access (reads in debug builds,
/// writes always): such an access means some reference was missed when the
/// pod was released, and the run reports it as an invariant violation
/// ([`PodArena::released_reads`]).
#[derive(Clone, Debug)]
pub struct PodArena {
    /// Its filler is the stand-in for released ids.
    map: IdMap<Pod>,
    scratch: Pod,
    released_reads: Cell<u64>,
    held_peak: usize,
}

impl Default for PodArena {
    fn default() -> Self {
        let mut tombstone = Pod::new(
            RsId(0),
            DeploymentId(0),
            MilliCpu(0),
            Bytes(0),
            0,
            SimTime::ZERO,
            0,
        );
        tombstone.gone = true;
        tombstone.deleted_at = Some(SimTime::ZERO);
        PodArena {
            scratch: tombstone.clone(),
            map: IdMap::with_filler(tombstone),
            released_reads: Cell::new(0),
            held_peak: 0,
        }
    }
}

impl PodArena {
    /// Adds a pod; its id is [`PodArena::len`] before the call.
    pub fn push(&mut self, pod: Pod) {
        let id = self.map.id_bound();
        self.map.insert(id, pod);
        self.held_peak = self.held_peak.max(self.map.len());
    }

    /// Most pods held at once so far.
    pub fn held_peak(&self) -> usize {
        self.held_peak
    }

    /// Number of ids handed out (the next pod's id), released ones included,
    /// as for a `Vec` that never shrinks.
    pub fn len(&self) -> usize {
        self.map.id_bound()
    }

    /// True when no pod was ever created.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pods held in memory (not released).
    pub fn held(&self) -> usize {
        self.map.len()
    }

    /// The pod with index `i`, unless it was released.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&Pod> {
        self.map.get(i)
    }

    /// Whether `pod` was released.
    pub fn is_released(&self, pod: PodId) -> bool {
        pod.idx() < self.len() && self.map.get(pod.idx()).is_none()
    }

    /// Gives a gone pod's memory back. Its id is never reused.
    pub fn release(&mut self, pod: PodId) {
        self.map.remove(pod.idx());
    }

    /// Pods held, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Pod> + '_ {
        self.map.iter().map(|(_, p)| p)
    }

    /// Pods held with their ids, in id order.
    pub fn iter_ids(&self) -> impl Iterator<Item = (PodId, &Pod)> + '_ {
        self.map.iter().map(|(i, p)| (PodId(i as u32), p))
    }

    /// Reads of released pods so far (each one a kubesim bug).
    pub fn released_reads(&self) -> u64 {
        self.released_reads.get()
    }

    fn stale(&self) {
        self.released_reads.set(self.released_reads.get() + 1);
    }
}

impl std::ops::Index<usize> for PodArena {
    type Output = Pod;
    #[inline]
    fn index(&self, i: usize) -> &Pod {
        let p = self.map.get_or_filler(i);
        // Counting reads costs a branch in the hottest lookup: debug builds
        // (every test) count them, release builds only writes.
        if cfg!(debug_assertions) && std::ptr::eq(p, self.map.get_or_filler(usize::MAX)) {
            self.stale();
        }
        p
    }
}

impl std::ops::IndexMut<usize> for PodArena {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut Pod {
        if self.map.get(i).is_none() {
            self.stale();
            self.scratch = self.map.get_or_filler(usize::MAX).clone();
            return &mut self.scratch;
        }
        self.map.get_mut(i).expect("present")
    }
}

impl<'a> IntoIterator for &'a PodArena {
    type Item = &'a Pod;
    type IntoIter = Box<dyn Iterator<Item = &'a Pod> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(cpu: u64) -> Pod {
        Pod::new(
            RsId(0),
            DeploymentId(0),
            MilliCpu(cpu),
            Bytes(0),
            0,
            SimTime::ZERO,
            0,
        )
    }

    #[test]
    fn id_map_compacts_in_order() {
        let mut m: IdMap<u32> = IdMap::default();
        for id in 0..100 {
            m.insert(id, id as u32 * 10);
        }
        // Removing 51 of 100 leaves 51 vacant slots of 100: more than half,
        // so the map compacts to the 49 entries left, still in id order.
        for id in (0..100).filter(|id| id % 2 == 0 || *id < 2) {
            m.remove(id);
        }
        assert_eq!((m.len(), m.slots(), m.id_bound()), (49, 49, 100));
        assert_eq!(m.ids(), (3..100).step_by(2).collect::<Vec<_>>());
        assert_eq!(m.get(51), Some(&510));
        assert_eq!(m.get(50), None);
        // Out-of-order inserts are still listed in id order.
        m.insert(4, 40);
        assert_eq!(
            m.iter().take(3).collect::<Vec<_>>(),
            [(3, &30), (4, &40), (5, &50)]
        );
    }

    #[test]
    fn released_pods_read_as_gone_and_ids_are_not_reused() {
        let mut a = PodArena::default();
        for i in 0..3 {
            a.push(pod(i));
        }
        a.release(PodId(1));
        a.push(pod(3));
        // Ids 0, 2, 3 held; the slot of id 1 stays vacant until compaction.
        assert_eq!((a.len(), a.held(), a.map.slots()), (4, 3, 4));
        assert_eq!(a[3].cpu, MilliCpu(3));
        assert_eq!(
            a.iter_ids()
                .map(|(id, p)| (id.0, p.cpu.0))
                .collect::<Vec<_>>(),
            [(0, 0), (2, 2), (3, 3)]
        );
        assert!(a.is_released(PodId(1)) && !a.is_released(PodId(4)));
        assert_eq!(a.released_reads(), 0);
        // A read of the released pod sees a gone pod, and is counted.
        assert!(a[1].gone && !a[1].is_active());
        a[1].cpu = MilliCpu(9);
        assert_eq!(a[1].cpu, MilliCpu(0));
        assert_eq!(a.released_reads(), 4);
    }
}
