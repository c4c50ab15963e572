//! The toolkit the resolver is written with: a context collecting
//! diagnostics, typed views of mappings that reject unknown fields, and
//! converters from nodes to values. Converters report their own problems and
//! return `None` on failure, so resolution carries on and every problem of a
//! file is reported in one go.

use super::error::Diagnostic;
use super::node::{Loc, Node, Value};
use super::quantity::{self, Problem};
use super::suggest::did_you_mean;
use crate::dist::Dist;
use crate::engine::SimDuration;
use crate::units::{Bytes, IntOrPercent, MilliCpu};
use std::collections::BTreeMap;

/// Most problems listed for one scenario; past this they are counted.
pub(crate) const MAX_DIAGNOSTICS: usize = 100;

/// Collects diagnostics while a scenario is resolved.
pub(crate) struct Cx<'a> {
    /// Manifest files and places in them, warnings and the import report
    /// (the second `impl` block, at the end of this file).
    more: More,
    origin: &'a str,
    sets: &'a [String],
    diags: Vec<Diagnostic>,
    /// Every problem found, including those past [`MAX_DIAGNOSTICS`].
    total: usize,
}

impl<'a> Cx<'a> {
    pub fn new(origin: &'a str, sets: &'a [String]) -> Cx<'a> {
        Cx {
            more: More::default(),
            origin,
            sets,
            diags: Vec::new(),
            total: 0,
        }
    }

    /// Where the scenario came from (its file name), to resolve paths
    /// relative to it.
    pub fn origin(&self) -> &str {
        self.origin
    }

    /// The number of problems so far (to tell whether a part was clean).
    pub fn errors(&self) -> usize {
        self.total
    }

    /// Whether further problems will only be counted, not listed.
    pub fn saturated(&self) -> bool {
        self.total >= MAX_DIAGNOSTICS
    }

    /// The diagnostics in file order, then `--set` order, with a last line
    /// counting those not listed.
    pub fn into_diagnostics(mut self) -> Vec<Diagnostic> {
        let sets = self.sets;
        let files = std::mem::take(&mut self.more.files);
        // Stable: problems at one place keep the order they were found in.
        self.diags.sort_by_key(|d| {
            let set_rank = d
                .origin
                .strip_prefix("--set ")
                .and_then(|a| sets.iter().position(|s| s == a))
                .map_or(0, |i| i + 1);
            (
                set_rank,
                file_rank(&files, &d.origin),
                d.line.unwrap_or(u32::MAX),
                d.column.unwrap_or(0),
            )
        });
        if self.total > self.diags.len() {
            self.diags.push(Diagnostic {
                origin: self.origin.to_string(),
                path: String::new(),
                line: None,
                column: None,
                message: format!(
                    "{} more problems not listed (only the first {MAX_DIAGNOSTICS} are)",
                    self.total - self.diags.len()
                ),
                hint: None,
            });
        }
        self.diags
    }

    /// Records a problem at `loc` for the field at `path`.
    pub fn report(&mut self, loc: Loc, path: &str, p: Problem) {
        self.total += 1;
        if self.diags.len() >= MAX_DIAGNOSTICS {
            return;
        }
        let d = self.diagnostic(loc, path, p);
        self.diags.push(d);
    }

    /// A diagnostic for a problem at `loc` in the field at `path`.
    fn diagnostic(&self, loc: Loc, path: &str, p: Problem) -> Diagnostic {
        let (origin, line, column) = match loc {
            Loc::File { line, column } => (self.origin.to_string(), Some(line), Some(column)),
            Loc::Set(i) => (
                format!("--set {}", self.sets.get(i).map_or("", String::as_str)),
                None,
                None,
            ),
            Loc::None => (self.origin.to_string(), None, None),
            Loc::Place(i) => return self.place_diagnostic(i, path, p),
        };
        Diagnostic {
            origin,
            path: path.to_string(),
            line,
            column,
            message: p.message,
            hint: p.hint,
        }
    }

    /// Records a problem without a hint.
    pub fn err(&mut self, loc: Loc, path: &str, message: impl Into<String>) {
        self.report(loc, path, Problem::new(message));
    }

    /// Runs a node-level parser, reporting its problem at the node.
    pub fn parse<T>(
        &mut self,
        n: &Node,
        path: &str,
        f: impl FnOnce(&Node) -> Result<T, Problem>,
    ) -> Option<T> {
        match f(n) {
            Ok(v) => Some(v),
            Err(p) => {
                self.report(n.loc, path, p);
                None
            }
        }
    }

    /// A view of a mapping whose keys must be among `fields`. Unknown keys
    /// are reported (with the nearest valid name) and then ignored.
    pub fn obj<'n>(&mut self, n: &'n Node, path: &str, fields: &[&str]) -> Option<Obj<'n>> {
        let Value::Map(entries) = &n.value else {
            self.report(
                n.loc,
                path,
                Problem::new(format!(
                    "expected a mapping with fields {}, got {}",
                    fields.join(", "),
                    n.describe()
                )),
            );
            return None;
        };
        for (k, _) in entries {
            if !fields.contains(&k.name.as_str()) {
                let hint = did_you_mean(&k.name, fields.iter().copied())
                    .unwrap_or_else(|| format!("valid fields: {}", fields.join(", ")));
                self.report(
                    k.loc,
                    &join(path, &k.name),
                    Problem::new(format!("unknown field `{}`", k.name)).hint(hint),
                );
            }
        }
        Some(Obj {
            entries,
            path: path.to_string(),
            loc: n.loc,
        })
    }

    /// An optional field: `Some(None)` when absent (or null), `Some(Some(v))`
    /// when valid, `None` when present but invalid (already reported).
    pub fn opt<T>(
        &mut self,
        o: &Obj,
        key: &str,
        f: impl FnOnce(&mut Cx<'a>, &Node, &str) -> Option<T>,
    ) -> Option<Option<T>> {
        match o.get(key) {
            None => Some(None),
            Some(n) => f(self, n, &o.path(key)).map(Some),
        }
    }

    /// An optional field with a default; `None` when invalid.
    pub fn or<T>(
        &mut self,
        o: &Obj,
        key: &str,
        default: T,
        f: impl FnOnce(&mut Cx<'a>, &Node, &str) -> Option<T>,
    ) -> Option<T> {
        self.opt(o, key, f).map(|v| v.unwrap_or(default))
    }

    /// A required field; a missing one is reported at its mapping.
    pub fn req<T>(
        &mut self,
        o: &Obj,
        key: &str,
        f: impl FnOnce(&mut Cx<'a>, &Node, &str) -> Option<T>,
    ) -> Option<T> {
        match o.get(key) {
            None => {
                self.err(o.loc, &o.path, format!("missing field `{key}`"));
                None
            }
            Some(n) => f(self, n, &o.path(key)),
        }
    }

    /// A list, each item converted by `f`; items that fail are dropped
    /// (and reported by `f`).
    pub fn list<T>(
        &mut self,
        n: &Node,
        path: &str,
        mut f: impl FnMut(&mut Cx<'a>, &Node, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Value::Seq(items) = &n.value else {
            let mut p = Problem::new(format!("expected a list, got {}", n.describe()));
            if let Value::Map(_) = n.value {
                p = p.hint("start each item with `- `, or write [item, ...]");
            }
            self.report(n.loc, path, p);
            return None;
        };
        let before = self.errors();
        let out: Vec<T> = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| f(self, item, &format!("{path}[{i}]")))
            .collect();
        (self.errors() == before).then_some(out)
    }

    // ---- scalar converters (signature `fn(&mut Cx, &Node, &str) -> Option<T>`)

    pub fn u64(&mut self, n: &Node, path: &str) -> Option<u64> {
        let v = self.integer(n, path, "a whole number like 3")?;
        match u64::try_from(v) {
            Ok(v) => Some(v),
            Err(_) if v < 0 => {
                self.err(
                    n.loc,
                    path,
                    format!("expected a non-negative number, got {v}"),
                );
                None
            }
            Err(_) => {
                self.err(n.loc, path, format!("{v} is too large"));
                None
            }
        }
    }

    pub fn u32(&mut self, n: &Node, path: &str) -> Option<u32> {
        let v = self.u64(n, path)?;
        match u32::try_from(v) {
            Ok(v) => Some(v),
            Err(_) => {
                self.err(
                    n.loc,
                    path,
                    format!("{v} is too large (at most {})", u32::MAX),
                );
                None
            }
        }
    }

    /// A whole number that must be at least 1.
    pub fn positive_u32(&mut self, n: &Node, path: &str) -> Option<u32> {
        let v = self.u32(n, path)?;
        if v == 0 {
            self.err(n.loc, path, "must be at least 1, got 0");
            return None;
        }
        Some(v)
    }

    pub fn i32(&mut self, n: &Node, path: &str) -> Option<i32> {
        let v = self.integer(n, path, "a whole number like 0 or 1000")?;
        match i32::try_from(v) {
            Ok(v) => Some(v),
            Err(_) => {
                self.err(
                    n.loc,
                    path,
                    format!("{v} is out of range ({} to {})", i32::MIN, i32::MAX),
                );
                None
            }
        }
    }

    fn integer(&mut self, n: &Node, path: &str, what: &str) -> Option<i128> {
        match &n.value {
            Value::Int(i) => Some(*i),
            Value::Str(s) if s.trim().parse::<i128>().is_ok() => {
                self.report(
                    n.loc,
                    path,
                    Problem::new(format!("expected {what}, got the text {s:?}"))
                        .hint("remove the quotes"),
                );
                None
            }
            _ => {
                self.err(
                    n.loc,
                    path,
                    format!("expected {what}, got {}", n.describe()),
                );
                None
            }
        }
    }

    /// A finite number (integer or decimal).
    pub fn f64(&mut self, n: &Node, path: &str) -> Option<f64> {
        let v = match &n.value {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            _ => {
                self.err(
                    n.loc,
                    path,
                    format!("expected a number like 0.5, got {}", n.describe()),
                );
                return None;
            }
        };
        if !v.is_finite() {
            self.err(n.loc, path, format!("expected a finite number, got {v}"));
            return None;
        }
        Some(v)
    }

    /// A finite number within `[lo, hi]`.
    pub fn f64_in(&mut self, n: &Node, path: &str, lo: f64, hi: f64) -> Option<f64> {
        let v = self.f64(n, path)?;
        if !(lo..=hi).contains(&v) {
            self.err(
                n.loc,
                path,
                format!("must be between {lo} and {hi}, got {v}"),
            );
            return None;
        }
        Some(v)
    }

    pub fn bool(&mut self, n: &Node, path: &str) -> Option<bool> {
        match &n.value {
            Value::Bool(b) => Some(*b),
            _ => {
                self.err(
                    n.loc,
                    path,
                    format!("expected true or false, got {}", n.describe()),
                );
                None
            }
        }
    }

    /// Text; numbers and booleans are taken as their text (as for label
    /// values like `version: 2`), except decimals, which YAML may re-spell
    /// (`1.10` is the number 1.1) and so must be quoted.
    pub fn string(&mut self, n: &Node, path: &str) -> Option<String> {
        match &n.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(_) | Value::Bool(_) => n.scalar_text(),
            Value::Float(_) => {
                self.report(
                    n.loc,
                    path,
                    Problem::new(format!("expected text, got the number {}", n.describe()))
                        .hint("quote it, e.g. \"1.10\", so YAML keeps it as written"),
                );
                None
            }
            _ => {
                self.err(n.loc, path, format!("expected text, got {}", n.describe()));
                None
            }
        }
    }

    /// One of `choices`, suggesting the nearest on a miss.
    pub fn choice<'c>(&mut self, n: &Node, path: &str, choices: &[&'c str]) -> Option<&'c str> {
        let text = match &n.value {
            Value::Str(s) => s.as_str(),
            _ => {
                self.err(
                    n.loc,
                    path,
                    format!(
                        "expected one of {}, got {}",
                        choices.join(", "),
                        n.describe()
                    ),
                );
                return None;
            }
        };
        if let Some(c) = choices.iter().find(|c| **c == text) {
            return Some(c);
        }
        let hint = did_you_mean(text, choices.iter().copied())
            .unwrap_or_else(|| format!("expected one of {}", choices.join(", ")));
        self.report(
            n.loc,
            path,
            Problem::new(format!("unknown value {text:?}")).hint(hint),
        );
        None
    }

    /// A name usable in file names, CSV columns and node names: a
    /// Kubernetes DNS label.
    pub fn name(&mut self, n: &Node, path: &str) -> Option<String> {
        let s = self.string(n, path)?;
        match check_dns_label(&s) {
            Ok(()) => Some(s),
            Err(p) => {
                self.report(n.loc, path, p);
                None
            }
        }
    }

    /// A list of distinct names (zones).
    pub fn names(&mut self, n: &Node, path: &str) -> Option<Vec<String>> {
        let items = self.list(n, path, |cx, n, p| {
            cx.name(n, p).map(|s| (s, n.loc, p.to_string()))
        })?;
        let mut seen = std::collections::HashSet::new();
        let mut ok = true;
        for (s, loc, p) in &items {
            if !seen.insert(s.as_str()) {
                self.err(*loc, p, format!("`{s}` is listed twice"));
                ok = false;
            }
        }
        ok.then(|| items.into_iter().map(|(s, _, _)| s).collect())
    }

    /// A mapping of text to text (labels, node selectors).
    pub fn string_map(&mut self, n: &Node, path: &str) -> Option<BTreeMap<String, String>> {
        let Value::Map(entries) = &n.value else {
            self.err(
                n.loc,
                path,
                format!(
                    "expected a mapping like {{tier: general}}, got {}",
                    n.describe()
                ),
            );
            return None;
        };
        let before = self.errors();
        let mut out = BTreeMap::new();
        for (k, v) in entries {
            let p = join(path, &k.name);
            if k.name.is_empty() {
                self.err(k.loc, &p, "label keys cannot be empty");
            }
            if let Some(s) = self.string(v, &p) {
                out.insert(k.name.clone(), s);
            }
        }
        (self.errors() == before).then_some(out)
    }

    pub fn duration(&mut self, n: &Node, path: &str) -> Option<SimDuration> {
        self.parse(n, path, |n| quantity::duration(n, false))
    }

    /// A duration for a `*_seconds` field: a bare integer counts seconds.
    pub fn seconds(&mut self, n: &Node, path: &str) -> Option<SimDuration> {
        self.parse(n, path, |n| quantity::duration(n, true))
    }

    /// A duration that must be more than zero.
    pub fn positive_duration(&mut self, n: &Node, path: &str) -> Option<SimDuration> {
        let d = self.duration(n, path)?;
        if d == SimDuration::ZERO {
            self.err(n.loc, path, "must be more than zero");
            return None;
        }
        Some(d)
    }

    pub fn cpu(&mut self, n: &Node, path: &str) -> Option<MilliCpu> {
        self.parse(n, path, quantity::cpu)
    }

    pub fn memory(&mut self, n: &Node, path: &str) -> Option<Bytes> {
        self.parse(n, path, quantity::memory)
    }

    pub fn percent(&mut self, n: &Node, path: &str) -> Option<u32> {
        self.parse(n, path, quantity::percent)
    }

    /// A percentage with decimals (`99.95%`), in percent.
    pub fn f64_percent(&mut self, n: &Node, path: &str) -> Option<f64> {
        self.parse(n, path, quantity::decimal_percent)
    }

    /// A count or percentage; percentages above 100% only if `over_100`.
    pub fn int_or_percent(&mut self, n: &Node, path: &str, over_100: bool) -> Option<IntOrPercent> {
        let v = self.parse(n, path, quantity::int_or_percent)?;
        if let IntOrPercent::Percent(p) = v
            && p > 100
            && !over_100
        {
            self.err(n.loc, path, format!("must be at most 100%, got {p}%"));
            return None;
        }
        Some(v)
    }

    /// A distribution of durations. A bare duration is `Fixed`, or
    /// `Exponential` with that mean when `bare_is_mean` (mttf, mttr, mtbf).
    /// The mapping forms are `{dist: fixed, value}`, `{dist: exponential,
    /// mean}`, `{dist: weibull, shape, scale}`, `{dist: lognormal, median,
    /// sigma}`, `{dist: uniform, min, max}`, `{dist: empirical, samples: [..]}`.
    pub fn dist(&mut self, n: &Node, path: &str, bare_is_mean: bool) -> Option<Dist> {
        if !matches!(n.value, Value::Map(_)) {
            let d = self.parse(n, path, |n| {
                quantity::duration(n, false).map_err(|mut p| {
                    if matches!(n.value, Value::Str(_) | Value::Int(_) | Value::Float(_)) {
                        return p;
                    }
                    p.message = format!(
                        "expected a duration like 90s or a distribution like \
                         {{dist: exponential, mean: 1h}}, got {}",
                        n.describe()
                    );
                    p
                })
            })?;
            return Some(if bare_is_mean {
                Dist::Exponential { mean: d }
            } else {
                Dist::Fixed(d)
            });
        }
        const KINDS: [&str; 6] = [
            "fixed",
            "exponential",
            "weibull",
            "lognormal",
            "uniform",
            "empirical",
        ];
        // The kind decides which fields are valid, so read it first.
        let Value::Map(entries) = &n.value else {
            return None;
        };
        let kind_node = entries
            .iter()
            .find(|(k, _)| k.name == "dist")
            .map(|(_, v)| v);
        let Some(kind_node) = kind_node else {
            self.report(
                n.loc,
                path,
                Problem::new("missing field `dist`").hint(format!(
                    "one of {}, e.g. {{dist: exponential, mean: 1h}}",
                    KINDS.join(", ")
                )),
            );
            return None;
        };
        let kind = self.choice(kind_node, &join(path, "dist"), &KINDS)?;
        let fields: &[&str] = match kind {
            "fixed" => &["dist", "value"],
            "exponential" => &["dist", "mean"],
            "weibull" => &["dist", "shape", "scale"],
            "lognormal" => &["dist", "median", "sigma"],
            "uniform" => &["dist", "min", "max"],
            _ => &["dist", "samples"],
        };
        let o = self.obj(n, path, fields)?;
        match kind {
            "fixed" => self.req(&o, "value", Cx::duration).map(Dist::Fixed),
            "exponential" => self
                .req(&o, "mean", Cx::duration)
                .map(|mean| Dist::Exponential { mean }),
            "weibull" => {
                let shape = self.req(&o, "shape", |cx, n, p| {
                    let v = cx.f64(n, p)?;
                    if v <= 0.0 {
                        cx.err(
                            n.loc,
                            p,
                            format!("the weibull shape must be more than 0, got {v}"),
                        );
                        return None;
                    }
                    Some(v)
                });
                let scale = self.req(&o, "scale", Cx::duration);
                Some(Dist::Weibull {
                    shape: shape?,
                    scale: scale?,
                })
            }
            "lognormal" => {
                let median = self.req(&o, "median", Cx::duration);
                let sigma = self.req(&o, "sigma", |cx, n, p| {
                    let v = cx.f64(n, p)?;
                    if v < 0.0 {
                        cx.err(n.loc, p, format!("sigma cannot be negative, got {v}"));
                        return None;
                    }
                    Some(v)
                });
                Some(Dist::LogNormal {
                    median: median?,
                    sigma: sigma?,
                })
            }
            "uniform" => {
                let min = self.req(&o, "min", Cx::duration);
                let max = self.req(&o, "max", Cx::duration);
                let (min, max) = (min?, max?);
                if min > max {
                    self.err(
                        o.key_loc("max"),
                        &o.path("max"),
                        format!("max ({max}) must not be less than min ({min})"),
                    );
                    return None;
                }
                Some(Dist::Uniform { min, max })
            }
            _ => {
                let samples = self.req(&o, "samples", |cx, n, p| cx.list(n, p, Cx::duration))?;
                if samples.is_empty() {
                    self.err(
                        o.key_loc("samples"),
                        &o.path("samples"),
                        "an empirical distribution needs at least one sample",
                    );
                    return None;
                }
                Some(Dist::Empirical(samples))
            }
        }
    }

    /// A distribution whose mean must be more than zero (times between
    /// failures and repairs: a zero mean would make events fire endlessly
    /// at one instant).
    pub fn positive_dist(&mut self, n: &Node, path: &str, bare_is_mean: bool) -> Option<Dist> {
        let d = self.dist(n, path, bare_is_mean)?;
        let degenerate = match &d {
            Dist::Fixed(v) | Dist::Exponential { mean: v } => v.as_millis() == 0,
            Dist::Weibull { scale, .. } => scale.as_millis() == 0,
            Dist::LogNormal { median, .. } => median.as_millis() == 0,
            Dist::Uniform { max, .. } => max.as_millis() == 0,
            Dist::Empirical(v) => v.iter().all(|s| s.as_millis() == 0),
        };
        if degenerate {
            self.err(n.loc, path, "must be more than zero");
            return None;
        }
        Some(d)
    }
}

