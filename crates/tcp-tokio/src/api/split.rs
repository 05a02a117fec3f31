//! Read and write halves of a [`TcpStream`](super::stream::TcpStream), borrowed or owned.

use super::connection::Connection;
use super::stream::TcpStream;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

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
