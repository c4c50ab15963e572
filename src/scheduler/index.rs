//! The node index: each node's filter verdict and total score for a pod
//! class, kept across cycles and redone only for nodes that changed.
//!
//! For most pods a cycle's work is per node and depends on that node alone:
//! the filters (NodeUnschedulable, TaintToleration, NodeAffinity's required
//! terms, NodeResourcesFit) and the resource scores. Only normalization and
//! the spreading and affinity plugins look across nodes. When none of those
//! can make a difference, a node's total (`Σ weight × normalized score`) is
//! a function of the pod's class (workload, CPU and memory requests) and the
//! node's own state, so the index keeps it per node, in snapshot order, and
//! redoes a node only when the [`NodeTable`](crate::model::NodeTable) logs it
//! as handed out for mutation. A cycle then walks the kept totals from the
//! rotating start index exactly as the plain cycle walks the nodes: it stops
//! at the same `numFeasibleNodesToFind`-th feasible node, finds the same best
//! total and ties, draws the same random numbers (`selectHost`'s reservoir
//! sampling) and picks the same node. Kubernetes has no such index; the
//! results are the same as running every plugin every cycle (checked by the
//! property test `fast_cycle_matches_the_plain_one` and the golden runs).
//!
//! A class is served when, for its pods:
//! - every active filter is one whose verdict depends on the node alone
//!   ([`NODE_LOCAL_FILTERS`]);
//! - every active score plugin either scores `0..=100` from the node alone
//!   without normalizing ([`NODE_LOCAL_SCORES`]), or normalizes across nodes
//!   but then scores 0 on every node served ([`ZERO_NORMALIZED_SCORES`]:
//!   TaintToleration without untolerated PreferNoSchedule taints,
//!   NodeAffinity without preferred terms), so its normalized score is the
//!   same constant everywhere;
//! - no pod's (anti-)affinity term selects its workload and it has none
//!   (InterPodAffinity is then skipped for good, whatever is bound where).
//!
//! The index steps aside (the plain cycle runs) while a pod is nominated
//! anywhere (NodeResourcesFit then counts nominated pods), while a removed
//! node is still in the snapshot, when no node is feasible (the plain cycle
//! builds the diagnosis), and for a class seen only once lately (building
//! its totals costs a whole pass over the nodes). Service pods, which
//! PodTopologySpread's system default constraints spread, are never served.

use super::cycle::{CycleContext, FilterPlugin, NodeList, Profile, ScorePlugin, run_filters};
use super::plugins::{node_affinity, node_resources, node_unschedulable, taint_toleration};
use crate::engine::SimRng;
use crate::model::{ChangeCursor, DeploymentId, NodeId};
use crate::units::{Bytes, MilliCpu};
use rand::RngExt;

/// Filters whose verdict on a node depends only on that node and the pod's
/// class (NodeResourcesFit: while no pod is nominated).
pub const NODE_LOCAL_FILTERS: [&str; 4] = [
    node_unschedulable::NAME,
    taint_toleration::NAME,
    node_affinity::NAME,
    node_resources::FIT,
];

/// Score plugins whose score of a node depends only on that node and the
/// pod's class, already in `0..=100` (no NormalizeScore).
pub const NODE_LOCAL_SCORES: [&str; 2] = [node_resources::FIT, node_resources::BALANCED];

/// Score plugins that score each node alone but normalize across nodes:
/// served only while they score 0 on every feasible node.
pub const ZERO_NORMALIZED_SCORES: [&str; 2] = [taint_toleration::NAME, node_affinity::NAME];

/// Classes kept at once; the least recently used one makes room.
const MAX_CLASSES: usize = 8;

/// The total of an infeasible node.
const INFEASIBLE: i64 = i64::MIN;

/// What makes two pods alike for every plugin the index serves: the
/// workload (tolerations, node selector and affinity) and the requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ClassKey {
    workload: DeploymentId,
    cpu: MilliCpu,
    memory: Bytes,
}

/// Per-class node totals, in snapshot order.
#[derive(Debug)]
struct Totals {
    /// The snapshot (`NodeList::version`) the positions refer to.
    list_version: u64,
    /// How far the node table's change log was read.
    cursor: ChangeCursor,
    /// `Σ weight × normalized score` of each node, `INFEASIBLE` if a filter
    /// rejects it or it is removed.
    total: Vec<i64>,
    /// A [`Summary`] of each [`CHUNK`] consecutive totals, so a walk skips
    /// whole chunks.
    chunks: Vec<Summary>,
    /// Per node: `REMOVED` and `NONZERO` bits.
    flags: Vec<u8>,
    /// Nodes with the `REMOVED` bit.
    removed: u32,
    /// Nodes with the `NONZERO` bit.
    nonzero: u32,
}

