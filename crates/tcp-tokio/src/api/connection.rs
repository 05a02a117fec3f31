//! One connection as the user API sees it: a handle into the shared engine, the poll
//! functions every stream type is built from, and the close on drop.

use super::error::to_io;
use crate::stack::Stack;
use core::task::{Context, Poll};
use std::io;
use std::net::SocketAddr;
use tcp_core::{ConnectionHandle, SocketOptions, State};
use tokio::io::ReadBuf;

/// A live connection handle. Dropping it closes the connection gracefully in the
/// background (or aborts it, with linger zero or unread data).
pub(crate) struct Connection {
    pub(crate) stack: Stack,
    pub(crate) handle: ConnectionHandle,
}

impl Connection {
    /// Waits until the handshake completes or fails.
    pub(crate) fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stack.call(|state| {
            if let Some(error) = state.endpoint.take_error(self.handle).map_err(to_io)? {
                return Poll::Ready(Err(to_io(error)));
            }
            match state.endpoint.state(self.handle).map_err(to_io)? {
                State::SynSent | State::SynReceived => {
                    state.wakers.entry(self.handle).or_default().write = Some(cx.waker().clone());
                    Poll::Pending
                }
                State::Closed => Poll::Ready(Err(io::Error::from(io::ErrorKind::NotConnected))),
                _ => Poll::Ready(Ok(())),
            }
        })
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stack.call(
            |state| match state.endpoint.read(self.handle, buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    Poll::Ready(Ok(()))
                }
                Err(tcp_core::Error::WouldBlock) => {
                    state.wakers.entry(self.handle).or_default().read = Some(cx.waker().clone());
                    Poll::Pending
                }
                Err(error) => Poll::Ready(Err(to_io(error))),
            },
        )
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        self.stack
            .call(|state| match state.endpoint.write(self.handle, data) {
                Ok(n) => Poll::Ready(Ok(n)),
                Err(tcp_core::Error::WouldBlock) => {
                    state.wakers.entry(self.handle).or_default().write = Some(cx.waker().clone());
                    Poll::Pending
                }
                Err(error) => Poll::Ready(Err(to_io(error))),
            })
    }

    /// Sends FIN after the queued data; reading goes on.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        self.stack
            .call(|state| state.endpoint.shutdown_write(self.handle).map_err(to_io))
    }

    pub(crate) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stack
            .inspect(|state| state.endpoint.local_addr(self.handle))
            .map_err(to_io)
    }

    pub(crate) fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stack
            .inspect(|state| state.endpoint.peer_addr(self.handle))
            .map_err(to_io)
    }

    pub(crate) fn options(&self) -> io::Result<SocketOptions> {
        self.stack
            .inspect(|state| state.endpoint.options(self.handle))
            .map_err(to_io)
    }

    /// Applies `change` to the connection's options.
    pub(crate) fn update_options(&self, change: impl FnOnce(&mut SocketOptions)) -> io::Result<()> {
        self.stack.call(|state| {
            let mut options = state.endpoint.options(self.handle).map_err(to_io)?;
            change(&mut options);
            let now = self.stack.shared.now();
            state
                .endpoint
                .set_options(now, self.handle, options)
                .map_err(to_io)
        })
    }

    /// The connection's state (for diagnostics and tests).
    pub(crate) fn state(&self) -> io::Result<State> {
        self.stack
            .inspect(|state| state.endpoint.state(self.handle))
            .map_err(to_io)
    }

    /// Resets the connection now.
    pub(crate) fn abort(&self) -> io::Result<()> {
        self.stack
            .call(|state| state.endpoint.abort(self.handle).map_err(to_io))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let closed = self.stack.call(|state| {
            let now = self.stack.shared.now();
            state.wakers.remove(&self.handle);
            state.endpoint.close(now, self.handle).map_err(to_io)
        });
        if let Err(error) = closed {
            tracing::debug!(%error, "close on drop");
        }
    }
}
