//! What a run produces: the summary, sampled rows and the event log, and
//! their serialization to bytes (summary.json, timeseries.csv, events.csv).

use super::Simulation;
use crate::engine::SimTime;
use crate::metrics::{ClusterSummary, JobsSummary, WorkloadSummary};
use crate::model::DeploymentId;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// An open or finished rollout, tracked by the simulation.
#[derive(Clone, Debug)]
pub(super) struct RolloutTracker {
    pub deployment: DeploymentId,
    pub revision: u32,
    pub start: SimTime,
    pub end: Option<SimTime>,
    pub superseded: bool,
    pub max_total_pods: u32,
    pub min_available: u32,
    /// When the deployment's Progressing condition became
    /// `ProgressDeadlineExceeded` during this rollout.
    pub deadline_exceeded: Option<SimTime>,
    /// The condition's reason when the rollout ended (completed or
    /// superseded); an open rollout reports the reason at the end of the run.
    pub reason: Option<crate::controllers::deployment_algo::ProgressingReason>,
}

/// One entry of the `rollouts` list in summary.json.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RolloutSummary {
    /// Workload name.
    pub workload: String,
    /// Revision the rollout moves to (the initial template is 1).
    pub revision: u32,
    /// Start, seconds.
    pub start_s: f64,
    /// Time to completion, or to the end of the run / supersession if it did
    /// not complete, seconds.
    pub duration_s: f64,
    /// Whether it completed (all replicas updated and available).
    pub completed: bool,
    /// Largest number of non-terminating pods during the rollout.
    pub max_total_pods: u32,
    /// Smallest number of available pods during the rollout.
    pub min_available: u32,
    /// The reason of the Deployment's `Progressing` condition when the
    /// rollout ended (or the run did): `NewReplicaSetAvailable` when it
    /// completed, `ProgressDeadlineExceeded` when it stalled for longer
    /// than `progress_deadline`, `ReplicaSetUpdated` or
    /// `NewReplicaSetCreated` while it was still progressing.
    pub reason: &'static str,
    /// When the progress deadline was declared exceeded, seconds (null if
    /// never). Upstream only reports it: the rollout goes on, and may still
    /// complete.
    pub deadline_exceeded_s: Option<f64>,
}

/// summary.json.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Version of kubesim that produced this.
    pub kubesim_version: &'static str,
    /// Scenario name.
    pub scenario: String,
    /// Seed of the run.
    pub seed: u64,
    /// Simulated duration, seconds.
    pub sim_duration_s: f64,
    /// Events processed by the engine.
    pub events: u64,
    /// Records left out of events.csv by `--event-log` (present only when
    /// the event log was limited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_not_logged: Option<u64>,
    /// Wall-clock time of the run, seconds (the only non-reproducible field).
    pub wall_time_s: f64,
    /// Cluster-wide metrics.
    pub cluster: ClusterSummary,
    /// Per-workload metrics, by name.
    pub workloads: BTreeMap<String, WorkloadSummary>,
    /// Rollouts in start order.
    pub rollouts: Vec<RolloutSummary>,
    /// Node pool upgrades in start order.
    pub upgrades: Vec<super::UpgradeSummary>,
    /// Batch Jobs, overall and per class (only when the scenario has `jobs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jobs: Option<JobsSummary>,
    /// Model invariants broken during the run (empty unless kubesim has a bug).
    pub invariant_violations: Vec<String>,
}

/// One row of timeseries.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Sample time, ms.
    pub time_ms: u64,
    /// Per workload: (desired, ready endpoints, serving).
    pub workloads: Vec<(u32, u32, u32)>,
    /// Nodes up and Ready.
    pub ready_nodes: u32,
    /// Pods not bound to a node.
    pub pending_pods: u32,
    /// Requested / allocatable CPU on ready nodes.
    pub cpu_allocation: f64,
    /// Requested / allocatable memory on ready nodes.
    pub memory_allocation: f64,
    /// Used / allocatable CPU on ready nodes.
    pub cpu_usage: f64,
    /// Per workload with traffic (in [`RunResult::traffic_names`] order):
    /// requests offered per second and the fraction of finished requests
    /// that succeeded, both since the previous row (0 and 1 in the first).
    pub traffic: Vec<(f64, f64)>,
    /// Per job class (in [`RunResult::job_names`] order): pending and
    /// running pods.
    pub jobs: Vec<(u32, u32)>,
}

