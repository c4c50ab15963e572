//! The HorizontalPodAutoscaler controller's decision logic, as pure functions.
//!
//! Each function restates one upstream function of `kubernetes/kubernetes`
//! (`pkg/controller/podautoscaler/replica_calculator.go`, `horizontal.go` and
//! `metrics/utilization.go`, named in its doc comment) in our own terms; the
//! rules are those of `k8s-algorithms.md` section 1. Callers pass small views
//! of pods and of the HPA spec, and own one [`HpaState`] per HPA (the
//! controller's in-memory recommendation and scale-event histories); nothing
//! here reads the cluster or keeps state of its own.
//!
//! One sync of one HPA, as the simulation is expected to drive it:
//! 1. For each metric, compute a proposal with [`ReplicaCalculator`] or the
//!    object/external functions, passing the pods the target's selector
//!    matches (each with its sample of *that* metric). A failed metric is
//!    `None`.
//! 2. Call [`reconcile`] with the target's `spec.replicas`; apply
//!    [`HpaDecision::desired_replicas`] when [`HpaDecision::rescale`] is set.
//!
//! Units: times are integer milliseconds of simulated time (`*_ms`);
//! quantities are milli-units (`*_milli`), as upstream's `MilliValue()`;
//! behavior windows and policy periods are whole seconds, as in the API.
//! Upstream counts are `int32` and quantities `int64`: we take `u32` counts,
//! compute in `i64` (or `i128` where a product could overflow), and convert
//! floats to counts as Go's `int32(math.Ceil(x))` does for in-range values.
//!
//! Time stamps the controller reads from API objects (a pod's `startTime`,
//! its Ready condition's `lastTransitionTime`, a metric sample's timestamp)
//! are `metav1.Time`, which the API serves in whole seconds; they are
//! truncated here the same way. The controller's own history (recommendations
//! and scale events) is kept in memory at full precision, as upstream's
//! `time.Now()` is.

use std::cmp::Ordering;

// ---------------------------------------------------------------------------
// Defaults (kube-controller-manager flags, autoscaling/v2 API defaults)
// ---------------------------------------------------------------------------

/// `--horizontal-pod-autoscaler-sync-period`: each HPA is reconciled once per period.
pub const SYNC_PERIOD_MS: u64 = 15_000;
/// `--horizontal-pod-autoscaler-tolerance`: ratios within `1 ± 0.1` cause no scaling.
pub const DEFAULT_TOLERANCE: f64 = 0.1;
/// `--horizontal-pod-autoscaler-downscale-stabilization`: the legacy path's
/// window, and the scale-down window of a `behavior` that leaves it unset.
pub const DOWNSCALE_STABILIZATION_WINDOW_MS: u64 = 300_000;
/// `--horizontal-pod-autoscaler-cpu-initialization-period`.
pub const CPU_INITIALIZATION_PERIOD_MS: u64 = 300_000;
/// `--horizontal-pod-autoscaler-initial-readiness-delay`.
pub const INITIAL_READINESS_DELAY_MS: u64 = 30_000;
/// Legacy scale-up cap factor (`scaleUpLimitFactor`): at most `2 × current` per sync...
pub const SCALE_UP_LIMIT_FACTOR: f64 = 2.0;
/// ...but always at least 4 (`scaleUpLimitMinimum`).
pub const SCALE_UP_LIMIT_MINIMUM: f64 = 4.0;
/// API default `minReplicas`.
pub const DEFAULT_MIN_REPLICAS: u32 = 1;
/// Default scale-up stabilization window (`GenerateHPAScaleUpRules`), seconds.
pub const DEFAULT_SCALE_UP_STABILIZATION_S: u32 = 0;
/// Default scale-up `Pods` policy: 4 pods per 15 s.
pub const DEFAULT_SCALE_UP_PODS: ScalingPolicy = ScalingPolicy {
    kind: PolicyKind::Pods,
    value: 4,
    period_s: 15,
};
/// Default scale-up `Percent` policy: 100 % per 15 s.
pub const DEFAULT_SCALE_UP_PERCENT: ScalingPolicy = ScalingPolicy {
    kind: PolicyKind::Percent,
    value: 100,
    period_s: 15,
};
/// Default scale-down stabilization window, seconds: the API leaves it unset
/// and the controller fills in its downscale-stabilization flag
/// ([`DOWNSCALE_STABILIZATION_WINDOW_MS`], 300 s by default).
pub const DEFAULT_SCALE_DOWN_STABILIZATION_S: u32 = 300;
/// Default scale-down `Percent` policy: 100 % per 15 s (`GenerateHPAScaleDownRules`).
pub const DEFAULT_SCALE_DOWN_PERCENT: ScalingPolicy = ScalingPolicy {
    kind: PolicyKind::Percent,
    value: 100,
    period_s: 15,
};

/// The HPA controller's flags.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HpaControllerConfig {
    /// Time between two syncs of one HPA.
    pub sync_period_ms: u64,
    /// Tolerance used for both directions unless the HPA's behavior sets its own.
    pub tolerance: f64,
    /// Legacy stabilization window; fills an unset `behavior.scaleDown` window.
    pub downscale_stabilization_window_ms: u64,
    /// CPU samples of pods younger than this are trusted only once fresh (see [`classify_pod`]).
    pub cpu_initialization_period_ms: u64,
    /// A pod not Ready after this long from its start counts as never ready.
    pub initial_readiness_delay_ms: u64,
}

impl Default for HpaControllerConfig {
    fn default() -> Self {
        HpaControllerConfig {
            sync_period_ms: SYNC_PERIOD_MS,
            tolerance: DEFAULT_TOLERANCE,
            downscale_stabilization_window_ms: DOWNSCALE_STABILIZATION_WINDOW_MS,
            cpu_initialization_period_ms: CPU_INITIALIZATION_PERIOD_MS,
            initial_readiness_delay_ms: INITIAL_READINESS_DELAY_MS,
        }
    }
}

impl HpaControllerConfig {
    /// The replica calculator these flags configure (upstream `NewReplicaCalculator`).
    pub fn replica_calculator(&self) -> ReplicaCalculator {
        ReplicaCalculator {
            cpu_initialization_period_ms: self.cpu_initialization_period_ms,
            initial_readiness_delay_ms: self.initial_readiness_delay_ms,
        }
    }
}

// ---------------------------------------------------------------------------
// Tolerances (replica_calculator.go: Tolerances)
// ---------------------------------------------------------------------------

/// The band of usage ratios that cause no scaling (upstream `Tolerances`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerances {
    /// How far below 1 the ratio may fall.
    pub scale_down: f64,
    /// How far above 1 the ratio may rise.
    pub scale_up: f64,
}

impl Tolerances {
    /// The same tolerance both ways (the pre-1.33 single flag).
    pub const fn symmetric(tolerance: f64) -> Self {
        Tolerances {
            scale_down: tolerance,
            scale_up: tolerance,
        }
    }

