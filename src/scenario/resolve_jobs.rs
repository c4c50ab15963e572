//! Resolution of `jobs:` (classes of batch Jobs) and of their replayed
//! traces.
//!
//! A class arrives by a Poisson process (`arrivals: {rate, pattern}`, the
//! pattern being any traffic shape) or by replaying a CSV trace
//! (`arrivals: {trace: path}`), read now so that its problems are reported
//! with the scenario's, each at the trace's file, line and column.
//!
//! Trace format: a header naming the columns, in any order, from
//! `arrival_s` (required: seconds from the start, in arrival order), `cpu`
//! (`2`, `500m`), `memory` (`512Mi`; a bare number is bytes) and
//! `duration_s` (each pod's run time, seconds); then one Job per row.
//! Blank lines and lines starting with `#` are skipped. A column the trace
//! lacks comes from the class (`cpu`, `memory`, `run_time`); one it has
//! must not also be given in the class, so no value is silently ignored.

use super::check::{Cx, Obj};
use super::node::{Loc, Node, Value};
use super::quantity::{Problem, parse_cpu, parse_memory};
use super::*;
use crate::dist::Dist;
use crate::engine::SimDuration;
use crate::units::{Bytes, MilliCpu};
use std::sync::Arc;

const JOB: &[&str] = &[
    "name",
    "arrivals",
    "cpu",
    "memory",
    "run_time",
    "parallelism",
    "completions",
    "backoff_limit",
    "failure_probability",
    "priority",
    "preemption_policy",
    "termination_grace",
    "node_selector",
    "tolerations",
];
const ARRIVALS: &[&str] = &["rate", "pattern", "trace"];
/// The columns a Job trace may have.
pub const TRACE_COLUMNS: &[&str] = &["arrival_s", "cpu", "memory", "duration_s"];
/// Upstream's default `backoffLimit` (`SetDefaults_Job`).
pub const DEFAULT_BACKOFF_LIMIT: u32 = 6;

/// What the resolver of one class needs from the rest of the scenario.
pub(super) struct JobContext<'a> {
    /// Workload names (hand-written and imported): a class may not reuse one.
    pub workload_names: &'a [Option<String>],
    /// The cluster, for node selectors.
    pub cluster: Option<&'a Cluster>,
    /// The largest node's cpu and memory.
    pub largest: Option<(MilliCpu, Bytes)>,
    /// The run's duration, for the arrival limit.
    pub duration: Option<SimDuration>,
}

