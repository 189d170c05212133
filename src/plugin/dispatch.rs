//! The one dispatch from Polars dtypes into the core: typed slices of `y` and `x` in, a typed column out.

use polars::prelude::*;
use pyo3_polars::export::polars_arrow::bitmap::{Bitmap, MutableBitmap};
use rayon::prelude::*;

use super::groups::Groups;
use crate::core::drivers::{self, Columns, Output, Validity};
use crate::core::series::Method;
use crate::core::types::{Coord, Float, Unit};

/// Everything but the data: what to compute and over which rows.
pub struct Job<'a> {
    pub method: Method,
    pub h: f64,
    pub unit: Unit,
    pub ignore_nulls: bool,
    pub groups: &'a Groups,
    pub parallel: bool,
}

/// The derivative of plain (not nested) `y` and `x` columns over the job's
/// groups, as `out_dtype` (Float32 or Float64). The one place where dtypes are
/// dispatched to the generic core.
pub fn dispatch(
    y: &Series,
    x: Option<&Series>,
    out_dtype: &DataType,
    job: &Job,
) -> PolarsResult<Series> {
    if y.dtype().is_null() || x.is_some_and(|x| x.dtype().is_null()) {
        return Ok(Series::full_null(y.name().clone(), y.len(), out_dtype));
    }
    if out_dtype == &DataType::Float32 {
        with_y(y.f32()?, x, job)
    } else {
        let y = y.cast(&DataType::Float64)?;
        with_y(y.f64()?, x, job)
    }
}

fn with_y<T>(y: &ChunkedArray<T>, x: Option<&Series>, job: &Job) -> PolarsResult<Series>
where
    T: PolarsFloatType,
    T::Native: Float,
    ChunkedArray<T>: IntoSeries,
{
    let Some(x) = x else {
        return Ok(compute::<T, Float64Type>(y, None, job).into_series());
    };
    use DataType::*;
    let out = match x.dtype() {
        Float64 => compute(y, Some(x.f64()?), job),
        Float32 => compute(y, Some(x.f32()?), job),
        UInt64 => compute(y, Some(x.u64()?), job),
        Int128 => compute(y, Some(x.i128()?), job),
        UInt128 => compute(y, Some(x.u128()?), job),
        // Other integers, and Date, Datetime and Duration as their integer
        // count of days or time units.
        dt if dt.is_integer() || dt.is_temporal() => {
            compute(y, Some(x.to_physical_repr().cast(&Int64)?.i64()?), job)
        }
        // Float16 and Decimal coordinates.
        _ => compute(y, Some(x.cast(&Float64)?.f64()?), job),
    };
    Ok(out.into_series())
}

/// One (y, x) pair of chunked arrays through the core driver of the job's groups.
fn compute<T, X>(y: &ChunkedArray<T>, x: Option<&ChunkedArray<X>>, job: &Job) -> ChunkedArray<T>
where
    T: PolarsFloatType,
    T::Native: Float,
    X: PolarsNumericType,
    X::Native: Coord,
{
    // The kernels read neighbours: each input becomes one contiguous buffer
    // (free when it already is one chunk).
    let y = y.rechunk();
    let ya = y.downcast_as_array();
    let x = x.map(|x| x.rechunk());
    let xa = x.as_ref().map(|x| x.downcast_as_array());
    let valid = combined_validity(ya.validity(), xa.and_then(|a| a.validity()));
    let columns = Columns {
        y: ya.values().as_slice(),
        x: xa.map(|a| a.values().as_slice()),
        h: job.h,
        valid: valid.as_deref(),
        method: job.method,
        unit: job.unit,
        ignore_nulls: job.ignore_nulls,
    };
    let out = match job.groups {
        Groups::Whole => drivers::whole(columns, job.parallel),
        Groups::Consecutive(bounds) => drivers::consecutive(columns, bounds, job.parallel),
        Groups::Labelled(labels, groups) => {
            drivers::labelled(columns, labels, *groups, job.parallel)
        }
        Groups::Polars(g) => match &**g {
            GroupsType::Idx(idx) => drivers::gathered(columns, idx.all(), job.parallel),
            GroupsType::Slice { groups: runs, .. } => drivers::runs(columns, runs, job.parallel),
        },
    };
    chunked(y.name().clone(), out, job.parallel)
}

/// A driver's output as a chunked array (its validity packed on rayon's
/// threads when `parallel` and long).
pub fn chunked<T>(name: PlSmallStr, out: Output<T::Native>, parallel: bool) -> ChunkedArray<T>
where
    T: PolarsNumericType,
{
    let n = out.values.len();
    let validity = match &out.valid {
        Validity::All => None,
        Validity::Rows(v) => Some(bitmap(v, parallel)),
        Validity::AllBut(runs) => {
            let mut m = MutableBitmap::with_capacity(n);
            for &[start, len] in runs {
                m.extend_constant(start as usize - m.len(), true);
                m.extend_constant(len as usize, false);
            }
            m.extend_constant(n - m.len(), true);
            Some(m.into())
        }
    };
    ChunkedArray::from_vec_validity(name, out.values, validity)
}

/// Validity flags packed into a bitmap, eight at a time.
pub fn bitmap(valid: &[bool], parallel: bool) -> Bitmap {
    let pack = |c: &[bool]| match <&[bool; 8]>::try_from(c) {
        // Byte k (0 or 1) of the word lands on bit 56 + k.
        Ok(c) => {
            (u64::from_le_bytes(c.map(u8::from)).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
        }
        Err(_) => c.iter().rev().fold(0u8, |b, &v| b << 1 | v as u8),
    };
    let bytes: Vec<u8> = if parallel && valid.len() >= drivers::PARALLEL_MIN_ROWS {
        valid
            .par_chunks(8)
            .with_min_len(1 << 12)
            .map(pack)
            .collect()
    } else {
        valid.chunks(8).map(pack).collect()
    };
    Bitmap::from_u8_vec(bytes, valid.len())
}

fn combined_validity(a: Option<&Bitmap>, b: Option<&Bitmap>) -> Option<Vec<bool>> {
    match (a, b) {
        (None, None) => None,
        (Some(a), None) | (None, Some(a)) => Some(a.iter().collect()),
        (Some(a), Some(b)) => Some(a.iter().zip(b.iter()).map(|(p, q)| p && q).collect()),
    }
}
