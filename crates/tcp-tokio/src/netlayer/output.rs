//! Outgoing packets: TCP finished in the caller's buffer, routing, ARP resolution.

use core::fmt;
use core::net::Ipv4Addr;

use super::arp::{ArpMessage, ArpOp, Enqueued};
use super::ethernet::{self, ETHERNET_HEADER_LEN, ETHERTYPE_IPV4, MacAddr};
use super::ipv4::{self, Ipv4Out, PROTOCOL_TCP};
use super::layer::{NetLayer, TCP_OFFSET};

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
    /// The frame buffer is shorter than [`TCP_OFFSET`] plus the segment.
    BufferTooSmall,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            SendError::NotOurAddress => "source address is not ours",
            SendError::NoRoute => "no route to destination",
            SendError::TooLong => "segment exceeds the MTU",
            SendError::BufferTooSmall => "frame buffer too small for the segment",
        };
        f.write_str(text)
    }
}

impl std::error::Error for SendError {}

impl NetLayer {
    /// The part of `frame` where the TCP engine writes a segment: from [`TCP_OFFSET`] up to
    /// the MTU (or the end of `frame`, if shorter). Empty when `frame` has no room at all.
    pub fn tcp_buffer<'b>(&self, frame: &'b mut [u8]) -> &'b mut [u8] {
        let end = frame.len().min(self.frame_capacity());
        frame.get_mut(TCP_OFFSET..end).unwrap_or_default()
    }

    /// Finishes the frame around a TCP segment of `tcp_len` bytes that the caller already
    /// wrote (checksum included) at [`TCP_OFFSET`] of `frame`: writes the IPv4 header (DF,
    /// our TTL, the next identification, checksum, and ECT(0) when `ecn_capable`) and the
    /// Ethernet header, in place.
    ///
    /// When the next hop's MAC address is cached the frame is ready to send; otherwise the
    /// layer copies it, sends an ARP request and releases the copy through
    /// [`NetLayer::poll_transmit`] when the reply comes.
    pub fn send_tcp(
        &mut self,
        now_us: u64,
        frame: &mut [u8],
        src: Ipv4Addr,
        dst: Ipv4Addr,
        tcp_len: usize,
        ecn_capable: bool,
    ) -> Result<Egress, SendError> {
        if src != self.route.addr() {
            return Err(SendError::NotOurAddress);
        }
        if tcp_len > self.max_tcp_len() {
            return Err(SendError::TooLong);
        }
        let frame_len = TCP_OFFSET + tcp_len;
        let frame = frame
            .get_mut(..frame_len)
            .ok_or(SendError::BufferTooSmall)?;
        let Some(hop) = self.route.next_hop(dst) else {
            self.counters.ip_no_route += 1;
            return Err(SendError::NoRoute);
        };
        ethernet::write_header(frame, MacAddr::ZERO, self.config.mac, ETHERTYPE_IPV4);
        let out = Ipv4Out {
            src,
            dst,
            protocol: PROTOCOL_TCP,
            ident: self.take_ident(),
            ttl: self.config.ttl,
            ecn: if ecn_capable { ipv4::ECT0 } else { 0 },
        };
        ipv4::write_header(&mut frame[ETHERNET_HEADER_LEN..], &out, tcp_len);
        self.counters.tcp_out += 1;
        self.counters.ip_out += 1;
        if let Some(mac) = self.resolver.lookup(hop, now_us) {
            ethernet::set_destination(frame, mac);
            self.counters.frames_out += 1;
            return Ok(Egress::Ready(frame_len));
        }
        let mut copy = self.buffer(frame_len);
        copy.copy_from_slice(frame);
        if self.wait_for_hop(now_us, hop, copy) {
            Ok(Egress::Queued)
        } else {
            Ok(Egress::Dropped)
        }
    }

    /// Sends a frame the layer built itself (Ethernet destination still blank) towards
    /// `dst`, resolving the next hop first when needed.
    pub(super) fn route_frame(&mut self, now_us: u64, dst: Ipv4Addr, mut frame: Vec<u8>) {
        let Some(hop) = self.route.next_hop(dst) else {
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

    /// Parks `frame` until `hop` answers ARP, asking for it if nobody has yet; false when
    /// the frame had to be dropped.
    fn wait_for_hop(&mut self, now_us: u64, hop: Ipv4Addr, frame: Vec<u8>) -> bool {
        match self.resolver.enqueue(hop, frame, now_us) {
            Enqueued::NewHop => {
                self.send_arp_request(hop);
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
