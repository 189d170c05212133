//! One series: its derivative by a method (numpy's formulas, Fornberg's weights, Savitzky–Golay) or its running integral, under a null policy.

use super::counters::{self, Counter};
use super::fd::{derivative_range, Stencil};
use super::integrate;
use super::numpy::{first_edge, gradient_range, last_edge, min_points, stencil};
use super::savgol::{Savgol, Window};
use super::types::{Coord, Float, Slot, Spacing, Unit};

/// What to compute along a series: numpy.gradient's formulas, a finite
/// difference of any order and accuracy (`super::fd`), a Savitzky–Golay
/// derivative (`super::savgol`), or the running trapezoid integral.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    Gradient {
        edge_order: usize,
    },
    Derivative(Stencil),
    Savgol(Savgol),
    CumulativeTrapezoid,
    /// PromQL's rate family over a trailing window (`super::counters`).
    Counter(Counter),
}

impl Method {
    /// Fewest points a series needs; shorter ones are all null.
    pub fn min_points(self) -> usize {
        match self {
            Method::Gradient { edge_order } => min_points(edge_order),
            Method::Derivative(st) => st.edge_points(),
            Method::Savgol(sg) => match sg.window {
                Window::Count(w) => w,
                Window::HalfWidth(_) => sg.polyorder + 1,
            },
            Method::CumulativeTrapezoid | Method::Counter(_) => 1,
        }
    }

    /// The most rows one output row's window holds, so no row reads one
    /// farther than this from it (a generous halo for data split in batches);
    /// `None` where no count of rows bounds it (width windows, integrals).
    pub fn window_rows(self) -> Option<usize> {
        match self {
            Method::Gradient { edge_order } => Some(min_points(edge_order)),
            Method::Derivative(st) => Some(st.edge_points().max(st.centred_points(false))),
            Method::Savgol(sg) => match sg.window {
                Window::Count(w) => Some(w),
                Window::HalfWidth(_) => None,
            },
            Method::CumulativeTrapezoid | Method::Counter(_) => None,
        }
    }

    /// Whether row `i` reads a fixed window of rows around it, the same for
    /// every row but the `edge_rows` at each end (so a whole column computed
    /// at once is right for every row of a run away from its ends). Only
    /// these methods have `edge_rows`, `ends`, `stencil_valid` and `range`.
    pub fn is_stencil(self) -> bool {
        match self {
            Method::Gradient { .. } | Method::Derivative(_) => true,
            Method::Savgol(sg) => matches!(sg.window, Window::Count(_)),
            Method::CumulativeTrapezoid | Method::Counter(_) => false,
        }
    }

    /// How many rows at each end of a series have a stencil other than the
    /// interior one (numpy's one-sided edges, or a derivative's edge windows).
    /// Every other row reads only rows within this distance of itself.
    pub fn edge_rows(self, uniform: bool) -> usize {
        match self {
            Method::Gradient { .. } => 1,
            Method::Derivative(st) => (st.centred_points(uniform) - 1) / 2,
            Method::Savgol(sg) => sg.count() / 2,
            Method::CumulativeTrapezoid | Method::Counter(_) => unreachable!("not a stencil"),
        }
    }

    /// The `edge_rows` at each end of each run of rows `runs` of the column `y`
    /// (each run a series of at least `min_points()` rows) into the same rows of
    /// `out`, which holds the column's rows from `offset` on; other rows untouched.
    /// The method is matched once for all the runs.
    pub fn ends<T: Float, X: Coord, S: Slot<T>>(
        self,
        y: &[T],
        spacing: Spacing<'_, X>,
        runs: impl Iterator<Item = std::ops::Range<usize>>,
        offset: usize,
        out: &mut [S],
    ) {
        match self {
            Method::Gradient { edge_order } => {
                for r in runs {
                    let (ys, sp) = (&y[r.clone()], spacing.rows(r.clone()));
                    out[r.start - offset].set(T::from_f64(first_edge(ys, sp, edge_order)));
                    out[r.end - 1 - offset].set(T::from_f64(last_edge(ys, sp, edge_order)));
                }
            }
            // Window methods: their own range over the head and tail rows.
            Method::Derivative(_) | Method::Savgol(_) => {
                let edge = self.edge_rows(matches!(spacing, Spacing::Uniform(_)));
                for r in runs {
                    let (ys, sp) = (&y[r.clone()], spacing.rows(r.clone()));
                    let o = &mut out[r.start - offset..r.end - offset];
                    let n = r.len();
                    let head = edge.min(n);
                    let tail = (n - head).max(head);
                    self.range(ys, sp, 0, &mut o[..head]);
                    self.range(ys, sp, tail, &mut o[tail..]);
                }
            }
            Method::CumulativeTrapezoid | Method::Counter(_) => unreachable!("not a stencil"),
        }
    }

