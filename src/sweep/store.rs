//! What a sweep keeps on disk: `sweep.json` (what the sweep is) and
//! `runs/<point>-<seed>.json` (one finished run each), both written
//! atomically. These make resuming and merging possible.

use super::SweepError;
use super::grid::Grid;
use super::metrics::Ordered;
use crate::output::{self, OutputError};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The file describing a sweep.
pub const MANIFEST: &str = "sweep.json";
/// The folder holding one file per finished run.
pub const RUNS_DIR: &str = "runs";

/// `--shard I/N`: this process runs the runs whose index `i` (point *
/// seeds + seed - 1) has `i % N == I - 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based shard number, `I`.
    pub index: u64,
    /// Number of shards, `N`.
    pub count: u64,
}

impl Shard {
    /// Parses `I/N`.
    pub fn parse(s: &str) -> Result<Shard, SweepError> {
        let bad = || {
            SweepError::Input(format!(
                "--shard {s:?}: expected I/N with 1 <= I <= N, e.g. --shard 2/4 (the second of four shards)"
            ))
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<u64>().map_err(|_| bad())?,
            n.trim().parse::<u64>().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The shard a Kubernetes Indexed Job pod runs: `JOB_COMPLETION_INDEX`
    /// (0-based) of `count`.
    pub fn from_completion_index(index: &str, count: u64) -> Result<Shard, SweepError> {
        let i: u64 = index.trim().parse().map_err(|_| {
            SweepError::Input(format!(
                "JOB_COMPLETION_INDEX is {index:?}, not a number; it is set by a Kubernetes Indexed Job"
            ))
        })?;
        if count == 0 || i >= count {
            return Err(SweepError::Input(format!(
                "JOB_COMPLETION_INDEX {i} is outside --shard-count {count}; set the Job's completions to the shard count"
            )));
        }
        Ok(Shard {
            index: i + 1,
            count,
        })
    }

    /// Whether run `i` belongs to this shard.
    pub fn owns(&self, i: u64) -> bool {
        i % self.count == self.index - 1
    }
}

/// sweep.json.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of kubesim that ran the sweep.
    pub kubesim_version: String,
    /// Scenario file as given on the command line.
    pub scenario: String,
    /// FNV-1a 64-bit hash of the scenario file's bytes, as 16 hex digits.
    pub scenario_fnv1a64: String,
    /// `--set` arguments.
    pub sets: Vec<String>,
    /// `--vary` arguments.
    pub varies: Vec<String>,
    /// The varied paths (the `param_<path>` columns).
    pub params: Vec<String>,
    /// Number of parameter points.
    pub points: u64,
    /// Seeds per point: 1..=seeds.
    pub seeds: u64,
    /// Total runs (points * seeds).
    pub runs: u64,
    /// `--baseline`, if given.
    pub baseline: Option<String>,
    /// The shard this directory holds, or null for a whole sweep.
    pub shard: Option<Shard>,
}

impl Manifest {
    /// The first difference that makes runs of `self` and `other`
    /// incompatible (results of one cannot stand in for the other), as
    /// `field: old vs new`. The scenario's path, the baseline and the shard
    /// may differ.
    pub fn incompatibility(&self, other: &Manifest) -> Option<String> {
        let d = |f: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
            Some(format!("{f} {a:?} there vs {b:?} here"))
        };
        if self.kubesim_version != other.kubesim_version {
            return d(
                "kubesim version",
                &self.kubesim_version,
                &other.kubesim_version,
            );
        }
        if self.scenario_fnv1a64 != other.scenario_fnv1a64 {
            return Some(format!(
                "the scenario file's content differs ({} hashed {} there, {} hashes {} here)",
                self.scenario, self.scenario_fnv1a64, other.scenario, other.scenario_fnv1a64
            ));
        }
        if self.sets != other.sets {
            return d("--set", &self.sets, &other.sets);
        }
        if self.varies != other.varies {
            return d("--vary", &self.varies, &other.varies);
        }
        if self.seeds != other.seeds {
            return d("--seeds", &self.seeds, &other.seeds);
        }
        None
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("manifest serializes");
        v.push(b'\n');
        v
    }

