//! The plugins of the default profile, one module each, restated from
//! upstream `pkg/scheduler/framework/plugins/*`. Each module exposes its
//! PreFilter and/or PreScore entry points (see [`super::cycle::Profile`]);
//! the per-cycle state they build implements
//! [`FilterPlugin`](super::cycle::FilterPlugin) /
//! [`ScorePlugin`](super::cycle::ScorePlugin).

pub mod inter_pod_affinity;
pub mod node_affinity;
pub mod node_resources;
pub mod node_unschedulable;
pub mod taint_toleration;
pub mod topology_spread;

use crate::model::{Node, NodeId};
use crate::scenario::{LABEL_HOSTNAME, LABEL_ZONE, Topology};

/// A node label as the scheduler sees it: the well-known hostname and zone
/// labels every node carries, else the node's (pool's) labels.
pub fn node_label<'a>(node: &'a Node, zones: &'a [String], key: &str) -> Option<&'a str> {
    match key {
        LABEL_HOSTNAME => Some(node.name.as_str()),
        LABEL_ZONE => zones.get(node.zone).map(String::as_str),
        _ => node.labels.get(key).map(String::as_str),
    }
}

/// Sums per node, collected by appending and then sorted once
/// ([`NodeSums::seal`]): cheaper than a map when every cycle rebuilds it
/// from hundreds of pods, and deterministic.
#[derive(Clone, Debug, Default)]
pub struct NodeSums {
    entries: Vec<(NodeId, i64)>,
    sealed: bool,
}

impl NodeSums {
    /// Adds `v` to the sum of `node`.
    pub fn add(&mut self, node: NodeId, v: i64) {
        self.entries.push((node, v));
        self.sealed = false;
    }

    /// Sorts by node and merges the entries of each node; call once after
    /// the last `add`, before any `get`.
    pub fn seal(&mut self) {
        self.entries.sort_unstable_by_key(|&(n, _)| n);
        let mut merged: Vec<(NodeId, i64)> = Vec::with_capacity(self.entries.len());
        for &(n, v) in &self.entries {
            match merged.last_mut() {
                Some((m, s)) if *m == n => *s += v,
                _ => merged.push((n, v)),
            }
        }
        self.entries = merged;
        self.sealed = true;
    }

    /// The sum of `node` (0 if nothing was added for it).
    pub fn get(&self, node: NodeId) -> i64 {
        debug_assert!(
            self.sealed || self.entries.is_empty(),
            "NodeSums read before seal"
        );
        self.entries
            .binary_search_by_key(&node, |&(n, _)| n)
            .map_or(0, |i| self.entries[i].1)
    }

    /// Nodes with an entry (after `seal`).
    pub fn nodes(&self) -> usize {
        self.entries.len()
    }

    /// The sums, by node (after `seal`).
    pub fn sums(&self) -> impl Iterator<Item = i64> + '_ {
        self.entries.iter().map(|&(_, v)| v)
    }
}

/// Sums per topology pair (upstream `topologyToMatchedTermCount` and
/// `scoreMap`): per node for the hostname key, per zone for the zone key.
/// `touched` tells an empty map from one whose entries sum to zero, as
/// upstream's map length does. Call [`TopologyCounts::seal`] after the last
/// `add`.
#[derive(Clone, Debug, Default)]
pub struct TopologyCounts {
    by_node: NodeSums,
    by_zone: Vec<i64>,
    touched: bool,
}

impl TopologyCounts {
    /// Adds `v` to the domain of `node` (id `id`) for `topology`.
    pub fn add(&mut self, topology: Topology, id: NodeId, node: &Node, v: i64) {
        self.touched = true;
        match topology {
            Topology::Hostname => self.by_node.add(id, v),
            Topology::Zone => {
                if self.by_zone.len() <= node.zone {
                    self.by_zone.resize(node.zone + 1, 0);
                }
                self.by_zone[node.zone] += v;
            }
        }
    }

    /// Makes the counts readable (see [`NodeSums::seal`]).
    pub fn seal(&mut self) {
        self.by_node.seal();
    }

    /// The sum in the domain of `node` (id `id`) for `topology`.
    pub fn get(&self, topology: Topology, id: NodeId, node: &Node) -> i64 {
        match topology {
            Topology::Hostname => self.by_node.get(id),
            Topology::Zone => self.by_zone.get(node.zone).copied().unwrap_or(0),
        }
    }

    /// The sums of both domains of a node (what upstream adds up over
    /// the node's labels).
    pub fn node_total(&self, id: NodeId, node: &Node) -> i64 {
        self.get(Topology::Hostname, id, node) + self.get(Topology::Zone, id, node)
    }

    /// Whether nothing was ever added (upstream: the map is empty).
    pub fn is_empty(&self) -> bool {
        !self.touched
    }
}
