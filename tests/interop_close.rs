//! Interop with the Linux kernel across veth: how connections end. Half-close in both
//! orders (our FIN first with data flowing back, the rsh pattern; the kernel's FIN first
//! while we keep writing), aborts with linger zero both ways, TIME_WAIT after our active
//! close, and keepalive finding a peer that vanished. Each with this stack as client and as
//! server.

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::{
    PATIENCE, kernel_addr, kernel_listener, kernel_socket_state, receive_all, send_pattern,
    socket_state, stack_addr, wait_until, within,
};
use tcp_stack::netns::{self, Topology};
use tcp_tokio::{Keepalive, Stack, State, TcpSocket, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Which end this stack plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Client,
    Server,
}

/// The port of the listening side, kernel's or ours.
const PORT: u16 = 5000;

/// One connection between this stack and the kernel.
struct Pair {
    /// Our end.
    ours: TcpStream,
    /// The kernel's end.
    theirs: tokio::net::TcpStream,
    /// Our address of the connection.
    local: SocketAddr,
    /// The kernel's address of the connection.
    remote: SocketAddr,
}

/// Connects this stack and the kernel with the stack in `role`; `configure` sets the
/// options of our socket (for a server: of the listener, which accepted connections
/// inherit).
async fn connect(
    topology: &Topology,
    stack: &Stack,
    role: Role,
    configure: impl FnOnce(&TcpSocket),
) -> Pair {
    let socket = TcpSocket::new_v4_on(stack).expect("socket");
    configure(&socket);
    let (ours, theirs) = match role {
        Role::Client => {
            let listener = kernel_listener(topology, PORT);
            let (ours, accepted) = within("handshake", PATIENCE, async {
                tokio::join!(
                    socket.connect(kernel_addr(topology, PORT)),
                    listener.accept()
                )
            })
            .await;
            (
                ours.expect("stack connect"),
                accepted.expect("kernel accept").0,
            )
        }
        Role::Server => {
            socket.bind(stack_addr(topology, PORT)).expect("bind");
            let listener = socket.listen(16).expect("listen");
            let kernel = support::kernel_socket(topology);
            let (accepted, theirs) = within("handshake", PATIENCE, async {
                tokio::join!(
                    listener.accept(),
                    kernel.connect(stack_addr(topology, PORT))
                )
            })
            .await;
            (
                accepted.expect("stack accept").0,
                theirs.expect("kernel connect"),
            )
        }
    };
    let local = ours.local_addr().expect("local address");
    let remote = ours.peer_addr().expect("peer address");
    assert_eq!(theirs.local_addr().unwrap(), remote);
    assert_eq!(theirs.peer_addr().unwrap(), local);
    Pair {
        ours,
        theirs,
        local,
        remote,
    }
}

/// Bytes the side that closes first sends before its FIN.
const FIRST_BYTES: u64 = 1 << 20;
/// Bytes the other side sends back after it has read that FIN.
const REPLY_BYTES: u64 = 4 << 20;

/// Our FIN first: we send [`FIRST_BYTES`] and shut down our sending side; the kernel reads
/// to end-of-file, then sends [`REPLY_BYTES`] back and closes; we read all of it in
/// FIN_WAIT_2 and end in TIME_WAIT, while the kernel, the passive closer, keeps nothing.
async fn our_fin_first(role: Role) {
    let topology = support::topology("icl-half");
    let stack = support::stack(&topology);
    let Pair {
        mut ours,
        mut theirs,
        local,
        remote,
    } = connect(&topology, &stack, role, |_| {}).await;
    let kernel = tokio::spawn(async move {
        let got = receive_all(&mut theirs).await.expect("kernel read");
        let replied = send_pattern(&mut theirs, 2, REPLY_BYTES)
            .await
            .expect("kernel reply");
        theirs.shutdown().await.expect("kernel shutdown");
        (got, replied)
    });
    let sent = within(
        "our send",
        support::BULK_PATIENCE,
        send_pattern(&mut ours, 1, FIRST_BYTES),
    )
    .await
    .expect("our send");
    ours.shutdown().await.expect("our shutdown");
    let after_fin = ours.state().unwrap();
    assert!(
        matches!(after_fin, State::FinWait1 | State::FinWait2),
        "{after_fin}"
    );

    // The reply arrives after our FIN: read its first bytes and look at our state then.
    let mut first = [0u8; 1];
    within("first reply byte", PATIENCE, ours.read_exact(&mut first))
        .await
        .expect("read after our FIN");
    assert_eq!(
        ours.state().unwrap(),
        State::FinWait2,
        "data flows to us while our FIN is acknowledged and theirs not yet sent"
    );
    let rest = within("reply", support::BULK_PATIENCE, receive_all(&mut ours))
        .await
        .expect("read the reply");
    let (got, replied) = within("kernel side", PATIENCE, kernel)
        .await
        .expect("kernel task");
    assert_eq!(got, sent, "the kernel read exactly what we sent");
    let expected = support::Pattern::bytes(2, REPLY_BYTES as usize);
    assert_eq!(replied.sha256, sha256(&expected));
    assert_eq!(first[0], expected[0]);
    assert_eq!(rest.bytes, REPLY_BYTES - 1, "the whole reply arrived");
    assert_eq!(rest.sha256, sha256(&expected[1..]), "reply intact");

    wait_until("our TIME_WAIT", PATIENCE, || {
        socket_state(&stack, local, remote) == Some(State::TimeWait)
    })
    .await;
    wait_until("the kernel's passive close", PATIENCE, || {
        kernel_socket_state(topology.kernel_ns(), remote, local).is_none()
    })
    .await;
}