/// One row of events.csv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// When, ms.
    pub time_ms: u64,
    /// What kind (`node_failed`, `pod_evicted`, `rollout_started`, ...).
    pub kind: &'static str,
    /// The object it concerns (node, pod, workload, zone).
    pub object: String,
    /// Free text.
    pub detail: String,
}

/// What a run held in memory, for checking that it depends on the
/// cluster, not on the simulated time (nothing here is an output file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Pods created during the run (ids handed out).
    pub pods_created: usize,
    /// Most pods held in memory at once: live ones, and gone ones not yet
    /// released.
    pub pods_held_peak: usize,
    /// Most timeseries rows and event records held at once before they
    /// went to the run's sink.
    pub rows_buffered_peak: usize,
    /// Nodes created (removed nodes are kept, flagged).
    pub nodes_created: usize,
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// The scalars.
    pub summary: Summary,
    /// Workload names, in scenario order (timeseries columns).
    pub workload_names: Vec<String>,
    /// Sampled rows (empty unless the run kept them: [`Simulation::run`]).
    pub samples: Vec<Sample>,
    /// Names of the workloads with traffic, in scenario order (the traffic
    /// columns of timeseries.csv).
    pub traffic_names: Vec<String>,
    /// Job class names, in scenario order (the last columns of
    /// timeseries.csv).
    pub job_names: Vec<String>,
    /// The event log (empty unless the run kept it: [`Simulation::run`]).
    pub events: Vec<EventRecord>,
    /// What the run held in memory.
    pub footprint: Footprint,
}

pub(super) fn finish(mut sim: Simulation, wall_time_s: f64) -> RunResult {
    let end = sim.end;
    let mut workloads: BTreeMap<String, WorkloadSummary> = sim
        .workload_metrics
        .iter_mut()
        .zip(&sim.scenario.workloads)
        .map(|(m, w)| (w.name.clone(), m.summary(end)))
        .collect();
    sim.traffic_summaries(&mut workloads);
    for i in 0..sim.scenario.workloads.len() {
        if let Some(s) = sim.scale_to_zero_summary(i, end) {
            let name = &sim.scenario.workloads[i].name;
            if let Some(w) = workloads.get_mut(name) {
                w.scale_to_zero = Some(s);
                // Its requests come from the scale-to-zero source, not
                // from traffic routing.
                if let Some((arrived, done)) = sim.scale_to_zero_requests(i) {
                    w.requests_offered = arrived as f64;
                    w.requests_served = done as f64;
                }
            }
        }
    }
    let rollouts = sim
        .rollouts
        .iter()
        .map(|r| RolloutSummary {
            workload: sim.state.deployment(r.deployment).name.clone(),
            revision: r.revision,
            start_s: r.start.as_secs_f64(),
            duration_s: r.end.unwrap_or(end).since(r.start).as_secs_f64(),
            completed: r.end.is_some() && !r.superseded,
            max_total_pods: r.max_total_pods,
            min_available: r.min_available,
            reason: r
                .reason
                .unwrap_or_else(|| sim.progressing_reason(r.deployment))
                .as_str(),
            deadline_exceeded_s: r.deadline_exceeded.map(SimTime::as_secs_f64),
        })
        .collect();
    let jobs = sim.jobs_summary(end);
    let mut cluster = sim.cluster_metrics.summary(end);
    sim.fill_pool_summaries(&mut cluster);
    let summary = Summary {
        kubesim_version: env!("CARGO_PKG_VERSION"),
        scenario: sim.scenario.name.clone(),
        seed: sim.seed,
        sim_duration_s: sim.scenario.duration.as_secs_f64(),
        events: sim.engine.processed(),
        events_not_logged: (sim.event_log != super::EventLog::All).then_some(sim.events_not_logged),
        wall_time_s,
        cluster,
        workloads,
        rollouts,
        upgrades: sim.upgrade_summaries(end),
        jobs,
        invariant_violations: std::mem::take(&mut sim.invariant_violations),
    };
    RunResult {
        summary,
        workload_names: sim
            .scenario
            .workloads
            .iter()
            .map(|w| w.name.clone())
            .collect(),
        samples: Vec::new(),
        traffic_names: sim.traffic.names().to_vec(),
        job_names: sim.job_names(),
        events: Vec::new(),
        footprint: Footprint {
            pods_created: sim.state.pods.len(),
            pods_held_peak: sim.state.pods.held_peak(),
            rows_buffered_peak: sim.rows_buffered_peak,
            nodes_created: sim.state.nodes.len(),
        },
    }
}

