//! numpy.gradient's formulas, term for term: plain slices in, slices out; no Polars or PyO3 types.
//!
//! The formulas are numpy.gradient's, in the same order of operations, so that
//! results agree with numpy to floating-point rounding:
//!
//! * uniform spacing `h`, interior: `(y[i+1] - y[i-1]) / (2h)`
//! * non-uniform, interior, with `d1 = x[i] - x[i-1]`, `d2 = x[i+1] - x[i]`:
//!   `a y[i-1] + b y[i] + c y[i+1]`, `a = -d2 / (d1 (d1 + d2))`,
//!   `b = (d2 - d1) / (d1 d2)`, `c = d1 / (d2 (d1 + d2))`
//! * edges, `edge_order = 1`: one-sided first differences;
//!   `edge_order = 2`: the three-point one-sided second-order formulas.
//!
//! Values are read and computed in `f64`; the output type may be `f32`.

use super::types::{Coord, Float, Slot, Spacing};

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

/// numpy.gradient of `y` into `out` (same length). `edge_order` must be 1 or 2
/// and `y.len() >= edge_order + 1`; shorter inputs are the caller's to handle
/// (they have no gradient and become nulls). The tests' reference: the drivers
/// call `gradient_range`.
#[cfg(test)]
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

    // The two edge rows, if they fall in the range.
    if start == 0 {
        out[0].set(T::from_f64(first_edge(y, spacing, edge_order)));
    }
    if end == n {
        out[n - 1 - start].set(T::from_f64(last_edge(y, spacing, edge_order)));
    }
}

/// Row 0 of numpy.gradient of `y` (`y.len() > edge_order`): the one-sided
/// difference of `edge_order`, computed on raw steps and scaled once.
#[inline]
pub fn first_edge<T: Float, X: Coord>(y: &[T], spacing: Spacing<'_, X>, edge_order: usize) -> f64 {
    let f = |i: usize| y[i].to_f64();
    let g = match spacing {
        Spacing::Uniform(h) if edge_order == 1 => (f(1) - f(0)) / h,
        Spacing::Uniform(h) => -1.5 / h * f(0) + 2.0 / h * f(1) + -0.5 / h * f(2),
        Spacing::Coords(x, _) => {
            let d1 = X::delta(x[0], x[1]);
            if edge_order == 1 {
                (f(1) - f(0)) / d1
            } else {
                let d2 = X::delta(x[1], x[2]);
                let a = -(2.0 * d1 + d2) / (d1 * (d1 + d2));
                let b = (d1 + d2) / (d1 * d2);
                let c = -d1 / (d2 * (d1 + d2));
                a * f(0) + b * f(1) + c * f(2)
            }
        }
    };
    scaled(g, spacing)
}

/// Row `n - 1` of numpy.gradient of `y`, as `first_edge` mirrored.
#[inline]
pub fn last_edge<T: Float, X: Coord>(y: &[T], spacing: Spacing<'_, X>, edge_order: usize) -> f64 {
    let n = y.len();
    let f = |i: usize| y[i].to_f64();
    let g = match spacing {
        Spacing::Uniform(h) if edge_order == 1 => (f(n - 1) - f(n - 2)) / h,
        Spacing::Uniform(h) => 0.5 / h * f(n - 3) + -2.0 / h * f(n - 2) + 1.5 / h * f(n - 1),
        Spacing::Coords(x, _) => {
            let d2 = X::delta(x[n - 2], x[n - 1]);
            if edge_order == 1 {
                (f(n - 1) - f(n - 2)) / d2
            } else {
                let d1 = X::delta(x[n - 3], x[n - 2]);
                let a = d2 / (d1 * (d1 + d2));
                let b = -(d2 + d1) / (d1 * d2);
                let c = (2.0 * d2 + d1) / (d2 * (d1 + d2));
                a * f(n - 3) + b * f(n - 2) + c * f(n - 1)
            }
        }
    };
    scaled(g, spacing)
}

/// A derivative in coordinate units, in the result's units.
#[inline(always)]
fn scaled<X>(g: f64, spacing: Spacing<'_, X>) -> f64 {
    match spacing {
        Spacing::Uniform(_) => g,
        Spacing::Coords(_, unit) => unit.apply(g),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::types::Unit;

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
}
