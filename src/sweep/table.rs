//! runs.csv and aggregate.csv: the per-run table and the per-point
//! statistics, with paired differences against a baseline point.

use super::grid::Grid;
use super::metrics::WALL_METRICS;
use super::stats::Stats;
use super::store::RunRecord;

/// Formats a number as both CSV files do: the shortest text that reads back
/// as the same f64 (`3`, `0.1`, `0.30000000000000004`).
pub fn num(v: f64) -> String {
    format!("{v}")
}

fn write_row(w: &mut csv::Writer<Vec<u8>>, row: &[String]) {
    w.write_record(row).expect("in-memory csv write");
}

/// runs.csv: `point`, `param_<path>`..., `seed`, every metric, then the
/// wall-clock metrics. `records` must be sorted by (point, seed).
pub fn runs_csv(grid: &Grid, names: &[String], records: &[RunRecord]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["point".to_string()];
    head.extend(grid.params.iter().map(|p| format!("param_{p}")));
    head.push("seed".to_string());
    head.extend(names.iter().cloned());
    head.extend(WALL_METRICS.iter().map(|s| s.to_string()));
    write_row(&mut w, &head);
    for r in records {
        let mut row = vec![r.point.to_string()];
        row.extend(grid.values(r.point).into_iter().map(str::to_string));
        row.push(r.seed.to_string());
        row.extend(r.values.iter().map(|v| num(*v)));
        row.extend(r.wall.iter().map(|v| num(*v)));
        write_row(&mut w, &row);
    }
    w.into_inner().expect("in-memory csv write")
}

/// Statistics of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct PointStats {
    /// Point index.
    pub point: usize,
    /// Runs aggregated.
    pub runs: usize,
    /// Per metric, in name order.
    pub metrics: Vec<Stats>,
    /// Per metric, the paired differences (this point minus the baseline,
    /// seed by seed); empty without a baseline.
    pub diffs: Vec<Stats>,
    /// Per wall-clock metric.
    pub wall: Vec<Stats>,
}

/// Every point's statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    /// Metric names.
    pub names: Vec<String>,
    /// The baseline point, if any.
    pub baseline: Option<usize>,
    /// One entry per point, in point order.
    pub points: Vec<PointStats>,
}

impl Aggregate {
    /// Aggregates `records`, sorted by (point, seed) and covering every
    /// point with the same seeds.
    pub fn compute(
        names: &[String],
        records: &[RunRecord],
        points: usize,
        baseline: Option<usize>,
    ) -> Aggregate {
        let mut by_point: Vec<&[RunRecord]> = Vec::with_capacity(points);
        let mut rest = records;
        for p in 0..points {
            let n = rest.iter().take_while(|r| r.point == p).count();
            let (here, after) = rest.split_at(n);
            by_point.push(here);
            rest = after;
        }
        let column = |runs: &[RunRecord], m: usize| -> Vec<f64> {
            runs.iter().map(|r| r.values[m]).collect()
        };
        let stats = by_point
            .iter()
            .enumerate()
            .map(|(p, runs)| {
                let metrics = (0..names.len())
                    .map(|m| Stats::of(&column(runs, m)))
                    .collect();
                let wall = (0..WALL_METRICS.len())
                    .map(|m| Stats::of(&runs.iter().map(|r| r.wall[m]).collect::<Vec<_>>()))
                    .collect();
                let diffs = match baseline {
                    None => Vec::new(),
                    Some(b) => {
                        let base = by_point[b];
                        (0..names.len())
                            .map(|m| {
                                let d: Vec<f64> = runs
                                    .iter()
                                    .filter_map(|r| {
                                        base.iter()
                                            .find(|q| q.seed == r.seed)
                                            .map(|q| r.values[m] - q.values[m])
                                    })
                                    .collect();
                                Stats::of(&d)
                            })
                            .collect()
                    }
                };
                PointStats {
                    point: p,
                    runs: runs.len(),
                    metrics,
                    diffs,
                    wall,
                }
            })
            .collect();
        Aggregate {
            names: names.to_vec(),
            baseline,
            points: stats,
        }
    }

