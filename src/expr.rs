//! The Polars side: kwargs, dtype dispatch (in one place) and the plugin
//! entry points. The numbers themselves come from `crate::kernels`.

use polars::prelude::*;
use polars::series::IsSorted;
use pyo3_polars::derive::{polars_expr, CallerContext};
use pyo3_polars::export::polars_arrow::array::{Array, FixedSizeListArray, ListArray};
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use pyo3_polars::export::polars_arrow::offset::OffsetsBuffer;
use serde::Deserialize;

use crate::groups::{self, Columns, Idx, Output};
use crate::kernels::{Coord, Float, Method, Stencil, Unit};

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
    /// `derivative`'s order and accuracy; absent for numpy's `gradient`.
    #[serde(default)]
    pub order: Option<usize>,
    #[serde(default)]
    pub accuracy: Option<usize>,
}

impl GradientKwargs {
    /// Errors name the function the user called: `derivative` or `gradient`.
    fn named<T>(&self, result: PolarsResult<T>) -> PolarsResult<T> {
        if self.order.is_none() {
            return result;
        }
        result.map_err(|e| e.wrap_msg(|m| m.replacen("gradient:", "derivative:", 1)))
    }

    /// Checks the numbers (Python checked them first) and gives the method.
    fn method(&self) -> PolarsResult<Method> {
        polars_ensure!(
            self.spacing.is_finite() && self.spacing != 0.0,
            InvalidOperation: "gradient: spacing must be a finite, non-zero number, got {}", self.spacing
        );
        let Some(order) = self.order else {
            polars_ensure!(
                self.edge_order == 1 || self.edge_order == 2,
                InvalidOperation: "gradient: edge_order must be 1 or 2, got {}", self.edge_order
            );
            return Ok(Method::Gradient {
                edge_order: self.edge_order,
            });
        };
        let accuracy = self.accuracy.unwrap_or(2);
        polars_ensure!(
            order >= 1 && accuracy >= 2 && accuracy.is_multiple_of(2),
            InvalidOperation: "derivative: order must be at least 1 and accuracy even and at least 2, \
            got order {} and accuracy {}", order, accuracy
        );
        if (order, accuracy) == (1, 2) {
            // The same three-point stencils as numpy's edge_order=2 (Fornberg's
            // weights on three points are numpy's formulas): use that kernel.
            return Ok(Method::Gradient { edge_order: 2 });
        }
        Ok(Method::Derivative(Stencil { order, accuracy }))
    }
}

const Y_ACCEPTED: &str =
    "an integer, float or decimal column, or a List or Array of integers, floats or decimals";
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
    let temporal = x.and_then(|x| temporal_unit_ns(inner(x.dtype())));
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
/// Float32 and `x` is absent or Float32, else Float64; for a List or Array
/// `y` (and `x`), a List or Array of that.
fn output_dtype(y: &Field, x: Option<&Field>) -> PolarsResult<DataType> {
    let (DataType::List(yi) | DataType::Array(yi, _)) = y.dtype() else {
        return scalar_output_dtype(y, x);
    };
    polars_ensure!(
        is_number(yi),
        InvalidOperation: "gradient: y column '{}' has dtype {}; accepted: {}",
        y.name(), dtype_name(y.dtype()), Y_ACCEPTED
    );
    let xi = match x.map(|x| (x, x.dtype())) {
        None => None,
        Some((x, DataType::List(xi) | DataType::Array(xi, _))) => {
            polars_ensure!(
                is_number(xi) || temporal_unit_ns(xi).is_some(),
                InvalidOperation: "gradient: x column '{}' has dtype {}; accepted with a List or \
                Array y: a List or Array of integers, floats, decimals, Dates, Datetimes or Durations",
                x.name(), dtype_name(x.dtype())
            );
            Some(Field::new(x.name().clone(), (**xi).clone()))
        }
        Some((x, xd)) => polars_bail!(
            InvalidOperation: "gradient: y column '{}' is a {} of values, so x must be a List or Array \
            of coordinates too, but x column '{}' has dtype {}",
            y.name(), dtype_name(y.dtype()), x.name(), dtype_name(xd)
        ),
    };
    let float = scalar_output_dtype(&Field::new(y.name().clone(), (**yi).clone()), xi.as_ref())?;
    Ok(match y.dtype() {
        DataType::Array(_, width) => DataType::Array(Box::new(float), *width),
        _ => DataType::List(Box::new(float)),
    })
}

