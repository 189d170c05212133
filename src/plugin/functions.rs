//! What each plugin function does with its inputs: from series to the core's slices and back.

use std::borrow::Cow;

use polars::prelude::*;

use super::dispatch::{self, dispatch, Job};
use super::dtypes::{self, ensure_number, float_dtype};
use super::groups::{find_groups, Groups};
use super::inputs::{split, Rows};
use super::order::check_ascending;
use super::request::{Request, RichardsonKwargs};
use crate::core::drivers::{self, Output, Validity};
use crate::core::richardson::{self, Rule, Samples};

/// The output field of `gradient` and `derivative`, checking the inputs.
pub fn derivative_field(fields: &[Field], req: &Request) -> PolarsResult<Field> {
    let inputs = split(fields, req)?;
    let dtype = dtypes::output_dtype(req.name, inputs.y, inputs.x)?;
    req.unit(inputs.x)?;
    req.method_for(inputs.x)?;
    let dtype = match req.counter() {
        Some(kind) => dtypes::counter_dtype(&dtype, kind),
        None => dtype,
    };
    Ok(Field::new(inputs.y.name().clone(), dtype))
}

/// `gradient` and `derivative`: plain columns over the groups of the keys, or
/// List/Array rows each as a series of its own (whatever the keys).
pub fn differentiate(inputs: &[Series], req: &Request, parallel: bool) -> PolarsResult<Series> {
    let split = split(inputs, req)?;
    let (yf, xf) = split.fields();
    let final_dtype = dtypes::output_dtype(req.name, &yf, xf.as_ref())?;
    let unit = req.unit(xf.as_ref())?;
    let method = req.method_for(xf.as_ref())?;
    split.check_lengths(req.name)?;
    // The rate family computes in Float64 (counts too), cast at the end.
    let out_dtype = match req.counter() {
        Some(_) => dtypes::with_inner(&final_dtype, DataType::Float64),
        None => final_dtype.clone(),
    };
    let (y, x) = (split.y, split.x);
    let job = |groups| Job {
        method,
        h: req.spacing,
        unit,
        ignore_nulls: req.ignore_nulls && req.counter().is_none(),
        groups,
        parallel,
    };
    let out = if !matches!(y.dtype(), DataType::List(_) | DataType::Array(..)) {
        let groups = find_groups(split.keys, parallel)?;
        if let (Some(_), Some(x)) = (req.counter(), x) {
            check_ascending(req.name, x, &groups)?;
        }
        dispatch(y, x, &out_dtype, &job(&groups))?
    } else {
        let rows = Rows::of(y, req.name)?;
        let x_values = x.map(|x| rows.aligned(x, y, req.name)).transpose()?;
        let inner_dtype = dtypes::inner(&out_dtype).clone();
        let values = if rows.values.is_empty() {
            Series::new_empty(y.name().clone(), &inner_dtype)
        } else {
            let groups = Groups::Consecutive(rows.bounds.clone());
            if let (Some(_), Some(x)) = (req.counter(), x_values.as_ref()) {
                check_ascending(req.name, x, &groups)?;
            }
            dispatch(&rows.values, x_values.as_ref(), &inner_dtype, &job(&groups))?
        };
        rows.rebuild(values, y.name().clone(), &out_dtype)?
    };
    match req.counter() {
        Some(kind) => out.cast(&dtypes::counter_dtype(&final_dtype, kind)),
        None => Ok(out),
    }
}

/// The output field of `gradient_horizontal`: a Struct of one float field per
/// input, named after it (all Float32 when every input is Float32).
pub fn horizontal_field(fields: &[Field], req: &Request) -> PolarsResult<Field> {
    polars_ensure!(
        !fields.is_empty(),
        InvalidOperation: "{}: needs at least one column", req.name
    );
    let mut names = PlHashSet::new();
    for f in fields {
        polars_ensure!(
            names.insert(f.name().clone()),
            InvalidOperation: "{}: the inputs need distinct names for the struct's \
            fields, but '{}' comes more than once; rename with .alias()", req.name, f.name()
        );
        ensure_number(&format!("{}:", req.name), f)?;
    }
    let dtype = float_dtype(fields.iter().all(|f| f.dtype() == &DataType::Float32));
    let out = fields
        .iter()
        .map(|f| Field::new(f.name().clone(), dtype.clone()))
        .collect();
    Ok(Field::new(fields[0].name().clone(), DataType::Struct(out)))
}

