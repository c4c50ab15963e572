//! Nominated pods: a pending pod that preempted victims on a node waits for
//! them to terminate, with the node recorded as its `nominatedNodeName`
//! (upstream keeps it in the pod's status and in the scheduling queue's
//! nominator, `backend/queue/nominator.go`). While it waits, the node's
//! resources are held for it against pods of lower priority.

use super::{NodeId, PodId};
use std::collections::BTreeMap;

/// Which pending pods are nominated to which node, in both directions.
#[derive(Clone, Debug, Default)]
pub struct Nominations {
    by_pod: BTreeMap<PodId, NodeId>,
    // Per node, in nomination order (upstream's nominatedPods list).
    by_node: BTreeMap<NodeId, Vec<PodId>>,
}

impl Nominations {
    /// No pod is nominated anywhere.
    pub fn is_empty(&self) -> bool {
        self.by_pod.is_empty()
    }

    /// The node `pod` is nominated to.
    pub fn node_of(&self, pod: PodId) -> Option<NodeId> {
        self.by_pod.get(&pod).copied()
    }

    /// Pods nominated to `node`, in nomination order.
    pub fn on_node(&self, node: NodeId) -> &[PodId] {
        self.by_node.get(&node).map_or(&[], Vec::as_slice)
    }

    /// Every nomination, by pod.
    pub fn iter(&self) -> impl Iterator<Item = (PodId, NodeId)> + '_ {
        self.by_pod.iter().map(|(&p, &n)| (p, n))
    }

    /// Nominates `pod` to `node`, replacing any earlier nomination.
    pub fn set(&mut self, pod: PodId, node: NodeId) {
        self.clear(pod);
        self.by_pod.insert(pod, node);
        self.by_node.entry(node).or_default().push(pod);
    }

    /// Clears the nomination of `pod`; returns the node it had.
    pub fn clear(&mut self, pod: PodId) -> Option<NodeId> {
        let node = self.by_pod.remove(&pod)?;
        if let Some(list) = self.by_node.get_mut(&node) {
            list.retain(|p| *p != pod);
            if list.is_empty() {
                self.by_node.remove(&node);
            }
        }
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_moves_and_clear_forgets() {
        let mut n = Nominations::default();
        assert!(n.is_empty());
        n.set(PodId(1), NodeId(0));
        n.set(PodId(2), NodeId(0));
        assert_eq!(n.on_node(NodeId(0)), [PodId(1), PodId(2)]);
        n.set(PodId(1), NodeId(3));
        assert_eq!(n.on_node(NodeId(0)), [PodId(2)]);
        assert_eq!(n.node_of(PodId(1)), Some(NodeId(3)));
        assert_eq!(n.clear(PodId(2)), Some(NodeId(0)));
        assert_eq!(n.on_node(NodeId(0)), [] as [PodId; 0]);
        assert_eq!(n.clear(PodId(2)), None);
        assert_eq!(n.iter().collect::<Vec<_>>(), [(PodId(1), NodeId(3))]);
    }
}
