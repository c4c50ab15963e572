//! Exact calculus on the smooth pieces of rate functions.
//!
//! Every traffic pattern kubesim offers is, between two breakpoints, a
//! polynomial (constants, ramps, linear interpolation of a trace) times a
//! sum of cosines (diurnal cycles). Products of such pieces stay in the
//! family, so a [`Series`] — a sum of terms `p(τ) · cos(ν τ + ψ)` with
//! polynomial `p` — represents any product of patterns on a piece, and its
//! integrals have closed forms (repeated integration by parts). `τ` is
//! local time in seconds from the start of the piece, which keeps the
//! polynomials well conditioned.
//!
//! Beyond plain integrals, [`Series::integral_capped`] integrates
//! `min(s(τ), cap)` (served requests when load exceeds capacity) by finding
//! every crossing of the cap with a rigorous exclusion test (derivative
//! bounds) and bisection, then integrating in closed form between them; and
//! [`Series::solve_integral`] inverts the cumulative integral (the next
//! arrival of a non-homogeneous process).

use std::f64::consts::{FRAC_PI_2, TAU};

/// A polynomial `c0 + c1 τ + c2 τ² + ...`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Poly(pub Vec<f64>);

impl Poly {
    /// The value at `t` (Horner).
    pub fn eval(&self, t: f64) -> f64 {
        self.0.iter().rev().fold(0.0, |acc, c| acc * t + c)
    }

    fn mul(&self, o: &Poly) -> Poly {
        if self.0.is_empty() || o.0.is_empty() {
            return Poly(Vec::new());
        }
        let mut c = vec![0.0; self.0.len() + o.0.len() - 1];
        for (i, a) in self.0.iter().enumerate() {
            for (j, b) in o.0.iter().enumerate() {
                c[i + j] += a * b;
            }
        }
        Poly(c)
    }

    fn scale(&self, k: f64) -> Poly {
        Poly(self.0.iter().map(|c| c * k).collect())
    }

    fn add(&self, o: &Poly) -> Poly {
        let n = self.0.len().max(o.0.len());
        Poly(
            (0..n)
                .map(|i| self.0.get(i).unwrap_or(&0.0) + o.0.get(i).unwrap_or(&0.0))
                .collect(),
        )
    }

    fn derivative(&self) -> Poly {
        Poly(
            self.0
                .iter()
                .enumerate()
                .skip(1)
                .map(|(i, c)| c * i as f64)
                .collect(),
        )
    }

    /// `p^(k)(t)`, without allocating.
    fn eval_derivative(&self, k: usize, t: f64) -> f64 {
        let mut acc = 0.0;
        for i in (k..self.0.len()).rev() {
            let falling: f64 = (0..k).map(|j| (i - j) as f64).product();
            acc = acc * t + self.0[i] * falling;
        }
        acc
    }

    /// `∫_0^t p`, without allocating.
    fn eval_antiderivative(&self, t: f64) -> f64 {
        let mut acc = 0.0;
        for (i, c) in self.0.iter().enumerate().rev() {
            acc = acc * t + c / (i + 1) as f64;
        }
        acc * t
    }

    /// An upper bound of `|p|` on `[lo, hi]`: the Taylor coefficients at
    /// the midpoint, in absolute value, times the powers of the half-width.
    fn abs_bound(&self, lo: f64, hi: f64) -> f64 {
        let m = 0.5 * (lo + hi);
        let r = 0.5 * (hi - lo);
        let mut bound = 0.0;
        let mut rk = 1.0;
        let mut fact = 1.0;
        for k in 0..self.0.len() {
            if k > 0 {
                fact *= k as f64;
            }
            bound += (self.eval_derivative(k, m) / fact).abs() * rk;
            rk *= r;
        }
        bound
    }

    fn is_zero(&self) -> bool {
        self.0.iter().all(|c| *c == 0.0)
    }
}

