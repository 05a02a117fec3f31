//! TCP options: a borrowing iterator that yields every option in order (unknown kinds
//! included), a writer that pads with zeros, and the owned values of the options the stack
//! understands.

use crate::error::Error;
use crate::seq::SeqNumber;

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
}

/// The largest window scale shift RFC 7323 §2.3 allows. A larger received value is treated as
/// 14 (and the RFC suggests logging it); a larger value asked to be written is written as 14.
pub const MAX_WINDOW_SCALE: u8 = 14;

/// The most SACK blocks that fit in 40 bytes of options.
pub const MAX_SACK_BLOCKS: usize = 4;

/// The longest Fast Open cookie (RFC 7413 §4.1.1).
pub const MAX_FAST_OPEN_COOKIE: usize = 16;

/// Up to four SACK blocks `[left, right)`, kept inline without allocation.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct SackBlocks {
    blocks: [(SeqNumber, SeqNumber); MAX_SACK_BLOCKS],
    len: u8,
}

impl SackBlocks {
    /// No blocks.
    pub const fn new() -> SackBlocks {
        SackBlocks {
            blocks: [(SeqNumber(0), SeqNumber(0)); MAX_SACK_BLOCKS],
            len: 0,
        }
    }

    /// Appends a block; returns `false` (and changes nothing) when four are already held.
    pub fn push(&mut self, left: SeqNumber, right: SeqNumber) -> bool {
        let Some(slot) = self.blocks.get_mut(usize::from(self.len)) else {
            return false;
        };
        *slot = (left, right);
        self.len += 1;
        true
    }

    /// The blocks, in the order they were pushed or appeared on the wire.
    pub fn as_slice(&self) -> &[(SeqNumber, SeqNumber)] {
        &self.blocks[..usize::from(self.len)]
    }

    /// Number of blocks held.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True when no block is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keeps only the first `len` blocks.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len.min(MAX_SACK_BLOCKS) as u8);
    }
}

impl core::fmt::Debug for SackBlocks {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// A Fast Open cookie of 0 bytes (a cookie request) or 4 to 16 bytes of even length.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct FastOpenCookie {
    bytes: [u8; MAX_FAST_OPEN_COOKIE],
    len: u8,
}

impl FastOpenCookie {
    /// An empty cookie: a client's request for one.
    pub const fn request() -> FastOpenCookie {
        FastOpenCookie {
            bytes: [0; MAX_FAST_OPEN_COOKIE],
            len: 0,
        }
    }

    /// A cookie from its bytes; `OptionBadLength` unless empty or 4..=16 bytes of even length.
    pub fn new(cookie: &[u8]) -> Result<FastOpenCookie, Error> {
        let len = cookie.len();
        if len != 0 && (!(4..=MAX_FAST_OPEN_COOKIE).contains(&len) || !len.is_multiple_of(2)) {
            return Err(Error::OptionBadLength);
        }
        let mut bytes = [0; MAX_FAST_OPEN_COOKIE];
        bytes[..len].copy_from_slice(cookie);
        Ok(FastOpenCookie {
            bytes,
            len: len as u8,
        })
    }

    /// The cookie bytes; empty for a request.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// True for a cookie request.
    pub fn is_request(&self) -> bool {
        self.len == 0
    }
}

impl core::fmt::Debug for FastOpenCookie {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "FastOpenCookie(")?;
        for byte in self.as_bytes() {
            write!(f, "{byte:02x}")?;
        }
        write!(f, ")")
    }
}

/// One option as found on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpOption<'a> {
    /// Kind 0: the end of the list; what follows is padding.
    EndOfList,
    /// Kind 1: padding.
    NoOperation,
    /// Kind 2: maximum segment size.
    Mss(u16),
    /// Kind 3: window scale shift as sent (possibly above [`MAX_WINDOW_SCALE`]).
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

/// Iterates over the options area of a header. Yields `Err` once and then stops when an
/// option is malformed; stops after an end-of-list option.
#[derive(Debug, Clone)]
pub struct OptionIter<'a> {
    rest: &'a [u8],
    done: bool,
}

