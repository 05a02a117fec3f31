//! IPv6 (RFC 8200): checking a received header and writing an outgoing one; routing,
//! ICMPv6 and neighbour discovery live in the submodules.

mod icmpv6;
mod input;
#[cfg(test)]
mod layer_tests;
mod ndp;
mod output;
mod route;

use core::net::Ipv6Addr;

pub(crate) use ndp::{multicast_mac, solicited_node};
pub(crate) use route::Route6;

/// Length of the fixed IPv6 header; this layer writes no extension headers.
pub const IPV6_HEADER_LEN: usize = 40;

/// Next-header number of TCP.
pub(crate) const NEXT_HEADER_TCP: u8 = 6;
/// Next-header number of the fragment header.
const NEXT_HEADER_FRAGMENT: u8 = 44;
/// Next-header number of ICMPv6.
pub(crate) const NEXT_HEADER_ICMPV6: u8 = 58;

/// A received IPv6 packet whose fixed header passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ipv6Packet<'a> {
    /// Source address.
    pub(crate) src: Ipv6Addr,
    /// Destination address.
    pub(crate) dst: Ipv6Addr,
    /// The next header: the payload's protocol (extension headers are not followed).
    pub(crate) next_header: u8,
    /// Hop limit as received (neighbour discovery requires 255).
    pub(crate) hop_limit: u8,
    /// The ECN field: the low two bits of the traffic class (RFC 3168; 3 is CE).
    pub(crate) ecn: u8,
    /// The payload, cut to the header's payload length (Ethernet padding removed).
    pub(crate) payload: &'a [u8],
}

/// Why a received IPv6 packet was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ipv6Error {
    /// Shorter than the fixed header, version not 6, or a payload length longer than the
    /// frame (a jumbogram's zero length included: the stack does not take them).
    BadHeader,
    /// A fragment header follows: reassembly is not supported.
    Fragment,
}

/// Checks `bytes` (an Ethernet payload) as an IPv6 packet. Any hop limit is accepted.
pub(crate) fn parse(bytes: &[u8]) -> Result<Ipv6Packet<'_>, Ipv6Error> {
    let Some(header) = bytes.get(..IPV6_HEADER_LEN) else {
        return Err(Ipv6Error::BadHeader);
    };
    if header[0] >> 4 != 6 {
        return Err(Ipv6Error::BadHeader);
    }
    let payload_len = usize::from(u16::from_be_bytes([header[4], header[5]]));
    let Some(payload) = bytes[IPV6_HEADER_LEN..].get(..payload_len) else {
        return Err(Ipv6Error::BadHeader);
    };
    if header[6] == NEXT_HEADER_FRAGMENT {
        return Err(Ipv6Error::Fragment);
    }
    let address = |at: usize| {
        let mut octets = [0u8; 16];
        octets.copy_from_slice(&header[at..at + 16]);
        Ipv6Addr::from(octets)
    };
    Ok(Ipv6Packet {
        src: address(8),
        dst: address(24),
        next_header: header[6],
        hop_limit: header[7],
        ecn: (header[1] >> 4) & super::ipv4::ECN_MASK,
        payload,
    })
}

/// The fields of an outgoing header that vary per packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ipv6Out {
    pub(crate) src: Ipv6Addr,
    pub(crate) dst: Ipv6Addr,
    pub(crate) next_header: u8,
    pub(crate) hop_limit: u8,
    /// ECN codepoint for the traffic class (0 or ECT(0)); the DSCP is 0, the flow label 0.
    pub(crate) ecn: u8,
}

/// Writes a fixed IPv6 header for a payload of `payload_len` bytes (at most 65,535) at the
/// start of `buf`.
///
/// # Panics
/// If `buf` is shorter than [`IPV6_HEADER_LEN`].
pub(crate) fn write_header(buf: &mut [u8], out: &Ipv6Out, payload_len: usize) {
    let header = &mut buf[..IPV6_HEADER_LEN];
    header[0] = 0x60;
    header[1] = (out.ecn & super::ipv4::ECN_MASK) << 4;
    header[2..4].copy_from_slice(&[0, 0]);
    let payload_len = u16::try_from(payload_len).unwrap_or(u16::MAX);
    header[4..6].copy_from_slice(&payload_len.to_be_bytes());
    header[6] = out.next_header;
    header[7] = out.hop_limit;
    header[8..24].copy_from_slice(&out.src.octets());
    header[24..40].copy_from_slice(&out.dst.octets());
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::Ipv6HeaderSlice;

    const SRC: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 1);
    const DST: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 2);

    fn packet(payload: &[u8], ecn: u8) -> Vec<u8> {
        let mut bytes = vec![0u8; IPV6_HEADER_LEN + payload.len()];
        let out = Ipv6Out {
            src: SRC,
            dst: DST,
            next_header: NEXT_HEADER_TCP,
            hop_limit: 64,
            ecn,
        };
        write_header(&mut bytes, &out, payload.len());
        bytes[IPV6_HEADER_LEN..].copy_from_slice(payload);
        bytes
    }

    #[test]
    fn a_written_header_reads_back_here_and_in_etherparse() {
        let bytes = packet(b"abc", 0b10);
        let header = Ipv6HeaderSlice::from_slice(&bytes).unwrap();
        assert_eq!(header.payload_length(), 3);
        assert_eq!(header.traffic_class(), 0b10);
        assert_eq!(header.hop_limit(), 64);
        assert_eq!(header.source_addr(), SRC);
        let parsed = parse(&bytes).unwrap();
        assert_eq!((parsed.src, parsed.dst), (SRC, DST));
        assert_eq!((parsed.next_header, parsed.ecn), (NEXT_HEADER_TCP, 0b10));
        assert_eq!(parsed.payload, b"abc");
    }

    #[test]
    fn padding_is_cut_off_and_short_or_wrong_packets_are_refused() {
        let mut padded = packet(b"abc", 0);
        padded.extend_from_slice(&[0; 10]);
        assert_eq!(parse(&padded).unwrap().payload, b"abc");
        let whole = packet(b"abc", 0);
        assert_eq!(
            parse(&whole[..42]),
            Err(Ipv6Error::BadHeader),
            "cut payload"
        );
        assert_eq!(parse(&whole[..39]), Err(Ipv6Error::BadHeader), "cut header");
        let mut version4 = whole.clone();
        version4[0] = 0x45;
        assert_eq!(parse(&version4), Err(Ipv6Error::BadHeader));
        let mut fragment = whole;
        fragment[6] = NEXT_HEADER_FRAGMENT;
        assert_eq!(parse(&fragment), Err(Ipv6Error::Fragment));
    }
}
