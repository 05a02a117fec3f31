//! CUBIC (RFC 9438): window growth as a cubic function of the time since the last
//! congestion event, with a Reno-friendly floor.

use super::Delivery;
use super::hystart::{HyStart, Verdict};
use super::{
    CongestionControl, MAX_WINDOW, clamp_mss, initial_window, recovery_exit_window, rescale,
    slow_start,
};
use crate::time::Instant;
use core::time::Duration;

/// CUBIC's aggressiveness C, in segments per second cubed (RFC 9438 §4.2).
const C: f64 = 0.4;
/// The multiplicative decrease factor β_cubic (RFC 9438 §4.6).
const BETA: f64 = 0.7;
/// The Reno-friendly additive increase α_cubic = 3(1 - β) / (1 + β) (RFC 9438 §4.3), in
/// segments per round trip, used until W_est reaches the window before the last reduction.
const ALPHA: f64 = 3.0 * (1.0 - BETA) / (1.0 + BETA);

/// RFC 9438 CUBIC congestion control. All windows are kept in bytes (the RFC's segment
/// formulas multiplied by SMSS); the window grows in f64 arithmetic and every value stored
/// is clamped to `[1 SMSS, 2^30]`, so neither NaN nor infinity can reach it.
///
/// - Slow start as NewReno (RFC 3465 byte counting, L = 2), left by HyStart++ (RFC 9406)
///   when the RTT rises: a quarter of the growth in Conservative Slow Start, then
///   `ssthresh = cwnd` after five rounds of it (see `hystart.rs`). Only the first slow
///   start is watched; a congestion event or timeout ends HyStart++.
/// - Congestion avoidance (§4.2-4.5): a new epoch starts with the first cwnd-limited ACK
///   in congestion avoidance. With `cwnd_epoch` the window then, `K = cbrt((W_max -
///   cwnd_epoch) / C)` and `W_cubic(t) = C (t - K)^3 + W_max`. Per ACK of `acked` bytes,
///   with `t` the time since the epoch began and RTT the latest smoothed RTT (0 until one
///   is known): `target = clamp(W_cubic(t + RTT), cwnd, 1.5 cwnd)`;
///   `W_est += α · SMSS · acked / cwnd` (α = 0.53, or 1 once W_est reached the window
///   before the last reduction); if `W_cubic(t) < W_est` the window is `W_est`
///   (Reno-friendly region), otherwise it grows by `(target - cwnd) · acked / cwnd`.
///   If `cwnd_epoch >= W_max` (after an undo, or the first epoch after a timeout, §4.8)
///   the epoch uses `W_max = cwnd_epoch` and `K = 0`.
/// - Loss or ECN-Echo (§4.6, §4.7): `ssthresh = max(β · cwnd, 2 SMSS)`, `cwnd = ssthresh`.
///   The reduction applies β to cwnd, not to FlightSize, as Linux and Windows do (RFC 9438
///   permits it when the window does not grow while application-limited, which
///   `cwnd_limited` ensures); `flight_size` is therefore not used. Fast convergence: if the
///   window is below the previous W_max, `W_max = cwnd · (1 + β) / 2`, else `W_max = cwnd`.
/// - Retransmission timeout (§4.8): ssthresh as for a loss (held on repeated timeouts),
///   cwnd = 1 SMSS; the first epoch afterwards starts with `K = 0` and `W_max = cwnd_epoch`.
/// - Application-limited ACKs (`cwnd_limited == false`) neither grow the window nor let the
///   epoch clock run: the epoch start moves forward by the time they cover, so a sender
///   that was idle does not jump along the curve when it resumes.
/// - Undo (§4.9) restores cwnd, ssthresh, W_max, K, the epoch and W_est as they were before
///   the last loss response.
#[derive(Debug, Clone)]
pub struct Cubic {
    mss: u32,
    /// The window in bytes, with fractions of a byte kept between ACKs.
    cwnd: f64,
    ssthresh: u32,
    /// W_max in bytes: the window when the last congestion event happened (after fast
    /// convergence), 0 before the first.
    w_max: f64,
    /// cwnd_prior in bytes: the window just before the last reduction, 0 before the first.
    cwnd_prior: f64,
    /// The current congestion avoidance epoch, if one started since the last reduction.
    epoch: Option<Epoch>,
    /// The next epoch is the first after a retransmission timeout.
    after_timeout: bool,
    /// A retransmission timeout happened and no new data has been acknowledged since.
    timeout_pending: bool,
    /// When the last ACK arrived (moves the epoch start over application-limited time).
    last_ack: Option<Instant>,
    /// The latest smoothed RTT the engine reported.
    rtt: Option<Duration>,
    /// State before the last loss response, for [`CongestionControl::undo`]; boxed, as a
    /// connection that never loses anything never needs it (the box is reused by later
    /// loss responses until an undo, an ECN response or an MSS change empties it).
    saved: Option<Box<Saved>>,
    /// The slow start exit (RFC 9406).
    hystart: HyStart,
}

