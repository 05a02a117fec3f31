use core::time::Duration;

use super::*;
use crate::link::MemoryLink;

const FRAMES: u16 = 300;

fn numbered(n: u16) -> Vec<u8> {
    let mut frame = vec![0u8; 60];
    frame[..2].copy_from_slice(&n.to_be_bytes());
    frame
}

fn lossy() -> FaultConfig {
    FaultConfig {
        drop: 0.2,
        corrupt: 0.1,
        duplicate: 0.1,
        reorder: 0.1,
        ..FaultConfig::NONE
    }
}

/// Sends `FRAMES` numbered frames through a faulty sender and returns what arrived and the
/// sender's counters.
async fn run_send(seed: u64) -> (Vec<Vec<u8>>, FaultCounters) {
    let (a, mut b) = MemoryLink::pair();
    let mut a = FaultyLink::new(a, seed, lossy(), FaultConfig::NONE);
    let mut out = FrameBatch::new(BATCH, 1514);
    for n in 0..FRAMES {
        out.push(&numbered(n)).unwrap();
        if out.is_full() || n + 1 == FRAMES {
            a.send(&mut out).await.unwrap();
        }
    }
    a.flush().await.unwrap();
    let counters = a.send_counters();
    let expected = counters.frames - counters.dropped + counters.duplicated;
    let mut got = Vec::new();
    let mut batch = FrameBatch::new(BATCH, 1514);
    while (got.len() as u64) < expected {
        b.recv(&mut batch).await.unwrap();
        got.extend(batch.iter().map(<[u8]>::to_vec));
    }
    (got, counters)
}

#[tokio::test(start_paused = true)]
async fn same_seed_same_faults_on_send() {
    let (first, counters) = run_send(42).await;
    let (second, again) = run_send(42).await;
    assert_eq!(first, second);
    assert_eq!(counters, again);
    assert_eq!(counters.frames, u64::from(FRAMES));
    for fault in [counters.dropped, counters.corrupted, counters.duplicated] {
        assert!(fault > 0, "{counters:?}");
    }
    assert!(counters.reordered > 0, "{counters:?}");
    let (other, _) = run_send(43).await;
    assert_ne!(first, other);
}

#[tokio::test(start_paused = true)]
async fn faults_show_in_what_arrives() {
    let (got, counters) = run_send(7).await;
    let intact: Vec<u16> = got
        .iter()
        .filter(|frame| frame[2..].iter().all(|&b| b == 0))
        .map(|frame| u16::from_be_bytes([frame[0], frame[1]]))
        .collect();
    let corrupted = got.len() - intact.len();
    assert!(corrupted as u64 >= counters.corrupted.saturating_sub(counters.duplicated));
    assert!(intact.windows(2).any(|pair| pair[1] < pair[0]), "reordered");
    assert!(
        intact.windows(2).any(|pair| pair[1] == pair[0]),
        "duplicated"
    );
}

/// Receives `FRAMES` numbered frames through a faulty receiver.
async fn run_recv(seed: u64) -> Vec<Vec<u8>> {
    let (mut a, b) = MemoryLink::pair();
    let mut b = FaultyLink::new(b, seed, FaultConfig::NONE, lossy());
    let mut out = FrameBatch::new(usize::from(FRAMES), 1514);
    for n in 0..FRAMES {
        out.push(&numbered(n)).unwrap();
    }
    a.send(&mut out).await.unwrap();
    drop(a);
    let mut got = Vec::new();
    let mut batch = FrameBatch::new(BATCH, 1514);
    while b.recv(&mut batch).await.is_ok() {
        got.extend(batch.iter().map(<[u8]>::to_vec));
    }
    let counters = b.recv_counters();
    assert_eq!(
        got.len() as u64,
        counters.frames - counters.dropped + counters.duplicated
    );
    got
}

#[tokio::test(start_paused = true)]
async fn same_seed_same_faults_on_receive() {
    let first = run_recv(9).await;
    assert_eq!(first, run_recv(9).await);
    assert_ne!(first, run_recv(10).await);
}

#[tokio::test(start_paused = true)]
async fn delay_holds_frames_for_the_configured_time() {
    let (a, mut b) = MemoryLink::pair();
    let delay = FaultConfig {
        delay: Duration::from_millis(30),
        ..FaultConfig::NONE
    };
    let mut a = FaultyLink::new(a, 1, delay, FaultConfig::NONE);
    let start = Instant::now();
    let mut out = FrameBatch::new(1, 1514);
    out.push(&numbered(1)).unwrap();
    a.send(&mut out).await.unwrap();
    let sender = tokio::spawn(async move {
        a.flush().await.unwrap();
        a
    });
    let mut batch = FrameBatch::new(1, 1514);
    b.recv(&mut batch).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(30));
    assert_eq!(batch.get(0), Some(&numbered(1)[..]));
    assert_eq!(sender.await.unwrap().send_counters().delayed, 1);
}

#[tokio::test]
async fn frames_over_the_mtu_are_refused() {
    let (a, _b) = MemoryLink::pair();
    let mut a = FaultyLink::new(a, 1, FaultConfig::NONE, FaultConfig::NONE);
    let mut out = FrameBatch::new(2, 2000);
    out.push(&[0; 1515]).unwrap();
    out.push(&numbered(0)).unwrap();
    let error = a.send(&mut out).await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    assert_eq!(out.len(), 1);
    assert_eq!(a.send_counters().frames, 0);
}

/// A waker that counts its wake-ups.
struct CountingWaker(std::sync::atomic::AtomicUsize);

impl std::task::Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn frames_left_in_the_line_ask_for_another_receive() {
    let (mut a, b) = MemoryLink::pair();
    let mut b = FaultyLink::new(b, 1, FaultConfig::NONE, FaultConfig::NONE);
    let mut out = FrameBatch::new(BATCH, 1514);
    for n in 0..4 {
        out.push(&numbered(n)).unwrap();
    }
    a.send(&mut out).await.unwrap();
    let counter = std::sync::Arc::new(CountingWaker(Default::default()));
    let waker = std::task::Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut small = FrameBatch::new(2, 1514);
    assert!(matches!(
        b.poll_recv(&mut cx, &mut small),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(small.len(), 2);
    assert_eq!(
        counter.0.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "two frames wait in the line where no socket readiness announces them"
    );
    assert!(matches!(
        b.poll_recv(&mut cx, &mut small),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(small.len(), 2);
}
