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
/// target (upstream `getUsageRatioReplicaCount` for the count). With
/// `ratio = value / target`: if `current == 0`, `ceil(ratio)` (scale from
/// zero, no tolerance); else `current` within tolerance, otherwise
/// `ceil(ratio × pods Running and Ready)`. `pods` are those the HPA's
/// selector matches, read only for their readiness.
/// [`MetricReplicas::usage_milli`] is the object's value.
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

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR_MS: u64 = 3_600_000;
    /// A simulated "now" late enough for hour-old pods.
    const T0: u64 = 10 * HOUR_MS;

    /// The timings upstream's unit tests use (2 min, 10 s).
    const TEST_CALC: ReplicaCalculator = ReplicaCalculator {
        cpu_initialization_period_ms: 120_000,
        initial_readiness_delay_ms: 10_000,
    };

    fn pod(
        phase: PodPhase,
        start_ago_ms: Option<u64>,
        ready: Option<(ConditionStatus, u64)>,
        sample: Option<(u64, u64)>,
    ) -> HpaPodView {
        HpaPodView {
            phase,
            deleting: false,
            ready: ready.map(|(status, ago)| ReadyCondition {
                status,
                last_transition_ms: T0 - ago,
            }),
            start_time_ms: start_ago_ms.map(|ago| T0 - ago),
            request_milli: 1000,
            sample: sample.map(|(ago, window_ms)| MetricSample {
                value_milli: 1,
                timestamp_ms: T0 - ago,
                window_ms,
            }),
        }
    }

    fn class(p: &HpaPodView, resource: Option<ResourceName>) -> PodClass {
        classify_pod(p, resource, T0, &TEST_CALC)
    }

    use ConditionStatus::{False, True, Unknown};
    const CPU: Option<ResourceName> = Some(ResourceName::Cpu);
    const MIN: u64 = 60_000;
    const SEC: u64 = 1_000;

    // Cases restated from upstream's TestGroupPods (2 min init period, 10 s delay).
    #[test]
    fn group_pods_readiness_rules() {
        // Non-cpu resources skip the readiness rules entirely.
        let no_condition = pod(PodPhase::Succeeded, None, None, Some((0, MIN)));
        assert_eq!(
            class(&no_condition, Some(ResourceName::Memory)),
            PodClass::Ready
        );
        assert_eq!(class(&no_condition, None), PodClass::Ready);
        // cpu: no Ready condition (or no start time) is unready.
        let started_now = pod(PodPhase::Succeeded, Some(0), None, Some((0, 0)));
        assert_eq!(class(&started_now, CPU), PodClass::Unready);
        // In the init period, Ready 30 s ago: a 30 s sample ending now is a full
        // window after the transition (ready), a 60 s one is not (unready).
        let fresh = pod(
            PodPhase::Running,
            Some(MIN),
            Some((True, 30 * SEC)),
            Some((0, 30 * SEC)),
        );
        assert_eq!(class(&fresh, CPU), PodClass::Ready);
        let stale = pod(
            PodPhase::Running,
            Some(MIN),
            Some((True, 30 * SEC)),
            Some((0, MIN)),
        );
        assert_eq!(class(&stale, CPU), PodClass::Unready);
        // After the init period a stale sample no longer matters.
        let old_ready = pod(
            PodPhase::Running,
            Some(3 * MIN),
            Some((True, 3 * MIN)),
            Some((2 * MIN, MIN)),
        );
        assert_eq!(class(&old_ready, CPU), PodClass::Ready);
        // After the init period, not Ready: unready only if it never became
        // ready within the delay of its start (transition before start + 10 s).
        let never_ready = pod(
            PodPhase::Running,
            Some(10 * MIN),
            Some((False, 9 * MIN + 54 * SEC)),
            Some((0, 0)),
        );
        assert_eq!(class(&never_ready, CPU), PodClass::Unready);
        let was_ready = pod(
            PodPhase::Running,
            Some(10 * MIN),
            Some((False, 9 * MIN)),
            Some((0, 0)),
        );
        assert_eq!(class(&was_ready, CPU), PodClass::Ready);
        // Transition exactly at start + delay: not before it, so counted (upstream's
        // "unready pod that has never been ready after initialization period" expects 1 ready).
        let boundary = pod(
            PodPhase::Running,
            Some(10 * MIN),
            Some((False, 9 * MIN + 50 * SEC)),
            Some((0, 0)),
        );
        assert_eq!(class(&boundary, CPU), PodClass::Ready);
        // Unknown is not False: neither rule fires on it.
        let unknown = pod(
            PodPhase::Running,
            Some(MIN),
            Some((Unknown, 2 * MIN)),
            Some((0, 0)),
        );
        assert_eq!(class(&unknown, CPU), PodClass::Ready);
        // Missing, pending, deleting, failed; deleting and failed win over a sample.
        let missing = pod(PodPhase::Succeeded, Some(3 * MIN), None, None);
        assert_eq!(class(&missing, CPU), PodClass::Missing);
        let pending = pod(PodPhase::Pending, None, None, None);
        assert_eq!(class(&pending, CPU), PodClass::Unready);
        let mut deleting = pod(PodPhase::Pending, None, None, Some((0, 0)));
        deleting.deleting = true;
        assert_eq!(class(&deleting, CPU), PodClass::Ignored);
        let failed = pod(PodPhase::Failed, None, None, Some((0, 0)));
        assert_eq!(class(&failed, CPU), PodClass::Ignored);

        // "several pods": one each of unready, ready and missing, indices kept.
        let groups = TEST_CALC.group_pods(&[started_now, old_ready, missing], CPU, T0);
        assert_eq!(
            groups,
            PodGroups {
                ready: vec![1],
                unready: vec![0],
                missing: vec![2],
                ignored: vec![],
            }
        );
    }

    #[test]
    fn api_times_are_whole_seconds() {
        // Ready at T0 - 29.5 s, which the API serves as T0 - 30 s: a 30 s sample
        // ending now then covers a full window after the transition.
        let p = HpaPodView {
            ready: Some(ReadyCondition {
                status: True,
                last_transition_ms: T0 - 29_500,
            }),
            ..pod(
                PodPhase::Running,
                Some(MIN),
                Some((True, 0)),
                Some((0, 30 * SEC)),
            )
        };
        assert_eq!(class(&p, CPU), PodClass::Ready);
    }

    #[test]
    fn tolerance_band_is_inclusive_and_may_be_asymmetric() {
        let t = Tolerances::default();
        assert!(t.is_within(0.9) && t.is_within(1.1) && t.is_within(1.0));
        assert!(!t.is_within(0.89) && !t.is_within(1.11));
        // Newer upstream compares 1.1 <= 1 + 0.1 (true); the older |1 - r| <= 0.1
        // form rejected 1.1 because 1.1 - 1 rounds above 0.1 in floating point.
        assert!((1.1f64 - 1.0).abs() > 0.1);
        let t = Tolerances {
            scale_down: 0.05,
            scale_up: 0.0,
        };
        assert!(t.is_within(1.0) && t.is_within(0.95));
        assert!(!t.is_within(1.0001) && !t.is_within(0.94));
        let spec = HpaSpecView {
            min_replicas: 1,
            max_replicas: 10,
            behavior: Some(Behavior {
                scale_up: ScalingRules {
                    tolerance: Some(0.0),
                    ..ScalingRules::default_scale_up()
                },
                ..Behavior::default()
            }),
        };
        assert_eq!(
            spec.tolerances(&HpaControllerConfig::default()),
            t_pair(0.1, 0.0)
        );
    }

    fn t_pair(scale_down: f64, scale_up: f64) -> Tolerances {
        Tolerances {
            scale_down,
            scale_up,
        }
    }

    // -----------------------------------------------------------------------
    // Steady states for the scaling issue: pods request 1 CPU, each request/s
    // costs 1m CPU, spread evenly over the Ready pods; target 50 %; legacy
    // path (no behavior), min 1, max 10, default flags, one sync per 15 s.
    // -----------------------------------------------------------------------

    /// `n` pods Ready for an hour, sharing `total_milli` CPU as evenly as integers allow.
    fn loaded_pods(n: u32, total_milli: i64, now_ms: u64) -> Vec<HpaPodView> {
        let n64 = i64::from(n);
        (0..n64)
            .map(|i| HpaPodView {
                phase: PodPhase::Running,
                deleting: false,
                ready: Some(ReadyCondition {
                    status: True,
                    last_transition_ms: now_ms - HOUR_MS,
                }),
                start_time_ms: Some(now_ms - HOUR_MS),
                request_milli: 1000,
                sample: Some(MetricSample {
                    value_milli: total_milli / n64 + i64::from(i < total_milli % n64),
                    timestamp_ms: now_ms,
                    window_ms: 30_000,
                }),
            })
            .collect()
    }

    /// Replica counts after each of `syncs` syncs, starting from 2 pods.
    fn legacy_run(requests_per_s: i64, syncs: usize) -> Vec<u32> {
        let config = HpaControllerConfig::default();
        let calc = config.replica_calculator();
        let spec = HpaSpecView {
            min_replicas: 1,
            max_replicas: 10,
            behavior: None,
        };
        let mut state = HpaState::new();
        let mut current = 2;
        let mut out = Vec::new();
        for k in 0..syncs {
            let now = T0 + k as u64 * config.sync_period_ms;
            let pods = loaded_pods(current, requests_per_s, now);
            let proposal = calc
                .resource_replicas(
                    &pods,
                    current,
                    50,
                    ResourceName::Cpu,
                    spec.tolerances(&config),
                    now,
                )
                .ok()
                .map(|r| r.replicas);
            let d = reconcile(&mut state, &spec, current, &[proposal], now, &config);
            current = d.desired_replicas;
            out.push(current);
        }
        out
    }

    #[test]
    fn steady_state_3000_rps_goes_2_4_6() {
        // 2 pods: 3000m over 2000m requested = 150 %; ratio 150/50 = 3.0;
        //   ceil(3.0 * 2) = 6, capped by max(2*2, 4) = 4          -> 4
        // 4 pods: 3000*100/4000 = 75 %; ratio 1.5; ceil(1.5 * 4) = 6,
        //   cap max(2*4, 4) = 8 does not bind                       -> 6
        // 6 pods: 3000*100/6000 = 50 %; ratio 1.0, within tolerance -> 6
        assert_eq!(legacy_run(3000, 5), vec![4, 6, 6, 6, 6]);
    }

    #[test]
    fn steady_state_2000_rps_goes_to_4() {
        // 2 pods: 100 %; ratio 2.0; ceil(2.0 * 2) = 4 = the cap     -> 4
        // 4 pods: 50 %; ratio 1.0                                   -> 4
        assert_eq!(legacy_run(2000, 3), vec![4, 4, 4]);
    }

    #[test]
    fn steady_state_1300_rps_goes_to_3() {
        // 2 pods: 1300*100/2000 = 65 %; ratio 1.3; ceil(1.3 * 2) = ceil(2.6) = 3 -> 3
        // 3 pods: 1300*100/3000 = 43 % (truncated); ratio 0.86 is outside the
        //   tolerance, but ceil(0.86 * 3) = ceil(2.58) = 3 = current  -> 3
        assert_eq!(legacy_run(1300, 4), vec![3, 3, 3, 3]);
    }

    #[test]
    fn steady_state_1080_rps_stays_at_2() {
        // 2 pods: 1080*100/2000 = 54 %; ratio 1.08 <= 1.1, within tolerance -> 2
        assert_eq!(legacy_run(1080, 3), vec![2, 2, 2]);
    }

    #[test]
    fn new_pods_without_samples_do_not_change_the_second_step() {
        // 15 s after 2 -> 4, the new pods are Running but not Ready and have no
        // sample yet; the load still goes to the 2 old pods (1500m each).
        let config = HpaControllerConfig::default();
        let now = T0 + 15_000;
        let mut pods = loaded_pods(2, 3000, now);
        for _ in 0..2 {
            pods.push(HpaPodView {
                phase: PodPhase::Running,
                deleting: false,
                ready: Some(ReadyCondition {
                    status: False,
                    last_transition_ms: now - 14_000,
                }),
                start_time_ms: Some(now - 14_000),
                request_milli: 1000,
                sample: None,
            });
        }
        // Ready pods: 150 %, ratio 3.0; the 2 missing pods count 0 on a scale-up:
        // 3000*100/4000 = 75 %, ratio 1.5, ceil(1.5 * 4) = 6.
        let got = config
            .replica_calculator()
            .resource_replicas(&pods, 4, 50, ResourceName::Cpu, Tolerances::default(), now)
            .unwrap();
        assert_eq!(
            got,
            ResourceReplicas {
                replicas: 6,
                utilization_percent: 150,
                raw_average_milli: 1500,
            }
        );
    }

    // -----------------------------------------------------------------------
    // Reconcile-level rules
    // -----------------------------------------------------------------------

    fn spec(min: u32, max: u32, behavior: Option<Behavior>) -> HpaSpecView {
        HpaSpecView {
            min_replicas: min,
            max_replicas: max,
            behavior,
        }
    }

    #[test]
    fn zero_replicas_with_nonzero_min_disables_scaling() {
        let mut state = HpaState::new();
        let config = HpaControllerConfig::default();
        let d = reconcile(&mut state, &spec(1, 10, None), 0, &[Some(5)], T0, &config);
        assert_eq!(d.reason, DecisionReason::ScalingDisabled);
        assert_eq!((d.desired_replicas, d.rescale), (0, false));
        // With min 0 (HPAScaleToZero) the metrics are read: an object metric
        // scales from zero to ceil(ratio), and the legacy cap max(0, 4) allows it.
        let from_zero = object_value_replicas(&[], 0, 2500, 1000, Tolerances::default()).unwrap();
        assert_eq!(from_zero.replicas, 3);
        let d = reconcile(
            &mut HpaState::new(),
            &spec(0, 10, None),
            0,
            &[Some(from_zero.replicas)],
            T0,
            &config,
        );
        assert_eq!((d.desired_replicas, d.rescale), (3, true));
    }

    #[test]
    fn current_outside_bounds_is_clamped_without_metrics() {
        let config = HpaControllerConfig::default();
        let d = reconcile(
            &mut HpaState::new(),
            &spec(2, 5, None),
            8,
            &[None],
            T0,
            &config,
        );
        assert_eq!(
            (d.desired_replicas, d.rescale, d.reason),
            (5, true, DecisionReason::AboveMax)
        );
        let d = reconcile(
            &mut HpaState::new(),
            &spec(2, 5, None),
            1,
            &[None],
            T0,
            &config,
        );
        assert_eq!(
            (d.desired_replicas, d.rescale, d.reason),
            (2, true, DecisionReason::BelowMin)
        );
    }

    #[test]
    fn proposals_combine_by_max_and_invalid_metrics_block_scale_down_only() {
        assert_eq!(
            replicas_for_metrics(4, &[Some(3), Some(7), Some(5)]),
            Some(7)
        );
        // One invalid metric: scale-up (or staying) still proceeds ...
        assert_eq!(replicas_for_metrics(4, &[None, Some(7)]), Some(7));
        assert_eq!(replicas_for_metrics(4, &[Some(4), None]), Some(4));
        // ... a scale-down does not, and all-invalid never does.
        assert_eq!(replicas_for_metrics(4, &[Some(2), None]), None);
        assert_eq!(replicas_for_metrics(4, &[None, None]), None);
        assert_eq!(replicas_for_metrics(4, &[]), None);
        let mut state = HpaState::new();
        let d = reconcile(
            &mut state,
            &spec(1, 10, None),
            4,
            &[Some(2), None],
            T0,
            &HpaControllerConfig::default(),
        );
        assert_eq!(d.reason, DecisionReason::MetricsUnavailable);
        assert!(!d.rescale);
        // Only the initial recommendation was stored.
        assert_eq!(state.recommendations.len(), 1);
    }

    #[test]
    fn legacy_first_downscale_waits_out_the_window_from_the_first_sync() {
        // The first sync records current (5) as a recommendation; proposals of 2
        // are then held up to 5 until that record is older than 300 s. A record
        // exactly at the cutoff still counts.
        let config = HpaControllerConfig::default();
        let s = spec(1, 10, None);
        let mut state = HpaState::new();
        let mut current = 5;
        let mut first_change = None;
        for k in 0..30u64 {
            let now = T0 + k * 15_000;
            let d = reconcile(&mut state, &s, current, &[Some(2)], now, &config);
            if d.rescale && first_change.is_none() {
                first_change = Some(now - T0);
                if let DecisionReason::Normalized { normalized, .. } = d.reason {
                    assert_eq!(
                        normalized.stabilization,
                        StabilizationReason::ReadyForNewScale
                    );
                }
            }
            current = d.desired_replicas;
        }
        assert_eq!(first_change, Some(315_000));
        assert_eq!(current, 2);
        // Without a behavior no scale events are kept.
        assert!(state.scale_up_events.is_empty() && state.scale_down_events.is_empty());
    }

    #[test]
    fn default_behavior_scale_up_doubles_or_adds_4_per_period() {
        // From 1 toward 40 at one sync per 15 s: the previous event is exactly
        // 15 s old, so not inside the period: max(1+4, ceil(1*2)) = 5, then
        // max(9, 10) = 10, 20, 40.
        let config = HpaControllerConfig::default();
        let s = spec(1, 100, Some(Behavior::default()));
        let mut state = HpaState::new();
        let mut current = 1;
        let mut path = Vec::new();
        for k in 0..5u64 {
            let d = reconcile(
                &mut state,
                &s,
                current,
                &[Some(40)],
                T0 + k * 15_000,
                &config,
            );
            current = d.desired_replicas;
            path.push(current);
        }
        assert_eq!(path, vec![5, 10, 20, 40, 40]);
        // Two syncs 5 s apart: the second sees the first event (age 5 s < 15 s):
        // period start 5 - 4 = 1, so the limit is max(1+4, 2) = 5 = current.
        let mut state = HpaState::new();
        let d = reconcile(&mut state, &s, 1, &[Some(40)], T0, &config);
        assert_eq!(d.desired_replicas, 5);
        let d = reconcile(&mut state, &s, 5, &[Some(40)], T0 + 5_000, &config);
        assert_eq!((d.desired_replicas, d.rescale), (5, false));
        if let DecisionReason::Normalized { normalized, .. } = d.reason {
            assert_eq!(normalized.limit, LimitReason::ScaleUpLimit);
        }
    }

    #[test]
    fn default_behavior_scale_down_waits_300_s_then_drops() {
        // At 10 replicas, load gone (proposal 1). Recommendations of 10 made in
        // the last 300 s hold it; the default 100 %/15 s policy then allows all.
        let config = HpaControllerConfig::default();
        let s = spec(1, 100, Some(Behavior::default()));
        let mut state = HpaState::new();
        // 300 s of recommendations of 10 (including the initial record at T0).
        for k in 0..=20u64 {
            let d = reconcile(&mut state, &s, 10, &[Some(10)], T0 + k * 15_000, &config);
            assert!(!d.rescale);
        }
        // Load drops at T0 + 315 s; the 10s made at T0 + 15..300 s still count.
        let mut current = 10;
        let mut when = None;
        for k in 21..60u64 {
            let now = T0 + k * 15_000;
            let d = reconcile(&mut state, &s, current, &[Some(1)], now, &config);
            if d.rescale {
                when = Some(now - T0);
                current = d.desired_replicas;
                break;
            }
        }
        // The last 10 was recorded at T0 + 300 s. The behavior path counts
        // only records made strictly after now - 300 s, so at T0 + 600 s it is
        // already out (the legacy path would still count it; see
        // legacy_first_downscale_waits_out_the_window_from_the_first_sync).
        assert_eq!((when, current), (Some(600_000), 1));
    }

    #[test]
    fn scale_events_reuse_the_last_outdated_slot() {
        let behavior = Behavior::default(); // longest scale-up period 15 s
        let mut state = HpaState::new();
        state.store_scale_event(Some(&behavior), 1, 5, T0);
        state.store_scale_event(Some(&behavior), 5, 10, T0 + 5_000);
        assert_eq!(state.scale_up_events.len(), 2);
        // 20 s later both are older than 15 s: marked outdated, the last reused.
        state.store_scale_event(Some(&behavior), 10, 12, T0 + 25_000);
        assert_eq!(
            state.scale_up_events,
            vec![
                ScaleEvent {
                    replica_change: 4,
                    time_ms: T0,
                    outdated: true
                },
                ScaleEvent {
                    replica_change: 2,
                    time_ms: T0 + 25_000,
                    outdated: false
                },
            ]
        );
        state.store_scale_event(Some(&behavior), 12, 3, T0 + 30_000);
        assert_eq!(state.scale_down_events.len(), 1);
        assert_eq!(state.scale_down_events[0].replica_change, 9);
        // No behavior: nothing stored.
        let mut empty = HpaState::new();
        empty.store_scale_event(None, 1, 5, T0);
        assert_eq!(empty, HpaState::new());
    }

    #[test]
    fn event_age_equal_to_the_period_does_not_count() {
        let events = [
            ScaleEvent {
                replica_change: 3,
                time_ms: T0 - 15_000,
                outdated: false,
            },
            ScaleEvent {
                replica_change: 2,
                time_ms: T0 - 14_999,
                outdated: false,
            },
        ];
        assert_eq!(replicas_change_per_period(15, &events, T0), 2);
    }

    #[test]
    fn behavior_stabilization_reuses_old_slots_and_respects_cutoffs() {
        // Upstream "no scale down stabilization, reuse recommendation element":
        // both records are older than both (0 s) windows; the last one is reused.
        let mut recs = vec![
            TimestampedRecommendation {
                time_ms: T0 - 600_000,
                replicas: 10,
            },
            TimestampedRecommendation {
                time_ms: T0 - 540_000,
                replicas: 9,
            },
        ];
        let (r, reason) = stabilize_recommendation_with_behaviors(&mut recs, 100, 3, 0, 0, T0);
        assert_eq!((r, reason), (3, StabilizationReason::ScaleDownStabilized));
        assert_eq!(
            recs[1],
            TimestampedRecommendation {
                time_ms: T0,
                replicas: 3
            }
        );
        assert_eq!(recs[0].replicas, 10);
        // A record exactly at the cutoff is neither inside the window nor old.
        let mut recs = vec![TimestampedRecommendation {
            time_ms: T0 - 300_000,
            replicas: 2,
        }];
        let (r, _) = stabilize_recommendation_with_behaviors(&mut recs, 1, 7, 300, 300, T0);
        assert_eq!(r, 7);
        assert_eq!(recs.len(), 2);
        // One millisecond later it is inside the up window and holds the scale-up to 2.
        let mut recs = vec![TimestampedRecommendation {
            time_ms: T0 - 299_999,
            replicas: 2,
        }];
        let (r, _) = stabilize_recommendation_with_behaviors(&mut recs, 1, 7, 300, 300, T0);
        assert_eq!(r, 2);
    }

    #[test]
    fn legacy_cap_and_clamp() {
        assert_eq!(legacy_scale_up_limit(0), 4);
        assert_eq!(legacy_scale_up_limit(1), 4);
        assert_eq!(legacy_scale_up_limit(3), 6);
        assert_eq!(
            convert_desired_replicas_with_rules(3, 20, 1, 10),
            (6, LimitReason::ScaleUpLimit)
        );
        assert_eq!(
            convert_desired_replicas_with_rules(6, 20, 1, 10),
            (10, LimitReason::TooManyReplicas)
        );
        assert_eq!(
            convert_desired_replicas_with_rules(6, 0, 2, 10),
            (2, LimitReason::TooFewReplicas)
        );
        assert_eq!(
            convert_desired_replicas_with_rules(6, 7, 2, 10),
            (7, LimitReason::DesiredWithinRange)
        );
    }

    #[test]
    fn disabled_select_policy_holds_that_direction() {
        let behavior = Behavior {
            scale_down: ScalingRules {
                select_policy: SelectPolicy::Disabled,
                ..ScalingRules::default_scale_down()
            },
            ..Behavior::default()
        };
        let state = HpaState::new();
        assert_eq!(
            convert_desired_replicas_with_behavior_rate(&state, &behavior, 1, 10, 6, 2, T0),
            (6, LimitReason::ScaleDownLimit)
        );
        assert_eq!(
            convert_desired_replicas_with_behavior_rate(&state, &behavior, 1, 10, 6, 9, T0),
            (9, LimitReason::DesiredWithinRange)
        );
    }

    #[test]
    fn object_and_external_edge_cases() {
        let tol = Tolerances::default();
        // Value target with current != 0 but no pods: the ready count is an error.
        assert_eq!(
            object_value_replicas(&[], 3, 5000, 1000, tol),
            Err(MetricError::NoPods)
        );
        // Within tolerance the pods are not needed.
        assert_eq!(
            object_value_replicas(&[], 3, 1050, 1000, tol).map(|m| m.replicas),
            Ok(3)
        );
        // External series are summed, saturating.
        let m = external_average_value_replicas(2, &[i64::MAX, 5], 1, tol);
        assert_eq!(m.usage_milli, (i64::MAX as f64 / 2.0).ceil() as i64);
        assert_eq!(m.replicas, i32::MAX as u32);
    }

    #[test]
    fn resource_errors() {
        let calc = ReplicaCalculator::default();
        let tol = Tolerances::default();
        assert_eq!(
            calc.resource_replicas(&[], 1, 50, ResourceName::Cpu, tol, T0),
            Err(MetricError::NoPods)
        );
        let pending = pod(PodPhase::Pending, None, None, None);
        assert_eq!(
            calc.resource_replicas(&[pending], 1, 50, ResourceName::Cpu, tol, T0),
            Err(MetricError::NoMetricsForTargetedPods)
        );
        let mut zero_request = loaded_pods(1, 100, T0);
        zero_request[0].request_milli = 0;
        assert_eq!(
            calc.resource_replicas(&zero_request, 1, 50, ResourceName::Cpu, tol, T0),
            Err(MetricError::NoRequestsMatched)
        );
    }
}
