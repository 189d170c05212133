//! The drivers' unit tests.

use super::*;

fn cols<'a>(
    y: &'a [f64],
    x: Option<&'a [f64]>,
    valid: Option<&'a [bool]>,
) -> Columns<'a, f64, f64> {
    Columns {
        y,
        x,
        h: 1.0,
        valid,
        method: Method::Gradient { edge_order: 1 },
        unit: Unit::ONE,
        ignore_nulls: false,
    }
}

fn reference(y: &[f64], x: Option<&[f64]>, rows: &[usize]) -> Vec<Option<f64>> {
    let ys: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
    if ys.len() < 2 {
        return vec![None; ys.len()];
    }
    let mut out = vec![0.0; ys.len()];
    match x {
        Some(x) => {
            let xs: Vec<f64> = rows.iter().map(|&i| x[i]).collect();
            crate::core::numpy::gradient(&ys, Spacing::Coords(&xs, Unit::ONE), 1, &mut out)
        }
        None => {
            crate::core::numpy::gradient::<f64, f64, f64>(&ys, Spacing::Uniform(1.0), 1, &mut out)
        }
    }
    out.into_iter().map(Some).collect()
}

fn as_options(o: &Output<f64>) -> Vec<Option<f64>> {
    o.values
        .iter()
        .enumerate()
        .map(|(i, &v)| o.valid.get(i).then_some(v))
        .collect()
}

#[test]
fn runs_and_gathered_groups_agree_with_each_group_alone() {
    let n = 1000;
    let y: Vec<f64> = (0..n).map(|i| ((i * 7919) % 101) as f64).collect();
    let x: Vec<f64> = (0..n)
        .map(|i| i as f64 + ((i * 31) % 7) as f64 / 10.0)
        .collect();
    // Runs of lengths 0, 1, 2, 3, ... covering the rows in order.
    let mut runs_v = Vec::new();
    let mut start = 0;
    let mut len = 0;
    while start < n {
        let l = len.min(n - start);
        runs_v.push([start as Idx, l as Idx]);
        start += l;
        len += 1;
    }
    for xo in [None, Some(&x[..])] {
        let got = as_options(&runs(cols(&y, xo, None), &runs_v, true));
        for &[s, l] in &runs_v {
            let rows: Vec<usize> = (s as usize..(s + l) as usize).collect();
            let want = reference(&y, xo, &rows);
            let have: Vec<Option<f64>> = rows.iter().map(|&i| got[i]).collect();
            assert_eq!(have, want);
        }
    }
    // Interleaved groups: row i belongs to group i % k.
    for k in [1, 2, 3, 7, 500, 1000] {
        let groups: Vec<Vec<Idx>> = (0..k)
            .map(|g| (g..n).step_by(k).map(|i| i as Idx).collect())
            .collect();
        for xo in [None, Some(&x[..])] {
            let got = as_options(&gathered(cols(&y, xo, None), &groups, k % 2 == 0));
            for g in &groups {
                let rows: Vec<usize> = g.iter().map(|&i| i as usize).collect();
                let want = reference(&y, xo, &rows);
                let have: Vec<Option<f64>> = rows.iter().map(|&i| got[i]).collect();
                assert_eq!(have, want);
            }
        }
    }
}

#[test]
fn group_drivers_in_parallel_equal_serial() {
    // Long enough for the parallel passes; interleaved groups of every size,
    // some rows in no group, some nulls.
    let n = PARALLEL_MIN_ROWS * 2 + 101;
    let y: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 / 7.0).collect();
    let x: Vec<f64> = (0..n)
        .map(|i| i as f64 + ((i * 31) % 7) as f64 / 10.0)
        .collect();
    let valid: Vec<bool> = (0..n).map(|i| i % 97 != 5).collect();
    let labels: Vec<Idx> = (0..n)
        .map(|i| match (i * 2_654_435_761) % 3001 {
            3000 => NO_GROUP,
            g => g as Idx,
        })
        .collect();
    let mut groups: Vec<Vec<Idx>> = vec![Vec::new(); 3000];
    for (i, &g) in labels.iter().enumerate() {
        if g != NO_GROUP {
            groups[g as usize].push(i as Idx);
        }
    }
    for (xo, vo) in [(None, None), (Some(&x[..]), Some(&valid[..]))] {
        let serial = as_options(&gathered(cols(&y, xo, vo), &groups, false));
        for parallel in [false, true] {
            let by_labels = labelled(cols(&y, xo, vo), &labels, 3000, parallel);
            assert_eq!(serial, as_options(&by_labels));
            assert_eq!(
                serial,
                as_options(&gathered(cols(&y, xo, vo), &groups, parallel))
            );
        }
        assert!(labels
            .iter()
            .zip(&serial)
            .all(|(&g, v)| g != NO_GROUP || v.is_none()));
    }
}

#[test]
fn parallel_whole_equals_serial_around_every_split() {
    for n in [
        PARALLEL_MIN_ROWS - 1,
        PARALLEL_MIN_ROWS,
        PARALLEL_MIN_ROWS + 1,
        200_003,
    ] {
        let y: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64).collect();
        let x: Vec<f64> = (0..n).map(|i| i as f64 * 1.5 + (i % 3) as f64).collect();
        let valid: Vec<bool> = (0..n).map(|i| i % 977 != 5).collect();
        let methods = [
            Method::Gradient { edge_order: 1 },
            Method::Gradient { edge_order: 2 },
            Method::Derivative(crate::core::fd::Stencil {
                order: 2,
                accuracy: 4,
            }),
        ];
        for method in methods {
            for xo in [None, Some(&x[..])] {
                for vo in [None, Some(&valid[..])] {
                    let c = Columns {
                        y: &y[..],
                        x: xo,
                        h: 0.5,
                        valid: vo,
                        method,
                        unit: Unit::ONE,
                        ignore_nulls: false,
                    };
                    let a = whole(c, true);
                    let b = whole(c, false);
                    assert_eq!(a.values, b.values);
                    assert_eq!(a.valid, b.valid);
                }
            }
        }
    }
}

#[test]
fn runs_in_any_order_are_each_a_series() {
    let y: Vec<f64> = (0..10).map(|i| (i * i) as f64).collect();
    let a = runs(cols(&y, None, None), &[[5, 5], [0, 5]], false);
    let b = runs(cols(&y, None, None), &[[0, 5], [5, 5]], false);
    assert_eq!(a.values, b.values);
    assert_eq!(
        as_options(&a),
        reference(&y, None, &[0, 1, 2, 3, 4])
            .into_iter()
            .chain(reference(&y, None, &[5, 6, 7, 8, 9]))
            .collect::<Vec<_>>()
    );
}

#[test]
#[should_panic(expected = "runs must cover the rows exactly once")]
fn overlapping_runs_are_refused() {
    let y = [1.0; 10];
    runs(cols(&y, None, None), &[[5, 5], [0, 6]], false);
}

#[test]
#[should_panic(expected = "runs must cover the rows exactly once")]
fn runs_with_a_gap_are_refused() {
    let y = [1.0; 10];
    runs(cols(&y, None, None), &[[0, 4], [5, 5]], false);
}
