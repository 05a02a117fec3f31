//! BBR, version 1 (draft-cardwell-iccrg-bbr-congestion-control-00, as Linux's
//! `tcp_bbr.c`): the sender keeps a model of the path, its bottleneck bandwidth (the
//! largest delivery rate of the last ten round trips) and its round-trip propagation time
//! (the smallest RTT of the last ten seconds), and paces at the bandwidth times a gain
//! with a window of twice the bandwidth-delay product. Random loss does not shrink the
//! model, so BBR keeps its rate through a lossy link where a loss-based controller
//! (CUBIC, NewReno) halves its window at every loss.

use super::{
    CongestionControl, Delivery, MAX_WINDOW, bytes_in, clamp_mss, initial_window, rate_of, rescale,
};
use crate::congestion::windowed_max::WindowedMax;
use crate::time::Instant;
use core::time::Duration;

/// Gains are in thousandths.
const UNIT: u64 = 1000;
/// Startup's pacing and window gain, 2/ln 2: the smallest that doubles the delivery rate
/// every round trip.
const HIGH_GAIN: u64 = 2885;
/// Drain's pacing gain, the inverse of startup's: empties the queue startup built.
const DRAIN_GAIN: u64 = 347;
/// The window gain outside startup and drain: room for delayed and aggregated ACKs.
const CWND_GAIN: u64 = 2000;
/// ProbeBW's pacing gains, one phase per minimum RTT: probe up, drain the probe's
/// queue, then cruise.
const CYCLE: [u64; 8] = [1250, 750, 1000, 1000, 1000, 1000, 1000, 1000];
/// Round trips over which the bandwidth estimate is the maximum.
const BW_WINDOW_ROUNDS: u64 = 10;
/// How long a minimum RTT stays valid before ProbeRTT measures it again.
const MIN_RTT_WINDOW: Duration = Duration::from_secs(10);
/// How long ProbeRTT holds the window at its minimum.
const PROBE_RTT_TIME: Duration = Duration::from_millis(200);
/// The smallest window, in segments (enough for delayed ACKs to keep flowing).
const MIN_WINDOW_SEGMENTS: u32 = 4;
/// Startup ends when three round trips in a row raise the bandwidth by less than 25 %.
const FULL_BW_GROWTH: u64 = 1250;
/// Rounds without that growth that end startup.
const FULL_BW_ROUNDS: u32 = 3;
/// The pacing rate is this much below the estimate (in thousandths), so queues drain.
const PACING_MARGIN: u64 = 990;
/// Round trips over which ACK aggregation (more delivered than the rate explains) is
/// remembered.
const EXTRA_ACKED_ROUNDS: u64 = 5;
/// ACK aggregation is credited for at most this much time at the estimated rate.
const EXTRA_ACKED_MAX: Duration = Duration::from_millis(100);
/// The pacing quantum's time at the pacing rate (Linux: `sk_pacing_shift` = 10, ~1 ms).
const QUANTUM_TIME: Duration = Duration::from_millis(1);
/// The largest pacing quantum (one segmentation-offload super-frame).
const MAX_QUANTUM: u64 = 64 * 1024;

/// BBR's modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Doubling the rate every round trip until the bandwidth stops growing.
    Startup,
    /// Draining the queue startup built.
    Drain,
    /// Cycling the pacing gain around 1 to probe for more bandwidth.
    ProbeBw,
    /// Holding the window at its minimum to measure the propagation RTT again.
    ProbeRtt,
}

