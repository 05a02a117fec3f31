//! The set of options the stack understands ([`Options`], with [`Timestamps`]), gathered from
//! a header's option area or to be written into one in Linux's layout.

use super::{
    FastOpenCookie, MAX_WINDOW_SCALE, OptionIter, OptionWriter, SackBlocks, TcpOption, kind,
};
use crate::error::Error;

/// Timestamp option values (RFC 7323 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timestamps {
    /// TSval: the sender's timestamp clock.
    pub value: u32,
    /// TSecr: the most recent TSval received from the peer.
    pub echo: u32,
}

/// The known options of one segment. Unknown kinds are skipped when parsing and cannot be
/// written through this type (use [`OptionWriter`] directly for that).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Maximum segment size (meaningful on SYN segments only).
    pub mss: Option<u16>,
    /// Window scale shift; parsing clamps values above 14 to 14 (RFC 7323 §2.3).
    pub window_scale: Option<u8>,
    /// SACK permitted.
    pub sack_permitted: bool,
    /// SACK blocks.
    pub sack_blocks: SackBlocks,
    /// Timestamps.
    pub timestamps: Option<Timestamps>,
    /// Fast Open cookie or cookie request.
    pub fast_open: Option<FastOpenCookie>,
}

impl Options {
    /// Gathers the known options from an option area. A later duplicate of a kind replaces an
    /// earlier one; a malformed option makes the whole list an error. A Fast Open cookie in
    /// the experimental option (kind 254, magic 0xF989) counts as one of kind 34.
    pub fn parse(bytes: &[u8]) -> Result<Options, Error> {
        let mut options = Options::default();
        for option in OptionIter::new(bytes) {
            match option? {
                TcpOption::Mss(mss) => options.mss = Some(mss),
                TcpOption::WindowScale(shift) => {
                    options.window_scale = Some(shift.min(MAX_WINDOW_SCALE));
                }
                TcpOption::SackPermitted => options.sack_permitted = true,
                TcpOption::Sack(blocks) => options.sack_blocks = blocks,
                TcpOption::Timestamps { value, echo } => {
                    options.timestamps = Some(Timestamps { value, echo });
                }
                TcpOption::FastOpen(cookie) => options.fast_open = Some(cookie),
                TcpOption::Unknown {
                    kind: kind::EXPERIMENTAL,
                    data,
                } if data.starts_with(&kind::FAST_OPEN_MAGIC) => {
                    let cookie = &data[kind::FAST_OPEN_MAGIC.len()..];
                    options.fast_open = Some(FastOpenCookie::new(cookie)?);
                }
                TcpOption::EndOfList | TcpOption::NoOperation | TcpOption::Unknown { .. } => {}
            }
        }
        Ok(options)
    }

    /// Bytes the options take when written by [`Options::emit`], padding included.
    pub fn wire_len(&self) -> usize {
        let mut len = 0;
        if self.mss.is_some() {
            len += 4;
        }
        if self.timestamps.is_some() {
            len += 12;
        } else if self.sack_permitted {
            len += 4;
        }
        if self.window_scale.is_some() {
            len += 4;
        }
        if !self.sack_blocks.is_empty() {
            len += 4 + 8 * self.sack_blocks.len();
        }
        if let Some(cookie) = &self.fast_open {
            len += (2 + cookie.as_bytes().len()).div_ceil(4) * 4;
        }
        len
    }

    /// Writes the options in the layout Linux uses, so captures and scripts line up:
    /// `mss, sackOK+TS (or nop,nop,TS / nop,nop,sackOK), nop,wscale, nop,nop,sack, tfo`,
    /// padded to 4 bytes. Returns the bytes written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, Error> {
        let mut writer = OptionWriter::new(buf);
        let nop = TcpOption::NoOperation;
        if let Some(mss) = self.mss {
            writer.write(&TcpOption::Mss(mss))?;
        }
        match (self.timestamps, self.sack_permitted) {
            (Some(ts), sack_permitted) => {
                if sack_permitted {
                    writer.write(&TcpOption::SackPermitted)?;
                } else {
                    writer.write(&nop)?;
                    writer.write(&nop)?;
                }
                writer.write(&TcpOption::Timestamps {
                    value: ts.value,
                    echo: ts.echo,
                })?;
            }
            (None, true) => {
                writer.write(&nop)?;
                writer.write(&nop)?;
                writer.write(&TcpOption::SackPermitted)?;
            }
            (None, false) => {}
        }
        if let Some(shift) = self.window_scale {
            writer.write(&nop)?;
            writer.write(&TcpOption::WindowScale(shift))?;
        }
        if !self.sack_blocks.is_empty() {
            writer.write(&nop)?;
            writer.write(&nop)?;
            writer.write(&TcpOption::Sack(self.sack_blocks))?;
        }
        if let Some(cookie) = self.fast_open {
            writer.write(&TcpOption::FastOpen(cookie))?;
        }
        writer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seq_number::SeqNumber;

    #[test]
    fn linux_syn_layout() {
        let options = Options {
            mss: Some(1460),
            window_scale: Some(7),
            sack_permitted: true,
            timestamps: Some(Timestamps { value: 1, echo: 0 }),
            ..Options::default()
        };
        let mut buf = [0u8; 40];
        let len = options.emit(&mut buf).unwrap();
        assert_eq!(len, options.wire_len());
        assert_eq!(
            &buf[..len],
            &[
                2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7
            ]
        );
        assert_eq!(Options::parse(&buf[..len]), Ok(options));
    }

    #[test]
    fn sack_blocks_with_timestamps_fit() {
        let mut blocks = SackBlocks::new();
        for i in 0..3 {
            blocks.push(SeqNumber(i * 100), SeqNumber(i * 100 + 50));
        }
        let options = Options {
            sack_blocks: blocks,
            timestamps: Some(Timestamps { value: 9, echo: 8 }),
            ..Options::default()
        };
        let mut buf = [0u8; 40];
        assert_eq!(options.emit(&mut buf), Ok(40));
        assert_eq!(Options::parse(&buf), Ok(options));
    }

    #[test]
    fn experimental_fast_open_is_read_as_fast_open() {
        let cookie = [254, 12, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(
            Options::parse(&cookie).unwrap().fast_open,
            Some(FastOpenCookie::new(&[1, 2, 3, 4, 5, 6, 7, 8]).unwrap())
        );
        let request = [254, 4, 0xf9, 0x89];
        assert!(
            Options::parse(&request)
                .unwrap()
                .fast_open
                .unwrap()
                .is_request()
        );
        assert_eq!(
            Options::parse(&[254, 5, 0xf9, 0x89, 1, 0, 0, 0]),
            Err(Error::OptionBadLength)
        );
        assert_eq!(
            Options::parse(&[254, 4, 0x12, 0x34]).unwrap().fast_open,
            None
        );
    }

    #[test]
    fn window_scale_above_fourteen_is_clamped_when_parsed() {
        assert_eq!(
            Options::parse(&[3, 3, 15, 0]).unwrap().window_scale,
            Some(14)
        );
    }
}
