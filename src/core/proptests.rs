//! Property tests of the core: kernels on hostile numbers against references, and the drivers against each group alone.
//!
//! Hostile numbers: NaN, ±inf, duplicate and non-monotonic coordinates, 1e300
//! and 1e-300 magnitudes, subnormals, extreme integers. No panic, no
//! out-of-bounds, and agreement with a straightforward reference written from
//! numpy's source. `PROPTEST_CASES` sets the count.

use proptest::prelude::*;

use super::drivers::{self, Columns, Idx};
use super::fd::Stencil;
use super::series::{self, Method};
use super::types::{Coord, Spacing, Unit};

/// The methods the driver tests try: numpy's gradient and Fornberg stencils.
const METHODS: [Method; 6] = [
    Method::Gradient { edge_order: 1 },
    Method::Gradient { edge_order: 2 },
    Method::Derivative(Stencil {
        order: 2,
        accuracy: 2,
    }),
    Method::Derivative(Stencil {
        order: 1,
        accuracy: 4,
    }),
    Method::Derivative(Stencil {
        order: 3,
        accuracy: 2,
    }),
    Method::Derivative(Stencil {
        order: 2,
        accuracy: 6,
    }),
];

/// The driver tests' inputs: spacing 0.5 where there is no `x`.
fn columns<'a>(
    y: &'a [f64],
    x: Option<&'a [f64]>,
    valid: Option<&'a [bool]>,
    method: Method,
    ignore_nulls: bool,
) -> Columns<'a, f64, f64> {
    Columns {
        y,
        x,
        h: 0.5,
        valid,
        method,
        unit: Unit::ONE,
        ignore_nulls,
    }
}

fn hostile() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -1e3f64..1e3,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => prop_oneof![Just(1e300), Just(-1e300), Just(1e-300), Just(-1e-300)],
        1 => Just(f64::MIN_POSITIVE / 4.0), // subnormal
        1 => Just(f64::MAX),
    ]
}

