//! Drivers: a method over one whole column (here), over contiguous runs of rows (`runs`), over groups of scattered rows (`layout`), or across columns (`across`), in parallel (`par`).
//!
//! Plain Rust and rayon: no Polars types, so they are tested with `cargo test`.

mod across;
mod layout;
mod par;
mod runs;
#[cfg(test)]
mod tests;

pub use across::across;
pub use layout::{gathered, labelled, NO_GROUP};
#[cfg(test)]
pub(crate) use runs::consecutive_in_blocks;
pub use runs::{consecutive, runs};

use par::*;

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::series::{self, Method};
use super::types::{Coord, Float, Slot, Spacing, Unit};

/// A row index as Polars gives it (`IdxSize`, 32 bits in the default build).
pub type Idx = u32;

/// Ungrouped series longer than this are split across threads.
pub const PARALLEL_MIN_ROWS: usize = 1 << 16;

/// The inputs every group reads from: whole columns, one value per row.
#[derive(Clone, Copy)]
pub struct Columns<'a, T, X> {
    pub y: &'a [T],
    /// The coordinates, or `None` for uniform spacing `h`.
    pub x: Option<&'a [X]>,
    pub h: f64,
    /// Combined validity of `y` and `x`; `None` when neither has nulls.
    pub valid: Option<&'a [bool]>,
    /// Which derivative, with its stencils.
    pub method: Method,
    /// The size of one coordinate unit in the result's unit.
    pub unit: Unit,
    /// Leave null rows out instead of propagating them (see `series::series`).
    pub ignore_nulls: bool,
}

fn spacing<X>(x: Option<&[X]>, h: f64, unit: Unit) -> Spacing<'_, X> {
    match x {
        Some(x) => Spacing::Coords(x, unit),
        None => Spacing::Uniform(h),
    }
}

/// The output buffers: one value per row and which rows are valid.
pub struct Output<T> {
    pub values: Vec<T>,
    pub valid: Validity,
}

/// Which rows of an output are valid.
#[derive(Clone, Debug, PartialEq)]
pub enum Validity {
    /// Every row.
    All,
    /// One flag per row.
    Rows(Vec<bool>),
    /// Every row but these `[start, len]` runs, in row order (short runs
    /// without nulls in the input: rare, so kept sparse).
    AllBut(Vec<[Idx; 2]>),
}

impl Validity {
    /// Whether row `i` is valid (the tests read it row by row; the plugin turns
    /// the whole into a bitmap).
    #[cfg(test)]
    pub fn get(&self, i: usize) -> bool {
        match self {
            Validity::All => true,
            Validity::Rows(v) => v[i],
            // The runs are in row order: the last one starting at or before `i`.
            Validity::AllBut(runs) => {
                let k = runs.partition_point(|r| r[0] as usize <= i);
                k == 0 || runs[k - 1][0] as usize + runs[k - 1][1] as usize <= i
            }
        }
    }

    /// The flags to write, when there is one per row.
    fn rows_mut(&mut self) -> Option<&mut [bool]> {
        match self {
            Validity::Rows(v) => Some(v),
            _ => None,
        }
    }

    /// One flag per row of `n`, or `None` when every row is valid.
    pub fn to_rows(&self, n: usize) -> Option<Vec<bool>> {
        match self {
            Validity::All => None,
            Validity::Rows(v) => Some(v.clone()),
            Validity::AllBut(runs) => {
                let mut v = vec![true; n];
                for &[s, l] in runs {
                    v[s as usize..(s + l) as usize].fill(false);
                }
                Some(v)
            }
        }
    }
}

impl From<Option<Vec<bool>>> for Validity {
    fn from(valid: Option<Vec<bool>>) -> Self {
        valid.map_or(Validity::All, Validity::Rows)
    }
}

/// A new `Vec` of `n` values, each written by `fill` into the uninitialised
/// buffer: no zeroing pass, and no page faults for memory the allocator reuses.
fn filled<T: Float>(n: usize, fill: impl FnOnce(&mut [MaybeUninit<T>])) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    fill(&mut v.spare_capacity_mut()[..n]);
    // SAFETY: every caller's `fill` writes every slot (`series::series` and
    // `numpy::gradient_range` write every slot they are given, and the
    // callers hand them all `n` rows between them).
    unsafe { v.set_len(n) };
    v
}

/// The whole input as one series; split across threads when `parallel` and long.
pub fn whole<T: Float, X: Coord>(c: Columns<'_, T, X>, parallel: bool) -> Output<T> {
    let n = c.y.len();
    let short = n < c.method.min_points();
    let stencil = c.method.is_stencil();
    let mut valid = (short || c.valid.is_some() || !stencil).then(|| vec![false; n]);
    let sp = spacing(c.x, c.h, c.unit);
    let values = filled(n, |out| {
        // ignore_nulls with nulls moves points around: one piece; so does a
        // method whose rows do not read a fixed window.
        let compress = c.ignore_nulls && c.valid.is_some();
        if short || compress || !stencil {
            let ov = valid.as_deref_mut();
            series::series(c.y, sp, c.valid, c.method, c.ignore_nulls, out, ov);
            return;
        }
        column_pass(c, 0, out, parallel);
        if let (Some(v), Some(o)) = (c.valid, valid.as_deref_mut()) {
            series::stencil_validity(v, c.method, c.x.is_none(), o);
        }
    });
    Output {
        values,
        valid: valid.into(),
    }
}

/// Rows `start..start + out.len()` of the whole column (at least
/// `method.min_points()` rows) as one series' derivative, in pieces across
/// threads when `parallel` and long.
fn column_pass<T: Float, X: Coord, S: Slot<T>>(
    c: Columns<'_, T, X>,
    start: usize,
    out: &mut [S],
    parallel: bool,
) {
    let n = out.len();
    let sp = spacing(c.x, c.h, c.unit);
    if !parallel || n < PARALLEL_MIN_ROWS {
        c.method.range(c.y, sp, start, out);
        return;
    }
    let piece = n.div_ceil(rayon::current_num_threads().max(1) * 4);
    out.par_chunks_mut(piece)
        .enumerate()
        .for_each(|(k, o)| c.method.range(c.y, sp, start + k * piece, o));
}
