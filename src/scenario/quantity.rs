//! Parsing of the scenario's quantity syntaxes: durations (`1h30m`), CPU
//! (`500m`, `2`), memory (`512Mi`, `1G`), percentages (`25%`) and
//! int-or-percent values. The `parse_*` functions take text and return a
//! lowercase message on error (without the field path, which the caller
//! adds); the node-level functions also accept YAML numbers.

use super::node::{Node, Value};
use crate::engine::SimDuration;
use crate::units::{Bytes, IntOrPercent, MilliCpu};

/// What went wrong with one value: a message and an optional hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            hint: None,
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

impl From<String> for Problem {
    fn from(message: String) -> Problem {
        Problem::new(message)
    }
}

const DURATION_FORMS: &str = "a duration like 90s, 5m, 1h30m";

/// A non-negative decimal number split into its integer digits and
/// fraction digits, e.g. `"1.25"` -> `("1", "25")`.
fn split_decimal(s: &str) -> Option<(&str, &str)> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    Some((int, frac))
}

/// `int.frac * unit` rounded up to a whole number, and whether it was
/// exact; None on overflow. Integer arithmetic, so `0.1 * 1000` is exactly 100.
fn scale_decimal(int: &str, frac: &str, unit: u128) -> Option<(u128, bool)> {
    // Digits beyond 18 only matter below one unit (units are below 2^60);
    // truncating keeps the products in range (a nonzero tail still makes
    // the result inexact, so it rounds up).
    let frac_used = &frac[..frac.len().min(18)];
    let tail_nonzero = frac[frac_used.len()..].bytes().any(|b| b != b'0');
    // More than 38 digits cannot fit in a u128.
    if int.trim_start_matches('0').len() > 38 {
        return None;
    }
    let int_v: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut total = int_v.checked_mul(unit)?;
    let mut exact = !tail_nonzero;
    if !frac_used.is_empty() {
        let den = 10u128.pow(frac_used.len() as u32);
        let num: u128 = frac_used.parse().ok()?;
        let prod = num.checked_mul(unit)?;
        total = total.checked_add(prod / den)?;
        exact &= prod % den == 0;
    }
    if !exact {
        total = total.checked_add(1)?;
    }
    Some((total, exact))
}

/// Parses a duration: one or more `<number><unit>` terms with units `d`,
/// `h`, `m`, `s`, `ms` (`90s`, `1h30m`, `1.5h`, `250ms`), or a bare `0`.
/// Fractions finer than a millisecond are rejected.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    parse_duration_p(text).map_err(|p| match p.hint {
        Some(h) => format!("{} ({h})", p.message),
        None => p.message,
    })
}

fn parse_duration_p(text: &str) -> Result<SimDuration, Problem> {
    let s = text.trim();
    let bad = || Problem::new(format!("expected {DURATION_FORMS}, got {text:?}"));
    if s == "0" {
        return Ok(SimDuration::ZERO);
    }
    if s.starts_with('-') {
        return Err(Problem::new(format!(
            "durations cannot be negative, got {text:?}"
        )));
    }
    if split_decimal(s).is_some() {
        return Err(bad().hint(format!("add a unit, e.g. {s}s or {s}m")));
    }
    let mut rest = s;
    let mut total: u128 = 0;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let Some((int, frac)) = split_decimal(num) else {
            return Err(bad());
        };
        let ms_per: u128 = match unit {
            "d" => 86_400_000,
            "h" => 3_600_000,
            "m" => 60_000,
            "s" => 1000,
            "ms" => 1,
            _ => return Err(bad().hint("units are d, h, m, s and ms")),
        };
        let Some((v, exact)) = scale_decimal(int, frac, ms_per) else {
            return Err(Problem::new(format!("duration {text:?} is too large")));
        };
        // Sub-millisecond precision would be silently lost; say so instead.
        if !exact {
            return Err(Problem::new(format!(
                "duration {text:?} is finer than a millisecond, the simulator's resolution"
            )));
        }
        total = total.saturating_add(v);
        rest = after;
    }
    u64::try_from(total)
        .map(SimDuration)
        .map_err(|_| Problem::new(format!("duration {text:?} is too large")))
}