/// A removed node, still in the snapshot.
const REMOVED: u8 = 1;
/// A feasible node that a [`ZERO_NORMALIZED_SCORES`] plugin scores non-zero.
const NONZERO: u8 = 2;

#[derive(Debug)]
enum ClassState {
    /// Seen once: the next pod of the class builds its totals.
    Seen,
    /// Some plugin looks across nodes for this class.
    NotServed,
    /// Served.
    Built(Totals),
}

#[derive(Debug)]
struct Class {
    key: ClassKey,
    last_used: u64,
    state: ClassState,
}

/// The scheduler's node index (see the module docs): up to [`MAX_CLASSES`]
/// pod classes. A clone starts empty, as it may serve another state.
#[derive(Debug, Default)]
pub struct NodeIndex {
    classes: Vec<Class>,
    clock: u64,
    served: u64,
}

impl Clone for NodeIndex {
    fn clone(&self) -> Self {
        NodeIndex::default()
    }
}

/// Where a served cycle ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    /// The chosen node.
    pub node: NodeId,
    /// Nodes visited (feasible or not), for the next start index.
    pub processed: usize,
}

/// A score plugin prepared for the cycle, with its weight and, for a
/// zero-normalized one, the normalized score of an all-zero cycle.
struct Scorer<'a> {
    plugin: Box<dyn ScorePlugin + 'a>,
    weight: i64,
    zero_normalized: Option<i64>,
}

impl NodeIndex {
    /// Cycles the index has decided so far.
    pub fn served(&self) -> u64 {
        self.served
    }

    /// The cycle's outcome if the index can decide it: the node a plain
    /// cycle from `start` looking for `to_find` feasible nodes would bind,
    /// drawing from `rng` exactly as it would. `None` leaves the cycle (and
    /// `rng`) to the plain path. `filters` are the profile's, prepared for
    /// the pod.
    #[allow(clippy::too_many_arguments)]
    pub fn try_cycle(
        &mut self,
        profile: &Profile,
        cx: &CycleContext<'_>,
        filters: &[Box<dyn FilterPlugin + '_>],
        nodes: &NodeList,
        start: usize,
        to_find: usize,
        rng: &mut SimRng,
    ) -> Option<Pick> {
        if !cx.state.nominations.is_empty() || nodes.is_empty() {
            return None;
        }
        self.clock += 1;
        let key = ClassKey {
            workload: cx.pod.deployment,
            cpu: cx.pod.cpu,
            memory: cx.pod.memory,
        };
        let Some(i) = self.class(key) else {
            // First sighting: the plain cycle runs.
            return None;
        };
        let class = &mut self.classes[i];
        class.last_used = self.clock;
        if let ClassState::Seen = class.state {
            // Its first sync reads every node, or finds it not served.
            class.state = ClassState::Built(Totals::empty(cx));
        }
        let ClassState::Built(totals) = &mut class.state else {
            return None;
        };
        // The index's filter runs must not leave TaintToleration's
        // cycle-state flag to the plain path if the index steps aside.
        let taint_free = cx.cycle_state.taint_free.get();
        let step_aside = || {
            cx.cycle_state.taint_free.set(taint_free);
            None
        };
        if !totals.sync(profile, cx, filters, nodes) {
            class.state = ClassState::NotServed;
            return step_aside();
        }
        if totals.removed > 0 || totals.nonzero > 0 {
            return step_aside();
        }
        let Some(window) = select(&totals.total, &totals.chunks, start, to_find, |k| {
            rng.random_range(0..k)
        }) else {
            return step_aside();
        };
        self.served += 1;
        Some(Pick {
            node: nodes.order()[window.chosen],
            processed: window.processed,
        })
    }

    /// The index of `key`'s class; `None` if it was not kept, and is now
    /// (as [`ClassState::Seen`]), in place of the least recently used one if
    /// need be.
    fn class(&mut self, key: ClassKey) -> Option<usize> {
        if let Some(i) = self.classes.iter().position(|c| c.key == key) {
            return Some(i);
        }
        let fresh = Class {
            key,
            last_used: self.clock,
            state: ClassState::Seen,
        };
        if self.classes.len() < MAX_CLASSES {
            self.classes.push(fresh);
        } else {
            let lru = (0..self.classes.len())
                .min_by_key(|&i| self.classes[i].last_used)
                .expect("MAX_CLASSES > 0");
            self.classes[lru] = fresh;
        }
        None
    }
}

/// The prepared score plugins if the index can serve the context's pod, by
/// the rules of the module docs.
fn scorers<'a>(
    profile: &Profile,
    cx: &CycleContext<'a>,
    filters: &[Box<dyn FilterPlugin + 'a>],
) -> Option<Vec<Scorer<'a>>> {
    if !filters
        .iter()
        .all(|f| NODE_LOCAL_FILTERS.contains(&f.name()))
    {
        return None;
    }
    // InterPodAffinity skips itself for good only without terms on either
    // side; with terms, whether it runs depends on where pods are bound.
    let me = cx.workload_id().idx();
    let a = &cx.workload.affinity;
    let no_terms = a.pod_affinity.is_empty()
        && a.pod_anti_affinity.is_empty()
        && cx.affinity.selecting(me).is_empty();
    if !no_terms {
        return None;
    }
    let mut out = Vec::new();
    for &(name, pre_score, weight) in &profile.scores {
        // PreScore of every served plugin ignores the feasible list.
        let Some(plugin) = pre_score(cx, &[]) else {
            continue;
        };
        debug_assert_eq!(plugin.name(), name);
        let zero_normalized = if NODE_LOCAL_SCORES.contains(&name) {
            None
        } else if ZERO_NORMALIZED_SCORES.contains(&name) {
            // Upstream's default normalization of all-zero scores depends on
            // the direction only, not on how many nodes there are.
            let mut zero = [0];
            plugin.normalize(&mut zero);
            Some(zero[0])
        } else {
            return None;
        };
        out.push(Scorer {
            plugin,
            weight,
            zero_normalized,
        });
    }
    Some(out)
}

