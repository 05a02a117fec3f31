//! The interface between the script executor and the stack being tested.
//!
//! The executor owns virtual time. It drives a [`StackUnderTest`] only through the calls
//! below, with `now` in microseconds since the script's time 0 and never decreasing from one
//! call to the next. The stack reports everything it sends through
//! [`StackUnderTest::take_outbound`], each segment stamped with the `now` of the call that
//! made it, so the executor can check both what was sent and when.

use crate::errno::Errno;
use core::net::{IpAddr, SocketAddr};

/// A socket handle as the stack under test numbers them (the executor maps the script's fd
/// numbers onto these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fd(pub i32);

/// One socket operation, already checked and translated from the script's C-like call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketCall {
    /// `socket(AF_INET or AF_INET6, SOCK_STREAM, IPPROTO_TCP)`; returns the new fd.
    Socket,
    /// `bind`: the local address (`0.0.0.0` or `::` for any).
    Bind {
        /// The socket.
        fd: Fd,
        /// Local address and port.
        addr: SocketAddr,
    },
    /// `listen` with the script's backlog.
    Listen {
        /// The socket.
        fd: Fd,
        /// Backlog as given.
        backlog: i32,
    },
    /// `accept`; returns the new connection's fd.
    Accept {
        /// The listening socket.
        fd: Fd,
    },
    /// `connect` to the remote address.
    Connect {
        /// The socket.
        fd: Fd,
        /// Remote address and port.
        addr: SocketAddr,
    },
    /// `read`, `recv`, `recvfrom` or `recvmsg`: up to `len` bytes; returns the count, 0 at
    /// end of file.
    Read {
        /// The socket.
        fd: Fd,
        /// Buffer size.
        len: usize,
        /// `MSG_PEEK`: the bytes stay queued for the next read.
        peek: bool,
        /// `MSG_DONTWAIT`: this call does not block, whatever the socket's `O_NONBLOCK`.
        dont_wait: bool,
    },
    /// `write`, `send`, `sendto` or `sendmsg`; returns the count accepted.
    Write {
        /// The socket.
        fd: Fd,
        /// The bytes (zeros, as packetdrill writes them).
        data: Vec<u8>,
        /// `MSG_DONTWAIT`: this call does not block, whatever the socket's `O_NONBLOCK`.
        dont_wait: bool,
    },
    /// `ioctl(fd, SIOCINQ | SIOCOUTQ | SIOCOUTQNSD, [N])`; returns
    /// [`SysValue::Opt`] with the byte count.
    QueueSize {
        /// The socket.
        fd: Fd,
        /// Which queue.
        queue: Queue,
    },
    /// `epoll_create`; returns the new epoll fd.
    EpollCreate,
    /// `epoll_ctl`.
    EpollCtl {
        /// The epoll fd.
        epfd: Fd,
        /// Add, modify or delete.
        op: EpollOp,
        /// The socket watched.
        fd: Fd,
        /// `EPOLLIN`, `EPOLLOUT`..., with `EPOLLET` and `EPOLLONESHOT`.
        events: u32,
        /// The `data` reported with its events (the script's `fd=` or `ptr=`).
        data: u64,
    },
    /// `epoll_wait`; returns [`SysValue::Events`].
    EpollWait {
        /// The epoll fd.
        epfd: Fd,
        /// `maxevents`.
        max: usize,
        /// Milliseconds to wait for an event; negative waits for ever.
        timeout_ms: i64,
    },
    /// `poll`; returns [`SysValue::Ready`] with each fd's `revents` (Linux bits).
    Poll {
        /// The sockets and the events (`POLLIN`, `POLLOUT`...) asked for on each.
        fds: Vec<(Fd, u32)>,
        /// Milliseconds to wait for one to be ready; negative waits for ever.
        timeout_ms: i64,
    },
    /// `close`.
    Close {
        /// The socket.
        fd: Fd,
    },
    /// `shutdown`.
    Shutdown {
        /// The socket.
        fd: Fd,
        /// Which direction.
        how: Shutdown,
    },
    /// `setsockopt`.
    SetOption {
        /// The socket.
        fd: Fd,
        /// Which option.
        option: SockOpt,
        /// The new value.
        value: OptValue,
    },
    /// `getsockopt`; returns [`SysValue::Opt`].
    GetOption {
        /// The socket.
        fd: Fd,
        /// Which option.
        option: SockOpt,
    },
    /// `fcntl(fd, F_SETFL, flags)`: only `O_NONBLOCK` matters to a socket.
    SetNonBlocking {
        /// The socket.
        fd: Fd,
        /// Whether calls on it return `EAGAIN`/`EINPROGRESS` instead of blocking.
        nonblocking: bool,
    },
    /// `fcntl(fd, F_GETFL)`; returns 1 if the socket is non-blocking, else 0 (the executor
    /// turns that into `O_RDWR` or `O_RDWR|O_NONBLOCK`).
    GetNonBlocking {
        /// The socket.
        fd: Fd,
    },
}