impl RunResult {
    /// summary.json, pretty-printed, with a trailing newline.
    pub fn summary_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(&self.summary).expect("summary serializes");
        v.push(b'\n');
        v
    }

    /// timeseries.csv: `time_s`, then per workload `<name>_desired`,
    /// `<name>_ready` (endpoints, Kubernetes' view), `<name>_serving`, then
    /// `ready_nodes`, `pending_pods`, `cpu_allocation`, `memory_allocation`,
    /// `cpu_usage`, then per workload with traffic `<name>_offered_rps` and
    /// `<name>_success` (over the interval since the previous row), then
    /// per job class `<name>_pending` and `<name>_running` pods.
    pub fn timeseries_csv(&self) -> Vec<u8> {
        let mut s = timeseries_header(&self.workload_names, &self.traffic_names, &self.job_names);
        for r in &self.samples {
            timeseries_row(&mut s, r);
        }
        s.into_bytes()
    }

    /// events.csv: `time_s,kind,object,detail`, in time order.
    pub fn events_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        write_events_header(&mut w).expect("in-memory write");
        for e in &self.events {
            write_event(&mut w, e).expect("in-memory write");
        }
        w.into_inner().expect("in-memory write")
    }
}

/// The header line of timeseries.csv (see [`RunResult::timeseries_csv`]).
pub fn timeseries_header(
    workload_names: &[String],
    traffic_names: &[String],
    job_names: &[String],
) -> String {
    let mut s = String::from("time_s");
    for n in workload_names {
        let _ = write!(s, ",{n}_desired,{n}_ready,{n}_serving");
    }
    s.push_str(",ready_nodes,pending_pods,cpu_allocation,memory_allocation,cpu_usage");
    for n in traffic_names {
        let _ = write!(s, ",{n}_offered_rps,{n}_success");
    }
    for n in job_names {
        let _ = write!(s, ",{n}_pending,{n}_running");
    }
    s.push('\n');
    s
}

/// Appends one line of timeseries.csv to `s`.
pub fn timeseries_row(s: &mut String, r: &Sample) {
    let _ = write!(s, "{}", fmt_secs(r.time_ms));
    for (d, e, sv) in &r.workloads {
        let _ = write!(s, ",{d},{e},{sv}");
    }
    let _ = write!(
        s,
        ",{},{},{:.6},{:.6},{:.6}",
        r.ready_nodes, r.pending_pods, r.cpu_allocation, r.memory_allocation, r.cpu_usage
    );
    for (rps, success) in &r.traffic {
        let _ = write!(s, ",{rps:.3},{success:.6}");
    }
    for (pending, running) in &r.jobs {
        let _ = write!(s, ",{pending},{running}");
    }
    s.push('\n');
}

/// Writes the header of events.csv.
pub fn write_events_header<W: std::io::Write>(w: &mut csv::Writer<W>) -> csv::Result<()> {
    w.write_record(["time_s", "kind", "object", "detail"])
}

/// Writes one record of events.csv.
pub fn write_event<W: std::io::Write>(w: &mut csv::Writer<W>, e: &EventRecord) -> csv::Result<()> {
    w.write_record([fmt_secs(e.time_ms).as_str(), e.kind, &e.object, &e.detail])
}

/// Milliseconds as seconds with exactly three decimals (no float noise).
fn fmt_secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}
