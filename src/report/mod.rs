//! `kubesim report DIR`: plots and a self-contained `report.html` for a run
//! directory (summary.json, timeseries.csv, events.csv) or a sweep directory
//! (sweep.json, runs.csv, aggregate.csv).
//!
//! The report only reads those files: it detects columns and metrics by
//! name, so series added by newer simulator features (traffic columns at
//! the end of timeseries.csv, new summary fields) show up without changes
//! here. Output is deterministic: the same input files give byte-identical
//! SVG, PNG and HTML (nothing depends on the clock or the machine).
//!
//! Layout of the output directory (`--out`, default the input directory):
//! `report.html` (every plot inlined as SVG, no external resources) and
//! `plots/<name>.svg` (or `.png` with `--format png`). Plot files of an
//! earlier report that this one did not draw are removed from `plots/`.

mod chart;
mod data;
mod html;
mod run;
mod style;
mod sweep;

pub use chart::PlotFormat;

use std::path::{Path, PathBuf};

/// Files that make a directory a run directory.
pub const RUN_FILES: [&str; 3] = ["summary.json", "timeseries.csv", "events.csv"];
/// Files that make a directory a (merged or unsharded) sweep directory.
pub const SWEEP_FILES: [&str; 3] = ["sweep.json", "runs.csv", "aggregate.csv"];
/// Name of the HTML report.
pub const HTML_NAME: &str = "report.html";
/// Subdirectory of the plot files.
pub const PLOTS_DIR: &str = "plots";

/// What to report and how.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// File format of the plot files (the HTML always inlines SVG).
    pub format: PlotFormat,
    /// Sweep metrics to plot (empty: the default set). Refused for a run
    /// directory.
    pub metrics: Vec<String>,
    /// Where to write `report.html` and `plots/` (default: the input
    /// directory).
    pub out: Option<PathBuf>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            format: PlotFormat::Svg,
            metrics: Vec::new(),
            out: None,
        }
    }
}

/// What a report wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportOutput {
    /// `run` or `sweep`.
    pub kind: &'static str,
    /// The HTML file.
    pub html: PathBuf,
    /// The plot files, in report order.
    pub plots: Vec<PathBuf>,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Bad input: a missing or malformed file, an unknown metric, a
    /// directory that is neither a run nor a sweep.
    #[error("{0}")]
    Input(String),
    /// Writing an output failed.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// A plot could not be drawn (a kubesim bug).
    #[error("drawing {plot}: {message}")]
    Draw {
        /// The plot's file stem.
        plot: String,
        /// What plotters said.
        message: String,
    },
}

/// Removes plot files (`.svg`, `.png`) of an earlier report from
/// `plots_dir` that this report did not write, so the directory always
/// matches report.html.
fn remove_stale(plots_dir: &Path, keep: &[PathBuf]) -> Result<(), ReportError> {
    let io = |source| {
        ReportError::Output(crate::output::OutputError::Io {
            path: plots_dir.to_path_buf(),
            source,
        })
    };
    for entry in std::fs::read_dir(plots_dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let plot = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("svg" | "png")
        );
        if plot && path.is_file() && !keep.contains(&path) {
            std::fs::remove_file(&path).map_err(io)?;
        }
    }
    Ok(())
}

/// What kind of directory `dir` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirKind {
    /// A `run --out` directory.
    Run,
    /// A `sweep --out` or `merge --out` directory.
    Sweep,
}

/// Classifies `dir` by the files it holds, or says what was expected.
pub fn detect(dir: &Path) -> Result<DirKind, ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::Input(format!(
            "{}: not a directory; give the --out directory of `kubesim run` or `kubesim sweep`",
            dir.display()
        )));
    }
    let has = |f: &str| dir.join(f).is_file();
    let missing = |files: &[&str]| -> Vec<String> {
        files
            .iter()
            .filter(|f| !has(f))
            .map(|f| f.to_string())
            .collect()
    };
    if has("sweep.json") {
        let miss = missing(&SWEEP_FILES);
        if miss.is_empty() {
            return Ok(DirKind::Sweep);
        }
        let hint = if miss.iter().any(|m| m == "aggregate.csv") && has("runs.csv") {
            " (a shard of a sweep? combine the shards with `kubesim merge` first)"
        } else {
            " (an unfinished sweep? rerun the same `kubesim sweep` command to finish it)"
        };
        return Err(ReportError::Input(format!(
            "{}: a sweep directory without {}{hint}",
            dir.display(),
            miss.join(" and ")
        )));
    }
    if has("summary.json") || has("timeseries.csv") {
        let miss = missing(&RUN_FILES);
        if miss.is_empty() {
            return Ok(DirKind::Run);
        }
        return Err(ReportError::Input(format!(
            "{}: a run directory without {} (an interrupted run? rerun `kubesim run ... --out {}`)",
            dir.display(),
            miss.join(" and "),
            dir.display()
        )));
    }
    Err(ReportError::Input(format!(
        "{}: neither a run directory ({}) nor a sweep directory ({})",
        dir.display(),
        RUN_FILES.join(", "),
        SWEEP_FILES.join(", ")
    )))
}

/// Builds the report of the run or sweep directory `dir`.
pub fn report(dir: &Path, opts: &ReportOptions) -> Result<ReportOutput, ReportError> {
    let kind = detect(dir)?;
    let built = match kind {
        DirKind::Run => {
            if !opts.metrics.is_empty() {
                return Err(ReportError::Input(format!(
                    "--metric chooses sweep metrics, but {} is a run directory (its report plots every series)",
                    dir.display()
                )));
            }
            run::build(dir)?
        }
        DirKind::Sweep => sweep::build(dir, &opts.metrics)?,
    };
    write(dir, opts, built, kind)
}

/// A report ready to write: its plots and its page.
pub(crate) struct Built {
    pub plots: Vec<chart::Plot>,
    pub page: html::Page,
}

fn write(
    dir: &Path,
    opts: &ReportOptions,
    built: Built,
    kind: DirKind,
) -> Result<ReportOutput, ReportError> {
    let out = opts.out.clone().unwrap_or_else(|| dir.to_path_buf());
    let plots_dir = out.join(PLOTS_DIR);
    crate::output::ensure_dir(&plots_dir)?;
    let mut svgs = Vec::with_capacity(built.plots.len());
    let mut files = Vec::with_capacity(built.plots.len());
    for p in &built.plots {
        let svg = p.svg()?;
        let name = format!("{}.{}", p.stem, opts.format.extension());
        match opts.format {
            PlotFormat::Svg => crate::output::write_atomic(&plots_dir, &name, svg.as_bytes())?,
            PlotFormat::Png => p.png(&plots_dir, &name)?,
        }
        files.push(plots_dir.join(&name));
        svgs.push(svg);
    }
    remove_stale(&plots_dir, &files)?;
    let page = built.page.render(&built.plots, &svgs);
    crate::output::write_atomic(&out, HTML_NAME, page.as_bytes())?;
    Ok(ReportOutput {
        kind: match kind {
            DirKind::Run => "run",
            DirKind::Sweep => "sweep",
        },
        html: out.join(HTML_NAME),
        plots: files,
    })
}
