//! Chart descriptions (what to draw) and their rendering with plotters to
//! SVG or PNG. Every chart has a title, axis labels with units and a legend
//! drawn in its own strip below the plot, laid out in rows so that entries
//! never overlap the data or each other.

use super::ReportError;
use super::style::{self, FONT};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Width of every chart, pixels.
pub const WIDTH: u32 = 960;
/// Height of the plot part of an x-y chart (the legend strip comes below).
const PLOT_HEIGHT: u32 = 400;
const LEGEND_FONT: u32 = 14;
const LEGEND_ROW: u32 = 22;
const LEGEND_LEFT: i32 = 84;
const SWATCH: i32 = 26;
const MAX_LEGEND_LABEL: usize = 60;

/// File format of the plot files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PlotFormat {
    /// Scalable vector graphics (text drawn by the viewer's sans-serif font).
    #[default]
    Svg,
    /// Portable network graphics (text drawn with the embedded DejaVu Sans).
    Png,
}

impl PlotFormat {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            PlotFormat::Svg => "svg",
            PlotFormat::Png => "png",
        }
    }
}

/// How values on an axis are labelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Whole numbers (pods, nodes); the axis starts at 0.
    Count,
    /// A fraction in [0, 1], labelled in percent.
    Fraction,
    /// Any number.
    Number,
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stroke {
    /// A solid line of the given width, with a dot on each point if `dots`.
    Solid {
        /// Width in pixels.
        width: u32,
        /// Mark every point.
        dots: bool,
    },
    /// A dashed line.
    Dashed,
    /// Small translucent points, no line (individual runs).
    Scatter,
}

/// One series of an x-y chart.
#[derive(Clone, Debug)]
pub struct Line {
    /// Legend text.
    pub name: String,
    /// Colour.
    pub color: RGBColor,
    /// Points in x order.
    pub points: Vec<(f64, f64)>,
    /// How to draw it.
    pub stroke: Stroke,
    /// A confidence band `(x, low, high)` drawn under the line, if any.
    pub band: Vec<(f64, f64, f64)>,
}

/// Intervals and instants marked on the x axis (failures, rollouts, ...).
#[derive(Clone, Debug)]
pub struct Marks {
    /// Legend text.
    pub name: String,
    /// Colour.
    pub color: RGBColor,
    /// Shaded intervals `(start, end)`.
    pub spans: Vec<(f64, f64)>,
    /// Vertical lines.
    pub instants: Vec<f64>,
}

/// A chart with numeric x and y axes.
#[derive(Clone, Debug)]
pub struct XyChart {
    /// Title above the plot.
    pub title: String,
    /// X axis description, with its unit.
    pub x_label: String,
    /// Y axis description, with its unit.
    pub y_label: String,
    /// Shown x range.
    pub x_range: (f64, f64),
    /// Labels of x = 0, 1, 2, ... for a categorical axis.
    pub x_categories: Option<Vec<String>>,
    /// Put x ticks on whole numbers only (integer parameters).
    pub x_integer: bool,
    /// Y labelling.
    pub y_scale: Scale,
    /// Fixed y range (default: fitted to the data).
    pub y_range: Option<(f64, f64)>,
    /// Series, drawn in order (later on top).
    pub lines: Vec<Line>,
    /// Marks, drawn under the series.
    pub marks: Vec<Marks>,
}

/// A grid of coloured cells: one value per (x, y) category pair.
#[derive(Clone, Debug)]
pub struct Heatmap {
    /// Title above the plot.
    pub title: String,
    /// X axis description.
    pub x_label: String,
    /// Y axis description.
    pub y_label: String,
    /// Column labels.
    pub x_categories: Vec<String>,
    /// Row labels (bottom to top).
    pub y_categories: Vec<String>,
    /// `values[y][x]`; `None` for a missing point.
    pub values: Vec<Vec<Option<f64>>>,
    /// How values are written.
    pub scale: Scale,
    /// What the colour means, with its unit (the colour bar's label).
    pub value_label: String,
}

/// A chart.
#[derive(Clone, Debug)]
pub enum Chart {
    /// Lines over numeric axes.
    Xy(XyChart),
    /// A heatmap.
    Heat(Heatmap),
}

