//! The calls that may block, `accept`, `connect`, `read` and `write`, as steps that either
//! finish or say they would block; [`EngineSut::resume`] runs one step.

use super::EngineSut;
use super::errno_map::{errno, is_connection_failure};
use super::fd_table::Kind;
use crate::errno::Errno;
use crate::sut::{Fd, SysResult, SysValue};
use tcp_core::{Error, State};

/// A call that may have to wait, with its progress so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Blocked {
    /// `accept` on a listener with an empty accept queue.
    Accept(Fd),
    /// `connect` during the handshake; `first` for the call that started it.
    Connect {
        /// The socket.
        fd: Fd,
        /// This call opened the connection (else it asks about one already opening).
        first: bool,
    },
    /// `read` with nothing to read.
    Read {
        /// The socket.
        fd: Fd,
        /// Buffer size.
        len: usize,
        /// `MSG_PEEK`.
        peek: bool,
    },
    /// `epoll_wait` with nothing ready yet.
    EpollWait {
        /// The epoll fd.
        epfd: Fd,
        /// `maxevents`.
        max: usize,
        /// When it returns 0 (virtual microseconds); `None` waits for ever.
        deadline: Option<u64>,
    },
    /// `poll` with nothing ready yet.
    Poll {
        /// The sockets and the events asked for.
        fds: Vec<(Fd, u32)>,
        /// When it returns 0 (virtual microseconds); `None` waits for ever.
        deadline: Option<u64>,
    },
    /// `write` with a full send buffer, or before the handshake completed.
    Write {
        /// The socket.
        fd: Fd,
        /// All the bytes of the call.
        data: Vec<u8>,
        /// How many the engine has taken.
        written: usize,
    },
}

impl Blocked {
    /// The socket the call is on.
    pub(super) fn fd(&self) -> Fd {
        match self {
            Blocked::Accept(fd)
            | Blocked::Connect { fd, .. }
            | Blocked::Read { fd, .. }
            | Blocked::Write { fd, .. } => *fd,
            Blocked::Poll { fds, .. } => fds.first().map_or(Fd(-1), |(fd, _)| *fd),
            Blocked::EpollWait { epfd, .. } => *epfd,
        }
    }

    /// What the call returns on a non-blocking socket when it would block.
    pub(super) fn would_block(&self) -> SysResult {
        match self {
            Blocked::Connect { first: true, .. } => Err(Errno::EINPROGRESS),
            Blocked::Connect { first: false, .. } => Err(Errno::EALREADY),
            Blocked::Accept(_) | Blocked::Read { .. } | Blocked::Write { .. } => Err(Errno::EAGAIN),
            Blocked::Poll { fds, .. } => Ok(SysValue::Ready(vec![0; fds.len()])),
            Blocked::EpollWait { .. } => Ok(SysValue::Events(Vec::new())),
        }
    }
}

impl EngineSut {
    /// One attempt at `call`: its result, or `None` if it would still block.
    pub(super) fn resume(&mut self, now: u64, call: &mut Blocked) -> Option<SysResult> {
        match call {
            Blocked::Accept(fd) => self.accept_step(now, *fd),
            Blocked::Connect { fd, .. } => self.connect_outcome(*fd),
            Blocked::Read { fd, len, peek } => self.read_step(*fd, *len, *peek),
            Blocked::Write { fd, data, written } => self.write_step(*fd, data, written),
            Blocked::EpollWait {
                epfd,
                max,
                deadline,
            } => match self.epoll_ready(*epfd, *max) {
                Err(errno) => Some(Err(errno)),
                Ok(ready) => {
                    let expired = deadline.is_some_and(|deadline| now >= deadline);
                    (expired || !ready.is_empty()).then_some(Ok(SysValue::Events(ready)))
                }
            },
            Blocked::Poll { fds, deadline } => {
                let revents: Vec<u32> = fds
                    .iter()
                    .map(|&(fd, events)| self.revents(fd, events))
                    .collect();
                let expired = deadline.is_some_and(|deadline| now >= deadline);
                (expired || revents.iter().any(|&r| r != 0)).then_some(Ok(SysValue::Ready(revents)))
            }
        }
    }

    /// Reports a connection's failure, which the engine returns once (as Linux clears
    /// `sk_err` when it reports it), and notes it for a later `connect`.
    fn report_failure(&mut self, fd: Fd, error: Error) -> SysResult {
        if let Some(socket) = self.fds.get_mut(fd) {
            socket.error_reported = true;
        }
        Err(errno(error))
    }

    fn read_step(&mut self, fd: Fd, len: usize, peek: bool) -> Option<SysResult> {
        let Some(socket) = self.fds.get(fd) else {
            return Some(Err(Errno::EBADF));
        };
        let Kind::Conn { handle, .. } = socket.kind else {
            return Some(Err(Errno::ENOTCONN));
        };
        if socket.read_shut && self.endpoint.readable_bytes(handle) == Ok(0) {
            return Some(Ok(SysValue::Int(0)));
        }
        let mut buf = vec![0; len];
        let read = if peek {
            self.endpoint.peek(handle, &mut buf)
        } else {
            self.endpoint.read(handle, &mut buf)
        };
        match read {
            Ok(n) => Some(Ok(SysValue::Int(n as i64))),
            Err(Error::WouldBlock) => None,
            Err(error) if is_connection_failure(error) => Some(self.report_failure(fd, error)),
            Err(error) => Some(Err(errno(error))),
        }
    }

    /// Writes what fits; a blocking socket waits until every byte is taken, a non-blocking
    /// one returns the count taken (`EAGAIN` for none). Before the handshake completes the
    /// call waits, as Linux's does.
    fn write_step(&mut self, fd: Fd, data: &[u8], written: &mut usize) -> Option<SysResult> {
        let Some(socket) = self.fds.get(fd) else {
            return Some(Err(Errno::EBADF));
        };
        let nonblocking = socket.nonblocking;
        let Kind::Conn { handle, .. } = socket.kind else {
            return Some(Err(Errno::EPIPE));
        };
        if matches!(
            self.endpoint.state(handle),
            Ok(State::SynSent | State::SynReceived)
        ) {
            return None;
        }
        let done = |written: usize| Some(Ok(SysValue::Int(written as i64)));
        while *written < data.len() {
            match self.endpoint.write(handle, &data[*written..]) {
                Ok(n) => *written += n,
                Err(Error::WouldBlock) if nonblocking && *written > 0 => return done(*written),
                Err(Error::WouldBlock) => return None,
                Err(_) if *written > 0 => return done(*written),
                Err(error) if is_connection_failure(error) => {
                    return Some(self.report_failure(fd, error));
                }
                Err(error) => return Some(Err(errno(error))),
            }
        }
        done(*written)
    }
}