/// One term `p(τ) · cos(ν τ + ψ)`; `ν = 0` terms have `ψ = 0`.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// The polynomial factor.
    pub poly: Poly,
    /// Angular frequency ν (rad/s), never negative.
    pub nu: f64,
    /// Phase ψ (rad), in `[0, 2π)`.
    pub psi: f64,
}

/// A sum of [`Term`]s: the rate on one piece, in local time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    terms: Vec<Term>,
}

/// Frequencies this close are the same (they come from the same periods).
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
}

impl Series {
    /// The constant `c`.
    pub fn constant(c: f64) -> Series {
        Series::from_terms(vec![Term {
            poly: Poly(vec![c]),
            nu: 0.0,
            psi: 0.0,
        }])
    }

    /// `c0 + c1 τ`.
    pub fn linear(c0: f64, c1: f64) -> Series {
        Series::from_terms(vec![Term {
            poly: Poly(vec![c0, c1]),
            nu: 0.0,
            psi: 0.0,
        }])
    }

    /// `1 + amplitude · cos(ν τ + ψ)`.
    pub fn one_plus_cosine(amplitude: f64, nu: f64, psi: f64) -> Series {
        Series::from_terms(vec![
            Term {
                poly: Poly(vec![1.0]),
                nu: 0.0,
                psi: 0.0,
            },
            Term {
                poly: Poly(vec![amplitude]),
                nu,
                psi,
            },
        ])
    }

    /// Normalizes terms: non-negative frequencies, phases in `[0, 2π)`,
    /// constant-frequency terms folded into one polynomial, equal
    /// frequency-phase pairs merged, zero terms dropped.
    fn from_terms(raw: Vec<Term>) -> Series {
        let mut terms: Vec<Term> = Vec::with_capacity(raw.len());
        for mut t in raw {
            if t.nu < 0.0 {
                t.nu = -t.nu;
                t.psi = -t.psi;
            }
            if t.nu == 0.0 {
                t.poly = t.poly.scale(t.psi.cos());
                t.psi = 0.0;
            } else {
                t.psi = t.psi.rem_euclid(TAU);
            }
            if t.poly.is_zero() {
                continue;
            }
            match terms
                .iter_mut()
                .find(|u| same(u.nu, t.nu) && (t.nu == 0.0 || same(u.psi, t.psi)))
            {
                Some(u) => u.poly = u.poly.add(&t.poly),
                None => terms.push(t),
            }
        }
        // Constant-frequency term first: the fast paths look there.
        terms.sort_by(|a, b| a.nu.total_cmp(&b.nu).then(a.psi.total_cmp(&b.psi)));
        Series { terms }
    }

    /// The terms (for tests and diagnostics).
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// `Some(c)` if the series is the constant `c` (zero for no terms).
    pub fn as_constant(&self) -> Option<f64> {
        match self.terms.as_slice() {
            [] => Some(0.0),
            [t] if t.nu == 0.0 && t.poly.0.iter().skip(1).all(|c| *c == 0.0) => {
                Some(t.poly.0.first().copied().unwrap_or(0.0))
            }
            _ => None,
        }
    }

    /// `k · s`.
    pub fn scale(&self, k: f64) -> Series {
        Series::from_terms(
            self.terms
                .iter()
                .map(|t| Term {
                    poly: t.poly.scale(k),
                    ..t.clone()
                })
                .collect(),
        )
    }

    /// The product, by `cos a cos b = (cos(a+b) + cos(a-b)) / 2`.
    pub fn mul(&self, o: &Series) -> Series {
        let mut raw = Vec::with_capacity(2 * self.terms.len() * o.terms.len());
        for a in &self.terms {
            for b in &o.terms {
                let p = a.poly.mul(&b.poly);
                if a.nu == 0.0 || b.nu == 0.0 {
                    raw.push(Term {
                        poly: p,
                        nu: a.nu + b.nu,
                        psi: a.psi + b.psi,
                    });
                    continue;
                }
                let half = p.scale(0.5);
                raw.push(Term {
                    poly: half.clone(),
                    nu: a.nu + b.nu,
                    psi: a.psi + b.psi,
                });
                raw.push(Term {
                    poly: half,
                    nu: a.nu - b.nu,
                    psi: a.psi - b.psi,
                });
            }
        }
        Series::from_terms(raw)
    }

