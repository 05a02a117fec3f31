//! Feeds arbitrary frames (raw bytes, or Ethernet/ARP/IPv4 frames with fuzz-chosen fields)
//! into `tcp_tokio::net::NetLayer::handle_frame`, interleaved with time passing,
//! `handle_timeout` and `send_tcp`. Asserts no panic, that every frame the layer hands out
//! parses as Ethernet (and IPv4 or ARP) with etherparse, with our source MAC and a valid
//! IPv4 header checksum, and that segments handed up are addressed to us.
#![no_main]

use arbitrary::Arbitrary;
use etherparse::{Ipv4HeaderSlice, NetSlice, SlicedPacket};
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr};
use tcp_tokio::netlayer::{Egress, MacAddr, NetConfig, NetLayer, SendError, TCP_OFFSET};
use tcp_wire::{Flags, Header, Segment, SeqNumber};

const OUR_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 1]);
const OUR_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
const GATEWAY: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 254);

#[derive(Debug, Arbitrary)]
struct Input {
    small: bool,
    with_gateway: bool,
    ops: Vec<Op>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    /// Arbitrary bytes as a frame.
    Raw(Vec<u8>),
    /// An Ethernet header with fuzz-chosen addresses in front of arbitrary bytes.
    Ethernet {
        dst: MacChoice,
        src: MacChoice,
        ethertype: u16,
        payload: Vec<u8>,
    },
    Arp(ArpSpec),
    Ipv4(Ipv4Spec),
    /// Time passes (milliseconds); due timers run.
    Advance(u16),
    /// A TCP segment out through `send_tcp`.
    SendTcp {
        dst: IpChoice,
        foreign_src: bool,
        payload_len: u16,
        short_buffer: bool,
        ecn_capable: bool,
    },
}

#[derive(Debug, Arbitrary)]
enum MacChoice {
    Ours,
    Broadcast,
    Peer(u8),
    Any([u8; 6]),
}

impl MacChoice {
    fn mac(&self) -> [u8; 6] {
        match *self {
            MacChoice::Ours => OUR_MAC.0,
            MacChoice::Broadcast => [0xff; 6],
            MacChoice::Peer(n) => [0x02, 0, 0, 0, 1, n],
            MacChoice::Any(mac) => mac,
        }
    }
}

#[derive(Debug, Arbitrary)]
enum IpChoice {
    Ours,
    /// A host on our /24.
    OnLink(u8),
    Gateway,
    Any([u8; 4]),
}

