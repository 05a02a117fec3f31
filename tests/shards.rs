//! A stack of several shards against the Linux kernel: connections opened from either side
//! land on the shard the fanout sends their frames to, a listener accepts from every shard,
//! and the stack's views merge the shards. The same with one shard, which must stay a
//! supported setting.

mod support;

use support::{
    PATIENCE, Pattern, kernel_addr, kernel_connect, kernel_echo_server, kernel_listener,
    stack_addr, stack_echo_server, within,
};
use tcp_stack::netns;
use tcp_tokio::{Stack, State, TcpListener, TcpStream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Connections each way.
const CONNECTIONS: usize = 24;

/// Sends a few KiB through `stream` and checks they come back unchanged.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, seed: u64) {
    let message = Pattern::bytes(seed, 5_000);
    let mut back = vec![0u8; message.len()];
    let (mut reader, mut writer) = tokio::io::split(&mut *stream);
    let (written, read) = within("echo", PATIENCE, async {
        tokio::join!(writer.write_all(&message), reader.read_exact(&mut back))
    })
    .await;
    written.expect("write");
    read.expect("read the echo");
    assert!(back == message, "echo differs");
}

/// `CONNECTIONS` kernel clients to a stack listener and as many stack clients to a kernel
/// listener, all at once, each echoing (a stack connection whose port the fanout sent to
/// another shard would never complete its handshake); returns the stack's local ports of
/// its own connections.
async fn connections_both_ways(shards: usize) -> Vec<u16> {
    let topology = std::sync::Arc::new(support::topology(&format!("sh{shards}")));
    let stack = support::stack_exactly(&topology, Stack::builder().shards(shards));
    assert_eq!(stack.shard_count(), shards);
    let listener = within(
        "bind",
        PATIENCE,
        TcpListener::bind_on(&stack, stack_addr(&topology, 80)),
    )
    .await
    .expect("stack listener");
    let listeners: Vec<_> = stack
        .sockets()
        .into_iter()
        .filter(|socket| socket.state == State::Listen)
        .collect();
    assert_eq!(
        listeners.len(),
        1,
        "one row for the listener of every shard"
    );
    let stack_server = stack_echo_server(listener);
    let kernel_server = kernel_echo_server(kernel_listener(&topology, 90));

    let mut tasks = Vec::new();
    let server = kernel_addr(&topology, 90);
    for i in 0..CONNECTIONS {
        let kernel_side = topology.clone();
        tasks.push(tokio::spawn(async move {
            let mut stream = kernel_connect(&kernel_side, stack_addr(&kernel_side, 80))
                .await
                .expect("kernel connect");
            echo(&mut stream, i as u64).await;
            None
        }));
        let stack = stack.clone();
        tasks.push(tokio::spawn(async move {
            let mut stream = within("connect", PATIENCE, TcpStream::connect_on(&stack, server))
                .await
                .expect("stack connect");
            echo(&mut stream, 100 + i as u64).await;
            Some(stream.local_addr().expect("local address").port())
        }));
    }
    let mut ports = Vec::new();
    for task in tasks {
        ports.extend(task.await.expect("connection task"));
    }
    let counters = stack.counters();
    assert!(
        counters.tcp.passive_opens >= CONNECTIONS as u64,
        "{counters:?}"
    );
    assert!(
        counters.tcp.active_opens >= CONNECTIONS as u64,
        "{counters:?}"
    );
    stack_server.abort();
    kernel_server.abort();
    ports
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_carry_connections_opened_from_either_side() {
    if !netns::require("shards::two_shards_carry_connections_opened_from_either_side") {
        return;
    }
    assert_eq!(connections_both_ways(2).await.len(), CONNECTIONS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_shard_carries_them_all() {
    if !netns::require("shards::one_shard_carries_them_all") {
        return;
    }
    assert_eq!(connections_both_ways(1).await.len(), CONNECTIONS);
}
