//! polars-gradient: numpy-exact numerical gradients as a Polars expression plugin (the crate root and the Python module).
use pyo3::prelude::*;
use pyo3_polars::PolarsAllocator;

mod core;
mod plugin;

#[global_allocator]
static ALLOC: PolarsAllocator = PolarsAllocator::new();

/// How `derivative_of` samples `f` for a derivative of this order
/// (`core::richardson::Rule`): the offsets (`sampled_offsets`), the divisors of
/// the first step (`divisors`) and the default first step per unit of the
/// argument's scale `ln(e + |x|)` (`first_step`). Python builds the samples from these, the
/// plugin reads them in the same order.
#[pyfunction]
fn richardson_plan(order: usize) -> PyResult<(Vec<i64>, Vec<f64>, f64)> {
    if order < 1 {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "order must be at least 1",
        ));
    }
    let rule = core::richardson::Rule::central(order);
    Ok((
        rule.sampled_offsets(),
        rule.divisors().to_vec(),
        rule.first_step(),
    ))
}

/// The most rows one output row of a column function reads around it (its
/// largest window), from the stencils themselves: the halo that Python's
/// scale-out checks carry between batches. `None`: no count of rows bounds it.
#[pyfunction]
#[pyo3(signature = (function, edge_order=None, order=None, accuracy=None, window_count=None))]
fn stencil_window(
    function: &str,
    edge_order: Option<usize>,
    order: Option<usize>,
    accuracy: Option<usize>,
    window_count: Option<usize>,
) -> Option<usize> {
    plugin::stencil_window(function, edge_order, order, accuracy, window_count)
}

#[pymodule]
fn _internal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(richardson_plan, m)?)?;
    m.add_function(wrap_pyfunction!(stencil_window, m)?)?;
    Ok(())
}
