//! Offered request rate over time: a base rate times a product of pattern
//! factors, optionally with Poisson count noise, evaluated piece by piece.
//!
//! A [`RateModel`] is queried forward in time (the simulation only moves
//! forward): integrals over `[a, b]`, integrals of the rate capped at a
//! capacity, the instantaneous rate, and the time at which the integral
//! from `a` reaches a given amount (arrivals). Each query walks the pieces
//! between breakpoints of the factors and uses the closed forms of
//! [`Series`]; nothing is sampled on a time grid.

use super::series::Series;
use super::trace::{Interpolation, Trace};
use crate::engine::SimRng;
use rand::RngExt;
use rand_distr::{Distribution, Poisson};
use std::collections::VecDeque;
use std::f64::consts::TAU;
use std::sync::Arc;

/// Longest piece: long pieces are re-anchored so that local times (and the
/// polynomials in them) stay small.
pub const MAX_PIECE_S: f64 = 3600.0;

/// Width of the bins of Poisson count noise in the fluid model, seconds.
pub const NOISE_BIN_S: f64 = 1.0;

/// One multiplicative factor of the rate. Times are seconds from the start
/// of the run.
#[derive(Clone, Debug)]
pub enum Factor {
    /// `1 + amplitude · cos(2π (t - peak) / period)`.
    Diurnal {
        /// In `[0, 1]`.
        amplitude: f64,
        /// Seconds.
        period_s: f64,
        /// Seconds into the period.
        peak_s: f64,
    },
    /// 1 before `at`, `factor` from then on.
    Step {
        /// Seconds.
        at_s: f64,
        /// Multiplier.
        factor: f64,
    },
    /// `factor` on `[at, at + duration)`, 1 elsewhere.
    Spike {
        /// Seconds.
        at_s: f64,
        /// Seconds.
        duration_s: f64,
        /// Multiplier.
        factor: f64,
    },
    /// `from` before `at`, linear to `to` over `duration`, `to` after.
    Ramp {
        /// Seconds.
        at_s: f64,
        /// Seconds (> 0).
        duration_s: f64,
        /// Multiplier before the ramp.
        from: f64,
        /// Multiplier after the ramp.
        to: f64,
    },
    /// The rate of a trace (requests per second, times the base rate).
    Replay {
        /// The points.
        trace: Arc<Trace>,
        /// Between points.
        interpolation: Interpolation,
        /// Repeat every `trace.period_s()`; otherwise hold the last rate.
        looped: bool,
    },
    /// A two-state Markov-modulated factor (the rate of an MMPP): `factor`
    /// while on, 1 while off, exponential sojourns.
    Bursty(Mmpp),
}

/// The on/off state process of a bursty factor. Its switch times are drawn
/// lazily from its own stream, in time order, so they do not depend on how
/// the run queries the rate.
#[derive(Clone, Debug)]
pub struct Mmpp {
    factor: f64,
    mean_on_s: f64,
    mean_off_s: f64,
    rng: SimRng,
    /// Switch times not yet forgotten, increasing.
    switches: VecDeque<f64>,
    /// The state before `switches[0]` (or now, if there is none).
    on_before: bool,
    /// Time from which switches are drawn (the last switch, or the start).
    horizon: f64,
}

impl Mmpp {
    /// A bursty factor starting in its stationary distribution at time 0.
    pub fn new(factor: f64, mean_on_s: f64, mean_off_s: f64, mut rng: SimRng) -> Mmpp {
        let p_on = mean_on_s / (mean_on_s + mean_off_s);
        let on = rng.random::<f64>() < p_on;
        Mmpp {
            factor,
            mean_on_s,
            mean_off_s,
            rng,
            switches: VecDeque::new(),
            on_before: on,
            horizon: 0.0,
        }
    }

    fn state_after_all(&self) -> bool {
        self.on_before ^ (self.switches.len() % 2 == 1)
    }