/// The gradient across the columns within each row (numpy's `axis=1` of a
/// frame), as a Struct with one field per input: each row one series, with the
/// same kernel, null rule and drivers as `gradient`.
pub fn horizontal(inputs: &[Series], req: &Request, parallel: bool) -> PolarsResult<Series> {
    let fields: Vec<Field> = inputs.iter().map(|s| s.field().into_owned()).collect();
    let out_field = horizontal_field(&fields, req)?;
    let DataType::Struct(out_fields) = out_field.dtype() else {
        unreachable!("horizontal_field gives a struct")
    };
    let n = inputs[0].len();
    for s in inputs {
        polars_ensure!(
            s.len() == n,
            ShapeMismatch: "{}: column '{}' has length {} but column '{}' has length {}; they must be equal",
            req.name, s.name(), s.len(), inputs[0].name(), n
        );
    }
    let cols = float_columns(inputs)?;
    let arrays: Vec<_> = cols.iter().map(|c| c.downcast_as_array()).collect();
    let values: Vec<&[f64]> = arrays.iter().map(|a| a.values().as_slice()).collect();
    let valid: Option<Vec<Vec<bool>>> = cols.iter().any(|c| c.null_count() > 0).then(|| {
        cols.iter()
            .map(|c| c.iter().map(|v| v.is_some()).collect())
            .collect()
    });
    let valid_refs: Option<Vec<&[bool]>> =
        valid.as_ref().map(|v| v.iter().map(|c| &c[..]).collect());
    let outputs = drivers::across(
        &values,
        valid_refs.as_deref(),
        req.method_for(None)?,
        req.spacing,
        parallel,
    );
    let columns: Vec<Series> = outputs
        .into_iter()
        .zip(out_fields)
        .map(|(out, f)| {
            // Every output row gets a validity, as numpy's short rows are null.
            let out = Output {
                valid: Validity::Rows(out.valid.to_rows(n).unwrap_or_else(|| vec![true; n])),
                ..out
            };
            dispatch::chunked::<Float64Type>(f.name().clone(), out, parallel)
                .into_series()
                .cast(f.dtype())
        })
        .collect::<PolarsResult<_>>()?;
    Ok(StructChunked::from_series(out_field.name().clone(), n, columns.iter())?.into_series())
}

/// Each input as one Float64 chunk (a copy where it was not one already).
fn float_columns(inputs: &[Series]) -> PolarsResult<Vec<Float64Chunked>> {
    inputs
        .iter()
        .map(|s| Ok(s.cast(&DataType::Float64)?.f64()?.rechunk().into_owned()))
        .collect()
}

/// The output field of `as_float`: Float64, for a number column only.
pub fn as_float_field(field: &Field, what: &str) -> PolarsResult<Field> {
    ensure_number(what, field)?;
    Ok(Field::new(field.name().clone(), DataType::Float64))
}

/// A number column as Float64, in buffers of its own.
pub fn as_float(input: &Series, what: &str) -> PolarsResult<Series> {
    as_float_field(&input.field(), what)?;
    let cast = input.cast(&DataType::Float64)?;
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

/// The output field of `richardson`: Float64, or a Struct `{value, error}`.
pub fn richardson_field(fields: &[Field], kwargs: &RichardsonKwargs) -> PolarsResult<Field> {
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

/// `derivative_of`: the Richardson estimate at each row from the samples of `f`.
pub fn richardson(
    inputs: &[Series],
    kwargs: &RichardsonKwargs,
    parallel: bool,
) -> PolarsResult<Series> {
    let rule = Rule::central(kwargs.order);
    let offsets = rule.sampled_offsets();
    let has_centre = offsets.contains(&0);
    let n_others = offsets.len() - has_centre as usize;
    let want = 2 + has_centre as usize + richardson::NUM_STEPS * n_others;
    polars_ensure!(
        inputs.len() == want,
        ComputeError: "derivative_of: expected {} inputs, got {}", want, inputs.len()
    );
    // A literal step, or an f that ignores its argument, arrives as one value.
    let n = inputs.iter().map(|s| s.len()).max().unwrap_or(0);
    let broadcast: Vec<Series> = inputs
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
            Ok(s)
        })
        .collect::<PolarsResult<_>>()?;
    let cols = float_columns(&broadcast)?;
    let h0: Vec<Option<f64>> = cols[1].iter().collect();
    // The point and the samples with nulls as NaN, as the core reads them (the
    // columns' own buffers where they hold no null).
    let values: Vec<Cow<[f64]>> = cols
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, c)| match c.cont_slice() {
            Ok(slice) => Cow::Borrowed(slice),
            Err(_) => Cow::Owned(c.iter().map(|v| v.unwrap_or(f64::NAN)).collect()),
        })
        .collect();
    let samples = Samples {
        x: &values[0],
        h0: &h0,
        centre: has_centre.then(|| &values[1][..]),
        stepped: values[1 + has_centre as usize..]
            .iter()
            .map(|s| &s[..])
            .collect(),
    };
    let estimates = richardson::derivatives(&rule, &samples, parallel);
    let valid: Vec<bool> = estimates.iter().map(Option::is_some).collect();
    let validity = valid.contains(&false).then_some(valid);
    let (values, errors): (Vec<f64>, Vec<f64>) = estimates
        .iter()
        .map(|e| e.unwrap_or((f64::NAN, f64::NAN)))
        .unzip();
    let name = inputs[0].name().clone();
    let column = |name: &str, values| {
        let out = Output {
            values,
            valid: validity.clone().into(),
        };
        dispatch::chunked::<Float64Type>(name.into(), out, parallel).into_series()
    };
    let value = column("value", values);
    if !kwargs.error {
        return Ok(value.with_name(name));
    }
    let fields = [value, column("error", errors)];
    Ok(StructChunked::from_series(name, n, fields.iter())?.into_series())
}
