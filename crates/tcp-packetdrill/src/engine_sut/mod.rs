//! The stack the `tcp-packetdrill` binary tests: tcp-core's [`Endpoint`] behind
//! [`StackUnderTest`].
//!
//! [`new_sut`] builds one endpoint per script, owning `config.local_ip`, configured for the
//! profile (`profile.rs`). Segments go in through `handle_segment`, timers through
//! `handle_timeout` (the runner's virtual microseconds are [`Instant::from_micros`]), and
//! after every input the endpoint's segments are drained, stamped with that input's time,
//! through `poll_transmit_batch`: the segments the engine batches come out as one
//! super-segment, as a TSO stack hands them to its device.
//!
//! Socket calls work on an fd table of unbound sockets, listeners and connections
//! (`fd_table.rs`): `socket`, `bind`, `listen`, `accept`, `connect` (`calls.rs`); `read`,
//! `write`, `close`, `shutdown` (`io.rs`); `setsockopt`/`getsockopt` (`sockopt.rs`);
//! `fcntl(O_NONBLOCK)`. A blocking socket's `accept`, `connect`, `read` and `write` answer
//! [`CallStatus::Blocked`] and are retried after every later input until they complete; a
//! non-blocking one answers `EAGAIN` (`EINPROGRESS` for `connect`). Engine errors become
//! Linux errnos (`errno_map.rs`), and a connection's failure is reported once, as Linux
//! reports `sk_err` once: then reads see end-of-file and writes `EPIPE`.
//!
//! Not modelled: `SO_LINGER` with a non-zero time does not make `close` block, and options
//! set on a listener after `listen` reach accepted connections only at `accept`.

mod calls;
mod epoll;
mod errno_map;
mod fd_table;
mod io;
mod profile;
mod readiness;
mod sockopt;
mod sysctl;

use crate::ast::Script;
use crate::config::{OptionError, Profile, RunConfig};
use crate::errno::Errno;
use crate::sut::{
    CallStatus, Fd, OptValue, Outbound, SocketCall, StackUnderTest, SysResult, SysValue,
};
use core::net::IpAddr;
use epoll::Epoll;
use fd_table::{FdTable, Socket};
use io::Blocked;
use std::collections::BTreeMap;
use tcp_core::{Endpoint, Instant};

/// The endpoint's secret: fixed, so that runs are reproducible.
const SECRET: [u8; 16] = *b"tcp-packetdrill!";

/// Room for any one segment or super-segment the endpoint writes: at most 64 KiB, as
/// Linux's `GSO_MAX_SIZE` bounds a TSO packet.
const SEGMENT_BUFFER: usize = 65_536;

/// Segments one super-segment may carry (Linux's `GSO_MAX_SEGS` is 65535; the buffer
/// bounds it first).
const MAX_BATCH_SEGMENTS: usize = 64;

/// A fresh stack under test for one script: an engine configured for `profile`, then for
/// the script's `--mtu` and sysctls (`sysctl.rs`), owning `config.local_ip`. A sysctl the
/// engine cannot honour is [`OptionError::Unsupported`].
pub fn new_sut(
    profile: Profile,
    _script: &Script,
    config: &RunConfig,
) -> Result<Box<dyn StackUnderTest>, OptionError> {
    let mut engine = profile::config_for(profile);
    if let Some(mtu) = config.mtu {
        engine.mtu = mtu;
    }
    for (name, value) in &config.sysctls {
        sysctl::apply(&mut engine, name, value)?;
    }
    Ok(Box::new(EngineSut::new(engine, config.local_ip)))
}

/// When a wait of `timeout_ms` started at `now` ends; `None` (for ever) when negative.
fn deadline(now: u64, timeout_ms: i64) -> Option<u64> {
    u64::try_from(timeout_ms)
        .ok()
        .map(|ms| now.saturating_add(ms.saturating_mul(1_000)))
}

/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as the IPv4 address it maps, as a
/// dual-stack socket uses it on the wire (packetdrill's `ipv4-mapped-ipv6`).
fn unmapped(addr: core::net::SocketAddr) -> core::net::SocketAddr {
    match addr {
        core::net::SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => core::net::SocketAddr::new(IpAddr::V4(v4), v6.port()),
            None => addr,
        },
        v4 => v4,
    }
}

