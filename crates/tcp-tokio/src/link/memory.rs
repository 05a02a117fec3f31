//! Two links joined back to back in memory, for stacks that talk without privileges.

use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{FrameBatch, Link, LinkInfo};
use crate::netlayer::{ETHERNET_HEADER_LEN, MacAddr};

/// One end of an in-memory wire. What one end sends, the other receives, in order, without
/// loss; a direction holds at most `capacity` frames in flight, after which the sender waits
/// for the receiver (backpressure, not loss). Dropping one end makes the other's calls fail
/// with `NotConnected` once the frames already in flight have been received.
#[derive(Debug)]
pub struct MemoryLink {
    tx: Arc<Wire>,
    rx: Arc<Wire>,
    info: LinkInfo,
}

/// Settings of a [`MemoryLink`] pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLinkConfig {
    /// MAC addresses of the two ends.
    pub macs: [MacAddr; 2],
    /// IP MTU of both ends; longer frames are refused on send. Default 1500.
    pub mtu: usize,
    /// Frames in flight per direction. Default 1024.
    pub capacity: usize,
}

impl Default for MemoryLinkConfig {
    fn default() -> MemoryLinkConfig {
        MemoryLinkConfig {
            macs: [
                MacAddr([0x02, 0, 0, 0, 0, 0x01]),
                MacAddr([0x02, 0, 0, 0, 0, 0x02]),
            ],
            mtu: 1500,
            capacity: 1024,
        }
    }
}

/// One direction of the wire.
#[derive(Debug)]
struct Wire {
    state: Mutex<WireState>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct WireState {
    frames: VecDeque<Vec<u8>>,
    /// Allocations of received frames, reused by the sender.
    spare: Vec<Vec<u8>>,
    reader: Option<Waker>,
    writer: Option<Waker>,
    /// One end was dropped.
    closed: bool,
}

impl Wire {
    fn new(capacity: usize) -> Arc<Wire> {
        Arc::new(Wire {
            state: Mutex::new(WireState::default()),
            capacity: capacity.max(1),
        })
    }

    /// The state; a panic elsewhere while holding the lock leaves only frame queues behind,
    /// which stay consistent, so a poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, WireState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks the wire closed and wakes whoever waits on it.
    fn close(&self) {
        let (reader, writer) = {
            let mut state = self.lock();
            state.closed = true;
            (state.reader.take(), state.writer.take())
        };
        reader.into_iter().chain(writer).for_each(Waker::wake);
    }
}

impl MemoryLink {
    /// Two joined ends with the default settings.
    pub fn pair() -> (MemoryLink, MemoryLink) {
        MemoryLink::pair_with(MemoryLinkConfig::default())
    }

    /// Two joined ends with `config`.
    pub fn pair_with(config: MemoryLinkConfig) -> (MemoryLink, MemoryLink) {
        let a_to_b = Wire::new(config.capacity);
        let b_to_a = Wire::new(config.capacity);
        let info = |mac| LinkInfo {
            mac,
            mtu: config.mtu,
            gso_max_frame: None,
        };
        let a = MemoryLink {
            tx: a_to_b.clone(),
            rx: b_to_a.clone(),
            info: info(config.macs[0]),
        };
        let b = MemoryLink {
            tx: b_to_a,
            rx: a_to_b,
            info: info(config.macs[1]),
        };
        (a, b)
    }
}

impl Link for MemoryLink {
    fn info(&self) -> LinkInfo {
        self.info
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        batch.clear();
        let mut state = self.rx.lock();
        while !batch.is_full() {
            let Some(frame) = state.frames.pop_front() else {
                break;
            };
            if frame.len() <= batch.slot_len() {
                let pushed = batch.push(&frame);
                debug_assert!(pushed.is_ok(), "batch has room and the frame fits");
            }
            state.spare.push(frame);
        }
        if !batch.is_empty() {
            let writer = state.writer.take();
            drop(state);
            writer.into_iter().for_each(Waker::wake);
            return Poll::Ready(Ok(()));
        }
        if state.closed {
            return Poll::Ready(Err(peer_gone()));
        }
        state.reader = Some(cx.waker().clone());
        Poll::Pending
    }

