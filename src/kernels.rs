//! Numeric kernels: plain slices in, slices out; no Polars or PyO3 types.
//!
//! The formulas are numpy.gradient's, term for term and in the same order of
//! operations, so that results agree with numpy to floating-point rounding:
//!
//! * uniform spacing `h`, interior: `(y[i+1] - y[i-1]) / (2h)`
//! * non-uniform, interior, with `d1 = x[i] - x[i-1]`, `d2 = x[i+1] - x[i]`:
//!   `a y[i-1] + b y[i] + c y[i+1]`, `a = -d2 / (d1 (d1 + d2))`,
//!   `b = (d2 - d1) / (d1 d2)`, `c = d1 / (d2 (d1 + d2))`
//! * edges, `edge_order = 1`: one-sided first differences;
//!   `edge_order = 2`: the three-point one-sided second-order formulas.
//!
//! Values are read and computed in `f64`; the output type may be `f32`.

pub use crate::fd::{derivative_range, Stencil};

/// A floating-point element type that the kernels read and write.
pub trait Float: Copy + Send + Sync + 'static {
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
}

impl Float for f64 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
}

impl Float for f32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

/// Where a kernel writes one output value: an initialised `T`, or the
/// `MaybeUninit<T>` of a buffer being filled for the first time (which spares
/// the caller zeroing it, a page fault per 4 KiB of fresh memory).
pub trait Slot<T>: Send {
    fn set(&mut self, v: T);
}

impl<T: Float> Slot<T> for T {
    #[inline(always)]
    fn set(&mut self, v: T) {
        *self = v;
    }
}

impl<T: Float> Slot<T> for std::mem::MaybeUninit<T> {
    #[inline(always)]
    fn set(&mut self, v: T) {
        self.write(v);
    }
}

/// A coordinate type. `delta(a, b)` is `b - a` as `f64`, computed exactly
/// before the single rounding to `f64` for integer coordinates (so nanosecond
/// epochs lose nothing and `[-1, i64::MAX]` cannot overflow).
pub trait Coord: Copy + Send + Sync + 'static {
    fn delta(a: Self, b: Self) -> f64;
}

impl Coord for f64 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        b - a
    }
}

impl Coord for f32 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        b as f64 - a as f64
    }
}

impl Coord for i64 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        // The 128-bit difference (a slow conversion) only when 64 bits overflow.
        match b.checked_sub(a) {
            Some(d) => d as f64,
            None => (b as i128 - a as i128) as f64,
        }
    }
}

impl Coord for u64 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        if b >= a {
            (b - a) as f64
        } else {
            -((a - b) as f64)
        }
    }
}

impl Coord for i128 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        // |b - a| always fits in u128.
        if b >= a {
            b.wrapping_sub(a) as u128 as f64
        } else {
            -(a.wrapping_sub(b) as u128 as f64)
        }
    }
}

impl Coord for u128 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        if b >= a {
            (b - a) as f64
        } else {
            -((a - b) as f64)
        }
    }
}

/// The size of one coordinate unit in the result's unit, as a ratio
/// `num / den`: a step of `x[i+1] - x[i]` counts as `(x[i+1] - x[i]) * num /
/// den`. The formulas are computed on the raw steps and the result scaled by
/// `den / num` once, so whole-number ratios scale exactly (nanosecond
/// timestamps per second: `1 / 1e9`, and a gradient of 1 per ns is exactly 1e9
/// per second).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unit {
    pub num: f64,
    pub den: f64,
}

impl Unit {
    pub const ONE: Unit = Unit { num: 1.0, den: 1.0 };

    /// A derivative in coordinate units, in the result's units (once per order).
    #[inline(always)]
    pub fn apply(self, gradient: f64) -> f64 {
        if self.num == 1.0 {
            gradient * self.den
        } else if self.den == 1.0 {
            gradient / self.num
        } else {
            gradient * self.den / self.num
        }
    }
}