fn inner(dtype: &DataType) -> &DataType {
    match dtype {
        DataType::List(inner) | DataType::Array(inner, _) => inner,
        other => other,
    }
}

fn scalar_output_dtype(y: &Field, x: Option<&Field>) -> PolarsResult<DataType> {
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
    let check = || {
        kwargs.method()?;
        let (y, x, _) = split_fields(fields, &kwargs)?;
        let dtype = output_dtype(y, x)?;
        coordinate_unit(x, &kwargs)?;
        Ok(Field::new(y.name().clone(), dtype))
    };
    kwargs.named(check())
}

#[polars_expr(output_type_func_with_kwargs=gradient_output)]
fn gradient(
    inputs: &[Series],
    context: CallerContext,
    kwargs: GradientKwargs,
) -> PolarsResult<Series> {
    kwargs.named(differentiate(inputs, context, &kwargs))
}

#[polars_expr(output_type_func_with_kwargs=gradient_output)]
fn derivative(
    inputs: &[Series],
    context: CallerContext,
    kwargs: GradientKwargs,
) -> PolarsResult<Series> {
    kwargs.named(differentiate(inputs, context, &kwargs))
}

/// `gradient` and `derivative`: the method comes from the kwargs.
fn differentiate(
    inputs: &[Series],
    context: CallerContext,
    kwargs: &GradientKwargs,
) -> PolarsResult<Series> {
    let method = kwargs.method()?;
    let fields: Vec<Field> = inputs.iter().map(|s| s.field().into_owned()).collect();
    let (yf, xf, _) = split_fields(&fields, kwargs)?;
    let out_dtype = output_dtype(yf, xf)?;
    let unit = coordinate_unit(xf, kwargs)?;
    let y = &inputs[0];
    let n_x = kwargs.has_x as usize;
    let x = inputs.get(1).filter(|_| kwargs.has_x);
    let keys = &inputs[1 + n_x..];
    for (k, other) in inputs.iter().enumerate().skip(1) {
        let what = if k < 1 + n_x { "x" } else { "partition_by" };
        polars_ensure!(
            other.len() == y.len(),
            ShapeMismatch: "gradient: {} column '{}' has length {} but y column '{}' has length {}; they must be equal",
            what, other.name(), other.len(), y.name(), y.len()
        );
    }
    let mut job = Job {
        method,
        h: kwargs.spacing,
        unit,
        ignore_nulls: kwargs.ignore_nulls,
        groups: Groups::Whole,
        // Polars' own threads may already be running this call in parallel.
        parallel: !context.parallel(),
    };
    if matches!(y.dtype(), DataType::List(_) | DataType::Array(..)) {
        // Each row is its own series, whatever the groups.
        return gradient_rows(y, x, &out_dtype, job);
    }
    job.groups = find_groups(keys)?;
    gradient_values(y, x, &out_dtype, &job)
}

