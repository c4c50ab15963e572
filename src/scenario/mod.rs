//! Scenario files: parse, default, validate, override.
//!
//! [`load_file`] and [`load_str`] turn a YAML scenario (see DESIGN.md,
//! "Scenario file") plus `--set PATH=VALUE` overrides into a validated
//! [`Scenario`], or a [`ScenarioError`] listing every problem found, each
//! with its file, line and column (or `--set` argument), field path, and a
//! hint where one helps.
//!
//! How: the text is parsed into a tree of located nodes (`node`), the
//! overrides edit that tree (`overrides`), and the resolver (`resolve`,
//! built on `check`) walks it against the schema, converting quantities
//! (`quantity`), filling defaults and checking references and limits.
//! Workloads may also come from Kubernetes manifests (`manifests:`, with
//! per-workload `overrides:`): `imports` reads those keys and
//! `crate::manifests` translates the objects into workload trees that are
//! resolved like hand-written ones.
//!
//! Choices beyond DESIGN.md, all documented where they are parsed:
//! - `name` is optional and defaults to the file's stem;
//! - a bare integer is refused as a duration (is `30` seconds or
//!   minutes?) except `0`, and except in `*_seconds` fields
//!   (`min_ready_seconds: 10`), whose name carries the unit;
//! - `crash.mtbf`, like `mttf`/`mttr`, reads a bare duration as the mean
//!   of an exponential; other distribution fields read it as fixed;
//! - `autoscaling.provision_time` defaults to 2m, `hpa.min` to 1,
//!   `hpa.target_cpu_utilization` to 80% (upstream), `spread.max_skew` to 1,
//!   `spread.when_unsatisfiable` to do_not_schedule, `toleration.operator`
//!   to Equal, `node_pool_upgrade.max_surge` to 1, `node_failure` `count`
//!   to 1, `strategy.type` to rolling_update;
//! - `scheduler.score` is `least_allocated`, `most_allocated` or
//!   `{requested_to_capacity_ratio: {shape: [{utilization: 0, score: 10},
//!   {utilization: 100, score: 0}]}}`;
//! - `traffic.pattern` is `constant`, one shape (`diurnal`, `step`, `spike`,
//!   `ramp`, `bursty`, `replay`) or a list of shapes whose factors multiply;
//!   a `replay` trace is read relative to the scenario file at load time;
//! - pool `cost_per_hour` and `priority` default to 0;
//!   `control_plane.cluster_autoscaler` takes upstream's flag names in
//!   snake_case with upstream's defaults (`expander: random`, ...);
//! - `scale_to_zero: {policy: kpa | per_request, service_time, arrivals}`
//!   needs the workload's `traffic` in fluid mode without `noise` (its rate
//!   and pattern drive the built-in request source; main's traffic routing
//!   does not drive such a workload) and excludes `hpa`; kpa settings default to Knative's, per_request's
//!   `keep_alive` to 10m; settings of the other policy are refused;
//! - `scheduler.percentage_of_nodes_to_score` is `0`..`100` or `0%`..`100%`
//!   (0, the default, is upstream's adaptive rule);
//! - `affinity: {node: {required, preferred}, pod_affinity, pod_anti_affinity}`
//!   follows Kubernetes' shape with snake_case names; a pod term is
//!   `{workload, topology, required, weight}` selecting one workload's pods,
//!   `workload` defaulting to the workload itself and `required` to true
//!   (false when a `weight` is given; a preferred term weighs 100 unless
//!   told); `anti_affinity: {topology, required}` is shorthand for one
//!   `pod_anti_affinity` term on the workload itself;
//! - `preemption_policy` is `preempt_lower_priority` (the default) or
//!   `never`, upstream's `preemptionPolicy` of the pod's PriorityClass.
//! - `jobs: [{name, arrivals, cpu, memory, run_time, parallelism,
//!   completions, backoff_limit, failure_probability, priority, ...}]`:
//!   classes of batch Jobs (`resolve_jobs`); `arrivals` is `{rate,
//!   pattern}` (Poisson, jobs per second, any traffic shape) or `{trace:
//!   path}` (a CSV relative to the scenario file, read at load time).

mod check;
mod error;
mod model;
mod node;
mod overrides;
mod quantity;
mod resolve;
mod resolve_jobs;
mod resolve_traffic;
mod suggest;

mod imports;

pub use check::MAX_NAME_LEN;
pub use error::{Diagnostic, ScenarioError};
pub use model::*;
pub use quantity::{parse_cpu, parse_duration, parse_memory, parse_percent};
pub use resolve_jobs::{DEFAULT_BACKOFF_LIMIT, TRACE_COLUMNS};
pub use suggest::{edit_distance, suggest};

/// The located tree and the context, for `crate::manifests`, which reads
/// Kubernetes manifests the way this module reads scenarios (a module, so
/// that `use crate::scenario::*` does not import `Node` and the like).
pub(crate) mod for_manifests {
    pub(crate) use super::check::Cx;
    pub(crate) use super::node::{Key, Loc, Node, Value, parse_documents};
    pub(crate) use super::quantity::Problem;
    pub(crate) use super::suggest::did_you_mean;
}

