//! Bulk transfers both ways across a router whose path to the kernel peer has a 1280-byte
//! MTU while both ends have 1500 (`RoutedTopology`): with the router's "fragmentation
//! needed" the stack lowers its MSS and resends at once (RFC 1191, PMTUD); with the router
//! dropping every ICMP message the stack detects the black hole from its timeouts and
//! lowers the MSS itself (RFC 4821, PLPMTUD). Each transfer's bytes are checked by SHA-256.

mod support;

use std::net::SocketAddr;
use std::time::Instant;

use support::{BULK_PATIENCE, PATIENCE, within};
use tcp_stack::netns::{self, BOTTLENECK_MTU, RoutedTopology};
use tcp_tokio::{Stack, StackBuilder, TcpStream};
use tokio::io::AsyncWriteExt;

/// Bytes sent each way.
const BULK: u64 = 4 * 1024 * 1024;
/// The port of the peer's echo server.
const PORT: u16 = 7000;

/// The stack on the routed topology's stack link, through the router.
fn routed_stack(topology: &RoutedTopology, builder: StackBuilder) -> Stack {
    let cidr = format!("{}/{}", topology.stack_addr(), topology.prefix_len());
    let builder = builder
        .interface(topology.stack_if())
        .ipv4(cidr)
        .gateway(topology.router_stack_addr());
    support::start_in(topology.stack_ns(), builder)
}

/// A kernel echo server on the peer.
fn peer_echo_server(topology: &RoutedTopology) -> tokio::task::JoinHandle<()> {
    let addr = SocketAddr::from((topology.peer_addr(), PORT));
    let listener = topology
        .peer_ns()
        .run(|| std::net::TcpListener::bind(addr))
        .expect("entering the peer's namespace")
        .expect("peer listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let listener = tokio::net::TcpListener::from_std(listener).expect("registering");
    support::kernel_echo_server(listener)
}

/// Sends [`BULK`] bytes to the peer's echo server and reads them back, both checked by
/// SHA-256; returns the connection's send MSS at the end and its counters.
async fn echo_through(stack: &Stack, topology: &RoutedTopology) -> tcp_tokio::TcpInfo {
    let addr = SocketAddr::from((topology.peer_addr(), PORT));
    let stream = within("connect", PATIENCE, TcpStream::connect_on(stack, addr))
        .await
        .expect("connect through the router");
    let (mut reader, mut writer) = stream.into_split();
    let started = Instant::now();
    let sender = tokio::spawn(async move {
        let sent = support::send_pattern(&mut writer, 16, BULK).await?;
        writer.shutdown().await?;
        Ok::<_, std::io::Error>((sent, writer))
    });
    let received = within("echo", BULK_PATIENCE, support::receive_all(&mut reader))
        .await
        .expect("reading the echo");
    let (sent, writer) = sender.await.expect("sender task").expect("sending");
    assert_eq!(received, sent, "the echo differs from what was sent");
    let stream = reader.reunite(writer).expect("the halves of one stream");
    let info = stream.info().expect("info");
    eprintln!(
        "{} bytes each way in {:?}; send MSS {}; {:?}",
        BULK,
        started.elapsed(),
        info.transmission.send_mss,
        info.counters
    );
    info
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_both_ways_across_a_1280_byte_path_follows_fragmentation_needed() {
    if !netns::require(
        "path_mtu::bulk_both_ways_across_a_1280_byte_path_follows_fragmentation_needed",
    ) {
        return;
    }
    let topology = RoutedTopology::new("pmtu").expect("building the namespaces");
    let server = peer_echo_server(&topology);
    let stack = routed_stack(&topology, Stack::builder());
    let info = echo_through(&stack, &topology).await;
    let largest = u32::from(BOTTLENECK_MTU) - 40 - 12;
    assert!(
        info.transmission.send_mss <= largest,
        "send MSS {} does not fit the path",
        info.transmission.send_mss
    );
    assert!(stack.counters().tcp.icmp.path_mtu_reductions >= 1);
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_both_ways_through_an_icmp_black_hole_finds_the_mss_by_timeouts() {
    if !netns::require(
        "path_mtu::bulk_both_ways_through_an_icmp_black_hole_finds_the_mss_by_timeouts",
    ) {
        return;
    }
    let topology = RoutedTopology::new("plpmtu").expect("building the namespaces");
    topology.drop_router_icmp().expect("nft in the router");
    topology
        .set_kernel_mtu_probing(1)
        .expect("the peer's tcp_mtu_probing");
    let server = peer_echo_server(&topology);
    let mut config = tcp_tokio::Config::default();
    config.path_mtu.black_hole_detection = true;
    let stack = routed_stack(&topology, Stack::builder().config(config));
    let info = echo_through(&stack, &topology).await;
    assert!(info.counters.mtu_black_holes >= 1, "{:?}", info.counters);
    assert!(info.counters.negative_advice >= 1, "{:?}", info.counters);
    assert_eq!(stack.counters().tcp.icmp.path_mtu_reductions, 0);
    server.abort();
}
