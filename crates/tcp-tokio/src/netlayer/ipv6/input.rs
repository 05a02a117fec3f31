//! Received IPv6: header checks, TCP up, ICMPv6 echo and neighbour discovery answered.

use core::net::{IpAddr, Ipv6Addr};

use super::icmpv6::{self, Icmpv6Kind};
use super::ndp::{self, NdpKind, NdpMessage};
use super::{IPV6_HEADER_LEN, Ipv6Error, NEXT_HEADER_ICMPV6, NEXT_HEADER_TCP, Route6};
use crate::netlayer::ethernet::{ETHERNET_HEADER_LEN, MacAddr};
use crate::netlayer::ipv4::CE;
use crate::netlayer::layer::{NetLayer, TcpSegment};

impl NetLayer {
    /// True when `mac` is the Ethernet group of one of our solicited-node multicast
    /// addresses: the groups a host must receive for neighbour discovery (RFC 4861 §7.2.1).
    pub(crate) fn joined(&self, mac: MacAddr) -> bool {
        self.route6.is_some_and(|route| {
            [route.addr(), route.link_local()]
                .into_iter()
                .any(|ip| ndp::multicast_mac(ndp::solicited_node(ip)) == mac)
        })
    }

    /// Checks an IPv6 packet and passes TCP up, answers ICMPv6, or drops and counts it.
    /// `src_mac` is the frame's source, where a solicitation without a link-layer address
    /// option is answered.
    pub(crate) fn handle_ipv6<'a>(
        &mut self,
        now_us: u64,
        src_mac: MacAddr,
        payload: &'a [u8],
    ) -> Option<TcpSegment<'a>> {
        let route = self.route6?;
        self.counters.ip_in += 1;
        let packet = match super::parse(payload) {
            Ok(packet) => packet,
            Err(Ipv6Error::BadHeader) => {
                self.counters.ip_bad_header += 1;
                return None;
            }
            Err(Ipv6Error::Fragment) => {
                self.counters.ip_fragments_dropped += 1;
                return None;
            }
        };
        let for_group = packet.dst.is_multicast()
            && [route.addr(), route.link_local()]
                .into_iter()
                .any(|ip| ndp::solicited_node(ip) == packet.dst);
        let ndp_to_group = for_group && packet.next_header == NEXT_HEADER_ICMPV6;
        if !route.is_ours(packet.dst) && !ndp_to_group {
            self.counters.ip_not_for_us += 1;
            return None;
        }
        let dad_probe = packet.src.is_unspecified() && packet.next_header == NEXT_HEADER_ICMPV6;
        if !route.is_remote_host(packet.src) && !dad_probe {
            self.counters.ip_bad_source += 1;
            return None;
        }
        match packet.next_header {
            NEXT_HEADER_TCP => {
                self.counters.tcp_in += 1;
                Some(TcpSegment {
                    src: IpAddr::V6(packet.src),
                    dst: IpAddr::V6(packet.dst),
                    bytes: packet.payload,
                    congestion_experienced: packet.ecn == CE,
                })
            }
            NEXT_HEADER_ICMPV6 => {
                self.handle_icmpv6(now_us, route, src_mac, &packet);
                None
            }
            _ => {
                self.counters.ip_unknown_protocol += 1;
                None
            }
        }
    }

    /// Answers an echo request to one of our addresses, and neighbour discovery.
    fn handle_icmpv6(
        &mut self,
        now_us: u64,
        route: Route6,
        src_mac: MacAddr,
        packet: &super::Ipv6Packet<'_>,
    ) {
        self.counters.icmp_in += 1;
        let message = packet.payload;
        match icmpv6::classify(packet.src, packet.dst, message) {
            Icmpv6Kind::Malformed => self.counters.icmp_malformed += 1,
            Icmpv6Kind::Other => self.counters.icmp_ignored += 1,
            Icmpv6Kind::EchoRequest
                if !route.is_ours(packet.dst)
                    || packet.src.is_unspecified()
                    || IPV6_HEADER_LEN + message.len() > self.config.mtu =>
            {
                self.counters.icmp_ignored += 1;
            }
            Icmpv6Kind::EchoRequest => {
                let icmp_start = ETHERNET_HEADER_LEN + IPV6_HEADER_LEN;
                let mut frame = self.buffer(icmp_start + message.len());
                icmpv6::write_echo_reply(packet.dst, packet.src, message, &mut frame[icmp_start..]);
                self.write_ipv6_icmp_headers(&mut frame, packet.dst, packet.src, route.hop_limit());
                self.counters.ip_out += 1;
                self.counters.icmp_echo_replied += 1;
                self.route_frame(now_us, IpAddr::V6(packet.src), frame);
            }
            Icmpv6Kind::Neighbor => {
                match ndp::parse(packet.src, packet.dst, packet.hop_limit, message) {
                    Some(ndp) => self.handle_ndp(now_us, route, (packet.src, src_mac), ndp),
                    None => self.counters.ndp_malformed += 1,
                }
            }
        }
    }

    /// A valid solicitation or advertisement from `src` (its address and the frame's
    /// source MAC).
    fn handle_ndp(
        &mut self,
        now_us: u64,
        route: Route6,
        (src, src_mac): (Ipv6Addr, MacAddr),
        message: NdpMessage,
    ) {
        match message.kind {
            NdpKind::Solicitation => {
                self.counters.ndp_solicitations_in += 1;
                if !route.is_ours(message.target) {
                    self.counters.icmp_ignored += 1;
                    return;
                }
                if src.is_unspecified() {
                    // Another node probing for our address (duplicate address detection):
                    // defend it to all nodes, unsolicited (RFC 4861 §7.2.4).
                    self.send_advertisement(
                        message.target,
                        ALL_NODES,
                        ndp::multicast_mac(ALL_NODES),
                        false,
                    );
                    return;
                }
                if !route.on_link(src) {
                    self.counters.ndp_bogus_sender += 1;
                    return;
                }
                let mac = message.link_addr.unwrap_or(src_mac);
                if !mac.is_unicast() {
                    self.counters.ndp_bogus_sender += 1;
                    return;
                }
                if message.link_addr.is_some() {
                    self.learn_neighbor(now_us, src, mac, true);
                }
                self.send_advertisement(message.target, src, mac, true);
            }
            // As for ARP, the newest answer wins: the override flag is not consulted.
            NdpKind::Advertisement { .. } => {
                self.counters.ndp_advertisements_in += 1;
                if route.is_ours(message.target) {
                    self.counters.ndp_conflicts += 1;
                    return;
                }
                match message.link_addr {
                    Some(mac) if mac.is_unicast() && route.on_link(message.target) => {
                        self.learn_neighbor(now_us, message.target, mac, false);
                    }
                    Some(_) => self.counters.ndp_bogus_sender += 1,
                    None => self.counters.icmp_ignored += 1,
                }
            }
        }
    }

    /// Records that `ip` is at `mac` as ARP does (a new entry only when `insert` or when
    /// packets wait for it) and sends what was waiting.
    fn learn_neighbor(&mut self, now_us: u64, ip: Ipv6Addr, mac: MacAddr, insert: bool) {
        let learned = self
            .resolver
            .change(|resolver| resolver.learn(IpAddr::V6(ip), mac, now_us, insert));
        if learned.evicted {
            self.counters.arp_cache_evictions += 1;
        }
        for mut frame in learned.released {
            crate::netlayer::ethernet::set_destination(&mut frame, mac);
            self.push_tx(frame);
        }
    }
}

/// The all-nodes multicast group, `ff02::1`.
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
