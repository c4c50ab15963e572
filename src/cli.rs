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
    let result = Simulation::new(sc, seed).map_err(CliError::input)?.run();
    if let Some(dir) = &args.out {
        output::write_run(dir, &result).map_err(CliError::input)?;
    }
    if !args.quiet {
        print!("{}", summary_table(&result));
        if let Some(dir) = &args.out {
            eprintln!(
                "wrote {}/{{summary.json,timeseries.csv,events.csv}}",
                dir.display()
            );
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
