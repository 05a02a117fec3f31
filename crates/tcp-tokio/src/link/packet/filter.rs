//! The socket filter of a [`PacketSocket`](super::PacketSocket) that owns an IPv4 address,
//! IPv6 addresses, or both: the kernel queues only the frames that can be for the stack,
//! so frames for other hosts on a busy segment cost neither a copy nor a wake-up.

use std::net::{Ipv4Addr, Ipv6Addr};

use libc::sock_filter;

use super::bpf::{Insn, Target, assemble};
use super::{ETH_P_ARP, ETH_P_IP, ETH_P_IPV6};
use crate::netlayer::{multicast_mac, solicited_node};

/// Offset of the EtherType in an Ethernet header.
const ETHERTYPE: u32 = 12;
/// Offset of the IPv4 destination address in a frame: Ethernet header, then 16 bytes in.
const IPV4_DESTINATION: u32 = 14 + 16;
/// Offset of the IPv6 destination address in a frame: Ethernet header, then 24 bytes in.
const IPV6_DESTINATION: u32 = 14 + 24;
/// What an accepting socket filter returns: keep the whole frame.
const WHOLE_FRAME: u32 = u32::MAX;

/// The IPv6 addresses a stack owns on the interface, for
/// [`PacketSocketConfig::filter_ipv6`](super::PacketSocketConfig::filter_ipv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv6Filter {
    /// The global (or unique local) address.
    pub addr: Ipv6Addr,
    /// The link-local address.
    pub link_local: Ipv6Addr,
}

impl Ipv6Filter {
    /// The four destinations the stack receives IPv6 at: its two addresses and their
    /// solicited-node multicast groups (where neighbour solicitations for them go).
    pub(super) fn destinations(&self) -> [Ipv6Addr; 4] {
        [
            self.addr,
            self.link_local,
            solicited_node(self.addr),
            solicited_node(self.link_local),
        ]
    }

    /// The Ethernet groups of the two solicited-node addresses (RFC 2464 §7).
    pub(super) fn multicast_macs(&self) -> [[u8; 6]; 2] {
        [self.addr, self.link_local].map(|ip| multicast_mac(solicited_node(ip)).octets())
    }
}

/// Labels of the four IPv6 destination checks.
const IPV6_LABELS: [&str; 4] = ["ipv6-0", "ipv6-1", "ipv6-2", "ipv6-3"];

/// A socket filter that accepts a received frame when it is, with `ipv4`, ARP (of any
/// kind: requests for other addresses still teach the stack its neighbours' addresses) or
/// IPv4 whose destination is that address; with `ipv6`, IPv6 whose destination is one of
/// its addresses or their solicited-node groups (neighbour discovery for us). Broadcast
/// and multicast IPv4, other IPv6 multicast, other EtherTypes, packets for other
/// addresses and frames this host sends (`PACKET_OUTGOING`, which a fanout group or a
/// kernel before 4.20 shows the socket) are dropped. `None` when both are `None`: no
/// filter.
///
/// The program's view starts at the Ethernet header, which is where the kernel starts it
/// for a `SOCK_RAW` packet socket.
pub(super) fn for_addresses(
    ipv4: Option<Ipv4Addr>,
    ipv6: Option<Ipv6Filter>,
) -> Option<Vec<sock_filter>> {
    if ipv4.is_none() && ipv6.is_none() {
        return None;
    }
    let (v4, v6) = (Target::Label("ipv4"), Target::Label(IPV6_LABELS[0]));
    let drop = Target::Label("drop");
    let mut program = vec![
        Insn::LoadPacketType,
        Insn::JumpIfEqual(u32::from(libc::PACKET_OUTGOING), drop, Target::Next),
        Insn::LoadHalf(ETHERTYPE),
        Insn::JumpIfEqual(
            u32::from(ETH_P_IPV6),
            if ipv6.is_some() { v6 } else { drop },
            Target::Next,
        ),
        Insn::JumpIfEqual(
            u32::from(ETH_P_ARP),
            if ipv4.is_some() {
                Target::Label("accept")
            } else {
                drop
            },
            Target::Next,
        ),
        Insn::JumpIfEqual(
            u32::from(ETH_P_IP),
            if ipv4.is_some() { v4 } else { drop },
            drop,
        ),
    ];
    if let Some(addr) = ipv4 {
        program.extend([
            Insn::Label("ipv4"),
            Insn::LoadWord(IPV4_DESTINATION),
            Insn::JumpIfEqual(u32::from(addr), Target::Label("accept"), drop),
        ]);
    }
    if let Some(ipv6) = ipv6 {
        for (index, destination) in ipv6.destinations().into_iter().enumerate() {
            let next = IPV6_LABELS
                .get(index + 1)
                .map_or(drop, |label| Target::Label(label));
            program.push(Insn::Label(IPV6_LABELS[index]));
            let octets = destination.octets();
            for (word, chunk) in octets.chunks_exact(4).enumerate() {
                let value = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                let matched = if word == 3 {
                    Target::Label("accept")
                } else {
                    Target::Next
                };
                program.push(Insn::LoadWord(IPV6_DESTINATION + 4 * word as u32));
                program.push(Insn::JumpIfEqual(value, matched, next));
            }
        }
    }
    program.extend([
        Insn::Label("accept"),
        Insn::Return(WHOLE_FRAME),
        Insn::Label("drop"),
        Insn::Return(0),
    ]);
    Some(assemble(&program))
}

