//! Pure scoring and filtering functions of kube-scheduler.
//!
//! Everything here is a function of its arguments: no cluster state, no
//! randomness of its own. Arithmetic follows Go exactly: `i64` division
//! truncates toward zero (as Go's does), float-to-int conversions truncate,
//! and `f64::round` rounds half away from zero like Go's `math.Round`.
//!
//! Quantities are plain `i64` in the unit upstream uses for the resource:
//! millicores for CPU, bytes for memory and ephemeral storage, a count for
//! extended (scalar) resources. The ratio-based scores do not care about the
//! unit as long as `requested` and `allocatable` share it.
//!
//! How a caller builds the inputs of a score plugin for one (pod, node) pair
//! (upstream `noderesources/resource_allocation.go`, `score`):
//!
//! 1. per configured resource, `requested` = the node's requests plus the
//!    incoming pod's request ([`ResourceUse::for_pod`]). LeastAllocated,
//!    MostAllocated and RequestedToCapacityRatio count CPU and memory with
//!    the non-zero defaults ([`RequestMode::NonZero`]); BalancedAllocation
//!    and every other resource use the actual requests
//!    ([`RequestMode::Actual`]);
//! 2. a resource with allocatable 0, or an extended resource the pod does
//!    not request, is skipped ([`ResourceUse::SKIPPED`]);
//! 3. the strategy turns the list into a raw score in `0..=100`
//!    ([`least_allocated`], [`most_allocated`],
//!    [`requested_to_capacity_ratio`], [`balanced_allocation`]).
//!
//! The scheduler then normalizes per plugin ([`default_normalize_score`]
//! for plugins that use it), weights and sums ([`weighted_total`]) and picks
//! a host ([`select_host`]).

use std::collections::BTreeMap;

/// Highest score a score plugin may return (upstream `framework.MaxNodeScore`).
pub const MAX_NODE_SCORE: i64 = 100;

/// Highest score of a RequestedToCapacityRatio shape point (upstream
/// `config.MaxCustomPriorityScore`); shape scores are scaled by
/// `MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE` = 10.
pub const MAX_CUSTOM_PRIORITY_SCORE: i64 = 10;

/// Highest utilization, in percent, fed to a RequestedToCapacityRatio shape
/// (upstream `maxUtilization` in `requested_to_capacity_ratio.go`).
pub const MAX_UTILIZATION: i64 = 100;

/// CPU, in millicores, counted for a container with no CPU request when
/// scoring (upstream `schedutil.DefaultMilliCPURequest`, `util/non_zero.go`).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;

/// Memory, in bytes, counted for a container with no memory request when
/// scoring: 200 MiB (upstream `schedutil.DefaultMemoryRequest`).
pub const DEFAULT_MEMORY_REQUEST_BYTES: i64 = 200 * 1024 * 1024;

/// Below this many nodes every node is filtered; above it, the search stops
/// after at least this many feasible nodes (upstream `minFeasibleNodesToFind`,
/// `schedule_one.go`).
pub const MIN_FEASIBLE_NODES_TO_FIND: u32 = 100;

/// Floor of the adaptive percentage of nodes to find (upstream
/// `minFeasibleNodesPercentageToFind`, `schedule_one.go`).
pub const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: u32 = 5;

// ---------------------------------------------------------------------------
// Resource vectors
// ---------------------------------------------------------------------------

/// One resource of one node as a score strategy sees it.
///
/// `requested` already includes the incoming pod. A resource with
/// `allocatable == 0` takes no part in any score (upstream skips it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResourceUse {
    /// Sum of the requests of the pods on the node plus the incoming pod.
    pub requested: i64,
    /// The node's allocatable amount; 0 means "skip this resource".
    pub allocatable: i64,
}

/// How a resource is treated by the scoring rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    /// `cpu` (millicores).
    Cpu,
    /// `memory` (bytes).
    Memory,
    /// `ephemeral-storage` (bytes).
    EphemeralStorage,
    /// An extended or other scalar resource (`nvidia.com/gpu`, hugepages, ...).
    Scalar,
}

impl ResourceUse {
    /// A resource that takes no part in the score.
    pub const SKIPPED: ResourceUse = ResourceUse {
        requested: 0,
        allocatable: 0,
    };

    /// `requested` and `allocatable` as given.
    pub const fn new(requested: i64, allocatable: i64) -> Self {
        ResourceUse {
            requested,
            allocatable,
        }
    }

    /// The view of one resource for scoring `pod_request` on a node that
    /// already has `node_requested` of it, out of `allocatable`.
    ///
    /// Restates upstream `calculateResourceAllocatableRequest`
    /// (`noderesources/resource_allocation.go`): a scalar resource the pod
    /// does not request is skipped, so that pods without extended resources
    /// are not pushed away from (or towards) nodes that have them.
    /// `node_requested` must be in the same mode as the strategy wants
    /// (non-zero sums for CPU/memory in Least/MostAllocated and
    /// RequestedToCapacityRatio, actual sums otherwise).
    pub const fn for_pod(
        kind: ResourceKind,
        pod_request: i64,
        node_requested: i64,
        allocatable: i64,
    ) -> Self {
        if matches!(kind, ResourceKind::Scalar) && pod_request == 0 {
            return ResourceUse::SKIPPED;
        }
        ResourceUse {
            requested: node_requested + pod_request,
            allocatable,
        }
    }
}

// ---------------------------------------------------------------------------
// NodeResourcesFit scoring strategies
// ---------------------------------------------------------------------------