/// The spacing of the samples: a uniform step, or one coordinate per sample
/// in coordinate units of the given size.
#[derive(Clone, Copy, Debug)]
pub enum Spacing<'a, X> {
    Uniform(f64),
    Coords(&'a [X], Unit),
}

/// Fewest points for which `edge_order` is defined (numpy's requirement).
#[inline]
pub fn min_points(edge_order: usize) -> usize {
    edge_order + 1
}

/// The rows numpy's formula reads for output row `i` of a series of length `n`
/// (`n >= edge_order + 1`): `i-1..=i+1` inside, the first or last
/// `edge_order + 1` rows at the two ends.
#[inline]
pub fn stencil(i: usize, n: usize, edge_order: usize) -> std::ops::RangeInclusive<usize> {
    if i == 0 {
        0..=edge_order
    } else if i == n - 1 {
        n - 1 - edge_order..=n - 1
    } else {
        i - 1..=i + 1
    }
}

/// Which derivative: numpy.gradient's formulas, or a finite difference of any
/// order and accuracy (`crate::fd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Gradient { edge_order: usize },
    Derivative(Stencil),
}

impl Method {
    /// Fewest points a series needs; shorter ones are all null.
    pub fn min_points(self) -> usize {
        match self {
            Method::Gradient { edge_order } => min_points(edge_order),
            Method::Derivative(st) => st.edge_points(),
        }
    }

    /// Whether every row output row `i` reads is valid.
    fn stencil_valid(self, valid: &[bool], i: usize, uniform: bool) -> bool {
        let n = valid.len();
        match self {
            Method::Gradient { edge_order } => valid[stencil(i, n, edge_order)].iter().all(|&v| v),
            Method::Derivative(st) => valid[st.window(i, n, uniform)].iter().all(|&v| v),
        }
    }

    /// Rows `start..start + out.len()` of the whole series' derivative.
    pub fn range<T: Float, X: Coord, S: Slot<T>>(
        self,
        y: &[T],
        spacing: Spacing<'_, X>,
        start: usize,
        out: &mut [S],
    ) {
        match self {
            Method::Gradient { edge_order } => gradient_range(y, spacing, edge_order, start, out),
            Method::Derivative(st) => derivative_range(y, spacing, st, start, out),
        }
    }
}

/// numpy.gradient of `y` into `out` (same length). `edge_order` must be 1 or 2
/// and `y.len() >= edge_order + 1`; shorter inputs are the caller's to handle
/// (they have no gradient and become nulls).
pub fn gradient<T: Float, X: Coord, S: Slot<T>>(
    y: &[T],
    spacing: Spacing<'_, X>,
    edge_order: usize,
    out: &mut [S],
) {
    gradient_range(y, spacing, edge_order, 0, out);
}

