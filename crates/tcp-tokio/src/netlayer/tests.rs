//! The whole layer against real frames: what it answers, passes up, builds and drops.

use core::net::{IpAddr, Ipv4Addr};

use etherparse::{Ethernet2HeaderSlice, Ipv4HeaderSlice};
use tcp_wire::{Flags, Segment, SeqNumber};

use super::testdata::{self, KERNEL_MAC, STACK_MAC};
use super::*;

const STACK_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const KERNEL_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
const SECOND: u64 = 1_000_000;

fn layer() -> NetLayer {
    NetLayer::new(NetConfig::new(STACK_MAC, STACK_IP, 24)).unwrap()
}

/// Every frame the layer wants sent right now.
fn drain(net: &mut NetLayer) -> Vec<Vec<u8>> {
    let mut buf = vec![0u8; net.frame_capacity()];
    core::iter::from_fn(|| net.poll_transmit(&mut buf).map(|len| buf[..len].to_vec())).collect()
}

/// A layer that already knows the kernel's MAC from its ARP request.
fn layer_knowing_kernel() -> NetLayer {
    let mut net = layer();
    assert_eq!(net.handle_frame(0, &testdata::ARP_REQUEST), None);
    drain(&mut net);
    net
}

/// Writes a SYN from `src_port` to the kernel's `dst_port` at TCP_OFFSET of `frame` and
/// returns its length.
fn write_syn(net: &NetLayer, frame: &mut [u8], src_port: u16, dst_port: u16) -> usize {
    let header = tcp_wire::Header {
        src_port,
        dst_port,
        seq: tcp_wire::SeqNumber(1000),
        flags: Flags::SYN,
        window: 64240,
        ..tcp_wire::Header::default()
    };
    let tcp = net.tcp_buffer(frame);
    let len = header.emit(tcp).unwrap();
    Segment::new_checked(&mut tcp[..len])
        .unwrap()
        .fill_checksum_ipv4(STACK_IP, KERNEL_IP);
    len
}

#[test]
fn answers_the_kernels_arp_request_and_learns_its_address() {
    let mut net = layer();
    assert_eq!(net.handle_frame(0, &testdata::ARP_REQUEST), None);
    let out = drain(&mut net);
    let expected_reply: [u8; 42] = {
        let mut reply = [0u8; 42];
        reply[..6].copy_from_slice(&KERNEL_MAC.0);
        reply[6..12].copy_from_slice(&STACK_MAC.0);
        reply[12..14].copy_from_slice(&[0x08, 0x06]);
        reply[14..22].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 2]);
        reply[22..28].copy_from_slice(&STACK_MAC.0);
        reply[28..32].copy_from_slice(&STACK_IP.octets());
        reply[32..38].copy_from_slice(&KERNEL_MAC.0);
        reply[38..42].copy_from_slice(&KERNEL_IP.octets());
        reply
    };
    assert_eq!(out, [expected_reply.to_vec()]);
    let counters = net.counters();
    assert_eq!((counters.arp_requests_in, counters.arp_replies_out), (1, 1));
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    let sent = net.send_tcp(1, &mut frame, STACK_IP, KERNEL_IP, len, false);
    assert_eq!(sent, Ok(Egress::Ready(TCP_OFFSET + len)));
}

#[test]
fn ignores_arp_requests_for_other_addresses() {
    let mut net = layer();
    let mut request = testdata::ARP_REQUEST;
    request[41] = 99;
    assert_eq!(net.handle_frame(0, &request), None);
    assert!(drain(&mut net).is_empty());
    assert_eq!(net.counters().arp_requests_in, 1);
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    let sent = net.send_tcp(0, &mut frame, STACK_IP, KERNEL_IP, len, false);
    assert_eq!(
        sent,
        Ok(Egress::Queued),
        "a stranger's request is not learned"
    );
}

