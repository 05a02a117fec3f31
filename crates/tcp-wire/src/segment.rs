//! A checked, zero-copy view over the bytes of a TCP segment ([`Segment`]), and the layout of
//! the fixed header it reads and writes (RFC 9293 §3.1).

use crate::checksum::Checksum;
use crate::error::Error;
use crate::flags::Flags;
use crate::options::OptionIter;
use crate::seq_number::SeqNumber;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Length of the fixed header, without options.
pub const HEADER_LEN: usize = 20;
/// The longest header the 4-bit data offset can describe.
pub const MAX_HEADER_LEN: usize = 60;
/// The most option bytes a header can carry.
pub const MAX_OPTIONS_LEN: usize = MAX_HEADER_LEN - HEADER_LEN;
/// Byte offset of the 16-bit checksum field from the start of the TCP header: what a
/// checksum-offload interface asks for (the virtio net header's `csum_offset`, say).
pub const CHECKSUM_OFFSET: usize = 16;

/// Byte offsets of the fixed header's fields.
mod field {
    use core::ops::Range;
    pub(super) const SRC_PORT: Range<usize> = 0..2;
    pub(super) const DST_PORT: Range<usize> = 2..4;
    pub(super) const SEQ_NUM: Range<usize> = 4..8;
    pub(super) const ACK_NUM: Range<usize> = 8..12;
    pub(super) const DATA_OFFSET: usize = 12;
    pub(super) const FLAGS: usize = 13;
    pub(super) const WINDOW: Range<usize> = 14..16;
    pub(super) const CHECKSUM: Range<usize> = super::CHECKSUM_OFFSET..super::CHECKSUM_OFFSET + 2;
    pub(super) const URGENT: Range<usize> = 18..20;
}

/// A view of a buffer as a TCP segment: header, options and payload.
///
/// Panic contract: [`Segment::new_checked`] verifies that the buffer holds the fixed header and
/// that the data offset lies within 5..=15 words and within the buffer. On a view that passed
/// that check no accessor or setter panics, whatever the setters write. A view made with
/// [`Segment::new_unchecked`] may panic in the fixed-field accessors if the buffer is shorter
/// than 20 bytes; that is the only way to make one panic.
#[derive(Debug, Clone)]
pub struct Segment<T> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Segment<T> {
    /// Wraps `buffer` without checking it; see the panic contract.
    pub const fn new_unchecked(buffer: T) -> Segment<T> {
        Segment { buffer }
    }

    /// Wraps `buffer` after [`Segment::check_len`] passes.
    pub fn new_checked(buffer: T) -> Result<Segment<T>, Error> {
        let segment = Segment::new_unchecked(buffer);
        segment.check_len()?;
        Ok(segment)
    }