/// BBR congestion control (version 1). All amounts are bytes; rates are bytes per second.
///
/// The hooks shared with loss-based controllers do this:
/// - [`on_delivery`](CongestionControl::on_delivery) runs the model on every ACK: the
///   bandwidth filter, round trips, startup's exit, the ProbeBW cycle, the minimum RTT and
///   ProbeRTT, then the pacing rate and the window.
/// - A congestion event (not ECN, which BBR version 1 ignores) saves the window and starts
///   one round trip of packet conservation: the window is what is in flight plus what each
///   ACK delivers. When recovery ends, the window saved returns.
/// - A retransmission timeout saves the window, sets it to 1 SMSS (RFC 5681's loss window)
///   and restarts the search for full bandwidth; the window then regrows by what each ACK
///   delivers, and the saved one returns when the timeout's repair is done.
/// - `slow_start_threshold()` is always infinite; `in_slow_start()` is true in Startup.
///
/// Guarantees: the window is within `[1 SMSS, 2^30]`, at least 4 SMSS whenever the model
/// set it, and 1 SMSS right after a timeout; the pacing rate is never 0. Not implemented
/// from Linux: long-term bandwidth sampling (policer detection) and the pacing reduction
/// when restarting from idle.
#[derive(Debug, Clone)]
pub struct Bbr {
    mss: u32,
    cwnd: u32,
    mode: Mode,
    /// Bandwidth estimate: maximum delivery rate over the last ten rounds.
    bw: WindowedMax,
    min_rtt: Option<Duration>,
    min_rtt_at: Instant,
    /// Smoothed RTT from the engine, for the pacing rate before the first sample.
    srtt: Option<Duration>,
    round: Rounds,
    startup: Startup,
    /// ProbeBW's phase and when it began.
    cycle_index: usize,
    cycle_start: Instant,
    pacing_gain: u64,
    cwnd_gain: u64,
    pacing_rate: u64,
    probe_rtt: ProbeRtt,
    recovery: Conservation,
    aggregation: AckAggregation,
}

/// Round trips, counted by delivery.
#[derive(Debug, Clone, Default)]
struct Rounds {
    /// Rounds completed.
    count: u64,
    /// The delivered count that ends the current round.
    end: u64,
    /// The ACK being processed began a round.
    started: bool,
}

/// Startup's exit: the bandwidth had to grow by 25 % within three rounds.
#[derive(Debug, Clone, Default)]
struct Startup {
    full_bw: u64,
    stalled_rounds: u32,
    reached: bool,
}

/// ProbeRTT's bookkeeping.
#[derive(Debug, Clone, Default)]
struct ProbeRtt {
    /// The delivered counts between which ProbeRTT held the window down (until its last
    /// flight is delivered): samples of segments sent then show ProbeRTT's rate, not the
    /// path's, and count as application-limited (as Linux marks the connection in ProbeRTT).
    sends: (u64, u64),
    /// ProbeRTT's end, once the window is down.
    done: Option<Instant>,
    /// A round passed since the window came down.
    round_done: bool,
}

/// The window around loss recovery, timeouts and ProbeRTT.
#[derive(Debug, Clone)]
struct Conservation {
    /// The window before recovery, a timeout or ProbeRTT, restored afterwards.
    prior_cwnd: u32,
    /// A congestion event started recovery; the next delivery begins packet conservation.
    conservation_due: bool,
    /// Packet conservation for the first round of recovery.
    conserving: bool,
    /// The engine is in recovery (fast recovery or after a timeout).
    active: bool,
}

/// ACK aggregation: the most delivered beyond what the rate explains, per round, and the
/// epoch the current excess is measured from.
#[derive(Debug, Clone)]
struct AckAggregation {
    extra: WindowedMax,
    epoch: Instant,
    epoch_delivered: u64,
}