/// Score of one resource for LeastAllocated: the free share in `0..=100`,
/// 0 when over-committed (upstream `leastRequestedScore`,
/// `noderesources/least_allocated.go`).
pub const fn least_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// Score of one resource for MostAllocated: the used share in `0..=100`,
/// with `requested` clamped to `capacity` (non-zero defaults can push it
/// above) (upstream `mostRequestedScore`, `noderesources/most_allocated.go`).
pub const fn most_requested_score(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 {
        return 0;
    }
    let requested = if requested > capacity {
        capacity
    } else {
        requested
    };
    requested * MAX_NODE_SCORE / capacity
}

/// Integer weighted mean of `per_resource` over the non-skipped resources,
/// truncated; 0 when no weight is left (the shape shared by upstream
/// `leastResourceScorer` and `mostResourceScorer`).
fn truncated_weighted_mean(
    resources: &[(ResourceUse, i64)],
    per_resource: impl Fn(i64, i64) -> i64,
) -> i64 {
    let mut node_score = 0;
    let mut weight_sum = 0;
    for &(r, weight) in resources {
        if r.allocatable == 0 {
            continue;
        }
        node_score += per_resource(r.requested, r.allocatable) * weight;
        weight_sum += weight;
    }
    if weight_sum == 0 {
        0
    } else {
        node_score / weight_sum
    }
}

/// NodeResourcesFit with the LeastAllocated strategy (the default): favours
/// nodes with more free capacity. `resources` pairs each resource with its
/// weight; the result is `Σ score·w / Σ w`, truncated (upstream
/// `leastResourceScorer`, `noderesources/least_allocated.go`).
pub fn least_allocated(resources: &[(ResourceUse, i64)]) -> i64 {
    truncated_weighted_mean(resources, least_requested_score)
}

/// NodeResourcesFit with the MostAllocated strategy (bin packing): favours
/// fuller nodes. Same weighting as [`least_allocated`] (upstream
/// `mostResourceScorer`, `noderesources/most_allocated.go`).
pub fn most_allocated(resources: &[(ResourceUse, i64)]) -> i64 {
    truncated_weighted_mean(resources, most_requested_score)
}

/// `requested * max / capacity` with `requested` clamped to
/// `0..=capacity`, exact even where the product would overflow `i64`
/// (upstream `scaledUtilization`, `noderesources/requested_to_capacity_ratio.go`,
/// which widens to 128 bits the same way).
pub fn scaled_utilization(requested: i64, capacity: i64, max: i64) -> i64 {
    if capacity <= 0 || requested <= 0 {
        return 0;
    }
    if requested >= capacity {
        return max;
    }
    // 0 < requested < capacity, so the quotient is below `max` and fits.
    (i128::from(requested) * i128::from(max) / i128::from(capacity)) as i64
}

/// The broken linear function over `len` points given by `point(i)` =
/// `(utilization, score)`, utilizations increasing. Shared by
/// [`broken_linear_function`] and the RequestedToCapacityRatio scorer, which
/// scales the scores on the fly instead of allocating a new shape.
fn broken_linear_with(len: usize, point: impl Fn(usize) -> (i64, i64), p: i64) -> i64 {
    for i in 0..len {
        let (u, s) = point(i);
        if p <= u {
            if i == 0 {
                return s;
            }
            let (u0, s0) = point(i - 1);
            return s0 + (s - s0) * (p - u0) / (u - u0);
        }
    }
    match len {
        0 => 0,
        _ => point(len - 1).1,
    }
}

/// Piecewise-linear function through `shape` = `[(utilization, score)]`
/// (utilizations strictly increasing): the first score at or left of the
/// first point, the last score right of the last point, and Go-truncated
/// integer interpolation in between (upstream `BuildBrokenLinearFunction`,
/// `helper/shape_score.go`). Scores are used as given, unscaled.
///
/// An empty shape gives 0; upstream validation rejects it, and so must
/// scenario validation.
pub fn broken_linear_function(shape: &[(i64, i64)], utilization: i64) -> i64 {
    broken_linear_with(shape.len(), |i| shape[i], utilization)
}

/// NodeResourcesFit with the RequestedToCapacityRatio strategy.
///
/// `shape` holds `(utilization %, score 0..=10)` points as configured; each
/// score is scaled by 10 (`MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE`).
/// Per resource, utilization = `requested*100/allocatable` (integer), or 100
/// when over-committed; its score is the shape function at that point. Only
/// resources scoring **above 0** enter the weighted mean, which is rounded
/// half away from zero (upstream `requestedToCapacityRatioScorer` and
/// `buildRequestedToCapacityRatioScorerFunction`,
/// `noderesources/requested_to_capacity_ratio.go`).
pub fn requested_to_capacity_ratio(resources: &[(ResourceUse, i64)], shape: &[(u32, u32)]) -> i64 {
    let scale = MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE;
    let point = |i: usize| {
        let (u, s) = shape[i];
        (i64::from(u), i64::from(s) * scale)
    };
    let mut node_score = 0;
    let mut weight_sum = 0;
    for &(r, weight) in resources {
        if r.allocatable == 0 {
            continue;
        }
        let utilization = if r.requested > r.allocatable {
            MAX_UTILIZATION
        } else {
            scaled_utilization(r.requested, r.allocatable, MAX_UTILIZATION)
        };
        let score = broken_linear_with(shape.len(), point, utilization);
        if score > 0 {
            node_score += score * weight;
            weight_sum += weight;
        }
    }
    if weight_sum == 0 {
        return 0;
    }
    // Go: int64(math.Round(float64(nodeScore) / float64(weightSum))).
    go_round(node_score as f64 / weight_sum as f64)
}

