//! Frames between the link and the engine: received frames in, timers, and segments out
//! through the network layer onto the link. Whoever holds the stack's lock calls these.

use super::shared::StackState;
use crate::link::FrameBatch;
use crate::netlayer::{Egress, TCP_OFFSET, TcpOut};
use core::net::IpAddr;
use core::task::{Context, Poll};
use tcp_core::{Instant, Received};
use tcp_wire::TcpdumpLine;

/// Batches a user call receives at most (see [`StackState::pump`]).
const PUMP_BATCHES: usize = 4;

/// The most segments in one super-segment: 64, as Linux's TSO autosizing allows at most;
/// the 64 KiB IPv4 limit caps it lower for full-sized segments.
const MAX_SEGMENTS: usize = 64;

impl StackState {
    /// Every frame of `rx` through the network layer into the engine.
    pub(crate) fn deliver_all(&mut self, now: Instant, rx: &FrameBatch) {
        for (frame, checksum_verified) in rx.iter().zip(rx.checksums_verified()) {
            if let Some(pcap) = self.pcap.as_mut() {
                pcap.record(frame);
            }
            self.deliver(now, frame, checksum_verified);
        }
    }

    /// One received frame through the network layer into the engine; `checksum_verified`
    /// as the link said (see `FrameBatch::checksums_verified`).
    fn deliver(&mut self, now: Instant, frame: &[u8], checksum_verified: bool) {
        let Some(segment) = self.net.handle_frame(now.as_micros(), frame) else {
            return;
        };
        let (src, dst) = (IpAddr::V4(segment.src), IpAddr::V4(segment.dst));
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

    /// Takes in what the link has ready now and answers it, from whichever task holds the
    /// lock: a reply the peer made while our own send was still in the kernel (a kernel
    /// peer answers a SYN or data inside our `sendmmsg`), or frames the reactor has not
    /// reported yet, are handled without waking the driver. Stops once what it took in
    /// needed no answer (nothing more can be on its way because of us), or after
    /// [`PUMP_BATCHES`] batches; the driver takes the rest. Returns false when an answer
    /// is still waiting for the link (as [`StackState::transmit`]'s `Pending`).
    pub(crate) fn pump(&mut self, now: Instant, cx: &mut Context<'_>) -> bool {
        let Some(mut rx) = self.pump_rx.take() else {
            return true;
        };
        let mut sent = true;
        for _ in 0..PUMP_BATCHES {
            if let Err(error) = self.link.try_recv(&mut rx) {
                tracing::debug!(%error, "receive from a user call failed; the driver will see it");
                break;
            }
            if rx.is_empty() {
                break;
            }
            self.deliver_all(now, &rx);
            rx.clear();
            match self.transmit(now, cx) {
                Poll::Ready(0) => break,
                Poll::Ready(_) => {}
                Poll::Pending => {
                    sent = false;
                    break;
                }
            }
        }
        self.pump_rx = Some(rx);
        sent
    }

    /// Runs the engine's and the network layer's timers that are due.
    pub(crate) fn run_timers(&mut self, now: Instant) {
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
    }

    /// Produces every frame the engine and network layer have and hands them to the link,
    /// a batch at a time, then lets the link push out what it holds back; `Ready` with the
    /// number of frames produced. `Pending` when the link would not take everything yet:
    /// the rest stays queued, and `cx` is woken when the link can take more. Send errors
    /// lose the frame that failed (as a wire would) and are logged.
    pub(crate) fn transmit(&mut self, now: Instant, cx: &mut Context<'_>) -> Poll<usize> {
        let mut frames = 0;
        loop {
            let more = self.produce(now);
            frames += self.tx.len();
            while !self.tx.is_empty() {
                match self.link.poll_send(cx, &mut self.tx) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(error)) => tracing::warn!(%error, "link send failed"),
                    Poll::Pending => return Poll::Pending,
                }
            }
            if !more {
                break;
            }
        }
        match self.link.poll_flush(cx) {
            Poll::Ready(Err(error)) => tracing::warn!(%error, "link flush failed"),
            Poll::Ready(Ok(())) => {}
            Poll::Pending => return Poll::Pending,
        }
        Poll::Ready(frames)
    }

    /// Fills the free slots of `tx` with frames: the network layer's own first, then TCP
    /// segments the engine writes in place behind the Ethernet and IPv4 headers (on a link
    /// with segmentation offload, super-segments of up to [`MAX_SEGMENTS`]). Returns true
    /// when `tx` filled up before the engine ran out of segments.
    fn produce(&mut self, now: Instant) -> bool {
        loop {
            let Some(slot) = self.tx.spare_slot() else {
                return true;
            };
            if let Some(len) = self.net.poll_transmit(slot) {
                self.commit(len, None);
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
            let (IpAddr::V4(src), IpAddr::V4(dst)) = (transmit.src, transmit.dst) else {
                continue;
            };
            if tracing::enabled!(target: "tcp_tokio::segment", tracing::Level::DEBUG) {
                let bytes = &slot[TCP_OFFSET..TCP_OFFSET + transmit.len];
                tracing::debug!(target: "tcp_tokio::segment", "out {}", TcpdumpLine::new(transmit.src, transmit.dst, bytes));
            }
            let out = TcpOut {
                src,
                dst,
                len: transmit.len,
                ecn_capable: transmit.ecn_capable,
                segment_size: transmit.segment_size,
            };
            match self.net.send(now.as_micros(), slot, out) {
                Ok(Egress::Ready(len)) => self.commit(len, transmit.segment_size),
                Ok(Egress::Queued | Egress::Dropped) => {}
                Err(error) => tracing::debug!(%error, %dst, "segment not sent"),
            }
        }
    }

    /// Commits the frame of `len` bytes just written into `tx`'s spare slot (a super-frame
    /// to be cut at `segment_size`, if given), recording it in the capture.
    fn commit(&mut self, len: usize, segment_size: Option<u16>) {
        if let Some(pcap) = self.pcap.as_mut()
            && let Some(slot) = self.tx.spare_slot()
        {
            pcap.record(&slot[..len]);
        }
        match segment_size {
            Some(size) => self.tx.commit_segmented(len, size),
            None => self.tx.commit(len),
        }
    }
}
