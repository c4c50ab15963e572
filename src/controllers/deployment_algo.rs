//! The Deployment and ReplicaSet controllers' arithmetic, as pure functions.
//!
//! Each function restates one upstream function of `kubernetes/kubernetes`
//! (named in its doc comment) in our own terms: callers pass small views of
//! the objects and apply the returned decisions; nothing here holds state.
//! The rules are those of `k8s-algorithms.md` sections 2 (Deployment) and 3
//! (ReplicaSet). Upstream counts are `int32`; we take `u32` and do any
//! subtraction in `i64`, so the Go results are reproduced without wrapping.
//!
//! Replica sets are passed **oldest first** (creation order), which is the
//! order upstream sorts them into (`ReplicaSetsByCreationTimestamp`) before
//! every loop that depends on age.

use std::cmp::Ordering;

use crate::scenario::Strategy;
use crate::units::IntOrPercent;

// ---------------------------------------------------------------------------
// Fence posts (deployment_util.go)
// ---------------------------------------------------------------------------

/// The string form of an upstream `IntOrString` (`intstr.getIntOrPercentValueSafely`):
/// only `"<n>%"` is valid. A bare number in string form, or anything else,
/// is the error upstream returns, here `None`.
pub fn parse_int_or_percent(s: &str) -> Option<IntOrPercent> {
    let digits = s.strip_suffix('%')?;
    // Negative percentages parse upstream but fail validation; our type cannot hold them.
    digits.parse::<u32>().ok().map(IntOrPercent::Percent)
}

/// Upstream `deploymentutil.ResolveFenceposts`: `(surge, unavailable)` for
/// `desired` replicas. Surge rounds up, unavailable rounds down; if both come
/// out 0, unavailable becomes 1 so a rollout can always make progress.
/// An unset upstream field is `IntOrPercent::Int(0)` here.
pub fn resolve_fenceposts(
    max_surge: IntOrPercent,
    max_unavailable: IntOrPercent,
    desired: u32,
) -> (u32, u32) {
    let surge = max_surge.scaled(desired, true);
    let unavailable = max_unavailable.scaled(desired, false);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

/// Upstream `deploymentutil.MaxUnavailable`: 0 for `Recreate` or zero
/// replicas, else the resolved unavailable fence post capped at `replicas`.
pub fn max_unavailable(strategy: Strategy, replicas: u32) -> u32 {
    match strategy {
        Strategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } if replicas > 0 => resolve_fenceposts(max_surge, max_unavailable, replicas)
            .1
            .min(replicas),
        _ => 0,
    }
}

/// Upstream `deploymentutil.MaxSurge`: 0 for `Recreate`, else the resolved
/// surge fence post (not capped).
pub fn max_surge(strategy: Strategy, replicas: u32) -> u32 {
    match strategy {
        Strategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => resolve_fenceposts(max_surge, max_unavailable, replicas).0,
        Strategy::Recreate => 0,
    }
}

// ---------------------------------------------------------------------------
// Replica set views and annotations
// ---------------------------------------------------------------------------

/// What the Deployment controller reads from one of its ReplicaSets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RsView {
    /// `spec.replicas`.
    pub replicas: u32,
    /// `status.availableReplicas`.
    pub available: u32,
    /// The `deployment.kubernetes.io/desired-replicas` annotation, if set.
    pub desired_annotation: Option<u32>,
    /// The `deployment.kubernetes.io/max-replicas` annotation, if set.
    pub max_annotation: Option<u32>,
}

/// The pair of annotations the controller writes whenever it scales a
/// ReplicaSet (upstream `SetReplicasAnnotations`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaAnnotations {
    /// `deployment.kubernetes.io/desired-replicas` = the Deployment's `spec.replicas`.
    pub desired: u32,
    /// `deployment.kubernetes.io/max-replicas` = desired + `MaxSurge`.
    pub max: u32,
}

impl ReplicaAnnotations {
    /// The annotations for a Deployment of `deployment_replicas` under `strategy`.
    /// Upstream writes these on every ReplicaSet whose size the controller
    /// changes (`scaleReplicaSet`) and on a newly created new ReplicaSet.
    pub fn for_deployment(strategy: Strategy, deployment_replicas: u32) -> Self {
        ReplicaAnnotations {
            desired: deployment_replicas,
            max: deployment_replicas.saturating_add(max_surge(strategy, deployment_replicas)),
        }
    }
}

fn to_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------
// Rolling update (rolling.go)
// ---------------------------------------------------------------------------

/// Upstream `deploymentutil.NewRSNewReplicas`: the size the new ReplicaSet
/// may grow to in this sync. `all_rs_replicas_sum` is `Σ spec.replicas` over
/// all ReplicaSets, the new one included. Rolling: grow by the room left under
/// `deployment_replicas + MaxSurge`, never past `deployment_replicas`;
/// `Recreate`: `deployment_replicas` at once.
pub fn new_rs_new_replicas(
    strategy: Strategy,
    deployment_replicas: u32,
    new_rs_replicas: u32,
    all_rs_replicas_sum: u32,
) -> u32 {
    match strategy {
        Strategy::RollingUpdate { .. } => {
            let desired = i64::from(deployment_replicas);
            let max_total = desired + i64::from(max_surge(strategy, deployment_replicas));
            let current = i64::from(all_rs_replicas_sum);
            if current >= max_total {
                return new_rs_replicas;
            }
            let new = i64::from(new_rs_replicas);
            // The second bound can be negative when the new RS is above desired; Go keeps the sign.
            let step = (max_total - current).min(desired - new);
            to_u32(new + step)
        }
        Strategy::Recreate => deployment_replicas,
    }
}

