//! Contiguous runs of rows: the ungrouped kernel over the whole column, the rows at each run's ends recomputed, block by block.

use super::*;

/// Rows per block of runs in `runs`: small enough that a block's inputs and
/// output stay in cache between the column pass and the fix-up of its ends.
pub(super) const BLOCK_ROWS: usize = 1 << 13;

/// Each `[start, len]` run of consecutive rows is its own series. The runs
/// must cover the rows exactly once (checked); runs in row order go to
/// `consecutive`.
pub fn runs<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    runs: &[[Idx; 2]],
    parallel: bool,
) -> Output<T> {
    let n = c.y.len();
    if assert_exact_cover(runs, n) {
        let bounds: Vec<Idx> = runs.iter().map(|r| r[0]).chain([n as Idx]).collect();
        return consecutive(c, &bounds, parallel);
    }
    if !fixes_ends(c) {
        return each_run(c, runs, parallel);
    }
    let min = c.method.min_points();
    let mut short: Vec<[Idx; 2]> = runs
        .iter()
        .filter(|r| (r[1] as usize) < min)
        .copied()
        .collect();
    short.sort_unstable();
    let any_short = !short.is_empty();
    let mut valid = validity_for(c, short);
    let values = filled(n, |out| {
        column_pass(c, 0, out, parallel);
        each_run_slice(runs, parallel, 64, out, valid.rows_mut(), |rows, o, ov| {
            fix_ends(
                c,
                &[rows.start as Idx, rows.end as Idx],
                rows.start,
                o,
                ov,
                any_short,
            )
        });
    });
    Output { values, valid }
}

/// Each run of rows from one of `bounds` to the next is its own series:
/// `bounds` starts at 0, ends at the row count and never decreases (checked).
///
/// One pass of the ungrouped kernel over the whole column gives every row whose
/// stencil lies inside its run (the same rows, the same arithmetic); then only
/// the `edge_rows` at each end of each run are recomputed within their run.
/// The runs go in blocks of whole runs (`BLOCK_ROWS`), each block's pass and
/// fix-ups one after the other while its rows are in cache. With
/// `ignore_nulls` and nulls, where the points move, each run is a series of its own.
pub fn consecutive<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    bounds: &[Idx],
    parallel: bool,
) -> Output<T> {
    consecutive_in_blocks(c, bounds, parallel, BLOCK_ROWS)
}

/// `consecutive` with blocks of at least `block_rows` rows (tests try small ones).
pub(crate) fn consecutive_in_blocks<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    bounds: &[Idx],
    parallel: bool,
    block_rows: usize,
) -> Output<T> {
    let n = c.y.len();
    let shortest = assert_bounds(bounds, n);
    if !fixes_ends(c) {
        let runs: Vec<[Idx; 2]> = bounds.windows(2).map(|w| [w[0], w[1] - w[0]]).collect();
        return each_run(c, &runs, parallel);
    }
    let min = c.method.min_points();
    let any_short = shortest < min;
    let short = if any_short {
        short_runs(bounds, min)
    } else {
        Vec::new()
    };
    let mut valid = validity_for(c, short);
    let values = filled(n, |out| {
        let blocks = blocks(bounds, block_rows);
        each_run_slice(
            &blocks,
            parallel,
            1,
            out,
            valid.rows_mut(),
            |rows, o, ov| {
                column_pass(c, rows.start, o, parallel);
                let first = bounds.partition_point(|&b| (b as usize) < rows.start);
                let last = bounds.partition_point(|&b| (b as usize) < rows.end);
                fix_ends(c, &bounds[first..=last], rows.start, o, ov, any_short);
            },
        );
    });
    Output { values, valid }
}

/// Whether runs are computed as one column pass with their ends fixed up:
/// a stencil method, where the points stay in place, on enough rows.
pub(super) fn fixes_ends<T: Float, X: Coord>(c: Columns<'_, T, X>) -> bool {
    c.method.is_stencil()
        && !(c.ignore_nulls && c.valid.is_some())
        && c.y.len() >= c.method.min_points()
}

/// The output validity of runs with their ends fixed up, before the pass:
/// the stencils' when the input has nulls (`fix_ends` then sets the runs'
/// ends), else every row but the `short` runs (in row order).
pub(super) fn validity_for<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    short: Vec<[Idx; 2]>,
) -> Validity {
    match c.valid {
        Some(v) => {
            let mut o = vec![false; v.len()];
            series::stencil_validity(v, c.method, c.x.is_none(), &mut o);
            Validity::Rows(o)
        }
        None if short.is_empty() => Validity::All,
        None => Validity::AllBut(short),
    }
}