    /// Upstream `Tolerances.isWithin`: `1 - down <= ratio <= 1 + up`, both inclusive.
    pub fn is_within(self, ratio: f64) -> bool {
        (1.0 - self.scale_down) <= ratio && ratio <= (1.0 + self.scale_up)
    }
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances::symmetric(DEFAULT_TOLERANCE)
    }
}

// ---------------------------------------------------------------------------
// Pods and their grouping (replica_calculator.go: groupPods)
// ---------------------------------------------------------------------------

/// A pod's `status.phase` as the HPA reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodPhase {
    /// Not yet running (unscheduled, or containers not started).
    Pending,
    /// Running.
    Running,
    /// All containers exited successfully (treated like `Running`, as upstream does).
    Succeeded,
    /// Failed: the HPA ignores the pod.
    Failed,
}

/// A condition's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionStatus {
    /// `True`.
    True,
    /// `False`.
    False,
    /// `Unknown` (neither rule that tests for `False` fires on it, as upstream).
    Unknown,
}

/// A pod's `Ready` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyCondition {
    /// `status`.
    pub status: ConditionStatus,
    /// `lastTransitionTime`, ms of simulated time (truncated to the second here).
    pub last_transition_ms: u64,
}

/// One metrics-API sample for a pod (upstream `PodMetric`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricSample {
    /// The value, in milli-units, summed over the pod's containers.
    pub value_milli: i64,
    /// When the sample was taken (end of its window), ms (truncated to the second here).
    pub timestamp_ms: u64,
    /// The window the sample averages over, ms.
    pub window_ms: u64,
}

/// What the HPA reads from one pod matched by its target's selector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HpaPodView {
    /// `status.phase`.
    pub phase: PodPhase,
    /// `metadata.deletionTimestamp` is set.
    pub deleting: bool,
    /// The `Ready` condition, if the pod has one.
    pub ready: Option<ReadyCondition>,
    /// `status.startTime`, ms, if set.
    pub start_time_ms: Option<u64>,
    /// The pod's request of the metric's resource, milli-units, summed over
    /// its containers (used by resource utilization only). kubesim pods
    /// always declare their requests, so upstream's missing-request error has
    /// no counterpart here.
    pub request_milli: i64,
    /// The pod's sample of the metric being evaluated; `None` if the metrics
    /// API returned none for it.
    pub sample: Option<MetricSample>,
}

/// The resource of a `Resource` metric. Only `cpu` gets the readiness rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceName {
    /// `cpu`.
    Cpu,
    /// `memory`.
    Memory,
}

/// How [`classify_pod`] counts one pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodClass {
    /// Counted with its sample (`readyPodCount`).
    Ready,
    /// Left out first; on a scale-up re-added with usage 0.
    Unready,
    /// No sample: re-added at a fallback usage (see the replica calculators).
    Missing,
    /// Deleting or failed: never counted.
    Ignored,
}

/// Upstream `groupPods`' four sets, as indices into the pod slice, in slice order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodGroups {
    /// Pods counted with their samples (`readyPodCount` is `ready.len()`).
    pub ready: Vec<usize>,
    /// Pending pods, and for `cpu` pods whose samples are not trusted yet.
    pub unready: Vec<usize>,
    /// Pods without a sample.
    pub missing: Vec<usize>,
    /// Deleting or failed pods.
    pub ignored: Vec<usize>,
}

/// `metav1.Time` carries whole seconds.
fn api_time_ms(ms: u64) -> u64 {
    ms - ms % 1000
}

/// Computes replica proposals from pod metrics (upstream `ReplicaCalculator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplicaCalculator {
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`.
    pub cpu_initialization_period_ms: u64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`.
    pub initial_readiness_delay_ms: u64,
}

impl Default for ReplicaCalculator {
    fn default() -> Self {
        HpaControllerConfig::default().replica_calculator()
    }
}

/// Upstream `groupPods`, for one pod. In order:
/// 1. deleting or `Failed`: [`PodClass::Ignored`];
/// 2. `Pending`: [`PodClass::Unready`];
/// 3. no sample: [`PodClass::Missing`];
/// 4. for the `cpu` resource only: unready if there is no Ready condition or
///    no start time; else, while `now < start + cpuInitializationPeriod`,
///    unready if Ready is `False` or the sample's timestamp is before
///    `lastTransition + sample window` (not a full window since the
///    transition); after that period, unready only if Ready is `False` and
///    `lastTransition < start + initialReadinessDelay` (it never became ready);
/// 5. otherwise [`PodClass::Ready`].
pub fn classify_pod(
    pod: &HpaPodView,
    resource: Option<ResourceName>,
    now_ms: u64,
    calc: &ReplicaCalculator,
) -> PodClass {
    if pod.deleting || pod.phase == PodPhase::Failed {
        return PodClass::Ignored;
    }
    if pod.phase == PodPhase::Pending {
        return PodClass::Unready;
    }
    let Some(sample) = pod.sample else {
        return PodClass::Missing;
    };
    if resource == Some(ResourceName::Cpu) {
        let unready = match (pod.ready, pod.start_time_ms) {
            (Some(cond), Some(start)) => {
                let start = api_time_ms(start);
                let transition = api_time_ms(cond.last_transition_ms);
                if start.saturating_add(calc.cpu_initialization_period_ms) > now_ms {
                    cond.status == ConditionStatus::False
                        || api_time_ms(sample.timestamp_ms)
                            < transition.saturating_add(sample.window_ms)
                } else {
                    cond.status == ConditionStatus::False
                        && start.saturating_add(calc.initial_readiness_delay_ms) > transition
                }
            }
            _ => true,
        };
        if unready {
            return PodClass::Unready;
        }
    }
    PodClass::Ready
}

// ---------------------------------------------------------------------------
// Ratios (metrics/utilization.go)
// ---------------------------------------------------------------------------

/// Why a metric gave no proposal (upstream's errors from the replica calculator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetricError {
    /// The selector matched no pods.
    #[error("no pods returned by selector while calculating replica count")]
    NoPods,
    /// Every sample belonged to an ignored or unready pod, or there were none.
    #[error("did not receive metrics for targeted pods (pods might be unready)")]
    NoMetricsForTargetedPods,
    /// The counted pods request none of the resource (total request 0).
    #[error("no metrics returned matched known pods")]
    NoRequestsMatched,
}

/// What upstream `GetResourceUtilizationRatio` returns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UtilizationRatio {
    /// `utilization / target`, from the truncated integer percentage.
    pub ratio: f64,
    /// `int32(Σusage × 100 / Σrequest)`: integer division, truncated.
    pub utilization_percent: i32,
    /// `Σusage / n`, integer division.
    pub raw_average_milli: i64,
}

