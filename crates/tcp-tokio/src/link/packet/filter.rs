//! The socket filter of a [`PacketSocket`](super::PacketSocket) that owns one IPv4 address:
//! the kernel queues only the frames that can be for the stack, so frames for other hosts
//! on a busy segment cost neither a copy nor a wake-up.

use std::net::Ipv4Addr;

use libc::sock_filter;

use super::bpf::{Insn, Target, assemble};
use super::{ETH_P_ARP, ETH_P_IP};

/// Offset of the EtherType in an Ethernet header.
const ETHERTYPE: u32 = 12;
/// Offset of the IPv4 destination address in a frame: Ethernet header, then 16 bytes in.
const IPV4_DESTINATION: u32 = 14 + 16;
/// What an accepting socket filter returns: keep the whole frame.
const WHOLE_FRAME: u32 = u32::MAX;

/// A socket filter that accepts a received frame when it is ARP (of any kind: requests for
/// other addresses still teach the stack its neighbours' addresses), or IPv4 whose
/// destination is `addr`. Broadcast and multicast IPv4, other EtherTypes, IPv4 for other
/// addresses and frames this host sends (`PACKET_OUTGOING`, which a fanout group or a
/// kernel before 4.20 shows the socket) are dropped.
///
/// The program's view starts at the Ethernet header, which is where the kernel starts it
/// for a `SOCK_RAW` packet socket.
pub(super) fn for_ipv4(addr: Ipv4Addr) -> Vec<sock_filter> {
    assemble(&[
        Insn::LoadPacketType,
        Insn::JumpIfEqual(
            u32::from(libc::PACKET_OUTGOING),
            Target::Label("drop"),
            Target::Next,
        ),
        Insn::LoadHalf(ETHERTYPE),
        Insn::JumpIfEqual(u32::from(ETH_P_ARP), Target::Label("accept"), Target::Next),
        Insn::JumpIfEqual(u32::from(ETH_P_IP), Target::Next, Target::Label("drop")),
        Insn::LoadWord(IPV4_DESTINATION),
        Insn::JumpIfEqual(
            u32::from(addr),
            Target::Label("accept"),
            Target::Label("drop"),
        ),
        Insn::Label("accept"),
        Insn::Return(WHOLE_FRAME),
        Insn::Label("drop"),
        Insn::Return(0),
    ])
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
        run(&for_ipv4(OURS), &packet)
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
        assert_eq!(verdict(&frame(0x86dd, OURS), libc::PACKET_HOST), 0, "IPv6");
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

    #[test]
    fn drop_all_drops_everything() {
        let packet = Packet::received(&[0u8; 60]);
        assert_eq!(run(&drop_all(), &packet), 0);
    }
}
