//! The rate family's check of its coordinates: no null `x`, and `x` ascending within each series of the groups.

use std::cmp::Ordering;

use polars::prelude::*;

use super::dtypes::dtype_name;
use super::groups::Groups;

/// Every row's `x` non-null and not below the one before it in its series,
/// else a clear error naming the column and the first row that breaks it.
pub fn check_ascending(name: &str, x: &Series, groups: &Groups) -> PolarsResult<()> {
    polars_ensure!(
        x.null_count() == 0,
        InvalidOperation: "{}: x column '{}' has {} null value(s); a window needs every row's x \
        (a row with a null value and a valid x is an evaluation point)",
        name, x.name(), x.null_count()
    );
    let x = x.rechunk();
    let bad = if x.dtype().is_integer() || x.dtype().is_temporal() {
        let x = x.to_physical_repr().cast(&DataType::Int128)?;
        first_descent(x.i128()?.cont_slice()?, groups)
    } else {
        let x = x.cast(&DataType::Float64)?;
        first_descent(x.f64()?.cont_slice()?, groups)
    };
    match bad {
        None => Ok(()),
        Some(row) => polars_bail!(
            InvalidOperation: "{}: x column '{}' ({}) must be ascending within each series, but row {} \
            is below the row before it in its series (or is NaN); sort by the series' keys and x first",
            name, x.name(), dtype_name(x.dtype()), row
        ),
    }
}

/// Whether `cur` after `prev` breaks ascending order (is below it, or either is NaN).
fn descends<T: PartialOrd>(prev: &T, cur: &T) -> bool {
    !matches!(
        cur.partial_cmp(prev),
        Some(Ordering::Greater | Ordering::Equal)
    )
}

/// The first row (in the column) whose `x` is below, or not comparable with,
/// the previous row of its series.
fn first_descent<T: PartialOrd + Copy>(x: &[T], groups: &Groups) -> Option<usize> {
    let run = |rows: &mut dyn Iterator<Item = usize>| {
        let mut prev: Option<usize> = None;
        for r in rows {
            if let Some(p) = prev {
                if descends(&x[p], &x[r]) {
                    return Some(r);
                }
            }
            prev = Some(r);
        }
        // One row: only NaN can break it.
        prev.filter(|&p| descends(&x[p], &x[p]))
    };
    match groups {
        Groups::Whole => run(&mut (0..x.len())),
        Groups::Consecutive(bounds) => bounds
            .windows(2)
            .find_map(|b| run(&mut (b[0] as usize..b[1] as usize))),
        Groups::Labelled(labels, n) => {
            let mut last: Vec<Option<usize>> = vec![None; *n];
            for (r, &l) in labels.iter().enumerate() {
                let Some(slot) = last.get_mut(l as usize) else {
                    continue;
                };
                if descends(&x[slot.unwrap_or(r)], &x[r]) {
                    return Some(r);
                }
                *slot = Some(r);
            }
            None
        }
        Groups::Polars(g) => match &**g {
            GroupsType::Idx(idx) => idx
                .all()
                .iter()
                .find_map(|rows| run(&mut rows.iter().map(|&r| r as usize))),
            GroupsType::Slice { groups: runs, .. } => runs
                .iter()
                .find_map(|&[s, l]| run(&mut (s as usize..(s + l) as usize))),
        },
    }
}
