//! Shared types of the core: the float and coordinate element types, output slots, units and spacing.

/// A floating-point element type that the kernels read and write.
pub trait Float: Copy + Send + Sync + 'static {
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
}

impl Float for f64 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
}

impl Float for f32 {
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

/// Where a kernel writes one output value: an initialised `T`, or the
/// `MaybeUninit<T>` of a buffer being filled for the first time (which spares
/// the caller zeroing it, a page fault per 4 KiB of fresh memory).
pub trait Slot<T>: Send {
    fn set(&mut self, v: T);
}

impl<T: Float> Slot<T> for T {
    #[inline(always)]
    fn set(&mut self, v: T) {
        *self = v;
    }
}

impl<T: Float> Slot<T> for std::mem::MaybeUninit<T> {
    #[inline(always)]
    fn set(&mut self, v: T) {
        self.write(v);
    }
}

/// A coordinate type. `delta(a, b)` is `b - a` as `f64`, computed exactly
/// before the single rounding to `f64` for integer coordinates (so nanosecond
/// epochs lose nothing and `[-1, i64::MAX]` cannot overflow).
pub trait Coord: Copy + Send + Sync + 'static {
    fn delta(a: Self, b: Self) -> f64;
}

impl Coord for f64 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        b - a
    }
}

impl Coord for f32 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        b as f64 - a as f64
    }
}

impl Coord for i64 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        // The 128-bit difference (a slow conversion) only when 64 bits overflow.
        match b.checked_sub(a) {
            Some(d) => d as f64,
            None => (b as i128 - a as i128) as f64,
        }
    }
}

impl Coord for u64 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        if b >= a {
            (b - a) as f64
        } else {
            -((a - b) as f64)
        }
    }
}

impl Coord for i128 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        // |b - a| always fits in u128.
        if b >= a {
            b.wrapping_sub(a) as u128 as f64
        } else {
            -(a.wrapping_sub(b) as u128 as f64)
        }
    }
}

impl Coord for u128 {
    #[inline(always)]
    fn delta(a: Self, b: Self) -> f64 {
        if b >= a {
            (b - a) as f64
        } else {
            -((a - b) as f64)
        }
    }
}

/// The size of one coordinate unit in the result's unit, as a ratio
/// `num / den`: a step of `x[i+1] - x[i]` counts as `(x[i+1] - x[i]) * num /
/// den`. The formulas are computed on the raw steps and the result scaled by
/// `den / num` once, so whole-number ratios scale exactly (nanosecond
/// timestamps per second: `1 / 1e9`, and a gradient of 1 per ns is exactly 1e9
/// per second).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unit {
    pub num: f64,
    pub den: f64,
}

impl Unit {
    pub const ONE: Unit = Unit { num: 1.0, den: 1.0 };

    /// A derivative in coordinate units, in the result's units (once per order).
    #[inline(always)]
    pub fn apply(self, gradient: f64) -> f64 {
        if self.num == 1.0 {
            gradient * self.den
        } else if self.den == 1.0 {
            gradient / self.num
        } else {
            gradient * self.den / self.num
        }
    }
}

/// The spacing of the samples: a uniform step, or one coordinate per sample
/// in coordinate units of the given size.
#[derive(Clone, Copy, Debug)]
pub enum Spacing<'a, X> {
    Uniform(f64),
    Coords(&'a [X], Unit),
}

impl<X> Spacing<'_, X> {
    /// The spacing of the samples `rows` only.
    #[inline(always)]
    pub fn rows(&self, rows: std::ops::Range<usize>) -> Spacing<'_, X> {
        match *self {
            Spacing::Uniform(h) => Spacing::Uniform(h),
            Spacing::Coords(x, unit) => Spacing::Coords(&x[rows], unit),
        }
    }
}
