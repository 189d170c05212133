//! Dtypes: their names as Python prints them, the output dtype of each input, and the one dispatch from dtypes into the core.

use polars::prelude::*;
use pyo3_polars::export::polars_arrow::bitmap::{Bitmap, MutableBitmap};
use rayon::prelude::*;

use crate::core::drivers::{self, Columns, Idx, Output, Validity};
use crate::core::series::Method;
use crate::core::types::{Coord, Float, Unit};

const Y_ACCEPTED: &str =
    "an integer, float or decimal column, or a List or Array of integers, floats or decimals";
const X_ACCEPTED: &str = "an integer, float, decimal, Date, Datetime or Duration column";

/// A dtype as Python Polars prints it (`String`, `List(Float64)`, ...), for
/// error messages read by Python users.
pub fn dtype_name(dtype: &DataType) -> String {
    match dtype {
        DataType::List(inner) => format!("List({})", dtype_name(inner)),
        DataType::Array(inner, width) => format!("Array({}, shape=({width},))", dtype_name(inner)),
        DataType::Struct(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| format!("'{}': {}", f.name(), dtype_name(f.dtype())))
                .collect();
            format!("Struct({{{}}})", fields.join(", "))
        }
        DataType::Datetime(unit, tz) => format!(
            "Datetime(time_unit='{}', time_zone={})",
            unit_name(unit),
            tz.as_ref()
                .map_or("None".to_string(), |tz| format!("'{tz}'"))
        ),
        DataType::Duration(unit) => format!("Duration(time_unit='{}')", unit_name(unit)),
        DataType::Enum(categories, _) => {
            let categories: Vec<String> = categories
                .categories()
                .values_iter()
                .map(|c| format!("'{c}'"))
                .collect();
            format!("Enum(categories=[{}])", categories.join(", "))
        }
        DataType::Categorical(..) => "Categorical".to_string(),
        DataType::Decimal(precision, scale) => {
            format!("Decimal(precision={precision}, scale={scale})")
        }
        other => format!("{other:?}"),
    }
}

fn unit_name(unit: &TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Nanoseconds => "ns",
        TimeUnit::Microseconds => "us",
        TimeUnit::Milliseconds => "ms",
    }
}

pub fn is_number(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric() || dtype.is_decimal() || dtype.is_null()
}

/// Nanoseconds in one unit of a temporal dtype; `None` for other dtypes.
pub fn temporal_unit_ns(dtype: &DataType) -> Option<i64> {
    let of = |unit: &TimeUnit| match unit {
        TimeUnit::Nanoseconds => 1,
        TimeUnit::Microseconds => 1_000,
        TimeUnit::Milliseconds => 1_000_000,
    };
    match dtype {
        DataType::Date => Some(86_400_000_000_000),
        DataType::Datetime(unit, _) | DataType::Duration(unit) => Some(of(unit)),
        _ => None,
    }
}

/// The values' dtype of a List or Array, or the dtype itself.
pub fn inner(dtype: &DataType) -> &DataType {
    match dtype {
        DataType::List(inner) | DataType::Array(inner, _) => inner,
        other => other,
    }
}

/// An error naming `what`, the column and its dtype unless it holds numbers.
pub fn ensure_number(what: &str, f: &Field) -> PolarsResult<()> {
    polars_ensure!(
        is_number(f.dtype()),
        InvalidOperation: "{} column '{}' has dtype {}; accepted: an integer, float or decimal column",
        what, f.name(), dtype_name(f.dtype())
    );
    Ok(())
}

