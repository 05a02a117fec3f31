//! IPv4 (RFC 791): checking a received header and writing an outgoing one.

use core::net::Ipv4Addr;

use etherparse::Ipv4HeaderSlice;
use tcp_wire::Checksum;

/// Length of the IPv4 header this layer writes (no options).
pub const IPV4_HEADER_LEN: usize = 20;

/// Protocol number of ICMP.
pub(crate) const PROTOCOL_ICMP: u8 = 1;
/// Protocol number of TCP.
pub(crate) const PROTOCOL_TCP: u8 = 6;

/// Flags and fragment offset word with only Don't Fragment set.
const FLAGS_DF: u16 = 0x4000;

/// A received IPv4 packet whose header passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ipv4Packet<'a> {
    /// Source address.
    pub(crate) src: Ipv4Addr,
    /// Destination address.
    pub(crate) dst: Ipv4Addr,
    /// Protocol of the payload.
    pub(crate) protocol: u8,
    /// The ECN field: the low two bits of the TOS byte (RFC 3168; 3 is CE).
    pub(crate) ecn: u8,
    /// The payload, cut to the header's total length (Ethernet padding removed).
    pub(crate) payload: &'a [u8],
}

/// Why a received IPv4 packet was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ipv4Error {
    /// Version not 4, header length below 20, or a total length that disagrees with the
    /// header or the frame.
    BadHeader,
    /// The header checksum does not verify.
    BadChecksum,
    /// A fragment (More Fragments set or a non-zero offset).
    Fragment,
}

/// Checks `bytes` (an Ethernet payload) as an IPv4 packet. Options are accepted and skipped;
/// any TTL is accepted, as a host must (RFC 1122 §3.2.1.7).
pub(crate) fn parse(bytes: &[u8]) -> Result<Ipv4Packet<'_>, Ipv4Error> {
    let header = Ipv4HeaderSlice::from_slice(bytes).map_err(|_| Ipv4Error::BadHeader)?;
    let header_len = header.slice().len();
    let total_len = usize::from(header.total_len());
    if total_len < header_len || total_len > bytes.len() {
        return Err(Ipv4Error::BadHeader);
    }
    let mut sum = Checksum::new();
    sum.add_bytes(header.slice());
    if sum.finish() != 0 {
        return Err(Ipv4Error::BadChecksum);
    }
    if header.is_fragmenting_payload() {
        return Err(Ipv4Error::Fragment);
    }
    Ok(Ipv4Packet {
        src: header.source_addr(),
        dst: header.destination_addr(),
        protocol: header.protocol().0,
        ecn: header.slice()[1] & ECN_MASK,
        payload: &bytes[header_len..total_len],
    })
}

/// The ECN bits of the TOS byte.
pub(crate) const ECN_MASK: u8 = 0b11;
/// ECN codepoint ECT(0): the transport understands ECN.
pub(crate) const ECT0: u8 = 0b10;
/// ECN codepoint CE: a router experienced congestion.
pub(crate) const CE: u8 = 0b11;

/// The fields of an outgoing header that vary per packet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ipv4Out {
    /// Source address.
    pub(crate) src: Ipv4Addr,
    /// Destination address.
    pub(crate) dst: Ipv4Addr,
    /// Protocol of the payload.
    pub(crate) protocol: u8,
    /// Identification field.
    pub(crate) ident: u16,
    /// Time to live.
    pub(crate) ttl: u8,
    /// ECN field (0: not ECN-capable, [`ECT0`]: ECN-capable transport).
    pub(crate) ecn: u8,
}

