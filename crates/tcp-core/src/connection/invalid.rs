//! Replies to segments that do not belong to the connection: the duplicate ACK for one
//! outside the window, rejected by PAWS or arriving in TIME_WAIT, and the challenge ACK
//! (RFC 5961). Both go through the connection's one `ReplyLimiter` (see `rate_limit`), which
//! a TIME_WAIT record keeps too.

use super::Connection;
use super::input::Incoming;
use crate::context::Context;
use crate::rate_limit::ReplyLimiter;
use crate::time::Instant;

/// RFC 5961 challenge ACK: true when one may go now, within `replies`' interval and then
/// the endpoint's budget for the second; counted either way.
pub(crate) fn may_challenge(
    replies: &mut ReplyLimiter,
    now: Instant,
    ctx: &mut Context<'_>,
) -> bool {
    let interval = ctx.config.hardening.invalid_ack_interval;
    if !replies.allow(now, interval) || !ctx.challenges.take(now) {
        ctx.counters.challenge_acks_rate_limited += 1;
        tracing::trace!("challenge ACK rate limited");
        return false;
    }
    ctx.counters.challenge_acks += 1;
    true
}

/// Whether `seg`, a segment that does not belong, is answered with a duplicate ACK
/// (RFC 9293 §3.10.7.4, RFC 7323 §5.3): always when it carries data or a FIN, otherwise at
/// most once per `invalid_ack_interval` of `replies`, as Linux's `tcp_oow_rate_limited` (a
/// segment that occupies no sequence space, or a SYN, may be half of an ACK loop).
pub(crate) fn may_answer_invalid(
    replies: &mut ReplyLimiter,
    now: Instant,
    seg: &Incoming<'_>,
    ctx: &mut Context<'_>,
) -> bool {
    let may_loop = seg.seg_len() == 0 || seg.flags.syn();
    if may_loop && !replies.allow(now, ctx.config.hardening.invalid_ack_interval) {
        ctx.counters.invalid_acks_rate_limited += 1;
        tracing::trace!("duplicate ACK rate limited");
        return false;
    }
    true
}

impl Connection {
    /// A challenge ACK, if [`may_challenge`] lets one go.
    pub(crate) fn challenge(&mut self, now: Instant, ctx: &mut Context<'_>) {
        if may_challenge(&mut self.timing.invalid_acks, now, ctx) {
            self.rcv.ack.now = true;
        }
    }

    /// A duplicate ACK in answer to `seg`, if [`may_answer_invalid`] lets one go.
    pub(crate) fn answer_invalid(
        &mut self,
        now: Instant,
        seg: &Incoming<'_>,
        ctx: &mut Context<'_>,
    ) {
        if may_answer_invalid(&mut self.timing.invalid_acks, now, seg, ctx) {
            self.rcv.ack.now = true;
        }
    }
}
