//! The typed, validated scenario the simulator runs.
//!
//! Everything here has passed validation: names are unique, references
//! resolve, quantities are in range, defaults are filled in. Simulation code
//! never sees raw strings or options that only existed because of the file
//! format. User-visible field names are in `../shared/DESIGN.md`.

use crate::dist::Dist;
use crate::engine::SimDuration;
use crate::units::{Bytes, IntOrPercent, MilliCpu};
use std::collections::BTreeMap;

/// A whole scenario: cluster, workloads and a timeline of events.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// `name`: shown in outputs.
    pub name: String,
    /// `duration`: simulated time to run.
    pub duration: SimDuration,
    /// `seed`: default seed (the CLI's `--seed` overrides it).
    pub seed: u64,
    /// `sample_interval` (extension; default: duration/1000 rounded to a
    /// whole second, at least 1 s): spacing of the rows in timeseries.csv.
    pub sample_interval: SimDuration,
    /// `cluster`.
    pub cluster: Cluster,
    /// `workloads`, in file order.
    pub workloads: Vec<Workload>,
    /// `events`, sorted by time (stable: file order among equal times).
    pub events: Vec<TimedEvent>,
    /// `jobs`: classes of batch Jobs, in file order (extension).
    pub jobs: Vec<JobClass>,
}

impl Scenario {
    /// The pods' specs by `DeploymentId`, as the scheduler, preemption and
    /// the cluster autoscaler see them: the workloads, then one stand-in
    /// per job class ([`JobClass::pod_spec`]).
    pub fn pod_specs(&self) -> Vec<Workload> {
        let mut specs = self.workloads.clone();
        specs.extend(self.jobs.iter().map(JobClass::pod_spec));
        specs
    }
}

/// `cluster:`.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// `zones`; `["default"]` when not given.
    pub zones: Vec<String>,
    /// `node_pools`, in file order.
    pub node_pools: Vec<NodePool>,
    /// `control_plane`.
    pub control_plane: ControlPlane,
    /// `zone_failure: {mttf, mttr}`: each zone fails as a whole,
    /// independently of the others (an alternating renewal process per zone).
    pub zone_failure: Option<FailureProcess>,
}

/// One `node_pools` item. Its nodes are named `<name>-<i>`.
#[derive(Clone, Debug)]
pub struct NodePool {
    /// `name`.
    pub name: String,
    /// `count`: initial number of nodes.
    pub count: u32,
    /// `zones`: resolved; defaults to every cluster zone. Nodes are placed
    /// round-robin over this list.
    pub zones: Vec<String>,
    /// `cpu`: allocatable CPU per node.
    pub cpu: MilliCpu,
    /// `memory`: allocatable memory per node.
    pub memory: Bytes,
    /// `max_pods` (default 110, the kubelet default).
    pub max_pods: u32,
    /// `labels`.
    pub labels: BTreeMap<String, String>,
    /// `taints`.
    pub taints: Vec<Taint>,
    /// `failure`: per-node failure/repair process, if any.
    pub failure: Option<FailureProcess>,
    /// `autoscaling`, if any.
    pub autoscaling: Option<PoolAutoscaling>,
    /// `racks` (default 1): node `i` is in rack `i % racks`, labelled
    /// `rack: <pool>-rack-<k>`.
    pub racks: u32,
    /// `correlated_failure: {domain: rack | pool, mttf, mttr}`: the whole
    /// failure domain goes down together.
    pub correlated_failure: Option<CorrelatedFailure>,
    /// `spot`: the pool's nodes are reclaimed by the provider.
    pub spot: Option<Spot>,
    /// `cost_per_hour` (default 0): price of one node for one hour, in any
    /// currency; `cluster.cost` in summary.json is node hours times this.
    pub cost_per_hour: f64,
    /// `priority` (default 0): the pool's tier for the cluster autoscaler's
    /// `priority` expander (highest wins).
    pub priority: i32,
}

/// A failure that takes a whole failure domain down at once.
#[derive(Clone, Debug)]
pub struct CorrelatedFailure {
    /// Which nodes fail together.
    pub domain: FailureDomain,
    /// Times to failure and to repair of each domain.
    pub process: FailureProcess,
}

/// Failure domains within a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureDomain {
    /// One rack (see `racks`).
    Rack,
    /// The whole pool.
    Pool,
}

/// `spot: {mttf, notice, replace_after}`: preemptible nodes.
#[derive(Clone, Debug)]
pub struct Spot {
    /// Time from a node's start to its reclamation (a bare duration means
    /// exponential with that mean).
    pub mttf: Dist,
    /// Warning before the node is taken (default 2m): the node is cordoned
    /// and drained during it.
    pub notice: SimDuration,
    /// Delay until a replacement node joins the pool (default 5m).
    pub replace_after: Dist,
}

/// A node taint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    /// `key`.
    pub key: String,
    /// `value` (default empty).
    pub value: String,
    /// `effect`.
    pub effect: TaintEffect,
}

/// Taint effects, as in Kubernetes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaintEffect {
    /// `NoSchedule`.
    NoSchedule,
    /// `PreferNoSchedule`.
    PreferNoSchedule,
    /// `NoExecute`.
    NoExecute,
}

