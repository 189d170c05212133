//! The trapezoid rule: the running integral of one series, as `scipy.integrate.cumulative_trapezoid(initial=0)`.

use super::types::{Coord, Float, Slot, Spacing};

/// The running trapezoid integral of `y` into `out`, `0.0` at the first row:
/// `out[i] = out[i-1] + d * (y[i-1] + y[i]) / 2` with `d` the step (scipy's
/// order of operations). With `valid`, every row from the first invalid one
/// on is invalid (`out_valid`); the caller leaves invalid rows out first for
/// the other null policy, which bridges a gap with one trapezoid.
pub fn cumulative<T: Float, X: Coord, S: Slot<T>>(
    y: &[T],
    spacing: Spacing<'_, X>,
    valid: Option<&[bool]>,
    out: &mut [S],
    out_valid: Option<&mut [bool]>,
) {
    let n = y.len();
    // The sum in raw coordinate units, scaled to the result's unit row by row.
    match spacing {
        Spacing::Uniform(h) => running(y, 1.0, |_| h, out),
        Spacing::Coords(x, unit) => {
            running(y, unit.num / unit.den, |i| X::delta(x[i - 1], x[i]), out)
        }
    }
    if let Some(ov) = out_valid {
        let first_bad = valid.and_then(|v| v.iter().position(|&b| !b)).unwrap_or(n);
        ov[..first_bad].fill(true);
        ov[first_bad..].fill(false);
    }
}

fn running<T: Float, S: Slot<T>>(y: &[T], scale: f64, step: impl Fn(usize) -> f64, out: &mut [S]) {
    let mut sum = 0.0;
    for (i, o) in out.iter_mut().enumerate().take(y.len()) {
        if i > 0 {
            sum += step(i) * (y[i - 1].to_f64() + y[i].to_f64()) / 2.0;
        }
        o.set(T::from_f64(if scale == 1.0 { sum } else { sum * scale }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::types::Unit;

    #[test]
    fn integrates_lines_exactly_and_stops_at_a_null() {
        let x = [0.0, 0.5, 2.0, 2.5];
        let y: Vec<f64> = x.iter().map(|x| 3.0 * x + 1.0).collect();
        let mut out = [0.0; 4];
        let mut ov = [false; 4];
        cumulative(
            &y,
            Spacing::Coords(&x, Unit::ONE),
            None,
            &mut out,
            Some(&mut ov),
        );
        for (o, x) in out.iter().zip(x) {
            assert!((o - (1.5 * x * x + x)).abs() < 1e-12);
        }
        assert_eq!(ov, [true; 4]);
        let valid = [true, true, false, true];
        cumulative(
            &y,
            Spacing::<f64>::Uniform(2.0),
            Some(&valid),
            &mut out,
            Some(&mut ov),
        );
        assert_eq!(ov, [true, true, false, false]);
        assert_eq!(out[1], 2.0 * (1.0 + 2.5) / 2.0);
    }
}
