//! One value per series, for each row of a List column: the rate family without a window and the trapezoid integral.
//!
//! `window=None` and `trapezoid` are built in Python as `y.implode()` (and `x`'s)
//! through one elementwise plugin call: inside `group_by().agg()` Polars implodes
//! each group at almost no cost and calls the plugin once for all groups, so each
//! group is a row of the List column these functions reduce.

use super::counters::{self, Counter};
use super::drivers::Idx;
use super::series::{self, Method};
use super::types::{Coord, Spacing, Unit};

/// What one series reduces to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reduction {
    /// A function of the rate family over all the series' samples (`counters::whole`).
    Counter(Counter),
    /// The trapezoid integral (`scipy.integrate.trapezoid`), under a null policy.
    Trapezoid { ignore_nulls: bool },
}

/// The columns of flat values, row `k` of them `bounds[k]..bounds[k + 1]`.
#[derive(Clone, Copy)]
pub struct Flat<'a, X> {
    pub y: &'a [f64],
    pub y_valid: Option<&'a [bool]>,
    /// The coordinates, or `None` for the uniform spacing `h`.
    pub x: Option<&'a [X]>,
    pub x_valid: Option<&'a [bool]>,
    pub h: f64,
    pub unit: Unit,
}

/// Each row's value, and whether it is valid.
pub fn rows<X: Coord>(r: Reduction, f: Flat<'_, X>, bounds: &[Idx]) -> (Vec<f64>, Vec<bool>) {
    let valid = |v: Option<&[bool]>, i: usize| v.is_none_or(|v| v[i]);
    let one = |k: usize| -> Option<f64> {
        let range = bounds[k] as usize..bounds[k + 1] as usize;
        match r {
            Reduction::Counter(c) => {
                let x = f.x?;
                let at = range.clone().rev().find(|&i| valid(f.x_valid, i))?;
                if f.y_valid.is_none() && f.x_valid.is_none() {
                    // Every row a sample: the slices as they are.
                    return counters::whole(c, f.unit, &x[range.clone()], &f.y[range], x[at]);
                }
                let samples = range
                    .clone()
                    .filter(|&i| valid(f.y_valid, i) && valid(f.x_valid, i));
                let (t, v): (Vec<X>, Vec<f64>) = samples.map(|i| (x[i], f.y[i])).unzip();
                counters::whole(c, f.unit, &t, &v, x[at])
            }
            Reduction::Trapezoid { ignore_nulls } => {
                let n = range.len();
                let both: Option<Vec<bool>> =
                    (f.y_valid.is_some() || f.x_valid.is_some()).then(|| {
                        range
                            .clone()
                            .map(|i| valid(f.y_valid, i) && valid(f.x_valid, i))
                            .collect()
                    });
                let spacing = match f.x {
                    Some(x) => Spacing::Coords(&x[range.clone()], f.unit),
                    None => Spacing::Uniform(f.h),
                };
                let mut out = vec![0.0; n];
                let mut ok = vec![false; n];
                let y = &f.y[range];
                let method = Method::CumulativeTrapezoid;
                series::series(
                    y,
                    spacing,
                    both.as_deref(),
                    method,
                    ignore_nulls,
                    &mut out,
                    Some(&mut ok),
                );
                // The running integral's last row; skipping nulls, its last valid row.
                let last = if ignore_nulls {
                    (0..n).rev().find(|&i| ok[i])
                } else {
                    n.checked_sub(1)
                };
                match last {
                    None => Some(0.0),
                    Some(i) => ok[i].then_some(out[i]),
                }
            }
        }
    };
    (0..bounds.len().saturating_sub(1))
        .map(|k| match one(k) {
            Some(v) => (v, true),
            None => (f64::NAN, false),
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::counters::Kind;

    #[test]
    fn rows_reduce_each_row() {
        let y = [0.0, 30.0, 60.0, 5.0, 35.0, 1.0, 2.0];
        let x: [i64; 7] = [0, 15, 30, 45, 60, 0, 10];
        let f = Flat {
            y: &y,
            y_valid: None,
            x: Some(&x),
            x_valid: None,
            h: 1.0,
            unit: Unit::ONE,
        };
        let c = |kind| {
            Reduction::Counter(Counter {
                kind,
                window: f64::INFINITY,
                ahead: 0.0,
            })
        };
        let (v, ok) = rows(c(Kind::Increase), f, &[0, 5, 7, 7]);
        assert_eq!(v[..2], [95.0, 1.0]);
        assert_eq!(ok, [true, true, false]);
        let (v, _) = rows(c(Kind::Rate), f, &[0, 5]);
        assert_eq!(v[0], 95.0 / 60.0);
        let (v, ok) = rows(
            Reduction::Trapezoid {
                ignore_nulls: false,
            },
            f,
            &[0, 5, 7, 7],
        );
        assert_eq!(v[1], 15.0);
        assert_eq!((v[2], ok[2]), (0.0, true));
    }
}