/// One congestion avoidance stage.
#[derive(Debug, Clone, Copy)]
struct Epoch {
    /// When it began (moved forward over application-limited periods).
    start: Instant,
    /// K: seconds from `start` until W_cubic reaches W_max.
    k: f64,
    /// W_est in bytes: the window Reno would have reached.
    w_est: f64,
}

/// What a loss response changed (RFC 9438 §4.9).
#[derive(Debug, Clone, Copy)]
struct Saved {
    cwnd: f64,
    ssthresh: u32,
    w_max: f64,
    cwnd_prior: f64,
    epoch: Option<Epoch>,
    after_timeout: bool,
}

impl Cubic {
    /// A controller with an initial window of `initial_window_segments` segments of `mss`
    /// bytes (at least one segment) and an infinite ssthresh. `mss` is clamped to
    /// `1..=65535`.
    pub fn new(mss: u32, initial_window_segments: u32) -> Cubic {
        let mss = clamp_mss(mss);
        Cubic {
            mss,
            cwnd: f64::from(initial_window(mss, initial_window_segments)),
            ssthresh: u32::MAX,
            w_max: 0.0,
            cwnd_prior: 0.0,
            epoch: None,
            after_timeout: false,
            timeout_pending: false,
            last_ack: None,
            rtt: None,
            saved: None,
            hystart: HyStart::default(),
        }
    }

    /// `bytes` clamped to a valid window: at least 1 SMSS, at most [`MAX_WINDOW`]; NaN
    /// (which the arithmetic below never produces) would become 1 SMSS.
    fn clamp(&self, bytes: f64) -> f64 {
        let low = f64::from(self.mss);
        if bytes.is_nan() {
            low
        } else {
            bytes.clamp(low, f64::from(MAX_WINDOW))
        }
    }

    /// W_cubic(t) in bytes for an epoch with the given K (RFC 9438 eq. 1).
    fn w_cubic(&self, t: f64, k: f64) -> f64 {
        let d = t - k;
        C * f64::from(self.mss) * d * d * d + self.w_max
    }

    /// Starts a congestion avoidance epoch at `now` with the current window.
    fn start_epoch(&mut self, now: Instant) -> Epoch {
        let cwnd_epoch = self.cwnd;
        let k = if self.after_timeout || self.w_max <= cwnd_epoch {
            self.w_max = cwnd_epoch;
            0.0
        } else {
            ((self.w_max - cwnd_epoch) / (C * f64::from(self.mss))).cbrt()
        };
        self.after_timeout = false;
        Epoch {
            start: now,
            k,
            w_est: cwnd_epoch,
        }
    }