use crate::engine::SimDuration;
use std::path::Path;

/// Most nodes a scenario may have, counting every pool at its largest
/// (autoscaling max).
pub const MAX_NODES: u64 = 100_000;
/// Most replicas a scenario may have in total, counting each workload at its
/// largest (replicas, hpa.max, scale events).
pub const MAX_REPLICAS: u64 = 1_000_000;
/// Most Jobs one class may bring: expected arrivals (`rate` times the
/// duration) or trace rows.
pub const MAX_JOBS: u64 = 10_000_000;
/// Most pods the job classes may create together, counting each Job at
/// max(parallelism, completions) (failed pods' replacements aside).
pub const MAX_JOB_PODS: u64 = 10_000_000;
/// Longest simulated duration: 10 years of 365 days.
pub const MAX_DURATION: SimDuration = SimDuration(3650 * 86_400_000);
/// Most rows in timeseries.csv: `duration / sample_interval`.
pub const MAX_SAMPLES: u64 = 10_000_000;
/// Largest scenario file read (a guard against pointing at the wrong file).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads, overrides and validates the scenario file at `path`. `sets` are
/// `PATH=VALUE` overrides (see the `--set` rules in DESIGN.md).
pub fn load_file(path: &Path, sets: &[String]) -> Result<Scenario, ScenarioError> {
    load_file_with_report(path, sets).map(|l| l.scenario)
}

/// A loaded scenario with what the loader has to say about it.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The validated scenario.
    pub scenario: Scenario,
    /// Things the run will not reproduce faithfully (unsupported manifest
    /// fields, selectors matching nothing, ...). They do not stop it.
    pub warnings: Vec<Diagnostic>,
    /// What was imported from `manifests`, if the scenario has any.
    pub imports: Option<crate::manifests::ImportReport>,
}

/// [`load_file`], with the warnings and the import report.
pub fn load_file_with_report(path: &Path, sets: &[String]) -> Result<Loaded, ScenarioError> {
    let text = read_file(path)?;
    load_str_with_report(&text, &path.display().to_string(), sets)
}

/// Reads the text of the scenario file at `path`, refusing files over
/// [`MAX_FILE_BYTES`] and files that are not UTF-8. For callers that load
/// the same text many times (sweeps) through [`load_str`].
pub fn read_file(path: &Path) -> Result<String, ScenarioError> {
    let io = |source| ScenarioError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(io(std::io::Error::other(format!(
            "the file is {len} bytes, more than the {MAX_FILE_BYTES}-byte limit for scenario files"
        ))));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    String::from_utf8(bytes).map_err(|_| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the file is not UTF-8 text",
        ))
    })
}

/// Parses, overrides and validates scenario `text`. `origin` names the
/// text in messages (usually the file name); its stem is the default
/// scenario `name`, and its directory the one `manifests` paths are read
/// from.
pub fn load_str(text: &str, origin: &str, sets: &[String]) -> Result<Scenario, ScenarioError> {
    load_str_with_report(text, origin, sets).map(|l| l.scenario)
}

/// [`load_str`], with the warnings and the import report.
pub fn load_str_with_report(
    text: &str,
    origin: &str,
    sets: &[String],
) -> Result<Loaded, ScenarioError> {
    let mut cx = check::Cx::new(origin, sets);
    let mut root = match node::parse(text) {
        Ok(root) => root,
        Err(e) => {
            cx.report(e.loc, "", quantity::Problem::new(e.message));
            return Err(ScenarioError::Invalid(cx.into_diagnostics()));
        }
    };
    overrides::apply(&mut cx, &mut root, sets);
    if cx.errors() > 0 {
        // A broken override would only produce confusing follow-on errors.
        return Err(ScenarioError::Invalid(cx.into_diagnostics()));
    }
    let scenario = resolve::resolve(&mut cx, &root, &default_name(origin));
    match scenario {
        Some(scenario) if cx.errors() == 0 => Ok(Loaded {
            scenario,
            warnings: cx.take_warnings(),
            imports: cx.take_imports(),
        }),
        _ => {
            let mut diags = cx.into_diagnostics();
            if diags.is_empty() {
                // Unreachable by construction; never return Err without a reason.
                diags.push(Diagnostic {
                    origin: origin.to_string(),
                    path: String::new(),
                    line: None,
                    column: None,
                    message: "invalid scenario".to_string(),
                    hint: None,
                });
            }
            Err(ScenarioError::Invalid(diags))
        }
    }
}

/// The file stem if it is a valid name, else `scenario`.
fn default_name(origin: &str) -> String {
    let stem = Path::new(origin)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("");
    if check::check_dns_label(stem).is_ok() {
        stem.to_string()
    } else {
        "scenario".to_string()
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_jobs;
#[cfg(test)]
mod tests_traffic;
