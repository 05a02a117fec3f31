//! The sockets of the stack under test, numbered like a process's fds (lowest free number
//! from 3), each an unbound socket, a listener or a connection of the engine.

use crate::sut::Fd;
use core::net::SocketAddr;
use std::collections::BTreeMap;
use tcp_core::{ConnectionHandle, Keepalive, ListenerHandle, SocketOptions};

/// The first fd handed out (0, 1 and 2 are the standard streams).
const FIRST_FD: i32 = 3;

/// What a socket is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Not listening or connected; maybe bound.
    Unbound {
        /// The address `bind` gave it.
        bound: Option<SocketAddr>,
    },
    /// A listener of the engine.
    Listener {
        /// The engine's listener.
        handle: ListenerHandle,
        /// Its address.
        addr: SocketAddr,
    },
    /// An epoll instance (its interest list is the stack's `epolls`).
    Epoll,
    /// A connection of the engine, opened by `connect` or taken by `accept`.
    Conn {
        /// The engine's connection.
        handle: ConnectionHandle,
        /// `connect` has not yet reported the handshake's outcome.
        connecting: bool,
    },
}

/// One socket and the state that lives above the engine.
#[derive(Debug, Clone)]
pub(super) struct Socket {
    pub(super) kind: Kind,
    /// `O_NONBLOCK`.
    pub(super) nonblocking: bool,
    /// The options it was given; for a connection, the ones last passed to the engine.
    pub(super) options: SocketOptions,
    /// `SO_KEEPALIVE`: `options.keepalive` is `Some(keepalive)` exactly when this is set.
    pub(super) keepalive_on: bool,
    /// `TCP_KEEPIDLE`/`TCP_KEEPINTVL`/`TCP_KEEPCNT`, kept while keepalive is off.
    pub(super) keepalive: Keepalive,
    /// The connection's failure was reported once (by a call or `SO_ERROR`), as Linux
    /// clears `sk_err` when it reports it.
    pub(super) error_reported: bool,
    /// `shutdown(SHUT_RD)`: reads return end-of-file once the buffered data is read.
    pub(super) read_shut: bool,
    /// `TCP_NOTSENT_LOWAT`, bytes; `None` (set to 0, or never set) for no limit.
    pub(super) notsent_lowat: Option<u32>,
    /// `TCP_INQ`.
    pub(super) inq: bool,
    /// `SO_ZEROCOPY`.
    pub(super) zerocopy: bool,
}

impl Socket {
    /// A fresh socket with the engine's default options.
    pub(super) fn new(keepalive: Keepalive) -> Socket {
        Socket {
            kind: Kind::Unbound { bound: None },
            nonblocking: false,
            options: SocketOptions::default(),
            keepalive_on: false,
            keepalive,
            error_reported: false,
            read_shut: false,
            notsent_lowat: None,
            inq: false,
            zerocopy: false,
        }
    }

    /// A socket for a connection `accept` took from the listener socket `listener`: it
    /// inherits the listener's options, as on Linux, and is blocking.
    pub(super) fn accepted(listener: &Socket, handle: ConnectionHandle) -> Socket {
        Socket {
            kind: Kind::Conn {
                handle,
                connecting: false,
            },
            nonblocking: false,
            error_reported: false,
            read_shut: false,
            ..listener.clone()
        }
    }

    /// The local port this socket holds, if any.
    pub(super) fn port(&self) -> Option<u16> {
        match self.kind {
            Kind::Unbound { bound } => bound.map(|addr| addr.port()),
            Kind::Listener { addr, .. } => Some(addr.port()),
            Kind::Conn { .. } | Kind::Epoll => None,
        }
    }
}

/// Every open socket by fd.
#[derive(Debug, Default)]
pub(super) struct FdTable {
    sockets: BTreeMap<i32, Socket>,
}

impl FdTable {
    /// Adds `socket` under the lowest free fd.
    pub(super) fn insert(&mut self, socket: Socket) -> Fd {
        let mut fd = FIRST_FD;
        for &used in self.sockets.keys() {
            if used != fd {
                break;
            }
            fd += 1;
        }
        self.sockets.insert(fd, socket);
        Fd(fd)
    }

    /// The socket `fd` names.
    pub(super) fn get(&self, fd: Fd) -> Option<&Socket> {
        self.sockets.get(&fd.0)
    }

    /// The socket `fd` names, to change.
    pub(super) fn get_mut(&mut self, fd: Fd) -> Option<&mut Socket> {
        self.sockets.get_mut(&fd.0)
    }

    /// Removes `fd`.
    pub(super) fn remove(&mut self, fd: Fd) -> Option<Socket> {
        self.sockets.remove(&fd.0)
    }

    /// Every socket.
    pub(super) fn sockets(&self) -> impl Iterator<Item = &Socket> {
        self.sockets.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fds_are_the_lowest_free_numbers() {
        let mut table = FdTable::default();
        let socket = Socket::new(Keepalive::default());
        assert_eq!(table.insert(socket.clone()), Fd(3));
        assert_eq!(table.insert(socket.clone()), Fd(4));
        assert_eq!(table.insert(socket.clone()), Fd(5));
        assert!(table.remove(Fd(4)).is_some());
        assert_eq!(table.insert(socket.clone()), Fd(4));
        assert_eq!(table.insert(socket), Fd(6));
        assert!(table.get(Fd(-1)).is_none());
    }
}
