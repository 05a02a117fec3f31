//! Pacing: segments leave at the pacing rate in bursts of about a millisecond's worth
//! (Linux's internal TCP pacing without the fq qdisc, with `sk_pacing_shift` = 10), so a
//! window does not hit a shallow queue all at once.
//!
//! The pacer is a credit of bytes: each segment sent spends its length; credit accrues at
//! the pacing rate while time passes; the sender waits (the pace timer) while the credit is
//! spent. Credit is capped at two bursts so a late timer (drivers wake at millisecond
//! granularity) costs no rate, and an idle connection does not save up a large burst.

use crate::congestion::{bytes_in, time_for};
use crate::time::Instant;
use core::time::Duration;

/// The burst: this much time at the pacing rate.
const BURST_TIME: Duration = Duration::from_millis(1);
/// Credit never exceeds this many bursts.
const MAX_BURSTS: u64 = 2;

/// A connection's pacing credit.
///
/// Guarantees: over any interval the bytes sent are at most the rate times the interval
/// plus two bursts; a burst is at least two segments; sending never panics or overflows
/// whatever the rate (0 is treated as 1 byte per second).
#[derive(Debug, Clone, Default)]
pub(crate) struct Pacer {
    /// Bytes that may still go out before the sender must wait (negative: owed).
    credit: i64,
    /// When the credit was last brought up to date.
    updated_at: Instant,
    /// The pacer has run at least once (the first burst starts with full credit).
    started: bool,
}

impl Pacer {
    /// A pacer that never ran (as `default()`, in a constant).
    pub(crate) const fn new() -> Pacer {
        Pacer {
            credit: 0,
            updated_at: Instant::ZERO,
            started: false,
        }
    }

    /// True when a segment may go out now.
    pub(crate) fn is_open(&self) -> bool {
        !self.started || self.credit > 0
    }

    /// `len` bytes went out at `now`, paced at `rate` bytes per second with `mss`-byte
    /// segments. Returns when the sender may go on, if it must now wait.
    pub(crate) fn on_sent(
        &mut self,
        now: Instant,
        len: u32,
        rate: u64,
        mss: u32,
    ) -> Option<Instant> {
        let burst = burst(rate, mss);
        if !self.started {
            self.started = true;
            self.credit = burst;
            self.updated_at = now;
        }
        self.accrue(now, rate, burst);
        self.credit -= i64::from(len);
        self.wake(now, rate, burst)
    }

    /// The pace timer fired at `now`: credit accrues. Returns when to wake again if the
    /// credit is still spent (the rate fell since the timer was armed).
    pub(crate) fn refill(&mut self, now: Instant, rate: u64, mss: u32) -> Option<Instant> {
        if !self.started {
            return None;
        }
        let burst = burst(rate, mss);
        self.accrue(now, rate, burst);
        self.wake(now, rate, burst)
    }

    /// When the sender may go on, if the credit is spent: once a burst's credit is back.
    fn wake(&self, now: Instant, rate: u64, burst: i64) -> Option<Instant> {
        if self.credit > 0 {
            return None;
        }
        let owed = u64::try_from(burst.saturating_sub(self.credit))
            .unwrap_or(1)
            .max(1);
        Some(now + time_for(owed, rate))
    }

    /// Forgets the credit: the next burst starts fresh (pacing was switched off or the
    /// connection went idle).
    pub(crate) fn reset(&mut self) {
        *self = Pacer::default();
    }

    fn accrue(&mut self, now: Instant, rate: u64, burst: i64) {
        let elapsed = now.saturating_duration_since(self.updated_at);
        self.updated_at = self.updated_at.max(now);
        let earned = i64::try_from(bytes_in(rate, elapsed)).unwrap_or(i64::MAX);
        let cap = burst.saturating_mul(MAX_BURSTS as i64);
        self.credit = self.credit.saturating_add(earned).min(cap);
    }
}

/// A burst's bytes at `rate`: a millisecond's worth, at least two segments.
fn burst(rate: u64, mss: u32) -> i64 {
    let bytes = i64::try_from(bytes_in(rate, BURST_TIME)).unwrap_or(i64::MAX / 4);
    bytes.clamp(2 * i64::from(mss), i64::MAX / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(us: u64) -> Instant {
        Instant::from_micros(us)
    }

    #[test]
    fn sends_a_burst_then_waits_for_the_rate() {
        // 10 MB/s: a burst is 10 kB; segments of 1000 bytes.
        let mut pacer = Pacer::default();
        let rate = 10_000_000;
        let mut wake = None;
        let mut sent = 0;
        while pacer.is_open() {
            wake = pacer.on_sent(at(0), 1000, rate, 1000);
            sent += 1000;
        }
        assert_eq!(sent, 10_000);
        // The credit comes back to a full burst after 1 ms.
        assert_eq!(wake, Some(at(1000)));
        pacer.refill(at(500), rate, 1000);
        assert!(pacer.is_open(), "half a burst earned");
        assert_eq!(pacer.refill(at(1000), rate, 1000), None);
        let mut second = 0;
        while pacer.is_open() {
            pacer.on_sent(at(1000), 1000, rate, 1000);
            second += 1000;
        }
        assert_eq!(second, 10_000);
    }

    #[test]
    fn a_late_wake_loses_no_rate_but_idle_time_saves_at_most_two_bursts() {
        let mut pacer = Pacer::default();
        let rate = 10_000_000;
        while pacer.is_open() {
            pacer.on_sent(at(0), 1000, rate, 1000);
        }
        // Woken 1.9 ms late: 1.9 ms of credit, within the cap of two bursts.
        pacer.refill(at(1900), rate, 1000);
        let mut sent = 0;
        while pacer.is_open() {
            pacer.on_sent(at(1900), 1000, rate, 1000);
            sent += 1000;
        }
        assert_eq!(sent, 19_000);
        pacer.refill(at(1_000_000), rate, 1000);
        let mut sent = 0;
        while pacer.is_open() {
            pacer.on_sent(at(1_000_000), 1000, rate, 1000);
            sent += 1000;
        }
        assert_eq!(sent, 20_000);
    }

    #[test]
    fn a_rate_that_fell_while_waiting_sets_a_new_wake() {
        // 3000-byte sends against a 10 kB burst leave the credit 2000 bytes short.
        let mut pacer = Pacer::default();
        while pacer.is_open() {
            pacer.on_sent(at(0), 3000, 10_000_000, 1000);
        }
        // The rate fell to 100 kB/s: 1 ms earns 100 bytes, not enough; the sender must be
        // woken again rather than left waiting for nothing.
        let wake = pacer.refill(at(1000), 100_000, 1000).unwrap();
        assert!(!pacer.is_open());
        assert!(wake > at(1000));
        assert_eq!(pacer.refill(wake, 100_000, 1000), None);
        assert!(pacer.is_open());
    }

    #[test]
    fn extreme_rates_neither_panic_nor_stall() {
        let mut pacer = Pacer::default();
        assert!(pacer.on_sent(at(0), 1000, 0, 1000).is_none());
        let wake = pacer.on_sent(at(0), 1000, 0, 1000).unwrap();
        assert!(wake > at(0));
        let mut fast = Pacer::default();
        for i in 0..100 {
            assert!(fast.on_sent(at(i), u32::MAX, u64::MAX, 65_535).is_none());
        }
    }
}
