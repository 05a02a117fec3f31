//! Per-connection counters and transmission state (`tcp_info` style).

use crate::field_sum::field_sum;

/// What one connection has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    /// Segments received.
    pub segments_in: u64,
    /// Segments sent.
    pub segments_out: u64,
    /// Payload bytes sent (retransmissions included).
    pub bytes_sent: u64,
    /// Sequence space acknowledged by the peer.
    pub bytes_acked: u64,
    /// Payload bytes received in order.
    pub bytes_received: u64,
    /// Segments sent again (SYN, data or FIN).
    pub retransmits: u64,
    /// Retransmission timeouts.
    pub retransmission_timeouts: u64,
    /// Segments retransmitted by loss recovery (RACK, the duplicate-ACK threshold, NewReno
    /// partial ACKs), not by the retransmission timer; like Linux's `TCPFastRetrans`.
    pub fast_retransmits: u64,
    /// Loss-recovery episodes entered (on duplicate ACKs, SACK or RACK), like Linux's
    /// `TCPSackRecovery` plus `TCPRenoRecovery`.
    pub recovery_episodes: u64,
    /// Tail loss probes sent (RFC 8985 §7), like Linux's `TCPLossProbes`.
    pub tail_loss_probes: u64,
    /// Retransmissions that were lost in turn and sent again, like Linux's
    /// `TCPLostRetransmit`.
    pub lost_retransmits: u64,
    /// Recovery episodes found spurious by D-SACK (reordering) and undone.
    pub spurious_fast_retransmits: u64,
    /// Retransmission timeouts found spurious by their timestamps (Eifel) and undone.
    pub spurious_timeouts: u64,
    /// Duplicate ACKs received.
    pub duplicate_acks: u64,
    /// ACKs whose SACK option reported a duplicate we sent (D-SACK, RFC 2883).
    pub dsacks_received: u64,
    /// Received packets marked CE (congestion experienced).
    pub congestion_marks_received: u64,
    /// Window reductions for ECN-Echo.
    pub ecn_reductions: u64,
    /// Zero-window probes sent.
    pub window_probes: u64,
    /// Keepalive probes sent.
    pub keepalive_probes: u64,
    /// Out-of-order segments dropped because the reassembly limits (ranges, far chunks)
    /// were reached.
    pub out_of_order_dropped: u64,
    /// Times data arrived after close and the connection was reset for it.
    pub aborted_on_data: u64,
    /// Segments whose data was dropped because storing it would take the endpoint's buffer
    /// memory past `ResourceLimits::buffer_limit` (Linux's `TCPRcvQDrop`).
    pub dropped_for_memory: u64,
    /// Times retransmissions reached R1 (three in a row) and the connection gave the layer
    /// below negative advice (RFC 9293 MUST-20): the application's view of a path in
    /// trouble before the connection times out.
    pub negative_advice: u64,
    /// Times black-hole detection lowered the MSS after R1 retransmission timeouts in a
    /// row (RFC 4821, `PathMtu::black_hole_detection`).
    pub mtu_black_holes: u64,
    /// Path MTU probes that got through (Linux's `TCPMTUPSuccess`).
    pub mtu_probes_passed: u64,
    /// Path MTU probes that were lost (Linux's `TCPMTUPFail`).
    pub mtu_probes_failed: u64,
}

field_sum!(ConnectionStats {
    segments_in,
    segments_out,
    bytes_sent,
    bytes_acked,
    bytes_received,
    retransmits,
    retransmission_timeouts,
    fast_retransmits,
    recovery_episodes,
    tail_loss_probes,
    lost_retransmits,
    spurious_fast_retransmits,
    spurious_timeouts,
    duplicate_acks,
    dsacks_received,
    congestion_marks_received,
    ecn_reductions,
    window_probes,
    keepalive_probes,
    out_of_order_dropped,
    aborted_on_data,
    dropped_for_memory,
    negative_advice,
    mtu_black_holes,
    mtu_probes_passed,
    mtu_probes_failed,
});

/// A connection's live transmission state, like Linux's `tcp_info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// State.
    pub state: crate::State,
    /// Smoothed round-trip time, once measured.
    pub rtt: Option<core::time::Duration>,
    /// Round-trip time variation.
    pub rtt_variation: core::time::Duration,
    /// Current retransmission timeout, backoff included.
    pub rto: core::time::Duration,
    /// Payload bytes per full-sized segment we send.
    pub send_mss: u32,
    /// Congestion window in bytes.
    pub congestion_window: u32,
    /// Slow start threshold in bytes (`u32::MAX` until the first reduction).
    pub slow_start_threshold: u32,
    /// The peer's receive window in bytes, scaled.
    pub send_window: u32,
    /// The window we last advertised, in bytes.
    pub receive_window: u32,
    /// Sequence space sent and not yet acknowledged.
    pub unacknowledged: u32,
    /// Bytes the peer reported holding above the cumulative ACK (SACK).
    pub sacked: u32,
    /// Send buffer size in bytes.
    pub send_buffer: usize,
    /// Receive buffer size in bytes.
    pub receive_buffer: usize,
    /// Window scale shifts (ours, the peer's); 0 when not negotiated.
    pub window_scales: (u8, u8),
    /// Timestamps are in use.
    pub timestamps: bool,
    /// SACK is in use.
    pub sack: bool,
    /// ECN was negotiated.
    pub ecn: bool,
}