/// Upstream `GetResourceUtilizationRatio` over `(usage, request)` pairs, milli-units.
/// Sums are taken in `i128` and the percentage saturates at the `int32` range,
/// as the newest upstream does; with realistic values none of this binds.
///
/// # Errors
/// [`MetricError::NoRequestsMatched`] when the requests sum to 0 (or there are no pairs).
pub fn resource_utilization_ratio(
    samples: impl IntoIterator<Item = (i64, i64)>,
    target_utilization_percent: i32,
) -> Result<UtilizationRatio, MetricError> {
    let (mut usage, mut requests, mut n) = (0i128, 0i128, 0i128);
    for (value, request) in samples {
        usage += i128::from(value);
        requests += i128::from(request);
        n += 1;
    }
    if requests == 0 {
        return Err(MetricError::NoRequestsMatched);
    }
    let percent = (usage * 100 / requests).clamp(i128::from(i32::MIN), i128::from(i32::MAX));
    let utilization_percent = i32::try_from(percent).unwrap_or(i32::MAX);
    let raw = usage / n;
    Ok(UtilizationRatio {
        ratio: f64::from(utilization_percent) / f64::from(target_utilization_percent),
        utilization_percent,
        raw_average_milli: i64::try_from(raw).unwrap_or(i64::MAX),
    })
}

/// Upstream `GetMetricUsageRatio`: `(usage / target, usage)` with
/// `usage = Σvalues / n` (integer division). `values` must not be empty.
pub fn metric_usage_ratio(values: &[i64], target_milli: i64) -> (f64, i64) {
    let total: i128 = values.iter().map(|&v| i128::from(v)).sum();
    let n = i128::try_from(values.len()).unwrap_or(i128::MAX).max(1);
    let usage = i64::try_from(total / n).unwrap_or(i64::MAX);
    (usage as f64 / target_milli as f64, usage)
}

/// Go's `int32(math.Ceil(x))`, widened to `i64` for comparisons; values
/// beyond the `int32` range (undefined in Go) saturate.
fn ceil_i32(x: f64) -> i64 {
    // `as` from f64 saturates (NaN gives 0).
    i64::from(x.ceil() as i32)
}

/// A non-negative `i64` count as `u32` (negative counts cannot arise from
/// non-negative ratios; they clamp to 0).
fn to_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// A replica count with the ratio it came from on the wire, as each upstream
/// calculator returns them (`replicaCount, usage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricReplicas {
    /// The proposed replica count.
    pub replicas: u32,
    /// The usage reported in the HPA status, milli-units (its meaning depends on the metric kind).
    pub usage_milli: i64,
}

/// What upstream `GetResourceReplicas` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceReplicas {
    /// The proposed replica count.
    pub replicas: u32,
    /// Current utilization of the counted pods, percent of request (truncated).
    pub utilization_percent: i32,
    /// Average usage of the counted pods, milli-units (`Σusage / n`).
    pub raw_average_milli: i64,
}

/// Shared tail of `GetResourceReplicas` and `calcPlainMetricReplicas`: given the
/// first ratio and the ratio recomputed with missing/unready pods filled in,
/// keep `current` if the new ratio is within tolerance or flips direction,
/// else `ceil(new_ratio × counted)` unless that moves against the ratio.
fn rebalanced_replicas(
    current: u32,
    ratio: f64,
    new_ratio: f64,
    counted: usize,
    tolerances: Tolerances,
) -> u32 {
    if tolerances.is_within(new_ratio)
        || (ratio < 1.0 && new_ratio > 1.0)
        || (ratio > 1.0 && new_ratio < 1.0)
    {
        return current;
    }
    let new_replicas = ceil_i32(new_ratio * counted as f64);
    let cur = i64::from(current);
    if (new_ratio < 1.0 && new_replicas > cur) || (new_ratio > 1.0 && new_replicas < cur) {
        return current;
    }
    to_u32(new_replicas)
}

impl ReplicaCalculator {
    /// Upstream `groupPods` over all pods matched by the selector. `resource`
    /// is the metric's resource (`None` for pod custom metrics); see [`classify_pod`].
    pub fn group_pods(
        &self,
        pods: &[HpaPodView],
        resource: Option<ResourceName>,
        now_ms: u64,
    ) -> PodGroups {
        let mut groups = PodGroups::default();
        for (i, pod) in pods.iter().enumerate() {
            match classify_pod(pod, resource, now_ms, self) {
                PodClass::Ready => groups.ready.push(i),
                PodClass::Unready => groups.unready.push(i),
                PodClass::Missing => groups.missing.push(i),
                PodClass::Ignored => groups.ignored.push(i),
            }
        }
        groups
    }

    /// Upstream `GetResourceReplicas`: the proposal for a `Resource` metric
    /// with an `averageUtilization` target (percent of request).
    ///
    /// 1. Group the pods; drop the samples of ignored and unready pods.
    /// 2. Utilization of the ready pods (truncated percent) over the target gives the ratio.
    /// 3. Without missing pods, and unless unready pods exist on a scale-up
    ///    (ratio > 1): `current` within tolerance, else `ceil(ratio × ready)`.
    /// 4. Otherwise fill in: missing pods at `request × max(100, target) / 100`
    ///    on a scale-down (ratio < 1), at 0 on a scale-up (ratio > 1), left out
    ///    at exactly 1; unready pods at 0 on a scale-up. Recompute the ratio.
    /// 5. `current` if the new ratio is within tolerance or flips direction;
    ///    else `ceil(new ratio × counted pods)`, unless that moves against the
    ///    new ratio's direction (then `current`).
    ///
    /// The utilization and raw average returned are those of step 2.
    ///
    /// # Errors
    /// [`MetricError::NoPods`] for an empty pod list,
    /// [`MetricError::NoMetricsForTargetedPods`] when no ready pod has a sample,
    /// [`MetricError::NoRequestsMatched`] when their requests sum to 0.
    pub fn resource_replicas(
        &self,
        pods: &[HpaPodView],
        current_replicas: u32,
        target_utilization_percent: i32,
        resource: ResourceName,
        tolerances: Tolerances,
        now_ms: u64,
    ) -> Result<ResourceReplicas, MetricError> {
        if pods.is_empty() {
            return Err(MetricError::NoPods);
        }
        let groups = self.group_pods(pods, Some(resource), now_ms);
        // Ready pods are exactly the ones whose samples survive the removal.
        let mut samples: Vec<(i64, i64)> = groups
            .ready
            .iter()
            .filter_map(|&i| {
                pods[i]
                    .sample
                    .map(|s| (s.value_milli, pods[i].request_milli))
            })
            .collect();
        if samples.is_empty() {
            return Err(MetricError::NoMetricsForTargetedPods);
        }
        let first =
            resource_utilization_ratio(samples.iter().copied(), target_utilization_percent)?;
        let result = |replicas| ResourceReplicas {
            replicas,
            utilization_percent: first.utilization_percent,
            raw_average_milli: first.raw_average_milli,
        };
        let ratio = first.ratio;
        let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && groups.missing.is_empty() {
            if tolerances.is_within(ratio) {
                return Ok(result(current_replicas));
            }
            return Ok(result(to_u32(ceil_i32(ratio * groups.ready.len() as f64))));
        }
        if ratio < 1.0 {
            // Scale-down: a missing pod is assumed at 100 % of its request, or at
            // the target when that is above 100 %.
            let fallback = i64::from(target_utilization_percent.max(100));
            for &i in &groups.missing {
                let request = pods[i].request_milli;
                samples.push((request.saturating_mul(fallback) / 100, request));
            }
        } else if ratio > 1.0 {
            for &i in &groups.missing {
                samples.push((0, pods[i].request_milli));
            }
        }
        if scale_up_with_unready {
            for &i in &groups.unready {
                samples.push((0, pods[i].request_milli));
            }
        }
        let new_ratio =
            resource_utilization_ratio(samples.iter().copied(), target_utilization_percent)?.ratio;
        Ok(result(rebalanced_replicas(
            current_replicas,
            ratio,
            new_ratio,
            samples.len(),
            tolerances,
        )))
    }

