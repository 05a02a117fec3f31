//! Outgoing packets: TCP finished in the caller's buffer, routing, ARP resolution.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr};
use tcp_wire::Segment;

use super::arp::{ArpMessage, ArpOp, Enqueued};
use super::ethernet::{self, ETHERNET_HEADER_LEN, ETHERTYPE_IPV4, MacAddr};
use super::ipv4::{self, IPV4_HEADER_LEN, Ipv4Out, PROTOCOL_TCP};
use super::ipv6::IPV6_HEADER_LEN;
use super::layer::NetLayer;

/// What became of a TCP segment handed to [`NetLayer::send_tcp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Egress {
    /// The frame in the caller's buffer is complete: send its first `n` bytes.
    Ready(usize),
    /// The next hop is being resolved; the layer kept a copy and will hand it out through
    /// [`NetLayer::poll_transmit`] once ARP answers (or drop it if ARP never does).
    Queued,
    /// The next hop is being resolved and its queue is full; the segment was dropped and
    /// counted (TCP's retransmission recovers it).
    Dropped,
}

/// Why [`NetLayer::send_tcp`] refused a segment; nothing was sent or queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// The source address is not ours.
    NotOurAddress,
    /// The destination is not a remote unicast host, or is off-link without a gateway.
    NoRoute,
    /// The segment is longer than [`NetLayer::max_tcp_len`].
    TooLong,
    /// The frame buffer is shorter than [`NetLayer::tcp_offset`] plus the segment.
    BufferTooSmall,
    /// Source and destination are of different families.
    MixedFamilies,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            SendError::NotOurAddress => "source address is not ours",
            SendError::NoRoute => "no route to destination",
            SendError::TooLong => "segment exceeds the MTU",
            SendError::BufferTooSmall => "frame buffer too small for the segment",
            SendError::MixedFamilies => "source and destination of different IP versions",
        };
        f.write_str(text)
    }
}

impl std::error::Error for SendError {}

/// A TCP segment the caller wrote at [`NetLayer::tcp_offset`] of a frame buffer, for
/// [`NetLayer::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpOut {
    /// Our address.
    pub src: IpAddr,
    /// The peer's address, of the same family.
    pub dst: IpAddr,
    /// The segment's length, header included.
    pub len: usize,
    /// Mark the packet ECT(0).
    pub ecn_capable: bool,
    /// `Some(size)` for a super-segment (one header, then several segments' payload of
    /// `size` bytes each, the last maybe shorter) that the link's segmentation offload
    /// cuts; it may be up to [`NetLayer::max_tcp_batch_len`] long. `None` for one segment
    /// of at most [`NetLayer::max_tcp_len`].
    pub segment_size: Option<u16>,
}