    fn poll_send(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        let max_frame = ETHERNET_HEADER_LEN + self.info.mtu;
        let mut state = self.tx.lock();
        if state.closed {
            drop(state);
            batch.consume(1);
            return Poll::Ready(Err(peer_gone()));
        }
        let mut result = Poll::Ready(Ok(()));
        let mut sent = 0;
        for frame in batch.iter() {
            if frame.len() > max_frame {
                sent += 1;
                result = Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "memory link: frame of {} bytes exceeds MTU {}",
                        frame.len(),
                        self.info.mtu
                    ),
                )));
                break;
            }
            if state.frames.len() >= self.tx.capacity {
                state.writer = Some(cx.waker().clone());
                result = Poll::Pending;
                break;
            }
            let mut copy = state.spare.pop().unwrap_or_default();
            copy.clear();
            copy.extend_from_slice(frame);
            state.frames.push_back(copy);
            sent += 1;
        }
        let reader = if sent > 0 { state.reader.take() } else { None };
        drop(state);
        batch.consume(sent);
        reader.into_iter().for_each(Waker::wake);
        result
    }
}

impl Drop for MemoryLink {
    fn drop(&mut self) {
        self.tx.close();
        self.rx.close();
    }
}

/// The error of a link whose other end is gone.
fn peer_gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "memory link: the other end was dropped",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u8) -> Vec<u8> {
        vec![n; 60]
    }

    #[tokio::test]
    async fn frames_cross_in_order_both_ways() {
        let (mut a, mut b) = MemoryLink::pair();
        assert_ne!(a.info().mac, b.info().mac);
        let mut out = FrameBatch::new(8, 1514);
        for n in 0..5 {
            out.push(&frame(n)).unwrap();
        }
        a.send(&mut out).await.unwrap();
        assert!(out.is_empty());
        let mut got = FrameBatch::new(3, 1514);
        b.recv(&mut got).await.unwrap();
        assert_eq!(
            got.iter().collect::<Vec<_>>(),
            [frame(0), frame(1), frame(2)]
        );
        b.recv(&mut got).await.unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), [frame(3), frame(4)]);

        out.push(&frame(9)).unwrap();
        b.send(&mut out).await.unwrap();
        a.recv(&mut got).await.unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), [frame(9)]);
    }

    #[tokio::test]
    async fn a_full_direction_makes_the_sender_wait_for_the_receiver() {
        let config = MemoryLinkConfig {
            capacity: 2,
            ..MemoryLinkConfig::default()
        };
        let (mut a, mut b) = MemoryLink::pair_with(config);
        let sender = tokio::spawn(async move {
            let mut out = FrameBatch::new(5, 100);
            for n in 0..5 {
                out.push(&frame(n)).unwrap();
            }
            a.send(&mut out).await.unwrap();
            a
        });
        let mut received = Vec::new();
        let mut got = FrameBatch::new(1, 100);
        while received.len() < 5 {
            b.recv(&mut got).await.unwrap();
            received.extend(got.iter().map(<[u8]>::to_vec));
        }
        assert_eq!(received, (0..5).map(frame).collect::<Vec<_>>());
        drop(sender.await.unwrap());
    }

    #[tokio::test]
    async fn oversize_frames_are_refused_and_the_rest_kept() {
        let (mut a, mut b) = MemoryLink::pair();
        let mut out = FrameBatch::new(3, 2000);
        out.push(&[0; 1515]).unwrap();
        out.push(&frame(1)).unwrap();
        let error = a.send(&mut out).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(out.len(), 1);
        a.send(&mut out).await.unwrap();
        let mut got = FrameBatch::new(3, 2000);
        b.recv(&mut got).await.unwrap();
        assert_eq!(got.iter().collect::<Vec<_>>(), [frame(1)]);
    }

    #[tokio::test]
    async fn dropping_one_end_ends_the_other_after_frames_in_flight() {
        let (mut a, mut b) = MemoryLink::pair();
        let mut out = FrameBatch::new(1, 100);
        out.push(&frame(7)).unwrap();
        a.send(&mut out).await.unwrap();
        drop(a);
        let mut got = FrameBatch::new(4, 100);
        b.recv(&mut got).await.unwrap();
        assert_eq!(got.len(), 1);
        let error = b.recv(&mut got).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotConnected);
        out.push(&frame(8)).unwrap();
        assert_eq!(
            b.send(&mut out).await.unwrap_err().kind(),
            io::ErrorKind::NotConnected
        );
    }
}
