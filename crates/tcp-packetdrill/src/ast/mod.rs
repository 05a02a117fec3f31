//! The parsed form of a packetdrill script.
//!
//! Everything is kept as the script wrote it: sequence and acknowledgment numbers stay
//! relative (the executor maps them onto the live connection), times stay relative or
//! absolute, and system call arguments stay expressions with symbolic names.

use tcp_wire::Flags;

/// A whole script: its `--flag[=value]` lines, then its events in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// The flag lines before the first event, without the leading `--`: `("mss", Some("1000"))`.
    pub options: Vec<(String, Option<String>)>,
    /// The events, in the order they appear in the file.
    pub events: Vec<Event>,
}

/// One line (or statement) of the script, with the time at which it should happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The 1-based line of the event's time stamp (packetdrill reports errors against it).
    pub line: usize,
    /// When the event should happen.
    pub time: EventTime,
    /// What happens.
    pub kind: EventKind,
}

/// When an event should happen, in microseconds of script time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTime {
    /// `0.100`: at this time since the script started.
    Absolute(u64),
    /// `+0.100`: this long after the previous event completed.
    Relative(u64),
    /// `*`: at any time (outbound packets only).
    Any,
    /// `0.1~0.2` (absolute) or `+0.1~+0.2` (relative): anywhere in `lo..=hi` (outbound packets
    /// only). The parser guarantees `lo <= hi`.
    Range {
        /// Earliest time.
        lo: u64,
        /// Latest time.
        hi: u64,
        /// Both ends are relative to the previous event.
        relative: bool,
    },
    /// No time at all: a shell command before the first or after the last event (packetdrill's
    /// init and cleanup commands). Only [`EventKind::Shell`] events carry it.
    Untimed,
}

/// What an event does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `<`: a segment the remote end sends to the stack.
    Inbound(PacketSpec),
    /// `>`: a segment the stack is expected to send.
    Outbound(PacketSpec),
    /// A socket call and its expected result.
    Syscall(SyscallSpec),
    /// A shell command in backticks (the text between them).
    Shell(String),
    /// A `%{ ... }%` code block (the text between the delimiters, trimmed).
    Code(String),
}

/// A TCP segment as a script line describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketSpec {
    /// IP-level details in `(...)` or `[...]` before the flags (`ect0`, `tos 0x4`...), as
    /// written; `None` when absent.
    pub ip_info: Option<String>,
    /// Explicit `src>dst` ports; `None` when the script leaves them to the runner.
    pub ports: Option<(u16, u16)>,
    /// Control bits: letters `F S R P U E W` and `.` for ACK; `-` means none.
    pub flags: Flags,
    /// `start:end(len)`, as written (relative to the sender's initial sequence number).
    pub seq: SeqRange,
    /// `ack N`, as written; `None` when absent.
    pub ack: Option<u32>,
    /// `win N`; `None` when absent (an outbound window is then not checked).
    pub win: Option<u16>,
    /// `urg N`; `None` when absent.
    pub urg: Option<u16>,
    /// `<...>` option list; `None` when the line has no option list at all.
    pub options: Option<OptionList>,
}

/// The `start:end(len)` part of a segment. The parser guarantees `end == start + len`
/// (modulo 2^32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqRange {
    /// First sequence number of the segment.
    pub start: u32,
    /// Sequence number after the payload.
    pub end: u32,
    /// Payload length in bytes.
    pub len: u16,
}

/// A segment's option list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionList {
    /// `<...>`: any options at all (outbound segments only; the parser rejects it inbound).
    Any,
    /// `<a,b,...>`: exactly these options, in this order.
    Exact(Vec<TcpOptionSpec>),
}

/// One TCP option as written in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOptionSpec {
    /// `nop`.
    Nop,
    /// `eol`.
    Eol,
    /// `mss N`.
    Mss(u16),
    /// `wscale N`.
    WindowScale(u8),
    /// `sackOK`.
    SackPermitted,
    /// `sack a:b c:d ...`: blocks as written (relative to the acknowledged side's ISN).
    Sack(Vec<(u32, u32)>),
    /// `TS val N ecr N`.
    Timestamp {
        /// TSval as written.
        val: u32,
        /// TSecr as written.
        ecr: u32,
    },
    /// `FO` (empty: a cookie request) or `FO hex`.
    FastOpen(Vec<u8>),
    /// `FOEXP` or `FOEXP hex`: Fast Open in the experimental option (kind 254, magic
    /// `0xF989`, RFC 7413 §4.1.1's pre-assignment form).
    FastOpenExp(Vec<u8>),
}

/// A socket call line: `name(args) = result [ERRNO (note)]`, optionally blocking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyscallSpec {
    /// The call's name: `socket`, `connect`, `read`...
    pub name: String,
    /// The arguments, as expressions.
    pub args: Vec<Expr>,
    /// The expected return value.
    pub result: Expr,
    /// The expected errno name (`ECONNREFUSED`), when the line gives one.
    pub errno: Option<String>,
    /// The parenthesised note after the result or errno, without the parentheses.
    pub note: Option<String>,
    /// For `start...end name(...)`: the time the call should return, in microseconds, relative
    /// to the same origin as the event's start time. `None` for a call that must not block.
    pub blocking_end: Option<u64>,
}

/// A system call argument or result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A decimal or hexadecimal integer.
    Int(i64),
    /// A symbolic name: `SOL_SOCKET`, `AF_INET`, `O_NONBLOCK`...
    Word(String),
    /// A string literal (adjacent literals concatenated), without its quotes.
    Str(String),
    /// `...`: any value, or a buffer the runner provides.
    Ellipsis,
    /// `[a, b]`.
    Array(Vec<Expr>),
    /// `{a, b}` or `{name=value, ...}`.
    Struct(Vec<Expr>),
    /// `name=value` inside a struct (the left side may be a call such as `msg_iov(1)`).
    Assign(Box<Expr>, Box<Expr>),
    /// `a|b`.
    BitOr(Box<Expr>, Box<Expr>),
    /// `name(args)`: `htons(8080)`, `inet_addr("192.0.2.1")`.
    Call(String, Vec<Expr>),
}

mod display;
