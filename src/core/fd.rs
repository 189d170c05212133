//! Finite-difference derivatives of any order and even accuracy, by Fornberg's weights, on uniform and non-uniform grids.
//!
//! Plain Rust over slices, like `numpy`.
//!
//! Windows (`Stencil::window`): in the interior the centred window, on a
//! uniform grid `order + accuracy` points for odd orders and
//! `order + accuracy - 1` for even orders (symmetry gains an order); on a
//! non-uniform grid `order + accuracy` for odd and `order + accuracy + 1` for
//! even orders. Near an edge, where the centred window does not fit, the
//! `order + accuracy` points nearest that edge.

use std::ops::Range;

use super::types::{Coord, Float, Slot, Spacing};

/// Fornberg (1988), "Generation of finite difference formulas on arbitrarily
/// spaced grids": the weights `w[j]` such that `sum_j w[j] f(x[j])`
/// approximates the `m`-th derivative of `f` at `z`. `c` is scratch space of
/// at least `x.len() * (m + 1)` values.
pub fn weights(z: f64, x: &[f64], m: usize, c: &mut [f64], w: &mut [f64]) {
    let n = x.len();
    let cols = m + 1;
    assert!(n > m, "need more points than the derivative's order");
    assert!(c.len() >= n * cols && w.len() == n);
    let c = &mut c[..n * cols];
    c.fill(0.0);
    let at = |j: usize, k: usize| j * cols + k;
    let mut c1 = 1.0;
    let mut c4 = x[0] - z;
    c[at(0, 0)] = 1.0;
    for i in 1..n {
        let mn = i.min(m);
        let mut c2 = 1.0;
        let c5 = c4;
        c4 = x[i] - z;
        for j in 0..i {
            let c3 = x[i] - x[j];
            c2 *= c3;
            if j == i - 1 {
                for k in (1..=mn).rev() {
                    c[at(i, k)] = c1 * (k as f64 * c[at(i - 1, k - 1)] - c5 * c[at(i - 1, k)]) / c2;
                }
                c[at(i, 0)] = -c1 * c5 * c[at(i - 1, 0)] / c2;
            }
            for k in (1..=mn).rev() {
                c[at(j, k)] = (c4 * c[at(j, k)] - k as f64 * c[at(j, k - 1)]) / c3;
            }
            c[at(j, 0)] = c4 * c[at(j, 0)] / c3;
        }
        c1 = c2;
    }
    for (j, wj) in w.iter_mut().enumerate() {
        *wj = c[at(j, m)];
    }
}

/// A derivative's order (>= 1) and accuracy (even, >= 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stencil {
    pub order: usize,
    pub accuracy: usize,
}

impl Stencil {
    /// Points of the window near an edge, and the fewest a series needs.
    pub fn edge_points(self) -> usize {
        self.order + self.accuracy
    }

    /// Points of the centred interior window.
    pub fn centred_points(self, uniform: bool) -> usize {
        let p = self.order + self.accuracy;
        match (self.order % 2 == 1, uniform) {
            (true, _) => p,
            (false, true) => p - 1,
            (false, false) => p + 1,
        }
    }

    /// The rows that output row `i` of a series of length `n` reads
    /// (`n >= self.edge_points()`).
    pub fn window(self, i: usize, n: usize, uniform: bool) -> Range<usize> {
        let half = (self.centred_points(uniform) - 1) / 2;
        let edge = self.edge_points();
        if i >= half && i + half < n {
            i - half..i + half + 1
        } else if i < half {
            0..edge
        } else {
            n - edge..n
        }
    }
}

