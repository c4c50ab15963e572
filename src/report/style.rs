//! Look and units of the plots: the embedded font, colours, time units and
//! number formats.

use plotters::style::{FontStyle, RGBColor, register_font};
use std::sync::Once;

/// Font family name used by every text element.
pub const FONT: &str = "sans-serif";

/// Registers DejaVu Sans (embedded in the binary) as `sans-serif`, so PNG
/// text renders the same on a machine without any system font. SVG text
/// names the family and leaves the drawing to the viewer.
pub fn ensure_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded fonts are valid TrueType files; a failure here would
        // be a broken build of the `dejavu` crate.
        let ok = register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok();
        assert!(ok, "the embedded DejaVu Sans font failed to load");
    });
}

/// Series colours (Tableau 10, distinguishable in print and by most
/// colour-blind readers), in order of use.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7), // blue
    RGBColor(0xf2, 0x8e, 0x2b), // orange
    RGBColor(0x59, 0xa1, 0x4f), // green
    RGBColor(0xe1, 0x57, 0x59), // red
    RGBColor(0xb0, 0x7a, 0xa1), // purple
    RGBColor(0x76, 0xb7, 0xb2), // teal
    RGBColor(0x9c, 0x75, 0x5f), // brown
    RGBColor(0xff, 0x9d, 0xa7), // pink
    RGBColor(0xed, 0xc9, 0x48), // yellow
    RGBColor(0xba, 0xb0, 0xac), // grey
];

/// The `i`-th series colour (cycling).
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Dark grey for reference lines (desired replicas).
pub const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// The unit of a time axis, chosen from the range shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    /// Seconds.
    Seconds,
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days.
    Days,
}

impl TimeUnit {
    /// The unit that keeps a span of `secs` between about 3 and 100 units
    /// (minutes up to 3 h, hours up to 3 days, then days).
    pub fn for_span(secs: f64) -> TimeUnit {
        if secs <= 180.0 {
            TimeUnit::Seconds
        } else if secs <= 3.0 * 3600.0 {
            TimeUnit::Minutes
        } else if secs <= 3.0 * 86400.0 {
            TimeUnit::Hours
        } else {
            TimeUnit::Days
        }
    }

    /// Seconds per unit.
    pub fn secs(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3600.0,
            TimeUnit::Days => 86400.0,
        }
    }

    /// Plural name, for axis labels.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
        }
    }
}

/// Decimals that tell apart ticks `step` apart (0 for steps of 1 or more).
pub fn decimals_for(step: f64) -> usize {
    if !(step.is_finite() && step > 0.0) || step >= 1.0 {
        return 0;
    }
    ((-step.log10()).ceil() as usize).min(8)
}

/// `v` with `decimals` decimals, without a negative zero.
pub fn fixed(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// A value for a table cell or a heatmap cell: integers as integers,
/// others with up to `sig` significant digits, trailing zeros dropped.
pub fn short(v: f64, sig: usize) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let mag = v.abs().log10().floor() as i64;
    let decimals = (sig as i64 - 1 - mag).clamp(0, 12) as usize;
    let s = fixed(v, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A fraction as a percentage with enough decimals to show `sig`
/// significant digits of its distance from 1 or 0 (99.9412%, 0.25%).
pub fn percent(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let p = 100.0 * v;
    if p == p.trunc() {
        return format!("{}%", p as i64);
    }
    // Availability-like numbers: show the digits where they differ from 100%.
    let gap = (100.0 - p).abs().min(p.abs()).max(1e-9);
    let decimals = ((2.0 - gap.log10().floor()) as i64).clamp(1, 6) as usize;
    let s = fixed(p, decimals);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// Seconds as a short human duration (`7d`, `1h 30m`, `45.5 s`).
pub fn human_secs(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return format!("{s} s");
    }
    if s < 60.0 {
        return format!("{} s", short(s, 3));
    }
    let total = s.round() as u64;
    let (d, h, m, sec) = (
        total / 86400,
        total % 86400 / 3600,
        total % 3600 / 60,
        total % 60,
    );
    let mut parts = Vec::new();
    for (v, u) in [(d, "d"), (h, "h"), (m, "m"), (sec, "s")] {
        if v > 0 {
            parts.push(format!("{v}{u}"));
        }
    }
    parts.truncate(2);
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_units_follow_the_span() {
        assert_eq!(TimeUnit::for_span(120.0), TimeUnit::Seconds);
        assert_eq!(TimeUnit::for_span(3600.0), TimeUnit::Minutes);
        assert_eq!(TimeUnit::for_span(86400.0), TimeUnit::Hours);
        assert_eq!(TimeUnit::for_span(7.0 * 86400.0), TimeUnit::Days);
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(short(3.0, 4), "3");
        assert_eq!(short(0.123456, 3), "0.123");
        assert_eq!(short(1234.5678, 6), "1234.57");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.25), "25%");
        assert_eq!(percent(0.9994127), "99.9413%");
        assert_eq!(percent(0.0675), "6.75%");
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(human_secs(604800.0), "7d");
        assert_eq!(human_secs(5400.0), "1h 30m");
        assert_eq!(human_secs(38.606), "38.6 s");
        assert_eq!(decimals_for(0.05), 2);
        assert_eq!(decimals_for(2.0), 0);
    }
}
