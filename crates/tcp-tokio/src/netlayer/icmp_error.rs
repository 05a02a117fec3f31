//! ICMP error messages about our TCP packets (RFC 792, RFC 1191): destination
//! unreachable (fragmentation needed included), checked against the
//! packet they quote and queued for the engine (`NetLayer::poll_icmp_error`); and the
//! neighbour re-confirmation the engine's negative advice asks for (RFC 9293 MUST-20).

use core::net::{IpAddr, Ipv4Addr};

use tcp_core::{IcmpError, IcmpReport};

use super::ipv4::PROTOCOL_TCP;
use super::layer::NetLayer;

/// Type of a destination unreachable message.
const DESTINATION_UNREACHABLE: u8 = 3;
/// Destination unreachable code: fragmentation needed and DF set (RFC 1191).
const FRAGMENTATION_NEEDED: u8 = 4;
/// Type, code, checksum and the 4-byte rest of header before the quoted packet.
const ERROR_HEADER_LEN: usize = 8;
/// Bytes of the quoted TCP header kept: ports and sequence number (all ICMP promises).
pub(crate) const QUOTED_TCP_LEN: usize = 8;
/// ICMP errors waiting for the engine at most; more are dropped and counted.
pub(crate) const MAX_PENDING_ICMP_ERRORS: usize = 64;

/// An ICMP error about one of our TCP packets, kept for the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpErrorReport {
    /// The quoted packet's source (ours).
    pub local: IpAddr,
    /// The quoted packet's destination (the peer).
    pub remote: IpAddr,
    /// The first 8 bytes of the quoted TCP header.
    pub quoted: [u8; QUOTED_TCP_LEN],
    /// What the message says.
    pub error: IcmpError,
}

impl IcmpErrorReport {
    /// The report as the engine takes it (`Endpoint::handle_icmp_error`).
    pub fn as_report(&self) -> IcmpReport<'_> {
        IcmpReport {
            local: self.local,
            remote: self.remote,
            quoted: &self.quoted,
            error: self.error,
        }
    }
}

/// What an ICMP destination unreachable message (type `kind`, `code`, and the MTU field
/// of "fragmentation needed") means to TCP, as Linux's `icmp_err_convert` reads it; `None`
/// for anything else. Time exceeded and parameter problem are left out: RFC 9293 MUST-56
/// forbids aborting a connection for them, and source quench is discarded (MUST-55).
fn error_of(kind: u8, code: u8, next_hop_mtu: u16) -> Option<IcmpError> {
    match (kind, code) {
        (DESTINATION_UNREACHABLE, 0 | 6 | 9 | 11) => Some(IcmpError::NetworkUnreachable),
        (DESTINATION_UNREACHABLE, 2) => Some(IcmpError::ProtocolUnreachable),
        (DESTINATION_UNREACHABLE, 3) => Some(IcmpError::PortUnreachable),
        (DESTINATION_UNREACHABLE, FRAGMENTATION_NEEDED) => Some(IcmpError::PacketTooBig {
            mtu: u32::from(next_hop_mtu),
        }),
        (DESTINATION_UNREACHABLE, 1 | 5 | 7 | 8 | 10 | 12..=15) => Some(IcmpError::HostUnreachable),
        _ => None,
    }
}

impl NetLayer {
    /// Takes an ICMP message (checksum verified) that is not an echo request: queues it
    /// for the engine if it is an error quoting a TCP packet we sent; otherwise counts it
    /// ignored.
    pub(super) fn take_icmp_error(&mut self, message: &[u8]) {
        match self.icmp_error_of(message) {
            Some(report) if self.icmp_errors.len() < MAX_PENDING_ICMP_ERRORS => {
                self.counters.icmp_errors_in += 1;
                self.icmp_errors.push_back(report);
            }
            Some(_) => self.counters.icmp_errors_dropped += 1,
            None => self.counters.icmp_ignored += 1,
        }
    }

