//! Congestion control: the interface every algorithm implements ([`CongestionControl`],
//! which documents the model), the shared Reno arithmetic (RFC 5681, RFC 3465) and the
//! selector the connection uses.

mod bbr;
mod cubic;
mod delivery;
mod hystart;
mod new_reno;
mod windowed_max;

use crate::time::Instant;
use core::time::Duration;

pub use bbr::Bbr;
pub use cubic::Cubic;
pub use delivery::{Delivery, RateSample};
pub(crate) use delivery::{bytes_in, rate_of, time_for};
pub use new_reno::NewReno;

/// Which congestion control algorithm a connection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// RFC 5681 slow start and congestion avoidance with RFC 6582 fast recovery.
    NewReno,
    /// RFC 9438 CUBIC, the default (as on Linux).
    #[default]
    Cubic,
    /// BBR (version 1, as Linux's `tcp_bbr.c`): a model of the path's bottleneck bandwidth
    /// and round-trip time sets the pacing rate and the window; random loss does not
    /// reduce them. Always paced.
    Bbr,
}

/// The interface between the connection and a congestion control algorithm.
///
/// All amounts are bytes of sequence space; time is the caller's [`Instant`].
///
/// # The model: window numbers only, the engine sends
///
/// A controller answers one question: how many bytes may be in the network
/// ([`window`](CongestionControl::window)). It never sees segments, timers or the record
/// of what is in flight. The engine's loss recovery decides *what* to send and calls the
/// hooks when something happens:
///
/// | event in the engine | hook |
/// |---|---|
/// | an ACK advances SND.UNA outside fast recovery | [`on_ack`](CongestionControl::on_ack) |
/// | a loss found (RACK, or the third duplicate ACK without SACK), a loss a tail loss probe repaired, or ECN-Echo | [`on_congestion_event`](CongestionControl::on_congestion_event) |
/// | an ACK at or past the recovery point (RFC 6582 "full ACK") | [`on_recovery_exit`](CongestionControl::on_recovery_exit) |
/// | the retransmission timer fires | [`on_retransmit_timeout`](CongestionControl::on_retransmit_timeout) |
/// | a reduction turned out spurious (Eifel, D-SACK) | [`undo`](CongestionControl::undo) |
///
/// On a congestion event the controller sets `cwnd = ssthresh` at once. There is **no
/// window inflation** by duplicate ACKs (the RFC 5681 / RFC 6582 `ssthresh + 3*SMSS` model
/// is not used). During fast recovery the engine paces the reduction with PRR (RFC 6937),
/// taking [`slow_start_threshold`] as `ssthresh`, against its pipe: the bytes in flight
/// neither delivered nor declared lost (without SACK, less one segment per duplicate ACK).
/// Duplicate and partial ACKs during recovery are not reported to the controller; the
/// window stays put until recovery ends.
///
/// At the end of recovery [`on_recovery_exit`] applies RFC 6582 §3.2 step 3 option (1):
/// `cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)`, which equals `ssthresh` whenever
/// the pipe is full and avoids a burst when it is not; a window left below `ssthresh`
/// regrows in slow start.
///
/// # Guarantees of every implementation
/// - `window()` is never below 1 SMSS nor above 2^30 bytes (more than TCP can advertise,
///   and room for the engine to add a few segments without overflowing a `u32`), and
///   exactly 1 SMSS (RFC 5681's loss window) after a retransmission timeout. Loss-based
///   controllers (NewReno, CUBIC) are at least 2 SMSS after a congestion event; BBR leaves
///   its window to [`on_delivery`](CongestionControl::on_delivery) (see [`Bbr`]).
/// - `slow_start_threshold()` is `u32::MAX` (infinite) until the first reduction; once
///   finite it is at least 2 SMSS and at most 2^30.
/// - No input overflows, panics or makes the window NaN.
///
/// [`slow_start_threshold`]: CongestionControl::slow_start_threshold
/// [`on_recovery_exit`]: CongestionControl::on_recovery_exit
pub trait CongestionControl: core::fmt::Debug + Send {
    /// The congestion window (cwnd) in bytes: the engine keeps at most this many bytes in
    /// flight. At least 1 SMSS, at most 2^30.
    fn window(&self) -> u32;

    /// The slow start threshold in bytes; `u32::MAX` until the first reduction.
    fn slow_start_threshold(&self) -> u32;