impl<'a> OptionIter<'a> {
    /// An iterator over `options` (the bytes between the fixed header and the payload).
    pub fn new(options: &'a [u8]) -> OptionIter<'a> {
        OptionIter {
            rest: options,
            done: false,
        }
    }

    /// Reads the next option. The well-formed options Linux sends take a fast path that reads
    /// fixed-size fields straight from the slice; everything else (unknown kinds, SACK, Fast
    /// Open, every malformed case) goes through [`OptionIter::parse_general`], which gives the
    /// same result for the fast-path cases too.
    #[inline]
    fn parse_next(&mut self) -> Result<TcpOption<'a>, Error> {
        let (option, rest) = match *self.rest {
            [kind::NO_OPERATION, ref rest @ ..] => (TcpOption::NoOperation, rest),
            [kind::MSS, 4, high, low, ref rest @ ..] => {
                (TcpOption::Mss(u16::from_be_bytes([high, low])), rest)
            }
            [kind::WINDOW_SCALE, 3, shift, ref rest @ ..] => (TcpOption::WindowScale(shift), rest),
            [kind::SACK_PERMITTED, 2, ref rest @ ..] => (TcpOption::SackPermitted, rest),
            [kind::TIMESTAMPS, 10, ref rest @ ..] if rest.len() >= 8 => {
                let (ts, rest) = rest.split_at(8);
                let value = u32::from_be_bytes([ts[0], ts[1], ts[2], ts[3]]);
                let echo = u32::from_be_bytes([ts[4], ts[5], ts[6], ts[7]]);
                (TcpOption::Timestamps { value, echo }, rest)
            }
            _ => return self.parse_general(),
        };
        self.rest = rest;
        Ok(option)
    }

    fn parse_general(&mut self) -> Result<TcpOption<'a>, Error> {
        let &kind_byte = self.rest.first().ok_or(Error::OptionOverrun)?;
        match kind_byte {
            kind::END_OF_LIST => {
                self.done = true;
                return Ok(TcpOption::EndOfList);
            }
            kind::NO_OPERATION => {
                self.rest = &self.rest[1..];
                return Ok(TcpOption::NoOperation);
            }
            _ => {}
        }
        let &len_byte = self.rest.get(1).ok_or(Error::OptionOverrun)?;
        let len = usize::from(len_byte);
        if len < 2 {
            return Err(Error::OptionLengthTooSmall);
        }
        let whole = self.rest.get(..len).ok_or(Error::OptionOverrun)?;
        let data = &whole[2..];
        self.rest = &self.rest[len..];
        decode(kind_byte, data)
    }
}

/// Decodes the data of one option of kind `kind_byte`.
fn decode(kind_byte: u8, data: &[u8]) -> Result<TcpOption<'_>, Error> {
    let option = match (kind_byte, data.len()) {
        (kind::MSS, 2) => TcpOption::Mss(u16::from_be_bytes([data[0], data[1]])),
        (kind::WINDOW_SCALE, 1) => TcpOption::WindowScale(data[0]),
        (kind::SACK_PERMITTED, 0) => TcpOption::SackPermitted,
        (kind::SACK, n) if n > 0 && n.is_multiple_of(8) && n / 8 <= MAX_SACK_BLOCKS => {
            let mut blocks = SackBlocks::new();
            for pair in data.chunks_exact(8) {
                let left = u32::from_be_bytes([pair[0], pair[1], pair[2], pair[3]]);
                let right = u32::from_be_bytes([pair[4], pair[5], pair[6], pair[7]]);
                blocks.push(SeqNumber(left), SeqNumber(right));
            }
            TcpOption::Sack(blocks)
        }
        (kind::TIMESTAMPS, 8) => TcpOption::Timestamps {
            value: u32::from_be_bytes([data[0], data[1], data[2], data[3]]),
            echo: u32::from_be_bytes([data[4], data[5], data[6], data[7]]),
        },
        (kind::FAST_OPEN, _) => TcpOption::FastOpen(FastOpenCookie::new(data)?),
        (
            kind::MSS | kind::WINDOW_SCALE | kind::SACK_PERMITTED | kind::SACK | kind::TIMESTAMPS,
            _,
        ) => {
            return Err(Error::OptionBadLength);
        }
        (kind, _) => TcpOption::Unknown { kind, data },
    };
    Ok(option)
}

