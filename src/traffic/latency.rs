//! Latency statistics of the `requests` traffic mode.
//!
//! Latencies are whole milliseconds (simulated time is). Values below
//! [`EXACT_BELOW_MS`] (65.536 s) are counted exactly, one counter per
//! millisecond; larger values keep their 16 most significant bits (a
//! relative error below 2^-15, 0.003 %). The mean is exact. Percentiles are
//! nearest-rank: the smallest value with at least `p %` of the samples at
//! or below it.

use std::collections::BTreeMap;

/// Latencies below this are stored exactly.
pub const EXACT_BELOW_MS: u64 = 1 << 16;

/// A latency histogram.
#[derive(Clone, Debug, Default)]
pub struct LatencyHistogram {
    exact: Vec<u64>,
    coarse: BTreeMap<u64, u64>,
    count: u64,
    sum_ms: u128,
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one latency.
    pub fn record(&mut self, ms: u64) {
        self.count += 1;
        self.sum_ms += u128::from(ms);
        if ms < EXACT_BELOW_MS {
            let i = ms as usize;
            if self.exact.len() <= i {
                self.exact.resize(i + 1, 0);
            }
            self.exact[i] += 1;
        } else {
            let shift = 64 - ms.leading_zeros() - 16;
            *self.coarse.entry((ms >> shift) << shift).or_default() += 1;
        }
    }

    /// Number of latencies recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean, ms (`None` when empty).
    pub fn mean_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_ms as f64 / self.count as f64)
    }

    /// The nearest-rank `p`-th percentile (`0 < p <= 100`), ms.
    pub fn percentile_ms(&self, p: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (ms, c) in self.exact.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(ms as f64);
            }
        }
        for (ms, c) in &self.coarse {
            seen += c;
            if seen >= rank {
                return Some(*ms as f64);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut h = LatencyHistogram::new();
        for ms in 1..=100 {
            h.record(ms);
        }
        assert_eq!(h.percentile_ms(50.0), Some(50.0));
        assert_eq!(h.percentile_ms(99.0), Some(99.0));
        assert_eq!(h.percentile_ms(100.0), Some(100.0));
        assert_eq!(h.mean_ms(), Some(50.5));
        assert_eq!(LatencyHistogram::new().percentile_ms(50.0), None);
    }

    #[test]
    fn large_values_keep_16_significant_bits() {
        let mut h = LatencyHistogram::new();
        let big = 3_600_000 + 12_345;
        h.record(big);
        let got = h.percentile_ms(50.0).unwrap();
        assert!(got <= big as f64 && (big as f64 - got) / (big as f64) < 1.0 / 32768.0);
        assert_eq!(h.mean_ms(), Some(big as f64), "the mean stays exact");
    }
}
