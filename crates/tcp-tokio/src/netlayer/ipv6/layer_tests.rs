//! The layer's IPv6 side as a whole: neighbour discovery both ways, echo, TCP up and down,
//! a dual-stack layer's frame placement, and malformed input dropped and counted.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use etherparse::{Ethernet2HeaderSlice, Icmpv6Slice, Icmpv6Type, Ipv6HeaderSlice};
use tcp_wire::{Flags, Segment};

use super::icmpv6::fill_checksum;
use super::ndp::{self, HOP_LIMIT, MESSAGE_LEN, multicast_mac, solicited_node};
use super::{IPV6_HEADER_LEN, Ipv6Out, NEXT_HEADER_ICMPV6, NEXT_HEADER_TCP, write_header};
use crate::netlayer::ethernet::{ETHERNET_HEADER_LEN, ETHERTYPE_IPV6, write_header as ethernet};
use crate::netlayer::{Egress, Ipv6Config, MacAddr, NetConfig, NetLayer, TCP_OFFSET_V6};

const STACK_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 1]);
const PEER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 2]);
const STACK_IP: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 1);
const PEER_IP: Ipv6Addr = Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 2);
const SECOND: u64 = 1_000_000;

fn layer() -> NetLayer {
    let config = NetConfig::new_ipv6(STACK_MAC, Ipv6Config::new(STACK_MAC, STACK_IP, 64));
    NetLayer::new(config).unwrap()
}

/// Every frame the layer wants sent right now.
fn drain(net: &mut NetLayer) -> Vec<Vec<u8>> {
    let mut buf = vec![0u8; net.frame_capacity()];
    core::iter::from_fn(|| net.poll_transmit(&mut buf).map(|len| buf[..len].to_vec())).collect()
}

/// A frame from the peer to `dst_mac` carrying `payload` as `next_header` from `src` to
/// `dst` with `hop_limit`.
fn frame(
    dst_mac: MacAddr,
    (src, dst): (Ipv6Addr, Ipv6Addr),
    next_header: u8,
    hop_limit: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut frame = vec![0u8; ETHERNET_HEADER_LEN + IPV6_HEADER_LEN + payload.len()];
    ethernet(&mut frame, dst_mac, PEER_MAC, ETHERTYPE_IPV6);
    let out = Ipv6Out {
        src,
        dst,
        next_header,
        hop_limit,
        ecn: 0,
    };
    write_header(&mut frame[ETHERNET_HEADER_LEN..], &out, payload.len());
    frame[ETHERNET_HEADER_LEN + IPV6_HEADER_LEN..].copy_from_slice(payload);
    frame
}

/// The peer's solicitation for our address, to our solicited-node group.
fn solicitation() -> Vec<u8> {
    let group = solicited_node(STACK_IP);
    let mut message = vec![0u8; MESSAGE_LEN];
    ndp::write_solicitation(&mut message, PEER_IP, group, STACK_IP, PEER_MAC);
    frame(
        multicast_mac(group),
        (PEER_IP, group),
        NEXT_HEADER_ICMPV6,
        HOP_LIMIT,
        &message,
    )
}

/// The peer's solicited advertisement of its address, to us.
fn advertisement() -> Vec<u8> {
    let mut message = vec![0u8; MESSAGE_LEN];
    ndp::write_advertisement(&mut message, PEER_IP, STACK_IP, PEER_IP, PEER_MAC, true);
    frame(
        STACK_MAC,
        (PEER_IP, STACK_IP),
        NEXT_HEADER_ICMPV6,
        HOP_LIMIT,
        &message,
    )
}

/// Writes a SYN to the peer at the layer's TCP offset of `buffer`; its length.
fn write_syn(net: &NetLayer, buffer: &mut [u8]) -> usize {
    let header = tcp_wire::Header {
        src_port: 40000,
        dst_port: 80,
        flags: Flags::SYN,
        window: 64240,
        ..tcp_wire::Header::default()
    };
    let tcp = net.tcp_buffer(buffer);
    let len = header.emit(tcp).unwrap();
    Segment::new_checked(&mut tcp[..len])
        .unwrap()
        .fill_checksum(IpAddr::V6(STACK_IP), IpAddr::V6(PEER_IP));
    len
}

