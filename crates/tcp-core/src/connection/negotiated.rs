//! What the handshake settled: segment sizes and the options both sides use.

use crate::time::Instant;

/// Timestamp option state (RFC 7323) once both sides agreed to use it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimestampState {
    /// Added to our millisecond clock so TSvals do not reveal uptime.
    pub(super) offset: u32,
    /// TS.Recent: the TSval to echo.
    pub(super) recent: u32,
    /// When TS.Recent was last updated (PAWS ages it out after 24 days).
    pub(super) recent_age: Instant,
}

/// Options offered, then (after the handshake) agreed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Negotiated {
    /// The MSS we announce.
    pub(super) local_mss: u16,
    /// The MSS the peer announced (or the default for its address family).
    pub(super) peer_mss: u16,
    /// Timestamps: offered, then in use or `None`.
    pub(super) timestamps: Option<TimestampState>,
    /// SACK: offered, then in use.
    pub(super) sack: bool,
    /// Window scaling: offered, then in use.
    pub(super) offer_window_scale: bool,
}
