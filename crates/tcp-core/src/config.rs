//! Every tunable of the engine, with Linux's defaults where RFC 9293 leaves a choice
//! (design §3). Endpoint-wide settings live in [`Config`]; per-connection ones start from
//! [`SocketOptions`] and can be changed on a live connection.

use crate::congestion::Algorithm;
use core::ops::RangeInclusive;
use core::time::Duration;

/// Endpoint-wide configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Link MTU; the MSS we announce is `mtu - 40` over IPv4 and `mtu - 60` over IPv6.
    pub mtu: u16,
    /// The send MSS assumed when an IPv4 peer's SYN carries no MSS option (RFC 9293 §3.7.1).
    pub default_peer_mss: u16,
    /// The same for an IPv6 peer (1220, RFC 9293 MUST-15).
    pub default_peer_mss_v6: u16,
    /// Initial congestion window in segments (RFC 6928).
    pub initial_window_segments: u32,
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
    /// Longest delay of an acknowledgment.
    pub delayed_ack: Duration,
    /// Maximum segment lifetime; TIME_WAIT lasts twice this.
    pub msl: Duration,
    /// How long an orphaned connection waits in FIN_WAIT_2 for the peer's FIN.
    pub fin_wait2_timeout: Duration,
    /// Keepalive timings used when a connection enables keepalive.
    pub keepalive: Keepalive,
    /// Send buffer: initial and largest size in bytes.
    pub send_buffer: BufferSize,
    /// Receive buffer: initial and largest size in bytes; the window scale is chosen so the
    /// largest can be advertised.
    pub recv_buffer: BufferSize,
    /// Ports handed out to `connect` without an explicit local port.
    pub ephemeral_ports: RangeInclusive<u16>,
    /// The largest accept backlog a listener may ask for.
    pub max_backlog: u32,
    /// Half-open connections per listener before SYN cookies (or drops) take over.
    pub syn_queue_len: u32,
    /// Answer SYNs with cookies when the SYN queue is full (RFC 4987).
    pub syn_cookies: bool,
    /// Congestion control algorithm of new connections.
    pub congestion_control: Algorithm,
    /// Pace loss-based controllers (NewReno, CUBIC) at twice the window per RTT in slow
    /// start and 1.2 times after it, in bursts of about a millisecond; BBR always paces at
    /// its own rate. Default: off (see `docs/design.md`, "Pacing").
    pub pacing: bool,
    /// Offer timestamps (RFC 7323).
    pub timestamps: bool,
    /// Offer SACK (RFC 2018).
    pub sack: bool,
    /// Offer window scaling (RFC 7323).
    pub window_scaling: bool,
    /// Negotiate ECN (RFC 3168) on new connections; off by default, as on Linux for
    /// connections it opens.
    pub ecn: bool,
    /// Challenge ACKs sent per second endpoint-wide, on average (RFC 5961 §7): each second's
    /// budget is drawn from `[limit / 2, limit * 3 / 2)` with the endpoint secret, as Linux
    /// draws `tcp_challenge_ack_limit`'s, so its count reveals nothing off-path.
    pub challenge_ack_limit: u32,
    /// The shortest time between two ACKs one connection sends in reply to segments that
    /// do not belong to it: outside the window, rejected by PAWS, in TIME_WAIT, or drawing
    /// a challenge ACK (Linux's `tcp_invalid_ratelimit`, 500 ms). Such segments carrying
    /// data (not a SYN) are always answered: they are not part of an ACK loop.
    pub invalid_ack_interval: Duration,
    /// Connections (all states) the endpoint holds at most.
    pub max_connections: usize,
    /// Verify checksums of received segments (turn off only when the link did it for
    /// every segment; for some, see `Received::checksum_verified`).
    pub verify_checksums: bool,
    /// Caps on what all connections hold together: buffer memory, TIME_WAIT entries,
    /// orphans.
    pub resources: crate::resource_limits::ResourceLimits,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            mtu: 1500,
            default_peer_mss: 536,
            default_peer_mss_v6: 1220,
            initial_window_segments: 10,
            initial_rto: Duration::from_secs(1),
            min_rto: Duration::from_millis(200),
            max_rto: Duration::from_secs(120),
            syn_retries: 6,
            synack_retries: 5,
            data_retries: 15,
            orphan_retries: 8,
            delayed_ack: Duration::from_millis(40),
            msl: Duration::from_secs(30),
            fin_wait2_timeout: Duration::from_secs(60),
            keepalive: Keepalive::default(),
            send_buffer: BufferSize {
                initial: 16 * 1024,
                max: 4 * 1024 * 1024,
            },
            recv_buffer: BufferSize {
                initial: 128 * 1024,
                max: 6 * 1024 * 1024,
            },
            ephemeral_ports: 32768..=60999,
            max_backlog: 4096,
            syn_queue_len: 1024,
            syn_cookies: true,
            congestion_control: Algorithm::Cubic,
            pacing: false,
            timestamps: true,
            sack: true,
            window_scaling: true,
            ecn: false,
            challenge_ack_limit: 1000,
            invalid_ack_interval: Duration::from_millis(500),
            max_connections: 1 << 20,
            verify_checksums: true,
            resources: crate::resource_limits::ResourceLimits::default(),
        }
    }
}

