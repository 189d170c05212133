//! Drivers: a method over one whole column, over contiguous runs of rows, or over groups of scattered rows, in parallel.
//!
//! Plain Rust and rayon: no Polars types, so they are tested with `cargo test`.

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
    /// Whether row `i` is valid.
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

/// Rows per block of runs in `runs`: small enough that a block's inputs and
/// output stay in cache between the column pass and the fix-up of its ends.
const BLOCK_ROWS: usize = 1 << 13;

/// Each `[start, len]` run of consecutive rows is its own series. The runs
/// must cover the rows exactly once (checked); runs in row order go to
/// `consecutive`.
pub fn runs<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    runs: &[[Idx; 2]],
    parallel: bool,
) -> Output<T> {
    let n = c.y.len();
    if assert_exact_cover(runs, n) {
        let bounds: Vec<Idx> = runs.iter().map(|r| r[0]).chain([n as Idx]).collect();
        return consecutive(c, &bounds, parallel);
    }
    if !fixes_ends(c) {
        return each_run(c, runs, parallel);
    }
    let min = c.method.min_points();
    let mut short: Vec<[Idx; 2]> = runs
        .iter()
        .filter(|r| (r[1] as usize) < min)
        .copied()
        .collect();
    short.sort_unstable();
    let any_short = !short.is_empty();
    let mut valid = validity_for(c, short);
    let values = filled(n, |out| {
        column_pass(c, 0, out, parallel);
        each_run_slice(runs, parallel, 64, out, valid.rows_mut(), |rows, o, ov| {
            fix_ends(
                c,
                &[rows.start as Idx, rows.end as Idx],
                rows.start,
                o,
                ov,
                any_short,
            )
        });
    });
    Output { values, valid }
}

/// Each run of rows from one of `bounds` to the next is its own series:
/// `bounds` starts at 0, ends at the row count and never decreases (checked).
///
/// One pass of the ungrouped kernel over the whole column gives every row whose
/// stencil lies inside its run (the same rows, the same arithmetic); then only
/// the `edge_rows` at each end of each run are recomputed within their run.
/// The runs go in blocks of whole runs (`BLOCK_ROWS`), each block's pass and
/// fix-ups one after the other while its rows are in cache. With
/// `ignore_nulls` and nulls, where the points move, each run is a series of its own.
pub fn consecutive<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    bounds: &[Idx],
    parallel: bool,
) -> Output<T> {
    consecutive_in_blocks(c, bounds, parallel, BLOCK_ROWS)
}

/// `consecutive` with blocks of at least `block_rows` rows (tests try small ones).
pub(crate) fn consecutive_in_blocks<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    bounds: &[Idx],
    parallel: bool,
    block_rows: usize,
) -> Output<T> {
    let n = c.y.len();
    let shortest = assert_bounds(bounds, n);
    if !fixes_ends(c) {
        let runs: Vec<[Idx; 2]> = bounds.windows(2).map(|w| [w[0], w[1] - w[0]]).collect();
        return each_run(c, &runs, parallel);
    }
    let min = c.method.min_points();
    let any_short = shortest < min;
    let short = if any_short {
        short_runs(bounds, min)
    } else {
        Vec::new()
    };
    let mut valid = validity_for(c, short);
    let values = filled(n, |out| {
        let blocks = blocks(bounds, block_rows);
        each_run_slice(
            &blocks,
            parallel,
            1,
            out,
            valid.rows_mut(),
            |rows, o, ov| {
                column_pass(c, rows.start, o, parallel);
                let first = bounds.partition_point(|&b| (b as usize) < rows.start);
                let last = bounds.partition_point(|&b| (b as usize) < rows.end);
                fix_ends(c, &bounds[first..=last], rows.start, o, ov, any_short);
            },
        );
    });
    Output { values, valid }
}

/// Whether runs are computed as one column pass with their ends fixed up:
/// a stencil method, where the points stay in place, on enough rows.
fn fixes_ends<T: Float, X: Coord>(c: Columns<'_, T, X>) -> bool {
    c.method.is_stencil()
        && !(c.ignore_nulls && c.valid.is_some())
        && c.y.len() >= c.method.min_points()
}

/// The output validity of runs with their ends fixed up, before the pass:
/// the stencils' when the input has nulls (`fix_ends` then sets the runs'
/// ends), else every row but the `short` runs (in row order).
fn validity_for<T: Float, X: Coord>(c: Columns<'_, T, X>, short: Vec<[Idx; 2]>) -> Validity {
    match c.valid {
        Some(v) => {
            let mut o = vec![false; v.len()];
            series::stencil_validity(v, c.method, c.x.is_none(), &mut o);
            Validity::Rows(o)
        }
        None if short.is_empty() => Validity::All,
        None => Validity::AllBut(short),
    }
}

