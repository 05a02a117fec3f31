//! What the handshake settled: segment sizes and the options both sides use.

use super::input::Incoming;
use crate::time::Instant;
use core::time::Duration;

/// Twenty-four days: a TS.Recent older than this is not used for PAWS (RFC 7323 §5.5).
const PAWS_IDLE: Duration = Duration::from_secs(24 * 24 * 3600);

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

impl TimestampState {
    /// PAWS (RFC 7323 §5.3): `seg` is not a RST and its TSval is older than TS.Recent, which
    /// is younger than 24 days: an old duplicate.
    pub(super) fn paws_rejects(&self, now: Instant, seg: &Incoming<'_>) -> bool {
        let Some(ts) = seg.options.timestamps else {
            return false;
        };
        !seg.flags.rst()
            && (ts.value.wrapping_sub(self.recent) as i32) < 0
            && now - self.recent_age < PAWS_IDLE
    }

    /// `seg` carries a TSval newer than TS.Recent.
    pub(super) fn seg_is_newer(&self, seg: &Incoming<'_>) -> bool {
        seg.options
            .timestamps
            .is_some_and(|ts| (ts.value.wrapping_sub(self.recent) as i32) > 0)
    }
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
    /// Fast Open (RFC 7413) carried data on the SYN: as a server, the connection was
    /// queued for accept when the SYN arrived, not when the handshake completed.
    pub(super) fast_open: bool,
}
