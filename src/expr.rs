//! The Polars side: kwargs, dtype dispatch (in one place) and the plugin
//! entry points. The numbers themselves come from `crate::kernels`.

use polars::prelude::*;
use pyo3_polars::derive::polars_expr;
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use serde::Deserialize;

use crate::kernels::{self, Coord, Float, Spacing};

/// Keyword arguments, as pickled by `polars_gradient._expr`. Inputs arrive in
/// the order `[y, x?]`; `has_x` says whether the second one is there.
#[derive(Deserialize, Debug, Clone)]
pub struct GradientKwargs {
    pub edge_order: usize,
    /// Uniform step, used when there is no `x`.
    pub spacing: f64,
    pub has_x: bool,
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
const X_ACCEPTED: &str = "an integer, float or decimal column";

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
            is_number(x.dtype()),
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

fn split_fields<'a>(
    fields: &'a [Field],
    kwargs: &GradientKwargs,
) -> PolarsResult<(&'a Field, Option<&'a Field>)> {
    let want = 1 + kwargs.has_x as usize;
    polars_ensure!(
        fields.len() == want,
        ComputeError: "gradient: expected {} inputs, got {}", want, fields.len()
    );
    Ok((&fields[0], fields.get(1)))
}

fn gradient_output(fields: &[Field], kwargs: GradientKwargs) -> PolarsResult<Field> {
    let (y, x) = split_fields(fields, &kwargs)?;
    Ok(Field::new(y.name().clone(), output_dtype(y, x)?))
}

#[polars_expr(output_type_func_with_kwargs=gradient_output)]
fn gradient(inputs: &[Series], kwargs: GradientKwargs) -> PolarsResult<Series> {
    kwargs.check()?;
    let fields: Vec<Field> = inputs.iter().map(|s| s.field().into_owned()).collect();
    let (yf, xf) = split_fields(&fields, &kwargs)?;
    let out_dtype = output_dtype(yf, xf)?;
    let y = &inputs[0];
    let x = inputs.get(1);
    if let Some(x) = x {
        polars_ensure!(
            x.len() == y.len(),
            ShapeMismatch: "gradient: x column '{}' has length {} but y column '{}' has length {}; they must be equal",
            x.name(), x.len(), y.name(), y.len()
        );
    }
    gradient_series(y, x, &kwargs, &out_dtype)
}

/// The one place where dtypes are dispatched to the generic kernel.
fn gradient_series(
    y: &Series,
    x: Option<&Series>,
    kw: &GradientKwargs,
    out_dtype: &DataType,
) -> PolarsResult<Series> {
    let name = y.name().clone();
    let n = y.len();
    let all_null = y.dtype().is_null() || x.is_some_and(|x| x.dtype().is_null());
    if n < kernels::min_points(kw.edge_order) || all_null {
        return Ok(Series::full_null(name, n, out_dtype));
    }
    if out_dtype == &DataType::Float32 {
        with_y(y.f32()?, x, kw)
    } else {
        let y = y.cast(&DataType::Float64)?;
        with_y(y.f64()?, x, kw)
    }
}

fn with_y<T>(y: &ChunkedArray<T>, x: Option<&Series>, kw: &GradientKwargs) -> PolarsResult<Series>
where
    T: PolarsFloatType,
    T::Native: Float,
    ChunkedArray<T>: IntoSeries,
{
    let Some(x) = x else {
        return Ok(run::<T, Float64Type>(y, None, kw).into_series());
    };
    use DataType::*;
    let out = match x.dtype() {
        Float64 => run(y, Some(x.f64()?), kw),
        Float32 => run(y, Some(x.f32()?), kw),
        UInt64 => run(y, Some(x.u64()?), kw),
        Int128 => run(y, Some(x.i128()?), kw),
        UInt128 => run(y, Some(x.u128()?), kw),
        dt if dt.is_integer() => run(y, Some(x.cast(&Int64)?.i64()?), kw),
        // Float16 and Decimal coordinates.
        _ => run(y, Some(x.cast(&Float64)?.f64()?), kw),
    };
    Ok(out.into_series())
}

/// Gradient of one (y, x) pair of chunked arrays, nulls per the stencil rule.
fn run<T, X>(
    y: &ChunkedArray<T>,
    x: Option<&ChunkedArray<X>>,
    kw: &GradientKwargs,
) -> ChunkedArray<T>
where
    T: PolarsFloatType,
    T::Native: Float,
    X: PolarsNumericType,
    X::Native: Coord,
{
    let y = y.rechunk();
    let ya = y.downcast_as_array();
    let x = x.map(|x| x.rechunk());
    let xa = x.as_ref().map(|x| x.downcast_as_array());
    let spacing = match xa {
        Some(xa) => Spacing::Coords(xa.values().as_slice()),
        None => Spacing::Uniform(kw.spacing),
    };
    let ys = ya.values().as_slice();
    let mut out = vec![T::Native::from_f64(0.0); ys.len()];
    kernels::gradient(ys, spacing, kw.edge_order, &mut out);

    let validity = combined_validity(ya.validity(), xa.and_then(|a| a.validity()))
        .map(|valid| Bitmap::from_iter(kernels::stencil_validity(&valid, kw.edge_order)));
    ChunkedArray::from_vec_validity(y.name().clone(), out, validity)
}

fn combined_validity(a: Option<&Bitmap>, b: Option<&Bitmap>) -> Option<Vec<bool>> {
    match (a, b) {
        (None, None) => None,
        (Some(a), None) | (None, Some(a)) => Some(a.iter().collect()),
        (Some(a), Some(b)) => Some(a.iter().zip(b.iter()).map(|(p, q)| p && q).collect()),
    }
}
