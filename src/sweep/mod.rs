//! Sweeps: a grid of parameter points times seeds, run in parallel, with
//! per-point statistics, gates, resume and sharding (DESIGN.md, "Sweeps").
//!
//! - [`Grid`] turns `--vary` arguments into points (syntax in [`grid`]).
//!   Each point is the scenario loaded with the point's values appended to
//!   the `--set` overrides, so a bad value is reported like a bad `--set`,
//!   naming its path. Every point is loaded and checked before any run
//!   starts.
//! - Run `k` of every point uses seed `k` (1..=seeds): common random
//!   numbers, so points are compared on the same failures. Paired
//!   differences against a `--baseline` point exploit that.
//! - Runs are numbered `point * seeds + (seed - 1)`; `--shard I/N` runs
//!   those with `index % N == I - 1`.
//! - Each finished run is saved as `runs/<point>-<seed>.json` the moment it
//!   ends, so an interrupted sweep resumes where it stopped and
//!   [`merge`] can combine shard directories.
//! - Outputs ([`Sweep::run`], [`merge`]): `sweep.json` ([`Manifest`]),
//!   `runs/`, `runs.csv` ([`table::runs_csv`]) and `aggregate.csv`
//!   ([`Aggregate`]). Every column but the wall-clock ones is identical
//!   whatever the thread count or sharding.

pub mod gate;
pub mod grid;
pub mod metrics;
pub mod progress;
pub mod stats;
pub mod store;
pub mod table;
mod text;

pub use gate::{Gate, GateFailure};
pub use grid::Grid;
pub use progress::Progress;
pub use stats::Stats;
pub use store::{Manifest, RunRecord, Shard};
pub use table::Aggregate;

use crate::output::{self, OutputError};
use crate::scenario::{self, Scenario};
use crate::sim::{Discard, Simulation, Unsupported};
use metrics::WALL_METRICS;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use store::{MANIFEST, RUNS_DIR};

/// Most runs (points x seeds) a sweep may have. A guard against a typo
/// like `--vary replicas=1..100000` turning into days of work and a
/// million-file directory.
pub const MAX_RUNS: u64 = 1_000_000;

/// Up to this many points, the loaded scenarios are kept in memory for the
/// runs; above, each run loads its point again (to bound memory).
const CACHE_POINTS: usize = 4096;

/// Most distinct problems listed when points fail to load.
const MAX_LISTED: usize = 10;

/// Why a sweep or merge could not go on. All are bad input or usage (exit
/// code 2).
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Bad arguments, scenario or directories; the message says what and how
    /// to fix it.
    #[error("{0}")]
    Input(String),
    /// Writing outputs failed.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// What `kubesim sweep` was asked to do.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Scenario file.
    pub scenario: PathBuf,
    /// `--set PATH=VALUE` overrides for every point.
    pub sets: Vec<String>,
    /// `--vary` arguments.
    pub varies: Vec<String>,
    /// Seeds per point (1..=seeds).
    pub seeds: u64,
    /// Worker threads.
    pub jobs: usize,
    /// Output directory.
    pub out: PathBuf,
    /// Run only this slice.
    pub shard: Option<Shard>,
    /// `--assert` arguments.
    pub gates: Vec<String>,
    /// `--baseline` point.
    pub baseline: Option<String>,
    /// Run every simulation with the full invariant check
    /// ([`Simulation::check_invariants`]); a violation fails the sweep.
    pub check_invariants: bool,
}

/// A validated sweep, ready to run: every point loaded and checked, the
/// output directory prepared, finished runs found.
pub struct Sweep {
    opts: SweepOptions,
    text: String,
    origin: String,
    grid: Grid,
    names: Vec<String>,
    gates: Vec<Gate>,
    baseline: Option<usize>,
    scenarios: Option<Vec<Scenario>>,
    pool: rayon::ThreadPool,
    done: Vec<RunRecord>,
    todo: Vec<u64>,
    warnings: Vec<String>,
}

/// What [`Sweep::run`] did.
#[derive(Debug)]
pub struct Outcome {
    /// Runs run now.
    pub ran: usize,
    /// Runs found finished from an earlier invocation.
    pub reused: usize,
    /// Runs of this sweep (or shard) still to do: 0 unless interrupted.
    pub remaining: usize,
    /// Whether the cancel flag stopped it.
    pub interrupted: bool,
    /// Statistics and gates, for a whole sweep that completed (`None` for a
    /// shard or an interrupted sweep).
    pub results: Option<Results>,
}

