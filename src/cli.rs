//! The command line: argument parsing and the subcommands. Thin: every
//! subcommand calls the library.

use crate::output;
use crate::scenario::{self, Scenario};
use crate::sim::{RunResult, Simulation};
use clap::{Parser, Subcommand};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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

/// A failure with its exit code: 2 for bad input or usage, 1 for a failed
/// assertion.
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
        Command::Report(args) => cmd_report(&args),
    }
}

fn load(path: Option<&Path>, sets: &[String]) -> Result<Scenario, CliError> {
    match path {
        Some(p) => scenario::load_file(p, sets).map_err(CliError::input),
        None => scenario::load_str(QUICKSTART_YAML, "quickstart.yaml (embedded)", sets)
            .map_err(CliError::input),
    }
}

fn cmd_run(args: &RunArgs) -> Result<(), CliError> {
    let sc = load(args.scenario.as_deref(), &args.sets)?;
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
    let result = Simulation::new(sc, seed)
        .map_err(CliError::input)?
        .check_invariants(args.check_invariants)
        .run();
    if let Some(dir) = &args.out {
        let given = match &args.scenario {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| CliError::input(format!("{}: {e}", p.display())))?,
            None => QUICKSTART_YAML.to_string(),
        };
        let resolved = resolved.unwrap_or_default();
        output::write_scenario(dir, &given, &resolved).map_err(CliError::input)?;
        output::write_run(dir, &result).map_err(CliError::input)?;
    }
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
    let sc = load(Some(&args.scenario), &args.sets)?;
    crate::sim::Unsupported::check(&sc).map_err(CliError::input)?;
    print!("{}", describe(&args.scenario, &sc));
    Ok(())
}

/// What `validate` prints: the resolved scenario, one line per part.
pub fn describe(path: &Path, sc: &Scenario) -> String {
    let mut out = String::new();
    let nodes: u32 = sc.cluster.node_pools.iter().map(|p| p.count).sum();
    let _ = writeln!(
        out,
        "{}: ok: scenario '{}', {} of simulated time, seed {}, {} zone(s), {} node(s), {} workload(s), {} timeline event(s)",
        path.display(),
        sc.name,
        sc.duration,
        sc.seed,
        sc.cluster.zones.len(),
        nodes,
        sc.workloads.len(),
        sc.events.len()
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
        let _ = writeln!(
            out,
            "  workload {}: {} replicas of ({} cpu, {} memory), {}, startup mean {:.1} s, slo min_ready {}{}",
            w.name,
            w.replicas,
            w.cpu,
            w.memory,
            strategy,
            w.startup_time.mean_secs(),
            w.slo_min_ready,
            pdb
        );
    }
    out
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
    for ro in &s.rollouts {
        let _ = writeln!(
            out,
            "rollout {} r{} at {:.0} s: {} in {:.1} s, max pods {}, min available {}",
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