impl Bbr {
    /// BBR in startup with an initial window of `initial_window_segments` segments of `mss`
    /// bytes. `mss` is clamped to `1..=65535`.
    pub fn new(mss: u32, initial_window_segments: u32) -> Bbr {
        let mss = clamp_mss(mss);
        let cwnd = initial_window(mss, initial_window_segments);
        let mut bbr = Bbr {
            mss,
            cwnd,
            mode: Mode::Startup,
            bw: WindowedMax::new(BW_WINDOW_ROUNDS),
            min_rtt: None,
            min_rtt_at: Instant::ZERO,
            srtt: None,
            round: Rounds::default(),
            startup: Startup::default(),
            cycle_index: 0,
            cycle_start: Instant::ZERO,
            pacing_gain: HIGH_GAIN,
            cwnd_gain: HIGH_GAIN,
            pacing_rate: 0,
            probe_rtt: ProbeRtt::default(),
            recovery: Conservation {
                prior_cwnd: cwnd,
                conservation_due: false,
                conserving: false,
                active: false,
            },
            aggregation: AckAggregation {
                extra: WindowedMax::new(EXTRA_ACKED_ROUNDS),
                epoch: Instant::ZERO,
                epoch_delivered: 0,
            },
        };
        bbr.pacing_rate = bbr.initial_pacing_rate();
        bbr
    }

    /// Before any bandwidth sample: startup's gain times the window over the RTT (1 ms
    /// until one is known).
    fn initial_pacing_rate(&self) -> u64 {
        let rtt = self.srtt.unwrap_or(Duration::from_millis(1));
        let rate = rate_of(u64::from(self.cwnd), rtt);
        (rate.saturating_mul(HIGH_GAIN) / UNIT).max(1)
    }

    /// `bw * min_rtt * gain`: the window that keeps the path full at `gain`, or the initial
    /// window's ten segments while the RTT is unknown.
    fn bdp(&self, bw: u64, gain: u64) -> u64 {
        let Some(min_rtt) = self.min_rtt else {
            return u64::from(10 * self.mss);
        };
        bytes_in(bw, min_rtt).saturating_mul(gain) / UNIT
    }

    /// The pacing quantum: about a millisecond at the pacing rate, at least 2 segments and
    /// at most one 64 KiB super-frame.
    fn quantum(&self) -> u64 {
        bytes_in(self.pacing_rate, QUANTUM_TIME).clamp(
            u64::from(2 * self.mss),
            MAX_QUANTUM.max(u64::from(2 * self.mss)),
        )
    }

    fn min_window(&self) -> u32 {
        MIN_WINDOW_SEGMENTS * self.mss
    }

    /// New bandwidth sample and round-trip accounting.
    fn update_bandwidth(&mut self, delivery: &Delivery) {
        self.round.started = false;
        let Some(rate) = delivery.rate else {
            return;
        };
        if rate.prior_delivered >= self.round.end {
            self.round.end = delivery.total_delivered;
            self.round.count += 1;
            self.round.started = true;
            self.recovery.conserving = false;
        }
        let bw = rate.bytes_per_second();
        let (start, end) = self.probe_rtt.sends;
        let sent_in_probe_rtt = start <= rate.prior_delivered && rate.prior_delivered < end;
        if !(rate.app_limited || sent_in_probe_rtt) || bw >= self.bw.get() {
            self.bw.update(self.round.count, bw);
        }
    }

    /// ACK aggregation: how far deliveries run ahead of the estimated rate since the
    /// epoch began (a new epoch begins when they fall behind it), kept as a windowed max.
    fn update_ack_aggregation(&mut self, now: Instant, delivery: &Delivery) {
        let aggregation = &mut self.aggregation;
        let mut expected = bytes_in(
            self.bw.get(),
            now.saturating_duration_since(aggregation.epoch),
        );
        if aggregation.epoch_delivered <= expected {
            aggregation.epoch = now;
            aggregation.epoch_delivered = 0;
            expected = 0;
        }
        aggregation.epoch_delivered += u64::from(delivery.delivered);
        let extra = aggregation
            .epoch_delivered
            .saturating_sub(expected)
            .min(u64::from(self.cwnd));
        aggregation.extra.update(self.round.count, extra);
    }