impl Config {
    /// The send MSS to assume for a peer at `addr` that announced none.
    pub fn default_mss_for(&self, addr: core::net::IpAddr) -> u16 {
        if addr.is_ipv6() {
            self.default_peer_mss_v6
        } else {
            self.default_peer_mss
        }
    }

    /// The MSS we announce on a connection from our address `local`: the MTU minus 20
    /// bytes of TCP header and the IP header, 20 bytes for IPv4 and 40 for IPv6 (RFC 9293
    /// §3.7.1: the MSS counts neither header). At least 64.
    pub fn local_mss_for(&self, local: core::net::IpAddr) -> u16 {
        const IPV4_HEADER_LEN: u16 = 20;
        const IPV6_HEADER_LEN: u16 = 40;
        const TCP_HEADER_LEN: u16 = tcp_wire::HEADER_LEN as u16;
        let ip_header_len = if local.is_ipv6() {
            IPV6_HEADER_LEN
        } else {
            IPV4_HEADER_LEN
        };
        self.mtu
            .saturating_sub(ip_header_len + TCP_HEADER_LEN)
            .max(64)
    }

    /// How long TIME_WAIT lasts: 2 MSL.
    pub fn time_wait(&self) -> Duration {
        self.msl * 2
    }

    /// The window scale shift that lets the largest receive buffer be advertised.
    pub fn window_scale(&self) -> u8 {
        let mut shift = 0u8;
        while shift < tcp_wire::MAX_WINDOW_SCALE && (self.recv_buffer.max >> shift) > 0xffff {
            shift += 1;
        }
        shift
    }
}

/// Keepalive timings (design §3: idle 7200 s, interval 75 s, 9 probes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Idle time before the first probe.
    pub idle: Duration,
    /// Time between unanswered probes.
    pub interval: Duration,
    /// Unanswered probes before the connection is declared dead.
    pub probes: u32,
}

impl Default for Keepalive {
    fn default() -> Keepalive {
        Keepalive {
            idle: Duration::from_secs(7200),
            interval: Duration::from_secs(75),
            probes: 9,
        }
    }
}

/// A buffer's initial and largest size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferSize {
    /// Size a new connection starts with.
    pub initial: usize,
    /// Size it may grow to.
    pub max: usize,
}

/// Per-connection options, set at `connect`/`listen` time or later on a live connection.
/// The default: Nagle on, keepalive off, no linger, no user timeout, the endpoint's buffer
/// sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SocketOptions {
    /// Disable Nagle's algorithm (TCP_NODELAY).
    pub nodelay: bool,
    /// Keepalive probing (SO_KEEPALIVE) with these timings, or off.
    pub keepalive: Option<Keepalive>,
    /// SO_LINGER: `Some(ZERO)` makes close an abort (RST).
    pub linger: Option<Duration>,
    /// RFC 5482 user timeout (TCP_USER_TIMEOUT): abort when sent data stays unacknowledged
    /// this long.
    pub user_timeout: Option<Duration>,
    /// Send buffer size (SO_SNDBUF), or the endpoint's default.
    pub send_buffer: Option<usize>,
    /// Receive buffer size (SO_RCVBUF), or the endpoint's default.
    pub recv_buffer: Option<usize>,
    /// Upper bound on the MSS (TCP_MAXSEG), or none.
    pub max_segment: Option<u16>,
    /// FIN_WAIT_2 timeout of an orphaned connection (TCP_LINGER2), or the endpoint's.
    pub fin_wait2_timeout: Option<Duration>,
    /// Allow binding a port held by connections in TIME_WAIT (SO_REUSEADDR).
    pub reuse_address: bool,
    /// IPV6_V6ONLY for a listener on `[::]`: take IPv6 connections only. Off (the
    /// default, as Linux's `net.ipv6.bindv6only`), a `[::]` listener also takes IPv4 ones.
    pub only_v6: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_design_table() {
        let config = Config::default();
        let v4 = core::net::IpAddr::from([198, 18, 0, 1]);
        let v6 = core::net::IpAddr::from([0x2001, 2, 0, 0, 0, 0, 0, 1]);
        assert_eq!(config.local_mss_for(v4), 1460);
        assert_eq!(config.local_mss_for(v6), 1440);
        assert_eq!(config.time_wait(), Duration::from_secs(60));
        assert_eq!(config.window_scale(), 7);
        assert_eq!(config.ephemeral_ports, 32768..=60999);
    }
}
