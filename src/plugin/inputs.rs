//! The inputs of a call: `[y, x?, key...]` split and length-checked once, the groups of the keys, and List/Array rows as runs of values.

use polars::prelude::*;
use pyo3_polars::export::polars_arrow::array::{FixedSizeListArray, ListArray};
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use pyo3_polars::export::polars_arrow::offset::OffsetsBuffer;

use super::dtypes::dtype_name;
use super::request::Request;
use crate::core::drivers::Idx;

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