impl Totals {
    fn empty(cx: &CycleContext<'_>) -> Self {
        Totals {
            list_version: u64::MAX,
            cursor: cx.state.nodes.cursor(),
            total: Vec::new(),
            chunks: Vec::new(),
            flags: Vec::new(),
            removed: 0,
            nonzero: 0,
        }
    }

    /// Redoes the nodes handed out for mutation since the last sync, or all
    /// of them if the snapshot was rebuilt, the change log is unknown or
    /// longer than the snapshot (it repeats nodes). False if the class is
    /// no longer served (the module docs' rules make that impossible today:
    /// they depend on the workload and the requests only).
    fn sync(
        &mut self,
        profile: &Profile,
        cx: &CycleContext<'_>,
        filters: &[Box<dyn FilterPlugin + '_>],
        nodes: &NodeList,
    ) -> bool {
        let table = &cx.state.nodes;
        let changed = if self.list_version == nodes.version() {
            table
                .changes_since(self.cursor)
                .filter(|ids| ids.len() < nodes.len())
        } else {
            None
        };
        if changed.is_some_and(<[NodeId]>::is_empty) {
            return true;
        }
        let Some(scorers) = scorers(profile, cx, filters) else {
            return false;
        };
        match changed {
            Some(ids) => {
                for &id in ids {
                    if let Some(pos) = nodes.position(id) {
                        self.set(pos, cx, filters, &scorers, id);
                        let c = pos / CHUNK;
                        let end = (c * CHUNK + CHUNK).min(self.total.len());
                        self.chunks[c] = Summary::of(&self.total[c * CHUNK..end]);
                    }
                }
            }
            None => {
                self.total.clear();
                self.total.resize(nodes.len(), INFEASIBLE);
                self.flags.clear();
                self.flags.resize(nodes.len(), 0);
                self.removed = 0;
                self.nonzero = 0;
                for (pos, &id) in nodes.order().iter().enumerate() {
                    self.set(pos, cx, filters, &scorers, id);
                }
                self.chunks = self.total.chunks(CHUNK).map(Summary::of).collect();
                self.list_version = nodes.version();
            }
        }
        self.cursor = table.cursor();
        true
    }

    /// Evaluates node `id` at snapshot position `pos`, as a plain cycle
    /// would: filters first, then each score plugin.
    fn set(
        &mut self,
        pos: usize,
        cx: &CycleContext<'_>,
        filters: &[Box<dyn FilterPlugin + '_>],
        scorers: &[Scorer<'_>],
        id: NodeId,
    ) {
        let mut flags = 0;
        let mut total = INFEASIBLE;
        if cx.node(id).removed {
            flags |= REMOVED;
        } else if run_filters(filters, cx, id).is_ok() {
            total = 0;
            for s in scorers {
                let raw = s.plugin.score(cx, id);
                let score = match s.zero_normalized {
                    None => raw,
                    Some(zero) => {
                        if raw != 0 {
                            flags |= NONZERO;
                        }
                        zero
                    }
                };
                total += s.weight * score;
            }
        }
        let old = std::mem::replace(&mut self.flags[pos], flags);
        self.removed =
            self.removed + u32::from(flags & REMOVED != 0) - u32::from(old & REMOVED != 0);
        self.nonzero =
            self.nonzero + u32::from(flags & NONZERO != 0) - u32::from(old & NONZERO != 0);
        self.total[pos] = total;
    }
}

/// Totals per chunk in [`Totals::chunks`]: about a tenth of a cycle's
/// window, so a walk mostly reads summaries.
pub const CHUNK: usize = 32;

/// The feasible nodes of a run of totals: how many, the best total and how
/// many have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Feasible nodes.
    pub feasible: u32,
    /// Their best total (`i64::MIN` if none).
    pub best: i64,
    /// Nodes with the best total.
    pub ties: u32,
}

impl Summary {
    const EMPTY: Summary = Summary {
        feasible: 0,
        best: INFEASIBLE,
        ties: 0,
    };

    /// The summary of `totals`.
    pub fn of(totals: &[i64]) -> Summary {
        let mut s = Summary::EMPTY;
        for &t in totals {
            s.add(t);
        }
        s
    }

    #[inline]
    fn add(&mut self, t: i64) {
        if t == INFEASIBLE {
            return;
        }
        self.feasible += 1;
        if t > self.best {
            self.best = t;
            self.ties = 1;
        } else if t == self.best {
            self.ties += 1;
        }
    }

    #[inline]
    fn merge(&mut self, o: Summary) {
        self.feasible += o.feasible;
        if o.best > self.best {
            self.best = o.best;
            self.ties = o.ties;
        } else if o.best == self.best {
            self.ties += o.ties;
        }
    }
}

/// The outcome of a walk over kept totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Position of the chosen node.
    pub chosen: usize,
    /// Positions visited.
    pub processed: usize,
}

/// The plain cycle's walk over `total` (by snapshot position, `i64::MIN`
/// for an infeasible node; `chunks` summarizes each [`CHUNK`] of them): from
/// `start`, wrapping around, until `to_find` feasible nodes are found or
/// every node was visited; then `selectHost` over the feasible ones in
/// visiting order, calling `rand_below(k)` once for each tie of the best
/// total after the first (and not at all when a single node is feasible,
/// which upstream binds without scoring). `None` when no node is feasible
/// (nothing is drawn). A chunk wholly inside the walk is read from its
/// summary: the walk costs about `window / CHUNK + 2 × CHUNK` reads, however
/// many nodes there are.
pub fn select(
    total: &[i64],
    chunks: &[Summary],
    start: usize,
    to_find: usize,
    mut rand_below: impl FnMut(u32) -> u32,
) -> Option<Window> {
    let n = total.len();
    debug_assert_eq!(chunks.len(), n.div_ceil(CHUNK));
    if n == 0 || to_find == 0 {
        return None;
    }
    let start = start % n;
    // Visiting order: [start, n), then [0, start).
    let segments = [(start, n), (0, start)];
    let mut window = Summary::EMPTY;
    let mut processed = 0;
    let mut wanted = u32::try_from(to_find).unwrap_or(u32::MAX);
    'walk: for (lo, hi) in segments {
        let mut p = lo;
        while p < hi {
            if p % CHUNK == 0 && p + CHUNK <= hi {
                let c = chunks[p / CHUNK];
                if c.feasible < wanted {
                    wanted -= c.feasible;
                    window.merge(c);
                    p += CHUNK;
                    processed += CHUNK;
                    continue;
                }
            }
            let t = total[p];
            p += 1;
            processed += 1;
            if t != INFEASIBLE {
                window.add(t);
                wanted -= 1;
                if wanted == 0 {
                    break 'walk;
                }
            }
        }
    }
    if window.feasible == 0 {
        return None;
    }
    let mut pick = 1;
    for k in 2..=window.ties {
        if rand_below(k) == 0 {
            pick = k;
        }
    }
    // The pick-th best node among the `processed` visited, in order.
    let mut left = processed;
    for (lo, hi) in segments {
        let hi = hi.min(lo + left);
        left -= hi - lo;
        let mut p = lo;
        while p < hi {
            if p % CHUNK == 0 && p + CHUNK <= hi {
                let c = chunks[p / CHUNK];
                let here = if c.best == window.best { c.ties } else { 0 };
                if here < pick {
                    pick -= here;
                    p += CHUNK;
                    continue;
                }
            }
            if total[p] == window.best {
                pick -= 1;
                if pick == 0 {
                    return Some(Window {
                        chosen: p,
                        processed,
                    });
                }
            }
            p += 1;
        }
    }
    unreachable!("the walk saw `ties` nodes with the best total")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduler::score::select_host;
    use proptest::prelude::*;