impl<'a> Iterator for OptionIter<'a> {
    type Item = Result<TcpOption<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.rest.is_empty() {
            return None;
        }
        let item = self.parse_next();
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }
}

/// Writes options into a header's option area and pads it with zeros to a 4-byte boundary.
#[derive(Debug)]
pub struct OptionWriter<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> OptionWriter<'a> {
    /// A writer over `buf`, the option area (at most 40 bytes are ever used).
    pub fn new(buf: &'a mut [u8]) -> OptionWriter<'a> {
        OptionWriter { buf, pos: 0 }
    }

    /// Appends one option; `OptionsTooLong` past 40 bytes, `BufferTooSmall` past `buf`.
    pub fn write(&mut self, option: &TcpOption<'_>) -> Result<(), Error> {
        let len = option.wire_len();
        if self.pos + len > crate::header::MAX_OPTIONS_LEN {
            return Err(Error::OptionsTooLong);
        }
        let out = self
            .buf
            .get_mut(self.pos..self.pos + len)
            .ok_or(Error::BufferTooSmall)?;
        encode(option, out);
        self.pos += len;
        Ok(())
    }

    /// Pads with zero bytes to a multiple of 4 and returns the padded length.
    pub fn finish(self) -> Result<usize, Error> {
        let padded = self.pos.div_ceil(4) * 4;
        let pad = self
            .buf
            .get_mut(self.pos..padded)
            .ok_or(Error::BufferTooSmall)?;
        pad.fill(0);
        Ok(padded)
    }
}