/// Rows `start..start + out.len()` of numpy.gradient of the whole `y`. Lets a
/// caller split one series into independent pieces (for threads) with the
/// correct stencils at the split points.
pub fn gradient_range<T: Float, X: Coord, S: Slot<T>>(
    y: &[T],
    spacing: Spacing<'_, X>,
    edge_order: usize,
    start: usize,
    out: &mut [S],
) {
    let n = y.len();
    let end = start + out.len();
    assert!(end <= n, "output range beyond input");
    assert!(
        edge_order == 1 || edge_order == 2,
        "edge_order must be 1 or 2"
    );
    assert!(n > edge_order, "too few points for edge_order");
    if let Spacing::Coords(x, _) = spacing {
        assert_eq!(x.len(), n, "x and y lengths differ");
    }
    if out.is_empty() {
        return;
    }
    let f = |i: usize| y[i].to_f64();

    // Interior rows that fall in the range.
    let lo = start.max(1);
    let hi = end.min(n - 1);
    if lo < hi {
        let o = &mut out[lo - start..hi - start];
        match spacing {
            Spacing::Uniform(h) => {
                let two_h = 2.0 * h;
                for ((o, &ym), &yp) in o.iter_mut().zip(&y[lo - 1..hi - 1]).zip(&y[lo + 1..hi + 1])
                {
                    o.set(T::from_f64((yp.to_f64() - ym.to_f64()) / two_h));
                }
            }
            Spacing::Coords(x, unit) => {
                let xs = &x[lo - 1..hi + 1];
                let ys = &y[lo - 1..hi + 1];
                for (k, o) in o.iter_mut().enumerate() {
                    let d1 = X::delta(xs[k], xs[k + 1]);
                    let d2 = X::delta(xs[k + 1], xs[k + 2]);
                    let a = -d2 / (d1 * (d1 + d2));
                    let b = (d2 - d1) / (d1 * d2);
                    let c = d1 / (d2 * (d1 + d2));
                    let g = a * ys[k].to_f64() + b * ys[k + 1].to_f64() + c * ys[k + 2].to_f64();
                    o.set(T::from_f64(unit.apply(g)));
                }
            }
        }
    }

    // The two edge rows, if they fall in the range (computed on raw steps,
    // scaled once).
    let scale = |g: f64| match spacing {
        Spacing::Uniform(_) => g,
        Spacing::Coords(_, unit) => unit.apply(g),
    };
    let dx = |i: usize| -> f64 {
        match spacing {
            Spacing::Uniform(h) => h,
            Spacing::Coords(x, _) => X::delta(x[i], x[i + 1]),
        }
    };
    if start == 0 {
        out[0].set(T::from_f64(scale(if edge_order == 1 {
            (f(1) - f(0)) / dx(0)
        } else {
            let (a, b, c) = match spacing {
                Spacing::Uniform(h) => (-1.5 / h, 2.0 / h, -0.5 / h),
                Spacing::Coords(..) => {
                    let (d1, d2) = (dx(0), dx(1));
                    (
                        -(2.0 * d1 + d2) / (d1 * (d1 + d2)),
                        (d1 + d2) / (d1 * d2),
                        -d1 / (d2 * (d1 + d2)),
                    )
                }
            };
            a * f(0) + b * f(1) + c * f(2)
        })));
    }
    if end == n {
        out[n - 1 - start].set(T::from_f64(scale(if edge_order == 1 {
            (f(n - 1) - f(n - 2)) / dx(n - 2)
        } else {
            let (a, b, c) = match spacing {
                Spacing::Uniform(h) => (0.5 / h, -2.0 / h, 1.5 / h),
                Spacing::Coords(..) => {
                    let (d1, d2) = (dx(n - 3), dx(n - 2));
                    (
                        d2 / (d1 * (d1 + d2)),
                        -(d2 + d1) / (d1 * d2),
                        (2.0 * d2 + d1) / (d2 * (d1 + d2)),
                    )
                }
            };
            a * f(n - 3) + b * f(n - 2) + c * f(n - 1)
        })));
    }
}

/// Output validity from input validity: row `i` is valid when every row of its
/// stencil is valid. Requires `valid.len() >= method.min_points()`; `out` has
/// the same length as `valid`. `uniform`: the spacing is uniform (the window
/// of an even-order derivative depends on it).
pub fn stencil_validity(valid: &[bool], method: Method, uniform: bool, out: &mut [bool]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = method.stencil_valid(valid, i, uniform);
    }
}

