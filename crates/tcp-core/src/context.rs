//! What a connection borrows from its endpoint while it handles input or timers.

use crate::addr::FourTuple;
use crate::config::Config;
use crate::counters::Counters;
use crate::rate_limit::ChallengeBudget;
use tcp_wire::SeqNumber;

/// A RST the endpoint must send on behalf of no connection, or of a connection answering a
/// segment from outside its own sequence space (RFC 9293 §3.10.7.1 and friends). A plain
/// record a connection fills and the endpoint sends, with no invariant of its own (so its
/// fields are open to both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResetReply {
    pub(crate) tuple: FourTuple,
    pub(crate) seq: SeqNumber,
    /// `Some` makes it a RST+ACK acknowledging this number.
    pub(crate) ack: Option<SeqNumber>,
}

/// Borrowed endpoint state: the parts of the endpoint a connection may read and count in,
/// lent for one call (so its fields are open to both sides).
pub(crate) struct Context<'a> {
    pub(crate) config: &'a Config,
    /// Buffer bytes the connection may still allocate before the endpoint's buffer memory
    /// reaches its limit.
    pub(crate) buffer_room: usize,
    pub(crate) counters: &'a mut Counters,
    pub(crate) challenges: &'a mut ChallengeBudget,
    pub(crate) resets: &'a mut Vec<ResetReply>,
}

impl Context<'_> {
    /// Queues a RST in reply to a segment.
    pub(crate) fn reply_reset(&mut self, tuple: FourTuple, seq: SeqNumber, ack: Option<SeqNumber>) {
        self.resets.push(ResetReply { tuple, seq, ack });
    }
}
