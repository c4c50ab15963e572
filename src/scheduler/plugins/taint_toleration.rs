//! TaintToleration (upstream `tainttoleration/taint_toleration.go`).
//!
//! Filter: the first NoSchedule or NoExecute taint of the node that the pod
//! does not tolerate rejects it. Score: the number of PreferNoSchedule
//! taints the pod does not tolerate, normalized in reverse (fewer is
//! better).
//!
//! A node's taints are its pool's, then those the control plane adds: a
//! cordoned node carries `node.kubernetes.io/unschedulable:NoSchedule`, a
//! NotReady one `node.kubernetes.io/unreachable` with NoSchedule and
//! NoExecute. Every pod tolerates `not-ready` and `unreachable` NoExecute
//! (its own tolerations, or those the DefaultTolerationSeconds admission
//! plugin adds), so the NoSchedule taint is the one that keeps new pods off
//! a NotReady node.

use crate::model::{Node, NodeId, tolerates};
use crate::scenario::{Taint, TaintEffect, Toleration};
use crate::scheduler::cycle::{Code, CycleContext, FilterPlugin, Rejection, ScorePlugin};
use crate::scheduler::score::{self, MAX_NODE_SCORE};
use std::cell::OnceCell;

pub use crate::controllers::taint_eviction::{NOT_READY, UNREACHABLE};

/// Upstream plugin name.
pub const NAME: &str = "TaintToleration";
/// The filter's reason for the control plane's NoSchedule unreachable taint,
/// formatted as upstream formats every untolerated taint (`{key: value}`).
pub const UNREACHABLE_REASON: &str =
    "node(s) had untolerated taint {node.kubernetes.io/unreachable: }";
const UNSCHEDULABLE_REASON: &str =
    "node(s) had untolerated taint {node.kubernetes.io/unschedulable: }";

/// The taints the control plane adds to a node, in the order the node
/// lifecycle controller adds them.
pub fn control_plane_taints(node: &Node) -> impl Iterator<Item = Taint> {
    let taint = |key: &str, effect| Taint {
        key: key.to_string(),
        value: String::new(),
        effect,
    };
    let mut v = Vec::new();
    if node.unschedulable {
        v.push(taint(
            super::node_unschedulable::TAINT_KEY,
            TaintEffect::NoSchedule,
        ));
    }
    if !node.ready {
        v.push(taint(UNREACHABLE, TaintEffect::NoSchedule));
        v.push(taint(UNREACHABLE, TaintEffect::NoExecute));
    }
    v.into_iter()
}

struct Filter<'a> {
    tolerations: &'a [Toleration],
    // The admission defaults, built the first time a node has a taint to
    // check: most nodes have none, and building them allocates.
    defaults: OnceCell<Vec<Toleration>>,
}

impl Filter<'_> {
    fn tolerated(&self, taint: &Taint) -> bool {
        self.tolerations.iter().any(|t| tolerates(t, taint))
            || self
                .defaults
                .get_or_init(|| {
                    crate::controllers::taint_eviction::admission_defaults(
                        self.tolerations,
                        crate::engine::SimDuration::ZERO,
                    )
                })
                .iter()
                .any(|t| tolerates(t, taint))
    }
}

/// PreFilter: the pod's tolerations, with the admission defaults (the
/// seconds only matter to taint-based eviction).
pub fn pre_filter<'a>(cx: &CycleContext<'a>) -> Option<Box<dyn FilterPlugin + 'a>> {
    cx.cycle_state.taint_free.set(Some(true));
    Some(Box::new(Filter {
        tolerations: &cx.workload.tolerations,
        defaults: OnceCell::new(),
    }))
}

impl FilterPlugin for Filter<'_> {
    fn name(&self) -> &'static str {
        NAME
    }

    #[inline]
    fn filter(&self, cx: &CycleContext<'_>, node: NodeId) -> Result<(), Rejection> {
        let n = cx.node(node);
        // Most nodes carry no taint at all: nothing to check.
        if n.taints.is_empty() && !n.unschedulable && n.ready {
            return Ok(());
        }
        if !n.taints.is_empty() {
            cx.cycle_state.taint_free.set(Some(false));
        }
        self.check(n)
    }
}

impl Filter<'_> {
    /// The filter proper, for a node with some taint.
    fn check(&self, n: &Node) -> Result<(), Rejection> {
        let blocks = |t: &Taint| t.effect != TaintEffect::PreferNoSchedule && !self.tolerated(t);
        if let Some(t) = n.taints.iter().find(|t| blocks(t)) {
            let reason = format!("node(s) had untolerated taint {{{}: {}}}", t.key, t.value);
            return Err(Rejection::new(Code::UnschedulableAndUnresolvable, reason));
        }
        if !n.unschedulable && n.ready {
            return Ok(());
        }
        match control_plane_taints(n).find(|t| blocks(t)) {
            None => Ok(()),
            Some(t) => {
                let reason = if t.key == UNREACHABLE {
                    UNREACHABLE_REASON
                } else {
                    UNSCHEDULABLE_REASON
                };
                Err(Rejection::new(Code::UnschedulableAndUnresolvable, reason))
            }
        }
    }
}

struct Score<'a> {
    // Tolerations with effect PreferNoSchedule or none (upstream
    // `getAllTolerationPreferNoSchedule`).
    prefer_no_schedule: Vec<&'a Toleration>,
}

/// PreScore: the pod's tolerations that can tolerate PreferNoSchedule.
pub fn pre_score<'a>(cx: &CycleContext<'a>, _: &[NodeId]) -> Option<Box<dyn ScorePlugin + 'a>> {
    let prefer_no_schedule = cx
        .workload
        .tolerations
        .iter()
        .filter(|t| t.effect.is_none_or(|e| e == TaintEffect::PreferNoSchedule))
        .collect();
    Some(Box::new(Score { prefer_no_schedule }))
}

impl ScorePlugin for Score<'_> {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Every score is 0 when the filter saw no tainted node this cycle.
    fn score_all(&self, cx: &CycleContext<'_>, nodes: &[NodeId], out: &mut [i64]) {
        debug_assert_eq!(out.len(), nodes.len());
        if cx.cycle_state.taint_free.get() == Some(true) {
            out.fill(0);
            return;
        }
        for (o, &n) in out.iter_mut().zip(nodes) {
            *o = self.score(cx, n);
        }
    }

    /// Untolerated PreferNoSchedule taints (`countIntolerableTaintsPreferNoSchedule`).
    #[inline]
    fn score(&self, cx: &CycleContext<'_>, node: NodeId) -> i64 {
        cx.node(node)
            .taints
            .iter()
            .filter(|t| t.effect == TaintEffect::PreferNoSchedule)
            .filter(|t| !self.prefer_no_schedule.iter().any(|tol| tolerates(tol, t)))
            .count() as i64
    }

    fn normalize(&self, scores: &mut [i64]) {
        score::default_normalize_score(scores, MAX_NODE_SCORE, true);
    }
}