/// One `jobs` item.
pub(super) fn resolve_job_class(
    cx: &mut Cx,
    n: &Node,
    path: &str,
    jcx: &JobContext,
) -> Option<JobClass> {
    let o = cx.obj(n, path, JOB)?;
    let name = cx.req(&o, "name", Cx::name);
    if let Some(name) = &name
        && jcx.workload_names.iter().flatten().any(|w| w == name)
    {
        cx.report(
            o.key_loc("name"),
            &o.path("name"),
            Problem::new(format!("job class name `{name}` is also a workload's name"))
                .hint("names share the timeseries.csv columns: give the class another name"),
        );
    }
    let trace = cx.req(&o, "arrivals", |cx, n, p| arrivals(cx, n, p, jcx));
    // The class's cpu, memory and run time, unless the trace has them.
    let columns = match &trace {
        Some(Arrivals::Trace { columns, .. }) => columns.clone(),
        _ => Vec::new(),
    };
    let has_column = |column: &str| columns.iter().any(|c| c == column);
    let class_field = |cx: &mut Cx, key: &str, column: &str| -> bool {
        if !has_column(column) {
            return true;
        }
        if o.has(key) {
            cx.report(
                o.key_loc(key),
                &o.path(key),
                Problem::new(format!(
                    "`{key}` is given twice: here and in the trace's `{column}` column"
                ))
                .hint("remove one of them"),
            );
        }
        false
    };
    let cpu = if class_field(cx, "cpu", "cpu") {
        cx.req(&o, "cpu", Cx::cpu)
    } else {
        Some(MilliCpu(0))
    };
    let memory = if class_field(cx, "memory", "memory") {
        cx.req(&o, "memory", Cx::memory)
    } else {
        Some(Bytes(0))
    };
    let run_time = if class_field(cx, "run_time", "duration_s") {
        cx.req(&o, "run_time", |cx, n, p| cx.dist(n, p, false))
    } else {
        Some(Dist::Fixed(SimDuration::ZERO))
    };
    // Placeholders (0) stand for the trace's columns; they fit.
    super::resolve::check_fits(cx, &o, jcx.largest, cpu, memory);
    let parallelism = cx.opt(&o, "parallelism", |cx, n, p| {
        let v = cx.positive_u32(n, p)?;
        within_pod_limit(cx, n, p, v)
    });
    let completions = cx.opt(&o, "completions", |cx, n, p| {
        let v = cx.positive_u32(n, p)?;
        within_pod_limit(cx, n, p, v)
    });
    // Upstream `SetDefaults_Job`: both unset is one pod to one completion;
    // parallelism alone leaves completions unset (a work queue).
    let (parallelism, completions) = match (parallelism, completions) {
        (Some(None), Some(None)) => (Some(1), Some(Some(1))),
        (Some(p), Some(c)) => (Some(p.unwrap_or(1)), Some(c)),
        _ => (None, None),
    };
    let backoff_limit = cx.or(&o, "backoff_limit", DEFAULT_BACKOFF_LIMIT, |cx, n, p| {
        let v = cx.u32(n, p)?;
        if v > i32::MAX as u32 {
            cx.err(n.loc, p, format!("must be at most {}, got {v}", i32::MAX));
            return None;
        }
        Some(v)
    });
    let failure_probability = cx.or(&o, "failure_probability", 0.0, probability);
    let priority = cx.or(&o, "priority", 0, Cx::i32);
    let preemption_policy = cx.or(
        &o,
        "preemption_policy",
        PreemptionPolicy::PreemptLowerPriority,
        |cx, n, p| match cx.choice(n, p, &["preempt_lower_priority", "never"])? {
            "never" => Some(PreemptionPolicy::Never),
            _ => Some(PreemptionPolicy::PreemptLowerPriority),
        },
    );
    let termination_grace = cx.or(
        &o,
        "termination_grace",
        SimDuration::from_secs(30),
        Cx::duration,
    );
    let node_selector = cx.or(&o, "node_selector", Default::default(), |cx, n, p| {
        let sel = cx.string_map(n, p)?;
        super::resolve::check_selector(cx, n, p, &sel, jcx.cluster);
        Some(sel)
    });
    let tolerations = cx.or(&o, "tolerations", Vec::new(), |cx, n, p| {
        cx.list(n, p, super::resolve::resolve_toleration)
    });
    let arrivals = match trace? {
        Arrivals::Poisson {
            rate_per_s,
            pattern,
        } => JobArrivals::Poisson {
            rate_per_s,
            pattern,
        },
        Arrivals::Trace { path, rows, .. } => {
            let columns = columns.clone();
            let (cpu, memory) = (cpu?, memory?);
            let jobs = rows
                .into_iter()
                .map(|r| TracedJob {
                    arrival: r.arrival,
                    cpu: r.cpu.unwrap_or(cpu),
                    memory: r.memory.unwrap_or(memory),
                    run_time: r.run_time,
                })
                .collect();
            JobArrivals::Trace {
                path,
                trace: Arc::new(JobTrace { jobs }),
                columns,
            }
        }
    };
    Some(JobClass {
        name: name?,
        arrivals,
        cpu: cpu?,
        memory: memory?,
        run_time: run_time?,
        parallelism: parallelism?,
        completions: completions?,
        backoff_limit: backoff_limit?,
        failure_probability: failure_probability?,
        priority: priority?,
        preemption_policy: preemption_policy?,
        termination_grace: termination_grace?,
        node_selector: node_selector?,
        tolerations: tolerations?,
    })
}

