//! What a connection raises for the endpoint to turn into [`crate::Event`]s: a typed set of
//! event kinds, filled by the connection and emptied by the endpoint after each call.

use core::ops::{BitOr, BitOrAssign};

/// One kind of event a connection raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Raise {
    /// The handshake of an active open completed.
    Connected,
    /// Data or EOF became readable.
    Readable,
    /// Send space opened after a blocked write.
    Writable,
    /// The peer's FIN arrived.
    PeerClosed,
    /// The connection failed (see `Connection::error`).
    Failed,
    /// A passive open reached ESTABLISHED: it belongs in the accept queue.
    Acceptable,
    /// Retransmissions reached R1: the layer below should re-confirm the path to the peer
    /// (RFC 9293 MUST-20).
    NegativeAdvice,
}

impl Raise {
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of raised event kinds; raising one twice keeps one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Raised(u8);

impl Raised {
    /// True when `kind` is in the set.
    pub(crate) fn contains(self, kind: Raise) -> bool {
        self.0 & kind.bit() != 0
    }
}

impl From<Raise> for Raised {
    fn from(kind: Raise) -> Raised {
        Raised(kind.bit())
    }
}

impl BitOr for Raise {
    type Output = Raised;
    fn bitor(self, other: Raise) -> Raised {
        Raised(self.bit() | other.bit())
    }
}

impl BitOr<Raise> for Raised {
    type Output = Raised;
    fn bitor(self, other: Raise) -> Raised {
        Raised(self.0 | other.bit())
    }
}

impl BitOrAssign<Raise> for Raised {
    fn bitor_assign(&mut self, other: Raise) {
        self.0 |= other.bit();
    }
}

impl BitOrAssign for Raised {
    fn bitor_assign(&mut self, other: Raised) {
        self.0 |= other.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_what_was_raised_once_each() {
        let mut set = Raise::Connected | Raise::Writable;
        set |= Raise::Writable;
        set |= Raised::from(Raise::Failed);
        assert!(set.contains(Raise::Connected));
        assert!(set.contains(Raise::Writable));
        assert!(set.contains(Raise::Failed));
        assert!(!set.contains(Raise::Readable));
        assert!(!Raised::default().contains(Raise::Acceptable));
    }
}
