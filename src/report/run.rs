//! The report of one run: time series plots with the timeline marked, the
//! summary tables and the scenario.

use super::chart::{Chart, Line, Marks, Plot, Scale, Stroke, XyChart};
use super::data::{Json, Table};
use super::html::{self, Block, Page, Section};
use super::style::{self, GREY, TimeUnit};
use super::{Built, ReportError};
use plotters::style::RGBColor;
use std::collections::BTreeMap;
use std::path::Path;

/// Most points drawn per series; longer series keep each bucket's minimum
/// and maximum, so no spike is lost.
const MAX_POINTS: usize = 2400;
/// Most timeline rows listed in the HTML.
const MAX_TIMELINE_ROWS: usize = 300;

/// A kind of marked interval, in legend order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Category {
    NodeFailure,
    Outage,
    Partition,
    ControlPlane,
    Rollout,
    Upgrade,
    Spot,
}

impl Category {
    fn name(self) -> &'static str {
        match self {
            Category::NodeFailure => "node down",
            Category::Outage => "zone / domain outage",
            Category::Partition => "network partition",
            Category::ControlPlane => "control-plane outage",
            Category::Rollout => "rollout",
            Category::Upgrade => "node pool upgrade",
            Category::Spot => "spot reclaim",
        }
    }

    fn color(self) -> RGBColor {
        match self {
            Category::NodeFailure => RGBColor(0xe1, 0x57, 0x59),
            Category::Outage => RGBColor(0x8b, 0x1e, 0x1e),
            Category::Partition => RGBColor(0xb0, 0x7a, 0xa1),
            Category::ControlPlane => RGBColor(0x9c, 0x75, 0x5f),
            Category::Rollout => RGBColor(0xf2, 0x8e, 0x2b),
            Category::Upgrade => RGBColor(0x76, 0xb7, 0xb2),
            Category::Spot => RGBColor(0xc9, 0xa2, 0x27),
        }
    }
}

/// One marked interval (or instant, when `end == start`) of the timeline.
#[derive(Clone, Debug)]
struct Mark {
    category: Category,
    object: String,
    start: f64,
    end: f64,
    instant: bool,
}

/// `for 1h` / `2 nodes for 30m` in an event's detail, in seconds.
fn detail_duration(detail: &str) -> Option<f64> {
    let (_, d) = detail.rsplit_once("for ")?;
    crate::scenario::parse_duration(d.trim())
        .ok()
        .map(|d| d.as_secs_f64())
}

type Open = BTreeMap<(Category, String), f64>;

/// Ends the open interval of `(c, o)` at `t`, if there is one.
fn close(marks: &mut Vec<Mark>, open: &mut Open, c: Category, o: &str, t: f64) {
    if let Some(start) = open.remove(&(c, o.to_string())) {
        marks.push(Mark {
            category: c,
            object: o.to_string(),
            start,
            end: t,
            instant: false,
        });
    }
}