/// Upstream `reconcileNewReplicaSet`: the new ReplicaSet's target size, or
/// `None` when it is left alone. Above the Deployment's size it is scaled
/// straight down to it; below, it grows by [`new_rs_new_replicas`].
/// When `Some`, the caller also writes [`ReplicaAnnotations::for_deployment`].
pub fn reconcile_new_replica_set(
    strategy: Strategy,
    deployment_replicas: u32,
    new_rs_replicas: u32,
    all_rs_replicas_sum: u32,
) -> Option<u32> {
    match new_rs_replicas.cmp(&deployment_replicas) {
        Ordering::Equal => None,
        Ordering::Greater => Some(deployment_replicas),
        Ordering::Less => {
            let target = new_rs_new_replicas(
                strategy,
                deployment_replicas,
                new_rs_replicas,
                all_rs_replicas_sum,
            );
            (target != new_rs_replicas).then_some(target)
        }
    }
}

/// Upstream `cleanupUnhealthyReplicas` refused to "scale down" an old
/// ReplicaSet to a larger size: its available count exceeded its spec (a
/// transient state after an earlier scale-down, before the ReplicaSet
/// controller deleted the surplus pods).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "cleaning up unhealthy replicas: old replica set {index} has more available pods than its spec"
)]
pub struct CleanupRefused {
    /// Index (into the old replica sets) of the ReplicaSet that was refused.
    /// Earlier ReplicaSets have already been scaled, as upstream has already
    /// written them to the API server.
    pub index: usize,
}

/// Upstream `cleanupUnhealthyReplicas`: scale old ReplicaSets (oldest first)
/// down by their unavailable pods, at most `max_cleanup` in total, so that
/// unhealthy old pods never block a rollout. Skips ReplicaSets with spec 0
/// or spec == available. Updates `old[..].replicas` in place and returns the
/// number removed.
///
/// # Errors
/// [`CleanupRefused`] where upstream returns an error (available > spec on a
/// ReplicaSet it reaches); the ReplicaSets before it stay scaled.
pub fn cleanup_unhealthy_replicas(
    old: &mut [RsView],
    max_cleanup: u32,
) -> Result<u32, CleanupRefused> {
    let mut cleaned = 0u32;
    for (index, rs) in old.iter_mut().enumerate() {
        if cleaned >= max_cleanup {
            break;
        }
        if rs.replicas == 0 || rs.replicas == rs.available {
            continue;
        }
        if rs.available > rs.replicas {
            return Err(CleanupRefused { index });
        }
        let step = (max_cleanup - cleaned).min(rs.replicas - rs.available);
        rs.replicas -= step;
        cleaned += step;
    }
    Ok(cleaned)
}

/// Upstream `scaleDownOldReplicaSetsForRollingUpdate`: remove old pods while
/// keeping `deployment_replicas - MaxUnavailable` available. The budget is
/// `Σ available` (old and new) minus that floor; old ReplicaSets are
/// reduced oldest first. Updates `old[..].replicas` in place and returns the
/// number removed. `new_rs` is `None` when no new ReplicaSet exists.
pub fn scale_down_old_replica_sets_for_rolling_update(
    strategy: Strategy,
    deployment_replicas: u32,
    old: &mut [RsView],
    new_rs: Option<&RsView>,
) -> u32 {
    let min_available =
        i64::from(deployment_replicas) - i64::from(max_unavailable(strategy, deployment_replicas));
    let available: i64 = old
        .iter()
        .chain(new_rs)
        .map(|rs| i64::from(rs.available))
        .sum();
    if available <= min_available {
        return 0;
    }
    let budget = to_u32(available - min_available);
    let mut removed = 0u32;
    for rs in old.iter_mut() {
        if removed >= budget {
            break;
        }
        if rs.replicas == 0 {
            continue;
        }
        let step = rs.replicas.min(budget - removed);
        rs.replicas -= step;
        removed += step;
    }
    removed
}

/// What [`reconcile_old_replica_sets`] decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OldReplicaSetsScaling {
    /// The new `spec.replicas` of each old ReplicaSet, in input order. Every
    /// one that differs from its input was scaled and gets
    /// [`ReplicaAnnotations::for_deployment`].
    pub replicas: Vec<u32>,
    /// Upstream's return value: whether any old pods were removed. It is
    /// `false` on a [`CleanupRefused`] even if earlier ReplicaSets changed.
    pub scaled: bool,
}

/// Upstream `reconcileOldReplicaSets`: how far old ReplicaSets (oldest first)
/// may shrink in this sync. The room is
/// `Σ spec(all) - (deployment_replicas - MaxUnavailable) - (new.spec - new.available)`;
/// within it, unhealthy old pods go first ([`cleanup_unhealthy_replicas`]),
/// then available ones down to the availability floor
/// ([`scale_down_old_replica_sets_for_rolling_update`]).
pub fn reconcile_old_replica_sets(
    strategy: Strategy,
    deployment_replicas: u32,
    old: &[RsView],
    new_rs: &RsView,
) -> OldReplicaSetsScaling {
    let mut old = old.to_vec();
    let unchanged = |old: &[RsView], scaled| OldReplicaSetsScaling {
        replicas: old.iter().map(|rs| rs.replicas).collect(),
        scaled,
    };
    let old_pods: i64 = old.iter().map(|rs| i64::from(rs.replicas)).sum();
    if old_pods == 0 {
        return unchanged(&old, false);
    }
    let all_pods = old_pods + i64::from(new_rs.replicas);
    let min_available =
        i64::from(deployment_replicas) - i64::from(max_unavailable(strategy, deployment_replicas));
    let new_unavailable = i64::from(new_rs.replicas) - i64::from(new_rs.available);
    let max_scaled_down = all_pods - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return unchanged(&old, false);
    }
    let cleaned = match cleanup_unhealthy_replicas(&mut old, to_u32(max_scaled_down)) {
        Ok(n) => n,
        // Upstream swallows the error and reports "not scaled".
        Err(CleanupRefused { .. }) => return unchanged(&old, false),
    };
    let scaled_down = scale_down_old_replica_sets_for_rolling_update(
        strategy,
        deployment_replicas,
        &mut old,
        Some(new_rs),
    );
    unchanged(&old, cleaned + scaled_down > 0)
}