    /// State at `t` and the next switch after `t`.
    fn at(&mut self, t: f64) -> (bool, f64) {
        while self.switches.back().is_none_or(|s| *s <= t) {
            let on = self.state_after_all();
            let mean = if on { self.mean_on_s } else { self.mean_off_s };
            let u: f64 = self.rng.random();
            let next = self.horizon + (-(1.0 - u).ln() * mean).max(1e-6);
            self.switches.push_back(next);
            self.horizon = next;
        }
        let idx = self.switches.partition_point(|s| *s <= t);
        (self.on_before ^ (idx % 2 == 1), self.switches[idx])
    }

    fn forget_before(&mut self, t: f64) {
        while self.switches.len() > 1 && self.switches[0] <= t {
            self.switches.pop_front();
            self.on_before = !self.on_before;
        }
    }
}

impl Factor {
    /// The factor on `[t, end)` as a series in `τ = u - t`, and `end`.
    fn piece(&mut self, t: f64) -> (Series, f64) {
        match self {
            Factor::Diurnal {
                amplitude,
                period_s,
                peak_s,
            } => {
                let phase = TAU * ((t - *peak_s) / *period_s).rem_euclid(1.0);
                (
                    Series::one_plus_cosine(*amplitude, TAU / *period_s, phase),
                    f64::INFINITY,
                )
            }
            Factor::Step { at_s, factor } => {
                if t < *at_s {
                    (Series::constant(1.0), *at_s)
                } else {
                    (Series::constant(*factor), f64::INFINITY)
                }
            }
            Factor::Spike {
                at_s,
                duration_s,
                factor,
            } => {
                let end = *at_s + *duration_s;
                if t < *at_s {
                    (Series::constant(1.0), *at_s)
                } else if t < end {
                    (Series::constant(*factor), end)
                } else {
                    (Series::constant(1.0), f64::INFINITY)
                }
            }
            Factor::Ramp {
                at_s,
                duration_s,
                from,
                to,
            } => {
                let end = *at_s + *duration_s;
                if t < *at_s {
                    (Series::constant(*from), *at_s)
                } else if t < end {
                    let slope = (*to - *from) / *duration_s;
                    (Series::linear(*from + slope * (t - *at_s), slope), end)
                } else {
                    (Series::constant(*to), f64::INFINITY)
                }
            }
            Factor::Replay {
                trace,
                interpolation,
                looped,
            } => replay_piece(trace, *interpolation, *looped, t),
            Factor::Bursty(m) => {
                let (on, next) = m.at(t);
                (Series::constant(if on { m.factor } else { 1.0 }), next)
            }
        }
    }

    fn forget_before(&mut self, t: f64) {
        if let Factor::Bursty(m) = self {
            m.forget_before(t);
        }
    }

    /// An upper bound of the factor over all time (for reports).
    pub fn max(&self) -> f64 {
        match self {
            Factor::Diurnal { amplitude, .. } => 1.0 + amplitude,
            Factor::Step { factor, .. } | Factor::Spike { factor, .. } => factor.max(1.0),
            Factor::Ramp { from, to, .. } => from.max(*to),
            Factor::Replay { trace, .. } => trace.max_rate(),
            Factor::Bursty(m) => m.factor.max(1.0),
        }
    }
}

fn replay_piece(trace: &Trace, interp: Interpolation, looped: bool, t: f64) -> (Series, f64) {
    let ts = &trace.times_s;
    let rs = &trace.rates;
    let (offset, tt) = if looped {
        let p = trace.period_s();
        let k = (t / p).floor();
        (k * p, t - k * p)
    } else {
        (0.0, t)
    };
    if tt < ts[0] {
        return (Series::constant(rs[0]), offset + ts[0]);
    }
    // Last point at or before tt.
    let i = ts.partition_point(|x| *x <= tt) - 1;
    if i + 1 >= ts.len() {
        // Past the end: hold the last rate (a looped trace never gets here
        // but for rounding at the cycle's end).
        let end = if looped {
            offset + trace.period_s() + ts[0].max(0.0)
        } else {
            f64::INFINITY
        };
        return (Series::constant(rs[i]), end.max(t.next_up()));
    }
    let end = (offset + ts[i + 1]).max(t.next_up());
    match interp {
        Interpolation::Step => (Series::constant(rs[i]), end),
        Interpolation::Linear => {
            let slope = (rs[i + 1] - rs[i]) / (ts[i + 1] - ts[i]);
            (Series::linear(rs[i] + slope * (tt - ts[i]), slope), end)
        }
    }
}

