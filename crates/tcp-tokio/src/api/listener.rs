//! `TcpListener`: accepts connections, shaped like `tokio::net::TcpListener`.

use super::connection::Connection;
use super::error::to_io;
use super::resolve::first_success;
use super::stream::TcpStream;
use super::ttl::Ttl;
use crate::stack::Stack;
use core::task::{Context, Poll};
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tcp_core::{ListenerHandle, SocketOptions};
use tokio::net::ToSocketAddrs;

/// A listening socket on the stack.
pub struct TcpListener {
    stack: Stack,
    handle: ListenerHandle,
    /// IP_TTL, passed on to accepted connections (stored and reported; see `api::ttl`).
    ttl: Ttl,
}

/// Backlog `TcpListener::bind` uses, as tokio does.
const DEFAULT_BACKLOG: u32 = 1024;

impl TcpListener {
    /// Listens on `addr` on the default stack ([`Stack::make_default`]; `NotFound` when
    /// none was made the default), as [`TcpListener::bind_on`] does.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        TcpListener::bind_on(&Stack::default_stack()?, addr).await
    }

    /// Listens on `addr` on `stack`: `0.0.0.0:port` or the stack's address with a port
    /// (`AddrNotAvailable` for another address); port 0 picks a free ephemeral port, which
    /// [`TcpListener::local_addr`] reports. `addr` is resolved as tokio does, and each
    /// address tried in turn. Like tokio, sets SO_REUSEADDR so a restarted server can bind
    /// while old connections linger in TIME_WAIT; the backlog is 1024.
    pub async fn bind_on<A: ToSocketAddrs>(stack: &Stack, addr: A) -> io::Result<TcpListener> {
        let options = SocketOptions {
            reuse_address: true,
            ..SocketOptions::default()
        };
        first_success(addr, |addr| async move {
            TcpListener::bind_with(stack, addr, DEFAULT_BACKLOG, options)
        })
        .await
    }

    /// Listens with explicit backlog and options for accepted connections.
    pub(crate) fn bind_with(
        stack: &Stack,
        addr: SocketAddr,
        backlog: u32,
        options: SocketOptions,
    ) -> io::Result<TcpListener> {
        check_local(stack, addr)?;
        let handle =
            stack.call(|state| state.endpoint.listen(addr, backlog, options).map_err(to_io))?;
        Ok(TcpListener {
            stack: stack.clone(),
            handle,
            ttl: Ttl::new(stack.shared.ttl),
        })
    }

    /// Waits for the next connection (FIFO) and returns it with the peer's address.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for the next connection; registers the task to be woken when one arrives.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let accepted = self
            .stack
            .call(|state| match state.endpoint.accept(self.handle) {
                Ok(handle) => {
                    Connection::track(state, handle);
                    Poll::Ready(
                        state
                            .endpoint
                            .peer_addr(handle)
                            .map(|peer| (handle, peer))
                            .map_err(to_io),
                    )
                }
                Err(tcp_core::Error::WouldBlock) => {
                    state.accept_wakers.insert(self.handle, cx.waker().clone());
                    Poll::Pending
                }
                Err(error) => Poll::Ready(Err(to_io(error))),
            });
        accepted.map_ok(|(handle, peer)| {
            let connection = Connection {
                stack: self.stack.clone(),
                handle,
                ttl: self.ttl.inherit(),
            };
            (TcpStream::from_connection(Arc::new(connection)), peer)
        })
    }

    /// The address the listener is bound to, with the port the stack picked when it was
    /// asked for port 0.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stack
            .inspect(|state| state.endpoint.listener_addr(self.handle))
            .map_err(to_io)
    }

    /// The IP_TTL setting: the stack's TTL (64 by default) until [`TcpListener::set_ttl`].
    pub fn ttl(&self) -> io::Result<u32> {
        Ok(self.ttl.get())
    }

    /// Sets IP_TTL (1 to 255, else `InvalidInput`); connections accepted afterwards start
    /// with it. The value is stored and reported, not put on packets: every packet carries
    /// the stack's TTL (see [`TcpStream::set_ttl`]).
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.ttl.set(ttl)
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        let closed = self.stack.call(|state| {
            state.accept_wakers.remove(&self.handle);
            state.endpoint.close_listener(self.handle).map_err(to_io)
        });
        if let Err(error) = closed {
            tracing::debug!(%error, "listener close on drop");
        }
    }
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpListener")
            .field("local", &self.local_addr().ok())
            .finish()
    }
}

/// Refuses addresses that are not the stack's (or the wildcard) with `AddrNotAvailable`,
/// as the kernel does for a foreign address.
pub(crate) fn check_local(stack: &Stack, addr: SocketAddr) -> io::Result<()> {
    match addr {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() || *v4.ip() == stack.local_ipv4() => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            format!(
                "{addr} is not an address of this stack ({})",
                stack.local_ipv4()
            ),
        )),
    }
}
