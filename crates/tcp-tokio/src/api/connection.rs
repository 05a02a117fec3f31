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
        let shared = &self.stack.shared;
        let mut state = shared.lock();
        state.check_alive()?;
        if let Some(error) = state.endpoint.take_error(self.handle).map_err(to_io)? {
            return Poll::Ready(Err(to_io(error)));
        }
        match state.endpoint.state(self.handle).map_err(to_io)? {
            State::SynSent | State::SynReceived => {
                state.wakers.entry(self.handle).or_default().write = Some(cx.waker().clone());
                shared.finish_call(state);
                Poll::Pending
            }
            State::Closed => Poll::Ready(Err(io::Error::from(io::ErrorKind::NotConnected))),
            _ => Poll::Ready(Ok(())),
        }
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let shared = &self.stack.shared;
        let mut state = shared.lock();
        state.check_alive()?;
        let out = buf.initialize_unfilled();
        match state.endpoint.read(self.handle, out) {
            Ok(n) => {
                buf.advance(n);
                shared.finish_call(state);
                Poll::Ready(Ok(()))
            }
            Err(tcp_core::Error::WouldBlock) => {
                state.wakers.entry(self.handle).or_default().read = Some(cx.waker().clone());
                shared.finish_call(state);
                Poll::Pending
            }
            Err(error) => Poll::Ready(Err(to_io(error))),
        }
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let shared = &self.stack.shared;
        let mut state = shared.lock();
        state.check_alive()?;
        match state.endpoint.write(self.handle, data) {
            Ok(n) => {
                shared.finish_call(state);
                Poll::Ready(Ok(n))
            }
            Err(tcp_core::Error::WouldBlock) => {
                state.wakers.entry(self.handle).or_default().write = Some(cx.waker().clone());
                Poll::Pending
            }
            Err(error) => Poll::Ready(Err(to_io(error))),
        }
    }

    /// Sends FIN after the queued data; reading goes on.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        let shared = &self.stack.shared;
        let mut state = shared.lock();
        state.check_alive()?;
        state.endpoint.shutdown_write(self.handle).map_err(to_io)?;
        shared.finish_call(state);
        Ok(())
    }

    pub(crate) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stack
            .shared
            .lock()
            .endpoint
            .local_addr(self.handle)
            .map_err(to_io)
    }

    pub(crate) fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stack
            .shared
            .lock()
            .endpoint
            .peer_addr(self.handle)
            .map_err(to_io)
    }

    pub(crate) fn options(&self) -> io::Result<SocketOptions> {
        self.stack
            .shared
            .lock()
            .endpoint
            .options(self.handle)
            .map_err(to_io)
    }

    /// Applies `change` to the connection's options.
    pub(crate) fn update_options(&self, change: impl FnOnce(&mut SocketOptions)) -> io::Result<()> {
        let shared = &self.stack.shared;
        let mut state = shared.lock();
        let mut options = state.endpoint.options(self.handle).map_err(to_io)?;
        change(&mut options);
        let now = shared.now();
        state
            .endpoint
            .set_options(now, self.handle, options)
            .map_err(to_io)?;
        shared.finish_call(state);
        Ok(())
    }

    /// The connection's state (for diagnostics and tests).
    pub(crate) fn state(&self) -> io::Result<State> {
        self.stack
            .shared
            .lock()
            .endpoint
            .state(self.handle)
            .map_err(to_io)
    }

    /// Resets the connection now.
    pub(crate) fn abort(&self) -> io::Result<()> {
        let shared = &self.stack.shared;
        let mut state = shared.lock();
        state.endpoint.abort(self.handle).map_err(to_io)?;
        shared.finish_call(state);
        Ok(())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let shared = &self.stack.shared;
        let mut state = shared.lock();
        let now = shared.now();
        let _ = state.endpoint.close(now, self.handle);
        state.wakers.remove(&self.handle);
        shared.finish_call(state);
    }
}
