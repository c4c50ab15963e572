//! The command line: argument parsing and the subcommands. Thin: every
//! subcommand calls the library.

use crate::output;
use crate::scenario::{self, Scenario};
use crate::sim::{RunResult, Simulation};
use crate::sweep::{self, Progress, Results, Shard, Sweep, SweepOptions};
use clap::{Parser, Subcommand};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The quickstart scenario, embedded so that `kubesim run` works anywhere.
pub const QUICKSTART_YAML: &str = include_str!("../scenarios/quickstart.yaml");

/// kubesim: simulate a Kubernetes cluster's availability and scaling.
#[derive(Debug, Parser)]
#[command(name = "kubesim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one scenario (the embedded quickstart if none is given).
    Run(RunArgs),
    /// Check a scenario file and print what it resolves to.
    Validate(ValidateArgs),
    /// Run a grid of parameter values x seeds in parallel, with confidence
    /// intervals and gates.
    Sweep(SweepArgs),
    /// Combine the directories of a sharded sweep into one.
    Merge(MergeArgs),
    /// Plot a run or sweep directory and write a self-contained report.html.
    Report(ReportArgs),
}

/// `kubesim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (YAML). Without one, runs the embedded quickstart.
    pub scenario: Option<PathBuf>,
    /// Seed (overrides the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Directory for summary.json, timeseries.csv and events.csv.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario field: `--set workloads.web.replicas=5`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Recount the model's state after every event and stop at the first
    /// broken invariant (slower; on in every test).
    #[arg(long)]
    pub check_invariants: bool,
    /// Also write plots and report.html into --out (as `kubesim report`).
    #[arg(long, requires = "out")]
    pub report: bool,
    /// Which events go to events.csv: `all`, `none` (header only) or the
    /// first N; summary.json then counts the rest in `events_not_logged`.
    #[arg(long, value_name = "all|none|N", default_value = "all", value_parser = parse_event_log)]
    pub event_log: crate::sim::EventLog,
}

fn parse_event_log(s: &str) -> Result<crate::sim::EventLog, String> {
    crate::sim::EventLog::parse(s)
}

/// `kubesim report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A run directory (summary.json, timeseries.csv, events.csv) or a sweep
    /// directory (sweep.json, runs.csv, aggregate.csv).
    pub dir: PathBuf,
    /// File format of the plots in DIR/plots (report.html always inlines SVG).
    #[arg(long, value_enum, default_value_t = crate::report::PlotFormat::Svg)]
    pub format: crate::report::PlotFormat,
    /// Sweep metric to plot, e.g. `workloads.web.slo_attainment` (repeatable;
    /// default: each workload's availability and SLO attainment and the
    /// cluster's CPU allocation).
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    /// Write report.html and plots/ here instead of into DIR.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `kubesim validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file (YAML).
    pub scenario: PathBuf,
    /// Override a scenario field, as for `run`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
}

/// `kubesim sweep`.
#[derive(Debug, clap::Args)]
#[command(after_help = SWEEP_HELP)]
pub struct SweepArgs {
    /// Scenario file (YAML).
    pub scenario: PathBuf,
    /// Parameter values: `PATH=V1,V2,...`, ranges `PATH=2..10:2` or
    /// `PATH=30s..5m:30s`, zipped `A=1,2 & B=x,y`. Repeat for a grid.
    #[arg(long = "vary", value_name = "PATH=V1,V2,...")]
    pub varies: Vec<String>,
    /// Seeds per point: runs use seeds 1..=N (the same at every point).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub seeds: u64,
    /// Worker threads (default: all cores).
    #[arg(long, short, value_name = "J")]
    pub jobs: Option<usize>,
    /// Output directory (default: out/sweep-NAME, NAME being the scenario
    /// file's name without extension). Rerunning into the same directory
    /// resumes.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run only shard I of N: runs whose index % N == I - 1.
    #[arg(long, value_name = "I/N", conflicts_with = "shard_count")]
    pub shard: Option<String>,
    /// Run shard JOB_COMPLETION_INDEX + 1 of N (a Kubernetes Indexed Job).
    #[arg(long, value_name = "N")]
    pub shard_count: Option<u64>,
    /// Gate on every point's mean (or `lcb(METRIC)`, `ucb(METRIC)`: the 95%
    /// CI bounds): exit 1 if it fails anywhere. OP: < <= > >= ==.
    #[arg(long = "assert", value_name = "METRIC OP VALUE")]
    pub asserts: Vec<String>,
    /// Add paired differences against this point (its number, or
    /// `PATH=VALUE` joined with &) to aggregate.csv.
    #[arg(long, value_name = "POINT")]
    pub baseline: Option<String>,
    /// Override a scenario field at every point, as for `run`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,
    /// Print nothing but errors and failed assertions.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run every simulation with the full invariant check, as `run
    /// --check-invariants` (slower); a violation fails the sweep (exit 3).
    #[arg(long)]
    pub check_invariants: bool,
}

