//! Defences against hostile or broken peers: rate limits on the ACKs they can draw and
//! the checksum check.

use core::time::Duration;

/// Limits on what a peer can make the endpoint send, and input checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hardening {
    /// Challenge ACKs sent per second endpoint-wide, on average (RFC 5961 §7): each second's
    /// budget is drawn from `[limit / 2, limit * 3 / 2)` with the endpoint secret, as Linux
    /// draws `tcp_challenge_ack_limit`'s, so its count reveals nothing off-path.
    pub challenge_ack_limit: u32,
    /// The shortest time between two ACKs one connection sends in reply to segments that
    /// do not belong to it: outside the window, rejected by PAWS, in TIME_WAIT, or drawing
    /// a challenge ACK (Linux's `tcp_invalid_ratelimit`, 500 ms). Such segments carrying
    /// data (not a SYN) are always answered: they are not part of an ACK loop.
    pub invalid_ack_interval: Duration,
    /// Verify checksums of received segments (turn off only when the link did it for
    /// every segment; for some, see `Received::checksum_verified`).
    pub verify_checksums: bool,
}

impl Default for Hardening {
    fn default() -> Hardening {
        Hardening {
            challenge_ack_limit: 1000,
            invalid_ack_interval: Duration::from_millis(500),
            verify_checksums: true,
        }
    }
}
