//! What the endpoint reads of a connection: its identity, state, options, bookkeeping and
//! counters, without reaching into the control block.

use super::{Bookkeeping, Connection, ConnectionSpan, LiveStats};
use crate::addr::FourTuple;
use crate::config::SocketOptions;
use crate::error::Error;
use crate::state::State;

impl Connection {
    /// The connection's addresses and ports.
    pub(crate) fn tuple(&self) -> FourTuple {
        self.tuple
    }

    /// The RFC 9293 state.
    pub(crate) fn state(&self) -> State {
        self.state
    }

    /// The options in effect.
    pub(crate) fn options(&self) -> &SocketOptions {
        &self.options
    }

    /// The endpoint's bookkeeping about this connection.
    pub(crate) fn books(&self) -> &Bookkeeping {
        &self.books
    }

    /// The same, to update as the endpoint moves the connection between its queues and
    /// counts.
    pub(crate) fn books_mut(&mut self) -> &mut Bookkeeping {
        &mut self.books
    }

    /// The error the connection failed with, not yet taken by the application.
    pub(crate) fn error(&self) -> Option<Error> {
        self.error
    }

    /// Takes that error: it is reported once.
    pub(crate) fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }

    /// The counters of what the connection did so far.
    pub(crate) fn stats(&self) -> &LiveStats {
        &self.stats
    }

    /// The tracing span of its log lines.
    pub(crate) fn span(&self) -> &ConnectionSpan {
        &self.span
    }

    /// The last segment produced carries new data and may be marked ECN-capable.
    pub(crate) fn last_segment_ect(&self) -> bool {
        self.last_segment_ect
    }
}