/// A mapping whose keys were checked against the valid field names.
pub(crate) struct Obj<'n> {
    entries: &'n [(super::node::Key, Node)],
    pub path: String,
    pub loc: Loc,
}

impl<'n> Obj<'n> {
    /// The value of `key`; null counts as absent (`taints:` with nothing
    /// after it means no taints).
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v.value, Value::Null))
    }

    /// Whether `key` is present (and not null).
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The path of field `key`.
    pub fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The location of the value of `key`, or of the mapping.
    pub fn key_loc(&self, key: &str) -> Loc {
        self.get(key).map_or(self.loc, |n| n.loc)
    }
}

/// `a.b`, or `b` at the top level.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The longest name allowed (a Kubernetes DNS label).
pub const MAX_NAME_LEN: usize = 63;

/// Checks the Kubernetes DNS-label rule: lowercase letters, digits and
/// `-`, starting and ending with a letter or digit, at most 63 characters.
/// Names end up in file names, CSV headers and node names, so anything
/// else is refused rather than escaped.
pub(crate) fn check_dns_label(s: &str) -> Result<(), Problem> {
    let rule = "names must be Kubernetes DNS labels: lowercase letters, digits and '-', \
                starting and ending with a letter or digit, at most 63 characters";
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let short: String = s.chars().take(70).collect();
    if s.is_empty() {
        return Err(Problem::new("name cannot be empty").hint(rule));
    }
    if s.len() > MAX_NAME_LEN {
        return Err(Problem::new(format!(
            "name {short:?}… is {} characters long, more than {MAX_NAME_LEN}",
            s.chars().count()
        ))
        .hint(rule));
    }
    if !s.chars().all(ok_char) || s.starts_with('-') || s.ends_with('-') {
        let suggestion: String = s
            .to_ascii_lowercase()
            .chars()
            .map(|c| if ok_char(c) { c } else { '-' })
            .collect::<String>()
            .trim_matches('-')
            .to_string();
        let mut p = Problem::new(format!("invalid name {s:?}"));
        p = if !suggestion.is_empty() && check_dns_label(&suggestion).is_ok() {
            p.hint(format!("{rule}; e.g. {suggestion:?}"))
        } else {
            p.hint(rule)
        };
        return Err(p);
    }
    Ok(())
}

