//! `TcpStream`: a connection with tokio's `AsyncRead`/`AsyncWrite`, shaped like
//! `tokio::net::TcpStream`.

use super::connection::Connection;
use super::error::to_io;
use super::family;
use super::info::TcpInfo;
use super::resolve::first_success;
use super::socket::checked_keepalive;
use super::split::{OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use super::ttl::Ttl;
use crate::stack::Stack;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tcp_core::{Keepalive, SocketOptions, State};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::ToSocketAddrs;

/// A TCP connection on the stack.
///
/// Reading returns 0 at the peer's FIN; `shutdown()` sends our FIN and keeps reading
/// (half-close). Dropping the stream closes it gracefully in the background; with
/// `set_linger(Some(Duration::ZERO))`, or with unread data, dropping resets it instead.
pub struct TcpStream {
    pub(crate) connection: Arc<Connection>,
}

impl TcpStream {
    pub(crate) fn from_connection(connection: Arc<Connection>) -> TcpStream {
        TcpStream { connection }
    }

    /// Opens a connection to `addr` on the default stack ([`Stack::make_default`];
    /// `NotFound` when none was made the default), as [`TcpStream::connect_on`] does.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        TcpStream::connect_on(&Stack::default_stack()?, addr).await
    }

    /// Opens a connection on `stack` to `addr` from the stack's address of `addr`'s
    /// family (for a link-local IPv6 peer, the link-local address) and an ephemeral port.
    /// An IPv4-mapped peer (`[::ffff:a.b.c.d]`) is reached over IPv4, and the stream then
    /// reports both addresses IPv4-mapped, as tokio does. `addr` is resolved as tokio does,
    /// and each address tried in turn until one connects. Errors (the last address's):
    /// `ConnectionRefused` (RST), `TimedOut` (no answer after the SYN retries),
    /// `NetworkUnreachable` when the stack has no address of that family, `InvalidInput`
    /// for an unusable address.
    pub async fn connect_on<A: ToSocketAddrs>(stack: &Stack, addr: A) -> io::Result<TcpStream> {
        first_success(addr, |addr| {
            TcpStream::connect_with(stack, None, addr, SocketOptions::default())
        })
        .await
    }

    pub(crate) async fn connect_with(
        stack: &Stack,
        local: Option<SocketAddr>,
        addr: SocketAddr,
        options: SocketOptions,
    ) -> io::Result<TcpStream> {
        let (addr, mapped) = family::unmap(addr);
        let local = match local.map(family::unmap) {
            Some((local, _)) if !local.ip().is_unspecified() => local,
            bound => {
                let port = bound.map_or(0, |(local, _)| local.port());
                SocketAddr::new(family::source_for(stack, addr.ip())?, port)
            }
        };
        let shard = match local.port() {
            0 => stack.home_shard(),
            port => stack.shard_for(port, addr.port()),
        };
        let handle = shard.call(|state| {
            let now = shard.now();
            let handle = state
                .endpoint
                .connect(now, local, addr, options)
                .map_err(to_io)?;
            Connection::track(state, handle);
            Ok(handle)
        })?;
        let connection = Arc::new(Connection {
            stack: stack.clone(),
            shard: shard.clone(),
            handle,
            ttl: Ttl::new(shard.ttl),
            mapped,
        });
        poll_fn(|cx| connection.poll_connected(cx)).await?;
        Ok(TcpStream { connection })
    }

    /// Our address of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.connection.local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.connection.peer_addr()
    }

    /// Turns Nagle's algorithm off (`true`) or on (TCP_NODELAY).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.connection.update_options(|o| o.nodelay = nodelay)
    }

    /// Whether Nagle's algorithm is off.
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(self.connection.options()?.nodelay)
    }

    /// SO_LINGER: `Some(Duration::ZERO)` makes dropping the stream send RST.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.connection.update_options(|o| o.linger = linger)
    }

    /// `set_linger(Some(Duration::ZERO))`: dropping the stream resets the connection.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.set_linger(Some(Duration::ZERO))
    }

    /// The linger setting.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        Ok(self.connection.options()?.linger)
    }

    /// The IP_TTL setting: the stack's TTL (64 by default), or the listener's for an
    /// accepted stream, until [`TcpStream::set_ttl`].
    pub fn ttl(&self) -> io::Result<u32> {
        Ok(self.connection.ttl.get())
    }

    /// Sets IP_TTL (1 to 255, else `InvalidInput`). The value is stored and reported by
    /// [`TcpStream::ttl`], not put on packets: the engine hands segments to the network layer
    /// without saying which connection they belong to, so every packet carries the stack's
    /// TTL (`NetConfig::ttl`).
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.connection.ttl.set(ttl)
    }

    /// SO_KEEPALIVE on the live connection, with the stack's keepalive timings
    /// (`Config::keepalive`); the idle time counts from now.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        let timings =
            self.connection.stack.shards[0].inspect(|state| state.endpoint.config().keepalive);
        self.connection
            .update_options(|o| o.keepalive = keepalive.then_some(timings))
    }

    /// SO_KEEPALIVE on the live connection with explicit timings (TCP_KEEPIDLE,
    /// TCP_KEEPINTVL, TCP_KEEPCNT); `InvalidInput` when any of them is zero.
    pub fn set_keepalive_params(&self, keepalive: Keepalive) -> io::Result<()> {
        let keepalive = checked_keepalive(keepalive)?;
        self.connection
            .update_options(|o| o.keepalive = Some(keepalive))
    }

    /// Whether keepalive is on.
    pub fn keepalive(&self) -> io::Result<bool> {
        Ok(self.connection.options()?.keepalive.is_some())
    }

    /// TCP_USER_TIMEOUT (RFC 5482) on the live connection: it fails with `TimedOut` when
    /// data it sent stays unacknowledged this long. `None` leaves it to the retry count.
    pub fn set_user_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.connection.update_options(|o| o.user_timeout = timeout)
    }

    /// The user timeout setting.
    pub fn user_timeout(&self) -> io::Result<Option<Duration>> {
        Ok(self.connection.options()?.user_timeout)
    }

    /// A snapshot of the connection's transmission state and counters, like `tcp_info`.
    pub fn info(&self) -> io::Result<TcpInfo> {
        self.connection.info()
    }

    /// The connection's TCP state (`ESTABLISHED`, `CLOSE_WAIT`, ...).
    pub fn state(&self) -> io::Result<State> {
        self.connection.state()
    }

    /// Resets the connection at once (RST), discarding queued data.
    pub fn abort(&self) -> io::Result<()> {
        self.connection.abort()
    }

    /// Borrowed read and write halves, usable from two tasks of one scope.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        (
            ReadHalf::new(&self.connection),
            WriteHalf::new(&self.connection),
        )
    }

    /// Owned halves for two tasks; dropping the write half shuts down the write side.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        (
            OwnedReadHalf::new(self.connection.clone()),
            OwnedWriteHalf::new(self.connection),
        )
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.connection.poll_read(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
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

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