/// `failure: {mttf, mttr}`: an alternating renewal process per node.
#[derive(Clone, Debug)]
pub struct FailureProcess {
    /// Time to failure (a bare duration means exponential with that mean).
    pub mttf: Dist,
    /// Time to repair (a bare duration means exponential with that mean).
    pub mttr: Dist,
}

/// `autoscaling: {min, max, provision_time}` on a node pool.
#[derive(Clone, Debug)]
pub struct PoolAutoscaling {
    /// `min` nodes.
    pub min: u32,
    /// `max` nodes.
    pub max: u32,
    /// `provision_time` from scale-up decision to a Ready node (default 2m).
    pub provision_time: Dist,
}

/// `cluster.control_plane`: upstream defaults, overridable for studies.
#[derive(Clone, Debug)]
pub struct ControlPlane {
    /// `node_monitor_grace_period` (default 50 s, upstream since v1.32).
    pub node_monitor_grace_period: SimDuration,
    /// `node_monitor_period` (default 5 s).
    pub node_monitor_period: SimDuration,
    /// `node_lease_renew_interval` (default 10 s: lease 40 s renewed at 1/4).
    pub node_lease_renew_interval: SimDuration,
    /// `default_toleration_seconds` (default 300 s).
    pub default_toleration_seconds: SimDuration,
    /// `watch_latency` (default 100 ms): delay between a state change and the
    /// controllers/kubelet reacting to it through their informers.
    pub watch_latency: SimDuration,
    /// `scheduler`.
    pub scheduler: SchedulerConfig,
    /// `cluster_autoscaler`: settings of the cluster autoscaler that scales
    /// the pools with `autoscaling`.
    pub cluster_autoscaler: ClusterAutoscalerConfig,
}

/// `control_plane.scheduler`.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// `score`: the NodeResourcesFit scoring strategy.
    pub score: ScoreStrategy,
    /// `percentage_of_nodes_to_score` (0..=100, default 0): the profile's
    /// `percentageOfNodesToScore`. 0 is upstream's adaptive default
    /// (`50 - nodes/125` percent, at least 5%, and at least 100 nodes).
    pub percentage_of_nodes_to_score: u32,
}

/// NodeResourcesFit scoring strategies.
///
/// In YAML: `score: least_allocated`, `score: most_allocated`, or
/// ```yaml
/// score:
///   requested_to_capacity_ratio:
///     shape: [{utilization: 0, score: 10}, {utilization: 100, score: 0}]
/// ```
/// (utilization 0..=100 strictly ascending, score 0..=10, as upstream).
#[derive(Clone, Debug, PartialEq)]
pub enum ScoreStrategy {
    /// `least_allocated` (upstream default).
    LeastAllocated,
    /// `most_allocated` (bin packing).
    MostAllocated,
    /// `requested_to_capacity_ratio` with its shape: (utilization %, score 0..=10).
    RequestedToCapacityRatio {
        /// Shape points, utilization ascending.
        shape: Vec<(u32, u32)>,
    },
}

/// Upstream default `progressDeadlineSeconds`.
pub const DEFAULT_PROGRESS_DEADLINE: SimDuration = SimDuration::from_secs(600);

/// One `workloads` item: a Deployment.
#[derive(Clone, Debug)]
pub struct Workload {
    /// `name`.
    pub name: String,
    /// `replicas` (default 1).
    pub replicas: u32,
    /// `cpu` request per pod.
    pub cpu: MilliCpu,
    /// `memory` request per pod.
    pub memory: Bytes,
    /// `priority` (default 0).
    pub priority: i32,
    /// `preemption_policy` (default `preempt_lower_priority`).
    pub preemption_policy: PreemptionPolicy,
    /// `startup_time`: from the kubelet starting the pod to Ready (default
    /// 0 s); with `readiness`, to the application answering its probe.
    pub startup_time: Dist,
    /// `termination_grace` (default 30 s).
    pub termination_grace: SimDuration,
    /// `min_ready_seconds` (default 0).
    pub min_ready_seconds: SimDuration,
    /// `progress_deadline` (upstream `progressDeadlineSeconds`, default
    /// 600 s, whole seconds): a rollout with no progress for this long is
    /// reported `ProgressDeadlineExceeded`.
    pub progress_deadline: SimDuration,
    /// `strategy` (default rolling_update 25%/25%).
    pub strategy: Strategy,
    /// `node_selector`: pool labels a node must carry.
    pub node_selector: BTreeMap<String, String>,
    /// `tolerations`.
    pub tolerations: Vec<Toleration>,
    /// `spread`: topology spread constraints.
    pub spread: Vec<SpreadConstraint>,
    /// `affinity`: node affinity and inter-pod (anti-)affinity. The
    /// `anti_affinity: {topology, required}` shorthand is resolved into
    /// `affinity.pod_anti_affinity` (a term on the workload itself).
    pub affinity: Affinity,
    /// `pdb`.
    pub pdb: Option<Pdb>,
    /// `slo.min_ready`: resolved; defaults to `replicas`.
    pub slo_min_ready: u32,
    /// `slo.min_ready` was not given: it follows the desired replicas as
    /// they change (scale events, autoscaling).
    pub slo_follows_replicas: bool,
    /// `slo.target` (e.g. `99.9%`) as a fraction: the error budget is
    /// `(1 - target) * duration`.
    pub slo_target: Option<f64>,
    /// `crash`: container crash process.
    pub crash: Option<CrashProcess>,
    /// `readiness`: the containers' readiness probe. None: a started pod
    /// is Ready exactly `startup_time` after the kubelet starts it, and a
    /// running container is always ready (upstream without a probe).
    pub readiness: Option<ReadinessProbe>,
    /// `hang`: the application stops answering while its container keeps
    /// running (probes and requests fail), then recovers.
    pub hang: Option<HangProcess>,
    /// `traffic`.
    pub traffic: Option<Traffic>,
    /// `hpa`.
    pub hpa: Option<Hpa>,
    /// `scale_to_zero`: request-driven scaling to and from zero instances.
    pub scale_to_zero: Option<ScaleToZero>,
    /// The pods belong to Jobs: set only on the stand-in the simulation
    /// builds for a `jobs` class, never on a scenario's `workloads`. No
    /// Service or ReplicaSet selects such pods, so the system default
    /// spread constraints do not apply to them (upstream `DefaultSelector`
    /// is empty).
    pub job: bool,
}

