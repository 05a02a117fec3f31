//! What one ACK delivered, as model-based controllers (BBR) read it: the bytes it
//! acknowledged or selectively acknowledged, the bytes it declared lost, what is in flight,
//! and a delivery rate sample (draft-cheng-iccrg-delivery-rate-estimation, as Linux's
//! `tcp_rate.c`).

use core::time::Duration;

/// One delivery rate sample: `delivered` bytes reached the receiver over `interval`.
///
/// The interval is the longer of the send interval and the ACK interval of the most
/// recently sent segment this ACK delivered, so neither ACK compression nor a burst of
/// sends inflates the rate. Samples whose interval is shorter than the path's minimum RTT
/// are not produced (they would overestimate the rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSample {
    /// Bytes delivered over the interval (acknowledged or selectively acknowledged).
    pub delivered: u64,
    /// The interval, never zero.
    pub interval: Duration,
    /// The connection's delivered counter when the segment this sample measures was sent:
    /// a round trip ends when a sample's `prior_delivered` reaches the counter as it was at
    /// the round's start.
    pub prior_delivered: u64,
    /// The sender was application-limited when that segment went out: the sample may be
    /// below what the path carries, so it only counts if it raises the estimate.
    pub app_limited: bool,
}

impl RateSample {
    /// The delivery rate in bytes per second (saturating).
    pub fn bytes_per_second(&self) -> u64 {
        rate_of(self.delivered, self.interval)
    }
}

/// Bytes per second of `bytes` over `time` (saturating; `time` counts as at least 1 µs).
pub(crate) fn rate_of(bytes: u64, time: Duration) -> u64 {
    let rate = u128::from(bytes) * 1_000_000 / time.as_micros().max(1);
    u64::try_from(rate).unwrap_or(u64::MAX)
}

/// Bytes that go out in `time` at `rate` bytes per second (saturating).
pub(crate) fn bytes_in(rate: u64, time: Duration) -> u64 {
    let bytes = u128::from(rate).saturating_mul(time.as_micros()) / 1_000_000;
    u64::try_from(bytes).unwrap_or(u64::MAX)
}

/// The time `bytes` take at `rate` bytes per second (a rate of 0 counts as 1).
pub(crate) fn time_for(bytes: u64, rate: u64) -> Duration {
    let micros = u128::from(bytes) * 1_000_000 / u128::from(rate.max(1));
    Duration::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
}

/// One ACK that delivered data or declared data lost, in any phase of loss recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Delivery {
    /// Bytes this ACK acknowledged or selectively acknowledged for the first time.
    pub delivered: u32,
    /// Bytes this ACK (or the loss detection it ran) declared lost.
    pub lost: u32,
    /// Bytes in flight before the ACK.
    pub prior_in_flight: u32,
    /// Bytes in flight after it (sent, neither delivered nor declared lost).
    pub in_flight: u32,
    /// Bytes delivered over the connection's life, this ACK included.
    pub total_delivered: u64,
    /// The round-trip time this ACK measured, if it measured one (Karn's rule applied).
    pub rtt: Option<Duration>,
    /// The delivery rate sample, when one could be taken.
    pub rate: Option<RateSample>,
    /// The connection is in fast recovery or recovering from a timeout after this ACK.
    pub in_recovery: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_bytes_over_the_interval_and_saturates() {
        let sample = RateSample {
            delivered: 150_000,
            interval: Duration::from_millis(10),
            prior_delivered: 0,
            app_limited: false,
        };
        assert_eq!(sample.bytes_per_second(), 15_000_000);
        let huge = RateSample {
            delivered: u64::MAX,
            interval: Duration::from_nanos(1),
            ..sample
        };
        assert_eq!(huge.bytes_per_second(), u64::MAX);
    }

    #[test]
    fn rate_arithmetic_saturates_and_inverts() {
        let second = Duration::from_secs(1);
        assert_eq!(rate_of(1000, Duration::from_millis(1)), 1_000_000);
        assert_eq!(rate_of(1, Duration::ZERO), 1_000_000);
        assert_eq!(bytes_in(1_000_000, Duration::from_millis(3)), 3000);
        assert_eq!(bytes_in(u64::MAX, Duration::MAX), u64::MAX);
        assert_eq!(time_for(3000, 1_000_000), Duration::from_millis(3));
        assert_eq!(time_for(1, 0), second);
    }
}
