//! IPv6 in the engine: the MSS it announces leaves room for the 40-byte IPv6 header, and
//! listeners take the families Linux's would (a `[::]` listener takes IPv4 too unless
//! IPV6_V6ONLY).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use tcp_core::{Config, Endpoint, Error, Instant, SocketOptions};
use tcp_wire::{Flags, Header, Options, Segment, SeqNumber};

const V4_LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
const V4_PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
const V6_LOCAL: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 1));
const V6_PEER: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 2, 0, 1, 0, 0, 0, 2));

fn now() -> Instant {
    Instant::from_millis(1)
}

/// The next segment the endpoint sends, parsed.
fn sent(endpoint: &mut Endpoint) -> Header {
    let mut buf = [0u8; 1600];
    let transmit = endpoint.poll_transmit(now(), &mut buf).expect("a segment");
    let segment = Segment::new_checked(&buf[..transmit.len]).unwrap();
    Header::parse(&segment).unwrap()
}

/// A SYN from `peer` port 40000 to `local` port 80 announcing MSS 1460, checksum filled.
fn syn(peer: IpAddr, local: IpAddr) -> Vec<u8> {
    let header = Header {
        src_port: 40000,
        dst_port: 80,
        seq: SeqNumber(1000),
        flags: Flags::SYN,
        window: 65535,
        options: Options {
            mss: Some(1460),
            ..Options::default()
        },
        ..Header::default()
    };
    let mut bytes = vec![0u8; 60];
    let len = header.emit(&mut bytes).unwrap();
    bytes.truncate(len);
    Segment::new_checked(&mut bytes[..])
        .unwrap()
        .fill_checksum(peer, local);
    bytes
}

#[test]
fn a_syn_over_ipv6_announces_the_mtu_less_60_and_over_ipv4_less_40() {
    for (local, peer, mss) in [(V6_LOCAL, V6_PEER, 1440), (V4_LOCAL, V4_PEER, 1460)] {
        let mut endpoint = Endpoint::new(Config::default(), [1; 16]);
        endpoint
            .connect(
                now(),
                SocketAddr::new(local, 0),
                SocketAddr::new(peer, 80),
                SocketOptions::default(),
            )
            .unwrap();
        assert_eq!(sent(&mut endpoint).options.mss, Some(mss), "{local}");
    }
}

#[test]
fn a_syn_ack_over_ipv6_announces_the_mtu_less_60() {
    let config = Config {
        mtu: 9000,
        ..Config::default()
    };
    let mut endpoint = Endpoint::new(config, [1; 16]);
    let any = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 80);
    endpoint.listen(any, 8, SocketOptions::default()).unwrap();
    endpoint.handle_segment(now(), V6_PEER, V6_LOCAL, &syn(V6_PEER, V6_LOCAL));
    let syn_ack = sent(&mut endpoint);
    assert_eq!(syn_ack.flags, Flags::SYN | Flags::ACK);
    assert_eq!(syn_ack.options.mss, Some(9000 - 60));
}

/// Whether a listener on `addr` (V6ONLY as `only_v6`) answers a SYN from `peer` to
/// `local` with a SYN-ACK (else the endpoint resets it).
fn answers(addr: IpAddr, only_v6: bool, peer: IpAddr, local: IpAddr) -> bool {
    let mut endpoint = Endpoint::new(Config::default(), [1; 16]);
    let options = SocketOptions {
        only_v6,
        ..SocketOptions::default()
    };
    endpoint
        .listen(SocketAddr::new(addr, 80), 8, options)
        .unwrap();
    endpoint.handle_segment(now(), peer, local, &syn(peer, local));
    sent(&mut endpoint).flags == Flags::SYN | Flags::ACK
}

#[test]
fn listeners_take_the_families_linux_listeners_take() {
    let any_v6 = IpAddr::V6(Ipv6Addr::UNSPECIFIED);
    let any_v4 = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    assert!(answers(any_v6, false, V6_PEER, V6_LOCAL));
    assert!(answers(any_v6, false, V4_PEER, V4_LOCAL), "dual stack");
    assert!(answers(any_v6, true, V6_PEER, V6_LOCAL));
    assert!(!answers(any_v6, true, V4_PEER, V4_LOCAL), "V6ONLY");
    assert!(answers(any_v4, false, V4_PEER, V4_LOCAL));
    assert!(!answers(any_v4, false, V6_PEER, V6_LOCAL), "IPv4 wildcard");
}

#[test]
fn a_dual_stack_wildcard_clashes_with_the_ipv4_one_and_a_v6only_one_does_not() {
    let any_v6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 80);
    let any_v4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 80);
    let only_v6 = SocketOptions {
        only_v6: true,
        ..SocketOptions::default()
    };
    let mut endpoint = Endpoint::new(Config::default(), [1; 16]);
    endpoint
        .listen(any_v4, 8, SocketOptions::default())
        .unwrap();
    assert_eq!(
        endpoint.listen(any_v6, 8, SocketOptions::default()),
        Err(Error::AddrInUse)
    );
    endpoint.listen(any_v6, 8, only_v6).unwrap();
}
