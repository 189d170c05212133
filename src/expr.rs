//! The Polars side: kwargs, dtype dispatch (in one place) and the plugin
//! entry points. The numbers themselves come from `crate::kernels`.

use polars::prelude::*;
use polars::series::IsSorted;
use pyo3_polars::derive::{polars_expr, CallerContext};
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use serde::Deserialize;

use crate::groups::{self, Columns, Idx, Output};
use crate::kernels::{Coord, Float, Unit};

/// Keyword arguments, as pickled by `polars_gradient._gradient`. Inputs arrive
/// in the order `[y, x?, key...]`: `has_x` says whether `x` is there, and
/// `n_keys` how many `partition_by` key columns follow.
#[derive(Deserialize, Debug, Clone)]
pub struct GradientKwargs {
    pub edge_order: usize,
    /// Uniform step, used when there is no `x`.
    pub spacing: f64,
    pub has_x: bool,
    #[serde(default)]
    pub n_keys: usize,
    /// Leave null rows out instead of propagating nulls.
    #[serde(default)]
    pub ignore_nulls: bool,
    /// For a temporal `x`: the result's time unit in nanoseconds (default: 1 s).
    #[serde(default)]
    pub per_ns: Option<i64>,
}

impl GradientKwargs {
    fn check(&self) -> PolarsResult<()> {
        polars_ensure!(
            self.edge_order == 1 || self.edge_order == 2,
            InvalidOperation: "gradient: edge_order must be 1 or 2, got {}", self.edge_order
        );
        polars_ensure!(
            self.spacing.is_finite() && self.spacing != 0.0,
            InvalidOperation: "gradient: spacing must be a finite, non-zero number, got {}", self.spacing
        );
        Ok(())
    }
}

const Y_ACCEPTED: &str = "an integer, float or decimal column";
const X_ACCEPTED: &str = "an integer, float, decimal, Date, Datetime or Duration column";