/// The noiseless rate on `[from, end)`, as a series in `τ = u - from`.
struct Piece {
    from: f64,
    end: f64,
    s: Series,
    /// `s'` and `s''`, computed when a capped integral first needs them.
    derivs: Option<(Series, Series)>,
    /// The last antiderivative evaluated, `(τ, F(τ))`: walks over
    /// contiguous intervals then cost one evaluation per interval.
    memo: (f64, f64),
}

impl Piece {
    /// `∫ s` over local `[x, y]`.
    fn integral(&mut self, x: f64, y: f64) -> f64 {
        if y <= x {
            return 0.0;
        }
        if let Some(c) = self.s.as_constant() {
            return c * (y - x);
        }
        let fx = if self.memo.0 == x {
            self.memo.1
        } else {
            self.s.antiderivative(x)
        };
        let fy = self.s.antiderivative(y);
        self.memo = (y, fy);
        fy - fx
    }
}

struct Noise {
    rng: SimRng,
    /// The current bin, its expected count and its factor (Poisson count /
    /// expected count).
    bin: i64,
    lambda: f64,
    factor: f64,
}

/// A base rate times pattern factors (requests per second over time).
pub struct RateModel {
    base: f64,
    factors: Vec<Factor>,
    noise: Option<Noise>,
    piece: Piece,
}

impl RateModel {
    /// `base · Π factors` (a constant `base` without factors).
    pub fn new(base: f64, factors: Vec<Factor>) -> RateModel {
        RateModel {
            base,
            factors,
            noise: None,
            piece: Piece {
                from: 0.0,
                end: 0.0,
                s: Series::default(),
                derivs: None,
                memo: (f64::NAN, 0.0),
            },
        }
    }

    /// Adds Poisson count noise: the requests offered in each
    /// [`NOISE_BIN_S`] bin are Poisson with the bin's integral as mean,
    /// spread over the bin in proportion to the noiseless rate.
    pub fn with_noise(mut self, rng: SimRng) -> RateModel {
        self.noise = Some(Noise {
            rng,
            bin: -1,
            lambda: 0.0,
            factor: 1.0,
        });
        self
    }

    /// Makes `self.piece` the noiseless piece containing `t`.
    fn ensure_piece(&mut self, t: f64) {
        if t >= self.piece.from && t < self.piece.end {
            return;
        }
        if self.noise.is_none() {
            // Queries only move forward (noise bins look back within a bin
            // and forget at their start instead).
            for f in &mut self.factors {
                f.forget_before(t);
            }
        }
        let mut s = Series::constant(self.base);
        let mut end = t + MAX_PIECE_S;
        for f in &mut self.factors {
            let (fs, fe) = f.piece(t);
            if fs.as_constant() != Some(1.0) {
                s = s.mul(&fs);
            }
            end = end.min(fe);
        }
        self.piece = Piece {
            from: t,
            end: end.max(t.next_up()),
            s,
            derivs: None,
            memo: (f64::NAN, 0.0),
        };
    }

    /// The segment of constant noise and one smooth piece containing `t`:
    /// its end, the noise factor on it, and, when the segment is a whole
    /// noise bin, the noiseless integral over it (already known).
    /// Afterwards `self.piece` holds `t`.
    fn segment(&mut self, t: f64) -> (f64, f64, Option<f64>) {
        if self.noise.is_none() {
            self.ensure_piece(t);
            return (self.piece.end, 1.0, None);
        }
        let k = (t / NOISE_BIN_S).floor() as i64;
        let bin_start = k as f64 * NOISE_BIN_S;
        let bin_end = (k + 1) as f64 * NOISE_BIN_S;
        if self.noise.as_ref().is_some_and(|n| n.bin != k) {
            for f in &mut self.factors {
                f.forget_before(bin_start.min(t));
            }
            // The bin's expected count, then its Poisson draw.
            let mut lambda = 0.0;
            let mut u = bin_start;
            while u < bin_end {
                self.ensure_piece(u);
                let p = &mut self.piece;
                let e = p.end.min(bin_end);
                lambda += p.integral(u - p.from, e - p.from);
                u = e;
            }
            let noise = self.noise.as_mut().expect("noise is on");
            let count = if lambda > 0.0 {
                Poisson::new(lambda).map_or(lambda, |p| p.sample(&mut noise.rng))
            } else {
                0.0
            };
            noise.bin = k;
            noise.lambda = lambda;
            noise.factor = if lambda > 0.0 { count / lambda } else { 0.0 };
        }
        self.ensure_piece(t);
        let (factor, lambda) = self
            .noise
            .as_ref()
            .map_or((1.0, 0.0), |n| (n.factor, n.lambda));
        let end = self.piece.end.min(bin_end).max(t.next_up());
        let whole = (t == bin_start && end == bin_end).then_some(lambda);
        (end, factor, whole)
    }

