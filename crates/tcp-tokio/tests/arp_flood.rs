//! ARP and next-hop floods against the network layer: thousands of hosts announcing
//! themselves, and segments for thousands of hosts that never answer. The cache, the
//! per-hop queues, the number of hops being resolved and the transmit queue all stay
//! within their configured bounds, everything beyond them is counted, and the layer keeps
//! working for a host it knows.

use std::net::Ipv4Addr;
use tcp_tokio::netlayer::{Egress, MacAddr, NetConfig, NetLayer, TCP_OFFSET};
use tcp_wire::{Flags, HEADER_LEN, Header};

const OUR_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 1]);
const OUR_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
/// Hosts in the flood; far more than any bound.
const HOSTS: u32 = 5000;

fn layer() -> NetLayer {
    NetLayer::new(NetConfig::new(OUR_MAC, OUR_IP, 16)).expect("valid configuration")
}

/// The `n`th flooding host: an address on our /16 and a unicast MAC.
fn host(n: u32) -> (Ipv4Addr, [u8; 6]) {
    let ip = Ipv4Addr::new(198, 18, 1 + (n / 250) as u8, 2 + (n % 250) as u8);
    let mac = [0x02, 0xaa, 0, 0, (n >> 8) as u8, n as u8];
    (ip, mac)
}

/// An ARP request from `(ip, mac)` asking for our address.
fn arp_request(ip: Ipv4Addr, mac: [u8; 6]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(42);
    frame.extend_from_slice(&[0xff; 6]);
    frame.extend_from_slice(&mac);
    frame.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    frame.extend_from_slice(&mac);
    frame.extend_from_slice(&ip.octets());
    frame.extend_from_slice(&[0; 6]);
    frame.extend_from_slice(&OUR_IP.octets());
    frame
}

fn drain(net: &mut NetLayer) -> usize {
    let mut buf = vec![0u8; net.frame_capacity()];
    let mut frames = 0;
    while net.poll_transmit(&mut buf).is_some() {
        frames += 1;
    }
    frames
}

/// Writes a minimal TCP segment at `TCP_OFFSET` and sends it to `dst`.
fn send_to(net: &mut NetLayer, now_us: u64, dst: Ipv4Addr) -> Egress {
    let mut frame = vec![0u8; TCP_OFFSET + HEADER_LEN];
    let header = Header {
        src_port: 40000,
        dst_port: 80,
        flags: Flags::ACK,
        ..Header::default()
    };
    let len = header
        .emit(net.tcp_buffer(&mut frame))
        .expect("a bare header fits");
    net.send_tcp(now_us, &mut frame, OUR_IP, dst, len, false)
        .expect("a routable segment")
}

#[test]
fn thousands_of_announcing_hosts_stay_within_the_cache_and_the_transmit_queue() {
    let mut net = layer();
    let config = net.config().clone();
    // Nobody drains the replies: the transmit queue must stop at its capacity.
    for n in 0..HOSTS {
        let (ip, mac) = host(n);
        let _ = net.handle_frame(u64::from(n), &arp_request(ip, mac));
    }
    let counters = *net.counters();
    assert_eq!(counters.arp_requests_in, u64::from(HOSTS));
    assert_eq!(
        drain(&mut net),
        config.tx_queue_capacity,
        "queued replies beyond the transmit queue's capacity"
    );
    assert_eq!(
        counters.tx_queue_drops,
        u64::from(HOSTS) - config.tx_queue_capacity as u64
    );
    // Every host beyond the cache's capacity evicted one entry: the cache never grew.
    assert_eq!(
        counters.arp_cache_evictions,
        u64::from(HOSTS) - config.arp.cache_capacity as u64
    );
    // The most recent host is still known: a segment to it goes out at once.
    let (last, _) = host(HOSTS - 1);
    assert!(matches!(send_to(&mut net, 10_000, last), Egress::Ready(_)));
}

#[test]
fn segments_for_thousands_of_silent_hosts_stay_within_the_pending_bounds() {
    let mut net = layer();
    let config = net.config().clone();
    let (mut queued, mut dropped) = (0u64, 0u64);
    for n in 0..HOSTS {
        let (ip, _) = host(n);
        // Two segments per host, more than one hop's queue for the first hosts.
        for _ in 0..(config.arp.queue_per_hop + 2) {
            match send_to(&mut net, u64::from(n), ip) {
                Egress::Queued => queued += 1,
                Egress::Dropped => dropped += 1,
                Egress::Ready(_) => panic!("nobody answered, yet the hop resolved"),
            }
        }
        drain(&mut net);
    }
    let held_at_most = (config.arp.max_pending_hops * config.arp.queue_per_hop) as u64;
    assert!(
        queued <= held_at_most,
        "{queued} segments held for unresolved hops, at most {held_at_most} allowed"
    );
    assert_eq!(net.counters().arp_queue_drops, dropped);
    assert_eq!(
        net.counters().arp_requests_out,
        config.arp.max_pending_hops as u64,
        "one request per hop being resolved, none for hops refused"
    );
    // After the retries the queues are given up and counted; nothing is left pending.
    let mut now = u64::from(HOSTS);
    while let Some(at) = net.poll_timeout() {
        now = now.max(at);
        net.handle_timeout(now);
        drain(&mut net);
    }
    assert_eq!(net.counters().arp_unresolved_drops, queued);
    // A host that answers now is resolved normally.
    let (ip, mac) = host(HOSTS + 1);
    let _ = net.handle_frame(now, &arp_request(ip, mac));
    drain(&mut net);
    assert!(matches!(send_to(&mut net, now, ip), Egress::Ready(_)));
}