/// Writes a 20-byte header with Don't Fragment set and a valid checksum into the front of
/// `buf`, for a payload of `payload_len` bytes.
///
/// # Panics
/// If `buf` is shorter than [`IPV4_HEADER_LEN`] or the total length exceeds 65535; callers
/// check both against the MTU first.
pub(crate) fn write_header(buf: &mut [u8], out: &Ipv4Out, payload_len: usize) {
    let total_len = u16::try_from(IPV4_HEADER_LEN + payload_len)
        .expect("caller keeps packets within the MTU, at most 65535 bytes");
    let header = &mut buf[..IPV4_HEADER_LEN];
    header[0] = 0x45;
    header[1] = out.ecn & ECN_MASK;
    header[2..4].copy_from_slice(&total_len.to_be_bytes());
    header[4..6].copy_from_slice(&out.ident.to_be_bytes());
    header[6..8].copy_from_slice(&FLAGS_DF.to_be_bytes());
    header[8] = out.ttl;
    header[9] = out.protocol;
    header[10..12].copy_from_slice(&[0, 0]);
    header[12..16].copy_from_slice(&out.src.octets());
    header[16..20].copy_from_slice(&out.dst.octets());
    let mut sum = Checksum::new();
    sum.add_bytes(header);
    header[10..12].copy_from_slice(&sum.finish().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlayer::testdata;

    #[test]
    fn parses_a_real_echo_request() {
        let packet = parse(&testdata::ECHO_REQUEST[14..]).unwrap();
        assert_eq!(packet.src, Ipv4Addr::new(198, 18, 0, 2));
        assert_eq!(packet.dst, Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(packet.protocol, PROTOCOL_ICMP);
        assert_eq!(packet.payload.len(), 64);
        assert_eq!(packet.payload[0], 8);
    }

    #[test]
    fn cuts_ethernet_padding() {
        let mut padded = testdata::SYN[14..].to_vec();
        padded.extend_from_slice(&[0; 6]);
        let packet = parse(&padded).unwrap();
        assert_eq!(packet.payload.len(), testdata::SYN.len() - 34);
    }

    #[test]
    fn refuses_a_bad_checksum() {
        let mut bytes = testdata::SYN[14..].to_vec();
        bytes[10] ^= 0x01;
        assert_eq!(parse(&bytes), Err(Ipv4Error::BadChecksum));
    }

    #[test]
    fn refuses_bad_headers() {
        let good = &testdata::SYN[14..];
        let mut version6 = good.to_vec();
        version6[0] = 0x65;
        let mut short_ihl = good.to_vec();
        short_ihl[0] = 0x44;
        let mut long_total = good.to_vec();
        long_total[2..4].copy_from_slice(&(good.len() as u16 + 1).to_be_bytes());
        let mut short_total = good.to_vec();
        short_total[2..4].copy_from_slice(&19u16.to_be_bytes());
        for bytes in [
            &version6[..],
            &short_ihl,
            &long_total,
            &short_total,
            &good[..19],
        ] {
            assert_eq!(parse(bytes), Err(Ipv4Error::BadHeader));
        }
    }

    #[test]
    fn refuses_fragments() {
        for flags_offset in [0x2000u16, 0x0001, 0x4001] {
            let mut bytes = testdata::SYN[14..].to_vec();
            bytes[6..8].copy_from_slice(&flags_offset.to_be_bytes());
            rewrite_checksum(&mut bytes);
            assert_eq!(parse(&bytes), Err(Ipv4Error::Fragment), "{flags_offset:#x}");
        }
    }

    #[test]
    fn accepts_options_and_any_ttl() {
        let good = &testdata::SYN[14..];
        let mut bytes = vec![0x46];
        bytes.extend_from_slice(&good[1..20]);
        bytes.extend_from_slice(&[1, 1, 1, 0]);
        bytes.extend_from_slice(&good[20..]);
        bytes[2..4].copy_from_slice(&(good.len() as u16 + 4).to_be_bytes());
        bytes[8] = 0;
        rewrite_checksum(&mut bytes);
        let packet = parse(&bytes).unwrap();
        assert_eq!(packet.payload, &good[20..]);
    }

    #[test]
    fn writes_the_header_the_kernel_wrote() {
        let kernel = &testdata::SYN[14..34];
        let out = Ipv4Out {
            src: Ipv4Addr::new(198, 18, 0, 2),
            dst: Ipv4Addr::new(198, 18, 0, 1),
            protocol: PROTOCOL_TCP,
            ident: u16::from_be_bytes([kernel[4], kernel[5]]),
            ttl: 64,
            ecn: 0,
        };
        let mut header = [0xaa; 20];
        write_header(&mut header, &out, testdata::SYN.len() - 34);
        assert_eq!(&header[..], kernel);
    }

    fn rewrite_checksum(bytes: &mut [u8]) {
        let header_len = usize::from(bytes[0] & 0x0f) * 4;
        bytes[10..12].copy_from_slice(&[0, 0]);
        let mut sum = Checksum::new();
        sum.add_bytes(&bytes[..header_len]);
        bytes[10..12].copy_from_slice(&sum.finish().to_be_bytes());
    }
}
