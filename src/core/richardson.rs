//! The derivative of a function from its values at stepped points: Richardson extrapolation over a geometric sequence of steps, each estimate's error checked against the smaller steps.
//!
//! Central differences `D_k` at `NUM_STEPS` steps `h_k = h_0 / r^k`, the
//! smallest of them numdifftools' base step `eps^(1 / (2.5 + 1.3 (m - 1)))`
//! times the argument's scale (so the largest is already small), are improved
//! by Richardson extrapolation (Neville's scheme in `h^2`, over the steps as
//! actually taken). Each entry of the table gets an error estimate:
//!
//! - its disagreement with its neighbours in the table (the usual estimate);
//! - its disagreement with every entry of the same level (and every plain
//!   difference) at a *smaller* step, less that entry's own uncertainty: a
//!   small step sees features that a large one steps over (a bump narrower
//!   than the step, a kink), so a large
//!   step's estimate that the small steps refute is not trusted, however well
//!   it agrees with the other large steps;
//! - the rounding of `f`: `eps`-level noise in each value, the noise the
//!   smallest steps show, and the rounding of the argument (`eps |x| |f'|`),
//!   each divided by `h^m` and grown by the extrapolation.
//!
//! The entry with the smallest error estimate wins. A row whose smallest
//! steps do not agree with each other (the function has features finer than
//! the smallest step, or is noise at that scale) has no trustworthy estimate:
//! it gives `None`, which the plugin turns into null. The ratio `r` is not an
//! integer, so that no frequency aliases alike at every step.
//!
//! Plain Rust over slices, like `numpy`.

use rayon::prelude::*;

use super::fd;

/// Steps per estimate.
pub const NUM_STEPS: usize = 8;
/// Extrapolation levels beyond the plain differences (removing h^2, h^4, h^6).
pub const MAX_LEVELS: usize = 3;
/// Entries per step in the table.
const LEVELS: usize = MAX_LEVELS + 1;
/// How many of the smallest steps measure the noise of `f`.
const NOISE_STEPS: usize = 3;
/// Rounding of one value of `f`, in units of `eps * |f|`.
const ROUNDING: f64 = 10.0;
/// The measured noise of `f`, times this, is added to an entry's error.
const NOISE: f64 = 10.0;
/// A smaller step's entry checks a larger one up to its own uncertainty: the
/// larger of its disagreement with its neighbours and its rounding plus this
/// many times the measured noise.
const CHECKER_NOISE: f64 = 2.0;
/// The table's disagreements, times this, make an entry's error.
const SAFETY: f64 = 3.0;
/// The rounding of the argument, in units of `eps * |x| * |f'|` per value.
const ARGUMENT: f64 = 8.0;
/// The smallest steps must agree to this fraction of a difference of
/// unrelated values (`max |f| / h^m`), and the estimate's error be below it.
const AGREE_ABSOLUTE: f64 = 1e-3;
/// ... and to this fraction of the estimates themselves, beyond rounding.
const AGREE_RELATIVE: f64 = 1e-2;

/// The central-difference rule: the symmetric offsets `-r..=r` of the fewest
/// points for the derivative's order (accuracy 2, so the error runs in even
/// powers of the step), and their weights.
#[derive(Clone, Debug)]
pub struct Rule {
    pub order: usize,
    pub offsets: Vec<i64>,
    pub weights: Vec<f64>,
}

impl Rule {
    pub fn central(order: usize) -> Rule {
        assert!(order >= 1);
        let r = order.div_ceil(2) as i64;
        let offsets: Vec<i64> = (-r..=r).collect();
        let points: Vec<f64> = offsets.iter().map(|&o| o as f64).collect();
        let mut c = vec![0.0; points.len() * (order + 1)];
        let mut weights = vec![0.0; points.len()];
        fd::weights(0.0, &points, order, &mut c, &mut weights);
        Rule {
            order,
            offsets,
            weights,
        }
    }

    /// The offsets at which the function must be sampled: those of the rule
    /// with a non-zero weight (the centre is skipped for odd orders). The one
    /// place that decides it: Python builds the samples from this list.
    pub fn sampled_offsets(&self) -> Vec<i64> {
        self.offsets
            .iter()
            .zip(&self.weights)
            .filter(|(_, w)| **w != 0.0)
            .map(|(o, _)| *o)
            .collect()
    }

    /// The ratio between consecutive steps: wider for first derivatives (a
    /// wider range of steps for the same cost), closer for higher orders
    /// (whose rounding grows as `h^-m`).
    pub fn ratio(&self) -> f64 {
        if self.order == 1 {
            3.1
        } else {
            2.3
        }
    }

