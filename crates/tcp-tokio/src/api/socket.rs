//! `TcpSocket`: options before `listen` or `connect`, with `tokio::net::TcpSocket`'s
//! signatures (setters take `&self`).

use super::family;
use super::listener::TcpListener;
use super::stream::TcpStream;
use crate::stack::Stack;
use std::io;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tcp_core::{Keepalive, SocketOptions};

/// An unconnected socket whose options are set before it listens or connects.
#[derive(Debug)]
pub struct TcpSocket {
    stack: Stack,
    settings: Mutex<Settings>,
}

/// What a [`TcpSocket`] holds until `listen` or `connect`.
#[derive(Debug, Clone, Copy, Default)]
struct Settings {
    options: SocketOptions,
    local: Option<SocketAddr>,
    reuse_port: bool,
    tos: u8,
    /// An IPv6 socket (`new_v6`): binds and connects to IPv6 addresses, IPv4 ones only
    /// mapped.
    v6: bool,
}

/// The ECN bits of the TOS byte, which the stack sets per packet (RFC 3168).
const ECN_MASK: u32 = 0b11;

impl TcpSocket {
    /// A new IPv4 socket on the default stack ([`Stack::make_default`]; `NotFound` when
    /// none was made the default).
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new_v4_on(&Stack::default_stack()?)
    }

    /// A new IPv4 socket on `stack`.
    pub fn new_v4_on(stack: &Stack) -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            stack: stack.clone(),
            settings: Mutex::new(Settings::default()),
        })
    }

    /// A new IPv6 socket on the default stack ([`Stack::make_default`]; `NotFound` when
    /// none was made the default).
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new_v6_on(&Stack::default_stack()?)
    }

    /// A new IPv6 socket on `stack`. As a Linux socket with IPV6_V6ONLY off (tokio's
    /// default): listening on `[::]` it takes IPv4 connections too, and it reaches IPv4
    /// peers given as `[::ffff:a.b.c.d]`, reporting mapped addresses for them.
    pub fn new_v6_on(stack: &Stack) -> io::Result<TcpSocket> {
        let settings = Settings {
            v6: true,
            ..Settings::default()
        };
        Ok(TcpSocket {
            stack: stack.clone(),
            settings: Mutex::new(settings),
        })
    }

    /// The settings; a panic elsewhere while holding the lock leaves plain values behind,
    /// so a poisoned lock is used as it is.
    fn settings(&self) -> MutexGuard<'_, Settings> {
        self.settings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// SO_KEEPALIVE with the stack's keepalive timings (`Config::keepalive`: idle 7200 s,
    /// 75 s between probes, 9 probes by default).
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        let timings = self.stack.shards[0].inspect(|state| state.endpoint.config().keepalive);
        self.settings().options.keepalive = keepalive.then_some(timings);
        Ok(())
    }

    /// SO_KEEPALIVE with explicit timings; `InvalidInput` when any of them is zero.
    pub fn set_keepalive_params(&self, keepalive: Keepalive) -> io::Result<()> {
        self.settings().options.keepalive = Some(checked_keepalive(keepalive)?);
        Ok(())
    }

    /// Whether keepalive is on.
    pub fn keepalive(&self) -> io::Result<bool> {
        Ok(self.settings().options.keepalive.is_some())
    }

    /// SO_REUSEADDR: listen on a port that connections in TIME_WAIT still use.
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.settings().options.reuse_address = reuseaddr;
        Ok(())
    }

    /// Whether SO_REUSEADDR is on.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        Ok(self.settings().options.reuse_address)
    }

    /// SO_REUSEPORT, stored and reported only: the stack never shares a port between
    /// listeners, so with it on a second listener on a bound port still fails with
    /// `AddrInUse`.
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.settings().reuse_port = reuseport;
        Ok(())
    }

    /// Whether SO_REUSEPORT was set.
    pub fn reuseport(&self) -> io::Result<bool> {
        Ok(self.settings().reuse_port)
    }

    /// SO_SNDBUF: the send buffer a connection starts with, in bytes (at least 1, else
    /// `InvalidInput`); it may grow up to `Config::send_buffer.max`.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.settings().options.send_buffer = Some(positive_size(size)?);
        Ok(())
    }

    /// The send buffer a connection will start with: the size set, or the stack's default
    /// (`Config::send_buffer.initial`). Unlike Linux, not doubled.
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        let set = self.settings().options.send_buffer;
        let size = set.unwrap_or_else(|| {
            self.stack.shards[0].inspect(|s| s.endpoint.config().send_buffer.initial)
        });
        Ok(u32::try_from(size).unwrap_or(u32::MAX))
    }

    /// SO_RCVBUF: the receive buffer a connection starts with, in bytes (at least 1, else
    /// `InvalidInput`); it may grow up to `Config::recv_buffer.max`.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.settings().options.recv_buffer = Some(positive_size(size)?);
        Ok(())
    }

    /// The receive buffer a connection will start with: the size set, or the stack's
    /// default (`Config::recv_buffer.initial`). Unlike Linux, not doubled.
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        let set = self.settings().options.recv_buffer;
        let size = set.unwrap_or_else(|| {
            self.stack.shards[0].inspect(|s| s.endpoint.config().recv_buffer.initial)
        });
        Ok(u32::try_from(size).unwrap_or(u32::MAX))
    }

    /// TCP_NODELAY: `true` turns Nagle's algorithm off.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.settings().options.nodelay = nodelay;
        Ok(())
    }

    /// Whether Nagle's algorithm is off.
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(self.settings().options.nodelay)
    }

    /// TCP Fast Open (RFC 7413), off by default. Before [`TcpSocket::listen`] it is Linux's
    /// `TCP_FASTOPEN`: clients asking get a cookie, and a SYN with a valid cookie has its
    /// data read at once, its stream accepted before the handshake completes. Before
    /// [`TcpSocket::connect`] it is `TCP_FASTOPEN_CONNECT`: without a cookie from that server
    /// the SYN asks for one; with one, `connect` returns at once and the first write goes
    /// out on the SYN.
    pub fn set_fast_open(&self, fast_open: bool) -> io::Result<()> {
        self.settings().options.fast_open = fast_open;
        Ok(())
    }

    /// Whether Fast Open is on.
    pub fn fast_open(&self) -> io::Result<bool> {
        Ok(self.settings().options.fast_open)
    }

    /// SO_LINGER: `Some(Duration::ZERO)` makes dropping the stream reset it. Unlike the
    /// kernel's, a drop never blocks: with another duration the close goes on in the
    /// background.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.settings().options.linger = linger;
        Ok(())
    }

    /// `set_linger(Some(Duration::ZERO))`: dropping the stream resets the connection.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.set_linger(Some(Duration::ZERO))
    }

    /// The linger setting.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        Ok(self.settings().options.linger)
    }

    /// TCP_USER_TIMEOUT (RFC 5482): abort when sent data stays unacknowledged this long.
    pub fn set_user_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.settings().options.user_timeout = timeout;
        Ok(())
    }

    /// IP_TOS (0 to 255, else `InvalidInput`). As Linux does for TCP, the two ECN bits are
    /// left to the stack, so [`TcpSocket::tos`] returns the value without them. Stored and
    /// reported only: the network layer writes no DSCP, so packets carry 0 and the ECN
    /// bits.
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        if tos > 255 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("TOS {tos} is outside 0..=255"),
            ));
        }
        self.settings().tos = (tos & !ECN_MASK) as u8;
        Ok(())
    }

    /// The IP_TOS setting (0 until [`TcpSocket::set_tos`]).
    pub fn tos(&self) -> io::Result<u32> {
        Ok(u32::from(self.settings().tos))
    }

    /// [`TcpSocket::set_tos`], under the name tokio gives it for IPv4 sockets.
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        self.set_tos(tos)
    }

    /// [`TcpSocket::tos`], under the name tokio gives it for IPv4 sockets.
    pub fn tos_v4(&self) -> io::Result<u32> {
        self.tos()
    }

    /// SO_ERROR: always `None`, since an unconnected socket here never fails (`connect` and
    /// `listen` return their errors directly).
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        Ok(None)
    }

    /// Binds the local address used by `listen` or `connect`: one of the stack's
    /// addresses or the wildcard of the socket's family (an IPv6 socket may name an IPv4
    /// address mapped), else `AddrNotAvailable`; an address of the other family is
    /// `InvalidInput`. Port 0 leaves the port to `listen` or `connect`.
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        let mut settings = self.settings();
        check_family(settings.v6, addr)?;
        family::check_local(&self.stack, family::unmap(addr).0)?;
        settings.local = Some(addr);
        Ok(())
    }

    /// The bound address (port 0 when bound to port 0: the port is picked by `listen` or
    /// `connect`); `InvalidInput` when not bound.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.settings()
            .local
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "socket is not bound"))
    }

    /// Starts listening with an accept queue of `backlog` connections, on the bound address
    /// or, if unbound, on `0.0.0.0` (`[::]` for an IPv6 socket) and a port the stack picks
    /// (as the kernel does).
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let settings = *self.settings();
        let wildcard = if settings.v6 {
            SocketAddr::from(([0u16; 8], 0))
        } else {
            SocketAddr::from(([0, 0, 0, 0], 0))
        };
        let addr = settings.local.unwrap_or(wildcard);
        TcpListener::bind_with(&self.stack, addr, backlog, settings.options)
    }

    /// Connects to `addr` with this socket's options (and bound address, if any); an
    /// address of the other family is `InvalidInput`, as the kernel's EAFNOSUPPORT.
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        let settings = *self.settings();
        check_family(settings.v6, addr)?;
        TcpStream::connect_with(&self.stack, settings.local, addr, settings.options).await
    }
}

/// `InvalidInput` when `addr` is not of the socket's family (`v6` or IPv4).
fn check_family(v6: bool, addr: SocketAddr) -> io::Result<()> {
    if addr.is_ipv6() == v6 {
        return Ok(());
    }
    let (socket, given) = if v6 {
        ("IPv6", "IPv4")
    } else {
        ("IPv4", "IPv6")
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("an {socket} socket cannot use the {given} address {addr}"),
    ))
}

/// `size` as a buffer size; `InvalidInput` for 0.
fn positive_size(size: u32) -> io::Result<usize> {
    if size == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "buffer size must be positive",
        ));
    }
    Ok(size as usize)
}

/// `keepalive`, or `InvalidInput` when any timing is zero.
pub(crate) fn checked_keepalive(keepalive: Keepalive) -> io::Result<Keepalive> {
    if keepalive.probes == 0 || keepalive.idle.is_zero() || keepalive.interval.is_zero() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "keepalive timings must be non-zero",
        ));
    }
    Ok(keepalive)
}