/// Go's `int64(math.Round(x))`: half away from zero, saturating (NaN: 0);
/// the same as `x.round() as i64`, but without the C library call that
/// `f64::round` compiles to on baseline x86-64, where it is hot (spread
/// scores, metrics samples).
#[inline]
pub fn go_round(x: f64) -> i64 {
    // From 2^52 on every f64 is an integer (NaN and infinities included
    // here: `as` saturates them as it would the rounded value).
    if x.is_nan() || x.abs() >= 4_503_599_627_370_496.0 {
        return x as i64;
    }
    let t = x as i64; // truncation, exact below 2^52
    let frac = x - t as f64; // exact: the fractional part
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// NodeResourcesBalancedAllocation, standard-deviation form (upstream
/// `balancedResourceScorer`, `noderesources/balanced_allocation.go`, from
/// about 1.24).
///
/// Per non-skipped resource `f = min(1, requested/allocatable)`; `std` is
/// `|f1 - f2| / 2` for two resources, the population standard deviation for
/// more, 0 for fewer; the score is `int64((1 - std) * 100)`, truncated.
/// Weights play no part upstream, so none are taken. Callers use **actual**
/// requests (no non-zero defaults) and skip the plugin for a best-effort pod
/// ([`is_best_effort`]).
///
/// The float operations are done in upstream's order so that results agree
/// to the last bit, which matters right at the truncation.
pub fn balanced_allocation(resources: &[ResourceUse]) -> i64 {
    let fractions = || {
        resources.iter().filter(|r| r.allocatable != 0).map(|r| {
            let f = r.requested as f64 / r.allocatable as f64;
            if f > 1.0 { 1.0 } else { f }
        })
    };
    let n = fractions().count();
    let std = match n {
        0 | 1 => 0.0,
        2 => {
            let mut it = fractions();
            let (a, b) = (it.next().unwrap_or(0.0), it.next().unwrap_or(0.0));
            ((a - b) / 2.0).abs()
        }
        _ => {
            let total = fractions().fold(0.0, |acc, f| acc + f);
            let mean = total / n as f64;
            let sum = fractions().fold(0.0, |acc, f| acc + (f - mean) * (f - mean));
            (sum / n as f64).sqrt()
        }
    };
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

/// True when the pod requests none of the scored resources (all of
/// `pod_requests`, actual requests, are 0). BalancedAllocation's PreScore
/// then returns Skip and the pod gets no balanced score at all (upstream
/// `isBestEffortPod`, `noderesources/resource_allocation.go`; see
/// kubernetes#129138).
pub fn is_best_effort(pod_requests: &[i64]) -> bool {
    pod_requests.iter().all(|&r| r == 0)
}

// ---------------------------------------------------------------------------
// Normalization and weighting
// ---------------------------------------------------------------------------

/// Scales `scores` from `0..=max(scores)` to `0..=max_priority` in place,
/// `s = max_priority * s / max` (integer); with `reverse`, `s = max_priority
/// - s`. When every score is 0 (or below), scores are left as they are, or
/// all set to `max_priority` if `reverse` (upstream `DefaultNormalizeScore`,
/// `helper/normalize_score.go`). Scores are assumed non-negative.
pub fn default_normalize_score(scores: &mut [i64], max_priority: i64, reverse: bool) {
    let max_count = scores.iter().copied().fold(0, i64::max);
    if max_count == 0 {
        if reverse {
            scores.fill(max_priority);
        }
        return;
    }
    for s in scores.iter_mut() {
        let scaled = max_priority * *s / max_count;
        *s = if reverse {
            max_priority - scaled
        } else {
            scaled
        };
    }
}

/// A node's total score: `Σ weight × normalized score` over the score
/// plugins, given as `(normalized score, plugin weight)` pairs (upstream
/// `RunScorePlugins`, `framework/runtime/framework.go`).
pub fn weighted_total(plugin_scores: impl IntoIterator<Item = (i64, i64)>) -> i64 {
    plugin_scores
        .into_iter()
        .map(|(score, weight)| score * weight)
        .sum()
}

// ---------------------------------------------------------------------------
// Pod requests and the non-zero defaults
// ---------------------------------------------------------------------------

/// CPU and memory amounts: millicores and bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuMemory {
    /// CPU in millicores.
    pub milli_cpu: i64,
    /// Memory in bytes.
    pub memory_bytes: i64,
}

impl CpuMemory {
    /// Both amounts as given.
    pub const fn new(milli_cpu: i64, memory_bytes: i64) -> Self {
        CpuMemory {
            milli_cpu,
            memory_bytes,
        }
    }

    fn plus(self, o: CpuMemory) -> CpuMemory {
        CpuMemory::new(
            self.milli_cpu + o.milli_cpu,
            self.memory_bytes + o.memory_bytes,
        )
    }

    fn max(self, o: CpuMemory) -> CpuMemory {
        CpuMemory::new(
            self.milli_cpu.max(o.milli_cpu),
            self.memory_bytes.max(o.memory_bytes),
        )
    }
}

/// The requests of one container; `None` = not set (which differs from an
/// explicit 0 under [`RequestMode::NonZero`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContainerRequests {
    /// CPU request in millicores, if set.
    pub milli_cpu: Option<i64>,
    /// Memory request in bytes, if set.
    pub memory_bytes: Option<i64>,
}