    /// Congestion avoidance for `acked` bytes (RFC 9438 §4.2-4.5).
    fn congestion_avoidance(&mut self, now: Instant, acked: u32) {
        let mut epoch = match self.epoch {
            Some(epoch) => epoch,
            None => self.start_epoch(now),
        };
        let t = (now - epoch.start).as_secs_f64();
        let rtt = self.rtt.map_or(0.0, |rtt| rtt.as_secs_f64());
        let cwnd = self.cwnd;
        let acked = f64::from(acked);
        let mss = f64::from(self.mss);

        let alpha = if epoch.w_est >= self.cwnd_prior {
            1.0
        } else {
            ALPHA
        };
        epoch.w_est = self.clamp(epoch.w_est + alpha * mss * acked / cwnd);

        let next = if self.w_cubic(t, epoch.k) < epoch.w_est {
            cwnd.max(epoch.w_est)
        } else {
            let target = self.w_cubic(t + rtt, epoch.k).clamp(cwnd, 1.5 * cwnd);
            let gap = target - cwnd;
            cwnd + (gap * acked / cwnd).min(gap)
        };
        self.cwnd = self.clamp(next);
        self.epoch = Some(epoch);
    }

    fn save(&mut self) {
        let saved = Saved {
            cwnd: self.cwnd,
            ssthresh: self.ssthresh,
            w_max: self.w_max,
            cwnd_prior: self.cwnd_prior,
            epoch: self.epoch,
            after_timeout: self.after_timeout,
        };
        match self.saved.as_deref_mut() {
            Some(held) => *held = saved,
            None => self.saved = Some(Box::new(saved)),
        }
    }

    /// `max(β · cwnd, 2 SMSS)` in whole bytes.
    fn reduced_ssthresh(&self) -> u32 {
        let floor = 2 * self.mss;
        // The window is at most MAX_WINDOW, so the product fits; `as` saturates anyway.
        ((self.cwnd * BETA) as u32).clamp(floor, MAX_WINDOW)
    }
}

impl CongestionControl for Cubic {
    fn window(&self) -> u32 {
        // cwnd is always within [1, MAX_WINDOW]; the cast rounds down.
        self.cwnd as u32
    }

    fn slow_start_threshold(&self) -> u32 {
        self.ssthresh
    }

    fn in_slow_start(&self) -> bool {
        self.window() < self.ssthresh
    }

    fn on_ack(&mut self, now: Instant, acked: u32, rtt: Option<Duration>, cwnd_limited: bool) {
        if acked == 0 {
            return;
        }
        self.timeout_pending = false;
        if rtt.is_some() {
            self.rtt = rtt;
        }
        let last_ack = self.last_ack.replace(now);
        if !cwnd_limited {
            if let (Some(epoch), Some(last)) = (self.epoch.as_mut(), last_ack) {
                epoch.start += now - last;
            }
            return;
        }
        let mut acked = acked;
        if self.in_slow_start() {
            let divisor = self.hystart.growth_divisor();
            let growth = if divisor > 1 {
                acked.min(2 * self.mss) / divisor
            } else {
                acked
            };
            let (cwnd, left) = slow_start(self.window(), self.ssthresh, growth, self.mss);
            self.cwnd = self.clamp(f64::from(cwnd));
            acked = left;
        }
        if acked > 0 {
            self.congestion_avoidance(now, acked);
        }
    }

    fn on_congestion_event(&mut self, _now: Instant, _flight_size: u32, ecn: bool) {
        self.hystart.on_congestion();
        if ecn {
            self.saved = None;
        } else {
            self.save();
        }
        self.cwnd_prior = self.cwnd;
        self.w_max = if self.cwnd < self.w_max {
            self.cwnd * (1.0 + BETA) / 2.0
        } else {
            self.cwnd
        };
        self.ssthresh = self.reduced_ssthresh();
        self.cwnd = self.clamp(f64::from(self.ssthresh));
        self.epoch = None;
        self.after_timeout = false;
    }

    fn on_recovery_exit(&mut self, _now: Instant, flight_size: u32) {
        let cwnd = recovery_exit_window(self.ssthresh, flight_size, self.mss);
        self.cwnd = self.clamp(f64::from(cwnd));
    }

    fn on_retransmit_timeout(&mut self, _now: Instant, _flight_size: u32) {
        self.hystart.on_congestion();
        if !self.timeout_pending {
            self.save();
            self.cwnd_prior = self.cwnd;
            self.ssthresh = self.reduced_ssthresh();
            self.timeout_pending = true;
        }
        self.cwnd = f64::from(self.mss);
        self.epoch = None;
        self.after_timeout = true;
    }

