//! D-8: ECN (RFC 3168), off by default; when both ends enable it, CE marks are echoed and
//! the sender reduces its window without losing a packet.

mod support;

use std::time::Duration;
use support::conn::{SERVER_PORT, accept, listen};
use support::{Path, Side, Sim};
use tcp_core::{Config, SocketOptions};

fn run(a_ecn: bool, b_ecn: bool) -> Sim {
    let a = Config {
        extensions: tcp_core::Extensions {
            ecn: a_ecn,
            ..Default::default()
        },
        ..Config::default()
    };
    let b = Config {
        extensions: tcp_core::Extensions {
            ecn: b_ecn,
            ..Default::default()
        },
        ..Config::default()
    };
    let mut sim = Sim::with_configs(a, b, 17);
    sim.a_to_b = Path {
        ce_mark: 0.02,
        bandwidth: Some(125_000_000),
        ..Path::default()
    };
    let listener = listen(&mut sim, SocketOptions::default());
    let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    let server = accept(&mut sim, listener);
    let data: Vec<u8> = (0..4_000_000u32).map(|i| (i % 253) as u8).collect();
    let (mut written, mut got) = (0, Vec::new());
    assert!(sim.run_until(Duration::from_secs(60), |sim| {
        written += sim.a.write(client, &data[written..]).unwrap_or(0);
        sim.read_all(Side::B, server, &mut got);
        got.len() == data.len()
    }));
    assert_eq!(got, data);
    let (sent, received) = (sim.a.stats(client).unwrap(), sim.b.stats(server).unwrap());
    let (a_info, b_info) = (
        sim.a.connection_info(client).unwrap(),
        sim.b.connection_info(server).unwrap(),
    );
    assert_eq!(a_info.ecn, a_ecn && b_ecn);
    assert_eq!(b_info.ecn, a_ecn && b_ecn);
    if a_ecn && b_ecn {
        assert!(received.congestion_marks_received > 0, "{received:?}");
        assert!(sent.ecn_reductions > 0, "{sent:?}");
        assert_eq!(sent.retransmits, 0, "congestion signalled without loss");
    } else {
        assert_eq!(
            received.congestion_marks_received, 0,
            "no ECT without negotiation"
        );
        assert_eq!(sent.ecn_reductions, 0);
    }
    sim
}

#[test]
fn marks_are_echoed_and_reduce_the_window_when_both_sides_enable_ecn() {
    run(true, true);
}

#[test]
fn ecn_stays_off_unless_both_sides_offer_it() {
    run(true, false);
    run(false, true);
    run(false, false);
}
