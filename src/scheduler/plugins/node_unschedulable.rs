//! NodeUnschedulable (upstream `nodeunschedulable/node_unschedulable.go`):
//! a cordoned node (`spec.unschedulable`) takes no new pods, unless the pod
//! tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint.

use crate::model::{NodeId, tolerates};
use crate::scenario::{Taint, TaintEffect};
use crate::scheduler::cycle::{Code, CycleContext, FilterPlugin, Rejection};
use std::sync::LazyLock;

/// Upstream plugin name.
pub const NAME: &str = "NodeUnschedulable";
/// Upstream `ErrReasonUnschedulable`.
pub const REASON: &str = "node(s) were unschedulable";
/// The taint the control plane puts on cordoned nodes.
pub const TAINT_KEY: &str = "node.kubernetes.io/unschedulable";

struct Plugin {
    tolerated: bool,
}

/// The taint a cordoned node carries, built once.
static TAINT: LazyLock<Taint> = LazyLock::new(|| Taint {
    key: TAINT_KEY.to_string(),
    value: String::new(),
    effect: TaintEffect::NoSchedule,
});

/// PreFilter: whether the pod tolerates the unschedulable taint is decided
/// once per cycle.
pub fn pre_filter<'a>(cx: &CycleContext<'a>) -> Option<Box<dyn FilterPlugin + 'a>> {
    let tolerated = cx.workload.tolerations.iter().any(|t| tolerates(t, &TAINT));
    Some(Box::new(Plugin { tolerated }))
}

impl FilterPlugin for Plugin {
    fn name(&self) -> &'static str {
        NAME
    }

    fn filter(&self, cx: &CycleContext<'_>, node: NodeId) -> Result<(), Rejection> {
        if cx.node(node).unschedulable && !self.tolerated {
            return Err(Rejection::new(Code::UnschedulableAndUnresolvable, REASON));
        }
        Ok(())
    }
}