/// An init container's requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InitContainerRequests {
    /// Its requests.
    pub requests: ContainerRequests,
    /// `restartPolicy: Always`: a sidecar, which keeps running beside the
    /// app containers and so adds to the pod's requests.
    pub sidecar: bool,
}

/// Which requests a computation counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestMode {
    /// The requests as set, 0 when unset: the NodeResourcesFit filter,
    /// BalancedAllocation, and `NodeInfo.Requested`.
    Actual,
    /// Unset CPU/memory requests count [`DEFAULT_MILLI_CPU_REQUEST`] and
    /// [`DEFAULT_MEMORY_REQUEST_BYTES`] per container: LeastAllocated,
    /// MostAllocated, RequestedToCapacityRatio, and `NodeInfo.NonZeroRequested`.
    NonZero,
}

impl ContainerRequests {
    /// The container's requests, with unset ones filled per `mode`
    /// (upstream `applyNonMissing` with `NonMissingContainerRequests`,
    /// `component-helpers/resource/helpers.go`: only a *missing* request is
    /// replaced; an explicit 0 stays 0).
    pub fn resolve(self, mode: RequestMode) -> CpuMemory {
        let (cpu, mem) = match mode {
            RequestMode::Actual => (0, 0),
            RequestMode::NonZero => (DEFAULT_MILLI_CPU_REQUEST, DEFAULT_MEMORY_REQUEST_BYTES),
        };
        CpuMemory::new(
            self.milli_cpu.unwrap_or(cpu),
            self.memory_bytes.unwrap_or(mem),
        )
    }
}

/// A pod's effective CPU/memory request (upstream `resourcehelper.PodRequests`,
/// `component-helpers/resource/helpers.go`):
///
/// - the sum over app containers;
/// - each init container in order: a sidecar adds to that sum and to the
///   running sidecar total; a regular init container needs its own request
///   plus the sidecars started before it; the pod needs the max of the sum
///   and every init container's need;
/// - plus the pod overhead.
///
/// With [`RequestMode::NonZero`], unset requests count the defaults per
/// container, so a pod with zero containers counts nothing. Pod-level
/// resources (`spec.resources`) are not modelled.
pub fn pod_requests(
    containers: &[ContainerRequests],
    init_containers: &[InitContainerRequests],
    overhead: CpuMemory,
    mode: RequestMode,
) -> CpuMemory {
    let mut reqs = containers
        .iter()
        .fold(CpuMemory::default(), |acc, c| acc.plus(c.resolve(mode)));
    let mut sidecars = CpuMemory::default();
    let mut init_max = CpuMemory::default();
    for init in init_containers {
        let own = init.requests.resolve(mode);
        let need = if init.sidecar {
            reqs = reqs.plus(own);
            sidecars = sidecars.plus(own);
            sidecars
        } else {
            own.plus(sidecars)
        };
        init_max = init_max.max(need);
    }
    reqs.max(init_max).plus(overhead)
}

// ---------------------------------------------------------------------------
// NodeResourcesFit filter
// ---------------------------------------------------------------------------

/// A node as the NodeResourcesFit filter sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeFitState {
    /// Allocatable CPU and memory.
    pub allocatable: CpuMemory,
    /// Sum of the **actual** requests of the pods on the node.
    pub requested: CpuMemory,
    /// Pods on the node now.
    pub pod_count: u32,
    /// Allocatable pods (`max_pods`).
    pub max_pods: u32,
}

/// A resource the NodeResourcesFit filter can find short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FitResource {
    /// The pod count limit.
    Pods,
    /// CPU.
    Cpu,
    /// Memory.
    Memory,
}

impl FitResource {
    /// The upstream failure reason, as counted in "0/9 nodes are available:
    /// 3 Insufficient cpu." (`noderesources/fit.go`, `fitsRequest`).
    pub const fn reason(self) -> &'static str {
        match self {
            FitResource::Pods => "Too many pods",
            FitResource::Cpu => "Insufficient cpu",
            FitResource::Memory => "Insufficient memory",
        }
    }
}

/// One resource the node is short of (upstream `InsufficientResource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsufficientResource {
    /// Which resource.
    pub resource: FitResource,
    /// What the pod asks for (1 for pods).
    pub requested: i64,
    /// What the node's pods already use.
    pub used: i64,
    /// The node's allocatable amount.
    pub capacity: i64,
    /// The pod asks for more than the whole node has, so preempting pods
    /// cannot help (upstream `Unresolvable`, status
    /// `UnschedulableAndUnresolvable`). Never set for the pod count.
    pub unresolvable: bool,
}

/// Every shortage of one node for one pod, in upstream's order (pods, cpu,
/// memory). Empty means the pod fits. A fixed-size value, so filtering many
/// nodes allocates nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FitFailures {
    items: [Option<InsufficientResource>; 3],
}

impl FitFailures {
    fn push(&mut self, item: InsufficientResource) {
        if let Some(slot) = self.items.iter_mut().find(|s| s.is_none()) {
            *slot = Some(item);
        }
    }

    /// True when the pod fits.
    pub fn is_empty(&self) -> bool {
        self.items[0].is_none()
    }

    /// The shortages, in upstream's order.
    pub fn iter(&self) -> impl Iterator<Item = &InsufficientResource> {
        self.items.iter().flatten()
    }

