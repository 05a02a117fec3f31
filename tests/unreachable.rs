//! Connects to destinations that cannot be reached, side by side with the kernel: an
//! on-link address nobody answers ARP for fails with `HostUnreachable` once the address
//! resolution gives up (Linux: three requests a second apart), and an off-link address
//! without a gateway fails with `NetworkUnreachable` at once, for this stack as for the
//! kernel's TCP.

mod support;

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use support::within;
use tcp_stack::netns::{self, Topology};
use tcp_tokio::TcpStream;

/// Long enough for any resolution to give up (the kernel's and the stack's take ~3 s).
const LIMIT: Duration = Duration::from_secs(15);

/// An address on the link that no one holds.
fn silent_neighbour(topology: &Topology) -> Ipv4Addr {
    let [a, b, c, _] = topology.stack_addr().octets();
    Ipv4Addr::new(a, b, c, 99)
}

/// An address off the link: the link is a /24 of 198.18.0.0/15, and neither side has a
/// gateway.
fn off_link(topology: &Topology) -> Ipv4Addr {
    let [a, b, c, _] = topology.stack_addr().octets();
    Ipv4Addr::new(a, b ^ 1, c, 7)
}

/// The error kind of a kernel connect from the kernel's namespace to `addr`.
async fn kernel_connect_error(topology: &Topology, addr: SocketAddr) -> ErrorKind {
    let socket = topology
        .in_kernel_ns(tokio::net::TcpSocket::new_v4)
        .expect("entering the kernel namespace")
        .expect("kernel socket");
    within("kernel connect", LIMIT, socket.connect(addr))
        .await
        .expect_err("the kernel connected to an unreachable address")
        .kind()
}

/// The error kind of this stack's connect to `addr`.
async fn stack_connect_error(topology: &Topology, addr: SocketAddr) -> ErrorKind {
    let stack = support::stack(topology);
    within("stack connect", LIMIT, TcpStream::connect_on(&stack, addr))
        .await
        .expect_err("the stack connected to an unreachable address")
        .kind()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_neighbour_is_host_unreachable_as_for_the_kernel() {
    if !netns::require("unreachable::a_silent_neighbour_is_host_unreachable_as_for_the_kernel") {
        return;
    }
    let topology = support::topology("un-host");
    let addr = SocketAddr::from((silent_neighbour(&topology), 80));
    let (kernel, stack) = tokio::join!(
        kernel_connect_error(&topology, addr),
        stack_connect_error(&topology, addr)
    );
    assert_eq!(kernel, ErrorKind::HostUnreachable);
    assert_eq!(stack, kernel);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_link_without_a_gateway_is_network_unreachable_as_for_the_kernel() {
    if !netns::require(
        "unreachable::off_link_without_a_gateway_is_network_unreachable_as_for_the_kernel",
    ) {
        return;
    }
    let topology = support::topology("un-net");
    let addr = SocketAddr::from((off_link(&topology), 80));
    let kernel = kernel_connect_error(&topology, addr).await;
    let stack = stack_connect_error(&topology, addr).await;
    assert_eq!(kernel, ErrorKind::NetworkUnreachable);
    assert_eq!(stack, kernel);
}