/// The marked intervals of events.csv, in start order.
fn timeline(ev: &Table, end: f64) -> Result<Vec<Mark>, ReportError> {
    let times = ev.numbers(ev.require("time_s")?)?;
    let kind = ev.require("kind")?;
    let object = ev.require("object")?;
    let detail = ev.require("detail")?;
    let mut marks = Vec::new();
    let mut open: Open = BTreeMap::new();
    for (row, &t) in ev.rows.iter().zip(&times) {
        let (k, o, d) = (
            row[kind].as_str(),
            row[object].as_str(),
            row[detail].as_str(),
        );
        let opens = |open: &mut Open, c: Category| {
            open.entry((c, o.to_string())).or_insert(t);
        };
        match k {
            "node_failed" => opens(&mut open, Category::NodeFailure),
            "node_repaired" | "node_removed" => {
                close(&mut marks, &mut open, Category::NodeFailure, o, t)
            }
            "zone_outage" | "domain_failed" => {
                let label = if k == "zone_outage" {
                    format!("zone {o}")
                } else {
                    o.to_string()
                };
                match detail_duration(d) {
                    Some(len) => marks.push(Mark {
                        category: Category::Outage,
                        object: label,
                        start: t,
                        end: (t + len).min(end),
                        instant: false,
                    }),
                    None => marks.push(Mark {
                        category: Category::Outage,
                        object: label,
                        start: t,
                        end: t,
                        instant: true,
                    }),
                }
            }
            "node_partitioned" => opens(&mut open, Category::Partition),
            "partition_healed" => close(&mut marks, &mut open, Category::Partition, o, t),
            "control_plane_outage" => opens(&mut open, Category::ControlPlane),
            "control_plane_restored" => close(&mut marks, &mut open, Category::ControlPlane, o, t),
            "rollout_started" => {
                // A new rollout supersedes the one in progress.
                close(&mut marks, &mut open, Category::Rollout, o, t);
                opens(&mut open, Category::Rollout);
            }
            "rollout_completed" => close(&mut marks, &mut open, Category::Rollout, o, t),
            "upgrade_started" => opens(&mut open, Category::Upgrade),
            "upgrade_completed" => close(&mut marks, &mut open, Category::Upgrade, o, t),
            "spot_reclaimed" => marks.push(Mark {
                category: Category::Spot,
                object: o.to_string(),
                start: t,
                end: t,
                instant: true,
            }),
            _ => {}
        }
    }
    for ((c, o), start) in open {
        marks.push(Mark {
            category: c,
            object: o,
            start,
            end: end.max(start),
            instant: false,
        });
    }
    marks.sort_by(|a, b| {
        a.start
            .total_cmp(&b.start)
            .then(a.category.cmp(&b.category))
            .then(a.object.cmp(&b.object))
    });
    Ok(marks)
}

/// Chart marks of `marks` (union of overlapping intervals per category),
/// rollouts only of `workload` when given.
fn chart_marks(marks: &[Mark], workload: Option<&str>, unit: TimeUnit) -> Vec<Marks> {
    // Per category: spans and instants.
    type SpansInstants = (Vec<(f64, f64)>, Vec<f64>);
    let mut by: BTreeMap<Category, SpansInstants> = BTreeMap::new();
    for m in marks {
        if let (Category::Rollout, Some(w)) = (m.category, workload)
            && m.object != w
        {
            continue;
        }
        let e = by.entry(m.category).or_default();
        if m.instant {
            e.1.push(m.start / unit.secs());
        } else {
            e.0.push((m.start / unit.secs(), m.end / unit.secs()));
        }
    }
    by.into_iter()
        .map(|(c, (mut spans, instants))| {
            spans.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut merged: Vec<(f64, f64)> = Vec::new();
            for (a, b) in spans {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            let name = match (c, workload) {
                (Category::Rollout, Some(w)) => format!("rollout of {w}"),
                _ => c.name().to_string(),
            };
            Marks {
                name,
                color: c.color(),
                spans: merged,
                instants,
            }
        })
        .collect()
}

/// At most `max` points: each bucket of consecutive points keeps its
/// minimum and maximum (in time order).
fn decimate(points: Vec<(f64, f64)>, max: usize) -> Vec<(f64, f64)> {
    if points.len() <= max || max < 4 {
        return points;
    }
    let per = points.len().div_ceil(max / 2);
    let mut out = Vec::with_capacity(max + 2);
    for chunk in points.chunks(per) {
        let lo = chunk
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let hi = chunk
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let (a, b) = (lo.min(hi), lo.max(hi));
        out.push(chunk[a]);
        if b != a {
            out.push(chunk[b]);
        }
    }
    out
}

/// How a column's samples fill the time between rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hold {
    /// A state at the sample instant, held until the next sample.
    Forward,
    /// An average over the interval since the previous row (traffic).
    Back,
    /// Unknown: straight lines between samples.
    Linear,
}

