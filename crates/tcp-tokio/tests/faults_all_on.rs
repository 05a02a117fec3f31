//! Two stacks on an in-memory link with every fault of the link wrapper on in both
//! directions of both stacks: loss, corruption, duplication, reordering, delay and jitter.
//! Several connections move data both ways at once and close with half-closes; every byte
//! must arrive once and in order, corrupted frames must be caught (IPv4 or TCP checksum, or
//! an address that is not ours) and the stacks must end with nothing left open.

use std::net::SocketAddr;
use std::time::Duration;
use tcp_tokio::link::{FaultConfig, MemoryLink};
use tcp_tokio::{Stack, State, TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const A: &str = "198.18.6.1/24";
const B: &str = "198.18.6.2/24";
const PORT: u16 = 7000;
const CONNECTIONS: usize = 4;
/// Bytes each way per connection.
const BYTES: usize = 256 * 1024;
/// The whole run's limit (real time; it takes a few seconds).
const LIMIT: Duration = Duration::from_secs(120);

fn faults() -> FaultConfig {
    FaultConfig {
        drop: 0.03,
        corrupt: 0.02,
        duplicate: 0.03,
        reorder: 0.05,
        reorder_timeout: Duration::from_millis(5),
        delay: Duration::from_millis(1),
        jitter: Duration::from_millis(2),
    }
}

fn pattern(key: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i * 31 + i / 253 + key * 17) as u8)
        .collect()
}

/// Writes `send`, half-closes, and reads to end-of-file; returns what was read.
async fn exchange(stream: TcpStream, send: Vec<u8>) -> Vec<u8> {
    let (mut reader, mut writer) = stream.into_split();
    let sender = tokio::spawn(async move {
        writer.write_all(&send).await.expect("write");
        writer.shutdown().await.expect("shutdown");
        writer
    });
    let mut got = Vec::new();
    reader.read_to_end(&mut got).await.expect("read");
    let writer = sender.await.expect("sender");
    let stream = reader.reunite(writer).expect("reunite");
    drop(stream);
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_link_fault_at_once_loses_and_duplicates_nothing() {
    let (left, right) = MemoryLink::pair();
    let a = Stack::builder()
        .ipv4(A)
        .faults(21, faults(), faults())
        .link(left)
        .expect("stack a");
    let b = Stack::builder()
        .ipv4(B)
        .faults(22, faults(), faults())
        .link(right)
        .expect("stack b");
    let server_addr = SocketAddr::from(([198, 18, 6, 2], PORT));
    let listener = TcpListener::bind_on(&b, server_addr).await.expect("bind");
    let run = async {
        let server = tokio::spawn(async move {
            let mut tasks = Vec::new();
            for _ in 0..CONNECTIONS {
                let (stream, peer) = listener.accept().await.expect("accept");
                let key = usize::from(peer.port());
                tasks.push(tokio::spawn(async move {
                    let got = exchange(stream, pattern(key + 1, BYTES)).await;
                    (key, got)
                }));
            }
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.expect("server task"));
            }
            results
        });
        let mut clients = Vec::new();
        for _ in 0..CONNECTIONS {
            let stream = TcpStream::connect_on(&a, server_addr)
                .await
                .expect("connect");
            let key = usize::from(stream.local_addr().expect("local").port());
            clients.push(tokio::spawn(async move {
                let got = exchange(stream, pattern(key, BYTES)).await;
                (key, got)
            }));
        }
        for client in clients {
            let (key, got) = client.await.expect("client task");
            assert!(
                got == pattern(key + 1, BYTES),
                "client {key} received {} bytes, not the server's stream",
                got.len()
            );
        }
        for (key, got) in server.await.expect("server") {
            assert!(
                got == pattern(key, BYTES),
                "server side of {key} received {} bytes, not the client's stream",
                got.len()
            );
        }
    };
    tokio::time::timeout(LIMIT, run)
        .await
        .expect("transfers finished in time");
    let counters = [a.counters(), b.counters()];
    let caught: u64 = counters
        .iter()
        .map(|c| {
            c.tcp.bad_checksum
                + c.tcp.malformed
                + c.net.ip_bad_checksum
                + c.net.ip_bad_header
                + c.net.frames_not_for_us
                + c.net.ip_not_for_us
                + c.net.ip_bad_source
        })
        .sum();
    assert!(caught > 0, "corruption was on but nothing was caught");
    // Every connection ends: nothing but TIME_WAIT or CLOSED left on either side once the
    // last FINs are acknowledged (their retransmissions may still be under way).
    let settled = |stack: &Stack| {
        stack
            .sockets()
            .iter()
            .all(|row| matches!(row.state, State::TimeWait | State::Closed))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !(settled(&a) && settled(&b)) {
        // Waits on the stacks' own progress, not on a fixed delay.
        assert!(
            std::time::Instant::now() < deadline,
            "left behind: {:?} {:?}",
            a.sockets(),
            b.sockets()
        );
        tokio::task::yield_now().await;
    }
}