/// A pod count per Job, refused above [`MAX_REPLICAS`].
fn within_pod_limit(cx: &mut Cx, n: &Node, p: &str, v: u32) -> Option<u32> {
    if u64::from(v) > MAX_REPLICAS {
        cx.err(
            n.loc,
            p,
            format!("{v} is more than the limit of {MAX_REPLICAS} pods per job"),
        );
        return None;
    }
    Some(v)
}

/// A probability: a number in [0, 1] or a percentage (`5%`).
fn probability(cx: &mut Cx, n: &Node, path: &str) -> Option<f64> {
    match &n.value {
        Value::Str(_) => {
            let pct = cx.f64_percent(n, path)?;
            if !(0.0..=100.0).contains(&pct) {
                cx.err(
                    n.loc,
                    path,
                    format!("must be between 0% and 100%, got {pct}%"),
                );
                return None;
            }
            Some(pct / 100.0)
        }
        _ => cx.f64_in(n, path, 0.0, 1.0),
    }
}

/// The resolved `arrivals` with what the class needs of a trace.
enum Arrivals {
    Poisson {
        rate_per_s: f64,
        pattern: TrafficPattern,
    },
    Trace {
        path: String,
        columns: Vec<String>,
        rows: Vec<Row>,
    },
}

/// `{rate, pattern}` or `{trace}`.
fn arrivals(cx: &mut Cx, n: &Node, path: &str, jcx: &JobContext) -> Option<Arrivals> {
    let o = cx.obj(n, path, ARRIVALS)?;
    match (o.has("rate"), o.has("trace")) {
        (true, true) => {
            cx.report(
                o.key_loc("trace"),
                &o.path("trace"),
                Problem::new("arrivals come from a rate or from a trace, not both")
                    .hint("remove `rate` (and `pattern`) or `trace`"),
            );
            None
        }
        (false, false) => {
            cx.report(
                o.loc,
                path,
                Problem::new("missing field `rate` or `trace`").hint(
                    "write {rate: 0.5} for Poisson arrivals of 0.5 jobs per second, or \
                     {trace: jobs.csv} to replay a trace",
                ),
            );
            None
        }
        (true, false) => {
            let rate = cx.req(&o, "rate", |cx, n, p| {
                let v = cx.f64_in(n, p, 0.0, 1e6)?;
                if v == 0.0 {
                    cx.err(n.loc, p, "must be more than zero (jobs per second)");
                    return None;
                }
                Some(v)
            });
            let pattern = cx.or(
                &o,
                "pattern",
                TrafficPattern::Constant,
                super::resolve_traffic::traffic_pattern,
            );
            let (rate, pattern) = (rate?, pattern?);
            if let Some(d) = jcx.duration {
                let expected = rate * d.as_secs_f64();
                if expected > MAX_JOBS as f64 {
                    cx.report(
                        o.key_loc("rate"),
                        &o.path("rate"),
                        Problem::new(format!(
                            "{rate} jobs per second over {d} is about {expected:.0} jobs, more \
                             than the limit of {MAX_JOBS}"
                        ))
                        .hint("lower the rate or the duration"),
                    );
                    return None;
                }
            }
            Some(Arrivals::Poisson {
                rate_per_s: rate,
                pattern,
            })
        }
        (false, true) => {
            if o.has("pattern") {
                cx.report(
                    o.key_loc("pattern"),
                    &o.path("pattern"),
                    Problem::new("`pattern` shapes a rate; a trace gives the arrivals itself")
                        .hint("remove `pattern`"),
                );
            }
            let file = cx.req(&o, "trace", Cx::string)?;
            let loc = o.key_loc("trace");
            let p = o.path("trace");
            let full = cx.base_dir().join(&file);
            let text = match super::resolve_traffic::read_trace(&full) {
                Ok(t) => t,
                Err(e) => {
                    cx.report(
                        loc,
                        &p,
                        Problem::new(format!("cannot read job trace {}: {e}", full.display()))
                            .hint("the path is relative to the scenario file"),
                    );
                    return None;
                }
            };
            let file_id = cx.add_file(&full.display().to_string());
            let (columns, rows) = parse_trace(cx, &text, file_id, &p, jcx.largest)?;
            Some(Arrivals::Trace {
                path: file,
                columns,
                rows,
            })
        }
    }
}

