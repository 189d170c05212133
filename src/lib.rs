//! polars-gradient: numpy-exact numerical gradients as a Polars expression plugin.
use pyo3::prelude::*;
use pyo3_polars::PolarsAllocator;

pub mod expr;
pub mod fd;
pub mod groups;
pub mod kernels;
#[cfg(test)]
mod proptests;
pub mod richardson;

#[global_allocator]
static ALLOC: PolarsAllocator = PolarsAllocator::new();

#[pymodule]
fn _internal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