const SWEEP_HELP: &str = "\
Examples:
  kubesim sweep scenarios/quickstart.yaml --vary workloads.web.replicas=4..8:2 --seeds 20
  kubesim sweep s.yaml --vary 'cluster.control_plane.default_toleration_seconds=30s..5m:30s' \\
      --baseline 'cluster.control_plane.default_toleration_seconds=5m'
  kubesim sweep s.yaml --vary 'a=1,2 & b=x,y' --assert 'lcb(workloads.web.slo_attainment) >= 99.9%'
  kubesim sweep s.yaml --seeds 100 --shard 2/4 --out shard-2    # then: kubesim merge shard-* --out all

Outputs in --out: sweep.json, runs/<point>-<seed>.json (one per finished run),
runs.csv (one row per run) and aggregate.csv (per point: mean, std, ci95 of
every metric). Exit codes: 0 ok, 1 an --assert failed, 2 bad input,
3 the model broke an invariant, 130 interrupted (rerun to resume).";

/// `kubesim merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Shard directories written by `kubesim sweep --shard`.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Directory for the merged sweep.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Gate on the merged statistics, as for `sweep`.
    #[arg(long = "assert", value_name = "METRIC OP VALUE")]
    pub asserts: Vec<String>,
    /// Baseline point for paired differences (default: the shards').
    #[arg(long, value_name = "POINT")]
    pub baseline: Option<String>,
    /// Print nothing but errors and failed assertions.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A failure with its exit code: 1 a sweep assertion failed, 2 bad input or
/// usage, 3 the model broke an invariant, 130 a sweep was interrupted.
#[derive(Debug)]
pub struct CliError {
    /// Exit code.
    pub code: i32,
    /// Message (printed as `error: ...`).
    pub message: String,
}

