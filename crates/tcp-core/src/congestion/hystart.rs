//! HyStart++ (RFC 9406): leaves slow start when the RTT starts to rise (a queue is
//! building) instead of at the first loss, which in slow start costs up to half a window.
//!
//! Rounds are counted from the delivery samples: a round ends when an ACK delivers a
//! segment sent after the round began. Each round's minimum RTT is compared with the
//! previous round's; an increase of more than an eighth (clamped to 4..16 ms) after at
//! least eight samples moves to Conservative Slow Start (CSS), where the window grows a
//! quarter as fast. Five CSS rounds end slow start (ssthresh = cwnd); an RTT back below
//! the baseline in CSS means the rise was spurious and slow start resumes.

use super::Delivery;
use core::time::Duration;

/// RFC 9406 §4.3 constants.
const MIN_RTT_THRESH: Duration = Duration::from_millis(4);
const MAX_RTT_THRESH: Duration = Duration::from_millis(16);
const MIN_RTT_DIVISOR: u32 = 8;
const N_RTT_SAMPLE: u32 = 8;
/// Growth in CSS is the slow start growth divided by this.
pub(crate) const CSS_GROWTH_DIVISOR: u32 = 4;
const CSS_ROUNDS: u32 = 5;

/// Where HyStart++ stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Ordinary slow start, watching the RTT.
    SlowStart,
    /// Conservative slow start since the RTT rose to `baseline`; `rounds` completed.
    Conservative { baseline: Duration, rounds: u32 },
    /// Slow start is over (HyStart++ ended it or a loss did).
    Done,
}

/// What a delivery tells the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Keep growing as the phase says.
    Continue,
    /// CSS ran its rounds: set ssthresh to the window and go to congestion avoidance.
    ExitSlowStart,
}

/// HyStart++ state of one connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HyStart {
    phase: Phase,
    /// The delivered count that ends the current round.
    round_end: u64,
    last_round_min: Option<Duration>,
    current_round_min: Option<Duration>,
    samples: u32,
}

impl Default for HyStart {
    fn default() -> HyStart {
        HyStart {
            phase: Phase::SlowStart,
            round_end: 0,
            last_round_min: None,
            current_round_min: None,
            samples: 0,
        }
    }
}

impl HyStart {
    /// The divisor of slow start's growth: 1, or [`CSS_GROWTH_DIVISOR`] in CSS.
    pub(crate) fn growth_divisor(&self) -> u32 {
        match self.phase {
            Phase::Conservative { .. } => CSS_GROWTH_DIVISOR,
            _ => 1,
        }
    }

    /// A congestion event or a timeout: slow start's next run (after a timeout, up to
    /// ssthresh) is not watched again (RFC 9406 §4.2: HyStart++ only in the initial slow
    /// start; a loss ends it).
    pub(crate) fn on_congestion(&mut self) {
        self.phase = Phase::Done;
    }