    /// True while the window grows exponentially (cwnd < ssthresh).
    fn in_slow_start(&self) -> bool;

    /// New data was cumulatively acknowledged while not in loss recovery.
    ///
    /// `acked` is the number of bytes newly acknowledged, `rtt` the latest smoothed RTT if
    /// one is known, and `cwnd_limited` whether the sender was using the whole window when
    /// this data was sent. An application-limited sender (`cwnd_limited == false`) does not
    /// grow its window (RFC 7661).
    fn on_ack(&mut self, now: Instant, acked: u32, rtt: Option<Duration>, cwnd_limited: bool);

    /// Loss was detected by duplicate ACKs or SACK, or the peer echoed ECN congestion
    /// (`ecn == true`): reduce the window and enter recovery. `flight_size` is the number of
    /// bytes outstanding when the loss was detected.
    ///
    /// For loss-based controllers, afterwards `window() == slow_start_threshold()` (no
    /// inflation; see the trait documentation); BBR saves its window for later and
    /// conserves packets instead. The engine calls this once per window of data (RFC 6582: not again
    /// before recovery ends). A reduction caused by ECN is a real congestion signal, so it
    /// cannot be undone: [`CongestionControl::undo`] after it does nothing.
    fn on_congestion_event(&mut self, now: Instant, flight_size: u32, ecn: bool);

    /// Recovery ended with a full acknowledgment (RFC 6582 §3.2 step 3). The window becomes
    /// `min(ssthresh, max(flight_size, SMSS) + SMSS)`, where `flight_size` is the number of
    /// bytes still outstanding after that ACK. After an ECN reduction, which has no
    /// retransmissions to wait for, calling this is optional.
    fn on_recovery_exit(&mut self, now: Instant, flight_size: u32);

    /// The retransmission timer fired: the window collapses to 1 SMSS (RFC 5681 §3.1 loss
    /// window) and ssthresh is reduced (by half of `flight_size` for NewReno, by CUBIC's β
    /// for CUBIC, RFC 9438 §4.8). Further timeouts before any new data is acknowledged (the
    /// same segment backing off) keep ssthresh as it is, as RFC 5681 requires.
    fn on_retransmit_timeout(&mut self, now: Instant, flight_size: u32);

    /// The last loss response was spurious (detected by Eifel or D-SACK): restore the
    /// state saved at the last congestion event or retransmission timeout. The window
    /// becomes the larger of the current and the saved one. Does nothing if there is nothing
    /// to undo (no reduction yet, already undone, an ECN reduction, or an MSS change since).
    fn undo(&mut self);

    /// The sender's MSS changed (negotiation, path MTU). Windows keep their size counted in
    /// segments (so an initial window follows the negotiated MSS), the minimum windows are
    /// re-applied, and any saved undo state is forgotten. `mss` is clamped to `1..=65535`.
    fn set_mss(&mut self, mss: u32);

    /// The algorithm's name for logs and statistics ("newreno", "cubic", "bbr").
    fn name(&self) -> &'static str;

    /// Heap bytes the controller owns besides its own size, for the engine's memory
    /// accounting (`Endpoint::memory_usage`). None by default.
    fn allocated(&self) -> usize {
        0
    }

    /// Every ACK that delivered data or declared data lost, in every phase, after the
    /// other hooks for that ACK: what model-based controllers (BBR) learn the path from.
    /// Loss-based controllers ignore it (the default).
    fn on_delivery(&mut self, now: Instant, delivery: &Delivery) {
        let _ = (now, delivery);
    }

    /// The rate the engine paces at, in bytes per second, for controllers that set one
    /// (BBR). `None` (the default) lets the engine derive it from the window and the RTT
    /// when pacing is on.
    fn pacing_rate(&self) -> Option<u64> {
        None
    }

    /// True when the controller sets the window during fast recovery itself (BBR's packet
    /// conservation), so the engine does not apply PRR. False by default.
    fn governs_recovery(&self) -> bool {
        false
    }
}

/// A boxed controller for `algorithm`, with an initial window of `initial_window_segments`
/// segments of `mss` bytes (RFC 6928 suggests 10) and an infinite ssthresh.
pub(crate) fn new_controller(
    algorithm: Algorithm,
    mss: u32,
    initial_window_segments: u32,
) -> Box<dyn CongestionControl> {
    match algorithm {
        Algorithm::NewReno => Box::new(NewReno::new(mss, initial_window_segments)),
        Algorithm::Cubic => Box::new(Cubic::new(mss, initial_window_segments)),
        Algorithm::Bbr => Box::new(Bbr::new(mss, initial_window_segments)),
    }
}

