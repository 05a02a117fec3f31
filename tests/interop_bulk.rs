//! Interop with the Linux kernel across veth: bulk data. 64 MiB each way checked by
//! SHA-256 (with offloads off, where the kernel cuts our super-frames into segments; with
//! offloads on, where super-frames pass whole; and from a stack sending every segment as
//! a frame), 16 MiB each way intact through 5 % loss in each direction, and 200
//! concurrent connections each echoing 1 MiB.

mod support;

use std::sync::Arc;
use support::{
    BULK_PATIENCE, PATIENCE, Tally, kernel_addr, kernel_counter, kernel_echo_server,
    kernel_listener, receive_all, send_pattern, stack_addr, within,
};
use tcp_stack::netns::{self, Topology, enable_offloads};
use tcp_tokio::link::{FaultConfig, PacketSocketConfig};
use tcp_tokio::{Stack, State, TcpListener, TcpStream};
use tokio::io::AsyncWriteExt;

const PORT: u16 = 5001;

/// This stack connects to a kernel sink and sends `bytes`; the kernel reads to
/// end-of-file. Returns what each side counted.
async fn stack_sends(topology: &Topology, stack: &Stack, seed: u64, bytes: u64) -> (Tally, Tally) {
    let listener = kernel_listener(topology, PORT);
    let sink = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("kernel accept");
        receive_all(&mut stream).await.expect("kernel read")
    });
    let mut stream = within(
        "connect",
        PATIENCE,
        TcpStream::connect_on(stack, kernel_addr(topology, PORT)),
    )
    .await
    .expect("connect");
    let sent = within("sending", BULK_PATIENCE, async {
        let sent = send_pattern(&mut stream, seed, bytes).await?;
        stream.shutdown().await?;
        Ok::<_, std::io::Error>(sent)
    })
    .await
    .expect("send");
    let received = within("kernel receiving", BULK_PATIENCE, sink)
        .await
        .expect("kernel task");
    (sent, received)
}

/// A kernel client connects to this stack and sends `bytes`; we read to end-of-file.
/// Returns what each side counted.
async fn kernel_sends(topology: &Topology, stack: &Stack, seed: u64, bytes: u64) -> (Tally, Tally) {
    let listener = TcpListener::bind_on(stack, stack_addr(topology, PORT))
        .await
        .expect("listen");
    let socket = support::kernel_socket(topology);
    let server = stack_addr(topology, PORT);
    let source = tokio::spawn(async move {
        let mut stream = socket.connect(server).await.expect("kernel connect");
        let sent = send_pattern(&mut stream, seed, bytes)
            .await
            .expect("kernel send");
        stream.shutdown().await.expect("kernel shutdown");
        sent
    });
    let (mut stream, _) = within("accept", PATIENCE, listener.accept())
        .await
        .expect("accept");
    let received = within("receiving", BULK_PATIENCE, receive_all(&mut stream))
        .await
        .expect("our read");
    let sent = within("kernel sending", PATIENCE, source)
        .await
        .expect("kernel task");
    (sent, received)
}

const BIG: u64 = 64 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_client_sends_64_mib_to_the_kernel_intact() {
    if !netns::require("interop_bulk::stack_client_sends_64_mib_to_the_kernel_intact") {
        return;
    }
    let topology = support::topology("ib-big");
    let stack = support::stack(&topology);
    let (sent, received) = stack_sends(&topology, &stack, 64, BIG).await;
    assert_eq!(sent.bytes, BIG);
    assert_eq!(received, sent, "the kernel received our 64 MiB intact");
    assert_joined_into_super_frames(&stack);
}

/// Asserts that `stack` sent every segment as a frame of its own (`why` says why it
/// should have).
fn assert_one_frame_per_segment(stack: &Stack, why: &str) {
    let counters = stack.counters();
    assert!(
        counters.net.frames_out >= counters.tcp.segments_out,
        "{why}: {} segments in {} frames",
        counters.tcp.segments_out,
        counters.net.frames_out
    );
}

