//! Prometheus' rate family at every row: PromQL's rules for float samples over the trailing window `(x_i - window, x_i]`, one pass per series.
//!
//! The rules, from PromQL's documentation and its test data:
//! - the samples of row `i` are the valid rows whose `x` is in `(x_i - window, x_i]`
//!   (rows after `i` with the same `x` included); a row with a null value is an
//!   evaluation point, not a sample;
//! - a sample lower than the one before it is a counter reset: `rate`,
//!   `increase`, `irate` and `resets` count the value before it as already
//!   counted; `delta`, `idelta`, `deriv` and `predict_linear` take values as they are;
//! - `rate`, `increase` and `delta` extrapolate the change between the first and
//!   last sample to the window's edges when that sample is within 1.1 times the
//!   average interval of its edge, else by half an interval; a counter
//!   (`rate`, `increase`) is not extrapolated to before where it would be zero;
//!   `rate` divides by the window;
//! - `irate` and `idelta` use the last two samples (for `irate` a drop means the
//!   last value is the increase);
//! - `deriv` and `predict_linear` fit a least-squares line (all values equal: slope 0);
//!   `predict_linear` is that line `ahead` after the evaluation point;
//! - fewer than two samples give no value (fewer than one for `resets`, `changes`).
//!
//! Every window is found by two pointers moving forward, and what a function needs
//! of its window is a difference of prefix counts or a sliding sum: O(n) whatever
//! the window. The least-squares sums are taken from a base sample inside the
//! window, rebuilt once the window has moved past all samples of the last
//! build: no cancellation across the series' span, no drift.

use super::types::{Coord, Float, Slot, Unit};

/// Which PromQL function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Rate,
    Increase,
    Delta,
    Irate,
    Idelta,
    Deriv,
    PredictLinear,
    Resets,
    Changes,
}

impl Kind {
    /// The fewest samples a window needs for a value.
    fn min_samples(self) -> usize {
        match self {
            Kind::Resets | Kind::Changes => 1,
            _ => 2,
        }
    }

    /// Whether drops are counter resets for this function.
    fn is_counter(self) -> bool {
        matches!(self, Kind::Rate | Kind::Increase)
    }
}

/// A function over a trailing window; `window` and `ahead` in `x`'s units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Counter {
    pub kind: Kind,
    pub window: f64,
    pub ahead: f64,
}

/// Whether the pair of consecutive samples `(a, b)` is a counter reset.
#[inline(always)]
fn is_reset(a: f64, b: f64) -> bool {
    b < a
}

/// Whether `b` after `a` is a change (PromQL's `changes`: NaN after NaN is not).
#[inline(always)]
fn is_change(a: f64, b: f64) -> bool {
    !(a == b || (a.is_nan() && b.is_nan()))
}

/// `counts[k]`: how many of the pairs `(k' - 1, k')` with `1 <= k' <= k` pass `test`.
fn prefix_counts(v: &[f64], test: impl Fn(f64, f64) -> bool) -> Vec<u32> {
    let mut counts = Vec::with_capacity(v.len());
    let mut c = 0u32;
    for k in 0..v.len() {
        if k > 0 && test(v[k - 1], v[k]) {
            c += 1;
        }
        counts.push(c);
    }
    counts
}

/// The pairs `(k - 1, k)` for `lo < k < hi` that a prefix count counts: the
/// pairs inside the samples `lo..hi`.
#[inline(always)]
fn pairs_in(counts: &[u32], lo: usize, hi: usize) -> u32 {
    counts[hi - 1] - counts[lo]
}

/// The sum of `terms[lo..hi]` for ranges whose ends only move forward: added
/// and removed as they enter and leave; exactly zero when no non-zero term is
/// inside (so rounding never lingers), infinite while an infinite term is.
struct SlidingSum {
    lo: usize,
    hi: usize,
    sum: f64,
    nonzero: usize,
    infinite: usize,
}