/// One whole series: the gradient into `out` and, when given, the output
/// validity into `out_valid`. `valid` is the combined validity of `y` and `x`.
/// Every slot of `out` is written; a caller that may pass a short series or
/// nulls must give `out_valid`.
///
/// Null policy: with `ignore_nulls == false` an output is null where its
/// stencil reads an invalid row. With `ignore_nulls == true` the invalid rows
/// are left out, the gradient is taken over the remaining points at their
/// true coordinates (without coordinates, row position times the spacing, so a
/// gap is a longer step) and the invalid rows are null. Either way, fewer than
/// `edge_order + 1` points give all nulls (`out` NaN, `out_valid` false).
pub fn series<T: Float, X: Coord, S: Slot<T>>(
    y: &[T],
    spacing: Spacing<'_, X>,
    valid: Option<&[bool]>,
    method: Method,
    ignore_nulls: bool,
    out: &mut [S],
    out_valid: Option<&mut [bool]>,
) {
    let all_null = |out: &mut [S], out_valid: Option<&mut [bool]>| {
        out.iter_mut().for_each(|o| o.set(T::from_f64(f64::NAN)));
        if let Some(o) = out_valid {
            o.fill(false);
        }
    };
    if y.len() < method.min_points() {
        debug_assert!(
            out_valid.is_some(),
            "a short series needs an output validity"
        );
        return all_null(out, out_valid);
    }
    let uniform = matches!(spacing, Spacing::Uniform(_));
    match (valid, out_valid) {
        (Some(v), Some(o)) if ignore_nulls && v.contains(&false) => {
            let keep: Vec<usize> = (0..y.len()).filter(|&i| v[i]).collect();
            all_null(out, Some(&mut *o));
            if keep.len() < method.min_points() {
                return;
            }
            let ys: Vec<T> = keep.iter().map(|&i| y[i]).collect();
            let mut res = vec![T::from_f64(0.0); keep.len()];
            match spacing {
                Spacing::Uniform(h) => {
                    let rows: Vec<i64> = keep.iter().map(|&i| i as i64).collect();
                    let unit = Unit { num: h, den: 1.0 };
                    method.range(&ys, Spacing::Coords(&rows, unit), 0, &mut res);
                }
                Spacing::Coords(x, unit) => {
                    let xs: Vec<X> = keep.iter().map(|&i| x[i]).collect();
                    method.range(&ys, Spacing::Coords(&xs, unit), 0, &mut res);
                }
            }
            for (&i, r) in keep.iter().zip(res) {
                out[i].set(r);
                o[i] = true;
            }
        }
        (Some(v), Some(o)) => {
            method.range(y, spacing, 0, out);
            stencil_validity(v, method, uniform, o);
        }
        (None, Some(o)) => {
            method.range(y, spacing, 0, out);
            o.fill(true);
        }
        (v, None) => {
            debug_assert!(v.is_none(), "nulls need an output validity");
            method.range(y, spacing, 0, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grad_u(y: &[f64], h: f64, e: usize) -> Vec<f64> {
        let mut out = vec![0.0; y.len()];
        gradient::<f64, f64, f64>(y, Spacing::Uniform(h), e, &mut out);
        out
    }

    fn grad_x<X: Coord>(y: &[f64], x: &[X], e: usize) -> Vec<f64> {
        let mut out = vec![0.0; y.len()];
        gradient(y, Spacing::Coords(x, Unit::ONE), e, &mut out);
        out
    }

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (p, q) in a.iter().zip(b) {
            assert!((p - q).abs() <= 1e-12 * q.abs().max(1.0), "{a:?} != {b:?}");
        }
    }

    const Y: [f64; 6] = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];

    #[test]
    fn unit_spacing_matches_numpy() {
        close(&grad_u(&Y, 1.0, 1), &[1.0, 1.5, 2.5, 3.5, 4.5, 5.0]);
        close(&grad_u(&Y, 1.0, 2), &[0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
        close(&grad_u(&Y, 2.0, 1), &[0.5, 0.75, 1.25, 1.75, 2.25, 2.5]);
    }

    #[test]
    fn coordinates_match_numpy() {
        // np.gradient([1,2,4,7,11,16], [2,1,5,10,11,15])
        let x = [2.0, 1.0, 5.0, 10.0, 11.0, 15.0];
        close(
            &grad_x(&Y, &x, 1),
            &[
                -1.0,
                -1.5,
                0.544_444_444_444_444_4,
                3.433_333_333_333_333,
                3.45,
                1.25,
            ],
        );
        // np.gradient(..., edge_order=2)
        close(
            &grad_x(&Y, &x, 2),
            &[
                -0.5,
                -1.5,
                0.544_444_444_444_444_4,
                3.433_333_333_333_333,
                3.45,
                -0.95,
            ],
        );
    }

    #[test]
    fn uniform_coordinates_equal_uniform_spacing() {
        let x: Vec<f64> = (0..6).map(|i| 3.0 * i as f64).collect();
        for e in [1, 2] {
            close(&grad_x(&Y, &x, e), &grad_u(&Y, 3.0, e));
        }
    }

    #[test]
    fn second_order_is_exact_on_quadratics() {
        let x = [0.0, 0.3, 1.0, 1.1, 2.5, 4.0, 4.2];
        let y: Vec<f64> = x.iter().map(|t| 3.0 * t * t - 2.0 * t + 1.0).collect();
        let want: Vec<f64> = x.iter().map(|t| 6.0 * t - 2.0).collect();
        close(&grad_x(&y, &x, 2), &want);
    }

    #[test]
    fn integer_coordinates_are_differenced_exactly() {
        let base = 1_790_000_000_000_000_000i64; // a 2026 epoch in ns
        let x = [base, base + 1, base + 2];
        close(&grad_x(&[0.0, 1.0, 2.0], &x, 1), &[1.0, 1.0, 1.0]);
        // numpy casts to float64 first, which gives 2**63 for this difference.
        let x = [-1i64, i64::MAX];
        close(&grad_x(&[0.0, 1.0], &x, 1), &[1.0 / 2f64.powi(63); 2]);
        assert_eq!(<u64 as Coord>::delta(u64::MAX, 0), -(u64::MAX as f64));
        assert_eq!(
            <i128 as Coord>::delta(i128::MIN, i128::MAX),
            u128::MAX as f64
        );
        assert_eq!(
            <i128 as Coord>::delta(i128::MAX, i128::MIN),
            -(u128::MAX as f64)
        );
        assert_eq!(<u128 as Coord>::delta(5, 2), -3.0);
    }

    #[test]
    fn units_scale_the_result_exactly() {
        // 1 ns steps, per second: exactly 1e9.
        let x = [0i64, 1, 2, 3];
        let ns_per_s = Unit { num: 1.0, den: 1e9 };
        for e in [1, 2] {
            let mut out = [0.0; 4];
            gradient(
                &[0.0, 1.0, 2.0, 3.0],
                Spacing::Coords(&x, ns_per_s),
                e,
                &mut out,
            );
            assert_eq!(out, [1e9; 4]);
        }
        // Days per hour: a step of 1 day is 24 hours.
        let mut out = [0.0; 3];
        let day_per_h = Unit {
            num: 24.0,
            den: 1.0,
        };
        gradient(
            &[0.0, 48.0, 96.0],
            Spacing::Coords(&[0i64, 1, 2], day_per_h),
            1,
            &mut out,
        );
        assert_eq!(out, [2.0; 3]);
    }

    #[test]
    fn minimal_lengths() {
        close(&grad_u(&[1.0, 4.0], 1.0, 1), &[3.0, 3.0]);
        close(&grad_u(&[1.0, 4.0, 9.0], 1.0, 2), &[2.0, 4.0, 6.0]);
    }

    #[test]
    fn ranges_compose_to_the_whole() {
        let y: Vec<f64> = (0..50).map(|i| ((i * 7919) % 31) as f64).collect();
        let x: Vec<f64> = (0..50).map(|i| (i as f64).powf(1.3)).collect();
        for e in [1, 2] {
            let whole = grad_x(&y, &x, e);
            for split in 0..=50 {
                let mut out = vec![0.0; 50];
                let (a, b) = out.split_at_mut(split);
                gradient_range(&y, Spacing::Coords(&x, Unit::ONE), e, 0, a);
                gradient_range(&y, Spacing::Coords(&x, Unit::ONE), e, split, b);
                assert_eq!(out, whole);
            }
        }
    }

    #[test]
    fn duplicate_coordinates_follow_ieee() {
        let out = grad_x(&[1.0, 2.0, 3.0], &[0.0, 0.0, 1.0], 1);
        assert!(out[0].is_infinite());
        assert!(out[1].is_nan());
    }

    #[test]
    fn float32_output() {
        let y = [1.0f32, 2.0, 4.0];
        let mut out = [0f32; 3];
        gradient::<f32, f32, f32>(&y, Spacing::Uniform(1.0), 1, &mut out);
        assert_eq!(out, [1.0, 1.5, 2.0]);
    }

    #[test]
    fn validity_windows() {
        let v = [true, true, false, true, true, true];
        let mut out = [true; 6];
        let g = |edge_order| Method::Gradient { edge_order };
        stencil_validity(&v, g(1), true, &mut out);
        assert_eq!(out, [true, false, false, false, true, true]);
        stencil_validity(&v, g(2), true, &mut out);
        assert_eq!(out, [false, false, false, false, true, true]);
        let d = Method::Derivative(Stencil {
            order: 2,
            accuracy: 2,
        });
        stencil_validity(&[true; 5], d, false, &mut out[..5]);
        assert_eq!(out[..5], [true; 5]);
    }

    #[test]
    fn ignore_nulls_skips_rows_at_their_true_positions() {
        // y = x^2 sampled at rows 0..6 with rows 1 and 4 missing; spacing 0.5.
        let y: Vec<f64> = (0..7).map(|i| (0.5 * i as f64).powi(2)).collect();
        let valid = [true, false, true, true, false, true, true];
        let mut out = [0.0; 7];
        let mut ov = [true; 7];
        let u = Spacing::<f64>::Uniform(0.5);
        series(
            &y,
            u,
            Some(&valid),
            Method::Gradient { edge_order: 2 },
            true,
            &mut out,
            Some(&mut ov),
        );
        assert_eq!(ov, valid);
        // Second order is exact on a quadratic at any positions: d/dx x^2 = 2x.
        for i in [0, 2, 3, 5, 6] {
            assert!(
                (out[i] - 2.0 * 0.5 * i as f64).abs() < 1e-12,
                "{i}: {}",
                out[i]
            );
        }
        // The same with explicit coordinates.
        let x: Vec<f64> = (0..7).map(|i| 0.5 * i as f64).collect();
        let mut out2 = [0.0; 7];
        series(
            &y,
            Spacing::Coords(&x, Unit::ONE),
            Some(&valid),
            Method::Gradient { edge_order: 2 },
            true,
            &mut out2,
            Some(&mut ov),
        );
        for i in [0, 2, 3, 5, 6] {
            assert!((out2[i] - out[i]).abs() < 1e-12);
        }
        // Too few points left: all null.
        let few = [true, false, false, false, false, false, true];
        series(
            &y,
            u,
            Some(&few),
            Method::Gradient { edge_order: 2 },
            true,
            &mut out,
            Some(&mut ov),
        );
        assert_eq!(ov, [false; 7]);
        // Propagation instead: nulls spread over the stencils.
        series(
            &y,
            u,
            Some(&valid),
            Method::Gradient { edge_order: 1 },
            false,
            &mut out,
            Some(&mut ov),
        );
        assert_eq!(ov, [false, false, false, false, false, false, true]);
    }

    #[test]
    fn short_series_are_all_null() {
        let mut out = [7.0f64; 2];
        let mut valid = [true; 2];
        let u = Spacing::<f64>::Uniform(1.0);
        series(
            &[1.0, 2.0],
            u,
            None,
            Method::Gradient { edge_order: 2 },
            false,
            &mut out,
            Some(&mut valid),
        );
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(valid, [false, false]);
        series(
            &[1.0, 2.0],
            u,
            None,
            Method::Gradient { edge_order: 1 },
            false,
            &mut out,
            Some(&mut valid),
        );
        assert_eq!((out, valid), ([1.0, 1.0], [true, true]));
    }
}
