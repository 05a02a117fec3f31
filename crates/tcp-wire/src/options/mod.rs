//! TCP options (RFC 9293 §3.1): the kind numbers and size limits shared by everything here,
//! one option as found on the wire ([`TcpOption`]) with its owned values ([`SackBlocks`],
//! [`FastOpenCookie`]), a borrowing iterator that yields every option in order, unknown kinds
//! included ([`OptionIter`]), a writer that pads with zeros ([`OptionWriter`]), and the set of
//! options the stack understands, gathered from or written into a header ([`Options`]).

mod fast_open_cookie;
mod iter;
mod sack_blocks;
mod set;
mod tcp_option;
mod writer;

pub use fast_open_cookie::FastOpenCookie;
pub use iter::OptionIter;
pub use sack_blocks::SackBlocks;
pub use set::{Options, Timestamps};
pub use tcp_option::TcpOption;
pub use writer::OptionWriter;

/// Option kind numbers (IANA "TCP Option Kind Numbers").
pub mod kind {
    /// End of option list.
    pub const END_OF_LIST: u8 = 0;
    /// No operation (padding between options).
    pub const NO_OPERATION: u8 = 1;
    /// Maximum segment size (RFC 9293).
    pub const MSS: u8 = 2;
    /// Window scale (RFC 7323).
    pub const WINDOW_SCALE: u8 = 3;
    /// SACK permitted (RFC 2018).
    pub const SACK_PERMITTED: u8 = 4;
    /// SACK blocks (RFC 2018).
    pub const SACK: u8 = 5;
    /// Timestamps (RFC 7323).
    pub const TIMESTAMPS: u8 = 8;
    /// TCP Fast Open cookie (RFC 7413).
    pub const FAST_OPEN: u8 = 34;
    /// The shared experimental kind (RFC 6994), which Fast Open used before it had its own,
    /// marked by [`FAST_OPEN_MAGIC`].
    pub const EXPERIMENTAL: u8 = 254;
    /// The magic number opening the data of an experimental option that is a Fast Open
    /// cookie (RFC 7413 §4.1.1).
    pub const FAST_OPEN_MAGIC: [u8; 2] = [0xf9, 0x89];
}

/// The largest window scale shift RFC 7323 §2.3 allows. A larger received value is treated as
/// 14 (and the RFC suggests logging it); a larger value asked to be written is written as 14.
pub const MAX_WINDOW_SCALE: u8 = 14;

/// The most SACK blocks that fit in 40 bytes of options.
pub const MAX_SACK_BLOCKS: usize = 4;

/// The longest Fast Open cookie (RFC 7413 §4.1.1).
pub const MAX_FAST_OPEN_COOKIE: usize = 16;