    /// The report `message` makes, if it is an error quoting a TCP packet from our
    /// address with at least 8 bytes of its TCP header.
    fn icmp_error_of(&self, message: &[u8]) -> Option<IcmpErrorReport> {
        let header = message.get(..ERROR_HEADER_LEN)?;
        let error = error_of(
            header[0],
            header[1],
            u16::from_be_bytes([header[6], header[7]]),
        )?;
        let quoted = &message[ERROR_HEADER_LEN..];
        let version_ihl = *quoted.first()?;
        let header_len = usize::from(version_ihl & 0x0f) * 4;
        if version_ihl >> 4 != 4 || header_len < 20 || *quoted.get(9)? != PROTOCOL_TCP {
            return None;
        }
        let src = Ipv4Addr::from(<[u8; 4]>::try_from(quoted.get(12..16)?).ok()?);
        let dst = Ipv4Addr::from(<[u8; 4]>::try_from(quoted.get(16..20)?).ok()?);
        if src != self.route.addr() {
            return None;
        }
        let tcp = quoted.get(header_len..header_len + QUOTED_TCP_LEN)?;
        Some(IcmpErrorReport {
            local: IpAddr::V4(src),
            remote: IpAddr::V4(dst),
            quoted: tcp.try_into().ok()?,
            error,
        })
    }

    /// The next ICMP error about one of our TCP packets, oldest first, for
    /// `Endpoint::handle_icmp_error`. At most 64 wait; more are dropped and counted.
    pub fn poll_icmp_error(&mut self) -> Option<IcmpErrorReport> {
        self.icmp_errors.pop_front()
    }

    /// Negative advice from the engine about the path to `remote` (RFC 9293 MUST-20): if
    /// its next hop is in the neighbour cache, asks for it again now (ARP or neighbour
    /// solicitation), so an answer from a neighbour that moved updates the entry (RFC 1122
    /// §2.3.2.1's re-confirmation).
    pub fn reconfirm_neighbour(&mut self, now_us: u64, remote: IpAddr) {
        let Some(hop) = self.next_hop(remote) else {
            return;
        };
        if self.resolver.lookup(hop, now_us).is_some() {
            self.counters.arp_reconfirmations += 1;
            self.ask_for(hop);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlayer::NetConfig;
    use crate::netlayer::testdata::{KERNEL_MAC, STACK_MAC};
    use tcp_wire::Checksum;

    const STACK_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
    const ROUTER_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 254);
    const PEER_IP: Ipv4Addr = Ipv4Addr::new(198, 19, 0, 2);
    const TCP_START: [u8; 8] = [0x9c, 0x40, 0x1b, 0x58, 0, 0, 0x10, 0x00];

    /// An IPv4 header from `src` to `dst` of `protocol` for `payload_len` bytes.
    fn ipv4_header(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, payload_len: usize) -> Vec<u8> {
        let mut header = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, protocol, 0, 0];
        header[2..4].copy_from_slice(&((20 + payload_len) as u16).to_be_bytes());
        header.extend_from_slice(&src.octets());
        header.extend_from_slice(&dst.octets());
        let mut sum = Checksum::new();
        sum.add_bytes(&header);
        header[10..12].copy_from_slice(&sum.finish().to_be_bytes());
        header
    }

    /// The frame a router sends us: ICMP `kind`/`code` with `rest` (the MTU word) quoting
    /// our TCP packet from `quoted_src`, whose first bytes are `tcp`.
    fn icmp_frame(kind: u8, code: u8, rest: u16, quoted_src: Ipv4Addr, tcp: &[u8]) -> Vec<u8> {
        let mut message = vec![kind, code, 0, 0, 0, 0];
        message.extend_from_slice(&rest.to_be_bytes());
        message.extend(ipv4_header(quoted_src, PEER_IP, PROTOCOL_TCP, 1448));
        message.extend_from_slice(tcp);
        let mut sum = Checksum::new();
        sum.add_bytes(&message);
        message[2..4].copy_from_slice(&sum.finish().to_be_bytes());
        let mut frame = Vec::new();
        frame.extend_from_slice(&STACK_MAC.0);
        frame.extend_from_slice(&KERNEL_MAC.0);
        frame.extend_from_slice(&[0x08, 0x00]);
        frame.extend(ipv4_header(ROUTER_IP, STACK_IP, 1, message.len()));
        frame.extend(message);
        frame
    }

    fn layer() -> NetLayer {
        let mut config = NetConfig::new(STACK_MAC, STACK_IP, 24);
        config.gateway = Some(ROUTER_IP);
        NetLayer::new(config).unwrap()
    }

