//! Interop with the Linux kernel across veth: handshakes and echo with this stack as client
//! and as server, refused connections both ways, and ICMP echo answered by a running stack.

mod support;

use std::io::ErrorKind;

use support::{
    PATIENCE, Pattern, kernel_addr, kernel_connect, kernel_echo_server, kernel_listener,
    stack_addr, stack_echo_server, within,
};
use tcp_stack::netns;
use tcp_tokio::{State, TcpListener, TcpStream};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Message sizes of an echo exchange: a byte, under and over one segment, several windows.
const ECHO_SIZES: [usize; 5] = [1, 100, 1460, 1461, 256 * 1024];

/// Sends each of [`ECHO_SIZES`] through `stream` and checks it comes back unchanged.
async fn echo_round_trips<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) {
    for (seed, size) in ECHO_SIZES.into_iter().enumerate() {
        let message = Pattern::bytes(seed as u64, size);
        let mut back = vec![0u8; size];
        let (mut reader, mut writer) = tokio::io::split(&mut *stream);
        let (written, read) = within("echo round trip", PATIENCE, async {
            tokio::join!(writer.write_all(&message), reader.read_exact(&mut back))
        })
        .await;
        written.expect("write");
        read.expect("read the echo");
        assert!(back == message, "echo of {size} bytes differs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_client_handshakes_and_echoes_with_a_kernel_server() {
    if !netns::require("interop_connect::stack_client_handshakes_and_echoes_with_a_kernel_server") {
        return;
    }
    let topology = support::topology("ic-echo");
    let listener = kernel_listener(&topology, 7);
    let (accepted_tx, accepted_rx) = tokio::sync::oneshot::channel();
    let server = tokio::spawn(async move {
        let (stream, peer) = listener.accept().await.expect("kernel accept");
        let local = stream.local_addr().expect("kernel local address");
        let _ = accepted_tx.send((peer, local));
        let (mut reader, mut writer) = tokio::io::split(stream);
        tokio::io::copy(&mut reader, &mut writer)
            .await
            .expect("kernel echo");
        writer.shutdown().await.expect("kernel shutdown");
    });
    let stack = support::stack(&topology);
    let server_addr = kernel_addr(&topology, 7);
    let mut stream = within(
        "connect",
        PATIENCE,
        TcpStream::connect_on(&stack, server_addr),
    )
    .await
    .expect("connect to the kernel");
    assert_eq!(stream.state().unwrap(), State::Established);
    assert_eq!(stream.peer_addr().unwrap(), server_addr);
    let local = stream.local_addr().unwrap();
    assert_eq!(local.ip(), topology.stack_addr());
    let (kernel_peer, kernel_local) = within("kernel accept", PATIENCE, accepted_rx)
        .await
        .expect("kernel accepted");
    assert_eq!(kernel_peer, local, "the kernel sees our address and port");
    assert_eq!(kernel_local, server_addr);

    echo_round_trips(&mut stream).await;

    support::half_close_and_read_eof(&mut stream).await;
    within("kernel server", PATIENCE, server)
        .await
        .expect("kernel server task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kernel_client_handshakes_and_echoes_with_a_stack_server() {
    if !netns::require("interop_connect::kernel_client_handshakes_and_echoes_with_a_stack_server") {
        return;
    }
    let topology = support::topology("ic-echo");
    let stack = support::stack(&topology);
    let server_addr = stack_addr(&topology, 7);
    let listener = TcpListener::bind_on(&stack, server_addr)
        .await
        .expect("stack listen");
    assert_eq!(listener.local_addr().unwrap(), server_addr);

    let connecting = tokio::spawn({
        let kernel_socket = support::kernel_socket(&topology);
        async move { kernel_socket.connect(server_addr).await }
    });
    let (accepted, peer) = within("stack accept", PATIENCE, listener.accept())
        .await
        .expect("accept");
    let mut kernel = within("kernel connect", PATIENCE, connecting)
        .await
        .expect("connect task")
        .expect("kernel connect");
    assert_eq!(
        peer,
        kernel.local_addr().unwrap(),
        "we see the kernel's port"
    );
    assert_eq!(accepted.peer_addr().unwrap(), peer);
    assert_eq!(accepted.local_addr().unwrap(), server_addr);
    assert_eq!(kernel.peer_addr().unwrap(), server_addr);
    assert_eq!(accepted.state().unwrap(), State::Established);

    let echo = tokio::spawn(async move {
        let mut accepted = accepted;
        let (mut reader, mut writer) = accepted.split();
        tokio::io::copy(&mut reader, &mut writer)
            .await
            .expect("stack echo");
        writer.shutdown().await.expect("stack shutdown");
    });
    echo_round_trips(&mut kernel).await;
    kernel.shutdown().await.expect("kernel shutdown");
    let mut rest = Vec::new();
    within(
        "EOF from the stack",
        PATIENCE,
        kernel.read_to_end(&mut rest),
    )
    .await
    .expect("kernel read to EOF");
    assert!(rest.is_empty());
    within("stack echo", PATIENCE, echo)
        .await
        .expect("stack echo task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_short_connections_both_ways() {
    if !netns::require("interop_connect::many_short_connections_both_ways") {
        return;
    }
    let topology = support::topology("ic-echo");
    let stack = support::stack(&topology);
    let kernel_server = kernel_echo_server(kernel_listener(&topology, 7));
    let stack_listener = TcpListener::bind_on(&stack, stack_addr(&topology, 7))
        .await
        .expect("stack listen");
    let stack_server = stack_echo_server(stack_listener);
    for round in 0..20u64 {
        let message = Pattern::bytes(round, 3000);
        let mut stream = within(
            "connect",
            PATIENCE,
            TcpStream::connect_on(&stack, kernel_addr(&topology, 7)),
        )
        .await
        .expect("stack connect");
        stream.write_all(&message).await.expect("write");
        stream.shutdown().await.expect("shutdown");
        let mut back = Vec::new();
        within("echo", PATIENCE, stream.read_to_end(&mut back))
            .await
            .expect("read");
        assert!(back == message, "stack client round {round}");

        let mut kernel = kernel_connect(&topology, stack_addr(&topology, 7))
            .await
            .expect("kernel connect");
        kernel.write_all(&message).await.expect("kernel write");
        kernel.shutdown().await.expect("kernel shutdown");
        let mut back = Vec::new();
        within("echo", PATIENCE, kernel.read_to_end(&mut back))
            .await
            .expect("kernel read");
        assert!(back == message, "kernel client round {round}");
    }
    kernel_server.abort();
    stack_server.abort();
    let counters = stack.counters();
    assert_eq!(counters.tcp.active_opens, 20);
    assert_eq!(counters.tcp.passive_opens, 20);
    assert_eq!(counters.tcp.bad_checksum, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_to_a_closed_kernel_port_is_refused() {
    if !netns::require("interop_connect::connect_to_a_closed_kernel_port_is_refused") {
        return;
    }
    let topology = support::topology("ic-rst");
    let stack = support::stack(&topology);
    let error = within(
        "refused connect",
        PATIENCE,
        TcpStream::connect_on(&stack, kernel_addr(&topology, 9)),
    )
    .await
    .expect_err("nothing listens on the kernel's port 9");
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused, "{error}");
    assert!(
        stack.sockets().is_empty(),
        "nothing left behind: {:?}",
        stack.sockets()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kernel_connect_to_a_closed_stack_port_is_refused() {
    if !netns::require("interop_connect::kernel_connect_to_a_closed_stack_port_is_refused") {
        return;
    }
    let topology = support::topology("ic-rst");
    let stack = support::stack(&topology);
    // A listener on another port: the stack is up and answering, just not on port 9.
    let _listener = TcpListener::bind_on(&stack, stack_addr(&topology, 7))
        .await
        .expect("stack listen");
    let error = kernel_connect(&topology, stack_addr(&topology, 9))
        .await
        .expect_err("nothing listens on the stack's port 9");
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused, "{error}");
    assert!(stack.counters().tcp.resets_sent >= 1);
}

/// The link-level test `netns_link::the_kernel_can_ping_the_stack` pings a bare network
/// layer; this one pings a whole running stack, in the middle of a TCP connection, so the
/// stack's driver serves ICMP and TCP side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kernel_pings_a_running_stack() {
    if !netns::require("interop_connect::the_kernel_pings_a_running_stack") {
        return;
    }
    let topology = support::topology("ic-ping");
    let stack = support::stack(&topology);
    let _server = kernel_echo_server(kernel_listener(&topology, 7));
    let mut stream = within(
        "connect",
        PATIENCE,
        TcpStream::connect_on(&stack, kernel_addr(&topology, 7)),
    )
    .await
    .expect("connect");

    let kernel = topology.kernel_ns().clone();
    let target = topology.stack_addr();
    let answered = within(
        "pings",
        PATIENCE,
        tokio::task::spawn_blocking(move || kernel.run(|| support::ping(target, 5))),
    )
    .await
    .expect("ping thread")
    .expect("entering the kernel namespace")
    .expect("raw ICMP socket");
    assert_eq!(answered, 5, "every echo request answered");
    assert_eq!(stack.counters().net.icmp_echo_replied, 5);

    // The connection carried on beside the pings.
    echo_round_trips(&mut stream).await;
}