    /// Upstream `calcPlainMetricReplicas` (behind `GetMetricReplicas` for `Pods`
    /// metrics and `GetRawResourceReplicas` for a `Resource` metric with an
    /// `averageValue` target): as [`Self::resource_replicas`], but the usage is
    /// `Σvalues / n` (integer), the ratio `usage / target`, and a missing pod
    /// on a scale-down is assumed to use exactly the target. `resource` is
    /// `None` for pod custom metrics (no readiness rules).
    /// [`MetricReplicas::usage_milli`] is the ready pods' average usage.
    ///
    /// # Errors
    /// [`MetricError::NoPods`], [`MetricError::NoMetricsForTargetedPods`].
    pub fn plain_metric_replicas(
        &self,
        pods: &[HpaPodView],
        current_replicas: u32,
        target_milli: i64,
        resource: Option<ResourceName>,
        tolerances: Tolerances,
        now_ms: u64,
    ) -> Result<MetricReplicas, MetricError> {
        if pods.is_empty() {
            return Err(MetricError::NoPods);
        }
        let groups = self.group_pods(pods, resource, now_ms);
        let mut values: Vec<i64> = groups
            .ready
            .iter()
            .filter_map(|&i| pods[i].sample.map(|s| s.value_milli))
            .collect();
        if values.is_empty() {
            return Err(MetricError::NoMetricsForTargetedPods);
        }
        let (ratio, usage_milli) = metric_usage_ratio(&values, target_milli);
        let result = |replicas| MetricReplicas {
            replicas,
            usage_milli,
        };
        let scale_up_with_unready = !groups.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && groups.missing.is_empty() {
            if tolerances.is_within(ratio) {
                return Ok(result(current_replicas));
            }
            return Ok(result(to_u32(ceil_i32(ratio * groups.ready.len() as f64))));
        }
        if ratio < 1.0 {
            values.extend(groups.missing.iter().map(|_| target_milli));
        } else if ratio > 1.0 {
            values.extend(groups.missing.iter().map(|_| 0));
        }
        if scale_up_with_unready {
            values.extend(groups.unready.iter().map(|_| 0));
        }
        let (new_ratio, _) = metric_usage_ratio(&values, target_milli);
        Ok(result(rebalanced_replicas(
            current_replicas,
            ratio,
            new_ratio,
            values.len(),
            tolerances,
        )))
    }
}

// ---------------------------------------------------------------------------
// Object and external metrics (replica_calculator.go)
// ---------------------------------------------------------------------------

/// Upstream `getReadyPodsCount`: pods `Running` with Ready `True` (deleting
/// pods included, as upstream).
fn ready_pods_count(pods: &[HpaPodView]) -> Result<u32, MetricError> {
    if pods.is_empty() {
        return Err(MetricError::NoPods);
    }
    let n = pods
        .iter()
        .filter(|p| {
            p.phase == PodPhase::Running
                && p.ready.is_some_and(|c| c.status == ConditionStatus::True)
        })
        .count();
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Upstream `getUsageRatioReplicaCount`: with `current != 0`, `current` if
/// within tolerance, else `ceil(ratio × ready pods)` (capped at `MaxInt32`);
/// with `current == 0`, `ceil(ratio)` (scale from zero, no tolerance).
fn usage_ratio_replica_count(
    pods: &[HpaPodView],
    current_replicas: u32,
    ratio: f64,
    tolerances: Tolerances,
) -> Result<u32, MetricError> {
    if current_replicas == 0 {
        return Ok(to_u32(ceil_i32(ratio)));
    }
    if tolerances.is_within(ratio) {
        return Ok(current_replicas);
    }
    let ready = ready_pods_count(pods)?;
    Ok(to_u32(ceil_i32(ratio * f64::from(ready))))
}

/// Upstream `GetObjectMetricReplicas`: an `Object` metric with a `value`
/// target. `ratio = value / target`; see [`usage_ratio_replica_count`] for
/// the count. `pods` are those the HPA's selector matches (read only for
/// their readiness). [`MetricReplicas::usage_milli`] is the object's value.
///
/// # Errors
/// [`MetricError::NoPods`] when the count is needed and `pods` is empty.
pub fn object_value_replicas(
    pods: &[HpaPodView],
    current_replicas: u32,
    value_milli: i64,
    target_milli: i64,
    tolerances: Tolerances,
) -> Result<MetricReplicas, MetricError> {
    let ratio = value_milli as f64 / target_milli as f64;
    Ok(MetricReplicas {
        replicas: usage_ratio_replica_count(pods, current_replicas, ratio, tolerances)?,
        usage_milli: value_milli,
    })
}

/// The sum of an external metric's series, saturating at `MaxInt64` as upstream caps it.
fn external_total(series_milli: &[i64]) -> i64 {
    series_milli
        .iter()
        .fold(0i64, |acc, &v| acc.saturating_add(v))
}

/// Upstream `GetExternalMetricReplicas`: an `External` metric with a `value`
/// target: [`object_value_replicas`] on the sum of all matching series.
///
/// # Errors
/// As [`object_value_replicas`].
pub fn external_value_replicas(
    pods: &[HpaPodView],
    current_replicas: u32,
    series_milli: &[i64],
    target_milli: i64,
    tolerances: Tolerances,
) -> Result<MetricReplicas, MetricError> {
    object_value_replicas(
        pods,
        current_replicas,
        external_total(series_milli),
        target_milli,
        tolerances,
    )
}

/// Upstream `GetObjectPerPodMetricReplicas`: an `Object` metric with an
/// `averageValue` target. `ratio = value / (target × statusReplicas)`; within
/// tolerance the count stays `statusReplicas`, else `ceil(value / target)`.
/// The reported usage is `ceil(value / statusReplicas)`. `status_replicas` is
/// the target's `status.replicas` (not `spec.replicas`).
pub fn object_average_value_replicas(
    status_replicas: u32,
    value_milli: i64,
    target_average_milli: i64,
    tolerances: Tolerances,
) -> MetricReplicas {
    let value = value_milli as f64;
    let status = f64::from(status_replicas);
    let ratio = value / (target_average_milli as f64 * status);
    let replicas = if tolerances.is_within(ratio) {
        status_replicas
    } else {
        to_u32(ceil_i32(value / target_average_milli as f64))
    };
    MetricReplicas {
        replicas,
        // Division by zero status replicas gives +Inf, which saturates.
        usage_milli: (value / status).ceil() as i64,
    }
}

/// Upstream `GetExternalPerPodMetricReplicas`: [`object_average_value_replicas`]
/// on the sum of all matching series.
pub fn external_average_value_replicas(
    status_replicas: u32,
    series_milli: &[i64],
    target_average_milli: i64,
    tolerances: Tolerances,
) -> MetricReplicas {
    object_average_value_replicas(
        status_replicas,
        external_total(series_milli),
        target_average_milli,
        tolerances,
    )
}

// ---------------------------------------------------------------------------
// Behavior (autoscaling/v2 HPAScalingRules)
// ---------------------------------------------------------------------------

/// `HPAScalingPolicyType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Change by at most `value` pods per period.
    Pods,
    /// Change by at most `value` percent of the replicas at the period's start.
    Percent,
}