// ---------------------------------------------------------------------------
// Status and conditions (deployment_util.go, progress.go)
// ---------------------------------------------------------------------------

/// The counters of a Deployment's status that the rollout checks read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeploymentStatusView {
    /// `status.replicas`: pods of all ReplicaSets.
    pub replicas: u32,
    /// `status.updatedReplicas`: pods of the new ReplicaSet.
    pub updated: u32,
    /// `status.readyReplicas`.
    pub ready: u32,
    /// `status.availableReplicas`.
    pub available: u32,
}

/// Upstream `deploymentutil.DeploymentComplete`: every pod is updated and
/// available, no old pod is left, and the status reflects the latest spec.
pub fn deployment_complete(
    deployment_replicas: u32,
    status: &DeploymentStatusView,
    observed_generation: u64,
    generation: u64,
) -> bool {
    status.updated == deployment_replicas
        && status.replicas == deployment_replicas
        && status.available == deployment_replicas
        && observed_generation >= generation
}

/// Upstream `deploymentutil.DeploymentProgressing`: `new` shows progress over
/// `old` if more pods are updated, fewer old pods remain
/// (`replicas - updated`), or more are ready or available.
pub fn deployment_progressing(old: &DeploymentStatusView, new: &DeploymentStatusView) -> bool {
    let old_pods = |s: &DeploymentStatusView| i64::from(s.replicas) - i64::from(s.updated);
    new.updated > old.updated
        || old_pods(new) < old_pods(old)
        || new.ready > old.ready
        || new.available > old.available
}

/// Reasons of the Deployment `Progressing` condition (upstream
/// `deploymentutil` constants).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressingReason {
    /// `NewReplicaSetCreated`.
    NewReplicaSetCreated,
    /// `FoundNewReplicaSet`.
    FoundNewReplicaSet,
    /// `ReplicaSetUpdated`: the rollout made progress.
    ReplicaSetUpdated,
    /// `NewReplicaSetAvailable`: the rollout finished.
    NewReplicaSetAvailable,
    /// `ProgressDeadlineExceeded`: the deadline has passed.
    ProgressDeadlineExceeded,
    /// `DeploymentPaused`.
    DeploymentPaused,
    /// `DeploymentResumed`.
    DeploymentResumed,
}

impl ProgressingReason {
    /// Upstream's reason string (`deploymentutil` constants).
    pub fn as_str(self) -> &'static str {
        match self {
            ProgressingReason::NewReplicaSetCreated => "NewReplicaSetCreated",
            ProgressingReason::FoundNewReplicaSet => "FoundNewReplicaSet",
            ProgressingReason::ReplicaSetUpdated => "ReplicaSetUpdated",
            ProgressingReason::NewReplicaSetAvailable => "NewReplicaSetAvailable",
            ProgressingReason::ProgressDeadlineExceeded => "ProgressDeadlineExceeded",
            ProgressingReason::DeploymentPaused => "DeploymentPaused",
            ProgressingReason::DeploymentResumed => "DeploymentResumed",
        }
    }
}

/// The Deployment's `Progressing` condition, as the timeout check reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgressingCondition {
    /// `reason`.
    pub reason: ProgressingReason,
    /// `lastUpdateTime`, in whole seconds of simulated time.
    pub last_update_s: u64,
}

/// `progressDeadlineSeconds` value upstream treats as "no deadline" (MaxInt32).
pub const NO_PROGRESS_DEADLINE: u32 = i32::MAX as u32;

/// Upstream `deploymentutil.DeploymentTimedOut`: true when
/// `last_update + progress_deadline_seconds < now` (strict). An unset or
/// MaxInt32 deadline, a missing condition, or a finished rollout
/// (`NewReplicaSetAvailable`) never times out; a condition already at
/// `ProgressDeadlineExceeded` stays timed out. Only sets a condition: upstream
/// does not roll back.
pub fn deployment_timed_out(
    progress_deadline_seconds: Option<u32>,
    progressing: Option<&ProgressingCondition>,
    now_s: u64,
) -> bool {
    let Some(deadline) = progress_deadline_seconds.filter(|&d| d != NO_PROGRESS_DEADLINE) else {
        return false;
    };
    let Some(condition) = progressing else {
        return false;
    };
    match condition.reason {
        ProgressingReason::NewReplicaSetAvailable => false,
        ProgressingReason::ProgressDeadlineExceeded => true,
        _ => condition.last_update_s + u64::from(deadline) < now_s,
    }
}

/// Upstream `SetDeploymentCondition` for the Progressing condition: a
/// condition with the same reason (hence status) leaves the current one,
/// its `lastUpdateTime` included, untouched.
fn set_progressing(
    current: ProgressingCondition,
    reason: ProgressingReason,
    now_s: u64,
) -> ProgressingCondition {
    if current.reason == reason {
        current
    } else {
        ProgressingCondition {
            reason,
            last_update_s: now_s,
        }
    }
}