    /// Reads `dir/sweep.json`; `Ok(None)` if there is none.
    pub fn read(dir: &Path) -> Result<Option<Manifest>, SweepError> {
        let path = dir.join(MANIFEST);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path, e)),
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            SweepError::Input(format!(
                "{}: not a sweep description kubesim {} can read ({e}); use another --out directory",
                path.display(),
                env!("CARGO_PKG_VERSION")
            ))
        })
    }
}

/// FNV-1a, 64 bits, as 16 hex digits: a fingerprint of the scenario text
/// (to notice an edited file on resume; not a security measure).
pub fn fnv1a64(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// One finished run, as kept in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRecord {
    /// Point index.
    pub point: usize,
    /// Seed.
    pub seed: u64,
    /// Metric values, in the sweep's metric-name order.
    pub values: Vec<f64>,
    /// Wall-clock metrics, in `WALL_METRICS` order.
    pub wall: Vec<f64>,
    /// Invariants the model broke (empty unless kubesim has a bug).
    pub invariant_violations: Vec<String>,
}

/// `runs/<point>-<seed>.json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunFile {
    point: usize,
    seed: u64,
    params: Ordered<String>,
    metrics: Ordered<f64>,
    wall: Ordered<f64>,
    invariant_violations: Vec<String>,
}

/// The file name of run (`point`, `seed`).
pub fn run_file_name(point: usize, seed: u64) -> String {
    format!("{point}-{seed}.json")
}