    /// `ratio^k` for each step `k`: step `k` is `h0 / divisors[k]`, computed
    /// the same way in Python (for the samples) and here (for the formula).
    pub fn divisors(&self) -> [f64; NUM_STEPS] {
        let mut d = [1.0; NUM_STEPS];
        for k in 1..NUM_STEPS {
            d[k] = d[k - 1] * self.ratio();
        }
        d
    }

    /// The default first (largest) step, per unit of the argument's scale
    /// `ln(e + |x|)` (numdifftools' `max(ln(e + |x|), 1)`, which it always
    /// is): the smallest step is numdifftools' base step
    /// `eps^(1 / (2.5 + 1.3 (m - 1)))`, where rounding and truncation of a
    /// plain central difference balance.
    pub fn first_step(&self) -> f64 {
        let smallest = f64::EPSILON.powf(1.0 / (2.5 + 1.3 * (self.order as f64 - 1.0)));
        smallest * self.divisors()[NUM_STEPS - 1]
    }
}

/// The step actually taken from `x`: `h` rounded so that `x + h` and `x - h`
/// are exact (the same expression builds the samples in Python).
pub fn exact_step(x: f64, h: f64) -> f64 {
    (x.abs() + h) - x.abs()
}

/// The function's samples for every row, laid out as the plugin receives them:
/// `centre` is `f(x)` when the rule samples offset 0, and `stepped[k * m + j]`
/// is `f(x + o_j * s_k)` for step `k` and the `j`-th non-zero sampled offset
/// `o_j`, where `s_k = exact_step(x, h0 / divisors[k])`. A missing value is NaN.
pub struct Samples<'a> {
    pub x: &'a [f64],
    /// The first step per row; `None` where the row has no point (null `x`;
    /// a NaN `x` has none either).
    pub h0: &'a [Option<f64>],
    pub centre: Option<&'a [f64]>,
    pub stepped: Vec<&'a [f64]>,
}

/// Per row: the derivative and its error estimate, or `None` where `h0` is
/// or no estimate can be trusted; in parallel over the rows when `parallel`.
pub fn derivatives(rule: &Rule, samples: &Samples<'_>, parallel: bool) -> Vec<Option<(f64, f64)>> {
    let weight = |o: i64| rule.weights[rule.offsets.iter().position(|&p| p == o).unwrap()];
    let centre_w = samples.centre.map(|c| (c, weight(0)));
    let others: Vec<i64> = rule
        .sampled_offsets()
        .into_iter()
        .filter(|&o| o != 0)
        .collect();
    let others_w: Vec<f64> = others.iter().map(|&o| weight(o)).collect();
    let plus = others.iter().position(|&o| o == 1).unwrap();
    let minus = others.iter().position(|&o| o == -1).unwrap();
    assert_eq!(samples.stepped.len(), NUM_STEPS * others.len());
    let divisors = rule.divisors();
    let wsum: f64 = rule.weights.iter().map(|w| w.abs()).sum();
    let m = rule.order;
    let row = |i: usize| -> Option<(f64, f64)> {
        let h0 = samples.h0[i]?;
        let x = samples.x[i];
        if x.is_nan() {
            return None;
        }
        let mut steps = Steps::default();
        let mut last = (f64::NAN, f64::NAN);
        for (k, divisor) in divisors.iter().enumerate() {
            let h = exact_step(x, h0 / divisor);
            let (mut s, mut a, mut big) = (0.0, 0.0, 0.0f64);
            if let Some((c, w)) = centre_w {
                s += w * c[i];
                a += (w * c[i]).abs();
                big = big.max(c[i].abs());
            }
            for (j, w) in others_w.iter().enumerate() {
                let v = samples.stepped[k * others.len() + j][i];
                s += w * v;
                a += (w * v).abs();
                big = big.max(v.abs());
            }
            let at = |j: usize| samples.stepped[k * others.len() + j][i];
            let (up, down) = (at(plus), at(minus));
            // How fast f changes near its samples: across x, and on each side
            // between this step's sample and the larger step's (near a critical
            // point f' at x is small, but not at x + h).
            let mut slope = 0.5 * (up - down).abs() / h;
            if k > 0 {
                let wider = steps.h[k - 1] - h;
                slope = slope
                    .max((up - last.0).abs() / wider)
                    .max((down - last.1).abs() / wider);
            }
            last = (up, down);
            steps.set(k, h, m, s, a, big, slope, wsum);
        }
        steps.estimate(x.abs())
    };
    let n = samples.h0.len();
    if parallel {
        (0..n).into_par_iter().with_min_len(1024).map(row).collect()
    } else {
        (0..n).map(row).collect()
    }
}

