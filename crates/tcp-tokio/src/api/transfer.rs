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
            let out = initialized_for(buf, endpoint.readable_bytes(handle)?);
            endpoint.read(handle, out)
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
            let out = initialized_for(buf, endpoint.readable_bytes(handle)?);
            endpoint.peek(handle, out)
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
            in_order(bufs.iter_mut().filter(|buf| !buf.is_empty()), |buf| {
                let len = buf.len();
                endpoint.read(handle, buf).map(|n| (n, len))
            })
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
            in_order(bufs.iter().filter(|buf| !buf.is_empty()), |buf| {
                endpoint.write(handle, buf).map(|n| (n, buf.len()))
            })
        })
    }
}

/// One vectored operation as one on the concatenation of `parts` (the caller leaves out
/// empty ones): `op` runs on each part in order and returns (bytes done, the part's length); the run stops after
/// a part it did not finish. An error after some progress ends the run with that progress
/// (the error comes back on the next call); an error before any is returned.
fn in_order<P>(
    parts: impl Iterator<Item = P>,
    mut op: impl FnMut(P) -> Result<(usize, usize), tcp_core::Error>,
) -> Result<usize, tcp_core::Error> {
    let mut total = 0;
    for part in parts {
        match op(part) {
            Ok((done, len)) => {
                total += done;
                if done < len {
                    break;
                }
            }
            Err(_) if total > 0 => break,
            Err(error) => return Err(error),
        }
    }
    Ok(total)
}

/// The part of `buf`'s unfilled space a read of `readable` bytes fills, initialized: only
/// that much (at least one byte, so that an empty read still tells "nothing yet" from the
/// end of the stream), never the whole spare capacity, which a reader with a large buffer
/// would otherwise have zeroed on every read.
fn initialized_for<'a>(buf: &'a mut ReadBuf<'_>, readable: usize) -> &'a mut [u8] {
    let len = buf.remaining().min(readable.max(1));
    buf.initialize_unfilled_to(len)
}