impl Workload {
    /// A workload with the scenario format's defaults: 1 replica, rolling
    /// update 25%/25%, 30 s grace, no constraints.
    pub fn new(name: &str, cpu: MilliCpu, memory: Bytes) -> Workload {
        Workload {
            name: name.to_string(),
            replicas: 1,
            cpu,
            memory,
            priority: 0,
            preemption_policy: PreemptionPolicy::PreemptLowerPriority,
            startup_time: Dist::Fixed(SimDuration::ZERO),
            termination_grace: SimDuration::from_secs(30),
            min_ready_seconds: SimDuration::ZERO,
            progress_deadline: DEFAULT_PROGRESS_DEADLINE,
            strategy: Strategy::default(),
            node_selector: BTreeMap::new(),
            tolerations: Vec::new(),
            spread: Vec::new(),
            affinity: Affinity::default(),
            pdb: None,
            slo_min_ready: 1,
            slo_follows_replicas: true,
            slo_target: None,
            crash: None,
            readiness: None,
            hang: None,
            traffic: None,
            hpa: None,
            scale_to_zero: None,
            job: false,
        }
    }
}

/// A workload's `preemption_policy` (upstream `spec.preemptionPolicy`,
/// from its PriorityClass).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PreemptionPolicy {
    /// `preempt_lower_priority` (upstream `PreemptLowerPriority`, the
    /// default): an unschedulable pod may preempt pods of lower priority.
    #[default]
    PreemptLowerPriority,
    /// `never`: the pod is queued ahead of lower priorities but never
    /// preempts.
    Never,
}

/// Deployment strategies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `{type: rolling_update, max_surge, max_unavailable}`.
    RollingUpdate {
        /// `max_surge` (default 25%).
        max_surge: IntOrPercent,
        /// `max_unavailable` (default 25%).
        max_unavailable: IntOrPercent,
    },
    /// `{type: recreate}`.
    Recreate,
}

/// A toleration on a workload's pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toleration {
    /// `key` (empty with `operator: exists` tolerates everything).
    pub key: String,
    /// `operator`: true for Exists, false for Equal.
    pub exists: bool,
    /// `value` (for Equal).
    pub value: String,
    /// `effect` (None matches every effect).
    pub effect: Option<TaintEffect>,
    /// `toleration_seconds` (upstream `tolerationSeconds`, NoExecute only):
    /// how long a pod stays bound to a node with a matching NoExecute taint
    /// before the taint eviction controller deletes it; None tolerates it
    /// forever.
    pub toleration_seconds: Option<SimDuration>,
}

/// Topology keys kubesim models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topology {
    /// `hostname`: each node is its own domain.
    Hostname,
    /// `zone`.
    Zone,
}

/// `spread` item: a PodTopologySpread constraint over the workload's pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpreadConstraint {
    /// `topology`.
    pub topology: Topology,
    /// `max_skew` (>= 1).
    pub max_skew: u32,
    /// `when_unsatisfiable`: true for do_not_schedule (filter), false for
    /// schedule_anyway (score).
    pub do_not_schedule: bool,
    /// `min_domains` (only with do_not_schedule).
    pub min_domains: Option<u32>,
}

/// Well-known node label holding the node's name (upstream
/// `kubernetes.io/hostname`); every node carries it.
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";
/// Well-known node label holding the node's zone (upstream
/// `topology.kubernetes.io/zone`); every node carries it.
pub const LABEL_ZONE: &str = "topology.kubernetes.io/zone";

/// `affinity: {node, pod_affinity, pod_anti_affinity}` (upstream
/// `pod.spec.affinity`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Affinity {
    /// `node`: node affinity.
    pub node: NodeAffinity,
    /// `pod_affinity`: terms attracting the pods to a workload's pods.
    pub pod_affinity: Vec<PodAffinityTerm>,
    /// `pod_anti_affinity`: terms repelling the pods from a workload's pods.
    pub pod_anti_affinity: Vec<PodAffinityTerm>,
}

