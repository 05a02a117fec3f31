//! What a connection borrows from its endpoint while it handles input or timers.

use crate::addr::FourTuple;
use crate::config::Config;
use crate::counters::Counters;
use crate::endpoint::stateless::ResetReply;
use crate::rate_limit::ChallengeBudget;
use tcp_wire::SeqNumber;

/// Borrowed endpoint state: the parts of the endpoint a connection may read and count in,
/// lent for one call.
pub(crate) struct Context<'a> {
    pub(in crate::connection) config: &'a Config,
    /// Buffer bytes the connection may still allocate before the endpoint's buffer memory
    /// reaches its limit.
    pub(in crate::connection) buffer_room: usize,
    pub(in crate::connection) counters: &'a mut Counters,
    pub(in crate::connection) challenges: &'a mut ChallengeBudget,
    pub(in crate::connection) resets: &'a mut Vec<ResetReply>,
}

impl<'a> Context<'a> {
    /// Lends the endpoint's `config` and counters to a connection that may allocate
    /// `buffer_room` more buffer bytes; the RSTs it asks for land in `resets`.
    pub(crate) fn new(
        config: &'a Config,
        buffer_room: usize,
        counters: &'a mut Counters,
        challenges: &'a mut ChallengeBudget,
        resets: &'a mut Vec<ResetReply>,
    ) -> Context<'a> {
        Context {
            config,
            buffer_room,
            counters,
            challenges,
            resets,
        }
    }

    /// The endpoint's configuration.
    pub(crate) fn config(&self) -> &'a Config {
        self.config
    }

    /// Queues a RST in reply to a segment.
    pub(crate) fn reply_reset(&mut self, tuple: FourTuple, seq: SeqNumber, ack: Option<SeqNumber>) {
        self.resets.push(ResetReply::new(tuple, seq, ack));
    }
}
