//! The driver task: moves frames between the link and the engine, runs timers, wakes tasks.

use super::pcap::PcapWriter;
use super::shared::{Shared, StackState};
use crate::link::{BATCH, FrameBatch, Link};
use crate::net::{Egress, TCP_OFFSET};
use core::net::IpAddr;
use core::task::Waker;
use std::future::poll_fn;
use std::sync::Arc;
use tcp_core::Instant;
use tcp_wire::TcpdumpLine;

/// Runs until the last user handle is dropped or the link fails.
pub(crate) async fn run<L: Link>(mut link: L, shared: Arc<Shared>, mut pcap: Option<PcapWriter>) {
    let slot_len = link.info().mtu + 14;
    let mut rx = FrameBatch::new(BATCH, slot_len);
    let mut tx = FrameBatch::new(BATCH, slot_len);
    let mut woken: Vec<Waker> = Vec::new();
    loop {
        let deadline = next_deadline(&shared);
        let sleep = tokio::time::sleep_until(deadline.unwrap_or_else(far_future));
        tokio::select! {
            biased;
            received = poll_fn(|cx| link.poll_recv(cx, &mut rx)) => {
                match received {
                    Ok(()) => {}
                    Err(error) if is_transient(&error) => {
                        // The interface is down: connections live on (their timers keep
                        // running) and receiving resumes once it is back up.
                        tracing::warn!(%error, "link down; retrying");
                        rx.clear();
                        tokio::time::sleep(LINK_DOWN_RETRY).await;
                    }
                    Err(error) => {
                        fail(&shared, &error);
                        return;
                    }
                }
            }
            () = shared.driver.notified() => rx.clear(),
            () = sleep => rx.clear(),
        }
        let stopping = shared.stopping();
        loop {
            let more = {
                let mut state = shared.lock();
                let now = shared.now();
                for frame in rx.iter() {
                    if let Some(pcap) = pcap.as_mut() {
                        pcap.record(frame);
                    }
                    deliver(&mut state, now, frame);
                }
                rx.clear();
                run_timers(&mut state, now);
                let more = produce(&mut state, now, &mut tx);
                state.dispatch_events(&mut woken);
                more
            };
            for waker in woken.drain(..) {
                waker.wake();
            }
            if let Some(pcap) = pcap.as_mut() {
                for frame in tx.iter() {
                    pcap.record(frame);
                }
            }
            if let Err(error) = poll_fn(|cx| link.poll_send(cx, &mut tx)).await {
                tracing::warn!(%error, "link send failed");
            }
            if !more {
                break;
            }
        }
        if let Err(error) = poll_fn(|cx| link.poll_flush(cx)).await {
            tracing::warn!(%error, "link flush failed");
        }
        if stopping {
            if let Some(pcap) = pcap.as_mut() {
                pcap.flush();
            }
            return;
        }
    }
}

/// How long the driver waits before receiving again from an interface that is down.
const LINK_DOWN_RETRY: std::time::Duration = std::time::Duration::from_millis(20);

/// Errors an interface gives while it is down, which end when it comes back up.
fn is_transient(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::NetworkDown
            | std::io::ErrorKind::NetworkUnreachable
            | std::io::ErrorKind::Interrupted
    ) || error.raw_os_error() == Some(libc::ENXIO)
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + std::time::Duration::from_secs(86_400)
}

/// The earliest engine or ARP deadline, as a tokio instant.
fn next_deadline(shared: &Shared) -> Option<tokio::time::Instant> {
    let state = shared.lock();
    let tcp = state.endpoint.poll_timeout();
    let net = state.net.poll_timeout().map(Instant::from_micros);
    [tcp, net]
        .into_iter()
        .flatten()
        .min()
        .map(|at| shared.to_tokio(at))
}

/// One received frame through the network layer into the engine.
fn deliver(state: &mut StackState, now: Instant, frame: &[u8]) {
    let Some(segment) = state.net.handle_frame(now.as_micros(), frame) else {
        return;
    };
    let (src, dst) = (IpAddr::V4(segment.src), IpAddr::V4(segment.dst));
    if tracing::enabled!(target: "tcp_tokio::segment", tracing::Level::DEBUG) {
        tracing::debug!(target: "tcp_tokio::segment", "in  {}", TcpdumpLine::new(src, dst, segment.bytes));
    }
    state.endpoint.handle_segment_with_ecn(
        now,
        src,
        dst,
        segment.congestion_experienced,
        segment.bytes,
    );
}

fn run_timers(state: &mut StackState, now: Instant) {
    if state.endpoint.poll_timeout().is_some_and(|at| at <= now) {
        state.endpoint.handle_timeout(now);
    }
    if state
        .net
        .poll_timeout()
        .is_some_and(|at| at <= now.as_micros())
    {
        state.net.handle_timeout(now.as_micros());
    }
}

/// Fills `tx` with frames: the network layer's own first, then TCP segments written in
/// place behind the Ethernet and IPv4 headers. Returns true when `tx` filled up before the
/// engine ran out of segments.
fn produce(state: &mut StackState, now: Instant, tx: &mut FrameBatch) -> bool {
    loop {
        let Some(slot) = tx.spare_slot() else {
            return true;
        };
        if let Some(len) = state.net.poll_transmit(slot) {
            tx.commit(len);
            continue;
        }
        let tcp_buf = state.net.tcp_buffer(slot);
        let Some(transmit) = state.endpoint.poll_transmit(now, tcp_buf) else {
            return false;
        };
        let (IpAddr::V4(src), IpAddr::V4(dst)) = (transmit.src, transmit.dst) else {
            continue;
        };
        if tracing::enabled!(target: "tcp_tokio::segment", tracing::Level::DEBUG) {
            let bytes = &slot[TCP_OFFSET..TCP_OFFSET + transmit.len];
            tracing::debug!(target: "tcp_tokio::segment", "out {}", TcpdumpLine::new(transmit.src, transmit.dst, bytes));
        }
        match state.net.send_tcp(
            now.as_micros(),
            slot,
            src,
            dst,
            transmit.len,
            transmit.ecn_capable,
        ) {
            Ok(Egress::Ready(len)) => tx.commit(len),
            Ok(Egress::Queued | Egress::Dropped) => {}
            Err(error) => tracing::debug!(%error, %dst, "segment not sent"),
        }
    }
}

/// Records a fatal link error so every user call reports it, and wakes every waiter.
fn fail(shared: &Shared, error: &std::io::Error) {
    tracing::error!(%error, "link failed; stack stopped");
    let mut woken = Vec::new();
    {
        let mut state = shared.lock();
        state.failure = Some((error.kind(), format!("stack link failed: {error}")));
        for wakers in state.wakers.values_mut() {
            woken.extend(wakers.read.take());
            woken.extend(wakers.write.take());
        }
        woken.extend(state.accept_wakers.drain().map(|(_, w)| w));
    }
    for waker in woken {
        waker.wake();
    }
}
