//! One TCP option as found on the wire, known kinds decoded and unknown ones kept as bytes.

use super::{FastOpenCookie, SackBlocks};

/// One option as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// Kind 0: the end of the list; what follows is padding.
    EndOfList,
    /// Kind 1: padding.
    NoOperation,
    /// Kind 2: maximum segment size.
    Mss(u16),
    /// Kind 3: window scale shift as sent, possibly above
    /// [`MAX_WINDOW_SCALE`](super::MAX_WINDOW_SCALE).
    WindowScale(u8),
    /// Kind 4: SACK permitted.
    SackPermitted,
    /// Kind 5: one to four SACK blocks.
    Sack(SackBlocks),
    /// Kind 8: timestamp value and echo reply.
    Timestamps {
        /// TSval: the sender's clock.
        value: u32,
        /// TSecr: the echoed clock of the peer.
        echo: u32,
    },
    /// Kind 34: Fast Open cookie or cookie request.
    FastOpen(FastOpenCookie),
    /// Any other kind, with the bytes after its length octet.
    Unknown {
        /// The option kind.
        kind: u8,
        /// The option's data (its length octet excluded).
        data: &'a [u8],
    },
}

impl TcpOption<'_> {
    /// Bytes this option takes on the wire.
    pub fn wire_len(&self) -> usize {
        match self {
            TcpOption::EndOfList | TcpOption::NoOperation => 1,
            TcpOption::Mss(_) => 4,
            TcpOption::WindowScale(_) => 3,
            TcpOption::SackPermitted => 2,
            TcpOption::Sack(blocks) => 2 + 8 * blocks.len(),
            TcpOption::Timestamps { .. } => 10,
            TcpOption::FastOpen(cookie) => 2 + cookie.as_bytes().len(),
            TcpOption::Unknown { data, .. } => 2 + data.len(),
        }
    }
}
