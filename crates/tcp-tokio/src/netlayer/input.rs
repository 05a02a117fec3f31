//! Received frames: Ethernet demultiplexing, ARP, IPv4 checks, ICMP echo.

use core::net::{IpAddr, Ipv4Addr};

use etherparse::Ethernet2HeaderSlice;

use super::arp::{ARP_LEN, ArpMessage, ArpOp};
use super::ethernet::{
    self, ETHERNET_HEADER_LEN, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, MacAddr,
};
use super::icmp::{self, IcmpKind};
use super::ipv4::{self, IPV4_HEADER_LEN, Ipv4Error, Ipv4Out, PROTOCOL_ICMP, PROTOCOL_TCP};
use super::layer::{NetLayer, TcpSegment};

impl NetLayer {
    /// Takes one received Ethernet frame. Returns the TCP segment it carried when it was an
    /// intact, unfragmented IPv4 or IPv6 packet for our address from a plausible source;
    /// answers ARP requests and neighbour solicitations for our addresses and ICMP and
    /// ICMPv6 echo requests (queued for [`NetLayer::poll_transmit`]); drops and counts
    /// everything else.
    pub fn handle_frame<'a>(&mut self, now_us: u64, frame: &'a [u8]) -> Option<TcpSegment<'a>> {
        self.counters.frames_in += 1;
        let Ok(header) = Ethernet2HeaderSlice::from_slice(frame) else {
            self.counters.frames_truncated += 1;
            return None;
        };
        let src = MacAddr(header.source());
        let dst = MacAddr(header.destination());
        if src == self.config.mac {
            self.counters.frames_looped += 1;
            return None;
        }
        if dst != self.config.mac && !dst.is_broadcast() && !self.joined(dst) {
            self.counters.frames_not_for_us += 1;
            return None;
        }
        let payload = &frame[ETHERNET_HEADER_LEN..];
        match header.ether_type().0 {
            ETHERTYPE_IPV4 if self.config.has_ipv4() => self.handle_ipv4(now_us, payload),
            ETHERTYPE_IPV6 if self.route6.is_some() => self.handle_ipv6(now_us, src, payload),
            ETHERTYPE_ARP if self.config.has_ipv4() => {
                self.handle_arp(now_us, payload);
                None
            }
            _ => {
                self.counters.frames_unknown_ethertype += 1;
                None
            }
        }
    }

    /// ARP as RFC 826 says, with RFC 5227 probes (sender 0.0.0.0) answered but not learned.
    fn handle_arp(&mut self, now_us: u64, payload: &[u8]) {
        let Some(message) = ArpMessage::parse(payload) else {
            self.counters.arp_malformed += 1;
            return;
        };
        match message.op {
            ArpOp::Request => self.counters.arp_requests_in += 1,
            ArpOp::Reply => self.counters.arp_replies_in += 1,
        }
        let ours = self.route.addr();
        if message.sender_ip == ours {
            self.counters.arp_conflicts += 1;
            return;
        }
        let probe = message.sender_ip.is_unspecified();
        let plausible = message.sender_mac.is_unicast()
            && (probe
                || (self.route.is_remote_host(message.sender_ip)
                    && self.route.on_link(message.sender_ip)));
        if !plausible {
            self.counters.arp_bogus_sender += 1;
            return;
        }
        let for_us = message.target_ip == ours;
        if !probe {
            let learned = self.resolver.change(|resolver| {
                resolver.learn(
                    IpAddr::V4(message.sender_ip),
                    message.sender_mac,
                    now_us,
                    for_us,
                )
            });
            if learned.evicted {
                self.counters.arp_cache_evictions += 1;
            }
            for mut frame in learned.released {
                ethernet::set_destination(&mut frame, message.sender_mac);
                self.push_tx(frame);
            }
        }
        if for_us && message.op == ArpOp::Request {
            let reply = ArpMessage {
                op: ArpOp::Reply,
                sender_mac: self.config.mac,
                sender_ip: ours,
                target_mac: message.sender_mac,
                target_ip: message.sender_ip,
            };
            if self.push_arp(message.sender_mac, &reply) {
                self.counters.arp_replies_out += 1;
            }
        }
    }

    /// Checks an IPv4 packet and passes TCP up or answers ICMP.
    fn handle_ipv4<'a>(&mut self, now_us: u64, payload: &'a [u8]) -> Option<TcpSegment<'a>> {
        self.counters.ip_in += 1;
        let packet = match ipv4::parse(payload) {
            Ok(packet) => packet,
            Err(error) => {
                let counter = match error {
                    Ipv4Error::BadHeader => &mut self.counters.ip_bad_header,
                    Ipv4Error::BadChecksum => &mut self.counters.ip_bad_checksum,
                    Ipv4Error::Fragment => &mut self.counters.ip_fragments_dropped,
                };
                *counter += 1;
                return None;
            }
        };
        if packet.dst != self.route.addr() {
            self.counters.ip_not_for_us += 1;
            return None;
        }
        if !self.route.is_remote_host(packet.src) {
            self.counters.ip_bad_source += 1;
            return None;
        }
        match packet.protocol {
            PROTOCOL_TCP => {
                self.counters.tcp_in += 1;
                Some(TcpSegment {
                    src: IpAddr::V4(packet.src),
                    dst: IpAddr::V4(packet.dst),
                    bytes: packet.payload,
                    congestion_experienced: packet.ecn == ipv4::CE,
                })
            }
            PROTOCOL_ICMP => {
                self.handle_icmp(now_us, packet.src, packet.payload);
                None
            }
            _ => {
                self.counters.ip_unknown_protocol += 1;
                None
            }
        }
    }

    /// Answers an echo request from `src`, unless the reply would exceed our MTU.
    fn handle_icmp(&mut self, now_us: u64, src: Ipv4Addr, message: &[u8]) {
        self.counters.icmp_in += 1;
        match icmp::classify(message) {
            IcmpKind::Malformed => self.counters.icmp_malformed += 1,
            IcmpKind::Other => self.take_icmp_error(message),
            IcmpKind::EchoRequest if IPV4_HEADER_LEN + message.len() > self.config.mtu => {
                self.counters.icmp_ignored += 1;
            }
            IcmpKind::EchoRequest => {
                let ip_start = ETHERNET_HEADER_LEN;
                let icmp_start = ip_start + IPV4_HEADER_LEN;
                let mut frame = self.buffer(icmp_start + message.len());
                ethernet::write_header(&mut frame, MacAddr::ZERO, self.config.mac, ETHERTYPE_IPV4);
                let out = Ipv4Out {
                    src: self.route.addr(),
                    dst: src,
                    protocol: PROTOCOL_ICMP,
                    ident: self.take_ident(),
                    ttl: self.config.ttl,
                    ecn: 0,
                };
                ipv4::write_header(&mut frame[ip_start..], &out, message.len());
                icmp::write_echo_reply(message, &mut frame[icmp_start..]);
                self.counters.ip_out += 1;
                self.counters.icmp_echo_replied += 1;
                self.route_frame(now_us, IpAddr::V4(src), frame);
            }
        }
    }

    /// Queues an ARP message in a frame to `dst`; false when the queue was full.
    pub(super) fn push_arp(&mut self, dst: MacAddr, message: &ArpMessage) -> bool {
        let mut frame = self.buffer(ETHERNET_HEADER_LEN + ARP_LEN);
        ethernet::write_header(&mut frame, dst, self.config.mac, ETHERTYPE_ARP);
        message.write(&mut frame[ETHERNET_HEADER_LEN..]);
        self.push_tx(frame)
    }
}
