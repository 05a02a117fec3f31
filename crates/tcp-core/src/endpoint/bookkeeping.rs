//! The endpoint's bookkeeping about a connection, outside the RFC's control block: who holds
//! its handle, which queues and counts it is in, what memory it may use, and the events it
//! raised for the endpoint to deliver.

use crate::connection::Raised;
use crate::endpoint::census::Tally;
use crate::handle::ListenerHandle;

/// Who holds a connection's handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    /// A passive open its listener holds until the application accepts it: the
    /// application has never seen the handle and hears no events about it.
    Listener,
    /// The application (after `connect` or `accept`): it hears the events.
    Application,
    /// The application called `close`: nobody reads, the stack finishes the close.
    Orphan,
}

impl Holder {
    /// The application was given the handle at some point (by `connect` or `accept`).
    pub(crate) fn was_exposed(self) -> bool {
        self != Holder::Listener
    }
}

/// Endpoint-side state of one connection.
#[derive(Debug)]
pub(crate) struct Bookkeeping {
    /// The listener a passive open came through, until the application accepts it.
    pub(in crate::endpoint) listener: Option<ListenerHandle>,
    /// Who holds the handle.
    pub(in crate::endpoint) holder: Holder,
    /// Listed in the endpoint's transmit queue.
    pub(in crate::endpoint) in_transmit_queue: bool,
    /// The endpoint's count (TIME_WAIT entries, orphans) it is in.
    pub(in crate::endpoint) tally: Tally,
    /// Buffer bytes the endpoint has counted for it.
    pub(in crate::endpoint) charged: usize,
    /// A write found no memory and waits for the endpoint's pressure to end.
    pub(in crate::endpoint) waiting_for_memory: bool,
    /// Events raised and not yet turned into [`crate::Event`]s.
    pub(in crate::endpoint) raised: Raised,
}

impl Default for Bookkeeping {
    fn default() -> Bookkeeping {
        Bookkeeping {
            listener: None,
            holder: Holder::Application,
            in_transmit_queue: false,
            tally: Tally::None,
            charged: 0,
            waiting_for_memory: false,
            raised: Raised::default(),
        }
    }
}

impl Bookkeeping {
    /// Who holds the handle.
    pub(crate) fn holder(&self) -> Holder {
        self.holder
    }

    /// The application closed the connection: the stack finishes the close alone.
    pub(crate) fn orphan(&mut self) {
        self.holder = Holder::Orphan;
    }

    /// The listener a passive open came through, until the application accepts it.
    pub(crate) fn listener(&self) -> Option<ListenerHandle> {
        self.listener
    }

    /// A passive open: `listener` holds it until the application accepts it.
    pub(crate) fn held_by(&mut self, listener: ListenerHandle) {
        self.listener = Some(listener);
        self.holder = Holder::Listener;
    }

    /// Records events for the endpoint to deliver.
    pub(crate) fn raise(&mut self, kinds: Raised) {
        self.raised |= kinds;
    }

    /// Nothing but its TIME_WAIT count ties the connection to the endpoint: an orphan
    /// holding no buffer memory, so it can rest as a compact record.
    pub(crate) fn only_resting(&self) -> bool {
        self.holder == Holder::Orphan && self.tally == Tally::TimeWait && self.charged == 0
    }
}
