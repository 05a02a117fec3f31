//! A link wrapper that loses, duplicates, reorders, corrupts and delays frames on purpose.

mod config;
mod line;
mod rng;

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::io;

use tokio::time::{Instant, Sleep, sleep_until};

pub use config::{FaultConfig, FaultCounters};
use line::FaultLine;
use rng::SplitMix64;

use super::{BATCH, FrameBatch, Link, LinkInfo};
use crate::netlayer::ETHERNET_HEADER_LEN;

/// Frames the send direction may hold before `poll_send` waits for the line to drain.
const SEND_LINE_LIMIT: usize = 4096;

/// Wraps `L` and applies a [`FaultConfig`] to each direction: `send` to frames on their way
/// out through `poll_send`, `recv` to frames coming in from the inner link.
///
/// The fault pattern is deterministic: two faulty links built with the same seed and
/// configurations, fed the same frame sequence per direction, drop, corrupt, duplicate and
/// reorder the same frames in the same way. The directions draw from separate streams, so
/// the interleaving of sends and receives does not change either pattern. Delays use tokio's
/// clock (`tokio::time::Instant`), so a test with a paused clock is deterministic in time as
/// well.
///
/// Delayed or held-back outgoing frames leave through [`Link::poll_flush`] (which
/// `poll_send` also calls); a driver must keep polling it while it waits.
///
/// It presents a link without segmentation offload (whatever the inner link has): frames
/// are at most MTU-sized both ways, and a longer one from the inner link is cut short and
/// dropped by it.
#[derive(Debug)]
pub struct FaultyLink<L> {
    inner: L,
    send: FaultLine,
    recv: FaultLine,
    inbox: FrameBatch,
    outbox: FrameBatch,
    send_timer: Option<Pin<Box<Sleep>>>,
    recv_timer: Option<Pin<Box<Sleep>>>,
}

impl<L: Link> FaultyLink<L> {
    /// Wraps `inner`, faulting outgoing frames per `send` and incoming ones per `recv`,
    /// with every decision drawn from `seed`.
    pub fn new(inner: L, seed: u64, send: FaultConfig, recv: FaultConfig) -> FaultyLink<L> {
        let mut seeds = SplitMix64::new(seed);
        let frame_len = ETHERNET_HEADER_LEN + inner.info().mtu;
        FaultyLink {
            send: FaultLine::new(send, seeds.next_u64()),
            recv: FaultLine::new(recv, seeds.next_u64()),
            inbox: FrameBatch::new(BATCH, frame_len),
            outbox: FrameBatch::new(BATCH, frame_len),
            send_timer: None,
            recv_timer: None,
            inner,
        }
    }

    /// What the send direction has done so far.
    pub fn send_counters(&self) -> FaultCounters {
        self.send.counters()
    }

    /// What the receive direction has done so far.
    pub fn recv_counters(&self) -> FaultCounters {
        self.recv.counters()
    }

    /// The wrapped link.
    pub fn inner(&self) -> &L {
        &self.inner
    }

    /// The wrapped link, mutably.
    pub fn inner_mut(&mut self) -> &mut L {
        &mut self.inner
    }

    /// Unwraps the inner link; frames still in either delay line are lost.
    pub fn into_inner(self) -> L {
        self.inner
    }
}

impl<L: Link> Link for FaultyLink<L> {
    /// The inner link's, without segmentation offload: faults act on segments one frame
    /// each, as a wire's would, so the stack sends no super-frames through it.
    fn info(&self) -> LinkInfo {
        LinkInfo {
            gso_max_frame: None,
            ..self.inner.info()
        }
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        batch.clear();
        loop {
            let now = Instant::now();
            while !batch.is_full() {
                let Some(frame) = self.recv.pop_due(now) else {
                    break;
                };
                // A frame longer than the caller's slots is dropped, as the trait says.
                let _ = batch.push(&frame);
            }
            if !batch.is_empty() {
                if batch.is_full() && self.recv.len() > 0 {
                    // Frames wait in the line, not in the socket, so no readiness will
                    // announce them: ask for another call.
                    cx.waker().wake_by_ref();
                }
                return Poll::Ready(Ok(()));
            }
            match self.inner.poll_recv(cx, &mut self.inbox) {
                Poll::Ready(Ok(())) => {
                    for frame in self.inbox.iter() {
                        self.recv.admit(frame, now);
                    }
                    continue;
                }
                Poll::Ready(Err(error)) if self.recv.len() == 0 => return Poll::Ready(Err(error)),
                // Frames still in the line are delivered before an error is reported; a
                // device that keeps failing reports it again on a later call.
                Poll::Ready(Err(_)) | Poll::Pending => {}
            }
            let Some(deadline) = self.recv.next_deadline() else {
                return Poll::Pending;
            };
            ready!(poll_timer(&mut self.recv_timer, deadline, cx));
        }
    }

    fn poll_send(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        if self.send.len() >= SEND_LINE_LIMIT {
            if let Poll::Ready(Err(error)) = self.poll_flush(cx) {
                return Poll::Ready(Err(error));
            }
            if self.send.len() >= SEND_LINE_LIMIT {
                return Poll::Pending;
            }
        }
        let now = Instant::now();
        let max_frame = self.outbox.slot_len();
        let mut admitted = 0;
        let mut oversize = None;
        for frame in batch.iter() {
            admitted += 1;
            if frame.len() > max_frame {
                oversize = Some(frame.len());
                break;
            }
            self.send.admit(frame, now);
        }
        batch.consume(admitted);
        if let Some(len) = oversize {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("faulty link: frame of {len} bytes exceeds the link's {max_frame}"),
            )));
        }
        match self.poll_flush(cx) {
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            _ => Poll::Ready(Ok(())),
        }
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let now = Instant::now();
            while !self.outbox.is_full() {
                let Some(frame) = self.send.pop_due(now) else {
                    break;
                };
                let pushed = self.outbox.push(&frame);
                debug_assert!(pushed.is_ok(), "poll_send admits only frames that fit");
            }
            if !self.outbox.is_empty() {
                ready!(self.inner.poll_send(cx, &mut self.outbox))?;
                continue;
            }
            ready!(self.inner.poll_flush(cx))?;
            let Some(deadline) = self.send.next_deadline() else {
                return Poll::Ready(Ok(()));
            };
            ready!(poll_timer(&mut self.send_timer, deadline, cx));
        }
    }
}

/// Polls a reusable timer set to `deadline`.
fn poll_timer(
    timer: &mut Option<Pin<Box<Sleep>>>,
    deadline: Instant,
    cx: &mut Context<'_>,
) -> Poll<()> {
    let sleep = timer.get_or_insert_with(|| Box::pin(sleep_until(deadline)));
    if sleep.deadline() != deadline {
        sleep.as_mut().reset(deadline);
    }
    sleep.as_mut().poll(cx)
}

#[cfg(test)]
mod tests;