impl Affinity {
    /// Whether any pod (anti-)affinity term is set (upstream: the pod is in
    /// `PodsWithAffinity`).
    pub fn has_pod_terms(&self) -> bool {
        !self.pod_affinity.is_empty() || !self.pod_anti_affinity.is_empty()
    }
}

/// `affinity.node: {required, preferred}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeAffinity {
    /// `required`: node selector terms, ORed; empty means no requirement
    /// (requiredDuringSchedulingIgnoredDuringExecution).
    pub required: Vec<NodeSelectorTerm>,
    /// `preferred`: weighted terms whose weights add up on matching nodes
    /// (preferredDuringSchedulingIgnoredDuringExecution).
    pub preferred: Vec<PreferredSchedulingTerm>,
}

/// A node selector term: `{match_expressions: [...]}`, expressions ANDed.
/// Validation guarantees at least one expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSelectorTerm {
    /// `match_expressions`.
    pub match_expressions: Vec<NodeSelectorRequirement>,
}

impl NodeSelectorTerm {
    /// Whether a node whose labels are looked up by `label` satisfies every
    /// expression (upstream `nodeaffinity` term matching).
    pub fn matches<'l>(&self, label: impl Fn(&str) -> Option<&'l str>) -> bool {
        self.match_expressions.iter().all(|r| r.matches(&label))
    }
}

/// `preferred` item: `{weight, match_expressions}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreferredSchedulingTerm {
    /// `weight`, 1..=100.
    pub weight: u32,
    /// The term (its `match_expressions`).
    pub term: NodeSelectorTerm,
}

/// One `match_expressions` item: `{key, operator, values}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSelectorRequirement {
    /// `key`: a node label.
    pub key: String,
    /// `operator` with its validated `values`.
    pub operator: LabelOperator,
}

/// Node selector operators, with the values each takes (upstream
/// `NodeSelectorOperator` and its validation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelOperator {
    /// `In`: the label is one of the values (at least one).
    In(Vec<String>),
    /// `NotIn`: the label is absent or none of the values (at least one).
    NotIn(Vec<String>),
    /// `Exists`: the label is present (no values).
    Exists,
    /// `DoesNotExist`: the label is absent (no values).
    DoesNotExist,
    /// `Gt`: the label parses as an integer greater than the one value.
    Gt(i64),
    /// `Lt`: the label parses as an integer less than the one value.
    Lt(i64),
}

impl NodeSelectorRequirement {
    /// Whether the labels satisfy this requirement (upstream
    /// `labels.Requirement.Matches`: NotIn and DoesNotExist match an absent
    /// label; Gt and Lt need a label that parses as a base-10 int64).
    pub fn matches<'l>(&self, label: impl Fn(&str) -> Option<&'l str>) -> bool {
        let value = label(&self.key);
        match &self.operator {
            LabelOperator::In(vs) => value.is_some_and(|v| vs.iter().any(|x| x == v)),
            LabelOperator::NotIn(vs) => value.is_none_or(|v| vs.iter().all(|x| x != v)),
            LabelOperator::Exists => value.is_some(),
            LabelOperator::DoesNotExist => value.is_none(),
            LabelOperator::Gt(n) => value
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > *n),
            LabelOperator::Lt(n) => value
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v < *n),
        }
    }
}

/// A `pod_affinity` / `pod_anti_affinity` item:
/// `{workload, topology, required, weight}`. The term selects the pods of
/// one workload (all its revisions: a workload's pods share their labels).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodAffinityTerm {
    /// `workload`: index into `workloads` of the pods the term selects
    /// (default: the workload itself).
    pub workload: usize,
    /// `topology`: the term's topology key.
    pub topology: Topology,
    /// `None` for a required term (`required: true`, a filter); the
    /// `weight` (1..=100) of a preferred term (a score).
    pub weight: Option<u32>,
}

impl PodAffinityTerm {
    /// A required (requiredDuringSchedulingIgnoredDuringExecution) term.
    pub fn is_required(&self) -> bool {
        self.weight.is_none()
    }
}

/// `pdb`: exactly one of min_available / max_unavailable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pdb {
    /// `min_available`.
    MinAvailable(IntOrPercent),
    /// `max_unavailable`.
    MaxUnavailable(IntOrPercent),
}

/// `crash: {mtbf}`: container crashes restarted with CrashLoopBackOff.
#[derive(Clone, Debug)]
pub struct CrashProcess {
    /// Time between crashes of one running container.
    pub mtbf: Dist,
}

/// `readiness: {initial_delay, period, success_threshold,
/// failure_threshold}`: upstream's `readinessProbe` timings, with its
/// defaults (0 s, 10 s, 1, 3). `timeoutSeconds` is upstream's default 1 s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadinessProbe {
    /// `initial_delay` (`initialDelaySeconds`, default 0 s).
    pub initial_delay: SimDuration,
    /// `period` (`periodSeconds`, default 10 s).
    pub period: SimDuration,
    /// `success_threshold` (`successThreshold`, default 1).
    pub success_threshold: u32,
    /// `failure_threshold` (`failureThreshold`, default 3).
    pub failure_threshold: u32,
}

