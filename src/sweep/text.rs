//! The human-readable side of a sweep's results: the per-point table for
//! stdout and the gate verdicts.

use super::Results;
use super::gate::Bound;
use std::fmt::Write as _;

/// Most rows of the table (aggregate.csv has them all).
const MAX_TABLE_ROWS: usize = 40;

impl Results {
    /// The per-point table: point, parameters, runs, then each workload's
    /// SLO attainment as mean ± 95% CI half-width.
    pub fn table(&self) -> String {
        let a = &self.aggregate;
        let slo: Vec<(usize, &str)> = a
            .names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.starts_with("workloads.") && n.ends_with(".slo_attainment"))
            .map(|(i, n)| (i, n.as_str()))
            .collect();
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut head = vec!["point".to_string()];
        head.extend(self.grid.params.iter().cloned());
        head.push("runs".to_string());
        head.extend(slo.iter().map(|(_, n)| n.to_string()));
        rows.push(head);
        for p in a.points.iter().take(MAX_TABLE_ROWS) {
            let mut row = vec![p.point.to_string()];
            row.extend(self.grid.values(p.point).into_iter().map(str::to_string));
            row.push(p.runs.to_string());
            for (i, _) in &slo {
                let s = p.metrics[*i];
                row.push(format!("{:.6} \u{b1} {:.6}", s.mean, s.ci95));
            }
            rows.push(row);
        }
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for row in &rows {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
        }
        if a.points.len() > MAX_TABLE_ROWS {
            let _ = writeln!(
                out,
                "... {} more point(s) in aggregate.csv",
                a.points.len() - MAX_TABLE_ROWS
            );
        }
        out
    }

    /// One `assert ok: ...` line per gate that held everywhere, and, if any
    /// failed, the message listing every failing point with its parameters
    /// and value.
    pub fn gate_report(&self) -> (Vec<String>, Option<String>) {
        let points = self.aggregate.points.len();
        let mut passed = Vec::new();
        let mut failed = String::new();
        for g in &self.gates {
            let fails: Vec<_> = self.failures.iter().filter(|f| f.gate == *g).collect();
            if fails.is_empty() {
                passed.push(format!("assert ok: {g} at all {points} point(s)"));
                continue;
            }
            let _ = write!(
                failed,
                "\nassert failed: {g} at {} of {points} point(s):",
                fails.len()
            );
            for f in fails {
                let _ = write!(
                    failed,
                    "\n  point {} ({}): ",
                    f.point,
                    self.grid.describe(f.point)
                );
                let s = &f.stats;
                let _ = match f.gate.bound {
                    Bound::Mean => {
                        write!(failed, "mean {} \u{b1} {} ({} runs)", s.mean, s.ci95, s.n)
                    }
                    Bound::Lower | Bound::Upper => write!(
                        failed,
                        "{} {} (mean {} \u{b1} {}, {} runs)",
                        if f.gate.bound == Bound::Lower {
                            "lcb"
                        } else {
                            "ucb"
                        },
                        f.actual,
                        s.mean,
                        s.ci95,
                        s.n
                    ),
                };
            }
        }
        let failed = (!failed.is_empty())
            .then(|| format!("{} assertion(s) failed{failed}", self.failures.len()));
        (passed, failed)
    }
}
