//! The work of `reduce`: one value per series from `y` (and `x`) imploded, each row of the List a series.

use polars::prelude::*;
use pyo3_polars::export::polars_arrow::array::PrimitiveArray;
use pyo3_polars::export::polars_arrow::bitmap::Bitmap;
use pyo3_polars::export::polars_arrow::types::NativeType;

use super::dispatch;
use super::dtypes;
use super::functions::derivative_field;
use super::inputs::{split, Rows};
use super::request::Request;
use crate::core::drivers::{Output, Validity};
use crate::core::reductions::{self, Flat, Reduction};
use crate::core::series::Method;
use crate::core::types::{Coord, Unit};

/// The output field of `reduce`: per row of the imploded `y`, one value by the
/// rule of the function (a List of them when `y`'s rows were List rows).
pub fn reduce_field(fields: &[Field], req: &Request, implode: bool) -> PolarsResult<Field> {
    if implode {
        let listed = |f: &Field| {
            Field::new(
                f.name().clone(),
                DataType::List(Box::new(f.dtype().clone())),
            )
        };
        return reduce_field(&fields.iter().map(listed).collect::<Vec<_>>(), req, false);
    }
    let inputs = split(fields, req)?;
    let (y, x) = (inputs.y, inputs.x);
    let DataType::List(rows) = y.dtype() else {
        polars_bail!(ComputeError: "{}: expected the imploded column, got {}", req.name, dtypes::dtype_name(y.dtype()))
    };
    let y_rows = Field::new(y.name().clone(), (**rows).clone());
    let x_rows = match x.map(|x| x.dtype()) {
        Some(DataType::List(inner)) => {
            Some(Field::new(x.unwrap().name().clone(), (**inner).clone()))
        }
        _ => None,
    };
    let nested = matches!(**rows, DataType::List(_) | DataType::Array(..));
    let dtype = if nested {
        // One level down, each row of y is a series: one value per row.
        let field = derivative_field(&with_x(y_rows, x_rows), req)?;
        DataType::List(Box::new(dtypes::inner(field.dtype()).clone()))
    } else {
        derivative_field(&with_x(y_rows, x_rows), req)?
            .dtype()
            .clone()
    };
    Ok(Field::new(y.name().clone(), dtype))
}

fn with_x(y: Field, x: Option<Field>) -> Vec<Field> {
    std::iter::once(y).chain(x).collect()
}

/// `reduce`: each row of the List column `y` (with `x`'s rows beside it) a
/// series, reduced to one value; rows of List rows, one value per inner row.
pub fn reduce(inputs: &[Series], req: &Request, implode: bool) -> PolarsResult<Series> {
    if implode {
        let imploded = inputs
            .iter()
            .map(|s| Ok(s.implode()?.into_series()))
            .collect::<PolarsResult<Vec<_>>>()?;
        return reduce(&imploded, req, false);
    }
    let field = reduce_field(
        &inputs
            .iter()
            .map(|s| s.field().into_owned())
            .collect::<Vec<_>>(),
        req,
        false,
    )?;
    let split = split(inputs, req)?;
    let (y, x) = (split.y, split.x);
    let DataType::List(rows) = y.dtype() else {
        unreachable!("reduce_field checked")
    };
    if !matches!(**rows, DataType::List(_) | DataType::Array(..)) {
        if let Some(x) = x {
            // Each row is a whole column (or group) imploded: say so as for columns.
            let (yl, xl) = (y.list()?.lst_lengths(), x.list()?.lst_lengths());
            let differ = yl
                .iter()
                .zip(xl.iter())
                .find(|(a, b)| a.is_some() && b.is_some() && a != b);
            if let Some((a, b)) = differ {
                polars_bail!(
                    ShapeMismatch: "{}: x column '{}' has length {} but y column '{}' has length {}; they must be equal",
                    req.name, x.name(), b.unwrap_or(0), y.name(), a.unwrap_or(0)
                );
            }
        }
        return reduce_rows(y, x, req)?.cast(field.dtype());
    }
    let outer = Rows::of(y, req.name)?;
    let xs = x.map(|x| outer.aligned(x, y, req.name)).transpose()?;
    let values = reduce_rows(&outer.values, xs.as_ref(), req)?;
    let inner = dtypes::inner(field.dtype()).clone();
    outer.rebuild(values.cast(&inner)?, y.name().clone(), field.dtype())
}

/// One value per row of the List or Array column `y`, in Float64 (counts too).
fn reduce_rows(y: &Series, x: Option<&Series>, req: &Request) -> PolarsResult<Series> {
    let rows = Rows::of(y, req.name)?;
    let xv = x.map(|x| rows.aligned(x, y, req.name)).transpose()?;
    let x_field = xv.as_ref().map(|x| x.field().into_owned());
    let unit = req.unit(x_field.as_ref())?;
    let reduction = match req.method_for(x_field.as_ref())? {
        Method::Counter(c) => Reduction::Counter(c),
        _ => Reduction::Trapezoid {
            ignore_nulls: req.ignore_nulls,
        },
    };
    let yv = rows.values.cast(&DataType::Float64)?.rechunk();
    let ya = yv.f64()?.downcast_as_array();
    let y_valid = flags(ya.validity());
    // `x` as exact integers (temporal and integer columns) or floats.
    let (values, ok) = match &xv {
        Some(x) if x.dtype().is_integer() || x.dtype().is_temporal() => {
            let x = x.to_physical_repr().cast(&DataType::Int64)?.rechunk();
            let xa = x.i64()?.downcast_as_array();
            reduce_with(
                reduction,
                &rows,
                ya,
                y_valid.as_deref(),
                Some(xa),
                req.spacing,
                unit,
            )
        }
        Some(x) => {
            let x = x.cast(&DataType::Float64)?.rechunk();
            let xa = x.f64()?.downcast_as_array();
            reduce_with(
                reduction,
                &rows,
                ya,
                y_valid.as_deref(),
                Some(xa),
                req.spacing,
                unit,
            )
        }
        None => reduce_with::<f64>(
            reduction,
            &rows,
            ya,
            y_valid.as_deref(),
            None,
            req.spacing,
            unit,
        ),
    };
    // A null row is null.
    let ok: Vec<bool> = match &rows.validity {
        Some(v) => ok.iter().zip(v.iter()).map(|(&a, b)| a && b).collect(),
        None => ok,
    };
    let out = Output {
        values,
        valid: Validity::Rows(ok),
    };
    Ok(dispatch::chunked::<Float64Type>(y.name().clone(), out, false).into_series())
}

/// Validity flags of an array, when it has nulls.
fn flags(validity: Option<&Bitmap>) -> Option<Vec<bool>> {
    validity.map(|v| v.iter().collect())
}

/// `reductions::rows` over the flat `y` and `x` arrays of `rows`.
fn reduce_with<X: NativeType + Coord>(
    reduction: Reduction,
    rows: &Rows,
    y: &PrimitiveArray<f64>,
    y_valid: Option<&[bool]>,
    x: Option<&PrimitiveArray<X>>,
    h: f64,
    unit: Unit,
) -> (Vec<f64>, Vec<bool>) {
    let x_valid = x.and_then(|x| flags(x.validity()));
    let flat = Flat {
        y: y.values().as_slice(),
        y_valid,
        x: x.map(|x| x.values().as_slice()),
        x_valid: x_valid.as_deref(),
        h,
        unit,
    };
    reductions::rows(reduction, flat, &rows.bounds)
}
