//! Latency statistics of the `requests` traffic mode.
//!
//! Latencies are whole milliseconds (simulated time is). Values below
//! [`EXACT_BELOW_MS`] (65.536 s) are counted exactly, one counter per
//! millisecond; larger values keep their 16 most significant bits (a
//! relative error below 2^-15, 0.003 %). The mean is exact. Percentiles are
//! nearest-rank: the smallest value with at least `p %` of the samples at
//! or below it.

/// Latencies below this are stored exactly.
pub const EXACT_BELOW_MS: u64 = 1 << 16;

/// Counters of one coarse page: values with the same bit length, by their
/// 16 significant bits (the top one always set).
const PAGE: usize = 1 << 15;

/// A latency histogram.
#[derive(Clone, Debug, Default)]
pub struct LatencyHistogram {
    exact: Vec<u64>,
    /// Values from [`EXACT_BELOW_MS`] on: page `i` counts those `17 + i`
    /// bits long, by their 16 significant bits; a page is allocated when
    /// first used (zeroed memory: untouched parts cost no RAM). An array,
    /// not a map: Job completion times land here, one per Job.
    coarse: Vec<Box<[u64]>>,
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
            // ms >= 2^16, so shift >= 1.
            let shift = (64 - ms.leading_zeros() - 16) as usize;
            let page = shift - 1;
            if self.coarse.len() <= page {
                self.coarse.resize_with(page + 1, || Box::new([]));
            }
            if self.coarse[page].is_empty() {
                self.coarse[page] = vec![0; PAGE].into_boxed_slice();
            }
            self.coarse[page][(ms >> shift) as usize - PAGE] += 1;
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
        for (page, counts) in self.coarse.iter().enumerate() {
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= rank {
                    return Some((((i + PAGE) as u64) << (page + 1)) as f64);
                }
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

    #[test]
    fn coarse_values_sort_across_pages() {
        // 2^16 is the first coarse value (page 0, kept exactly); 2^17 + 6
        // is 18 bits long and keeps its top 16: 2^17 + 4. Percentiles walk
        // the pages in value order.
        let mut h = LatencyHistogram::new();
        for ms in [(1 << 17) + 6, 1 << 16, 5, u64::MAX] {
            h.record(ms);
        }
        assert_eq!(h.percentile_ms(25.0), Some(5.0));
        assert_eq!(h.percentile_ms(50.0), Some(65536.0));
        assert_eq!(h.percentile_ms(75.0), Some(131076.0));
        let top = h.percentile_ms(100.0).unwrap();
        assert_eq!(top, (u64::MAX >> 48 << 48) as f64);
    }
}
