//! The ReplicaSet controller (pkg/controller/replicaset): `manageReplicas`.

use super::deployment_algo::{self as algo, PodPhase as ViewPhase, PodView};
use crate::engine::SimTime;
use crate::model::{ClusterState, NodeId, PodId, PodPhase, RsId};
use crate::sim::{Action, DeleteReason};
use std::collections::BTreeMap;

/// One sync: create or delete pods so that the active pods match
/// `spec.replicas`, at most `burstReplicas` (500) per sync.
///
/// Pod creation is applied at once in one batch: the slow-start batches
/// (1, 2, 4, ...) only matter when the API server refuses creations, which
/// kubesim does not model. Expectations are always satisfied because
/// decisions are applied synchronously.
pub fn reconcile(state: &ClusterState, rs: RsId, now: SimTime) -> Vec<Action> {
    let r = state.rs(rs);
    let active: Vec<PodId> = state.active_pods(rs).collect();
    let want = r.replicas as usize;
    if active.len() < want {
        let count = algo::burst_capped((want - active.len()) as u32);
        return vec![Action::CreatePods { rs, count }];
    }
    if active.len() == want {
        return Vec::new();
    }
    let diff = algo::burst_capped((active.len() - want) as u32) as usize;

    // Rank = active pods of the same deployment (all its replica sets: the
    // upstream "related pods") on the pod's node.
    let mut per_node: BTreeMap<NodeId, u32> = BTreeMap::new();
    for &sibling in &state.deployment(r.deployment).replica_sets {
        for p in state.active_pods(sibling) {
            if let Some(n) = state.pod(p).node {
                *per_node.entry(n).or_default() += 1;
            }
        }
    }
    let view = |p: PodId| {
        let pod = state.pod(p);
        PodView {
            assigned: pod.node.is_some(),
            phase: match pod.phase {
                PodPhase::Pending | PodPhase::Bound => ViewPhase::Pending,
                PodPhase::Starting | PodPhase::Ready | PodPhase::CrashLoop | PodPhase::BackOff => {
                    ViewPhase::Running
                }
            },
            ready: pod.is_api_ready(),
            deletion_cost: 0,
            rank: pod
                .node
                .map_or(0, |n| per_node.get(&n).copied().unwrap_or(0)),
            ready_time_ms: if pod.is_api_ready() {
                pod.ready_since.map(|t| t.as_millis())
            } else {
                None
            },
            restart_count: pod.restarts,
            creation_time_ms: pod.created_at.as_millis(),
            uid: pod.uid,
        }
    };
    let mut ranked: Vec<(PodView, PodId)> = active.iter().map(|&p| (view(p), p)).collect();
    // Upstream's order is not transitive (equal ready times defer to later
    // rules, different ones in the same log2 bucket go by UID), which
    // `slice::sort_by` may reject with a panic; a plain merge sort accepts
    // it, as Go's sort does.
    merge_sort_by(&mut ranked, |a, b| {
        algo::deletion_order(&a.0, &b.0, now.as_millis())
    });
    ranked
        .into_iter()
        .take(diff)
        .map(|(_, pod)| Action::DeletePod {
            pod,
            reason: DeleteReason::ScaleDown,
        })
        .collect()
}

/// Stable top-down merge sort that tolerates a comparison that is not a
/// total order (the result is then some permutation, never a panic).
fn merge_sort_by<T: Clone>(v: &mut [T], cmp: impl Fn(&T, &T) -> std::cmp::Ordering + Copy) {
    if v.len() <= 1 {
        return;
    }
    let mid = v.len() / 2;
    merge_sort_by(&mut v[..mid], cmp);
    merge_sort_by(&mut v[mid..], cmp);
    let mut merged = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < v.len() {
        if cmp(&v[j], &v[i]) == std::cmp::Ordering::Less {
            merged.push(v[j].clone());
            j += 1;
        } else {
            merged.push(v[i].clone());
            i += 1;
        }
    }
    merged.extend_from_slice(&v[i..mid]);
    merged.extend_from_slice(&v[j..]);
    v.clone_from_slice(&merged);
}

#[cfg(test)]
mod tests {
    use super::merge_sort_by;

    #[test]
    fn merge_sort_accepts_an_intransitive_order() {
        // Rock-paper-scissors: no total order exists; sorting must not panic
        // and must keep every element. A consistent order sorts as usual.
        let beats = |a: &u8, b: &u8| {
            if (a + 1) % 3 == *b {
                std::cmp::Ordering::Less
            } else if (b + 1) % 3 == *a {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        };
        let mut v: Vec<u8> = (0..60).map(|i| (i * 7 % 3) as u8).collect();
        merge_sort_by(&mut v, beats);
        assert_eq!(v.iter().filter(|&&x| x == 0).count(), 20);
        let mut w = vec![5, 3, 9, 1, 3];
        merge_sort_by(&mut w, |a: &i32, b: &i32| a.cmp(b));
        assert_eq!(w, vec![1, 3, 3, 5, 9]);
    }
}
