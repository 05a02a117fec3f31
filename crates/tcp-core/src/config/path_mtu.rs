//! How the engine follows the path MTU: how long an MTU reported by an ICMP error holds
//! (RFC 1191, RFC 8201), and black-hole detection with probing for paths that drop those
//! errors (RFC 4821, as Linux's `tcp_mtu_probing=1`).

use core::time::Duration;

/// Path MTU settings of an endpoint (`Config::path_mtu`). The default is Linux's: an MTU an
/// ICMP "fragmentation needed" or ICMPv6 "packet too big" reported holds 10 minutes, and
/// black-hole detection is off (`tcp_mtu_probing=0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathMtu {
    /// How long a reported path MTU holds before the link's MTU is tried again (RFC 1191
    /// §6.3 suggests 10 minutes; Linux's `mtu_expires`, 600 s).
    pub expiry: Duration,
    /// Destinations whose reported MTU the endpoint remembers at most; past this the entry
    /// closest to expiry makes room.
    pub cache_size: usize,
    /// When full-sized segments time out `R1` times in a row (three retransmission
    /// timeouts), lower the MSS to `base_mss`, then halve it on every further timeout, and
    /// probe back up with single larger segments (RFC 4821; Linux's `tcp_mtu_probing=1`).
    /// Off by default, as on Linux.
    pub black_hole_detection: bool,
    /// The MSS black-hole detection falls back to first (Linux's `tcp_base_mss`, 1024).
    pub base_mss: u16,
    /// How long after the search for the path's MSS settled it starts again from the top
    /// (Linux's `tcp_probe_interval`, 600 s).
    pub probe_interval: Duration,
    /// The search stops once the largest MSS known to pass and the smallest known to fail
    /// are this close (Linux's `tcp_probe_threshold`, 8 bytes).
    pub probe_threshold: u16,
}

impl Default for PathMtu {
    fn default() -> PathMtu {
        PathMtu {
            expiry: Duration::from_secs(600),
            cache_size: 1024,
            black_hole_detection: false,
            base_mss: 1024,
            probe_interval: Duration::from_secs(600),
            probe_threshold: 8,
        }
    }
}