    /// The failure reasons, as upstream puts them in the node's status.
    pub fn reasons(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.iter().map(|i| i.resource.reason())
    }

    /// True when some shortage is unresolvable by preemption.
    pub fn unresolvable(&self) -> bool {
        self.iter().any(|i| i.unresolvable)
    }
}

/// The NodeResourcesFit filter for CPU, memory and pod count (upstream
/// `fitsRequest`, `noderesources/fit.go`).
///
/// `pod_request` is the pod's **actual** request ([`pod_requests`] with
/// [`RequestMode::Actual`]). The pod count fails when the node already
/// holds `max_pods` pods. A pod requesting neither CPU nor memory only
/// checks the pod count; otherwise a resource fails when the pod requests
/// some of it and more than `allocatable - requested` is free. Ephemeral
/// storage and extended resources are not modelled.
pub fn fits(pod_request: CpuMemory, node: &NodeFitState) -> FitFailures {
    let mut out = FitFailures::default();
    if fits_at_all(pod_request, node) {
        return out;
    }
    let [pods, cpu, memory] = shortages(pod_request, node);
    if pods {
        out.push(InsufficientResource {
            resource: FitResource::Pods,
            requested: 1,
            used: i64::from(node.pod_count),
            capacity: i64::from(node.max_pods),
            unresolvable: false,
        });
    }
    let checks = [
        (
            cpu,
            FitResource::Cpu,
            pod_request.milli_cpu,
            node.requested.milli_cpu,
            node.allocatable.milli_cpu,
        ),
        (
            memory,
            FitResource::Memory,
            pod_request.memory_bytes,
            node.requested.memory_bytes,
            node.allocatable.memory_bytes,
        ),
    ];
    for (short, resource, want, used, capacity) in checks {
        if short {
            out.push(InsufficientResource {
                resource,
                requested: want,
                used,
                capacity,
                unresolvable: want > capacity,
            });
        }
    }
    out
}

/// True when [`fits`] finds no shortage, without building the list: the
/// filter's common case, run for hundreds of nodes per cycle.
#[inline]
pub fn fits_at_all(pod_request: CpuMemory, node: &NodeFitState) -> bool {
    shortages(pod_request, node) == [false; 3]
}

/// Which of pods, cpu and memory are short (the checks of [`fits`]).
#[inline]
fn shortages(pod_request: CpuMemory, node: &NodeFitState) -> [bool; 3] {
    // `len(pods)+1 > allowedPodNumber`.
    let pods = u64::from(node.pod_count) + 1 > u64::from(node.max_pods);
    // A pod requesting neither CPU nor memory checks only the pod count.
    if pod_request.milli_cpu == 0 && pod_request.memory_bytes == 0 {
        return [pods, false, false];
    }
    let short = |want: i64, used: i64, capacity: i64| want > 0 && want > capacity - used;
    [
        pods,
        short(
            pod_request.milli_cpu,
            node.requested.milli_cpu,
            node.allocatable.milli_cpu,
        ),
        short(
            pod_request.memory_bytes,
            node.requested.memory_bytes,
            node.allocatable.memory_bytes,
        ),
    ]
}

/// The scheduler's message for a pod no node can take, e.g.
/// `0/9 nodes are available: 3 Insufficient cpu, 6 Too many pods.`
///
/// `reasons` holds every failure reason of every filtered node (a node with
/// two shortages contributes two). Each distinct reason becomes
/// `"<count> <reason>"`; these strings are sorted bytewise (so "10 ..." sorts
/// before "3 ...", as upstream) and joined with ", " (upstream
/// `FitError.Error`, `framework/types.go`). PreFilter and PostFilter
/// messages are not covered.
pub fn fit_error_message<S: AsRef<str>>(
    num_all_nodes: usize,
    reasons: impl IntoIterator<Item = S>,
) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r.as_ref().to_owned()).or_default() += 1;
    }
    let mut parts: Vec<String> = counts
        .into_iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect();
    parts.sort();
    let mut msg = format!("0/{num_all_nodes} nodes are available:");
    if !parts.is_empty() {
        msg.push(' ');
        msg.push_str(&parts.join(", "));
        msg.push('.');
    }
    msg
}

// ---------------------------------------------------------------------------
// How many nodes to filter, and which host wins
// ---------------------------------------------------------------------------

/// How many feasible nodes the scheduler looks for before it stops
/// filtering (upstream `numFeasibleNodesToFind`, `schedule_one.go`).
///
/// With fewer than 100 nodes, all of them. Otherwise `percentage` (the
/// profile's `percentageOfNodesToScore`; 0 = adaptive: `50 - num_nodes/125`,
/// at least 5) of the nodes, and never fewer than 100. Percentages above 100
/// are rejected by upstream validation; here they count as 100.
pub fn adaptive_nodes_to_find(num_nodes: u32, percentage: u32) -> u32 {
    if num_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return num_nodes;
    }
    let percentage = match percentage {
        0 => (50u32.saturating_sub(num_nodes / 125)).max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND),
        p => p.min(100),
    };
    // percentage <= 100, so the quotient is at most num_nodes.
    let n = (u64::from(num_nodes) * u64::from(percentage) / 100) as u32;
    n.max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// Picks the node with the highest total score, ties broken uniformly at