    /// The value at local time `t`.
    pub fn eval(&self, t: f64) -> f64 {
        self.terms
            .iter()
            .map(|term| {
                let p = term.poly.eval(t);
                if term.nu == 0.0 {
                    p
                } else {
                    p * (term.nu * t + term.psi).cos()
                }
            })
            .sum()
    }

    /// The derivative: `(p cos θ)' = p' cos θ + ν p cos(θ + π/2)`.
    pub fn derivative(&self) -> Series {
        let mut raw = Vec::with_capacity(2 * self.terms.len());
        for t in &self.terms {
            raw.push(Term {
                poly: t.poly.derivative(),
                nu: t.nu,
                psi: t.psi,
            });
            if t.nu != 0.0 {
                raw.push(Term {
                    poly: t.poly.scale(t.nu),
                    nu: t.nu,
                    psi: t.psi + FRAC_PI_2,
                });
            }
        }
        Series::from_terms(raw)
    }

    /// An antiderivative at `t`. For `ν ≠ 0`, by parts:
    /// `∫ p cos θ = Σ_k (-1)^k p^(k) C_{k+1}` with
    /// `C_j = sin(θ - (j-1)π/2) / ν^j`.
    pub fn antiderivative(&self, t: f64) -> f64 {
        let mut sum = 0.0;
        for term in &self.terms {
            if term.nu == 0.0 {
                sum += term.poly.eval_antiderivative(t);
                continue;
            }
            let theta = term.nu * t + term.psi;
            let (sin, cos) = theta.sin_cos();
            let mut sign = 1.0;
            let mut nu_pow = term.nu;
            for k in 0..term.poly.0.len() {
                // sin(θ - kπ/2) cycles through sin, -cos, -sin, cos.
                let c = match k % 4 {
                    0 => sin,
                    1 => -cos,
                    2 => -sin,
                    _ => cos,
                } / nu_pow;
                sum += sign * term.poly.eval_derivative(k, t) * c;
                sign = -sign;
                nu_pow *= term.nu;
            }
        }
        sum
    }

    /// `∫_a^b s(τ) dτ`.
    pub fn integral(&self, a: f64, b: f64) -> f64 {
        if b <= a {
            return 0.0;
        }
        if let Some(c) = self.as_constant() {
            return c * (b - a);
        }
        self.antiderivative(b) - self.antiderivative(a)
    }

    /// An upper bound of `|s|` on `[lo, hi]`.
    pub fn abs_bound(&self, lo: f64, hi: f64) -> f64 {
        self.terms.iter().map(|t| t.poly.abs_bound(lo, hi)).sum()
    }

    /// `∫_a^b min(s(τ), cap) dτ`. `derivs` are `s'` and `s''` (see
    /// [`Series::crossings`]).
    pub fn integral_capped(&self, derivs: &(Series, Series), a: f64, b: f64, cap: f64) -> f64 {
        self.integral_capped_known(derivs, a, b, cap, self.integral(a, b))
    }

    /// [`Series::integral_capped`] when `∫_a^b s` is already known.
    pub fn integral_capped_known(
        &self,
        derivs: &(Series, Series),
        a: f64,
        b: f64,
        cap: f64,
        integral: f64,
    ) -> f64 {
        if b <= a {
            return 0.0;
        }
        if let Some(c) = self.as_constant() {
            return c.min(cap) * (b - a);
        }
        // Most intervals are short and far from the cap: settle them with
        // one bound, |s - s(m)| <= max|s'| r, before looking for crossings.
        let (m, r) = (0.5 * (a + b), 0.5 * (b - a));
        let (sm, slack) = (self.eval(m), derivs.0.abs_bound(a, b) * r);
        if sm + slack <= cap {
            return integral;
        }
        if sm - slack >= cap {
            return cap * (b - a);
        }
        let mut cuts = vec![a];
        self.crossings(derivs, a, b, cap, &mut cuts);
        cuts.push(b);
        cuts.windows(2)
            .map(|w| {
                let (x, y) = (w[0], w[1]);
                if y <= x {
                    0.0
                } else if self.eval(0.5 * (x + y)) <= cap {
                    self.integral(x, y)
                } else {
                    cap * (y - x)
                }
            })
            .sum()
    }

