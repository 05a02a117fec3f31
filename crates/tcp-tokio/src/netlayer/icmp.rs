//! ICMP (RFC 792): recognising an echo request and writing its reply.

use tcp_wire::Checksum;

/// Type of an echo reply.
const ECHO_REPLY: u8 = 0;
/// Type of an echo request.
const ECHO_REQUEST: u8 = 8;
/// Type, code, checksum, identifier, sequence number.
const ECHO_HEADER_LEN: usize = 8;

/// What a received ICMP message is to this layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IcmpKind {
    /// An echo request with a valid checksum: answer it.
    EchoRequest,
    /// Shorter than an echo header or failing its checksum.
    Malformed,
    /// A valid message of another type.
    Other,
}

/// Classifies an ICMP message (the IPv4 payload).
pub(crate) fn classify(message: &[u8]) -> IcmpKind {
    if message.len() < ECHO_HEADER_LEN || checksum(message) != 0 {
        IcmpKind::Malformed
    } else if message[0] == ECHO_REQUEST && message[1] == 0 {
        IcmpKind::EchoRequest
    } else {
        IcmpKind::Other
    }
}

/// Writes the echo reply to `request` into `out`: same identifier, sequence number and data,
/// type 0 and a fresh checksum.
///
/// # Panics
/// If `out` is shorter than `request`.
pub(crate) fn write_echo_reply(request: &[u8], out: &mut [u8]) {
    let reply = &mut out[..request.len()];
    reply.copy_from_slice(request);
    reply[0] = ECHO_REPLY;
    reply[1] = 0;
    reply[2..4].copy_from_slice(&[0, 0]);
    let sum = checksum(reply);
    reply[2..4].copy_from_slice(&sum.to_be_bytes());
}

/// The Internet checksum of a whole message; zero when a stored checksum verifies.
fn checksum(message: &[u8]) -> u16 {
    let mut sum = Checksum::new();
    sum.add_bytes(message);
    sum.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlayer::testdata;

    fn request() -> &'static [u8] {
        &testdata::ECHO_REQUEST[34..]
    }

    #[test]
    fn recognises_a_real_echo_request() {
        assert_eq!(classify(request()), IcmpKind::EchoRequest);
    }

    #[test]
    fn reply_matches_what_the_kernel_sends() {
        let mut reply = [0u8; 64];
        write_echo_reply(request(), &mut reply);
        assert_eq!(&reply[..], &testdata::ECHO_REPLY[34..]);
        assert_eq!(classify(&reply), IcmpKind::Other);
    }

    #[test]
    fn refuses_short_or_corrupt_messages() {
        assert_eq!(classify(&request()[..7]), IcmpKind::Malformed);
        let mut corrupt = request().to_vec();
        corrupt[20] ^= 0x40;
        assert_eq!(classify(&corrupt), IcmpKind::Malformed);
    }
}