#[test]
fn resolves_then_releases_a_queued_segment_byte_for_byte() {
    let mut net = layer();
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    assert_eq!(
        net.send_tcp(0, &mut frame, STACK_IP, KERNEL_IP, len, false),
        Ok(Egress::Queued)
    );
    let request = drain(&mut net);
    let mut expected_request = testdata::ARP_REQUEST;
    expected_request[6..12].copy_from_slice(&STACK_MAC.0);
    expected_request[22..28].copy_from_slice(&STACK_MAC.0);
    expected_request[28..32].copy_from_slice(&STACK_IP.octets());
    expected_request[38..42].copy_from_slice(&KERNEL_IP.octets());
    assert_eq!(request, [expected_request.to_vec()]);

    assert_eq!(net.handle_frame(SECOND / 2, &testdata::ARP_REPLY), None);
    assert_eq!(drain(&mut net), [testdata::OUR_SYN.to_vec()]);
    // The kernel took that frame as a SYN for its port 9: it answered seq 0, ack 1000 + 1.
    let rst = Segment::new_checked(&testdata::RST[TCP_OFFSET..]).unwrap();
    assert_eq!((rst.src_port(), rst.dst_port()), (9, 40000));
    assert_eq!(rst.ack_number(), SeqNumber(1001));
    assert_eq!(net.poll_timeout(), None, "resolved, no retry pending");
}

#[test]
fn builds_ipv4_headers_with_df_ttl_ident_and_checksum() {
    let mut config = NetConfig::new(STACK_MAC, STACK_IP, 24);
    config.first_ident = 0xfffe;
    let mut net = NetLayer::new(config).unwrap();
    net.handle_frame(0, &testdata::ARP_REQUEST);
    drain(&mut net);
    let mut idents = Vec::new();
    for _ in 0..3 {
        let mut frame = [0u8; 1514];
        let len = write_syn(&net, &mut frame, 40000, 9);
        let Ok(Egress::Ready(n)) = net.send_tcp(0, &mut frame, STACK_IP, KERNEL_IP, len, false)
        else {
            panic!("kernel MAC is cached");
        };
        let eth = Ethernet2HeaderSlice::from_slice(&frame[..n]).unwrap();
        assert_eq!(eth.destination(), KERNEL_MAC.0);
        assert_eq!(eth.source(), STACK_MAC.0);
        let ip = Ipv4HeaderSlice::from_slice(&frame[14..n]).unwrap();
        assert!(ip.dont_fragment());
        assert!(!ip.more_fragments());
        assert_eq!(ip.ttl(), 64);
        assert_eq!(usize::from(ip.total_len()), n - 14);
        assert_eq!(ip.header_checksum(), ip.to_header().calc_header_checksum());
        assert_eq!(
            (ip.source_addr(), ip.destination_addr()),
            (STACK_IP, KERNEL_IP)
        );
        let segment = Segment::new_checked(&frame[TCP_OFFSET..n]).unwrap();
        assert!(segment.verify_checksum(STACK_IP.into(), KERNEL_IP.into()));
        idents.push(ip.identification());
    }
    assert_eq!(idents, [0xfffe, 0xffff, 0]);
}

#[test]
fn marks_ecn_capable_segments_and_reports_congestion_experienced() {
    let mut net = layer_knowing_kernel();
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    let Ok(Egress::Ready(n)) = net.send_tcp(0, &mut frame, STACK_IP, KERNEL_IP, len, true) else {
        panic!("kernel MAC is cached");
    };
    let ip = Ipv4HeaderSlice::from_slice(&frame[14..n]).unwrap();
    assert_eq!(frame[15] & 0b11, 0b10, "ECT(0)");
    assert_eq!(ip.header_checksum(), ip.to_header().calc_header_checksum());
    let mut received = testdata::SYN;
    assert!(
        !net.handle_frame(0, &received)
            .unwrap()
            .congestion_experienced
    );
    received[15] |= 0b11;
    let checksum = tcp_wire::update_word(
        u16::from_be_bytes([received[24], received[25]]),
        u16::from_be_bytes([received[14], received[15] & !0b11]),
        u16::from_be_bytes([received[14], received[15]]),
    );
    received[24..26].copy_from_slice(&checksum.to_be_bytes());
    assert!(
        net.handle_frame(0, &received)
            .unwrap()
            .congestion_experienced,
        "CE"
    );
}

#[test]
fn answers_ping_with_the_reply_linux_accepted() {
    let mut net = layer_knowing_kernel();
    assert_eq!(net.handle_frame(SECOND, &testdata::ECHO_REQUEST), None);
    assert_eq!(drain(&mut net), [testdata::OUR_ECHO_REPLY.to_vec()]);
    assert_eq!(net.counters().icmp_echo_replied, 1);
    assert_eq!(net.handle_frame(SECOND, &testdata::ECHO_REPLY), None);
    assert!(drain(&mut net).is_empty());
    assert_eq!(net.counters().icmp_ignored, 1);
}

