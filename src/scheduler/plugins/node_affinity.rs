//! NodeAffinity (upstream `nodeaffinity/node_affinity.go` and
//! `component-helpers/scheduling/corev1/nodeaffinity`).
//!
//! Filter: the node must carry every `node_selector` label AND satisfy the
//! required node affinity (terms ORed, expressions ANDed). Score: the sum of
//! the weights of the preferred terms the node satisfies, normalized so the
//! best node gets 100.

use crate::model::{Node, NodeId};
use crate::scenario::Workload;
use crate::scheduler::cycle::{Code, CycleContext, FilterPlugin, Rejection, ScorePlugin};
use crate::scheduler::score::{self, MAX_NODE_SCORE};

/// Upstream plugin name.
pub const NAME: &str = "NodeAffinity";
/// Upstream `ErrReasonPod`.
pub const REASON: &str = "node(s) didn't match Pod's node affinity/selector";

/// Whether `node` satisfies the workload's node selector and required node
/// affinity (upstream `GetRequiredNodeAffinity(pod).Match(node)`), which
/// PodTopologySpread also uses for `nodeAffinityPolicy: Honor`.
pub fn required_matches(w: &Workload, node: &Node, zones: &[String]) -> bool {
    let label = |k: &str| super::node_label(node, zones, k);
    w.node_selector
        .iter()
        .all(|(k, v)| label(k) == Some(v.as_str()))
        && (w.affinity.node.required.is_empty()
            || w.affinity.node.required.iter().any(|t| t.matches(label)))
}

/// Whether the workload constrains nodes at all (when not, every node
/// matches and callers skip the check).
pub fn has_required(w: &Workload) -> bool {
    !w.node_selector.is_empty() || !w.affinity.node.required.is_empty()
}

struct Filter<'a> {
    workload: &'a Workload,
}

/// PreFilter: skipped when the pod has neither a node selector nor required
/// node affinity.
pub fn pre_filter<'a>(cx: &CycleContext<'a>) -> Option<Box<dyn FilterPlugin + 'a>> {
    has_required(cx.workload).then(|| {
        Box::new(Filter {
            workload: cx.workload,
        }) as Box<dyn FilterPlugin + 'a>
    })
}

impl FilterPlugin for Filter<'_> {
    fn name(&self) -> &'static str {
        NAME
    }

    fn filter(&self, cx: &CycleContext<'_>, node: NodeId) -> Result<(), Rejection> {
        if required_matches(self.workload, cx.node(node), cx.zones) {
            Ok(())
        } else {
            Err(Rejection::new(Code::UnschedulableAndUnresolvable, REASON))
        }
    }
}

struct Score<'a> {
    workload: &'a Workload,
}

/// PreScore: skipped when the pod has no preferred terms.
pub fn pre_score<'a>(cx: &CycleContext<'a>, _: &[NodeId]) -> Option<Box<dyn ScorePlugin + 'a>> {
    (!cx.workload.affinity.node.preferred.is_empty()).then(|| {
        Box::new(Score {
            workload: cx.workload,
        }) as Box<dyn ScorePlugin + 'a>
    })
}

impl ScorePlugin for Score<'_> {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Σ weights of the matching preferred terms (`PreferredSchedulingTerms.Score`).
    fn score(&self, cx: &CycleContext<'_>, node: NodeId) -> i64 {
        let n = cx.node(node);
        self.workload
            .affinity
            .node
            .preferred
            .iter()
            .filter(|p| p.term.matches(|k| super::node_label(n, cx.zones, k)))
            .map(|p| i64::from(p.weight))
            .sum()
    }

    fn normalize(&self, scores: &mut [i64]) {
        score::default_normalize_score(scores, MAX_NODE_SCORE, false);
    }
}
