//! The parallel plumbing: work over items on rayon's threads, and a buffer that threads write in disjoint parts.

use rayon::prelude::*;

use super::*;

/// `f(rows, out, valid)` for each `[start, len]` run, given that run's rows of
/// the output buffers, on rayon's threads (at least `min_len` runs per task)
/// when `parallel`. The runs must be disjoint and within the buffers (the
/// callers check it: `assert_exact_cover`).
pub(super) fn each_run_slice<S: Send, F>(
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
pub(super) fn each<G, S, I, F>(items: &[G], parallel: bool, min_len: usize, init: I, f: F)
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

/// A mutable buffer shared between threads that write disjoint parts of it.
pub(super) struct SharedMut<T> {
    ptr: *mut T,
    len: usize,
}

// SAFETY: only used for writes to disjoint rows from different threads.
unsafe impl<T: Send> Send for SharedMut<T> {}
unsafe impl<T: Send> Sync for SharedMut<T> {}

impl<T> SharedMut<T> {
    pub(super) fn new(buf: &mut [T]) -> Self {
        SharedMut {
            ptr: buf.as_mut_ptr(),
            len: buf.len(),
        }
    }

    /// # Safety
    /// No other thread may access `rows` while the slice lives.
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn slice(&self, rows: std::ops::Range<usize>) -> &mut [T] {
        assert!(rows.start <= rows.end && rows.end <= self.len);
        std::slice::from_raw_parts_mut(self.ptr.add(rows.start), rows.len())
    }

    /// # Safety
    /// No other thread may access row `i` at the same time.
    pub(super) unsafe fn write(&self, i: usize, v: T) {
        assert!(i < self.len);
        self.ptr.add(i).write(v);
    }
}
