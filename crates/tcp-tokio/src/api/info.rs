//! [`TcpInfo`]: what `ss -ti` shows of a kernel connection, for one of the stack's.

use tcp_core::{ConnectionInfo, ConnectionStats};

/// A snapshot of one connection, like Linux's `tcp_info`, from [`TcpStream::info`]. Both
/// parts are read under the stack's lock, so they describe the same moment.
///
/// The engine keeps no delivery-rate estimate between ACKs, so there is none here.
///
/// [`TcpStream::info`]: crate::TcpStream::info
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpInfo {
    /// The transmission state: TCP state, smoothed RTT (`None` before the first sample) and
    /// its variation, RTO, congestion window and slow-start threshold, send MSS, both
    /// windows, bytes in flight and SACKed, buffer sizes, and the options negotiated
    /// (window scales, timestamps, SACK, ECN).
    pub transmission: ConnectionInfo,
    /// The counters since the connection opened: segments and bytes sent, bytes
    /// acknowledged by the peer and received in order, retransmissions (all, by timeout,
    /// by fast recovery, lost again), recovery episodes, probes, drops.
    pub counters: ConnectionStats,
}
