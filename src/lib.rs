//! polars-gradient: numpy-exact numerical gradients as a Polars expression plugin (the crate root and the Python module).
use pyo3::prelude::*;
use pyo3_polars::PolarsAllocator;

pub mod core;
mod plugin;

#[global_allocator]
static ALLOC: PolarsAllocator = PolarsAllocator::new();

/// The offsets at which `derivative_of` samples `f` for a derivative of this
/// order (`core::richardson::Rule::sampled_offsets`): Python builds the samples
/// from this list, the plugin reads them in the same order.
#[pyfunction]
fn richardson_offsets(order: usize) -> PyResult<Vec<i64>> {
    if order < 1 {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "order must be at least 1",
        ));
    }
    Ok(core::richardson::Rule::central(order).sampled_offsets())
}

#[pymodule]
fn _internal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(richardson_offsets, m)?)?;
    Ok(())
}
