//! A shard's I/O: its link, the frame batches that cross it and the capture. Whoever runs
//! the drive loop (see `drive.rs`) holds it; nobody waits for it but the driver task, and
//! no engine lock is held while it makes a system call.

use super::engine_lock::assert_unlocked;
use super::pcap::PcapWriter;
use crate::link::{BATCH, FrameBatch, Link};
use core::task::{Context, Poll};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long the driver waits before receiving again from an interface that is down.
const LINK_DOWN_RETRY: Duration = Duration::from_millis(20);

/// The link and its buffers.
pub(crate) struct Io {
    link: Box<dyn Link + Send>,
    /// Frames received and not yet given to the engine.
    pub(crate) rx: FrameBatch,
    /// Frames produced and not yet taken by the link.
    pub(crate) tx: FrameBatch,
    /// The stack's capture, shared by its shards.
    pcap: Option<Arc<Mutex<PcapWriter>>>,
    /// Set while the interface is down: receiving resumes at this instant.
    pub(crate) link_down_until: Option<tokio::time::Instant>,
}

/// Who receives: the driver task waits for frames (its waker is registered with the
/// link); a user call takes only what is there and registers nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Receiver {
    /// The driver task.
    Driver,
    /// A user call finishing its work.
    Caller,
}

impl Io {
    /// Buffers for `link`; each send slot has `headroom` bytes more than the longest frame,
    /// for frames built behind room for a longer header (`NetLayer::headroom`).
    pub(crate) fn new(
        link: Box<dyn Link + Send>,
        pcap: Option<Arc<Mutex<PcapWriter>>>,
        headroom: usize,
    ) -> Io {
        let slot_len = link.info().max_frame();
        Io {
            rx: FrameBatch::new(BATCH, slot_len),
            tx: FrameBatch::new(BATCH, slot_len + headroom),
            link,
            pcap,
            link_down_until: None,
        }
    }

    /// Receives a batch into `rx` unless the link is down; true when frames arrived.
    /// Errors are fatal link failures, and only the driver sees them (a caller leaves them
    /// for the driver); an interface that went down pauses receiving.
    pub(crate) fn receive(&mut self, who: Receiver, cx: &mut Context<'_>) -> io::Result<bool> {
        assert_unlocked();
        self.rx.clear();
        if let Some(until) = self.link_down_until {
            if tokio::time::Instant::now() < until {
                return Ok(false);
            }
            self.link_down_until = None;
        }
        let result = match who {
            Receiver::Driver => self.link.poll_recv(cx, &mut self.rx),
            Receiver::Caller => Poll::Ready(self.link.try_recv(&mut self.rx)),
        };
        let received = match result {
            Poll::Ready(Ok(())) => !self.rx.is_empty(),
            Poll::Pending => false,
            Poll::Ready(Err(error)) if who == Receiver::Caller => {
                tracing::debug!(%error, "receive from a user call failed; the driver will see it");
                false
            }
            Poll::Ready(Err(error)) if is_transient(&error) => {
                // The interface is down: connections live on (their timers keep running)
                // and receiving resumes once it is back up.
                tracing::warn!(%error, "link down; retrying");
                self.rx.clear();
                self.link_down_until = Some(tokio::time::Instant::now() + LINK_DOWN_RETRY);
                false
            }
            Poll::Ready(Err(error)) => return Err(error),
        };
        if received && let Some(pcap) = &self.pcap {
            let mut pcap = lock_capture(pcap);
            for frame in self.rx.iter() {
                pcap.record(frame);
            }
        }
        Ok(received)
    }

    /// Hands `tx` to the link, then lets the link push out what it holds back; `Pending`
    /// when it would not take everything yet (the rest stays, and `cx` is woken when it can
    /// take more). Send errors lose the frame that failed (as a wire would) and are logged.
    pub(crate) fn send(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        assert_unlocked();
        while !self.tx.is_empty() {
            match self.link.poll_send(cx, &mut self.tx) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(error)) => tracing::warn!(%error, "link send failed"),
                Poll::Pending => return Poll::Pending,
            }
        }
        match self.link.poll_flush(cx) {
            Poll::Ready(Err(error)) => tracing::warn!(%error, "link flush failed"),
            Poll::Ready(Ok(())) => {}
            Poll::Pending => return Poll::Pending,
        }
        Poll::Ready(())
    }

    /// Records in the capture the frames of `tx` from index `first` on: those produced
    /// since `tx` held `first` frames.
    pub(crate) fn capture_tx(&mut self, first: usize) {
        assert_unlocked();
        if let Some(pcap) = &self.pcap {
            let mut pcap = lock_capture(pcap);
            for frame in self.tx.iter().skip(first) {
                pcap.record(frame);
            }
        }
    }

    /// Writes out the capture's buffered frames.
    pub(crate) fn flush_capture(&mut self) {
        assert_unlocked();
        if let Some(pcap) = &self.pcap {
            lock_capture(pcap).flush();
        }
    }
}

/// The capture's lock; a panic while writing leaves at worst a torn record, so a poisoned
/// lock is taken as it is.
fn lock_capture(pcap: &Mutex<PcapWriter>) -> MutexGuard<'_, PcapWriter> {
    pcap.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Errors an interface gives while it is down, which end when it comes back up.
fn is_transient(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::NetworkDown | io::ErrorKind::NetworkUnreachable | io::ErrorKind::Interrupted
    ) || error.raw_os_error() == Some(libc::ENXIO)
}
