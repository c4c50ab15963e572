//! Rate traces replayed by the `replay` pattern: a CSV of `(time, rate)`.
//!
//! Format: two columns, time in seconds from the start of the trace and the
//! rate in requests per second; an optional header line (any first line
//! whose first cell is not a number); `#` comments and blank lines are
//! skipped. Times must start at 0 or later and strictly increase; rates
//! must be finite and not negative.

/// Largest trace file read.
pub const MAX_TRACE_BYTES: u64 = 64 * 1024 * 1024;

/// A parsed trace: points sorted by time.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// Times, seconds, strictly increasing, the first at 0 or later.
    pub times_s: Vec<f64>,
    /// Rates, requests per second, at those times.
    pub rates: Vec<f64>,
}

/// How the rate between two points is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interpolation {
    /// A straight line between the points.
    Linear,
    /// The earlier point's rate until the next point (a step function).
    Step,
}

/// A problem in a trace, with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    /// Line of the file, if the problem is on one.
    pub line: Option<usize>,
    /// What is wrong, lowercase.
    pub message: String,
}

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl Trace {
    /// Parses a trace. `looped` traces must start at 0 and have at least two
    /// points (the last point closes the cycle).
    pub fn parse(text: &str, looped: bool) -> Result<Trace, TraceError> {
        let mut times_s = Vec::new();
        let mut rates = Vec::new();
        let mut seen_data = false;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let err = |message: String| TraceError {
                line: Some(line_no),
                message,
            };
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let first_is_number = cells[0].parse::<f64>().is_ok();
            if !seen_data && !first_is_number {
                // A header line.
                seen_data = true;
                continue;
            }
            seen_data = true;
            if cells.len() != 2 {
                return Err(err(format!(
                    "expected 2 columns (time in seconds, rate in requests per second), got {}",
                    cells.len()
                )));
            }
            let t: f64 = cells[0]
                .parse()
                .map_err(|_| err(format!("time `{}` is not a number", cells[0])))?;
            let r: f64 = cells[1]
                .parse()
                .map_err(|_| err(format!("rate `{}` is not a number", cells[1])))?;
            if !t.is_finite() || t < 0.0 {
                return Err(err(format!("time {t} must be finite and not negative")));
            }
            if !r.is_finite() || r < 0.0 {
                return Err(err(format!("rate {r} must be finite and not negative")));
            }
            if let Some(&prev) = times_s.last()
                && t <= prev
            {
                return Err(err(format!(
                    "time {t} does not come after the previous time {prev}; times must strictly increase"
                )));
            }
            times_s.push(t);
            rates.push(r);
        }
        if times_s.is_empty() {
            return Err(TraceError {
                line: None,
                message: "the trace has no data rows".into(),
            });
        }
        if looped {
            if times_s[0] != 0.0 {
                return Err(TraceError {
                    line: None,
                    message: format!(
                        "a looped trace must start at time 0 (it starts at {})",
                        times_s[0]
                    ),
                });
            }
            if times_s.len() < 2 {
                return Err(TraceError {
                    line: None,
                    message: "a looped trace needs at least two rows: the last time is the length of the cycle".into(),
                });
            }
        }
        Ok(Trace { times_s, rates })
    }

    /// The largest rate.
    pub fn max_rate(&self) -> f64 {
        self.rates.iter().copied().fold(0.0, f64::max)
    }

    /// The length of one cycle when looped: the last time.
    pub fn period_s(&self) -> f64 {
        *self.times_s.last().unwrap_or(&0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_header_comments_and_blank_lines() {
        let t = Trace::parse("time,rate\n# warm-up\n0,10\n\n60, 20\n120,5.5\n", true).unwrap();
        assert_eq!(t.times_s, [0.0, 60.0, 120.0]);
        assert_eq!(t.rates, [10.0, 20.0, 5.5]);
        assert_eq!(t.period_s(), 120.0);
        assert_eq!(t.max_rate(), 20.0);
    }

    #[test]
    fn errors_name_the_line() {
        let e = Trace::parse("time,rate\n0,10\n5,x\n", false).unwrap_err();
        assert_eq!(e.to_string(), "line 3: rate `x` is not a number");
        let e = Trace::parse("0,10\n5,1\n5,2\n", false).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("strictly increase"));
        let e = Trace::parse("0,-1\n", false).unwrap_err();
        assert!(e.message.contains("not negative"));
        let e = Trace::parse("0,1,2\n", false).unwrap_err();
        assert!(e.message.contains("expected 2 columns"));
        let e = Trace::parse("time,rate\n", false).unwrap_err();
        assert_eq!(e.to_string(), "the trace has no data rows");
        let e = Trace::parse("5,1\n10,2\n", true).unwrap_err();
        assert!(e.message.contains("start at time 0"));
        let e = Trace::parse("0,1\n", true).unwrap_err();
        assert!(e.message.contains("at least two rows"));
    }
}
