//! Scattered groups: laid out one after another (row order, one stream per group), run as contiguous runs, put back.

use rayon::prelude::*;

use super::*;

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
pub(super) fn in_layout<T: Float, X: Coord>(
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
pub(super) fn places<G: AsRef<[Idx]>>(groups: &[G], n: usize) -> (Vec<Idx>, Vec<Idx>) {
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
pub(super) fn places_of_labels(labels: &[Idx], groups: usize) -> (Vec<Idx>, Vec<Idx>) {
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
pub(super) fn row_chunk(n: usize, parallel: bool) -> usize {
    if parallel {
        n.div_ceil(4 * rayon::current_num_threads()).max(1 << 14)
    } else {
        n.max(1)
    }
}

/// `src` laid out group after group: row `i` goes to `place[i]`, rows in no
/// group are left out. `place` holds each of `0..len` once (from `places`).
pub(super) fn laid_out<V: Copy + Send + Sync>(
    src: &[V],
    place: &[Idx],
    len: usize,
    parallel: bool,
) -> Vec<V> {
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
pub(super) fn back<V: Copy + Send + Sync>(
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