/// The ends of each run between consecutive `bounds`, given the output buffers
/// from row `offset` on, after the column pass: the `edge_rows` at each end
/// recomputed within the run (and their validity, when given per row), and a
/// run shorter than `min_points()` all NaN (and null) when `any_short`.
fn fix_ends<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    bounds: &[Idx],
    offset: usize,
    o: &mut [MaybeUninit<T>],
    mut ov: Option<&mut [bool]>,
    any_short: bool,
) {
    let min = c.method.min_points();
    let uniform = c.x.is_none();
    let runs = bounds.windows(2).map(|w| w[0] as usize..w[1] as usize);
    let long = runs.clone().filter(|r| r.len() >= min);
    c.method
        .ends(c.y, spacing(c.x, c.h, c.unit), long, offset, o);
    if ov.is_none() && !any_short {
        return;
    }
    let edge = c.method.edge_rows(uniform);
    for rows in runs {
        let local = rows.start - offset..rows.end - offset;
        let len = rows.len();
        if len < min {
            o[local.clone()]
                .iter_mut()
                .for_each(|o| o.set(T::from_f64(f64::NAN)));
            if let Some(ov) = ov.as_deref_mut() {
                ov[local].fill(false);
            }
        } else if let (Some(v), Some(ov)) = (c.valid.map(|v| &v[rows]), ov.as_deref_mut()) {
            // The rows at the two ends whose stencil is not the interior one.
            let head = edge.min(len);
            for i in (0..head).chain((len - head).max(head)..len) {
                ov[local.start + i] = c.method.stencil_valid(v, i, uniform);
            }
        }
    }
}

/// The `[start, len]` runs between `bounds` shorter than `min` rows, in row
/// order: 64 runs at a time, the shortest found first (a loop without branches),
/// and the runs read one by one only where some are short (they are rare).
fn short_runs(bounds: &[Idx], min: usize) -> Vec<[Idx; 2]> {
    let (starts, ends) = (&bounds[..bounds.len() - 1], &bounds[1..]);
    let mut short = Vec::new();
    for (s, e) in starts.chunks(64).zip(ends.chunks(64)) {
        let lens = s.iter().zip(e).map(|(&s, &e)| e - s);
        if lens.clone().min().is_some_and(|l| (l as usize) < min) {
            let runs = s.iter().zip(lens).filter(|&(_, l)| (l as usize) < min);
            short.extend(runs.map(|(&s, l)| [s, l]));
        }
    }
    short
}

/// Consecutive runs (between `bounds`) gathered into `[start, len]` blocks of
/// whole runs, each at least `rows` long (but the last).
fn blocks(bounds: &[Idx], rows: usize) -> Vec<[Idx; 2]> {
    let mut blocks = Vec::new();
    let last = bounds.len() - 1;
    let mut k = 0;
    while k < last {
        let start = bounds[k];
        let target = start as usize + rows;
        // The first run to start at or after `target` begins the next block.
        let next =
            (k + 1 + bounds[k + 1..last].partition_point(|&b| (b as usize) < target)).min(last);
        blocks.push([start, bounds[next] - start]);
        k = next;
    }
    blocks
}

/// The first row of each run of equal consecutive `keys`, and whether the runs
/// are known to hold distinct keys (the key rises, or falls, from every run to
/// the next); `None` when some piece of the column has runs shorter than two
/// rows on average (interleaved keys: not worth going on). In pieces across
/// threads when `parallel` and long.
pub fn run_starts<K: Ord + Copy + Sync>(keys: &[K], parallel: bool) -> Option<(Vec<Idx>, bool)> {
    let n = keys.len();
    let piece = |rows: std::ops::Range<usize>| scan_piece(keys, rows);
    let pieces: Vec<Option<_>> = if parallel && n >= PARALLEL_MIN_ROWS {
        let size = n.div_ceil(rayon::current_num_threads().max(1) * 4);
        (0..n.div_ceil(size))
            .into_par_iter()
            .map(|k| piece(k * size..((k + 1) * size).min(n)))
            .collect()
    } else {
        vec![piece(0..n)]
    };
    // One more for the row count that callers append as the last bound.
    let mut starts =
        Vec::with_capacity(pieces.iter().flatten().map(|p| p.0.len()).sum::<usize>() + 1);
    let (mut rising, mut falling) = (true, true);
    for p in pieces {
        let (s, r, f) = p?;
        starts.extend_from_slice(&s);
        rising &= r;
        falling &= f;
    }
    Some((starts, rising || falling))
}