    fn chunks(total: &[i64]) -> Vec<Summary> {
        total.chunks(CHUNK).map(Summary::of).collect()
    }

    /// The plain cycle's walk: collect the feasible nodes in visiting order,
    /// bind a lone one, else `select_host`.
    fn plain(
        total: &[i64],
        start: usize,
        to_find: usize,
        rand_below: impl FnMut(u32) -> u32,
    ) -> Option<Window> {
        let n = total.len();
        if n == 0 {
            return None;
        }
        let start = start % n;
        let mut scored = Vec::new();
        let mut processed = 0;
        for p in (start..n).chain(0..start) {
            if scored.len() == to_find {
                break;
            }
            processed += 1;
            if total[p] != INFEASIBLE {
                scored.push((p, total[p]));
            }
        }
        let chosen = match scored[..] {
            [] => return None,
            [(only, _)] => only,
            _ => select_host(&scored, rand_below)?,
        };
        Some(Window { chosen, processed })
    }

    #[test]
    fn walks_from_the_start_and_wraps() {
        let x = INFEASIBLE;
        // From 3: positions 3 (x), 4 (5), 0 (7), 1 (x): the third feasible
        // one is 2, so 5 positions are visited; best 7 at position 0.
        let total = [7, x, 6, x, 5];
        let got = select(&total, &chunks(&total), 3, 3, |_| panic!("no tie"));
        assert_eq!(
            got,
            Some(Window {
                chosen: 0,
                processed: 5
            })
        );
        // Looking for 2 stops at position 0 after 3 visits.
        let got = select(&total, &chunks(&total), 3, 2, |_| panic!("no tie"));
        assert_eq!(
            got,
            Some(Window {
                chosen: 0,
                processed: 3
            })
        );
        assert_eq!(
            select(&[x, x], &chunks(&[x, x]), 1, 5, |_| panic!("no draw")),
            None
        );
    }