/// The largest congestion window, in bytes: 2^30, above the largest window TCP can
/// advertise (65535 << 14, RFC 7323), so the engine can add a few segments to it without
/// overflowing a `u32`.
pub(crate) const MAX_WINDOW: u32 = 1 << 30;

/// The largest MSS a controller accepts (the MSS option is 16 bits).
const MAX_MSS: u32 = u16::MAX as u32;

/// `mss` clamped to `1..=65535`, so `2 * mss` and friends never overflow and never give 0.
fn clamp_mss(mss: u32) -> u32 {
    mss.clamp(1, MAX_MSS)
}

/// The initial window: `segments * mss` bytes, at least one segment, at most [`MAX_WINDOW`].
fn initial_window(mss: u32, segments: u32) -> u32 {
    segments.max(1).saturating_mul(mss).min(MAX_WINDOW)
}

/// RFC 5681 equation (4): `max(FlightSize / 2, 2 * SMSS)`, at most [`MAX_WINDOW`].
fn reno_ssthresh(flight_size: u32, mss: u32) -> u32 {
    (flight_size / 2).max(2 * mss).min(MAX_WINDOW)
}

/// RFC 6582 §3.2 step 3 option (1): `min(ssthresh, max(FlightSize, SMSS) + SMSS)`, which
/// is never below 2 SMSS because ssthresh never is.
fn recovery_exit_window(ssthresh: u32, flight_size: u32, mss: u32) -> u32 {
    let regrow = flight_size.max(mss).saturating_add(mss);
    ssthresh.min(regrow).clamp(2 * mss, MAX_WINDOW)
}

/// One slow start step with appropriate byte counting (RFC 3465, L = 2 SMSS): the window
/// grows by the bytes acknowledged, at most 2 SMSS per ACK, and never past `ssthresh`.
/// Returns the new window and the acknowledged bytes left over for congestion avoidance
/// once `ssthresh` is reached (0 while still below it).
fn slow_start(cwnd: u32, ssthresh: u32, acked: u32, mss: u32) -> (u32, u32) {
    let limit = ssthresh.min(MAX_WINDOW);
    let room = limit.saturating_sub(cwnd);
    let increase = acked.min(2 * mss);
    if increase < room {
        (cwnd + increase, 0)
    } else {
        (limit.max(cwnd), acked - room.min(acked))
    }
}