/// A piece's run starts and whether the key rose, fell (`run_starts`): with
/// AVX2 where the CPU has it (four keys compared at once; the wheel itself
/// targets baseline x86-64), else the same code for the baseline.
fn scan_piece<K: Ord + Copy>(keys: &[K], rows: std::ops::Range<usize>) -> Option<Piece> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { scan_piece_avx2(keys, rows) };
    }
    scan_piece_any(keys, rows)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn scan_piece_avx2<K: Ord + Copy>(
    keys: &[K],
    rows: std::ops::Range<usize>,
) -> Option<Piece> {
    scan_piece_any(keys, rows)
}

/// A piece's run starts (a row whose key differs from the row before; the
/// first row of the column always), and whether the key rose, fell.
type Piece = (Vec<Idx>, bool, bool);

#[inline(always)]
fn scan_piece_any<K: Ord + Copy>(keys: &[K], rows: std::ops::Range<usize>) -> Option<Piece> {
    let (mut rising, mut falling) = (true, true);
    let mut starts = Vec::new();
    if rows.start == 0 && !rows.is_empty() {
        starts.push(0);
    }
    let cap = rows.len() / 2 + 1;
    // 64 rows at a time: one bit per row, set where its key differs from the
    // one before (a loop without branches that the compiler vectorises into
    // compares and a mask), then the set bits read off.
    let mut at = rows.start.max(1);
    while at < rows.end {
        let m = (rows.end - at).min(64);
        let (prev, next) = (&keys[at - 1..at - 1 + m], &keys[at..at + m]);
        let (bits, rises) = match (<&[K; 64]>::try_from(prev), <&[K; 64]>::try_from(next)) {
            (Ok(prev), Ok(next)) => changes(prev, next),
            _ => (0..m).fold((0u64, 0u64), |(c, r), k| {
                let (a, b) = (prev[k], next[k]);
                (c | ((a != b) as u64) << k, r | ((a < b) as u64) << k)
            }),
        };
        // Where the key changes it rises or falls (keys are totally ordered).
        rising &= (bits & !rises) == 0;
        falling &= rises == 0;
        push_set_bits(&mut starts, at, bits);
        if starts.len() > cap {
            return None;
        }
        at += m;
    }
    Some((starts, rising, falling))
}

/// Appends `at + k` for every bit k set in `bits`, in order: eight at a time
/// without a branch per bit (a row count that varies from word to word would
/// be mispredicted).
#[inline(always)]
fn push_set_bits(out: &mut Vec<Idx>, at: usize, mut bits: u64) {
    let count = bits.count_ones() as usize;
    out.reserve(count + 8);
    let len = out.len();
    let spare = out.spare_capacity_mut();
    let mut k = 0;
    while k < count {
        for slot in &mut spare[k..k + 8] {
            // Past the last set bit this writes `at + 64`, beyond the new length.
            slot.write((at + bits.trailing_zeros() as usize) as Idx);
            bits &= bits.wrapping_sub(1);
        }
        k += 8;
    }
    // SAFETY: the first `count` spare slots were written just above.
    unsafe { out.set_len(len + count) };
}

/// Bit k set where `prev[k] != next[k]`, and where `prev[k] < next[k]`.
#[inline(always)]
fn changes<K: Ord + Copy>(prev: &[K; 64], next: &[K; 64]) -> (u64, u64) {
    let (mut changed, mut rises) = (0u64, 0u64);
    for k in 0..64 {
        changed |= ((prev[k] != next[k]) as u64) << k;
        rises |= ((prev[k] < next[k]) as u64) << k;
    }
    (changed, rises)
}

/// Each run as a series of its own (`series::series` per run).
fn each_run<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    runs: &[[Idx; 2]],
    parallel: bool,
) -> Output<T> {
    let n = c.y.len();
    let min = c.method.min_points();
    let needs_validity =
        c.valid.is_some() || !c.method.is_stencil() || runs.iter().any(|r| (r[1] as usize) < min);
    let mut valid = needs_validity.then(|| vec![false; n]);
    let values = filled(n, |out| {
        each_run_slice(
            runs,
            parallel,
            64,
            out,
            valid.as_deref_mut(),
            |rows, o, ov| {
                series::series(
                    &c.y[rows.clone()],
                    spacing(c.x.map(|x| &x[rows.clone()]), c.h, c.unit),
                    c.valid.map(|v| &v[rows.clone()]),
                    c.method,
                    c.ignore_nulls,
                    o,
                    ov,
                );
            },
        );
    });
    Output {
        values,
        valid: valid.into(),
    }
}