    #[test]
    fn ties_draw_like_select_host() {
        // Ties at positions 1, 2 and 4 in visiting order from 0: draws for
        // k = 2 (0: take position 2) and k = 3 (1: keep it).
        let total = [3, 9, 9, 1, 9];
        let mut draws = [0, 1].into_iter();
        let mut asked = Vec::new();
        let got = select(&total, &chunks(&total), 0, 5, |k| {
            asked.push(k);
            draws.next().unwrap()
        });
        assert_eq!(
            got,
            Some(Window {
                chosen: 2,
                processed: 5
            })
        );
        assert_eq!(asked, [2, 3]);
    }

    proptest! {
        /// The walk binds, visits and draws exactly like the plain cycle's.
        #[test]
        fn select_matches_the_plain_walk(
            // Up to 7 chunks, mostly feasible or mostly not.
            total in (1u32..10).prop_flat_map(|w| prop::collection::vec(
                prop_oneof![w => Just(INFEASIBLE), 10 - w => 0i64..6], 0..7 * CHUNK)),
            start in 0usize..8 * CHUNK,
            to_find in 1usize..8 * CHUNK,
            seed in any::<u64>(),
        ) {
            // Both walks draw from identical streams (an LCG, seeded alike).
            let stream = |mut s: u64| move |k: u32| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 33) % u64::from(k)) as u32
            };
            let (mut a, mut b) = (stream(seed), stream(seed));
            let mut asked_fast = Vec::new();
            let mut asked_plain = Vec::new();
            let got = select(&total, &chunks(&total), start, to_find, |k| { asked_fast.push(k); a(k) });
            let want = plain(&total, start, to_find, |k| { asked_plain.push(k); b(k) });
            prop_assert_eq!(got, want);
            prop_assert_eq!(asked_fast, asked_plain);
        }
    }
}
