//! TCP Fast Open (RFC 7413) against the Linux kernel across veth: a kernel client with
//! `TCP_FASTOPEN_CONNECT` gets a cookie from this stack's listener, then sends data on its
//! SYN; this stack's client gets a cookie from a kernel `TCP_FASTOPEN` listener, then
//! sends data on its SYN. The kernel's `TcpExtTCPFastOpen*` counters prove the data rode
//! on the SYN.

mod support;

use std::net::SocketAddr;

use socket2::{Domain, Protocol, Socket, Type};
use support::{PATIENCE, kernel_addr, kernel_counter, stack_addr, within};
use tcp_stack::netns::{self, Topology};
use tcp_tokio::{Stack, TcpSocket};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sets `net.ipv4.tcp_fastopen` to `value` in the kernel's namespace only.
fn kernel_fastopen_sysctl(topology: &Topology, value: &str) {
    topology
        .in_kernel_ns(|| std::fs::write("/proc/sys/net/ipv4/tcp_fastopen", value))
        .expect("entering the kernel namespace")
        .expect("setting net.ipv4.tcp_fastopen");
}

/// Sets the integer TCP-level socket option `name` on `socket`.
fn set_tcp_option(socket: &Socket, name: libc::c_int, value: libc::c_int) {
    netns::set_tcp_option(socket, name, value)
        .unwrap_or_else(|e| panic!("setsockopt({name}): {e}"));
}

/// A kernel connection to `server` with `TCP_FASTOPEN_CONNECT` that sends `message`, waits
/// for the stack's "ok", half-closes and reads until the stack closes too.
async fn kernel_fast_open_send(topology: &Topology, server: SocketAddr, message: &'static [u8]) {
    let socket = topology
        .in_kernel_ns(|| Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)))
        .expect("entering the kernel namespace")
        .expect("kernel socket");
    set_tcp_option(&socket, libc::TCP_FASTOPEN_CONNECT, 1);
    socket.set_nonblocking(true).expect("non-blocking");
    let socket = tokio::net::TcpSocket::from_std_stream(socket.into());
    let mut stream = socket.connect(server).await.expect("kernel connect");
    stream.write_all(message).await.expect("kernel write");
    // The reply proves the handshake done: a shutdown in SYN_SENT would close the socket.
    let mut reply = [0u8; 2];
    stream.read_exact(&mut reply).await.expect("kernel read");
    assert_eq!(&reply, b"ok");
    stream.shutdown().await.expect("kernel shutdown");
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.expect("kernel read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kernel_client_sends_data_on_its_syn_to_this_stacks_listener() {
    if !netns::require("fast_open::a_kernel_client_sends_data_on_its_syn_to_this_stacks_listener") {
        return;
    }
    let topology = support::topology("fo-kc");
    kernel_fastopen_sysctl(&topology, "1");
    let stack = support::stack(&topology);
    let socket = TcpSocket::new_v4_on(&stack).unwrap();
    socket.bind(stack_addr(&topology, 80)).unwrap();
    socket.set_fast_open(true).unwrap();
    let listener = socket.listen(16).unwrap();
    let server = stack_addr(&topology, 80);
    let active_before = kernel_counter(
        topology.kernel_ns(),
        "netstat",
        "TcpExt",
        "TCPFastOpenActive",
    );
    for (round, message) in [&b"first, asking for a cookie"[..], b"second, on the SYN"]
        .into_iter()
        .enumerate()
    {
        let receive = async {
            let (mut stream, _) = listener.accept().await.expect("stack accept");
            let mut got = vec![0u8; message.len()];
            stream.read_exact(&mut got).await.expect("stack read");
            stream.write_all(b"ok").await.expect("stack write");
            let mut rest = Vec::new();
            stream
                .read_to_end(&mut rest)
                .await
                .expect("stack read to end");
            stream.shutdown().await.expect("stack shutdown");
            got
        };
        let ((), got) = within("a Fast Open exchange", PATIENCE, async {
            tokio::join!(kernel_fast_open_send(&topology, server, message), receive)
        })
        .await;
        assert_eq!(got, message);
        assert_eq!(
            stack.counters().tcp.fast_open.passive,
            round as u64,
            "only the second connection's SYN carries a cookie"
        );
    }
    let active = kernel_counter(
        topology.kernel_ns(),
        "netstat",
        "TcpExt",
        "TCPFastOpenActive",
    );
    assert_eq!(
        active - active_before,
        1,
        "the kernel's SYN data was acknowledged once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn this_stacks_client_sends_data_on_its_syn_to_a_kernel_listener() {
    if !netns::require("fast_open::this_stacks_client_sends_data_on_its_syn_to_a_kernel_listener") {
        return;
    }
    let topology = support::topology("fo-sc");
    kernel_fastopen_sysctl(&topology, "3");
    let server = kernel_addr(&topology, 80);
    let listener = topology
        .in_kernel_ns(|| -> std::io::Result<std::net::TcpListener> {
            let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
            socket.set_reuse_address(true)?;
            socket.bind(&server.into())?;
            set_tcp_option(&socket, libc::TCP_FASTOPEN, 16);
            socket.listen(16)?;
            socket.set_nonblocking(true)?;
            Ok(socket.into())
        })
        .expect("entering the kernel namespace")
        .expect("kernel listener");
    let listener = tokio::net::TcpListener::from_std(listener).expect("kernel listener");
    // One shard: the cookie cache is per shard, and both connections must find it.
    let stack = support::stack_exactly(&topology, Stack::builder().shards(1));
    let passive_before = kernel_counter(
        topology.kernel_ns(),
        "netstat",
        "TcpExt",
        "TCPFastOpenPassive",
    );
    for (round, message) in [&b"first, asking for a cookie"[..], b"second, on the SYN"]
        .into_iter()
        .enumerate()
    {
        let send = async {
            let socket = TcpSocket::new_v4_on(&stack).unwrap();
            socket.set_fast_open(true).unwrap();
            let mut stream = socket.connect(server).await.expect("stack connect");
            stream.write_all(message).await.expect("write");
            stream.shutdown().await.expect("shutdown");
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).await.expect("read to end");
        };
        let receive = async {
            let (mut stream, _) = listener.accept().await.expect("kernel accept");
            let mut got = Vec::new();
            stream.read_to_end(&mut got).await.expect("kernel read");
            stream.shutdown().await.expect("kernel shutdown");
            got
        };
        let ((), got) = within("a Fast Open exchange", PATIENCE, async {
            tokio::join!(send, receive)
        })
        .await;
        assert_eq!(got, message);
        assert_eq!(stack.counters().tcp.fast_open.active, round as u64);
    }
    let passive = kernel_counter(
        topology.kernel_ns(),
        "netstat",
        "TcpExt",
        "TCPFastOpenPassive",
    );
    assert_eq!(
        passive - passive_before,
        1,
        "the kernel took data from one SYN"
    );
}