#[test]
fn passes_the_kernels_syn_up_intact() {
    let mut net = layer();
    let segment = net.handle_frame(0, &testdata::SYN).unwrap();
    assert_eq!(
        (segment.src, segment.dst),
        (IpAddr::V4(KERNEL_IP), IpAddr::V4(STACK_IP))
    );
    let tcp = Segment::new_checked(segment.bytes).unwrap();
    assert!(tcp.verify_checksum(KERNEL_IP.into(), STACK_IP.into()));
    assert_eq!(tcp.flags(), Flags::SYN);
    assert_eq!(tcp.dst_port(), 5001);
    assert_eq!(net.counters().tcp_in, 1);
}

#[test]
fn drops_and_counts_what_is_not_for_it() {
    let mut net = layer();
    let mut not_our_mac = testdata::SYN;
    not_our_mac[5] ^= 1;
    let mut multicast = testdata::SYN;
    multicast[..6].copy_from_slice(&[0x01, 0x00, 0x5e, 0, 0, 1]);
    let mut looped = testdata::SYN;
    looped[6..12].copy_from_slice(&STACK_MAC.0);
    let mut ipv6 = testdata::SYN;
    ipv6[12..14].copy_from_slice(&[0x86, 0xdd]);
    let mut bad_checksum = testdata::SYN;
    bad_checksum[24] ^= 0xff;
    let mut fragment = testdata::SYN;
    fragment[20] = 0x60;
    rewrite_ip_checksum(&mut fragment);
    let mut other_dst = testdata::SYN;
    other_dst[33] = 3;
    rewrite_ip_checksum(&mut other_dst);
    let mut bad_version = testdata::SYN;
    bad_version[14] = 0x65;
    let mut udp = testdata::SYN;
    udp[23] = 17;
    rewrite_ip_checksum(&mut udp);
    let cases: [(&[u8], CounterOf); 9] = [
        (&not_our_mac, |c| c.frames_not_for_us),
        (&multicast, |c| c.frames_not_for_us),
        (&looped, |c| c.frames_looped),
        (&ipv6, |c| c.frames_unknown_ethertype),
        (&bad_checksum, |c| c.ip_bad_checksum),
        (&bad_version, |c| c.ip_bad_header),
        (&testdata::SYN[..13], |c| c.frames_truncated),
        (&other_dst, |c| c.ip_not_for_us),
        (&udp, |c| c.ip_unknown_protocol),
    ];
    for (frame, counter) in cases {
        let before = counter(net.counters());
        assert_eq!(net.handle_frame(0, frame), None, "{frame:02x?}");
        assert_eq!(counter(net.counters()), before + 1, "{frame:02x?}");
    }
    assert_eq!(net.handle_frame(0, &fragment), None);
    assert_eq!(net.counters().ip_fragments_dropped, 1);
    assert_eq!(net.counters().frames_in, 10);
    assert!(drain(&mut net).is_empty());
}

#[test]
fn drops_packets_from_impossible_sources() {
    let mut net = layer();
    for source in [
        STACK_IP,
        Ipv4Addr::new(198, 18, 0, 255),
        Ipv4Addr::UNSPECIFIED,
    ] {
        let mut frame = testdata::SYN;
        frame[26..30].copy_from_slice(&source.octets());
        rewrite_ip_checksum(&mut frame);
        assert_eq!(net.handle_frame(0, &frame), None, "{source}");
    }
    assert_eq!(net.counters().ip_bad_source, 3);
}

#[test]
fn does_not_answer_broadcast_pings() {
    let mut net = layer_knowing_kernel();
    let mut frame = testdata::ECHO_REQUEST;
    frame[..6].copy_from_slice(&MacAddr::BROADCAST.0);
    frame[30..34].copy_from_slice(&[198, 18, 0, 255]);
    rewrite_ip_checksum(&mut frame);
    assert_eq!(net.handle_frame(0, &frame), None);
    assert!(drain(&mut net).is_empty());
    assert_eq!(net.counters().ip_not_for_us, 1);
}