/// A chart with its file stem and the caption shown under it in the HTML.
#[derive(Clone, Debug)]
pub struct Plot {
    /// File name without extension (also the HTML anchor).
    pub stem: String,
    /// The chart.
    pub chart: Chart,
    /// One sentence on how to read it.
    pub caption: String,
}

impl Plot {
    /// The chart as an SVG document.
    pub fn svg(&self) -> Result<String, ReportError> {
        style::ensure_fonts();
        let size = self.chart.size();
        let mut s = String::new();
        {
            let root = SVGBackend::with_string(&mut s, size).into_drawing_area();
            self.chart
                .draw(&root, false)
                .and_then(|()| root.present().map_err(err))
                .map_err(|message| self.draw_error(message))?;
        }
        Ok(s)
    }

    /// Writes the chart as `dir/name` in PNG, through a temporary file and
    /// a rename.
    pub fn png(&self, dir: &Path, name: &str) -> Result<(), ReportError> {
        style::ensure_fonts();
        let size = self.chart.size();
        // The bitmap backend picks the encoder from the extension.
        let tmp = dir.join(format!(".{name}.{}.tmp.png", std::process::id()));
        let drawn = {
            let root = BitMapBackend::new(&tmp, size).into_drawing_area();
            self.chart
                .draw(&root, true)
                .and_then(|()| root.present().map_err(err))
        };
        if let Err(message) = drawn {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.draw_error(message));
        }
        std::fs::rename(&tmp, dir.join(name)).map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            ReportError::Output(crate::output::OutputError::Io {
                path: dir.join(name),
                source,
            })
        })
    }

    fn draw_error(&self, message: String) -> ReportError {
        ReportError::Draw {
            plot: self.stem.clone(),
            message,
        }
    }
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

type Area<'a, DB> = DrawingArea<DB, Shift>;

impl Chart {
    /// Pixel size.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Xy(c) => {
                let rows = legend_layout(&c.legend()).len() as u32;
                (WIDTH, PLOT_HEIGHT + legend_height(rows))
            }
            Chart::Heat(h) => {
                let rows = h.y_categories.len().max(1) as u32;
                (WIDTH, (150 + 40 * rows).clamp(340, 760))
            }
        }
    }

    /// Draws the chart. `bitmap`: thick lines are drawn segment by segment
    /// with round joins, because the bitmap backend's thick polylines break
    /// up at narrow spikes.
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, bitmap: bool) -> Result<(), String> {
        root.fill(&WHITE).map_err(err)?;
        match self {
            Chart::Xy(c) => c.draw(root, bitmap),
            Chart::Heat(h) => h.draw(root),
        }
    }
}

/// One legend entry's sample.
#[derive(Clone, Copy, Debug)]
enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Dot(RGBColor),
    Area(RGBColor),
    Band(RGBColor),
    Tick(RGBColor),
}