/// One parsed row: what the trace says, None where it has no column.
struct Row {
    arrival: SimDuration,
    cpu: Option<MilliCpu>,
    memory: Option<Bytes>,
    run_time: Option<SimDuration>,
}

/// Parses a Job trace, reporting each problem at its line and column of
/// file `file` (field path `path`). Returns the header and the rows, or
/// None if anything was wrong.
fn parse_trace(
    cx: &mut Cx,
    text: &str,
    file: u32,
    path: &str,
    largest: Option<(MilliCpu, Bytes)>,
) -> Option<(Vec<String>, Vec<Row>)> {
    let before = cx.errors();
    let report = |cx: &mut Cx, line: usize, column: usize, p: Problem| {
        let at = Loc::File {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        };
        let place = cx.place(file, at, None);
        cx.report(place, path, p);
    };
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut previous: Option<(SimDuration, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if cx.saturated() {
            break;
        }
        // Cells with their 1-based columns.
        let mut cells: Vec<(&str, usize)> = Vec::new();
        let mut start = 0;
        for part in raw.split(',') {
            let lead = part.len() - part.trim_start().len();
            cells.push((part.trim(), start + lead + 1));
            start += part.len() + 1;
        }
        let Some(columns) = &header else {
            let mut names = Vec::new();
            let mut ok = true;
            for (name, col) in &cells {
                if !TRACE_COLUMNS.contains(name) {
                    let hint = super::suggest::did_you_mean(name, TRACE_COLUMNS.iter().copied())
                        .unwrap_or_else(|| format!("valid columns: {}", TRACE_COLUMNS.join(", ")));
                    report(
                        cx,
                        line_no,
                        *col,
                        Problem::new(format!("unknown column `{name}`")).hint(hint),
                    );
                    ok = false;
                } else if names.iter().any(|n| n == name) {
                    report(
                        cx,
                        line_no,
                        *col,
                        Problem::new(format!("column `{name}` appears twice")),
                    );
                    ok = false;
                }
                names.push(name.to_string());
            }
            if !names.iter().any(|n| n == "arrival_s") {
                report(
                    cx,
                    line_no,
                    1,
                    Problem::new("the header has no `arrival_s` column").hint(format!(
                        "the first line names the columns, from {}; arrival_s is required",
                        TRACE_COLUMNS.join(", ")
                    )),
                );
                ok = false;
            }
            if !ok {
                return None;
            }
            header = Some(names);
            continue;
        };
        if cells.len() != columns.len() {
            report(
                cx,
                line_no,
                1,
                Problem::new(format!(
                    "expected {} cells ({}), got {}",
                    columns.len(),
                    columns.join(","),
                    cells.len()
                )),
            );
            continue;
        }
        let mut row = Row {
            arrival: SimDuration::ZERO,
            cpu: None,
            memory: None,
            run_time: None,
        };
        let mut row_ok = true;
        for ((cell, col), name) in cells.iter().zip(columns) {
            let parsed: Result<(), Problem> = match name.as_str() {
                "arrival_s" => seconds(cell, "arrival_s").map(|d| row.arrival = d),
                "duration_s" => seconds(cell, "duration_s").map(|d| row.run_time = Some(d)),
                "cpu" => parse_cpu(cell)
                    .map_err(|m| Problem::new(format!("column cpu: {m}")))
                    .and_then(|c| fits(c.0, largest.map(|l| l.0.0), "cpu", &c.to_string()))
                    .map(|c| row.cpu = Some(MilliCpu(c))),
                _ => parse_memory(cell)
                    .map_err(|m| Problem::new(format!("column memory: {m}")))
                    .and_then(|m| fits(m.0, largest.map(|l| l.1.0), "memory", &m.to_string()))
                    .map(|m| row.memory = Some(Bytes(m))),
            };
            if let Err(p) = parsed {
                report(cx, line_no, *col, p);
                row_ok = false;
            }
        }
        if !row_ok {
            continue;
        }
        if let Some((prev, prev_line)) = previous
            && row.arrival < prev
        {
            report(
                cx,
                line_no,
                1,
                Problem::new(format!(
                    "arrival {} s comes before {} s on line {prev_line}",
                    row.arrival.as_secs_f64(),
                    prev.as_secs_f64()
                ))
                .hint("rows must be in arrival order"),
            );
            continue;
        }
        previous = Some((row.arrival, line_no));
        if rows.len() as u64 >= MAX_JOBS {
            report(
                cx,
                line_no,
                1,
                Problem::new(format!(
                    "the trace has more than the limit of {MAX_JOBS} jobs"
                )),
            );
            return None;
        }
        rows.push(row);
    }
    let Some(columns) = header else {
        let place = cx.place(file, Loc::None, None);
        cx.report(
            place,
            path,
            Problem::new("the trace is empty").hint(format!(
                "the first line names the columns, from {}",
                TRACE_COLUMNS.join(", ")
            )),
        );
        return None;
    };
    if rows.is_empty() && cx.errors() == before {
        let place = cx.place(file, Loc::None, None);
        cx.report(place, path, Problem::new("the trace has no jobs"));
    }
    (cx.errors() == before).then_some((columns, rows))
}

