//! NodeResourcesFit (filter and score) and NodeResourcesBalancedAllocation
//! (score), upstream `noderesources/{fit.go,balanced_allocation.go}`, on top
//! of the pure arithmetic in [`crate::scheduler::score`].
//!
//! Requests are explicit in kubesim (a workload's `cpu` and `memory` are
//! required, and 0 is an explicit 0), so the non-zero scoring defaults
//! (100m, 200Mi), which replace only *missing* requests, never apply.

use crate::model::NodeId;
use crate::scenario::ScoreStrategy;
use crate::scheduler::cycle::{Code, CycleContext, FilterPlugin, Rejection, ScorePlugin};
use crate::scheduler::memo::MemoSlot;
use crate::scheduler::preemption;
use crate::scheduler::score::{self, CpuMemory, NodeFitState, ResourceUse};

/// Upstream name of NodeResourcesFit.
pub const FIT: &str = "NodeResourcesFit";
/// Upstream name of NodeResourcesBalancedAllocation.
pub const BALANCED: &str = "NodeResourcesBalancedAllocation";

struct Fit {
    request: CpuMemory,
    // Whether any pod is nominated anywhere: decided once per cycle, since
    // most cycles have none to count.
    nominations: bool,
}

/// PreFilter: the pod's requests.
pub fn pre_filter<'a>(cx: &CycleContext<'a>) -> Option<Box<dyn FilterPlugin + 'a>> {
    Some(Box::new(Fit {
        request: CpuMemory::new(cx.pod.cpu.0 as i64, cx.pod.memory.0 as i64),
        nominations: !cx.state.nominations.is_empty(),
    }))
}

impl FilterPlugin for Fit {
    fn name(&self) -> &'static str {
        FIT
    }

    /// Every shortage is listed, as upstream lists each insufficient
    /// resource; the status is Unresolvable when the pod asks for more than
    /// the whole node has. Pods nominated to the node with at least the
    /// pod's priority count as if bound there (upstream
    /// `RunFilterPluginsWithNominatedPods`; see [`preemption`]).
    #[inline]
    fn filter(&self, cx: &CycleContext<'_>, node: NodeId) -> Result<(), Rejection> {
        let n = cx.node(node);
        let held = if self.nominations {
            preemption::nominated_reservation(cx.state, node, cx.pod_id)
        } else {
            preemption::Reservation::default()
        };
        let node_state = NodeFitState {
            allocatable: CpuMemory::new(n.cpu.0 as i64, n.memory.0 as i64),
            requested: CpuMemory::new(
                n.requested_cpu.0 as i64 + held.cpu,
                n.requested_memory.0 as i64 + held.memory,
            ),
            pod_count: n.pod_count() + held.pods,
            max_pods: n.max_pods,
        };
        if score::fits_at_all(self.request, &node_state) {
            Ok(())
        } else {
            Err(rejection(self.request, &node_state))
        }
    }
}

/// The rejection of a node short of something, out of the hot path.
#[cold]
fn rejection(request: CpuMemory, node: &NodeFitState) -> Rejection {
    let fit = score::fits(request, node);
    let mut reasons = fit.reasons();
    let first = reasons
        .next()
        .expect("a node that does not fit is short of something");
    let code = if fit.unresolvable() {
        Code::UnschedulableAndUnresolvable
    } else {
        Code::Unschedulable
    };
    let mut r = Rejection::new(code, first);
    r.more = [reasons.next(), reasons.next()];
    r
}

/// CPU and memory of a node with the pod added, as the scores see them.
#[inline]
fn uses(cx: &CycleContext<'_>, node: NodeId) -> [ResourceUse; 2] {
    let n = cx.node(node);
    [
        ResourceUse::new((n.requested_cpu.0 + cx.pod.cpu.0) as i64, n.cpu.0 as i64),
        ResourceUse::new(
            (n.requested_memory.0 + cx.pod.memory.0) as i64,
            n.memory.0 as i64,
        ),
    ]
}

struct FitScore<'a> {
    strategy: &'a ScoreStrategy,
}

/// PreScore of NodeResourcesFit: the configured strategy, cpu and memory
/// weighted 1 each (upstream defaults).
pub fn pre_score_fit<'a>(cx: &CycleContext<'a>, _: &[NodeId]) -> Option<Box<dyn ScorePlugin + 'a>> {
    Some(Box::new(FitScore {
        strategy: &cx.config.score,
    }))
}

impl ScorePlugin for FitScore<'_> {
    fn name(&self) -> &'static str {
        FIT
    }

    /// Already 0..=100: no NormalizeScore. Memoized per node (the strategy
    /// is the scheduler's, fixed for the memo's lifetime).
    #[inline]
    fn score(&self, cx: &CycleContext<'_>, node: NodeId) -> i64 {
        cx.memo
            .get_or(MemoSlot::Fit, node, uses(cx, node), |&[cpu, mem]| {
                let weighted = [(cpu, 1), (mem, 1)];
                match self.strategy {
                    ScoreStrategy::LeastAllocated => score::least_allocated(&weighted),
                    ScoreStrategy::MostAllocated => score::most_allocated(&weighted),
                    ScoreStrategy::RequestedToCapacityRatio { shape } => {
                        score::requested_to_capacity_ratio(&weighted, shape)
                    }
                }
            })
    }
}

struct Balanced;

/// PreScore of BalancedAllocation: skipped for a pod that requests nothing
/// (best effort, upstream kubernetes#129138).
pub fn pre_score_balanced<'a>(
    cx: &CycleContext<'a>,
    _: &[NodeId],
) -> Option<Box<dyn ScorePlugin + 'a>> {
    let best_effort = score::is_best_effort(&[cx.pod.cpu.0 as i64, cx.pod.memory.0 as i64]);
    (!best_effort).then(|| Box::new(Balanced) as Box<dyn ScorePlugin + 'a>)
}

impl ScorePlugin for Balanced {
    fn name(&self) -> &'static str {
        BALANCED
    }

    /// Already 0..=100: no NormalizeScore. Memoized per node.
    #[inline]
    fn score(&self, cx: &CycleContext<'_>, node: NodeId) -> i64 {
        cx.memo
            .get_or(MemoSlot::Balanced, node, uses(cx, node), |k| {
                score::balanced_allocation(k)
            })
    }
}