/// The gradient of plain (not nested) `y` and `x` columns, over the job's groups.
fn gradient_values(
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

/// A List or Array column as its flat values (only the part its rows use),
/// each row's `[start, len]` within them, and the rows' validity.
struct Rows {
    values: Series,
    runs: Vec<[Idx; 2]>,
    validity: Option<Bitmap>,
}

fn rows_of(s: &Series) -> PolarsResult<Rows> {
    let n = s.len();
    match s.dtype() {
        DataType::List(_) => {
            let ca = s.list()?.rechunk();
            let arr = ca.downcast_as_array();
            let offsets = arr.offsets().as_slice();
            let first = offsets[0];
            let used = (offsets[n] - first) as usize;
            let runs = offsets
                .windows(2)
                .map(|w| [(w[0] - first) as Idx, (w[1] - w[0]) as Idx])
                .collect();
            Ok(Rows {
                values: ca.get_inner().slice(first, used),
                runs,
                validity: arr.validity().cloned(),
            })
        }
        DataType::Array(_, width) => {
            let ca = s.array()?.rechunk();
            let arr = ca.downcast_as_array();
            let w = *width as Idx;
            Ok(Rows {
                values: ca.get_inner().slice(0, n * *width),
                runs: (0..n as Idx).map(|i| [i * w, w]).collect(),
                validity: arr.validity().cloned(),
            })
        }
        dt => {
            polars_bail!(ComputeError: "gradient: expected a List or Array column, got {}", dtype_name(dt))
        }
    }
}

/// The gradient of each row of a List or Array `y`, over the matching row of
/// a List or Array `x` (or the uniform spacing). A null `y` row stays null.
fn gradient_rows(
    y: &Series,
    x: Option<&Series>,
    out_dtype: &DataType,
    mut job: Job,
) -> PolarsResult<Series> {
    let rows = rows_of(y)?;
    let x_values = match x {
        None => None,
        Some(x) => Some(aligned_coordinates(&rows, x, y)?),
    };
    let inner_dtype = inner(out_dtype).clone();
    let values = if rows.values.is_empty() {
        Series::new_empty(y.name().clone(), &inner_dtype)
    } else {
        job.groups = Groups::Runs(rows.runs.clone());
        gradient_values(&rows.values, x_values.as_ref(), &inner_dtype, &job)?
    };
    let values = values.rechunk().chunks()[0].clone();
    let arrow_inner = values.dtype().clone();
    // The rows' validity in a buffer of our own (see `fresh`).
    let validity = rows.validity.map(|v| Bitmap::from_iter(v.iter()));
    let out: Series = match out_dtype {
        DataType::Array(_, width) => {
            let dtype = FixedSizeListArray::default_datatype(arrow_inner, *width);
            let arr = FixedSizeListArray::new(dtype, y.len(), values, validity);
            ArrayChunked::with_chunk(y.name().clone(), arr).into_series()
        }
        _ => {
            let mut offsets = Vec::with_capacity(rows.runs.len() + 1);
            offsets.push(0i64);
            offsets.extend(rows.runs.iter().map(|r| (r[0] + r[1]) as i64));
            // SAFETY: the runs are consecutive, so the offsets never decrease.
            let offsets = unsafe { OffsetsBuffer::new_unchecked(offsets.into()) };
            let dtype = ListArray::<i64>::default_datatype(arrow_inner);
            let arr = ListArray::<i64>::new(dtype, offsets, values, validity);
            ListChunked::with_chunk(y.name().clone(), arr).into_series()
        }
    };
    // The physical arrays carry plain floats; give the result its logical dtype.
    out.cast(out_dtype)
}

/// `x`'s row values laid out like `y`'s: row by row, the same lengths. A null
/// `x` row gives null coordinates (so null gradients) for a valid `y` row.
fn aligned_coordinates(y_rows: &Rows, x: &Series, y: &Series) -> PolarsResult<Series> {
    let x_rows = rows_of(x)?;
    if x_rows.runs == y_rows.runs {
        return Ok(x_rows.values);
    }
    let x_valid = |i: usize| x_rows.validity.as_ref().is_none_or(|v| v.get_bit(i));
    let y_valid = |i: usize| y_rows.validity.as_ref().is_none_or(|v| v.get_bit(i));
    let mut take: Vec<Option<Idx>> = Vec::with_capacity(y_rows.values.len());
    for (i, (&[_, ylen], &[xstart, xlen])) in y_rows.runs.iter().zip(&x_rows.runs).enumerate() {
        if x_valid(i) && y_valid(i) {
            polars_ensure!(
                xlen == ylen,
                ShapeMismatch: "gradient: row {} of x column '{}' has {} values but row {} of y column '{}' has {}; \
                each row of x must have as many values as the row of y",
                i, x.name(), xlen, i, y.name(), ylen
            );
            take.extend((xstart..xstart + xlen).map(Some));
        } else {
            take.extend((0..ylen).map(|_| None));
        }
    }
    let idx: IdxCa = take.into_iter().collect();
    x_rows.values.take(&idx)
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
    method: Method,
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
        method: job.method,
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

/// Keyword arguments of `gradient_horizontal`.
#[derive(Deserialize, Debug, Clone)]
pub struct HorizontalKwargs {
    pub edge_order: usize,
    pub spacing: f64,
}

fn horizontal_output(fields: &[Field], _kwargs: HorizontalKwargs) -> PolarsResult<Field> {
    polars_ensure!(
        !fields.is_empty(),
        InvalidOperation: "gradient_horizontal: needs at least one column"
    );
    let mut names = PlHashSet::new();
    let mut out = Vec::with_capacity(fields.len());
    for f in fields {
        polars_ensure!(
            names.insert(f.name().clone()),
            InvalidOperation: "gradient_horizontal: the inputs need distinct names for the struct's \
            fields, but '{}' comes more than once; rename with .alias()", f.name()
        );
        ensure_number("gradient_horizontal:", f)?;
        let dtype = scalar_output_dtype(f, None)?;
        out.push(Field::new(f.name().clone(), dtype));
    }
    let all_f32 = out.iter().all(|f| f.dtype() == &DataType::Float32);
    for f in out.iter_mut() {
        f.dtype = if all_f32 {
            DataType::Float32
        } else {
            DataType::Float64
        };
    }
    Ok(Field::new(fields[0].name().clone(), DataType::Struct(out)))
}

/// The gradient across the columns within each row (numpy's `axis=1` of a
/// frame), as a Struct with one field per input. Each row is one series, with
/// the same kernel and null rule as `gradient`.
#[polars_expr(output_type_func_with_kwargs=horizontal_output)]
fn gradient_horizontal(inputs: &[Series], kwargs: HorizontalKwargs) -> PolarsResult<Series> {
    let check = GradientKwargs {
        edge_order: kwargs.edge_order,
        spacing: kwargs.spacing,
        has_x: false,
        n_keys: 0,
        ignore_nulls: false,
        per_ns: None,
        order: None,
        accuracy: None,
    };
    let method = check.method()?;
    let fields: Vec<Field> = inputs.iter().map(|s| s.field().into_owned()).collect();
    let out_field = horizontal_output(&fields, kwargs.clone())?;
    let DataType::Struct(out_fields) = out_field.dtype() else {
        unreachable!("horizontal_output gives a struct")
    };
    let n = inputs[0].len();
    for s in inputs {
        polars_ensure!(
            s.len() == n,
            ShapeMismatch: "gradient_horizontal: column '{}' has length {} but column '{}' has length {}; they must be equal",
            s.name(), s.len(), inputs[0].name(), n
        );
    }
    let cols: Vec<Float64Chunked> = inputs
        .iter()
        .map(|s| Ok(s.cast(&DataType::Float64)?.f64()?.rechunk().into_owned()))
        .collect::<PolarsResult<_>>()?;
    let arrays: Vec<_> = cols.iter().map(|c| c.downcast_as_array()).collect();
    let k = cols.len();
    let mut values = vec![vec![0.0f64; n]; k];
    let mut valid = vec![vec![false; n]; k];
    let (mut row, mut row_valid) = (vec![0.0; k], vec![true; k]);
    let (mut out, mut out_valid) = (vec![0.0; k], vec![false; k]);
    let any_nulls = cols.iter().any(|c| c.null_count() > 0);
    for i in 0..n {
        for (j, a) in arrays.iter().enumerate() {
            row[j] = a.values()[i];
            row_valid[j] = a.is_valid(i);
        }
        crate::kernels::series::<f64, f64, f64>(
            &row,
            crate::kernels::Spacing::Uniform(kwargs.spacing),
            any_nulls.then_some(&row_valid[..]),
            method,
            false,
            &mut out,
            Some(&mut out_valid),
        );
        for j in 0..k {
            values[j][i] = out[j];
            valid[j][i] = out_valid[j];
        }
    }
    let columns: Vec<Series> = values
        .into_iter()
        .zip(valid)
        .zip(out_fields)
        .map(|((v, m), f)| {
            Float64Chunked::from_vec_validity(f.name().clone(), v, Some(Bitmap::from_iter(m)))
                .into_series()
                .cast(f.dtype())
        })
        .collect::<PolarsResult<_>>()?;
    Ok(StructChunked::from_series(out_field.name().clone(), n, columns.iter())?.into_series())
}

/// Keyword arguments of `as_float`: what the input is, for the error message.
#[derive(Deserialize, Debug, Clone)]
pub struct AsFloatKwargs {
    pub what: String,
}

/// An error naming `what`, the column and its dtype unless it holds numbers.
fn ensure_number(what: &str, f: &Field) -> PolarsResult<()> {
    polars_ensure!(
        is_number(f.dtype()),
        InvalidOperation: "{} column '{}' has dtype {}; accepted: an integer, float or decimal column",
        what, f.name(), dtype_name(f.dtype())
    );
    Ok(())
}

fn as_float_output(fields: &[Field], kwargs: AsFloatKwargs) -> PolarsResult<Field> {
    ensure_number(&kwargs.what, &fields[0])?;
    Ok(Field::new(fields[0].name().clone(), DataType::Float64))
}

/// A number column as Float64, with an error that names the column and its
/// dtype for anything else (Polars' own cast would take a Boolean, or report
/// the whole expression).
#[polars_expr(output_type_func_with_kwargs=as_float_output)]
fn as_float(inputs: &[Series], kwargs: AsFloatKwargs) -> PolarsResult<Series> {
    as_float_output(&[inputs[0].field().into_owned()], kwargs)?;
    let cast = inputs[0].cast(&DataType::Float64)?;
    Ok(fresh(cast.f64()?).into_series())
}

/// A copy of `ca` in buffers of its own. A plugin must not hand back buffers it
/// was given: Polars 1.x before 1.40 frees an input's buffers after the call
/// even when the output still points into them, and the query then reads freed
/// memory.
fn fresh(ca: &Float64Chunked) -> Float64Chunked {
    ca.iter()
        .collect::<Float64Chunked>()
        .with_name(ca.name().clone())
}

/// Keyword arguments of `richardson`, the plugin behind `derivative_of`.
/// Inputs: the largest step `h0`, then `f(x)` when the rule reads it, then
/// `f(x + o * h0 / ratio^k)` for each step `k` and each non-zero offset `o`
/// of the central rule, offsets inner.
#[derive(Deserialize, Debug, Clone)]
pub struct RichardsonKwargs {
    pub order: usize,
    pub num_steps: usize,
    pub ratio: f64,
    pub error: bool,
}

fn richardson_output(fields: &[Field], kwargs: RichardsonKwargs) -> PolarsResult<Field> {
    let name = fields[0].name().clone();
    Ok(if kwargs.error {
        Field::new(
            name,
            DataType::Struct(vec![
                Field::new("value".into(), DataType::Float64),
                Field::new("error".into(), DataType::Float64),
            ]),
        )
    } else {
        Field::new(name, DataType::Float64)
    })
}

#[polars_expr(output_type_func_with_kwargs=richardson_output)]
fn richardson(inputs: &[Series], kwargs: RichardsonKwargs) -> PolarsResult<Series> {
    use crate::richardson::{extrapolate, Rule};
    let rule = Rule::central(kwargs.order);
    let centre = rule
        .offsets
        .iter()
        .zip(&rule.weights)
        .find(|(o, _)| **o == 0)
        .map(|(_, w)| *w)
        .filter(|w| *w != 0.0);
    let others: Vec<(i64, f64)> = rule
        .offsets
        .iter()
        .copied()
        .zip(rule.weights.iter().copied())
        .filter(|(o, _)| *o != 0)
        .collect();
    let want = 1 + centre.is_some() as usize + kwargs.num_steps * others.len();
    polars_ensure!(
        inputs.len() == want && kwargs.ratio > 1.0,
        ComputeError: "derivative_of: expected {} inputs, got {}", want, inputs.len()
    );
    // A literal step, or an f that ignores its argument, arrives as one value.
    let n = inputs.iter().map(|s| s.len()).max().unwrap_or(0);
    let cols: Vec<Float64Chunked> = inputs
        .iter()
        .map(|s| {
            let s = if s.len() == 1 && n != 1 {
                s.new_from_index(0, n)
            } else {
                s.clone()
            };
            polars_ensure!(
                s.len() == n,
                ShapeMismatch: "derivative_of: f gave {} values for {} rows; f must keep the rows",
                s.len(), n
            );
            Ok(s.cast(&DataType::Float64)?.f64()?.rechunk().into_owned())
        })
        .collect::<PolarsResult<_>>()?;
    let arrays: Vec<_> = cols.iter().map(|c| c.downcast_as_array()).collect();
    let m = kwargs.order;
    let mut values = Vec::with_capacity(n);
    let mut errors = Vec::with_capacity(n);
    let mut valid = Vec::with_capacity(n);
    let mut diffs = vec![0.0; kwargs.num_steps];
    let mut steps = vec![0.0; kwargs.num_steps];
    let value_at = |col: usize, i: usize| -> f64 {
        let a = arrays[col];
        if a.is_valid(i) {
            a.values()[i]
        } else {
            f64::NAN
        }
    };
    for i in 0..n {
        let h0 = value_at(0, i);
        if !arrays[0].is_valid(i) {
            values.push(f64::NAN);
            errors.push(f64::NAN);
            valid.push(false);
            continue;
        }
        let mut scale = 0f64;
        let f0 = centre.map(|w| {
            let v = value_at(1, i);
            scale = scale.max(v.abs());
            w * v
        });
        let first = 1 + centre.is_some() as usize;
        for k in 0..kwargs.num_steps {
            let h = h0 / kwargs.ratio.powi(k as i32);
            let mut s = f0.unwrap_or(0.0);
            for (j, (_, w)) in others.iter().enumerate() {
                let v = value_at(first + k * others.len() + j, i);
                if v.is_finite() {
                    scale = scale.max(v.abs());
                }
                s += w * v;
            }
            steps[k] = h;
            diffs[k] = s / h.powi(m as i32);
        }
        let (v, e) = extrapolate(&diffs, &steps, scale, m, kwargs.ratio);
        values.push(v);
        errors.push(e);
        valid.push(true);
    }
    let name = inputs[0].name().clone();
    let validity = valid.contains(&false).then(|| Bitmap::from_iter(valid));
    let value = Float64Chunked::from_vec_validity("value".into(), values, validity.clone());
    if !kwargs.error {
        return Ok(value.with_name(name).into_series());
    }
    let error = Float64Chunked::from_vec_validity("error".into(), errors, validity);
    let fields = [value.into_series(), error.into_series()];
    Ok(StructChunked::from_series(name, n, fields.iter())?.into_series())
}
