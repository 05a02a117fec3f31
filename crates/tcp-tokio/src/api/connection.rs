//! One connection as the user API sees it: a handle into the shared engine, the one way its
//! reads and writes reach the engine ([`Connection::io`]), its options and addresses, and
//! the close on drop.

use super::error::to_io;
use super::family;
use super::info::TcpInfo;
use super::ttl::Ttl;
use crate::stack::Stack;
use crate::stack::readiness::{Direction, Readiness};
use crate::stack::shared::{Shared, StackState};
use core::task::{Context, Poll, Waker};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tcp_core::{ConnectionHandle, Endpoint, SocketOptions, State};

/// A live connection handle. Dropping it closes the connection gracefully in the
/// background (or aborts it, with linger zero or unread data).
pub(crate) struct Connection {
    /// Keeps the stack (every shard's driver) running while the connection is open.
    pub(crate) stack: Stack,
    /// The shard the connection lives on.
    pub(crate) shard: Arc<Shared>,
    pub(crate) handle: ConnectionHandle,
    /// IP_TTL (stored and reported; see `api::ttl`).
    pub(crate) ttl: Ttl,
    /// An IPv6 socket's connection over IPv4: its addresses are reported IPv4-mapped.
    pub(crate) mapped: bool,
}

/// Which way an operation moves data, and so which readiness it consumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    Read,
    Write,
}

impl Connection {
    /// Starts tracking the readiness of `handle`, fresh from `connect` or `accept`, in the
    /// same call that made it, so that no event of the handle's comes before its entry.
    pub(crate) fn track(state: &mut StackState, handle: ConnectionHandle) {
        state.readiness.insert(handle, Readiness::default());
    }

    /// The readiness of this connection in `state`.
    pub(crate) fn readiness<'a>(&self, state: &'a mut StackState) -> &'a mut Readiness {
        state.readiness.entry(self.handle).or_default()
    }

    /// Waits until the handshake completes or fails.
    pub(crate) fn poll_connected(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shard.call(|state| {
            if let Some(error) = state.endpoint.take_error(self.handle).map_err(to_io)? {
                return Poll::Ready(Err(to_io(error)));
            }
            if state
                .endpoint
                .handshake_pending(self.handle)
                .map_err(to_io)?
            {
                self.readiness(state).write.register(cx.waker());
                return Poll::Pending;
            }
            match state.endpoint.state(self.handle).map_err(to_io)? {
                State::Closed => Poll::Ready(Err(io::Error::from(io::ErrorKind::NotConnected))),
                _ => Poll::Ready(Ok(())),
            }
        })
    }

    /// Runs `op` (a read, peek or write on the engine) as one user call. A `WouldBlock`
    /// clears the readiness of `way`, as tokio's I/O driver does, and registers `waker`
    /// (when given) for its next event; the engine has then marked the connection to raise
    /// that event.
    pub(crate) fn io<R>(
        &self,
        way: Way,
        waker: Option<&Waker>,
        op: impl FnOnce(&mut Endpoint, ConnectionHandle) -> Result<R, tcp_core::Error>,
    ) -> io::Result<R> {
        self.shard.call(|state| {
            let result = op(&mut state.endpoint, self.handle);
            if let Err(tcp_core::Error::WouldBlock) = result {
                let direction = self.direction(state, way);
                direction.clear();
                if let Some(waker) = waker {
                    direction.register(waker);
                }
            }
            result.map_err(to_io)
        })
    }

    /// [`Connection::io`] as a poll function: `Pending` (with the task registered) where
    /// the operation would block.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        way: Way,
        op: impl FnOnce(&mut Endpoint, ConnectionHandle) -> Result<R, tcp_core::Error>,
    ) -> Poll<io::Result<R>> {
        match self.io(way, Some(cx.waker()), op) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            done => Poll::Ready(done),
        }
    }

    /// The readiness of `way` in `state`.
    pub(crate) fn direction<'a>(&self, state: &'a mut StackState, way: Way) -> &'a mut Direction {
        let readiness = self.readiness(state);
        match way {
            Way::Read => &mut readiness.read,
            Way::Write => &mut readiness.write,
        }
    }

    /// Sends FIN after the queued data; reading goes on. On a connection that is already
    /// over this does nothing and succeeds: the engine says `NotConnected` (ENOTCONN, as
    /// Linux's `shutdown(2)`), which tokio's `poll_shutdown` turns into success too.
    pub(crate) fn shutdown_write(&self) -> io::Result<()> {
        self.shard
            .call(|state| match state.endpoint.shutdown_write(self.handle) {
                Err(tcp_core::Error::NotConnected) => Ok(()),
                done => done.map_err(to_io),
            })
    }

    /// Our address, IPv4-mapped for an IPv6 socket's IPv4 connection.
    pub(crate) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.shard
            .inspect(|state| state.endpoint.local_addr(self.handle))
            .map(|addr| family::report(addr, self.mapped))
            .map_err(to_io)
    }

    /// The peer's address, IPv4-mapped for an IPv6 socket's IPv4 connection.
    pub(crate) fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.shard
            .inspect(|state| state.endpoint.peer_addr(self.handle))
            .map(|addr| family::report(addr, self.mapped))
            .map_err(to_io)
    }

    pub(crate) fn options(&self) -> io::Result<SocketOptions> {
        self.shard
            .inspect(|state| state.endpoint.options(self.handle))
            .map_err(to_io)
    }

    /// Applies `change` to the connection's options.
    pub(crate) fn update_options(&self, change: impl FnOnce(&mut SocketOptions)) -> io::Result<()> {
        self.shard.call(|state| {
            let mut options = state.endpoint.options(self.handle).map_err(to_io)?;
            change(&mut options);
            let now = self.shard.now();
            state
                .endpoint
                .set_options(now, self.handle, options)
                .map_err(to_io)
        })
    }

    /// The connection's state (for diagnostics and tests).
    pub(crate) fn state(&self) -> io::Result<State> {
        self.shard
            .inspect(|state| state.endpoint.state(self.handle))
            .map_err(to_io)
    }

    /// The connection's transmission state and counters, read together.
    pub(crate) fn info(&self) -> io::Result<TcpInfo> {
        self.shard
            .inspect(|state| {
                Ok(TcpInfo {
                    transmission: state.endpoint.connection_info(self.handle)?,
                    counters: state.endpoint.stats(self.handle)?,
                })
            })
            .map_err(to_io)
    }

    /// The error the connection failed with, if nothing reported it yet; clears it.
    pub(crate) fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.shard
            .call(|state| state.endpoint.take_error(self.handle).map_err(to_io))
            .map(|error| error.map(to_io))
    }

    /// Resets the connection now.
    pub(crate) fn abort(&self) -> io::Result<()> {
        self.shard
            .call(|state| state.endpoint.abort(self.handle).map_err(to_io))
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let closed = self.shard.call(|state| {
            let now = self.shard.now();
            state.readiness.remove(&self.handle);
            state.endpoint.close(now, self.handle).map_err(to_io)
        });
        if let Err(error) = closed {
            tracing::debug!(%error, "close on drop");
        }
    }
}
