//! Delivery rate estimation (draft-cheng-iccrg-delivery-rate-estimation, as Linux's
//! `tcp_rate.c`): each segment remembers how much had been delivered when it was sent, so
//! the ACK that delivers it yields the rate over the interval between the two.

use crate::congestion::RateSample;
use crate::time::Instant;
use core::time::Duration;

/// The connection's delivery state when a segment went out, kept in its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SendSnapshot {
    /// Bytes delivered before it was sent.
    delivered: u64,
    /// When the last of those was delivered.
    delivered_at: Instant,
    /// When the segment that began the send interval went out.
    first_sent_at: Instant,
    /// The sender had run out of data to send.
    app_limited: bool,
}

/// The most recently sent segment an ACK delivered: the sample is measured against it.
#[derive(Debug, Clone, Copy)]
struct Latest {
    snapshot: SendSnapshot,
    sent_at: Instant,
    /// Its RTT, unless it was retransmitted (Karn).
    rtt: Option<Duration>,
}

/// What one ACK delivered, as far as its rate sample goes: the most recently sent segment
/// among them. It lives while the ACK is processed, not in the connection.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AckDeliveries {
    latest: Option<Latest>,
}

/// The connection's delivered count and what its rate samples are measured against.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeliveryRate {
    /// Bytes delivered (acknowledged or selectively acknowledged) so far.
    delivered: u64,
    delivered_at: Instant,
    /// When the segment that began the current send interval went out.
    first_sent_at: Instant,
    /// While nonzero, the sender is application-limited until `delivered` passes it.
    app_limited_until: u64,
    /// The smallest RTT seen: samples over a shorter interval are not taken.
    min_rtt: Option<Duration>,
}

impl DeliveryRate {
    /// Nothing delivered yet (as `default()`, in a constant).
    pub(crate) const fn new() -> DeliveryRate {
        DeliveryRate {
            delivered: 0,
            delivered_at: Instant::ZERO,
            first_sent_at: Instant::ZERO,
            app_limited_until: 0,
            min_rtt: None,
        }
    }

    /// Bytes delivered over the connection's life.
    pub(crate) fn delivered(&self) -> u64 {
        self.delivered
    }

    /// The snapshot to keep with a segment sent at `now`; `idle` when nothing else is in
    /// flight, which starts a new send and delivery interval.
    pub(crate) fn on_send(&mut self, now: Instant, idle: bool) -> SendSnapshot {
        if idle {
            self.first_sent_at = now;
            self.delivered_at = now;
        }
        SendSnapshot {
            delivered: self.delivered,
            delivered_at: self.delivered_at,
            first_sent_at: self.first_sent_at,
            app_limited: self.app_limited_until != 0,
        }
    }

    /// `len` bytes of a segment sent at `sent_at` (with `snapshot`) were delivered at `now`
    /// by the ACK whose deliveries `ack` gathers.
    pub(crate) fn on_delivered(
        &mut self,
        now: Instant,
        len: u32,
        (sent_at, snapshot, retransmitted): (Instant, SendSnapshot, bool),
        ack: &mut AckDeliveries,
    ) {
        self.delivered += u64::from(len);
        self.delivered_at = now;
        if ack.latest.is_some_and(|latest| sent_at < latest.sent_at) {
            return;
        }
        let rtt = (!retransmitted).then(|| now.saturating_duration_since(sent_at));
        if let Some(rtt) = rtt {
            self.min_rtt = Some(self.min_rtt.map_or(rtt, |min| min.min(rtt)));
        }
        ack.latest = Some(Latest {
            snapshot,
            sent_at,
            rtt,
        });
        self.first_sent_at = sent_at;
    }

