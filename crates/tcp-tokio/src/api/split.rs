//! Read and write halves of a [`TcpStream`](super::stream::TcpStream), borrowed or owned.

use super::connection::Connection;
use super::stream::TcpStream;
use bytes::BufMut;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::future::poll_fn;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf, Ready};

/// The read half of a borrowed split.
#[derive(Debug)]
pub struct ReadHalf<'a> {
    connection: &'a Connection,
}

/// The write half of a borrowed split; `shutdown()` sends FIN.
#[derive(Debug)]
pub struct WriteHalf<'a> {
    connection: &'a Connection,
}

/// The read half of an owned split.
#[derive(Debug)]
pub struct OwnedReadHalf {
    connection: Arc<Connection>,
}

/// The write half of an owned split; dropping it shuts down the write side (FIN), as
/// tokio's does.
#[derive(Debug)]
pub struct OwnedWriteHalf {
    connection: Arc<Connection>,
    shut_down: bool,
}

impl<'a> ReadHalf<'a> {
    pub(crate) fn new(connection: &'a Connection) -> ReadHalf<'a> {
        ReadHalf { connection }
    }
}

impl<'a> WriteHalf<'a> {
    pub(crate) fn new(connection: &'a Connection) -> WriteHalf<'a> {
        WriteHalf { connection }
    }
}

impl OwnedReadHalf {
    pub(crate) fn new(connection: Arc<Connection>) -> OwnedReadHalf {
        OwnedReadHalf { connection }
    }

    /// Joins the halves back into the stream they came from, or gives both back in a
    /// [`ReuniteError`] when they came from different streams.
    pub fn reunite(self, other: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
        reunite(self, other)
    }
}

/// Both halves, returned by `reunite` because they belong to different streams.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl std::fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves that are not from the same stream")
    }
}

impl std::error::Error for ReuniteError {}

fn reunite(read: OwnedReadHalf, mut write: OwnedWriteHalf) -> Result<TcpStream, ReuniteError> {
    if !Arc::ptr_eq(&read.connection, &write.connection) {
        return Err(ReuniteError(read, write));
    }
    write.shut_down = true;
    drop(write);
    Ok(TcpStream::from_connection(read.connection))
}

impl OwnedWriteHalf {
    pub(crate) fn new(connection: Arc<Connection>) -> OwnedWriteHalf {
        OwnedWriteHalf {
            connection,
            shut_down: false,
        }
    }

    /// Joins the halves back into the stream they came from; see [`OwnedReadHalf::reunite`].
    pub fn reunite(self, other: OwnedReadHalf) -> Result<TcpStream, ReuniteError> {
        reunite(other, self)
    }
}

/// The read side's methods of [`TcpStream`], on a read half; each is the stream's.
macro_rules! read_half_methods {
    () => {
        /// Receives data without removing it; see [`TcpStream::peek`].
        pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut buf = ReadBuf::new(buf);
            poll_fn(|cx| self.connection.poll_peek(cx, &mut buf)).await
        }

        /// Polls to receive data without removing it; see [`TcpStream::poll_peek`].
        pub fn poll_peek(
            &mut self,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<usize>> {
            self.connection.poll_peek(cx, buf)
        }

        /// Waits for any of `interest`; see [`TcpStream::ready`]. Write interest reports the
        /// shared connection's write readiness.
        pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
            poll_fn(|cx| self.connection.poll_ready(cx, interest)).await
        }

        /// Waits until the stream is readable; see [`TcpStream::readable`].
        pub async fn readable(&self) -> io::Result<()> {
            self.ready(Interest::READABLE).await.map(drop)
        }

        /// Reads what is there now; see [`TcpStream::try_read`].
        pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
            self.connection.try_read(buf)
        }

        /// Reads what is there now into several buffers; see
        /// [`TcpStream::try_read_vectored`].
        pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
            self.connection.try_read_vectored(bufs)
        }

        /// Reads what is there now into a `BufMut`; see [`TcpStream::try_read_buf`].
        pub fn try_read_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
            self.connection.try_read_buf(buf)
        }

        /// The peer's address.
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.connection.peer_addr()
        }

        /// Our address of the connection.
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.connection.local_addr()
        }
    };
}

/// The write side's methods of [`TcpStream`], on a write half; each is the stream's.
macro_rules! write_half_methods {
    () => {
        /// Waits for any of `interest`; see [`TcpStream::ready`]. Read interest reports the
        /// shared connection's read readiness.
        pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
            poll_fn(|cx| self.connection.poll_ready(cx, interest)).await
        }

        /// Waits until the stream is writable; see [`TcpStream::writable`].
        pub async fn writable(&self) -> io::Result<()> {
            self.ready(Interest::WRITABLE).await.map(drop)
        }

        /// Queues what fits now; see [`TcpStream::try_write`].
        pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
            self.connection.try_write(buf)
        }

        /// Queues what fits now from several buffers; see [`TcpStream::try_write_vectored`].
        pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            self.connection.try_write_vectored(bufs)
        }

        /// The peer's address.
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.connection.peer_addr()
        }

        /// Our address of the connection.
        pub fn local_addr(&self) -> io::Result<SocketAddr> {
            self.connection.local_addr()
        }
    };
}

impl ReadHalf<'_> {
    read_half_methods!();
}

impl OwnedReadHalf {
    read_half_methods!();
}

impl WriteHalf<'_> {
    write_half_methods!();
}

impl OwnedWriteHalf {
    write_half_methods!();

    /// Drops the write half without shutting down the write side: the connection closes
    /// (FIN after the queued data) when the read half is dropped too, or at once if it
    /// already was.
    pub fn forget(mut self) {
        self.shut_down = true;
    }
}

impl AsyncRead for ReadHalf<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.connection.poll_read(cx, buf)
    }
}

impl AsyncRead for OwnedReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.connection.poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteHalf<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.connection.poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.connection.shutdown_write())
    }
}

impl AsyncWrite for OwnedWriteHalf {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.connection.poll_write(cx, data)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shut_down = true;
        Poll::Ready(self.connection.shutdown_write())
    }
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if !self.shut_down {
            let _ = self.connection.shutdown_write();
        }
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("handle", &self.handle)
            .finish()
    }
}
