//! Retransmission timeouts and retry counts (RFC 6298, RFC 9293 §3.8.3), with Linux's
//! defaults.

use core::time::Duration;

/// How long the engine waits before retransmitting and how often it tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retransmission {
    /// RTO before the first RTT sample.
    pub initial_rto: Duration,
    /// Lower bound of the RTO.
    pub min_rto: Duration,
    /// Upper bound of the RTO.
    pub max_rto: Duration,
    /// SYN retransmissions before `connect` fails with `TimedOut`.
    pub syn_retries: u32,
    /// SYN-ACK retransmissions before a half-open connection is dropped.
    pub synack_retries: u32,
    /// Data retransmissions before the connection is aborted (R2 of RFC 9293 §3.8.3), and
    /// zero-window probes in a row without an answer before it is (Linux's `tcp_retries2`).
    pub data_retries: u32,
    /// Zero-window probes an orphaned connection (closed by the application) sends before
    /// it is aborted, answered or not (Linux's `tcp_orphan_retries`, in effect 8).
    pub orphan_retries: u32,
}

impl Default for Retransmission {
    fn default() -> Retransmission {
        Retransmission {
            initial_rto: Duration::from_secs(1),
            min_rto: Duration::from_millis(200),
            max_rto: Duration::from_secs(120),
            syn_retries: 6,
            synack_retries: 5,
            data_retries: 15,
            orphan_retries: 8,
        }
    }
}