/// Marks a row that is in no group.
pub const NO_GROUP: Idx = Idx::MAX;

/// Each group (its rows' indices) is its own series, its rows in the order
/// listed. Groups must not share rows; rows in no group are null.
pub fn gathered<T, X, G>(c: Columns<'_, T, X>, groups: &[G], parallel: bool) -> Output<T>
where
    T: Float,
    X: Coord,
    G: AsRef<[Idx]> + Sync,
{
    let (place, bounds) = places(groups, c.y.len());
    in_layout(c, &place, &bounds, parallel)
}

/// Each group is its own series, its rows in row order; `labels` holds each
/// row's group (`0..groups`, or `NO_GROUP` for a row in none, which is null).
pub fn labelled<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    labels: &[Idx],
    groups: usize,
    parallel: bool,
) -> Output<T> {
    assert_eq!(labels.len(), c.y.len(), "one label per row");
    let (place, bounds) = places_of_labels(labels, groups);
    in_layout(c, &place, &bounds, parallel)
}

/// The groups laid out one after another (row `i` at `place[i]`; the groups
/// between `bounds`), run through `consecutive`, and the results put back in
/// row order. Both moves walk the rows in order, with one stream per group to
/// write (or read): far fewer cache misses than gathering each group's rows
/// from across the column.
fn in_layout<T: Float, X: Coord>(
    c: Columns<'_, T, X>,
    place: &[Idx],
    bounds: &[Idx],
    parallel: bool,
) -> Output<T> {
    let n = c.y.len();
    let covered = *bounds.last().unwrap_or(&0) as usize;
    let parallel = parallel && n >= PARALLEL_MIN_ROWS;
    let out = {
        let y = laid_out(c.y, place, covered, parallel);
        let x = c.x.map(|x| laid_out(x, place, covered, parallel));
        let valid = c.valid.map(|v| laid_out(v, place, covered, parallel));
        let laid = Columns {
            y: &y,
            x: x.as_deref(),
            valid: valid.as_deref(),
            ..c
        };
        consecutive(laid, bounds, parallel)
    };
    let nan = T::from_f64(f64::NAN);
    let values = back(place, parallel, |p| {
        out.values.get(p).copied().unwrap_or(nan)
    });
    let valid = match out.valid.to_rows(covered) {
        None if covered == n => Validity::All,
        None => Validity::Rows(back(place, parallel, |p| p < covered)),
        Some(flags) => Validity::Rows(back(place, parallel, |p| flags.get(p) == Some(&true))),
    };
    Output { values, valid }
}

/// Each row's place when the groups are laid out one after another
/// (`NO_GROUP` for a row in none), and the bounds of the groups in that layout.
fn places<G: AsRef<[Idx]>>(groups: &[G], n: usize) -> (Vec<Idx>, Vec<Idx>) {
    let mut place = vec![NO_GROUP; n];
    let mut bounds = Vec::with_capacity(groups.len() + 1);
    bounds.push(0);
    let mut at: Idx = 0;
    for g in groups {
        for &i in g.as_ref() {
            let slot = &mut place[i as usize];
            assert!(*slot == NO_GROUP, "groups must not share rows");
            *slot = at;
            at += 1;
        }
        bounds.push(at);
    }
    (place, bounds)
}

/// `places` from each row's group label: each group's rows in row order (a
/// count, then one pass in row order).
fn places_of_labels(labels: &[Idx], groups: usize) -> (Vec<Idx>, Vec<Idx>) {
    let mut bounds = vec![0 as Idx; groups + 1];
    for &g in labels {
        if g != NO_GROUP {
            bounds[g as usize + 1] += 1;
        }
    }
    for k in 1..bounds.len() {
        bounds[k] += bounds[k - 1];
    }
    let mut next = bounds[..groups].to_vec();
    let place = labels
        .iter()
        .map(|&g| {
            if g == NO_GROUP {
                return NO_GROUP;
            }
            let at = &mut next[g as usize];
            *at += 1;
            *at - 1
        })
        .collect();
    (place, bounds)
}

/// Row ranges for the passes over every row: one per thread's share, or one.
fn row_chunk(n: usize, parallel: bool) -> usize {
    if parallel {
        n.div_ceil(4 * rayon::current_num_threads()).max(1 << 14)
    } else {
        n.max(1)
    }
}

