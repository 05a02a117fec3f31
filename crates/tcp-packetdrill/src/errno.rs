//! The errno values a TCP socket call can fail with, by their Linux names and numbers.

use core::fmt;

/// A socket call's failure, named as in `<errno.h>`. Numbers are Linux's, so scripts that
/// compare `SO_ERROR` with `[ECONNREFUSED]` see the values Linux would give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Errno {
    /// No such file or directory (`epoll_ctl` on an fd not in the set).
    ENOENT,
    /// Interrupted system call.
    EINTR,
    /// Bad file descriptor.
    EBADF,
    /// Resource temporarily unavailable (also spelled `EWOULDBLOCK`).
    EAGAIN,
    /// Cannot allocate memory.
    ENOMEM,
    /// Bad address.
    EFAULT,
    /// File exists (`epoll_ctl` adding an fd already in the set).
    EEXIST,
    /// Invalid argument.
    EINVAL,
    /// Inappropriate ioctl for device.
    ENOTTY,
    /// Broken pipe.
    EPIPE,
    /// Socket operation on non-socket.
    ENOTSOCK,
    /// Destination address required.
    EDESTADDRREQ,
    /// Message too long.
    EMSGSIZE,
    /// Protocol not available (unknown socket option).
    ENOPROTOOPT,
    /// Operation not supported.
    EOPNOTSUPP,
    /// Address already in use.
    EADDRINUSE,
    /// Cannot assign requested address.
    EADDRNOTAVAIL,
    /// Network is unreachable.
    ENETUNREACH,
    /// Software caused connection abort.
    ECONNABORTED,
    /// Connection reset by peer.
    ECONNRESET,
    /// No buffer space available.
    ENOBUFS,
    /// Transport endpoint is already connected.
    EISCONN,
    /// Transport endpoint is not connected.
    ENOTCONN,
    /// Cannot send after transport endpoint shutdown.
    ESHUTDOWN,
    /// Connection timed out.
    ETIMEDOUT,
    /// Connection refused.
    ECONNREFUSED,
    /// No route to host.
    EHOSTUNREACH,
    /// Operation already in progress.
    EALREADY,
    /// Operation now in progress.
    EINPROGRESS,
}

/// Every variant with its name and Linux number, for lookups both ways.
const TABLE: [(Errno, &str, i32); 29] = [
    (Errno::ENOENT, "ENOENT", 2),
    (Errno::EINTR, "EINTR", 4),
    (Errno::EBADF, "EBADF", 9),
    (Errno::EAGAIN, "EAGAIN", 11),
    (Errno::ENOMEM, "ENOMEM", 12),
    (Errno::EFAULT, "EFAULT", 14),
    (Errno::EEXIST, "EEXIST", 17),
    (Errno::EINVAL, "EINVAL", 22),
    (Errno::ENOTTY, "ENOTTY", 25),
    (Errno::EPIPE, "EPIPE", 32),
    (Errno::ENOTSOCK, "ENOTSOCK", 88),
    (Errno::EDESTADDRREQ, "EDESTADDRREQ", 89),
    (Errno::EMSGSIZE, "EMSGSIZE", 90),
    (Errno::ENOPROTOOPT, "ENOPROTOOPT", 92),
    (Errno::EOPNOTSUPP, "EOPNOTSUPP", 95),
    (Errno::EADDRINUSE, "EADDRINUSE", 98),
    (Errno::EADDRNOTAVAIL, "EADDRNOTAVAIL", 99),
    (Errno::ENETUNREACH, "ENETUNREACH", 101),
    (Errno::ECONNABORTED, "ECONNABORTED", 103),
    (Errno::ECONNRESET, "ECONNRESET", 104),
    (Errno::ENOBUFS, "ENOBUFS", 105),
    (Errno::EISCONN, "EISCONN", 106),
    (Errno::ENOTCONN, "ENOTCONN", 107),
    (Errno::ESHUTDOWN, "ESHUTDOWN", 108),
    (Errno::ETIMEDOUT, "ETIMEDOUT", 110),
    (Errno::ECONNREFUSED, "ECONNREFUSED", 111),
    (Errno::EHOSTUNREACH, "EHOSTUNREACH", 113),
    (Errno::EALREADY, "EALREADY", 114),
    (Errno::EINPROGRESS, "EINPROGRESS", 115),
];

impl Errno {
    /// The errno a script names; `EWOULDBLOCK` is `EAGAIN`. `None` for names not listed here.
    pub fn from_name(name: &str) -> Option<Errno> {
        let name = if name == "EWOULDBLOCK" {
            "EAGAIN"
        } else {
            name
        };
        TABLE
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(errno, _, _)| *errno)
    }

    /// The errno with Linux number `number`, if it is one of these.
    pub fn from_number(number: i32) -> Option<Errno> {
        TABLE
            .iter()
            .find(|(_, _, n)| *n == number)
            .map(|(errno, _, _)| *errno)
    }

    /// The `<errno.h>` name.
    pub fn name(self) -> &'static str {
        TABLE[self as usize].1
    }

    /// The Linux number.
    pub fn number(self) -> i32 {
        TABLE[self as usize].2
    }
}

/// The name, as a script writes it.
impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_variant_order_and_round_trips() {
        for (index, (errno, name, number)) in TABLE.iter().enumerate() {
            assert_eq!(*errno as usize, index);
            assert_eq!(Errno::from_name(name), Some(*errno));
            assert_eq!(Errno::from_number(*number), Some(*errno));
            assert_eq!(errno.to_string(), *name);
        }
        assert_eq!(Errno::from_name("EWOULDBLOCK"), Some(Errno::EAGAIN));
        assert_eq!(Errno::ECONNREFUSED.number(), 111);
        assert_eq!(Errno::from_name("ESRCH"), None);
    }
}
