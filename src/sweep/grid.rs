//! The parameter grid: `--vary` arguments parsed into axes, and points
//! numbered in a stable order.
//!
//! Syntax of one `--vary` argument:
//!
//! - `PATH=V1,V2,...`: a list. Each value is one YAML value as `--set`
//!   takes it (`5`, `30s`, `25%`, `{type: recreate}`); commas inside
//!   `{...}`, `[...]` or quotes do not split.
//! - `PATH=A..B:STEP`: an inclusive range; B is included when it falls on
//!   a step. Integers (`2..10:2`, step 1 by default), decimals
//!   (`0.5..2:0.25`), percentages (`10%..50%:10%`) and durations
//!   (`30s..5m:30s`). Ranges and single values mix in one list:
//!   `replicas=1,2..10:4` is 1, 2, 6, 10.
//! - `PATH1=... & PATH2=...`: zipped. The parameters move together (the
//!   first values of each, then the second values, ...), so each needs the
//!   same number of values. One zipped argument is one axis.
//!
//! Several `--vary` arguments form the Cartesian product of their axes.
//! Points are numbered from 0 like nested loops with the last `--vary`
//! innermost (it changes fastest).

use super::{MAX_RUNS, SweepError};
use crate::engine::SimDuration;
use crate::scenario::{parse_duration, suggest};

/// One axis: one `--vary` argument, with one or more zipped parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Axis {
    /// The parameter paths of this axis (several when zipped).
    pub params: Vec<String>,
    /// The values, position by position: `values[i][j]` is parameter `j`
    /// at position `i`.
    pub values: Vec<Vec<String>>,
}

/// The grid of parameter points of a sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    /// The axes, in `--vary` order.
    pub axes: Vec<Axis>,
    /// Every varied path, in `--vary` order (the `param_<path>` columns).
    pub params: Vec<String>,
    points: usize,
}

impl Grid {
    /// Parses `--vary` arguments. With none, the grid has one point and no
    /// parameters.
    pub fn parse(varies: &[String]) -> Result<Grid, SweepError> {
        let mut axes = Vec::new();
        let mut params: Vec<String> = Vec::new();
        let mut points: usize = 1;
        for arg in varies {
            let axis = parse_axis(arg)?;
            for p in &axis.params {
                if params.contains(p) {
                    return Err(SweepError::Input(format!(
                        "--vary {arg:?}: `{p}` is varied more than once; give each path in one --vary (zip it with `&` to move it together with another)"
                    )));
                }
                params.push(p.clone());
            }
            points = points
                .checked_mul(axis.values.len())
                .filter(|n| *n as u64 <= MAX_RUNS)
                .ok_or_else(|| {
                    SweepError::Input(format!(
                        "the --vary grid has more than {MAX_RUNS} points, the most a sweep may run; vary fewer values or split the study"
                    ))
                })?;
            axes.push(axis);
        }
        Ok(Grid {
            axes,
            params,
            points,
        })
    }

    /// Number of points (the product of the axis lengths; 1 without axes).
    pub fn points(&self) -> usize {
        self.points
    }

    /// The position on each axis of point `p`.
    fn positions(&self, mut p: usize) -> Vec<usize> {
        let mut pos = vec![0; self.axes.len()];
        for (i, axis) in self.axes.iter().enumerate().rev() {
            pos[i] = p % axis.values.len();
            p /= axis.values.len();
        }
        pos
    }

    /// The values of point `p`, one per parameter, in [`Grid::params`] order.
    pub fn values(&self, p: usize) -> Vec<&str> {
        let pos = self.positions(p);
        self.axes
            .iter()
            .zip(pos)
            .flat_map(|(axis, i)| axis.values[i].iter().map(String::as_str))
            .collect()
    }

    /// The `--set PATH=VALUE` strings that make point `p`.
    pub fn sets(&self, p: usize) -> Vec<String> {
        self.params
            .iter()
            .zip(self.values(p))
            .map(|(k, v)| format!("{k}={v}"))
            .collect()
    }

    /// `path=value, path=value` for messages (`no parameters` without axes).
    pub fn describe(&self, p: usize) -> String {
        if self.params.is_empty() {
            return "no parameters".to_string();
        }
        self.sets(p).join(", ")
    }

