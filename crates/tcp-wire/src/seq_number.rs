//! Sequence numbers with wrap-safe arithmetic (RFC 9293 §3.4, RFC 1982 style comparison).

use core::fmt;
use core::ops::{Add, AddAssign, Sub};

/// A 32-bit TCP sequence number.
///
/// Comparisons are modular: `a.lt(b)` holds when `b` lies in the 2^31 numbers after `a`.
/// Such an order is not transitive across the whole space, so the type deliberately does not
/// implement `PartialOrd`/`Ord`; use [`SeqNumber::lt`] and friends, or
/// [`SeqNumber::in_window`], which are correct across the 2^32 wrap.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNumber(pub u32);

impl SeqNumber {
    /// Signed distance from `other` to `self`: positive when `self` is after `other`.
    #[inline]
    pub fn distance(self, other: SeqNumber) -> i32 {
        self.0.wrapping_sub(other.0) as i32
    }

    /// `self` comes strictly before `other`.
    #[inline]
    pub fn lt(self, other: SeqNumber) -> bool {
        self.distance(other) < 0
    }

    /// `self` comes before or equals `other`.
    #[inline]
    pub fn le(self, other: SeqNumber) -> bool {
        self.distance(other) <= 0
    }

    /// `self` comes strictly after `other`.
    #[inline]
    pub fn gt(self, other: SeqNumber) -> bool {
        self.distance(other) > 0
    }

    /// `self` comes after or equals `other`.
    #[inline]
    pub fn ge(self, other: SeqNumber) -> bool {
        self.distance(other) >= 0
    }

    /// `self` lies in `[start, start + len)`, counted modulo 2^32. An empty window holds nothing.
    #[inline]
    pub fn in_window(self, start: SeqNumber, len: u32) -> bool {
        self.0.wrapping_sub(start.0) < len
    }

    /// The later of two sequence numbers by modular comparison.
    #[inline]
    pub fn max(self, other: SeqNumber) -> SeqNumber {
        if self.ge(other) { self } else { other }
    }

    /// The earlier of two sequence numbers by modular comparison.
    #[inline]
    pub fn min(self, other: SeqNumber) -> SeqNumber {
        if self.le(other) { self } else { other }
    }
}

impl Add<u32> for SeqNumber {
    type Output = SeqNumber;
    #[inline]
    fn add(self, rhs: u32) -> SeqNumber {
        SeqNumber(self.0.wrapping_add(rhs))
    }
}

impl AddAssign<u32> for SeqNumber {
    #[inline]
    fn add_assign(&mut self, rhs: u32) {
        self.0 = self.0.wrapping_add(rhs);
    }
}

impl Sub<u32> for SeqNumber {
    type Output = SeqNumber;
    #[inline]
    fn sub(self, rhs: u32) -> SeqNumber {
        SeqNumber(self.0.wrapping_sub(rhs))
    }
}

/// The number of sequence numbers from `rhs` up to `self`, modulo 2^32.
impl Sub<SeqNumber> for SeqNumber {
    type Output = u32;
    #[inline]
    fn sub(self, rhs: SeqNumber) -> u32 {
        self.0.wrapping_sub(rhs.0)
    }
}

impl fmt::Debug for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_hold_across_the_wrap() {
        let a = SeqNumber(u32::MAX - 10);
        let b = a + 20;
        assert_eq!(b.0, 9);
        assert!(a.lt(b) && a.le(b) && b.gt(a) && b.ge(a));
        assert!(!b.lt(a));
        assert_eq!(b - a, 20);
        assert_eq!(b.distance(a), 20);
        assert_eq!(a.distance(b), -20);
    }

    #[test]
    fn in_window_is_half_open_and_wraps() {
        let start = SeqNumber(u32::MAX - 1);
        assert!(start.in_window(start, 1));
        assert!((start + 3).in_window(start, 4));
        assert!(!(start + 4).in_window(start, 4));
        assert!(!(start - 1).in_window(start, 4));
        assert!(!start.in_window(start, 0));
    }

    #[test]
    fn min_max_follow_modular_order() {
        let a = SeqNumber(u32::MAX);
        let b = SeqNumber(5);
        assert_eq!(a.max(b), b);
        assert_eq!(a.min(b), a);
    }
}