    /// Ends the ACK that delivered `ack`: the rate sample it yields (none when it delivered
    /// nothing or its interval is shorter than the minimum RTT), and the RTT of the most
    /// recently sent segment it delivered.
    pub(crate) fn sample(&mut self, ack: AckDeliveries) -> (Option<RateSample>, Option<Duration>) {
        if self.app_limited_until != 0 && self.delivered > self.app_limited_until {
            self.app_limited_until = 0;
        }
        let Some(latest) = ack.latest else {
            return (None, None);
        };
        let snapshot = latest.snapshot;
        let send_elapsed = latest
            .sent_at
            .saturating_duration_since(snapshot.first_sent_at);
        let ack_elapsed = self
            .delivered_at
            .saturating_duration_since(snapshot.delivered_at);
        let interval = send_elapsed.max(ack_elapsed);
        let too_short = interval.is_zero() || self.min_rtt.is_some_and(|min| interval < min);
        let sample = (!too_short).then(|| RateSample {
            delivered: self.delivered - snapshot.delivered,
            interval,
            prior_delivered: snapshot.delivered,
            app_limited: snapshot.app_limited,
        });
        (sample, latest.rtt)
    }

    /// The sender ran out of data with `in_flight` bytes outstanding: samples of segments
    /// sent until those are delivered may show the application's rate, not the path's.
    pub(crate) fn on_app_limited(&mut self, in_flight: u32) {
        self.app_limited_until = (self.delivered + u64::from(in_flight)).max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(us: u64) -> Instant {
        Instant::from_micros(us)
    }

    #[test]
    fn a_window_sent_in_a_burst_measures_the_ack_rate() {
        let mut rate = DeliveryRate::default();
        // Ten 1000-byte segments sent at once at t=0, ACKed one per 100 µs from t=1 ms.
        let sent: Vec<_> = (0..10).map(|i| rate.on_send(at(0), i == 0)).collect();
        let mut last = None;
        for (i, snapshot) in sent.into_iter().enumerate() {
            let mut ack = AckDeliveries::default();
            rate.on_delivered(
                at(1000 + 100 * i as u64),
                1000,
                (at(0), snapshot, false),
                &mut ack,
            );
            last = Some(rate.sample(ack));
        }
        let (sample, rtt) = last.unwrap();
        let sample = sample.unwrap();
        assert_eq!(sample.delivered, 10_000);
        assert_eq!(sample.interval, Duration::from_micros(1900));
        assert_eq!(rtt, Some(Duration::from_micros(1900)));
        assert!(!sample.app_limited);
    }

    #[test]
    fn intervals_shorter_than_the_minimum_rtt_give_no_sample() {
        let mut rate = DeliveryRate::default();
        let first = rate.on_send(at(0), true);
        let mut ack = AckDeliveries::default();
        rate.on_delivered(at(1000), 1000, (at(0), first, false), &mut ack);
        assert!(rate.sample(ack).0.is_some());
        // A retransmission sent at 1000 µs whose original's ACK arrives 10 µs later: the
        // interval (10 µs) is below the 1 ms minimum RTT, the rate would be 100 times
        // too high.
        let second = rate.on_send(at(1000), true);
        let mut ack = AckDeliveries::default();
        rate.on_delivered(at(1010), 1000, (at(1000), second, true), &mut ack);
        let (sample, rtt) = rate.sample(ack);
        assert!(sample.is_none());
        assert_eq!(rtt, None);
    }

    #[test]
    fn app_limited_marks_samples_until_the_flight_is_delivered() {
        let mut rate = DeliveryRate::default();
        let first = rate.on_send(at(0), true);
        rate.on_app_limited(1000);
        let second = rate.on_send(at(10), false);
        let mut ack = AckDeliveries::default();
        rate.on_delivered(at(1000), 1000, (at(0), first, false), &mut ack);
        assert!(!rate.sample(ack).0.unwrap().app_limited);
        let mut ack = AckDeliveries::default();
        rate.on_delivered(at(2000), 1000, (at(10), second, false), &mut ack);
        assert!(rate.sample(ack).0.unwrap().app_limited);
        let third = rate.on_send(at(2000), true);
        assert!(!third.app_limited, "the app-limited flight was delivered");
    }

    #[test]
    fn a_retransmission_gives_a_rate_but_no_rtt() {
        let mut rate = DeliveryRate::default();
        let snapshot = rate.on_send(at(0), true);
        let mut ack = AckDeliveries::default();
        rate.on_delivered(at(5000), 1000, (at(0), snapshot, true), &mut ack);
        let (sample, rtt) = rate.sample(ack);
        assert!(sample.is_some());
        assert_eq!(rtt, None);
    }
}
