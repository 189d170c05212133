//! Savitzky–Golay: the `order`-th derivative at a row of the least-squares polynomial over the row's window.
//!
//! Each window is centred on the row's own coordinate and scaled to `[-1, 1]`
//! before the fit (a Householder QR of the Vandermonde matrix), so nanosecond
//! epochs fit as well as small numbers. The fit gives weights `w` with
//! `derivative = sum(w_j * y_j)`: on a uniform grid one set of weights serves
//! every interior row.

use rayon::prelude::*;

use super::types::{Coord, Float, Slot, Spacing, Unit};

/// A width-window series longer than this is fitted in pieces across threads
/// (each row's fit is independent of the others).
const PARALLEL_ROWS: usize = 1 << 14;

/// Which rows form a row's window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Window {
    /// That many consecutive rows (odd), centred; at an edge, the rows nearest it.
    Count(usize),
    /// The consecutive rows around the row whose coordinate is within this
    /// half-width (in raw coordinate units) of the row's own.
    HalfWidth(f64),
}

/// A Savitzky–Golay derivative: polynomial degree and derivative order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Savgol {
    pub window: Window,
    pub polyorder: usize,
    pub order: usize,
}

/// Reusable buffers of one fit.
#[derive(Default)]
pub struct Fit {
    t: Vec<f64>,
    a: Vec<f64>,
    beta: Vec<f64>,
    diag: Vec<f64>,
    z: Vec<f64>,
    w: Vec<f64>,
}

impl Fit {
    /// The weights at `t = 0` for points at `t` (any scale): the `order`-th
    /// derivative of the degree-`p` least-squares polynomial is
    /// `sum(w_j * y_j)`. Needs `t.len() > p`. Duplicate points that leave
    /// fewer than `p + 1` distinct ones give inf or NaN, as IEEE arithmetic does.
    pub fn weights(&mut self, t: &[f64], p: usize, order: usize) -> &[f64] {
        let m = t.len();
        let q = p + 1;
        // Scale to [-1, 1]: the derivative picks up 1 / scale^order.
        let scale = t.iter().fold(0.0f64, |s, &v| s.max(v.abs()));
        let scale = if scale > 0.0 { scale } else { 1.0 };
        self.t.clear();
        self.t.extend(t.iter().map(|&v| v / scale));
        // Vandermonde, column-major: a[c * m + r] = t_r^c.
        self.a.clear();
        self.a.resize(q * m, 1.0);
        for c in 1..q {
            for r in 0..m {
                self.a[c * m + r] = self.a[(c - 1) * m + r] * self.t[r];
            }
        }
        // Householder QR in place: column k below the diagonal keeps the
        // reflector v_k (v_k[k] in `diag`), R above it.
        self.beta.clear();
        self.diag.clear();
        for k in 0..q {
            let col = k * m;
            let norm = self.a[col + k..col + m]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt();
            let alpha = if self.a[col + k] > 0.0 { -norm } else { norm };
            self.a[col + k] -= alpha;
            let vnorm2: f64 = self.a[col + k..col + m].iter().map(|v| v * v).sum();
            let beta = if vnorm2 > 0.0 { 2.0 / vnorm2 } else { 0.0 };
            for c in k + 1..q {
                let cc = c * m;
                let s: f64 = (k..m)
                    .map(|r| self.a[col + r] * self.a[cc + r])
                    .sum::<f64>()
                    * beta;
                for r in k..m {
                    self.a[cc + r] -= s * self.a[col + r];
                }
            }
            self.diag.push(self.a[col + k]);
            self.a[col + k] = alpha; // R[k][k]
            self.beta.push(beta);
        }
        // z = R^-T g, g = order! e_order (the order-th derivative at 0).
        self.z.clear();
        let factorial: f64 = (1..=order).map(|v| v as f64).product();
        for k in 0..q {
            let g = if k == order { factorial } else { 0.0 };
            let s: f64 = (0..k).map(|i| self.a[k * m + i] * self.z[i]).sum();
            self.z.push((g - s) / self.a[k * m + k]);
        }
        // w = Q [z; 0] = H_0 (H_1 (... H_{q-1} [z; 0])).
        self.w.clear();
        self.w.resize(m, 0.0);
        self.w[..q].copy_from_slice(&self.z);
        for k in (0..q).rev() {
            let col = k * m;
            let v = |r: usize| {
                if r == k {
                    self.diag[k]
                } else {
                    self.a[col + r]
                }
            };
            let s: f64 = (k..m).map(|r| v(r) * self.w[r]).sum::<f64>() * self.beta[k];
            for r in k..m {
                self.w[r] -= s * v(r);
            }
        }
        let inv = scale.powi(order as i32).recip();
        self.w.iter_mut().for_each(|w| *w *= inv);
        &self.w
    }
}