    /// ProbeBW moves to its next phase after a minimum RTT, longer while probing up has
    /// not yet filled the pipe, shorter when draining has emptied it.
    fn update_cycle(&mut self, now: Instant, delivery: &Delivery) {
        if self.mode != Mode::ProbeBw {
            return;
        }
        let min_rtt = self.min_rtt.unwrap_or_default();
        let full_length = now.saturating_duration_since(self.cycle_start) > min_rtt;
        let in_flight = u64::from(delivery.prior_in_flight);
        let bw = self.bw.get();
        let next = match self.pacing_gain {
            UNIT => full_length,
            gain if gain > UNIT => {
                full_length && (delivery.lost > 0 || in_flight >= self.bdp(bw, gain))
            }
            _ => full_length || in_flight <= self.bdp(bw, UNIT),
        };
        if next {
            self.cycle_index = (self.cycle_index + 1) % CYCLE.len();
            self.cycle_start = now;
        }
    }

    /// Startup ends when the bandwidth stopped growing for three rounds.
    fn check_full_bandwidth(&mut self, delivery: &Delivery) {
        let app_limited = delivery.rate.is_some_and(|rate| rate.app_limited);
        if self.startup.reached || !self.round.started || app_limited {
            return;
        }
        let bw = self.bw.get();
        if bw >= self.startup.full_bw.saturating_mul(FULL_BW_GROWTH) / UNIT {
            self.startup.full_bw = bw;
            self.startup.stalled_rounds = 0;
            return;
        }
        self.startup.stalled_rounds += 1;
        self.startup.reached = self.startup.stalled_rounds >= FULL_BW_ROUNDS;
    }

    /// Startup to drain once the bandwidth is found, drain to ProbeBW once the queue is
    /// gone.
    fn check_drain(&mut self, now: Instant, delivery: &Delivery) {
        if self.mode == Mode::Startup && self.startup.reached {
            self.mode = Mode::Drain;
        }
        if self.mode == Mode::Drain
            && u64::from(delivery.in_flight) <= self.bdp(self.bw.get(), UNIT)
        {
            self.enter_probe_bw(now, delivery.total_delivered);
        }
    }

    /// ProbeBW, in a phase other than probing up (Linux draws it at random; here the
    /// delivered count picks it, so runs stay deterministic).
    fn enter_probe_bw(&mut self, now: Instant, delivered: u64) {
        self.mode = Mode::ProbeBw;
        let phases = CYCLE.len() as u64 - 1;
        self.cycle_index = CYCLE.len() - 1 - (delivered % phases) as usize;
        self.cycle_start = now;
    }

    /// The minimum RTT filter, and ProbeRTT when it has not been refreshed for 10 s.
    fn update_min_rtt(&mut self, now: Instant, delivery: &Delivery) {
        let expired = now.saturating_duration_since(self.min_rtt_at) > MIN_RTT_WINDOW;
        if let Some(rtt) = delivery.rtt
            && (self.min_rtt.is_none_or(|min| rtt < min) || expired)
        {
            self.min_rtt = Some(rtt);
            self.min_rtt_at = now;
        }
        if expired && self.mode != Mode::ProbeRtt && self.min_rtt.is_some() {
            self.save_cwnd();
            self.mode = Mode::ProbeRtt;
            self.probe_rtt.done = None;
            self.probe_rtt.sends = (delivery.total_delivered, u64::MAX);
        }
        if self.mode != Mode::ProbeRtt {
            return;
        }
        match self.probe_rtt.done {
            None if delivery.in_flight <= self.min_window() => {
                self.probe_rtt.done = Some(now + PROBE_RTT_TIME);
                self.probe_rtt.round_done = false;
                self.round.end = delivery.total_delivered;
            }
            None => {}
            Some(done) => {
                self.probe_rtt.round_done |= self.round.started;
                if self.probe_rtt.round_done && now >= done {
                    self.probe_rtt.sends.1 =
                        delivery.total_delivered + u64::from(delivery.in_flight);
                    self.min_rtt_at = now;
                    self.cwnd = self.cwnd.max(self.recovery.prior_cwnd);
                    if self.startup.reached {
                        self.enter_probe_bw(now, delivery.total_delivered);
                    } else {
                        self.mode = Mode::Startup;
                    }
                }
            }
        }
    }

