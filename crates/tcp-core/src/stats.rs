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

impl core::ops::AddAssign for ConnectionStats {
    fn add_assign(&mut self, other: ConnectionStats) {
        let ConnectionStats {
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
        } = other;
        self.segments_in += segments_in;
        self.segments_out += segments_out;
        self.bytes_sent += bytes_sent;
        self.bytes_acked += bytes_acked;
        self.bytes_received += bytes_received;
        self.retransmits += retransmits;
        self.retransmission_timeouts += retransmission_timeouts;
        self.fast_retransmits += fast_retransmits;
        self.recovery_episodes += recovery_episodes;
        self.tail_loss_probes += tail_loss_probes;
        self.lost_retransmits += lost_retransmits;
        self.spurious_fast_retransmits += spurious_fast_retransmits;
        self.spurious_timeouts += spurious_timeouts;
        self.duplicate_acks += duplicate_acks;
        self.dsacks_received += dsacks_received;
        self.congestion_marks_received += congestion_marks_received;
        self.ecn_reductions += ecn_reductions;
        self.window_probes += window_probes;
        self.keepalive_probes += keepalive_probes;
        self.out_of_order_dropped += out_of_order_dropped;
        self.aborted_on_data += aborted_on_data;
        self.dropped_for_memory += dropped_for_memory;
        self.negative_advice += negative_advice;
        self.mtu_black_holes += mtu_black_holes;
        self.mtu_probes_passed += mtu_probes_passed;
        self.mtu_probes_failed += mtu_probes_failed;
    }
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
    /// Challenge ACKs not sent: the connection's `invalid_ack_interval` or the endpoint's
    /// budget for the second held them back (Linux's `TCPACKSkippedChallenge`).
    pub challenge_acks_rate_limited: u64,
    /// Duplicate ACKs not sent in reply to segments outside the window, rejected by PAWS or
    /// arriving in TIME_WAIT, because the connection answered one within
    /// `invalid_ack_interval` (Linux's `TCPACKSkippedSeq`, `...PAWS`, `...TimeWait`).
    pub invalid_acks_rate_limited: u64,
    /// Segments dropped by PAWS.
    pub paws_rejected: u64,
    /// Retransmission timeouts across connections.
    pub retransmission_timeouts: u64,
    /// Connections aborted because the peer's window stayed closed: `data_retries`
    /// zero-window probes in a row unanswered, or an orphan's `orphan_retries` probes.
    pub zero_window_timeouts: u64,
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
    /// Connections that closed without TIME_WAIT because `ResourceLimits::max_time_wait`
    /// entries were held (Linux's `TCPTimeWaitOverflow`).
    pub time_wait_overflows: u64,
    /// Orphaned connections reset because `ResourceLimits::max_orphans` were held (Linux's
    /// `TCPAbortOnMemory`).
    pub orphans_reset: u64,
    /// Times buffer memory reached `ResourceLimits::buffer_pressure` (Linux's
    /// `TCPMemoryPressures`).
    pub memory_pressure_events: u64,
    /// Connections refused under memory pressure: `connect` calls that failed with
    /// `NoBuffers`, SYNs and cookie ACKs dropped.
    pub memory_refusals: u64,
    /// ICMP and ICMPv6 errors handed to `handle_icmp_error` (those quoting fewer than 8
    /// bytes are also counted in `malformed`).
    pub icmp_errors_in: u64,
    /// ICMP errors dropped because the quoted 4-tuple names no connection.
    pub icmp_no_connection: u64,
    /// ICMP errors dropped because the quoted sequence number was not in flight (Linux's
    /// `OutOfWindowIcmps`, RFC 5927).
    pub icmp_out_of_window: u64,
    /// Connections whose MSS a "packet too big" lowered.
    pub path_mtu_reductions: u64,
}

impl core::ops::AddAssign for Counters {
    /// Adds `other`'s counts to these, field by field (a stack's shards summed).
    fn add_assign(&mut self, other: Counters) {
        let Counters {
            segments_in,
            segments_out,
            malformed,
            bad_checksum,
            no_connection,
            resets_sent,
            resets_received,
            challenge_acks,
            challenge_acks_rate_limited,
            invalid_acks_rate_limited,
            paws_rejected,
            retransmission_timeouts,
            zero_window_timeouts,
            active_opens,
            passive_opens,
            listen_overflows,
            syn_queue_overflows,
            syn_cookies_sent,
            syn_cookies_validated,
            syn_cookies_failed,
            resets_suppressed,
            time_wait_overflows,
            orphans_reset,
            memory_pressure_events,
            memory_refusals,
            icmp_errors_in,
            icmp_no_connection,
            icmp_out_of_window,
            path_mtu_reductions,
        } = other;
        self.segments_in += segments_in;
        self.segments_out += segments_out;
        self.malformed += malformed;
        self.bad_checksum += bad_checksum;
        self.no_connection += no_connection;
        self.resets_sent += resets_sent;
        self.resets_received += resets_received;
        self.challenge_acks += challenge_acks;
        self.challenge_acks_rate_limited += challenge_acks_rate_limited;
        self.invalid_acks_rate_limited += invalid_acks_rate_limited;
        self.paws_rejected += paws_rejected;
        self.retransmission_timeouts += retransmission_timeouts;
        self.zero_window_timeouts += zero_window_timeouts;
        self.active_opens += active_opens;
        self.passive_opens += passive_opens;
        self.listen_overflows += listen_overflows;
        self.syn_queue_overflows += syn_queue_overflows;
        self.syn_cookies_sent += syn_cookies_sent;
        self.syn_cookies_validated += syn_cookies_validated;
        self.syn_cookies_failed += syn_cookies_failed;
        self.resets_suppressed += resets_suppressed;
        self.time_wait_overflows += time_wait_overflows;
        self.orphans_reset += orphans_reset;
        self.memory_pressure_events += memory_pressure_events;
        self.memory_refusals += memory_refusals;
        self.icmp_errors_in += icmp_errors_in;
        self.icmp_no_connection += icmp_no_connection;
        self.icmp_out_of_window += icmp_out_of_window;
        self.path_mtu_reductions += path_mtu_reductions;
    }
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
