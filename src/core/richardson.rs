//! The derivative of a function from its values at stepped points, by Richardson extrapolation (numdifftools' method).
//!
//! Central differences over a geometric sequence of steps `h_k = h_0 / ratio^k`,
//! improved by Richardson extrapolation, the best estimate chosen by its error
//! estimate. Plain Rust over slices, like `numpy`.

use rayon::prelude::*;

use super::fd;

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
}

/// The function's samples for every row, laid out as the plugin receives them:
/// `centre` is `f(x)` when the rule samples offset 0, and `stepped[k * m + j]`
/// is `f(x + o_j * h0 / ratio^k)` for step `k` and the `j`-th non-zero sampled
/// offset `o_j`. A missing value is NaN.
pub struct Samples<'a> {
    /// The first step per row; `None` where the row has no point (null `x`).
    pub h0: &'a [Option<f64>],
    pub centre: Option<&'a [f64]>,
    pub stepped: Vec<&'a [f64]>,
}

/// Per row: the derivative and its error estimate (`None` where `h0` is), in
/// parallel over the rows when `parallel`.
pub fn derivatives(
    rule: &Rule,
    samples: &Samples<'_>,
    num_steps: usize,
    ratio: f64,
    parallel: bool,
) -> Vec<Option<(f64, f64)>> {
    let weight = |o: i64| rule.weights[rule.offsets.iter().position(|&p| p == o).unwrap()];
    let centre_w = samples.centre.map(|c| (c, weight(0)));
    let others: Vec<f64> = rule
        .sampled_offsets()
        .into_iter()
        .filter(|&o| o != 0)
        .map(weight)
        .collect();
    assert_eq!(samples.stepped.len(), num_steps * others.len());
    let m = rule.order;
    let row = |i: usize| -> Option<(f64, f64)> {
        let h0 = samples.h0[i]?;
        let mut scale = 0f64;
        let f0 = centre_w.map(|(c, w)| {
            scale = scale.max(c[i].abs());
            w * c[i]
        });
        let mut diffs = Vec::with_capacity(num_steps);
        let mut steps = Vec::with_capacity(num_steps);
        for k in 0..num_steps {
            let h = h0 / ratio.powi(k as i32);
            let mut s = f0.unwrap_or(0.0);
            for (j, w) in others.iter().enumerate() {
                let v = samples.stepped[k * others.len() + j][i];
                if v.is_finite() {
                    scale = scale.max(v.abs());
                }
                s += w * v;
            }
            steps.push(h);
            diffs.push(s / h.powi(m as i32));
        }
        Some(extrapolate(&diffs, &steps, scale, m, ratio))
    };
    let n = samples.h0.len();
    if parallel {
        (0..n).into_par_iter().with_min_len(1024).map(row).collect()
    } else {
        (0..n).map(row).collect()
    }
}

/// How many extrapolation levels are tried at most (error terms up to h^10).
pub const MAX_LEVELS: usize = 4;

