//! A deliberately small TCP endpoint behind [`StackUnderTest`], with switchable faults, so
//! the runner's own checks can be shown to catch a stack that misbehaves.
//!
//! It knows just enough TCP for the scripts in `executor.rs`: passive and active open,
//! data both ways (acknowledged at once), FIN, RST, timestamps, blocking and non-blocking
//! calls. Its ISN is fixed and far from the script's 0 so relative numbering is exercised.

mod wire;

use core::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::collections::{HashMap, VecDeque};
use tcp_packetdrill::Errno;
use tcp_packetdrill::sut::{
    CallStatus, Fd, OptValue, Outbound, SockOpt, SocketCall, StackUnderTest, SysResult, SysValue,
};
use tcp_wire::{Flags, Header, Segment, TcpOption};
use wire::{Out, build};

/// The mock's initial sequence number.
pub(crate) const MOCK_ISN: u32 = 0xdead_0000;
/// The mock's timestamp clock: TS val = now / 1000 + this.
pub(crate) const TS_BASE: u32 = 5_000;

/// Ways to make the mock misbehave.
#[derive(Debug, Default, Clone)]
pub(crate) struct Faults {
    /// The SYN-ACK acknowledges one byte too many.
    pub(crate) synack_ack_off_by_one: bool,
    /// The SYN-ACK leaves this many microseconds after the SYN.
    pub(crate) synack_delay: u64,
    /// `close` sends no FIN.
    pub(crate) silent_close: bool,
    /// A RST answering our SYN fails `connect` with this instead of ECONNREFUSED.
    pub(crate) refused_errno: Option<Errno>,
    /// SYN-ACK options as `mss,sackOK,nop,wscale` instead of Linux's
    /// `mss,nop,nop,sackOK,nop,wscale`.
    pub(crate) compact_synack_options: bool,
    /// Timestamps echo one more than the peer's TS val.
    pub(crate) wrong_ecr: bool,
}

#[derive(Debug)]
enum Sock {
    Fresh,
    Listener { queue: VecDeque<usize> },
    Conn(usize),
    Closed,
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    SynSent,
    SynReceived,
    Established,
    Closed,
}

#[derive(Debug)]
struct Conn {
    local: SocketAddrV4,
    remote: SocketAddrV4,
    snd_nxt: u32,
    rcv_nxt: u32,
    state: State,
    readable: usize,
    eof: bool,
    error: Option<Errno>,
    ts_recent: Option<u32>,
    listener: Option<i32>,
}

#[derive(Debug, Clone, Copy)]
enum Blocked {
    Accept(i32),
    Read(i32, usize),
    Connect(i32),
}

/// The mock stack. Public fields record what it saw, for assertions.
#[derive(Debug, Default)]
pub(crate) struct MockStack {
    pub(crate) faults: Faults,
    /// The sequence number of the first SYN it received.
    pub(crate) peer_isn: Option<u32>,
    /// Every TS ecr it received on a segment with ACK set.
    pub(crate) ecrs_seen: Vec<u32>,
    now: u64,
    sockets: HashMap<i32, Sock>,
    nonblocking: HashMap<i32, bool>,
    bound_ports: HashMap<i32, u16>,
    conns: Vec<Conn>,
    out: Vec<Outbound>,
    delayed: Vec<Outbound>,
    blocked: Option<Blocked>,
    done: Option<SysResult>,
}

impl MockStack {
    pub(crate) fn new(faults: Faults) -> MockStack {
        MockStack {
            faults,
            ..MockStack::default()
        }
    }

    fn ts_val(&self) -> u32 {
        (self.now / 1000) as u32 + TS_BASE
    }

