//! The retransmission timeout estimator of RFC 6298 with exponential backoff.

use core::time::Duration;

/// Smoothed RTT, its variation and the current RTO (RFC 6298 §2), with backoff (§5.5).
#[derive(Debug, Clone)]
pub(crate) struct RttEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
    rto: Duration,
    min_rto: Duration,
    max_rto: Duration,
    backoff_shift: u32,
}

/// Clock granularity G of RFC 6298 §2: the engine measures in microseconds, so its G is the
/// tick it rounds RTT samples to.
const GRANULARITY: Duration = Duration::from_millis(1);

impl RttEstimator {
    /// A fresh estimator: RTO is `initial` until the first sample (RFC 6298 §2.1).
    pub(crate) fn new(initial: Duration, min_rto: Duration, max_rto: Duration) -> RttEstimator {
        RttEstimator {
            srtt: None,
            rttvar: Duration::ZERO,
            rto: initial.clamp(min_rto, max_rto),
            min_rto,
            max_rto,
            backoff_shift: 0,
        }
    }

    /// Takes one RTT measurement (§2.2, §2.3) and clears the backoff (§5.7 once acked).
    pub(crate) fn on_sample(&mut self, rtt: Duration) {
        match self.srtt {
            None => {
                self.srtt = Some(rtt);
                self.rttvar = rtt / 2;
            }
            Some(srtt) => {
                let delta = srtt.abs_diff(rtt);
                self.rttvar = (self.rttvar * 3 + delta) / 4;
                self.srtt = Some((srtt * 7 + rtt) / 8);
            }
        }
        let srtt = self.srtt.unwrap_or(rtt);
        self.rto = (srtt + (self.rttvar * 4).max(GRANULARITY)).clamp(self.min_rto, self.max_rto);
        self.backoff_shift = 0;
    }

    /// Doubles the timeout after a retransmission timeout (§5.5), up to the maximum.
    pub(crate) fn back_off(&mut self) {
        self.backoff_shift = (self.backoff_shift + 1).min(16);
    }

    /// The timeout to arm now, backoff included.
    pub(crate) fn rto(&self) -> Duration {
        self.rto
            .saturating_mul(1 << self.backoff_shift)
            .min(self.max_rto)
    }

    /// The smallest timeout the estimator arms (also the worst-case delayed ACK a tail
    /// loss probe allows for, as Linux uses `tcp_rto_min`).
    pub(crate) fn min_rto(&self) -> Duration {
        self.min_rto
    }

    /// The smoothed RTT, once measured.
    pub(crate) fn smoothed(&self) -> Option<Duration> {
        self.srtt
    }

    /// The RTT variation.
    pub(crate) fn variation(&self) -> Duration {
        self.rttvar
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