/// `src` laid out group after group: row `i` goes to `place[i]`, rows in no
/// group are left out. `place` holds each of `0..len` once (from `places`).
fn laid_out<V: Copy + Send + Sync>(src: &[V], place: &[Idx], len: usize, parallel: bool) -> Vec<V> {
    let Some(&first) = src.first() else {
        return Vec::new();
    };
    let mut dst = vec![first; len];
    let shared = SharedMut::new(&mut dst);
    let chunk = row_chunk(place.len(), parallel);
    let put = |(k, places): (usize, &[Idx])| {
        let src = &src[k * chunk..];
        for (j, &p) in places.iter().enumerate() {
            if p != NO_GROUP {
                // SAFETY: no two rows have the same place, so each slot is
                // written by one thread only (and `write` checks the bound).
                unsafe { shared.write(p as usize, src[j]) };
            }
        }
    };
    if parallel {
        place.par_chunks(chunk).enumerate().for_each(put);
    } else {
        place.chunks(chunk).enumerate().for_each(put);
    }
    dst
}

/// One value per row, from its place in the group layout (`usize::MAX` for a
/// row in no group): the way back to row order.
fn back<V: Copy + Send + Sync>(
    place: &[Idx],
    parallel: bool,
    value: impl Fn(usize) -> V + Sync,
) -> Vec<V> {
    let at = |&p: &Idx| {
        value(if p == NO_GROUP {
            usize::MAX
        } else {
            p as usize
        })
    };
    if parallel {
        place.par_iter().with_min_len(1 << 14).map(at).collect()
    } else {
        place.iter().map(at).collect()
    }
}

/// Each row across `columns` (row `i` is `columns[0][i], columns[1][i], ...`)
/// as a series of its own, spaced `h` apart: numpy's `axis=1` of a frame. The
/// rows are laid out one after another and run through `consecutive`, in parallel like
/// groups. `valid` is each column's validity (`None`: no nulls anywhere).
pub fn across<T: Float>(
    columns: &[&[T]],
    valid: Option<&[&[bool]]>,
    method: Method,
    h: f64,
    parallel: bool,
) -> Vec<Output<T>> {
    let k = columns.len();
    let n = columns.first().map_or(0, |c| c.len());
    let mut y = Vec::with_capacity(n * k);
    for i in 0..n {
        y.extend(columns.iter().map(|c| c[i]));
    }
    let v: Option<Vec<bool>> = valid.map(|cols| {
        let mut v = Vec::with_capacity(n * k);
        for i in 0..n {
            v.extend(cols.iter().map(|c| c[i]));
        }
        v
    });
    let bounds: Vec<Idx> = (0..=n).map(|i| (i * k) as Idx).collect();
    let c = Columns::<T, f64> {
        y: &y,
        x: None,
        h,
        valid: v.as_deref(),
        method,
        unit: Unit::ONE,
        ignore_nulls: false,
    };
    let out = consecutive(c, &bounds, parallel);
    let flags = out.valid.to_rows(n * k);
    (0..k)
        .map(|j| Output {
            values: (0..n).map(|i| out.values[i * k + j]).collect(),
            valid: flags
                .as_ref()
                .map(|m| (0..n).map(|i| m[i * k + j]).collect::<Vec<_>>())
                .into(),
        })
        .collect()
}

/// `f(rows, out, valid)` for each `[start, len]` run, given that run's rows of
/// the output buffers, on rayon's threads (at least `min_len` runs per task)
/// when `parallel`. The runs must be disjoint and within the buffers (the
/// callers check it: `assert_exact_cover`).
fn each_run_slice<S: Send, F>(
    runs: &[[Idx; 2]],
    parallel: bool,
    min_len: usize,
    out: &mut [S],
    valid: Option<&mut [bool]>,
    f: F,
) where
    F: Fn(std::ops::Range<usize>, &mut [S], Option<&mut [bool]>) + Sync + Send,
{
    let out = SharedMut::new(out);
    let valid = valid.map(SharedMut::new);
    each(
        runs,
        parallel,
        min_len,
        || (),
        |_, &[start, len]| {
            let rows = start as usize..start as usize + len as usize;
            // SAFETY: the runs are disjoint and within bounds, so no two
            // threads touch the same rows.
            let o = unsafe { out.slice(rows.clone()) };
            let ov = valid.as_ref().map(|v| unsafe { v.slice(rows.clone()) });
            f(rows, o, ov);
        },
    );
}