/// Rows `start..start + out.len()` of the derivative of the whole `y`. Every
/// slot of `out` is written. Needs `y.len() >= stencil.edge_points()`.
pub fn derivative_range<T: Float, X: Coord, S: Slot<T>>(
    y: &[T],
    spacing: Spacing<'_, X>,
    stencil: Stencil,
    start: usize,
    out: &mut [S],
) {
    let n = y.len();
    let end = start + out.len();
    assert!(end <= n, "output range beyond input");
    assert!(n >= stencil.edge_points(), "too few points for the stencil");
    let m = stencil.order;
    let widest = stencil.centred_points(false).max(stencil.edge_points());
    let mut c = vec![0.0; widest * (m + 1)];
    let mut w = vec![0.0; widest];
    let mut pts = vec![0.0; widest];
    match spacing {
        Spacing::Uniform(h) => {
            // Weights on integer offsets, once for the centred window; each
            // edge row's once. Scaled by h^order at the end.
            let scale = h.powi(m as i32);
            let centre = stencil.centred_points(true);
            let half = (centre - 1) / 2;
            let mut wc = vec![0.0; centre];
            let offsets: Vec<f64> = (0..centre).map(|k| k as f64).collect();
            weights(half as f64, &offsets, m, &mut c, &mut wc);
            // The interior rows in range: sum_k wc[k] y[i - half + k], by blocks
            // of rows, one weight at a time (vectorises).
            let lo = half.max(start).min(end);
            let hi = n.saturating_sub(half).max(lo).min(end);
            const BLOCK: usize = 512;
            let mut acc = [0.0f64; BLOCK];
            let mut b = lo;
            while b < hi {
                let len = BLOCK.min(hi - b);
                let acc = &mut acc[..len];
                acc.fill(0.0);
                for (k, &wk) in wc.iter().enumerate() {
                    let ys = &y[b - half + k..b - half + k + len];
                    for (a, yv) in acc.iter_mut().zip(ys) {
                        *a += wk * yv.to_f64();
                    }
                }
                for (o, a) in out[b - start..b - start + len].iter_mut().zip(acc.iter()) {
                    o.set(T::from_f64(a / scale));
                }
                b += len;
            }
            // The rows near the edges, each with its own one-sided weights.
            for i in (start..lo).chain(hi.max(start)..end) {
                let win = stencil.window(i, n, true);
                let len = win.len();
                for (p, v) in pts[..len].iter_mut().zip(0..) {
                    *p = v as f64;
                }
                weights(
                    (i - win.start) as f64,
                    &pts[..len],
                    m,
                    &mut c,
                    &mut w[..len],
                );
                out[i - start].set(T::from_f64(dot(&w[..len], &y[win]) / scale));
            }
        }
        Spacing::Coords(x, unit) => {
            assert_eq!(x.len(), n, "x and y lengths differ");
            for (k, o) in out.iter_mut().enumerate() {
                let i = start + k;
                let win = stencil.window(i, n, false);
                let len = win.len();
                // Steps from x[i], each differenced exactly before rounding.
                for (p, &xj) in pts[..len].iter_mut().zip(&x[win.clone()]) {
                    *p = X::delta(x[i], xj);
                }
                weights(0.0, &pts[..len], m, &mut c, &mut w[..len]);
                let mut g = dot(&w[..len], &y[win]);
                for _ in 0..m {
                    g = unit.apply(g);
                }
                o.set(T::from_f64(g));
            }
        }
    }
}

