//! The groups of the `partition_by` keys, found once: runs of equal keys, labels of one integer key, or Polars' own group-by.

use polars::prelude::*;
use polars::series::IsSorted;

use crate::core::drivers::{self, Idx};
use crate::core::keys;

/// How the rows split into series.
pub enum Groups {
    /// The whole column is one series (no keys).
    Whole,
    /// Each run of rows from one bound to the next is a series (`drivers::consecutive`).
    Consecutive(Vec<Idx>),
    /// Each row's group (`drivers::labelled`), and the number of groups.
    Labelled(Vec<Idx>, usize),
    /// Polars' group-by result: runs or scattered row indices.
    Polars(GroupPositions),
}

/// `$body` with `$ca` the typed array of `$s`, an integer column (every integer
/// width: the one list of them); `$other` for any other dtype.
macro_rules! with_integers {
    ($s:expr, $ca:ident => $body:expr, _ => $other:expr) => {
        match $s.dtype() {
            DataType::Int8 => {
                let $ca = $s.i8().ok()?;
                $body
            }
            DataType::Int16 => {
                let $ca = $s.i16().ok()?;
                $body
            }
            DataType::Int32 => {
                let $ca = $s.i32().ok()?;
                $body
            }
            DataType::Int64 => {
                let $ca = $s.i64().ok()?;
                $body
            }
            DataType::UInt8 => {
                let $ca = $s.u8().ok()?;
                $body
            }
            DataType::UInt16 => {
                let $ca = $s.u16().ok()?;
                $body
            }
            DataType::UInt32 => {
                let $ca = $s.u32().ok()?;
                $body
            }
            DataType::UInt64 => {
                let $ca = $s.u64().ok()?;
                $body
            }
            _ => $other,
        }
    };
}

/// The groups of the `partition_by` keys, found once: consecutive runs when
/// the keys are already grouped, else Polars' own group-by. Null keys form a
/// group of their own, as in `.over()`.
pub fn find_groups(keys: &[Series], parallel: bool) -> PolarsResult<Groups> {
    if keys.is_empty() {
        return Ok(Groups::Whole);
    }
    if let Some(bounds) = contiguous_runs(keys, parallel)? {
        return Ok(Groups::Consecutive(bounds));
    }
    if let Some((labels, groups)) = integer_labels(keys) {
        return Ok(Groups::Labelled(labels, groups));
    }
    let columns: Vec<Column> = keys.iter().cloned().map(Column::from).collect();
    let frame = DataFrame::empty();
    let gb = frame.group_by_with_series(columns, true, false)?;
    Ok(Groups::Polars(gb.into_groups()))
}

/// Each row's group for one integer key (nulls a group of their own, as in
/// `.over()`), in one pass over the rows; `None` for other keys. Keys of a
/// narrow range index a table; others are hashed.
fn integer_labels(keys: &[Series]) -> Option<(Vec<Idx>, usize)> {
    let [key] = keys else { return None };
    let physical = key.to_physical_repr();
    with_integers!(physical, ca => {
        let wide = |v| v as i128;
        let span = ca.min_max().map(|(lo, hi)| (wide(lo), wide(hi) - wide(lo)));
        Some(match span {
            Some((lo, span)) if span < (2 * ca.len() as i128).max(1 << 16) => {
                table_labels(ca, |v| (wide(v) - lo) as usize, span as usize + 1)
            }
            _ => hashed_labels(ca),
        })
    }, _ => None)
}

/// Group labels in order of first appearance, from a table of `size` slots
/// (`slot(v)` below `size`) and one more for null.
fn table_labels<T: PolarsNumericType>(
    ca: &ChunkedArray<T>,
    slot: impl Fn(T::Native) -> usize,
    size: usize,
) -> (Vec<Idx>, usize) {
    let mut table = vec![drivers::NO_GROUP; size + 1];
    let mut count: Idx = 0;
    let labels = ca
        .iter()
        .map(|v| {
            let label = &mut table[v.map_or(size, &slot)];
            if *label == drivers::NO_GROUP {
                *label = count;
                count += 1;
            }
            *label
        })
        .collect();
    (labels, count as usize)
}

