//! Values of the expressions socket calls take: integers, the symbolic constants of
//! `<sys/socket.h>`, `<netinet/tcp.h>` and `<fcntl.h>` (Linux values), errno names, `a|b`,
//! and IPv4 socket addresses.

use crate::ast::Expr;
use crate::errno::Errno;
use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// `O_RDWR`.
pub(super) const O_RDWR: i64 = 2;
/// `O_NONBLOCK` (also `SOCK_NONBLOCK` on Linux).
pub(super) const O_NONBLOCK: i64 = 0o4000;

const CONSTANTS: &[(&str, i64)] = &[
    ("AF_INET", 2),
    ("AF_INET6", 10),
    ("PF_INET6", 10),
    ("PF_INET", 2),
    ("SOCK_STREAM", 1),
    ("SOCK_NONBLOCK", O_NONBLOCK),
    ("IPPROTO_IP", 0),
    ("IPPROTO_TCP", 6),
    ("SOL_TCP", 6),
    ("SOL_SOCKET", 1),
    ("SO_REUSEADDR", 2),
    ("SO_ERROR", 4),
    ("SO_SNDBUF", 7),
    ("SO_RCVBUF", 8),
    ("SO_KEEPALIVE", 9),
    ("SO_LINGER", 13),
    ("TCP_NODELAY", 1),
    ("TCP_MAXSEG", 2),
    ("TCP_KEEPIDLE", 4),
    ("TCP_KEEPINTVL", 5),
    ("TCP_KEEPCNT", 6),
    ("TCP_LINGER2", 8),
    ("TCP_USER_TIMEOUT", 18),
    ("TCP_INFO", 11),
    ("TCP_NOTSENT_LOWAT", 25),
    ("TCP_INQ", 36),
    ("SO_ZEROCOPY", 60),
    ("MSG_OOB", 0x1),
    ("MSG_PEEK", 0x2),
    ("MSG_TRUNC", 0x20),
    ("MSG_DONTWAIT", 0x40),
    ("MSG_EOR", 0x80),
    ("MSG_WAITALL", 0x100),
    ("MSG_ERRQUEUE", 0x2000),
    ("MSG_NOSIGNAL", 0x4000),
    ("MSG_MORE", 0x8000),
    ("MSG_ZEROCOPY", 0x400_0000),
    ("MSG_FASTOPEN", 0x2000_0000),
    ("SIOCINQ", 0x541b),
    ("FIONREAD", 0x541b),
    ("SIOCOUTQ", 0x5411),
    ("TIOCOUTQ", 0x5411),
    ("SIOCOUTQNSD", 0x894b),
    ("EPOLLIN", 0x1),
    ("EPOLLPRI", 0x2),
    ("EPOLLOUT", 0x4),
    ("EPOLLERR", 0x8),
    ("EPOLLHUP", 0x10),
    ("EPOLLRDNORM", 0x40),
    ("EPOLLWRNORM", 0x100),
    ("EPOLLRDHUP", 0x2000),
    ("EPOLLONESHOT", 1 << 30),
    ("EPOLLET", 1 << 31),
    ("EPOLL_CTL_ADD", 1),
    ("EPOLL_CTL_DEL", 2),
    ("EPOLL_CTL_MOD", 3),
    ("POLLIN", 0x1),
    ("POLLPRI", 0x2),
    ("POLLOUT", 0x4),
    ("POLLERR", 0x8),
    ("POLLHUP", 0x10),
    ("POLLNVAL", 0x20),
    ("POLLRDNORM", 0x40),
    ("POLLRDBAND", 0x80),
    ("POLLWRNORM", 0x100),
    ("POLLWRBAND", 0x200),
    ("POLLRDHUP", 0x2000),
    ("TCP_ESTABLISHED", 1),
    ("TCP_SYN_SENT", 2),
    ("TCP_SYN_RECV", 3),
    ("TCP_FIN_WAIT1", 4),
    ("TCP_FIN_WAIT2", 5),
    ("TCP_TIME_WAIT", 6),
    ("TCP_CLOSE", 7),
    ("TCP_CLOSE_WAIT", 8),
    ("TCP_LAST_ACK", 9),
    ("TCP_LISTEN", 10),
    ("TCP_CLOSING", 11),
    ("TCP_FASTOPEN", 23),
    ("TCP_FASTOPEN_CONNECT", 30),
    ("TCP_FASTOPEN_KEY", 33),
    ("TCP_FASTOPEN_NO_COOKIE", 34),
    ("SHUT_RD", 0),
    ("SHUT_WR", 1),
    ("SHUT_RDWR", 2),
    ("F_GETFL", 3),
    ("F_SETFL", 4),
    ("O_RDONLY", 0),
    ("O_WRONLY", 1),
    ("O_RDWR", O_RDWR),
    ("O_NONBLOCK", O_NONBLOCK),
    ("INADDR_ANY", 0),
];