/// Writes `option` into `out`, which is exactly `option.wire_len()` bytes.
fn encode(option: &TcpOption<'_>, out: &mut [u8]) {
    let len = out.len() as u8;
    match option {
        TcpOption::EndOfList => out[0] = kind::END_OF_LIST,
        TcpOption::NoOperation => out[0] = kind::NO_OPERATION,
        TcpOption::Mss(mss) => {
            out[..2].copy_from_slice(&[kind::MSS, len]);
            out[2..].copy_from_slice(&mss.to_be_bytes());
        }
        TcpOption::WindowScale(shift) => {
            out.copy_from_slice(&[kind::WINDOW_SCALE, len, (*shift).min(MAX_WINDOW_SCALE)]);
        }
        TcpOption::SackPermitted => out.copy_from_slice(&[kind::SACK_PERMITTED, len]),
        TcpOption::Sack(blocks) => {
            out[..2].copy_from_slice(&[kind::SACK, len]);
            for (slot, (left, right)) in out[2..].chunks_exact_mut(8).zip(blocks.as_slice()) {
                slot[..4].copy_from_slice(&left.0.to_be_bytes());
                slot[4..].copy_from_slice(&right.0.to_be_bytes());
            }
        }
        TcpOption::Timestamps { value, echo } => {
            out[..2].copy_from_slice(&[kind::TIMESTAMPS, len]);
            out[2..6].copy_from_slice(&value.to_be_bytes());
            out[6..].copy_from_slice(&echo.to_be_bytes());
        }
        TcpOption::FastOpen(cookie) => {
            out[..2].copy_from_slice(&[kind::FAST_OPEN, len]);
            out[2..].copy_from_slice(cookie.as_bytes());
        }
        TcpOption::Unknown { kind, data } => {
            out[..2].copy_from_slice(&[*kind, len]);
            out[2..].copy_from_slice(data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(bytes: &[u8]) -> Vec<Result<TcpOption<'_>, Error>> {
        OptionIter::new(bytes).collect()
    }

    #[test]
    fn linux_syn_options_parse_in_order() {
        // mss 1460, sackOK, TS val 1 ecr 0, nop, wscale 7 — as Linux sends on a SYN.
        let bytes = [
            2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7,
        ];
        let options: Vec<_> = collect(&bytes).into_iter().map(Result::unwrap).collect();
        assert_eq!(
            options,
            vec![
                TcpOption::Mss(1460),
                TcpOption::SackPermitted,
                TcpOption::Timestamps { value: 1, echo: 0 },
                TcpOption::NoOperation,
                TcpOption::WindowScale(7),
            ]
        );
    }

    #[test]
    fn unknown_kinds_are_yielded_with_their_bytes() {
        let bytes = [99, 4, 0xab, 0xcd, 2, 4, 0x02, 0x18];
        let options = collect(&bytes);
        assert_eq!(
            options[0],
            Ok(TcpOption::Unknown {
                kind: 99,
                data: &[0xab, 0xcd]
            })
        );
        assert_eq!(options[1], Ok(TcpOption::Mss(536)));
    }

    #[test]
    fn malformed_lengths_give_specific_errors() {
        assert_eq!(collect(&[99, 0]), vec![Err(Error::OptionLengthTooSmall)]);
        assert_eq!(
            collect(&[99, 1, 0, 0]),
            vec![Err(Error::OptionLengthTooSmall)]
        );
        assert_eq!(collect(&[99, 8, 0, 0]), vec![Err(Error::OptionOverrun)]);
        assert_eq!(collect(&[2]), vec![Err(Error::OptionOverrun)]);
        assert_eq!(collect(&[2, 3, 0]), vec![Err(Error::OptionBadLength)]);
        assert_eq!(collect(&[5, 2]), vec![Err(Error::OptionBadLength)]);
        assert_eq!(
            collect(&[34, 5, 1, 2, 3]),
            vec![Err(Error::OptionBadLength)]
        );
    }

    #[test]
    fn iteration_stops_at_end_of_list_and_after_an_error() {
        assert_eq!(
            collect(&[1, 0, 2, 4]),
            vec![Ok(TcpOption::NoOperation), Ok(TcpOption::EndOfList)]
        );
        assert_eq!(collect(&[99, 0, 1, 1]).len(), 1);
    }

    #[test]
    fn writer_pads_with_zeros() {
        let mut buf = [0xff; 40];
        let mut writer = OptionWriter::new(&mut buf);
        writer.write(&TcpOption::WindowScale(20)).unwrap();
        assert_eq!(writer.finish(), Ok(4));
        assert_eq!(&buf[..4], &[3, 3, MAX_WINDOW_SCALE, 0]);
    }

    #[test]
    fn writer_refuses_more_than_forty_bytes() {
        let mut buf = [0; 60];
        let mut writer = OptionWriter::new(&mut buf);
        let mut blocks = SackBlocks::new();
        for i in 0..4 {
            blocks.push(SeqNumber(i), SeqNumber(i + 1));
        }
        writer.write(&TcpOption::Sack(blocks)).unwrap();
        for _ in 0..3 {
            writer.write(&TcpOption::NoOperation).unwrap();
        }
        assert_eq!(writer.write(&TcpOption::Mss(1)), Err(Error::OptionsTooLong));
    }

    #[test]
    fn fast_open_cookie_lengths() {
        assert!(FastOpenCookie::new(&[]).unwrap().is_request());
        assert!(FastOpenCookie::new(&[1, 2, 3, 4]).is_ok());
        assert!(FastOpenCookie::new(&[1; 16]).is_ok());
        assert_eq!(FastOpenCookie::new(&[1; 2]), Err(Error::OptionBadLength));
        assert_eq!(FastOpenCookie::new(&[1; 5]), Err(Error::OptionBadLength));
        assert_eq!(FastOpenCookie::new(&[1; 18]), Err(Error::OptionBadLength));
    }
}