/// The tables of a complete sweep, and how its gates fared.
#[derive(Debug)]
pub struct Results {
    /// The grid.
    pub grid: Grid,
    /// Per-point statistics.
    pub aggregate: Aggregate,
    /// The gates evaluated.
    pub gates: Vec<Gate>,
    /// Every (gate, point) that failed.
    pub failures: Vec<GateFailure>,
    /// Model invariants broken, as `point P seed S: ...` (a kubesim bug).
    pub violations: Vec<String>,
}

fn input(m: impl Into<String>) -> SweepError {
    SweepError::Input(m.into())
}

impl Sweep {
    /// Checks everything that can be checked before running: arguments,
    /// every point's scenario, gate metric names, the output directory (a
    /// `sweep.json` there must describe the same sweep). Writes
    /// `sweep.json` and finds the runs already finished.
    pub fn prepare(opts: SweepOptions) -> Result<Sweep, SweepError> {
        if opts.seeds == 0 {
            return Err(input("--seeds must be at least 1"));
        }
        if opts.jobs == 0 {
            return Err(input("--jobs must be at least 1"));
        }
        let gates = opts
            .gates
            .iter()
            .map(|g| Gate::parse(g))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(s) = opts.shard
            && !gates.is_empty()
        {
            return Err(input(format!(
                "--assert needs every run, but --shard {}/{} runs a slice; pass --assert to `kubesim merge` instead",
                s.index, s.count
            )));
        }
        let text = scenario::read_file(&opts.scenario).map_err(|e| input(e.to_string()))?;
        let origin = opts.scenario.display().to_string();
        let grid = Grid::parse(&opts.varies)?;
        let runs = (grid.points() as u64)
            .checked_mul(opts.seeds)
            .filter(|r| *r <= MAX_RUNS)
            .ok_or_else(|| {
                input(format!(
                    "{} points x {} seeds is more than the {MAX_RUNS} runs a sweep may have; use fewer values or seeds",
                    grid.points(),
                    opts.seeds
                ))
            })?;
        for set in &opts.sets {
            let path = set.split_once('=').map_or(set.as_str(), |(p, _)| p).trim();
            if grid.params.iter().any(|p| p == path) {
                return Err(input(format!(
                    "`{path}` is given by both --set and --vary; drop one of them"
                )));
            }
        }
        let baseline = opts.baseline.as_deref().map(|b| grid.find(b)).transpose()?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.jobs)
            .thread_name(|i| format!("kubesim-sweep-{i}"))
            .build()
            .map_err(|e| input(format!("cannot start {} worker threads: {e}", opts.jobs)))?;

        let (scenarios, names) = validate_points(&pool, &text, &origin, &opts.sets, &grid)?;
        let all_names: Vec<String> = names
            .iter()
            .cloned()
            .chain(WALL_METRICS.iter().map(|s| s.to_string()))
            .collect();
        for g in &gates {
            g.check_name(&all_names)?;
        }

        let manifest = Manifest {
            kubesim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario: origin.clone(),
            scenario_fnv1a64: store::fnv1a64(text.as_bytes()),
            sets: opts.sets.clone(),
            varies: opts.varies.clone(),
            params: grid.params.clone(),
            points: grid.points() as u64,
            seeds: opts.seeds,
            runs,
            baseline: opts.baseline.clone(),
            shard: opts.shard,
        };
        prepare_out(&opts.out, &manifest)?;

