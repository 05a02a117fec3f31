//! What a connection borrows from its endpoint while it handles input or timers.

use crate::addr::FourTuple;
use crate::config::Config;
use crate::stats::Counters;
use crate::time::Instant;
use core::time::Duration;
use tcp_wire::SeqNumber;

/// A RST the endpoint must send on behalf of no connection, or of a connection answering a
/// segment from outside its own sequence space (RFC 9293 §3.10.7.1 and friends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResetReply {
    pub(crate) tuple: FourTuple,
    pub(crate) seq: SeqNumber,
    /// `Some` makes it a RST+ACK acknowledging this number.
    pub(crate) ack: Option<SeqNumber>,
}

/// The endpoint-wide budget of challenge ACKs (RFC 5961 §7).
#[derive(Debug, Clone)]
pub(crate) struct ChallengeLimiter {
    window_start: Instant,
    sent: u32,
    limit: u32,
}

impl ChallengeLimiter {
    /// Allows `limit` challenge ACKs per second.
    pub(crate) fn new(limit: u32) -> ChallengeLimiter {
        ChallengeLimiter {
            window_start: Instant::ZERO,
            sent: 0,
            limit,
        }
    }

    /// Takes one from this second's budget; false when it is spent.
    pub(crate) fn allow(&mut self, now: Instant) -> bool {
        if now - self.window_start >= Duration::from_secs(1) {
            self.window_start = now;
            self.sent = 0;
        }
        if self.sent >= self.limit {
            return false;
        }
        self.sent += 1;
        true
    }
}

/// Borrowed endpoint state.
pub(crate) struct Context<'a> {
    pub(crate) config: &'a Config,
    pub(crate) counters: &'a mut Counters,
    pub(crate) challenges: &'a mut ChallengeLimiter,
    pub(crate) resets: &'a mut Vec<ResetReply>,
}

impl Context<'_> {
    /// Queues a RST in reply to a segment.
    pub(crate) fn reply_reset(&mut self, tuple: FourTuple, seq: SeqNumber, ack: Option<SeqNumber>) {
        self.resets.push(ResetReply { tuple, seq, ack });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_acks_are_limited_per_second() {
        let mut limiter = ChallengeLimiter::new(2);
        let t = Instant::from_millis(5000);
        assert!(limiter.allow(t));
        assert!(limiter.allow(t));
        assert!(!limiter.allow(t + Duration::from_millis(999)));
        assert!(limiter.allow(t + Duration::from_millis(1000)));
    }
}
