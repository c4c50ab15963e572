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
use std::collections::BTreeMap;

/// A node label as the scheduler sees it: the well-known hostname and zone
/// labels every node carries, else the node's (pool's) labels.
pub fn node_label<'a>(node: &'a Node, zones: &'a [String], key: &str) -> Option<&'a str> {
    match key {
        LABEL_HOSTNAME => Some(node.name.as_str()),
        LABEL_ZONE => zones.get(node.zone).map(String::as_str),
        _ => node.labels.get(key).map(String::as_str),
    }
}

/// Sums per topology pair (upstream `topologyToMatchedTermCount` and
/// `scoreMap`): per node for the hostname key, per zone for the zone key.
/// `touched` tells an empty map from one whose entries sum to zero, as
/// upstream's map length does.
#[derive(Clone, Debug, Default)]
pub struct TopologyCounts {
    by_node: BTreeMap<NodeId, i64>,
    by_zone: Vec<i64>,
    touched: bool,
}

impl TopologyCounts {
    /// Adds `v` to the domain of `node` (id `id`) for `topology`.
    pub fn add(&mut self, topology: Topology, id: NodeId, node: &Node, v: i64) {
        self.touched = true;
        match topology {
            Topology::Hostname => *self.by_node.entry(id).or_default() += v,
            Topology::Zone => {
                if self.by_zone.len() <= node.zone {
                    self.by_zone.resize(node.zone + 1, 0);
                }
                self.by_zone[node.zone] += v;
            }
        }
    }

    /// The sum in the domain of `node` (id `id`) for `topology`.
    pub fn get(&self, topology: Topology, id: NodeId, node: &Node) -> i64 {
        match topology {
            Topology::Hostname => self.by_node.get(&id).copied().unwrap_or(0),
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
