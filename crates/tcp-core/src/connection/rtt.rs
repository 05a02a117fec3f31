//! The retransmission timeout estimator of RFC 6298 with exponential backoff.

use core::time::Duration;

/// Smoothed RTT, its variation and the current RTO (RFC 6298 §2), with backoff (§5.5).
///
/// Durations are kept as nanoseconds in a `u64` (8 bytes, where a `Duration` takes 16): the
/// same values and the same arithmetic (the divisions are by 2, 4 and 8, which `Duration`
/// also rounds down to the nanosecond), saturating at 584 years where `Duration` would go on.
#[derive(Debug, Clone)]
pub(crate) struct RttEstimator {
    srtt: Option<u64>,
    rttvar: u64,
    rto: u64,
    min_rto: u64,
    max_rto: u64,
    backoff_shift: u32,
}

/// Clock granularity G of RFC 6298 §2, in nanoseconds: the engine measures in microseconds,
/// so its G is the tick it rounds RTT samples to (1 ms).
const GRANULARITY: u64 = 1_000_000;

/// `duration` in nanoseconds, at most `u64::MAX`.
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl RttEstimator {
    /// A fresh estimator: RTO is `initial` until the first sample (RFC 6298 §2.1).
    pub(crate) fn new(initial: Duration, min_rto: Duration, max_rto: Duration) -> RttEstimator {
        let (min_rto, max_rto) = (nanos(min_rto), nanos(max_rto));
        RttEstimator {
            srtt: None,
            rttvar: 0,
            rto: nanos(initial).clamp(min_rto, max_rto),
            min_rto,
            max_rto,
            backoff_shift: 0,
        }
    }

    /// Takes one RTT measurement (§2.2, §2.3) and clears the backoff (§5.7 once acked).
    pub(crate) fn on_sample(&mut self, rtt: Duration) {
        let rtt = nanos(rtt);
        let srtt = match self.srtt {
            None => {
                self.rttvar = rtt / 2;
                rtt
            }
            Some(srtt) => {
                let delta = srtt.abs_diff(rtt);
                self.rttvar = self.rttvar.saturating_mul(3).saturating_add(delta) / 4;
                srtt.saturating_mul(7).saturating_add(rtt) / 8
            }
        };
        self.srtt = Some(srtt);
        self.rto = srtt
            .saturating_add(self.rttvar.saturating_mul(4).max(GRANULARITY))
            .clamp(self.min_rto, self.max_rto);
        self.backoff_shift = 0;
    }

    /// Doubles the timeout after a retransmission timeout (§5.5), up to the maximum.
    pub(crate) fn back_off(&mut self) {
        self.backoff_shift = (self.backoff_shift + 1).min(16);
    }

    /// The timeout to arm now, backoff included.
    pub(crate) fn rto(&self) -> Duration {
        Duration::from_nanos(
            self.rto
                .saturating_mul(1 << self.backoff_shift)
                .min(self.max_rto),
        )
    }

    /// The smallest timeout the estimator arms (also the worst-case delayed ACK a tail
    /// loss probe allows for, as Linux uses `tcp_rto_min`).
    pub(crate) fn min_rto(&self) -> Duration {
        Duration::from_nanos(self.min_rto)
    }

    /// The smoothed RTT, once measured.
    pub(crate) fn smoothed(&self) -> Option<Duration> {
        self.srtt.map(Duration::from_nanos)
    }

    /// The RTT variation.
    pub(crate) fn variation(&self) -> Duration {
        Duration::from_nanos(self.rttvar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimator() -> RttEstimator {
        RttEstimator::new(
            Duration::from_secs(1),
            Duration::from_millis(200),
            Duration::from_secs(120),
        )
    }

    #[test]
    fn first_sample_sets_srtt_and_rttvar() {
        let mut rtt = estimator();
        assert_eq!(rtt.rto(), Duration::from_secs(1));
        rtt.on_sample(Duration::from_millis(100));
        assert_eq!(rtt.smoothed(), Some(Duration::from_millis(100)));
        assert_eq!(rtt.variation(), Duration::from_millis(50));
        assert_eq!(rtt.rto(), Duration::from_millis(300));
    }

    #[test]
    fn later_samples_smooth_with_gains_of_one_eighth_and_one_quarter() {
        let mut rtt = estimator();
        rtt.on_sample(Duration::from_millis(100));
        rtt.on_sample(Duration::from_millis(200));
        assert_eq!(rtt.smoothed(), Some(Duration::from_micros(112_500)));
        assert_eq!(rtt.variation(), Duration::from_micros(62_500));
    }

    #[test]
    fn nanosecond_samples_round_as_duration_arithmetic_does() {
        let mut rtt = estimator();
        let mut reference: (Duration, Duration) = (Duration::ZERO, Duration::ZERO);
        for (i, ns) in [1_234_567u64, 999_999_937, 3, 12_345_678_901, 77]
            .into_iter()
            .enumerate()
        {
            let sample = Duration::from_nanos(ns);
            rtt.on_sample(sample);
            reference = if i == 0 {
                (sample, sample / 2)
            } else {
                let (srtt, var) = reference;
                (
                    (srtt * 7 + sample) / 8,
                    (var * 3 + srtt.abs_diff(sample)) / 4,
                )
            };
            assert_eq!(rtt.smoothed(), Some(reference.0));
            assert_eq!(rtt.variation(), reference.1);
        }
        let huge = Duration::from_secs(u64::MAX);
        rtt.on_sample(huge);
        assert_eq!(
            rtt.rto(),
            Duration::from_secs(120),
            "saturates, then clamps"
        );
    }

    #[test]
    fn rto_respects_the_minimum_and_backoff_doubles_to_the_maximum() {
        let mut rtt = estimator();
        rtt.on_sample(Duration::from_millis(1));
        assert_eq!(rtt.rto(), Duration::from_millis(200));
        rtt.back_off();
        assert_eq!(rtt.rto(), Duration::from_millis(400));
        for _ in 0..20 {
            rtt.back_off();
        }
        assert_eq!(rtt.rto(), Duration::from_secs(120));
        rtt.on_sample(Duration::from_millis(1));
        assert_eq!(
            rtt.rto(),
            Duration::from_millis(200),
            "a valid sample ends the backoff"
        );
    }
}
