//! Dtype rules: their names as Python prints them, which are accepted, and the output dtype of each input.

use polars::prelude::*;

use crate::core::counters::Kind;

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

/// `dtype` (a float, or a List or Array of floats) with its values' dtype replaced.
pub fn with_inner(dtype: &DataType, values: DataType) -> DataType {
    match dtype {
        DataType::List(_) => DataType::List(Box::new(values)),
        DataType::Array(_, width) => DataType::Array(Box::new(values), *width),
        _ => values,
    }
}

/// The rate family's output: counts (`resets`, `changes`) as `UInt32`, as
/// Polars counts; the rest `Float64`, as PromQL's floats.
pub fn counter_dtype(dtype: &DataType, kind: Kind) -> DataType {
    let values = match kind {
        Kind::Resets | Kind::Changes => DataType::UInt32,
        _ => DataType::Float64,
    };
    with_inner(dtype, values)
}