/// Upstream `syncRolloutStatus` (progress.go), for a deployment with a
/// progress deadline: `current` is the Progressing condition in the stored
/// status (already `NewReplicaSetCreated` if this sync created the new
/// ReplicaSet), `old` the stored counters, `new` those just computed
/// (`calculateStatus`). Returns the new condition:
/// - a finished rollout (every pod updated, condition
///   `NewReplicaSetAvailable`) is left alone;
/// - `DeploymentComplete` -> `NewReplicaSetAvailable`;
/// - else `DeploymentProgressing` -> `ReplicaSetUpdated` with a fresh
///   `lastUpdateTime`, even when the reason was already that (the deadline
///   counts from the last progress);
/// - else `DeploymentTimedOut` -> `ProgressDeadlineExceeded`.
///
/// `now_s` is in whole seconds, as the API stores condition times.
pub fn sync_rollout_status(
    deployment_replicas: u32,
    progress_deadline_seconds: u32,
    current: ProgressingCondition,
    old: &DeploymentStatusView,
    new: &DeploymentStatusView,
    now_s: u64,
) -> ProgressingCondition {
    let finished =
        new.replicas == new.updated && current.reason == ProgressingReason::NewReplicaSetAvailable;
    if finished {
        current
    } else if deployment_complete(deployment_replicas, new, 0, 0) {
        set_progressing(current, ProgressingReason::NewReplicaSetAvailable, now_s)
    } else if deployment_progressing(old, new) {
        ProgressingCondition {
            reason: ProgressingReason::ReplicaSetUpdated,
            last_update_s: now_s,
        }
    } else if deployment_timed_out(Some(progress_deadline_seconds), Some(&current), now_s) {
        set_progressing(current, ProgressingReason::ProgressDeadlineExceeded, now_s)
    } else {
        current
    }
}

/// When the controller next syncs a stalled rollout to check its deadline
/// (upstream `requeueStuckDeployment`), in milliseconds of simulated time;
/// None when no check is due: the rollout is complete, already timed out,
/// or finished (`NewReplicaSetAvailable` can never time out, so upstream's
/// requeues of such a deployment change nothing). The check comes
/// `lastUpdateTime + deadline - now` plus 1 s after `now_ms`, i.e. 1 s after
/// the deadline; with less than 1 s left upstream requeues it rate-limited
/// (a few ms), modelled as the first millisecond past the deadline.
pub fn progress_check_at_ms(
    progress_deadline_seconds: u32,
    condition: ProgressingCondition,
    complete: bool,
    now_ms: u64,
) -> Option<u64> {
    use ProgressingReason::*;
    if complete
        || matches!(
            condition.reason,
            ProgressDeadlineExceeded | NewReplicaSetAvailable
        )
    {
        return None;
    }
    let deadline_ms = (condition.last_update_s + u64::from(progress_deadline_seconds)) * 1000;
    Some(if deadline_ms >= now_ms + 1000 {
        deadline_ms + 1000
    } else {
        deadline_ms.max(now_ms) + 1
    })
}

// ---------------------------------------------------------------------------
// Proportional scaling (sync.go `scale`)
// ---------------------------------------------------------------------------

/// One ReplicaSet's outcome of [`scale`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaledReplicaSet {
    /// The new `spec.replicas` (the input value when untouched).
    pub replicas: u32,
    /// `Some` when upstream calls `scaleReplicaSet` on it, which writes these
    /// annotations (a no-op write when they are already equal).
    pub annotations: Option<ReplicaAnnotations>,
}

/// `math.Round(num / den)` for `num >= 0`, `den > 0`: half away from zero.
/// Exact in integers; for counts below 2^31 it equals Go's float result,
/// since a quotient that is not exactly `k + 0.5` is at least `1/(2·den)` away.
fn round_half_away(num: i64, den: i64) -> i64 {
    (2 * num + den) / (2 * den)
}

/// Upstream `getReplicaSetFraction`: the change that keeps `rs` at the same
/// share of the new `deployment_replicas + surge` as it had of the annotated
/// max (falling back to `status_replicas`).
fn replica_set_fraction(
    rs: &RsView,
    deployment_replicas: u32,
    surge: u32,
    status_replicas: u32,
) -> i64 {
    let spec = i64::from(rs.replicas);
    if deployment_replicas == 0 {
        return -spec;
    }
    let max_now = i64::from(deployment_replicas) + i64::from(surge);
    let max_before = i64::from(rs.max_annotation.unwrap_or(status_replicas));
    if max_before == 0 {
        // Upstream divides by zero here (float +Inf, then an out-of-range
        // int32 conversion). Unreachable while annotations are written; we
        // leave the ReplicaSet's share unchanged.
        return 0;
    }
    round_half_away(spec * max_now, max_before) - spec
}

