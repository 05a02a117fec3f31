//! ICMPv6 (RFC 4443): the checksum over the IPv6 pseudo-header, recognising an echo
//! request and writing its reply.

use core::net::Ipv6Addr;

use tcp_wire::Checksum;

use super::NEXT_HEADER_ICMPV6;

/// Type of an echo request.
const ECHO_REQUEST: u8 = 128;
/// Type of an echo reply.
const ECHO_REPLY: u8 = 129;
/// Type of a neighbour solicitation (RFC 4861 §4.3).
pub(super) const NEIGHBOR_SOLICITATION: u8 = 135;
/// Type of a neighbour advertisement (RFC 4861 §4.4).
pub(super) const NEIGHBOR_ADVERTISEMENT: u8 = 136;
/// Type, code, checksum, identifier, sequence number: the shortest message handled here.
const HEADER_LEN: usize = 8;

/// What a received ICMPv6 message is to this layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Icmpv6Kind {
    /// An echo request with a valid checksum: answer it.
    EchoRequest,
    /// A neighbour solicitation or advertisement with a valid checksum (the rest of its
    /// validation is `ndp::parse`'s).
    Neighbor,
    /// Shorter than a header or failing its checksum.
    Malformed,
    /// A valid message of another type.
    Other,
}

/// Classifies an ICMPv6 `message` (the IPv6 payload) sent from `src` to `dst`.
pub(super) fn classify(src: Ipv6Addr, dst: Ipv6Addr, message: &[u8]) -> Icmpv6Kind {
    if message.len() < HEADER_LEN || checksum(src, dst, message) != 0 {
        return Icmpv6Kind::Malformed;
    }
    match (message[0], message[1]) {
        (ECHO_REQUEST, 0) => Icmpv6Kind::EchoRequest,
        (NEIGHBOR_SOLICITATION | NEIGHBOR_ADVERTISEMENT, _) => Icmpv6Kind::Neighbor,
        _ => Icmpv6Kind::Other,
    }
}

/// Writes the echo reply from `src` to `dst` for `request` into `out`: same identifier,
/// sequence number and data, type 129 and a fresh checksum.
///
/// # Panics
/// If `out` is shorter than `request`.
pub(super) fn write_echo_reply(src: Ipv6Addr, dst: Ipv6Addr, request: &[u8], out: &mut [u8]) {
    let reply = &mut out[..request.len()];
    reply.copy_from_slice(request);
    reply[0] = ECHO_REPLY;
    reply[1] = 0;
    fill_checksum(src, dst, reply);
}

/// Sets the checksum field (bytes 2 and 3) of `message`, sent from `src` to `dst`.
///
/// # Panics
/// If `message` is shorter than 4 bytes.
pub(super) fn fill_checksum(src: Ipv6Addr, dst: Ipv6Addr, message: &mut [u8]) {
    message[2..4].copy_from_slice(&[0, 0]);
    let sum = checksum(src, dst, message);
    message[2..4].copy_from_slice(&sum.to_be_bytes());
}

/// The ICMPv6 checksum of `message` with its pseudo-header (RFC 4443 §2.3); zero when a
/// stored checksum verifies.
fn checksum(src: Ipv6Addr, dst: Ipv6Addr, message: &[u8]) -> u16 {
    let len = u32::try_from(message.len()).unwrap_or(u32::MAX);
    let mut sum = Checksum::new();
    sum.add_bytes(&src.octets());
    sum.add_bytes(&dst.octets());
    sum.add_bytes(&len.to_be_bytes());
    sum.add_bytes(&[0, 0, 0, NEXT_HEADER_ICMPV6]);
    sum.add_bytes(message);
    sum.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{Icmpv6Slice, Icmpv6Type};

    const A: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 2);
    const B: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 1);

    fn request() -> Vec<u8> {
        let mut message = vec![
            ECHO_REQUEST,
            0,
            0,
            0,
            0x12,
            0x34,
            0,
            7,
            b'p',
            b'i',
            b'n',
            b'g',
        ];
        fill_checksum(A, B, &mut message);
        message
    }

    #[test]
    fn an_echo_request_gets_a_reply_etherparse_verifies() {
        let request = request();
        assert_eq!(classify(A, B, &request), Icmpv6Kind::EchoRequest);
        let mut reply = vec![0u8; request.len()];
        write_echo_reply(B, A, &request, &mut reply);
        let parsed = Icmpv6Slice::from_slice(&reply).unwrap();
        assert!(
            matches!(parsed.icmp_type(), Icmpv6Type::EchoReply(echo) if echo.id == 0x1234 && echo.seq == 7)
        );
        assert_eq!(parsed.payload(), b"ping");
        assert_eq!(classify(B, A, &reply), Icmpv6Kind::Other);
    }

    #[test]
    fn short_or_corrupt_or_misaddressed_messages_are_malformed() {
        let request = request();
        assert_eq!(classify(A, B, &request[..7]), Icmpv6Kind::Malformed);
        let mut corrupt = request.clone();
        corrupt[9] ^= 1;
        assert_eq!(classify(A, B, &corrupt), Icmpv6Kind::Malformed);
        let other = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 3);
        assert_eq!(
            classify(A, other, &request),
            Icmpv6Kind::Malformed,
            "pseudo-header"
        );
    }
}