impl Savgol {
    /// Rows in a count window (0 for a width window).
    pub fn count(self) -> usize {
        match self.window {
            Window::Count(w) => w,
            Window::HalfWidth(_) => 0,
        }
    }

    /// The rows of row `i`'s count window in a series of `n >= count` rows.
    pub fn count_window(self, i: usize, n: usize) -> std::ops::Range<usize> {
        let w = self.count();
        let lo = i.saturating_sub(w / 2).min(n - w);
        lo..lo + w
    }

    /// Rows `start..start + out.len()` of a series (at least `count()` rows)
    /// with a count window.
    pub fn range<T: Float, X: Coord, S: Slot<T>>(
        self,
        y: &[T],
        spacing: Spacing<'_, X>,
        start: usize,
        out: &mut [S],
    ) {
        let n = y.len();
        let w = self.count();
        let mut fit = Fit::default();
        let mut t = Vec::with_capacity(w);
        match spacing {
            Spacing::Uniform(h) => {
                // The weights depend only on the row's place in its window.
                let mut by_place: Vec<Option<Vec<f64>>> = vec![None; w];
                let scale = h.powi(self.order as i32).recip();
                for (k, o) in out.iter_mut().enumerate() {
                    let i = start + k;
                    let rows = self.count_window(i, n);
                    let place = i - rows.start;
                    let weights = by_place[place].get_or_insert_with(|| {
                        t.clear();
                        t.extend((0..w).map(|j| j as f64 - place as f64));
                        fit.weights(&t, self.polyorder, self.order)
                            .iter()
                            .map(|v| v * scale)
                            .collect()
                    });
                    let d: f64 = weights
                        .iter()
                        .zip(&y[rows])
                        .map(|(w, v)| w * v.to_f64())
                        .sum();
                    o.set(T::from_f64(d));
                }
            }
            Spacing::Coords(x, unit) => {
                for (k, o) in out.iter_mut().enumerate() {
                    let i = start + k;
                    let rows = self.count_window(i, n);
                    t.clear();
                    t.extend(x[rows.clone()].iter().map(|&xj| X::delta(x[i], xj)));
                    let weights = fit.weights(&t, self.polyorder, self.order);
                    let d: f64 = weights
                        .iter()
                        .zip(&y[rows])
                        .map(|(w, v)| w * v.to_f64())
                        .sum();
                    o.set(T::from_f64(in_unit(d, unit, self.order)));
                }
            }
        }
    }

    /// A whole series with a width window (coordinates needed: the caller
    /// passes row positions times the spacing for a uniform grid). With
    /// `valid`, a row is null when a null row is in its window or next to it
    /// (a null coordinate may be in it); a row is null when its window has
    /// fewer than `polyorder + 1` points.
    pub fn width_series<T: Float, X: Coord, S: Slot<T>>(
        self,
        y: &[T],
        x: &[X],
        unit: Unit,
        valid: Option<&[bool]>,
        out: &mut [S],
        out_valid: &mut [bool],
    ) {
        let Window::HalfWidth(half) = self.window else {
            unreachable!("width_series needs a width window")
        };
        let n = y.len();
        let ok = |j: usize| valid.is_none_or(|v| v[j]);
        // Rows `start..start + out.len()`, each fitted on its own.
        let rows = |start: usize, out: &mut [S], out_valid: &mut [bool]| {
            let mut fit = Fit::default();
            let mut t = Vec::new();
            for (k, (o, ov)) in out.iter_mut().zip(out_valid).enumerate() {
                let i = start + k;
                o.set(T::from_f64(f64::NAN));
                *ov = false;
                if !ok(i) {
                    continue;
                }
                // Outward from row i while the coordinates stay within `half`.
                let mut clean = true;
                let mut lo = i;
                while lo > 0 {
                    if !ok(lo - 1) {
                        clean = false;
                        break;
                    }
                    if X::delta(x[lo - 1], x[i]).abs() > half {
                        break;
                    }
                    lo -= 1;
                }
                let mut hi = i + 1;
                while clean && hi < n {
                    if !ok(hi) {
                        clean = false;
                        break;
                    }
                    if X::delta(x[i], x[hi]).abs() > half {
                        break;
                    }
                    hi += 1;
                }
                if !clean || hi - lo <= self.polyorder {
                    continue;
                }
                t.clear();
                t.extend(x[lo..hi].iter().map(|&xj| X::delta(x[i], xj)));
                let weights = fit.weights(&t, self.polyorder, self.order);
                let d: f64 = weights
                    .iter()
                    .zip(&y[lo..hi])
                    .map(|(w, v)| w * v.to_f64())
                    .sum();
                o.set(T::from_f64(in_unit(d, unit, self.order)));
                *ov = true;
            }
        };
        if n < PARALLEL_ROWS {
            return rows(0, out, out_valid);
        }
        let piece = n.div_ceil(rayon::current_num_threads().max(1) * 4);
        out.par_chunks_mut(piece)
            .zip(out_valid.par_chunks_mut(piece))
            .enumerate()
            .for_each(|(k, (o, ov))| rows(k * piece, o, ov));
    }
}

