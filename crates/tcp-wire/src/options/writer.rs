//! A writer that appends options to a header's option area and pads it with zeros.

use super::{MAX_WINDOW_SCALE, TcpOption, kind};
use crate::error::Error;
use crate::segment::MAX_OPTIONS_LEN;

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
        if self.pos + len > MAX_OPTIONS_LEN {
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
    use crate::options::SackBlocks;
    use crate::seq_number::SeqNumber;

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
}