    fn update_gains(&mut self) {
        (self.pacing_gain, self.cwnd_gain) = match self.mode {
            Mode::Startup => (HIGH_GAIN, HIGH_GAIN),
            Mode::Drain => (DRAIN_GAIN, HIGH_GAIN),
            Mode::ProbeBw => (CYCLE[self.cycle_index], CWND_GAIN),
            Mode::ProbeRtt => (UNIT, UNIT),
        };
    }

    /// The pacing rate: the bandwidth times the gain, less the margin; in startup it only
    /// grows.
    fn set_pacing_rate(&mut self) {
        let bw = self.bw.get();
        if bw == 0 {
            self.pacing_rate = self.pacing_rate.max(self.initial_pacing_rate());
            return;
        }
        let rate =
            (bw.saturating_mul(self.pacing_gain) / UNIT).saturating_mul(PACING_MARGIN) / UNIT;
        if self.startup.reached || rate > self.pacing_rate {
            self.pacing_rate = rate.max(1);
        }
    }

    /// Packet conservation on entering recovery, the saved window back on leaving it.
    /// Returns the window to use when conservation decides it.
    fn recover_or_restore(&mut self, delivery: &Delivery) -> Option<u32> {
        let mut cwnd = self.cwnd;
        if delivery.lost > 0 {
            cwnd = cwnd.saturating_sub(delivery.lost).max(self.mss);
        }
        let floor = delivery.in_flight.saturating_add(delivery.delivered);
        if self.recovery.conservation_due {
            self.recovery.conservation_due = false;
            self.recovery.conserving = true;
            self.round.end = delivery.total_delivered;
            cwnd = floor;
        } else if self.recovery.active && !delivery.in_recovery {
            cwnd = cwnd.max(self.recovery.prior_cwnd);
            self.recovery.conserving = false;
        }
        self.recovery.active = delivery.in_recovery;
        if self.recovery.conserving {
            return Some(cwnd.max(floor));
        }
        self.cwnd = cwnd;
        None
    }

    /// The window: grows by what each ACK delivers towards `cwnd_gain` times the
    /// bandwidth-delay product plus ACK aggregation and three pacing quanta.
    fn set_cwnd(&mut self, delivery: &Delivery) {
        let acked = delivery.delivered;
        if acked > 0 {
            if let Some(cwnd) = self.recover_or_restore(delivery) {
                self.cwnd = cwnd;
            } else {
                let bw = self.bw.get();
                let mut target = self.bdp(bw, self.cwnd_gain);
                if self.startup.reached {
                    let cap = bytes_in(bw, EXTRA_ACKED_MAX);
                    target = target.saturating_add(self.aggregation.extra.get().min(cap));
                }
                target = target.saturating_add(3 * self.quantum());
                if self.mode == Mode::ProbeBw && self.cycle_index == 0 {
                    target = target.saturating_add(u64::from(2 * self.mss));
                }
                let target = u32::try_from(target).unwrap_or(MAX_WINDOW);
                let grown = self.cwnd.saturating_add(acked);
                if self.startup.reached {
                    self.cwnd = grown.min(target);
                } else if self.cwnd < target || delivery.total_delivered < u64::from(10 * self.mss)
                {
                    self.cwnd = grown;
                }
                self.cwnd = self.cwnd.max(self.min_window());
            }
        }
        if self.mode == Mode::ProbeRtt {
            self.cwnd = self.cwnd.min(self.min_window());
        }
        self.cwnd = self.cwnd.clamp(self.mss, MAX_WINDOW);
    }

    /// Keeps the window to return to after recovery, a timeout or ProbeRTT.
    fn save_cwnd(&mut self) {
        if !self.recovery.active && self.mode != Mode::ProbeRtt {
            self.recovery.prior_cwnd = self.cwnd;
        } else {
            self.recovery.prior_cwnd = self.recovery.prior_cwnd.max(self.cwnd);
        }
    }
}