    /// Appends, in increasing order, every point of `(lo, hi)` where
    /// `s - level` changes sign. Intervals are split until either `s` cannot
    /// reach `level` there (`|s(m) - level| > max|s'| · r`) or `s` is
    /// monotone there (`|s'(m)| > max|s''| · r`), where a sign change of
    /// the ends brackets the one crossing, found by bisection.
    pub fn crossings(
        &self,
        derivs: &(Series, Series),
        lo: f64,
        hi: f64,
        level: f64,
        out: &mut Vec<f64>,
    ) {
        self.crossings_rec(&derivs.0, &derivs.1, lo, hi, level, out, 0);
    }

    #[allow(clippy::too_many_arguments)]
    fn crossings_rec(
        &self,
        d: &Series,
        dd: &Series,
        lo: f64,
        hi: f64,
        level: f64,
        out: &mut Vec<f64>,
        depth: u32,
    ) {
        let m = 0.5 * (lo + hi);
        let r = 0.5 * (hi - lo);
        let gm = self.eval(m) - level;
        if gm.abs() > d.abs_bound(lo, hi) * r {
            return;
        }
        let monotone = d.eval(m).abs() > dd.abs_bound(lo, hi) * r;
        if monotone || depth >= 48 || r <= 1e-9 * (1.0 + m.abs()) {
            let below_lo = self.eval(lo) - level < 0.0;
            let below_hi = self.eval(hi) - level < 0.0;
            if below_lo != below_hi {
                out.push(self.bisect(lo, hi, level, below_lo));
            }
            return;
        }
        self.crossings_rec(d, dd, lo, m, level, out, depth + 1);
        self.crossings_rec(d, dd, m, hi, level, out, depth + 1);
    }

    fn bisect(&self, mut lo: f64, mut hi: f64, level: f64, below_lo: bool) -> f64 {
        for _ in 0..100 {
            let m = 0.5 * (lo + hi);
            if m <= lo || m >= hi {
                break;
            }
            if (self.eval(m) - level < 0.0) == below_lo {
                lo = m;
            } else {
                hi = m;
            }
        }
        0.5 * (lo + hi)
    }