    /// Finds the point a `--baseline` names: a point index, or assignments
    /// `PATH=VALUE` joined with `&` that match exactly one point (values
    /// compare as text, or as equal durations or numbers: `90s` finds
    /// `1m30s`).
    pub fn find(&self, spec: &str) -> Result<usize, SweepError> {
        let spec = spec.trim();
        let err = |m: String| SweepError::Input(format!("--baseline {spec:?}: {m}"));
        if let Ok(i) = spec.parse::<usize>() {
            if i < self.points {
                return Ok(i);
            }
            return Err(err(format!(
                "there is no point {i}: points are numbered 0 to {} (the `point` column)",
                self.points - 1
            )));
        }
        let mut wanted: Vec<(usize, &str)> = Vec::new();
        for part in split_top(spec, '&') {
            let Some((path, value)) = part.split_once('=') else {
                return Err(err(format!(
                    "expected a point number or PATH=VALUE (joined with &), got {:?}",
                    part.trim()
                )));
            };
            let path = path.trim();
            let Some(j) = self.params.iter().position(|p| p == path) else {
                let hint = match suggest(path, self.params.iter().map(String::as_str)) {
                    Some(s) => format!(" (did you mean `{s}`?)"),
                    None if self.params.is_empty() => {
                        " (this sweep varies nothing, so its only point is 0)".to_string()
                    }
                    None => format!(" (varied: {})", self.params.join(", ")),
                };
                return Err(err(format!("`{path}` is not a varied parameter{hint}")));
            };
            wanted.push((j, value.trim()));
        }
        let matches: Vec<usize> = (0..self.points)
            .filter(|&p| {
                let v = self.values(p);
                wanted.iter().all(|(j, w)| same_value(v[*j], w))
            })
            .collect();
        match matches.len() {
            1 => Ok(matches[0]),
            0 => Err(err(
                "no point has these values; use a value from the `param_` columns, or the point number"
                    .to_string(),
            )),
            n => {
                let missing: Vec<&str> = self
                    .params
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| !wanted.iter().any(|(w, _)| w == j))
                    .map(|(_, p)| p.as_str())
                    .collect();
                Err(err(format!(
                    "{n} points match (points {}); also give {} (joined with &) to pick one",
                    list_some(&matches),
                    missing.join(", ")
                )))
            }
        }
    }
}

fn list_some(v: &[usize]) -> String {
    let mut s: Vec<String> = v.iter().take(5).map(usize::to_string).collect();
    if v.len() > 5 {
        s.push("...".to_string());
    }
    s.join(", ")
}

/// Whether two parameter values mean the same: equal text, equal durations
/// or equal numbers.
pub fn same_value(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if let (Ok(x), Ok(y)) = (parse_duration(a), parse_duration(b)) {
        return x == y;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Splits `s` at `sep` outside brackets, braces, parentheses and quotes.
pub(crate) fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' => depth -= 1,
                _ if c == sep && depth <= 0 => {
                    parts.push(&s[start..i]);
                    start = i + c.len_utf8();
                }
                _ => {}
            },
        }
    }
    parts.push(&s[start..]);
    parts
}

