//! `--assert "METRIC OP VALUE"`: gates evaluated on every point.
//!
//! METRIC is a metric name (a runs.csv column), compared through its mean
//! over the point's runs, or `lcb(NAME)` / `ucb(NAME)`, the lower / upper
//! end of its 95% confidence interval (`mean -/+ ci95`). OP is one of
//! `<`, `<=`, `>`, `>=`, `==`. VALUE is a number, or a percentage (`99.9%`
//! is 0.999).

use super::SweepError;
use super::stats::Stats;
use crate::scenario::suggest;
use std::fmt;

/// Which statistic of a metric a gate compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// The mean.
    Mean,
    /// Lower 95% confidence bound, `lcb(...)`.
    Lower,
    /// Upper 95% confidence bound, `ucb(...)`.
    Upper,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
        }
    }

    /// Whether `a OP b` holds.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
        }
    }
}

/// One parsed `--assert`.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// The argument as given.
    pub text: String,
    /// Metric name.
    pub metric: String,
    /// Mean or a confidence bound.
    pub bound: Bound,
    /// Operator.
    pub op: Op,
    /// Threshold.
    pub value: f64,
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.bound {
            Bound::Mean => write!(f, "{}", self.metric)?,
            Bound::Lower => write!(f, "lcb({})", self.metric)?,
            Bound::Upper => write!(f, "ucb({})", self.metric)?,
        }
        write!(f, " {} {}", self.op.text(), self.value)
    }
}

/// A gate that failed at a point.
#[derive(Clone, Debug, PartialEq)]
pub struct GateFailure {
    /// The gate.
    pub gate: Gate,
    /// The point.
    pub point: usize,
    /// The value compared (mean or bound).
    pub actual: f64,
    /// The metric's statistics at that point.
    pub stats: Stats,
}

const EXAMPLE: &str = "e.g. --assert \"workloads.web.slo_attainment >= 0.999\" or --assert \"lcb(workloads.web.slo_attainment) >= 99.9%\"";

impl Gate {
    /// Parses `METRIC OP VALUE`.
    pub fn parse(text: &str) -> Result<Gate, SweepError> {
        let err = |m: String| SweepError::Input(format!("--assert {text:?}: {m}"));
        // The first operator in the text; a two-character one wins over
        // its one-character prefix at the same place.
        let mut found: Option<(usize, Op, usize)> = None;
        for (op, s) in [
            (Op::Le, "<="),
            (Op::Ge, ">="),
            (Op::Eq, "=="),
            (Op::Lt, "<"),
            (Op::Gt, ">"),
        ] {
            if let Some(i) = text.find(s)
                && found.is_none_or(|(j, _, _)| i < j)
            {
                found = Some((i, op, s.len()));
            }
        }
        let Some((i, op, len)) = found else {
            if text.contains('=') {
                return Err(err(format!(
                    "no operator: use == to compare for equality; {EXAMPLE}"
                )));
            }
            return Err(err(format!(
                "expected METRIC OP VALUE with OP one of < <= > >= ==; {EXAMPLE}"
            )));
        };
        let lhs = text[..i].trim();
        let rhs = text[i + len..].trim();
        if lhs.is_empty() || rhs.is_empty() {
            return Err(err(format!("expected METRIC OP VALUE; {EXAMPLE}")));
        }
        let (bound, metric) = if let Some(inner) = strip_call(lhs, "lcb") {
            (Bound::Lower, inner)
        } else if let Some(inner) = strip_call(lhs, "ucb") {
            (Bound::Upper, inner)
        } else if lhs.contains('(') {
            return Err(err(format!(
                "{lhs:?}: the functions are lcb(METRIC) and ucb(METRIC), the 95% confidence bounds"
            )));
        } else {
            (Bound::Mean, lhs)
        };
        if metric.is_empty() || metric.contains(char::is_whitespace) {
            return Err(err(format!("bad metric name {metric:?}; {EXAMPLE}")));
        }
        let value = parse_value(rhs).ok_or_else(|| {
            err(format!(
                "the value {rhs:?} is not a number (like 0.999 or 99.9%)"
            ))
        })?;
        Ok(Gate {
            text: text.to_string(),
            metric: metric.to_string(),
            bound,
            op,
            value,
        })
    }