/// A derivative of `order` in raw coordinate units, in the result's unit.
fn in_unit(d: f64, unit: Unit, order: usize) -> f64 {
    (0..order).fold(d, |d, _| unit.apply(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_exact_on_polynomials() {
        let mut fit = Fit::default();
        // Irregular points around 0; y = 1 + 2t - 3t^2 + 0.5t^3.
        let t = [-2.5, -1.0, -0.2, 0.0, 0.7, 1.9, 3.0];
        let f = |t: f64| 1.0 + 2.0 * t - 3.0 * t * t + 0.5 * t * t * t;
        let y: Vec<f64> = t.iter().map(|&t| f(t)).collect();
        for (order, want) in [(0, 1.0), (1, 2.0), (2, -6.0), (3, 3.0)] {
            let w = fit.weights(&t, 3, order).to_vec();
            let got: f64 = w.iter().zip(&y).map(|(w, y)| w * y).sum();
            assert!((got - want).abs() < 1e-10, "order {order}: {got}");
        }
    }

    #[test]
    fn width_windows_in_pieces_equal_one_pass() {
        // Long enough to be split across threads; its first half, short enough not to be.
        let n = PARALLEL_ROWS + 5_000;
        let half_n = PARALLEL_ROWS / 2;
        let x: Vec<i64> = (0..n as i64)
            .map(|i| 1_000 * i + (i * 7919) % 900)
            .collect();
        let y: Vec<f64> = (0..n).map(|i| ((i * 31) % 97) as f64 / 7.0).collect();
        let valid: Vec<bool> = (0..n).map(|i| i % 1013 != 5).collect();
        let sg = Savgol {
            window: Window::HalfWidth(3_500.0),
            polyorder: 2,
            order: 1,
        };
        let run = |m: usize| {
            let mut out = vec![0.0f64; m];
            let mut ov = vec![false; m];
            sg.width_series(
                &y[..m],
                &x[..m],
                Unit::ONE,
                Some(&valid[..m]),
                &mut out,
                &mut ov,
            );
            (out, ov)
        };
        let (whole, whole_valid) = run(n);
        let (part, part_valid) = run(half_n);
        // Rows whose windows end well before the cut read the same rows.
        for i in 0..half_n - 10 {
            assert_eq!(whole_valid[i], part_valid[i], "row {i}");
            assert!(
                whole[i].to_bits() == part[i].to_bits() || !whole_valid[i],
                "row {i}"
            );
        }
        assert!(whole_valid.iter().filter(|&&v| v).count() > n / 2);
    }

    #[test]
    fn uniform_interior_weights_are_savitzky_golay() {
        // The classic 5-point quadratic smoothing weights (-3, 12, 17, 12, -3) / 35.
        let mut fit = Fit::default();
        let w = fit.weights(&[-2.0, -1.0, 0.0, 1.0, 2.0], 2, 0).to_vec();
        let want = [-3.0, 12.0, 17.0, 12.0, -3.0].map(|v| v / 35.0);
        for (a, b) in w.iter().zip(want) {
            assert!((a - b).abs() < 1e-14);
        }
    }
}