/// A socket filter that drops every frame: what a socket carries while it is being set up,
/// so that nothing it could not have received once set up is queued meanwhile.
pub(super) fn drop_all() -> Vec<sock_filter> {
    assemble(&[Insn::Return(0)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::packet::bpf_vm::{Packet, run};

    const OURS: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);

    /// An Ethernet frame of `ethertype` with an IPv4-shaped body addressed to `dst`.
    fn frame(ethertype: u16, dst: Ipv4Addr) -> Vec<u8> {
        let mut frame = vec![0u8; 14 + 20 + 8];
        frame[..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 1]);
        frame[12..14].copy_from_slice(&ethertype.to_be_bytes());
        frame[14] = 0x45;
        frame[26..30].copy_from_slice(&[198, 18, 0, 2]);
        frame[30..34].copy_from_slice(&dst.octets());
        frame
    }

    /// What the filter for [`OURS`] returns for `frame` received with `pkt_type`.
    fn verdict(frame: &[u8], pkt_type: u8) -> u32 {
        let packet = Packet {
            data: frame,
            protocol: u16::from_be_bytes([frame[12], frame[13]]),
            pkt_type,
        };
        run(&for_addresses(Some(OURS), None).unwrap(), &packet)
    }

    #[test]
    fn ipv4_for_our_address_and_arp_pass_whole() {
        assert_eq!(
            verdict(&frame(ETH_P_IP, OURS), libc::PACKET_HOST),
            WHOLE_FRAME
        );
        let any = Ipv4Addr::new(198, 18, 0, 77);
        assert_eq!(
            verdict(&frame(ETH_P_ARP, any), libc::PACKET_BROADCAST),
            WHOLE_FRAME
        );
        assert_eq!(
            verdict(&frame(ETH_P_ARP, any), libc::PACKET_OTHERHOST),
            WHOLE_FRAME
        );
    }

    #[test]
    fn other_addresses_broadcast_multicast_and_other_ethertypes_are_dropped() {
        for dst in [
            Ipv4Addr::new(198, 18, 0, 3),
            Ipv4Addr::new(198, 18, 0, 255),
            Ipv4Addr::BROADCAST,
            Ipv4Addr::new(224, 0, 0, 1),
            Ipv4Addr::new(199, 18, 0, 1),
        ] {
            assert_eq!(
                verdict(&frame(ETH_P_IP, dst), libc::PACKET_HOST),
                0,
                "{dst}"
            );
        }
        assert_eq!(
            verdict(&frame(ETH_P_IPV6, OURS), libc::PACKET_HOST),
            0,
            "IPv6"
        );
        assert_eq!(
            verdict(&frame(0x8100, OURS), libc::PACKET_HOST),
            0,
            "VLAN tag"
        );
    }

    #[test]
    fn what_this_host_sends_is_dropped_even_to_our_address() {
        assert_eq!(verdict(&frame(ETH_P_IP, OURS), libc::PACKET_OUTGOING), 0);
        assert_eq!(verdict(&frame(ETH_P_ARP, OURS), libc::PACKET_OUTGOING), 0);
    }

    #[test]
    fn a_frame_too_short_for_an_address_is_dropped() {
        let full = frame(ETH_P_IP, OURS);
        assert_eq!(verdict(&full[..33], libc::PACKET_HOST), 0);
        assert_eq!(verdict(&full[..34], libc::PACKET_HOST), WHOLE_FRAME);
    }

    const OURS_V6: Ipv6Filter = Ipv6Filter {
        addr: Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 1),
        link_local: Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0xff, 0xfe00, 0x0101),
    };

    /// An Ethernet frame with an IPv6-shaped body addressed to `dst`.
    fn frame_v6(dst: Ipv6Addr) -> Vec<u8> {
        let mut frame = vec![0u8; 14 + 40 + 8];
        frame[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
        frame[14] = 0x60;
        frame[38..54].copy_from_slice(&dst.octets());
        frame
    }

    /// What the filter for `ipv4` and `ipv6` returns for `frame`, received for this host.
    fn verdict_with(ipv4: Option<Ipv4Addr>, ipv6: Option<Ipv6Filter>, frame: &[u8]) -> u32 {
        let packet = Packet {
            data: frame,
            protocol: u16::from_be_bytes([frame[12], frame[13]]),
            pkt_type: libc::PACKET_HOST,
        };
        run(&for_addresses(ipv4, ipv6).unwrap(), &packet)
    }

    #[test]
    fn ipv6_for_our_addresses_and_their_solicited_node_groups_pass() {
        for ipv4 in [None, Some(OURS)] {
            for dst in OURS_V6.destinations() {
                assert_eq!(
                    verdict_with(ipv4, Some(OURS_V6), &frame_v6(dst)),
                    WHOLE_FRAME,
                    "{dst}"
                );
            }
        }
        let group: Ipv6Addr = "ff02::1:ff00:1".parse().unwrap();
        assert_eq!(OURS_V6.destinations()[2], group);
    }

    #[test]
    fn other_ipv6_destinations_and_near_misses_are_dropped() {
        for dst in [
            "2001:2:0:1::2",
            "ff02::1",
            "ff02::1:ff00:2",
            "2001:2:0:1::1:1",
            "fe80::1",
        ] {
            let dst: Ipv6Addr = dst.parse().unwrap();
            assert_eq!(
                verdict_with(Some(OURS), Some(OURS_V6), &frame_v6(dst)),
                0,
                "{dst}"
            );
        }
        let ours = frame_v6(OURS_V6.addr);
        assert_eq!(
            verdict_with(Some(OURS), Some(OURS_V6), &ours[..53]),
            0,
            "cut address"
        );
        assert_eq!(verdict_with(Some(OURS), None, &ours), 0, "IPv4 only");
    }

    #[test]
    fn an_ipv6_only_filter_drops_arp_and_ipv4() {
        assert_eq!(
            verdict_with(None, Some(OURS_V6), &frame(ETH_P_ARP, OURS)),
            0
        );
        assert_eq!(verdict_with(None, Some(OURS_V6), &frame(ETH_P_IP, OURS)), 0);
        assert!(for_addresses(None, None).is_none());
    }

    #[test]
    fn the_multicast_groups_are_the_solicited_node_ones() {
        assert_eq!(
            OURS_V6.multicast_macs(),
            [
                [0x33, 0x33, 0xff, 0, 0, 1],
                [0x33, 0x33, 0xff, 0, 0x01, 0x01]
            ]
        );
    }

    #[test]
    fn drop_all_drops_everything() {
        let packet = Packet::received(&[0u8; 60]);
        assert_eq!(run(&drop_all(), &packet), 0);
    }
}
