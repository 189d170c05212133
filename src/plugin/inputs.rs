//! The inputs of a call: `[y, x?, key...]` split and length-checked once, the groups of the keys, and List/Array rows as runs of values.

use polars::prelude::*;
use polars::series::IsSorted;
use pyo3_polars::export::polars_arrow::array::{FixedSizeListArray, ListArray};
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use pyo3_polars::export::polars_arrow::offset::OffsetsBuffer;

use super::dtypes::{dtype_name, Groups};
use super::request::Request;
use crate::core::drivers::{self, Idx};
use crate::core::keys;

/// The inputs `[y, x?, key...]` of a request, as fields (for the schema) or as
/// series (for the run).
pub struct Split<'a, T> {
    pub y: &'a T,
    pub x: Option<&'a T>,
    pub keys: &'a [T],
}

/// Splits the inputs as the request lays them out.
pub fn split<'a, T>(items: &'a [T], req: &Request) -> PolarsResult<Split<'a, T>> {
    let n_x = req.has_x as usize;
    let want = 1 + n_x + req.n_keys;
    polars_ensure!(
        items.len() == want,
        ComputeError: "{}: expected {} inputs, got {}", req.name, want, items.len()
    );
    Ok(Split {
        y: &items[0],
        x: items.get(1).filter(|_| req.has_x),
        keys: &items[1 + n_x..],
    })
}