fn legend_height(rows: u32) -> u32 {
    if rows == 0 { 8 } else { rows * LEGEND_ROW + 14 }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn text_width(s: &str, size: u32) -> i32 {
    style::ensure_fonts();
    (FONT, size)
        .into_font()
        .box_size(s)
        .map(|(w, _)| w as i32)
        // Without font metrics, assume an average glyph of 0.6 em.
        .unwrap_or_else(|_| (s.chars().count() as f64 * 0.6 * f64::from(size)) as i32)
}

/// Positions `(row, x)` of each legend entry, wrapping at the chart width.
fn legend_layout(entries: &[(String, Swatch)]) -> Vec<Vec<(i32, usize)>> {
    let mut rows: Vec<Vec<(i32, usize)>> = Vec::new();
    let right = WIDTH as i32 - 20;
    let mut x = LEGEND_LEFT;
    for (i, (label, _)) in entries.iter().enumerate() {
        let w = SWATCH + 6 + text_width(label, LEGEND_FONT) + 22;
        if rows.is_empty() || (x + w > right && x > LEGEND_LEFT) {
            rows.push(Vec::new());
            x = LEGEND_LEFT;
        }
        rows.last_mut().expect("a row was pushed").push((x, i));
        x += w;
    }
    rows
}

fn draw_legend<DB: DrawingBackend>(
    area: &Area<DB>,
    entries: &[(String, Swatch)],
) -> Result<(), String> {
    let font = (FONT, LEGEND_FONT)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (r, row) in legend_layout(entries).iter().enumerate() {
        let y = 6 + r as i32 * LEGEND_ROW as i32 + LEGEND_ROW as i32 / 2;
        for &(x, i) in row {
            let (label, swatch) = &entries[i];
            let (a, b) = (x, x + SWATCH);
            match *swatch {
                Swatch::Line(c, w) => area
                    .draw(&PathElement::new(
                        vec![(a, y), (b, y)],
                        c.stroke_width(w.max(2)),
                    ))
                    .map_err(err)?,
                Swatch::Dashed(c) => {
                    for k in 0..3 {
                        let s = a + k * 10;
                        area.draw(&PathElement::new(
                            vec![(s, y), (s + 6, y)],
                            c.stroke_width(2),
                        ))
                        .map_err(err)?;
                    }
                }
                Swatch::Dot(c) => area
                    .draw(&Circle::new((a + SWATCH / 2, y), 3, c.mix(0.6).filled()))
                    .map_err(err)?,
                Swatch::Area(c) => area
                    .draw(&Rectangle::new(
                        [(a, y - 7), (b, y + 7)],
                        c.mix(0.3).filled(),
                    ))
                    .map_err(err)?,
                Swatch::Tick(c) => {
                    for k in [6, 13, 20] {
                        area.draw(&PathElement::new(
                            vec![(a + k, y - 7), (a + k, y + 7)],
                            c.stroke_width(2),
                        ))
                        .map_err(err)?;
                    }
                }
                Swatch::Band(c) => {
                    area.draw(&Rectangle::new(
                        [(a, y - 6), (b, y + 6)],
                        c.mix(0.2).filled(),
                    ))
                    .map_err(err)?;
                    area.draw(&PathElement::new(vec![(a, y), (b, y)], c.stroke_width(2)))
                        .map_err(err)?;
                }
            }
            area.draw(&Text::new(label.clone(), (b + 6, y), font.clone()))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Formats tick values `step` apart on a `scale` axis.
fn tick_text(v: f64, scale: Scale, step: f64) -> String {
    match scale {
        Scale::Count => {
            if (v - v.round()).abs() < 1e-9 {
                format!("{}", v.round() as i64)
            } else {
                style::fixed(v, style::decimals_for(step))
            }
        }
        Scale::Fraction => {
            let d = style::decimals_for(step * 100.0);
            format!("{}%", style::fixed(v * 100.0, d))
        }
        Scale::Number => {
            if v.abs() >= 1e6 {
                format!("{v:.1e}")
            } else {
                style::fixed(v, style::decimals_for(step))
            }
        }
    }
}

/// The tick values plotters draws for at most `n` labels over `a..b`.
fn key_points(a: f64, b: f64, n: usize) -> Vec<f64> {
    use plotters::coord::ranged1d::Ranged;
    plotters::coord::types::RangedCoordf64::from(a..b).key_points(n)
}

/// The distance between ticks (the whole range when there is one tick).
fn step_of(points: &[f64], a: f64, b: f64) -> f64 {
    match points {
        [p, q, ..] => q - p,
        _ => (b - a).abs(),
    }
}

/// The most labels (up to `max`) for which every tick is a whole number.
fn integer_ticks(a: f64, b: f64, max: usize) -> usize {
    (2..=max)
        .rev()
        .find(|&n| {
            key_points(a, b, n)
                .iter()
                .all(|v| (v - v.round()).abs() < 1e-9)
        })
        .unwrap_or(2)
}

fn y_range_of(c: &XyChart) -> (f64, f64) {
    if let Some(r) = c.y_range {
        return r;
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for l in &c.lines {
        for &(_, y) in &l.points {
            if y.is_finite() {
                lo = lo.min(y);
                hi = hi.max(y);
            }
        }
        for &(_, a, b) in &l.band {
            if a.is_finite() && b.is_finite() {
                // A fraction's interval is cut at 0 and 1.
                let (a, b) = if c.y_scale == Scale::Fraction {
                    (a.max(0.0), b.min(1.0))
                } else {
                    (a, b)
                };
                lo = lo.min(a);
                hi = hi.max(b);
            }
        }
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    match c.y_scale {
        Scale::Count => (0.0, (hi * 1.12).max(hi + 1.0).max(1.0)),
        Scale::Fraction => {
            let pad = ((hi - lo) * 0.1).max(1e-4);
            let a = if lo >= 0.0 && (lo - pad < 0.0 || lo <= 0.25 * hi) {
                0.0
            } else {
                lo - pad
            };
            let b = if hi <= 1.0 && hi + pad > 1.0 {
                1.0 + pad.min(0.02)
            } else {
                hi + pad
            };
            (a, b)
        }
        Scale::Number => {
            let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.05).max(1e-9);
            let a = if lo >= 0.0 && lo <= 0.3 * hi {
                0.0
            } else {
                lo - pad
            };
            (a, hi + pad)
        }
    }
}

impl XyChart {
    fn legend(&self) -> Vec<(String, Swatch)> {
        let mut out = Vec::new();
        for l in &self.lines {
            let sw = match l.stroke {
                _ if !l.band.is_empty() => Swatch::Band(l.color),
                Stroke::Solid { width, .. } => Swatch::Line(l.color, width),
                Stroke::Dashed => Swatch::Dashed(l.color),
                Stroke::Scatter => Swatch::Dot(l.color),
            };
            out.push((truncate(&l.name, MAX_LEGEND_LABEL), sw));
        }
        for m in &self.marks {
            if !m.spans.is_empty() || !m.instants.is_empty() {
                let sw = if m.spans.is_empty() {
                    Swatch::Tick(m.color)
                } else {
                    Swatch::Area(m.color)
                };
                out.push((truncate(&m.name, MAX_LEGEND_LABEL), sw));
            }
        }
        out
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, bitmap: bool) -> Result<(), String> {
        let (plot, legend) = root.split_vertically(PLOT_HEIGHT);
        let (x0, x1) = if self.x_range.1 > self.x_range.0 {
            self.x_range
        } else {
            (self.x_range.0 - 0.5, self.x_range.0 + 0.5)
        };
        let (y0, y1) = y_range_of(self);

        let n_x = match &self.x_categories {
            Some(c) => c.len() + 1,
            None if self.x_integer => integer_ticks(x0, x1, 10),
            None => 10,
        };
        let n_y = match self.y_scale {
            Scale::Count => integer_ticks(y0, y1, 9),
            _ => 8,
        };
        let x_step = step_of(&key_points(x0, x1, n_x), x0, x1);
        let y_ticks = key_points(y0, y1, n_y);
        let y_step = step_of(&y_ticks, y0, y1);
        // Room for the widest y tick label and the axis description.
        let y_area = y_ticks
            .iter()
            .map(|v| text_width(&tick_text(*v, self.y_scale, y_step), 13))
            .max()
            .unwrap_or(20)
            + 40;
        let cats = self.x_categories.clone();
        let x_fmt = move |v: &f64| match &cats {
            Some(c) => {
                let i = v.round();
                if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < c.len() {
                    truncate(&c[i as usize], 18)
                } else {
                    String::new()
                }
            }
            None => tick_text(*v, Scale::Number, x_step),
        };
        let y_scale = self.y_scale;
        let y_fmt = move |v: &f64| tick_text(*v, y_scale, y_step);
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                truncate(&self.title, 90),
                (FONT, 20).into_font().style(FontStyle::Bold),
            )
            .margin(10)
            .margin_right(28)
            .x_label_area_size(46)
            .y_label_area_size(y_area.clamp(50, 160) as u32)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_labels(n_x)
            .y_labels(n_y)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .light_line_style(TRANSPARENT)
            .draw()
            .map_err(err)?;

        // Marks first, so the series stay readable on top. A span narrower
        // than 0.3% of the axis is widened to it, so short outages show.
        let min_w = (x1 - x0) * 0.003;
        for m in &self.marks {
            let fill = m.color.mix(0.22).filled();
            chart
                .draw_series(m.spans.iter().filter_map(|&(a, b)| {
                    let a = a.max(x0);
                    let b = b.min(x1).max(a + min_w).min(x1);
                    (b > a).then(|| Rectangle::new([(a, y0), (b, y1)], fill))
                }))
                .map_err(err)?;
            // Instants (possibly hundreds) as a rug of ticks along the top.
            let rug = (y1 - y0) * 0.06;
            chart
                .draw_series(
                    m.instants
                        .iter()
                        .filter(|t| (x0..=x1).contains(*t))
                        .map(|&t| {
                            PathElement::new(vec![(t, y1 - rug), (t, y1)], m.color.stroke_width(2))
                        }),
                )
                .map_err(err)?;
        }
        // Bands stay inside the plot (a fraction's interval may reach past 1).
        let clip = |v: f64| v.clamp(y0, y1);
        for l in &self.lines {
            if l.band.len() >= 2 {
                let mut poly: Vec<(f64, f64)> =
                    l.band.iter().map(|&(x, lo, _)| (x, clip(lo))).collect();
                poly.extend(l.band.iter().rev().map(|&(x, _, hi)| (x, clip(hi))));
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        poly,
                        l.color.mix(0.18).filled(),
                    )))
                    .map_err(err)?;
            } else if l.band.len() == 1 {
                let (x, lo, hi) = l.band[0];
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x, clip(lo)), (x, clip(hi))],
                        l.color.mix(0.5).stroke_width(6),
                    )))
                    .map_err(err)?;
            }
        }
        for l in &self.lines {
            let pts = l.points.iter().copied().filter(|p| p.1.is_finite());
            match l.stroke {
                Stroke::Solid { width, dots } if bitmap && width > 1 => {
                    let p: Vec<(f64, f64)> = pts.clone().collect();
                    let style = l.color.stroke_width(width);
                    chart
                        .draw_series(
                            p.windows(2)
                                .map(|w| PathElement::new(vec![w[0], w[1]], style)),
                        )
                        .map_err(err)?;
                    let r = (width / 2).max(1);
                    chart
                        .draw_series(p.iter().map(|&q| Circle::new(q, r, l.color.filled())))
                        .map_err(err)?;
                    if dots {
                        chart
                            .draw_series(p.iter().map(|&q| Circle::new(q, 4, l.color.filled())))
                            .map_err(err)?;
                    }
                }
                Stroke::Solid { width, dots } => {
                    chart
                        .draw_series(LineSeries::new(pts.clone(), l.color.stroke_width(width)))
                        .map_err(err)?;
                    if dots {
                        chart
                            .draw_series(pts.map(|p| Circle::new(p, 4, l.color.filled())))
                            .map_err(err)?;
                    }
                }
                Stroke::Dashed => {
                    chart
                        .draw_series(DashedLineSeries::new(pts, 7, 5, l.color.stroke_width(2)))
                        .map_err(err)?;
                }
                Stroke::Scatter => {
                    chart
                        .draw_series(pts.map(|p| Circle::new(p, 2, l.color.mix(0.45).filled())))
                        .map_err(err)?;
                }
            }
        }
        draw_legend(&legend, &self.legend())
    }
}