/// Step lines through the samples, as `hold` says.
fn steps(points: Vec<(f64, f64)>, hold: Hold) -> Vec<(f64, f64)> {
    if hold == Hold::Linear {
        return points;
    }
    let mut out = Vec::with_capacity(points.len() * 2);
    for (i, &(x, y)) in points.iter().enumerate() {
        if i > 0 {
            let prev = points[i - 1];
            match hold {
                Hold::Forward => out.push((x, prev.1)),
                _ => out.push((prev.0, y)),
            }
        }
        out.push((x, y));
    }
    simplify(out)
}

/// Drops repeated points and the middle of three points on one horizontal
/// or vertical line: the same picture with far fewer points (and no
/// zero-length segments, which thick-line drawing renders badly).
fn simplify(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(points.len());
    for p in points {
        if out.last() == Some(&p) {
            continue;
        }
        if let [.., a, b] = out[..] {
            let flat = a.1 == b.1 && b.1 == p.1 && a.0 <= b.0 && b.0 <= p.0;
            let upright = a.0 == b.0 && b.0 == p.0 && (a.1 - b.1) * (b.1 - p.1) >= 0.0;
            if flat || upright {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

struct Series<'a> {
    times: &'a [f64],
    unit: TimeUnit,
}

impl Series<'_> {
    fn points(&self, values: &[f64], hold: Hold) -> Vec<(f64, f64)> {
        let pts: Vec<(f64, f64)> = self
            .times
            .iter()
            .zip(values)
            .map(|(&t, &v)| (t / self.unit.secs(), v))
            .collect();
        steps(decimate(pts, MAX_POINTS), hold)
    }
}

fn line(name: impl Into<String>, color: RGBColor, points: Vec<(f64, f64)>, stroke: Stroke) -> Line {
    Line {
        name: name.into(),
        color,
        points,
        stroke,
        band: Vec::new(),
    }
}

const SOLID: Stroke = Stroke::Solid {
    width: 2,
    dots: false,
};

/// Workload names from the `<name>_desired/_ready/_serving` column triples,
/// in column order.
fn workload_columns(ts: &Table) -> Vec<String> {
    ts.headers
        .iter()
        .filter_map(|h| h.strip_suffix("_desired"))
        .filter(|w| {
            ts.index(&format!("{w}_ready")).is_some() && ts.index(&format!("{w}_serving")).is_some()
        })
        .map(String::from)
        .collect()
}

/// The workload a column belongs to (longest matching `<name>_` prefix)
/// and the rest of its name.
fn owner<'a>(col: &'a str, workloads: &[String]) -> Option<(usize, &'a str)> {
    workloads
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            col.strip_prefix(w.as_str())?
                .strip_prefix('_')
                .map(|r| (i, r))
        })
        .max_by_key(|(i, _)| workloads[*i].len())
}

/// What a per-workload traffic column measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Traffic {
    Rate,
    Success,
    Latency,
}

fn traffic_kind(rest: &str) -> Option<Traffic> {
    if rest.contains("latency") || (rest.starts_with('p') && rest.ends_with("_ms")) {
        Some(Traffic::Latency)
    } else if rest.ends_with("rps") || rest.contains("rate") && !rest.contains("ratio") {
        Some(Traffic::Rate)
    } else if rest.starts_with("success") || rest.contains("ratio") {
        Some(Traffic::Success)
    } else {
        None
    }
}