/// Upstream `sync.go: scale`, run when the Deployment's size changed. `rss`
/// holds **all** the Deployment's ReplicaSets, oldest first; `new_rs` is the
/// index of the new one, if any; `status_replicas` is the Deployment's
/// `status.replicas` (fallback for a missing max-replicas annotation).
/// Returns one entry per input ReplicaSet:
///
/// 1. At most one active ReplicaSet (spec > 0): that one, or if none the new
///    one, or else the newest, is set to `deployment_replicas`.
/// 2. Else if the new ReplicaSet is saturated (spec, desired annotation and
///    available all equal `deployment_replicas`): every active old one goes to 0.
/// 3. Else, for RollingUpdate only, `deployment_replicas + MaxSurge` (0 when
///    scaling to 0) minus the active total is shared out in proportion to each
///    ReplicaSet's size, largest first (ties: newer first when growing, older
///    first when shrinking), with the leftover on the first, floored at 0.
///    Every active ReplicaSet gets the new annotations.
pub fn scale(
    deployment_replicas: u32,
    strategy: Strategy,
    status_replicas: u32,
    new_rs: Option<usize>,
    rss: &[RsView],
) -> Vec<ScaledReplicaSet> {
    let annotations = ReplicaAnnotations::for_deployment(strategy, deployment_replicas);
    let mut out: Vec<ScaledReplicaSet> = rss
        .iter()
        .map(|rs| ScaledReplicaSet {
            replicas: rs.replicas,
            annotations: None,
        })
        .collect();
    let active: Vec<usize> = (0..rss.len()).filter(|&i| rss[i].replicas > 0).collect();

    // FindActiveOrLatest; scaleReplicaSetAndRecordEvent only writes on a size change.
    let only = match active.as_slice() {
        [] => new_rs.or_else(|| (0..rss.len()).rev().find(|&i| Some(i) != new_rs)),
        [one] => Some(*one),
        _ => None,
    };
    if active.len() <= 1 {
        if let Some(i) = only
            && rss[i].replicas != deployment_replicas
        {
            out[i] = ScaledReplicaSet {
                replicas: deployment_replicas,
                annotations: Some(annotations),
            };
        }
        return out;
    }

    // IsSaturated(newRS): the new RS already is the whole Deployment.
    if let Some(n) = new_rs {
        let rs = &rss[n];
        if rs.replicas == deployment_replicas
            && rs.desired_annotation == Some(deployment_replicas)
            && rs.available == deployment_replicas
        {
            for &i in active.iter().filter(|&&i| i != n) {
                out[i] = ScaledReplicaSet {
                    replicas: 0,
                    annotations: Some(annotations),
                };
            }
            return out;
        }
    }

    if matches!(strategy, Strategy::Recreate) {
        return out;
    }
    let surge = max_surge(strategy, deployment_replicas);
    let allowed = if deployment_replicas > 0 {
        i64::from(deployment_replicas) + i64::from(surge)
    } else {
        0
    };
    let total: i64 = active.iter().map(|&i| i64::from(rss[i].replicas)).sum();
    let to_add = allowed - total;

    let mut order = active;
    // Larger first; among equals, index order stands in for creation time.
    match to_add.cmp(&0) {
        Ordering::Greater => {
            order.sort_by(|&a, &b| rss[b].replicas.cmp(&rss[a].replicas).then(b.cmp(&a)))
        }
        Ordering::Less => {
            order.sort_by(|&a, &b| rss[b].replicas.cmp(&rss[a].replicas).then(a.cmp(&b)))
        }
        Ordering::Equal => {}
    }

    let mut added = 0i64;
    let mut sizes: Vec<i64> = Vec::with_capacity(order.len());
    for &i in &order {
        let rs = &rss[i];
        let spec = i64::from(rs.replicas);
        // GetReplicaSetProportion: clamp the fraction to what is left to hand out.
        let proportion = if to_add == 0 || to_add == added {
            0
        } else {
            let fraction = replica_set_fraction(rs, deployment_replicas, surge, status_replicas);
            let left = to_add - added;
            if to_add > 0 {
                fraction.min(left)
            } else {
                fraction.max(left)
            }
        };
        sizes.push(spec + proportion);
        added += proportion;
    }
    if to_add != 0
        && let Some(first) = sizes.first_mut()
    {
        *first = (*first + to_add - added).max(0);
    }
    for (&i, size) in order.iter().zip(sizes) {
        out[i] = ScaledReplicaSet {
            replicas: to_u32(size),
            annotations: Some(annotations),
        };
    }
    out
}

// ---------------------------------------------------------------------------
// Recreate (recreate.go)
// ---------------------------------------------------------------------------

/// One sync of upstream `rolloutRecreate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecreateStep {
    /// Scale every old ReplicaSet with spec > 0 to 0, then wait for the next sync.
    ScaleDownOld,
    /// Old pods still exist; do nothing until they are gone.
    WaitForOldPods,
    /// Create the new ReplicaSet if missing and scale it to `replicas`
    /// (a no-op when it is already there).
    ScaleUpNew {
        /// The Deployment's `spec.replicas`.
        replicas: u32,
    },
}

/// Upstream `rolloutRecreate` (with `scaleDownOldReplicaSetsForRecreate` and
/// `oldPodsRunning`). `old_pods_running` is upstream's check: some old
/// ReplicaSet has `status.replicas > 0`, or some pod owned by an old
/// ReplicaSet is in neither `Succeeded` nor `Failed` phase, terminating pods
/// included.
pub fn recreate_step(
    deployment_replicas: u32,
    old: &[RsView],
    old_pods_running: bool,
) -> RecreateStep {
    if old.iter().any(|rs| rs.replicas > 0) {
        RecreateStep::ScaleDownOld
    } else if old_pods_running {
        RecreateStep::WaitForOldPods
    } else {
        RecreateStep::ScaleUpNew {
            replicas: deployment_replicas,
        }
    }
}

// ---------------------------------------------------------------------------
// ReplicaSet controller (replica_set.go, controller_utils.go)
// ---------------------------------------------------------------------------

/// Upstream `BurstReplicas`: at most this many pods are created or deleted
/// per ReplicaSet sync.
pub const BURST_REPLICAS: u32 = 500;

/// Upstream `SlowStartInitialBatchSize`.
pub const SLOW_START_INITIAL_BATCH_SIZE: u32 = 1;

/// The `burstReplicas` cap `manageReplicas` applies to the size of a diff.
pub fn burst_capped(diff: u32) -> u32 {
    diff.min(BURST_REPLICAS)
}

/// Upstream `slowStartBatch` sizes for creating `diff` pods in one
/// `manageReplicas` call (after the [`BURST_REPLICAS`] cap): 1, 2, 4, …, each
/// `min(2 * previous, remaining)`. Upstream stops after the first batch with
/// a failure and skips the rest.
pub fn slow_start_batches(diff: u32) -> Vec<u32> {
    let mut remaining = burst_capped(diff);
    let mut batches = Vec::new();
    let mut size = remaining.min(SLOW_START_INITIAL_BATCH_SIZE);
    while size > 0 {
        batches.push(size);
        remaining -= size;
        size = size.saturating_mul(2).min(remaining);
    }
    batches
}

/// Pod phases that can occur among active pods, in upstream's deletion
/// preference (`podPhaseToOrdinal`): `Pending < Unknown < Running`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodPhase {
    /// `Pending`.
    Pending,
    /// `Unknown`.
    Unknown,
    /// `Running`.
    Running,
}