// ------------------------------------------------ other files and warnings

/// What the loader keeps besides errors: the other files it read
/// (manifests), places in them, warnings, and the import report.
#[derive(Default)]
struct More {
    /// Other files, by the index `Place::file` holds.
    files: Vec<String>,
    /// Places `Loc::Place` indexes.
    places: Vec<Place>,
    /// Warnings, in the order found.
    warnings: Vec<Diagnostic>,
    /// What was imported from manifests.
    imports: Option<crate::manifests::ImportReport>,
}

/// A place in another file.
struct Place {
    file: u32,
    line: Option<u32>,
    column: Option<u32>,
    /// The field path to report instead of the one the resolver gives
    /// (values translated from a manifest report the manifest's field).
    path: Option<String>,
}

/// Sorts diagnostics of other files after the scenario's, in read order.
fn file_rank(files: &[String], origin: &str) -> usize {
    files.iter().position(|f| f == origin).map_or(0, |i| i + 1)
}

impl Cx<'_> {
    /// Registers another file (a manifest) and returns its index.
    pub fn add_file(&mut self, name: &str) -> u32 {
        self.more.files.push(name.to_string());
        u32::try_from(self.more.files.len() - 1).unwrap_or(u32::MAX)
    }

    /// The name of file `file` (from [`Cx::add_file`]).
    pub fn file_name(&self, file: u32) -> &str {
        self.more
            .files
            .get(file as usize)
            .map_or(self.origin, String::as_str)
    }

    /// A location in file `file` (from [`Cx::add_file`]) at `loc`, a
    /// location of a tree parsed from that file's text; `path`, if given,
    /// replaces the field path in messages about this place.
    pub fn place(&mut self, file: u32, loc: Loc, path: Option<String>) -> Loc {
        let (line, column) = match loc {
            Loc::File { line, column } => (Some(line), Some(column)),
            _ => (None, None),
        };
        self.push_place(Place {
            file,
            line,
            column,
            path,
        })
    }

    /// The same place as `loc` (a `Loc::Place`) reported with field path
    /// `path`: for values translated from a manifest, so that problems the
    /// resolver finds in them name the manifest's field.
    pub fn relabel(&mut self, loc: Loc, path: String) -> Loc {
        let Loc::Place(i) = loc else { return loc };
        let Some(p) = self.more.places.get(i as usize) else {
            return loc;
        };
        let place = Place {
            file: p.file,
            line: p.line,
            column: p.column,
            path: Some(path),
        };
        self.push_place(place)
    }

    fn push_place(&mut self, place: Place) -> Loc {
        self.more.places.push(place);
        Loc::Place(u32::try_from(self.more.places.len() - 1).unwrap_or(u32::MAX))
    }

    fn place_diagnostic(&self, i: u32, path: &str, p: Problem) -> Diagnostic {
        let place = self.more.places.get(i as usize);
        Diagnostic {
            origin: place
                .map_or(self.origin, |pl| self.file_name(pl.file))
                .to_string(),
            path: place
                .and_then(|pl| pl.path.clone())
                .unwrap_or_else(|| path.to_string()),
            line: place.and_then(|pl| pl.line),
            column: place.and_then(|pl| pl.column),
            message: p.message,
            hint: p.hint,
        }
    }

    /// Records a warning: something the run will not reproduce faithfully,
    /// which does not stop it.
    pub fn warn(&mut self, loc: Loc, path: &str, p: Problem) {
        let d = self.diagnostic(loc, path, p);
        self.more.warnings.push(d);
    }

    /// Stores the import report for [`Cx::take_imports`].
    pub fn set_imports(&mut self, report: crate::manifests::ImportReport) {
        self.more.imports = Some(report);
    }

    /// The warnings, scenario file first, then each other file in read
    /// order, each by line.
    pub fn take_warnings(&mut self) -> Vec<Diagnostic> {
        let mut w = std::mem::take(&mut self.more.warnings);
        let files = &self.more.files;
        w.sort_by_key(|d| {
            (
                file_rank(files, &d.origin),
                d.line.unwrap_or(u32::MAX),
                d.column.unwrap_or(0),
            )
        });
        w
    }

    /// The import report, if the scenario imported manifests.
    pub fn take_imports(&mut self) -> Option<crate::manifests::ImportReport> {
        self.more.imports.take()
    }

    /// The directory relative paths in the scenario are read from: the
    /// scenario file's own.
    pub fn base_dir(&self) -> std::path::PathBuf {
        std::path::Path::new(self.origin)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
    }
}
