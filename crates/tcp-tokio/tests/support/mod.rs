//! What the memory-link tests of the stream API share: two stacks joined in memory, a
//! connected pair of streams between them, and a way to wait until nothing moves.

// Each test binary includes this module and uses part of it.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;
use tcp_tokio::link::MemoryLink;
use tcp_tokio::{Stack, TcpListener, TcpStream};

/// Stack A's address and prefix.
pub const A: &str = "198.18.5.1/24";
/// Stack B's address and prefix.
pub const B: &str = "198.18.5.2/24";

/// Two stacks, A and B, on the two ends of a memory link.
pub fn pair() -> (Stack, Stack) {
    let (left, right) = MemoryLink::pair();
    let a = Stack::builder().ipv4(A).link(left).expect("stack a");
    let b = Stack::builder().ipv4(B).link(right).expect("stack b");
    (a, b)
}

/// Stack A's address with `port`.
pub fn a_addr(port: u16) -> SocketAddr {
    SocketAddr::from(([198, 18, 5, 1], port))
}

/// Stack B's address with `port`.
pub fn b_addr(port: u16) -> SocketAddr {
    SocketAddr::from(([198, 18, 5, 2], port))
}

/// A connection from A (the client, first) to a listener on B's `port` (the accepted
/// server side, second).
pub async fn connected(a: &Stack, b: &Stack, port: u16) -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind_on(b, b_addr(port)).await.expect("bind");
    let client = TcpStream::connect_on(a, b_addr(port))
        .await
        .expect("connect");
    let (server, _) = listener.accept().await.expect("accept");
    (client, server)
}

/// Returns once every task, the stacks' drivers included, has nothing left to do. Only for
/// tests with a paused clock (`start_paused = true`): tokio then moves the clock to this
/// sleep's end only when the runtime is idle, so frames in flight have all been handled
/// (and timers due before it have fired) when it returns.
pub async fn settle() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}
