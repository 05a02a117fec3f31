//! `TcpStream::info` and options changed on a live stream (keepalive, user timeout,
//! nodelay, linger), on two stacks in memory with a paused clock, through a wire the test
//! can cut.

mod support;

use core::task::{Context, Poll};
use std::io::{self, ErrorKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use support::{A, B, b_addr, connected, pair, settle};
use tcp_tokio::link::{FrameBatch, Link, LinkInfo, MemoryLink};
use tcp_tokio::{Keepalive, Stack, State, TcpListener, TcpStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A memory link whose sending side can be cut: once cut, what it sends is lost.
struct Cuttable {
    inner: MemoryLink,
    cut: Arc<AtomicBool>,
}

impl Link for Cuttable {
    fn info(&self) -> LinkInfo {
        self.inner.info()
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        self.inner.poll_recv(cx, batch)
    }

    fn try_recv(&mut self, batch: &mut FrameBatch) -> io::Result<()> {
        self.inner.try_recv(batch)
    }

    fn poll_send(&mut self, cx: &mut Context<'_>, batch: &mut FrameBatch) -> Poll<io::Result<()>> {
        if self.cut.load(Ordering::SeqCst) {
            batch.clear();
            return Poll::Ready(Ok(()));
        }
        self.inner.poll_send(cx, batch)
    }
}

/// Stacks A and B where B's sending side can be cut with the flag returned.
fn pair_with_cut() -> (Stack, Stack, Arc<AtomicBool>) {
    let (left, right) = MemoryLink::pair();
    let cut = Arc::new(AtomicBool::new(false));
    let right = Cuttable {
        inner: right,
        cut: cut.clone(),
    };
    let a = Stack::builder().ipv4(A).link(left).unwrap();
    let b = Stack::builder().ipv4(B).link(right).unwrap();
    (a, b, cut)
}

#[tokio::test(start_paused = true)]
async fn info_reports_the_transfer_and_the_negotiated_options() {
    let (a, b) = pair();
    let (mut client, mut server) = connected(&a, &b, 80).await;
    let data = vec![5u8; 100_000];
    client.write_all(&data).await.unwrap();
    let mut got = vec![0u8; data.len()];
    server.read_exact(&mut got).await.unwrap();
    settle().await;
    let sender = client.info().unwrap();
    let receiver = server.info().unwrap();
    assert_eq!(sender.transmission.state, State::Established);
    assert!(sender.transmission.rtt.is_some(), "{sender:?}");
    assert!(sender.transmission.congestion_window > 0);
    assert_eq!(sender.transmission.send_mss, 1460 - 12, "timestamps on");
    assert!(sender.transmission.timestamps && sender.transmission.sack);
    assert_eq!(sender.transmission.unacknowledged, 0, "all acknowledged");
    assert!(sender.counters.bytes_acked >= data.len() as u64);
    assert_eq!(sender.counters.bytes_sent, data.len() as u64, "no loss");
    assert_eq!(sender.counters.retransmits, 0);
    assert_eq!(receiver.counters.bytes_received, data.len() as u64);
}

#[tokio::test(start_paused = true)]
async fn keepalive_switched_on_live_sends_probes() {
    let (a, b) = pair();
    let (client, server) = connected(&a, &b, 80).await;
    let quick = Keepalive {
        idle: Duration::from_secs(10),
        interval: Duration::from_secs(5),
        probes: 3,
    };
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(server.info().unwrap().counters.keepalive_probes, 0);
    assert!(!server.keepalive().unwrap());
    server.set_keepalive_params(quick).unwrap();
    assert!(server.keepalive().unwrap());
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert!(server.info().unwrap().counters.keepalive_probes >= 1);
    assert_eq!(
        client.state().unwrap(),
        State::Established,
        "probes answered"
    );
    let zero = Keepalive { probes: 0, ..quick };
    assert_eq!(
        server.set_keepalive_params(zero).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    server.set_keepalive(false).unwrap();
    let probes = server.info().unwrap().counters.keepalive_probes;
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(server.info().unwrap().counters.keepalive_probes, probes);
}

#[tokio::test(start_paused = true)]
async fn a_user_timeout_set_live_ends_a_connection_whose_peer_went_silent() {
    let (a, b, cut) = pair_with_cut();
    let listener = TcpListener::bind_on(&b, b_addr(80)).await.unwrap();
    let mut client = TcpStream::connect_on(&a, b_addr(80)).await.unwrap();
    let (_server, _) = listener.accept().await.unwrap();
    assert_eq!(client.user_timeout().unwrap(), None);
    client
        .set_user_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(client.user_timeout().unwrap(), Some(Duration::from_secs(5)));
    cut.store(true, Ordering::SeqCst);
    client.write_all(b"into the void").await.unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let before = client.info().unwrap();
    assert_eq!(before.transmission.state, State::Established);
    assert!(before.counters.retransmits > 0, "{before:?}");
    tokio::time::sleep(Duration::from_secs(10)).await;
    let error = client.take_error().unwrap().expect("timed out");
    assert_eq!(error.kind(), ErrorKind::TimedOut);
    assert!(
        client.take_error().unwrap().is_none(),
        "taking the error cleared it"
    );
    assert_eq!(
        client.read(&mut [0u8; 4]).await.unwrap(),
        0,
        "reported once, the connection reads as ended"
    );
}

#[tokio::test]
async fn nodelay_and_linger_change_on_an_accepted_stream() {
    let (a, b) = pair();
    let (mut client, server) = connected(&a, &b, 80).await;
    assert!(!server.nodelay().unwrap());
    server.set_nodelay(true).unwrap();
    assert!(server.nodelay().unwrap());
    server.set_zero_linger().unwrap();
    assert_eq!(server.linger().unwrap(), Some(Duration::ZERO));
    drop(server);
    let mut buf = [0u8; 4];
    assert_eq!(
        client.read(&mut buf).await.unwrap_err().kind(),
        ErrorKind::ConnectionReset
    );
}
