//! The report of a sweep: each chosen metric against each varied parameter
//! with its 95% confidence band, a heatmap when two parameters vary, and
//! the table of points.

use super::chart::{Chart, Heatmap, Line, Plot, Scale, Stroke, XyChart};
use super::data::{Json, Table};
use super::html::{self, Block, Page, Section};
use super::style::{self, TimeUnit};
use super::{Built, ReportError};
use std::path::Path;

/// Most lines in one chart (one per combination of the other parameters).
const MAX_GROUPS: usize = 10;
/// Metrics that measure the machine, not the model.
const WALL: &str = "wall_time_s";

fn input(msg: String) -> ReportError {
    ReportError::Input(msg)
}

/// The metrics of aggregate.csv: every `<m>` with `<m>_mean`, `<m>_std`
/// and `<m>_ci95` columns, in column order, wall-clock time left out.
pub fn metrics(agg: &Table) -> Vec<String> {
    agg.headers
        .iter()
        .filter_map(|h| h.strip_suffix("_mean"))
        .filter(|m| {
            *m != WALL
                && !m.ends_with("_diff")
                && agg.index(&format!("{m}_std")).is_some()
                && agg.index(&format!("{m}_ci95")).is_some()
        })
        .map(String::from)
        .collect()
}

/// The default metrics: each workload's availability and SLO attainment
/// (and request success ratio when some point is below 1), then the
/// cluster's CPU allocation.
/// Metrics chosen, and default metrics left out because they are the
/// same at every point and run (with that value).
type Chosen = (Vec<String>, Vec<(String, f64)>);

fn default_metrics(all: &[String], agg: &Table) -> Result<Chosen, ReportError> {
    let mut out = Vec::new();
    let mut constants = Vec::new();
    let constant = |m: &str| -> Result<Option<f64>, ReportError> {
        let mean = agg.numbers(agg.require(&format!("{m}_mean"))?)?;
        let ci = agg.numbers(agg.require(&format!("{m}_ci95"))?)?;
        let same = mean.iter().all(|v| *v == mean[0]) && ci.iter().all(|c| *c == 0.0);
        Ok(same.then_some(mean[0]))
    };
    for m in all {
        let Some(rest) = m.strip_prefix("workloads.") else {
            continue;
        };
        let field = rest.rsplit('.').next().unwrap_or("");
        let wanted = match field {
            "service_availability" | "slo_attainment" => true,
            "request_success_ratio" => {
                let i = agg.require(&format!("{m}_mean"))?;
                agg.numbers(i)?.iter().any(|v| *v < 1.0)
            }
            _ => false,
        };
        // A metric with the same value at every point and run has nothing
        // to plot; the page lists it instead.
        if wanted {
            match constant(m)? {
                Some(v) => constants.push((m.clone(), v)),
                None => out.push(m.clone()),
            }
        }
    }
    if all.iter().any(|m| m == "cluster.cpu_allocation") {
        out.push("cluster.cpu_allocation".to_string());
    }
    if out.is_empty() {
        // A sweep table from another tool: plot what there is.
        out = all.iter().take(4).cloned().collect();
    }
    Ok((out, constants))
}