impl Default for ReadinessProbe {
    fn default() -> Self {
        ReadinessProbe {
            initial_delay: SimDuration::ZERO,
            period: SimDuration::from_secs(10),
            success_threshold: 1,
            failure_threshold: 3,
        }
    }
}

/// `hang: {mtbf, duration}`: while a pod is Ready its application stops
/// answering after a time drawn from `mtbf` (a bare duration is the mean
/// of an exponential), for `duration` (a bare duration is fixed).
#[derive(Clone, Debug)]
pub struct HangProcess {
    /// Time from Ready to the hang.
    pub mtbf: Dist,
    /// How long the application does not answer.
    pub duration: Dist,
}

/// `traffic`: offered load on a workload.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// `rate`: requests per second at the pattern's baseline (default 1
    /// when the pattern replays a trace, whose values are then the rate).
    pub rate_rps: f64,
    /// `pattern`.
    pub pattern: TrafficPattern,
    /// `capacity_per_pod`: requests per second one serving pod can serve
    /// (required in fluid mode; in requests mode it defaults to
    /// `concurrency / mean service_time` and is only reported).
    pub capacity_per_pod_rps: f64,
    /// `cpu_per_request`: CPU time per request (millicore-seconds).
    pub cpu_per_request: MilliCpu,
    /// `mode`: `fluid` (default) or `requests`.
    pub mode: TrafficMode,
    /// `noise`: `poisson` or `none`. Fluid mode (default none): Poisson
    /// counts per second. Requests mode (default poisson): Poisson arrivals;
    /// with none, the k-th request arrives when the rate's integral reaches k.
    pub noise: bool,
}

/// `traffic.mode`.
#[derive(Clone, Debug, PartialEq)]
pub enum TrafficMode {
    /// Rate x time, integrated exactly between events.
    Fluid,
    /// Each request is an event.
    Requests(RequestModel),
}

/// The fields of `traffic` that only `mode: requests` reads.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestModel {
    /// `service_time`: time a request occupies one of a pod's slots.
    pub service_time: Dist,
    /// `concurrency` (default 1): requests a pod serves at once; more wait
    /// in its FIFO queue.
    pub concurrency: u32,
    /// `load_balancer` (default random).
    pub load_balancer: LoadBalancer,
    /// `timeout`: a request not done this long after it arrived fails.
    pub timeout: Option<SimDuration>,
}

/// How requests are spread over a workload's endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadBalancer {
    /// Uniformly at random (kube-proxy's iptables mode).
    Random,
    /// In turn (IPVS `rr`).
    RoundRobin,
    /// The less busy of two endpoints picked at random (Envoy's
    /// LEAST_REQUEST, power of two choices).
    LeastRequest,
}

/// `traffic.pattern`: one shape, or a list of shapes whose factors
/// multiply. Factors are relative to `rate` (a replayed trace gives
/// requests per second, also multiplied by `rate`).
#[derive(Clone, Debug, PartialEq)]
pub enum TrafficPattern {
    /// Constant rate.
    Constant,
    /// `{diurnal: {amplitude, period (default 1d), peak (default 12h)}}`:
    /// `rate * (1 + amplitude*cos(2π (t - peak)/period))`.
    Diurnal {
        /// Relative amplitude in [0, 1].
        amplitude: f64,
        /// Period.
        period: SimDuration,
        /// Time of the peak within the period.
        peak: SimDuration,
    },
    /// `{step: {at, factor}}`: times `factor` from `at` on.
    Step {
        /// When.
        at: SimDuration,
        /// Multiplier.
        factor: f64,
    },
    /// `{spike: {at, factor, duration}}`: times `factor` for `duration`.
    Spike {
        /// When it starts.
        at: SimDuration,
        /// Multiplier.
        factor: f64,
        /// How long.
        duration: SimDuration,
    },
    /// `{ramp: {at, duration, to, from (default 1)}}`: the factor moves
    /// linearly from `from` to `to` over `duration`, then stays at `to`.
    Ramp {
        /// When it starts.
        at: SimDuration,
        /// How long (> 0).
        duration: SimDuration,
        /// Factor before.
        from: f64,
        /// Factor after.
        to: f64,
    },
    /// `{bursty: {factor, burst, gap}}`: a Markov-modulated (MMPP) on/off
    /// factor: `factor` during bursts, 1 between them; burst and gap
    /// lengths are exponential with means `burst` and `gap`.
    Bursty {
        /// Multiplier during a burst.
        factor: f64,
        /// Mean burst length.
        burst: SimDuration,
        /// Mean gap between bursts.
        gap: SimDuration,
    },
    /// `{replay: {path, interpolation (default linear), loop (default
    /// false)}}`: a CSV trace of `time_s,rate` (path relative to the
    /// scenario file), read when the scenario is loaded.
    Replay {
        /// The path as written.
        path: String,
        /// The parsed trace.
        trace: std::sync::Arc<crate::traffic::Trace>,
        /// `interpolation`: linear or step.
        interpolation: crate::traffic::Interpolation,
        /// `loop`: repeat the trace (its last time is the cycle length).
        looped: bool,
    },
    /// A list: the factors multiply.
    Product(Vec<TrafficPattern>),
}