    /// The statistics of metric `name` at `point`.
    pub fn get(&self, point: usize, name: &str) -> Option<&Stats> {
        let m = self.names.iter().position(|n| n == name)?;
        self.points.get(point).map(|p| &p.metrics[m])
    }

    /// aggregate.csv: `point`, `param_<path>`..., `runs`, then per metric
    /// `<m>_mean`, `<m>_std`, `<m>_ci95` (and with a baseline
    /// `<m>_diff_mean`, `<m>_diff_ci95`), then the wall-clock metrics'
    /// `_mean`, `_std`, `_ci95`.
    pub fn to_csv(&self, grid: &Grid) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut head = vec!["point".to_string()];
        head.extend(grid.params.iter().map(|p| format!("param_{p}")));
        head.push("runs".to_string());
        for n in &self.names {
            head.extend([format!("{n}_mean"), format!("{n}_std"), format!("{n}_ci95")]);
            if self.baseline.is_some() {
                head.extend([format!("{n}_diff_mean"), format!("{n}_diff_ci95")]);
            }
        }
        for n in WALL_METRICS {
            head.extend([format!("{n}_mean"), format!("{n}_std"), format!("{n}_ci95")]);
        }
        write_row(&mut w, &head);
        for p in &self.points {
            let mut row = vec![p.point.to_string()];
            row.extend(grid.values(p.point).into_iter().map(str::to_string));
            row.push(p.runs.to_string());
            for (m, s) in p.metrics.iter().enumerate() {
                row.extend([num(s.mean), num(s.std), num(s.ci95)]);
                if let Some(d) = p.diffs.get(m) {
                    row.extend([num(d.mean), num(d.ci95)]);
                }
            }
            for s in &p.wall {
                row.extend([num(s.mean), num(s.std), num(s.ci95)]);
            }
            write_row(&mut w, &row);
        }
        w.into_inner().expect("in-memory csv write")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(point: usize, seed: u64, x: f64) -> RunRecord {
        RunRecord {
            point,
            seed,
            values: vec![x],
            wall: vec![0.5],
            invariant_violations: vec![],
        }
    }

    #[test]
    fn paired_differences_cancel_common_noise() {
        // Point 1 is point 0 plus 0.1 in every seed, with large seed noise:
        // the paired difference is exactly 0.1 with no spread.
        let grid = Grid::parse(&["a=x,y".to_string()]).unwrap();
        let noise = [0.0, 5.0, -3.0];
        let mut recs = Vec::new();
        for p in 0..2 {
            for (k, n) in noise.iter().enumerate() {
                recs.push(rec(p, k as u64 + 1, n + 0.1 * p as f64));
            }
        }
        let names = vec!["m".to_string()];
        let a = Aggregate::compute(&names, &recs, 2, Some(0));
        assert!(a.points[1].metrics[0].ci95 > 1.0);
        assert!((a.points[1].diffs[0].mean - 0.1).abs() < 1e-12);
        assert!(a.points[1].diffs[0].ci95 < 1e-9);
        assert_eq!(a.points[0].diffs[0].mean, 0.0);
        let csv = String::from_utf8(a.to_csv(&grid)).unwrap();
        let head = csv.lines().next().unwrap();
        assert_eq!(
            head,
            "point,param_a,runs,m_mean,m_std,m_ci95,m_diff_mean,m_diff_ci95,wall_time_s_mean,wall_time_s_std,wall_time_s_ci95"
        );
        let runs = String::from_utf8(runs_csv(&grid, &names, &recs)).unwrap();
        assert_eq!(
            runs.lines().next().unwrap(),
            "point,param_a,seed,m,wall_time_s"
        );
        assert_eq!(runs.lines().nth(4).unwrap(), "1,y,1,0.1,0.5");
    }
}
