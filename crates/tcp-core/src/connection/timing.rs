//! The connection's clocks: its timer table, the RTT estimator, and the counters of
//! retransmissions and probes that decide when it gives up.

use super::rtt::RttEstimator;
use super::timers::TimerTable;
use crate::rate_limit::ReplyLimiter;
use crate::time::Instant;

/// Timers, RTT, retries and probes.
#[derive(Debug)]
pub(crate) struct Timing {
    /// One deadline per timer kind.
    pub(super) timers: TimerTable,
    /// SRTT, RTTVAR and the RTO (RFC 6298).
    pub(super) rtt: RttEstimator,
    /// When the SYN (or SYN-ACK) first went out, for the handshake's RTT sample; cleared
    /// when it is retransmitted (Karn's rule).
    pub(super) syn_sent_at: Option<Instant>,
    /// Retransmission timeouts in a row.
    pub(super) retries: u32,
    /// Zero-window probes since the window last opened or data was last acknowledged: the
    /// persist timer's backoff.
    pub(super) probes: u32,
    /// Zero-window probes since the peer last sent an acceptable ACK (Linux's
    /// `icsk_probes_out`).
    pub(super) probes_unanswered: u32,
    /// When the last segment arrived (keepalive idle time).
    pub(super) last_received: Instant,
    /// Since when data has been unacknowledged (the user timeout).
    pub(super) unacked_since: Option<Instant>,
    /// When the last duplicate or challenge ACK for a segment that did not belong went out.
    pub(super) invalid_acks: ReplyLimiter,
    /// A zero-window or keepalive probe is to be sent.
    pub(super) probe_pending: bool,
    /// The persist timer fired on a small open window: send what fits, once.
    pub(super) override_send_avoidance: bool,
    /// Keepalive probes unanswered.
    pub(super) keepalive_probes: u32,
}

impl Timing {
    /// Nothing armed, nothing counted, `rtt` as configured.
    pub(crate) fn new(rtt: RttEstimator, now: Instant) -> Timing {
        Timing {
            timers: TimerTable::default(),
            rtt,
            syn_sent_at: None,
            retries: 0,
            probes: 0,
            probes_unanswered: 0,
            last_received: now,
            unacked_since: None,
            invalid_acks: ReplyLimiter::default(),
            probe_pending: false,
            override_send_avoidance: false,
            keepalive_probes: 0,
        }
    }
}
