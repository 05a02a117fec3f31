//! BBR end to end in the simulator: it keeps its rate through random loss that collapses a
//! loss-based controller, and it keeps sending through ProbeRTT (every 10 s).

mod support;

use std::time::Duration;
use support::conn::establish;
use support::{Path, Sim};
use tcp_core::{Algorithm, Config};

/// 100 Mbit/s each way, 20 ms RTT, a one-BDP drop-tail queue, `loss` each way. One bulk
/// flow A -> B for `seconds` of virtual time; returns the bytes B read in each 100 ms.
fn bulk(algorithm: Algorithm, loss: f64, seconds: u64) -> Vec<usize> {
    let config = Config {
        congestion_control: algorithm,
        ..Config::default()
    };
    let mut sim = Sim::new(config, 3);
    let path = Path {
        latency: Duration::from_millis(10),
        bandwidth: Some(12_500_000),
        queue_limit: Some(167),
        loss,
        ..Path::default()
    };
    sim.a_to_b = path;
    sim.b_to_a = path;
    let (client, server) = establish(&mut sim);
    let start = sim.now;
    let chunk = vec![0x42u8; 64 * 1024];
    let mut buf = vec![0u8; 256 * 1024];
    let mut per_tick = vec![0usize; seconds as usize * 10];
    sim.run_until(Duration::from_secs(seconds), |sim| {
        while sim.a.write(client, &chunk).is_ok() {}
        let tick = ((sim.now - start).as_millis() / 100) as usize;
        while let Ok(n) = sim.b.read(server, &mut buf) {
            if n == 0 {
                break;
            }
            if let Some(slot) = per_tick.get_mut(tick) {
                *slot += n;
            }
        }
        false
    });
    per_tick
}

#[test]
fn random_loss_does_not_collapse_bbr_where_it_collapses_cubic() {
    let bbr: usize = bulk(Algorithm::Bbr, 0.05, 30).iter().sum();
    let cubic: usize = bulk(Algorithm::Cubic, 0.05, 30).iter().sum();
    let link = 12_500_000 * 30;
    assert!(bbr > link / 2, "BBR moved {bbr} of {link} bytes");
    assert!(bbr > 10 * cubic, "BBR {bbr}, CUBIC {cubic}");
}

#[test]
fn bbr_keeps_sending_through_probe_rtt() {
    // 25 s covers two ProbeRTT episodes (after 10 s without a lower RTT each).
    let per_tick = bulk(Algorithm::Bbr, 0.0, 25);
    let after_startup = &per_tick[10..];
    let idle = after_startup.iter().filter(|bytes| **bytes == 0).count();
    assert_eq!(
        idle, 0,
        "100 ms periods with nothing delivered: {per_tick:?}"
    );
    let total: usize = after_startup.iter().sum();
    let link = 12_500_000 * (after_startup.len() / 10);
    assert!(total > link * 8 / 10, "{total} of {link}");
}