/// One `HPAScalingPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalingPolicy {
    /// `type`.
    pub kind: PolicyKind,
    /// `value` (pods, or percent).
    pub value: u32,
    /// `periodSeconds`.
    pub period_s: u32,
}

/// `selectPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelectPolicy {
    /// The policy allowing the most change (the default).
    Max,
    /// The policy allowing the least change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// `HPAScalingRules` for one direction.
#[derive(Clone, Debug, PartialEq)]
pub struct ScalingRules {
    /// `stabilizationWindowSeconds`. Unset means 0 for scale-up (the API
    /// default) and the controller's downscale-stabilization flag for
    /// scale-down (`maybeInitScaleDownStabilizationWindow`).
    pub stabilization_window_s: Option<u32>,
    /// `selectPolicy`.
    pub select_policy: SelectPolicy,
    /// `policies`.
    pub policies: Vec<ScalingPolicy>,
    /// `tolerance` (`HPAConfigurableTolerance`); unset means the controller's flag.
    pub tolerance: Option<f64>,
}

impl ScalingRules {
    /// Upstream `GenerateHPAScaleUpRules` defaults: window 0 s, `Max`,
    /// `Pods 4 / 15 s` and `Percent 100 / 15 s`.
    pub fn default_scale_up() -> Self {
        ScalingRules {
            stabilization_window_s: Some(DEFAULT_SCALE_UP_STABILIZATION_S),
            select_policy: SelectPolicy::Max,
            policies: vec![DEFAULT_SCALE_UP_PODS, DEFAULT_SCALE_UP_PERCENT],
            tolerance: None,
        }
    }

    /// Upstream `GenerateHPAScaleDownRules` defaults: window unset (the
    /// controller's 300 s flag), `Max`, `Percent 100 / 15 s`.
    pub fn default_scale_down() -> Self {
        ScalingRules {
            stabilization_window_s: None,
            select_policy: SelectPolicy::Max,
            policies: vec![DEFAULT_SCALE_DOWN_PERCENT],
            tolerance: None,
        }
    }

    /// Upstream `getLongestPolicyPeriod`, seconds (0 without policies).
    pub fn longest_policy_period_s(&self) -> u32 {
        self.policies.iter().map(|p| p.period_s).max().unwrap_or(0)
    }
}

/// `spec.behavior`.
#[derive(Clone, Debug, PartialEq)]
pub struct Behavior {
    /// `scaleUp`.
    pub scale_up: ScalingRules,
    /// `scaleDown`.
    pub scale_down: ScalingRules,
}

impl Default for Behavior {
    /// Both directions at upstream's defaults (what a `behavior: {}` becomes).
    fn default() -> Self {
        Behavior {
            scale_up: ScalingRules::default_scale_up(),
            scale_down: ScalingRules::default_scale_down(),
        }
    }
}

/// What the HPA controller reads from the HPA's spec.
#[derive(Clone, Debug, PartialEq)]
pub struct HpaSpecView {
    /// `minReplicas` (API default 1).
    pub min_replicas: u32,
    /// `maxReplicas`.
    pub max_replicas: u32,
    /// `behavior`; `None` selects the legacy normalization.
    pub behavior: Option<Behavior>,
}

impl HpaSpecView {
    /// The tolerances for this HPA's metrics: each direction's
    /// `behavior.tolerance` if set, else the controller's flag.
    pub fn tolerances(&self, config: &HpaControllerConfig) -> Tolerances {
        let pick = |rules: Option<&ScalingRules>| {
            rules.and_then(|r| r.tolerance).unwrap_or(config.tolerance)
        };
        Tolerances {
            scale_down: pick(self.behavior.as_ref().map(|b| &b.scale_down)),
            scale_up: pick(self.behavior.as_ref().map(|b| &b.scale_up)),
        }
    }
}

// ---------------------------------------------------------------------------
// Controller state (horizontal.go: recommendations, scaleUpEvents, scaleDownEvents)
// ---------------------------------------------------------------------------

/// One unstabilized recommendation (upstream `timestampedRecommendation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimestampedRecommendation {
    /// When it was made, ms.
    pub time_ms: u64,
    /// The recommended replica count.
    pub replicas: u32,
}

/// One scale event (upstream `timestampedScaleEvent`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScaleEvent {
    /// How many replicas were added (scale-up list) or removed (scale-down list).
    pub replica_change: u32,
    /// When, ms.
    pub time_ms: u64,
    /// Older than the longest policy period at the last store: its slot may be reused.
    pub outdated: bool,
}

/// The HPA controller's in-memory history for one HPA. The caller keeps one
/// per HPA for the HPA's lifetime (upstream drops it when the HPA is deleted).
/// Slots are reused the way upstream reuses them, so the vectors stay small.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HpaState {
    /// Recent unstabilized recommendations.
    pub recommendations: Vec<TimestampedRecommendation>,
    /// Recent scale-ups (only kept when the HPA has a `behavior`).
    pub scale_up_events: Vec<ScaleEvent>,
    /// Recent scale-downs (only kept when the HPA has a `behavior`).
    pub scale_down_events: Vec<ScaleEvent>,
}

/// `now - window` as a signed cutoff, so early times do not wrap.
fn cutoff(now_ms: u64, window_ms: u64) -> i64 {
    to_i64(now_ms) - to_i64(window_ms)
}

fn to_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

fn secs_to_ms(s: u32) -> u64 {
    u64::from(s) * 1000
}

impl HpaState {
    /// An empty history.
    pub fn new() -> Self {
        HpaState::default()
    }

    /// Upstream `recordInitialRecommendation`: on the first sync, remember
    /// the current replica count as a recommendation made now (so the legacy
    /// path cannot scale down within its window of the HPA first being seen).
    pub fn record_initial_recommendation(&mut self, current_replicas: u32, now_ms: u64) {
        if self.recommendations.is_empty() {
            self.recommendations.push(TimestampedRecommendation {
                time_ms: now_ms,
                replicas: current_replicas,
            });
        }
    }

