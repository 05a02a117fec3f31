//! Sequence numbers far from the ISS: 3 GiB moves through one connection (past 2^31, where
//! a comparison with the ISS turns around, and across the 2^32 wrap for most ISSs), which
//! then closes cleanly on both sides.

mod support;

use support::pair::Pair;
use tcp_core::{Config, State};

#[test]
fn three_gibibytes_then_a_clean_close() {
    let mut pair = Pair::connected(Config::default());
    let start = pair.a.connection_info(pair.client).unwrap();
    let mut moved: u64 = 0;
    while moved < 3 << 30 {
        moved += pair.step() as u64;
    }
    assert_eq!(pair.a.stats(pair.client).unwrap().bytes_acked, moved);
    // Our FIN is acknowledged first; the peer's FIN then arrives with an ACK that moves
    // nothing, which is where an ISS comparison went wrong.
    pair.a.shutdown_write(pair.client).unwrap();
    pair.exchange();
    assert_eq!(pair.a.state(pair.client), Ok(State::FinWait2));
    pair.b.shutdown_write(pair.server).unwrap();
    for _ in 0..10 {
        pair.step();
    }
    let (client, server) = (pair.a.state(pair.client), pair.b.state(pair.server));
    assert!(
        matches!(client, Ok(State::TimeWait | State::Closed)),
        "client {client:?}"
    );
    assert!(
        matches!(server, Ok(State::TimeWait | State::Closed)),
        "server {server:?}"
    );
    assert_eq!(
        pair.a.counters().resets_sent + pair.b.counters().resets_sent,
        0
    );
    assert_eq!(pair.a.take_error(pair.client), Ok(None));
    assert_eq!(start.state, State::Established);
}
