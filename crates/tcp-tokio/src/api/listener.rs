//! `TcpListener`: accepts connections, shaped like `tokio::net::TcpListener`.

use super::connection::Connection;
use super::error::to_io;
use super::family;
use super::resolve::first_success;
use super::stream::TcpStream;
use super::ttl::Ttl;
use crate::stack::Stack;
use core::task::{Context, Poll};
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tcp_core::{ListenerHandle, SocketOptions};
use tokio::net::ToSocketAddrs;

/// A listening socket on the stack: one listener on each of its shards, accepted from in
/// turn.
pub struct TcpListener {
    stack: Stack,
    /// The listener on each shard, in shard order.
    handles: Vec<ListenerHandle>,
    /// The shard whose accept queue is tried first next time, so that no shard's
    /// connections wait while another's keep arriving.
    next: AtomicUsize,
    /// IP_TTL, passed on to accepted connections (stored and reported; see `api::ttl`).
    ttl: Ttl,
    /// Bound to an IPv6 address (`[::]` or a mapped one): IPv4 connections are reported
    /// with IPv4-mapped addresses, and so is an IPv4 local address.
    v6: bool,
}

/// Backlog `TcpListener::bind` uses, as tokio does.
const DEFAULT_BACKLOG: u32 = 1024;

impl TcpListener {
    /// Listens on `addr` on the default stack ([`Stack::make_default`]; `NotFound` when
    /// none was made the default), as [`TcpListener::bind_on`] does.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        TcpListener::bind_on(&Stack::default_stack()?, addr).await
    }

    /// Listens on `addr` on `stack`: `0.0.0.0:port`, `[::]:port` or one of the stack's
    /// addresses with a port (`AddrNotAvailable` for another address); port 0 picks a free
    /// ephemeral port, which [`TcpListener::local_addr`] reports. As on Linux, `[::]` takes
    /// IPv4 connections too (IPV6_V6ONLY off), whose peers [`TcpListener::accept`] reports
    /// as `[::ffff:a.b.c.d]`, and `[::ffff:a.b.c.d]` listens on the IPv4 address. `addr`
    /// is resolved as tokio does, and each address tried in turn. Like tokio, sets
    /// SO_REUSEADDR so a restarted server can bind while old connections linger in
    /// TIME_WAIT; the backlog is 1024.
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
        let v6 = addr.is_ipv6();
        let (mut addr, _) = family::unmap(addr);
        family::check_local(stack, addr)?;
        let mut handles = Vec::with_capacity(stack.shards.len());
        for shard in stack.shards.iter() {
            let listened = shard.call(|state| {
                let handle = state
                    .endpoint
                    .listen(addr, backlog, options)
                    .map_err(to_io)?;
                let local = state.endpoint.listener_addr(handle).map_err(to_io)?;
                Ok((handle, local))
            });
            match listened {
                Ok((handle, local)) => {
                    handles.push(handle);
                    addr = local;
                }
                Err(error) => {
                    close_all(stack, &handles);
                    return Err(error);
                }
            }
        }
        Ok(TcpListener {
            stack: stack.clone(),
            handles,
            next: AtomicUsize::new(0),
            ttl: Ttl::new(stack.shards[0].ttl),
            v6,
        })
    }

    /// Waits for the next connection (FIFO) and returns it with the peer's address.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for the next connection; registers the task to be woken when one arrives.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let count = self.handles.len();
        let first = self.next.load(Ordering::Relaxed);
        for step in 0..count {
            let index = (first + step) % count;
            let shard = &self.stack.shards[index];
            let handle = self.handles[index];
            let accepted = shard.call(|state| match state.endpoint.accept(handle) {
                Ok(accepted) => {
                    Connection::track(state, accepted);
                    Poll::Ready(
                        state
                            .endpoint
                            .peer_addr(accepted)
                            .map(|peer| (accepted, family::report(peer, self.v6)))
                            .map_err(to_io),
                    )
                }
                Err(tcp_core::Error::WouldBlock) => {
                    state.accept_wakers.insert(handle, cx.waker().clone());
                    Poll::Pending
                }
                Err(error) => Poll::Ready(Err(to_io(error))),
            });
            if let Poll::Ready(accepted) = accepted {
                self.next.store(index + 1, Ordering::Relaxed);
                return Poll::Ready(accepted.map(|(accepted, peer)| {
                    let connection = Connection {
                        stack: self.stack.clone(),
                        shard: shard.clone(),
                        handle: accepted,
                        ttl: self.ttl.inherit(),
                        mapped: self.v6,
                    };
                    (TcpStream::from_connection(Arc::new(connection)), peer)
                }));
            }
        }
        Poll::Pending
    }

    /// The address the listener is bound to, with the port the stack picked when it was
    /// asked for port 0.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stack.shards[0]
            .inspect(|state| state.endpoint.listener_addr(self.handles[0]))
            .map(|addr| family::report(addr, self.v6))
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
        close_all(&self.stack, &self.handles);
    }
}

/// Closes the listener `handles[i]` on shard `i`, for each one given.
fn close_all(stack: &Stack, handles: &[ListenerHandle]) {
    for (shard, &handle) in stack.shards.iter().zip(handles) {
        let closed = shard.call(|state| {
            state.accept_wakers.remove(&handle);
            state.endpoint.close_listener(handle).map_err(to_io)
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