/// `hpa`.
#[derive(Clone, Debug)]
pub struct Hpa {
    /// `min` replicas (default 1).
    pub min: u32,
    /// `max` replicas.
    pub max: u32,
    /// `target_cpu_utilization` in percent of the request, written `70%`
    /// (default 80%, as upstream).
    pub target_cpu_utilization_percent: u32,
    /// `behavior` (autoscaling/v2 `spec.behavior`); `None` selects the
    /// legacy normalization, as upstream does for a nil behavior.
    pub behavior: Option<crate::controllers::hpa_algo::Behavior>,
}

/// One `events` item.
#[derive(Clone, Debug)]
pub struct TimedEvent {
    /// `at`: offset from the start.
    pub at: SimDuration,
    /// What happens.
    pub action: EventAction,
}

/// Timeline actions. Workload, pool, zone and node references are indices
/// into the scenario's lists, resolved by validation.
#[derive(Clone, Debug)]
pub enum EventAction {
    /// `scale: {workload, replicas}`.
    Scale {
        /// Index into `workloads`.
        workload: usize,
        /// New replica count.
        replicas: u32,
    },
    /// `rollout: {workload, startup_time?, cpu?, memory?, crash_probability?}`:
    /// a new pod template; unset fields keep the current values.
    Rollout {
        /// Index into `workloads`.
        workload: usize,
        /// New start-up time.
        startup_time: Option<Dist>,
        /// New CPU request.
        cpu: Option<MilliCpu>,
        /// New memory request.
        memory: Option<Bytes>,
        /// Probability that a new pod crash-loops and never becomes ready.
        crash_probability: f64,
    },
    /// `zone_outage: {zone, duration}`: every node of the zone goes down.
    ZoneOutage {
        /// Index into `cluster.zones`.
        zone: usize,
        /// How long the outage lasts.
        duration: Dist,
    },
    /// `node_failure: {node | pool+count | zone | hosting, duration?}`.
    NodeFailure {
        /// Which nodes.
        target: NodeTarget,
        /// Down time; None uses the pool's mttr, or 1h without one.
        duration: Option<Dist>,
    },
    /// `node_pool_upgrade: {pool, max_surge, provision_time, node_upgrade_time}`.
    NodePoolUpgrade {
        /// Index into `cluster.node_pools`.
        pool: usize,
        /// New nodes added before old ones are drained (0 = in place).
        max_surge: u32,
        /// Time for a surge node to join (default 2m).
        provision_time: Dist,
        /// In place: time a drained node is down for its upgrade (default 5m).
        node_upgrade_time: Dist,
    },
    /// `drain: {<target>, uncordon_after?}`: cordon, then evict every pod
    /// through the eviction API (PDBs respected, blocked evictions retried
    /// every 5 s), like `kubectl drain`.
    Drain {
        /// Which nodes.
        target: NodeTarget,
        /// Uncordon this long after the drain started (None: stays cordoned).
        uncordon_after: Option<SimDuration>,
    },
    /// `partition: {<target>, duration}`: the nodes lose the control plane but
    /// keep running their pods.
    Partition {
        /// Which nodes.
        target: NodeTarget,
        /// How long.
        duration: Dist,
    },
    /// `control_plane_outage: {duration}`: no scheduling, no controller
    /// actions; running pods keep serving.
    ControlPlaneOutage {
        /// How long.
        duration: Dist,
    },
}

/// Which nodes a `node_failure` event takes down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeTarget {
    /// `node: general-3` (pool index, node index within the pool).
    Node {
        /// Index into `cluster.node_pools`.
        pool: usize,
        /// Index of the node within its pool (the `3` in `general-3`).
        index: u32,
    },
    /// `pool: general, count: 2`: `count` live nodes of the pool, chosen at random.
    Pool {
        /// Index into `cluster.node_pools`.
        pool: usize,
        /// How many nodes.
        count: u32,
    },
    /// `zone: a`: every node in the zone.
    Zone(usize),
    /// `hosting: web`: one live node running a pod of the workload, chosen at random.
    Hosting(usize),
}

impl Default for ControlPlane {
    /// Upstream Kubernetes defaults.
    fn default() -> Self {
        ControlPlane {
            node_monitor_grace_period: SimDuration::from_secs(50),
            node_monitor_period: SimDuration::from_secs(5),
            node_lease_renew_interval: SimDuration::from_secs(10),
            default_toleration_seconds: SimDuration::from_secs(300),
            watch_latency: SimDuration::from_millis(100),
            scheduler: SchedulerConfig {
                score: ScoreStrategy::LeastAllocated,
                percentage_of_nodes_to_score: 0,
            },
            cluster_autoscaler: ClusterAutoscalerConfig::default(),
        }
    }
}

impl Default for Strategy {
    /// Rolling update with 25% surge and 25% unavailable, as Kubernetes.
    fn default() -> Self {
        Strategy::RollingUpdate {
            max_surge: IntOrPercent::Percent(25),
            max_unavailable: IntOrPercent::Percent(25),
        }
    }
}

