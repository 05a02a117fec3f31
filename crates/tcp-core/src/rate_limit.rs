//! Limits on the ACKs the engine sends in reply to segments that do not belong to a
//! connection: duplicate ACKs for segments outside the window, PAWS-rejected ones and
//! TIME_WAIT's (RFC 9293 §3.10.7.4, RFC 7323 §5.3), and challenge ACKs (RFC 5961 §7).
//!
//! As Linux: one interval per connection that both kinds share (`tcp_invalid_ratelimit`,
//! `last_oow_ack_time`), so two ends that disagree about each other's sequence numbers
//! cannot ACK each other without end, and one connection cannot drain the endpoint-wide
//! budget of challenge ACKs; and that budget (`tcp_challenge_ack_limit`) is drawn afresh
//! each second from the endpoint secret, so an off-path attacker who drains it with many
//! connections cannot tell from the count whether a spoofed segment took one
//! (CVE-2016-5696).

use crate::time::Instant;
use core::hash::Hasher;
use core::time::Duration;
use siphasher::sip::SipHasher13;

/// One connection's limit: at most one reply per interval.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReplyLimiter {
    last: Option<Instant>,
}

impl ReplyLimiter {
    /// True when no reply went out in the `interval` before `now`; the interval then
    /// restarts at `now`.
    pub(crate) fn allow(&mut self, now: Instant, interval: Duration) -> bool {
        if let Some(last) = self.last
            && now - last < interval
        {
            return false;
        }
        self.last = Some(now);
        true
    }
}

/// The endpoint-wide budget of challenge ACKs: each one-second window allows a number drawn
/// uniformly from `[ceil(limit / 2), limit + ceil(limit / 2))` with a keyed hash of the
/// window's start, so the budget averages `limit` per second, cannot be predicted without
/// the endpoint secret, and is the same for the same secret and inputs.
#[derive(Debug, Clone)]
pub(crate) struct ChallengeBudget {
    key: [u8; 16],
    limit: u32,
    window_start: Option<Instant>,
    left: u32,
}

impl ChallengeBudget {
    /// A budget averaging `limit` challenge ACKs per second, drawn with `key`.
    pub(crate) fn new(key: [u8; 16], limit: u32) -> ChallengeBudget {
        ChallengeBudget {
            key,
            limit,
            window_start: None,
            left: 0,
        }
    }

    /// Takes one from the current second's budget; false when it is spent.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        let expired = self
            .window_start
            .is_none_or(|start| now - start >= Duration::from_secs(1));
        if expired {
            self.window_start = Some(now);
            self.left = self.draw(now);
        }
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        true
    }

    /// The budget of the window starting at `start`.
    fn draw(&self, start: Instant) -> u32 {
        if self.limit == 0 {
            return 0;
        }
        let mut hasher = SipHasher13::new_with_key(&self.key);
        hasher.write_u64(start.as_micros());
        let spread = (hasher.finish() % u64::from(self.limit)) as u32;
        self.limit.div_ceil(2).saturating_add(spread)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reply_per_interval() {
        let mut limiter = ReplyLimiter::default();
        let interval = Duration::from_millis(500);
        let t = Instant::from_millis(5_000);
        assert!(limiter.allow(t, interval));
        assert!(!limiter.allow(t, interval));
        assert!(!limiter.allow(t + Duration::from_millis(499), interval));
        assert!(limiter.allow(t + Duration::from_millis(500), interval));
        assert!(!limiter.allow(t + Duration::from_millis(600), interval));
        assert!(limiter.allow(t + Duration::from_millis(600), Duration::ZERO));
    }

    fn spend(budget: &mut ChallengeBudget, now: Instant) -> u32 {
        let mut taken = 0;
        while budget.take(now) {
            taken += 1;
        }
        taken
    }

    #[test]
    fn each_second_draws_a_budget_around_the_limit() {
        let mut budget = ChallengeBudget::new([9; 16], 1_000);
        let sizes: Vec<u32> = (0..200)
            .map(|s| spend(&mut budget, Instant::from_millis(1_000 * s)))
            .collect();
        assert!(sizes.iter().all(|n| (500..1_500).contains(n)), "{sizes:?}");
        let mean = sizes.iter().sum::<u32>() / 200;
        assert!((900..1_100).contains(&mean), "mean {mean}");
        let distinct: std::collections::HashSet<_> = sizes.iter().collect();
        assert!(distinct.len() > 150, "{} distinct budgets", distinct.len());
        assert!(
            !budget.take(Instant::from_millis(199_999)),
            "spent until the window ends"
        );
    }

    #[test]
    fn the_budget_depends_on_the_key_and_nothing_else() {
        let at = Instant::from_millis(7_000);
        let draw = |key| spend(&mut ChallengeBudget::new(key, 1_000), at);
        assert_eq!(draw([1; 16]), draw([1; 16]));
        let sizes: std::collections::HashSet<_> = (0..20u8).map(|k| draw([k; 16])).collect();
        assert!(sizes.len() > 15, "{sizes:?}");
    }

    #[test]
    fn limits_at_the_extremes() {
        assert_eq!(
            spend(&mut ChallengeBudget::new([0; 16], 0), Instant::ZERO),
            0
        );
        assert_eq!(
            spend(&mut ChallengeBudget::new([0; 16], 1), Instant::ZERO),
            1
        );
        let mut unlimited = ChallengeBudget::new([0; 16], u32::MAX);
        assert!((0..10_000).all(|_| unlimited.take(Instant::ZERO)));
    }
}