/// What the ReplicaSet controller's deletion order reads from a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PodView {
    /// `spec.nodeName` is set.
    pub assigned: bool,
    /// `status.phase`.
    pub phase: PodPhase,
    /// The `Ready` condition is true.
    pub ready: bool,
    /// The `controller.kubernetes.io/pod-deletion-cost` annotation (0 if unset).
    pub deletion_cost: i32,
    /// Active pods of the same owner on this pod's node (`getPodsRankedByRelatedPodsOnSameNode`).
    pub rank: u32,
    /// `lastTransitionTime` of the true `Ready` condition, in ms of simulated
    /// time; `None` is upstream's zero time.
    pub ready_time_ms: Option<u64>,
    /// The highest `restartCount` over the pod's containers.
    pub restart_count: u32,
    /// `creationTimestamp`, in ms of simulated time.
    pub creation_time_ms: u64,
    /// Stands in for the pod UID in upstream's pseudo-random tie-break.
    pub uid: u64,
}

/// API timestamps (`metav1.Time`) carry whole seconds, so the controller
/// sees times truncated to the second; this is that view, in ns.
fn api_time_ns(ms: u64) -> i64 {
    i64::try_from(ms / 1000)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000_000)
}

/// Go's `int64(math.Log2(float64(d)))` for `d > 0` ns, else -1 (upstream
/// `logarithmicRankDiff`). Restated with Go's `log2` formula (frexp, then
/// `ln(frac)/ln 2 + exp`) rather than an exact integer log: near a power of
/// two Go's float result rounds up, and we want the same buckets.
fn log2_bucket(d_ns: i64) -> i64 {
    if d_ns <= 0 {
        return -1;
    }
    let x = d_ns as f64;
    let bits = x.to_bits();
    // x >= 1 is normal: x = frac * 2^exp with frac in [0.5, 1).
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1022;
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    let log2 = if frac == 0.5 {
        (exp - 1) as f64
    } else {
        frac.ln() * (1.0 / std::f64::consts::LN_2) + exp as f64
    };
    log2 as i64
}

/// Rules 6 and 8 of the deletion order: more recent first, compared in
/// log2 buckets of age at `now_ns`, ties in a bucket broken by UID; an unset
/// (zero) time first. `None` when the times are equal (the rule does not decide).
fn recent_first(a: Option<i64>, b: Option<i64>, uids: (u64, u64), now_ns: i64) -> Option<Ordering> {
    if a == b {
        return None;
    }
    let (ta, tb) = match (a, b) {
        (None, _) => return Some(Ordering::Less),
        (_, None) => return Some(Ordering::Greater),
        (Some(ta), Some(tb)) => (ta, tb),
    };
    let by_bucket = log2_bucket(now_ns - ta).cmp(&log2_bucket(now_ns - tb));
    Some(by_bucket.then(uids.0.cmp(&uids.1)))
}