/// Seconds from a trace cell: a finite decimal, not negative, within the
/// longest run.
fn seconds(cell: &str, column: &str) -> Result<SimDuration, Problem> {
    let v: f64 = cell.parse().map_err(|_| {
        Problem::new(format!(
            "column {column}: `{cell}` is not a number of seconds"
        ))
    })?;
    if !v.is_finite() || v < 0.0 {
        return Err(Problem::new(format!(
            "column {column}: {cell} is negative or not finite; expected seconds, 0 or more"
        )));
    }
    if v > MAX_DURATION.as_secs_f64() {
        return Err(Problem::new(format!(
            "column {column}: {cell} s is longer than the limit of {MAX_DURATION}"
        )));
    }
    Ok(SimDuration::from_secs_f64(v))
}

/// A request that no node could hold would stay pending forever.
fn fits(v: u64, largest: Option<u64>, what: &str, shown: &str) -> Result<u64, Problem> {
    match largest {
        Some(max) if v > max => Err(Problem::new(format!(
            "a pod requests {shown} {what} but the largest node has less, so it could never be \
             scheduled"
        ))),
        _ => Ok(v),
    }
}

/// Every class's arrivals times its pods per Job stays within
/// [`MAX_JOB_PODS`].
pub(super) fn check_job_totals(cx: &mut Cx, top: &Obj, jobs: &[JobClass], duration: SimDuration) {
    let mut pods = 0.0f64;
    for j in jobs {
        let arrivals = match &j.arrivals {
            JobArrivals::Poisson { rate_per_s, .. } => rate_per_s * duration.as_secs_f64(),
            JobArrivals::Trace { trace, .. } => trace.jobs.len() as f64,
        };
        let per_job = j.completions.unwrap_or(1).max(j.parallelism);
        pods += arrivals * f64::from(per_job);
    }
    if pods > MAX_JOB_PODS as f64 {
        cx.report(
            top.key_loc("jobs"),
            "jobs",
            Problem::new(format!(
                "the job classes would create about {pods:.0} pods, more than the limit of \
                 {MAX_JOB_PODS}"
            ))
            .hint("arrivals times max(parallelism, completions) count, over every class"),
        );
    }
}
