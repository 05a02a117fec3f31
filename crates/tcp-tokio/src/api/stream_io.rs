//! `TcpStream`'s readiness, peek and `try_` methods, with tokio's signatures and semantics:
//! readiness is a flag per direction that the stack's events set and an operation returning
//! `WouldBlock` clears, as tokio's I/O driver keeps it for a kernel socket.

use super::stream::TcpStream;
use bytes::BufMut;
use core::task::{Context, Poll};
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut};
use tokio::io::{Interest, ReadBuf, Ready};

impl TcpStream {
    /// Receives data without removing it: the next read (or peek) returns the same bytes.
    /// Waits until data, the peer's FIN (`Ok(0)`) or the connection's error is there.
    ///
    /// Cancel safe: dropped before it completes, it has copied nothing into `buf`.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buf = ReadBuf::new(buf);
        poll_fn(|cx| self.poll_peek(cx, &mut buf)).await
    }

    /// Copies into `buf`'s unfilled part what a read would return, without removing it, and
    /// advances `buf`: `Ready(Ok(n))` with the bytes peeked (0 at the peer's FIN),
    /// `Ready(Err(_))` for the connection's error (never `WouldBlock`), `Pending` while there
    /// is nothing, with the task registered for the next data.
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.connection.poll_peek(cx, buf)
    }

    /// Waits until the stream is ready for any of `interest` and returns what it is ready
    /// for: `READABLE` (with `READ_CLOSED` after the peer's FIN or an error), `WRITABLE`
    /// (with `WRITE_CLOSED` once the connection is closed or failed), `ERROR` while the
    /// connection has an error. `Interest::PRIORITY` never becomes ready (no urgent data).
    ///
    /// Readiness may be a false positive: the next `try_read`/`try_write` can still return
    /// `WouldBlock`, which clears it. Cancel safe; readiness stays until an operation
    /// consumes it. Any number of tasks may wait at once.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        poll_fn(|cx| self.connection.poll_ready(cx, interest)).await
    }

    /// Waits until the stream is readable: `ready(Interest::READABLE)`, usually followed by
    /// `try_read`.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Interest::READABLE).await.map(drop)
    }

    /// Waits until the stream is writable: `ready(Interest::WRITABLE)`, usually followed by
    /// `try_write`.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Interest::WRITABLE).await.map(drop)
    }

    /// Polls for read readiness: `Ready(Ok(()))` when readable, `Pending` (with the task
    /// registered) when not, `Ready(Err(_))` only for a stack whose link failed.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.connection
            .poll_ready(cx, Interest::READABLE)
            .map_ok(drop)
    }

    /// Polls for write readiness, as [`TcpStream::poll_read_ready`] for writing.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.connection
            .poll_ready(cx, Interest::WRITABLE)
            .map_ok(drop)
    }

    /// Reads the data that is there now into `buf`, without waiting. `Ok(0)` when the peer
    /// closed its side (after all its data was read) or `buf` is empty; `WouldBlock` when
    /// nothing is there yet (and read readiness is cleared).
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.connection.try_read(buf)
    }

    /// [`TcpStream::try_read`] into several buffers, filled in order as if they were one.
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.connection.try_read_vectored(bufs)
    }

    /// [`TcpStream::try_read`] into the spare capacity of `buf` (its next chunk), advancing
    /// it by the bytes read.
    pub fn try_read_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.connection.try_read_buf(buf)
    }

    /// Queues as much of `buf` as the send buffer takes now, without waiting; `WouldBlock`
    /// when it takes nothing (and write readiness is cleared).
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.connection.try_write(buf)
    }

    /// [`TcpStream::try_write`] from several buffers, taken in order as if they were one.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.connection.try_write_vectored(bufs)
    }

    /// Calls `f` if the stream is ready for `interest`, else returns `WouldBlock` without
    /// calling it. When `f` returns `WouldBlock`, that readiness is cleared (unless an event
    /// came while `f` ran), so `f` should return it only when its operation found the stream
    /// not ready. There is no descriptor to do I/O on: `f` uses the stream's own `try_`
    /// methods, which is safe here (`f` runs without the stack's lock). Combined interests
    /// work (any of them ready lets `f` run).
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.connection.try_io(interest, f)
    }

    /// The error the connection failed with (reset, refused, timed out), `None` while it has
    /// not: SO_ERROR, cleared by reading it as the kernel's is. The error is reported once,
    /// by this or by the first read or write after the failure; afterwards reads return
    /// end-of-file and writes `BrokenPipe`, as on a kernel socket.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.connection.take_error()
    }
}
