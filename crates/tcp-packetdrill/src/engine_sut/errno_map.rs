//! tcp-core's errors as the errno a Linux socket call returns.

use crate::errno::Errno;
use tcp_core::Error;

/// The errno for `error`, as `Error::errno_name` documents it.
pub(super) fn errno(error: Error) -> Errno {
    match error {
        Error::ConnectionRefused => Errno::ECONNREFUSED,
        Error::ConnectionReset => Errno::ECONNRESET,
        Error::TimedOut => Errno::ETIMEDOUT,
        Error::AddrInUse => Errno::EADDRINUSE,
        Error::AddrNotAvailable => Errno::EADDRNOTAVAIL,
        Error::BrokenPipe => Errno::EPIPE,
        Error::NotConnected => Errno::ENOTCONN,
        Error::WouldBlock => Errno::EAGAIN,
        Error::InvalidInput => Errno::EINVAL,
        Error::InvalidHandle => Errno::EBADF,
        Error::NoBuffers => Errno::ENOBUFS,
        Error::HostUnreachable => Errno::EHOSTUNREACH,
        Error::NetworkUnreachable => Errno::ENETUNREACH,
    }
}

/// True for the errors only a failed connection reports (Linux's `sk_err`); the engine
/// reports each once, and after it reads see end-of-file and writes `EPIPE`.
pub(super) fn is_connection_failure(error: Error) -> bool {
    matches!(
        error,
        Error::ConnectionRefused
            | Error::ConnectionReset
            | Error::TimedOut
            | Error::HostUnreachable
            | Error::NetworkUnreachable
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_agree_with_the_engine() {
        for error in [
            Error::ConnectionRefused,
            Error::ConnectionReset,
            Error::TimedOut,
            Error::AddrInUse,
            Error::AddrNotAvailable,
            Error::BrokenPipe,
            Error::NotConnected,
            Error::WouldBlock,
            Error::InvalidInput,
            Error::InvalidHandle,
            Error::NoBuffers,
        ] {
            assert_eq!(errno(error).name(), error.errno_name());
        }
    }
}
