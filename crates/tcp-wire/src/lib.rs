//! Zero-copy TCP codecs: a checked view over segment bytes ([`Segment`]), a typed header that
//! writes itself into a caller's buffer ([`Header`]), options ([`OptionIter`],
//! [`OptionWriter`], [`Options`]), the Internet checksum ([`Checksum`]), wrap-safe sequence
//! numbers ([`SeqNumber`]) and tcpdump-style lines ([`TcpdumpLine`]).
//!
//! No I/O, no allocation anywhere in this crate.
//!
//! # Panic contract
//! Every parsing entry point takes untrusted bytes and returns an [`Error`] instead of
//! panicking: [`Segment::new_checked`], [`Header::parse`], [`Options::parse`] and
//! [`OptionIter`]. Once [`Segment::new_checked`] has accepted a buffer, no accessor or setter
//! of that view panics. The one way to get a panic is to build a view with
//! [`Segment::new_unchecked`] over fewer than 20 bytes and read a fixed field.

mod checksum;
mod error;
mod flags;
mod header;
mod options;
mod segment;
mod seq_number;
mod tcpdump_line;

pub use checksum::{Checksum, update_u32, update_word};
pub use error::Error;
pub use flags::Flags;
pub use header::Header;
pub use options::{
    FastOpenCookie, MAX_FAST_OPEN_COOKIE, MAX_SACK_BLOCKS, MAX_WINDOW_SCALE, OptionIter,
    OptionWriter, Options, SackBlocks, TcpOption, Timestamps, kind,
};
pub use segment::{CHECKSUM_OFFSET, HEADER_LEN, MAX_HEADER_LEN, MAX_OPTIONS_LEN, Segment};
pub use seq_number::SeqNumber;
pub use tcpdump_line::TcpdumpLine;
