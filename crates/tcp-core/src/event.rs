//! What the engine tells its driver through `Endpoint::poll_event`.

use crate::handle::{ConnectionHandle, ListenerHandle};

/// Something the application may want to act on. Events are edge-triggered hints: after one,
/// the matching call (`read`, `write`, `accept`) makes progress until it returns
/// `WouldBlock`, and then the event comes again once it would not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The handshake completed on a connection we opened with `connect`.
    Connected(ConnectionHandle),
    /// In-order data, or the peer's FIN, is ready for `read`.
    Readable(ConnectionHandle),
    /// Send buffer space opened after `write` returned `WouldBlock`.
    Writable(ConnectionHandle),
    /// The peer sent FIN: after the buffered data, `read` returns 0.
    PeerClosed(ConnectionHandle),
    /// The connection failed: refused, reset or timed out; calls now return that error.
    Failed(ConnectionHandle, crate::Error),
    /// The connection left the engine entirely; its handle is no longer valid.
    Closed(ConnectionHandle),
    /// A listener has completed connections waiting in its accept queue.
    Incoming(ListenerHandle),
}