fn parse_axis(arg: &str) -> Result<Axis, SweepError> {
    let err = |m: String| SweepError::Input(format!("--vary {arg:?}: {m}"));
    let mut params = Vec::new();
    let mut columns: Vec<Vec<String>> = Vec::new();
    for part in split_top(arg, '&') {
        let Some((path, list)) = part.split_once('=') else {
            return Err(err(
                "expected PATH=V1,V2,... (e.g. --vary workloads.web.replicas=3,5,7)".to_string(),
            ));
        };
        let path = path.trim();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            return Err(err(format!(
                "bad path {path:?}: segments are separated by single dots, e.g. cluster.node_pools.general.count"
            )));
        }
        if path == "seed" {
            return Err(err(
                "the seed is not a parameter: every point runs seeds 1..=--seeds (common random numbers)"
                    .to_string(),
            ));
        }
        let mut values = Vec::new();
        for item in split_top(list, ',') {
            let item = item.trim();
            if item.is_empty() {
                return Err(err(format!(
                    "empty value in the list for `{path}` (write null to remove an optional field)"
                )));
            }
            if is_range(item) {
                let remaining = MAX_RUNS as usize - values.len().min(MAX_RUNS as usize);
                values.extend(expand_range(item, remaining).map_err(&err)?);
            } else {
                values.push(item.to_string());
            }
        }
        params.push(path.to_string());
        columns.push(values);
    }
    let n = columns[0].len();
    if let Some((j, c)) = columns.iter().enumerate().find(|(_, c)| c.len() != n) {
        return Err(err(format!(
            "zipped parameters need the same number of values, but `{}` has {n} and `{}` has {}",
            params[0],
            params[j],
            c.len()
        )));
    }
    let values: Vec<Vec<String>> = (0..n)
        .map(|i| columns.iter().map(|c| c[i].clone()).collect())
        .collect();
    // Two equal points would only be run twice (and make --baseline
    // ambiguous). Within a zip, one parameter may repeat a value.
    for (i, v) in values.iter().enumerate() {
        let same = |w: &Vec<String>| v.iter().zip(w).all(|(a, b)| same_value(a, b));
        if values[..i].iter().any(same) {
            return Err(err(format!(
                "the value {} is listed twice; give each value once",
                v.join(" & ")
            )));
        }
    }
    Ok(Axis { params, values })
}

/// A list item is a range when it has `..` and is not a quoted string or a
/// flow collection.
fn is_range(item: &str) -> bool {
    item.contains("..") && !item.starts_with(['{', '[', '"', '\''])
}

/// A decimal number as an integer mantissa and a count of decimals.
fn parse_decimal(s: &str) -> Option<(i128, u32)> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !ok(int) || !ok(frac) || (digits.contains('.') && frac.is_empty()) {
        return None;
    }
    if int.len() + frac.len() > 30 {
        return None;
    }
    let m: i128 = format!("{int}{frac}").parse().ok()?;
    Some((if neg { -m } else { m }, frac.len() as u32))
}

fn rescale(m: i128, from: u32, to: u32) -> i128 {
    m * 10i128.pow(to - from)
}

fn format_decimal(m: i128, scale: u32) -> String {
    if scale == 0 {
        return m.to_string();
    }
    let neg = m < 0;
    let a = m.unsigned_abs();
    let p = 10u128.pow(scale);
    let frac = format!("{:0width$}", a % p, width = scale as usize);
    let frac = frac.trim_end_matches('0');
    let sign = if neg { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{}", a / p)
    } else {
        format!("{sign}{}.{frac}", a / p)
    }
}

/// Expands `A..B[:STEP]`, refusing more than `limit` values.
fn expand_range(item: &str, limit: usize) -> Result<Vec<String>, String> {
    let (lo, rest) = item.split_once("..").expect("is_range");
    let (hi, step) = match rest.split_once(':') {
        Some((h, s)) => (h.trim(), Some(s.trim())),
        None => (rest.trim(), None),
    };
    let lo = lo.trim();
    let kinds = "ranges are of integers (2..10:2), decimals (0.5..2:0.5), percentages (10%..50%:10%) or durations (30s..5m:30s)";
    fn pct(s: &str) -> Option<&str> {
        s.strip_suffix('%').map(str::trim_end)
    }
    let too_many = |n: u128| {
        format!(
            "the range {item} has {n} values, more than the {MAX_RUNS} runs a sweep may have; use a larger step"
        )
    };
    // Percentages: decimals with a % on every part.
    if lo.ends_with('%') || hi.ends_with('%') {
        let (Some(l), Some(h)) = (pct(lo), pct(hi)) else {
            return Err(format!("{item}: both ends of a percentage range need a %"));
        };
        let Some(s) = step else {
            return Err(format!(
                "{item}: a percentage range needs a step, e.g. {lo}..{hi}:5%"
            ));
        };
        let Some(s) = pct(s) else {
            return Err(format!(
                "{item}: the step of a percentage range is a percentage too, e.g. :5%"
            ));
        };
        let v = decimal_range(item, l, h, Some(s), limit, kinds, too_many)?;
        return Ok(v.into_iter().map(|x| format!("{x}%")).collect());
    }
    if parse_decimal(lo).is_some() && parse_decimal(hi).is_some() {
        return decimal_range(item, lo, hi, step, limit, kinds, too_many);
    }
    match (parse_duration(lo), parse_duration(hi)) {
        (Ok(l), Ok(h)) => {
            let Some(s) = step else {
                return Err(format!(
                    "{item}: a duration range needs a step, e.g. {lo}..{hi}:30s"
                ));
            };
            let s = parse_duration(s).map_err(|e| format!("{item}: step: {e}"))?;
            if s.0 == 0 {
                return Err(format!("{item}: the step must be more than 0"));
            }
            if h < l {
                return Err(format!(
                    "{item}: the range runs backwards; write it from the smaller end, {hi}..{lo}"
                ));
            }
            let n = u128::from((h.0 - l.0) / s.0) + 1;
            if n > limit as u128 {
                return Err(too_many(n));
            }
            Ok((0..n as u64)
                .map(|i| SimDuration(l.0 + i * s.0).to_string())
                .collect())
        }
        // Something like a duration with a typo: say what is wrong with it.
        (Err(e), _) if looks_like_duration(lo) => Err(format!("{item}: start: {e}")),
        (_, Err(e)) if looks_like_duration(hi) => Err(format!("{item}: end: {e}")),
        _ => Err(format!(
            "{item} is not a range: {kinds}; quote a value that contains `..` to use it as is"
        )),
    }
}

