//! NewReno: RFC 5681 slow start and congestion avoidance with appropriate byte counting
//! (RFC 3465) and the window side of RFC 6582 fast recovery.

use super::{
    CongestionControl, MAX_WINDOW, clamp_mss, initial_window, recovery_exit_window, reno_ssthresh,
    rescale, slow_start,
};
use crate::time::Instant;
use core::time::Duration;

/// RFC 5681 / RFC 6582 congestion control.
///
/// - Slow start (cwnd < ssthresh): cwnd grows by the bytes acknowledged, at most 2 SMSS per
///   ACK (RFC 3465, L = 2), so it doubles every round trip.
/// - Congestion avoidance: byte counting (RFC 3465 §2.1): once a full window of bytes has
///   been acknowledged, cwnd grows by one SMSS, i.e. exactly 1 SMSS per round trip.
/// - Loss or ECN-Echo: ssthresh = max(FlightSize / 2, 2 SMSS) (RFC 5681 eq. 4), and
///   cwnd = ssthresh at once (RFC 6675 model, no inflation; see [`CongestionControl`]).
/// - Recovery exit: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582 step 3).
/// - Retransmission timeout: ssthresh as for a loss (held on repeated timeouts), cwnd = 1 SMSS.
/// - No growth while the sender is application-limited (RFC 7661).
#[derive(Debug, Clone)]
pub struct NewReno {
    mss: u32,
    cwnd: u32,
    ssthresh: u32,
    /// Bytes acknowledged in congestion avoidance since cwnd last grew (RFC 3465).
    bytes_acked: u32,
    /// A retransmission timeout happened and no new data has been acknowledged since.
    timeout_pending: bool,
    /// State before the last loss response, for [`CongestionControl::undo`].
    saved: Option<Saved>,
}

/// What a loss response changed.
#[derive(Debug, Clone, Copy)]
struct Saved {
    cwnd: u32,
    ssthresh: u32,
    bytes_acked: u32,
}

impl NewReno {
    /// A controller with an initial window of `initial_window_segments` segments of `mss`
    /// bytes (at least one segment) and an infinite ssthresh. `mss` is clamped to
    /// `1..=65535`.
    pub fn new(mss: u32, initial_window_segments: u32) -> NewReno {
        let mss = clamp_mss(mss);
        NewReno {
            mss,
            cwnd: initial_window(mss, initial_window_segments),
            ssthresh: u32::MAX,
            bytes_acked: 0,
            timeout_pending: false,
            saved: None,
        }
    }

    /// Congestion avoidance with byte counting: 1 SMSS per window of acknowledged bytes
    /// (a stretch ACK covering several windows earns several SMSS at once, as on Linux).
    fn congestion_avoidance(&mut self, acked: u32) {
        let total = u64::from(self.bytes_acked) + u64::from(acked);
        let cwnd = u64::from(self.cwnd);
        let steps = total / cwnd;
        let grown = cwnd + steps * u64::from(self.mss);
        if grown >= u64::from(MAX_WINDOW) {
            self.cwnd = MAX_WINDOW;
            self.bytes_acked = 0;
        } else {
            // Both fit: grown < MAX_WINDOW and the remainder is below the old cwnd.
            self.cwnd = u32::try_from(grown).unwrap_or(MAX_WINDOW);
            self.bytes_acked = u32::try_from(total - steps * cwnd).unwrap_or(0);
        }
    }

    fn save(&mut self) {
        self.saved = Some(Saved {
            cwnd: self.cwnd,
            ssthresh: self.ssthresh,
            bytes_acked: self.bytes_acked,
        });
    }
}

impl CongestionControl for NewReno {
    fn window(&self) -> u32 {
        self.cwnd
    }

    fn slow_start_threshold(&self) -> u32 {
        self.ssthresh
    }

    fn in_slow_start(&self) -> bool {
        self.cwnd < self.ssthresh
    }

