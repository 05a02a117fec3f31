//! The engine's errors as the `io::Error`s tokio::net users already handle.

use std::io;

/// Maps an engine error onto the `io::ErrorKind` the kernel's errno would give.
pub(crate) fn to_io(error: tcp_core::Error) -> io::Error {
    use tcp_core::Error as E;
    let kind = match error {
        E::ConnectionRefused => io::ErrorKind::ConnectionRefused,
        E::ConnectionReset => io::ErrorKind::ConnectionReset,
        E::TimedOut => io::ErrorKind::TimedOut,
        E::AddrInUse => io::ErrorKind::AddrInUse,
        E::AddrNotAvailable => io::ErrorKind::AddrNotAvailable,
        E::BrokenPipe => io::ErrorKind::BrokenPipe,
        E::NotConnected | E::InvalidHandle => io::ErrorKind::NotConnected,
        E::WouldBlock => io::ErrorKind::WouldBlock,
        E::InvalidInput => io::ErrorKind::InvalidInput,
        E::NoBuffers => io::ErrorKind::OutOfMemory,
        E::HostUnreachable => io::ErrorKind::HostUnreachable,
        E::NetworkUnreachable => io::ErrorKind::NetworkUnreachable,
    };
    io::Error::new(kind, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_match_the_kernel() {
        assert_eq!(
            to_io(tcp_core::Error::ConnectionRefused).kind(),
            io::ErrorKind::ConnectionRefused
        );
        assert_eq!(
            to_io(tcp_core::Error::ConnectionReset).kind(),
            io::ErrorKind::ConnectionReset
        );
        assert_eq!(
            to_io(tcp_core::Error::TimedOut).kind(),
            io::ErrorKind::TimedOut
        );
        assert_eq!(
            to_io(tcp_core::Error::BrokenPipe).kind(),
            io::ErrorKind::BrokenPipe
        );
        assert_eq!(
            to_io(tcp_core::Error::AddrInUse).kind(),
            io::ErrorKind::AddrInUse
        );
        assert_eq!(
            to_io(tcp_core::Error::NotConnected).kind(),
            io::ErrorKind::NotConnected
        );
    }
}