/// A digit first and a letter somewhere: meant as a duration.
fn looks_like_duration(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit()) && s.chars().any(|c| c.is_ascii_alphabetic())
}

fn decimal_range(
    item: &str,
    lo: &str,
    hi: &str,
    step: Option<&str>,
    limit: usize,
    kinds: &str,
    too_many: impl Fn(u128) -> String,
) -> Result<Vec<String>, String> {
    let bad = || format!("{item} is not a range: {kinds}");
    let (l, ls) = parse_decimal(lo).ok_or_else(bad)?;
    let (h, hs) = parse_decimal(hi).ok_or_else(bad)?;
    let (s, ss) = match step {
        Some(t) => {
            parse_decimal(t).ok_or_else(|| format!("{item}: the step {t:?} is not a number"))?
        }
        None => (1, 0),
    };
    let scale = ls.max(hs).max(ss);
    let (l, h, s) = (
        rescale(l, ls, scale),
        rescale(h, hs, scale),
        rescale(s, ss, scale),
    );
    if s <= 0 {
        return Err(format!("{item}: the step must be more than 0"));
    }
    if h < l {
        return Err(format!(
            "{item}: the range runs backwards; write it from the smaller end, {hi}..{lo}"
        ));
    }
    let n = ((h - l) / s) as u128 + 1;
    if n > limit as u128 {
        return Err(too_many(n));
    }
    Ok((0..n as i128)
        .map(|i| format_decimal(l + i * s, scale))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(v: &[&str]) -> Grid {
        Grid::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }
    fn err(v: &[&str]) -> String {
        Grid::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap_err()
            .to_string()
    }
    fn axis(v: &str) -> Vec<String> {
        grid(&[v]).axes[0]
            .values
            .iter()
            .map(|x| x[0].clone())
            .collect()
    }

    #[test]
    fn lists_split_at_top_level_commas_only() {
        assert_eq!(axis("a=1, 2,3"), ["1", "2", "3"]);
        assert_eq!(
            axis("s={type: recreate},{type: rolling_update, max_surge: 1}"),
            ["{type: recreate}", "{type: rolling_update, max_surge: 1}"]
        );
        assert_eq!(axis("z=[a, b],'x,y'"), ["[a, b]", "'x,y'"]);
    }

    #[test]
    fn ranges() {
        assert_eq!(axis("r=2..10:2"), ["2", "4", "6", "8", "10"]);
        assert_eq!(axis("r=1..3"), ["1", "2", "3"]);
        assert_eq!(axis("r=1..10:4"), ["1", "5", "9"]);
        assert_eq!(axis("r=0,2..4"), ["0", "2", "3", "4"]);
        assert_eq!(axis("r=0.5..2:0.25").len(), 7);
        assert_eq!(axis("r=0.1..0.3:0.1"), ["0.1", "0.2", "0.3"]);
        assert_eq!(axis("r=10%..30%:10%"), ["10%", "20%", "30%"]);
        assert_eq!(
            axis("t=30s..2m30s:30s"),
            ["30s", "1m", "1m30s", "2m", "2m30s"]
        );
        assert_eq!(axis("t=0..1m:30s"), ["0s", "30s", "1m"]);
        assert_eq!(axis("x='a..b'"), ["'a..b'"]);
    }

    #[test]
    fn range_errors_say_how_to_fix() {
        assert!(
            err(&["r=10..2"]).contains("backwards"),
            "{}",
            err(&["r=10..2"])
        );
        assert!(err(&["r=1..5:0"]).contains("more than 0"));
        assert!(err(&["t=30s..5m"]).contains("needs a step"));
        assert!(err(&["p=10%..50%"]).contains("needs a step"));
        assert!(err(&["p=10%..50%:5"]).contains("percentage too"));
        assert!(
            err(&["x=a..b"]).contains("not a range"),
            "{}",
            err(&["x=a..b"])
        );
        assert!(err(&["r=0..100000000"]).contains("more than"));
        assert!(
            err(&["t=30x..5m:1s"]).contains("start"),
            "{}",
            err(&["t=30x..5m:1s"])
        );
    }

    #[test]
    fn product_order_is_last_axis_fastest() {
        let g = grid(&["a=1,2", "b=x,y,z"]);
        assert_eq!(g.points(), 6);
        assert_eq!(g.params, ["a", "b"]);
        assert_eq!(g.values(0), ["1", "x"]);
        assert_eq!(g.values(1), ["1", "y"]);
        assert_eq!(g.values(3), ["2", "x"]);
        assert_eq!(g.sets(5), ["a=2", "b=z"]);
        let none = grid(&[]);
        assert_eq!(none.points(), 1);
        assert!(none.values(0).is_empty());
    }

    #[test]
    fn zipped_parameters_move_together() {
        let g = grid(&["a=1,2 & b=x,y", "c=7..9"]);
        assert_eq!(g.points(), 6);
        assert_eq!(g.params, ["a", "b", "c"]);
        assert_eq!(g.values(4), ["2", "y", "8"]);
        assert!(err(&["a=1,2 & b=x"]).contains("same number of values"));
        assert_eq!(grid(&["a=1,2 & b=x,x"]).points(), 2);
        assert!(err(&["a=1,1 & b=x,x"]).contains("listed twice"));
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(err(&["a"]).contains("PATH=V1,V2"));
        assert!(err(&["a=1,,2"]).contains("empty value"));
        assert!(err(&["a=1,2", "a=3"]).contains("more than once"));
        assert!(err(&["a=1 & a=2"]).contains("more than once"));
        assert!(err(&["a=1,1"]).contains("twice"));
        assert!(err(&["t=60s,1m"]).contains("twice"));
        assert!(err(&["a..b=1"]).contains("single dots"));
        assert!(err(&["seed=1,2"]).contains("not a parameter"));
        assert!(err(&["a=1..1000", "b=1..1000", "c=1..1000"]).contains("more than 1000000 points"));
    }

    #[test]
    fn baseline_by_index_or_assignment() {
        let g = grid(&["replicas=1,2", "t=30s,90s"]);
        assert_eq!(g.find("3").unwrap(), 3);
        assert_eq!(g.find("replicas=2 & t=1m30s").unwrap(), 3);
        assert_eq!(g.find(" t=30s & replicas=1 ").unwrap(), 0);
        let e = g.find("replicas=2").unwrap_err().to_string();
        assert!(
            e.contains("2 points match") && e.contains("also give t"),
            "{e}"
        );
        assert!(g.find("4").unwrap_err().to_string().contains("0 to 3"));
        let e = g.find("replica=1").unwrap_err().to_string();
        assert!(e.contains("did you mean `replicas`"), "{e}");
        let e = g.find("replicas=3 & t=30s").unwrap_err().to_string();
        assert!(e.contains("no point"), "{e}");
    }
}
