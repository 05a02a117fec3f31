//! Connects through a router that fail, side by side with the kernel (its client on the
//! twin host, `RoutedTopology`), the same `io::ErrorKind` on both: a closed port the peer
//! answers with RST and one it answers with ICMP "port unreachable" give
//! `ConnectionRefused`; an address on the peer's link that nobody holds gives
//! `HostUnreachable` once the router's ARP gives up and it sends "host unreachable". Both
//! times are printed, not compared.

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::within;
use tcp_stack::netns::{self, RoutedTopology};
use tcp_tokio::{Stack, TcpStream};

/// Long enough for the router's ARP to give up (about 3 s), far shorter than the SYN
/// retries (127 s) a connect that ignored ICMP would wait.
const LIMIT: Duration = Duration::from_secs(15);

/// The stack on the routed topology's stack link, through the router.
fn routed_stack(topology: &RoutedTopology) -> Stack {
    let cidr = format!("{}/{}", topology.stack_addr(), topology.prefix_len());
    let builder = Stack::builder()
        .interface(topology.stack_if())
        .ipv4(cidr)
        .gateway(topology.router_stack_addr());
    support::start_in(topology.stack_ns(), builder)
}

/// The error kind of a kernel connect from the twin to `addr`, and how long it took.
async fn kernel_connect_error(
    topology: &RoutedTopology,
    addr: SocketAddr,
) -> (ErrorKind, Duration) {
    let socket = topology
        .twin_ns()
        .run(tokio::net::TcpSocket::new_v4)
        .expect("entering the twin's namespace")
        .expect("kernel socket");
    let started = Instant::now();
    let error = within("kernel connect", LIMIT, socket.connect(addr))
        .await
        .expect_err("the kernel connected");
    (error.kind(), started.elapsed())
}

/// The error kind of this stack's connect to `addr`, and how long it took.
async fn stack_connect_error(stack: &Stack, addr: SocketAddr) -> (ErrorKind, Duration) {
    let started = Instant::now();
    let error = within("stack connect", LIMIT, TcpStream::connect_on(stack, addr))
        .await
        .expect_err("the stack connected");
    (error.kind(), started.elapsed())
}

/// Connects from both sides at once and checks they fail alike, with `expected`.
async fn both_fail_alike(
    topology: &RoutedTopology,
    addr: SocketAddr,
    expected: ErrorKind,
    case: &str,
) {
    let stack = routed_stack(topology);
    let ((kernel, kernel_time), (ours, our_time)) = tokio::join!(
        kernel_connect_error(topology, addr),
        stack_connect_error(&stack, addr)
    );
    eprintln!("{case}: kernel {kernel:?} in {kernel_time:?}, stack {ours:?} in {our_time:?}");
    assert_eq!(kernel, expected);
    assert_eq!(ours, kernel);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_behind_the_router_is_refused_by_rst_as_for_the_kernel() {
    if !netns::require(
        "icmp_errors::a_closed_port_behind_the_router_is_refused_by_rst_as_for_the_kernel",
    ) {
        return;
    }
    let topology = RoutedTopology::new("icmp-rst").expect("building the namespaces");
    let addr = SocketAddr::from((topology.peer_addr(), 7001));
    both_fail_alike(
        &topology,
        addr,
        ErrorKind::ConnectionRefused,
        "closed port (RST)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_unreachable_is_connection_refused_as_for_the_kernel() {
    if !netns::require("icmp_errors::port_unreachable_is_connection_refused_as_for_the_kernel") {
        return;
    }
    let topology = RoutedTopology::new("icmp-port").expect("building the namespaces");
    topology
        .reject_with_port_unreachable(7002)
        .expect("nft in the peer");
    let addr = SocketAddr::from((topology.peer_addr(), 7002));
    both_fail_alike(
        &topology,
        addr,
        ErrorKind::ConnectionRefused,
        "ICMP port unreachable",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_host_behind_the_router_is_host_unreachable_as_for_the_kernel() {
    if !netns::require(
        "icmp_errors::a_missing_host_behind_the_router_is_host_unreachable_as_for_the_kernel",
    ) {
        return;
    }
    let topology = RoutedTopology::new("icmp-host").expect("building the namespaces");
    let addr = SocketAddr::from((topology.absent_peer_addr(), 7003));
    both_fail_alike(
        &topology,
        addr,
        ErrorKind::HostUnreachable,
        "ICMP host unreachable",
    )
    .await;
}