/// A dtype as Python Polars prints it (`String`, `List(Float64)`, ...), for
/// error messages read by Python users.
fn dtype_name(dtype: &DataType) -> String {
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

fn is_number(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric() || dtype.is_decimal() || dtype.is_null()
}

/// Nanoseconds in one unit of a temporal dtype; `None` for other dtypes.
fn temporal_unit_ns(dtype: &DataType) -> Option<i64> {
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

/// How long one unit of `x` is in the result's unit: one for numbers; for
/// temporal `x`, its unit over `per` (default one second), as a reduced ratio.
fn coordinate_unit(x: Option<&Field>, kwargs: &GradientKwargs) -> PolarsResult<Unit> {
    let temporal = x.and_then(|x| temporal_unit_ns(x.dtype()));
    match (x, temporal, kwargs.per_ns) {
        (_, Some(unit_ns), per) => {
            let per = per.unwrap_or(1_000_000_000);
            polars_ensure!(per > 0, InvalidOperation: "gradient: per must be a positive duration");
            let g = gcd(unit_ns, per);
            Ok(Unit {
                num: (unit_ns / g) as f64,
                den: (per / g) as f64,
            })
        }
        (Some(x), None, Some(_)) => polars_bail!(
            InvalidOperation: "gradient: per is only for a temporal x, but x column '{}' has dtype {}; \
            accepted with per: a Date, Datetime or Duration column",
            x.name(), dtype_name(x.dtype())
        ),
        (None, None, Some(_)) => polars_bail!(
            InvalidOperation: "gradient: per is only for a temporal x, and no x was given"
        ),
        (_, None, None) => Ok(Unit::ONE),
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Checks the input fields and gives the output dtype: Float32 when `y` is
/// Float32 and `x` is absent or Float32, else Float64.
fn output_dtype(y: &Field, x: Option<&Field>) -> PolarsResult<DataType> {
    polars_ensure!(
        is_number(y.dtype()),
        InvalidOperation: "gradient: y column '{}' has dtype {}; accepted: {}",
        y.name(), dtype_name(y.dtype()), Y_ACCEPTED
    );
    if let Some(x) = x {
        polars_ensure!(
            is_number(x.dtype()) || temporal_unit_ns(x.dtype()).is_some(),
            InvalidOperation: "gradient: x column '{}' has dtype {}; accepted: {}",
            x.name(), dtype_name(x.dtype()), X_ACCEPTED
        );
    }
    let f32_x = x.is_none_or(|x| x.dtype() == &DataType::Float32);
    Ok(if y.dtype() == &DataType::Float32 && f32_x {
        DataType::Float32
    } else {
        DataType::Float64
    })
}

/// The input fields as `(y, x, keys)`.
fn split_fields<'a>(
    fields: &'a [Field],
    kwargs: &GradientKwargs,
) -> PolarsResult<(&'a Field, Option<&'a Field>, &'a [Field])> {
    let n_x = kwargs.has_x as usize;
    let want = 1 + n_x + kwargs.n_keys;
    polars_ensure!(
        fields.len() == want,
        ComputeError: "gradient: expected {} inputs, got {}", want, fields.len()
    );
    Ok((
        &fields[0],
        fields.get(1).filter(|_| kwargs.has_x),
        &fields[1 + n_x..],
    ))
}

fn gradient_output(fields: &[Field], kwargs: GradientKwargs) -> PolarsResult<Field> {
    let (y, x, _) = split_fields(fields, &kwargs)?;
    let dtype = output_dtype(y, x)?;
    coordinate_unit(x, &kwargs)?;
    Ok(Field::new(y.name().clone(), dtype))
}

#[polars_expr(output_type_func_with_kwargs=gradient_output)]
fn gradient(
    inputs: &[Series],
    context: CallerContext,
    kwargs: GradientKwargs,
) -> PolarsResult<Series> {
    kwargs.check()?;
    let fields: Vec<Field> = inputs.iter().map(|s| s.field().into_owned()).collect();
    let (yf, xf, _) = split_fields(&fields, &kwargs)?;
    let out_dtype = output_dtype(yf, xf)?;
    let unit = coordinate_unit(xf, &kwargs)?;
    let y = &inputs[0];
    let n_x = kwargs.has_x as usize;
    let x = inputs.get(1).filter(|_| kwargs.has_x);
    let keys = &inputs[1 + n_x..];
    for other in x.into_iter().chain(keys) {
        let what = if Some(other) == x {
            "x"
        } else {
            "partition_by"
        };
        polars_ensure!(
            other.len() == y.len(),
            ShapeMismatch: "gradient: {} column '{}' has length {} but y column '{}' has length {}; they must be equal",
            what, other.name(), other.len(), y.name(), y.len()
        );
    }
    let job = Job {
        edge_order: kwargs.edge_order,
        h: kwargs.spacing,
        unit,
        ignore_nulls: kwargs.ignore_nulls,
        groups: find_groups(keys)?,
        // Polars' own threads may already be running this call in parallel.
        parallel: !context.parallel(),
    };
    if y.dtype().is_null() || x.is_some_and(|x| x.dtype().is_null()) {
        return Ok(Series::full_null(y.name().clone(), y.len(), &out_dtype));
    }
    if out_dtype == DataType::Float32 {
        with_y(y.f32()?, x, &job)
    } else {
        let y = y.cast(&DataType::Float64)?;
        with_y(y.f64()?, x, &job)
    }
}

/// How the rows split into series.
enum Groups {
    /// The whole column is one series.
    Whole,
    /// Each `[start, len]` run of rows is a series.
    Runs(Vec<[Idx; 2]>),
    /// Polars' group-by result: runs or scattered row indices.
    Polars(GroupPositions),
}

/// Everything but the data: what to compute and over which rows.
struct Job {
    edge_order: usize,
    h: f64,
    unit: Unit,
    ignore_nulls: bool,
    groups: Groups,
    parallel: bool,
}

/// The groups of the `partition_by` keys, found once: consecutive runs when
/// the keys are already grouped, else Polars' own group-by. Null keys form a
/// group of their own, as in `.over()`.
fn find_groups(keys: &[Series]) -> PolarsResult<Groups> {
    if keys.is_empty() {
        return Ok(Groups::Whole);
    }
    if let Some(runs) = contiguous_runs(keys)? {
        return Ok(Groups::Runs(runs));
    }
    let columns: Vec<Column> = keys.iter().cloned().map(Column::from).collect();
    let frame = DataFrame::empty();
    let gb = frame.group_by_with_series(columns, true, false)?;
    Ok(Groups::Polars(gb.into_groups()))
}

/// The runs of equal consecutive keys, if every key value occupies exactly one
/// run (the frame is grouped by the keys); `None` if some value comes back later.
fn contiguous_runs(keys: &[Series]) -> PolarsResult<Option<Vec<[Idx; 2]>>> {
    let n = keys[0].len();
    if n <= 1 {
        return Ok(Some(if n == 0 { vec![] } else { vec![[0, 1]] }));
    }
    let mut change: Option<BooleanChunked> = None;
    for k in keys {
        // A key dtype without an equality kernel goes to the group-by path.
        let Ok(neq) = k.slice(1, n - 1).not_equal_missing(&k.slice(0, n - 1)) else {
            return Ok(None);
        };
        change = Some(match change {
            None => neq,
            Some(c) => &c | &neq,
        });
    }
    let change = change.expect("at least one key");
    let change = change.rechunk();
    let arr = change.downcast_as_array();
    let n_runs = 1 + arr.values().set_bits();
    if n_runs > n / 2 {
        // Runs shorter than two rows on average: interleaved keys, not worth checking.
        return Ok(None);
    }
    let mut starts: Vec<Idx> = Vec::with_capacity(n_runs);
    starts.push(0);
    starts.extend(arr.values().true_idx_iter().map(|i| (i + 1) as Idx));
    if starts.len() > 1 && !(keys.len() == 1 && keys[0].is_sorted_flag() != IsSorted::Not) {
        // One run per key value? Count the distinct keys among the runs' first rows.
        let firsts: Vec<Column> = keys
            .iter()
            .map(|k| k.take_slice(&starts).map(Column::from))
            .collect::<PolarsResult<_>>()?;
        let frame = DataFrame::empty();
        let gb = frame.group_by_with_series(firsts, true, false)?;
        if gb.get_groups().len() != starts.len() {
            return Ok(None);
        }
    }
    let ends = starts.iter().skip(1).copied().chain([n as Idx]);
    Ok(Some(
        starts.iter().zip(ends).map(|(&s, e)| [s, e - s]).collect(),
    ))
}

/// The one place where dtypes are dispatched to the generic drivers.
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

/// The gradient of one (y, x) pair of chunked arrays over the job's groups.
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
        edge_order: job.edge_order,
        unit: job.unit,
        ignore_nulls: job.ignore_nulls,
    };
    let Output { values, valid } = match &job.groups {
        Groups::Whole => groups::whole(columns, job.parallel),
        Groups::Runs(runs) => groups::runs(columns, runs, job.parallel),
        Groups::Polars(g) => match &**g {
            GroupsType::Idx(idx) => groups::gathered(columns, idx.all(), job.parallel),
            GroupsType::Slice { groups: runs, .. } => groups::runs(columns, runs, job.parallel),
        },
    };
    ChunkedArray::from_vec_validity(y.name().clone(), values, valid.map(Bitmap::from_iter))
}

fn combined_validity(a: Option<&Bitmap>, b: Option<&Bitmap>) -> Option<Vec<bool>> {
    match (a, b) {
        (None, None) => None,
        (Some(a), None) | (None, Some(a)) => Some(a.iter().collect()),
        (Some(a), Some(b)) => Some(a.iter().zip(b.iter()).map(|(p, q)| p && q).collect()),
    }
}
