//! The calls that create, name, connect and end sockets: `bind`, `listen`, `connect`,
//! `accept`, `close`, `shutdown`.

use super::EngineSut;
use super::errno_map::errno;
use super::fd_table::{Kind, Socket};
use super::io::Blocked;
use crate::errno::Errno;
use crate::sut::{CallStatus, Fd, Shutdown, SysResult, SysValue};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use tcp_core::{Error, Instant, State};

impl EngineSut {
    /// The wildcard address of the stack's family (`0.0.0.0` or `::`).
    fn any_address(&self) -> IpAddr {
        match self.local_ip {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }

    /// `bind`: to the wildcard address or the stack's address; port 0 picks an ephemeral port. A port
    /// in use fails with `EADDRINUSE` unless both sockets set `SO_REUSEADDR` and the other
    /// is not listening (Linux's rule); connections on the port count as in use without
    /// `SO_REUSEADDR` (TIME_WAIT included).
    pub(super) fn bind(&mut self, fd: Fd, addr: SocketAddr) -> Result<(), Errno> {
        let socket = self.socket(fd)?;
        if socket.kind != (Kind::Unbound { bound: None }) {
            return Err(Errno::EINVAL);
        }
        if !addr.ip().is_unspecified() && addr.ip() != self.local_ip {
            return Err(Errno::EADDRNOTAVAIL);
        }
        let reuse = socket.options.reuse_address;
        let port = match addr.port() {
            0 => self.free_port().ok_or(Errno::EADDRINUSE)?,
            port if self.port_taken(port, reuse) => return Err(Errno::EADDRINUSE),
            port => port,
        };
        self.socket_mut(fd)?.kind = Kind::Unbound {
            bound: Some(SocketAddr::new(addr.ip(), port)),
        };
        Ok(())
    }

    fn port_taken(&self, port: u16, reuse: bool) -> bool {
        let socket_clash = self.fds.sockets().any(|other| {
            other.port() == Some(port)
                && !(reuse
                    && other.options.reuse_address
                    && !matches!(other.kind, Kind::Listener { .. }))
        });
        let connection_clash = !reuse
            && self
                .endpoint
                .sockets()
                .iter()
                .any(|s| s.local.port() == port);
        socket_clash || connection_clash
    }

    /// The first port of the engine's ephemeral range nothing uses.
    fn free_port(&self) -> Option<u16> {
        self.endpoint
            .config()
            .ephemeral_ports
            .clone()
            .find(|&port| !self.port_taken(port, false))
    }

    /// `listen`: a bound (or, as on Linux, automatically bound) socket becomes a listener
    /// with the options set so far. Listening again is allowed and changes nothing.
    pub(super) fn listen(&mut self, fd: Fd, backlog: i32) -> Result<(), Errno> {
        let socket = self.socket(fd)?;
        let bound = match socket.kind {
            Kind::Listener { .. } => return Ok(()),
            Kind::Conn { .. } => return Err(Errno::EINVAL),
            Kind::Epoll => return Err(Errno::ENOTSOCK),
            Kind::Unbound { bound } => bound,
        };
        let options = socket.options;
        let addr = match bound {
            Some(addr) => addr,
            None => SocketAddr::new(
                self.any_address(),
                self.free_port().ok_or(Errno::EADDRINUSE)?,
            ),
        };
        // A negative backlog is a huge unsigned one to Linux, capped like any other.
        let backlog = u32::try_from(backlog).unwrap_or(u32::MAX);
        let handle = self
            .endpoint
            .listen(addr, backlog, options)
            .map_err(errno)?;
        self.socket_mut(fd)?.kind = Kind::Listener { handle, addr };
        Ok(())
    }

    /// `connect`: opens the connection from the socket's port (or an ephemeral one), then
    /// waits for the handshake like any blocking call. On a socket already connecting it
    /// reports the outcome so far (`EALREADY` while the handshake runs). A broadcast or
    /// multicast peer is `ENETUNREACH`, as Linux's `tcp_v4_connect` says.
    pub(super) fn connect(&mut self, now: u64, fd: Fd, remote: SocketAddr) -> CallStatus {
        let socket = match self.socket(fd) {
            Ok(socket) => socket,
            Err(errno) => return CallStatus::Done(Err(errno)),
        };
        let bound = match socket.kind {
            Kind::Conn {
                connecting: true, ..
            } => return self.start(now, Blocked::Connect { fd, first: false }, false),
            Kind::Conn { .. } | Kind::Listener { .. } => {
                return CallStatus::Done(Err(Errno::EISCONN));
            }
            Kind::Epoll => return CallStatus::Done(Err(Errno::ENOTSOCK)),
            Kind::Unbound { bound } => bound,
        };
        let local = SocketAddr::new(self.local_ip, bound.map_or(0, |a| a.port()));
        let options = socket.options;
        let opened = self
            .endpoint
            .connect(Instant::from_micros(now), local, remote, options);
        match opened {
            Ok(handle) => {
                if let Ok(socket) = self.socket_mut(fd) {
                    socket.kind = Kind::Conn {
                        handle,
                        connecting: true,
                    };
                }
                self.start(now, Blocked::Connect { fd, first: true }, false)
            }
            // The engine refuses a broadcast or multicast peer; Linux's routing says so.
            Err(Error::InvalidInput)
                if remote.ip().is_multicast()
                    || matches!(remote.ip(), IpAddr::V4(v4) if v4.is_broadcast()) =>
            {
                CallStatus::Done(Err(Errno::ENETUNREACH))
            }
            Err(error) => CallStatus::Done(Err(errno(error))),
        }
    }

    /// The outcome of a connecting socket's handshake: `None` while it runs, then 0 or the
    /// error (reported once; later `ECONNABORTED`, as Linux says once `sk_err` is gone).
    pub(super) fn connect_outcome(&mut self, fd: Fd) -> Option<SysResult> {
        let socket = match self.fds.get_mut(fd) {
            Some(socket) => socket,
            None => return Some(Err(Errno::EBADF)),
        };
        let Kind::Conn { handle, .. } = socket.kind else {
            return Some(Err(Errno::ENOTCONN));
        };
        if let Ok(Some(error)) = self.endpoint.take_error(handle) {
            socket.kind = Kind::Conn {
                handle,
                connecting: false,
            };
            socket.error_reported = true;
            return Some(Err(errno(error)));
        }
        match self.endpoint.state(handle) {
            Ok(State::SynSent | State::SynReceived) => None,
            Ok(State::Closed) if socket.error_reported => {
                socket.kind = Kind::Conn {
                    handle,
                    connecting: false,
                };
                Some(Err(Errno::ECONNABORTED))
            }
            Ok(_) => {
                socket.kind = Kind::Conn {
                    handle,
                    connecting: false,
                };
                Some(Ok(SysValue::Int(0)))
            }
            Err(error) => Some(Err(errno(error))),
        }
    }

    /// `accept`: the oldest completed connection as a new fd that inherits the listener's
    /// options; `None` while the accept queue is empty.
    pub(super) fn accept_step(&mut self, now: u64, fd: Fd) -> Option<SysResult> {
        let Some(listener) = self.fds.get(fd) else {
            return Some(Err(Errno::EBADF));
        };
        let Kind::Listener { handle, .. } = listener.kind else {
            return Some(Err(Errno::EINVAL));
        };
        let conn = match self.endpoint.accept(handle) {
            Ok(conn) => conn,
            Err(Error::WouldBlock) => return None,
            Err(error) => return Some(Err(errno(error))),
        };
        let socket = Socket::accepted(listener, conn);
        if self.endpoint.options(conn) != Ok(socket.options) {
            let at = Instant::from_micros(now);
            if let Err(error) = self.endpoint.set_options(at, conn, socket.options) {
                return Some(Err(errno(error)));
            }
        }
        Some(Ok(SysValue::Int(i64::from(self.fds.insert(socket).0))))
    }

    /// `close`: a listener stops (its queued connections are reset); a connection is handed
    /// to the engine to finish (FIN, or RST with unread data or zero linger).
    pub(super) fn close(&mut self, now: u64, fd: Fd) -> Result<(), Errno> {
        let socket = self.fds.remove(fd).ok_or(Errno::EBADF)?;
        self.forget_in_epolls(fd);
        match socket.kind {
            Kind::Unbound { .. } | Kind::Epoll => Ok(()),
            Kind::Listener { handle, .. } => self.endpoint.close_listener(handle).map_err(errno),
            Kind::Conn { handle, .. } => self
                .endpoint
                .close(Instant::from_micros(now), handle)
                .map_err(errno),
        }
    }

    /// `shutdown`, as Linux's `inet_shutdown`: `ENOTCONN` unless connected; a connection in
    /// SYN_SENT is dropped; `SHUT_WR` sends FIN after the queued data; `SHUT_RD` makes reads
    /// return end-of-file once the buffered data is read; `SHUT_RD` on a listener stops it.
    pub(super) fn shutdown(&mut self, fd: Fd, how: Shutdown) -> Result<(), Errno> {
        let reads = matches!(how, Shutdown::Read | Shutdown::Both);
        let writes = matches!(how, Shutdown::Write | Shutdown::Both);
        let socket = self.socket(fd)?;
        match socket.kind {
            Kind::Unbound { .. } => Err(Errno::ENOTCONN),
            Kind::Epoll => Err(Errno::ENOTSOCK),
            Kind::Listener { .. } if !reads => Ok(()),
            Kind::Listener { handle, addr } => {
                self.endpoint.close_listener(handle).map_err(errno)?;
                self.socket_mut(fd)?.kind = Kind::Unbound { bound: Some(addr) };
                Ok(())
            }
            Kind::Conn { handle, .. } => match self.endpoint.state(handle).map_err(errno)? {
                State::Closed => Err(Errno::ENOTCONN),
                State::SynSent => {
                    self.socket_mut(fd)?.kind = Kind::Conn {
                        handle,
                        connecting: false,
                    };
                    self.endpoint.abort(handle).map_err(errno)
                }
                _ => {
                    self.socket_mut(fd)?.read_shut |= reads;
                    if writes {
                        self.endpoint.shutdown_write(handle).map_err(errno)?;
                    }
                    Ok(())
                }
            },
        }
    }
}