/// `f(state, item)` for every item, on rayon's threads when `parallel`, with
/// one `init()` state per thread.
fn each<G, S, I, F>(items: &[G], parallel: bool, min_len: usize, init: I, f: F)
where
    G: Sync,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, &G) + Sync + Send,
{
    if parallel {
        items
            .par_iter()
            .with_min_len(min_len)
            .for_each_init(init, f);
    } else {
        let mut state = init();
        items.iter().for_each(|g| f(&mut state, g));
    }
}

/// Panics unless the runs cover `0..n` exactly once; whether they are in row order.
fn assert_exact_cover(runs: &[[Idx; 2]], n: usize) -> bool {
    // Where the runs end when each starts where the one before ends; else None.
    let end = |spans: &[[Idx; 2]]| {
        let mut end = 0usize;
        for &[start, len] in spans {
            if start as usize != end {
                return None;
            }
            end = start as usize + len as usize;
        }
        Some(end)
    };
    let in_order = end(runs);
    let covered = in_order.or_else(|| {
        let mut sorted = runs.to_vec();
        sorted.sort_unstable();
        end(&sorted)
    });
    assert!(covered == Some(n), "runs must cover the rows exactly once");
    in_order.is_some()
}

/// Panics unless `bounds` starts at 0, ends at `n` and never decreases; the
/// shortest run between them (`usize::MAX` for none).
fn assert_bounds(bounds: &[Idx], n: usize) -> usize {
    let ends_right = bounds.first() == Some(&0) && bounds.last() == Some(&(n as Idx));
    // As i64, a decrease is negative (one branch-free pass over the bounds).
    let shortest = bounds
        .windows(2)
        .map(|w| w[1] as i64 - w[0] as i64)
        .min()
        .unwrap_or(i64::MAX);
    assert!(
        ends_right && shortest >= 0,
        "runs must cover the rows exactly once"
    );
    shortest.try_into().unwrap_or(usize::MAX)
}

/// A mutable buffer shared between threads that write disjoint parts of it.
struct SharedMut<T> {
    ptr: *mut T,
    len: usize,
}

// SAFETY: only used for writes to disjoint rows from different threads.
unsafe impl<T: Send> Send for SharedMut<T> {}
unsafe impl<T: Send> Sync for SharedMut<T> {}

impl<T> SharedMut<T> {
    fn new(buf: &mut [T]) -> Self {
        SharedMut {
            ptr: buf.as_mut_ptr(),
            len: buf.len(),
        }
    }