    /// Checks that the fixed header is present and the data offset is in 5..=15 and inside
    /// the buffer.
    pub fn check_len(&self) -> Result<(), Error> {
        let bytes = self.buffer.as_ref();
        if bytes.len() < HEADER_LEN {
            return Err(Error::Truncated);
        }
        let offset = usize::from(bytes[field::DATA_OFFSET] >> 4) * 4;
        if offset < HEADER_LEN {
            return Err(Error::DataOffsetTooSmall);
        }
        if offset > bytes.len() {
            return Err(Error::DataOffsetPastEnd);
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole buffer: header and payload.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn read_u16(&self, range: core::ops::Range<usize>) -> u16 {
        let bytes = &self.buffer.as_ref()[range];
        u16::from_be_bytes([bytes[0], bytes[1]])
    }

    fn read_u32(&self, range: core::ops::Range<usize>) -> u32 {
        let bytes = &self.buffer.as_ref()[range];
        u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        self.read_u16(field::SRC_PORT)
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        self.read_u16(field::DST_PORT)
    }

    /// Sequence number.
    pub fn seq_number(&self) -> SeqNumber {
        SeqNumber(self.read_u32(field::SEQ_NUM))
    }

    /// Acknowledgment number (meaningful only with ACK set).
    pub fn ack_number(&self) -> SeqNumber {
        SeqNumber(self.read_u32(field::ACK_NUM))
    }

    /// Data offset in 32-bit words, as written.
    pub fn data_offset(&self) -> u8 {
        self.buffer.as_ref()[field::DATA_OFFSET] >> 4
    }

    /// Header length in bytes, clamped to the buffer and to at least 20, so slicing with it
    /// never panics even after a setter wrote a bad data offset.
    pub fn header_len(&self) -> usize {
        let len = self.buffer.as_ref().len();
        (usize::from(self.data_offset()) * 4)
            .clamp(HEADER_LEN, len.max(HEADER_LEN))
            .min(len)
    }

    /// The eight control bits; the four reserved bits before them are ignored (RFC 9293).
    pub fn flags(&self) -> Flags {
        Flags(self.buffer.as_ref()[field::FLAGS])
    }

    /// Window field, unscaled.
    pub fn window(&self) -> u16 {
        self.read_u16(field::WINDOW)
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        self.read_u16(field::CHECKSUM)
    }

    /// Urgent pointer field.
    pub fn urgent_pointer(&self) -> u16 {
        self.read_u16(field::URGENT)
    }

    /// The option bytes, between the fixed header and the payload.
    pub fn options(&self) -> &[u8] {
        let bytes = self.buffer.as_ref();
        bytes.get(HEADER_LEN..self.header_len()).unwrap_or(&[])
    }

    /// Iterates over the options.
    pub fn option_iter(&self) -> OptionIter<'_> {
        OptionIter::new(self.options())
    }

    /// The payload after the header.
    pub fn payload(&self) -> &[u8] {
        let bytes = self.buffer.as_ref();
        bytes.get(self.header_len()..).unwrap_or(&[])
    }

    /// Sequence space the segment occupies: payload plus one for SYN and one for FIN.
    pub fn segment_len(&self) -> u32 {
        let flags = self.flags();
        self.payload().len() as u32 + u32::from(flags.syn()) + u32::from(flags.fin())
    }

    /// True when the checksum verifies against the pseudo-header of `src` and `dst` (both of
    /// one family; a mixed pair never verifies).
    pub fn verify_checksum(&self, src: IpAddr, dst: IpAddr) -> bool {
        match pseudo_header(src, dst, self.buffer.as_ref().len()) {
            Some(mut sum) => {
                sum.add_bytes(self.buffer.as_ref());
                sum.finish() == 0
            }
            None => false,
        }
    }

    /// Like [`Segment::verify_checksum`], but says `BadChecksum` as an error.
    pub fn check_checksum(&self, src: IpAddr, dst: IpAddr) -> Result<(), Error> {
        if self.verify_checksum(src, dst) {
            Ok(())
        } else {
            Err(Error::BadChecksum)
        }
    }
}

/// The pseudo-header sum for a segment of `len` bytes between `src` and `dst`.
fn pseudo_header(src: IpAddr, dst: IpAddr, len: usize) -> Option<Checksum> {
    match (src, dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => Some(Checksum::pseudo_header_ipv4(
            src,
            dst,
            u16::try_from(len).ok()?,
        )),
        (IpAddr::V6(src), IpAddr::V6(dst)) => Some(Checksum::pseudo_header_ipv6(
            src,
            dst,
            u32::try_from(len).ok()?,
        )),
        _ => None,
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Segment<T> {
    fn write_u16(&mut self, range: core::ops::Range<usize>, value: u16) {
        self.buffer.as_mut()[range].copy_from_slice(&value.to_be_bytes());
    }

    fn write_u32(&mut self, range: core::ops::Range<usize>, value: u32) {
        self.buffer.as_mut()[range].copy_from_slice(&value.to_be_bytes());
    }

    /// Sets the source port.
    pub fn set_src_port(&mut self, port: u16) {
        self.write_u16(field::SRC_PORT, port);
    }

    /// Sets the destination port.
    pub fn set_dst_port(&mut self, port: u16) {
        self.write_u16(field::DST_PORT, port);
    }

    /// Sets the sequence number.
    pub fn set_seq_number(&mut self, seq: SeqNumber) {
        self.write_u32(field::SEQ_NUM, seq.0);
    }

    /// Sets the acknowledgment number.
    pub fn set_ack_number(&mut self, ack: SeqNumber) {
        self.write_u32(field::ACK_NUM, ack.0);
    }

    /// Sets the header length in bytes (rounded down to words); zeroes the reserved bits.
    pub fn set_header_len(&mut self, len: usize) {
        let words = (len / 4).min(15) as u8;
        self.buffer.as_mut()[field::DATA_OFFSET] = words << 4;
    }

    /// Sets the control bits.
    pub fn set_flags(&mut self, flags: Flags) {
        self.buffer.as_mut()[field::FLAGS] = flags.0;
    }

    /// Sets the window field.
    pub fn set_window(&mut self, window: u16) {
        self.write_u16(field::WINDOW, window);
    }

    /// Sets the checksum field.
    pub fn set_checksum(&mut self, checksum: u16) {
        self.write_u16(field::CHECKSUM, checksum);
    }

    /// Sets the urgent pointer.
    pub fn set_urgent_pointer(&mut self, pointer: u16) {
        self.write_u16(field::URGENT, pointer);
    }

    /// The option bytes, writable.
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        self.buffer
            .as_mut()
            .get_mut(HEADER_LEN..end)
            .unwrap_or(&mut [])
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        self.buffer.as_mut().get_mut(start..).unwrap_or(&mut [])
    }

    /// Computes and stores the checksum over the whole buffer with the pseudo-header of
    /// `src` and `dst`. A mixed-family pair stores zero.
    pub fn fill_checksum(&mut self, src: IpAddr, dst: IpAddr) {
        self.set_checksum(0);
        let sum = pseudo_header(src, dst, self.buffer.as_ref().len()).map(|mut sum| {
            sum.add_bytes(self.buffer.as_ref());
            sum.finish()
        });
        self.set_checksum(sum.unwrap_or(0));
    }

    /// Stores in the checksum field the pseudo-header sum of `src` and `dst` for the whole
    /// buffer's length, folded and not complemented, and nothing of the header or payload:
    /// the partial checksum a segmentation offload completes (Linux's `CHECKSUM_PARTIAL`).
    /// For a super-segment (one header before several segments' payload) the offload
    /// corrects the length for each segment it cuts. A mixed-family pair stores zero.
    pub fn fill_partial_checksum(&mut self, src: IpAddr, dst: IpAddr) {
        let sum = pseudo_header(src, dst, self.buffer.as_ref().len());
        self.set_checksum(sum.map_or(0, Checksum::folded));
    }

    /// [`Segment::fill_checksum`] for IPv4, the common case.
    pub fn fill_checksum_ipv4(&mut self, src: Ipv4Addr, dst: Ipv4Addr) {
        self.fill_checksum(IpAddr::V4(src), IpAddr::V4(dst));
    }

    /// [`Segment::fill_checksum`] for IPv6.
    pub fn fill_checksum_ipv6(&mut self, src: Ipv6Addr, dst: Ipv6Addr) {
        self.fill_checksum(IpAddr::V6(src), IpAddr::V6(dst));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_buffers_and_bad_offsets_are_errors() {
        assert_eq!(
            Segment::new_checked(&[0u8; 19][..]).unwrap_err(),
            Error::Truncated
        );
        let mut bytes = [0u8; 20];
        bytes[12] = 4 << 4;
        assert_eq!(
            Segment::new_checked(&bytes[..]).unwrap_err(),
            Error::DataOffsetTooSmall
        );
        bytes[12] = 6 << 4;
        assert_eq!(
            Segment::new_checked(&bytes[..]).unwrap_err(),
            Error::DataOffsetPastEnd
        );
        bytes[12] = 5 << 4;
        assert!(Segment::new_checked(&bytes[..]).is_ok());
    }

    #[test]
    fn reserved_bits_are_ignored_on_receive_and_zeroed_on_send() {
        let mut bytes = [0u8; 20];
        bytes[12] = (5 << 4) | 0x0f;
        bytes[13] = 0x12;
        let mut segment = Segment::new_checked(&mut bytes[..]).unwrap();
        assert_eq!(segment.header_len(), 20);
        assert_eq!(segment.flags(), Flags::SYN | Flags::ACK);
        segment.set_header_len(20);
        assert_eq!(segment.as_bytes()[12], 0x50);
    }

    #[test]
    fn accessors_never_panic_after_a_bad_setter() {
        let mut bytes = [0u8; 24];
        bytes[12] = 6 << 4;
        let mut segment = Segment::new_checked(&mut bytes[..]).unwrap();
        segment.set_header_len(60);
        assert_eq!(segment.header_len(), 24);
        assert!(segment.payload().is_empty());
        assert_eq!(segment.options().len(), 4);
        segment.set_header_len(0);
        assert_eq!(segment.header_len(), 20);
        assert_eq!(segment.payload().len(), 4);
    }

    #[test]
    fn the_checksum_field_sits_at_checksum_offset() {
        let mut bytes = [0u8; 20];
        bytes[12] = 5 << 4;
        let mut segment = Segment::new_checked(&mut bytes[..]).unwrap();
        segment.set_checksum(0xbeef);
        let field = &segment.as_bytes()[CHECKSUM_OFFSET..CHECKSUM_OFFSET + 2];
        assert_eq!(field, &[0xbe, 0xef]);
    }

    #[test]
    fn an_offload_completing_the_partial_checksum_gets_the_full_one() {
        let (src, dst) = (
            IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
            IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2)),
        );
        let mut bytes = [0u8; 27];
        bytes[12] = 5 << 4;
        bytes[20..].copy_from_slice(b"payload");
        let mut full = bytes;
        Segment::new_unchecked(&mut full[..]).fill_checksum(src, dst);
        let mut partial = Segment::new_unchecked(&mut bytes[..]);
        partial.fill_partial_checksum(src, dst);
        let mut completed = Checksum::new();
        completed.add_bytes(partial.as_bytes());
        partial.set_checksum(completed.finish());
        assert_eq!(
            partial.checksum(),
            Segment::new_unchecked(&full[..]).checksum()
        );
        assert!(partial.verify_checksum(src, dst));
    }
}
