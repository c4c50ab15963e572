//! The Deployment controller (pkg/controller/deployment): one sync of
//! `syncDeployment` for a deployment, returning the replica set changes.

use super::deployment_algo::{self as algo, RecreateStep, ReplicaAnnotations, RsView};
use crate::engine::SimTime;
use crate::model::{ClusterState, DeploymentId, RsId};
use crate::scenario::Strategy;
use crate::sim::Action;

/// Upstream default `revisionHistoryLimit`: old replica sets kept for rollback.
pub const REVISION_HISTORY_LIMIT: usize = 10;

/// Upstream `isScalingEvent`: an active replica set is annotated with
/// another desired size than the deployment's (its replicas changed).
pub fn is_scaling_event(state: &ClusterState, d: DeploymentId) -> bool {
    let dep = state.deployment(d);
    dep.replica_sets.iter().any(|&rs| {
        let r = state.rs(rs);
        r.replicas > 0 && r.desired_annotation.is_some_and(|a| a != dep.replicas)
    })
}

/// One sync of the deployment: a scaling event is handled proportionally
/// (`sync`), otherwise the strategy's rollout step runs (`rolloutRolling` /
/// `rolloutRecreate`), then history beyond the limit is cleaned up.
pub fn reconcile(state: &ClusterState, d: DeploymentId, now: SimTime) -> Vec<Action> {
    let dep = state.deployment(d);
    let rss: &[RsId] = &dep.replica_sets;
    let views: Vec<RsView> = rss
        .iter()
        .map(|&rs| {
            let r = state.rs(rs);
            RsView {
                replicas: r.replicas,
                available: state.rs_available(rs, now),
                desired_annotation: r.desired_annotation,
                max_annotation: r.max_annotation,
            }
        })
        .collect();
    let new_idx = rss
        .iter()
        .position(|&rs| state.rs(rs).revision == dep.revision);
    let ann = ReplicaAnnotations::for_deployment(dep.strategy, dep.replicas);
    let scale_to = |i: usize, replicas: u32| Action::ScaleReplicaSet {
        rs: rss[i],
        replicas,
        desired_annotation: ann.desired,
        max_annotation: ann.max,
    };
    let mut actions = Vec::new();

    if is_scaling_event(state, d) {
        let status_replicas: u32 = rss.iter().map(|&rs| state.rs_status_replicas(rs)).sum();
        let out = algo::scale(dep.replicas, dep.strategy, status_replicas, new_idx, &views);
        for (i, s) in out.iter().enumerate() {
            if let Some(a) = s.annotations
                && (s.replicas != views[i].replicas
                    || Some(a.desired) != views[i].desired_annotation
                    || Some(a.max) != views[i].max_annotation)
            {
                actions.push(Action::ScaleReplicaSet {
                    rs: rss[i],
                    replicas: s.replicas,
                    desired_annotation: a.desired,
                    max_annotation: a.max,
                });
            }
        }
        return actions;
    }

    let old: Vec<usize> = (0..rss.len()).filter(|i| Some(*i) != new_idx).collect();
    let old_views: Vec<RsView> = old.iter().map(|&i| views[i]).collect();
    match dep.strategy {
        Strategy::Recreate => {
            // oldPodsRunning: any pod of an old replica set still exists,
            // terminating ones included.
            let old_pods_running = old.iter().any(|&i| !state.rs(rss[i]).pods.is_empty());
            match algo::recreate_step(dep.replicas, &old_views, old_pods_running) {
                RecreateStep::ScaleDownOld => {
                    for &i in &old {
                        if views[i].replicas > 0 {
                            actions.push(scale_to(i, 0));
                        }
                    }
                }
                RecreateStep::WaitForOldPods => {}
                RecreateStep::ScaleUpNew { replicas } => match new_idx {
                    None => actions.push(Action::CreateReplicaSet {
                        deployment: d,
                        replicas,
                        desired_annotation: ann.desired,
                        max_annotation: ann.max,
                    }),
                    Some(i) if views[i].replicas != replicas => actions.push(scale_to(i, replicas)),
                    Some(_) => {}
                },
            }
        }
        Strategy::RollingUpdate { .. } => {
            let Some(ni) = new_idx else {
                // getNewReplicaSet creates it already sized by NewRSNewReplicas.
                let old_sum: u32 = old_views.iter().map(|v| v.replicas).sum();
                let replicas = algo::new_rs_new_replicas(dep.strategy, dep.replicas, 0, old_sum);
                actions.push(Action::CreateReplicaSet {
                    deployment: d,
                    replicas,
                    desired_annotation: ann.desired,
                    max_annotation: ann.max,
                });
                return actions;
            };
            let all_sum: u32 = views.iter().map(|v| v.replicas).sum();
            if let Some(n) = algo::reconcile_new_replica_set(
                dep.strategy,
                dep.replicas,
                views[ni].replicas,
                all_sum,
            ) {
                actions.push(scale_to(ni, n));
                return actions;
            }
            let out = algo::reconcile_old_replica_sets(
                dep.strategy,
                dep.replicas,
                &old_views,
                &views[ni],
            );
            for (k, &i) in old.iter().enumerate() {
                if out.replicas[k] != views[i].replicas {
                    actions.push(scale_to(i, out.replicas[k]));
                }
            }
        }
    }

    // cleanupDeployment: drop the oldest empty old replica sets beyond the
    // history limit.
    if actions.is_empty() {
        let empty: Vec<usize> = old
            .iter()
            .copied()
            .filter(|&i| views[i].replicas == 0 && state.rs(rss[i]).pods.is_empty())
            .collect();
        if empty.len() > REVISION_HISTORY_LIMIT {
            for &i in &empty[..empty.len() - REVISION_HISTORY_LIMIT] {
                actions.push(Action::DeleteReplicaSet { rs: rss[i] });
            }
        }
    }
    actions
}
