//! The Internet checksum (RFC 1071) over TCP's IPv4 and IPv6 pseudo-headers, and its
//! incremental update (RFC 1624).
//!
//! The sum is taken over native-endian 32-bit words accumulated in a 64-bit register, eight
//! bytes per step; the one's complement sum is byte-order independent (RFC 1071 §2(B)), so
//! the folded result only needs one conversion at the end.

use core::net::{Ipv4Addr, Ipv6Addr};

/// IP protocol number of TCP, as it appears in the pseudo-header.
const PROTOCOL_TCP: u8 = 6;

/// A running one's complement sum.
///
/// Feed it with [`Checksum::add_bytes`]; every chunk but the last must have even length so
/// that 16-bit words stay aligned (an odd chunk is padded with one zero byte, as the final
/// chunk of a segment is). [`Checksum::finish`] returns the value to store in a header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checksum {
    acc: u64,
}

impl Checksum {
    /// An empty sum.
    pub fn new() -> Checksum {
        Checksum { acc: 0 }
    }

    /// The sum started with TCP's IPv4 pseudo-header (RFC 9293 §3.1) for a TCP segment of
    /// `tcp_len` bytes (header plus payload).
    pub fn pseudo_header_ipv4(src: Ipv4Addr, dst: Ipv4Addr, tcp_len: u16) -> Checksum {
        let len = tcp_len.to_be_bytes();
        let mut sum = Checksum::new();
        sum.add_bytes(&src.octets());
        sum.add_bytes(&dst.octets());
        sum.add_bytes(&[0, PROTOCOL_TCP, len[0], len[1]]);
        sum
    }

    /// The sum started with TCP's IPv6 pseudo-header (RFC 8200 §8.1) for a segment of
    /// `tcp_len` bytes.
    pub fn pseudo_header_ipv6(src: Ipv6Addr, dst: Ipv6Addr, tcp_len: u32) -> Checksum {
        let len = tcp_len.to_be_bytes();
        let mut sum = Checksum::new();
        sum.add_bytes(&src.octets());
        sum.add_bytes(&dst.octets());
        sum.add_bytes(&len);
        sum.add_bytes(&[0, 0, 0, PROTOCOL_TCP]);
        sum
    }

    /// Adds `data` to the sum. Only the last chunk of a message may have odd length.
    #[inline]
    pub fn add_bytes(&mut self, data: &[u8]) {
        self.acc = add_words(self.acc, data);
    }

    /// The 16-bit one's complement sum so far, before complementing, in network order.
    pub fn folded(self) -> u16 {
        u16::from_be_bytes(fold(self.acc).to_ne_bytes())
    }

    /// The checksum field value: the complement of the folded sum, in network order (write it
    /// with `to_be_bytes`). Summing a message that already holds its correct checksum makes
    /// this zero.
    pub fn finish(self) -> u16 {
        !self.folded()
    }
}

/// Adds `data` as native-endian words to `acc`; 64-bit accumulation cannot overflow for any
/// buffer shorter than 2^34 bytes.
#[inline]
fn add_words(mut acc: u64, mut data: &[u8]) -> u64 {
    while data.len() >= 32 {
        let (block, rest) = data.split_at(32);
        for chunk in block.chunks_exact(8) {
            let word = u64::from_ne_bytes(chunk.try_into().unwrap_or([0; 8]));
            acc += (word & 0xffff_ffff) + (word >> 32);
        }
        data = rest;
    }
    let mut words = data.chunks_exact(4);
    for chunk in &mut words {
        acc += u64::from(u32::from_ne_bytes(chunk.try_into().unwrap_or([0; 4])));
    }
    let mut tail = words.remainder();
    if tail.len() >= 2 {
        acc += u64::from(u16::from_ne_bytes([tail[0], tail[1]]));
        tail = &tail[2..];
    }
    if let [last] = tail {
        acc += u64::from(u16::from_ne_bytes([*last, 0]));
    }
    acc
}

/// Folds a 64-bit accumulator to 16 bits with end-around carry.
#[inline]
fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// Updates a checksum after one 16-bit word of the message changed from `old_word` to
/// `new_word` (RFC 1624 eqn. 3: `HC' = ~(~HC + ~m + m')`). All values in network order.
pub fn update_word(checksum: u16, old_word: u16, new_word: u16) -> u16 {
    let sum = u32::from(!checksum) + u32::from(!old_word) + u32::from(new_word);
    !fold(u64::from(sum))
}

/// Updates a checksum after a 32-bit field (a sequence number, say) changed.
pub fn update_u32(checksum: u16, old: u32, new: u32) -> u16 {
    let high = update_word(checksum, (old >> 16) as u16, (new >> 16) as u16);
    update_word(high, old as u16, new as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time definition, to check the fast path against.
    fn reference(data: &[u8]) -> u16 {
        let mut sum: u32 = 0;
        for pair in data.chunks(2) {
            let word = u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]);
            sum += u32::from(word);
        }
        while sum >> 16 != 0 {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 before complement.
        let mut sum = Checksum::new();
        sum.add_bytes(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
        assert_eq!(sum.folded(), 0xddf2);
        assert_eq!(sum.finish(), !0xddf2);
    }

    #[test]
    fn fast_path_matches_reference_for_every_length() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 13) as u8 ^ 0xa5).collect();
        for len in 0..data.len() {
            let mut sum = Checksum::new();
            sum.add_bytes(&data[..len]);
            assert_eq!(sum.finish(), reference(&data[..len]), "length {len}");
        }
    }

    #[test]
    fn incremental_update_matches_recomputation() {
        let mut data: Vec<u8> = (0..64u8).collect();
        let before = reference(&data);
        let old = u32::from_be_bytes(data[4..8].try_into().unwrap());
        let new: u32 = 0xdead_beef;
        data[4..8].copy_from_slice(&new.to_be_bytes());
        assert_eq!(update_u32(before, old, new), reference(&data));
    }
}
