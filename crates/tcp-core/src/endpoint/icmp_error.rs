//! ICMP and ICMPv6 errors about segments we sent (RFC 1122 §4.2.3.9, RFC 5927): checked
//! against the connection they name, then a connect refused or unreachable, a soft error,
//! or a lower path MTU (RFC 1191, RFC 8201); and the negative advice connections give the
//! layer below after R1 retransmissions (RFC 9293 MUST-20).

use super::Endpoint;
use crate::addr::FourTuple;
use crate::connection::Connection;
use crate::time::Instant;
use core::net::{IpAddr, SocketAddr};
use tcp_wire::SeqNumber;

/// Remote addresses waiting in [`Endpoint::poll_negative_advice`] at most; more are
/// dropped (the layer below re-confirms a neighbour at most that often anyway).
const MAX_ADVICE: usize = 64;

/// What an ICMP or ICMPv6 error message says happened to a segment we sent. The network
/// layer maps the message's type and code; the engine's reaction is the kernel's
/// (`tcp_v4_err`, `tcp_v6_err`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcmpError {
    /// No route to the destination network (ICMP destination unreachable codes 0, 6, 9,
    /// 11; ICMPv6 code 0): `NetworkUnreachable`.
    NetworkUnreachable,
    /// The destination host cannot be reached (ICMP codes 1, 5, 7, 8, 10, 12-15; ICMPv6
    /// codes 1, 3, 5, 6): `HostUnreachable`.
    HostUnreachable,
    /// The destination does not speak TCP (ICMP code 2): `ConnectionRefused`.
    ProtocolUnreachable,
    /// No one listens on the destination port (ICMP code 3, ICMPv6 code 4):
    /// `ConnectionRefused`.
    PortUnreachable,
    /// The packet was too big for the next hop (ICMP "fragmentation needed and DF set",
    /// code 4; ICMPv6 "packet too big"): `mtu` is the next hop's MTU as the message said
    /// (0 when an old router did not say).
    PacketTooBig {
        /// The next hop's MTU in bytes.
        mtu: u32,
    },
}

impl IcmpError {
    /// The error a connection reports for this message, if it fails or times out because
    /// of it; `None` for [`IcmpError::PacketTooBig`], which is not an error.
    pub fn as_error(self) -> Option<crate::Error> {
        match self {
            IcmpError::NetworkUnreachable => Some(crate::Error::NetworkUnreachable),
            IcmpError::HostUnreachable => Some(crate::Error::HostUnreachable),
            IcmpError::ProtocolUnreachable | IcmpError::PortUnreachable => {
                Some(crate::Error::ConnectionRefused)
            }
            IcmpError::PacketTooBig { .. } => None,
        }
    }

    /// A hard error (RFC 1122 §4.2.3.9: port and protocol unreachable), which also ends a
    /// half-open passive connection.
    fn is_hard(self) -> bool {
        matches!(
            self,
            IcmpError::ProtocolUnreachable | IcmpError::PortUnreachable
        )
    }
}

/// An ICMP or ICMPv6 error message as the network layer read it: what it says, and the
/// packet of ours it quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpReport<'a> {
    /// The quoted packet's source address (ours).
    pub local: IpAddr,
    /// The quoted packet's destination address (the peer's).
    pub remote: IpAddr,
    /// The quoted packet's payload: the start of our TCP header, at least its first 8
    /// bytes (ports and sequence number), which is all ICMP guarantees to quote.
    pub quoted: &'a [u8],
    /// What the message says.
    pub error: IcmpError,
}

/// What [`Endpoint::handle_icmp_error`] did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IcmpOutcome {
    /// The connection it names acted on it (failed, noted a soft error, or lowered its
    /// MSS).
    Applied,
    /// Valid, but nothing to do: an MTU no lower than the one in use, or a connection in
    /// a state that takes no ICMP (closed, TIME-WAIT).
    Ignored,
    /// The quoted bytes are shorter than 8, or name port 0.
    Malformed,
    /// No connection holds the quoted 4-tuple.
    NoConnection,
    /// The quoted sequence number is not in flight (outside `SND.UNA..=SND.NXT`), so the
    /// message may be forged (RFC 5927 §4.1).
    OutOfWindow,
}