/// tcp-core's endpoint with an fd table and at most one blocked call.
struct EngineSut {
    endpoint: Endpoint,
    local_ip: IpAddr,
    fds: FdTable,
    outbound: Vec<Outbound>,
    /// The call that answered `Blocked` and has not completed.
    blocked: Option<Blocked>,
    /// The blocked call's result, until `poll_blocked` takes it.
    finished: Option<SysResult>,
    /// The interest lists of the epoll fds.
    epolls: BTreeMap<Fd, Epoll>,
    scratch: Vec<u8>,
}

impl EngineSut {
    fn new(config: tcp_core::Config, local_ip: IpAddr) -> EngineSut {
        EngineSut {
            endpoint: Endpoint::new(config, SECRET),
            local_ip,
            fds: FdTable::default(),
            outbound: Vec::new(),
            blocked: None,
            finished: None,
            epolls: BTreeMap::new(),
            scratch: vec![0; SEGMENT_BUFFER],
        }
    }

    /// After any input: retry the blocked call, then collect what the endpoint sends and
    /// drop its events (calls are retried, so events are not needed).
    fn settle(&mut self, now: u64) {
        // Wakeups first: a blocked epoll_wait retried below must see this input's.
        self.sample_epolls();
        if let Some(mut blocked) = self.blocked.take() {
            match self.resume(now, &mut blocked) {
                Some(result) => self.finished = Some(result),
                None => self.blocked = Some(blocked),
            }
        }
        let at = Instant::from_micros(now);
        while let Some(transmit) =
            self.endpoint
                .poll_transmit_batch(at, &mut self.scratch, MAX_BATCH_SEGMENTS)
        {
            let mut segment = self.scratch[..transmit.len].to_vec();
            if transmit.segment_size.is_some() {
                // A partial checksum until segmentation: complete it over the whole, as a
                // device that hands the super-segment up unsplit would see it.
                tcp_wire::Segment::new_unchecked(&mut segment[..])
                    .fill_checksum(transmit.src, transmit.dst);
            }
            self.outbound.push(Outbound {
                time: now,
                src: transmit.src,
                dst: transmit.dst,
                segment,
                segment_size: transmit.segment_size,
            });
        }
        while self.endpoint.poll_event().is_some() {}
    }

    fn socket(&self, fd: Fd) -> Result<&Socket, Errno> {
        self.fds.get(fd).ok_or(Errno::EBADF)
    }

    fn socket_mut(&mut self, fd: Fd) -> Result<&mut Socket, Errno> {
        self.fds.get_mut(fd).ok_or(Errno::EBADF)
    }