fn choose(chosen: &[String], all: &[String], agg: &Table) -> Result<Chosen, ReportError> {
    if chosen.is_empty() {
        return default_metrics(all, agg);
    }
    let mut out: Vec<String> = Vec::new();
    for m in chosen {
        let m = m.trim();
        let name = if all.iter().any(|a| a == m) {
            m.to_string()
        } else if let Some(base) = m
            .strip_suffix("_mean")
            .filter(|b| all.iter().any(|a| a == b))
        {
            base.to_string()
        } else {
            let hint = crate::scenario::suggest(m, all.iter().map(String::as_str))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            let sample: Vec<&str> = all.iter().take(6).map(String::as_str).collect();
            return Err(input(format!(
                "--metric {m}: {} has no such metric{hint} (metrics are dotted paths into summary.json such as {}; aggregate.csv lists all {} as `<metric>_mean` columns)",
                agg.path,
                sample.join(", "),
                all.len()
            )));
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok((out, Vec::new()))
}

/// How a metric is shown: its scale and the unit for its axis label.
fn metric_scale(m: &str) -> (Scale, &'static str) {
    let field = m.rsplit('.').next().unwrap_or(m);
    if matches!(
        field,
        "service_availability" | "slo_attainment" | "error_budget_consumed"
    ) || field.ends_with("_allocation")
        || field.ends_with("_usage")
        || field.ends_with("_ratio")
        || field.ends_with("_fraction")
    {
        (Scale::Fraction, "%")
    } else if field.ends_with("_ms") {
        (Scale::Number, "ms")
    } else if field.ends_with("_s") || field.contains("_s_") {
        (Scale::Number, "s")
    } else if field == "node_hours" {
        (Scale::Number, "node-hours")
    } else if field.ends_with("nines") {
        (Scale::Number, "nines")
    } else {
        (Scale::Number, "")
    }
}

fn with_unit(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({unit})")
    }
}

fn show(m: &str, mean: f64, ci: f64) -> String {
    match metric_scale(m).0 {
        Scale::Fraction => {
            let p = style::percent(mean);
            let d = p.split_once('.').map_or(0, |(_, f)| f.len() - 1);
            format!("{p} ± {}%", style::fixed(100.0 * ci, d.max(1)))
        }
        _ => format!("{} ± {}", style::short(mean, 6), style::short(ci, 3)),
    }
}

/// A varied parameter (or several zipped ones) as a plot axis.
struct Axis {
    /// Indices into the sweep's parameter list.
    params: Vec<usize>,
    /// Short name for titles.
    name: String,
    /// The full paths, for captions.
    paths: String,
    /// Axis label with its unit.
    label: String,
    /// Distinct values (zipped ones joined with ` & `), in axis order.
    keys: Vec<String>,
    /// Position of each key on the x axis.
    x: Vec<f64>,
    /// Whether the axis is categorical (x = 0, 1, 2, ...).
    categorical: bool,
    /// Whether every value is a whole number (ticks on whole numbers).
    integer: bool,
}

/// `--vary` arguments split into their zipped paths (`a=1,2 & b=3,4`).
fn vary_paths(vary: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut cur) = (0i32, None::<char>, String::new());
    for c in vary.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, '&') if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    parts
        .iter()
        .filter_map(|p| p.split_once('=').map(|(a, _)| a.trim().to_string()))
        .collect()
}

/// The shortest trailing part of `path` (whole dotted segments) that no
/// other path in `all` ends with.
fn short_name(path: &str, all: &[String]) -> String {
    let segs: Vec<&str> = path.split('.').collect();
    for k in 1..=segs.len() {
        let tail = segs[segs.len() - k..].join(".");
        let clash = all
            .iter()
            .filter(|p| p.as_str() != path)
            .any(|p| p == &tail || p.ends_with(&format!(".{tail}")));
        if !clash {
            return tail;
        }
    }
    path.to_string()
}

enum ValueKind {
    Number,
    Duration(TimeUnit),
    Percent,
}

fn numeric(values: &[String]) -> Option<(ValueKind, Vec<f64>)> {
    let nums: Option<Vec<f64>> = values
        .iter()
        .map(|v| v.trim().parse::<f64>().ok())
        .collect();
    if let Some(n) = nums.filter(|n| n.iter().all(|x| x.is_finite())) {
        return Some((ValueKind::Number, n));
    }
    let secs: Option<Vec<f64>> = values
        .iter()
        .map(|v| {
            crate::scenario::parse_duration(v.trim())
                .ok()
                .map(|d| d.as_secs_f64())
        })
        .collect();
    if let Some(s) = secs {
        let unit = TimeUnit::for_span(s.iter().copied().fold(0.0, f64::max));
        return Some((
            ValueKind::Duration(unit),
            s.iter().map(|x| x / unit.secs()).collect(),
        ));
    }
    let pct: Option<Vec<f64>> = values
        .iter()
        .map(|v| v.trim().strip_suffix('%')?.trim().parse::<f64>().ok())
        .collect();
    pct.map(|p| (ValueKind::Percent, p))
}