/// `cluster.control_plane.cluster_autoscaler`: the cluster autoscaler's
/// flags, with upstream defaults (`cluster-autoscaler/FAQ.md`,
/// `config/flags/flags.go`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterAutoscalerConfig {
    /// `scan_interval` (`--scan-interval`, default 10 s).
    pub scan_interval: SimDuration,
    /// `expander` (`--expander`, default random).
    pub expander: Expander,
    /// `scale_down_enabled` (`--scale-down-enabled`, default true).
    pub scale_down_enabled: bool,
    /// `scale_down_utilization_threshold`
    /// (`--scale-down-utilization-threshold`, default 0.5): a node whose
    /// max(cpu, memory) requested / allocatable is below this is a
    /// scale-down candidate.
    pub scale_down_utilization_threshold: f64,
    /// `scale_down_unneeded_time` (`--scale-down-unneeded-time`, default
    /// 10 min): how long a node must stay unneeded before it is removed.
    pub scale_down_unneeded_time: SimDuration,
    /// `scale_down_delay_after_add` (`--scale-down-delay-after-add`, default
    /// 10 min): no scale-down this soon after a scale-up (or the start).
    pub scale_down_delay_after_add: SimDuration,
    /// `scale_down_delay_after_delete` (`--scale-down-delay-after-delete`,
    /// default: the scan interval).
    pub scale_down_delay_after_delete: SimDuration,
    /// `scale_down_delay_after_failure` (`--scale-down-delay-after-failure`,
    /// default 3 min).
    pub scale_down_delay_after_failure: SimDuration,
    /// `max_pod_eviction_time` (`--max-pod-eviction-time`, default 2 min):
    /// a scale-down drain whose evictions are still refused (PDBs) after
    /// this long is abandoned and the node uncordoned.
    pub max_pod_eviction_time: SimDuration,
}

impl Default for ClusterAutoscalerConfig {
    /// Upstream defaults.
    fn default() -> Self {
        ClusterAutoscalerConfig {
            scan_interval: SimDuration::from_secs(10),
            expander: Expander::Random,
            scale_down_enabled: true,
            scale_down_utilization_threshold: 0.5,
            scale_down_unneeded_time: SimDuration::from_secs(600),
            scale_down_delay_after_add: SimDuration::from_secs(600),
            scale_down_delay_after_delete: SimDuration::from_secs(10),
            scale_down_delay_after_failure: SimDuration::from_secs(180),
            max_pod_eviction_time: SimDuration::from_secs(120),
        }
    }
}

/// How the cluster autoscaler picks among the pools that could help
/// (upstream `--expander`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expander {
    /// `random`: uniformly at random.
    Random,
    /// `least_waste`: the least idle cpu + memory fraction after the
    /// pending pods are placed; ties at random.
    LeastWaste,
    /// `most_pods`: the option that schedules the most pods; ties at random.
    MostPods,
    /// `priority`: the pools with the highest `priority`; ties at random.
    Priority,
}

impl Expander {
    /// The name used in scenarios and events.csv.
    pub fn as_str(self) -> &'static str {
        match self {
            Expander::Random => "random",
            Expander::LeastWaste => "least_waste",
            Expander::MostPods => "most_pods",
            Expander::Priority => "priority",
        }
    }
}

/// `scale_to_zero` on a workload: its instances follow the requests, down
/// to zero.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleToZero {
    /// `policy`: how instances follow the requests.
    pub policy: ScaleToZeroPolicy,
    /// `service_time`: how long one request keeps an instance busy.
    pub service_time: Dist,
    /// `arrivals` (default poisson): how requests arrive at `traffic.rate`.
    pub arrivals: Arrivals,
}

/// Request arrival processes of the built-in source of scale-to-zero
/// workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrivals {
    /// `poisson`: an inhomogeneous Poisson process at `traffic`'s rate model
    /// (rate times every pattern factor), by inversion.
    Poisson,
    /// `regular`: the k-th request when the rate model's integral reaches k
    /// (a constant rate: one every 1/rate, the first at 1/rate).
    Regular,
}

/// `scale_to_zero.policy` and its settings.
#[derive(Clone, Debug, PartialEq)]
pub enum ScaleToZeroPolicy {
    /// `kpa`: the Knative Pod Autoscaler sets the Deployment's replicas.
    Kpa(KpaConfig),
    /// `per_request`: function-platform style; each request takes an idle
    /// instance or starts a new one.
    PerRequest {
        /// `keep_alive` (default 10 min): an idle instance is removed after
        /// this long without a request.
        keep_alive: SimDuration,
        /// `max_instances` (default 0 = unlimited): requests beyond this
        /// many instances wait for one to free up.
        max_instances: u32,
    },
}