    /// The smallest `τ` in `[a, b]` with `∫_a^τ s = x`, if `∫_a^b s >= x`
    /// (`s >= 0`, `x >= 0`). Safeguarded Newton on the closed-form
    /// antiderivative.
    pub fn solve_integral(&self, a: f64, b: f64, x: f64) -> Option<f64> {
        if x <= 0.0 {
            return Some(a);
        }
        if let Some(c) = self.as_constant() {
            if c <= 0.0 {
                return None;
            }
            let t = a + x / c;
            return (t <= b).then_some(t);
        }
        let base = self.antiderivative(a);
        let f = |t: f64| self.antiderivative(t) - base - x;
        if f(b) < 0.0 {
            return None;
        }
        let (mut lo, mut hi) = (a, b);
        let mut t = 0.5 * (lo + hi);
        for _ in 0..200 {
            let ft = f(t);
            if ft.abs() <= 1e-13 * (1.0 + x) {
                return Some(t.clamp(a, b));
            }
            if ft < 0.0 {
                lo = t;
            } else {
                hi = t;
            }
            if hi - lo <= 1e-10 * (1.0 + hi.abs()) {
                break;
            }
            let slope = self.eval(t);
            let newton = if slope > 0.0 {
                t - ft / slope
            } else {
                f64::NAN
            };
            t = if newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
        }
        Some(hi.clamp(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Composite Simpson with many panels: a reference for smooth integrands.
    fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
        let n = 20_000;
        let h = (b - a) / n as f64;
        let mut s = f(a) + f(b);
        for i in 1..n {
            let x = a + i as f64 * h;
            s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(x);
        }
        s * h / 3.0
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
    }

    fn diurnal() -> Series {
        Series::one_plus_cosine(0.5, TAU / 86_400.0, 1.0)
    }

    #[test]
    fn products_evaluate_as_the_product_of_values() {
        let a = diurnal();
        let b = Series::one_plus_cosine(0.3, TAU / 600.0, 2.0);
        let c = Series::linear(2.0, 0.01);
        let p = a.mul(&b).mul(&c).mul(&a);
        for t in [0.0, 17.0, 333.3, 5000.0] {
            let want = a.eval(t) * b.eval(t) * c.eval(t) * a.eval(t);
            assert!(close(p.eval(t), want, 1e-12), "t {t}");
        }
        // diurnal² folds cos² into a constant and a double frequency.
        assert!(a.mul(&a).terms().len() <= 3);
    }

    #[test]
    fn integrals_match_quadrature() {
        let s = diurnal()
            .mul(&Series::linear(3.0, -0.001))
            .mul(&Series::one_plus_cosine(0.2, TAU / 900.0, 0.5))
            .scale(100.0);
        for (a, b) in [(0.0, 3600.0), (100.0, 101.0), (7.5, 2000.0)] {
            let exact = s.integral(a, b);
            let num = simpson(|t| s.eval(t), a, b);
            assert!(close(exact, num, 1e-9), "[{a}, {b}]: {exact} vs {num}");
        }
    }

    #[test]
    fn derivative_matches_finite_differences() {
        let s = diurnal().mul(&Series::linear(1.0, 0.5));
        let d = s.derivative();
        for t in [1.0, 50.0, 1234.0] {
            let h = 1e-3;
            let fd = (s.eval(t + h) - s.eval(t - h)) / (2.0 * h);
            assert!(close(d.eval(t), fd, 1e-6));
        }
    }

    #[test]
    fn capped_integral_finds_every_crossing() {
        // 1 + 0.5 cos(2π t / 100) crosses 1.2 twice per period.
        let s = Series::one_plus_cosine(0.5, TAU / 100.0, 0.0).scale(10.0);
        let derivs = (s.derivative(), s.derivative().derivative());
        let cap = 12.0;
        let exact = s.integral_capped(&derivs, 0.0, 1000.0, cap);
        let num = simpson(|t| s.eval(t).min(cap), 0.0, 1000.0);
        assert!(close(exact, num, 1e-6), "{exact} vs {num}");
        let mut roots = Vec::new();
        s.crossings(&derivs, 0.0, 1000.0, cap, &mut roots);
        assert_eq!(roots.len(), 20);
        assert!(roots.windows(2).all(|w| w[0] < w[1]));
        // A cap above the maximum changes nothing; below the minimum it binds always.
        assert!(close(
            s.integral_capped(&derivs, 0.0, 1000.0, 16.0),
            s.integral(0.0, 1000.0),
            1e-12
        ));
        assert!(close(
            s.integral_capped(&derivs, 0.0, 1000.0, 4.0),
            4000.0,
            1e-12
        ));
    }

    #[test]
    fn solve_inverts_the_integral() {
        let s = diurnal().mul(&Series::linear(5.0, 0.002));
        // The antiderivative's terms reach about 1e6 here (1/ν² with a
        // one-day period), so differences carry absolute errors near 1e-10.
        for x in [0.5, 10.0, 4000.0] {
            let t = s.solve_integral(10.0, 3600.0, x).unwrap();
            let got = s.integral(10.0, t);
            assert!((got - x).abs() < 1e-8 * x.max(1.0), "x {x}: {got}");
        }
        assert_eq!(s.solve_integral(0.0, 1.0, 1e9), None);
        let c = Series::constant(4.0);
        assert_eq!(c.solve_integral(1.0, 10.0, 8.0), Some(3.0));
        assert_eq!(Series::constant(0.0).solve_integral(0.0, 10.0, 1.0), None);
    }
}