impl IpChoice {
    fn ip(&self) -> Ipv4Addr {
        match *self {
            IpChoice::Ours => OUR_IP,
            IpChoice::OnLink(n) => Ipv4Addr::new(198, 18, 0, n),
            IpChoice::Gateway => GATEWAY,
            IpChoice::Any(octets) => Ipv4Addr::from(octets),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct ArpSpec {
    eth_dst: MacChoice,
    eth_src: MacChoice,
    /// Hardware type, protocol type, sizes and operation: honest unless `mangle` is set.
    mangle: Option<(u16, u16, u8, u8)>,
    op: u16,
    sender_mac: MacChoice,
    sender_ip: IpChoice,
    target_mac: MacChoice,
    target_ip: IpChoice,
    trailer: Vec<u8>,
    truncate: Option<u8>,
}

#[derive(Debug, Arbitrary)]
struct Ipv4Spec {
    eth_dst: MacChoice,
    eth_src: MacChoice,
    version_ihl: Option<u8>,
    tos: u8,
    /// Total length: honest unless given.
    total_len: Option<u16>,
    ident: u16,
    flags_fragment: u16,
    ttl: u8,
    protocol: ProtoChoice,
    bad_checksum: bool,
    src: IpChoice,
    dst: IpChoice,
    options: Vec<u8>,
    payload: Vec<u8>,
    /// Build an ICMP echo request (correct checksum) around the payload.
    echo: bool,
    trailer: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
enum ProtoChoice {
    Tcp,
    Icmp,
    Other(u8),
}

struct Driver {
    net: NetLayer,
    now_us: u64,
    out: Vec<u8>,
    frame: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let mut config = NetConfig::new(OUR_MAC, OUR_IP, 24);
    if input.with_gateway {
        config.gateway = Some(GATEWAY);
    }
    if input.small {
        config.mtu = 576;
        config.tx_queue_capacity = 4;
        config.arp.cache_capacity = 2;
        config.arp.queue_per_hop = 2;
        config.arp.max_pending_hops = 2;
        config.arp.max_requests = 1;
    }
    let net = NetLayer::new(config).expect("valid configuration");
    let capacity = net.frame_capacity();
    let mut driver = Driver {
        net,
        now_us: 0,
        out: vec![0; capacity],
        frame: Vec::new(),
    };
    for op in input.ops.iter().take(1000) {
        driver.apply(op);
        driver.drain();
    }
});

impl Driver {
    fn apply(&mut self, op: &Op) {
        self.frame.clear();
        match op {
            Op::Raw(bytes) => self.frame.extend_from_slice(bytes),
            Op::Ethernet {
                dst,
                src,
                ethertype,
                payload,
            } => {
                self.push_ethernet(dst, src, *ethertype);
                self.frame.extend_from_slice(payload);
            }
            Op::Arp(spec) => self.build_arp(spec),
            Op::Ipv4(spec) => self.build_ipv4(spec),
            Op::Advance(ms) => {
                self.now_us += u64::from(*ms) * 1000;
                if self.net.poll_timeout().is_some_and(|at| at <= self.now_us) {
                    self.net.handle_timeout(self.now_us);
                }
                return;
            }
            Op::SendTcp {
                dst,
                foreign_src,
                payload_len,
                short_buffer,
                ecn_capable,
            } => {
                let shape = (*payload_len, *short_buffer, *ecn_capable);
                self.send_tcp(dst.ip(), *foreign_src, shape);
                return;
            }
        }
        let frame = std::mem::take(&mut self.frame);
        if let Some(segment) = self.net.handle_frame(self.now_us, &frame) {
            assert_eq!(segment.dst, IpAddr::V4(OUR_IP));
            assert_ne!(segment.src, IpAddr::V4(OUR_IP));
            assert!(segment.bytes.len() <= frame.len());
            let start = segment.bytes.as_ptr() as usize - frame.as_ptr() as usize;
            assert!(start >= 14 + 20 && start + segment.bytes.len() <= frame.len());
        }
        self.frame = frame;
    }

    fn push_ethernet(&mut self, dst: &MacChoice, src: &MacChoice, ethertype: u16) {
        self.frame.extend_from_slice(&dst.mac());
        self.frame.extend_from_slice(&src.mac());
        self.frame.extend_from_slice(&ethertype.to_be_bytes());
    }

    fn build_arp(&mut self, spec: &ArpSpec) {
        self.push_ethernet(&spec.eth_dst, &spec.eth_src, 0x0806);
        let (htype, ptype, hlen, plen) = spec.mangle.unwrap_or((1, 0x0800, 6, 4));
        self.frame.extend_from_slice(&htype.to_be_bytes());
        self.frame.extend_from_slice(&ptype.to_be_bytes());
        self.frame.extend_from_slice(&[hlen, plen]);
        self.frame
            .extend_from_slice(&(1 + spec.op % 3).to_be_bytes());
        self.frame.extend_from_slice(&spec.sender_mac.mac());
        self.frame.extend_from_slice(&spec.sender_ip.ip().octets());
        self.frame.extend_from_slice(&spec.target_mac.mac());
        self.frame.extend_from_slice(&spec.target_ip.ip().octets());
        self.frame.extend_from_slice(&spec.trailer);
        if let Some(cut) = spec.truncate {
            self.frame.truncate(usize::from(cut));
        }
    }

    fn build_ipv4(&mut self, spec: &Ipv4Spec) {
        self.push_ethernet(&spec.eth_dst, &spec.eth_src, 0x0800);
        let options = &spec.options[..spec.options.len().min(40) / 4 * 4];
        let header_len = 20 + options.len();
        let mut payload = spec.payload.clone();
        let protocol = match spec.protocol {
            ProtoChoice::Tcp => 6,
            ProtoChoice::Icmp => 1,
            ProtoChoice::Other(p) => p,
        };
        if spec.echo {
            let mut message = vec![8, 0, 0, 0];
            message.extend_from_slice(&payload);
            let checksum = internet_checksum(&message);
            message[2..4].copy_from_slice(&checksum.to_be_bytes());
            payload = message;
        }
        let total = spec
            .total_len
            .unwrap_or((header_len + payload.len()).min(65535) as u16);
        let ip_start = self.frame.len();
        let version_ihl = spec.version_ihl.unwrap_or(0x40 | (header_len / 4) as u8);
        self.frame.extend_from_slice(&[version_ihl, spec.tos]);
        self.frame.extend_from_slice(&total.to_be_bytes());
        self.frame.extend_from_slice(&spec.ident.to_be_bytes());
        self.frame
            .extend_from_slice(&spec.flags_fragment.to_be_bytes());
        self.frame.extend_from_slice(&[spec.ttl, protocol, 0, 0]);
        self.frame.extend_from_slice(&spec.src.ip().octets());
        self.frame.extend_from_slice(&spec.dst.ip().octets());
        self.frame.extend_from_slice(options);
        let mut checksum = internet_checksum(&self.frame[ip_start..]);
        if spec.bad_checksum {
            checksum ^= 0x8001;
        }
        self.frame[ip_start + 10..ip_start + 12].copy_from_slice(&checksum.to_be_bytes());
        self.frame.extend_from_slice(&payload);
        self.frame.extend_from_slice(&spec.trailer);
    }

    /// Writes a valid TCP segment at `TCP_OFFSET` and hands it to `send_tcp`.
    /// `shape` is (payload length, short buffer, ECN-capable).
    fn send_tcp(&mut self, dst: Ipv4Addr, foreign_src: bool, shape: (u16, bool, bool)) {
        let (payload_len, short, ecn_capable) = shape;
        let src = if foreign_src {
            Ipv4Addr::new(198, 18, 0, 9)
        } else {
            OUR_IP
        };
        let max = self.net.max_tcp_len();
        let tcp_len = 20 + usize::from(payload_len) % (max + 40);
        let mut frame = vec![
            0u8;
            if short {
                TCP_OFFSET + tcp_len / 2
            } else {
                TCP_OFFSET + tcp_len
            }
        ];
        let tcp_area = self.net.tcp_buffer(&mut frame);
        if tcp_area.len() >= tcp_len {
            let header = Header {
                src_port: 40000,
                dst_port: 80,
                seq: SeqNumber(1),
                ack: SeqNumber(2),
                flags: Flags::ACK | Flags::PSH,
                window: 1000,
                ..Header::default()
            };
            let header_len = header.emit(tcp_area).expect("room for a header");
            assert_eq!(header_len, 20);
            let mut segment = Segment::new_checked(&mut tcp_area[..tcp_len]).unwrap();
            segment.fill_checksum(src.into(), dst.into());
        }
        match self
            .net
            .send_tcp(self.now_us, &mut frame, src, dst, tcp_len, ecn_capable)
        {
            Ok(Egress::Ready(n)) => {
                assert_eq!(n, TCP_OFFSET + tcp_len);
                check_frame(&frame[..n]);
            }
            Ok(Egress::Queued | Egress::Dropped) => {}
            Err(SendError::NotOurAddress) => assert!(foreign_src),
            Err(SendError::TooLong) => assert!(tcp_len > max),
            Err(SendError::BufferTooSmall) => assert!(short || frame.len() < TCP_OFFSET + tcp_len),
            Err(SendError::NoRoute) => {}
            Err(SendError::MixedFamilies) => panic!("both addresses are IPv4"),
        }
    }

    fn drain(&mut self) {
        let mut count = 0;
        while let Some(len) = self.net.poll_transmit(&mut self.out) {
            assert!(len <= self.out.len());
            check_frame(&self.out[..len]);
            count += 1;
            assert!(count <= 100_000, "poll_transmit never ends");
        }
        if let Some(at) = self.net.poll_timeout() {
            // A deadline never lies in the past once its time has been handled.
            if at <= self.now_us {
                self.net.handle_timeout(self.now_us);
                while let Some(len) = self.net.poll_transmit(&mut self.out) {
                    check_frame(&self.out[..len]);
                }
                assert!(self.net.poll_timeout().is_none_or(|at| at > self.now_us));
            }
        }
    }
}

/// A frame the layer sends: Ethernet from our MAC, then a whole ARP message or an IPv4
/// packet with a correct header checksum from our address.
fn check_frame(frame: &[u8]) {
    let packet = SlicedPacket::from_ethernet(frame)
        .unwrap_or_else(|e| panic!("layer sent a frame etherparse refuses: {e:?} {frame:02x?}"));
    let Some(etherparse::LinkSlice::Ethernet2(eth)) = packet.link else {
        panic!("no Ethernet header");
    };
    assert_eq!(eth.source(), OUR_MAC.0, "frame not from our MAC");
    assert_ne!(eth.destination(), [0; 6], "frame to the zero MAC");
    match packet.net {
        Some(NetSlice::Ipv4(ip)) => {
            let header = ip.header();
            assert_eq!(header.source_addr(), OUR_IP);
            assert!(header.ttl() > 0);
            let raw = Ipv4HeaderSlice::from_slice(&frame[14..]).unwrap();
            assert_eq!(
                raw.to_header().calc_header_checksum(),
                raw.header_checksum()
            );
        }
        Some(NetSlice::Arp(arp)) => {
            assert_eq!(arp.sender_hw_addr(), OUR_MAC.0);
            assert_eq!(arp.sender_protocol_addr(), OUR_IP.octets());
        }
        other => panic!("layer sent neither IPv4 nor ARP: {other:?}"),
    }
}

fn internet_checksum(bytes: &[u8]) -> u16 {
    let mut sum = 0u32;
    for chunk in bytes.chunks(2) {
        let word = u16::from_be_bytes([chunk[0], *chunk.get(1).unwrap_or(&0)]);
        sum += u32::from(word);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}