/// The ends of each run between consecutive `bounds`, given the output buffers
/// from row `offset` on, after the column pass: the `edge_rows` at each end
/// recomputed within the run (and their validity, when given per row), and a
/// run shorter than `min_points()` all NaN (and null) when `any_short`.
pub(super) fn fix_ends<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    bounds: &[Idx],
    offset: usize,
    o: &mut [MaybeUninit<T>],
    mut ov: Option<&mut [bool]>,
    any_short: bool,
) {
    let min = c.method.min_points();
    let uniform = c.x.is_none();
    let runs = bounds.windows(2).map(|w| w[0] as usize..w[1] as usize);
    let long = runs.clone().filter(|r| r.len() >= min);
    c.method
        .ends(c.y, spacing(c.x, c.h, c.unit), long, offset, o);
    if ov.is_none() && !any_short {
        return;
    }
    let edge = c.method.edge_rows(uniform);
    for rows in runs {
        let local = rows.start - offset..rows.end - offset;
        let len = rows.len();
        if len < min {
            o[local.clone()]
                .iter_mut()
                .for_each(|o| o.set(T::from_f64(f64::NAN)));
            if let Some(ov) = ov.as_deref_mut() {
                ov[local].fill(false);
            }
        } else if let (Some(v), Some(ov)) = (c.valid.map(|v| &v[rows]), ov.as_deref_mut()) {
            // The rows at the two ends whose stencil is not the interior one.
            let head = edge.min(len);
            for i in (0..head).chain((len - head).max(head)..len) {
                ov[local.start + i] = c.method.stencil_valid(v, i, uniform);
            }
        }
    }
}

/// The `[start, len]` runs between `bounds` shorter than `min` rows, in row
/// order: 64 runs at a time, the shortest found first (a loop without branches),
/// and the runs read one by one only where some are short (they are rare).
pub(super) fn short_runs(bounds: &[Idx], min: usize) -> Vec<[Idx; 2]> {
    let (starts, ends) = (&bounds[..bounds.len() - 1], &bounds[1..]);
    let mut short = Vec::new();
    for (s, e) in starts.chunks(64).zip(ends.chunks(64)) {
        let lens = s.iter().zip(e).map(|(&s, &e)| e - s);
        if lens.clone().min().is_some_and(|l| (l as usize) < min) {
            let runs = s.iter().zip(lens).filter(|&(_, l)| (l as usize) < min);
            short.extend(runs.map(|(&s, l)| [s, l]));
        }
    }
    short
}

/// Consecutive runs (between `bounds`) gathered into `[start, len]` blocks of
/// whole runs, each at least `rows` long (but the last).
pub(super) fn blocks(bounds: &[Idx], rows: usize) -> Vec<[Idx; 2]> {
    let mut blocks = Vec::new();
    let last = bounds.len() - 1;
    let mut k = 0;
    while k < last {
        let start = bounds[k];
        let target = start as usize + rows;
        // The first run to start at or after `target` begins the next block.
        let next =
            (k + 1 + bounds[k + 1..last].partition_point(|&b| (b as usize) < target)).min(last);
        blocks.push([start, bounds[next] - start]);
        k = next;
    }
    blocks
}

/// Each run as a series of its own (`series::series` per run).
pub(super) fn each_run<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    runs: &[[Idx; 2]],
    parallel: bool,
) -> Output<T> {
    let n = c.y.len();
    let min = c.method.min_points();
    let needs_validity =
        c.valid.is_some() || !c.method.is_stencil() || runs.iter().any(|r| (r[1] as usize) < min);
    let mut valid = needs_validity.then(|| vec![false; n]);
    let values = filled(n, |out| {
        each_run_slice(
            runs,
            parallel,
            64,
            out,
            valid.as_deref_mut(),
            |rows, o, ov| {
                series::series(
                    &c.y[rows.clone()],
                    spacing(c.x.map(|x| &x[rows.clone()]), c.h, c.unit),
                    c.valid.map(|v| &v[rows.clone()]),
                    c.method,
                    c.ignore_nulls,
                    o,
                    ov,
                );
            },
        );
    });
    Output {
        values,
        valid: valid.into(),
    }
}

/// Panics unless the runs cover `0..n` exactly once; whether they are in row order.
pub(super) fn assert_exact_cover(runs: &[[Idx; 2]], n: usize) -> bool {
    // Where the runs end when each starts where the one before ends; else None.
    let end = |spans: &[[Idx; 2]]| {
        let mut end = 0usize;
        for &[start, len] in spans {
            if start as usize != end {
                return None;
            }
            end = start as usize + len as usize;
        }
        Some(end)
    };
    let in_order = end(runs);
    let covered = in_order.or_else(|| {
        let mut sorted = runs.to_vec();
        sorted.sort_unstable();
        end(&sorted)
    });
    assert!(covered == Some(n), "runs must cover the rows exactly once");
    in_order.is_some()
}

/// Panics unless `bounds` starts at 0, ends at `n` and never decreases; the
/// shortest run between them (`usize::MAX` for none).
pub(super) fn assert_bounds(bounds: &[Idx], n: usize) -> usize {
    let ends_right = bounds.first() == Some(&0) && bounds.last() == Some(&(n as Idx));
    // As i64, a decrease is negative (one branch-free pass over the bounds).
    let shortest = bounds
        .windows(2)
        .map(|w| w[1] as i64 - w[0] as i64)
        .min()
        .unwrap_or(i64::MAX);
    assert!(
        ends_right && shortest >= 0,
        "runs must cover the rows exactly once"
    );
    shortest.try_into().unwrap_or(usize::MAX)
}
