//! Runs of equal keys: where each run starts in a column of keys (the key-run scan, with AVX2 where the CPU has it).

use rayon::prelude::*;

use super::drivers::{Idx, PARALLEL_MIN_ROWS};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
