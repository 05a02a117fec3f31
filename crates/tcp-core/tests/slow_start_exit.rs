//! How slow start ends on a path with a deep bottleneck queue: CUBIC's HyStart++ (RFC
//! 9406) leaves it when the RTT rises, before the queue overflows; NewReno, without it,
//! runs until the queue drops a burst of segments.

mod support;

use std::time::Duration;
use support::conn::establish_with;
use support::{Path, Sim};
use tcp_core::{Algorithm, Config, ConnectionInfo, ConnectionStats, SocketOptions};

/// Bottleneck: 100 Mbit/s, 20 ms RTT (a BDP of 250 kB, about 170 segments), a drop-tail
/// queue of 2000 packets (230 ms: a bloated buffer, deep enough for the five rounds of
/// Conservative Slow Start to fit), and a receiver whose 16 MiB buffer never limits the
/// sender. One bulk flow until slow start ends (ssthresh becomes finite) or
/// `seconds` pass; the sender's stats and info then.
fn slow_start_through_deep_queue(
    algorithm: Algorithm,
    seconds: u64,
) -> (ConnectionStats, ConnectionInfo) {
    let config = Config {
        congestion_control: algorithm,
        ..Config::default()
    };
    let mut sim = Sim::new(config, 7);
    sim.a_to_b = Path {
        latency: Duration::from_millis(10),
        bandwidth: Some(12_500_000),
        queue_limit: Some(2000),
        ..Path::default()
    };
    sim.b_to_a = Path {
        latency: Duration::from_millis(10),
        ..Path::default()
    };
    let receiver = SocketOptions {
        recv_buffer: Some(16 << 20),
        ..SocketOptions::default()
    };
    let (client, server) = establish_with(&mut sim, SocketOptions::default(), receiver);
    let chunk = vec![0x5au8; 64 * 1024];
    let mut buf = vec![0u8; 256 * 1024];
    sim.run_until(Duration::from_secs(seconds), |sim| {
        while sim.a.write(client, &chunk).is_ok() {}
        while matches!(sim.b.read(server, &mut buf), Ok(n) if n > 0) {}
        let info = sim.a.connection_info(client).unwrap();
        info.slow_start_threshold != u32::MAX
    });
    (
        sim.a.stats(client).unwrap(),
        sim.a.connection_info(client).unwrap(),
    )
}

#[test]
fn hystart_leaves_slow_start_before_a_deep_queue_overflows() {
    let (cubic, info) = slow_start_through_deep_queue(Algorithm::Cubic, 3);
    assert_eq!(
        cubic.retransmits, 0,
        "CUBIC lost data in slow start: {cubic:?}"
    );
    assert_ne!(
        info.slow_start_threshold,
        u32::MAX,
        "slow start never ended: {info:?}"
    );
    // It left slow start with the pipe full: at least one BDP (250 kB) in the window.
    assert!(info.slow_start_threshold >= 250_000, "{info:?}");
}

#[test]
fn without_hystart_slow_start_overflows_the_same_queue() {
    let (reno, info) = slow_start_through_deep_queue(Algorithm::NewReno, 3);
    assert_ne!(info.slow_start_threshold, u32::MAX, "{info:?}");
    assert!(reno.retransmits > 0, "{reno:?}");
    assert_eq!(reno.recovery_episodes, 1, "{reno:?}");
}