/// Asserts that `stack` sent its segments joined into super-frames.
fn assert_joined_into_super_frames(stack: &Stack) {
    let counters = stack.counters();
    assert!(
        counters.tcp.segments_out > 2 * counters.net.frames_out,
        "segments went out joined into super-frames: {} segments in {} frames",
        counters.tcp.segments_out,
        counters.net.frames_out
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_client_sends_64_mib_as_plain_frames_intact() {
    if !netns::require("interop_bulk::stack_client_sends_64_mib_as_plain_frames_intact") {
        return;
    }
    let topology = support::topology("ib-plain");
    let stack = support::stack_with(
        &topology,
        Stack::builder().packet_socket(PacketSocketConfig {
            segmentation_offload: false,
            ..PacketSocketConfig::default()
        }),
    );
    let (sent, received) = stack_sends(&topology, &stack, 68, BIG).await;
    assert_eq!(sent.bytes, BIG);
    assert_eq!(received, sent, "the kernel received our 64 MiB intact");
    assert_one_frame_per_segment(&stack, "segmentation offload is off");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kernel_client_sends_64_mib_to_the_stack_intact() {
    if !netns::require("interop_bulk::kernel_client_sends_64_mib_to_the_stack_intact") {
        return;
    }
    let topology = support::topology("ib-big");
    let stack = support::stack(&topology);
    let (sent, received) = kernel_sends(&topology, &stack, 65, BIG).await;
    assert_eq!(sent.bytes, BIG);
    assert_eq!(received, sent, "we received the kernel's 64 MiB intact");
    assert_eq!(stack.counters().tcp.bad_checksum, 0);
}

/// A topology whose veth ends have their offloads on, and a stack on it (which sends and
/// receives super-frames, `segmentation_offload` being on by default).
fn offload_topology_and_stack(prefix: &str) -> (Topology, Stack) {
    let topology = support::topology(prefix);
    topology
        .in_stack_ns(|| enable_offloads(topology.stack_if()))
        .expect("entering the stack namespace")
        .expect("offloads on, stack side");
    topology
        .in_kernel_ns(|| enable_offloads(topology.kernel_if()))
        .expect("entering the kernel namespace")
        .expect("offloads on, kernel side");
    let stack = support::stack(&topology);
    (topology, stack)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_client_sends_64_mib_as_super_frames_intact() {
    if !netns::require("interop_bulk::stack_client_sends_64_mib_as_super_frames_intact") {
        return;
    }
    let (topology, stack) = offload_topology_and_stack("ib-gso");
    let (sent, received) = stack_sends(&topology, &stack, 66, BIG).await;
    assert_eq!(sent.bytes, BIG);
    assert_eq!(received, sent, "the kernel received our 64 MiB intact");
    assert_joined_into_super_frames(&stack);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kernel_client_sends_64_mib_as_super_frames_intact() {
    if !netns::require("interop_bulk::kernel_client_sends_64_mib_as_super_frames_intact") {
        return;
    }
    let (topology, stack) = offload_topology_and_stack("ib-gro");
    let (sent, received) = kernel_sends(&topology, &stack, 67, BIG).await;
    assert_eq!(sent.bytes, BIG);
    assert_eq!(received, sent, "we received the kernel's 64 MiB intact");
    let counters = stack.counters();
    assert_eq!(counters.tcp.bad_checksum, 0, "partial checksums completed");
    // With the kernel's segmentation offload on, its segments arrive as super-frames:
    // fewer segments than 1460-byte pieces of the data.
    assert!(
        counters.tcp.segments_in < BIG / 1460 / 2,
        "{} segments in for {BIG} bytes",
        counters.tcp.segments_in
    );
}

const LOSSY: u64 = 16 << 20;

/// A stack losing 5 % of what it sends and 5 % of what it receives.
fn lossy_stack(topology: &Topology, seed: u64) -> Stack {
    support::stack_with(
        topology,
        Stack::builder().faults(seed, FaultConfig::drop(0.05), FaultConfig::drop(0.05)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kernel_client_sends_16_mib_through_5_percent_loss_each_way() {
    if !netns::require("interop_bulk::kernel_client_sends_16_mib_through_5_percent_loss_each_way") {
        return;
    }
    let topology = support::topology("ib-loss");
    let stack = lossy_stack(&topology, 0x5eed_0002);
    let kernel = topology.kernel_ns();
    let retransmits_before = kernel_counter(kernel, "snmp", "Tcp", "RetransSegs");
    let (sent, received) = kernel_sends(&topology, &stack, 17, LOSSY).await;
    assert_eq!(received, sent, "we received the kernel's 16 MiB intact");
    let retransmits = kernel_counter(kernel, "snmp", "Tcp", "RetransSegs") - retransmits_before;
    assert!(retransmits > 0, "the kernel had to retransmit what we lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_client_sends_16_mib_through_5_percent_loss_each_way() {
    if !netns::require("interop_bulk::stack_client_sends_16_mib_through_5_percent_loss_each_way") {
        return;
    }
    let topology = support::topology("ib-loss");
    let stack = lossy_stack(&topology, 0x5eed_0001);
    let kernel = topology.kernel_ns();
    let holes_before = kernel_counter(kernel, "netstat", "TcpExt", "TCPOFOQueue");
    let (sent, received) = stack_sends(&topology, &stack, 16, LOSSY).await;
    assert_eq!(received, sent, "the kernel received our 16 MiB intact");
    assert_one_frame_per_segment(&stack, "the fault injector takes segments one frame each");
    let holes = kernel_counter(kernel, "netstat", "TcpExt", "TCPOFOQueue") - holes_before;
    assert!(
        holes > 0,
        "our lost segments left holes the kernel queued around"
    );
}

const CONNECTIONS: usize = 200;
const PER_CONNECTION: u64 = 1 << 20;

/// 200 stack clients connect to a kernel echo server; only when all are established does
/// each send 1 MiB of its own pattern (half-closing after it) while reading the echo to
/// end-of-file; every echo must equal what its connection sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_connections_echo_a_mebibyte_each() {
    if !netns::require("interop_bulk::two_hundred_concurrent_connections_echo_a_mebibyte_each") {
        return;
    }
    let topology = support::topology("ib-many");
    let stack = support::stack(&topology);
    let server = kernel_echo_server(kernel_listener(&topology, 7));
    let target = kernel_addr(&topology, 7);
    let all_connected = Arc::new(tokio::sync::Barrier::new(CONNECTIONS + 1));
    let mut clients = Vec::with_capacity(CONNECTIONS);
    for index in 0..CONNECTIONS {
        let stack = stack.clone();
        let all_connected = all_connected.clone();
        clients.push(tokio::spawn(async move {
            let stream = TcpStream::connect_on(&stack, target)
                .await
                .expect("connect");
            all_connected.wait().await;
            let (mut reader, mut writer) = stream.into_split();
            let seed = 1000 + index as u64;
            let sending = tokio::spawn(async move {
                let sent = send_pattern(&mut writer, seed, PER_CONNECTION).await?;
                writer.shutdown().await?;
                Ok::<_, std::io::Error>(sent)
            });
            let echoed = receive_all(&mut reader).await.expect("read the echo");
            let sent = sending.await.expect("sender task").expect("send");
            (sent, echoed)
        }));
    }
    within("all connected", BULK_PATIENCE, all_connected.wait()).await;
    let established = stack
        .sockets()
        .iter()
        .filter(|info| info.remote == target && info.state == State::Established)
        .count();
    assert_eq!(established, CONNECTIONS, "all connections open at once");

    let results = within("all echoes", BULK_PATIENCE, futures_join_all(clients)).await;
    for (index, result) in results.into_iter().enumerate() {
        let (sent, echoed) = result.expect("client task");
        assert_eq!(sent.bytes, PER_CONNECTION);
        assert_eq!(echoed, sent, "connection {index} echoed intact");
    }
    server.abort();
    let counters = stack.counters();
    assert_eq!(counters.tcp.active_opens, CONNECTIONS as u64);
    assert_eq!(counters.tcp.bad_checksum, 0);
}

/// Awaits every handle in order.
async fn futures_join_all<T>(
    handles: Vec<tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await);
    }
    out
}
