//! The numeric core: plain Rust over slices (no Polars or PyO3 types), in layers, each using only those above it here.
//!
//! 1. `types`: the element types, output slots, units and spacing;
//! 2. `numpy` (numpy.gradient's formulas), `fd` (Fornberg's weights, any order and accuracy),
//!    `savgol` (least-squares polynomial windows), `integrate` (the trapezoid rule) and
//!    `counters` (PromQL's rate family over trailing windows);
//! 3. `series`: one series by a `Method`, under a null policy;
//! 4. `drivers`: a series over a whole column, runs of rows or gathered groups, in parallel;
//!    `reductions`: one value per row of a List column (`window=None`, `trapezoid`);
//!    `richardson`: the derivative of a function from its values at stepped points.

pub mod types;

pub mod counters;
pub mod fd;
pub mod integrate;
pub mod numpy;
pub mod savgol;

pub mod series;

pub mod drivers;
pub mod keys;
pub mod reductions;
pub mod richardson;

#[cfg(test)]
mod proptests;