        // Finished runs of this slice, and the ones left to do.
        let present = store::present_runs(&opts.out)?;
        let slice: Vec<u64> = (0..runs)
            .filter(|i| opts.shard.is_none_or(|s| s.owns(*i)))
            .collect();
        let seeds = opts.seeds;
        let found: Vec<(u64, Option<Result<RunRecord, store::BadRunFile>>)> = pool.install(|| {
            slice
                .par_iter()
                .map(|&i| {
                    let (p, s) = split_index(i, seeds);
                    if !present.contains(&store::run_file_name(p, s)) {
                        return (i, None);
                    }
                    let r = store::read_run(&opts.out, p, s, &grid, Some(&names), WALL_METRICS)
                        .map(|(r, _)| r);
                    (i, Some(r))
                })
                .collect()
        });
        let mut done = Vec::new();
        let mut todo = Vec::new();
        let mut warnings = Vec::new();
        for (i, r) in found {
            match r {
                Some(Ok(rec)) => done.push(rec),
                Some(Err(bad)) => {
                    warnings.push(format!(
                        "{}: {}; running it again",
                        bad.path.display(),
                        bad.reason
                    ));
                    todo.push(i);
                }
                None => todo.push(i),
            }
        }
        Ok(Sweep {
            opts,
            text,
            origin,
            grid,
            names,
            gates,
            baseline,
            scenarios,
            pool,
            done,
            todo,
            warnings,
        })
    }

    /// The grid of points.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Metric names, in column order (wall-clock metrics excluded).
    pub fn metric_names(&self) -> &[String] {
        &self.names
    }

    /// Runs of this sweep (or shard) already finished.
    pub fn already_done(&self) -> usize {
        self.done.len()
    }

    /// Runs left to do.
    pub fn to_run(&self) -> usize {
        self.todo.len()
    }

    /// Problems met while looking for finished runs (unreadable files, which
    /// are run again).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Runs what is left, in parallel on `jobs` threads, saving each run as
    /// it finishes and reporting it to `progress`. When `cancel` becomes
    /// true no new run starts; runs in progress finish and are kept. A whole
    /// sweep that completes then writes runs.csv and aggregate.csv and
    /// evaluates its gates; a shard writes runs.csv of its slice.
    pub fn run(self, cancel: &AtomicBool, progress: &Progress) -> Result<Outcome, SweepError> {
        let out = &self.opts.out;
        output::ensure_dir(&out.join(RUNS_DIR))?;
        // Tables exist only after an invocation that completed.
        for f in ["runs.csv", "aggregate.csv"] {
            match std::fs::remove_file(out.join(f)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(OutputError::Io {
                        path: out.join(f),
                        source: e,
                    }
                    .into());
                }
                _ => {}
            }
        }
        let failed = AtomicBool::new(false);
        let results: Vec<Option<Result<RunRecord, SweepError>>> = self.pool.install(|| {
            self.todo
                .par_iter()
                .with_max_len(1)
                .map(|&i| {
                    if cancel.load(Ordering::SeqCst) || failed.load(Ordering::SeqCst) {
                        return None;
                    }
                    let r = self.run_one(i);
                    match &r {
                        Ok(_) => progress.inc(),
                        Err(_) => failed.store(true, Ordering::SeqCst),
                    }
                    Some(r)
                })
                .collect()
        });
        progress.finish();
        let mut all = self.done;
        let reused = all.len();
        let mut ran = 0;
        for r in results.into_iter().flatten() {
            all.push(r?);
            ran += 1;
        }
        let remaining = self.todo.len() - ran;
        if remaining > 0 {
            return Ok(Outcome {
                ran,
                reused,
                remaining,
                interrupted: true,
                results: None,
            });
        }
        all.sort_by_key(|r| (r.point, r.seed));
        if self.opts.shard.is_some() {
            output::write_atomic(
                out,
                "runs.csv",
                &table::runs_csv(&self.grid, &self.names, &all),
            )?;
            return Ok(Outcome {
                ran,
                reused,
                remaining: 0,
                interrupted: false,
                results: None,
            });
        }
        let results = finish(out, self.grid, &self.names, &all, self.baseline, self.gates)?;
        Ok(Outcome {
            ran,
            reused,
            remaining: 0,
            interrupted: false,
            results: Some(results),
        })
    }

    fn run_one(&self, i: u64) -> Result<RunRecord, SweepError> {
        let (point, seed) = split_index(i, self.opts.seeds);
        let sc = match &self.scenarios {
            Some(v) => v[point].clone(),
            None => self.load_point(point).map_err(input)?,
        };
        // Only the summary is kept: memory per run does not grow with the
        // simulated time (no time series or event log).
        let result = Simulation::new(sc, seed)
            .map_err(|e| input(e.to_string()))?
            .check_invariants(self.opts.check_invariants)
            .run_with(&mut Discard);
        let flat = metrics::flatten(&result.summary, &result.workload_names);
        debug_assert!(flat.iter().map(|(k, _)| k).eq(self.names.iter()));
        let rec = RunRecord {
            point,
            seed,
            values: flat.into_iter().map(|(_, v)| v).collect(),
            wall: metrics::wall(&result.summary),
            invariant_violations: result.summary.invariant_violations,
        };
        rec.write(&self.opts.out, &self.grid, &self.names, WALL_METRICS)?;
        Ok(rec)
    }

    fn load_point(&self, point: usize) -> Result<Scenario, String> {
        load_point(&self.text, &self.origin, &self.opts.sets, &self.grid, point)
    }
}