    /// The rate at `t`, requests per second.
    pub fn rate(&mut self, t: f64) -> f64 {
        let (_, k, _) = self.segment(t);
        (k * self.piece.s.eval(t - self.piece.from)).max(0.0)
    }

    /// Requests offered in `[a, b]`.
    pub fn integral(&mut self, a: f64, b: f64) -> f64 {
        let mut sum = 0.0;
        let mut u = a;
        while u < b {
            let (end, k, whole) = self.segment(u);
            let p = &mut self.piece;
            let e = end.min(b);
            sum += k * match whole.filter(|_| e == end) {
                Some(lambda) => lambda,
                None => p.integral(u - p.from, e - p.from),
            };
            u = e;
        }
        sum.max(0.0)
    }

    /// `(∫ rate, ∫ min(rate, cap))` over `[a, b]`.
    pub fn integral_capped(&mut self, a: f64, b: f64, cap: f64) -> (f64, f64) {
        let (mut all, mut capped) = (0.0, 0.0);
        let mut u = a;
        while u < b {
            let (end, k, known) = self.segment(u);
            let p = &mut self.piece;
            let e = end.min(b);
            let (x, y) = (u - p.from, e - p.from);
            let whole = match known.filter(|_| e == end) {
                Some(lambda) => lambda,
                None => p.integral(x, y),
            };
            all += k * whole;
            // ∫ min(k s, cap) = k ∫ min(s, cap / k) for k > 0.
            capped += if k <= 0.0 {
                0.0
            } else {
                match p.s.as_constant() {
                    Some(c) => (k * c).min(cap) * (y - x),
                    None => {
                        let s = &p.s;
                        let d = p
                            .derivs
                            .get_or_insert_with(|| (s.derivative(), s.derivative().derivative()));
                        k * s.integral_capped_known(d, x, y, cap / k, whole)
                    }
                }
            };
            u = e;
        }
        let all = all.max(0.0);
        (all, capped.max(0.0).min(all))
    }