    /// Upstream `storeScaleEvent`: after a rescale from `prev` to `new`, record
    /// the change in the scale-up or scale-down list (nothing without a
    /// behavior). Events older than that direction's longest policy period are
    /// marked outdated first; the last outdated slot is reused, else one is appended.
    pub fn store_scale_event(
        &mut self,
        behavior: Option<&Behavior>,
        prev_replicas: u32,
        new_replicas: u32,
        now_ms: u64,
    ) {
        let Some(behavior) = behavior else {
            return;
        };
        let (events, rules, change) = if new_replicas > prev_replicas {
            (
                &mut self.scale_up_events,
                &behavior.scale_up,
                new_replicas - prev_replicas,
            )
        } else {
            (
                &mut self.scale_down_events,
                &behavior.scale_down,
                prev_replicas - new_replicas,
            )
        };
        let cut = cutoff(now_ms, secs_to_ms(rules.longest_policy_period_s()));
        for e in events.iter_mut() {
            if to_i64(e.time_ms) < cut {
                e.outdated = true;
            }
        }
        let event = ScaleEvent {
            replica_change: change,
            time_ms: now_ms,
            outdated: false,
        };
        match events.iter().rposition(|e| e.outdated) {
            Some(i) => events[i] = event,
            None => events.push(event),
        }
    }
}

// ---------------------------------------------------------------------------
// Normalization: legacy path (behavior == nil)
// ---------------------------------------------------------------------------

/// The `ScalingLimited` condition's reason after normalization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitReason {
    /// `DesiredWithinRange`: nothing clipped the recommendation.
    DesiredWithinRange,
    /// `ScaleUpLimit`: the scale-up rate limit (or legacy cap) bound.
    ScaleUpLimit,
    /// `ScaleDownLimit`: the scale-down rate limit bound.
    ScaleDownLimit,
    /// `TooManyReplicas`: `maxReplicas` bound.
    TooManyReplicas,
    /// `TooFewReplicas`: `minReplicas` bound.
    TooFewReplicas,
}

impl LimitReason {
    /// The reason string upstream sets on the condition.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitReason::DesiredWithinRange => "DesiredWithinRange",
            LimitReason::ScaleUpLimit => "ScaleUpLimit",
            LimitReason::ScaleDownLimit => "ScaleDownLimit",
            LimitReason::TooManyReplicas => "TooManyReplicas",
            LimitReason::TooFewReplicas => "TooFewReplicas",
        }
    }
}

/// The `AbleToScale` condition's reason after stabilization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StabilizationReason {
    /// `ReadyForNewScale`: stabilization left the recommendation unchanged.
    ReadyForNewScale,
    /// `ScaleUpStabilized`: held down to the lowest recent recommendation.
    ScaleUpStabilized,
    /// `ScaleDownStabilized`: held up to the highest recent recommendation.
    ScaleDownStabilized,
}

/// Upstream `stabilizeRecommendation` (legacy): the highest of `desired` and
/// every stored recommendation not older than `window_ms` (one exactly at the
/// cutoff still counts). Stores `desired` at `now_ms`, reusing the last slot
/// older than the window, else appending.
pub fn stabilize_recommendation(
    recommendations: &mut Vec<TimestampedRecommendation>,
    desired_replicas: u32,
    now_ms: u64,
    window_ms: u64,
) -> u32 {
    let cut = cutoff(now_ms, window_ms);
    let mut max = desired_replicas;
    let mut old = None;
    for (i, r) in recommendations.iter().enumerate() {
        if to_i64(r.time_ms) < cut {
            old = Some(i);
        } else if r.replicas > max {
            max = r.replicas;
        }
    }
    let rec = TimestampedRecommendation {
        time_ms: now_ms,
        replicas: desired_replicas,
    };
    match old {
        Some(i) => recommendations[i] = rec,
        None => recommendations.push(rec),
    }
    max
}

/// Upstream `calculateScaleUpLimit`: `int32(max(2 × current, 4))`.
pub fn legacy_scale_up_limit(current_replicas: u32) -> u32 {
    let limit = (SCALE_UP_LIMIT_FACTOR * f64::from(current_replicas)).max(SCALE_UP_LIMIT_MINIMUM);
    to_u32(i64::from(limit as i32))
}

/// Upstream `convertDesiredReplicasWithRules` (legacy): clamp `desired` to
/// `[min, min(max, scale-up limit)]`. Below min gives `TooFewReplicas`; above
/// the upper bound gives `ScaleUpLimit` if the cap is below `max`, else
/// `TooManyReplicas`.
pub fn convert_desired_replicas_with_rules(
    current_replicas: u32,
    desired_replicas: u32,
    min_replicas: u32,
    max_replicas: u32,
) -> (u32, LimitReason) {
    let limit = legacy_scale_up_limit(current_replicas);
    let (max_allowed, reason) = if max_replicas > limit {
        (limit, LimitReason::ScaleUpLimit)
    } else {
        (max_replicas, LimitReason::TooManyReplicas)
    };
    if desired_replicas < min_replicas {
        (min_replicas, LimitReason::TooFewReplicas)
    } else if desired_replicas > max_allowed {
        (max_allowed, reason)
    } else {
        (desired_replicas, LimitReason::DesiredWithinRange)
    }
}

/// What normalization decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Normalized {
    /// The final replica count.
    pub replicas: u32,
    /// The stabilized recommendation, before the rate limits / clamping.
    pub stabilized: u32,
    /// The `AbleToScale` reason stabilization gave.
    pub stabilization: StabilizationReason,
    /// The `ScalingLimited` reason the limits gave.
    pub limit: LimitReason,
}

/// Upstream `normalizeDesiredReplicas` (legacy path, `behavior == nil`):
/// [`stabilize_recommendation`] over the downscale window, then
/// [`convert_desired_replicas_with_rules`].
pub fn normalize_desired_replicas(
    state: &mut HpaState,
    spec: &HpaSpecView,
    current_replicas: u32,
    desired_replicas: u32,
    now_ms: u64,
    config: &HpaControllerConfig,
) -> Normalized {
    let stabilized = stabilize_recommendation(
        &mut state.recommendations,
        desired_replicas,
        now_ms,
        config.downscale_stabilization_window_ms,
    );
    let stabilization = if stabilized != desired_replicas {
        StabilizationReason::ScaleDownStabilized
    } else {
        StabilizationReason::ReadyForNewScale
    };
    let (replicas, limit) = convert_desired_replicas_with_rules(
        current_replicas,
        stabilized,
        spec.min_replicas,
        spec.max_replicas,
    );
    Normalized {
        replicas,
        stabilized,
        stabilization,
        limit,
    }
}

// ---------------------------------------------------------------------------
// Normalization with behavior
// ---------------------------------------------------------------------------