/// `epoll_ctl`'s operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpollOp {
    /// `EPOLL_CTL_ADD`.
    Add,
    /// `EPOLL_CTL_MOD`.
    Modify,
    /// `EPOLL_CTL_DEL`.
    Delete,
}

/// The queue `ioctl` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// `SIOCINQ` (`FIONREAD`): bytes ready to read.
    Receive,
    /// `SIOCOUTQ` (`TIOCOUTQ`): bytes written and not yet acknowledged.
    Send,
    /// `SIOCOUTQNSD`: bytes written and not yet sent.
    Unsent,
}

/// `shutdown`'s `how`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// `SHUT_RD`.
    Read,
    /// `SHUT_WR`: send FIN after the queued data.
    Write,
    /// `SHUT_RDWR`.
    Both,
}

/// The socket options scripts may set or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SockOpt {
    /// `SO_REUSEADDR` (int, boolean).
    ReuseAddr,
    /// `SO_KEEPALIVE` (int, boolean).
    KeepAlive,
    /// `SO_RCVBUF` (int, bytes).
    RcvBuf,
    /// `SO_SNDBUF` (int, bytes).
    SndBuf,
    /// `SO_LINGER` ([`OptValue::Linger`]).
    Linger,
    /// `SO_ERROR` (get only: the pending error's Linux errno number, 0 for none; reading
    /// clears it).
    Error,
    /// `TCP_NODELAY` (int, boolean).
    NoDelay,
    /// `TCP_MAXSEG` (int, bytes).
    MaxSeg,
    /// `TCP_USER_TIMEOUT` (int, milliseconds).
    UserTimeout,
    /// `TCP_LINGER2` (int, seconds of FIN_WAIT_2 for orphans).
    Linger2,
    /// `TCP_KEEPIDLE` (int, seconds).
    KeepIdle,
    /// `TCP_KEEPINTVL` (int, seconds).
    KeepIntvl,
    /// `TCP_KEEPCNT` (int, probes).
    KeepCnt,
    /// `TCP_NOTSENT_LOWAT` (int, bytes): a socket is writable (`POLLOUT`) only while less
    /// than this much written data is unsent.
    NotSentLowat,
    /// `TCP_INQ` (int, boolean): `recvmsg` reports the bytes left to read (kept and read
    /// back; the control message itself is not produced).
    Inq,
    /// `SO_ZEROCOPY` (int, boolean): allows `MSG_ZEROCOPY` sends (which are not supported).
    ZeroCopy,
    /// `TCP_INFO` (get only: [`OptValue::Info`]).
    Info,
}

/// A socket option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptValue {
    /// Every option but `SO_LINGER` and `TCP_INFO`.
    Int(i64),
    /// `TCP_INFO`'s `struct tcp_info`, the fields scripts read.
    Info(TcpInfo),
    /// `SO_LINGER`'s `struct linger`.
    Linger {
        /// `l_onoff`.
        on: bool,
        /// `l_linger`, seconds.
        seconds: i32,
    },
}