/// A duration from a YAML node. Bare integers other than 0 are rejected
/// (is `30` seconds or minutes?) unless `bare_seconds` is set, which the
/// `*_seconds` fields use, as their name carries the unit.
pub(crate) fn duration(n: &Node, bare_seconds: bool) -> Result<SimDuration, Problem> {
    match &n.value {
        Value::Str(s) => parse_duration_p(s),
        Value::Int(0) => Ok(SimDuration::ZERO),
        Value::Int(i) if bare_seconds && *i > 0 => u64::try_from(*i)
            .ok()
            .and_then(|s| s.checked_mul(1000))
            .map(SimDuration)
            .ok_or_else(|| Problem::new(format!("duration {i}s is too large"))),
        Value::Int(i) if *i < 0 => Err(Problem::new(format!(
            "durations cannot be negative, got {i}"
        ))),
        Value::Int(i) => Err(Problem::new(format!("expected {DURATION_FORMS}, got {i}"))
            .hint(format!("add a unit, e.g. {i}s or {i}m"))),
        Value::Float(f) => Err(Problem::new(format!("expected {DURATION_FORMS}, got {f}"))
            .hint(format!("add a unit, e.g. {f}s or {f}m"))),
        _ => Err(Problem::new(format!(
            "expected {DURATION_FORMS}, got {}",
            n.describe()
        ))),
    }
}

const CPU_FORMS: &str = "a CPU quantity like 2, 0.5 or 500m";

/// Parses CPU: cores (`2`, `0.5`) or millicores (`500m`). Like Kubernetes,
/// precision finer than 1m is rounded up.
pub fn parse_cpu(text: &str) -> Result<MilliCpu, String> {
    let s = text.trim();
    let bad = || format!("expected {CPU_FORMS}, got {text:?}");
    if s.starts_with('-') {
        return Err(format!("cpu cannot be negative, got {text:?}"));
    }
    let (num, unit) = match s.strip_suffix('m') {
        Some(n) => (n, 1),
        None => (s, 1000),
    };
    let (int, frac) = split_decimal(num).ok_or_else(bad)?;
    let (v, _) =
        scale_decimal(int, frac, unit).ok_or_else(|| format!("cpu {text:?} is too large"))?;
    u64::try_from(v)
        .map(MilliCpu)
        .map_err(|_| format!("cpu {text:?} is too large"))
}

/// CPU from a YAML node (`2`, `0.5` or `"500m"`).
pub(crate) fn cpu(n: &Node) -> Result<MilliCpu, Problem> {
    match &n.value {
        Value::Str(s) => parse_cpu(s).map_err(Problem::new),
        Value::Int(_) | Value::Float(_) => {
            parse_cpu(&n.scalar_text().unwrap_or_default()).map_err(Problem::new)
        }
        _ => Err(Problem::new(format!(
            "expected {CPU_FORMS}, got {}",
            n.describe()
        ))),
    }
}

const MEMORY_FORMS: &str = "a memory quantity like 512Mi, 4Gi, 1G or a number of bytes";

/// Parses memory: bytes (`1048576`) or a number with a Kubernetes suffix:
/// binary `Ki Mi Gi Ti Pi Ei`, decimal `k M G T P E`. Fractions are allowed
/// (`1.5Gi`) and rounded up to whole bytes, as Kubernetes does.
pub fn parse_memory(text: &str) -> Result<Bytes, String> {
    let s = text.trim();
    if s.starts_with('-') {
        return Err(format!("memory cannot be negative, got {text:?}"));
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let unit: u128 = match suffix {
        "" => 1,
        "Ki" => 1 << 10,
        "Mi" => 1 << 20,
        "Gi" => 1 << 30,
        "Ti" => 1 << 40,
        "Pi" => 1 << 50,
        "Ei" => 1 << 60,
        "k" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        "T" => 1_000_000_000_000,
        "P" => 1_000_000_000_000_000,
        "E" => 1_000_000_000_000_000_000,
        _ => {
            let mut msg = format!("expected {MEMORY_FORMS}, got {text:?}");
            if let Some(s) = super::suggest::suggest(
                suffix,
                [
                    "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E",
                ],
            ) {
                msg.push_str(&format!(
                    " (unknown suffix {suffix:?}; did you mean {s:?}?)"
                ));
            }
            return Err(msg);
        }
    };
    let (int, frac) =
        split_decimal(num).ok_or_else(|| format!("expected {MEMORY_FORMS}, got {text:?}"))?;
    let (v, _) =
        scale_decimal(int, frac, unit).ok_or_else(|| format!("memory {text:?} is too large"))?;
    u64::try_from(v)
        .map(Bytes)
        .map_err(|_| format!("memory {text:?} is too large"))
}

/// Memory from a YAML node (`"512Mi"` or a number of bytes).
pub(crate) fn memory(n: &Node) -> Result<Bytes, Problem> {
    match &n.value {
        Value::Str(s) => parse_memory(s).map_err(Problem::new),
        Value::Int(_) | Value::Float(_) => {
            parse_memory(&n.scalar_text().unwrap_or_default()).map_err(Problem::new)
        }
        _ => Err(Problem::new(format!(
            "expected {MEMORY_FORMS}, got {}",
            n.describe()
        ))),
    }
}

/// Parses a whole-number percentage `25%` (no upper bound here; callers
/// that need one check it, as some fields allow more than 100%).
pub fn parse_percent(text: &str) -> Result<u32, String> {
    let s = text.trim();
    let bad = || format!("expected a percentage like 25%, got {text:?}");
    let num = s.strip_suffix('%').ok_or_else(bad)?.trim_end();
    if num.starts_with('-') {
        return Err(format!("percentages cannot be negative, got {text:?}"));
    }
    if num.contains('.') {
        return Err(format!(
            "expected a whole-number percentage like 25%, got {text:?}"
        ));
    }
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    num.parse()
        .map_err(|_| format!("percentage {text:?} is too large"))
}

/// A percentage that may have decimals (`99.95%`), as a number of percent.
pub fn parse_decimal_percent(text: &str) -> Result<f64, String> {
    let s = text.trim();
    let bad = || format!("expected a percentage like 99.9%, got {text:?}");
    let num = s.strip_suffix('%').ok_or_else(bad)?.trim_end();
    if num.starts_with('-') {
        return Err(format!("percentages cannot be negative, got {text:?}"));
    }
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(bad());
    }
    num.parse::<f64>().map_err(|_| bad())
}

