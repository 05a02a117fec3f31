//! Replies to segments that do not belong to the connection: the duplicate ACK for one
//! outside the window, rejected by PAWS or arriving in TIME_WAIT, and the challenge ACK
//! (RFC 5961). Both go through the connection's one `ReplyLimiter` (see `rate_limit`).

use super::Connection;
use super::input::Incoming;
use crate::context::Context;
use crate::time::Instant;

impl Connection {
    /// RFC 5961 challenge ACK, within the connection's interval and then the endpoint's
    /// budget for the second.
    pub(crate) fn challenge(&mut self, now: Instant, ctx: &mut Context<'_>) {
        let interval = ctx.config.invalid_ack_interval;
        if !self.timing.invalid_acks.allow(now, interval) || !ctx.challenges.take(now) {
            ctx.counters.challenge_acks_rate_limited += 1;
            tracing::trace!("challenge ACK rate limited");
            return;
        }
        ctx.counters.challenge_acks += 1;
        self.rcv.ack.now = true;
    }

    /// Answers `seg`, a segment that does not belong, with a duplicate ACK (RFC 9293
    /// §3.10.7.4, RFC 7323 §5.3): at once when it carries data or a FIN, otherwise at most
    /// once per `invalid_ack_interval`, as Linux's `tcp_oow_rate_limited` (a segment that
    /// occupies no sequence space, or a SYN, may be half of an ACK loop).
    pub(crate) fn answer_invalid(
        &mut self,
        now: Instant,
        seg: &Incoming<'_>,
        ctx: &mut Context<'_>,
    ) {
        let may_loop = seg.seg_len() == 0 || seg.flags.syn();
        if may_loop
            && !self
                .timing
                .invalid_acks
                .allow(now, ctx.config.invalid_ack_interval)
        {
            ctx.counters.invalid_acks_rate_limited += 1;
            tracing::trace!("duplicate ACK rate limited");
            return;
        }
        self.rcv.ack.now = true;
    }
}
