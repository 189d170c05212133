//! The Polars adapter: one entry point per output rule, each a parse of its kwargs and one call.
//!
//! Layers below: `functions` (each function's work) and `reduce` (the
//! reductions'), which use `request` (kwargs to a checked request), `inputs`
//! (the split of `[y, x?, key...]`, List/Array rows), `groups` (the groups of
//! the keys), `order` (the rate family's check of `x`), `dtypes` (dtype names
//! and output rules) and `dispatch` (the one dispatch from dtypes into `crate::core`).

use polars::prelude::*;
use pyo3_polars::derive::{polars_expr, CallerContext};
use pyo3_polars::export::polars_core::runtime::THREAD_POOL;

use crate::core::drivers::PARALLEL_MIN_ROWS;

mod dispatch;
mod dtypes;
mod functions;
mod groups;
mod inputs;
mod order;
mod reduce;
mod request;

pub use request::stencil_window;
use request::{AsFloatKwargs, DerivativeKwargs, Request, RichardsonKwargs};

/// `f` on this library's copy of Polars' thread pool when the call may use
/// threads (Polars runs it alone, not one call per group) and its input is long
/// enough to be split: the pool has at most `POLARS_MAX_THREADS` threads, as
/// Polars' own. Else `f` runs alone on the calling thread: in `.over()` and
/// `group_by().agg()` Polars calls once per group, and handing each small call
/// to the pool would cost more than the call itself.
fn pooled<R: Send>(inputs: &[Series], may_thread: bool, f: impl FnOnce(bool) -> R + Send) -> R {
    let long = inputs
        .first()
        .is_some_and(|s| s.estimated_size() >= PARALLEL_MIN_ROWS * std::mem::size_of::<f64>());
    if may_thread && long {
        THREAD_POOL.install(|| f(true))
    } else {
        f(false)
    }
}

fn derivative_output(fields: &[Field], kwargs: DerivativeKwargs) -> PolarsResult<Field> {
    functions::derivative_field(fields, &Request::parse(&kwargs)?)
}

/// `gradient`, `derivative`, `savgol` and `cumulative_trapezoid`: one value per
/// row, by the same output rule; the request names the function called.
#[polars_expr(output_type_func_with_kwargs=derivative_output)]
fn differentiate(
    inputs: &[Series],
    context: CallerContext,
    kwargs: DerivativeKwargs,
) -> PolarsResult<Series> {
    let req = Request::parse(&kwargs)?;
    pooled(inputs, !context.parallel(), |p| {
        functions::differentiate(inputs, &req, p)
    })
}

fn horizontal_output(fields: &[Field], kwargs: DerivativeKwargs) -> PolarsResult<Field> {
    functions::horizontal_field(fields, &Request::parse(&kwargs)?)
}

#[polars_expr(output_type_func_with_kwargs=horizontal_output)]
fn gradient_horizontal(
    inputs: &[Series],
    context: CallerContext,
    kwargs: DerivativeKwargs,
) -> PolarsResult<Series> {
    let req = Request::parse(&kwargs)?;
    pooled(inputs, !context.parallel(), |p| {
        functions::horizontal(inputs, &req, p)
    })
}

fn as_float_output(fields: &[Field], kwargs: AsFloatKwargs) -> PolarsResult<Field> {
    functions::as_float_field(&fields[0], &kwargs.what)
}

/// A number column as Float64, with an error that names the column and its
/// dtype for anything else (Polars' own cast would take a Boolean, or report
/// the whole expression).
#[polars_expr(output_type_func_with_kwargs=as_float_output)]
fn as_float(inputs: &[Series], kwargs: AsFloatKwargs) -> PolarsResult<Series> {
    functions::as_float(&inputs[0], &kwargs.what)
}

fn reduce_output(fields: &[Field], kwargs: DerivativeKwargs) -> PolarsResult<Field> {
    reduce::reduce_field(fields, &Request::parse(&kwargs)?, kwargs.implode)
}

/// `trapezoid` and the rate family with `window=None`: one value per row of
/// the imploded `y` (and `x`), each row a series. Python registers it as
/// elementwise over `y.implode()`: inside `group_by().agg()` Polars implodes
/// every group and calls this once for all of them.
#[polars_expr(output_type_func_with_kwargs=reduce_output)]
fn reduce(inputs: &[Series], kwargs: DerivativeKwargs) -> PolarsResult<Series> {
    reduce::reduce(inputs, &Request::parse(&kwargs)?, kwargs.implode)
}

fn richardson_output(fields: &[Field], kwargs: RichardsonKwargs) -> PolarsResult<Field> {
    functions::richardson_field(fields, &kwargs)
}

#[polars_expr(output_type_func_with_kwargs=richardson_output)]
fn richardson(
    inputs: &[Series],
    context: CallerContext,
    kwargs: RichardsonKwargs,
) -> PolarsResult<Series> {
    pooled(inputs, !context.parallel(), |p| {
        functions::richardson(inputs, &kwargs, p)
    })
}