/// `bytes` rescaled from segments of `old_mss` to segments of `new_mss` (segment count
/// kept), never 0, at most [`MAX_WINDOW`]. `u32::MAX` (an infinite ssthresh) stays infinite.
fn rescale(bytes: u32, old_mss: u32, new_mss: u32) -> u32 {
    if bytes == u32::MAX {
        return u32::MAX;
    }
    let scaled = u64::from(bytes) * u64::from(new_mss) / u64::from(old_mss.max(1));
    u32::try_from(scaled)
        .unwrap_or(MAX_WINDOW)
        .clamp(1, MAX_WINDOW)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Drives a controller through simulated round trips.

    use super::CongestionControl;
    use crate::time::Instant;
    use core::time::Duration;

    /// One round trip: a full window is acknowledged in `ack_size` pieces spread evenly
    /// over `rtt`, with the sender cwnd-limited. `now` moves forward by `rtt`.
    pub(crate) fn round(
        cc: &mut dyn CongestionControl,
        now: &mut Instant,
        rtt: Duration,
        ack_size: u32,
    ) {
        let window = cc.window();
        let acks = window.div_ceil(ack_size).max(1);
        let step = rtt / acks;
        let mut left = window;
        for _ in 0..acks {
            *now += step;
            let piece = left.min(ack_size);
            left -= piece;
            cc.on_ack(*now, piece, Some(rtt), true);
        }
    }

    /// Drives slow start until the window is at least `target` bytes (one SMSS per ACK).
    pub(crate) fn grow_to(cc: &mut dyn CongestionControl, now: Instant, target: u32, mss: u32) {
        while cc.window() < target {
            let step = (target - cc.window()).min(mss);
            cc.on_ack(now, step, None, true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Event {
        Ack {
            after_ms: u64,
            acked: u32,
            rtt_ms: Option<u64>,
            cwnd_limited: bool,
        },
        Congestion {
            flight: u32,
            ecn: bool,
        },
        RecoveryExit {
            flight: u32,
        },
        Timeout {
            flight: u32,
        },
        Undo,
        Mss(u32),
        Delivery(Delivery),
    }

    fn delivery() -> impl Strategy<Value = Delivery> {
        let amount = prop_oneof![0u32..200_000, Just(u32::MAX), Just(0u32)];
        let rate = proptest::option::of(
            (any::<u64>(), 1u64..10_000_000, any::<u64>(), any::<bool>()).prop_map(
                |(delivered, micros, prior_delivered, app_limited)| RateSample {
                    delivered,
                    interval: Duration::from_micros(micros),
                    prior_delivered,
                    app_limited,
                },
            ),
        );
        (
            (amount.clone(), amount.clone(), amount.clone(), amount),
            any::<u64>(),
            proptest::option::of(0u64..5_000_000),
            rate,
            any::<bool>(),
        )
            .prop_map(
                |(
                    (delivered, lost, prior_in_flight, in_flight),
                    total_delivered,
                    rtt,
                    rate,
                    in_recovery,
                )| {
                    Delivery {
                        delivered,
                        lost,
                        prior_in_flight,
                        in_flight,
                        total_delivered,
                        rtt: rtt.map(Duration::from_micros),
                        rate,
                        in_recovery,
                    }
                },
            )
    }

    fn event() -> impl Strategy<Value = Event> {
        let amount = prop_oneof![0u32..200_000, Just(u32::MAX), Just(0u32)];
        prop_oneof![
            8 => (0u64..2000, amount.clone(), proptest::option::of(0u64..5000), any::<bool>())
                .prop_map(|(after_ms, acked, rtt_ms, cwnd_limited)| Event::Ack {
                    after_ms,
                    acked,
                    rtt_ms,
                    cwnd_limited,
                }),
            1 => (amount.clone(), any::<bool>())
                .prop_map(|(flight, ecn)| Event::Congestion { flight, ecn }),
            1 => amount.clone().prop_map(|flight| Event::RecoveryExit { flight }),
            1 => amount.prop_map(|flight| Event::Timeout { flight }),
            1 => Just(Event::Undo),
            4 => delivery().prop_map(Event::Delivery),
            1 => prop_oneof![Just(0u32), 1u32..2000, Just(65_535), Just(u32::MAX)]
                .prop_map(Event::Mss),
        ]
    }

    proptest! {
        /// Whatever happens, the window stays within its bounds: never 0, never above
        /// MAX_WINDOW, at least 2 SMSS after a reduction, and ssthresh at least 2 SMSS once
        /// finite.
        #[test]
        fn windows_stay_in_bounds(
            algorithm in prop_oneof![
                Just(Algorithm::NewReno),
                Just(Algorithm::Cubic),
                Just(Algorithm::Bbr),
            ],
            mss in prop_oneof![Just(1u32), 1u32..9000, Just(65_535)],
            iw in 0u32..20,
            events in proptest::collection::vec(event(), 1..200),
        ) {
            let mut cc = new_controller(algorithm, mss, iw);
            let mut mss = clamp_mss(mss);
            let mut now = Instant::ZERO;
            for event in events {
                match event {
                    Event::Ack { after_ms, acked, rtt_ms, cwnd_limited } => {
                        now += Duration::from_millis(after_ms);
                        let rtt = rtt_ms.map(Duration::from_millis);
                        cc.on_ack(now, acked, rtt, cwnd_limited);
                    }
                    Event::Congestion { flight, ecn } => {
                        let before = cc.window();
                        cc.on_congestion_event(now, flight, ecn);
                        if algorithm == Algorithm::Bbr {
                            prop_assert_eq!(cc.window(), before);
                        } else {
                            prop_assert!(cc.window() >= 2 * mss);
                            prop_assert_eq!(cc.window(), cc.slow_start_threshold());
                        }
                    }
                    Event::Delivery(delivery) => {
                        cc.on_delivery(now, &delivery);
                        prop_assert!(cc.pacing_rate().is_none_or(|rate| rate > 0));
                    }
                    Event::RecoveryExit { flight } => {
                        let before = cc.slow_start_threshold();
                        cc.on_recovery_exit(now, flight);
                        if before != u32::MAX {
                            prop_assert!(cc.window() >= 2 * mss);
                            prop_assert!(cc.window() <= before);
                        }
                    }
                    Event::Timeout { flight } => {
                        cc.on_retransmit_timeout(now, flight);
                        prop_assert_eq!(cc.window(), mss);
                    }
                    Event::Undo => cc.undo(),
                    Event::Mss(new) => {
                        cc.set_mss(new);
                        mss = clamp_mss(new);
                    }
                }
                prop_assert!(cc.window() >= mss && cc.window() <= MAX_WINDOW);
                let ssthresh = cc.slow_start_threshold();
                prop_assert!(ssthresh == u32::MAX || (ssthresh >= 2 * mss && ssthresh <= MAX_WINDOW));
                if algorithm != Algorithm::Bbr {
                    prop_assert_eq!(cc.in_slow_start(), cc.window() < ssthresh);
                }
            }
        }
    }

    #[test]
    fn selector_builds_each_algorithm_with_the_initial_window() {
        assert_eq!(Algorithm::default(), Algorithm::Cubic);
        let reno = new_controller(Algorithm::NewReno, 1460, 10);
        assert_eq!(reno.name(), "newreno");
        assert_eq!(reno.window(), 14_600);
        assert_eq!(reno.slow_start_threshold(), u32::MAX);
        assert!(reno.in_slow_start());
        let cubic = new_controller(Algorithm::Cubic, 1460, 10);
        assert_eq!(cubic.name(), "cubic");
        assert_eq!(cubic.window(), 14_600);
        assert_eq!(cubic.slow_start_threshold(), u32::MAX);
        assert!(cubic.in_slow_start());
    }

    #[test]
    fn initial_window_is_at_least_one_segment_and_bounded() {
        assert_eq!(initial_window(1000, 0), 1000);
        assert_eq!(initial_window(1000, 4), 4000);
        assert_eq!(initial_window(65_535, u32::MAX), MAX_WINDOW);
        assert_eq!(new_controller(Algorithm::NewReno, 0, 10).window(), 10);
        assert_eq!(
            new_controller(Algorithm::Cubic, u32::MAX, 1).window(),
            65_535
        );
    }

    #[test]
    fn reno_ssthresh_halves_the_flight_with_a_two_segment_floor() {
        assert_eq!(reno_ssthresh(100_000, 1000), 50_000);
        assert_eq!(reno_ssthresh(3000, 1000), 2000);
        assert_eq!(reno_ssthresh(0, 1000), 2000);
        assert_eq!(reno_ssthresh(u32::MAX, 1000), MAX_WINDOW);
    }

    #[test]
    fn recovery_exit_window_avoids_bursts_but_never_exceeds_ssthresh() {
        // Pipe full: back to ssthresh.
        assert_eq!(recovery_exit_window(50_000, 60_000, 1000), 50_000);
        // Little left in flight: flight + 1 SMSS, slow start does the rest.
        assert_eq!(recovery_exit_window(50_000, 10_000, 1000), 11_000);
        // Nothing in flight: 2 SMSS.
        assert_eq!(recovery_exit_window(50_000, 0, 1000), 2000);
        assert_eq!(recovery_exit_window(2000, u32::MAX, 1000), 2000);
    }

    #[test]
    fn slow_start_counts_bytes_with_a_two_segment_limit_per_ack() {
        assert_eq!(slow_start(10_000, u32::MAX, 1000, 1000), (11_000, 0));
        assert_eq!(slow_start(10_000, u32::MAX, 2000, 1000), (12_000, 0));
        // A stretch ACK of 10 segments still adds only L = 2 SMSS.
        assert_eq!(slow_start(10_000, u32::MAX, 10_000, 1000), (12_000, 0));
        // Reaching ssthresh stops at it and hands the rest to congestion avoidance.
        assert_eq!(slow_start(10_000, 11_500, 2000, 1000), (11_500, 500));
        assert_eq!(
            slow_start(MAX_WINDOW - 1, u32::MAX, 5000, 1000),
            (MAX_WINDOW, 4999)
        );
    }

    #[test]
    fn rescale_keeps_the_segment_count() {
        assert_eq!(rescale(14_600, 1460, 536), 5360);
        assert_eq!(rescale(5360, 536, 1460), 14_600);
        assert_eq!(rescale(u32::MAX, 536, 1460), u32::MAX);
        assert_eq!(rescale(MAX_WINDOW, 1, 65_535), MAX_WINDOW);
        assert_eq!(rescale(1, 1460, 1), 1);
    }
}