impl CongestionControl for Bbr {
    fn window(&self) -> u32 {
        self.cwnd
    }

    fn slow_start_threshold(&self) -> u32 {
        u32::MAX
    }

    fn in_slow_start(&self) -> bool {
        self.mode == Mode::Startup
    }

    fn on_ack(&mut self, _now: Instant, _acked: u32, rtt: Option<Duration>, _cwnd_limited: bool) {
        if rtt.is_some() {
            self.srtt = rtt;
        }
    }

    fn on_congestion_event(&mut self, _now: Instant, _flight_size: u32, ecn: bool) {
        if ecn {
            return;
        }
        self.save_cwnd();
        self.recovery.conservation_due = true;
    }

    fn on_recovery_exit(&mut self, _now: Instant, _flight_size: u32) {}

    fn on_retransmit_timeout(&mut self, _now: Instant, _flight_size: u32) {
        self.save_cwnd();
        self.recovery.active = true;
        self.recovery.conservation_due = false;
        self.recovery.conserving = false;
        self.cwnd = self.mss;
        self.startup.full_bw = 0;
        self.startup.stalled_rounds = 0;
        self.round.started = true;
    }

    fn undo(&mut self) {
        self.startup.full_bw = 0;
        self.startup.stalled_rounds = 0;
        self.cwnd = self
            .cwnd
            .max(self.recovery.prior_cwnd)
            .clamp(self.mss, MAX_WINDOW);
    }

    fn set_mss(&mut self, mss: u32) {
        let mss = clamp_mss(mss);
        let old = self.mss;
        self.mss = mss;
        self.cwnd = rescale(self.cwnd, old, mss).clamp(mss, MAX_WINDOW);
        self.recovery.prior_cwnd =
            rescale(self.recovery.prior_cwnd, old, mss).clamp(mss, MAX_WINDOW);
    }