/// Legend text of a traffic column: `web offered`, `web`, `web p99`.
fn traffic_label(workload: &str, kind: Traffic, rest: &str) -> String {
    let what = match kind {
        Traffic::Rate => rest.trim_end_matches("_rps").trim_end_matches("_rate"),
        Traffic::Success => rest.trim_start_matches("success").trim_start_matches('_'),
        Traffic::Latency => rest
            .trim_start_matches("latency")
            .trim_start_matches('_')
            .trim_end_matches("_ms")
            .trim_end_matches("_s"),
    };
    let what = what.replace('_', " ");
    if what.is_empty() {
        workload.to_string()
    } else {
        format!("{workload} {what}")
    }
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

/// Builds the plots and page of the run directory `dir`.
pub fn build(dir: &Path) -> Result<Built, ReportError> {
    let summary = Json::read(&dir.join("summary.json"))?;
    if !matches!(summary, Json::Obj(_)) {
        return Err(ReportError::Input(format!(
            "{}: expected a JSON object (kubesim's summary.json)",
            dir.join("summary.json").display()
        )));
    }
    let ts = Table::read(&dir.join("timeseries.csv"))?;
    let ev = Table::read(&dir.join("events.csv"))?;
    let times = ts.numbers(ts.require("time_s")?)?;
    let last = times.last().copied().unwrap_or(0.0);
    let duration = summary
        .get("sim_duration_s")
        .and_then(Json::as_f64)
        .filter(|d| *d > 0.0)
        .unwrap_or(last)
        .max(last);
    let unit = TimeUnit::for_span(duration);
    let x_range = (0.0, duration.max(1.0) / unit.secs());
    let x_label = format!("simulated time ({})", unit.name());
    let marks = timeline(&ev, duration)?;
    let series = Series {
        times: &times,
        unit,
    };
    let workloads = workload_columns(&ts);
    let sampled = match times.get(1).zip(times.first()) {
        Some((b, a)) if b > a => format!(
            "Counts are sampled every {} (timeseries.csv): a dip shorter than that may not show, while the summary's figures are exact.",
            style::human_secs(b - a)
        ),
        _ => String::new(),
    };
    let col = |name: &str| -> Result<Option<Vec<f64>>, ReportError> {
        ts.index(name).map(|i| ts.numbers(i)).transpose()
    };
    let time_chart =
        |title: String, y_label: &str, y_scale, lines, workload: Option<&str>| XyChart {
            title,
            x_label: x_label.clone(),
            y_label: y_label.to_string(),
            x_range,
            x_categories: None,
            x_integer: false,
            y_scale,
            y_range: None,
            lines,
            marks: chart_marks(&marks, workload, unit),
        };

    let mut plots: Vec<Plot> = Vec::new();
    let mut claimed: Vec<bool> = ts.headers.iter().map(|h| h == "time_s").collect();
    let mut claim = |name: &str| {
        if let Some(i) = ts.index(name) {
            claimed[i] = true;
        }
    };

    // Pods per workload.
    for w in &workloads {
        let mut lines = Vec::new();
        for (suffix, name, color, stroke) in [
            (
                "ready",
                "ready endpoints (Kubernetes' view)",
                style::PALETTE[0],
                Stroke::Solid {
                    width: 4,
                    dots: false,
                },
            ),
            ("serving", "serving pods", style::PALETTE[2], SOLID),
            ("desired", "desired replicas", GREY, Stroke::Dashed),
        ] {
            let c = format!("{w}_{suffix}");
            claim(&c);
            if let Some(v) = col(&c)? {
                lines.push(line(name, color, series.points(&v, Hold::Forward), stroke));
            }
        }
        plots.push(Plot {
            stem: format!("pods-{}", slug(w)),
            chart: Chart::Xy(time_chart(
                format!("{w}: desired, ready and serving pods"),
                "pods",
                Scale::Count,
                lines,
                Some(w),
            )),
            caption: format!(
                "Pods of {w} over time: desired replicas (dashed), ready endpoints as Kubernetes lists them, and pods actually serving (ready on a running node); the gap between the last two is traffic sent to dead pods. Shaded: nodes down, outages, partitions, rollouts of {w} and upgrades. {sampled}"
            ),
        });
    }

    // Traffic columns belong to workloads; find them before the cluster
    // columns so `<w>_..._usage` is not taken for a cluster series.
    let mut traffic: BTreeMap<Traffic, Vec<(String, String)>> = BTreeMap::new();
    for h in &ts.headers {
        if let Some((wi, rest)) = owner(h, &workloads)
            && let Some(kind) = traffic_kind(rest)
        {
            traffic
                .entry(kind)
                .or_default()
                .push((h.clone(), traffic_label(&workloads[wi], kind, rest)));
        }
    }
    for cols in traffic.values() {
        for (c, _) in cols {
            claim(c);
        }
    }

    // Nodes and pending pods.
    let node_cols: Vec<String> = ts
        .headers
        .iter()
        .filter(|h| {
            owner(h, &workloads).is_none() && (h.as_str() == "pending_pods" || h.contains("nodes"))
        })
        .cloned()
        .collect();
    if !node_cols.is_empty() {
        let mut lines = Vec::new();
        for (i, c) in node_cols.iter().enumerate() {
            claim(c);
            let v = col(c)?.unwrap_or_default();
            lines.push(line(
                c.replace('_', " "),
                style::color(i),
                series.points(&v, Hold::Forward),
                SOLID,
            ));
        }
        plots.push(Plot {
            stem: "nodes".to_string(),
            chart: Chart::Xy(time_chart(
                "Ready nodes and pending pods".to_string(),
                "count",
                Scale::Count,
                lines,
                None,
            )),
            caption: "Nodes that are up and Ready, and pods not bound to any node (waiting for the scheduler or for room), over time.".to_string(),
        });
    }

    // CPU and memory.
    let res_cols: Vec<String> = ts
        .headers
        .iter()
        .filter(|h| {
            owner(h, &workloads).is_none() && (h.ends_with("_allocation") || h.ends_with("_usage"))
        })
        .cloned()
        .collect();
    if !res_cols.is_empty() {
        let mut lines = Vec::new();
        let mut top: f64 = 1.0;
        for (i, c) in res_cols.iter().enumerate() {
            claim(c);
            let v = col(c)?.unwrap_or_default();
            top = v
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .fold(top, f64::max);
            lines.push(line(
                c.replace('_', " "),
                style::color(i),
                series.points(&v, Hold::Forward),
                SOLID,
            ));
        }
        let mut chart = time_chart(
            "CPU and memory: allocation (requests) and usage".to_string(),
            "% of allocatable on ready nodes",
            Scale::Fraction,
            lines,
            None,
        );
        chart.y_range = Some((0.0, top * 1.05));
        plots.push(Plot {
            stem: "resources".to_string(),
            chart: Chart::Xy(chart),
            caption: "Requested (allocation) and used CPU and memory as a share of what the ready nodes can allocate. Usage stays at 0 without traffic.".to_string(),
        });
    }

    // Traffic.
    for (kind, cols) in &traffic {
        let (stem, title, y_label, scale, caption) = match kind {
            Traffic::Rate => (
                "requests",
                "Request rate",
                "requests per second",
                Scale::Number,
                "Requests offered per second to each workload, averaged over each sample interval.",
            ),
            Traffic::Success => (
                "success",
                "Request success ratio",
                "% of finished requests that succeeded",
                Scale::Fraction,
                "Share of the requests finished in each sample interval that succeeded.",
            ),
            Traffic::Latency => (
                "latency",
                "Request latency",
                if cols.iter().all(|(c, _)| c.ends_with("_ms")) {
                    "latency (ms)"
                } else {
                    "latency"
                },
                Scale::Number,
                "Latency percentiles of successful requests, per sample interval.",
            ),
        };
        let mut lines = Vec::new();
        for (i, (c, name)) in cols.iter().enumerate() {
            let v = col(c)?.unwrap_or_default();
            lines.push(line(
                name.clone(),
                style::color(i),
                series.points(&v, Hold::Back),
                SOLID,
            ));
        }
        plots.push(Plot {
            stem: stem.to_string(),
            chart: Chart::Xy(time_chart(title.to_string(), y_label, scale, lines, None)),
            caption: caption.to_string(),
        });
    }

    // Anything else, one chart per column, so no series goes unseen.
    let others: Vec<String> = ts
        .headers
        .iter()
        .zip(&claimed)
        .filter(|(_, c)| !**c)
        .map(|(h, _)| h.clone())
        .collect();
    for c in &others {
        let v = col(c)?.unwrap_or_default();
        plots.push(Plot {
            stem: format!("series-{}", slug(c)),
            chart: Chart::Xy(time_chart(
                c.clone(),
                c,
                Scale::Number,
                vec![line(
                    c.clone(),
                    style::color(0),
                    series.points(&v, Hold::Linear),
                    SOLID,
                )],
                None,
            )),
            caption: format!("The timeseries.csv column `{c}` over time."),
        });
    }

    let page = page(dir, &summary, &workloads, &marks, &plots, unit)?;
    Ok(Built { plots, page })
}

const HEADER_KEYS: [&str; 6] = [
    "kubesim_version",
    "scenario",
    "seed",
    "sim_duration_s",
    "events",
    "wall_time_s",
];

fn is_scalar(j: &Json) -> bool {
    !matches!(j, Json::Arr(_) | Json::Obj(_))
}

/// Tables for one top-level member of summary.json, chosen by its shape.
fn summary_blocks(key: &str, value: &Json, workload_order: &[String]) -> Vec<Block> {
    let mut out = vec![Block::Heading(key.to_string())];
    match value {
        Json::Obj(members)
            if !members.is_empty() && members.iter().all(|(_, v)| matches!(v, Json::Obj(_))) =>
        {
            // A matrix: one column per member (workloads), one row per field.
            let mut cols: Vec<&(String, Json)> = members.iter().collect();
            cols.sort_by_key(|(k, _)| {
                workload_order
                    .iter()
                    .position(|w| w == k)
                    .unwrap_or(usize::MAX)
            });
            let mut fields: Vec<String> = Vec::new();
            for (_, v) in &cols {
                for (f, _) in v.members() {
                    if !fields.contains(f) {
                        fields.push(f.clone());
                    }
                }
            }
            let mut t = html::Table {
                head: std::iter::once("metric".to_string())
                    .chain(cols.iter().map(|(k, _)| k.clone()))
                    .collect(),
                numeric: std::iter::once(false)
                    .chain(cols.iter().map(|_| true))
                    .collect(),
                rows: Vec::new(),
            };
            for f in &fields {
                let mut row = vec![f.clone()];
                row.extend(
                    cols.iter()
                        .map(|(_, v)| v.get(f).map_or(String::new(), Json::cell)),
                );
                t.rows.push(row);
            }
            out.push(Block::Table(t));
        }
        Json::Obj(members) => {
            let t = html::Table {
                head: vec!["metric".to_string(), "value".to_string()],
                numeric: vec![false, true],
                rows: members
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.cell()])
                    .collect(),
            };
            out.push(Block::Table(t));
        }
        Json::Arr(items) if items.is_empty() => out.push(Block::Para("none".to_string())),
        Json::Arr(items) if items.iter().all(|i| matches!(i, Json::Obj(_))) => {
            let mut fields: Vec<String> = Vec::new();
            for i in items {
                for (f, _) in i.members() {
                    if !fields.contains(f) {
                        fields.push(f.clone());
                    }
                }
            }
            let numeric = fields
                .iter()
                .map(|f| {
                    items
                        .iter()
                        .all(|i| i.get(f).is_none_or(|v| v.as_f64().is_some()))
                })
                .collect();
            let rows = items
                .iter()
                .map(|i| {
                    fields
                        .iter()
                        .map(|f| i.get(f).map_or(String::new(), Json::cell))
                        .collect()
                })
                .collect();
            out.push(Block::Table(html::Table {
                head: fields,
                rows,
                numeric,
            }));
        }
        Json::Arr(items) => {
            for i in items {
                out.push(Block::Para(i.cell()));
            }
        }
        scalar => out.push(Block::Para(scalar.cell())),
    }
    out
}