/// The kernel's FIN first: the kernel sends [`FIRST_BYTES`] and shuts down its sending
/// side; we read to end-of-file (CLOSE_WAIT), keep writing [`REPLY_BYTES`] and close; the
/// kernel reads it all and, as the active closer, holds TIME-WAIT.
async fn kernel_fin_first(role: Role) {
    let topology = support::topology("icl-half");
    let stack = support::stack(&topology);
    let Pair {
        mut ours,
        mut theirs,
        local,
        remote,
    } = connect(&topology, &stack, role, |_| {}).await;
    let kernel = tokio::spawn(async move {
        let sent = send_pattern(&mut theirs, 3, FIRST_BYTES)
            .await
            .expect("kernel send");
        theirs.shutdown().await.expect("kernel shutdown");
        let got = receive_all(&mut theirs).await.expect("kernel read");
        (sent, got)
    });
    let got = within(
        "read to EOF",
        support::BULK_PATIENCE,
        receive_all(&mut ours),
    )
    .await
    .expect("our read");
    assert_eq!(ours.state().unwrap(), State::CloseWait);
    let replied = within(
        "our reply",
        support::BULK_PATIENCE,
        send_pattern(&mut ours, 4, REPLY_BYTES),
    )
    .await
    .expect("writing after the kernel's FIN");
    ours.shutdown().await.expect("our shutdown");
    let (sent, kernel_got) = within("kernel side", support::BULK_PATIENCE, kernel)
        .await
        .expect("kernel task");
    assert_eq!(got, sent, "we read exactly what the kernel sent");
    assert_eq!(
        kernel_got, replied,
        "the kernel read all we wrote after its FIN"
    );
    wait_until("our LAST_ACK acknowledged", PATIENCE, || {
        matches!(
            socket_state(&stack, local, remote),
            None | Some(State::Closed)
        )
    })
    .await;
    assert_eq!(
        kernel_socket_state(topology.kernel_ns(), remote, local).as_deref(),
        Some("TIME-WAIT"),
        "the kernel closed first"
    );
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_stack_client_fin_first_reply_flows_back() {
    if !netns::require("interop_close::half_close_stack_client_fin_first_reply_flows_back") {
        return;
    }
    our_fin_first(Role::Client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_stack_server_fin_first_reply_flows_back() {
    if !netns::require("interop_close::half_close_stack_server_fin_first_reply_flows_back") {
        return;
    }
    our_fin_first(Role::Server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_kernel_server_fin_first_stack_client_keeps_writing() {
    if !netns::require(
        "interop_close::half_close_kernel_server_fin_first_stack_client_keeps_writing",
    ) {
        return;
    }
    kernel_fin_first(Role::Client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_kernel_client_fin_first_stack_server_keeps_writing() {
    if !netns::require(
        "interop_close::half_close_kernel_client_fin_first_stack_server_keeps_writing",
    ) {
        return;
    }
    kernel_fin_first(Role::Server).await;
}

/// We exchange a few bytes, set linger zero and drop our stream: the kernel's next read
/// fails with ECONNRESET, and we keep no state for the connection.
async fn our_linger_zero_drop(role: Role) {
    let topology = support::topology("icl-abort");
    let stack = support::stack(&topology);
    let linger_on_socket = role == Role::Client;
    let Pair {
        mut ours,
        mut theirs,
        local,
        remote,
    } = connect(&topology, &stack, role, |socket| {
        if linger_on_socket {
            socket.set_linger(Some(Duration::ZERO)).expect("linger");
        }
    })
    .await;
    if !linger_on_socket {
        ours.set_linger(Some(Duration::ZERO)).expect("linger");
    }
    assert_eq!(ours.linger().unwrap(), Some(Duration::ZERO));
    ours.write_all(b"hello").await.expect("write");
    let mut hello = [0u8; 5];
    within("kernel read", PATIENCE, theirs.read_exact(&mut hello))
        .await
        .expect("kernel read");
    assert_eq!(&hello, b"hello");
    let resets_before = stack.counters().tcp.resets_sent;
    drop(ours);

    let mut buf = [0u8; 16];
    let result = within("the kernel sees the reset", PATIENCE, theirs.read(&mut buf)).await;
    match result {
        Err(error) => assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}"),
        Ok(n) => panic!("the kernel read {n} bytes (0 = a FIN) instead of ECONNRESET"),
    }
    assert!(stack.counters().tcp.resets_sent > resets_before);
    wait_until("our connection gone", PATIENCE, || {
        matches!(
            socket_state(&stack, local, remote),
            None | Some(State::Closed)
        )
    })
    .await;
}

/// The kernel exchanges a few bytes and closes with SO_LINGER 0 (an RST): our pending read
/// fails with ConnectionReset.
async fn kernel_linger_zero_close(role: Role) {
    let topology = support::topology("icl-abort");
    let stack = support::stack(&topology);
    let Pair {
        mut ours,
        mut theirs,
        local,
        remote,
    } = connect(&topology, &stack, role, |_| {}).await;
    theirs.write_all(b"bye").await.expect("kernel write");
    let mut bye = [0u8; 3];
    within("our read", PATIENCE, ours.read_exact(&mut bye))
        .await
        .expect("our read");
    assert_eq!(&bye, b"bye");
    let resets_before = stack.counters().tcp.resets_received;
    socket2::SockRef::from(&theirs)
        .set_linger(Some(Duration::ZERO))
        .expect("SO_LINGER");
    drop(theirs);

    let mut buf = [0u8; 16];
    let result = within("we see the reset", PATIENCE, ours.read(&mut buf)).await;
    match result {
        Err(error) => assert_eq!(error.kind(), ErrorKind::ConnectionReset, "{error}"),
        Ok(n) => panic!("we read {n} bytes (0 = a FIN) instead of ConnectionReset"),
    }
    assert_eq!(stack.counters().tcp.resets_received, resets_before + 1);
    assert!(matches!(
        socket_state(&stack, local, remote),
        None | Some(State::Closed)
    ));
    let error = ours
        .write_all(b"more")
        .await
        .expect_err("writing on a reset connection fails");
    assert!(
        matches!(
            error.kind(),
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::NotConnected
        ),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_client_linger_zero_drop_resets_the_kernel() {
    if !netns::require("interop_close::stack_client_linger_zero_drop_resets_the_kernel") {
        return;
    }
    our_linger_zero_drop(Role::Client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_server_linger_zero_drop_resets_the_kernel() {
    if !netns::require("interop_close::stack_server_linger_zero_drop_resets_the_kernel") {
        return;
    }
    our_linger_zero_drop(Role::Server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kernel_server_abort_resets_stack_client() {
    if !netns::require("interop_close::kernel_server_abort_resets_stack_client") {
        return;
    }
    kernel_linger_zero_close(Role::Client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kernel_client_abort_resets_stack_server() {
    if !netns::require("interop_close::kernel_client_abort_resets_stack_server") {
        return;
    }
    kernel_linger_zero_close(Role::Server).await;
}

/// We close first (FIN), the kernel reads end-of-file and closes too: once its FIN is in,
/// `stack.sockets()` lists our end in TIME_WAIT, still after the stream is dropped; the
/// kernel's end, the passive closer, is gone.
async fn our_active_close_time_wait(role: Role) {
    let topology = support::topology("icl-tw");
    let stack = support::stack(&topology);
    let Pair {
        mut ours,
        mut theirs,
        local,
        remote,
    } = connect(&topology, &stack, role, |_| {}).await;
    ours.shutdown().await.expect("our shutdown");
    let mut buf = [0u8; 16];
    let n = within("kernel EOF", PATIENCE, theirs.read(&mut buf))
        .await
        .expect("kernel read");
    assert_eq!(n, 0, "the kernel reads our FIN as end-of-file");
    drop(theirs);
    let n = within("our EOF", PATIENCE, ours.read(&mut buf))
        .await
        .expect("our read");
    assert_eq!(n, 0, "we read the kernel's FIN as end-of-file");
    wait_until("TIME_WAIT", PATIENCE, || {
        socket_state(&stack, local, remote) == Some(State::TimeWait)
    })
    .await;
    assert_eq!(ours.state().unwrap(), State::TimeWait);
    drop(ours);
    assert_eq!(
        socket_state(&stack, local, remote),
        Some(State::TimeWait),
        "TIME_WAIT outlives the stream: {:?}",
        stack.sockets()
    );
    wait_until("the kernel's passive close", PATIENCE, || {
        kernel_socket_state(topology.kernel_ns(), remote, local).is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_client_active_close_is_listed_in_time_wait() {
    if !netns::require("interop_close::stack_client_active_close_is_listed_in_time_wait") {
        return;
    }
    our_active_close_time_wait(Role::Client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_server_active_close_is_listed_in_time_wait() {
    if !netns::require("interop_close::stack_server_active_close_is_listed_in_time_wait") {
        return;
    }
    our_active_close_time_wait(Role::Server).await;
}

/// Keepalive timings short enough for a test.
const KEEPALIVE: Keepalive = Keepalive {
    idle: Duration::from_secs(1),
    interval: Duration::from_millis(300),
    probes: 3,
};

/// An idle connection with keepalive on: while the kernel is there, its answers to our
/// probes keep the connection up well past the time an unanswered series would take; once
/// the kernel's link is down, our pending read fails with TimedOut after the probes.
async fn keepalive_finds_a_vanished_peer(role: Role) {
    let topology = support::topology("icl-ka");
    let stack = support::stack(&topology);
    let Pair {
        mut ours,
        theirs,
        local,
        remote,
    } = connect(&topology, &stack, role, |socket| {
        socket.set_keepalive_params(KEEPALIVE).expect("keepalive");
    })
    .await;
    let mut buf = [0u8; 16];
    let mut read = std::pin::pin!(ours.read(&mut buf));
    let dead_after = KEEPALIVE.idle + KEEPALIVE.interval * KEEPALIVE.probes;

    let before = stack.counters().tcp;
    let alive = tokio::time::timeout(dead_after * 2, read.as_mut()).await;
    assert!(
        alive.is_err(),
        "read ended while the kernel answers: {alive:?}"
    );
    let after = stack.counters().tcp;
    assert!(
        after.segments_out >= before.segments_out + 2,
        "probes sent on the idle connection: {before:?} -> {after:?}"
    );
    assert!(
        after.segments_in >= before.segments_in + 2,
        "probes answered by the kernel: {before:?} -> {after:?}"
    );
    assert_eq!(
        socket_state(&stack, local, remote),
        Some(State::Established)
    );

    // The kernel vanishes: its veth end goes down, so nothing answers any more.
    support::ip(&[
        "-n",
        topology.kernel_ns().name(),
        "link",
        "set",
        topology.kernel_if(),
        "down",
    ]);
    let vanished = Instant::now();
    let result = within("keepalive gives up", dead_after + PATIENCE, read).await;
    let took = vanished.elapsed();
    match result {
        Err(error) => assert_eq!(error.kind(), ErrorKind::TimedOut, "{error}"),
        Ok(n) => panic!("read returned {n} bytes instead of TimedOut"),
    }
    assert!(
        took >= KEEPALIVE.interval * (KEEPALIVE.probes - 1),
        "gave up after {took:?}, before the probes could go unanswered"
    );
    assert!(
        took <= dead_after + Duration::from_secs(2),
        "gave up after {took:?}, expected about {dead_after:?}"
    );
    assert!(matches!(
        socket_state(&stack, local, remote),
        None | Some(State::Closed)
    ));
    drop(theirs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_client_keepalive_detects_a_vanished_kernel() {
    if !netns::require("interop_close::stack_client_keepalive_detects_a_vanished_kernel") {
        return;
    }
    keepalive_finds_a_vanished_peer(Role::Client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_server_keepalive_detects_a_vanished_kernel() {
    if !netns::require("interop_close::stack_server_keepalive_detects_a_vanished_kernel") {
        return;
    }
    keepalive_finds_a_vanished_peer(Role::Server).await;
}