    /// Sends from `conn` now (or after `delay`), advancing `snd_nxt` over SYN, FIN and data.
    fn send(&mut self, conn: usize, flags: Flags, payload_len: usize, delay: u64) {
        let ts = self.conns[conn].ts_recent.map(|recent| {
            let echo = if self.faults.wrong_ecr && !flags.syn() {
                recent + 1
            } else {
                recent
            };
            TcpOption::Timestamps {
                value: self.ts_val(),
                echo,
            }
        });
        let c = &self.conns[conn];
        let mut options = Vec::new();
        if flags.syn() {
            options.push(TcpOption::Mss(1460));
            match (ts, self.faults.compact_synack_options) {
                (Some(ts), _) => options.extend([TcpOption::SackPermitted, ts]),
                (None, true) => options.push(TcpOption::SackPermitted),
                (None, false) => options.extend([
                    TcpOption::NoOperation,
                    TcpOption::NoOperation,
                    TcpOption::SackPermitted,
                ]),
            }
            options.extend([TcpOption::NoOperation, TcpOption::WindowScale(8)]);
        } else if let Some(ts) = ts {
            options.extend([TcpOption::NoOperation, TcpOption::NoOperation, ts]);
        }
        let segment = build(
            &Out {
                local: c.local,
                remote: c.remote,
                seq: c.snd_nxt,
                ack: if flags.ack() { c.rcv_nxt } else { 0 },
                flags,
                options: &options,
                payload_len,
            },
            self.now + delay,
        );
        let advance = payload_len as u32 + u32::from(flags.syn()) + u32::from(flags.fin());
        self.conns[conn].snd_nxt = self.conns[conn].snd_nxt.wrapping_add(advance);
        if delay == 0 {
            self.out.push(segment);
        } else {
            self.delayed.push(segment);
        }
    }

    fn listener_on(&self, port: u16) -> Option<i32> {
        self.sockets.iter().find_map(|(fd, sock)| match sock {
            Sock::Listener { .. } if self.bound_ports.get(fd) == Some(&port) => Some(*fd),
            _ => None,
        })
    }

    fn conn_for(&self, src: SocketAddrV4, dst: SocketAddrV4) -> Option<usize> {
        self.conns
            .iter()
            .position(|c| c.remote == src && c.local == dst && c.state != State::Closed)
    }

    /// Finishes the blocked call if it can now return.
    fn unblock(&mut self) {
        let Some(blocked) = self.blocked else {
            return;
        };
        let result = match blocked {
            Blocked::Accept(fd) => self.try_accept(fd),
            Blocked::Read(fd, len) => self.try_read(fd, len),
            Blocked::Connect(fd) => self.try_connect(fd),
        };
        if let Some(result) = result {
            self.blocked = None;
            self.done = Some(result);
        }
    }

    fn try_accept(&mut self, fd: i32) -> Option<SysResult> {
        let Some(Sock::Listener { queue }) = self.sockets.get_mut(&fd) else {
            return Some(Err(Errno::EINVAL));
        };
        let conn = queue.pop_front()?;
        let new_fd = self.next_fd();
        self.sockets.insert(new_fd, Sock::Conn(conn));
        Some(Ok(SysValue::Int(i64::from(new_fd))))
    }

    fn try_read(&mut self, fd: i32, len: usize) -> Option<SysResult> {
        let Some(Sock::Conn(conn)) = self.sockets.get(&fd) else {
            return Some(Err(Errno::EBADF));
        };
        let c = &mut self.conns[*conn];
        if let Some(error) = c.error.take() {
            return Some(Err(error));
        }
        if c.readable > 0 {
            let n = c.readable.min(len);
            c.readable -= n;
            return Some(Ok(SysValue::Int(n as i64)));
        }
        c.eof.then_some(Ok(SysValue::Int(0)))
    }

    fn try_connect(&mut self, fd: i32) -> Option<SysResult> {
        let Some(Sock::Conn(conn)) = self.sockets.get(&fd) else {
            return Some(Err(Errno::EBADF));
        };
        let c = &mut self.conns[*conn];
        if let Some(error) = c.error.take() {
            return Some(Err(error));
        }
        (c.state == State::Established).then_some(Ok(SysValue::Int(0)))
    }

    fn next_fd(&self) -> i32 {
        (3..).find(|fd| !self.sockets.contains_key(fd)).unwrap_or(3)
    }

    /// Runs a call that may block: returns at once, fails with `EAGAIN` on a non-blocking
    /// socket, or blocks.
    fn maybe_block(
        &mut self,
        fd: i32,
        blocked: Blocked,
        attempt: Option<SysResult>,
        would_block: Errno,
    ) -> CallStatus {
        match attempt {
            Some(result) => CallStatus::Done(result),
            None if self.nonblocking.get(&fd).copied().unwrap_or(false) => {
                CallStatus::Done(Err(would_block))
            }
            None => {
                self.blocked = Some(blocked);
                CallStatus::Blocked
            }
        }
    }

