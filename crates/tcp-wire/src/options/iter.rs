//! A borrowing iterator over a header's option area that yields every option in order,
//! unknown kinds included, and stops at the first malformed one.

use super::{FastOpenCookie, MAX_SACK_BLOCKS, SackBlocks, TcpOption, kind};
use crate::error::Error;
use crate::seq_number::SeqNumber;

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
}