/// A decimal percentage from a YAML node (`"99.9%"`).
pub(crate) fn decimal_percent(n: &Node) -> Result<f64, Problem> {
    match &n.value {
        Value::Str(s) => parse_decimal_percent(s).map_err(Problem::new),
        _ => {
            let t = n.scalar_text().unwrap_or_default();
            Err(
                Problem::new(format!("expected a percentage like 99.9%, got {t}"))
                    .hint(format!("write {t}%")),
            )
        }
    }
}

/// A percentage from a YAML node (`"70%"`; a bare number gets a hint).
pub(crate) fn percent(n: &Node) -> Result<u32, Problem> {
    match &n.value {
        Value::Str(s) => parse_percent(s).map_err(Problem::new),
        Value::Int(_) | Value::Float(_) => {
            let t = n.scalar_text().unwrap_or_default();
            Err(
                Problem::new(format!("expected a percentage like 70%, got {t}"))
                    .hint(format!("write {t}%")),
            )
        }
        _ => Err(Problem::new(format!(
            "expected a percentage like 70%, got {}",
            n.describe()
        ))),
    }
}

/// A count or a percentage: `2` or `"25%"`.
pub(crate) fn int_or_percent(n: &Node) -> Result<IntOrPercent, Problem> {
    let what = "a count like 1 or a percentage like 25%";
    match &n.value {
        Value::Int(i) if *i < 0 => Err(Problem::new(format!("expected {what}, got {i}"))),
        Value::Int(i) => u32::try_from(*i)
            .map(IntOrPercent::Int)
            .map_err(|_| Problem::new(format!("{i} is too large"))),
        Value::Str(s) if s.trim().ends_with('%') => parse_percent(s)
            .map(IntOrPercent::Percent)
            .map_err(Problem::new),
        Value::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
            .parse()
            .map(IntOrPercent::Int)
            .map_err(|_| Problem::new(format!("{s} is too large"))),
        _ => Err(Problem::new(format!(
            "expected {what}, got {}",
            n.describe()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::node::Loc;

    fn node(v: Value) -> Node {
        Node::new(v, Loc::None)
    }

    #[test]
    fn durations() {
        let ms = |s: &str| parse_duration(s).map(|d| d.as_millis());
        assert_eq!(ms("90s"), Ok(90_000));
        assert_eq!(ms("5m"), Ok(300_000));
        assert_eq!(ms("2h"), Ok(7_200_000));
        assert_eq!(ms("7d"), Ok(7 * 86_400_000));
        assert_eq!(ms("250ms"), Ok(250));
        assert_eq!(ms("1h30m"), Ok(5_400_000));
        assert_eq!(ms("1m30s500ms"), Ok(90_500));
        assert_eq!(ms("1.5h"), Ok(5_400_000));
        assert_eq!(ms("0.1s"), Ok(100));
        assert_eq!(ms("0"), Ok(0));
        assert_eq!(ms("0s"), Ok(0));
        assert_eq!(ms(" 10s "), Ok(10_000));
        for bad in [
            "", "5x", "s", "1.2.3s", "5 m", "1h-5m", "m5", "1.5ms", "0.0001s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
        let e = parse_duration("30").unwrap_err();
        assert!(e.contains("expected a duration like 90s, 5m, 1h30m"), "{e}");
        assert!(e.contains("add a unit"), "{e}");
        assert!(parse_duration("-5m").unwrap_err().contains("negative"));
        assert!(
            parse_duration("99999999999999999999d")
                .unwrap_err()
                .contains("too large")
        );
        assert!(parse_duration(&"9".repeat(100)).is_err());
        assert!(parse_duration(&format!("{}s", "9".repeat(100))).is_err());
    }

    #[test]
    fn durations_round_trip_through_display() {
        for ms in [
            0,
            1,
            250,
            1000,
            1250,
            59_999,
            90_000,
            5_400_000,
            86_400_000,
            700_000_123,
        ] {
            let d = SimDuration(ms);
            assert_eq!(parse_duration(&d.to_string()), Ok(d), "{d}");
        }
        for s in ["1m30s", "5m", "2h", "7d", "1h30m", "1s250ms", "3d4h5m6s7ms"] {
            assert_eq!(parse_duration(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn duration_nodes() {
        assert_eq!(duration(&node(Value::Int(0)), false), Ok(SimDuration::ZERO));
        let p = duration(&node(Value::Int(30)), false).unwrap_err();
        assert_eq!(p.hint.as_deref(), Some("add a unit, e.g. 30s or 30m"));
        assert_eq!(
            duration(&node(Value::Int(30)), true),
            Ok(SimDuration::from_secs(30))
        );
        assert!(duration(&node(Value::Int(-3)), true).is_err());
        assert!(duration(&node(Value::Bool(true)), false).is_err());
    }

    #[test]
    fn cpu_quantities() {
        assert_eq!(parse_cpu("2"), Ok(MilliCpu(2000)));
        assert_eq!(parse_cpu("0.5"), Ok(MilliCpu(500)));
        assert_eq!(parse_cpu("500m"), Ok(MilliCpu(500)));
        assert_eq!(parse_cpu("2000m"), Ok(MilliCpu(2000)));
        assert_eq!(parse_cpu(".25"), Ok(MilliCpu(250)));
        assert_eq!(parse_cpu("0.0001"), Ok(MilliCpu(1)), "rounded up like k8s");
        assert_eq!(parse_cpu("0"), Ok(MilliCpu(0)));
        for bad in ["", "5x", "m", "-1", "1.2.3", "2 cores", "1e3"] {
            assert!(parse_cpu(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_cpu("5x").unwrap_err(),
            "expected a CPU quantity like 2, 0.5 or 500m, got \"5x\""
        );
        assert_eq!(cpu(&node(Value::Float(0.5))), Ok(MilliCpu(500)));
        assert_eq!(cpu(&node(Value::Int(4))), Ok(MilliCpu(4000)));
        assert!(cpu(&node(Value::Int(-4))).is_err());
        assert!(
            parse_cpu(&"9".repeat(60))
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn memory_quantities() {
        assert_eq!(parse_memory("512Mi"), Ok(Bytes(512 << 20)));
        assert_eq!(parse_memory("4Gi"), Ok(Bytes(4 << 30)));
        assert_eq!(parse_memory("1G"), Ok(Bytes(1_000_000_000)));
        assert_eq!(parse_memory("1000M"), Ok(Bytes(1_000_000_000)));
        assert_eq!(parse_memory("1.5Gi"), Ok(Bytes(3 << 29)));
        assert_eq!(parse_memory("123"), Ok(Bytes(123)));
        assert_eq!(parse_memory("1k"), Ok(Bytes(1000)));
        for bad in ["", "5x", "-1Gi", "Gi", "1GB", "1.2.3Mi", "16 Gi"] {
            assert!(parse_memory(bad).is_err(), "{bad:?}");
        }
        assert!(parse_memory("-1Gi").unwrap_err().contains("negative"));
        assert!(parse_memory("1GB").unwrap_err().contains("unknown suffix"));
        assert!(
            parse_memory("1gi")
                .unwrap_err()
                .contains("did you mean \"Gi\"")
        );
        assert!(parse_memory("100Ei").unwrap_err().contains("too large"));
        assert_eq!(memory(&node(Value::Int(1024))), Ok(Bytes(1024)));
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("25%"), Ok(25));
        assert_eq!(parse_percent("0%"), Ok(0));
        assert_eq!(parse_percent("150%"), Ok(150));
        for bad in ["25", "%", "-5%", "12.5%", "x%", "99999999999%"] {
            assert!(parse_percent(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            percent(&node(Value::Int(70))).unwrap_err().hint.as_deref(),
            Some("write 70%")
        );
        assert_eq!(
            int_or_percent(&node(Value::Int(2))),
            Ok(IntOrPercent::Int(2))
        );
        assert_eq!(
            int_or_percent(&node(Value::Str("25%".into()))),
            Ok(IntOrPercent::Percent(25))
        );
        assert!(int_or_percent(&node(Value::Int(-1))).is_err());
        assert!(int_or_percent(&node(Value::Str("x".into()))).is_err());
    }
}
