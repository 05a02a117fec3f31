//! IPv6 interop with the Linux kernel across veth: this stack as client and as server over
//! IPv6 (echo, half-close), bulk transfers both ways checked by SHA-256 (offloads off: the
//! kernel cuts our TCPv6 super-frames; offloads on: super-frames pass whole both ways), a `[::]`
//! listener taking an IPv4 and an IPv6 kernel client, an IPv4-mapped destination reached
//! over IPv4, and neighbour discovery both ways (the kernel pings the stack, the stack
//! resolves the kernel).

mod support;

use std::net::{IpAddr, SocketAddr};

use support::ipv6::{kernel_addr, kernel_connect, kernel_listener, stack_addr};
use support::{BULK_PATIENCE, PATIENCE, Pattern, receive_all, send_pattern, within};
use tcp_stack::netns::{self, Topology, enable_offloads};
use tcp_tokio::{Stack, TcpListener, TcpSocket, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Bytes each way of the bulk transfer.
const BULK: u64 = 16 << 20;

/// Writes `message` on `stream`, reads as many bytes back and checks them.
async fn echo_once<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    stream: &mut S,
    message: &[u8],
) {
    let mut back = vec![0u8; message.len()];
    let (mut reader, mut writer) = tokio::io::split(&mut *stream);
    let (written, read) = within("echo", PATIENCE, async {
        tokio::join!(writer.write_all(message), reader.read_exact(&mut back))
    })
    .await;
    written.expect("write");
    read.expect("read the echo");
    assert!(
        back == message,
        "the echo of {} bytes differs",
        message.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_client_over_ipv6_echoes_and_half_closes_with_a_kernel_server() {
    if !netns::require(
        "interop_ipv6::stack_client_over_ipv6_echoes_and_half_closes_with_a_kernel_server",
    ) {
        return;
    }
    let topology = support::ipv6::topology("i6-client");
    let server_addr = kernel_addr(&topology, 7);
    let listener = kernel_listener(&topology, server_addr);
    let server = tokio::spawn(async move {
        let (stream, peer) = listener.accept().await.expect("kernel accept");
        let (mut reader, mut writer) = tokio::io::split(stream);
        tokio::io::copy(&mut reader, &mut writer)
            .await
            .expect("kernel echo");
        writer.shutdown().await.expect("kernel shutdown");
        peer
    });
    let stack = support::ipv6::stack(&topology);
    let mut stream = within(
        "connect",
        PATIENCE,
        TcpStream::connect_on(&stack, server_addr),
    )
    .await
    .expect("connect to the kernel over IPv6");
    assert_eq!(stream.peer_addr().unwrap(), server_addr);
    let local = stream.local_addr().unwrap();
    assert_eq!(local.ip(), IpAddr::V6(topology.stack_addr_v6()));
    for size in [1, 1440, 1441, 200_000] {
        echo_once(&mut stream, &Pattern::bytes(size as u64, size)).await;
    }
    support::half_close_and_read_eof(&mut stream).await;
    let kernel_peer = within("kernel server", PATIENCE, server)
        .await
        .expect("kernel server task");
    assert_eq!(
        kernel_peer, local,
        "the kernel sees our IPv6 address and port"
    );
    let counters = stack.counters().net;
    assert!(
        counters.ndp_solicitations_out >= 1,
        "we resolved the kernel"
    );
    assert!(counters.ndp_advertisements_in >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kernel_client_over_ipv6_is_accepted_and_half_closes() {
    if !netns::require("interop_ipv6::a_kernel_client_over_ipv6_is_accepted_and_half_closes") {
        return;
    }
    let topology = support::ipv6::topology("i6-server");
    let stack = support::ipv6::stack(&topology);
    let listener = TcpListener::bind_on(&stack, stack_addr(&topology, 8080))
        .await
        .expect("listen on our IPv6 address");
    let mut client = kernel_connect(&topology, stack_addr(&topology, 8080))
        .await
        .expect("the kernel connects over IPv6");
    let (mut accepted, peer) = within("accept", PATIENCE, listener.accept())
        .await
        .expect("accept");
    assert_eq!(peer, client.local_addr().unwrap());
    assert_eq!(accepted.local_addr().unwrap(), stack_addr(&topology, 8080));
    client.write_all(b"question").await.unwrap();
    client.shutdown().await.expect("the kernel half-closes");
    let mut got = Vec::new();
    within(
        "read to the kernel's FIN",
        PATIENCE,
        accepted.read_to_end(&mut got),
    )
    .await
    .expect("read");
    assert_eq!(got, b"question");
    accepted.write_all(b"answer after FIN").await.unwrap();
    accepted.shutdown().await.unwrap();
    let mut answer = Vec::new();
    within(
        "kernel reads to EOF",
        PATIENCE,
        client.read_to_end(&mut answer),
    )
    .await
    .expect("kernel read");
    assert_eq!(answer, b"answer after FIN");
}

/// Moves [`BULK`] bytes each way at once between a stack listener and a kernel client
/// over IPv6, and checks both arrive intact.
async fn bulk_both_ways(topology: &Topology, stack: &Stack) {
    let listener = TcpListener::bind_on(stack, stack_addr(topology, 9000))
        .await
        .expect("listen");
    let kernel = kernel_connect(topology, stack_addr(topology, 9000))
        .await
        .expect("kernel connect");
    let (ours, _) = within("accept", PATIENCE, listener.accept())
        .await
        .expect("accept");
    let (mut our_reader, mut our_writer) = ours.into_split();
    let (mut kernel_reader, mut kernel_writer) = kernel.into_split();
    let transfers = async {
        tokio::join!(
            async {
                let sent = send_pattern(&mut our_writer, 1, BULK).await;
                our_writer.shutdown().await.expect("our FIN");
                sent
            },
            receive_all(&mut kernel_reader),
            async {
                let sent = send_pattern(&mut kernel_writer, 2, BULK).await;
                kernel_writer.shutdown().await.expect("kernel FIN");
                sent
            },
            receive_all(&mut our_reader),
        )
    };
    let (ours_sent, kernel_got, kernel_sent, ours_got) =
        within("bulk both ways", BULK_PATIENCE, transfers).await;
    assert_eq!(ours_sent.unwrap(), kernel_got.unwrap(), "stack -> kernel");
    assert_eq!(kernel_sent.unwrap(), ours_got.unwrap(), "kernel -> stack");
    assert_eq!(stack.counters().tcp.bad_checksum, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_both_ways_over_ipv6_arrives_intact() {
    if !netns::require("interop_ipv6::bulk_both_ways_over_ipv6_arrives_intact") {
        return;
    }
    let topology = support::ipv6::topology("i6-bulk");
    let stack = support::ipv6::stack(&topology);
    bulk_both_ways(&topology, &stack).await;
    let counters = stack.counters();
    assert!(
        counters.tcp.segments_out > 2 * counters.net.frames_out,
        "our segments went out as TCPv6 super-frames: {} segments in {} frames",
        counters.tcp.segments_out,
        counters.net.frames_out
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_both_ways_over_ipv6_as_super_frames_arrives_intact() {
    if !netns::require("interop_ipv6::bulk_both_ways_over_ipv6_as_super_frames_arrives_intact") {
        return;
    }
    let topology = support::ipv6::topology("i6-gso");
    topology
        .in_stack_ns(|| enable_offloads(topology.stack_if()))
        .expect("entering the stack namespace")
        .expect("offloads on, stack side");
    topology
        .in_kernel_ns(|| enable_offloads(topology.kernel_if()))
        .expect("entering the kernel namespace")
        .expect("offloads on, kernel side");
    let stack = support::ipv6::stack(&topology);
    bulk_both_ways(&topology, &stack).await;
    let counters = stack.counters();
    assert!(
        counters.tcp.segments_in < BULK / 1440 / 2,
        "the kernel's segments arrived as IPv6 super-frames: {} segments in for {BULK} bytes",
        counters.tcp.segments_in
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wildcard_ipv6_listener_accepts_an_ipv4_and_an_ipv6_kernel_client() {
    if !netns::require(
        "interop_ipv6::a_wildcard_ipv6_listener_accepts_an_ipv4_and_an_ipv6_kernel_client",
    ) {
        return;
    }
    let topology = support::ipv6::topology("i6-dual");
    let stack = support::ipv6::stack(&topology);
    let listener = TcpListener::bind_on(&stack, "[::]:8443")
        .await
        .expect("listen on [::]");
    assert_eq!(
        listener.local_addr().unwrap(),
        "[::]:8443".parse::<SocketAddr>().unwrap()
    );
    let v4 = kernel_connect(&topology, SocketAddr::from((topology.stack_addr(), 8443)))
        .await
        .expect("an IPv4 client connects");
    let (from_v4, peer) = within("accept IPv4", PATIENCE, listener.accept())
        .await
        .expect("accept");
    let mapped = |addr: SocketAddr| match addr {
        SocketAddr::V4(v4) => SocketAddr::new(IpAddr::V6(v4.ip().to_ipv6_mapped()), v4.port()),
        v6 => v6,
    };
    assert_eq!(
        peer,
        mapped(v4.local_addr().unwrap()),
        "as tokio reports it"
    );
    assert_eq!(from_v4.peer_addr().unwrap(), peer);
    assert_eq!(
        from_v4.local_addr().unwrap(),
        mapped(SocketAddr::from((topology.stack_addr(), 8443)))
    );
    let v6 = kernel_connect(&topology, stack_addr(&topology, 8443))
        .await
        .expect("an IPv6 client connects");
    let (mut from_v6, peer) = within("accept IPv6", PATIENCE, listener.accept())
        .await
        .expect("accept");
    assert_eq!(peer, v6.local_addr().unwrap());
    let mut v4 = v4;
    v4.write_all(b"four").await.unwrap();
    let mut from_v4 = from_v4;
    let mut word = [0u8; 4];
    within("IPv4 data", PATIENCE, from_v4.read_exact(&mut word))
        .await
        .unwrap();
    assert_eq!(&word, b"four");
    from_v6.write_all(b"six").await.unwrap();
    let mut v6 = v6;
    let mut word = [0u8; 3];
    within("IPv6 data", PATIENCE, v6.read_exact(&mut word))
        .await
        .unwrap();
    assert_eq!(&word, b"six");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipv4_mapped_destination_is_reached_over_ipv4() {
    if !netns::require("interop_ipv6::an_ipv4_mapped_destination_is_reached_over_ipv4") {
        return;
    }
    let topology = support::ipv6::topology("i6-mapped");
    let v4_server = SocketAddr::from((topology.kernel_addr(), 7));
    let listener = kernel_listener(&topology, v4_server);
    let server = tokio::spawn(async move {
        let (stream, peer) = listener.accept().await.expect("kernel accept");
        drop(stream);
        peer
    });
    let stack = support::ipv6::stack(&topology);
    let mapped_ip = IpAddr::V6(topology.kernel_addr().to_ipv6_mapped());
    let socket = TcpSocket::new_v6_on(&stack).unwrap();
    let stream = within(
        "connect",
        PATIENCE,
        socket.connect(SocketAddr::new(mapped_ip, 7)),
    )
    .await
    .expect("connect to [::ffff:a.b.c.d]");
    assert_eq!(stream.peer_addr().unwrap(), SocketAddr::new(mapped_ip, 7));
    let local = stream.local_addr().unwrap();
    let our_mapped = IpAddr::V6(topology.stack_addr().to_ipv6_mapped());
    assert_eq!(local.ip(), our_mapped);
    let kernel_peer = within("kernel accept", PATIENCE, server).await.unwrap();
    assert_eq!(
        kernel_peer,
        SocketAddr::from((topology.stack_addr(), local.port()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kernel_resolves_the_stack_by_neighbour_discovery_and_pings_it() {
    if !netns::require(
        "interop_ipv6::the_kernel_resolves_the_stack_by_neighbour_discovery_and_pings_it",
    ) {
        return;
    }
    let topology = support::ipv6::topology("i6-ndp");
    let stack = support::ipv6::stack(&topology);
    let target = topology.stack_addr_v6();
    let answered = tokio::task::spawn_blocking({
        let kernel = topology.kernel_ns().clone();
        move || kernel.run(|| support::ipv6::ping6(target, 3))
    })
    .await
    .expect("ping task")
    .expect("entering the kernel namespace")
    .expect("ping6");
    assert_eq!(answered, 3, "every echo request answered");
    let net = stack.counters().net;
    assert!(net.ndp_solicitations_in >= 1, "the kernel asked for us");
    assert!(net.ndp_advertisements_out >= 1, "and we answered");
    assert_eq!(net.icmp_echo_replied, 3);
    let neighbours = std::process::Command::new("ip")
        .args([
            "-n",
            topology.kernel_ns().name(),
            "-6",
            "neigh",
            "show",
            &target.to_string(),
        ])
        .output()
        .expect("running ip neigh");
    let neighbours = String::from_utf8_lossy(&neighbours.stdout);
    let our_mac = stack_mac(&topology);
    assert!(
        neighbours.contains(&our_mac),
        "the kernel's neighbour entry names our MAC {our_mac}: {neighbours}"
    );
}

/// The stack's veth end's MAC address, as `ip` prints it.
fn stack_mac(topology: &tcp_stack::netns::Topology) -> String {
    let output = std::process::Command::new("ip")
        .args([
            "-n",
            topology.stack_ns().name(),
            "link",
            "show",
            topology.stack_if(),
        ])
        .output()
        .expect("running ip link");
    let text = String::from_utf8_lossy(&output.stdout);
    let mac = text
        .split_whitespace()
        .skip_while(|word| *word != "link/ether")
        .nth(1)
        .expect("an Ethernet address");
    mac.to_string()
}