    /// Whether every row output row `i` reads is valid.
    pub fn stencil_valid(self, valid: &[bool], i: usize, uniform: bool) -> bool {
        let n = valid.len();
        match self {
            Method::Gradient { edge_order } => valid[stencil(i, n, edge_order)].iter().all(|&v| v),
            Method::Derivative(st) => valid[st.window(i, n, uniform)].iter().all(|&v| v),
            Method::Savgol(sg) => valid[sg.count_window(i, n)].iter().all(|&v| v),
            Method::CumulativeTrapezoid | Method::Counter(_) => unreachable!("not a stencil"),
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
            Method::Savgol(sg) => sg.range(y, spacing, start, out),
            Method::CumulativeTrapezoid | Method::Counter(_) => unreachable!("not a stencil"),
        }
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
    match (valid, out_valid) {
        (Some(v), Some(o)) if ignore_nulls && v.contains(&false) => {
            let keep: Vec<usize> = (0..y.len()).filter(|&i| v[i]).collect();
            all_null(out, Some(&mut *o));
            if keep.len() < method.min_points() {
                return;
            }
            let ys: Vec<T> = keep.iter().map(|&i| y[i]).collect();
            let mut res = vec![T::from_f64(0.0); keep.len()];
            let mut res_valid = vec![false; keep.len()];
            match spacing {
                Spacing::Uniform(h) => {
                    let rows: Vec<i64> = keep.iter().map(|&i| i as i64).collect();
                    let unit = Unit { num: h, den: 1.0 };
                    let sp = Spacing::Coords(&rows, unit);
                    full(&ys, sp, None, method, &mut res, Some(&mut res_valid));
                }
                Spacing::Coords(x, unit) => {
                    let xs: Vec<X> = keep.iter().map(|&i| x[i]).collect();
                    let sp = Spacing::Coords(&xs, unit);
                    full(&ys, sp, None, method, &mut res, Some(&mut res_valid));
                }
            }
            for ((&i, r), ok) in keep.iter().zip(res).zip(res_valid) {
                out[i].set(r);
                o[i] = ok;
            }
        }
        (v, o) => full(y, spacing, v, method, out, o),
    }
}

/// One whole series (at least `method.min_points()` long) with nulls
/// propagated: an output is null where what it reads holds an invalid row.
fn full<T: Float, X: Coord, S: Slot<T>>(
    y: &[T],
    spacing: Spacing<'_, X>,
    valid: Option<&[bool]>,
    method: Method,
    out: &mut [S],
    out_valid: Option<&mut [bool]>,
) {
    let uniform = matches!(spacing, Spacing::Uniform(_));
    match method {
        Method::CumulativeTrapezoid => integrate::cumulative(y, spacing, valid, out, out_valid),
        Method::Counter(c) => {
            let ov = out_valid.expect("a window function needs an output validity");
            match spacing {
                Spacing::Coords(x, unit) => counters::series(y, x, valid, c, unit, out, ov),
                // Python requires x; row positions times the step keep this total.
                Spacing::Uniform(h) => {
                    let rows: Vec<i64> = (0..y.len() as i64).collect();
                    let unit = Unit { num: h, den: 1.0 };
                    counters::series(y, &rows, valid, c, unit, out, ov)
                }
            }
        }
        Method::Savgol(sg) if !method.is_stencil() => {
            let ov = out_valid.expect("a width window needs an output validity");
            match spacing {
                Spacing::Coords(x, unit) => sg.width_series(y, x, unit, valid, out, ov),
                // Python and the request refuse a width without x; row
                // positions as coordinates keep this total.
                Spacing::Uniform(_) => {
                    let rows: Vec<i64> = (0..y.len() as i64).collect();
                    sg.width_series(y, &rows, Unit::ONE, valid, out, ov)
                }
            }
        }
        _ => {
            method.range(y, spacing, 0, out);
            match (valid, out_valid) {
                (Some(v), Some(o)) => stencil_validity(v, method, uniform, o),
                (None, Some(o)) => o.fill(true),
                (v, None) => debug_assert!(v.is_none(), "nulls need an output validity"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