impl CliError {
    fn input(e: impl std::fmt::Display) -> Self {
        CliError {
            code: 2,
            message: e.to_string(),
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(args) => cmd_run(&args),
        Command::Validate(args) => cmd_validate(&args),
        Command::Sweep(args) => cmd_sweep(&args),
        Command::Merge(args) => cmd_merge(&args),
        Command::Report(args) => cmd_report(&args),
    }
}

fn load(path: Option<&Path>, sets: &[String]) -> Result<scenario::Loaded, CliError> {
    match path {
        Some(p) => scenario::load_file_with_report(p, sets).map_err(CliError::input),
        None => scenario::load_str_with_report(QUICKSTART_YAML, "quickstart.yaml (embedded)", sets)
            .map_err(CliError::input),
    }
}

fn cmd_run(args: &RunArgs) -> Result<(), CliError> {
    let loaded = load(args.scenario.as_deref(), &args.sets)?;
    if !args.quiet {
        eprint!("{}{}", warnings(&loaded), ignored_note(&loaded));
    }
    let (sc, imports) = (loaded.scenario, loaded.imports);
    let names: Vec<String> = sc.workloads.iter().map(|w| w.name.clone()).collect();
    if let Some(dir) = &args.out {
        // Refuse a bad --out before spending time on the run.
        output::ensure_dir(dir).map_err(CliError::input)?;
    }
    let seed = args.seed.unwrap_or(sc.seed);
    // What the scenario resolved to, saved with the outputs.
    let resolved = args.out.is_some().then(|| {
        let origin = args
            .scenario
            .clone()
            .unwrap_or_else(|| PathBuf::from("quickstart.yaml (embedded)"));
        resolved_text(&origin, &sc, &args.sets, seed)
    });
    let sim = Simulation::new(sc, seed)
        .map_err(|e| CliError::input(explain_unsupported(&e, &names, imports.as_ref())))?
        .check_invariants(args.check_invariants)
        .event_log(args.event_log);
    let result = match &args.out {
        // Rows are streamed to the directory as the run goes (memory stays
        // bounded however long the simulated time).
        Some(dir) => {
            let given = match &args.scenario {
                Some(p) => std::fs::read_to_string(p)
                    .map_err(|e| CliError::input(format!("{}: {e}", p.display())))?,
                None => QUICKSTART_YAML.to_string(),
            };
            let mut files = output::RunFiles::create(dir).map_err(CliError::input)?;
            // Ctrl-C or SIGTERM: remove the partial files and stop (no
            // summary.json is written, so the directory is not complete).
            let temps = files.temp_paths();
            let shown = dir.display().to_string();
            let complete = Arc::new(AtomicBool::new(false));
            let done = Arc::clone(&complete);
            let _ = ctrlc::set_handler(move || {
                if done.load(Ordering::SeqCst) {
                    eprintln!("\ninterrupted (the run in {shown} is complete)");
                } else {
                    for t in &temps {
                        let _ = std::fs::remove_file(t);
                    }
                    eprintln!(
                        "\ninterrupted: the run in {shown} did not finish (no summary.json written)"
                    );
                }
                std::process::exit(130);
            });
            let resolved = resolved.unwrap_or_default();
            output::write_scenario(dir, &given, &resolved).map_err(CliError::input)?;
            let result = sim.run_with(&mut files);
            files.commit(&result).map_err(CliError::input)?;
            complete.store(true, Ordering::SeqCst);
            result
        }
        None => sim.run_with(&mut crate::sim::Discard),
    };
    if !args.quiet {
        print!("{}", summary_table(&result));
        if let Some(dir) = &args.out {
            eprintln!(
                "wrote {}/{{summary.json,timeseries.csv,events.csv,scenario.yaml}}",
                dir.display()
            );
        }
    }
    if args.report
        && let Some(dir) = &args.out
    {
        let opts = crate::report::ReportOptions::default();
        let out = crate::report::report(dir, &opts).map_err(report_error)?;
        if !args.quiet {
            eprintln!("{}", report_written(&out));
        }
    }
    if !result.summary.invariant_violations.is_empty() {
        return Err(CliError {
            code: 3,
            message: format!(
                "internal error: the model broke an invariant (please report it): {}",
                result.summary.invariant_violations.join("; ")
            ),
        });
    }
    Ok(())
}

/// What `run --out` saves as scenario.resolved.txt: the overrides, the
/// seed and the resolved scenario as `validate` prints it.
fn resolved_text(origin: &Path, sc: &Scenario, sets: &[String], seed: u64) -> String {
    let mut out = String::new();
    let sets = if sets.is_empty() {
        "none".to_string()
    } else {
        sets.join(" ")
    };
    let _ = writeln!(out, "--set: {sets}");
    let _ = writeln!(out, "seed of the run: {seed}");
    out.push_str(&describe(origin, sc));
    out
}

fn report_error(e: crate::report::ReportError) -> CliError {
    match e {
        crate::report::ReportError::Draw { .. } => CliError {
            code: 3,
            message: format!("internal error (please report it): {e}"),
        },
        e => CliError::input(e),
    }
}

fn report_written(out: &crate::report::ReportOutput) -> String {
    let dir = out
        .plots
        .first()
        .and_then(|p| p.parent())
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    format!(
        "wrote {} ({} report) and {} plot(s) in {dir}",
        out.html.display(),
        out.kind,
        out.plots.len()
    )
}

fn cmd_report(args: &ReportArgs) -> Result<(), CliError> {
    let opts = crate::report::ReportOptions {
        format: args.format,
        metrics: args.metrics.clone(),
        out: args.out.clone(),
    };
    let out = crate::report::report(&args.dir, &opts).map_err(report_error)?;
    eprintln!("{}", report_written(&out));
    Ok(())
}

fn cmd_validate(args: &ValidateArgs) -> Result<(), CliError> {
    let loaded = load(Some(&args.scenario), &args.sets)?;
    eprint!("{}", warnings(&loaded));
    let sc = &loaded.scenario;
    crate::sim::Unsupported::check(sc).map_err(|e| {
        let names: Vec<String> = sc.workloads.iter().map(|w| w.name.clone()).collect();
        CliError::input(explain_unsupported(&e, &names, loaded.imports.as_ref()))
    })?;
    print!("{}", describe(&args.scenario, sc));
    if let Some(report) = &loaded.imports {
        print!("{}", describe_imports(sc, report));
    }
    Ok(())
}

/// The loader's warnings, one `warning:` line each.
pub fn warnings(loaded: &scenario::Loaded) -> String {
    let mut out = String::new();
    for w in &loaded.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}

/// The objects of the manifests that were read but are not simulated, on
/// one `note:` line (`run`; `validate` lists them one per line).
pub fn ignored_note(loaded: &scenario::Loaded) -> String {
    let mut out = String::new();
    if let Some(r) = &loaded.imports
        && !r.ignored.is_empty()
    {
        let list: Vec<String> = r.ignored.iter().map(|i| i.object.to_string()).collect();
        let _ = writeln!(
            out,
            "note: {} manifest object(s) not simulated: {}",
            r.ignored.len(),
            list.join("; ")
        );
    }
    out
}

/// A "not simulated yet" refusal, explaining the lines about imported
/// workloads: their path says `workloads[i]`, an index into the
/// hand-written and imported workloads (`names`) the user never wrote.
fn explain_unsupported(
    e: &crate::sim::Unsupported,
    names: &[String],
    imports: Option<&crate::manifests::ImportReport>,
) -> String {
    let mut out = e.to_string();
    let Some(r) = imports else { return out };
    for p in &e.problems {
        let Some((index, field)) = p
            .strip_prefix("workloads[")
            .and_then(|rest| rest.split_once("]."))
            .and_then(|(i, rest)| Some((i.parse::<usize>().ok()?, rest)))
        else {
            continue;
        };
        let field = field.split(':').next().unwrap_or("");
        let Some(iw) = names
            .get(index)
            .and_then(|n| r.workloads.iter().find(|w| w.name == *n))
        else {
            continue;
        };
        let _ = write!(
            out,
            "\nnote: workloads[{index}] is `{}`, imported from {}",
            iw.name, iw.source
        );
        if iw.overrides.iter().any(|o| o == field) {
            let _ = write!(out, "; its {field} is set by overrides.{}.{field}", iw.name);
        } else if field == "hpa"
            && let Some(h) = &iw.hpa
        {
            let _ = write!(
                out,
                "; its hpa comes from {h}: leave that object out of `manifests` to run without it"
            );
        }
    }
    out
}

/// What `validate` prints about imported manifests: one line per workload
/// with its source, replicas, requests, strategy, priority, HPA and PDB,
/// then the objects not simulated.
pub fn describe_imports(sc: &Scenario, report: &crate::manifests::ImportReport) -> String {
    use crate::scenario::{Pdb, Strategy};
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  imported {} workload(s) from {} manifest file(s)",
        report.workloads.len(),
        report.files.len()
    );
    for iw in &report.workloads {
        let Some(w) = sc.workloads.iter().find(|w| w.name == iw.name) else {
            continue;
        };
        let strategy = match w.strategy {
            Strategy::RollingUpdate {
                max_surge,
                max_unavailable,
            } => format!("rolling update {max_surge} surge/{max_unavailable} unavailable"),
            Strategy::Recreate => "recreate".to_string(),
        };
        let mut line = format!(
            "  imported {} from {}: {} replicas, requests {} cpu / {} memory, {}",
            w.name, iw.source, w.replicas, w.cpu, w.memory, strategy
        );
        if let Some(c) = &iw.priority_class {
            let _ = write!(line, ", priority {} (PriorityClass {c})", w.priority);
        }
        match (&w.hpa, &iw.hpa) {
            (Some(h), Some(src)) => {
                let _ = write!(
                    line,
                    ", hpa {}..{} at {}% cpu (HorizontalPodAutoscaler {})",
                    h.min, h.max, h.target_cpu_utilization_percent, src.name
                );
            }
            (Some(h), None) => {
                let _ = write!(
                    line,
                    ", hpa {}..{} at {}% cpu",
                    h.min, h.max, h.target_cpu_utilization_percent
                );
            }
            _ => line.push_str(", no hpa"),
        }
        let pdb = match w.pdb {
            Some(Pdb::MinAvailable(v)) => format!("pdb min_available {v}"),
            Some(Pdb::MaxUnavailable(v)) => format!("pdb max_unavailable {v}"),
            None => "no pdb".to_string(),
        };
        let _ = write!(line, ", {pdb}");
        if let Some(src) = &iw.pdb {
            let _ = write!(line, " (PodDisruptionBudget {})", src.name);
        }
        if !iw.overrides.is_empty() {
            let _ = write!(line, ", overrides: {}", iw.overrides.join(", "));
        }
        let _ = writeln!(out, "{line}");
    }
    for i in &report.ignored {
        let reason = if i.reason.is_empty() {
            String::new()
        } else {
            format!(": {}", i.reason)
        };
        let _ = writeln!(out, "  not simulated: {}{reason}", i.object);
    }
    out
}