/// random by reservoir sampling (upstream `selectHost`, `schedule_one.go`):
/// the first best node is taken; the k-th node with the same best score
/// replaces it when `rand_below(k) == 0`.
///
/// `rand_below(n)` must return a uniform integer in `0..n` (Go's
/// `rand.Intn`); the simulator passes its scheduler RNG stream. It is called
/// once per tied node after the first, and never when the best score is
/// unique. Upstream walks the ties in heap order, which is arbitrary, so only
/// the distribution (uniform over the ties) is reproducible, not which node
/// a given random number picks. `None` when `scored` is empty.
pub fn select_host<N: Copy>(
    scored: &[(N, i64)],
    mut rand_below: impl FnMut(u32) -> u32,
) -> Option<N> {
    let best = scored.iter().map(|&(_, s)| s).max()?;
    let mut selected = None;
    let mut count: u32 = 0;
    for &(node, score) in scored {
        if score != best {
            continue;
        }
        count += 1;
        if count == 1 || rand_below(count) == 0 {
            selected = Some(node);
        }
    }
    selected
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;
    use rand::RngExt;

    const MI: i64 = 1024 * 1024;

    proptest::proptest! {
        /// `go_round` is `f64::round` then `as i64`, for any bit pattern.
        #[test]
        fn go_round_is_round_half_away(bits in proptest::prelude::any::<u64>(), small in -1e6f64..1e6) {
            for x in [f64::from_bits(bits), small, small.trunc() + 0.5, small.trunc() - 0.5] {
                proptest::prop_assert_eq!(go_round(x), x.round() as i64, "{}", x);
            }
        }
    }

    #[test]
    fn go_round_edges() {
        for x in [
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            4503599627370495.5,
            -4503599627370495.5,
            9.3e18,
            -9.3e18,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            f64::MIN_POSITIVE,
        ] {
            assert_eq!(go_round(x), x.round() as i64, "{x}");
        }
    }

    #[test]
    fn normalize_forward_scales_to_the_max() {
        // max 8: 100*2/8 = 25, 100*5/8 = 62 (62.5 truncated), 100*8/8 = 100.
        let mut s = [2, 5, 8, 0];
        default_normalize_score(&mut s, MAX_NODE_SCORE, false);
        assert_eq!(s, [25, 62, 100, 0]);
    }

    #[test]
    fn normalize_reverse_subtracts_from_max_priority() {
        // TaintToleration style: more intolerable taints -> lower score.
        let mut s = [2, 5, 8, 0];
        default_normalize_score(&mut s, MAX_NODE_SCORE, true);
        assert_eq!(s, [75, 38, 0, 100]);
    }

    #[test]
    fn normalize_all_zero_is_untouched_forward_and_max_in_reverse() {
        let mut s = [0, 0, 0];
        default_normalize_score(&mut s, MAX_NODE_SCORE, false);
        assert_eq!(s, [0, 0, 0]);
        default_normalize_score(&mut s, MAX_NODE_SCORE, true);
        assert_eq!(s, [100, 100, 100]);
        let mut empty: [i64; 0] = [];
        default_normalize_score(&mut empty, MAX_NODE_SCORE, true);
    }

    #[test]
    fn normalize_matches_upstream_test_cases() {
        // The cases of TestDefaultNormalizeScore (helper/normalize_score_test.go):
        // (reverse, scores, expected).
        let cases: [(bool, [i64; 4], [i64; 4]); 7] = [
            (false, [1, 2, 3, 4], [25, 50, 75, 100]),
            (true, [1, 2, 3, 4], [75, 50, 25, 0]),
            (false, [1000, 10, 20, 30], [100, 1, 2, 3]),
            (true, [1000, 10, 20, 30], [0, 99, 98, 97]),
            (false, [1, 1, 1, 1], [100, 100, 100, 100]),
            (false, [1000, 1, 1, 1], [100, 0, 0, 0]),
            (true, [0, 1, 1, 1], [100, 0, 0, 0]),
        ];
        for (i, (reverse, mut scores, want)) in cases.into_iter().enumerate() {
            default_normalize_score(&mut scores, MAX_NODE_SCORE, reverse);
            assert_eq!(scores, want, "case_{i}");
        }
    }

    #[test]
    fn weighted_total_sums_weight_times_score() {
        // TaintToleration 100*3 + NodeAffinity 50*2 + Fit 37*1 + Balanced 87*1.
        assert_eq!(weighted_total([(100, 3), (50, 2), (37, 1), (87, 1)]), 524);
        assert_eq!(weighted_total(std::iter::empty()), 0);
    }

    #[test]
    fn feasible_nodes_small_clusters_are_searched_whole() {
        assert_eq!(adaptive_nodes_to_find(0, 0), 0);
        assert_eq!(adaptive_nodes_to_find(1, 0), 1);
        assert_eq!(adaptive_nodes_to_find(99, 0), 99);
        assert_eq!(adaptive_nodes_to_find(99, 10), 99);
    }

    #[test]
    fn feasible_nodes_adaptive_percentage() {
        // 100: p = 50 - 0 = 50 -> 50 nodes, raised to the floor of 100.
        assert_eq!(adaptive_nodes_to_find(100, 0), 100);
        // 150: p = 50 - 1 = 49 -> 73 -> 100.
        assert_eq!(adaptive_nodes_to_find(150, 0), 100);
        // 500: p = 50 - 4 = 46 -> 230.
        assert_eq!(adaptive_nodes_to_find(500, 0), 230);
        // 1000: p = 50 - 8 = 42 -> 420.
        assert_eq!(adaptive_nodes_to_find(1000, 0), 420);
        // 5000: p = 50 - 40 = 10 -> 500.
        assert_eq!(adaptive_nodes_to_find(5000, 0), 500);
        // 5625: p = 50 - 45 = 5 -> 281.
        assert_eq!(adaptive_nodes_to_find(5625, 0), 281);
        // 6000: p = 50 - 48 = 2, floored at 5 -> 300.
        assert_eq!(adaptive_nodes_to_find(6000, 0), 300);
        // 15000: 50 - 120 is negative in Go's int32, floored at 5 -> 750.
        assert_eq!(adaptive_nodes_to_find(15000, 0), 750);
    }

    #[test]
    fn feasible_nodes_explicit_percentage() {
        assert_eq!(adaptive_nodes_to_find(1000, 100), 1000);
        assert_eq!(adaptive_nodes_to_find(1000, 30), 300);
        // 5% of 1000 = 50, raised to 100.
        assert_eq!(adaptive_nodes_to_find(1000, 5), 100);
        assert_eq!(adaptive_nodes_to_find(1000, 250), 1000);
    }

    fn node(
        cpu: i64,
        mem: i64,
        used_cpu: i64,
        used_mem: i64,
        pods: u32,
        max_pods: u32,
    ) -> NodeFitState {
        NodeFitState {
            allocatable: CpuMemory::new(cpu, mem),
            requested: CpuMemory::new(used_cpu, used_mem),
            pod_count: pods,
            max_pods,
        }
    }

    #[test]
    fn fit_passes_at_exactly_full() {
        let n = node(4000, 16 * 1024 * MI, 3500, 15 * 1024 * MI, 109, 110);
        assert!(fits(CpuMemory::new(500, 1024 * MI), &n).is_empty());
    }

    #[test]
    fn fit_reports_every_shortage_in_upstream_order() {
        let n = node(4000, 1024 * MI, 3800, 1000 * MI, 110, 110);
        let f = fits(CpuMemory::new(500, 100 * MI), &n);
        let got: Vec<_> = f.reasons().collect();
        assert_eq!(
            got,
            ["Too many pods", "Insufficient cpu", "Insufficient memory"]
        );
        assert!(!f.unresolvable());
        let cpu = f.iter().nth(1).copied();
        assert_eq!(
            cpu,
            Some(InsufficientResource {
                resource: FitResource::Cpu,
                requested: 500,
                used: 3800,
                capacity: 4000,
                unresolvable: false,
            })
        );
    }

    #[test]
    fn fit_larger_than_the_node_is_unresolvable() {
        let n = node(4000, 1024 * MI, 0, 0, 0, 110);
        let f = fits(CpuMemory::new(4001, 0), &n);
        assert_eq!(f.reasons().collect::<Vec<_>>(), ["Insufficient cpu"]);
        assert!(f.unresolvable());
    }

    #[test]
    fn fit_zero_request_pod_only_checks_pod_count() {
        // An over-committed node still takes a pod that requests nothing.
        let n = node(1000, 1024 * MI, 2000, 2048 * MI, 3, 110);
        assert!(fits(CpuMemory::default(), &n).is_empty());
        let full = node(1000, 1024 * MI, 0, 0, 110, 110);
        let f = fits(CpuMemory::default(), &full);
        assert_eq!(f.reasons().collect::<Vec<_>>(), ["Too many pods"]);
        // A resource the pod does not request is not checked even when short.
        let f = fits(CpuMemory::new(0, MI), &n);
        assert_eq!(f.reasons().collect::<Vec<_>>(), ["Insufficient memory"]);
    }

    #[test]
    fn fit_error_message_counts_and_sorts_like_upstream() {
        let reasons = ["Insufficient cpu"; 3]
            .into_iter()
            .chain(["Too many pods"; 10])
            .chain(["Insufficient cpu", "Insufficient memory"]);
        // Bytewise sort: "1..." < "4..." and "10 ..." sorts before "4 ...".
        assert_eq!(
            fit_error_message(15, reasons),
            "0/15 nodes are available: 1 Insufficient memory, 10 Too many pods, 4 Insufficient cpu."
        );
        assert_eq!(
            fit_error_message(0, Vec::<&str>::new()),
            "0/0 nodes are available:"
        );
    }

    #[test]
    fn non_zero_defaults_replace_only_missing_requests() {
        let unset = ContainerRequests::default();
        assert_eq!(
            unset.resolve(RequestMode::NonZero),
            CpuMemory::new(DEFAULT_MILLI_CPU_REQUEST, 200 * MI)
        );
        assert_eq!(unset.resolve(RequestMode::Actual), CpuMemory::default());
        let explicit_zero = ContainerRequests {
            milli_cpu: Some(0),
            memory_bytes: Some(64 * MI),
        };
        assert_eq!(
            explicit_zero.resolve(RequestMode::NonZero),
            CpuMemory::new(0, 64 * MI)
        );
    }

    #[test]
    fn pod_requests_sum_apps_max_init_add_overhead() {
        let c = |cpu, mem| ContainerRequests {
            milli_cpu: Some(cpu),
            memory_bytes: Some(mem),
        };
        let apps = [c(200, 100 * MI), c(300, 100 * MI)];
        let init = [InitContainerRequests {
            requests: c(400, 500 * MI),
            sidecar: false,
        }];
        // max((500m, 200Mi), (400m, 500Mi)) + overhead (10m, 1Mi).
        let got = pod_requests(&apps, &init, CpuMemory::new(10, MI), RequestMode::Actual);
        assert_eq!(got, CpuMemory::new(510, 501 * MI));
    }

    #[test]
    fn pod_requests_with_sidecars() {
        let c = |cpu, mem| ContainerRequests {
            milli_cpu: Some(cpu),
            memory_bytes: Some(mem),
        };
        let apps = [c(100, 100 * MI)];
        let init = [
            InitContainerRequests {
                requests: c(50, 10 * MI),
                sidecar: true,
            },
            InitContainerRequests {
                requests: c(500, 20 * MI),
                sidecar: false,
            },
        ];
        // Running: app + sidecar = (150m, 110Mi); the second init needs its own
        // plus the sidecar = (550m, 30Mi). Max = (550m, 110Mi).
        let got = pod_requests(&apps, &init, CpuMemory::default(), RequestMode::Actual);
        assert_eq!(got, CpuMemory::new(550, 110 * MI));
    }

    #[test]
    fn pod_requests_non_zero_counts_per_container_and_nothing_for_no_containers() {
        let two_unset = [ContainerRequests::default(); 2];
        assert_eq!(
            pod_requests(&two_unset, &[], CpuMemory::default(), RequestMode::NonZero),
            CpuMemory::new(200, 400 * MI)
        );
        assert_eq!(
            pod_requests(&[], &[], CpuMemory::default(), RequestMode::NonZero),
            CpuMemory::default()
        );
    }

    #[test]
    fn scalar_resource_not_requested_by_the_pod_is_skipped() {
        let gpu = ResourceUse::for_pod(ResourceKind::Scalar, 0, 3, 8);
        assert_eq!(gpu, ResourceUse::SKIPPED);
        let cpu = ResourceUse::for_pod(ResourceKind::Cpu, 0, 3000, 4000);
        assert_eq!(cpu, ResourceUse::new(3000, 4000));
        let gpu = ResourceUse::for_pod(ResourceKind::Scalar, 1, 3, 8);
        assert_eq!(gpu, ResourceUse::new(4, 8));
    }

    #[test]
    fn scores_with_nothing_to_score_are_zero_or_perfect() {
        assert_eq!(least_allocated(&[]), 0);
        assert_eq!(most_allocated(&[(ResourceUse::SKIPPED, 1)]), 0);
        assert_eq!(requested_to_capacity_ratio(&[], &[(0, 10), (100, 0)]), 0);
        // One fraction or none: std = 0, score 100.
        assert_eq!(balanced_allocation(&[]), 100);
        assert_eq!(balanced_allocation(&[ResourceUse::new(3, 4)]), 100);
    }

    #[test]
    fn rtcr_utilization_does_not_overflow() {
        // requested*100 overflows i64 here; upstream widens to 128 bits.
        let cap = i64::MAX / 10;
        assert_eq!(scaled_utilization(cap / 2, cap, 100), 50);
        assert_eq!(scaled_utilization(-1, cap, 100), 0);
        assert_eq!(scaled_utilization(cap + 1, cap, 100), 100);
    }

    #[test]
    fn rtcr_rounds_half_away_from_zero() {
        // (25 + 50) / 2 = 37.5 -> 38.
        let r = [(ResourceUse::new(3, 4), 1), (ResourceUse::new(5, 10), 1)];
        assert_eq!(requested_to_capacity_ratio(&r, &[(0, 10), (100, 0)]), 38);
    }

    #[test]
    fn select_host_picks_the_unique_best_without_drawing() {
        let scored = [(0u32, 10), (1, 250), (2, 249)];
        let got = select_host(&scored, |_| panic!("no tie, no draw"));
        assert_eq!(got, Some(1));
        assert_eq!(select_host::<u32>(&[], |_| 0), None);
    }

    #[test]
    fn select_host_reservoir_replaces_on_zero() {
        let scored = [(7u32, 5), (8, 9), (9, 9), (10, 1), (11, 9)];
        // Draws: k=2 -> 0 (take 9), k=3 -> 1 (keep 9).
        let mut draws = vec![0u32, 1].into_iter();
        let mut asked = Vec::new();
        let got = select_host(&scored, |k| {
            asked.push(k);
            draws.next().unwrap_or(0)
        });
        assert_eq!(got, Some(9));
        assert_eq!(asked, [2, 3]);
    }

    #[test]
    fn select_host_is_uniform_among_ties() {
        // 5 tied nodes among 8; 50_000 seeded trials. Chi-square with 4
        // degrees of freedom: the 0.1% critical value is 18.47.
        let scored: Vec<(usize, i64)> = [3, 7, 7, 1, 7, 7, 0, 7].into_iter().enumerate().collect();
        let tied = [1usize, 2, 4, 5, 7];
        let mut rng = RngStreams::new(20240601).stream("select_host_test");
        let trials = 50_000u32;
        let mut counts = [0u32; 8];
        for _ in 0..trials {
            let pick = select_host(&scored, |n| rng.random_range(0..n)).unwrap_or(usize::MAX);
            counts[pick] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            assert_eq!(c > 0, tied.contains(&i), "node {i} picked {c} times");
        }
        let expected = f64::from(trials) / tied.len() as f64;
        let chi2: f64 = tied
            .iter()
            .map(|&i| {
                let d = f64::from(counts[i]) - expected;
                d * d / expected
            })
            .sum();
        assert!(chi2 < 18.47, "chi-square {chi2} for counts {counts:?}");
    }
}