/// (point, seed) of run index `i`.
fn split_index(i: u64, seeds: u64) -> (usize, u64) {
    ((i / seeds) as usize, i % seeds + 1)
}

fn load_point(
    text: &str,
    origin: &str,
    sets: &[String],
    grid: &Grid,
    point: usize,
) -> Result<Scenario, String> {
    let mut all = sets.to_vec();
    all.extend(grid.sets(point));
    let sc = scenario::load_str(text, origin, &all).map_err(|e| e.to_string())?;
    Unsupported::check(&sc).map_err(|e| e.to_string())?;
    Ok(sc)
}

/// Loads every point (in parallel) and checks they all report the same
/// metrics. Returns the scenarios when there are few enough to keep.
fn validate_points(
    pool: &rayon::ThreadPool,
    text: &str,
    origin: &str,
    sets: &[String],
    grid: &Grid,
) -> Result<(Option<Vec<Scenario>>, Vec<String>), SweepError> {
    let keep = grid.points() <= CACHE_POINTS;
    type Loaded = Result<(Option<Scenario>, Vec<String>), String>;
    let loaded: Vec<Loaded> = pool.install(|| {
        (0..grid.points())
            .into_par_iter()
            .map(|p| {
                let sc = load_point(text, origin, sets, grid, p)?;
                let names = metrics::names(&sc);
                Ok((keep.then_some(sc), names))
            })
            .collect()
    });
    // Distinct problems, each with the first point that has it.
    let mut problems: Vec<(String, usize, usize)> = Vec::new();
    for (p, r) in loaded.iter().enumerate() {
        if let Err(m) = r {
            match problems.iter_mut().find(|(q, _, _)| q == m) {
                Some((_, _, n)) => *n += 1,
                None => problems.push((m.clone(), p, 1)),
            }
        }
    }
    if !problems.is_empty() {
        let bad: usize = problems.iter().map(|(_, _, n)| n).sum();
        let mut msg = format!(
            "{bad} of {} sweep point(s) are invalid; nothing was run:",
            grid.points()
        );
        for (m, p, n) in problems.iter().take(MAX_LISTED) {
            let others = if *n > 1 {
                format!(" and {} other point(s)", n - 1)
            } else {
                String::new()
            };
            msg.push_str(&format!("\npoint {p} ({}){others}:", grid.describe(*p)));
            for line in m.lines() {
                msg.push_str(&format!("\n  {line}"));
            }
        }
        if problems.len() > MAX_LISTED {
            msg.push_str(&format!(
                "\n... and {} more distinct problem(s)",
                problems.len() - MAX_LISTED
            ));
        }
        return Err(input(msg));
    }
    let mut scenarios = Vec::new();
    let mut names: Option<Vec<String>> = None;
    for (p, r) in loaded.into_iter().enumerate() {
        let (sc, n) = r.expect("errors returned above");
        match &names {
            None => names = Some(n),
            Some(first) if *first != n => {
                return Err(input(format!(
                    "point {p} ({}) reports different metrics than point 0 ({}): every point of a sweep must have the same workloads; vary values that keep the workload names",
                    grid.describe(p),
                    grid.describe(0)
                )));
            }
            Some(_) => {}
        }
        if let Some(sc) = sc {
            scenarios.push(sc);
        }
    }
    Ok((keep.then_some(scenarios), names.unwrap_or_default()))
}

/// Creates `out`, refusing one whose sweep.json describes another sweep or
/// whose runs/ has no sweep.json, and writes `manifest`.
fn prepare_out(out: &Path, manifest: &Manifest) -> Result<(), SweepError> {
    output::ensure_dir(out)?;
    match Manifest::read(out)? {
        Some(old) => {
            if let Some(diff) = old.incompatibility(manifest) {
                return Err(input(format!(
                    "{} holds another sweep ({diff}); rerun with the arguments it was started with to resume it, or use a new --out",
                    out.join(MANIFEST).display()
                )));
            }
        }
        None => {
            if !store::present_runs(out)?.is_empty() {
                return Err(input(format!(
                    "{} has run files but no {MANIFEST}, so they cannot be matched to this sweep; use a new --out or delete {}",
                    out.join(RUNS_DIR).display(),
                    out.join(RUNS_DIR).display()
                )));
            }
        }
    }
    output::write_atomic(out, MANIFEST, &manifest.to_bytes())?;
    Ok(())
}