#[test]
fn arp_requests_are_retried_each_second_then_the_queue_dropped() {
    let mut net = layer();
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    net.send_tcp(0, &mut frame, STACK_IP, KERNEL_IP, len, false)
        .unwrap();
    net.send_tcp(0, &mut frame, STACK_IP, KERNEL_IP, len, false)
        .unwrap();
    assert_eq!(drain(&mut net).len(), 1);
    for second in 1..=2 {
        assert_eq!(net.poll_timeout(), Some(second * SECOND));
        net.handle_timeout(second * SECOND - 1);
        assert!(drain(&mut net).is_empty(), "not due yet");
        net.handle_timeout(second * SECOND);
        let retry = drain(&mut net);
        assert_eq!(retry.len(), 1);
        assert_eq!(&retry[0][38..42], &KERNEL_IP.octets());
    }
    assert_eq!(net.poll_timeout(), Some(3 * SECOND));
    net.handle_timeout(3 * SECOND);
    assert!(drain(&mut net).is_empty());
    assert_eq!(net.poll_timeout(), None);
    let counters = net.counters();
    assert_eq!(counters.arp_requests_out, 3);
    assert_eq!(counters.arp_unresolved_drops, 2);
    net.handle_frame(4 * SECOND, &testdata::ARP_REPLY);
    assert!(drain(&mut net).is_empty(), "nothing left to release");
}

#[test]
fn the_queue_per_next_hop_is_bounded() {
    let mut config = NetConfig::new(STACK_MAC, STACK_IP, 24);
    config.arp.queue_per_hop = 2;
    let mut net = NetLayer::new(config).unwrap();
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    let results: Vec<_> = (0..3)
        .map(|_| net.send_tcp(0, &mut frame, STACK_IP, KERNEL_IP, len, false))
        .collect();
    assert_eq!(
        results,
        [Ok(Egress::Queued), Ok(Egress::Queued), Ok(Egress::Dropped)]
    );
    assert_eq!(net.counters().arp_queue_drops, 1);
}

#[test]
fn gratuitous_arp_updates_known_hosts_only() {
    let mut net = layer_knowing_kernel();
    let moved = MacAddr([0x02, 0, 0, 0, 0, 0x99]);
    let gratuitous = |sender_mac: MacAddr, ip: Ipv4Addr| {
        let mut frame = testdata::ARP_REQUEST;
        frame[6..12].copy_from_slice(&sender_mac.0);
        frame[22..28].copy_from_slice(&sender_mac.0);
        frame[28..32].copy_from_slice(&ip.octets());
        frame[38..42].copy_from_slice(&ip.octets());
        frame
    };
    net.handle_frame(SECOND, &gratuitous(moved, KERNEL_IP));
    let stranger = Ipv4Addr::new(198, 18, 0, 7);
    net.handle_frame(SECOND, &gratuitous(moved, stranger));
    assert!(
        drain(&mut net).is_empty(),
        "gratuitous ARP is never answered"
    );
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    assert!(matches!(
        net.send_tcp(SECOND, &mut frame, STACK_IP, KERNEL_IP, len, false),
        Ok(Egress::Ready(_))
    ));
    assert_eq!(&frame[..6], &moved.0, "known host updated");
    assert_eq!(
        net.send_tcp(SECOND, &mut frame, STACK_IP, stranger, len, false),
        Ok(Egress::Queued),
        "stranger not learned"
    );
}

#[test]
fn arp_claiming_our_address_is_a_conflict_not_news() {
    let mut net = layer();
    let mut frame = testdata::ARP_REQUEST;
    frame[28..32].copy_from_slice(&STACK_IP.octets());
    net.handle_frame(0, &frame);
    assert!(drain(&mut net).is_empty());
    assert_eq!(net.counters().arp_conflicts, 1);
}

#[test]
fn arp_probes_are_answered_but_not_learned() {
    let mut net = layer();
    let mut probe = testdata::ARP_REQUEST;
    probe[28..32].copy_from_slice(&[0, 0, 0, 0]);
    net.handle_frame(0, &probe);
    let out = drain(&mut net);
    assert_eq!(out.len(), 1);
    assert_eq!(&out[0][38..42], &[0, 0, 0, 0]);
    assert_eq!(&out[0][..6], &KERNEL_MAC.0);
}

#[test]
fn arp_cache_entries_expire_after_a_minute() {
    let mut net = layer_knowing_kernel();
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    let send = |net: &mut NetLayer, now: u64, frame: &mut [u8]| {
        net.send_tcp(now, frame, STACK_IP, KERNEL_IP, len, false)
    };
    assert!(matches!(
        send(&mut net, 60 * SECOND - 1, &mut frame),
        Ok(Egress::Ready(_))
    ));
    assert_eq!(send(&mut net, 60 * SECOND, &mut frame), Ok(Egress::Queued));
}

