//! Moving data: every read, peek and write of the stream types, as poll functions and as
//! `try_` calls, all through [`Connection::io`].

use super::connection::{Connection, Way};
use bytes::BufMut;
use core::task::{Context, Poll};
use std::io::{self, IoSlice, IoSliceMut};
use tokio::io::ReadBuf;

impl Connection {
    /// Reads into `buf`'s unfilled part; `Pending` while nothing is there to read.
    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_io(cx, Way::Read, |endpoint, handle| {
            endpoint.read(handle, buf.initialize_unfilled())
        })
        .map_ok(|n| buf.advance(n))
    }

    /// Copies into `buf`'s unfilled part what a read would return, leaving it to be read.
    pub(crate) fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.poll_io(cx, Way::Read, |endpoint, handle| {
            endpoint.peek(handle, buf.initialize_unfilled())
        })
        .map_ok(|n| {
            buf.advance(n);
            n
        })
    }

    /// Queues `data` for sending; `Pending` while the send buffer is full.
    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_io(cx, Way::Write, |endpoint, handle| {
            endpoint.write(handle, data)
        })
    }

    /// Reads what is there now; `WouldBlock` when nothing is.
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io(Way::Read, None, |endpoint, handle| {
            endpoint.read(handle, buf)
        })
    }

    /// Reads what is there now into `bufs` in order, as one read into their concatenation.
    pub(crate) fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io(Way::Read, None, |endpoint, handle| {
            let mut total = 0;
            for buf in bufs.iter_mut().filter(|buf| !buf.is_empty()) {
                match endpoint.read(handle, buf) {
                    Ok(n) => {
                        total += n;
                        if n < buf.len() {
                            break;
                        }
                    }
                    Err(_) if total > 0 => break,
                    Err(error) => return Err(error),
                }
            }
            Ok(total)
        })
    }

    /// Reads what is there now into the spare capacity of `buf` (at most its next chunk),
    /// advancing it.
    pub(crate) fn try_read_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io(Way::Read, None, |endpoint, handle| {
            let room = buf.chunk_mut().len();
            let len = room.min(endpoint.readable_bytes(handle)?.max(1));
            let mut scratch = vec![0u8; len];
            let n = endpoint.read(handle, &mut scratch)?;
            buf.put_slice(&scratch[..n]);
            Ok(n)
        })
    }

    /// Queues what fits of `data` now; `WouldBlock` when nothing does.
    pub(crate) fn try_write(&self, data: &[u8]) -> io::Result<usize> {
        self.io(Way::Write, None, |endpoint, handle| {
            endpoint.write(handle, data)
        })
    }

    /// Queues what fits of `bufs` now, in order, as one write of their concatenation.
    pub(crate) fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io(Way::Write, None, |endpoint, handle| {
            let mut total = 0;
            for buf in bufs.iter().filter(|buf| !buf.is_empty()) {
                match endpoint.write(handle, buf) {
                    Ok(n) => {
                        total += n;
                        if n < buf.len() {
                            break;
                        }
                    }
                    Err(_) if total > 0 => break,
                    Err(error) => return Err(error),
                }
            }
            Ok(total)
        })
    }
}