    fn on_ack(&mut self, _now: Instant, acked: u32, _rtt: Option<Duration>, cwnd_limited: bool) {
        if acked == 0 {
            return;
        }
        self.timeout_pending = false;
        if !cwnd_limited {
            return;
        }
        let mut acked = acked;
        if self.in_slow_start() {
            let (cwnd, left) = slow_start(self.cwnd, self.ssthresh, acked, self.mss);
            self.cwnd = cwnd;
            acked = left;
        }
        if acked > 0 {
            self.congestion_avoidance(acked);
        }
    }

    fn on_congestion_event(&mut self, _now: Instant, flight_size: u32, ecn: bool) {
        if ecn {
            self.saved = None;
        } else {
            self.save();
        }
        self.ssthresh = reno_ssthresh(flight_size, self.mss);
        self.cwnd = self.ssthresh;
        self.bytes_acked = 0;
    }

    fn on_recovery_exit(&mut self, _now: Instant, flight_size: u32) {
        self.cwnd = recovery_exit_window(self.ssthresh, flight_size, self.mss);
        self.bytes_acked = 0;
    }

    fn on_retransmit_timeout(&mut self, _now: Instant, flight_size: u32) {
        if !self.timeout_pending {
            self.save();
            self.ssthresh = reno_ssthresh(flight_size, self.mss);
            self.timeout_pending = true;
        }
        self.cwnd = self.mss;
        self.bytes_acked = 0;
    }

    fn undo(&mut self) {
        if let Some(saved) = self.saved.take() {
            self.cwnd = self.cwnd.max(saved.cwnd);
            self.ssthresh = self.ssthresh.max(saved.ssthresh);
            self.bytes_acked = saved.bytes_acked;
            self.timeout_pending = false;
        }
    }

    fn set_mss(&mut self, mss: u32) {
        let mss = clamp_mss(mss);
        let old = self.mss;
        self.mss = mss;
        self.cwnd = rescale(self.cwnd, old, mss).max(mss);
        if self.ssthresh != u32::MAX {
            self.ssthresh = rescale(self.ssthresh, old, mss).max(2 * mss);
        }
        self.bytes_acked = 0;
        self.saved = None;
    }

    fn name(&self) -> &'static str {
        "newreno"
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{grow_to, round};
    use super::*;

    const MSS: u32 = 1000;
    const RTT: Duration = Duration::from_millis(100);

    fn reno() -> NewReno {
        NewReno::new(MSS, 10)
    }