/// Upstream `stabilizeRecommendationWithBehaviors`. Over the stored
/// recommendations made strictly after `now - window`: the scale-up bound is
/// the lowest of them and `desired` (up window), the scale-down bound the
/// highest (down window). The result starts at `current`, is raised to the
/// up bound and then lowered to the down bound: it scales up only as far as
/// every recent recommendation agrees, and down likewise. Stores `desired` at
/// `now_ms`, reusing the last slot older than both windows, else appending.
/// The reason is `ScaleUpStabilized` when `desired >= current`, else
/// `ScaleDownStabilized` (the caller reports it only if the result differs
/// from `desired`).
pub fn stabilize_recommendation_with_behaviors(
    recommendations: &mut Vec<TimestampedRecommendation>,
    current_replicas: u32,
    desired_replicas: u32,
    up_window_s: u32,
    down_window_s: u32,
    now_ms: u64,
) -> (u32, StabilizationReason) {
    let up_cut = cutoff(now_ms, secs_to_ms(up_window_s));
    let down_cut = cutoff(now_ms, secs_to_ms(down_window_s));
    let mut up = desired_replicas;
    let mut down = desired_replicas;
    let mut old = None;
    for (i, r) in recommendations.iter().enumerate() {
        let t = to_i64(r.time_ms);
        if t > up_cut {
            up = up.min(r.replicas);
        }
        if t > down_cut {
            down = down.max(r.replicas);
        }
        if t < up_cut && t < down_cut {
            old = Some(i);
        }
    }
    let stabilized = current_replicas.max(up).min(down);
    let rec = TimestampedRecommendation {
        time_ms: now_ms,
        replicas: desired_replicas,
    };
    match old {
        Some(i) => recommendations[i] = rec,
        None => recommendations.push(rec),
    }
    let reason = if desired_replicas >= current_replicas {
        StabilizationReason::ScaleUpStabilized
    } else {
        StabilizationReason::ScaleDownStabilized
    };
    (stabilized, reason)
}

/// Upstream `getReplicasChangePerPeriod`: the sum of the changes of events
/// made strictly after `now - period` (age < period).
pub fn replicas_change_per_period(period_s: u32, events: &[ScaleEvent], now_ms: u64) -> i64 {
    let cut = cutoff(now_ms, secs_to_ms(period_s));
    events
        .iter()
        .filter(|e| to_i64(e.time_ms) > cut)
        .map(|e| i64::from(e.replica_change))
        .sum()
}

/// The replica count at the start of `policy`'s period: `current - added + removed`.
fn period_start_replicas(
    current_replicas: u32,
    policy: &ScalingPolicy,
    state: &HpaState,
    now_ms: u64,
) -> i64 {
    i64::from(current_replicas)
        - replicas_change_per_period(policy.period_s, &state.scale_up_events, now_ms)
        + replicas_change_per_period(policy.period_s, &state.scale_down_events, now_ms)
}

/// Go's `int32(x)` for a float: truncation toward zero (saturating out of range).
fn trunc_i32(x: f64) -> i64 {
    i64::from(x as i32)
}

/// Upstream `calculateScaleUpLimitWithScalingRules`: the most replicas the
/// scale-up policies allow now. Per policy, from the period-start count `s`:
/// `Pods` gives `s + value`, `Percent` gives `ceil(s × (1 + value/100))`.
/// `Max` takes the largest proposal, `Min` the smallest; `Disabled` returns
/// `current`. May be below `current` (the caller raises it).
pub fn scale_up_limit(
    current_replicas: u32,
    state: &HpaState,
    rules: &ScalingRules,
    now_ms: u64,
) -> i64 {
    let select: fn(i64, i64) -> i64 = match rules.select_policy {
        SelectPolicy::Disabled => return i64::from(current_replicas),
        SelectPolicy::Min => i64::min,
        SelectPolicy::Max => i64::max,
    };
    let mut result = match rules.select_policy {
        SelectPolicy::Min => i64::from(i32::MAX),
        _ => i64::from(i32::MIN),
    };
    for policy in &rules.policies {
        let start = period_start_replicas(current_replicas, policy, state, now_ms);
        let proposed = match policy.kind {
            PolicyKind::Pods => start + i64::from(policy.value),
            PolicyKind::Percent => {
                // Rounded up so a small percentage still adds a pod.
                ceil_i32(start as f64 * (1.0 + f64::from(policy.value) / 100.0))
            }
        };
        result = select(result, proposed);
    }
    result
}

/// Upstream `calculateScaleDownLimitWithBehaviors`: the fewest replicas the
/// scale-down policies allow now. Per policy, from the period-start count `s`:
/// `Pods` gives `s - value`, `Percent` gives `int32(s × (1 - value/100))`
/// (truncated). `Max` (most change) takes the smallest proposal, `Min` the
/// largest; `Disabled` returns `current`. May be above `current` or negative.
pub fn scale_down_limit(
    current_replicas: u32,
    state: &HpaState,
    rules: &ScalingRules,
    now_ms: u64,
) -> i64 {
    let select: fn(i64, i64) -> i64 = match rules.select_policy {
        SelectPolicy::Disabled => return i64::from(current_replicas),
        SelectPolicy::Min => i64::max,
        SelectPolicy::Max => i64::min,
    };
    let mut result = match rules.select_policy {
        SelectPolicy::Min => i64::from(i32::MIN),
        _ => i64::from(i32::MAX),
    };
    for policy in &rules.policies {
        let start = period_start_replicas(current_replicas, policy, state, now_ms);
        let proposed = match policy.kind {
            PolicyKind::Pods => start - i64::from(policy.value),
            PolicyKind::Percent => {
                trunc_i32(start as f64 * (1.0 - f64::from(policy.value) / 100.0))
            }
        };
        result = select(result, proposed);
    }
    result
}

/// Upstream `convertDesiredReplicasWithBehaviorRate`: clip a (stabilized)
/// recommendation by the rate limits and `[min, max]`.
/// - Up (`desired > current`): the limit is [`scale_up_limit`], raised to
///   `current`; the ceiling is `min(max, limit)`, reason `ScaleUpLimit` if the
///   limit is below `max`, else `TooManyReplicas`.
/// - Down (`desired < current`): the limit is [`scale_down_limit`], lowered to
///   `current`; the floor is `max(min, limit)`, reason `ScaleDownLimit` if the
///   limit is above `min`, else `TooFewReplicas`.
/// - Otherwise, or when not clipped: `desired`, `DesiredWithinRange`.
///
/// Only the direction of the change is checked against its bound: a
/// scale-up above `min` is never raised to `min` here, as upstream.
pub fn convert_desired_replicas_with_behavior_rate(
    state: &HpaState,
    behavior: &Behavior,
    min_replicas: u32,
    max_replicas: u32,
    current_replicas: u32,
    desired_replicas: u32,
    now_ms: u64,
) -> (u32, LimitReason) {
    let current = i64::from(current_replicas);
    let desired = i64::from(desired_replicas);
    match desired.cmp(&current) {
        Ordering::Greater => {
            let limit =
                scale_up_limit(current_replicas, state, &behavior.scale_up, now_ms).max(current);
            let max = i64::from(max_replicas);
            let (max_allowed, reason) = if max > limit {
                (limit, LimitReason::ScaleUpLimit)
            } else {
                (max, LimitReason::TooManyReplicas)
            };
            if desired > max_allowed {
                return (to_u32(max_allowed), reason);
            }
        }
        Ordering::Less => {
            let limit = scale_down_limit(current_replicas, state, &behavior.scale_down, now_ms)
                .min(current);
            let min = i64::from(min_replicas);
            let (min_allowed, reason) = if min < limit {
                (limit, LimitReason::ScaleDownLimit)
            } else {
                (min, LimitReason::TooFewReplicas)
            };
            if desired < min_allowed {
                return (to_u32(min_allowed), reason);
            }
        }
        Ordering::Equal => {}
    }
    (desired_replicas, LimitReason::DesiredWithinRange)
}

