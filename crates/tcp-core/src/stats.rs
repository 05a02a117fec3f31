//! Counters: per connection, and endpoint-wide like the kernel's `netstat -s`.

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
    /// Fast retransmits (loss recovery entered on duplicate ACKs or SACK).
    pub fast_retransmits: u64,
    /// Fast retransmits found spurious by D-SACK (reordering) and undone.
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
    /// Out-of-order segments dropped because the reassembly limit was reached.
    pub out_of_order_dropped: u64,
    /// Times data arrived after close and the connection was reset for it.
    pub aborted_on_data: u64,
}

/// Endpoint-wide counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Segments handed to `handle_segment`.
    pub segments_in: u64,
    /// Segments produced by `poll_transmit`.
    pub segments_out: u64,
    /// Segments dropped as malformed (short, bad offset, bad options, bad ports or addresses).
    pub malformed: u64,
    /// Segments dropped for a bad checksum.
    pub bad_checksum: u64,
    /// Segments for no connection and no listener.
    pub no_connection: u64,
    /// RSTs sent.
    pub resets_sent: u64,
    /// RSTs accepted from peers.
    pub resets_received: u64,
    /// Challenge ACKs sent (RFC 5961).
    pub challenge_acks: u64,
    /// Segments dropped by PAWS.
    pub paws_rejected: u64,
    /// Retransmission timeouts across connections.
    pub retransmission_timeouts: u64,
    /// Connections opened with `connect`.
    pub active_opens: u64,
    /// Connections that reached a listener's accept queue.
    pub passive_opens: u64,
    /// SYNs dropped because the accept queue was full.
    pub listen_overflows: u64,
    /// SYNs dropped because the SYN queue was full and cookies were off.
    pub syn_queue_overflows: u64,
    /// SYN cookies sent.
    pub syn_cookies_sent: u64,
    /// SYN cookies that validated and made a connection.
    pub syn_cookies_validated: u64,
    /// ACKs that carried no valid cookie.
    pub syn_cookies_failed: u64,
    /// RSTs not sent because too many were already waiting.
    pub resets_suppressed: u64,
}

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