    fn handle(&mut self, src: SocketAddrV4, dst: SocketAddrV4, segment: &[u8]) {
        let view = Segment::new_checked(segment).expect("runner sent a malformed segment");
        let header = Header::parse(&view).expect("runner sent malformed options");
        let flags = header.flags;
        let len = view.payload().len() as u32;
        if let Some(ts) = header.options.timestamps
            && flags.ack()
        {
            self.ecrs_seen.push(ts.echo);
        }
        let Some(conn) = self.conn_for(src, dst) else {
            if flags.syn() && !flags.ack() {
                self.peer_isn.get_or_insert(header.seq.0);
                if let Some(listener) = self.listener_on(dst.port()) {
                    self.conns.push(Conn {
                        local: dst,
                        remote: src,
                        snd_nxt: MOCK_ISN,
                        rcv_nxt: header.seq.0.wrapping_add(1),
                        state: State::SynReceived,
                        readable: 0,
                        eof: false,
                        error: None,
                        ts_recent: header.options.timestamps.map(|ts| ts.value),
                        listener: Some(listener),
                    });
                    let conn = self.conns.len() - 1;
                    let delay = self.faults.synack_delay;
                    if self.faults.synack_ack_off_by_one {
                        self.conns[conn].rcv_nxt += 1;
                    }
                    self.send(conn, Flags::SYN | Flags::ACK, 0, delay);
                    if self.faults.synack_ack_off_by_one {
                        self.conns[conn].rcv_nxt -= 1;
                    }
                }
            }
            return;
        };
        if let Some(ts) = header.options.timestamps {
            self.conns[conn].ts_recent = Some(ts.value);
        }
        if flags.rst() {
            let c = &mut self.conns[conn];
            c.error = Some(if c.state == State::SynSent {
                self.faults.refused_errno.unwrap_or(Errno::ECONNREFUSED)
            } else {
                Errno::ECONNRESET
            });
            c.state = State::Closed;
            return;
        }
        match self.conns[conn].state {
            State::SynSent if flags.syn() && flags.ack() => {
                let c = &mut self.conns[conn];
                c.rcv_nxt = header.seq.0.wrapping_add(1);
                c.state = State::Established;
                self.send(conn, Flags::ACK, 0, 0);
            }
            State::SynReceived if flags.ack() => {
                self.conns[conn].state = State::Established;
                if let Some(listener) = self.conns[conn].listener
                    && let Some(Sock::Listener { queue }) = self.sockets.get_mut(&listener)
                {
                    queue.push_back(conn);
                }
            }
            State::Established if len > 0 || flags.fin() => {
                let c = &mut self.conns[conn];
                c.rcv_nxt = c.rcv_nxt.wrapping_add(len + u32::from(flags.fin()));
                c.readable += len as usize;
                c.eof |= flags.fin();
                self.send(conn, Flags::ACK, 0, 0);
            }
            _ => {}
        }
    }
}

impl StackUnderTest for MockStack {
    fn inject(&mut self, now: u64, src: IpAddr, dst: IpAddr, segment: &[u8]) {
        self.now = now;
        let view = Segment::new_checked(segment).expect("runner sent a malformed segment");
        assert!(view.verify_checksum(src, dst), "runner sent a bad checksum");
        let (IpAddr::V4(src), IpAddr::V4(dst)) = (src, dst) else {
            panic!("the mock speaks IPv4 only");
        };
        let src = SocketAddrV4::new(src, view.src_port());
        let dst = SocketAddrV4::new(dst, view.dst_port());
        self.handle(src, dst, segment);
        self.unblock();
    }

    fn next_timer(&self) -> Option<u64> {
        self.delayed.iter().map(|s| s.time).min()
    }

    fn advance(&mut self, now: u64) {
        assert!(
            now >= self.now,
            "time went backwards: {} -> {now}",
            self.now
        );
        self.now = now;
        let (due, later): (Vec<Outbound>, Vec<Outbound>) =
            self.delayed.drain(..).partition(|s| s.time <= now);
        self.delayed = later;
        self.out.extend(due);
    }

    fn take_outbound(&mut self) -> Vec<Outbound> {
        std::mem::take(&mut self.out)
    }