    /// # Safety
    /// No other thread may access `rows` while the slice lives.
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self, rows: std::ops::Range<usize>) -> &mut [T] {
        assert!(rows.start <= rows.end && rows.end <= self.len);
        std::slice::from_raw_parts_mut(self.ptr.add(rows.start), rows.len())
    }

    /// # Safety
    /// No other thread may access row `i` at the same time.
    unsafe fn write(&self, i: usize, v: T) {
        assert!(i < self.len);
        self.ptr.add(i).write(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols<'a>(
        y: &'a [f64],
        x: Option<&'a [f64]>,
        valid: Option<&'a [bool]>,
    ) -> Columns<'a, f64, f64> {
        Columns {
            y,
            x,
            h: 1.0,
            valid,
            method: Method::Gradient { edge_order: 1 },
            unit: Unit::ONE,
            ignore_nulls: false,
        }
    }

    fn reference(y: &[f64], x: Option<&[f64]>, rows: &[usize]) -> Vec<Option<f64>> {
        let ys: Vec<f64> = rows.iter().map(|&i| y[i]).collect();
        if ys.len() < 2 {
            return vec![None; ys.len()];
        }
        let mut out = vec![0.0; ys.len()];
        match x {
            Some(x) => {
                let xs: Vec<f64> = rows.iter().map(|&i| x[i]).collect();
                crate::core::numpy::gradient(&ys, Spacing::Coords(&xs, Unit::ONE), 1, &mut out)
            }
            None => crate::core::numpy::gradient::<f64, f64, f64>(
                &ys,
                Spacing::Uniform(1.0),
                1,
                &mut out,
            ),
        }
        out.into_iter().map(Some).collect()
    }

    fn as_options(o: &Output<f64>) -> Vec<Option<f64>> {
        o.values
            .iter()
            .enumerate()
            .map(|(i, &v)| o.valid.get(i).then_some(v))
            .collect()
    }

    #[test]
    fn runs_and_gathered_groups_agree_with_each_group_alone() {
        let n = 1000;
        let y: Vec<f64> = (0..n).map(|i| ((i * 7919) % 101) as f64).collect();
        let x: Vec<f64> = (0..n)
            .map(|i| i as f64 + ((i * 31) % 7) as f64 / 10.0)
            .collect();
        // Runs of lengths 0, 1, 2, 3, ... covering the rows in order.
        let mut runs_v = Vec::new();
        let mut start = 0;
        let mut len = 0;
        while start < n {
            let l = len.min(n - start);
            runs_v.push([start as Idx, l as Idx]);
            start += l;
            len += 1;
        }
        for xo in [None, Some(&x[..])] {
            let got = as_options(&runs(cols(&y, xo, None), &runs_v, true));
            for &[s, l] in &runs_v {
                let rows: Vec<usize> = (s as usize..(s + l) as usize).collect();
                let want = reference(&y, xo, &rows);
                let have: Vec<Option<f64>> = rows.iter().map(|&i| got[i]).collect();
                assert_eq!(have, want);
            }
        }
        // Interleaved groups: row i belongs to group i % k.
        for k in [1, 2, 3, 7, 500, 1000] {
            let groups: Vec<Vec<Idx>> = (0..k)
                .map(|g| (g..n).step_by(k).map(|i| i as Idx).collect())
                .collect();
            for xo in [None, Some(&x[..])] {
                let got = as_options(&gathered(cols(&y, xo, None), &groups, k % 2 == 0));
                for g in &groups {
                    let rows: Vec<usize> = g.iter().map(|&i| i as usize).collect();
                    let want = reference(&y, xo, &rows);
                    let have: Vec<Option<f64>> = rows.iter().map(|&i| got[i]).collect();
                    assert_eq!(have, want);
                }
            }
        }
    }

    #[test]
    fn group_drivers_in_parallel_equal_serial() {
        // Long enough for the parallel passes; interleaved groups of every size,
        // some rows in no group, some nulls.
        let n = PARALLEL_MIN_ROWS * 2 + 101;
        let y: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 / 7.0).collect();
        let x: Vec<f64> = (0..n)
            .map(|i| i as f64 + ((i * 31) % 7) as f64 / 10.0)
            .collect();
        let valid: Vec<bool> = (0..n).map(|i| i % 97 != 5).collect();
        let labels: Vec<Idx> = (0..n)
            .map(|i| match (i * 2_654_435_761) % 3001 {
                3000 => NO_GROUP,
                g => g as Idx,
            })
            .collect();
        let mut groups: Vec<Vec<Idx>> = vec![Vec::new(); 3000];
        for (i, &g) in labels.iter().enumerate() {
            if g != NO_GROUP {
                groups[g as usize].push(i as Idx);
            }
        }
        for (xo, vo) in [(None, None), (Some(&x[..]), Some(&valid[..]))] {
            let serial = as_options(&gathered(cols(&y, xo, vo), &groups, false));
            for parallel in [false, true] {
                let by_labels = labelled(cols(&y, xo, vo), &labels, 3000, parallel);
                assert_eq!(serial, as_options(&by_labels));
                assert_eq!(
                    serial,
                    as_options(&gathered(cols(&y, xo, vo), &groups, parallel))
                );
            }
            assert!(labels
                .iter()
                .zip(&serial)
                .all(|(&g, v)| g != NO_GROUP || v.is_none()));
        }
    }

    #[test]
    fn run_starts_in_pieces_equal_one_scan() {
        let n = PARALLEL_MIN_ROWS * 3 + 17;
        // Runs of 1..9 rows; the key rises, or falls, or jumps about.
        let lens = (0..n).map(|i| 1 + (i * 7919) % 9);
        let mut rising = Vec::with_capacity(n);
        for (k, len) in lens.enumerate() {
            rising.extend(std::iter::repeat_n(k as i64, len));
            if rising.len() >= n {
                break;
            }
        }
        rising.truncate(n);
        let falling: Vec<i64> = rising.iter().map(|k| -k).collect();
        let jumping: Vec<i64> = rising.iter().map(|k| (k * 37) % 1000).collect();
        for (keys, distinct) in [(&rising, true), (&falling, true), (&jumping, false)] {
            let want: Vec<Idx> = (0..n)
                .filter(|&i| i == 0 || keys[i] != keys[i - 1])
                .map(|i| i as Idx)
                .collect();
            for parallel in [false, true] {
                assert_eq!(run_starts(keys, parallel), Some((want.clone(), distinct)));
            }
        }
        // Interleaved keys are not scanned to the end.
        let interleaved: Vec<i64> = (0..n as i64).map(|i| i % 3).collect();
        assert_eq!(run_starts(&interleaved, true), None);
        assert_eq!(run_starts::<i64>(&[], true), Some((vec![], true)));
    }

    #[test]
    fn scan_pieces_with_and_without_avx2_agree_for_every_key_width() {
        // Every length from 0 to 200 (whole and partial 64-row words), keys
        // of several widths, pieces starting anywhere.
        let base: Vec<i64> = (0..200i64).map(|i| (i / 3) * 7 % 11).collect();
        fn check<K: Ord + Copy + std::fmt::Debug>(keys: &[K]) {
            for start in [0, 1, 5, 63, 64, 65] {
                for end in start..=keys.len() {
                    let rows = start..end;
                    let want: Vec<Idx> = rows
                        .clone()
                        .filter(|&i| i == 0 || keys[i] != keys[i - 1])
                        .map(|i| i as Idx)
                        .collect();
                    let got = scan_piece_any(keys, rows.clone());
                    assert_eq!(scan_piece(keys, rows.clone()), got);
                    let changes = || want.iter().map(|&i| i as usize).filter(|&i| i > 0);
                    let rising = changes().all(|i| keys[i - 1] < keys[i]);
                    let falling = changes().all(|i| keys[i - 1] > keys[i]);
                    if let Some((starts, r, f)) = got {
                        assert_eq!(starts, want, "{rows:?}");
                        assert_eq!((r, f), (rising, falling), "{rows:?}");
                    } else {
                        assert!(want.len() > (end - start) / 2 + 1);
                    }
                }
            }
        }
        check(&base);
        let sorted: Vec<i64> = (0..200i64).map(|i| i / 3).collect();
        check(&sorted);
        check(&sorted.iter().rev().copied().collect::<Vec<_>>());
        check(&base.iter().map(|&k| k as i8).collect::<Vec<_>>());
        check(&base.iter().map(|&k| k as u16).collect::<Vec<_>>());
        check(&base.iter().map(|&k| k as u32).collect::<Vec<_>>());
    }

    #[test]
    fn parallel_whole_equals_serial_around_every_split() {
        for n in [
            PARALLEL_MIN_ROWS - 1,
            PARALLEL_MIN_ROWS,
            PARALLEL_MIN_ROWS + 1,
            200_003,
        ] {
            let y: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64).collect();
            let x: Vec<f64> = (0..n).map(|i| i as f64 * 1.5 + (i % 3) as f64).collect();
            let valid: Vec<bool> = (0..n).map(|i| i % 977 != 5).collect();
            let methods = [
                Method::Gradient { edge_order: 1 },
                Method::Gradient { edge_order: 2 },
                Method::Derivative(crate::core::fd::Stencil {
                    order: 2,
                    accuracy: 4,
                }),
            ];
            for method in methods {
                for xo in [None, Some(&x[..])] {
                    for vo in [None, Some(&valid[..])] {
                        let c = Columns {
                            y: &y[..],
                            x: xo,
                            h: 0.5,
                            valid: vo,
                            method,
                            unit: Unit::ONE,
                            ignore_nulls: false,
                        };
                        let a = whole(c, true);
                        let b = whole(c, false);
                        assert_eq!(a.values, b.values);
                        assert_eq!(a.valid, b.valid);
                    }
                }
            }
        }
    }

    #[test]
    fn runs_in_any_order_are_each_a_series() {
        let y: Vec<f64> = (0..10).map(|i| (i * i) as f64).collect();
        let a = runs(cols(&y, None, None), &[[5, 5], [0, 5]], false);
        let b = runs(cols(&y, None, None), &[[0, 5], [5, 5]], false);
        assert_eq!(a.values, b.values);
        assert_eq!(
            as_options(&a),
            reference(&y, None, &[0, 1, 2, 3, 4])
                .into_iter()
                .chain(reference(&y, None, &[5, 6, 7, 8, 9]))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    #[should_panic(expected = "runs must cover the rows exactly once")]
    fn overlapping_runs_are_refused() {
        let y = [1.0; 10];
        runs(cols(&y, None, None), &[[5, 5], [0, 6]], false);
    }

    #[test]
    #[should_panic(expected = "runs must cover the rows exactly once")]
    fn runs_with_a_gap_are_refused() {
        let y = [1.0; 10];
        runs(cols(&y, None, None), &[[0, 4], [5, 5]], false);
    }
}