/// The integer value of `expr`: a literal, a known constant or errno name, or an `|` of those.
pub(super) fn int_value(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Int(value) => Some(*value),
        Expr::Word(name) => CONSTANTS
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| *value)
            .or_else(|| Errno::from_name(name).map(|e| i64::from(e.number()))),
        Expr::BitOr(lhs, rhs) => Some(int_value(lhs)? | int_value(rhs)?),
        _ => None,
    }
}

/// `[N]` or `N`: the integer an option argument holds.
pub(super) fn boxed_int(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Array(items) if items.len() == 1 => int_value(&items[0]),
        other => int_value(other),
    }
}

/// Why a socket address argument was refused.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum AddrError {
    /// Not IPv4 (`AF_INET6`).
    Unsupported(String),
    /// Not a socket address at all.
    Invalid(String),
}

/// `{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("192.0.2.1")}` (field
/// names `sin_family`/`sa_family`; `sin_addr=INADDR_ANY` allowed; missing fields are zero).
pub(super) fn socket_address(expr: &Expr) -> Result<SocketAddr, AddrError> {
    let Expr::Struct(fields) = expr else {
        return Err(AddrError::Invalid(format!(
            "'{expr}' is not a socket address"
        )));
    };
    let mut port = 0;
    let mut ip = Ipv4Addr::UNSPECIFIED;
    for field in fields {
        let Expr::Assign(name, value) = field else {
            return Err(AddrError::Invalid(format!("'{field}' is not a field")));
        };
        match (name.to_string().as_str(), value.as_ref()) {
            ("sa_family" | "sin_family", Expr::Word(family)) if family == "AF_INET" => {}
            ("sa_family" | "sin_family", family) => {
                return Err(AddrError::Unsupported(format!(
                    "address family {family} (only AF_INET)"
                )));
            }
            ("sin_port", Expr::Call(htons, args)) if htons == "htons" && args.len() == 1 => {
                port = port_number(&args[0])?;
            }
            ("sin_port", other) => port = port_number(other)?,
            ("sin_addr", Expr::Call(inet, args)) if inet == "inet_addr" && args.len() == 1 => {
                ip = match &args[0] {
                    Expr::Str(text) => text.parse().map_err(|_| {
                        AddrError::Invalid(format!("'{text}' is not an IPv4 address"))
                    })?,
                    other => return Err(AddrError::Invalid(format!("bad address '{other}'"))),
                };
            }
            ("sin_addr", other) if int_value(other) == Some(0) => ip = Ipv4Addr::UNSPECIFIED,
            (other, _) => {
                return Err(AddrError::Invalid(format!("unknown field '{other}'")));
            }
        }
    }
    Ok(SocketAddr::V4(SocketAddrV4::new(ip, port)))
}

fn port_number(expr: &Expr) -> Result<u16, AddrError> {
    int_value(expr)
        .and_then(|p| u16::try_from(p).ok())
        .ok_or_else(|| AddrError::Invalid(format!("'{expr}' is not a port")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{EventKind, SyscallSpec};
    use crate::parse_script;

    fn call(source: &str) -> SyscallSpec {
        let script = parse_script(&format!("0 {source}")).unwrap();
        match &script.events[0].kind {
            EventKind::Syscall(spec) => spec.clone(),
            other => panic!("not a syscall: {other:?}"),
        }
    }

    #[test]
    fn constants_errnos_and_or() {
        let spec = call("f(SOL_SOCKET, O_RDWR|O_NONBLOCK, ECONNREFUSED, [4], 0x10, BOGUS) = 0");
        assert_eq!(int_value(&spec.args[0]), Some(1));
        assert_eq!(int_value(&spec.args[1]), Some(0o4002));
        assert_eq!(int_value(&spec.args[2]), Some(111));
        assert_eq!(boxed_int(&spec.args[3]), Some(4));
        assert_eq!(int_value(&spec.args[4]), Some(16));
        assert_eq!(int_value(&spec.args[5]), None);
    }

    #[test]
    fn ipv4_socket_addresses() {
        let spec = call(
            "f({sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"192.0.2.1\")}, \
               {sin_family=AF_INET, sin_port=80, sin_addr=INADDR_ANY}, \
               {sa_family=AF_INET6, sin_port=htons(1)}, 7) = 0",
        );
        assert_eq!(
            socket_address(&spec.args[0]),
            Ok(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::new(192, 0, 2, 1),
                8080
            )))
        );
        assert_eq!(
            socket_address(&spec.args[1]),
            Ok(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 80)))
        );
        assert!(matches!(
            socket_address(&spec.args[2]),
            Err(AddrError::Unsupported(_))
        ));
        assert!(matches!(
            socket_address(&spec.args[3]),
            Err(AddrError::Invalid(_))
        ));
    }
}