    /// Feeds one ACK's delivery while the controller is in slow start.
    pub(crate) fn on_delivery(&mut self, delivery: &Delivery) -> Verdict {
        if self.phase == Phase::Done {
            return Verdict::Continue;
        }
        let round_ended = delivery
            .rate
            .is_some_and(|rate| rate.prior_delivered >= self.round_end);
        if round_ended {
            self.round_end = delivery.total_delivered;
            self.last_round_min = self.current_round_min.take();
            self.samples = 0;
            if let Phase::Conservative { rounds, .. } = &mut self.phase {
                *rounds += 1;
                if *rounds >= CSS_ROUNDS {
                    self.phase = Phase::Done;
                    return Verdict::ExitSlowStart;
                }
            }
        }
        if let Some(rtt) = delivery.rtt {
            self.current_round_min = Some(self.current_round_min.map_or(rtt, |min| min.min(rtt)));
            self.samples += 1;
        }
        let (Some(current), Some(last)) = (self.current_round_min, self.last_round_min) else {
            return Verdict::Continue;
        };
        match self.phase {
            Phase::SlowStart if self.samples >= N_RTT_SAMPLE => {
                let threshold = (last / MIN_RTT_DIVISOR).clamp(MIN_RTT_THRESH, MAX_RTT_THRESH);
                if current >= last + threshold {
                    self.phase = Phase::Conservative {
                        baseline: current,
                        rounds: 0,
                    };
                }
            }
            Phase::Conservative { baseline, .. } if current < baseline => {
                self.phase = Phase::SlowStart;
            }
            _ => {}
        }
        Verdict::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::congestion::RateSample;

    /// One ACK at the end of a round (`round_end` = delivered count then) or inside one.
    fn ack(delivered: u64, prior: u64, rtt_ms: u64) -> Delivery {
        Delivery {
            delivered: 1000,
            total_delivered: delivered,
            rtt: Some(Duration::from_millis(rtt_ms)),
            rate: Some(RateSample {
                delivered: 1000,
                interval: Duration::from_millis(rtt_ms),
                prior_delivered: prior,
                app_limited: false,
            }),
            ..Delivery::default()
        }
    }

    /// Feeds `n` ACKs of one round whose RTT is `rtt_ms`; returns `ExitSlowStart` if any
    /// of them did.
    fn round(h: &mut HyStart, delivered: &mut u64, n: u32, rtt_ms: u64) -> Verdict {
        let start = *delivered;
        let mut verdict = Verdict::Continue;
        for _ in 0..n {
            *delivered += 1000;
            if h.on_delivery(&ack(*delivered, start, rtt_ms)) == Verdict::ExitSlowStart {
                verdict = Verdict::ExitSlowStart;
            }
        }
        verdict
    }

    #[test]
    fn a_rising_rtt_enters_css_and_five_rounds_end_slow_start() {
        let mut h = HyStart::default();
        let mut delivered = 0;
        round(&mut h, &mut delivered, 10, 40);
        round(&mut h, &mut delivered, 10, 40);
        assert_eq!(h.growth_divisor(), 1);
        // 40 ms -> 46 ms: more than 40/8 = 5 ms.
        round(&mut h, &mut delivered, 10, 46);
        assert_eq!(h.growth_divisor(), CSS_GROWTH_DIVISOR);
        let mut verdicts = Vec::new();
        for _ in 0..5 {
            verdicts.push(round(&mut h, &mut delivered, 10, 47));
        }
        assert!(verdicts.contains(&Verdict::ExitSlowStart));
        assert_eq!(h.growth_divisor(), 1, "done");
    }

    #[test]
    fn small_rises_and_spurious_ones_keep_slow_start() {
        let mut h = HyStart::default();
        let mut delivered = 0;
        round(&mut h, &mut delivered, 10, 40);
        // +4 ms is below the 5 ms threshold.
        round(&mut h, &mut delivered, 10, 44);
        assert_eq!(h.growth_divisor(), 1);
        round(&mut h, &mut delivered, 10, 50);
        assert_eq!(h.growth_divisor(), CSS_GROWTH_DIVISOR);
        // The RTT falls back below the CSS baseline: slow start resumes.
        round(&mut h, &mut delivered, 10, 41);
        assert_eq!(h.growth_divisor(), 1);
    }

    #[test]
    fn fewer_than_eight_samples_decide_nothing_and_loss_ends_it() {
        let mut h = HyStart::default();
        let mut delivered = 0;
        round(&mut h, &mut delivered, 10, 40);
        round(&mut h, &mut delivered, 7, 80);
        assert_eq!(h.growth_divisor(), 1);
        round(&mut h, &mut delivered, 10, 80);
        h.on_congestion();
        assert_eq!(h.growth_divisor(), 1);
        assert_eq!(round(&mut h, &mut delivered, 10, 200), Verdict::Continue);
    }
}