#[test]
fn routes_off_link_through_the_gateway() {
    let gateway = Ipv4Addr::new(198, 18, 0, 254);
    let mut config = NetConfig::new(STACK_MAC, STACK_IP, 24);
    config.gateway = Some(gateway);
    let mut net = NetLayer::new(config).unwrap();
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    let far = Ipv4Addr::new(198, 19, 1, 1);
    assert_eq!(
        net.send_tcp(0, &mut frame, STACK_IP, far, len, false),
        Ok(Egress::Queued)
    );
    let out = drain(&mut net);
    assert_eq!(
        &out[0][38..42],
        &gateway.octets(),
        "ARP asks for the gateway"
    );
}

#[test]
fn send_tcp_refuses_what_it_cannot_send() {
    let mut net = layer_knowing_kernel();
    let mut frame = [0u8; 1514];
    let len = write_syn(&net, &mut frame, 40000, 9);
    let far = Ipv4Addr::new(198, 19, 1, 1);
    let cases = [
        (KERNEL_IP, KERNEL_IP, len, 1514, SendError::NotOurAddress),
        (STACK_IP, far, len, 1514, SendError::NoRoute),
        (STACK_IP, Ipv4Addr::BROADCAST, len, 1514, SendError::NoRoute),
        (STACK_IP, KERNEL_IP, 1481, 1514, SendError::TooLong),
        (
            STACK_IP,
            KERNEL_IP,
            len,
            TCP_OFFSET + len - 1,
            SendError::BufferTooSmall,
        ),
    ];
    for (src, dst, tcp_len, buf_len, error) in cases {
        let sent = net.send_tcp(0, &mut frame[..buf_len], src, dst, tcp_len, false);
        assert_eq!(sent, Err(error), "{src} > {dst} len {tcp_len}");
    }
    assert_eq!(net.counters().tcp_out, 0);
    assert_eq!(net.max_tcp_len(), 1480);
    assert_eq!(net.tcp_buffer(&mut frame).len(), 1480);
    assert!(net.tcp_buffer(&mut frame[..20]).is_empty());
}

#[test]
fn poll_transmit_never_truncates() {
    let mut net = layer();
    net.handle_frame(0, &testdata::ARP_REQUEST);
    let mut small = [0u8; 41];
    assert_eq!(net.poll_transmit(&mut small), None);
    assert_eq!(net.counters().tx_queue_drops, 1);
}

#[test]
fn hostile_bytes_never_panic() {
    let mut net = layer_knowing_kernel();
    let mut state = 0x1234_5678_u32;
    let mut frame = testdata::SYN;
    for round in 0..5_000u32 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let at = 12 + (state as usize % (frame.len() - 12));
        frame[at] = (state >> 8) as u8;
        let len = frame.len() - (round as usize % 30);
        let _ = net.handle_frame(u64::from(round), &frame[..len]);
        drain(&mut net);
    }
    assert_eq!(net.counters().frames_in, 5_001);
}

/// Reads one counter.
type CounterOf = fn(&Counters) -> u64;

fn rewrite_ip_checksum(frame: &mut [u8]) {
    frame[24..26].copy_from_slice(&[0, 0]);
    let mut sum = tcp_wire::Checksum::new();
    sum.add_bytes(&frame[14..34]);
    frame[24..26].copy_from_slice(&sum.finish().to_be_bytes());
}

/// Writes at TCP_OFFSET of `frame` a super-segment: one ACK header before three segments'
/// payload of `size` bytes, with the partial checksum; returns its length.
fn write_super_segment(net: &NetLayer, frame: &mut [u8], size: usize) -> usize {
    let header = tcp_wire::Header {
        src_port: 40000,
        dst_port: 9,
        seq: SeqNumber(1000),
        ack: SeqNumber(5000),
        flags: Flags::ACK,
        window: 64240,
        ..tcp_wire::Header::default()
    };
    let tcp = net.tcp_batch_buffer(frame);
    let header_len = header.emit(tcp).unwrap();
    let len = header_len + 3 * size;
    for (i, byte) in tcp[header_len..len].iter_mut().enumerate() {
        *byte = i as u8;
    }
    Segment::new_checked(&mut tcp[..len])
        .unwrap()
        .fill_partial_checksum(STACK_IP.into(), KERNEL_IP.into());
    len
}