/// The best estimate and its error estimate from `diffs[k]`, the central
/// differences with steps `h0 / ratio^k`; `scale[k]` is the size of the
/// function values that difference reads, for the rounding error. Estimates
/// that are not finite (a step left the function's domain) are passed over;
/// none finite gives NaN.
pub fn extrapolate(
    diffs: &[f64],
    steps: &[f64],
    scale: f64,
    order: usize,
    ratio: f64,
) -> (f64, f64) {
    let mut best = (f64::NAN, f64::INFINITY);
    // prev[j] / cur[j]: the j-times extrapolated value ending at step k-1 / k.
    let mut prev: Vec<f64> = Vec::with_capacity(MAX_LEVELS + 1);
    let mut cur: Vec<f64> = Vec::with_capacity(MAX_LEVELS + 1);
    for (k, (&d, &h)) in diffs.iter().zip(steps).enumerate() {
        cur.clear();
        cur.push(d);
        for j in 1..=MAX_LEVELS.min(k) {
            let factor = ratio.powi(2 * j as i32) - 1.0;
            cur.push(cur[j - 1] + (cur[j - 1] - prev[j - 1]) / factor);
        }
        // Rounding: eps-level noise in f, divided by h^order, grown by the
        // differences' and the extrapolation's weights (a few units).
        let rounding = 10.0 * f64::EPSILON * scale / h.powi(order as i32);
        for j in 0..cur.len() {
            // Agreement with the same level one step before, and with the
            // level below at this step.
            let mut err = if j < prev.len() {
                (cur[j] - prev[j]).abs()
            } else {
                f64::INFINITY
            };
            if j > 0 {
                err = err.max((cur[j] - cur[j - 1]).abs());
            }
            let err = err + rounding;
            if cur[j].is_finite() && err < best.1 {
                best = (cur[j], err);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derivative(f: impl Fn(f64) -> f64, x: f64, order: usize) -> (f64, f64) {
        let rule = Rule::central(order);
        let h0 = 2.0 * (std::f64::consts::E + x.abs()).ln().max(1.0);
        let steps: Vec<f64> = (0..15).map(|k| h0 / 2f64.powi(k)).collect();
        let mut scale = 0f64;
        let diffs: Vec<f64> = steps
            .iter()
            .map(|&h| {
                let mut s = 0.0;
                for (&o, &w) in rule.offsets.iter().zip(&rule.weights) {
                    let v = f(x + o as f64 * h);
                    scale = scale.max(v.abs());
                    s += w * v;
                }
                s / h.powi(order as i32)
            })
            .collect();
        extrapolate(&diffs, &steps, scale, order, 2.0)
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
    fn rows_equal_the_single_point_method() {
        let xs = [0.3, -1.0, 2.0];
        for order in [1, 2, 3] {
            let rule = Rule::central(order);
            let offsets = rule.sampled_offsets();
            let h0: Vec<Option<f64>> = xs
                .iter()
                .map(|x: &f64| Some(2.0 * (std::f64::consts::E + x.abs()).ln().max(1.0)))
                .chain([None])
                .collect();
            let centre: Vec<f64> = xs.iter().map(|x| x.sin()).chain([f64::NAN]).collect();
            let mut columns = Vec::new();
            for k in 0..15 {
                for &o in offsets.iter().filter(|&&o| o != 0) {
                    let col: Vec<f64> = xs
                        .iter()
                        .zip(&h0)
                        .map(|(x, h)| (x + o as f64 * h.unwrap() / 2f64.powi(k)).sin())
                        .chain([f64::NAN])
                        .collect();
                    columns.push(col);
                }
            }
            let samples = Samples {
                h0: &h0,
                centre: offsets.contains(&0).then_some(&centre[..]),
                stepped: columns.iter().map(|c| &c[..]).collect(),
            };
            for parallel in [false, true] {
                let got = derivatives(&rule, &samples, 15, 2.0, parallel);
                for (i, &x) in xs.iter().enumerate() {
                    // The same estimate as the one-point method, up to which step
                    // wins (its rounding scale also reads the zero-weight centre).
                    let (want, _) = derivative(f64::sin, x, order);
                    let (value, err) = got[i].unwrap();
                    assert!((value - want).abs() <= 1e-8, "{order} {x}: {value} {want}");
                    assert!(err < 1e-6);
                }
                assert_eq!(got[3], None);
            }
        }
    }

    #[test]
    fn smooth_functions_to_1e_10() {
        for x in [-3.0, -0.5, 0.0, 0.3, 1.0, 7.5, 100.0] {
            let (d, err) = derivative(f64::sin, x, 1);
            assert!(
                (d - x.cos()).abs() <= 1e-10 * x.cos().abs().max(1e-3),
                "sin' at {x}: {d}"
            );
            assert!(err < 1e-8);
            let (d, _) = derivative(f64::exp, x / 10.0, 1);
            assert!((d - (x / 10.0).exp()).abs() <= 1e-10 * (x / 10.0).exp());
            let (d2, _) = derivative(f64::sin, x, 2);
            assert!(
                (d2 + x.sin()).abs() <= 1e-9 * x.sin().abs().max(1e-1),
                "sin'' at {x}: {d2}"
            );
        }
    }

    #[test]
    fn steps_outside_the_domain_are_passed_over() {
        // ln near 0.5: the largest steps reach negative arguments (NaN).
        let (d, _) = derivative(f64::ln, 0.5, 1);
        assert!((d - 2.0).abs() < 1e-9, "{d}");
    }
}