fn read_text(path: &Path) -> Result<Option<String>, ReportError> {
    match std::fs::read(path) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReportError::Input(format!("{}: {e}", path.display()))),
    }
}

fn page(
    dir: &Path,
    summary: &Json,
    workloads: &[String],
    marks: &[Mark],
    plots: &[Plot],
    unit: TimeUnit,
) -> Result<Page, ReportError> {
    let text = |k: &str| summary.get(k).map(Json::cell).unwrap_or_default();
    let name = text("scenario");
    let mut facts = vec![
        ("scenario".to_string(), name.clone()),
        ("seed".to_string(), text("seed")),
    ];
    if let Some(d) = summary.get("sim_duration_s").and_then(Json::as_f64) {
        facts.push(("simulated".to_string(), style::human_secs(d)));
    }
    facts.push(("engine events".to_string(), text("events")));
    facts.push(("kubesim".to_string(), text("kubesim_version")));

    let mut summary_sec = Section {
        id: "summary".to_string(),
        title: "Summary".to_string(),
        blocks: vec![Block::Para(
            "From summary.json. Availability and SLO figures are integrated exactly between events; serving counts pods that are ready on a running node.".to_string(),
        )],
    };
    let mut extra = Vec::new();
    let mut groups = Vec::new();
    // Workloads first: they answer the question most runs ask.
    let mut members: Vec<&(String, Json)> = summary.members().iter().collect();
    members.sort_by_key(|(k, _)| k != "workloads");
    for (k, v) in members {
        if HEADER_KEYS.contains(&k.as_str()) {
            continue;
        }
        if is_scalar(v) {
            extra.push(vec![k.clone(), v.cell()]);
        } else {
            groups.push(summary_blocks(k, v, workloads));
        }
    }
    summary_sec.blocks.push(Block::Group(groups));
    if !extra.is_empty() {
        summary_sec.blocks.push(Block::Heading("other".to_string()));
        summary_sec.blocks.push(Block::Table(html::Table {
            head: vec!["field".to_string(), "value".to_string()],
            numeric: vec![false, true],
            rows: extra,
        }));
    }

    let plots_sec = Section {
        id: "plots".to_string(),
        title: "Plots".to_string(),
        blocks: vec![Block::Plots((0..plots.len()).collect())],
    };

    let mut tl = Section {
        id: "timeline".to_string(),
        title: "Timeline".to_string(),
        blocks: Vec::new(),
    };
    // `run --event-log` may have left events out of events.csv.
    let not_logged = summary
        .get("events_not_logged")
        .and_then(Json::as_f64)
        .filter(|n| *n > 0.0);
    if let Some(n) = not_logged {
        tl.blocks.push(Block::Para(format!(
            "events.csv was limited with --event-log: {n:.0} events are not in it, so this timeline may miss some."
        )));
    }
    if marks.is_empty() && not_logged.is_none() {
        tl.blocks.push(Block::Para(
            "No failures, outages, partitions, rollouts or upgrades happened in this run."
                .to_string(),
        ));
    } else if !marks.is_empty() {
        tl.blocks.push(Block::Para(format!(
            "The intervals shaded in the plots, from events.csv ({} in all{}){}",
            marks.len(),
            if marks.len() > MAX_TIMELINE_ROWS {
                format!(", the first {MAX_TIMELINE_ROWS} listed")
            } else {
                String::new()
            },
            if not_logged.is_some() {
                "."
            } else {
                "; events.csv has every event."
            }
        )));
        let rows = marks
            .iter()
            .take(MAX_TIMELINE_ROWS)
            .map(|m| {
                vec![
                    m.category.name().to_string(),
                    m.object.clone(),
                    style::short(m.start / unit.secs(), 6),
                    if m.instant {
                        "—".to_string()
                    } else {
                        style::human_secs(m.end - m.start)
                    },
                ]
            })
            .collect();
        tl.blocks.push(Block::Table(html::Table {
            head: vec![
                "what".to_string(),
                "object".to_string(),
                format!("start ({})", unit.name()),
                "lasted".to_string(),
            ],
            rows,
            numeric: vec![false, false, true, true],
        }));
    }

    let mut sc = Section {
        id: "scenario".to_string(),
        title: "Scenario".to_string(),
        blocks: Vec::new(),
    };
    let given = read_text(&dir.join("scenario.yaml"))?;
    let resolved = read_text(&dir.join("scenario.resolved.txt"))?;
    if given.is_none() && resolved.is_none() {
        sc.blocks.push(Block::Para(
            "This run directory holds no scenario.yaml: it was written before `kubesim run --out` saved the scenario.".to_string(),
        ));
    }
    if let Some(r) = resolved {
        sc.blocks.push(Block::Pre {
            title: "Resolved: what kubesim ran, with defaults filled in and --set applied (scenario.resolved.txt)".to_string(),
            text: r,
            open: true,
        });
    }
    if let Some(g) = given {
        sc.blocks.push(Block::Pre {
            title: "As given (scenario.yaml)".to_string(),
            text: g,
            open: true,
        });
    }

    Ok(Page {
        title: format!("kubesim run: {name}"),
        facts,
        sections: vec![summary_sec, plots_sec, tl, sc],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_extremes() {
        let pts: Vec<(f64, f64)> = (0..10_000)
            .map(|i| (i as f64, if i == 5_001 { -7.0 } else { (i % 3) as f64 }))
            .collect();
        let d = decimate(pts, 100);
        assert!(d.len() <= 102);
        assert!(d.iter().any(|p| p.1 == -7.0));
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn steps_hold_values_and_drop_redundant_points() {
        let pts = vec![(0.0, 1.0), (1.0, 1.0), (2.0, 3.0), (3.0, 3.0)];
        assert_eq!(
            steps(pts.clone(), Hold::Forward),
            [(0.0, 1.0), (2.0, 1.0), (2.0, 3.0), (3.0, 3.0)]
        );
        assert_eq!(
            steps(pts, Hold::Back),
            [(0.0, 1.0), (1.0, 1.0), (1.0, 3.0), (3.0, 3.0)]
        );
    }

    #[test]
    fn timeline_pairs_starts_and_ends() {
        let csv = "time_s,kind,object,detail\n\
            10.000,node_failed,n-0,failure process\n\
            20.000,zone_outage,a,2 nodes for 1h\n\
            30.000,node_repaired,n-0,failure process\n\
            40.000,rollout_started,web,revision 2\n\
            50.000,rollout_started,web,revision 3\n\
            60.000,rollout_completed,web,revision 3 in 10s\n\
            70.000,control_plane_outage,,for 15m\n";
        let t = Table::parse("events.csv", csv.as_bytes()).unwrap();
        let m = timeline(&t, 1000.0).unwrap();
        let got: Vec<(Category, f64, f64)> =
            m.iter().map(|m| (m.category, m.start, m.end)).collect();
        assert_eq!(
            got,
            vec![
                (Category::NodeFailure, 10.0, 30.0),
                (Category::Outage, 20.0, 1000.0),
                (Category::Rollout, 40.0, 50.0),
                (Category::Rollout, 50.0, 60.0),
                (Category::ControlPlane, 70.0, 1000.0),
            ]
        );
    }

    #[test]
    fn columns_belong_to_the_longest_workload_name() {
        let w = vec!["web".to_string(), "web-api".to_string()];
        assert_eq!(owner("web-api_offered_rps", &w), Some((1, "offered_rps")));
        assert_eq!(owner("web_success", &w), Some((0, "success")));
        assert_eq!(owner("ready_nodes", &w), None);
        assert_eq!(traffic_kind("offered_rps"), Some(Traffic::Rate));
        assert_eq!(traffic_kind("success"), Some(Traffic::Success));
        assert_eq!(traffic_kind("latency_p99_ms"), Some(Traffic::Latency));
        assert_eq!(traffic_kind("desired"), None);
    }
}