/// What `validate` prints: the resolved scenario, one line per part.
pub fn describe(path: &Path, sc: &Scenario) -> String {
    let mut out = String::new();
    let nodes: u32 = sc.cluster.node_pools.iter().map(|p| p.count).sum();
    let _ = writeln!(
        out,
        "{}: ok: scenario '{}', {} of simulated time, seed {}, {} zone(s), {} node(s), {} workload(s), {} timeline event(s){}",
        path.display(),
        sc.name,
        sc.duration,
        sc.seed,
        sc.cluster.zones.len(),
        nodes,
        sc.workloads.len(),
        sc.events.len(),
        if sc.jobs.is_empty() {
            String::new()
        } else {
            format!(", {} job class(es)", sc.jobs.len())
        }
    );
    for p in &sc.cluster.node_pools {
        let mut extra = String::new();
        if let Some(f) = &p.failure {
            let mean = |d: &crate::dist::Dist| {
                crate::engine::SimDuration::from_secs(d.mean_secs().round() as u64)
            };
            let _ = write!(
                extra,
                ", mean time to failure {} / to repair {}",
                mean(&f.mttf),
                mean(&f.mttr)
            );
        }
        if p.spot.is_some() {
            extra.push_str(", spot");
        }
        if let Some(a) = &p.autoscaling {
            let _ = write!(
                extra,
                ", autoscaled {}..={} (provision mean {:.0} s)",
                a.min,
                a.max,
                a.provision_time.mean_secs()
            );
        }
        if p.cost_per_hour > 0.0 {
            let _ = write!(extra, ", {} per node-hour", p.cost_per_hour);
        }
        let _ = writeln!(
            out,
            "  pool {}: {} x ({} cpu, {} memory, {} pods) in zones {}{}",
            p.name,
            p.count,
            p.cpu,
            p.memory,
            p.max_pods,
            p.zones.join(","),
            extra
        );
    }
    for w in &sc.workloads {
        let strategy = match w.strategy {
            crate::scenario::Strategy::RollingUpdate {
                max_surge,
                max_unavailable,
            } => format!("rolling {max_surge}/{max_unavailable}"),
            crate::scenario::Strategy::Recreate => "recreate".to_string(),
        };
        let pdb = match w.pdb {
            Some(crate::scenario::Pdb::MinAvailable(v)) => format!(", pdb min_available {v}"),
            Some(crate::scenario::Pdb::MaxUnavailable(v)) => format!(", pdb max_unavailable {v}"),
            None => String::new(),
        };
        let mut pdb = format!("{pdb}{}", describe_scaling(w));
        if let Some(r) = &w.readiness {
            let _ = write!(
                pdb,
                ", readiness probe every {} (ready after {} success(es), not after {} failure(s))",
                r.period, r.success_threshold, r.failure_threshold
            );
        }
        let s2z = match &w.scale_to_zero {
            Some(z) => format!(
                ", scale_to_zero {} (service mean {:.3} s)",
                match z.policy {
                    crate::scenario::ScaleToZeroPolicy::Kpa(_) => "kpa",
                    crate::scenario::ScaleToZeroPolicy::PerRequest { .. } => "per_request",
                },
                z.service_time.mean_secs()
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  workload {}: {} replicas of ({} cpu, {} memory), {}, startup mean {:.1} s, slo min_ready {}{}{}",
            w.name,
            w.replicas,
            w.cpu,
            w.memory,
            strategy,
            w.startup_time.mean_secs(),
            w.slo_min_ready,
            pdb,
            s2z
        );
    }
    for j in &sc.jobs {
        let arrivals = match &j.arrivals {
            crate::scenario::JobArrivals::Poisson {
                rate_per_s,
                pattern,
            } => format!(
                "Poisson {rate_per_s} jobs/s{}",
                if matches!(pattern, crate::scenario::TrafficPattern::Constant) {
                    ""
                } else {
                    " x pattern"
                }
            ),
            crate::scenario::JobArrivals::Trace { path, trace, .. } => {
                format!("trace {path} ({} jobs)", trace.jobs.len())
            }
        };
        let column = |c: &str| match &j.arrivals {
            crate::scenario::JobArrivals::Trace { columns, .. } => columns.iter().any(|x| x == c),
            crate::scenario::JobArrivals::Poisson { .. } => false,
        };
        let or_trace = |c: &str, v: String| {
            if column(c) {
                "per trace".to_string()
            } else {
                v
            }
        };
        let completions = j.completions.map_or_else(
            || "a work queue".to_string(),
            |c| format!("{c} completions"),
        );
        let _ = writeln!(
            out,
            "  job class {}: {arrivals}, pods of ({} cpu, {} memory), run {}, parallelism {}, \
             {completions}, backoff_limit {}, failure_probability {}, priority {}",
            j.name,
            or_trace("cpu", j.cpu.to_string()),
            or_trace("memory", j.memory.to_string()),
            or_trace(
                "duration_s",
                format!("mean {:.1} s", j.run_time.mean_secs())
            ),
            j.parallelism,
            j.backoff_limit,
            j.failure_probability,
            j.priority
        );
    }
    out
}

fn cmd_sweep(args: &SweepArgs) -> Result<(), CliError> {
    let shard = match (&args.shard, args.shard_count) {
        (Some(s), _) => Some(Shard::parse(s).map_err(CliError::input)?),
        (None, Some(n)) => {
            let index = std::env::var("JOB_COMPLETION_INDEX").map_err(|_| {
                CliError::input(
                    "--shard-count needs JOB_COMPLETION_INDEX in the environment (a Kubernetes Indexed Job sets it); elsewhere use --shard I/N",
                )
            })?;
            Some(Shard::from_completion_index(&index, n).map_err(CliError::input)?)
        }
        (None, None) => None,
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .scenario
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scenario");
        PathBuf::from("out").join(format!("sweep-{stem}"))
    });
    let opts = SweepOptions {
        scenario: args.scenario.clone(),
        sets: args.sets.clone(),
        varies: args.varies.clone(),
        seeds: args.seeds,
        jobs,
        out: out.clone(),
        shard,
        gates: args.asserts.clone(),
        baseline: args.baseline.clone(),
        check_invariants: args.check_invariants,
    };
    let sweep = Sweep::prepare(opts).map_err(CliError::input)?;
    let total = sweep.already_done() + sweep.to_run();
    if !args.quiet {
        for w in sweep.warnings() {
            eprintln!("warning: {w}");
        }
        let g = sweep.grid();
        let slice = match shard {
            Some(s) => format!(", shard {}/{}: {total} runs", s.index, s.count),
            None => String::new(),
        };
        eprintln!(
            "sweep: {} point(s) x {} seed(s) = {} runs{slice}, {jobs} job(s), into {}",
            g.points(),
            args.seeds,
            g.points() as u64 * args.seeds,
            out.display()
        );
        if sweep.already_done() > 0 {
            eprintln!(
                "resuming: {} of {total} runs already done, running the other {}",
                sweep.already_done(),
                sweep.to_run()
            );
        }
    }
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let cancel = Arc::clone(&cancel);
        // Fails only if a handler is already installed (a second sweep in
        // one process); that one keeps working on its own flag.
        let _ = ctrlc::set_handler(move || {
            if cancel.swap(true, Ordering::SeqCst) {
                eprintln!("\nstopping at once; finished runs are kept");
                std::process::exit(130);
            }
            eprintln!(
                "\nstopping: no new runs start, runs in progress finish and are kept (press Ctrl-C again to stop at once)"
            );
        });
    }
    let progress = Progress::new(sweep.to_run() as u64, args.quiet);
    let outcome = sweep.run(&cancel, &progress).map_err(CliError::input)?;
    if outcome.interrupted {
        return Err(CliError {
            code: 130,
            message: format!(
                "interrupted: {} of {total} runs are done and saved in {}; to resume, run the same command again:\n  {}",
                total - outcome.remaining,
                out.join("runs").display(),
                command_line()
            ),
        });
    }
    match outcome.results {
        None => {
            if !args.quiet {
                let s = shard.expect("only shards complete without results");
                eprintln!(
                    "shard {}/{} done: {} runs ({} run now) in {}; combine all shards with: kubesim merge DIR... --out DIR",
                    s.index,
                    s.count,
                    total,
                    outcome.ran,
                    out.display()
                );
            }
            Ok(())
        }
        Some(results) => report(&results, &out, args.quiet),
    }
}