    /// The smallest `t >= a` with `∫_a^t rate = x`, or `None` if that is
    /// after `limit`.
    pub fn solve(&mut self, a: f64, x: f64, limit: f64) -> Option<f64> {
        let mut rem = x;
        let mut u = a;
        while u < limit {
            let (end, k, _) = self.segment(u);
            let p = &self.piece;
            let e = end.min(limit);
            let (lo, hi) = (u - p.from, e - p.from);
            if k > 0.0 {
                if let Some(tau) = p.s.solve_integral(lo, hi, rem / k) {
                    return Some(p.from + tau);
                }
                rem -= k * p.s.integral(lo, hi).max(0.0);
            }
            u = e;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
    }

    /// Midpoint-rule reference over a fine grid.
    fn numeric(m: &mut RateModel, a: f64, b: f64, cap: f64) -> (f64, f64) {
        let n = 200_000;
        let h = (b - a) / n as f64;
        let (mut all, mut capped) = (0.0, 0.0);
        for i in 0..n {
            let r = m.rate(a + (i as f64 + 0.5) * h);
            all += r * h;
            capped += r.min(cap) * h;
        }
        (all, capped)
    }

    fn diurnal() -> Factor {
        Factor::Diurnal {
            amplitude: 0.5,
            period_s: 86_400.0,
            peak_s: 43_200.0,
        }
    }

    #[test]
    fn constant_is_exactly_constant() {
        let mut m = RateModel::new(250.0, vec![]);
        assert_eq!(m.integral(0.0, 10.0), 2500.0);
        assert_eq!(m.integral(10.0, 7200.5), 250.0 * 7190.5);
        assert_eq!(m.integral_capped(0.0, 4.0, 100.0), (1000.0, 400.0));
        assert_eq!(m.rate(123.0), 250.0);
        assert_eq!(m.solve(2.0, 500.0, 1e9), Some(4.0));
    }

    #[test]
    fn diurnal_peaks_at_its_peak_and_integrates_to_the_mean_over_a_period() {
        let mut m = RateModel::new(100.0, vec![diurnal()]);
        assert!(close(m.rate(43_200.0), 150.0, 1e-12));
        assert!(close(m.rate(0.0), 50.0, 1e-12));
        assert!(close(m.integral(0.0, 86_400.0), 100.0 * 86_400.0, 1e-10));
        // A day twice: pieces are re-anchored every hour without drift.
        assert!(close(
            m.integral(86_400.0, 3.0 * 86_400.0),
            200.0 * 86_400.0,
            1e-10
        ));
    }

    #[test]
    fn composed_patterns_integrate_like_the_numeric_reference() {
        let trace = Arc::new(Trace::parse("0,1\n600,3\n1200,0.5\n1800,1\n", true).unwrap());
        let factors = vec![
            diurnal(),
            Factor::Spike {
                at_s: 1000.0,
                duration_s: 300.0,
                factor: 4.0,
            },
            Factor::Ramp {
                at_s: 500.0,
                duration_s: 2000.0,
                from: 1.0,
                to: 2.0,
            },
            Factor::Replay {
                trace,
                interpolation: Interpolation::Linear,
                looped: true,
            },
            Factor::Diurnal {
                amplitude: 0.2,
                period_s: 700.0,
                peak_s: 0.0,
            },
        ];
        let mut exact = RateModel::new(100.0, factors.clone());
        let mut reference = RateModel::new(100.0, factors);
        let cap = 250.0;
        let (a, b) = (37.0, 5000.0);
        let got = exact.integral_capped(a, b, cap);
        let want = numeric(&mut reference, a, b, cap);
        // The midpoint rule errs by up to h x jump on the panels that straddle
        // the spike's edges (h = 0.025 s): a few requests in 7e5.
        assert!(close(got.0, want.0, 1e-5), "{got:?} vs {want:?}");
        assert!(close(got.1, want.1, 1e-5), "{got:?} vs {want:?}");
        assert!(got.1 < got.0);
    }

    #[test]
    fn step_spike_and_ramp_have_their_shapes() {
        let mut m = RateModel::new(
            10.0,
            vec![
                Factor::Step {
                    at_s: 100.0,
                    factor: 2.0,
                },
                Factor::Spike {
                    at_s: 200.0,
                    duration_s: 50.0,
                    factor: 3.0,
                },
                Factor::Ramp {
                    at_s: 300.0,
                    duration_s: 100.0,
                    from: 1.0,
                    to: 0.0,
                },
            ],
        );
        assert_eq!(m.rate(99.999), 10.0);
        assert_eq!(m.rate(100.0), 20.0);
        assert_eq!(m.rate(225.0), 60.0);
        assert_eq!(m.rate(250.0), 20.0);
        assert!(close(m.rate(350.0), 10.0, 1e-12));
        assert_eq!(m.rate(500.0), 0.0);
        // ∫ over [0, 500]: 1000 + 2000 + 3000 (spike) + 1000 + 2000*(1/2) ramp
        let mut m2 = RateModel::new(
            10.0,
            vec![
                Factor::Step {
                    at_s: 100.0,
                    factor: 2.0,
                },
                Factor::Spike {
                    at_s: 200.0,
                    duration_s: 50.0,
                    factor: 3.0,
                },
                Factor::Ramp {
                    at_s: 300.0,
                    duration_s: 100.0,
                    from: 1.0,
                    to: 0.0,
                },
            ],
        );
        // 0-100: 10*100; 100-200: 20*100; 200-250: 60*50; 250-300: 20*50;
        // 300-400: mean 10 over 100 s; 400-500: 0.
        let want = 1000.0 + 2000.0 + 3000.0 + 1000.0 + 1000.0;
        assert!(close(m2.integral(0.0, 500.0), want, 1e-12));
        // No arrival can come while the rate is 0 forever.
        assert_eq!(m2.solve(400.0, 1.0, 1e6), None);
    }

    #[test]
    fn replay_interpolates_steps_and_holds_without_loop() {
        let trace = Arc::new(Trace::parse("10,5\n20,15\n", false).unwrap());
        let mk = |interpolation| {
            RateModel::new(
                2.0,
                vec![Factor::Replay {
                    trace: trace.clone(),
                    interpolation,
                    looped: false,
                }],
            )
        };
        let mut lin = mk(Interpolation::Linear);
        assert_eq!(lin.rate(0.0), 10.0, "before the first point: its rate");
        assert!(close(lin.rate(15.0), 20.0, 1e-12));
        assert_eq!(lin.rate(100.0), 30.0, "after the last point: held");
        let mut step = mk(Interpolation::Step);
        assert_eq!(step.rate(19.9), 10.0);
        assert_eq!(step.rate(20.0), 30.0);
        assert!(close(
            step.integral(0.0, 30.0),
            10.0 * 20.0 + 30.0 * 10.0,
            1e-12
        ));
    }

    #[test]
    fn looped_replay_repeats() {
        let trace = Arc::new(Trace::parse("0,0\n50,100\n100,0\n", true).unwrap());
        let mut m = RateModel::new(
            1.0,
            vec![Factor::Replay {
                trace,
                interpolation: Interpolation::Linear,
                looped: true,
            }],
        );
        assert!(close(m.rate(1050.0), 100.0, 1e-9));
        assert!(close(m.integral(0.0, 1000.0), 10.0 * 5000.0, 1e-9));
    }

    #[test]
    fn bursty_spends_the_stationary_share_of_time_on() {
        let rng = RngStreams::new(3).stream("test/bursty");
        // On 10 s, off 40 s: on 20 % of the time, factor 6 -> mean factor 2.
        let mut m = RateModel::new(1.0, vec![Factor::Bursty(Mmpp::new(6.0, 10.0, 40.0, rng))]);
        let horizon = 2_000_000.0;
        let mean = m.integral(0.0, horizon) / horizon;
        assert!((mean - 2.0).abs() < 0.05, "mean factor {mean}");
    }

    #[test]
    fn noise_keeps_the_mean_and_has_poisson_variance() {
        let rng = RngStreams::new(5).stream("test/noise");
        let mut m = RateModel::new(20.0, vec![]).with_noise(rng);
        let counts: Vec<f64> = (0..20_000)
            .map(|k| m.integral(k as f64, k as f64 + 1.0))
            .collect();
        let n = counts.len() as f64;
        let mean = counts.iter().sum::<f64>() / n;
        let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert!((mean - 20.0).abs() < 0.2, "mean {mean}");
        assert!((var / 20.0 - 1.0).abs() < 0.05, "variance {var}");
        // Whole counts per bin.
        assert!(counts.iter().all(|c| (c - c.round()).abs() < 1e-9));
    }

    #[test]
    fn solve_and_integral_agree_across_pieces() {
        let mut m = RateModel::new(
            5.0,
            vec![
                diurnal(),
                Factor::Spike {
                    at_s: 100.0,
                    duration_s: 10.0,
                    factor: 10.0,
                },
            ],
        );
        let t = m.solve(50.0, 1000.0, 1e9).unwrap();
        let mut m2 = RateModel::new(
            5.0,
            vec![
                diurnal(),
                Factor::Spike {
                    at_s: 100.0,
                    duration_s: 10.0,
                    factor: 10.0,
                },
            ],
        );
        assert!(close(m2.integral(50.0, t), 1000.0, 1e-9), "t {t}");
    }
}