    fn syscall(&mut self, now: u64, call: &SocketCall) -> CallStatus {
        assert!(now >= self.now, "time went backwards");
        self.now = now;
        assert!(
            self.blocked.is_none(),
            "a call started while one was blocked"
        );
        let ok = |value: i64| CallStatus::Done(Ok(SysValue::Int(value)));
        match *call {
            SocketCall::Socket => {
                let fd = self.next_fd();
                self.sockets.insert(fd, Sock::Fresh);
                ok(i64::from(fd))
            }
            SocketCall::Bind { fd: Fd(fd), addr } => {
                self.sockets.insert(fd, Sock::Fresh);
                self.bound_ports.insert(fd, addr.port());
                ok(0)
            }
            SocketCall::Listen { fd: Fd(fd), .. } => {
                self.sockets.insert(
                    fd,
                    Sock::Listener {
                        queue: VecDeque::new(),
                    },
                );
                ok(0)
            }
            SocketCall::Accept { fd: Fd(fd) } => {
                let attempt = self.try_accept(fd);
                self.maybe_block(fd, Blocked::Accept(fd), attempt, Errno::EAGAIN)
            }
            SocketCall::Connect { fd: Fd(fd), addr } => {
                let local = SocketAddrV4::new(Ipv4Addr::new(192, 168, 0, 1), 50_000);
                self.conns.push(Conn {
                    local,
                    remote: match addr {
                        SocketAddr::V4(v4) => v4,
                        SocketAddr::V6(_) => panic!("the mock speaks IPv4 only"),
                    },
                    snd_nxt: MOCK_ISN,
                    rcv_nxt: 0,
                    state: State::SynSent,
                    readable: 0,
                    eof: false,
                    error: None,
                    ts_recent: Some(0),
                    listener: None,
                });
                let conn = self.conns.len() - 1;
                self.sockets.insert(fd, Sock::Conn(conn));
                self.send(conn, Flags::SYN, 0, 0);
                self.maybe_block(fd, Blocked::Connect(fd), None, Errno::EINPROGRESS)
            }
            SocketCall::Read {
                fd: Fd(fd), len, ..
            } => {
                let attempt = self.try_read(fd, len);
                self.maybe_block(fd, Blocked::Read(fd, len), attempt, Errno::EAGAIN)
            }
            SocketCall::Write {
                fd: Fd(fd),
                ref data,
                ..
            } => match self.sockets.get(&fd) {
                Some(Sock::Conn(conn)) => {
                    let conn = *conn;
                    if let Some(error) = self.conns[conn].error.take() {
                        return CallStatus::Done(Err(error));
                    }
                    self.send(conn, Flags::PSH | Flags::ACK, data.len(), 0);
                    ok(data.len() as i64)
                }
                _ => CallStatus::Done(Err(Errno::EBADF)),
            },
            SocketCall::Close { fd: Fd(fd) } => match self.sockets.insert(fd, Sock::Closed) {
                Some(Sock::Conn(conn)) => {
                    if !self.faults.silent_close {
                        self.send(conn, Flags::FIN | Flags::ACK, 0, 0);
                    }
                    ok(0)
                }
                Some(Sock::Closed) | None => {
                    self.sockets.remove(&fd);
                    CallStatus::Done(Err(Errno::EBADF))
                }
                Some(_) => ok(0),
            },
            SocketCall::SetNonBlocking {
                fd: Fd(fd),
                nonblocking,
            } => {
                self.nonblocking.insert(fd, nonblocking);
                ok(0)
            }
            SocketCall::GetNonBlocking { fd: Fd(fd) } => ok(i64::from(
                self.nonblocking.get(&fd).copied().unwrap_or(false),
            )),
            SocketCall::SetOption { .. } => ok(0),
            SocketCall::GetOption {
                fd: Fd(fd),
                option: SockOpt::Error,
            } => {
                let error = match self.sockets.get(&fd) {
                    Some(Sock::Conn(conn)) => self.conns[*conn].error.take(),
                    _ => None,
                };
                let number = error.map_or(0, |e| i64::from(e.number()));
                CallStatus::Done(Ok(SysValue::Opt(OptValue::Int(number))))
            }
            SocketCall::GetOption { .. } => CallStatus::Done(Ok(SysValue::Opt(OptValue::Int(0)))),
            SocketCall::Shutdown { .. } => ok(0),
            SocketCall::QueueSize { .. }
            | SocketCall::Poll { .. }
            | SocketCall::EpollCreate
            | SocketCall::EpollCtl { .. }
            | SocketCall::EpollWait { .. } => CallStatus::Done(Err(Errno::EOPNOTSUPP)),
        }
    }

    fn poll_blocked(&mut self) -> Option<SysResult> {
        self.done.take()
    }
}