/// The fields of Linux's `struct tcp_info` that scripts read, in Linux's units
/// (microseconds for times, segments for counts, bytes for sizes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpInfo {
    /// `tcpi_state`: Linux's state number (`TCP_ESTABLISHED` is 1, `TCP_LISTEN` 10).
    pub state: u8,
    /// `tcpi_options`: `TCPI_OPT_TIMESTAMPS` 1, `_SACK` 2, `_WSCALE` 4, `_ECN` 8.
    pub options: u8,
    /// `tcpi_snd_wscale`.
    pub snd_wscale: u8,
    /// `tcpi_rcv_wscale`.
    pub rcv_wscale: u8,
    /// `tcpi_rto`.
    pub rto: u32,
    /// `tcpi_snd_mss`.
    pub snd_mss: u32,
    /// `tcpi_unacked`: segments sent and not acknowledged.
    pub unacked: u32,
    /// `tcpi_sacked`: segments selectively acknowledged.
    pub sacked: u32,
    /// `tcpi_rtt`: smoothed round-trip time.
    pub rtt: u32,
    /// `tcpi_rttvar`.
    pub rttvar: u32,
    /// `tcpi_snd_ssthresh`, in segments.
    pub snd_ssthresh: u32,
    /// `tcpi_snd_cwnd`, in segments.
    pub snd_cwnd: u32,
    /// `tcpi_total_retrans`: segments retransmitted over the connection's life.
    pub total_retrans: u32,
    /// `tcpi_bytes_acked`.
    pub bytes_acked: u64,
    /// `tcpi_bytes_received`.
    pub bytes_received: u64,
    /// `tcpi_notsent_bytes`: written and not yet sent.
    pub notsent_bytes: u32,
}

/// What a successful call returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SysValue {
    /// The return value: a new fd, a byte count, 0...
    Int(i64),
    /// `getsockopt`'s option value or `ioctl`'s out value (the call itself returns 0).
    Opt(OptValue),
    /// `poll`'s `revents`, one per fd asked about (the call returns how many are non-zero).
    Ready(Vec<u32>),
    /// `epoll_wait`'s events and data, one per ready entry (the call returns how many).
    Events(Vec<(u32, u64)>),
}

/// A finished call: its value, or the errno it failed with.
pub type SysResult = Result<SysValue, Errno>;

/// What [`StackUnderTest::syscall`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStatus {
    /// The call finished at once.
    Done(SysResult),
    /// The call would block on a blocking socket (accept with an empty queue, connect before
    /// the handshake, read with nothing to read, write with a full buffer). The stack keeps it
    /// pending and reports its result through [`StackUnderTest::poll_blocked`].
    Blocked,
}

/// One segment the stack sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    /// The `now` of the call during which the stack sent it.
    pub time: u64,
    /// Source IP address (the stack's).
    pub src: IpAddr,
    /// Destination IP address.
    pub dst: IpAddr,
    /// The TCP segment: header, options and payload, checksum filled in.
    pub segment: Vec<u8>,
    /// `Some(size)` when the stack sent this as one super-segment of consecutive segments
    /// of `size` payload bytes each (the last may be shorter), as a TSO/GSO stack hands
    /// one packet to its device: header flags are those of the whole (PSH and FIN of the
    /// last segment, CWR of the first), the checksum covers the whole.
    pub segment_size: Option<u16>,
}

/// A TCP stack driven by a script in virtual time.
///
/// Contract, for implementers:
/// - `now` never decreases across calls; every call may produce outbound segments, which are
///   queued until [`StackUnderTest::take_outbound`] and stamped with that call's `now`.
/// - At most one call is blocked at a time; the executor does not start another system call
///   until [`StackUnderTest::poll_blocked`] has returned the blocked one's result.
/// - No method panics on anything a script can make the executor pass (unknown fds, options
///   on the wrong socket...): those are errno results.
pub trait StackUnderTest {
    /// Delivers a TCP segment (header, options, payload, valid checksum) that `src` sent to
    /// `dst`, at virtual time `now`.
    fn inject(&mut self, now: u64, src: IpAddr, dst: IpAddr, segment: &[u8]);

    /// The earliest virtual time at which a timer of the stack expires, if any is armed.
    fn next_timer(&self) -> Option<u64>;

    /// Moves the stack's clock to `now` and runs every timer that has expired by then.
    fn advance(&mut self, now: u64);

    /// Removes and returns every segment sent since the last call, oldest first.
    fn take_outbound(&mut self) -> Vec<Outbound>;

    /// Performs `call` at virtual time `now`.
    fn syscall(&mut self, now: u64, call: &SocketCall) -> CallStatus;

    /// The result of the call that [`StackUnderTest::syscall`] reported as
    /// [`CallStatus::Blocked`], once an injected segment or a timer has completed it; `None`
    /// while it is still blocked or when no call is blocked. Returns each result once. The
    /// executor asks after every other call, and takes the call to have returned at the `now`
    /// of the call just before.
    fn poll_blocked(&mut self) -> Option<SysResult>;
}