/// One row's differences and their extrapolation table, on the stack.
#[derive(Default)]
struct Steps {
    /// The step taken.
    h: [f64; NUM_STEPS],
    /// The table: `t[k][j]` is `D_k` extrapolated `j` times (over steps
    /// `k - j ..= k`); `rounding[k][j]` its rounding from `eps`-level noise in
    /// `f`; `unit[k][j]` its noise per unit of noise in each value of `f`.
    t: [[f64; LEVELS]; NUM_STEPS],
    rounding: [[f64; LEVELS]; NUM_STEPS],
    unit: [[f64; LEVELS]; NUM_STEPS],
    /// `local[k][j]`: the entry's disagreement with its neighbours, the same
    /// level one step before and the level below at this step (infinite where
    /// unknown or NaN).
    local: [[f64; LEVELS]; NUM_STEPS],
    /// Per step: `max |f| / h^m`, the size of a difference of unrelated values.
    unrelated: [f64; NUM_STEPS],
    /// Per step: how fast `f` changes near the samples, for the argument's rounding.
    slope: [f64; NUM_STEPS],
}

/// The levels of the table at step `k`.
fn levels(k: usize) -> usize {
    k.min(MAX_LEVELS) + 1
}

/// `a.max(b)`, but NaN when either is.
fn max_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

impl Steps {
    /// Step `k` of size `h` for a derivative of order `m`: the weighted sum
    /// `s` of the samples, `a` the sum of the terms' sizes, `big` the largest
    /// sample, `slope` how fast `f` changes near the samples. (Divisions are
    /// the cost here: one per step, one per extrapolated entry.)
    #[allow(clippy::too_many_arguments)]
    fn set(&mut self, k: usize, h: f64, m: usize, s: f64, a: f64, big: f64, slope: f64, wsum: f64) {
        let inv_h = 1.0 / h;
        let inv = (1..m).fold(inv_h, |p, _| p * inv_h);
        self.h[k] = h;
        self.t[k][0] = s * inv;
        self.rounding[k][0] = ROUNDING * f64::EPSILON * a * inv;
        self.unit[k][0] = wsum * inv;
        self.unrelated[k] = big * inv;
        self.slope[k] = slope;
        for j in 1..levels(k) {
            let ratio = self.h[k - j] * inv_h;
            let q = ratio * ratio;
            let inv_q = 1.0 / (q - 1.0);
            let grow = |v: &[[f64; LEVELS]; NUM_STEPS]| (v[k][j - 1] * q + v[k - 1][j - 1]) * inv_q;
            self.t[k][j] = self.t[k][j - 1] + (self.t[k][j - 1] - self.t[k - 1][j - 1]) * inv_q;
            self.rounding[k][j] = grow(&self.rounding);
            self.unit[k][j] = grow(&self.unit);
        }
        for j in 0..levels(k) {
            self.local[k][j] = self.neighbours(k, j);
        }
    }

    /// The noise of one value of `f` that the smallest steps show: per step,
    /// the smallest disagreement with the step before over the levels (the
    /// levels remove truncation, not noise), as noise per value.
    fn noise(&self) -> f64 {
        let mut noise = 0.0f64;
        for k in NUM_STEPS - NOISE_STEPS..NUM_STEPS {
            let mut least = f64::INFINITY;
            for j in 0..levels(k - 1) {
                let d = (self.t[k][j] - self.t[k - 1][j]).abs()
                    / (self.unit[k][j] + self.unit[k - 1][j]);
                if d < least {
                    least = d;
                }
            }
            if least.is_finite() {
                noise = noise.max(least);
            }
        }
        noise
    }

    /// Narrows `low` and `high` by the entries of step `k`: each checks larger
    /// steps up to its own uncertainty, the larger of its disagreement with its
    /// neighbours and its rounding plus the measured noise (NaN passes over).
    fn allow(&self, k: usize, noise: f64, low: &mut [f64; LEVELS], high: &mut [f64; LEVELS]) {
        for j in 0..levels(k) {
            let noisy = self.rounding[k][j] + CHECKER_NOISE * noise * self.unit[k][j];
            let own = max_nan(noisy, self.local[k][j]);
            let t = self.t[k][j];
            if t - own > low[j] {
                low[j] = t - own;
            }
            if t + own < high[j] {
                high[j] = t + own;
            }
        }
    }