    #[test]
    fn fragmentation_needed_about_our_packet_is_queued_for_the_engine() {
        let mut net = layer();
        let frame = icmp_frame(3, 4, 1280, STACK_IP, &TCP_START);
        assert_eq!(net.handle_frame(0, &frame), None);
        let report = net.poll_icmp_error().expect("a report");
        assert_eq!(report.local, IpAddr::V4(STACK_IP));
        assert_eq!(report.remote, IpAddr::V4(PEER_IP));
        assert_eq!(report.quoted, TCP_START);
        assert_eq!(report.error, IcmpError::PacketTooBig { mtu: 1280 });
        assert_eq!(report.as_report().quoted, &TCP_START);
        assert_eq!(net.poll_icmp_error(), None);
        assert_eq!(net.counters().icmp_errors_in, 1);
    }

    #[test]
    fn errors_about_other_packets_or_cut_short_are_ignored() {
        let mut net = layer();
        let someone_else = Ipv4Addr::new(198, 18, 0, 7);
        for frame in [
            icmp_frame(3, 3, 0, someone_else, &TCP_START),
            icmp_frame(3, 3, 0, STACK_IP, &TCP_START[..7]),
            icmp_frame(3, 16, 0, STACK_IP, &TCP_START),
            icmp_frame(5, 1, 0, STACK_IP, &TCP_START),
        ] {
            assert_eq!(net.handle_frame(0, &frame), None);
        }
        assert_eq!(net.poll_icmp_error(), None);
        assert_eq!(net.counters().icmp_ignored, 4);
    }

    #[test]
    fn negative_advice_asks_a_known_neighbour_again() {
        let mut net = NetLayer::new(NetConfig::new(STACK_MAC, STACK_IP, 24)).unwrap();
        let kernel = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
        net.reconfirm_neighbour(0, kernel);
        assert_eq!(
            net.counters().arp_reconfirmations,
            0,
            "nothing cached to confirm"
        );
        assert_eq!(
            net.handle_frame(0, &crate::netlayer::testdata::ARP_REQUEST),
            None
        );
        let mut buf = vec![0u8; net.frame_capacity()];
        while net.poll_transmit(&mut buf).is_some() {}
        net.reconfirm_neighbour(1, kernel);
        assert_eq!(net.counters().arp_reconfirmations, 1);
        let len = net.poll_transmit(&mut buf).expect("an ARP request");
        assert_eq!(&buf[12..14], &[0x08, 0x06]);
        assert_eq!(&buf[len - 4..len], &[198, 18, 0, 2]);
    }

    #[test]
    fn a_full_queue_drops_and_counts() {
        let mut net = layer();
        let frame = icmp_frame(3, 1, 0, STACK_IP, &TCP_START);
        for _ in 0..MAX_PENDING_ICMP_ERRORS + 3 {
            assert_eq!(net.handle_frame(0, &frame), None);
        }
        assert_eq!(
            net.counters().icmp_errors_in,
            MAX_PENDING_ICMP_ERRORS as u64
        );
        assert_eq!(net.counters().icmp_errors_dropped, 3);
    }

    #[test]
    fn codes_map_as_the_kernel_maps_them() {
        assert_eq!(error_of(3, 0, 0), Some(IcmpError::NetworkUnreachable));
        assert_eq!(error_of(3, 1, 0), Some(IcmpError::HostUnreachable));
        assert_eq!(error_of(3, 2, 0), Some(IcmpError::ProtocolUnreachable));
        assert_eq!(error_of(3, 3, 0), Some(IcmpError::PortUnreachable));
        assert_eq!(
            error_of(3, 4, 1280),
            Some(IcmpError::PacketTooBig { mtu: 1280 })
        );
        assert_eq!(error_of(3, 13, 0), Some(IcmpError::HostUnreachable));
        assert_eq!(error_of(11, 0, 0), None);
        assert_eq!(error_of(4, 0, 0), None);
        assert_eq!(error_of(12, 0, 0), None);
        assert_eq!(error_of(3, 16, 0), None);
        assert_eq!(error_of(5, 0, 0), None);
        assert_eq!(error_of(0, 0, 0), None);
    }
}
