//! Opaque names of connections and listeners.

use core::fmt;
use core::num::NonZeroU64;

/// Names one connection of an endpoint. Handles are never reused by an endpoint, so a stale
/// handle gets `Error::InvalidHandle`, never another connection.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionHandle(pub(crate) u64);

/// Names one listener of an endpoint; never reused. Never zero, so an optional handle takes
/// no more room than a handle.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ListenerHandle(pub(crate) NonZeroU64);

impl fmt::Debug for ConnectionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}

impl fmt::Debug for ListenerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "listener#{}", self.0)
    }
}
