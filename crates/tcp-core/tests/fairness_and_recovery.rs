//! D-6 fairness between flows on one bottleneck, and D-5 SACK recovery that retransmits
//! only what was lost.

mod support;

use std::time::Duration;
use support::conn::{SERVER_PORT, accept, listen};
use support::{Path, Side, Sim};
use tcp_core::{Config, ConnectionHandle, SocketOptions};
use tcp_wire::Segment;

fn connect(
    sim: &mut Sim,
    listener: tcp_core::ListenerHandle,
) -> (ConnectionHandle, ConnectionHandle) {
    let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    let server = accept(sim, listener);
    (client, server)
}

/// Keeps `conn`'s send buffer full and drains the receiver; returns bytes received.
fn pump(
    sim: &mut Sim,
    client: ConnectionHandle,
    server: ConnectionHandle,
    chunk: &[u8],
    buf: &mut [u8],
) -> usize {
    while sim.a.write(client, chunk).is_ok() {}
    let mut got = 0;
    while let Ok(n) = sim.b.read(server, buf) {
        if n == 0 {
            break;
        }
        got += n;
    }
    got
}

#[test]
fn two_flows_on_one_bottleneck_converge_within_twenty_percent() {
    let mut sim = Sim::new(Config::default(), 21);
    sim.a_to_b = Path {
        latency: Duration::from_millis(10),
        bandwidth: Some(12_500_000),
        queue_limit: Some(100),
        ..Path::default()
    };
    sim.b_to_a = Path {
        latency: Duration::from_millis(10),
        ..Path::default()
    };
    let listener = listen(&mut sim, SocketOptions::default());
    let first = connect(&mut sim, listener);
    let chunk = vec![0x33u8; 64 * 1024];
    let mut buf = vec![0u8; 256 * 1024];
    sim.run_until(Duration::from_secs(5), |sim| {
        pump(sim, first.0, first.1, &chunk, &mut buf);
        false
    });
    let second = connect(&mut sim, listener);
    let mut totals = [0usize; 2];
    let end = sim.now + Duration::from_secs(60);
    let measure_from = sim.now + Duration::from_secs(30);
    sim.run_until(Duration::from_secs(60), |sim| {
        let a = pump(sim, first.0, first.1, &chunk, &mut buf);
        let b = pump(sim, second.0, second.1, &chunk, &mut buf);
        if sim.now >= measure_from {
            totals[0] += a;
            totals[1] += b;
        }
        sim.now >= end
    });
    let (low, high) = (
        totals[0].min(totals[1]) as f64,
        totals[0].max(totals[1]) as f64,
    );
    assert!(high > 0.0, "no data moved");
    let link_bytes = 12_500_000.0 * 30.0;
    assert!(
        (low + high) > 0.8 * link_bytes,
        "link underused: {totals:?} of {link_bytes}"
    );
    assert!(
        low >= 0.8 * high,
        "unfair share over the last 30 s: {totals:?}"
    );
}

#[test]
fn sack_recovery_retransmits_only_the_lost_segments() {
    let mut sim = Sim::new(Config::default(), 5);
    sim.a_to_b.bandwidth = Some(125_000_000);
    let listener = listen(&mut sim, SocketOptions::default());
    let (client, server) = connect(&mut sim, listener);
    // Warm the connection up so the window holds many segments.
    let chunk = vec![0x44u8; 64 * 1024];
    let mut buf = vec![0u8; 256 * 1024];
    let mut received = 0;
    sim.run_until(Duration::from_secs(2), |sim| {
        received += pump(sim, client, server, &chunk, &mut buf);
        false
    });
    let before = sim.a.stats(client).unwrap();
    // Drop three data segments spread over one window, once each.
    let mut data_seen = 0u32;
    let lost_at = [10u32, 20, 30];
    sim.filter = Some(Box::new(move |side, seg: &Segment<&[u8]>| {
        if side != Side::A || seg.payload().is_empty() {
            return true;
        }
        data_seen += 1;
        !lost_at.contains(&data_seen)
    }));
    sim.run_until(Duration::from_secs(2), |sim| {
        received += pump(sim, client, server, &chunk, &mut buf);
        false
    });
    let after = sim.a.stats(client).unwrap();
    assert_eq!(after.retransmits - before.retransmits, 3, "{after:?}");
    assert_eq!(
        after.retransmission_timeouts, before.retransmission_timeouts,
        "no timeout"
    );
    assert!(after.fast_retransmits > before.fast_retransmits);
    assert!(received > 10_000_000);
}