/// Writes runs.csv and aggregate.csv for a complete set of runs (sorted by
/// point and seed) and evaluates the gates.
fn finish(
    out: &Path,
    grid: Grid,
    names: &[String],
    all: &[RunRecord],
    baseline: Option<usize>,
    gates: Vec<Gate>,
) -> Result<Results, SweepError> {
    let aggregate = Aggregate::compute(names, all, grid.points(), baseline);
    output::write_atomic(out, "runs.csv", &table::runs_csv(&grid, names, all))?;
    output::write_atomic(out, "aggregate.csv", &aggregate.to_csv(&grid))?;
    let mut failures = Vec::new();
    for g in &gates {
        for p in &aggregate.points {
            let stats = match names.iter().position(|n| *n == g.metric) {
                Some(m) => p.metrics[m],
                None => {
                    let w = WALL_METRICS
                        .iter()
                        .position(|n| *n == g.metric)
                        .expect("gate names were checked");
                    p.wall[w]
                }
            };
            let actual = g.actual(&stats);
            if !g.op.holds(actual, g.value) {
                failures.push(GateFailure {
                    gate: g.clone(),
                    point: p.point,
                    actual,
                    stats,
                });
            }
        }
    }
    let violations = all
        .iter()
        .flat_map(|r| {
            r.invariant_violations
                .iter()
                .map(move |v| format!("point {} seed {}: {v}", r.point, r.seed))
        })
        .collect();
    Ok(Results {
        grid,
        aggregate,
        gates,
        failures,
        violations,
    })
}