/// Upstream `controller.ActivePodsWithRanks.Less` as an ordering: `Less`
/// means `a` is deleted before `b`. The first rule that differs decides:
/// unassigned first; phase `Pending < Unknown < Running`; not ready first;
/// lower deletion cost first; higher rank first; if both ready, more recently
/// ready first; more restarts first; newer first; else `Equal`. Times are
/// compared as the API sees them (whole seconds) in log2 buckets of age at
/// `now_ms` (`LogarithmicScaleDown`, on by default), UID breaking ties within
/// a bucket. Sort with a stable sort; upstream's `sort.Sort` is unstable, so
/// `Equal` pods may come out in a different order there.
pub fn deletion_order(a: &PodView, b: &PodView, now_ms: u64) -> Ordering {
    let now_ns = i64::try_from(now_ms)
        .unwrap_or(i64::MAX)
        .saturating_mul(1_000_000);
    let uids = (a.uid, b.uid);
    a.assigned
        .cmp(&b.assigned)
        .then(a.phase.cmp(&b.phase))
        .then(a.ready.cmp(&b.ready))
        .then(a.deletion_cost.cmp(&b.deletion_cost))
        .then(b.rank.cmp(&a.rank))
        .then_with(|| {
            if !(a.ready && b.ready) {
                return Ordering::Equal;
            }
            recent_first(
                a.ready_time_ms.map(api_time_ns),
                b.ready_time_ms.map(api_time_ns),
                uids,
                now_ns,
            )
            .unwrap_or(Ordering::Equal)
        })
        .then(b.restart_count.cmp(&a.restart_count))
        .then_with(|| {
            recent_first(
                Some(api_time_ns(a.creation_time_ms)),
                Some(api_time_ns(b.creation_time_ms)),
                uids,
                now_ns,
            )
            .unwrap_or(Ordering::Equal)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_start_batches_double_until_remaining() {
        assert_eq!(slow_start_batches(10), vec![1, 2, 4, 3]);
        assert_eq!(slow_start_batches(0), Vec::<u32>::new());
        assert_eq!(slow_start_batches(1), vec![1]);
        assert_eq!(slow_start_batches(7), vec![1, 2, 4]);
        // burstReplicas caps one sync at 500: 1+2+...+256 = 511 > 500, so the 9th batch is 245.
        let big = slow_start_batches(1000);
        assert_eq!(big.iter().sum::<u32>(), 500);
        assert_eq!(big, vec![1, 2, 4, 8, 16, 32, 64, 128, 245]);
    }

    fn pod() -> PodView {
        PodView {
            assigned: true,
            phase: PodPhase::Running,
            ready: true,
            deletion_cost: 0,
            rank: 1,
            ready_time_ms: Some(10_000),
            restart_count: 0,
            creation_time_ms: 5_000,
            uid: 1,
        }
    }

    /// `a` must sort before `b` and the reverse must hold too.
    fn assert_first(a: PodView, b: PodView, now_ms: u64) {
        assert_eq!(
            deletion_order(&a, &b, now_ms),
            Ordering::Less,
            "{a:?} vs {b:?}"
        );
        assert_eq!(
            deletion_order(&b, &a, now_ms),
            Ordering::Greater,
            "{b:?} vs {a:?}"
        );
    }

    const NOW: u64 = 100_000_000; // ~27.8 h

    #[test]
    fn deletion_order_each_rule_decides() {
        let base = pod();
        // 1. unassigned first, even when it loses every later rule.
        let unassigned = PodView {
            assigned: false,
            phase: PodPhase::Running,
            ..base
        };
        let pending = PodView {
            phase: PodPhase::Pending,
            ready: false,
            ..base
        };
        assert_first(unassigned, pending, NOW);
        // 2. Pending < Unknown < Running.
        assert_first(
            pending,
            PodView {
                phase: PodPhase::Unknown,
                ready: false,
                ..base
            },
            NOW,
        );
        assert_first(
            PodView {
                phase: PodPhase::Unknown,
                ..base
            },
            base,
            NOW,
        );
        // 3. not ready first.
        assert_first(
            PodView {
                ready: false,
                ready_time_ms: None,
                ..base
            },
            base,
            NOW,
        );
        // 4. lower deletion cost first (negative allowed), beating rank.
        assert_first(
            PodView {
                deletion_cost: -5,
                ..base
            },
            PodView { rank: 9, ..base },
            NOW,
        );
        // 5. more siblings on the node first.
        assert_first(
            PodView { rank: 3, ..base },
            PodView {
                restart_count: 9,
                ..base
            },
            NOW,
        );
        // 6. ready more recently first, by log2 bucket: ages 1 s vs 50 000 s.
        let recent = PodView {
            ready_time_ms: Some(NOW - 1_000),
            uid: 9,
            ..base
        };
        assert_first(
            recent,
            PodView {
                restart_count: 9,
                ..base
            },
            NOW,
        );
        // ... an unset ready time sorts first.
        assert_first(
            PodView {
                ready_time_ms: None,
                uid: 9,
                ..base
            },
            base,
            NOW,
        );
        // 7. more restarts first.
        assert_first(
            PodView {
                restart_count: 2,
                ..base
            },
            PodView {
                creation_time_ms: NOW,
                ..base
            },
            NOW,
        );
        // 8. created more recently first.
        assert_first(
            PodView {
                creation_time_ms: NOW - 1_000,
                uid: 9,
                ..base
            },
            base,
            NOW,
        );
        // 9. otherwise equal.
        assert_eq!(deletion_order(&base, &base, NOW), Ordering::Equal);
    }

    #[test]
    fn deletion_order_buckets_and_uid() {
        let base = pod();
        // Ages 40 s and 50 s are both in bucket floor(log2(4e10 / 5e10 ns)) = 35, so the UID decides.
        let a = PodView {
            ready_time_ms: Some(NOW - 40_000),
            uid: 7,
            ..base
        };
        let b = PodView {
            ready_time_ms: Some(NOW - 50_000),
            uid: 3,
            ..base
        };
        assert_first(b, a, NOW);
        // Times within the same second are equal to the API: rule 6 passes, rule 7 decides.
        let c = PodView {
            ready_time_ms: Some(20_100),
            uid: 7,
            ..base
        };
        let d = PodView {
            ready_time_ms: Some(20_900),
            uid: 3,
            restart_count: 1,
            ..base
        };
        assert_first(d, c, NOW);
        // Ready times are ignored unless both pods are ready: `e`'s unset time
        // would put it first under rule 6, but rule 8 (newer first) decides.
        let e = PodView {
            ready: false,
            ready_time_ms: None,
            phase: PodPhase::Pending,
            ..base
        };
        let f = PodView {
            ready: false,
            phase: PodPhase::Pending,
            creation_time_ms: NOW - 1_000,
            ..base
        };
        assert_first(f, e, NOW);
        // Creation times 5 s and 9 s are ~99 990 s old, both bucket 46: the UID decides ...
        let g = PodView {
            creation_time_ms: 9_000,
            uid: 2,
            ..base
        };
        assert_first(base, g, NOW);
        // ... and with equal UIDs upstream's Less is false both ways.
        let h = PodView { uid: 1, ..g };
        assert_eq!(deletion_order(&h, &base, NOW), Ordering::Equal);
    }

    #[test]
    fn log2_bucket_matches_go() {
        assert_eq!(log2_bucket(0), -1);
        assert_eq!(log2_bucket(-5), -1);
        assert_eq!(log2_bucket(1), 0);
        assert_eq!(log2_bucket(1 << 40), 40);
        assert_eq!(log2_bucket((1 << 40) - 1), 39);
        assert_eq!(log2_bucket(40_000_000_000), 35);
        // Go's formula rounds ln(frac)/ln2 + 50 up to 50 just below 2^50.
        assert_eq!(log2_bucket((1 << 50) - 1), 50);
    }

    #[test]
    fn round_half_away_from_zero() {
        assert_eq!(round_half_away(5, 2), 3);
        assert_eq!(round_half_away(7, 2), 4);
        assert_eq!(round_half_away(4, 3), 1);
        assert_eq!(round_half_away(5, 3), 2);
        assert_eq!(round_half_away(0, 3), 0);
    }

    fn rolling(surge: u32, unavailable: u32) -> Strategy {
        Strategy::RollingUpdate {
            max_surge: IntOrPercent::Int(surge),
            max_unavailable: IntOrPercent::Int(unavailable),
        }
    }

    #[test]
    fn cleanup_refuses_available_above_spec() {
        let rs = |replicas, available| RsView {
            replicas,
            available,
            ..RsView::default()
        };
        let mut old = [rs(5, 3), rs(2, 4), rs(6, 1)];
        assert_eq!(
            cleanup_unhealthy_replicas(&mut old, 10),
            Err(CleanupRefused { index: 1 })
        );
        // The first ReplicaSet was already scaled, the third was never reached.
        assert_eq!(old.map(|r| r.replicas), [3, 2, 6]);
        let out = reconcile_old_replica_sets(rolling(1, 1), 4, &[rs(5, 3), rs(2, 4)], &rs(0, 0));
        assert_eq!(
            out,
            OldReplicaSetsScaling {
                replicas: vec![3, 2],
                scaled: false
            }
        );
    }

    #[test]
    fn timed_out_reasons() {
        let cond = |reason| ProgressingCondition {
            reason,
            last_update_s: 0,
        };
        let done = cond(ProgressingReason::NewReplicaSetAvailable);
        let exceeded = cond(ProgressingReason::ProgressDeadlineExceeded);
        assert!(!deployment_timed_out(Some(10), Some(&done), 1000));
        assert!(deployment_timed_out(Some(10), Some(&exceeded), 0));
        assert!(!deployment_timed_out(Some(10), None, 1000));
        // Strict: exactly at the deadline is not yet late.
        let updated = cond(ProgressingReason::ReplicaSetUpdated);
        assert!(!deployment_timed_out(Some(10), Some(&updated), 10));
        assert!(deployment_timed_out(Some(10), Some(&updated), 11));
    }

    /// The crash-looping rollout of tests/fidelity.rs: 10 replicas, new RS
    /// created at 600.1 s (condition at 600 s, whole seconds), the last
    /// progress (updated 3 -> 5) seen at 600.4 s (again 600 s), nothing
    /// after. Deadline 600 s: each later sync asks for a check at
    /// 600 + 600 + 1 = 1201 s; there 600 + 600 < 1201, so it is declared.
    #[test]
    fn rollout_status_progress_then_deadline() {
        use ProgressingReason::*;
        let st = |replicas, updated, available| DeploymentStatusView {
            replicas,
            updated,
            ready: available,
            available,
        };
        let created = ProgressingCondition {
            reason: NewReplicaSetCreated,
            last_update_s: 600,
        };
        // 600.1 s: nothing moved yet.
        let c = sync_rollout_status(10, 600, created, &st(10, 0, 10), &st(10, 0, 10), 600);
        assert_eq!(c, created);
        assert_eq!(
            progress_check_at_ms(600, c, false, 600_100),
            Some(1_201_000)
        );
        // 600.2 s: 3 updated pods: progress.
        let c = sync_rollout_status(10, 600, c, &st(10, 0, 10), &st(13, 3, 10), 600);
        assert_eq!((c.reason, c.last_update_s), (ReplicaSetUpdated, 600));
        // 630.4 s: no change, not late.
        let c2 = sync_rollout_status(10, 600, c, &st(13, 5, 8), &st(13, 5, 8), 630);
        assert_eq!(c2, c);
        assert_eq!(
            progress_check_at_ms(600, c2, false, 630_400),
            Some(1_201_000)
        );
        // 1200 s is not late (strict); 1201 s is.
        assert_eq!(
            sync_rollout_status(10, 600, c, &st(13, 5, 8), &st(13, 5, 8), 1200),
            c
        );
        let late = sync_rollout_status(10, 600, c, &st(13, 5, 8), &st(13, 5, 8), 1201);
        assert_eq!(
            (late.reason, late.last_update_s),
            (ProgressDeadlineExceeded, 1201)
        );
        assert_eq!(progress_check_at_ms(600, late, false, 1_201_000), None);
        // Stays timed out without progress; progress later resets it.
        assert_eq!(
            sync_rollout_status(10, 600, late, &st(13, 5, 8), &st(13, 5, 8), 2000),
            late
        );
        let again = sync_rollout_status(10, 600, late, &st(13, 5, 8), &st(13, 6, 8), 2000);
        assert_eq!(
            (again.reason, again.last_update_s),
            (ReplicaSetUpdated, 2000)
        );
        // Complete: NewReplicaSetAvailable, and no more checks.
        let done = sync_rollout_status(10, 600, again, &st(11, 10, 9), &st(10, 10, 10), 2100);
        assert_eq!(
            (done.reason, done.last_update_s),
            (NewReplicaSetAvailable, 2100)
        );
        assert_eq!(progress_check_at_ms(600, done, true, 2_100_000), None);
        // A finished deployment that loses a pod is not re-estimated.
        assert_eq!(
            sync_rollout_status(10, 600, done, &st(10, 10, 10), &st(10, 10, 9), 9999),
            done
        );
        // Less than a second left: checked just past the deadline.
        assert_eq!(
            progress_check_at_ms(600, c, false, 1_199_500),
            Some(1_200_001)
        );
    }

    #[test]
    fn scale_saturated_new_rs_zeroes_old() {
        let new = RsView {
            replicas: 5,
            available: 5,
            desired_annotation: Some(5),
            max_annotation: Some(6),
        };
        let old = RsView {
            replicas: 2,
            available: 2,
            ..RsView::default()
        };
        let out = scale(5, rolling(1, 0), 7, Some(1), &[old, new]);
        let ann = Some(ReplicaAnnotations { desired: 5, max: 6 });
        assert_eq!(
            out[0],
            ScaledReplicaSet {
                replicas: 0,
                annotations: ann
            }
        );
        assert_eq!(
            out[1],
            ScaledReplicaSet {
                replicas: 5,
                annotations: None
            }
        );
    }

    #[test]
    fn recreate_steps() {
        let rs = |replicas| RsView {
            replicas,
            ..RsView::default()
        };
        assert_eq!(
            recreate_step(3, &[rs(0), rs(2)], true),
            RecreateStep::ScaleDownOld
        );
        assert_eq!(
            recreate_step(3, &[rs(0)], true),
            RecreateStep::WaitForOldPods
        );
        assert_eq!(
            recreate_step(3, &[rs(0)], false),
            RecreateStep::ScaleUpNew { replicas: 3 }
        );
    }
}