    fn undo(&mut self) {
        if let Some(saved) = self.saved.take() {
            self.cwnd = self.cwnd.max(saved.cwnd);
            self.ssthresh = self.ssthresh.max(saved.ssthresh);
            self.w_max = saved.w_max;
            self.cwnd_prior = saved.cwnd_prior;
            self.epoch = saved.epoch;
            self.after_timeout = saved.after_timeout;
            self.timeout_pending = false;
        }
    }

    fn set_mss(&mut self, mss: u32) {
        let mss = clamp_mss(mss);
        let ratio = f64::from(mss) / f64::from(self.mss);
        let old = self.mss;
        self.mss = mss;
        self.cwnd = self.clamp(self.cwnd * ratio);
        if self.ssthresh != u32::MAX {
            self.ssthresh = rescale(self.ssthresh, old, mss).max(2 * mss);
        }
        self.w_max = (self.w_max * ratio).min(f64::from(MAX_WINDOW));
        self.cwnd_prior = (self.cwnd_prior * ratio).min(f64::from(MAX_WINDOW));
        if let Some(epoch) = self.epoch.as_mut() {
            epoch.w_est = (epoch.w_est * ratio).clamp(f64::from(mss), f64::from(MAX_WINDOW));
        }
        self.saved = None;
    }