/// The ICMPv6 message of a frame this layer sent, parsed by etherparse.
fn icmp(frame: &[u8]) -> Icmpv6Type {
    let ip = Ipv6HeaderSlice::from_slice(&frame[ETHERNET_HEADER_LEN..]).unwrap();
    assert_eq!(ip.next_header().0, NEXT_HEADER_ICMPV6);
    let message = &frame[ETHERNET_HEADER_LEN + IPV6_HEADER_LEN..];
    let slice = Icmpv6Slice::from_slice(message).unwrap();
    let checksum = slice
        .header()
        .icmp_type
        .calc_checksum(ip.source(), ip.destination(), slice.payload())
        .unwrap();
    assert_eq!(checksum, slice.checksum(), "checksum");
    slice.icmp_type()
}

#[test]
fn answers_a_solicitation_for_our_address_and_learns_the_sender() {
    let mut net = layer();
    assert_eq!(net.handle_frame(0, &solicitation()), None);
    let out = drain(&mut net);
    assert_eq!(out.len(), 1);
    let ethernet = Ethernet2HeaderSlice::from_slice(&out[0]).unwrap();
    assert_eq!(ethernet.destination(), PEER_MAC.octets());
    let ip = Ipv6HeaderSlice::from_slice(&out[0][ETHERNET_HEADER_LEN..]).unwrap();
    assert_eq!(
        (ip.source_addr(), ip.destination_addr()),
        (STACK_IP, PEER_IP)
    );
    assert_eq!(ip.hop_limit(), 255);
    let Icmpv6Type::NeighborAdvertisement(flags) = icmp(&out[0]) else {
        panic!("not an advertisement");
    };
    assert!(flags.solicited && flags.r#override && !flags.router);
    let advert = ndp::parse(STACK_IP, PEER_IP, 255, &out[0][54..]).unwrap();
    assert_eq!(
        (advert.target, advert.link_addr),
        (STACK_IP, Some(STACK_MAC))
    );
    let counters = net.counters();
    assert_eq!(
        (
            counters.ndp_solicitations_in,
            counters.ndp_advertisements_out
        ),
        (1, 1)
    );
    let mut buffer = [0u8; 1600];
    let len = write_syn(&net, &mut buffer);
    let sent = net.send_tcp(1, &mut buffer, STACK_IP, PEER_IP, len, false);
    assert_eq!(sent, Ok(Egress::Ready(TCP_OFFSET_V6 + len)), "learned");
}

#[test]
fn a_segment_waits_for_the_advertisement_the_solicitation_asked_for() {
    let mut net = layer();
    let mut buffer = [0u8; 1600];
    let len = write_syn(&net, &mut buffer);
    let sent = net.send_tcp(0, &mut buffer, STACK_IP, PEER_IP, len, false);
    assert_eq!(sent, Ok(Egress::Queued));
    let out = drain(&mut net);
    assert_eq!(out.len(), 1);
    let group = solicited_node(PEER_IP);
    assert_eq!(out[0][..6], multicast_mac(group).octets());
    let solicitation = ndp::parse(STACK_IP, group, 255, &out[0][54..]).unwrap();
    assert_eq!(solicitation.target, PEER_IP);
    assert_eq!(solicitation.link_addr, Some(STACK_MAC));

    assert_eq!(net.handle_frame(SECOND / 2, &advertisement()), None);
    let released = drain(&mut net);
    assert_eq!(released.len(), 1);
    assert_eq!(released[0][..6], PEER_MAC.octets());
    let ip = Ipv6HeaderSlice::from_slice(&released[0][ETHERNET_HEADER_LEN..]).unwrap();
    assert_eq!(ip.next_header().0, NEXT_HEADER_TCP);
    assert_eq!(usize::from(ip.payload_length()), len);
    assert_eq!(
        released[0][TCP_OFFSET_V6..],
        buffer[TCP_OFFSET_V6..TCP_OFFSET_V6 + len]
    );
    assert_eq!(net.poll_timeout(), None);
}

#[test]
fn a_neighbour_that_never_answers_is_reported_unreachable() {
    let mut net = layer();
    let mut buffer = [0u8; 1600];
    let len = write_syn(&net, &mut buffer);
    net.send_tcp(0, &mut buffer, STACK_IP, PEER_IP, len, false)
        .unwrap();
    while let Some(at) = net.poll_timeout() {
        net.handle_timeout(at);
    }
    assert_eq!(net.counters().ndp_solicitations_out, 3);
    assert_eq!(net.poll_unreachable(), Some(IpAddr::V6(PEER_IP)));
    assert_eq!(net.counters().arp_unresolved_drops, 1);
}

#[test]
fn answers_an_echo_request_and_passes_tcp_up() {
    let mut net = layer();
    net.handle_frame(0, &solicitation());
    drain(&mut net);
    let mut request = vec![128, 0, 0, 0, 0, 9, 0, 1, b'h', b'i'];
    fill_checksum(PEER_IP, STACK_IP, &mut request);
    let echo = frame(
        STACK_MAC,
        (PEER_IP, STACK_IP),
        NEXT_HEADER_ICMPV6,
        64,
        &request,
    );
    assert_eq!(net.handle_frame(1, &echo), None);
    let out = drain(&mut net);
    assert_eq!(out.len(), 1);
    assert!(matches!(icmp(&out[0]), Icmpv6Type::EchoReply(echo) if echo.id == 9 && echo.seq == 1));
    assert_eq!(net.counters().icmp_echo_replied, 1);

    let tcp = [0u8; 20];
    let segment = frame(STACK_MAC, (PEER_IP, STACK_IP), NEXT_HEADER_TCP, 64, &tcp);
    let up = net.handle_frame(2, &segment).expect("a TCP segment");
    assert_eq!(up.src, IpAddr::V6(PEER_IP));
    assert_eq!(up.dst, IpAddr::V6(STACK_IP));
    assert_eq!(up.bytes.len(), 20);
}

#[test]
fn malformed_and_foreign_input_is_dropped_and_counted() {
    let mut net = layer();
    let good = solicitation();
    let mut forwarded = good.clone();
    forwarded[ETHERNET_HEADER_LEN + 7] = 64;
    let mut bad_checksum = good.clone();
    bad_checksum[60] ^= 0xff;
    let other_group = solicited_node("2001:2:0:1::99".parse().unwrap());
    let mut other_group_frame = good.clone();
    other_group_frame[..6].copy_from_slice(&multicast_mac(other_group).octets());
    let not_ours = frame(
        STACK_MAC,
        (PEER_IP, "2001:2:0:1::7".parse().unwrap()),
        NEXT_HEADER_TCP,
        64,
        &[0; 20],
    );
    let from_multicast = frame(
        STACK_MAC,
        ("ff02::1".parse().unwrap(), STACK_IP),
        NEXT_HEADER_TCP,
        64,
        &[0; 20],
    );
    let fragment = frame(STACK_MAC, (PEER_IP, STACK_IP), 44, 64, &[0; 20]);
    for frame in [
        &forwarded,
        &bad_checksum,
        &other_group_frame,
        &not_ours,
        &from_multicast,
        &fragment,
        &good[..ETHERNET_HEADER_LEN + 39],
        &good[..good.len() - 1],
    ] {
        assert_eq!(net.handle_frame(0, frame), None);
    }
    assert!(drain(&mut net).is_empty(), "nothing answered");
    let counters = net.counters();
    assert_eq!(counters.ndp_malformed, 1, "hop limit 64");
    assert_eq!(counters.icmp_malformed, 1, "checksum");
    assert_eq!(counters.frames_not_for_us, 1, "another group's MAC");
    assert_eq!(counters.ip_not_for_us, 1);
    assert_eq!(counters.ip_bad_source, 1);
    assert_eq!(counters.ip_fragments_dropped, 1);
    assert_eq!(counters.ip_bad_header, 2, "cut header, cut payload");
    for cut in 0..good.len() {
        let _ = net.handle_frame(0, &good[..cut]);
    }
}

#[test]
fn a_dual_stack_layer_places_ipv4_frames_behind_20_bytes_of_headroom() {
    let mut config = NetConfig::new(STACK_MAC, Ipv4Addr::new(198, 18, 0, 1), 24);
    config.ipv6 = Some(Ipv6Config::new(STACK_MAC, STACK_IP, 64));
    let mut net = NetLayer::new(config).unwrap();
    assert_eq!(net.tcp_offset(), TCP_OFFSET_V6);
    assert_eq!(net.headroom(), 20);
    assert_eq!(
        net.frame_start(IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2))),
        20
    );
    assert_eq!(net.frame_start(IpAddr::V6(PEER_IP)), 0);
    net.handle_frame(0, &solicitation());
    drain(&mut net);
    let mut buffer = [0u8; 1600];
    let len = write_syn(&net, &mut buffer);
    assert_eq!(
        net.send_tcp(0, &mut buffer, STACK_IP, PEER_IP, len, false),
        Ok(Egress::Ready(TCP_OFFSET_V6 + len))
    );
    assert_eq!(
        net.send_tcp(
            0,
            &mut buffer,
            STACK_IP,
            Ipv4Addr::new(198, 18, 0, 2),
            len,
            false
        ),
        Err(crate::netlayer::SendError::MixedFamilies)
    );
}
