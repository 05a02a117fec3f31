//! Interop with the Linux kernel across veth: bulk data. 64 MiB each way checked by
//! SHA-256, and 16 MiB from the kernel intact through 5 % loss in each direction.

mod support;

use support::{
    BULK_PATIENCE, PATIENCE, Tally, kernel_addr, kernel_counter, kernel_listener, receive_all,
    send_pattern, stack_addr, within,
};
use tcp_stack::netns::{self, Topology};
use tcp_tokio::link::FaultConfig;
use tcp_tokio::{Stack, TcpListener, TcpStream};
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
        TcpStream::connect(stack, kernel_addr(topology, PORT)),
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
    let listener = TcpListener::bind(stack, stack_addr(topology, PORT))
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
