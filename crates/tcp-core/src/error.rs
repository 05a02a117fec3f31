//! Errors the engine's API returns; each maps onto one `std::io::ErrorKind` the kernel uses.

use core::fmt;

/// Why an API call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The peer answered our SYN with RST (ECONNREFUSED).
    ConnectionRefused,
    /// The peer reset the connection, or it was aborted (ECONNRESET).
    ConnectionReset,
    /// Retransmissions, keepalive probes or the user timeout gave up (ETIMEDOUT).
    TimedOut,
    /// The local address and port are taken (EADDRINUSE).
    AddrInUse,
    /// No ephemeral port is free for this destination (EADDRNOTAVAIL).
    AddrNotAvailable,
    /// Writing after shutdown of the write side or once the connection is over; also what
    /// a connection the peer reset after its FIN failed with (EPIPE).
    BrokenPipe,
    /// The connection is not (yet) established (ENOTCONN).
    NotConnected,
    /// No data or space right now; try again after the matching event (EAGAIN).
    WouldBlock,
    /// An argument is out of range (EINVAL).
    InvalidInput,
    /// The handle does not name a live connection or listener of this endpoint (EBADF).
    InvalidHandle,
    /// A configured limit on connections or buffer memory was reached (ENOBUFS).
    NoBuffers,
    /// The destination's link-layer address could not be resolved, or an ICMP "host
    /// unreachable" named the connection (EHOSTUNREACH).
    HostUnreachable,
    /// There is no route to the destination (ENETUNREACH).
    NetworkUnreachable,
}

impl Error {
    /// The errno name the kernel would report.
    pub fn errno_name(self) -> &'static str {
        match self {
            Error::ConnectionRefused => "ECONNREFUSED",
            Error::ConnectionReset => "ECONNRESET",
            Error::TimedOut => "ETIMEDOUT",
            Error::AddrInUse => "EADDRINUSE",
            Error::AddrNotAvailable => "EADDRNOTAVAIL",
            Error::BrokenPipe => "EPIPE",
            Error::NotConnected => "ENOTCONN",
            Error::WouldBlock => "EAGAIN",
            Error::InvalidInput => "EINVAL",
            Error::InvalidHandle => "EBADF",
            Error::NoBuffers => "ENOBUFS",
            Error::HostUnreachable => "EHOSTUNREACH",
            Error::NetworkUnreachable => "ENETUNREACH",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Error::ConnectionRefused => "connection refused",
            Error::ConnectionReset => "connection reset by peer",
            Error::TimedOut => "connection timed out",
            Error::AddrInUse => "address in use",
            Error::AddrNotAvailable => "address not available",
            Error::BrokenPipe => "broken pipe",
            Error::NotConnected => "not connected",
            Error::WouldBlock => "operation would block",
            Error::InvalidInput => "invalid argument",
            Error::InvalidHandle => "no such connection or listener",
            Error::NoBuffers => "connection or memory limit reached",
            Error::HostUnreachable => "no route to host",
            Error::NetworkUnreachable => "network is unreachable",
        };
        f.write_str(text)
    }
}

impl std::error::Error for Error {}
