//! IPv6 on the test link: a dual-stack topology and stack, kernel sockets of either family,
//! and an ICMPv6 ping from the kernel's namespace.

use std::io;
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tcp_stack::netns::Topology;
use tcp_tokio::{Stack, StackBuilder};

/// Builds a fresh dual-stack topology whose namespace names start with `prefix`.
pub(crate) fn topology(prefix: &str) -> Topology {
    Topology::new_dual_stack(prefix).expect("building the namespaces")
}

/// `[addr]:port` on the stack's side of `topology`.
pub(crate) fn stack_addr(topology: &Topology, port: u16) -> SocketAddr {
    SocketAddr::from((topology.stack_addr_v6(), port))
}

/// `[addr]:port` on the kernel's side of `topology`.
pub(crate) fn kernel_addr(topology: &Topology, port: u16) -> SocketAddr {
    SocketAddr::from((topology.kernel_addr_v6(), port))
}

/// A dual-stack stack made from `builder` on the stack's veth end, owning both of the
/// stack's addresses.
pub(crate) fn stack_with(topology: &Topology, builder: StackBuilder) -> Stack {
    let cidr = format!("{}/{}", topology.stack_addr(), topology.prefix_len());
    let cidr_v6 = format!("{}/{}", topology.stack_addr_v6(), topology.prefix_len_v6());
    let builder = builder
        .interface(topology.stack_if())
        .ipv4(cidr)
        .ipv6(cidr_v6);
    super::start_in(topology.stack_ns(), builder)
}

/// [`stack_with`] the default settings.
pub(crate) fn stack(topology: &Topology) -> Stack {
    stack_with(topology, Stack::builder())
}

/// A kernel listener on `addr` (either family, in the kernel's namespace), backlog 1024.
pub(crate) fn kernel_listener(topology: &Topology, addr: SocketAddr) -> tokio::net::TcpListener {
    let listener = topology
        .in_kernel_ns(|| -> io::Result<std::net::TcpListener> {
            let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.listen(1024)?;
            socket.set_nonblocking(true)?;
            Ok(socket.into())
        })
        .expect("entering the kernel namespace")
        .expect("kernel listener");
    tokio::net::TcpListener::from_std(listener).expect("registering the kernel listener")
}

/// A kernel connection to `addr` (either family), or the kernel's error.
pub(crate) async fn kernel_connect(
    topology: &Topology,
    addr: SocketAddr,
) -> io::Result<tokio::net::TcpStream> {
    let socket = topology
        .in_kernel_ns(|| match addr {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4(),
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6(),
        })
        .expect("entering the kernel namespace")
        .expect("kernel socket");
    super::within("kernel connect", super::PATIENCE, socket.connect(addr)).await
}

/// Sends `count` ICMPv6 echo requests to `dst` from the calling thread's namespace through
/// a raw socket, one at a time, each waiting up to a second for its reply; returns how many
/// came back with the same identifier, sequence number and data. The kernel fills in the
/// checksums of a raw ICMPv6 socket's messages and checks those it receives.
pub(crate) fn ping6(dst: Ipv6Addr, count: u16) -> io::Result<u16> {
    let socket = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::ICMPV6))?;
    socket.set_read_timeout(Some(Duration::from_millis(100)))?;
    let id = 0x6906u16;
    let mut answered = 0;
    for seq in 1..=count {
        let mut request = vec![128, 0, 0, 0];
        request.extend_from_slice(&id.to_be_bytes());
        request.extend_from_slice(&seq.to_be_bytes());
        request.extend((0..56).map(|i| i as u8));
        socket.send_to(&request, &SocketAddrV6::new(dst, 0, 0, 0).into())?;
        let answer = |reply: &[u8]| {
            reply.len() == request.len() && reply[0] == 129 && reply[4..] == request[4..]
        };
        if super::replied(&socket, answer)? {
            answered += 1;
        }
    }
    Ok(answered)
}
