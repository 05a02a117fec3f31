//! Outgoing IPv6: headers around TCP and ICMPv6, neighbour solicitations and
//! advertisements.

use core::net::Ipv6Addr;

use super::ndp::{self, MESSAGE_LEN};
use super::{IPV6_HEADER_LEN, Ipv6Out, NEXT_HEADER_ICMPV6, NEXT_HEADER_TCP};
use crate::netlayer::ethernet::{self, ETHERNET_HEADER_LEN, ETHERTYPE_IPV6, MacAddr};
use crate::netlayer::layer::NetLayer;

impl NetLayer {
    /// Writes the Ethernet header (destination left blank) and the IPv6 header for a TCP
    /// segment of `tcp_len` bytes into `frame`.
    pub(crate) fn write_ipv6_tcp_headers(
        &self,
        frame: &mut [u8],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        ecn: u8,
        tcp_len: usize,
    ) {
        let hop_limit = self.route6.map_or(0, |route| route.hop_limit());
        let out = Ipv6Out {
            src,
            dst,
            next_header: NEXT_HEADER_TCP,
            hop_limit,
            ecn,
        };
        self.write_ipv6_headers(frame, &out, tcp_len);
    }

    /// Writes the Ethernet header (destination left blank) and the IPv6 header in front of
    /// the ICMPv6 message that fills the rest of `frame`.
    pub(super) fn write_ipv6_icmp_headers(
        &self,
        frame: &mut [u8],
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hop_limit: u8,
    ) {
        let out = Ipv6Out {
            src,
            dst,
            next_header: NEXT_HEADER_ICMPV6,
            hop_limit,
            ecn: 0,
        };
        let len = frame.len() - ETHERNET_HEADER_LEN - IPV6_HEADER_LEN;
        self.write_ipv6_headers(frame, &out, len);
    }

    fn write_ipv6_headers(&self, frame: &mut [u8], out: &Ipv6Out, payload_len: usize) {
        ethernet::write_header(frame, MacAddr::ZERO, self.config.mac, ETHERTYPE_IPV6);
        super::write_header(&mut frame[ETHERNET_HEADER_LEN..], out, payload_len);
    }

    /// Multicasts "who has `target`?" to its solicited-node group (RFC 4861 §7.2.2), from
    /// our address of the matching scope, with our MAC in a source link-layer option.
    pub(crate) fn send_solicitation(&mut self, target: Ipv6Addr) {
        let Some(route) = self.route6 else {
            return;
        };
        let src = route.source_for(target);
        let group = ndp::solicited_node(target);
        let mac = self.config.mac;
        let frame = self.ndp_frame(src, group, |message| {
            ndp::write_solicitation(message, src, group, target, mac);
        });
        self.finish_ndp_frame(frame, ndp::multicast_mac(group), true);
    }

    /// Sends "`target` (ours) is at our MAC" to `dst` at `dst_mac`, solicited or not.
    pub(super) fn send_advertisement(
        &mut self,
        target: Ipv6Addr,
        dst: Ipv6Addr,
        dst_mac: MacAddr,
        solicited: bool,
    ) {
        let mac = self.config.mac;
        let frame = self.ndp_frame(target, dst, |message| {
            ndp::write_advertisement(message, target, dst, target, mac, solicited);
        });
        self.finish_ndp_frame(frame, dst_mac, false);
    }

    /// A frame with Ethernet and IPv6 headers (hop limit 255) around the neighbour
    /// discovery message `write` fills in.
    fn ndp_frame(
        &mut self,
        src: Ipv6Addr,
        dst: Ipv6Addr,
        write: impl FnOnce(&mut [u8]),
    ) -> Vec<u8> {
        let icmp_start = ETHERNET_HEADER_LEN + IPV6_HEADER_LEN;
        let mut frame = self.buffer(icmp_start + MESSAGE_LEN);
        write(&mut frame[icmp_start..]);
        self.write_ipv6_icmp_headers(&mut frame, src, dst, ndp::HOP_LIMIT);
        frame
    }

    /// Addresses `frame` to `dst_mac`, queues it and counts it.
    fn finish_ndp_frame(&mut self, mut frame: Vec<u8>, dst_mac: MacAddr, solicitation: bool) {
        ethernet::set_destination(&mut frame, dst_mac);
        if self.push_tx(frame) {
            if solicitation {
                self.counters.ndp_solicitations_out += 1;
            } else {
                self.counters.ndp_advertisements_out += 1;
            }
        }
    }
}