impl NetLayer {
    /// The part of `frame` where the TCP engine writes a segment: from
    /// [`NetLayer::tcp_offset`] up to what an IPv4 packet of MTU size holds (or the end of
    /// `frame`, if shorter). The engine's MSS keeps IPv6 segments 20 bytes shorter, so they
    /// fit too. Empty when `frame` has no room at all.
    pub fn tcp_buffer<'b>(&self, frame: &'b mut [u8]) -> &'b mut [u8] {
        let offset = self.tcp_offset();
        let end = frame.len().min(offset + self.max_tcp_len());
        frame.get_mut(offset..end).unwrap_or_default()
    }

    /// [`NetLayer::tcp_buffer`] for a super-segment: up to [`NetLayer::max_tcp_batch_len`]
    /// bytes, as much of that as `frame` holds.
    pub fn tcp_batch_buffer<'b>(&self, frame: &'b mut [u8]) -> &'b mut [u8] {
        let offset = self.tcp_offset();
        let end = frame.len().min(offset + Self::max_tcp_batch_len());
        frame.get_mut(offset..end).unwrap_or_default()
    }

    /// The longest super-segment: what fits the largest IPv4 packet (an IPv6 packet's
    /// payload may be 20 bytes longer; one limit serves both).
    pub const fn max_tcp_batch_len() -> usize {
        u16::MAX as usize - IPV4_HEADER_LEN
    }

    /// [`NetLayer::send`] for one segment of `tcp_len` bytes.
    pub fn send_tcp(
        &mut self,
        now_us: u64,
        frame: &mut [u8],
        src: impl Into<IpAddr>,
        dst: impl Into<IpAddr>,
        tcp_len: usize,
        ecn_capable: bool,
    ) -> Result<Egress, SendError> {
        let out = TcpOut {
            src: src.into(),
            dst: dst.into(),
            len: tcp_len,
            ecn_capable,
            segment_size: None,
        };
        self.send(now_us, frame, out)
    }

    /// Finishes the frame around the TCP segment `out` that the caller already wrote
    /// (checksum included, or partial for a super-segment) at [`NetLayer::tcp_offset`] of
    /// `buffer`: writes the IP header and the Ethernet header in place, in front of it. The
    /// frame starts at [`NetLayer::frame_start`]`(out.dst)` of `buffer`; `Egress::Ready`
    /// gives its length from there. IPv4 gets DF, our TTL, the next identification and a
    /// checksum; IPv6 our hop limit and flow label 0; both ECT(0) when `ecn_capable`.
    ///
    /// When the next hop's MAC address is cached the frame is ready to send; otherwise the
    /// layer copies it, sends an ARP request (a neighbour solicitation for IPv6) and
    /// releases the copy through [`NetLayer::poll_transmit`] when the answer comes. Of a
    /// super-segment only the first segment is kept that way (cut out, its checksum
    /// completed): frames released later go out as they are, and the rest is TCP's to
    /// resend, as after any loss.
    pub fn send(
        &mut self,
        now_us: u64,
        buffer: &mut [u8],
        out: TcpOut,
    ) -> Result<Egress, SendError> {
        let (ip_header_len, limit) = match (out.src, out.dst) {
            (IpAddr::V4(src), IpAddr::V4(_)) if self.config.has_ipv4() => {
                if src != self.route.addr() {
                    return Err(SendError::NotOurAddress);
                }
                (IPV4_HEADER_LEN, self.max_tcp_len())
            }
            (IpAddr::V6(src), IpAddr::V6(_)) => {
                if !self.route6.is_some_and(|route| route.is_ours(src)) {
                    return Err(SendError::NotOurAddress);
                }
                (IPV6_HEADER_LEN, self.config.mtu - IPV6_HEADER_LEN)
            }
            (IpAddr::V4(_), IpAddr::V4(_)) => return Err(SendError::NotOurAddress),
            _ => return Err(SendError::MixedFamilies),
        };
        let limit = match out.segment_size {
            None => limit,
            Some(_) => Self::max_tcp_batch_len(),
        };
        if out.len > limit {
            return Err(SendError::TooLong);
        }
        let tcp_at = ETHERNET_HEADER_LEN + ip_header_len;
        let frame_len = tcp_at + out.len;
        let start = self.frame_start(out.dst);
        let frame = buffer
            .get_mut(start..start + frame_len)
            .ok_or(SendError::BufferTooSmall)?;
        let Some(hop) = self.next_hop(out.dst) else {
            self.counters.ip_no_route += 1;
            return Err(SendError::NoRoute);
        };
        self.counters.tcp_out += 1;
        self.counters.ip_out += 1;
        if let Some(mac) = self.resolver.lookup(hop, now_us) {
            self.write_headers(frame, &out, out.len);
            ethernet::set_destination(frame, mac);
            self.counters.frames_out += 1;
            return Ok(Egress::Ready(frame_len));
        }
        let parked_len = match out.segment_size {
            None => out.len,
            Some(size) => first_segment_len(&frame[tcp_at..], size),
        };
        let mut copy = self.buffer(tcp_at + parked_len);
        copy.copy_from_slice(&frame[..tcp_at + parked_len]);
        if out.segment_size.is_some() {
            let mut segment = Segment::new_unchecked(&mut copy[tcp_at..]);
            segment.fill_checksum(out.src, out.dst);
        }
        self.write_headers(&mut copy, &out, parked_len);
        if self.wait_for_hop(now_us, hop, copy) {
            Ok(Egress::Queued)
        } else {
            Ok(Egress::Dropped)
        }
    }

    /// Writes the Ethernet header (destination left blank) and the IP header for a TCP
    /// segment of `tcp_len` bytes into `frame`; the families of `out` are checked.
    fn write_headers(&mut self, frame: &mut [u8], out: &TcpOut, tcp_len: usize) {
        let ecn = if out.ecn_capable { ipv4::ECT0 } else { 0 };
        match (out.src, out.dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => {
                ethernet::write_header(frame, MacAddr::ZERO, self.config.mac, ETHERTYPE_IPV4);
                let packet = Ipv4Out {
                    src,
                    dst,
                    protocol: PROTOCOL_TCP,
                    ident: self.take_ident(),
                    ttl: self.config.ttl,
                    ecn,
                };
                ipv4::write_header(&mut frame[ETHERNET_HEADER_LEN..], &packet, tcp_len);
            }
            (IpAddr::V6(src), IpAddr::V6(dst)) => {
                self.write_ipv6_tcp_headers(frame, src, dst, ecn, tcp_len)
            }
            // `send` refused mixed families before calling this.
            _ => {}
        }
    }

    /// Sends a frame the layer built itself (Ethernet destination still blank) towards
    /// `dst`, resolving the next hop first when needed.
    pub(super) fn route_frame(&mut self, now_us: u64, dst: IpAddr, mut frame: Vec<u8>) {
        let Some(hop) = self.next_hop(dst) else {
            self.counters.ip_no_route += 1;
            return;
        };
        match self.resolver.lookup(hop, now_us) {
            Some(mac) => {
                ethernet::set_destination(&mut frame, mac);
                self.push_tx(frame);
            }
            None => {
                self.wait_for_hop(now_us, hop, frame);
            }
        }
    }

    /// Parks `frame` until `hop` answers ARP (or NDP), asking for it if nobody has yet;
    /// false when the frame had to be dropped.
    fn wait_for_hop(&mut self, now_us: u64, hop: IpAddr, frame: Vec<u8>) -> bool {
        let enqueued = self
            .resolver
            .change(|resolver| resolver.enqueue(hop, frame, now_us));
        match enqueued {
            Enqueued::NewHop => {
                self.ask_for(hop);
                true
            }
            Enqueued::Queued => true,
            Enqueued::Dropped => {
                self.counters.arp_queue_drops += 1;
                false
            }
        }
    }

    /// Broadcasts "who has `target`?".
    /// Asks who holds `hop`: an ARP request over IPv4, a neighbour solicitation over IPv6.
    pub(super) fn ask_for(&mut self, hop: IpAddr) {
        match hop {
            IpAddr::V4(hop) => self.send_arp_request(hop),
            IpAddr::V6(hop) => self.send_solicitation(hop),
        }
    }

    pub(super) fn send_arp_request(&mut self, target: Ipv4Addr) {
        let request = ArpMessage {
            op: ArpOp::Request,
            sender_mac: self.config.mac,
            sender_ip: self.route.addr(),
            target_mac: MacAddr::ZERO,
            target_ip: target,
        };
        if self.push_arp(MacAddr::BROADCAST, &request) {
            self.counters.arp_requests_out += 1;
        }
    }
}

/// The length of the first segment of the super-segment `tcp` cut at `segment_size`: its
/// header and at most `segment_size` bytes of payload.
fn first_segment_len(tcp: &[u8], segment_size: u16) -> usize {
    let header_len = Segment::new_checked(tcp).map_or(tcp.len(), |s| s.header_len());
    (header_len + usize::from(segment_size)).min(tcp.len())
}