/// Group labels in order of first appearance, from a hash map of the values.
fn hashed_labels<T>(ca: &ChunkedArray<T>) -> (Vec<Idx>, usize)
where
    T: PolarsNumericType,
    T::Native: std::hash::Hash + Eq,
{
    let mut ids: PlHashMap<T::Native, Idx> = PlHashMap::default();
    let mut null: Option<Idx> = None;
    let mut count: Idx = 0;
    let labels = ca
        .iter()
        .map(|v| {
            let label = match v {
                Some(v) => *ids.entry(v).or_insert(count),
                None => *null.get_or_insert(count),
            };
            if label == count {
                count += 1;
            }
            label
        })
        .collect();
    (labels, count as usize)
}

/// The bounds of the runs of equal consecutive keys (each run's first row, then
/// the row count), if every key value occupies exactly one run (the frame is
/// grouped by the keys); `None` if some value comes back later.
fn contiguous_runs(keys: &[Series], parallel: bool) -> PolarsResult<Option<Vec<Idx>>> {
    let n = keys[0].len();
    if n <= 1 {
        return Ok(Some(if n == 0 { vec![0] } else { vec![0, 1] }));
    }
    let Some((starts, distinct)) = key_runs(keys, parallel) else {
        return Ok(None);
    };
    let sorted = keys.len() == 1 && keys[0].is_sorted_flag() != IsSorted::Not;
    if starts.len() > 1 && !distinct && !sorted {
        // One run per key value? The runs' first rows must hold distinct keys: so
        // they do when the first key rises (or falls) strictly from run to run, as
        // in sorted data; else count the distinct keys among them.
        let firsts: Vec<Column> = keys
            .iter()
            .map(|k| k.take_slice(&starts).map(Column::from))
            .collect::<PolarsResult<_>>()?;
        if !strictly_monotone(firsts[0].as_materialized_series()) {
            let frame = DataFrame::empty();
            let gb = frame.group_by_with_series(firsts, true, false)?;
            if gb.get_groups().len() != starts.len() {
                return Ok(None);
            }
        }
    }
    let mut bounds = starts;
    bounds.push(n as Idx);
    Ok(Some(bounds))
}

/// The first row of each run of equal consecutive keys (nulls equal to each
/// other), and whether the runs are already known to hold distinct keys (an
/// integer key that rises, or falls, from every run to the next); `None` when
/// the runs are shorter than two rows on average (interleaved keys, not worth
/// checking further; for an integer key, in some piece of the column) or a key
/// cannot be compared.
fn key_runs(keys: &[Series], parallel: bool) -> Option<(Vec<Idx>, bool)> {
    let n = keys[0].len();
    // One integer key without nulls (ids, codes, timestamps): a scan of its values.
    if let [key] = keys {
        let physical = key.to_physical_repr();
        if key.null_count() == 0 {
            with_integers!(physical, ca => {
                let ca = ca.rechunk();
                return keys::run_starts(ca.downcast_as_array().values().as_slice(), parallel);
            }, _ => {})
        }
    }
    let mut change: Option<BooleanChunked> = None;
    for k in keys {
        // A key dtype without an equality kernel goes to the group-by path.
        let neq = k
            .slice(1, n - 1)
            .not_equal_missing(&k.slice(0, n - 1))
            .ok()?;
        change = Some(match change {
            None => neq,
            Some(c) => &c | &neq,
        });
    }
    let change = change?;
    let change = change.rechunk();
    let arr = change.downcast_as_array();
    if 1 + arr.values().set_bits() > n / 2 {
        return None;
    }
    let mut starts: Vec<Idx> = Vec::with_capacity(1 + arr.values().set_bits());
    starts.push(0);
    starts.extend(arr.values().true_idx_iter().map(|i| (i + 1) as Idx));
    Some((starts, false))
}

/// Whether `s` has no nulls and rises, or falls, strictly from each value to the next.
fn strictly_monotone(s: &Series) -> bool {
    let m = s.len();
    if m < 2 || s.null_count() > 0 {
        return m < 2;
    }
    let (next, prev) = (s.slice(1, m - 1), s.slice(0, m - 1));
    let all = |c: PolarsResult<BooleanChunked>| c.is_ok_and(|c| c.all());
    all(next.gt(&prev)) || all(next.lt(&prev))
}
