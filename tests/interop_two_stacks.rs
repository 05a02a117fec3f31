//! Two instances of this stack against each other through the veth pair, the kernel out of
//! the way: simultaneous open (both connect to each other's fixed port at once) and
//! simultaneous close (both shut down at once), the two exchanges the kernel peer cannot be
//! made to do on cue.
//!
//! The kernel's address is removed from its veth end, so that kernel neither answers ARP
//! nor sends RSTs there, and a second stack owns the address instead. Every frame either
//! stack sends is delayed by [`CROSSING`] in its link wrapper, so segments sent at the same
//! moment from both sides are sure to cross in flight.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::{PATIENCE, Pattern, socket_state, wait_until, within};
use tcp_stack::netns::{self, Topology};
use tcp_tokio::link::FaultConfig;
use tcp_tokio::{Stack, State, TcpListener, TcpSocket, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Delay of every frame each stack sends: far longer than the microseconds between the two
/// calls the test makes "at once".
const CROSSING: Duration = Duration::from_millis(30);

/// Port each stack binds for the simultaneous open.
const PORT_A: u16 = 41001;
const PORT_B: u16 = 41002;

/// Stack A in the stack's namespace, stack B on the kernel's veth end in the kernel's
/// namespace with the kernel's address (taken away from the kernel first).
fn two_stacks(topology: &Topology) -> (Stack, Stack) {
    let cidr_b = format!("{}/{}", topology.kernel_addr(), topology.prefix_len());
    support::ip(&[
        "-n",
        topology.kernel_ns().name(),
        "addr",
        "del",
        &cidr_b,
        "dev",
        topology.kernel_if(),
    ]);
    let delayed = FaultConfig {
        delay: CROSSING,
        ..FaultConfig::NONE
    };
    let a = support::stack_with(
        topology,
        Stack::builder().faults(1, delayed, FaultConfig::NONE),
    );
    let b = support::start_in(
        topology.kernel_ns(),
        Stack::builder()
            .interface(topology.kernel_if())
            .ipv4(cidr_b)
            .faults(2, delayed, FaultConfig::NONE),
    );
    (a, b)
}

/// Sends a message each way and checks both arrive.
async fn exchange(a: &mut TcpStream, b: &mut TcpStream) {
    let (to_b, to_a) = (Pattern::bytes(1, 5000), Pattern::bytes(2, 7000));
    let (mut at_b, mut at_a) = (vec![0u8; to_b.len()], vec![0u8; to_a.len()]);
    let (wa, wb) = within("writes", PATIENCE, async {
        tokio::join!(a.write_all(&to_b), b.write_all(&to_a))
    })
    .await;
    wa.expect("A writes");
    wb.expect("B writes");
    let (ra, rb) = within("reads", PATIENCE, async {
        tokio::join!(a.read_exact(&mut at_a), b.read_exact(&mut at_b))
    })
    .await;
    ra.expect("A reads");
    rb.expect("B reads");
    assert!(at_b == to_b && at_a == to_a, "data intact both ways");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stacks_open_simultaneously() {
    if !netns::require("interop_two_stacks::two_stacks_open_simultaneously") {
        return;
    }
    let topology = support::topology("its-open");
    let (a, b) = two_stacks(&topology);
    let addr_a = SocketAddr::from((topology.stack_addr(), PORT_A));
    let addr_b = SocketAddr::from((topology.kernel_addr(), PORT_B));
    let socket_a = TcpSocket::new_v4_on(&a).expect("socket A");
    socket_a.bind(addr_a).expect("bind A");
    let socket_b = TcpSocket::new_v4_on(&b).expect("socket B");
    socket_b.bind(addr_b).expect("bind B");

    // Neither side listens: each connection can only come about by the SYNs crossing.
    let (connected_a, connected_b) = within("simultaneous open", PATIENCE, async {
        tokio::join!(socket_a.connect(addr_b), socket_b.connect(addr_a))
    })
    .await;
    let mut stream_a = connected_a.expect("A's connect succeeds");
    let mut stream_b = connected_b.expect("B's connect succeeds");
    assert_eq!(stream_a.state().unwrap(), State::Established);
    assert_eq!(stream_b.state().unwrap(), State::Established);
    assert_eq!(
        (
            stream_a.local_addr().unwrap(),
            stream_a.peer_addr().unwrap()
        ),
        (addr_a, addr_b)
    );
    assert_eq!(
        (
            stream_b.local_addr().unwrap(),
            stream_b.peer_addr().unwrap()
        ),
        (addr_b, addr_a)
    );
    for stack in [&a, &b] {
        let counters = stack.counters().tcp;
        assert_eq!((counters.active_opens, counters.passive_opens), (1, 0));
        assert_eq!(counters.resets_sent + counters.resets_received, 0);
    }
    exchange(&mut stream_a, &mut stream_b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stacks_close_simultaneously_and_both_wait() {
    if !netns::require("interop_two_stacks::two_stacks_close_simultaneously_and_both_wait") {
        return;
    }
    let topology = support::topology("its-close");
    let (a, b) = two_stacks(&topology);
    let addr_b = SocketAddr::from((topology.kernel_addr(), PORT_B));
    let listener = TcpListener::bind_on(&b, addr_b).await.expect("B listens");
    let (connected, accepted) = within("handshake", PATIENCE, async {
        tokio::join!(TcpStream::connect_on(&a, addr_b), listener.accept())
    })
    .await;
    let mut stream_a = connected.expect("A connects");
    let (mut stream_b, _) = accepted.expect("B accepts");
    exchange(&mut stream_a, &mut stream_b).await;
    let addr_a = stream_a.local_addr().unwrap();

    // Both FINs leave before either arrives.
    stream_a.shutdown().await.expect("A shuts down");
    stream_b.shutdown().await.expect("B shuts down");
    let (mut rest_a, mut rest_b) = (Vec::new(), Vec::new());
    let (eof_a, eof_b) = within("both read EOF", PATIENCE, async {
        tokio::join!(
            stream_a.read_to_end(&mut rest_a),
            stream_b.read_to_end(&mut rest_b)
        )
    })
    .await;
    assert_eq!(eof_a.expect("A reads"), 0, "A reads EOF");
    assert_eq!(eof_b.expect("B reads"), 0, "B reads EOF");

    // A passive closer would end in CLOSED; only crossing FINs leave both in TIME_WAIT.
    wait_until("both in TIME_WAIT", PATIENCE, || {
        socket_state(&a, addr_a, addr_b) == Some(State::TimeWait)
            && socket_state(&b, addr_b, addr_a) == Some(State::TimeWait)
    })
    .await;
    drop((stream_a, stream_b));
    assert_eq!(socket_state(&a, addr_a, addr_b), Some(State::TimeWait));
    assert_eq!(socket_state(&b, addr_b, addr_a), Some(State::TimeWait));
}