/// Upstream `normalizeDesiredReplicasWithBehaviors`: fill an unset scale-down
/// window from the controller flag, [`stabilize_recommendation_with_behaviors`],
/// then [`convert_desired_replicas_with_behavior_rate`] on the stabilized value.
/// The stabilization reason is `ReadyForNewScale` unless stabilization
/// changed the recommendation.
pub fn normalize_desired_replicas_with_behaviors(
    state: &mut HpaState,
    spec: &HpaSpecView,
    behavior: &Behavior,
    current_replicas: u32,
    desired_replicas: u32,
    now_ms: u64,
    config: &HpaControllerConfig,
) -> Normalized {
    let up_window = behavior
        .scale_up
        .stabilization_window_s
        .unwrap_or(DEFAULT_SCALE_UP_STABILIZATION_S);
    // Upstream: int32(downscaleStabilisationWindow.Seconds()), truncated.
    let flag_window =
        u32::try_from(config.downscale_stabilization_window_ms / 1000).unwrap_or(u32::MAX);
    let down_window = behavior
        .scale_down
        .stabilization_window_s
        .unwrap_or(flag_window);
    let (stabilized, reason) = stabilize_recommendation_with_behaviors(
        &mut state.recommendations,
        current_replicas,
        desired_replicas,
        up_window,
        down_window,
        now_ms,
    );
    let stabilization = if stabilized != desired_replicas {
        reason
    } else {
        StabilizationReason::ReadyForNewScale
    };
    let (replicas, limit) = convert_desired_replicas_with_behavior_rate(
        state,
        behavior,
        spec.min_replicas,
        spec.max_replicas,
        current_replicas,
        stabilized,
        now_ms,
    );
    Normalized {
        replicas,
        stabilized,
        stabilization,
        limit,
    }
}

// ---------------------------------------------------------------------------
// Reconcile (horizontal.go: computeReplicasForMetrics, reconcileAutoscaler)
// ---------------------------------------------------------------------------

/// Upstream `computeReplicasForMetrics`' combination step: the largest of the
/// valid proposals (`None` = a metric that failed). Returns `None` — no
/// scaling this sync — when every metric failed, or when some failed and the
/// valid ones would scale below `spec_replicas`: an invalid metric blocks a
/// scale-down but not a scale-up. An empty list also gives `None`; upstream
/// never sees one, as the API defaults an HPA without metrics to CPU 80 %.
pub fn replicas_for_metrics(spec_replicas: u32, proposals: &[Option<u32>]) -> Option<u32> {
    let mut replicas = 0;
    let mut invalid = 0;
    for p in proposals {
        match *p {
            Some(r) => replicas = replicas.max(r),
            None => invalid += 1,
        }
    }
    if invalid >= proposals.len() || (invalid > 0 && replicas < spec_replicas) {
        None
    } else {
        Some(replicas)
    }
}

/// Why [`reconcile`] decided as it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecisionReason {
    /// The target has 0 replicas and `minReplicas != 0`: autoscaling is
    /// disabled (`ScalingDisabled`); nothing is computed or stored.
    ScalingDisabled,
    /// Metrics could not justify a decision (see [`replicas_for_metrics`]):
    /// no scaling, no recommendation stored.
    MetricsUnavailable,
    /// `current > maxReplicas`: scale to max without reading metrics.
    AboveMax,
    /// `current < minReplicas`: scale to min without reading metrics.
    BelowMin,
    /// The metrics' proposal after normalization.
    Normalized {
        /// The largest valid metric proposal (the prenormalized recommendation).
        metric_replicas: u32,
        /// What normalization did to it.
        normalized: Normalized,
    },
}

/// The outcome of one sync of one HPA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HpaDecision {
    /// The replica count to write to the target (`status.desiredReplicas`);
    /// equal to the current count unless `rescale`.
    pub desired_replicas: u32,
    /// Whether to update the target's `spec.replicas`.
    pub rescale: bool,
    /// Why.
    pub reason: DecisionReason,
}

/// Upstream `reconcileAutoscaler`, from the point the target's scale is read.
/// `current_replicas` is the target's `spec.replicas`; `metric_proposals`
/// holds one proposal per metric in spec order (`None` for a failed metric),
/// computed against `current_replicas`.
///
/// 1. On the first sync, remember `current` as a recommendation
///    ([`HpaState::record_initial_recommendation`]).
/// 2. `current == 0` with `min != 0`: disabled, no action.
/// 3. `current > max`: max; `current < min`: min (metrics not consulted).
/// 4. Else [`replicas_for_metrics`]; `None` means no action. Normalize with
///    [`normalize_desired_replicas_with_behaviors`] or, without a behavior,
///    [`normalize_desired_replicas`]; rescale if the result differs from current.
/// 5. On a rescale, [`HpaState::store_scale_event`].
pub fn reconcile(
    state: &mut HpaState,
    spec: &HpaSpecView,
    current_replicas: u32,
    metric_proposals: &[Option<u32>],
    now_ms: u64,
    config: &HpaControllerConfig,
) -> HpaDecision {
    state.record_initial_recommendation(current_replicas, now_ms);
    let hold = |reason| HpaDecision {
        desired_replicas: current_replicas,
        rescale: false,
        reason,
    };
    let (desired, reason) = if current_replicas == 0 && spec.min_replicas != 0 {
        return hold(DecisionReason::ScalingDisabled);
    } else if current_replicas > spec.max_replicas {
        (spec.max_replicas, DecisionReason::AboveMax)
    } else if current_replicas < spec.min_replicas {
        (spec.min_replicas, DecisionReason::BelowMin)
    } else {
        let Some(metric_replicas) = replicas_for_metrics(current_replicas, metric_proposals) else {
            return hold(DecisionReason::MetricsUnavailable);
        };
        let normalized = match &spec.behavior {
            None => normalize_desired_replicas(
                state,
                spec,
                current_replicas,
                metric_replicas,
                now_ms,
                config,
            ),
            Some(behavior) => normalize_desired_replicas_with_behaviors(
                state,
                spec,
                behavior,
                current_replicas,
                metric_replicas,
                now_ms,
                config,
            ),
        };
        (
            normalized.replicas,
            DecisionReason::Normalized {
                metric_replicas,
                normalized,
            },
        )
    };
    if desired == current_replicas {
        return hold(reason);
    }
    state.store_scale_event(spec.behavior.as_ref(), current_replicas, desired, now_ms);
    HpaDecision {
        desired_replicas: desired,
        rescale: true,
        reason,
    }
}
