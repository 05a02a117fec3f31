//! The owned, typed TCP header ([`Header`]): every field with options parsed, read from a
//! [`Segment`] and written into a caller's buffer.

use crate::error::Error;
use crate::flags::Flags;
use crate::options::Options;
use crate::segment::{HEADER_LEN, MAX_OPTIONS_LEN, Segment};
use crate::seq_number::SeqNumber;

/// Every field of a TCP header, with options parsed into [`Options`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: SeqNumber,
    /// Acknowledgment number (written as given even without ACK).
    pub ack: SeqNumber,
    /// Control bits.
    pub flags: Flags,
    /// Window field, unscaled.
    pub window: u16,
    /// Urgent pointer.
    pub urgent_pointer: u16,
    /// Known options.
    pub options: Options,
}

impl Header {
    /// Reads every field of a checked segment; fails only on malformed options.
    pub fn parse<T: AsRef<[u8]>>(segment: &Segment<T>) -> Result<Header, Error> {
        Ok(Header {
            src_port: segment.src_port(),
            dst_port: segment.dst_port(),
            seq: segment.seq_number(),
            ack: segment.ack_number(),
            flags: segment.flags(),
            window: segment.window(),
            urgent_pointer: segment.urgent_pointer(),
            options: Options::parse(segment.options())?,
        })
    }

    /// Header length in bytes once written: 20 plus padded options.
    pub fn header_len(&self) -> usize {
        HEADER_LEN + self.options.wire_len()
    }

    /// Writes the header into the front of `buf` with a zero checksum and returns its length.
    /// The payload goes right after it; then call [`Segment::fill_checksum`] over header and
    /// payload. Never allocates.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        if self.options.wire_len() > MAX_OPTIONS_LEN {
            return Err(Error::OptionsTooLong);
        }
        let header_len = self.header_len();
        let header = buf.get_mut(..header_len).ok_or(Error::BufferTooSmall)?;
        let options_len = self.options.emit(&mut header[HEADER_LEN..])?;
        let mut segment = Segment::new_unchecked(header);
        segment.set_src_port(self.src_port);
        segment.set_dst_port(self.dst_port);
        segment.set_seq_number(self.seq);
        segment.set_ack_number(self.ack);
        segment.set_header_len(HEADER_LEN + options_len);
        segment.set_flags(self.flags);
        segment.set_window(self.window);
        segment.set_checksum(0);
        segment.set_urgent_pointer(self.urgent_pointer);
        Ok(header_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Timestamps;
    use core::net::Ipv4Addr;

    #[test]
    fn emit_then_parse_round_trips_and_checksums() {
        let header = Header {
            src_port: 49898,
            dst_port: 23,
            seq: SeqNumber(1_450_082_649),
            ack: SeqNumber(7),
            flags: Flags::ACK | Flags::PSH,
            window: 4128,
            urgent_pointer: 0,
            options: Options {
                timestamps: Some(Timestamps { value: 5, echo: 6 }),
                ..Options::default()
            },
        };
        let mut buf = [0u8; 64];
        let len = header.emit(&mut buf).unwrap();
        assert_eq!(len, 32);
        buf[len..len + 4].copy_from_slice(b"data");
        let (src, dst) = (Ipv4Addr::new(198, 18, 0, 1), Ipv4Addr::new(198, 18, 0, 2));
        let mut segment = Segment::new_checked(&mut buf[..len + 4]).unwrap();
        segment.fill_checksum_ipv4(src, dst);
        assert!(segment.verify_checksum(src.into(), dst.into()));
        assert_eq!(segment.payload(), b"data");
        assert_eq!(Header::parse(&segment), Ok(header));
    }

    #[test]
    fn emit_into_a_short_buffer_is_an_error() {
        let header = Header::default();
        assert_eq!(header.emit(&mut [0u8; 19]), Err(Error::BufferTooSmall));
    }
}