impl SlidingSum {
    fn new() -> Self {
        SlidingSum {
            lo: 0,
            hi: 0,
            sum: 0.0,
            nonzero: 0,
            infinite: 0,
        }
    }

    fn term(&mut self, t: f64, sign: f64, count: isize) {
        if t.is_infinite() {
            self.infinite = self.infinite.wrapping_add_signed(count);
        } else if t != 0.0 {
            self.sum += sign * t;
            self.nonzero = self.nonzero.wrapping_add_signed(count);
        }
    }

    fn range(&mut self, terms: &[f64], lo: usize, hi: usize) -> f64 {
        if lo >= self.hi {
            *self = SlidingSum::new();
            (self.lo, self.hi) = (lo, lo);
        }
        while self.hi < hi {
            self.term(terms[self.hi], 1.0, 1);
            self.hi += 1;
        }
        while self.lo < lo {
            self.term(terms[self.lo], -1.0, -1);
            self.lo += 1;
        }
        if self.nonzero == 0 {
            self.sum = 0.0;
        }
        // Only +inf can be a reset's value (a drop from it).
        if self.infinite > 0 {
            f64::INFINITY
        } else {
            self.sum
        }
    }
}

/// The least-squares sums of the samples `lo..hi`, relative to a base sample.
struct Fit {
    base: usize,
    lo: usize,
    hi: usize,
    /// Rebuild once `lo` reaches this (every sample of the last build gone).
    rebuild_at: usize,
    sx: f64,
    sy: f64,
    sxy: f64,
    sxx: f64,
}

/// A least-squares line: its slope per unit of `x` and its value at `x_i`.
struct Line {
    slope: f64,
    at_xi: f64,
}

impl Fit {
    fn new() -> Self {
        Fit {
            base: 0,
            lo: 0,
            hi: 0,
            rebuild_at: 0,
            sx: 0.0,
            sy: 0.0,
            sxy: 0.0,
            sxx: 0.0,
        }
    }

    #[inline(always)]
    fn add<X: Coord>(&mut self, t: &[X], v: &[f64], k: usize, sign: f64) {
        let dx = X::delta(t[self.base], t[k]);
        let dy = v[k] - v[self.base];
        self.sx += sign * dx;
        self.sy += sign * dy;
        self.sxy += sign * dx * dy;
        self.sxx += sign * dx * dx;
    }

    fn rebuild<X: Coord>(&mut self, t: &[X], v: &[f64], lo: usize, hi: usize) {
        *self = Fit::new();
        (self.base, self.lo, self.hi, self.rebuild_at) = (lo, lo, hi, hi);
        for k in lo..hi {
            self.add(t, v, k, 1.0);
        }
    }

    /// The line through the samples `lo..hi` (at least two, finite, not all
    /// equal), evaluated at `xi`.
    fn line<X: Coord>(&mut self, t: &[X], v: &[f64], lo: usize, hi: usize, xi: X) -> Line {
        if lo >= self.rebuild_at || lo >= self.hi {
            self.rebuild(t, v, lo, hi);
        } else {
            while self.hi < hi {
                self.add(t, v, self.hi, 1.0);
                self.hi += 1;
            }
            while self.lo < lo {
                self.add(t, v, self.lo, -1.0);
                self.lo += 1;
            }
            if !(self.sxy.is_finite() && self.sxx.is_finite()) {
                self.rebuild(t, v, lo, hi);
            }
        }
        let n = (hi - lo) as f64;
        let (mx, my) = (self.sx / n, self.sy / n);
        let cov = self.sxy - self.sx * my;
        let var = self.sxx - self.sx * mx;
        let slope = cov / var;
        let at_xi = v[self.base] + my + slope * (X::delta(t[self.base], xi) - mx);
        Line { slope, at_xi }
    }
}