#[inline]
fn dot<T: Float>(w: &[f64], y: &[T]) -> f64 {
    w.iter().zip(y).map(|(w, y)| w * y.to_f64()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::types::Unit;

    fn derivative_u(y: &[f64], h: f64, st: Stencil) -> Vec<f64> {
        let mut out = vec![0.0; y.len()];
        derivative_range::<f64, f64, f64>(y, Spacing::Uniform(h), st, 0, &mut out);
        out
    }

    fn derivative_x(y: &[f64], x: &[f64], st: Stencil) -> Vec<f64> {
        let mut out = vec![0.0; y.len()];
        derivative_range(y, Spacing::Coords(x, Unit::ONE), st, 0, &mut out);
        out
    }

    #[test]
    fn fornberg_classic_weights() {
        let mut c = vec![0.0; 5 * 3];
        let mut w = vec![0.0; 3];
        weights(0.0, &[-1.0, 0.0, 1.0], 1, &mut c, &mut w);
        assert_eq!(w, [-0.5, 0.0, 0.5]);
        weights(0.0, &[-1.0, 0.0, 1.0], 2, &mut c, &mut w);
        assert_eq!(w, [1.0, -2.0, 1.0]);
        let mut w5 = vec![0.0; 5];
        weights(0.0, &[-2.0, -1.0, 0.0, 1.0, 2.0], 1, &mut c, &mut w5);
        let want = [1.0 / 12.0, -2.0 / 3.0, 0.0, 2.0 / 3.0, -1.0 / 12.0];
        for (a, b) in w5.iter().zip(want) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    #[test]
    fn window_sizes_follow_the_spec() {
        let s = |order, accuracy| Stencil { order, accuracy };
        assert_eq!(s(1, 2).centred_points(true), 3);
        assert_eq!(s(2, 2).centred_points(true), 3);
        assert_eq!(s(2, 2).centred_points(false), 5);
        assert_eq!(s(3, 4).centred_points(true), 7);
        assert_eq!(s(2, 4).edge_points(), 6);
        // Row 1 of a 10-point series, 1st derivative, accuracy 4: the 5 points nearest.
        assert_eq!(s(1, 4).window(1, 10, true), 0..5);
        assert_eq!(s(1, 4).window(2, 10, true), 0..5);
        assert_eq!(s(1, 4).window(3, 10, true), 1..6);
        assert_eq!(s(1, 4).window(8, 10, true), 5..10);
        // Even order, non-uniform: the centred window has 5 points, the edge one 4.
        assert_eq!(s(2, 2).window(2, 10, false), 0..5);
        assert_eq!(s(2, 2).window(1, 10, false), 0..4);
        assert_eq!(s(2, 2).window(8, 10, false), 6..10);
    }

    #[test]
    fn polynomials_are_exact() {
        // Degree <= order + accuracy - 1, on uniform and non-uniform grids.
        for (order, accuracy) in [(1, 2), (1, 4), (2, 2), (2, 4), (3, 2), (4, 2)] {
            let st = Stencil { order, accuracy };
            let deg = (order + accuracy - 1) as i32;
            let xs: Vec<f64> = (0..14)
                .map(|i| 0.3 * i as f64 + 0.05 * (i * i % 5) as f64)
                .collect();
            let xu: Vec<f64> = (0..14).map(|i| 0.25 * i as f64).collect();
            let f = |x: f64| (0..=deg).map(|k| (k as f64 + 1.0) * x.powi(k)).sum::<f64>();
            let df = |x: f64| {
                (order as i32..=deg)
                    .map(|k| {
                        let falling: f64 = (0..order as i32).map(|j| (k - j) as f64).product();
                        (k as f64 + 1.0) * falling * x.powi(k - order as i32)
                    })
                    .sum::<f64>()
            };
            for (x, uniform) in [(&xs, false), (&xu, true)] {
                let y: Vec<f64> = x.iter().map(|&v| f(v)).collect();
                let got = if uniform {
                    derivative_u(&y, 0.25, st)
                } else {
                    derivative_x(&y, x, st)
                };
                for (g, &v) in got.iter().zip(x.iter()) {
                    let want = df(v);
                    assert!(
                        (g - want).abs() <= 1e-6 * want.abs().max(1.0),
                        "order {order} accuracy {accuracy} uniform {uniform}: {g} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn first_order_accuracy_two_is_numpy_gradient_edge_order_two() {
        let y = [1.0, 2.0, 4.0, 7.0, 11.0, 16.0];
        let x = [0.0, 1.0, 1.5, 3.5, 4.0, 6.0];
        let st = Stencil {
            order: 1,
            accuracy: 2,
        };
        let mut g = [0.0; 6];
        crate::core::numpy::gradient(&y, Spacing::Coords(&x, Unit::ONE), 2, &mut g);
        for (a, b) in derivative_x(&y, &x, st).iter().zip(g) {
            assert!((a - b).abs() < 1e-12);
        }
        crate::core::numpy::gradient::<f64, f64, f64>(&y, Spacing::Uniform(0.5), 2, &mut g);
        for (a, b) in derivative_u(&y, 0.5, st).iter().zip(g) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn ranges_compose_to_the_whole() {
        let y: Vec<f64> = (0..40).map(|i| ((i * 7919) % 31) as f64).collect();
        let x: Vec<f64> = (0..40).map(|i| (i as f64).powf(1.2)).collect();
        let st = Stencil {
            order: 2,
            accuracy: 4,
        };
        let whole = derivative_x(&y, &x, st);
        for split in 0..=40 {
            let mut out = vec![0.0; 40];
            let (a, b) = out.split_at_mut(split);
            derivative_range(&y, Spacing::Coords(&x, Unit::ONE), st, 0, a);
            derivative_range(&y, Spacing::Coords(&x, Unit::ONE), st, split, b);
            assert_eq!(out, whole);
        }
    }
}