    fn name(&self) -> &'static str {
        "bbr"
    }

    fn on_delivery(&mut self, now: Instant, delivery: &Delivery) {
        self.update_bandwidth(delivery);
        self.update_ack_aggregation(now, delivery);
        self.update_cycle(now, delivery);
        self.check_full_bandwidth(delivery);
        self.check_drain(now, delivery);
        self.update_min_rtt(now, delivery);
        self.update_gains();
        self.set_pacing_rate();
        self.set_cwnd(delivery);
    }

    fn pacing_rate(&self) -> Option<u64> {
        Some(self.pacing_rate.max(1))
    }

    fn governs_recovery(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::congestion::RateSample;

    const MSS: u32 = 1000;

    /// One round trip on a path of `bw` bytes/s and `rtt`: what the window and the path
    /// allow is delivered in ACKs of 2 segments each, spread over the RTT, each with a rate
    /// sample of the path's rate.
    fn round(bbr: &mut Bbr, now: &mut Instant, delivered: &mut u64, bw: u64, rtt: Duration) {
        let window = u64::from(bbr.window()).min(bytes_in(bw, rtt));
        let per_ack = u64::from(2 * MSS);
        let acks = window.div_ceil(per_ack).max(1);
        let prior = *delivered;
        for _ in 0..acks {
            *now += rtt / acks as u32;
            *delivered += per_ack;
            let in_flight = bbr.window().min(bytes_in(bw, rtt) as u32);
            bbr.on_delivery(
                *now,
                &Delivery {
                    delivered: 2 * MSS,
                    lost: 0,
                    prior_in_flight: in_flight,
                    in_flight,
                    total_delivered: *delivered,
                    rtt: Some(rtt),
                    rate: Some(RateSample {
                        delivered: bytes_in(bw, rtt),
                        interval: rtt,
                        prior_delivered: prior,
                        app_limited: false,
                    }),
                    in_recovery: false,
                },
            );
        }
    }

    #[test]
    fn startup_finds_the_bandwidth_then_cruises_at_twice_the_bdp() {
        let mut bbr = Bbr::new(MSS, 10);
        let (mut now, mut delivered) = (Instant::from_millis(1), 0);
        let (bw, rtt) = (12_500_000, Duration::from_millis(10)); // 100 Mbit/s, 10 ms
        for _ in 0..40 {
            round(&mut bbr, &mut now, &mut delivered, bw, rtt);
        }
        assert_eq!(bbr.mode, Mode::ProbeBw);
        assert!(!bbr.in_slow_start());
        // 2 x BDP (250 kB) plus three pacing quanta and some ACK aggregation.
        let bdp = 125_000;
        let window = u64::from(bbr.window());
        assert!(window >= 2 * bdp && window <= 3 * bdp, "{window}");
        let rate = bbr.pacing_rate().unwrap();
        assert!(rate >= bw * 74 / 100 && rate <= bw * 125 / 100, "{rate}");
    }

    #[test]
    fn random_loss_does_not_shrink_the_model() {
        let mut bbr = Bbr::new(MSS, 10);
        let (mut now, mut delivered) = (Instant::from_millis(1), 0);
        let (bw, rtt) = (12_500_000, Duration::from_millis(10));
        for _ in 0..40 {
            round(&mut bbr, &mut now, &mut delivered, bw, rtt);
        }
        let before = bbr.window();
        bbr.on_congestion_event(now, before, false);
        // Conservation for a round: in flight plus delivered.
        let loss = Delivery {
            delivered: MSS,
            lost: MSS,
            prior_in_flight: before,
            in_flight: before - 2 * MSS,
            total_delivered: delivered + u64::from(MSS),
            rtt: Some(rtt),
            rate: None,
            in_recovery: true,
        };
        bbr.on_delivery(now, &loss);
        assert_eq!(bbr.window(), before - MSS);
        // Recovery over: the window before it is back.
        let after = Delivery {
            in_recovery: false,
            lost: 0,
            ..loss
        };
        bbr.on_delivery(now + rtt, &after);
        assert!(bbr.window() >= before / 10 * 9, "{} {before}", bbr.window());
        assert_eq!(bbr.slow_start_threshold(), u32::MAX);
    }

    #[test]
    fn a_timeout_drops_to_one_segment_and_restores_after_repair() {
        let mut bbr = Bbr::new(MSS, 10);
        let (mut now, mut delivered) = (Instant::from_millis(1), 0);
        let (bw, rtt) = (12_500_000, Duration::from_millis(10));
        for _ in 0..40 {
            round(&mut bbr, &mut now, &mut delivered, bw, rtt);
        }
        let before = bbr.window();
        bbr.on_retransmit_timeout(now, before);
        assert_eq!(bbr.window(), MSS);
        let repaired = Delivery {
            delivered: MSS,
            lost: 0,
            prior_in_flight: MSS,
            in_flight: 0,
            total_delivered: delivered + u64::from(MSS),
            rtt: Some(rtt),
            rate: None,
            in_recovery: false,
        };
        bbr.on_delivery(now + rtt, &repaired);
        assert!(bbr.window() >= before);
    }

    #[test]
    fn probe_rtt_holds_four_segments_after_ten_seconds_without_a_lower_rtt() {
        let mut bbr = Bbr::new(MSS, 10);
        let (mut now, mut delivered) = (Instant::from_millis(1), 0);
        let (bw, rtt) = (12_500_000, Duration::from_millis(10));
        let mut saw_probe_rtt = false;
        for _ in 0..1100 {
            round(
                &mut bbr,
                &mut now,
                &mut delivered,
                bw,
                rtt + Duration::from_micros(1),
            );
            if bbr.mode == Mode::ProbeRtt {
                saw_probe_rtt = true;
                assert!(bbr.window() <= 4 * MSS);
            }
        }
        assert!(saw_probe_rtt);
        assert_ne!(bbr.mode, Mode::ProbeRtt);
    }
}
