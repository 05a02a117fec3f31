//! Endpoint-wide counters, like the kernel's `netstat -s`: segments, resets, opens, and
//! in their own groups what listeners and the resource caps did.

use crate::field_sum::field_sum;

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
    /// What listeners did with SYNs and cookies.
    pub listen: ListenCounters,
    /// What the resource caps (`ResourceLimits`) refused or cut short.
    pub resources: ResourceCounters,
    /// What TCP Fast Open (RFC 7413) did, as a server and as a client.
    pub fast_open: FastOpenCounters,
    /// What became of ICMP errors (`Endpoint::handle_icmp_error`).
    pub icmp: IcmpCounters,
}

field_sum!(Counters {
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
} groups { listen, resources, fast_open, icmp });

/// What listeners did with SYNs: overflows and SYN cookies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenCounters {
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
}

field_sum!(ListenCounters {
    listen_overflows,
    syn_queue_overflows,
    syn_cookies_sent,
    syn_cookies_validated,
    syn_cookies_failed,
});

/// What the caps on shared resources refused or cut short.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceCounters {
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
}

field_sum!(ResourceCounters {
    resets_suppressed,
    time_wait_overflows,
    orphans_reset,
    memory_pressure_events,
    memory_refusals,
});

/// What TCP Fast Open did, named after Linux's `TcpExtTCPFastOpen*` counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FastOpenCounters {
    /// SYNs with a valid cookie: their connections were accepted, with the SYN's data,
    /// before the handshake completed (`TCPFastOpenPassive`).
    pub passive: u64,
    /// SYNs with a cookie that did not validate: their data was ignored
    /// (`TCPFastOpenPassiveFail`).
    pub passive_fail: u64,
    /// Cookies sent in SYN-ACKs, asked for or replacing an invalid or old one
    /// (`TCPFastOpenCookieReqd` counts only the asked for).
    pub cookies_sent: u64,
    /// SYNs sent with a cookie and data whose SYN-ACK acknowledged the data
    /// (`TCPFastOpenActive`).
    pub active: u64,
    /// SYNs sent with a cookie and data whose SYN-ACK acknowledged only the SYN: the data
    /// went again after the handshake (`TCPFastOpenActiveFail`).
    pub active_fail: u64,
}

field_sum!(FastOpenCounters {
    passive,
    passive_fail,
    cookies_sent,
    active,
    active_fail,
});

/// What became of the ICMP and ICMPv6 errors handed to `Endpoint::handle_icmp_error`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IcmpCounters {
    /// Errors handed in (those quoting fewer than 8 bytes are also counted in
    /// `Counters::malformed`).
    pub errors_in: u64,
    /// Errors dropped because the quoted 4-tuple names no connection.
    pub no_connection: u64,
    /// Errors dropped because the quoted sequence number was not in flight (Linux's
    /// `OutOfWindowIcmps`, RFC 5927).
    pub out_of_window: u64,
    /// Connections whose MSS a "packet too big" lowered.
    pub path_mtu_reductions: u64,
}

field_sum!(IcmpCounters {
    errors_in,
    no_connection,
    out_of_window,
    path_mtu_reductions,
});