/// The line through samples holding a NaN or an infinity, from plain sums of
/// the values and of `x` from the first sample (IEEE arithmetic decides, as in PromQL).
fn direct_line<X: Coord>(t: &[X], v: &[f64], lo: usize, hi: usize, xi: X) -> Line {
    let (mut sx, mut sy, mut sxy, mut sxx) = (0.0, 0.0, 0.0, 0.0);
    for k in lo..hi {
        let dx = X::delta(t[lo], t[k]);
        sx += dx;
        sy += v[k];
        sxy += dx * v[k];
        sxx += dx * dx;
    }
    let n = (hi - lo) as f64;
    let slope = (sxy - sx * sy / n) / (sxx - sx * sx / n);
    let at_xi = sy / n + slope * (X::delta(t[lo], xi) - sx / n);
    Line { slope, at_xi }
}

/// What a function needs beyond the samples, built once per series.
struct Prep {
    /// `corrections[k]`: the value before sample `k` when `k` is a reset, else 0.
    corrections: Vec<f64>,
    /// Prefix counts of resets, changes and unequal pairs (PromQL's "all values equal").
    counts: Vec<u32>,
    /// `nonfinite[k]`: how many of the samples `0..k` are NaN or infinite.
    nonfinite: Vec<u32>,
}

impl Prep {
    fn new(kind: Kind, v: &[f64]) -> Self {
        let mut p = Prep {
            corrections: Vec::new(),
            counts: Vec::new(),
            nonfinite: Vec::new(),
        };
        match kind {
            Kind::Rate | Kind::Increase => {
                p.corrections = (0..v.len())
                    .map(|k| {
                        if k > 0 && is_reset(v[k - 1], v[k]) {
                            v[k - 1]
                        } else {
                            0.0
                        }
                    })
                    .collect();
            }
            Kind::Resets => p.counts = prefix_counts(v, is_reset),
            Kind::Changes => p.counts = prefix_counts(v, is_change),
            Kind::Deriv | Kind::PredictLinear => {
                p.counts = prefix_counts(v, |a, b| a != b);
                let mut c = 0u32;
                p.nonfinite = std::iter::once(0)
                    .chain(v.iter().map(|y| {
                        c += u32::from(!y.is_finite());
                        c
                    }))
                    .collect();
            }
            Kind::Delta | Kind::Irate | Kind::Idelta => {}
        }
        p
    }
}

/// Row `i`'s value from its window of samples `lo..hi` (`hi - lo >= kind.min_samples()`).
#[allow(clippy::too_many_arguments)]
fn value<X: Coord>(
    c: Counter,
    unit: Unit,
    t: &[X],
    v: &[f64],
    lo: usize,
    hi: usize,
    xi: X,
    prep: &Prep,
    corrections: &mut SlidingSum,
    fit: &mut Fit,
) -> Option<f64> {
    let n = hi - lo;
    match c.kind {
        Kind::Rate | Kind::Increase | Kind::Delta => {
            let counter = c.kind.is_counter();
            let (first, last) = (v[lo], v[hi - 1]);
            let mut result = last - first;
            if counter {
                result += corrections.range(&prep.corrections, lo + 1, hi);
            }
            let sampled = X::delta(t[lo], t[hi - 1]);
            let average = sampled / (n - 1) as f64;
            let threshold = average * 1.1;
            let mut to_start = c.window - X::delta(t[lo], xi);
            let mut to_end = X::delta(t[hi - 1], xi);
            if to_start >= threshold {
                to_start = average / 2.0;
            }
            if counter && result > 0.0 && first >= 0.0 {
                // Not back to before the counter would have been zero.
                let to_zero = sampled * (first / result);
                if to_zero < to_start {
                    to_start = to_zero;
                }
            }
            if to_end >= threshold {
                to_end = average / 2.0;
            }
            result *= (sampled + to_start + to_end) / sampled;
            Some(if c.kind == Kind::Rate {
                unit.apply(result / c.window)
            } else {
                result
            })
        }
        Kind::Irate | Kind::Idelta => {
            let (prev, last) = (v[hi - 2], v[hi - 1]);
            let interval = X::delta(t[hi - 2], t[hi - 1]);
            if interval == 0.0 {
                return None;
            }
            Some(if c.kind == Kind::Irate {
                let inc = if is_reset(prev, last) {
                    last
                } else {
                    last - prev
                };
                unit.apply(inc / interval)
            } else {
                last - prev
            })
        }
        Kind::Resets | Kind::Changes => Some(pairs_in(&prep.counts, lo, hi) as f64),
        Kind::Deriv | Kind::PredictLinear => {
            let line = if pairs_in(&prep.counts, lo, hi) == 0 {
                // All values equal: a flat line (none through infinities).
                let y = v[lo];
                if y.is_infinite() {
                    Line {
                        slope: f64::NAN,
                        at_xi: f64::NAN,
                    }
                } else {
                    Line {
                        slope: 0.0,
                        at_xi: y,
                    }
                }
            } else if prep.nonfinite[hi] > prep.nonfinite[lo] {
                direct_line(t, v, lo, hi, xi)
            } else {
                fit.line(t, v, lo, hi, xi)
            };
            Some(if c.kind == Kind::Deriv {
                unit.apply(line.slope)
            } else {
                line.at_xi + line.slope * c.ahead
            })
        }
    }
}