#[test]
fn a_super_segment_is_sent_whole_to_a_known_hop() {
    let mut net = layer_knowing_kernel();
    let mut frame = vec![0u8; TCP_OFFSET + NetLayer::max_tcp_batch_len()];
    let len = write_super_segment(&net, &mut frame, 1448);
    assert!(len > net.max_tcp_len());
    let out = TcpOut {
        src: IpAddr::V4(STACK_IP),
        dst: IpAddr::V4(KERNEL_IP),
        len,
        ecn_capable: false,
        segment_size: Some(1448),
    };
    assert_eq!(
        net.send(0, &mut frame, out),
        Ok(Egress::Ready(TCP_OFFSET + len))
    );
    let ip = Ipv4HeaderSlice::from_slice(&frame[ETHERNET_HEADER_LEN..]).unwrap();
    assert_eq!(usize::from(ip.total_len()), IPV4_HEADER_LEN + len);
    let single = TcpOut {
        segment_size: None,
        ..out
    };
    assert_eq!(net.send(0, &mut frame, single), Err(SendError::TooLong));
}

#[test]
fn a_super_segment_to_an_unresolved_hop_is_parked_as_its_first_segment() {
    let mut net = layer();
    let mut frame = vec![0u8; TCP_OFFSET + NetLayer::max_tcp_batch_len()];
    let len = write_super_segment(&net, &mut frame, 1000);
    let out = TcpOut {
        src: IpAddr::V4(STACK_IP),
        dst: IpAddr::V4(KERNEL_IP),
        len,
        ecn_capable: false,
        segment_size: Some(1000),
    };
    assert_eq!(net.send(0, &mut frame, out), Ok(Egress::Queued));
    drain(&mut net);
    net.handle_frame(SECOND / 2, &testdata::ARP_REPLY);
    let released = drain(&mut net);
    assert_eq!(released.len(), 1);
    let parked = &released[0];
    let ip = Ipv4HeaderSlice::from_slice(&parked[ETHERNET_HEADER_LEN..]).unwrap();
    let segment = Segment::new_checked(&parked[TCP_OFFSET..]).unwrap();
    assert_eq!(segment.payload().len(), 1000);
    assert_eq!(usize::from(ip.total_len()), IPV4_HEADER_LEN + 20 + 1000);
    assert!(segment.verify_checksum(STACK_IP.into(), KERNEL_IP.into()));
    assert_eq!(
        segment.payload(),
        &frame[TCP_OFFSET + 20..TCP_OFFSET + 1020]
    );
}

/// A layer and its sibling, the sibling with a SYN to the kernel parked behind ARP (its
/// request drained).
fn siblings_with_a_parked_syn() -> (NetLayer, NetLayer) {
    let first = layer();
    let mut second = first.sibling();
    let mut frame = [0u8; 1514];
    let len = write_syn(&second, &mut frame, 40000, 9);
    assert_eq!(
        second.send_tcp(0, &mut frame, STACK_IP, KERNEL_IP, len, false),
        Ok(Egress::Queued)
    );
    assert_eq!(drain(&mut second).len(), 1, "the ARP request");
    (first, second)
}

#[test]
fn siblings_share_arp_so_any_shard_releases_what_another_parked() {
    let (mut first, mut second) = siblings_with_a_parked_syn();
    let mut frame = [0u8; 1514];
    assert_eq!(first.poll_timeout(), second.poll_timeout());
    first.handle_frame(SECOND / 2, &testdata::ARP_REPLY);
    assert_eq!(drain(&mut first), [testdata::OUR_SYN.to_vec()]);
    assert!(drain(&mut second).is_empty());
    let len = write_syn(&second, &mut frame, 40000, 9);
    assert_eq!(
        second.send_tcp(SECOND / 2, &mut frame, STACK_IP, KERNEL_IP, len, false),
        Ok(Egress::Ready(TCP_OFFSET + len)),
        "the address the first learned serves the second"
    );
}

#[test]
fn every_sibling_hears_once_of_a_next_hop_that_never_answered() {
    let (mut first, mut second) = siblings_with_a_parked_syn();
    assert_eq!(first.poll_unreachable(), None);
    while let Some(due) = first.poll_timeout() {
        first.handle_timeout(due);
    }
    assert_eq!(first.counters().arp_unresolved_drops, 1);
    assert_eq!(first.poll_unreachable(), Some(IpAddr::V4(KERNEL_IP)));
    assert_eq!(first.poll_unreachable(), None);
    assert_eq!(second.poll_unreachable(), Some(IpAddr::V4(KERNEL_IP)));
    assert_eq!(second.poll_unreachable(), None);
    assert_eq!(
        second.next_hop(IpAddr::V4(KERNEL_IP)),
        Some(IpAddr::V4(KERNEL_IP))
    );
}
