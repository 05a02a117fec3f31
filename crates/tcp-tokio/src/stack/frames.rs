//! The engine's side of the drive loop: received frames in through the network layer,
//! timers, and segments out into a batch of frames. Called with the engine lock held, and
//! never touching the link.

use super::shared::StackState;
use crate::link::FrameBatch;
use crate::netlayer::{Egress, IcmpErrorReport, SendError, TcpOut};
use core::net::IpAddr;
use tcp_core::{Instant, Received};
use tcp_wire::TcpdumpLine;

/// The most segments in one super-segment: 64, as Linux's TSO autosizing allows at most;
/// the 64 KiB IPv4 limit caps it lower for full-sized segments.
const MAX_SEGMENTS: usize = 64;

impl StackState {
    /// Every frame of `rx` through the network layer into the engine, then the ICMP
    /// errors about our packets among them.
    pub(crate) fn deliver_all(&mut self, now: Instant, rx: &FrameBatch) {
        for (frame, checksum_verified) in rx.iter().zip(rx.checksums_verified()) {
            self.deliver(now, frame, checksum_verified);
        }
        while let Some(report) = self.net.poll_icmp_error() {
            if let Some((relay, own)) = &self.icmp_relay {
                let shard = relay.shard_for(&report);
                if shard != *own {
                    relay.send(shard, report);
                    continue;
                }
            }
            self.take_icmp_error(now, &report);
        }
    }

    /// One ICMP error about a packet of ours into the engine.
    fn take_icmp_error(&mut self, now: Instant, report: &IcmpErrorReport) {
        let outcome = self.endpoint.handle_icmp_error(now, report.as_report());
        tracing::debug!(?report, ?outcome, "ICMP error");
    }

    /// One received frame through the network layer into the engine; `checksum_verified`
    /// as the link said (see `FrameBatch::checksums_verified`).
    fn deliver(&mut self, now: Instant, frame: &[u8], checksum_verified: bool) {
        let Some(segment) = self.net.handle_frame(now.as_micros(), frame) else {
            return;
        };
        let (src, dst) = (segment.src, segment.dst);
        if tracing::enabled!(target: "tcp_tokio::segment", tracing::Level::DEBUG) {
            tracing::debug!(target: "tcp_tokio::segment", "in  {}", TcpdumpLine::new(src, dst, segment.bytes));
        }
        let received = Received {
            src,
            dst,
            congestion_experienced: segment.congestion_experienced,
            checksum_verified,
        };
        self.endpoint.handle_received(now, received, segment.bytes);
    }

    /// Takes the ICMP errors another shard relayed here, runs the engine's and the network
    /// layer's timers that are due, passes the engine's negative advice (R1
    /// retransmissions) down as neighbour re-confirmations, then fails the connects whose
    /// next hop never answered ARP or NDP (`HostUnreachable`, as Linux after its retries).
    pub(crate) fn run_timers(&mut self, now: Instant) {
        if let Some((relay, own)) = &self.icmp_relay {
            for report in relay.take(*own) {
                self.take_icmp_error(now, &report);
            }
        }
        if self.endpoint.poll_timeout().is_some_and(|at| at <= now) {
            self.endpoint.handle_timeout(now);
        }
        if self
            .net
            .poll_timeout()
            .is_some_and(|at| at <= now.as_micros())
        {
            self.net.handle_timeout(now.as_micros());
        }
        while let Some(remote) = self.endpoint.poll_negative_advice() {
            self.net.reconfirm_neighbour(now.as_micros(), remote);
        }
        while let Some(hop) = self.net.poll_unreachable() {
            let net = &self.net;
            let via_hop = |ip: IpAddr| net.next_hop(ip) == Some(hop);
            let failed = self.endpoint.destination_unreachable(
                now,
                via_hop,
                tcp_core::Error::HostUnreachable,
            );
            tracing::debug!(%hop, ?failed, "next hop unreachable");
        }
    }

    /// Fills the free slots of `tx` with frames: the network layer's own first, then TCP
    /// segments the engine writes in place behind the Ethernet and IP headers (on a link
    /// with segmentation offload, super-segments of up to [`MAX_SEGMENTS`]). Returns true
    /// when `tx` filled up before the engine ran out of segments. The engine writes at the
    /// layer's `tcp_offset`, before it is known which family the segment is; an IPv4
    /// frame on a dual-stack layer then starts 20 bytes into its slot (`frame_start`).
    pub(crate) fn produce(&mut self, now: Instant, tx: &mut FrameBatch) -> bool {
        loop {
            let Some(slot) = tx.spare_slot() else {
                return true;
            };
            if let Some(len) = self.net.poll_transmit(slot) {
                tx.commit(len);
                continue;
            }
            let (tcp_buf, max_segments) = if self.offload {
                (self.net.tcp_batch_buffer(slot), MAX_SEGMENTS)
            } else {
                (self.net.tcp_buffer(slot), 1)
            };
            let Some(transmit) = self
                .endpoint
                .poll_transmit_batch(now, tcp_buf, max_segments)
            else {
                return false;
            };
            let (src, dst) = (transmit.src, transmit.dst);
            if tracing::enabled!(target: "tcp_tokio::segment", tracing::Level::DEBUG) {
                let offset = self.net.tcp_offset();
                let bytes = &slot[offset..offset + transmit.len];
                tracing::debug!(target: "tcp_tokio::segment", "out {}", TcpdumpLine::new(src, dst, bytes));
            }
            let out = TcpOut {
                src,
                dst,
                len: transmit.len,
                ecn_capable: transmit.ecn_capable,
                segment_size: transmit.segment_size,
            };
            match self.net.send(now.as_micros(), slot, out) {
                Ok(Egress::Ready(len)) => {
                    let start = self.net.frame_start(dst);
                    tx.commit_at(start, len, transmit.segment_size.unwrap_or(0));
                }
                Ok(Egress::Queued | Egress::Dropped) => {}
                Err(SendError::NoRoute) => {
                    let failed = self.endpoint.destination_unreachable(
                        now,
                        |ip| ip == dst,
                        tcp_core::Error::NetworkUnreachable,
                    );
                    tracing::debug!(%dst, ?failed, "no route");
                }
                Err(error) => tracing::debug!(%error, %dst, "segment not sent"),
            }
        }
    }
}