    fn name(&self) -> &'static str {
        "cubic"
    }

    fn allocated(&self) -> usize {
        self.saved.as_ref().map_or(0, |_| size_of::<Saved>())
    }

    fn on_delivery(&mut self, _now: Instant, delivery: &Delivery) {
        if !self.in_slow_start() || delivery.in_recovery {
            return;
        }
        if self.hystart.on_delivery(delivery) == Verdict::ExitSlowStart {
            self.ssthresh = self.window().max(2 * self.mss);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{grow_to, round};
    use super::*;

    const MSS: u32 = 1000;

    fn segments(cc: &Cubic) -> f64 {
        f64::from(cc.window()) / f64::from(MSS)
    }

    /// A controller that just left recovery after a loss at `w_max` segments: cwnd and
    /// ssthresh are 0.7 * w_max segments, W_max = w_max segments.
    fn after_loss(w_max: u32) -> (Cubic, Instant) {
        let mut cc = Cubic::new(MSS, 10);
        let now = Instant::ZERO;
        grow_to(&mut cc, now, w_max * MSS, MSS);
        cc.on_congestion_event(now, w_max * MSS, false);
        cc.on_recovery_exit(now, w_max * MSS);
        (cc, now)
    }

    #[test]
    fn constants_follow_the_rfc() {
        assert!((ALPHA - 0.529_411_764_7).abs() < 1e-9);
    }

    #[test]
    fn slow_start_doubles_every_round_trip() {
        let mut cc = Cubic::new(MSS, 10);
        let mut now = Instant::ZERO;
        for expected in [20, 40, 80, 160] {
            round(&mut cc, &mut now, Duration::from_millis(50), 2 * MSS);
            assert_eq!(cc.window(), expected * MSS);
            assert!(cc.in_slow_start());
        }
        cc.on_ack(now, 10 * MSS, None, true);
        assert_eq!(cc.window(), 162 * MSS, "stretch ACK limited to 2 SMSS");
    }

    #[test]
    fn loss_reduces_to_beta_and_remembers_w_max() {
        let (cc, _) = after_loss(100);
        assert_eq!(cc.window(), 70 * MSS);
        assert_eq!(cc.slow_start_threshold(), 70 * MSS);
        assert_eq!(cc.w_max, f64::from(100 * MSS));
        assert_eq!(cc.cwnd_prior, f64::from(100 * MSS));
        assert!(!cc.in_slow_start());
    }

    #[test]
    fn cubic_function_reaches_w_max_at_k() {
        let (mut cc, now) = after_loss(100);
        cc.on_ack(now, MSS, None, true);
        let epoch = cc.epoch.expect("epoch started");
        // K = cbrt(W_max (1 - β) / C) = cbrt(75) seconds.
        assert!((epoch.k - 75f64.cbrt()).abs() < 1e-9, "K = {}", epoch.k);
        assert!((cc.w_cubic(epoch.k, epoch.k) - cc.w_max).abs() < 1e-6);
        assert!((cc.w_cubic(0.0, epoch.k) - f64::from(70 * MSS)).abs() < 1e-6);
        assert!(cc.w_cubic(epoch.k + 1.0, epoch.k) > cc.w_max);
    }

    #[test]
    fn window_plateaus_at_w_max_around_k_then_probes_beyond() {
        let (mut cc, mut now) = after_loss(100);
        let rtt = Duration::from_millis(100);
        let start = now;
        let k = 75f64.cbrt();
        let mut at_half_k = 0.0;
        while (now - start).as_secs_f64() < k {
            round(&mut cc, &mut now, rtt, MSS);
            if at_half_k == 0.0 && (now - start).as_secs_f64() >= k / 2.0 {
                at_half_k = segments(&cc);
            }
        }
        let at_k = segments(&cc);
        assert!(
            (at_k - 100.0).abs() <= 2.0,
            "window at t=K: {at_k} segments"
        );
        // Concave: most of the way back within the first half of K.
        assert!(at_half_k > 90.0 && at_half_k < at_k, "at K/2: {at_half_k}");
        for _ in 0..30 {
            round(&mut cc, &mut now, rtt, MSS);
        }
        // Beyond K the window probes past W_max: at least along the convex curve
        // (W_cubic(K + 3 s) = 100 + 0.4 * 27 ≈ 111 segments), or faster where W_est, which
        // grows 1 SMSS per RTT once past the old window, is ahead of it.
        let epoch = cc.epoch.expect("epoch");
        let t = (now - epoch.start).as_secs_f64();
        let curve = cc.w_cubic(t, epoch.k) / f64::from(MSS);
        let later = segments(&cc);
        assert!(
            curve > 110.0 && later >= curve - 0.5,
            "{later} vs curve {curve}"
        );
        assert!(
            later >= epoch.w_est / f64::from(MSS) - 0.5 && later < 125.0,
            "{later}"
        );
    }

    #[test]
    fn reno_friendly_region_dominates_at_short_rtt() {
        let (mut cc, mut now) = after_loss(100);
        let rtt = Duration::from_millis(1);
        for _ in 0..30 {
            round(&mut cc, &mut now, rtt, MSS);
        }
        // W_est grew by α_cubic ≈ 0.53 segments per round trip from 70.
        let expected = 70.0 + 30.0 * ALPHA;
        let got = segments(&cc);
        assert!((got - expected).abs() < 1.0, "{got} vs W_est {expected}");
        let epoch = cc.epoch.expect("epoch");
        let t = (now - epoch.start).as_secs_f64();
        assert!(cc.w_cubic(t, epoch.k) < f64::from(cc.window()) - f64::from(10 * MSS));
        // Once W_est passes the window before the loss, it grows like Reno: 1 SMSS per RTT.
        for _ in 0..40 {
            round(&mut cc, &mut now, rtt, MSS);
        }
        let before = segments(&cc);
        assert!(before > 100.0);
        for _ in 0..10 {
            round(&mut cc, &mut now, rtt, MSS);
        }
        assert!((segments(&cc) - before - 10.0).abs() < 0.5);
    }

    #[test]
    fn cubic_region_dominates_at_long_rtt() {
        let (mut cc, mut now) = after_loss(100);
        let rtt = Duration::from_millis(500);
        for _ in 0..4 {
            round(&mut cc, &mut now, rtt, MSS);
        }
        // Reno-friendly would be near 72 segments; the cubic curve is far above it.
        assert!(segments(&cc) > 90.0, "{}", segments(&cc));
    }

    #[test]
    fn growth_per_round_trip_is_bounded_by_half_the_window() {
        let (mut cc, mut now) = after_loss(100);
        // A very long RTT puts W_cubic(t + RTT) far above W_max; target is clamped.
        let rtt = Duration::from_secs(20);
        let before = cc.window();
        round(&mut cc, &mut now, rtt, MSS);
        assert!(cc.window() <= before + before / 2 + MSS);
    }

    #[test]
    fn fast_convergence_lowers_w_max() {
        let (mut cc, mut now) = after_loss(100);
        let rtt = Duration::from_millis(100);
        while cc.window() < 80 * MSS {
            round(&mut cc, &mut now, rtt, MSS);
        }
        let cwnd = cc.cwnd;
        assert!(cwnd < cc.w_max);
        cc.on_congestion_event(now, cc.window(), false);
        assert!((cc.w_max - cwnd * 0.85).abs() < 1e-6, "W_max {}", cc.w_max);
        assert_eq!(cc.slow_start_threshold(), (cwnd * 0.7) as u32);
        // A loss above the old W_max sets W_max to the window itself.
        let (mut cc, mut now) = after_loss(100);
        while cc.window() < 120 * MSS {
            round(&mut cc, &mut now, rtt, MSS);
        }
        let cwnd = cc.cwnd;
        cc.on_congestion_event(now, cc.window(), false);
        assert_eq!(cc.w_max, cwnd);
    }

    #[test]
    fn ecn_reduces_like_a_loss_but_cannot_be_undone() {
        let mut cc = Cubic::new(MSS, 10);
        grow_to(&mut cc, Instant::ZERO, 50 * MSS, MSS);
        cc.on_congestion_event(Instant::ZERO, 50 * MSS, true);
        assert_eq!(cc.window(), 35 * MSS);
        cc.undo();
        assert_eq!(cc.window(), 35 * MSS);
    }

    #[test]
    fn minimum_window_after_loss_is_two_segments() {
        let mut cc = Cubic::new(MSS, 2);
        cc.on_congestion_event(Instant::ZERO, 2 * MSS, false);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (2 * MSS, 2 * MSS));
        cc.on_congestion_event(Instant::ZERO, 0, true);
        assert_eq!(cc.window(), 2 * MSS);
        cc.on_recovery_exit(Instant::ZERO, 0);
        assert_eq!(cc.window(), 2 * MSS);
    }

    #[test]
    fn timeout_collapses_to_one_segment_then_restarts_the_curve_at_the_epoch() {
        let mut cc = Cubic::new(MSS, 10);
        let mut now = Instant::ZERO;
        grow_to(&mut cc, now, 100 * MSS, MSS);
        cc.on_retransmit_timeout(now, 100 * MSS);
        assert_eq!((cc.window(), cc.slow_start_threshold()), (MSS, 70 * MSS));
        cc.on_retransmit_timeout(now, 100 * MSS);
        assert_eq!(
            (cc.window(), cc.slow_start_threshold()),
            (MSS, 70 * MSS),
            "held"
        );
        let rtt = Duration::from_millis(100);
        while cc.in_slow_start() {
            round(&mut cc, &mut now, rtt, MSS);
        }
        round(&mut cc, &mut now, rtt, MSS);
        // First epoch after a timeout: K = 0, W_max = the window when it began (70 SMSS),
        // so growth is convex from there, slow at first.
        let epoch = cc.epoch.expect("epoch");
        assert_eq!(epoch.k, 0.0);
        assert_eq!(cc.w_max, f64::from(70 * MSS));
        assert!(segments(&cc) < 72.0, "{}", segments(&cc));
        for _ in 0..40 {
            round(&mut cc, &mut now, rtt, MSS);
        }
        // W_cubic(4 s) = 70 + 0.4 * 64 ≈ 95.6 segments (a little more with t + RTT).
        let w = segments(&cc);
        assert!(w > 93.0 && w < 102.0, "{w}");
    }

    #[test]
    fn undo_restores_the_state_before_the_loss() {
        let (mut cc, mut now) = after_loss(100);
        let rtt = Duration::from_millis(100);
        for _ in 0..10 {
            round(&mut cc, &mut now, rtt, MSS);
        }
        let cwnd = cc.window();
        let epoch = cc.epoch.expect("epoch");
        cc.on_congestion_event(now, cwnd, false);
        assert!(cc.window() < cwnd);
        cc.undo();
        assert_eq!(cc.window(), cwnd);
        assert_eq!(cc.slow_start_threshold(), 70 * MSS);
        assert_eq!(cc.w_max, f64::from(100 * MSS));
        let restored = cc.epoch.expect("epoch restored");
        assert_eq!((restored.start, restored.k), (epoch.start, epoch.k));
        // Undo after a timeout as well, and only once.
        cc.on_retransmit_timeout(now, cwnd);
        cc.undo();
        assert_eq!((cc.window(), cc.slow_start_threshold()), (cwnd, 70 * MSS));
        assert!(!cc.after_timeout);
        cc.on_congestion_event(now, cwnd, false);
        cc.undo();
        cc.undo();
        assert_eq!(cc.window(), cwnd);
    }

    #[test]
    fn application_limited_time_does_not_advance_the_curve() {
        let rtt = Duration::from_millis(100);
        let (mut steady, mut t1) = after_loss(100);
        let (mut idle, mut t2) = after_loss(100);
        for _ in 0..5 {
            round(&mut steady, &mut t1, rtt, MSS);
            round(&mut idle, &mut t2, rtt, MSS);
        }
        // Ten seconds of application-limited ACKs: no growth, and the clock is frozen.
        for _ in 0..100 {
            t2 += rtt;
            idle.on_ack(t2, MSS, Some(rtt), false);
        }
        assert_eq!(idle.window(), steady.window());
        round(&mut steady, &mut t1, rtt, MSS);
        round(&mut idle, &mut t2, rtt, MSS);
        let (a, b) = (steady.window(), idle.window());
        assert!(a.abs_diff(b) <= MSS / 10, "{a} vs {b}");
    }

    #[test]
    fn mss_change_keeps_the_window_in_segments() {
        let mut cc = Cubic::new(536, 10);
        cc.set_mss(1460);
        assert_eq!(cc.window(), 14_600);
        assert_eq!(cc.slow_start_threshold(), u32::MAX);
        let (mut cc, now) = after_loss(100);
        cc.on_ack(now, MSS, None, true);
        cc.set_mss(500);
        assert_eq!(cc.window() / 500, 70);
        assert_eq!(cc.slow_start_threshold(), 35_000);
        assert_eq!(cc.w_max, 50_000.0);
        cc.set_mss(0);
        assert!(cc.window() >= 1 && cc.slow_start_threshold() >= 2);
    }

    #[test]
    fn extreme_inputs_never_overflow_or_reach_zero() {
        let mss = 65_535;
        let mut cc = Cubic::new(mss, u32::MAX);
        assert_eq!(cc.window(), MAX_WINDOW);
        cc.on_congestion_event(Instant::ZERO, u32::MAX, false);
        cc.on_recovery_exit(Instant::ZERO, u32::MAX);
        // The epoch starts at time zero; then a very late ACK puts W_cubic far out of
        // range, and the window grows by at most half per ACK until it saturates.
        cc.on_ack(Instant::ZERO, mss, None, true);
        let far = Instant::from_micros(u64::MAX);
        for _ in 0..100 {
            cc.on_ack(far, u32::MAX, Some(Duration::MAX), true);
            assert!(cc.window() <= MAX_WINDOW && cc.window() >= 2 * mss);
        }
        assert_eq!(cc.window(), MAX_WINDOW);
        cc.on_retransmit_timeout(far, u32::MAX);
        assert_eq!(cc.window(), mss);
        cc.on_ack(Instant::ZERO, u32::MAX, Some(Duration::ZERO), true);
        assert!(cc.window() > mss);

        let mut tiny = Cubic::new(1, 1);
        tiny.on_congestion_event(Instant::ZERO, 0, false);
        tiny.on_retransmit_timeout(Instant::ZERO, 0);
        assert_eq!(tiny.window(), 1);
        for i in 0..1000 {
            tiny.on_ack(Instant::from_millis(i), 1, None, true);
        }
        assert!(tiny.window() >= 2);
    }
}