    /// A controller in congestion avoidance at `cwnd` bytes, ssthresh = cwnd.
    fn in_avoidance(cwnd: u32) -> NewReno {
        let mut cc = reno();
        grow_to(&mut cc, Instant::ZERO, cwnd * 2, MSS);
        cc.on_congestion_event(Instant::ZERO, cwnd * 2, false);
        cc.on_recovery_exit(Instant::ZERO, cwnd * 2);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (cwnd, cwnd));
        cc
    }

    #[test]
    fn starts_with_the_initial_window_in_slow_start() {
        let cc = reno();
        assert_eq!(cc.window(), 10 * MSS);
        assert_eq!(cc.slow_start_threshold(), u32::MAX);
        assert!(cc.in_slow_start());
        assert_eq!(cc.name(), "newreno");
    }

    #[test]
    fn slow_start_doubles_every_round_trip() {
        for ack_size in [MSS, 2 * MSS] {
            let mut cc = reno();
            let mut now = Instant::ZERO;
            for expected in [20, 40, 80, 160] {
                round(&mut cc, &mut now, RTT, ack_size);
                assert_eq!(cc.window(), expected * MSS, "ACKs of {ack_size} bytes");
            }
        }
    }

    #[test]
    fn slow_start_limits_stretch_acks_to_two_segments() {
        let mut cc = reno();
        cc.on_ack(Instant::ZERO, 8 * MSS, None, true);
        assert_eq!(cc.window(), 12 * MSS);
    }

    #[test]
    fn congestion_avoidance_adds_one_segment_per_round_trip() {
        let mut cc = in_avoidance(50 * MSS);
        let mut now = Instant::ZERO;
        for n in 1..=10 {
            round(&mut cc, &mut now, RTT, MSS);
            assert_eq!(cc.window(), (50 + n) * MSS);
            assert!(!cc.in_slow_start());
        }
        // Delayed ACKs (one per two segments) grow it just as fast.
        for n in 1..=5 {
            round(&mut cc, &mut now, RTT, 2 * MSS);
            assert_eq!(cc.window(), (60 + n) * MSS);
        }
    }

    #[test]
    fn reaching_ssthresh_carries_leftover_bytes_into_avoidance() {
        let mut cc = in_avoidance(20 * MSS);
        cc.on_retransmit_timeout(Instant::ZERO, 20 * MSS);
        assert_eq!(cc.slow_start_threshold(), 10 * MSS);
        grow_to(&mut cc, Instant::ZERO, 9 * MSS, MSS);
        cc.on_ack(Instant::ZERO, 2 * MSS, None, true);
        assert_eq!(cc.window(), 10 * MSS);
        // One SMSS of the ACK went to slow start, the other counts towards the next SMSS.
        cc.on_ack(Instant::ZERO, 9 * MSS, None, true);
        assert_eq!(cc.window(), 11 * MSS);
    }

    #[test]
    fn application_limited_sender_does_not_grow() {
        let mut cc = reno();
        cc.on_ack(Instant::ZERO, MSS, None, false);
        assert_eq!(cc.window(), 10 * MSS);
        let mut cc = in_avoidance(10 * MSS);
        for _ in 0..100 {
            cc.on_ack(Instant::ZERO, MSS, None, false);
        }
        assert_eq!(cc.window(), 10 * MSS);
    }

    #[test]
    fn loss_halves_the_flight_and_sets_cwnd_to_ssthresh() {
        let mut cc = reno();
        grow_to(&mut cc, Instant::ZERO, 64 * MSS, MSS);
        cc.on_congestion_event(Instant::ZERO, 60 * MSS, false);
        assert_eq!(cc.slow_start_threshold(), 30 * MSS);
        assert_eq!(cc.window(), 30 * MSS);
        assert!(!cc.in_slow_start());
        // Full ACK with the pipe still full: stay at ssthresh.
        cc.on_recovery_exit(Instant::ZERO, 40 * MSS);
        assert_eq!(cc.window(), 30 * MSS);
    }

    #[test]
    fn recovery_exit_with_little_in_flight_avoids_a_burst() {
        let mut cc = reno();
        grow_to(&mut cc, Instant::ZERO, 64 * MSS, MSS);
        cc.on_congestion_event(Instant::ZERO, 64 * MSS, false);
        cc.on_recovery_exit(Instant::ZERO, 5 * MSS);
        assert_eq!(cc.window(), 6 * MSS);
        assert!(cc.in_slow_start());
    }

    #[test]
    fn ecn_reduces_like_a_loss_but_cannot_be_undone() {
        let mut cc = reno();
        grow_to(&mut cc, Instant::ZERO, 40 * MSS, MSS);
        cc.on_congestion_event(Instant::ZERO, 40 * MSS, true);
        assert_eq!(
            (cc.window(), cc.slow_start_threshold()),
            (20 * MSS, 20 * MSS)
        );
        cc.undo();
        assert_eq!(
            (cc.window(), cc.slow_start_threshold()),
            (20 * MSS, 20 * MSS)
        );
    }

    #[test]
    fn minimum_window_after_loss_is_two_segments() {
        let mut cc = reno();
        cc.on_congestion_event(Instant::ZERO, 0, false);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (2 * MSS, 2 * MSS));
        cc.on_congestion_event(Instant::ZERO, 3 * MSS, false);
        assert_eq!(cc.window(), 2 * MSS);
        cc.on_recovery_exit(Instant::ZERO, 0);
        assert_eq!(cc.window(), 2 * MSS);
    }

    #[test]
    fn timeout_collapses_to_one_segment_and_holds_ssthresh_on_backoff() {
        let mut cc = reno();
        grow_to(&mut cc, Instant::ZERO, 50 * MSS, MSS);
        cc.on_retransmit_timeout(Instant::ZERO, 50 * MSS);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (MSS, 25 * MSS));
        assert!(cc.in_slow_start());
        // The same segment times out again: ssthresh is not reduced again.
        cc.on_retransmit_timeout(Instant::ZERO, 50 * MSS);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (MSS, 25 * MSS));
        // New data acknowledged, then another timeout: a new reduction.
        grow_to(&mut cc, Instant::ZERO, 10 * MSS, MSS);
        cc.on_retransmit_timeout(Instant::ZERO, 10 * MSS);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (MSS, 5 * MSS));
        cc.on_retransmit_timeout(Instant::ZERO, 0);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (MSS, 5 * MSS));
    }

    #[test]
    fn undo_restores_the_state_before_a_spurious_fast_retransmit() {
        let mut cc = in_avoidance(40 * MSS);
        cc.on_ack(Instant::ZERO, 15 * MSS, None, true);
        cc.on_congestion_event(Instant::ZERO, 40 * MSS, false);
        assert_eq!(cc.window(), 20 * MSS);
        cc.undo();
        assert_eq!(
            (cc.window(), cc.slow_start_threshold()),
            (40 * MSS, 40 * MSS)
        );
        // The byte counter came back too: 25 more segments complete the window.
        cc.on_ack(Instant::ZERO, 25 * MSS, None, true);
        assert_eq!(cc.window(), 41 * MSS);
        // Only once.
        cc.on_congestion_event(Instant::ZERO, 40 * MSS, false);
        cc.undo();
        cc.undo();
        assert_eq!(cc.window(), 41 * MSS);
    }

    #[test]
    fn undo_after_timeouts_restores_the_state_before_the_first() {
        let mut cc = reno();
        grow_to(&mut cc, Instant::ZERO, 30 * MSS, MSS);
        cc.on_retransmit_timeout(Instant::ZERO, 30 * MSS);
        cc.on_retransmit_timeout(Instant::ZERO, 30 * MSS);
        cc.undo();
        assert_eq!(
            (cc.window(), cc.slow_start_threshold()),
            (30 * MSS, u32::MAX)
        );
        assert!(cc.in_slow_start());
    }

    #[test]
    fn undo_without_a_reduction_does_nothing() {
        let mut cc = reno();
        cc.undo();
        assert_eq!(
            (cc.window(), cc.slow_start_threshold()),
            (10 * MSS, u32::MAX)
        );
    }

    #[test]
    fn mss_change_keeps_the_window_in_segments() {
        let mut cc = NewReno::new(536, 10);
        cc.set_mss(1460);
        assert_eq!(cc.window(), 14_600);
        assert_eq!(cc.slow_start_threshold(), u32::MAX);
        cc.on_congestion_event(Instant::ZERO, 14_600, false);
        cc.set_mss(1000);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (5000, 5000));
        // Saved undo state belongs to the old MSS and is dropped.
        cc.undo();
        assert_eq!(cc.window(), 5000);
        cc.set_mss(0);
        assert_eq!(cc.window(), 5);
        assert!(cc.slow_start_threshold() >= 2);
    }

    #[test]
    fn huge_windows_saturate_without_overflow() {
        let mss = 65_535;
        let mut cc = NewReno::new(mss, u32::MAX);
        assert_eq!(cc.window(), MAX_WINDOW);
        for _ in 0..1000 {
            cc.on_ack(Instant::ZERO, u32::MAX, None, true);
        }
        assert_eq!(cc.window(), MAX_WINDOW);
        cc.on_congestion_event(Instant::ZERO, u32::MAX, false);
        assert_eq!(cc.window(), MAX_WINDOW);
        for _ in 0..1000 {
            cc.on_ack(Instant::ZERO, u32::MAX, None, true);
        }
        assert_eq!(cc.window(), MAX_WINDOW);
        cc.on_recovery_exit(Instant::ZERO, u32::MAX);
        cc.on_retransmit_timeout(Instant::ZERO, u32::MAX);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (mss, MAX_WINDOW));
    }
}