fn axes(manifest: &Json, params: &[String], agg: &Table, pcols: &[usize]) -> Vec<Axis> {
    // Group zipped parameters as the --vary arguments did; if the manifest
    // does not say, every parameter is its own axis.
    let mut groups: Vec<Vec<usize>> = manifest
        .get("varies")
        .map(|v| {
            v.items()
                .iter()
                .filter_map(Json::as_str)
                .map(|s| {
                    vary_paths(s)
                        .iter()
                        .filter_map(|p| params.iter().position(|q| q == p))
                        .collect::<Vec<usize>>()
                })
                .filter(|g| !g.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let covered: Vec<usize> = groups.iter().flatten().copied().collect();
    let mut sorted = covered.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != covered.len() || sorted != (0..params.len()).collect::<Vec<_>>() {
        groups = (0..params.len()).map(|i| vec![i]).collect();
    }
    let names: Vec<String> = params.iter().map(|p| short_name(p, params)).collect();
    groups
        .into_iter()
        .map(|g| {
            let mut keys: Vec<String> = Vec::new();
            let mut firsts: Vec<String> = Vec::new();
            for row in &agg.rows {
                let k = key(row, pcols, &g);
                if !keys.contains(&k) {
                    firsts.push(row[pcols[g[0]]].clone());
                    keys.push(k);
                }
            }
            let name = g
                .iter()
                .map(|&i| names[i].clone())
                .collect::<Vec<_>>()
                .join(" & ");
            let paths = g
                .iter()
                .map(|&i| params[i].clone())
                .collect::<Vec<_>>()
                .join(" & ");
            let lead = &names[g[0]];
            // Zipped parameters are shown by their value pairs, evenly spaced.
            let parsed = if g.len() == 1 { numeric(&firsts) } else { None };
            match parsed {
                Some((kind, x)) => {
                    let integer =
                        matches!(kind, ValueKind::Number) && x.iter().all(|v| v.fract() == 0.0);
                    let unit = match kind {
                        ValueKind::Number => String::new(),
                        ValueKind::Duration(u) => u.name().to_string(),
                        ValueKind::Percent => "%".to_string(),
                    };
                    let mut order: Vec<usize> = (0..keys.len()).collect();
                    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
                    Axis {
                        params: g,
                        name,
                        paths,
                        label: with_unit(lead, &unit),
                        keys: order.iter().map(|&i| keys[i].clone()).collect(),
                        x: order.iter().map(|&i| x[i]).collect(),
                        categorical: false,
                        integer,
                    }
                }
                None => Axis {
                    params: g,
                    label: name.clone(),
                    name,
                    paths,
                    x: (0..keys.len()).map(|i| i as f64).collect(),
                    keys,
                    categorical: true,
                    integer: false,
                },
            }
        })
        .collect()
}

/// The value of the parameters `g` in `row` (zipped ones joined).
fn key(row: &[String], pcols: &[usize], g: &[usize]) -> String {
    g.iter()
        .map(|&i| row[pcols[i]].as_str())
        .collect::<Vec<_>>()
        .join(" & ")
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Builds the plots and page of the sweep directory `dir`.
pub fn build(dir: &Path, chosen: &[String]) -> Result<Built, ReportError> {
    let manifest = Json::read(&dir.join("sweep.json"))?;
    let agg = Table::read(&dir.join("aggregate.csv"))?;
    let runs = Table::read(&dir.join("runs.csv"))?;
    if agg.rows.is_empty() {
        return Err(input(format!("{}: no points", agg.path)));
    }
    let params: Vec<String> = match manifest.get("params") {
        Some(p) => p
            .items()
            .iter()
            .filter_map(Json::as_str)
            .map(String::from)
            .collect(),
        None => agg
            .headers
            .iter()
            .filter_map(|h| h.strip_prefix("param_"))
            .map(String::from)
            .collect(),
    };
    let pcols: Vec<usize> = params
        .iter()
        .map(|p| agg.require(&format!("param_{p}")))
        .collect::<Result<_, _>>()?;
    let rcols: Vec<usize> = params
        .iter()
        .map(|p| runs.require(&format!("param_{p}")))
        .collect::<Result<_, _>>()?;
    let all = metrics(&agg);
    if all.is_empty() {
        return Err(input(format!(
            "{}: no metric columns (expected `<metric>_mean`, `<metric>_std` and `<metric>_ci95`)",
            agg.path
        )));
    }
    let (selected, constants) = choose(chosen, &all, &agg)?;
    let axes = axes(&manifest, &params, &agg, &pcols);
    let n_runs = agg.numbers(agg.require("runs")?)?;

    let mut plots = Vec::new();
    for m in &selected {
        let (scale, unit) = metric_scale(m);
        let mean = agg.numbers(agg.require(&format!("{m}_mean"))?)?;
        let ci = agg.numbers(agg.require(&format!("{m}_ci95"))?)?;
        let per_run = runs.index(m).map(|i| runs.numbers(i)).transpose()?;
        for (ai, a) in axes.iter().enumerate() {
            let others: Vec<usize> = axes
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != ai)
                .flat_map(|(_, b)| b.params.iter().copied())
                .collect();
            // One line per combination of the other parameters.
            let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
            for (r, row) in agg.rows.iter().enumerate() {
                let g = others
                    .iter()
                    .map(|&i| format!("{}={}", short_name(&params[i], &params), row[pcols[i]]))
                    .collect::<Vec<_>>()
                    .join(", ");
                match groups.iter_mut().find(|(k, _)| *k == g) {
                    Some((_, v)) => v.push(r),
                    None => groups.push((g, vec![r])),
                }
            }
            let hidden = groups.len().saturating_sub(MAX_GROUPS);
            groups.truncate(MAX_GROUPS);
            let xpos = |row: &[String]| -> f64 {
                let k = key(row, &pcols, &a.params);
                a.keys.iter().position(|x| *x == k).map_or(0.0, |i| a.x[i])
            };
            let mut lines = Vec::new();
            let single = groups.len() == 1;
            if single && let Some(vals) = &per_run {
                let pts = runs
                    .rows
                    .iter()
                    .zip(vals)
                    .map(|(row, &v)| {
                        let k = key(row, &rcols, &a.params);
                        let x = a.keys.iter().position(|x| *x == k).map_or(0.0, |i| a.x[i]);
                        (x, v)
                    })
                    .collect();
                lines.push(Line {
                    name: "individual runs".to_string(),
                    color: style::GREY,
                    points: pts,
                    stroke: Stroke::Scatter,
                    band: Vec::new(),
                });
            }
            for (gi, (g, rows)) in groups.iter().enumerate() {
                let mut pts: Vec<(f64, f64, f64)> = rows
                    .iter()
                    .map(|&r| (xpos(&agg.rows[r]), mean[r], ci[r]))
                    .collect();
                pts.sort_by(|p, q| p.0.total_cmp(&q.0));
                lines.push(Line {
                    name: if single {
                        "mean, 95% confidence band".to_string()
                    } else {
                        g.clone()
                    },
                    color: style::color(gi),
                    points: pts.iter().map(|&(x, y, _)| (x, y)).collect(),
                    stroke: Stroke::Solid {
                        width: 2,
                        dots: true,
                    },
                    band: pts.iter().map(|&(x, y, c)| (x, y - c, y + c)).collect(),
                });
            }
            let (lo, hi) = (
                a.x.iter().copied().fold(f64::INFINITY, f64::min),
                a.x.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            );
            let pad = if a.categorical {
                0.5
            } else {
                ((hi - lo) * 0.04).max(1e-9)
            };
            let x_range = if hi > lo || a.categorical {
                (lo - pad, hi + pad)
            } else {
                (lo - 0.5 * lo.abs().max(1.0), hi + 0.5 * hi.abs().max(1.0))
            };
            let stem = format!("{}-vs-{}", slug(m), slug(&a.name));
            let mut caption = format!(
                "{m} against {}: the mean over each point's runs with its 95% confidence interval (shaded band, mean ± t·s/√n)",
                a.paths
            );
            if single && per_run.is_some() {
                caption.push_str("; grey dots: the individual runs (seeds)");
            }
            if !single {
                caption.push_str("; one line per value of the other parameters");
            }
            if hidden > 0 {
                caption.push_str(&format!(
                    "; {hidden} more combination(s) not drawn (see the table of points)"
                ));
            }
            caption.push('.');
            plots.push(Plot {
                stem,
                chart: Chart::Xy(XyChart {
                    title: format!("{m} vs {}", a.name),
                    x_label: a.label.clone(),
                    y_label: with_unit(m, unit),
                    x_range,
                    x_categories: a.categorical.then(|| a.keys.clone()),
                    x_integer: a.integer,
                    y_scale: scale,
                    y_range: None,
                    lines,
                    marks: Vec::new(),
                }),
                caption,
            });
        }
        if axes.len() == 2 {
            let (ax, ay) = (&axes[0], &axes[1]);
            let mut values = vec![vec![None; ax.keys.len()]; ay.keys.len()];
            for (r, row) in agg.rows.iter().enumerate() {
                let i = ax
                    .keys
                    .iter()
                    .position(|k| *k == key(row, &pcols, &ax.params));
                let j = ay
                    .keys
                    .iter()
                    .position(|k| *k == key(row, &pcols, &ay.params));
                if let (Some(i), Some(j)) = (i, j) {
                    values[j][i] = Some(mean[r]);
                }
            }
            plots.push(Plot {
                stem: format!("heatmap-{}", slug(m)),
                chart: Chart::Heat(Heatmap {
                    title: format!("{m}: mean by {} and {}", ax.name, ay.name),
                    x_label: ax.name.clone(),
                    y_label: ay.name.clone(),
                    x_categories: ax.keys.clone(),
                    y_categories: ay.keys.clone(),
                    values,
                    scale,
                    value_label: with_unit("mean", unit),
                }),
                caption: format!(
                    "Mean of {m} at each combination of {} (columns) and {} (rows); colour runs from the lowest mean (dark) to the highest (yellow).",
                    ax.paths, ay.paths
                ),
            });
        }
    }

    let page = page(
        &manifest, &agg, &params, &pcols, &selected, &constants, &all, &n_runs, &plots,
    )?;
    Ok(Built { plots, page })
}

#[allow(clippy::too_many_arguments)]
fn page(
    manifest: &Json,
    agg: &Table,
    params: &[String],
    pcols: &[usize],
    selected: &[String],
    constants: &[(String, f64)],
    all: &[String],
    n_runs: &[f64],
    plots: &[Plot],
) -> Result<Page, ReportError> {
    let text = |k: &str| manifest.get(k).map(Json::cell).unwrap_or_default();
    let scenario = text("scenario");
    let mut facts = vec![("scenario".to_string(), scenario.clone())];
    facts.push(("points".to_string(), agg.rows.len().to_string()));
    if manifest.get("seeds").is_some() {
        facts.push(("seeds per point".to_string(), text("seeds")));
    }
    facts.push((
        "runs".to_string(),
        style::short(n_runs.iter().sum::<f64>(), 12),
    ));
    facts.push(("kubesim".to_string(), text("kubesim_version")));

    let mut sweep_rows = Vec::new();
    for (k, v) in manifest.members() {
        sweep_rows.push(vec![k.clone(), v.cell()]);
    }
    let sweep_sec = Section {
        id: "sweep".to_string(),
        title: "Sweep".to_string(),
        blocks: vec![
            Block::Para(
                "From sweep.json: the scenario, the --set and --vary arguments, and the seeds. Run k of every point uses seed k, so points are compared on the same failures (common random numbers).".to_string(),
            ),
            Block::Table(html::Table {
                head: vec!["field".to_string(), "value".to_string()],
                numeric: vec![false, false],
                rows: sweep_rows,
            }),
        ],
    };

    let plots_sec = Section {
        id: "plots".to_string(),
        title: "Plots".to_string(),
        blocks: vec![Block::Para(format!(
            "Metrics shown: {}. Choose others with --metric (repeatable); aggregate.csv has {} metrics.",
            selected.join(", "),
            all.len()
        ))],
    };
    let mut plots_sec = plots_sec;
    if !constants.is_empty() {
        let list: Vec<String> = constants
            .iter()
            .map(|(m, v)| {
                let v = match metric_scale(m).0 {
                    Scale::Fraction => style::percent(*v),
                    _ => style::short(*v, 6),
                };
                format!("{m} = {v}")
            })
            .collect();
        plots_sec.blocks.push(Block::Para(format!(
            "The same in every run, so not plotted: {}.",
            list.join(", ")
        )));
    }
    plots_sec
        .blocks
        .push(Block::Plots((0..plots.len()).collect()));

    let mut head = vec!["point".to_string()];
    head.extend(params.iter().map(|p| short_name(p, params)));
    head.push("runs".to_string());
    let mut numeric = vec![true];
    numeric.extend(params.iter().map(|_| false));
    numeric.push(true);
    let mut cols = Vec::new();
    for m in selected {
        head.push(format!("{m} (mean ± 95% CI)"));
        numeric.push(true);
        let mean = agg.numbers(agg.require(&format!("{m}_mean"))?)?;
        let ci = agg.numbers(agg.require(&format!("{m}_ci95"))?)?;
        let diff = match (
            agg.index(&format!("{m}_diff_mean")),
            agg.index(&format!("{m}_diff_ci95")),
        ) {
            (Some(a), Some(b)) => {
                head.push(format!("{m} − baseline (paired)"));
                numeric.push(true);
                Some((agg.numbers(a)?, agg.numbers(b)?))
            }
            _ => None,
        };
        cols.push((m, mean, ci, diff));
    }
    let point_col = agg.index("point");
    let runs_col = agg.require("runs")?;
    let rows = agg
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let mut out = vec![point_col.map_or(r.to_string(), |i| row[i].clone())];
            out.extend(pcols.iter().map(|&i| row[i].clone()));
            out.push(row[runs_col].clone());
            for (m, mean, ci, diff) in &cols {
                out.push(show(m, mean[r], ci[r]));
                if let Some((dm, dc)) = diff {
                    let sign = if dm[r] > 0.0 { "+" } else { "" };
                    out.push(format!(
                        "{sign}{} ± {}",
                        style::short(dm[r], 4),
                        style::short(dc[r], 3)
                    ));
                }
            }
            out
        })
        .collect();
    let points_sec = Section {
        id: "points".to_string(),
        title: "Points".to_string(),
        blocks: vec![
            Block::Para(
                "One row per parameter point, from aggregate.csv: the mean of each metric over the point's runs ± the half-width of its 95% Student-t confidence interval.".to_string(),
            ),
            Block::Table(html::Table { head, rows, numeric }),
        ],
    };

    Ok(Page {
        title: format!("kubesim sweep: {scenario}"),
        facts,
        sections: vec![plots_sec, points_sec, sweep_sec],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipped_varies_split_outside_brackets() {
        assert_eq!(
            vary_paths("workloads.web.replicas=6,9 & workloads.web.slo.min_ready=4,6"),
            ["workloads.web.replicas", "workloads.web.slo.min_ready"]
        );
        assert_eq!(
            vary_paths("workloads.web.strategy={type: recreate},{type: a & b}"),
            ["workloads.web.strategy"]
        );
    }

    #[test]
    fn short_names_are_unambiguous() {
        let all = vec![
            "workloads.web.replicas".to_string(),
            "workloads.api.replicas".to_string(),
            "cluster.control_plane.default_toleration_seconds".to_string(),
        ];
        assert_eq!(short_name(&all[0], &all), "web.replicas");
        assert_eq!(short_name(&all[2], &all), "default_toleration_seconds");
    }

    #[test]
    fn parameter_values_become_numbers() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (k, x) = numeric(&v(&["30s", "1m", "5m"])).unwrap();
        assert!(matches!(k, ValueKind::Duration(TimeUnit::Minutes)));
        assert_eq!(x, [0.5, 1.0, 5.0]);
        assert!(matches!(
            numeric(&v(&["3", "5"])).unwrap().0,
            ValueKind::Number
        ));
        assert!(matches!(
            numeric(&v(&["10%", "20%"])).unwrap().0,
            ValueKind::Percent
        ));
        assert!(numeric(&v(&["{type: recreate}", "2"])).is_none());
    }

    #[test]
    fn intervals_read_as_percent() {
        assert_eq!(
            show("workloads.api.slo_attainment", 0.9994, 0.00012),
            "99.94% ± 0.01%"
        );
        assert_eq!(
            show("workloads.api.downtime_s", 374.17, 306.7),
            "374.17 ± 307"
        );
    }
}