fn cmd_merge(args: &MergeArgs) -> Result<(), CliError> {
    let results = sweep::merge(&args.dirs, &args.out, args.baseline.clone(), &args.asserts)
        .map_err(CliError::input)?;
    report(&results, &args.out, args.quiet)
}

/// Prints a sweep's table and gate outcomes; exit 1 if a gate failed, 3 if
/// the model broke an invariant.
fn report(r: &Results, out: &Path, quiet: bool) -> Result<(), CliError> {
    if !quiet {
        print!("{}", r.table());
        eprintln!(
            "wrote {}/{{sweep.json,runs.csv,aggregate.csv,runs/}}",
            out.display()
        );
    }
    if !r.violations.is_empty() {
        return Err(CliError {
            code: 3,
            message: format!(
                "internal error: the model broke an invariant (please report it): {}",
                r.violations.join("; ")
            ),
        });
    }
    let (passed, failed) = r.gate_report();
    if !quiet {
        for line in passed {
            eprintln!("{line}");
        }
    }
    match failed {
        Some(message) => Err(CliError { code: 1, message }),
        None => Ok(()),
    }
}

/// The command line as typed, quoted for a POSIX shell where needed.
fn command_line() -> String {
    let quote = |a: String| {
        if !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-./=:,%+@".contains(c))
        {
            a
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    };
    std::iter::once("kubesim".to_string())
        .chain(std::env::args().skip(1).map(quote))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The short table printed on stdout after a run.
pub fn summary_table(r: &RunResult) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scenario {}  seed {}  simulated {:.0} s  events {}  wall {:.3} s",
        s.scenario, s.seed, s.sim_duration_s, s.events, s.wall_time_s
    );
    let _ = writeln!(
        out,
        "{:<16} {:>12} {:>12} {:>11} {:>9} {:>10} {:>9}",
        "workload",
        "availability",
        "slo_attain",
        "downtime_s",
        "incidents",
        "mean_ready",
        "min_ready"
    );
    for name in &r.workload_names {
        let w = &s.workloads[name];
        let _ = writeln!(
            out,
            "{:<16} {:>12.6} {:>12.6} {:>11.1} {:>9} {:>10.2} {:>9}",
            name,
            w.service_availability,
            w.slo_attainment,
            w.downtime_s,
            w.incidents,
            w.mean_ready,
            w.min_ready
        );
    }
    let c = &s.cluster;
    let _ = writeln!(
        out,
        "cluster: cpu_allocation {:.3}  memory_allocation {:.3}  node_hours {:.1}  pending_pod_seconds {:.1}",
        c.cpu_allocation, c.memory_allocation, c.node_hours, c.pending_pod_seconds
    );
    out.push_str(&traffic_lines(r));
    for ro in &s.rollouts {
        let deadline = ro
            .deadline_exceeded_s
            .map(|t| format!(" (ProgressDeadlineExceeded at {t:.0} s)"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "rollout {} r{} at {:.0} s: {} in {:.1} s{deadline}, max pods {}, min available {}",
            ro.workload,
            ro.revision,
            ro.start_s,
            if ro.completed {
                "completed"
            } else {
                "not completed"
            },
            ro.duration_s,
            ro.max_total_pods,
            ro.min_available
        );
    }
    for (name, p) in &c.node_pools {
        if p.cost > 0.0 || p.scale_up_nodes > 0 || p.scale_down_nodes > 0 {
            let _ = writeln!(
                out,
                "pool {name}: node_hours {:.1}  cost {:.2}  nodes final {} max {}  autoscaler +{} -{}",
                p.node_hours,
                p.cost,
                p.nodes_final,
                p.nodes_max,
                p.scale_up_nodes,
                p.scale_down_nodes
            );
        }
    }
    for name in &r.workload_names {
        if let Some(z) = &s.workloads[name].scale_to_zero {
            let _ = writeln!(
                out,
                "scale_to_zero {name} ({}): requests {}  cold_start_ratio {:.4}  instances_mean {:.2}  \
                 added_latency_mean_ms {:.1}  time_at_zero_s {:.0}",
                z.policy,
                z.requests,
                z.cold_start_ratio,
                z.instances_mean,
                z.added_latency_mean_ms,
                z.time_at_zero_s
            );
        }
    }
    if let Some(jobs) = &s.jobs {
        for name in &r.job_names {
            let j = &jobs.classes[name];
            let _ = writeln!(
                out,
                "jobs {name}: arrived {}  completed {}  failed {}  completion_time mean {:.1} s p99 {:.1} s  \
                 slowdown mean {:.3}  pending_time mean {:.2} s p99 {:.2} s  pods failed {}",
                j.jobs_arrived,
                j.jobs_completed,
                j.jobs_failed,
                j.completion_time_mean_s,
                j.completion_time_p99_s,
                j.slowdown_mean,
                j.pending_time_mean_s,
                j.pending_time_p99_s,
                j.pods_failed
            );
        }
    }
    for u in &s.upgrades {
        let _ = writeln!(
            out,
            "upgrade {} at {:.0} s: {} in {:.1} s, {} nodes, min ready nodes {}, min capacity {:.0}%",
            u.pool,
            u.start_s,
            if u.completed {
                "completed"
            } else {
                "not completed"
            },
            u.duration_s,
            u.nodes,
            u.min_ready_nodes,
            100.0 * u.min_capacity_fraction
        );
    }
    out
}

/// `, traffic ..., hpa ...` for a workload line of `validate`.
fn describe_scaling(w: &crate::scenario::Workload) -> String {
    let mut out = String::new();
    if let Some(t) = &w.traffic {
        let mode = match t.mode {
            _ if w.scale_to_zero.is_some() => "for scale_to_zero,",
            crate::scenario::TrafficMode::Fluid => "fluid",
            crate::scenario::TrafficMode::Requests(_) => "requests",
        };
        let _ = write!(
            out,
            ", traffic {mode} {} req/s{}",
            t.rate_rps,
            if t.pattern == crate::scenario::TrafficPattern::Constant {
                ""
            } else {
                " with a pattern"
            }
        );
    }
    if let Some(h) = &w.hpa {
        let _ = write!(
            out,
            ", hpa {}..{} at {}% cpu{}",
            h.min,
            h.max,
            h.target_cpu_utilization_percent,
            if h.behavior.is_some() {
                " with behavior"
            } else {
                ""
            }
        );
    }
    out
}

/// Summary-table lines for the workloads with traffic (none without).
fn traffic_lines(r: &RunResult) -> String {
    let mut out = String::new();
    if r.traffic_names.is_empty() {
        return out;
    }
    let _ = writeln!(out, "cluster cpu_usage {:.3}", r.summary.cluster.cpu_usage);
    for name in &r.traffic_names {
        let w = &r.summary.workloads[name];
        let _ = write!(
            out,
            "traffic {name}: {:.0} requests offered, success {:.6}",
            w.requests_offered, w.request_success_ratio
        );
        if let Some(u) = w.pod_utilization_mean {
            let _ = write!(out, ", pod utilization {u:.3}");
            if let Some(m) = w.pod_utilization_max {
                let _ = write!(out, " (max {m:.3})");
            }
        }
        if let (Some(mean), Some(p50), Some(p99)) =
            (w.latency_mean_ms, w.latency_p50_ms, w.latency_p99_ms)
        {
            let _ = write!(
                out,
                ", latency mean {mean:.1} ms, p50 {p50} ms, p99 {p99} ms"
            );
        }
        let _ = writeln!(out, ", replicas {}..{}", w.replicas_min, w.replicas_max);
    }
    out
}
