//! Frame devices: something that sends and receives whole Ethernet frames in batches.
//!
//! [`Link`] is a trait rather than an enum of the known devices because the devices nest:
//! [`FaultyLink`] wraps any link (an AF_PACKET socket, a memory link, or a test's own), and a
//! driver generic over `L: Link` compiles to direct calls with no dispatch per frame. Its
//! methods are poll functions, so the trait also stays usable as `dyn Link` when a program
//! picks its device at run time, and a driver can wait on a link, timers and user requests
//! in one task.
//!
//! - [`PacketSocket`]: an AF_PACKET socket on a real interface (needs `CAP_NET_RAW`).
//! - [`MemoryLink`]: two ends joined in one process, no privileges needed.
//! - [`FaultyLink`]: seeded loss, duplication, reordering, corruption and delay around
//!   another link.

mod batch;
mod faulty;
mod memory;
mod packet;

use core::future::Future;
use core::task::{Context, Poll};
use std::future::poll_fn;
use std::io;

pub use batch::{FrameBatch, PushError};
pub use faulty::{FaultConfig, FaultCounters, FaultyLink};
pub use memory::{MemoryLink, MemoryLinkConfig};
pub use packet::{
    DEFAULT_RECV_BUFFER, Ipv6Filter, PacketSocket, PacketSocketConfig, Protocols, shard_of,
};

use crate::netlayer::MacAddr;

/// Frames a link moves per system call or lock, and the batch size drivers should use.
pub const BATCH: usize = 32;

/// A boxed link is a link: a driver that picks its device at run time holds a
/// `Box<dyn Link + Send>`, and wrappers such as [`FaultyLink`] take it as they take any
/// other.
impl<L: Link + ?Sized> Link for Box<L> {
    fn info(&self) -> LinkInfo {
        (**self).info()
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        (**self).poll_recv(cx, batch)
    }

    fn try_recv(&mut self, batch: &mut FrameBatch) -> io::Result<()> {
        (**self).try_recv(batch)
    }

    fn poll_send(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        (**self).poll_send(cx, batch)
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_flush(cx)
    }
}

/// What a link knows about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkInfo {
    /// The device's MAC address.
    pub mac: MacAddr,
    /// The device's IP MTU; frames carry at most this plus the 14-byte Ethernet header,
    /// except super-frames (see `gso_max_frame`).
    pub mtu: usize,
    /// With generic segmentation offload: the longest frame the link takes (and may
    /// deliver) in one piece, a TCP super-frame that the kernel cuts into segments of the
    /// size [`FrameBatch::commit_segmented`] gives. `None` for links that move every frame
    /// as it is.
    pub gso_max_frame: Option<usize>,
}

impl LinkInfo {
    /// The longest frame the link sends or receives: the MTU's, or a super-frame's.
    pub fn max_frame(&self) -> usize {
        self.gso_max_frame
            .unwrap_or(self.mtu + crate::netlayer::ETHERNET_HEADER_LEN)
    }
}

/// A batch frame device, polled from one task.
///
/// Frames are complete Ethernet II frames without the frame check sequence. Every method
/// returns `Pending` only after arranging for the task to be woken, like tokio's poll
/// functions; errors are the device's, with context in the message.
pub trait Link {
    /// The device's MAC address and MTU.
    fn info(&self) -> LinkInfo;

    /// Clears `batch`, then completes once at least one frame is in it, with as many more
    /// as were ready without waiting (up to [`FrameBatch::slots`]). Frames longer than
    /// [`FrameBatch::slot_len`] are dropped, never cut.
    fn poll_recv(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>>;

    /// Receives into `batch` (cleared first) the frames that are ready now, without
    /// registering any waker, so that a task other than the one polling
    /// [`Link::poll_recv`] may call it; `batch` stays empty when none are. This default
    /// receives nothing, which is always correct: the frames then come through `poll_recv`.
    fn try_recv(&mut self, batch: &mut FrameBatch) -> io::Result<()> {
        batch.clear();
        Ok(())
    }

    /// Hands the frames in `batch` to the device, removing each from the front as it is
    /// taken; completes when the batch is empty. On an error the frame that failed has been
    /// removed too (it is lost, as on a wire) and the rest stay for the next call.
    fn poll_send(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>>;

    /// Pushes out frames the link holds back after `poll_send` accepted them (a delay
    /// line); completes once it holds none. Links that never hold frames complete at once,
    /// which is what this default does. A driver polls it whenever it waits.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = cx;
        Poll::Ready(Ok(()))
    }

    /// [`Link::poll_recv`] as a future.
    fn recv<'a>(
        &'a mut self,
        batch: &'a mut FrameBatch,
    ) -> impl Future<Output = io::Result<()>> + 'a
    where
        Self: Sized,
    {
        poll_fn(move |cx| self.poll_recv(cx, batch))
    }

    /// [`Link::poll_send`] as a future.
    fn send<'a>(
        &'a mut self,
        batch: &'a mut FrameBatch,
    ) -> impl Future<Output = io::Result<()>> + 'a
    where
        Self: Sized,
    {
        poll_fn(move |cx| self.poll_send(cx, batch))
    }

    /// [`Link::poll_flush`] as a future.
    fn flush(&mut self) -> impl Future<Output = io::Result<()>> + '_
    where
        Self: Sized,
    {
        poll_fn(move |cx| self.poll_flush(cx))
    }
}