    /// The entry's disagreement with its neighbours: the same level one step
    /// before, and the level below at this step (infinite where unknown).
    fn neighbours(&self, k: usize, j: usize) -> f64 {
        if k == 0 && j == 0 {
            return f64::INFINITY;
        }
        let mut e = 0.0;
        if k > 0 && j < levels(k - 1) {
            e = max_nan(e, (self.t[k][j] - self.t[k - 1][j]).abs());
        }
        if j > 0 {
            e = max_nan(e, (self.t[k][j] - self.t[k][j - 1]).abs());
        }
        if e.is_nan() {
            f64::INFINITY
        } else {
            e
        }
    }

    /// The best entry's value and error estimate, or `None` when the smallest
    /// steps do not agree (or nothing is finite). `ax` is `|x|`.
    fn estimate(&self, ax: f64) -> Option<(f64, f64)> {
        let noise = self.noise();
        // What the steps smaller than the current one allow, per level: the
        // truth lies in [t - own, t + own] for each of their entries, so above
        // the largest lower end and below the smallest upper end.
        let mut low = [f64::NEG_INFINITY; LEVELS];
        let mut high = [f64::INFINITY; LEVELS];
        let (mut value, mut error, mut argument) = (f64::NAN, f64::INFINITY, 0.0);
        self.allow(NUM_STEPS - 1, noise, &mut low, &mut high);
        // From the smallest steps up. An entry is chosen only when the step
        // before has its level (the first of a level is checked by the level
        // below alone) and a smaller step can check it (not at the smallest).
        for k in (1..NUM_STEPS - 1).rev() {
            for j in 0..levels(k - 1) {
                let t = self.t[k][j];
                if !t.is_finite() {
                    continue;
                }
                // Checked by the same level and by the plain differences at each
                // smaller step (whose truncation their own uncertainty covers):
                // how far t lies outside what they allow.
                let refuted = 0f64
                    .max(low[0] - t)
                    .max(t - high[0])
                    .max(low[j] - t)
                    .max(t - high[j]);
                let e = SAFETY * self.local[k][j].max(refuted)
                    + self.rounding[k][j]
                    + NOISE * noise * self.unit[k][j];
                if e < error {
                    (value, error) = (t, e);
                    argument = ARGUMENT * f64::EPSILON * ax * self.slope[k] * self.unit[k][j];
                }
            }
            self.allow(k, noise, &mut low, &mut high);
        }
        let last = NUM_STEPS - 1;
        // (NaN bounds fail every comparison, so they fail these checks too.)
        let small = error <= AGREE_ABSOLUTE * self.unrelated[last];
        if !value.is_finite() || !small {
            return None;
        }
        for k in [last, last - 1] {
            let (d, before) = (self.t[k][0], self.t[k - 1][0]);
            let apart = (d - before).abs();
            let rounding = 4.0
                * (self.rounding[k][0]
                    + self.rounding[k - 1][0]
                    + f64::EPSILON
                        * ax
                        * (self.slope[k] * self.unit[k][0]
                            + self.slope[k - 1] * self.unit[k - 1][0]));
            let agree = apart <= AGREE_ABSOLUTE * self.unrelated[k]
                && apart <= AGREE_RELATIVE * d.abs().max(before.abs()) + rounding;
            if !agree {
                return None;
            }
        }
        Some((value, error + argument))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimate at `x` from `f` called directly, as the plugin lays it out.
    fn derivative(f: impl Fn(f64) -> f64, x: f64, order: usize) -> Option<(f64, f64)> {
        let rule = Rule::central(order);
        let h0 = rule.first_step() * (std::f64::consts::E + x.abs()).ln();
        let offsets: Vec<i64> = rule
            .sampled_offsets()
            .into_iter()
            .filter(|&o| o != 0)
            .collect();
        let mut columns: Vec<Vec<f64>> = Vec::new();
        for d in rule.divisors() {
            let s = exact_step(x, h0 / d);
            for &o in &offsets {
                columns.push(vec![f(x + o as f64 * s)]);
            }
        }
        let centre = [f(x)];
        let samples = Samples {
            x: &[x],
            h0: &[Some(h0)],
            centre: rule.sampled_offsets().contains(&0).then_some(&centre[..]),
            stepped: columns.iter().map(|c| &c[..]).collect(),
        };
        derivatives(&rule, &samples, false)[0]
    }

    #[test]
    fn central_rules() {
        let r = Rule::central(1);
        assert_eq!(r.offsets, [-1, 0, 1]);
        assert_eq!(r.weights, [-0.5, 0.0, 0.5]);
        let r = Rule::central(2);
        assert_eq!(r.weights, [1.0, -2.0, 1.0]);
        assert_eq!(Rule::central(3).offsets.len(), 5);
        assert_eq!(Rule::central(1).sampled_offsets(), [-1, 1]);
        assert_eq!(Rule::central(2).sampled_offsets(), [-1, 0, 1]);
        assert_eq!(Rule::central(3).sampled_offsets(), [-2, -1, 1, 2]);
    }

    #[test]
    fn exact_steps_make_exact_points() {
        for x in [3.7e7, -8.3e7, 0.3, -1e-8, 1000.0] {
            for h in [1e-5, 3.3e-3, 0.27] {
                let s = exact_step(x, h);
                assert_eq!((x + s) - x, s);
                assert_eq!(x - (x - s), s);
                assert!((s - h).abs() <= 2.0 * f64::EPSILON * x.abs().max(h));
            }
        }
    }

    #[test]
    fn smooth_functions_to_1e_10() {
        for x in [-3.0, -0.5, 0.0, 0.3, 1.0, 7.5, 100.0] {
            let (d, err) = derivative(f64::sin, x, 1).unwrap();
            assert!(
                (d - x.cos()).abs() <= 1e-10 * x.cos().abs().max(1e-3),
                "sin' at {x}: {d}"
            );
            assert!((d - x.cos()).abs() <= err && err < 1e-8, "{x}: {d} {err}");
            let (d, _) = derivative(f64::exp, x / 10.0, 1).unwrap();
            assert!((d - (x / 10.0).exp()).abs() <= 1e-10 * (x / 10.0).exp());
            let (d2, err2) = derivative(f64::sin, x, 2).unwrap();
            assert!(
                (d2 + x.sin()).abs() <= 1e-9 * x.sin().abs().max(1e-1),
                "sin'' at {x}: {d2}"
            );
            assert!((d2 + x.sin()).abs() <= err2, "{x}: {d2} {err2}");
            let (d3, err3) = derivative(f64::sin, x, 3).unwrap();
            assert!(
                (d3 + x.cos()).abs() <= err3 && err3 < 1e-5,
                "{x}: {d3} {err3}"
            );
        }
    }

    #[test]
    fn narrow_features_are_seen() {
        // A bump 0.1 wide, seen from 0.2 away: the large steps all land where it is flat.
        let bump = |x: f64| (-((x - 0.5) * 10.0).powi(2)).exp();
        let (d, err) = derivative(bump, 0.3, 1).unwrap();
        assert!(
            (d - 0.732_625_555_549_367).abs() < 1e-10 && err < 1e-9,
            "{d} {err}"
        );
        // x inside (0.2, 0.8), 0 outside.
        let inside = |x: f64| if (x - 0.5).abs() < 0.3 { x } else { 0.0 };
        for x in [0.3, 0.5, 0.7] {
            let (d, err) = derivative(inside, x, 1).unwrap();
            assert!((d - 1.0).abs() < 1e-12 && err < 1e-9, "{x}: {d} {err}");
        }
        // A bump 0.01 wide at 1000.
        let c = 1000.003;
        let narrow = |x: f64| (-((x - c) / 0.01f64).powi(2)).exp();
        for x in [1000.0, 1000.001, 1000.005] {
            let want = -2.0 * (x - c) / 1e-4 * narrow(x);
            let (d, err) = derivative(narrow, x, 1).unwrap();
            assert!(
                (d - want).abs() <= 1e-8 * want.abs() && (d - want).abs() <= err,
                "{x}: {d}"
            );
        }
    }

    #[test]
    fn features_finer_than_every_step_give_none() {
        for x in [1e-8, 1.3e-8, 2e-8] {
            assert_eq!(derivative(|x| (1e8 * x).sin(), x, 1), None, "{x}");
        }
    }

    #[test]
    fn steps_outside_the_domain_are_passed_over() {
        let (d, err) = derivative(f64::ln, 1e-3, 1).unwrap();
        assert!(
            (d - 1e3).abs() < 1e-6 && (d - 1e3).abs() <= err,
            "{d} {err}"
        );
        let (d, _) = derivative(|x| (x - 0.299).sqrt(), 0.3, 1).unwrap();
        assert!((d - 0.5 / 1e-3f64.sqrt()).abs() < 1e-9, "{d}");
        assert_eq!(derivative(f64::sqrt, 0.0, 1), None);
    }
}