fn io(path: &Path, source: std::io::Error) -> SweepError {
    SweepError::Output(OutputError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl RunRecord {
    /// The bytes of its run file.
    pub fn to_bytes(&self, grid: &Grid, names: &[String], wall_names: &[&str]) -> Vec<u8> {
        let f = RunFile {
            point: self.point,
            seed: self.seed,
            params: Ordered(
                grid.params
                    .iter()
                    .cloned()
                    .zip(grid.values(self.point).into_iter().map(str::to_string))
                    .collect(),
            ),
            metrics: Ordered(names.iter().cloned().zip(self.values.clone()).collect()),
            wall: Ordered(
                wall_names
                    .iter()
                    .map(|s| s.to_string())
                    .zip(self.wall.clone())
                    .collect(),
            ),
            invariant_violations: self.invariant_violations.clone(),
        };
        let mut v = serde_json::to_vec(&f).expect("run serializes");
        v.push(b'\n');
        v
    }

    /// Writes `runs/<point>-<seed>.json` under `dir` atomically (by
    /// rename, without an fsync: a file that a power loss truncated fails
    /// to parse on resume, and the run is done again).
    pub fn write(
        &self,
        dir: &Path,
        grid: &Grid,
        names: &[String],
        wall_names: &[&str],
    ) -> Result<(), SweepError> {
        output::write_atomic_unsynced(
            &dir.join(RUNS_DIR),
            &run_file_name(self.point, self.seed),
            &self.to_bytes(grid, names, wall_names),
        )
        .map_err(SweepError::Output)
    }
}

/// Why a run file could not be used.
#[derive(Debug)]
pub struct BadRunFile {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

/// Run files found under `dir/runs`: the names present (looked up, never
/// iterated, so the order of the directory listing does not matter).
pub fn present_runs(dir: &Path) -> Result<HashSet<String>, SweepError> {
    let runs = dir.join(RUNS_DIR);
    let rd = match std::fs::read_dir(&runs) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(io(&runs, e)),
    };
    let mut names = HashSet::new();
    for e in rd {
        let e = e.map_err(|e| io(&runs, e))?;
        if let Ok(n) = e.file_name().into_string()
            && n.ends_with(".json")
            && !n.starts_with('.')
        {
            names.insert(n);
        }
    }
    Ok(names)
}

/// Reads run (`point`, `seed`) from `dir/runs`. `names`: the metric names
/// expected, or `None` to accept the file's own (returned alongside).
pub fn read_run(
    dir: &Path,
    point: usize,
    seed: u64,
    grid: &Grid,
    names: Option<&[String]>,
    wall_names: &[&str],
) -> Result<(RunRecord, Vec<String>), BadRunFile> {
    let path = dir.join(RUNS_DIR).join(run_file_name(point, seed));
    let bad = |reason: String| BadRunFile {
        path: path.clone(),
        reason,
    };
    let bytes = std::fs::read(&path).map_err(|e| bad(e.to_string()))?;
    let f: RunFile = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    if f.point != point || f.seed != seed {
        return Err(bad(format!(
            "it holds point {} seed {}, not point {point} seed {seed}",
            f.point, f.seed
        )));
    }
    let values = grid.values(point);
    let params_ok = f.params.0.len() == grid.params.len()
        && f.params
            .0
            .iter()
            .zip(grid.params.iter().zip(&values))
            .all(|((k, v), (p, w))| k == p && v == w);
    if !params_ok {
        return Err(bad(format!(
            "its parameters are not those of point {point} ({})",
            grid.describe(point)
        )));
    }
    let file_names: Vec<String> = f.metrics.0.iter().map(|(k, _)| k.clone()).collect();
    if let Some(expected) = names
        && file_names != expected
    {
        return Err(bad(
            "its metrics are not the ones this sweep reports".to_string()
        ));
    }
    let wall_ok = f.wall.0.len() == wall_names.len()
        && f.wall.0.iter().zip(wall_names).all(|((k, _), w)| k == w);
    if !wall_ok {
        return Err(bad(format!("expected wall-clock metrics {wall_names:?}")));
    }
    Ok((
        RunRecord {
            point,
            seed,
            values: f.metrics.0.into_iter().map(|(_, v)| v).collect(),
            wall: f.wall.0.into_iter().map(|(_, v)| v).collect(),
            invariant_violations: f.invariant_violations,
        },
        file_names,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_runs() {
        let shards: Vec<Shard> = (1..=3)
            .map(|i| Shard::parse(&format!("{i}/3")).unwrap())
            .collect();
        for i in 0..30u64 {
            assert_eq!(shards.iter().filter(|s| s.owns(i)).count(), 1);
        }
        assert!(shards[0].owns(0) && shards[1].owns(4) && shards[2].owns(8));
        for bad in ["0/3", "4/3", "1/0", "x", "1/x", "2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Shard::from_completion_index("2", 3).unwrap(),
            Shard { index: 3, count: 3 }
        );
        assert!(Shard::from_completion_index("3", 3).is_err());
    }

    #[test]
    fn run_files_round_trip_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let grid = Grid::parse(&["a=1,2".to_string()]).unwrap();
        let names = vec!["x".to_string(), "y".to_string()];
        let r = RunRecord {
            point: 1,
            seed: 3,
            values: vec![0.1 + 0.2, 1.0 / 3.0],
            wall: vec![0.001234],
            invariant_violations: vec![],
        };
        std::fs::create_dir(dir.path().join(RUNS_DIR)).unwrap();
        r.write(dir.path(), &grid, &names, &["wall_time_s"])
            .unwrap();
        let (back, n) = read_run(dir.path(), 1, 3, &grid, None, &["wall_time_s"]).unwrap();
        assert_eq!(back, r);
        assert_eq!(n, names);
        let present = present_runs(dir.path()).unwrap();
        assert!(present.contains("1-3.json"));
        assert!(read_run(dir.path(), 0, 3, &grid, None, &["wall_time_s"]).is_err());
        let other = Grid::parse(&["a=1,5".to_string()]).unwrap();
        let e = read_run(dir.path(), 1, 3, &other, None, &["wall_time_s"]).unwrap_err();
        assert!(e.reason.contains("parameters"), "{}", e.reason);
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a64(b""), "cbf29ce484222325");
        assert_eq!(fnv1a64(b"a"), "af63dc4c8601ec8c");
    }
}