/// The function of `c.kind` over all the samples `(t, v)` at once, evaluated at
/// `xi` (`window=None`): `rate`, `increase` and `delta` without extrapolation
/// (`rate` per the time from the first to the last sample), the others as over
/// a window holding every sample.
pub fn whole<X: Coord>(c: Counter, unit: Unit, t: &[X], v: &[f64], xi: X) -> Option<f64> {
    let n = v.len();
    if n < c.kind.min_samples() {
        return None;
    }
    match c.kind {
        Kind::Rate | Kind::Increase | Kind::Delta => {
            let mut result = v[n - 1] - v[0];
            if c.kind.is_counter() {
                for k in 1..n {
                    if is_reset(v[k - 1], v[k]) {
                        result += v[k - 1];
                    }
                }
            }
            Some(if c.kind == Kind::Rate {
                unit.apply(result / X::delta(t[0], t[n - 1]))
            } else {
                result
            })
        }
        _ => {
            let prep = Prep::new(c.kind, v);
            let (mut corrections, mut fit) = (SlidingSum::new(), Fit::new());
            value(c, unit, t, v, 0, n, xi, &prep, &mut corrections, &mut fit)
        }
    }
}

/// One series: row `i` gets `c`'s function over the valid rows whose `x` is in
/// `(x_i - window, x_i]`, or is invalid where that window has too few samples.
/// `x` is non-decreasing (the caller checks) and has no nulls; `valid` marks
/// the rows whose value is a sample. `unit`: one unit of `x` in the result's units.
pub fn series<T: Float, X: Coord, S: Slot<T>>(
    y: &[T],
    x: &[X],
    valid: Option<&[bool]>,
    c: Counter,
    unit: Unit,
    out: &mut [S],
    out_valid: &mut [bool],
) {
    let is_sample = |i: usize| valid.is_none_or(|v| v[i]);
    let t: Vec<X> = (0..y.len())
        .filter(|&i| is_sample(i))
        .map(|i| x[i])
        .collect();
    let v: Vec<f64> = (0..y.len())
        .filter(|&i| is_sample(i))
        .map(|i| y[i].to_f64())
        .collect();
    let prep = Prep::new(c.kind, &v);
    let (mut corrections, mut fit) = (SlidingSum::new(), Fit::new());
    let (mut lo, mut hi) = (0, 0);
    for (i, (o, ok)) in out.iter_mut().zip(out_valid.iter_mut()).enumerate() {
        let xi = x[i];
        while hi < t.len() && X::delta(t[hi], xi) >= 0.0 {
            hi += 1;
        }
        while lo < hi && X::delta(t[lo], xi) >= c.window {
            lo += 1;
        }
        let r = (hi - lo >= c.kind.min_samples())
            .then(|| {
                value(
                    c,
                    unit,
                    &t,
                    &v,
                    lo,
                    hi,
                    xi,
                    &prep,
                    &mut corrections,
                    &mut fit,
                )
            })
            .flatten();
        *ok = r.is_some();
        o.set(T::from_f64(r.unwrap_or(f64::NAN)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        kind: Kind,
        x: &[i64],
        y: &[f64],
        valid: Option<&[bool]>,
        window: f64,
    ) -> Vec<Option<f64>> {
        let c = Counter {
            kind,
            window,
            ahead: 0.0,
        };
        let mut out = vec![0.0; y.len()];
        let mut ok = vec![false; y.len()];
        series(y, x, valid, c, Unit::ONE, &mut out, &mut ok);
        out.iter().zip(ok).map(|(&o, k)| k.then_some(o)).collect()
    }

    #[test]
    fn increase_extrapolates_and_handles_resets() {
        // Samples every 10 s: 0, 10, 20 (reset to 5), 30; window 40 s at t = 30.
        let x = [0, 10, 20, 30];
        let y = [100.0, 110.0, 5.0, 15.0];
        let r = run(Kind::Increase, &x, &y, None, 40.0);
        // Raw increase: 15 - 100 + 110 = 25 over 30 s; the first sample is 10 s
        // from the start (10 < 11): extrapolate to 40 s, the last is at the end.
        assert!((r[3].unwrap() - 25.0 * 40.0 / 30.0).abs() < 1e-12);
        assert_eq!(run(Kind::Resets, &x, &y, None, 40.0)[3], Some(1.0));
        // delta: no reset handling.
        let d = run(Kind::Delta, &x, &y, None, 40.0)[3].unwrap();
        assert!((d - (15.0 - 100.0) * 40.0 / 30.0).abs() < 1e-12);
        // One sample: no value; a window of (x - 40, x].
        assert_eq!(r[0], None);
    }

    #[test]
    fn counter_not_extrapolated_below_zero() {
        // From 1 to 11 in 10 s in a 30 s window: back to zero is 1 s before the
        // first sample, nearer than the 5 s of half an interval.
        let r = run(Kind::Increase, &[20, 30], &[1.0, 11.0], None, 30.0);
        assert!((r[1].unwrap() - 10.0 * 11.0 / 10.0).abs() < 1e-12);
    }

    #[test]
    fn null_rows_are_evaluation_points() {
        let x = [0, 10, 15, 20];
        let y = [0.0, 10.0, f64::NAN, 20.0];
        let valid = [true, true, false, true];
        let r = run(Kind::Irate, &x, &y, Some(&valid), 100.0);
        assert_eq!(r, [None, Some(1.0), Some(1.0), Some(1.0)]);
    }

    #[test]
    fn sliding_fit_matches_direct() {
        let x: Vec<i64> = (0..500)
            .map(|i| 1_700_000_000_000 + i * 15_000 + (i * i) % 7)
            .collect();
        let y: Vec<f64> = (0..500)
            .map(|i| 1e6 + (i as f64 * 0.37).sin() * 10.0 + i as f64)
            .collect();
        let w = 300_000.0;
        let slid = run(Kind::Deriv, &x, &y, None, w);
        for (i, s) in slid.iter().enumerate() {
            let lo = x.partition_point(|&t| (x[i] - t) as f64 >= w);
            if i + 1 - lo < 2 {
                continue;
            }
            // Two passes about the means: the accurate oracle.
            let (xs, ys) = (&x[lo..=i], &y[lo..=i]);
            let n = xs.len() as f64;
            let mx = xs.iter().map(|&t| (t - x[lo]) as f64).sum::<f64>() / n;
            let my = ys.iter().sum::<f64>() / n;
            let (mut cov, mut var) = (0.0, 0.0);
            for (&t, &v) in xs.iter().zip(ys) {
                let dx = (t - x[lo]) as f64 - mx;
                cov += dx * (v - my);
                var += dx * dx;
            }
            let want = cov / var;
            let s = s.unwrap();
            assert!((s - want).abs() <= 1e-11 * want.abs(), "{i}: {s} {want}");
        }
    }
}