    /// Runs `call`; `Blocked` when it must wait on a blocking socket.
    fn dispatch(&mut self, now: u64, call: &SocketCall) -> CallStatus {
        let done = |result: SysResult| CallStatus::Done(result);
        let int = |value: i64| Ok(SysValue::Int(value));
        match call {
            SocketCall::Socket => {
                let keepalive = self.endpoint.config().keepalive;
                done(int(i64::from(self.fds.insert(Socket::new(keepalive)).0)))
            }
            SocketCall::Bind { fd, addr } => {
                done(self.bind(*fd, unmapped(*addr)).and_then(|()| int(0)))
            }
            SocketCall::Listen { fd, backlog } => {
                done(self.listen(*fd, *backlog).and_then(|()| int(0)))
            }
            SocketCall::Connect { fd, addr } => self.connect(now, *fd, unmapped(*addr)),
            SocketCall::Accept { fd } => self.start(now, Blocked::Accept(*fd), false),
            SocketCall::Read {
                fd,
                len,
                peek,
                dont_wait,
            } => self.start(
                now,
                Blocked::Read {
                    fd: *fd,
                    len: *len,
                    peek: *peek,
                },
                *dont_wait,
            ),
            SocketCall::Write {
                fd,
                data,
                dont_wait,
            } => self.start(
                now,
                Blocked::Write {
                    fd: *fd,
                    data: data.clone(),
                    written: 0,
                },
                *dont_wait,
            ),
            SocketCall::QueueSize { fd, queue } => done(
                self.queue_bytes(*fd, *queue)
                    .map(|bytes| SysValue::Opt(OptValue::Int(bytes as i64))),
            ),
            SocketCall::EpollCreate => {
                let keepalive = self.endpoint.config().keepalive;
                let mut socket = Socket::new(keepalive);
                socket.kind = fd_table::Kind::Epoll;
                let fd = self.fds.insert(socket);
                self.epolls.insert(fd, Epoll::default());
                done(int(i64::from(fd.0)))
            }
            SocketCall::EpollCtl {
                epfd,
                op,
                fd,
                events,
                data,
            } => done(
                self.epoll_ctl(*epfd, *op, *fd, *events, *data)
                    .and_then(|()| int(0)),
            ),
            SocketCall::EpollWait {
                epfd,
                max,
                timeout_ms,
            } => {
                let call = Blocked::EpollWait {
                    epfd: *epfd,
                    max: *max,
                    deadline: deadline(now, *timeout_ms),
                };
                self.start_waiting(now, call)
            }
            SocketCall::Poll { fds, timeout_ms } => {
                let call = Blocked::Poll {
                    fds: fds.clone(),
                    deadline: deadline(now, *timeout_ms),
                };
                self.start_waiting(now, call)
            }
            SocketCall::Close { fd } => done(self.close(now, *fd).and_then(|()| int(0))),
            SocketCall::Shutdown { fd, how } => {
                done(self.shutdown(*fd, *how).and_then(|()| int(0)))
            }
            SocketCall::SetOption { fd, option, value } => done(
                self.set_option(now, *fd, *option, *value)
                    .and_then(|()| int(0)),
            ),
            SocketCall::GetOption { fd, option } => {
                done(self.get_option(*fd, *option).map(SysValue::Opt))
            }
            SocketCall::SetNonBlocking { fd, nonblocking } => {
                done(self.socket_mut(*fd).map(|socket| {
                    socket.nonblocking = *nonblocking;
                    SysValue::Int(0)
                }))
            }
            SocketCall::GetNonBlocking { fd } => done(
                self.socket(*fd)
                    .map(|socket| SysValue::Int(i64::from(socket.nonblocking))),
            ),
        }
    }

    /// Starts `poll` or `epoll_wait`: done at once when something is ready or the timeout
    /// is 0, else kept for [`EngineSut::settle`] until then or its deadline.
    fn start_waiting(&mut self, now: u64, call: Blocked) -> CallStatus {
        match self.resume(now, &mut call.clone()) {
            Some(result) => CallStatus::Done(result),
            None => {
                self.blocked = Some(call);
                CallStatus::Blocked
            }
        }
    }

    /// Tries a call that may block: done at once, `EAGAIN` on a non-blocking socket (or
    /// with `dont_wait`, `MSG_DONTWAIT`), or kept for [`EngineSut::settle`] to retry.
    fn start(&mut self, now: u64, mut call: Blocked, dont_wait: bool) -> CallStatus {
        if let Some(result) = self.resume(now, &mut call) {
            return CallStatus::Done(result);
        }
        match self.fds.get(call.fd()) {
            Some(socket) if !socket.nonblocking && !dont_wait => {
                self.blocked = Some(call);
                CallStatus::Blocked
            }
            _ => CallStatus::Done(call.would_block()),
        }
    }
}

impl StackUnderTest for EngineSut {
    fn inject(&mut self, now: u64, src: IpAddr, dst: IpAddr, segment: &[u8]) {
        let at = Instant::from_micros(now);
        self.endpoint.handle_segment(at, src, dst, segment);
        self.settle(now);
    }

    fn next_timer(&self) -> Option<u64> {
        let engine = self.endpoint.poll_timeout().map(Instant::as_micros);
        let poll = match &self.blocked {
            Some(Blocked::Poll { deadline, .. } | Blocked::EpollWait { deadline, .. }) => *deadline,
            _ => None,
        };
        engine.into_iter().chain(poll).min()
    }

    fn advance(&mut self, now: u64) {
        self.endpoint.handle_timeout(Instant::from_micros(now));
        self.settle(now);
    }

    fn take_outbound(&mut self) -> Vec<Outbound> {
        std::mem::take(&mut self.outbound)
    }

    fn syscall(&mut self, now: u64, call: &SocketCall) -> CallStatus {
        let status = self.dispatch(now, call);
        self.settle(now);
        status
    }

    fn poll_blocked(&mut self) -> Option<SysResult> {
        self.finished.take()
    }
}