    /// Checks the metric name against the names a run reports; an unknown
    /// name gets the nearest one suggested.
    pub fn check_name(&self, names: &[String]) -> Result<(), SweepError> {
        if names.contains(&self.metric) {
            return Ok(());
        }
        let hint = match suggest(&self.metric, names.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => {
                let some: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
                format!("metrics are the runs.csv columns: {}, ...", some.join(", "))
            }
        };
        Err(SweepError::Input(format!(
            "--assert {:?}: unknown metric `{}` ({hint})",
            self.text, self.metric
        )))
    }

    /// The value this gate compares for a metric with statistics `s`.
    pub fn actual(&self, s: &Stats) -> f64 {
        match self.bound {
            Bound::Mean => s.mean,
            Bound::Lower => s.lcb(),
            Bound::Upper => s.ucb(),
        }
    }
}

fn strip_call<'a>(s: &'a str, f: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(f)?.trim_start();
    Some(rest.strip_prefix('(')?.strip_suffix(')')?.trim())
}

fn parse_value(s: &str) -> Option<f64> {
    let v = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok()? / 100.0,
        None => s.parse::<f64>().ok()?,
    };
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms() {
        let g = Gate::parse("workloads.web.slo_attainment >= 0.999").unwrap();
        assert_eq!(
            (g.metric.as_str(), g.bound, g.op, g.value),
            ("workloads.web.slo_attainment", Bound::Mean, Op::Ge, 0.999)
        );
        let g = Gate::parse("lcb( workloads.web.slo_attainment )>=99.5%").unwrap();
        assert_eq!(g.bound, Bound::Lower);
        assert!((g.value - 0.995).abs() < 1e-12);
        assert_eq!(g.to_string(), "lcb(workloads.web.slo_attainment) >= 0.995");
        let g = Gate::parse("ucb(cluster.cpu_allocation) < 0.8").unwrap();
        assert_eq!((g.bound, g.op), (Bound::Upper, Op::Lt));
        assert_eq!(Gate::parse("events == 3").unwrap().op, Op::Eq);
        assert_eq!(Gate::parse("events<=3").unwrap().op, Op::Le);
        assert_eq!(Gate::parse("events > -1").unwrap().value, -1.0);
    }

    #[test]
    fn refuses_malformed_gates() {
        for (bad, says) in [
            ("events", "expected METRIC OP VALUE"),
            ("events = 3", "use =="),
            (">= 3", "expected METRIC OP VALUE"),
            ("events >= abc", "not a number"),
            ("mean(events) >= 1", "lcb(METRIC)"),
            ("a b >= 1", "bad metric name"),
        ] {
            let e = Gate::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn unknown_metric_suggests_the_nearest() {
        let names = vec![
            "workloads.web.slo_attainment".to_string(),
            "workloads.api.slo_attainment".to_string(),
        ];
        let e = Gate::parse("workloads.web.slo_atainment > 0")
            .unwrap()
            .check_name(&names)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("did you mean `workloads.web.slo_attainment`"),
            "{e}"
        );
        assert!(
            Gate::parse("workloads.api.slo_attainment > 0")
                .unwrap()
                .check_name(&names)
                .is_ok()
        );
    }

    #[test]
    fn bounds_use_the_interval() {
        let s = Stats {
            n: 3,
            mean: 0.5,
            std: 0.1,
            ci95: 0.2,
        };
        assert_eq!(Gate::parse("lcb(x) > 0").unwrap().actual(&s), 0.3);
        assert_eq!(Gate::parse("ucb(x) > 0").unwrap().actual(&s), 0.7);
        assert_eq!(Gate::parse("x > 0").unwrap().actual(&s), 0.5);
        assert!(Op::Ge.holds(1.0, 1.0) && !Op::Gt.holds(1.0, 1.0));
    }
}