/// `scale_to_zero` settings of `policy: kpa`, with Knative's defaults
/// (`config/core/configmaps/autoscaler.yaml`).
#[derive(Clone, Debug, PartialEq)]
pub struct KpaConfig {
    /// `target` (container-concurrency-target-default 100): concurrent
    /// requests per pod the autoscaler aims at, before `target_utilization`.
    pub target: f64,
    /// `target_utilization` (container-concurrency-target-percentage 70%),
    /// as a fraction.
    pub target_utilization: f64,
    /// `stable_window` (60 s).
    pub stable_window: SimDuration,
    /// `panic_window_percentage` (10%): the panic window as a fraction of
    /// the stable window.
    pub panic_window_fraction: f64,
    /// `panic_threshold` (200%), as a fraction.
    pub panic_threshold: f64,
    /// `max_scale_up_rate` (1000).
    pub max_scale_up_rate: f64,
    /// `max_scale_down_rate` (2).
    pub max_scale_down_rate: f64,
    /// `scale_to_zero_grace_period` (30 s).
    pub grace_period: SimDuration,
    /// `min_scale` (0).
    pub min_scale: u32,
    /// `max_scale` (0 = unlimited).
    pub max_scale: u32,
    /// `tick` (2 s): the decider's period.
    pub tick: SimDuration,
}

impl Default for KpaConfig {
    /// Knative's defaults.
    fn default() -> Self {
        KpaConfig {
            target: 100.0,
            target_utilization: 0.7,
            stable_window: SimDuration::from_secs(60),
            panic_window_fraction: 0.1,
            panic_threshold: 2.0,
            max_scale_up_rate: 1000.0,
            max_scale_down_rate: 2.0,
            grace_period: SimDuration::from_secs(30),
            min_scale: 0,
            max_scale: 0,
            tick: SimDuration::from_secs(2),
        }
    }
}

/// One `jobs` item: a class of batch Jobs (Kubernetes `batch/v1` Job, non-
/// indexed, `restartPolicy: Never`) that arrive over the run.
#[derive(Clone, Debug)]
pub struct JobClass {
    /// `name`: unique among workloads and job classes; Jobs are named
    /// `<name>-<k>` (k counts the class's arrivals from 0).
    pub name: String,
    /// `arrivals`: when Jobs of the class are created.
    pub arrivals: JobArrivals,
    /// `cpu`: each pod's CPU request (a trace's `cpu` column overrides it
    /// per Job).
    pub cpu: MilliCpu,
    /// `memory`: each pod's memory request (or the trace's `memory`).
    pub memory: Bytes,
    /// `run_time`: how long a pod's container runs once started, drawn per
    /// pod (a trace's `duration_s` fixes it per Job).
    pub run_time: Dist,
    /// `parallelism` (default 1).
    pub parallelism: u32,
    /// `completions`: successful pods needed. None (only when
    /// `parallelism` is given without it) is upstream's work-queue Job:
    /// done when one pod has succeeded and none is left running.
    pub completions: Option<u32>,
    /// `backoff_limit` (default 6): the Job fails once more pods than this
    /// have failed.
    pub backoff_limit: u32,
    /// `failure_probability` (default 0): the chance that a pod's run ends
    /// in failure (exit code non-zero) instead of success.
    pub failure_probability: f64,
    /// `priority` of the pods.
    pub priority: i32,
    /// `preemption_policy` of the pods.
    pub preemption_policy: PreemptionPolicy,
    /// `termination_grace` of the pods (on preemption, eviction, drain).
    pub termination_grace: SimDuration,
    /// `node_selector`.
    pub node_selector: BTreeMap<String, String>,
    /// `tolerations`.
    pub tolerations: Vec<Toleration>,
}

impl JobClass {
    /// The stand-in workload the scheduler, preemption and the cluster
    /// autoscaler see for this class's pods.
    pub fn pod_spec(&self) -> Workload {
        Workload {
            replicas: 0,
            slo_min_ready: 0,
            priority: self.priority,
            preemption_policy: self.preemption_policy,
            termination_grace: self.termination_grace,
            node_selector: self.node_selector.clone(),
            tolerations: self.tolerations.clone(),
            job: true,
            ..Workload::new(&self.name, self.cpu, self.memory)
        }
    }
}

/// A job class's `arrivals`.
#[derive(Clone, Debug)]
pub enum JobArrivals {
    /// `{rate, pattern}`: a Poisson process of `rate` Jobs per second times
    /// the pattern's factor (any traffic shape; inhomogeneous when the
    /// pattern is not constant).
    Poisson {
        /// `rate`, Jobs per second.
        rate_per_s: f64,
        /// `pattern` (default constant).
        pattern: TrafficPattern,
    },
    /// `{trace: path}`: one Job per row of a CSV file, read at load time.
    Trace {
        /// The path as written (relative to the scenario file).
        path: String,
        /// The parsed rows.
        trace: std::sync::Arc<JobTrace>,
        /// The trace's columns, in file order (`cpu`, `memory` and
        /// `duration_s` replace the class's `cpu`, `memory` and `run_time`).
        columns: Vec<String>,
    },
}

/// A replayed Job trace: rows sorted by arrival.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobTrace {
    /// One Job per row.
    pub jobs: Vec<TracedJob>,
}

/// One row of a Job trace, with the class's values filled in where the
/// trace has no column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TracedJob {
    /// Arrival, from the start of the run.
    pub arrival: SimDuration,
    /// Each pod's CPU request.
    pub cpu: MilliCpu,
    /// Each pod's memory request.
    pub memory: Bytes,
    /// Each pod's run time; None draws it from the class's `run_time`.
    pub run_time: Option<SimDuration>,
}
