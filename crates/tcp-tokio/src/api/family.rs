//! Addresses between the API and the engine: IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`,
//! RFC 4291 §2.5.5.2) as a dual-stack socket on Linux uses them, and which of the stack's
//! addresses a socket binds or connects from.

use crate::stack::Stack;
use std::io;
use std::net::{IpAddr, SocketAddr};

/// `addr` as the engine sees it: an IPv4-mapped IPv6 address becomes the IPv4 address it
/// maps (the engine and the wire know only real families); others are unchanged. The
/// flag says whether it was mapped.
pub(crate) fn unmap(addr: SocketAddr) -> (SocketAddr, bool) {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => (SocketAddr::new(IpAddr::V4(v4), v6.port()), true),
            None => (addr, false),
        },
        SocketAddr::V4(_) => (addr, false),
    }
}

/// `addr` as an IPv6 socket reports it: IPv4 addresses mapped when `mapped`, as tokio
/// reports the addresses of a `[::]` socket's IPv4 connections.
pub(crate) fn report(addr: SocketAddr, mapped: bool) -> SocketAddr {
    match addr {
        SocketAddr::V4(v4) if mapped => {
            SocketAddr::new(IpAddr::V6(v4.ip().to_ipv6_mapped()), v4.port())
        }
        _ => addr,
    }
}

/// Refuses local addresses that are not the stack's (or a wildcard) with
/// `AddrNotAvailable`, as the kernel does for a foreign address. `addr` is taken as the
/// engine sees it (see [`unmap`]).
pub(crate) fn check_local(stack: &Stack, addr: SocketAddr) -> io::Result<()> {
    let ours = match addr.ip() {
        IpAddr::V4(ip) => ip.is_unspecified() || (stack.has_ipv4() && ip == stack.local_ipv4()),
        IpAddr::V6(ip) => ip.is_unspecified() || stack.owns_ipv6(ip),
    };
    if ours {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::AddrNotAvailable,
        format!(
            "{addr} is not an address of this stack ({})",
            stack.addresses()
        ),
    ))
}

/// The stack's address to connect from to `remote`, of its family: the IPv4 address, or
/// the IPv6 address of the matching scope. `NetworkUnreachable` when the stack has no
/// address of that family, as the kernel says when it has no route.
pub(crate) fn source_for(stack: &Stack, remote: IpAddr) -> io::Result<IpAddr> {
    let source = match remote {
        IpAddr::V4(_) => stack.has_ipv4().then(|| IpAddr::V4(stack.local_ipv4())),
        IpAddr::V6(ip) => stack.ipv6_source_for(ip).map(IpAddr::V6),
    };
    source.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NetworkUnreachable,
            format!(
                "no address of {remote}'s family on this stack ({})",
                stack.addresses()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_addresses_go_to_ipv4_and_come_back() {
        let mapped: SocketAddr = "[::ffff:198.18.0.2]:80".parse().unwrap();
        let plain: SocketAddr = "198.18.0.2:80".parse().unwrap();
        assert_eq!(unmap(mapped), (plain, true));
        assert_eq!(report(plain, true), mapped);
        assert_eq!(report(plain, false), plain);
        let v6: SocketAddr = "[2001:2::1]:80".parse().unwrap();
        assert_eq!(unmap(v6), (v6, false));
        assert_eq!(report(v6, true), v6);
    }
}
