//! Hostile peers against the sender's loss recovery: what a peer can make the engine do
//! by repeating its ACKs.

mod support;

use support::fixture::{Spec, established};
use support::inject::Harness;
use tcp_core::{Config, SocketOptions};
use tcp_wire::Options;

/// A peer without SACK answers a flight with an endless stream of duplicate ACKs. Under
/// RFC 5681's inflation (`cwnd + dupacks × SMSS`) the window grew with every one until the
/// arithmetic overflowed after about 2.9 million (a panic in a build with overflow
/// checks, as the tests are). Here a duplicate ACK counts only while it can stand for a
/// segment really in flight (as Linux's `tcp_limit_reno_sacked`), so the outstanding data
/// never exceeds what the peer's window allows, and nothing overflows.
#[test]
fn duplicate_ack_flood_cannot_inflate_the_window() {
    let mut h = Harness::new(Config::default());
    h.recording = false;
    let spec = Spec {
        peer_options: Options {
            mss: Some(1460),
            ..Options::default()
        },
        options: SocketOptions {
            send_buffer: Some(1 << 20),
            ..SocketOptions::default()
        },
        ..Spec::default()
    };
    let mut conn = established(&mut h, spec);
    let window = u32::from(conn.peer.window);
    let data = vec![0x5a; 1 << 20];
    h.ep.write(conn.handle(), &data).unwrap();
    let flight = h.drain();
    conn.peer.observe(&flight);
    let dupack = conn.peer.ack_seg();
    for i in 0..3_200_000u32 {
        conn.send(&mut h, &dupack);
        if i % 100_000 == 0 {
            let info = h.ep.connection_info(conn.handle()).unwrap();
            assert!(info.unacknowledged <= window, "{info:?}");
            assert!(info.congestion_window <= window + 1460, "{info:?}");
        }
    }
    let stats = h.ep.stats(conn.handle()).unwrap();
    assert_eq!(stats.duplicate_acks, 3_200_000);
    assert_eq!(stats.recovery_episodes, 1);
}