/// Checks the input fields of `name` and gives the output dtype: Float32 when
/// `y` is Float32 and `x` is absent or Float32, else Float64; for a List or
/// Array `y` (and `x`), a List or Array of that.
pub fn output_dtype(name: &str, y: &Field, x: Option<&Field>) -> PolarsResult<DataType> {
    let (DataType::List(yi) | DataType::Array(yi, _)) = y.dtype() else {
        return scalar_output_dtype(name, y, x);
    };
    for f in std::iter::once(y).chain(x) {
        // Polars cannot hand a zero-width array to a plugin (it panics slicing it).
        polars_ensure!(
            !matches!(f.dtype(), DataType::Array(_, 0)),
            InvalidOperation: "{}: column '{}' has dtype {}: an Array of width 0 has no values \
            to differentiate or integrate; cast it to a List",
            name, f.name(), dtype_name(f.dtype())
        );
    }
    polars_ensure!(
        is_number(yi),
        InvalidOperation: "{}: y column '{}' has dtype {}; accepted: {}",
        name, y.name(), dtype_name(y.dtype()), Y_ACCEPTED
    );
    let xi = match x.map(|x| (x, x.dtype())) {
        None => None,
        Some((x, DataType::List(xi) | DataType::Array(xi, _))) => {
            polars_ensure!(
                is_number(xi) || temporal_unit_ns(xi).is_some(),
                InvalidOperation: "{}: x column '{}' has dtype {}; accepted with a List or \
                Array y: a List or Array of integers, floats, decimals, Dates, Datetimes or Durations",
                name, x.name(), dtype_name(x.dtype())
            );
            Some(Field::new(x.name().clone(), (**xi).clone()))
        }
        Some((x, xd)) => polars_bail!(
            InvalidOperation: "{}: y column '{}' is a {} of values, so x must be a List or Array \
            of coordinates too, but x column '{}' has dtype {}",
            name, y.name(), dtype_name(y.dtype()), x.name(), dtype_name(xd)
        ),
    };
    let y_values = Field::new(y.name().clone(), (**yi).clone());
    let float = scalar_output_dtype(name, &y_values, xi.as_ref())?;
    Ok(match y.dtype() {
        DataType::Array(_, width) => DataType::Array(Box::new(float), *width),
        _ => DataType::List(Box::new(float)),
    })
}

fn scalar_output_dtype(name: &str, y: &Field, x: Option<&Field>) -> PolarsResult<DataType> {
    polars_ensure!(
        is_number(y.dtype()),
        InvalidOperation: "{}: y column '{}' has dtype {}; accepted: {}",
        name, y.name(), dtype_name(y.dtype()), Y_ACCEPTED
    );
    if let Some(x) = x {
        polars_ensure!(
            is_number(x.dtype()) || temporal_unit_ns(x.dtype()).is_some(),
            InvalidOperation: "{}: x column '{}' has dtype {}; accepted: {}",
            name, x.name(), dtype_name(x.dtype()), X_ACCEPTED
        );
    }
    Ok(float_dtype(
        y.dtype() == &DataType::Float32 && x.is_none_or(|x| x.dtype() == &DataType::Float32),
    ))
}

pub fn float_dtype(f32: bool) -> DataType {
    if f32 {
        DataType::Float32
    } else {
        DataType::Float64
    }
}

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
        return Ok(run::<T, Float64Type>(y, None, job).into_series());
    };
    use DataType::*;
    let out = match x.dtype() {
        Float64 => run(y, Some(x.f64()?), job),
        Float32 => run(y, Some(x.f32()?), job),
        UInt64 => run(y, Some(x.u64()?), job),
        Int128 => run(y, Some(x.i128()?), job),
        UInt128 => run(y, Some(x.u128()?), job),
        // Other integers, and Date, Datetime and Duration as their integer
        // count of days or time units.
        dt if dt.is_integer() || dt.is_temporal() => {
            run(y, Some(x.to_physical_repr().cast(&Int64)?.i64()?), job)
        }
        // Float16 and Decimal coordinates.
        _ => run(y, Some(x.cast(&Float64)?.f64()?), job),
    };
    Ok(out.into_series())
}

/// One (y, x) pair of chunked arrays through the core driver of the job's groups.
fn run<T, X>(y: &ChunkedArray<T>, x: Option<&ChunkedArray<X>>, job: &Job) -> ChunkedArray<T>
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
