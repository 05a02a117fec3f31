//! Every tunable of the engine, with Linux's defaults where RFC 9293 leaves a choice
//! (design §3). Endpoint-wide settings live in [`Config`]; per-connection ones start from
//! [`SocketOptions`] and can be changed on a live connection.

mod departures;
mod extensions;
mod hardening;
mod listen;
mod path_mtu;
mod retransmission;

pub use departures::Departures;
pub use extensions::Extensions;
pub use hardening::Hardening;
pub use listen::Listen;
pub use path_mtu::PathMtu;
pub use retransmission::Retransmission;

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
    /// Congestion control algorithm of new connections.
    pub congestion_control: Algorithm,
    /// Pace loss-based controllers (NewReno, CUBIC) at twice the window per RTT in slow
    /// start and 1.2 times after it, in bursts of about a millisecond; BBR always paces at
    /// its own rate. Default: off (see `docs/design.md`, "Pacing").
    pub pacing: bool,
    /// Connections (all states) the endpoint holds at most.
    pub max_connections: usize,
    /// Retransmission timeouts and how many retransmissions each state makes.
    pub retransmission: Retransmission,
    /// Limits and SYN-flood defences of listeners.
    pub listen: Listen,
    /// TCP extensions offered on new connections.
    pub extensions: Extensions,
    /// Rate limits and checks against hostile or broken peers.
    pub hardening: Hardening,
    /// Caps on what all connections hold together: buffer memory, TIME_WAIT entries,
    /// orphans.
    pub resources: crate::resource_limits::ResourceLimits,
    /// Where Linux departs from RFC 9293 in what it sends, which of the two the engine
    /// follows (Linux's by default).
    pub departures: Departures,
    /// Path MTU discovery: the cache of reported MTUs, black-hole detection and probing.
    pub path_mtu: PathMtu,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            mtu: 1500,
            default_peer_mss: 536,
            default_peer_mss_v6: 1220,
            initial_window_segments: 10,
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
            congestion_control: Algorithm::Cubic,
            pacing: false,
            max_connections: 1 << 20,
            retransmission: Retransmission::default(),
            listen: Listen::default(),
            extensions: Extensions::default(),
            hardening: Hardening::default(),
            resources: crate::resource_limits::ResourceLimits::default(),
            departures: Departures::default(),
            path_mtu: PathMtu::default(),
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
    /// TCP Fast Open (RFC 7413), off by default. On a listener, Linux's `TCP_FASTOPEN`: a
    /// SYN asking for a cookie gets one, and a SYN with a valid cookie has its data accepted
    /// and its connection queued for accept before the handshake completes. On a connecting
    /// socket, Linux's `TCP_FASTOPEN_CONNECT`: the SYN asks for a cookie, or, with one cached
    /// for the peer, waits for the first write and carries that data.
    pub fast_open: bool,
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