/// numpy.gradient, element by element, straight from numpy's formulas.
fn reference(y: &[f64], x: Option<&[f64]>, h: f64, edge: usize) -> Vec<f64> {
    let n = y.len();
    let dx = |i: usize| x.map_or(h, |x| x[i + 1] - x[i]);
    (0..n)
        .map(|i| {
            if i == 0 {
                if edge == 1 {
                    (y[1] - y[0]) / dx(0)
                } else if x.is_none() {
                    -1.5 / h * y[0] + 2.0 / h * y[1] + -0.5 / h * y[2]
                } else {
                    let (d1, d2) = (dx(0), dx(1));
                    let a = -(2.0 * d1 + d2) / (d1 * (d1 + d2));
                    let b = (d1 + d2) / (d1 * d2);
                    let c = -d1 / (d2 * (d1 + d2));
                    a * y[0] + b * y[1] + c * y[2]
                }
            } else if i == n - 1 {
                if edge == 1 {
                    (y[n - 1] - y[n - 2]) / dx(n - 2)
                } else if x.is_none() {
                    0.5 / h * y[n - 3] + -2.0 / h * y[n - 2] + 1.5 / h * y[n - 1]
                } else {
                    let (d1, d2) = (dx(n - 3), dx(n - 2));
                    let a = d2 / (d1 * (d1 + d2));
                    let b = -(d2 + d1) / (d1 * d2);
                    let c = (2.0 * d2 + d1) / (d2 * (d1 + d2));
                    a * y[n - 3] + b * y[n - 2] + c * y[n - 1]
                }
            } else if x.is_none() {
                (y[i + 1] - y[i - 1]) / (2.0 * h)
            } else {
                let (d1, d2) = (dx(i - 1), dx(i));
                let a = -d2 / (d1 * (d1 + d2));
                let b = (d2 - d1) / (d1 * d2);
                let c = d1 / (d2 * (d1 + d2));
                a * y[i - 1] + b * y[i] + c * y[i + 1]
            }
        })
        .collect()
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// 512 cases a property unless `PROPTEST_CASES` says otherwise.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn gradient_equals_the_reference_on_hostile_numbers(
        y in prop::collection::vec(hostile(), 0..40),
        steps in prop::collection::vec(hostile(), 40),
        h in prop_oneof![Just(1.0), Just(-0.5), Just(1e-300), Just(1e300), Just(3.0)],
        edge in 1usize..=2,
        with_x in any::<bool>(),
    ) {
        let n = y.len();
        let x: Vec<f64> = steps[..n].iter().scan(0.0, |acc, s| { *acc += s; Some(*acc) }).collect();
        let xo = with_x.then_some(&x[..]);
        let spacing = match xo { Some(x) => Spacing::Coords(x, Unit::ONE), None => Spacing::Uniform(h) };
        let mut out = vec![0.0; n];
        let mut valid = vec![true; n];
        let method = Method::Gradient { edge_order: edge };
        series::series(&y, spacing, None, method, false, &mut out, Some(&mut valid));
        if n <= edge {
            prop_assert!(valid.iter().all(|v| !v));
        } else {
            let want = reference(&y, xo, h, edge);
            for (i, (a, b)) in out.iter().zip(&want).enumerate() {
                prop_assert!(same(*a, *b), "row {}: {} vs {}", i, a, b);
            }
        }
    }

    #[test]
    fn integer_steps_are_exact(a in any::<i64>(), b in any::<i64>(), c in any::<u64>(), d in any::<u64>()) {
        prop_assert_eq!(<i64 as Coord>::delta(a, b), (b as i128 - a as i128) as f64);
        prop_assert_eq!(<u64 as Coord>::delta(c, d), (d as i128 - c as i128) as f64);
    }

    #[test]
    fn derivatives_and_null_policies_never_panic(
        y in prop::collection::vec(hostile(), 0..30),
        steps in prop::collection::vec(hostile(), 30),
        nulls in prop::collection::vec(any::<bool>(), 30),
        order in 1usize..=4,
        half_accuracy in 1usize..=3,
        ignore_nulls in any::<bool>(),
        with_x in any::<bool>(),
    ) {
        let n = y.len();
        let x: Vec<f64> = steps[..n].to_vec();
        let valid: Vec<bool> = nulls[..n].iter().map(|v| !v).collect();
        let method = Method::Derivative(Stencil { order, accuracy: 2 * half_accuracy });
        let spacing = if with_x { Spacing::Coords(&x[..], Unit::ONE) } else { Spacing::Uniform(0.5) };
        let mut out = vec![0.0; n];
        let mut ov = vec![true; n];
        series::series(&y, spacing, Some(&valid), method, ignore_nulls, &mut out, Some(&mut ov));
        // Nothing is valid where the input was not, under either policy.
        for i in 0..n {
            prop_assert!(!ov[i] || valid[i]);
        }
    }

    /// The group drivers (gathered: rows listed; labelled: each row's group) are
    /// bit-equal to each group alone: every method, with and without
    /// coordinates, nulls and either null policy; rows in no group (null);
    /// gathered groups listed in or against row order.
    #[test]
    fn groups_driver_matches_each_group_alone(
        y in prop::collection::vec(hostile(), 0..80),
        steps in prop::collection::vec(0.01f64..5.0, 80),
        nulls in prop::collection::vec(prop::bool::weighted(0.1), 80),
        labels in prop::collection::vec(0u32..7, 80),
        reversed in prop::collection::vec(any::<bool>(), 6),
        with_x in any::<bool>(),
        with_nulls in any::<bool>(),
        ignore_nulls in any::<bool>(),
        method_pick in 0usize..6,
        parallel in any::<bool>(),
    ) {
        let n = y.len();
        let x: Vec<f64> = steps[..n].iter().scan(0.0, |t, s| { *t += s; Some(*t) }).collect();
        let valid: Vec<bool> = nulls[..n].iter().map(|&b| !b).collect();
        // Label 6: the row is in no group.
        let groups: Vec<Vec<Idx>> = (0..6u32)
            .map(|g| {
                let mut rows: Vec<Idx> = (0..n as Idx).filter(|&i| labels[i as usize] == g).collect();
                if reversed[g as usize] {
                    rows.reverse();
                }
                rows
            })
            .collect();
        let method = METHODS[method_pick];
        let c = columns(&y, with_x.then_some(&x[..]), with_nulls.then_some(&valid[..]), method, ignore_nulls);
        let in_row_order: Vec<Vec<Idx>> = groups
            .iter()
            .map(|g| { let mut g = g.clone(); g.sort_unstable(); g })
            .collect();
        let ids: Vec<Idx> = labels[..n].iter().map(|&l| if l == 6 { drivers::NO_GROUP } else { l }).collect();
        let runs = [
            (drivers::gathered(c, &groups, parallel), &groups),
            (drivers::labelled(c, &ids, 6, parallel), &in_row_order),
        ];
        for (out, groups) in runs {
        prop_assert_eq!(out.values.len(), n);
        for g in groups {
            let pick = |v: &[f64]| g.iter().map(|&i| v[i as usize]).collect::<Vec<f64>>();
            let (ys, xs) = (pick(&y), pick(&x));
            let vs: Vec<bool> = g.iter().map(|&i| valid[i as usize]).collect();
            let mut alone = vec![0.0; g.len()];
            let mut av = vec![false; g.len()];
            series::series(
                &ys,
                if with_x { Spacing::Coords(&xs[..], Unit::ONE) } else { Spacing::Uniform(0.5) },
                with_nulls.then_some(&vs[..]),
                method,
                ignore_nulls,
                &mut alone,
                Some(&mut av),
            );
            for (k, &i) in g.iter().enumerate() {
                let i = i as usize;
                prop_assert_eq!(out.valid.get(i), av[k]);
                if av[k] {
                    prop_assert!(same(out.values[i], alone[k]), "row {}: {} vs {}", i, out.values[i], alone[k]);
                }
            }
        }
        for (i, &label) in labels[..n].iter().enumerate() {
            if label == 6 {
                prop_assert!(!out.valid.get(i));
            }
        }
        }
    }

    /// The consecutive-runs driver (one whole-column pass, then each run's ends recomputed)
    /// is bit-equal to each run as a series of its own: every method, with and
    /// without coordinates, nulls and either null policy, runs of any length,
    /// in blocks of any size.
    #[test]
    fn runs_driver_matches_each_run_alone(
        y in prop::collection::vec(hostile(), 0..80),
        steps in prop::collection::vec(0.01f64..5.0, 80),
        nulls in prop::collection::vec(prop::bool::weighted(0.1), 80),
        lengths in prop::collection::vec(0u32..12, 1..20),
        with_x in any::<bool>(),
        with_nulls in any::<bool>(),
        ignore_nulls in any::<bool>(),
        method_pick in 0usize..6,
        block_rows in 1usize..30,
    ) {
        let n = y.len();
        let x: Vec<f64> = steps[..n].iter().scan(0.0, |t, s| { *t += s; Some(*t) }).collect();
        let valid: Vec<bool> = nulls[..n].iter().map(|&b| !b).collect();
        // Runs of the drawn lengths, the last one taking the rest.
        let mut runs_v: Vec<[Idx; 2]> = Vec::new();
        let mut start = 0u32;
        for &len in &lengths {
            let len = len.min(n as u32 - start);
            runs_v.push([start, len]);
            start += len;
        }
        runs_v.push([start, n as u32 - start]);
        let method = METHODS[method_pick];
        let c = columns(&y, with_x.then_some(&x[..]), with_nulls.then_some(&valid[..]), method, ignore_nulls);
        let bounds: Vec<Idx> = runs_v.iter().map(|r| r[0]).chain([n as Idx]).collect();
        for (parallel, block_rows) in [(false, 1 << 13), (true, 1 << 13), (false, block_rows), (true, block_rows)] {
            let out = drivers::consecutive_in_blocks(c, &bounds, parallel, block_rows);
            for &[s, l] in &runs_v {
                let rows = s as usize..(s + l) as usize;
                let mut alone = vec![0.0; rows.len()];
                let mut av = vec![false; rows.len()];
                series::series(
                    &y[rows.clone()],
                    if with_x { Spacing::Coords(&x[rows.clone()], Unit::ONE) } else { Spacing::Uniform(0.5) },
                    c.valid.map(|v| &v[rows.clone()]),
                    method,
                    ignore_nulls,
                    &mut alone,
                    Some(&mut av),
                );
                for (k, i) in rows.enumerate() {
                    let got_valid = out.valid.get(i);
                    prop_assert_eq!(got_valid, av[k]);
                    if av[k] {
                        prop_assert!(same(out.values[i], alone[k]), "row {}: {} vs {}", i, out.values[i], alone[k]);
                    }
                }
            }
        }
    }
}