/// Combines shard directories (each a `kubesim sweep --shard` output of the
/// same sweep) into `out`, which then holds exactly what the unsharded
/// sweep writes. `baseline` overrides the shards' `--baseline`; `gates`
/// are evaluated on the merged statistics.
pub fn merge(
    dirs: &[PathBuf],
    out: &Path,
    baseline: Option<String>,
    gates: &[String],
) -> Result<Results, SweepError> {
    let gates = gates
        .iter()
        .map(|g| Gate::parse(g))
        .collect::<Result<Vec<_>, _>>()?;
    let mut manifests = Vec::new();
    for d in dirs {
        match Manifest::read(d)? {
            Some(m) => manifests.push(m),
            None if !d.is_dir() => {
                return Err(input(format!("{}: no such directory", d.display())));
            }
            None => {
                return Err(input(format!(
                    "{}: no {MANIFEST}; pass directories written by `kubesim sweep --out`",
                    d.display()
                )));
            }
        }
    }
    let first = manifests
        .first()
        .ok_or_else(|| input("give at least one directory to merge"))?
        .clone();
    for (d, m) in dirs.iter().zip(&manifests).skip(1) {
        if let Some(diff) = first.incompatibility(m) {
            return Err(input(format!(
                "{} and {} are shards of different sweeps ({diff}); merge shards of one sweep",
                dirs[0].display(),
                d.display()
            )));
        }
    }
    let baseline_spec = match baseline {
        Some(b) => Some(b),
        None => {
            let b = first.baseline.clone();
            if let Some((d, m)) = dirs.iter().zip(&manifests).find(|(_, m)| m.baseline != b) {
                return Err(input(format!(
                    "{} has --baseline {:?} but {} has {:?}; pass --baseline to merge to choose",
                    dirs[0].display(),
                    b,
                    d.display(),
                    m.baseline
                )));
            }
            b
        }
    };
    let grid = Grid::parse(&first.varies)?;
    if grid.params != first.params || grid.points() as u64 != first.points {
        return Err(input(format!(
            "{}: its --vary arguments do not give its params and points; was it edited?",
            dirs[0].join(MANIFEST).display()
        )));
    }
    let baseline = baseline_spec.as_deref().map(|b| grid.find(b)).transpose()?;
    let present: Vec<_> = dirs
        .iter()
        .map(|d| store::present_runs(d))
        .collect::<Result<_, _>>()?;
    let mut names: Option<Vec<String>> = None;
    let mut all = Vec::with_capacity(first.runs as usize);
    let mut missing: Vec<u64> = Vec::new();
    for i in 0..first.runs {
        let (p, s) = split_index(i, first.seeds);
        let file = store::run_file_name(p, s);
        let Some(d) = dirs.iter().zip(&present).find(|(_, f)| f.contains(&file)) else {
            missing.push(i);
            continue;
        };
        let (rec, n) =
            store::read_run(d.0, p, s, &grid, names.as_deref(), WALL_METRICS).map_err(|b| {
                input(format!(
                    "{}: {}; rerun that shard to redo it",
                    b.path.display(),
                    b.reason
                ))
            })?;
        names.get_or_insert(n);
        all.push(rec);
    }
    if !missing.is_empty() {
        let example: Vec<String> = missing
            .iter()
            .take(3)
            .map(|&i| {
                let (p, s) = split_index(i, first.seeds);
                let shard = first
                    .shard
                    .map(|sh| format!(", shard {}/{}", i % sh.count + 1, sh.count))
                    .unwrap_or_default();
                format!("point {p} seed {s}{shard}")
            })
            .collect();
        return Err(input(format!(
            "missing {} of {} runs (e.g. {}); merge the directories of every shard, each finished (rerun an interrupted shard to complete it)",
            missing.len(),
            first.runs,
            example.join("; ")
        )));
    }
    let names = names.unwrap_or_default();
    let all_names: Vec<String> = names
        .iter()
        .cloned()
        .chain(WALL_METRICS.iter().map(|s| s.to_string()))
        .collect();
    for g in &gates {
        g.check_name(&all_names)?;
    }
    let manifest = Manifest {
        baseline: baseline_spec,
        shard: None,
        ..first
    };
    prepare_out(out, &manifest)?;
    output::ensure_dir(&out.join(RUNS_DIR))?;
    for r in &all {
        r.write(out, &grid, &names, WALL_METRICS)?;
    }
    finish(out, grid, &names, &all, baseline, gates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(out: &Path) -> SweepOptions {
        SweepOptions {
            scenario: PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/micro.yaml"
            )),
            sets: vec!["duration=10m".to_string()],
            varies: vec!["workloads.app.startup_time=10s,30s".to_string()],
            seeds: 2,
            jobs: 2,
            out: out.to_path_buf(),
            shard: None,
            gates: vec![],
            baseline: None,
            check_invariants: true,
        }
    }

    #[test]
    fn reloading_each_point_gives_the_same_runs_as_the_cache() {
        // Above CACHE_POINTS points, runs load their point again instead of
        // using the kept scenarios; both must give the same results.
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        let cached = Sweep::prepare(options(&a)).unwrap();
        assert!(cached.scenarios.is_some());
        let mut reloaded = Sweep::prepare(options(&b)).unwrap();
        reloaded.scenarios = None;
        let cancel = AtomicBool::new(false);
        let ra = cached.run(&cancel, &Progress::hidden()).unwrap();
        let rb = reloaded.run(&cancel, &Progress::hidden()).unwrap();
        assert_eq!((ra.ran, rb.ran), (4, 4));
        let (ra, rb) = (ra.results.unwrap(), rb.results.unwrap());
        for p in 0..2 {
            assert_eq!(
                ra.aggregate.points[p].metrics,
                rb.aggregate.points[p].metrics
            );
        }
        // The two points differ (startup time matters after the failure).
        let slo = "workloads.app.slo_attainment";
        assert_ne!(ra.aggregate.get(0, slo), ra.aggregate.get(1, slo));
    }

    #[test]
    fn a_cancelled_sweep_keeps_nothing_half_done_and_resumes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("c");
        let cancel = AtomicBool::new(true);
        let o = Sweep::prepare(options(&out))
            .unwrap()
            .run(&cancel, &Progress::hidden())
            .unwrap();
        assert!(o.interrupted && o.results.is_none());
        assert_eq!((o.ran, o.remaining), (0, 4));
        assert!(!out.join("aggregate.csv").exists());
        let s = Sweep::prepare(options(&out)).unwrap();
        assert_eq!((s.already_done(), s.to_run()), (0, 4));
        let o = s.run(&AtomicBool::new(false), &Progress::hidden()).unwrap();
        assert!(!o.interrupted && o.results.is_some());
    }
}
