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
    /// Duplicate ACKs received.
    pub duplicate_acks: u64,
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
