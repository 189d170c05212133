//! Rows across columns: each row's values, one per input column, as a series of their own.

use super::*;

/// Each row across `columns` (row `i` is `columns[0][i], columns[1][i], ...`)
/// as a series of its own, spaced `h` apart: numpy's `axis=1` of a frame. The
/// rows are laid out one after another and run through `consecutive`, in parallel like
/// groups. `valid` is each column's validity (`None`: no nulls anywhere).
pub fn across<T: Float>(
    columns: &[&[T]],
    valid: Option<&[&[bool]]>,
    method: Method,
    h: f64,
    parallel: bool,
) -> Vec<Output<T>> {
    let k = columns.len();
    let n = columns.first().map_or(0, |c| c.len());
    let mut y = Vec::with_capacity(n * k);
    for i in 0..n {
        y.extend(columns.iter().map(|c| c[i]));
    }
    let v: Option<Vec<bool>> = valid.map(|cols| {
        let mut v = Vec::with_capacity(n * k);
        for i in 0..n {
            v.extend(cols.iter().map(|c| c[i]));
        }
        v
    });
    let bounds: Vec<Idx> = (0..=n).map(|i| (i * k) as Idx).collect();
    let c = Columns::<T, f64> {
        y: &y,
        x: None,
        h,
        valid: v.as_deref(),
        method,
        unit: Unit::ONE,
        ignore_nulls: false,
    };
    let out = consecutive(c, &bounds, parallel);
    let flags = out.valid.to_rows(n * k);
    (0..k)
        .map(|j| Output {
            values: (0..n).map(|i| out.values[i * k + j]).collect(),
            valid: flags
                .as_ref()
                .map(|m| (0..n).map(|i| m[i * k + j]).collect::<Vec<_>>())
                .into(),
        })
        .collect()
}