impl Endpoint {
    /// Processes an ICMP or ICMPv6 error about a segment we sent. The message is believed
    /// only if the quoted 4-tuple names a connection and the quoted sequence number is in
    /// flight on it (RFC 5927); otherwise it is dropped and counted. Then, as Linux's
    /// `tcp_v4_err`: during an active open any unreachable message fails the connect at
    /// once (`ConnectionRefused` for port and protocol unreachable, else
    /// `HostUnreachable` or `NetworkUnreachable`); a half-open passive connection is
    /// dropped on port or protocol unreachable; a synchronized connection keeps the error
    /// as a soft error, reported instead of `TimedOut` if it later times out (cleared by
    /// an ACK that acknowledges data). "Packet too big" lowers the path MTU of the
    /// connection and of its destination for [`crate::PathMtu::expiry`]: the MSS
    /// falls to MTU minus the IP and TCP headers (never below an MTU of 552 over IPv4,
    /// 1280 over IPv6) and the segments in flight that no longer fit are sent again at
    /// once, re-cut.
    pub fn handle_icmp_error(&mut self, now: Instant, report: IcmpReport<'_>) -> IcmpOutcome {
        self.observe(now);
        self.counters.icmp.errors_in += 1;
        let outcome = self.apply_icmp_error(now, report);
        match outcome {
            IcmpOutcome::Applied | IcmpOutcome::Ignored => {}
            IcmpOutcome::Malformed => self.counters.malformed += 1,
            IcmpOutcome::NoConnection => self.counters.icmp.no_connection += 1,
            IcmpOutcome::OutOfWindow => self.counters.icmp.out_of_window += 1,
        }
        outcome
    }

    fn apply_icmp_error(&mut self, now: Instant, report: IcmpReport<'_>) -> IcmpOutcome {
        let Some(quoted) = report.quoted.get(..8) else {
            return IcmpOutcome::Malformed;
        };
        let local_port = u16::from_be_bytes([quoted[0], quoted[1]]);
        let remote_port = u16::from_be_bytes([quoted[2], quoted[3]]);
        let seq = SeqNumber(u32::from_be_bytes([
            quoted[4], quoted[5], quoted[6], quoted[7],
        ]));
        if local_port == 0 || remote_port == 0 {
            return IcmpOutcome::Malformed;
        }
        let tuple = FourTuple {
            local: SocketAddr::new(report.local, local_port),
            remote: SocketAddr::new(report.remote, remote_port),
        };
        let Some(handle) = self
            .holder_of(&tuple)
            .filter(|handle| self.connections.contains_key(handle))
        else {
            return IcmpOutcome::NoConnection;
        };
        let expiry = self.config.path_mtu.expiry;
        let outcome = self
            .with_connection(handle, |conn, _| {
                if !conn.quotes_in_flight(seq) {
                    return IcmpOutcome::OutOfWindow;
                }
                let applied = match report.error {
                    IcmpError::PacketTooBig { mtu } => {
                        let mtu = u16::try_from(mtu).unwrap_or(u16::MAX);
                        conn.lower_path_mtu(mtu, now + expiry)
                    }
                    error => conn.on_unreachable(error.as_error(), error.is_hard()),
                };
                if applied {
                    IcmpOutcome::Applied
                } else {
                    IcmpOutcome::Ignored
                }
            })
            .unwrap_or(IcmpOutcome::NoConnection);
        if let (IcmpError::PacketTooBig { mtu }, IcmpOutcome::Applied) = (report.error, outcome) {
            self.counters.icmp.path_mtu_reductions += 1;
            let capacity = self.config.path_mtu.cache_size;
            let mtu = u16::try_from(mtu).unwrap_or(u16::MAX);
            self.paths
                .mtus
                .record(report.remote, mtu, now + expiry, now, capacity);
        }
        outcome
    }

    /// The next remote address a connection gave negative advice about (RFC 9293 MUST-20:
    /// its retransmissions reached R1, three in a row), each once while it waits here: the
    /// network layer should re-confirm the neighbour that reaches it (ARP, NDP). At most
    /// 64 wait; more are dropped.
    pub fn poll_negative_advice(&mut self) -> Option<IpAddr> {
        self.paths.negative_advice.pop_front()
    }

    /// Gives a new connection the path MTU recorded for its destination, if one holds.
    pub(super) fn start_with_recorded_path(&self, now: Instant, conn: &mut Connection) {
        if let Some((mtu, until)) = self.paths.mtus.get(conn.tuple().remote.ip(), now) {
            conn.start_with_path_mtu(mtu, until);
        }
    }

    /// Queues negative advice about `remote` for [`Endpoint::poll_negative_advice`].
    pub(super) fn advise(&mut self, remote: IpAddr) {
        if self.paths.negative_advice.len() < MAX_ADVICE
            && !self.paths.negative_advice.contains(&remote)
        {
            self.paths.negative_advice.push_back(remote);
        }
    }
}