/// Viridis, sampled at five stops and interpolated linearly.
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl Heatmap {
    /// `v` with the decimals that tell apart values 1/20 of `span` apart.
    fn value_text(&self, v: f64, span: f64) -> String {
        match self.scale {
            Scale::Fraction if span > 0.0 => {
                format!(
                    "{}%",
                    style::fixed(100.0 * v, style::decimals_for(100.0 * span / 20.0))
                )
            }
            Scale::Fraction => style::percent(v),
            _ if span > 0.0 => style::fixed(v, style::decimals_for(span / 20.0)),
            _ => style::short(v, 4),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>) -> Result<(), String> {
        let (w, _) = root.dim_in_pixel();
        let (plot, bar) = root.split_horizontally(w - 150);
        let nx = self.x_categories.len().max(1);
        let ny = self.y_categories.len().max(1);
        let vals: Vec<f64> = self
            .values
            .iter()
            .flatten()
            .flatten()
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let t = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };

        let mut chart = ChartBuilder::on(&plot)
            .caption(
                truncate(&self.title, 80),
                (FONT, 20).into_font().style(FontStyle::Bold),
            )
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(120)
            .build_cartesian_2d(-0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)
            .map_err(err)?;
        let label = |cats: &[String], v: f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < cats.len() {
                truncate(&cats[i as usize], 16)
            } else {
                String::new()
            }
        };
        let xc = self.x_categories.clone();
        let yc = self.y_categories.clone();
        let x_fmt = move |v: &f64| label(&xc, *v);
        let y_fmt = move |v: &f64| label(&yc, *v);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_labels(nx + 1)
            .y_labels(ny + 1)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(err)?;
        let mut cells = Vec::new();
        let mut texts = Vec::new();
        for (j, row) in self.values.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let (x, y) = (i as f64, j as f64);
                let rect = [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)];
                match v {
                    Some(v) if v.is_finite() => {
                        let c = viridis(t(*v));
                        cells.push(Rectangle::new(rect, c.filled()));
                        let light = 0.299 * f64::from(c.0)
                            + 0.587 * f64::from(c.1)
                            + 0.114 * f64::from(c.2)
                            > 140.0;
                        texts.push((self.value_text(*v, hi - lo), (x, y), light));
                    }
                    _ => {
                        cells.push(Rectangle::new(rect, RGBColor(0xee, 0xee, 0xee).filled()));
                        texts.push(("no data".to_string(), (x, y), true));
                    }
                }
                cells.push(Rectangle::new(rect, WHITE.stroke_width(1)));
            }
        }
        chart.draw_series(cells).map_err(err)?;
        // Cell values, when there is room for them.
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        let cell_w = pw as f64 / nx as f64;
        let cell_h = ph as f64 / ny as f64;
        let size = 13;
        let fits = texts
            .iter()
            .all(|(s, _, _)| f64::from(text_width(s, size)) + 6.0 < cell_w)
            && cell_h >= 18.0;
        if fits {
            for (s, p, light) in texts {
                let color = if light { BLACK } else { WHITE };
                let st = (FONT, size)
                    .into_font()
                    .color(&color)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart
                    .draw_series(std::iter::once(Text::new(s, p, st)))
                    .map_err(err)?;
            }
        }

        // Colour bar.
        let (_, bh) = bar.dim_in_pixel();
        let top = 50;
        let bottom = bh as i32 - 60;
        let steps = 64;
        for k in 0..steps {
            let y_a = bottom - (bottom - top) * k / steps;
            let y_b = bottom - (bottom - top) * (k + 1) / steps;
            let c = viridis((f64::from(k) + 0.5) / f64::from(steps));
            bar.draw(&Rectangle::new([(10, y_b), (30, y_a)], c.filled()))
                .map_err(err)?;
        }
        bar.draw(&Rectangle::new(
            [(10, top), (30, bottom)],
            BLACK.stroke_width(1),
        ))
        .map_err(err)?;
        let st = (FONT, 12)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let ticks: Vec<(f64, i32)> = if hi > lo {
            vec![
                (lo, bottom),
                ((lo + hi) / 2.0, (top + bottom) / 2),
                (hi, top),
            ]
        } else {
            vec![(lo, (top + bottom) / 2)]
        };
        for (v, y) in ticks {
            bar.draw(&PathElement::new(
                vec![(30, y), (35, y)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
            bar.draw(&Text::new(self.value_text(v, hi - lo), (38, y), st.clone()))
                .map_err(err)?;
        }
        let lab = (FONT, 13)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Top));
        bar.draw(&Text::new(
            truncate(&self.value_label, 20),
            (4, bottom + 14),
            lab,
        ))
        .map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_axes_get_whole_ticks() {
        let n = integer_ticks(2.9, 5.1, 10);
        let kp = key_points(2.9, 5.1, n);
        assert_eq!(kp, [3.0, 4.0, 5.0]);
        assert_eq!(step_of(&key_points(0.0, 100.0, 10), 0.0, 100.0), 20.0);
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
    }

    #[test]
    fn legend_rows_wrap() {
        let entries: Vec<(String, Swatch)> = (0..30)
            .map(|i| (format!("series number {i}"), Swatch::Dot(BLACK)))
            .collect();
        let rows = legend_layout(&entries);
        assert!(rows.len() > 1);
        for row in &rows {
            let last = row.last().unwrap();
            let w = SWATCH + 6 + text_width(&entries[last.1].0, LEGEND_FONT);
            assert!(last.0 + w <= WIDTH as i32 - 20);
        }
    }
}
