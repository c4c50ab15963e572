//! Mean, standard deviation and the 95% confidence half-width of a sample
//! (Student-t), computed in a fixed order so results are reproducible.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Summary statistics of one metric over the runs of one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Number of values.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator; 0 for one value).
    pub std: f64,
    /// Half-width of the 95% confidence interval of the mean:
    /// `t(0.975, n-1) * std / sqrt(n)`; 0 for a single value.
    pub ci95: f64,
}

impl Stats {
    /// Statistics of `values`, summed in the order given. NaN for an empty
    /// slice. When every value is the same, the mean is that value exactly
    /// and the spread is 0 (no rounding noise).
    pub fn of(values: &[f64]) -> Stats {
        let n = values.len();
        if n == 0 {
            return Stats {
                n,
                mean: f64::NAN,
                std: f64::NAN,
                ci95: f64::NAN,
            };
        }
        if values.iter().all(|v| *v == values[0]) {
            return Stats {
                n,
                mean: values[0],
                std: 0.0,
                ci95: 0.0,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        // Two passes: the textbook one-pass formula cancels catastrophically
        // for availabilities like 0.99999.
        let ss: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        let std = (ss / (n - 1) as f64).sqrt();
        let ci95 = t975(n - 1) * std / (n as f64).sqrt();
        Stats { n, mean, std, ci95 }
    }

    /// Lower end of the 95% confidence interval.
    pub fn lcb(&self) -> f64 {
        self.mean - self.ci95
    }

    /// Upper end of the 95% confidence interval.
    pub fn ucb(&self) -> f64 {
        self.mean + self.ci95
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("df >= 1 is a valid Student-t")
        .inverse_cdf(0.975)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        assert!((t975(1) - 12.706_205).abs() < 1e-5);
        assert!((t975(4) - 2.776_445).abs() < 1e-5);
        assert!((t975(9) - 2.262_157).abs() < 1e-5);
        assert!((t975(1000) - 1.962_339).abs() < 1e-5);
    }

    #[test]
    fn mean_std_ci() {
        let s = Stats::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(s.n, 5);
        assert_eq!(s.mean, 3.0);
        assert!((s.std - 2.5f64.sqrt()).abs() < 1e-12);
        assert!((s.ci95 - 2.776_445 * 2.5f64.sqrt() / 5f64.sqrt()).abs() < 1e-5);
        assert!((s.lcb() + s.ucb() - 6.0).abs() < 1e-12);
        let one = Stats::of(&[0.25]);
        assert_eq!((one.mean, one.std, one.ci95), (0.25, 0.0, 0.0));
        let same = Stats::of(&[0.1, 0.1, 0.1]);
        assert_eq!((same.mean, same.std, same.ci95), (0.1, 0.0, 0.0));
        assert!(Stats::of(&[]).mean.is_nan());
    }
}