impl Split<'_, Series> {
    /// The inputs' fields, split the same way.
    pub fn fields(&self) -> (Field, Option<Field>) {
        let field = |s: &Series| s.field().into_owned();
        (field(self.y), self.x.map(field))
    }

    /// `x` and every key must have `y`'s length.
    pub fn check_lengths(&self, name: &str) -> PolarsResult<()> {
        let y = self.y;
        let others = self.x.map(|x| ("x", x)).into_iter();
        let keys = self.keys.iter().map(|k| ("partition_by", k));
        for (what, other) in others.chain(keys) {
            polars_ensure!(
                other.len() == y.len(),
                ShapeMismatch: "{}: {} column '{}' has length {} but y column '{}' has length {}; they must be equal",
                name, what, other.name(), other.len(), y.name(), y.len()
            );
        }
        Ok(())
    }
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
    macro_rules! labels {
        ($($dt:ident => $get:ident),*) => {
            match physical.dtype() {
                $(DataType::$dt => {
                    let ca = physical.$get().ok()?;
                    let wide = |v| v as i128;
                    let span = ca.min_max().map(|(lo, hi)| (wide(lo), wide(hi) - wide(lo)));
                    Some(match span {
                        Some((lo, span)) if span < (2 * ca.len() as i128).max(1 << 16) => {
                            table_labels(ca, |v| (wide(v) - lo) as usize, span as usize + 1)
                        }
                        _ => hashed_labels(ca),
                    })
                })*
                _ => None,
            }
        };
    }
    labels!(Int8 => i8, Int16 => i16, Int32 => i32, Int64 => i64, UInt8 => u8, UInt16 => u16, UInt32 => u32, UInt64 => u64)
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
    let Some((starts, distinct)) = run_starts(keys, parallel) else {
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
fn run_starts(keys: &[Series], parallel: bool) -> Option<(Vec<Idx>, bool)> {
    let n = keys[0].len();
    // One integer key without nulls (ids, codes, timestamps): a scan of its values.
    if let [key] = keys {
        let physical = key.to_physical_repr();
        if key.null_count() == 0 {
            use DataType::*;
            macro_rules! scan {
                ($($dt:ident => $get:ident),*) => {
                    match physical.dtype() {
                        $($dt => {
                            let ca = physical.$get().ok()?.rechunk();
                            return keys::run_starts(ca.downcast_as_array().values().as_slice(), parallel);
                        })*
                        _ => {}
                    }
                };
            }
            scan!(Int8 => i8, Int16 => i16, Int32 => i32, Int64 => i64, UInt8 => u8, UInt16 => u16, UInt32 => u32, UInt64 => u64);
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

/// A List or Array column as its flat values (only the part its rows use),
/// the bounds of its rows within them (row `i` is `bounds[i]..bounds[i + 1]`),
/// and the rows' validity.
pub struct Rows {
    pub values: Series,
    pub bounds: Vec<Idx>,
    pub validity: Option<Bitmap>,
}

impl Rows {
    pub fn of(s: &Series, name: &str) -> PolarsResult<Rows> {
        let n = s.len();
        match s.dtype() {
            DataType::List(_) => {
                let ca = s.list()?.rechunk();
                let arr = ca.downcast_as_array();
                let offsets = arr.offsets().as_slice();
                let first = offsets[0];
                let used = (offsets[n] - first) as usize;
                Ok(Rows {
                    values: ca.get_inner().slice(first, used),
                    bounds: offsets.iter().map(|&o| (o - first) as Idx).collect(),
                    validity: arr.validity().cloned(),
                })
            }
            DataType::Array(_, width) => {
                let ca = s.array()?.rechunk();
                let arr = ca.downcast_as_array();
                let w = *width as Idx;
                Ok(Rows {
                    values: ca.get_inner().slice(0, n * *width),
                    bounds: (0..=n as Idx).map(|i| i * w).collect(),
                    validity: arr.validity().cloned(),
                })
            }
            dt => {
                polars_bail!(ComputeError: "{}: expected a List or Array column, got {}", name, dtype_name(dt))
            }
        }
    }

    /// `x`'s row values laid out like these rows: row by row, the same
    /// lengths. A null `x` row gives null coordinates (so null outputs) for a
    /// valid row here.
    pub fn aligned(&self, x: &Series, y: &Series, name: &str) -> PolarsResult<Series> {
        let x_rows = Rows::of(x, name)?;
        if x_rows.bounds == self.bounds {
            return Ok(x_rows.values);
        }
        let x_valid = |i: usize| x_rows.validity.as_ref().is_none_or(|v| v.get_bit(i));
        let y_valid = |i: usize| self.validity.as_ref().is_none_or(|v| v.get_bit(i));
        let mut take: Vec<Option<Idx>> = Vec::with_capacity(self.values.len());
        // Row i of each: (start, len) from its bounds.
        fn rows(b: &[Idx]) -> impl Iterator<Item = (Idx, Idx)> + '_ {
            b.windows(2).map(|w| (w[0], w[1] - w[0]))
        }
        let pairs = rows(&self.bounds).zip(rows(&x_rows.bounds));
        for (i, ((_, ylen), (xstart, xlen))) in pairs.enumerate() {
            if x_valid(i) && y_valid(i) {
                polars_ensure!(
                    xlen == ylen,
                    ShapeMismatch: "{}: row {} of x column '{}' has {} values but row {} of y column '{}' has {}; \
                    each row of x must have as many values as the row of y",
                    name, i, x.name(), xlen, i, y.name(), ylen
                );
                take.extend((xstart..xstart + xlen).map(Some));
            } else {
                take.extend((0..ylen).map(|_| None));
            }
        }
        let idx: IdxCa = take.into_iter().collect();
        x_rows.values.take(&idx)
    }

    /// New values (one per value of these rows) back into rows of the same
    /// shape, named `name`, as `out_dtype` (a List or Array). A null row stays null.
    pub fn rebuild(
        self,
        values: Series,
        name: PlSmallStr,
        out_dtype: &DataType,
    ) -> PolarsResult<Series> {
        let n = self.bounds.len() - 1;
        let values = values.rechunk().chunks()[0].clone();
        let arrow_inner = values.dtype().clone();
        // The rows' validity in a buffer of our own (see `run::fresh`).
        let validity = self.validity.map(|v| Bitmap::from_iter(v.iter()));
        let out: Series = match out_dtype {
            DataType::Array(_, width) => {
                let dtype = FixedSizeListArray::default_datatype(arrow_inner, *width);
                let arr = FixedSizeListArray::new(dtype, n, values, validity);
                ArrayChunked::with_chunk(name, arr).into_series()
            }
            _ => {
                let offsets: Vec<i64> = self.bounds.iter().map(|&b| b as i64).collect();
                // SAFETY: the bounds of rows never decrease.
                let offsets = unsafe { OffsetsBuffer::new_unchecked(offsets.into()) };
                let dtype = ListArray::<i64>::default_datatype(arrow_inner);
                let arr = ListArray::<i64>::new(dtype, offsets, values, validity);
                ListChunked::with_chunk(name, arr).into_series()
            }
        };
        // The physical arrays carry plain floats; give the result its logical dtype.
        out.cast(out_dtype)
    }
}
