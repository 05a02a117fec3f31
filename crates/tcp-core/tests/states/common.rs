//! Setup and assertions used by the state modules: a connection built in a given state, its
//! state as `sockets()` shows it, the pure ACK most replies are, and an RST from the peer.

use crate::support::fixture::{Conn, Spec, build};
use crate::support::inject::{Harness, Reply, Seg, only};
use tcp_core::{Config, State};
use tcp_wire::{Flags, SeqNumber};

pub(crate) fn setup(state: State) -> (Harness, Conn) {
    setup_with(Config::default(), state)
}

pub(crate) fn setup_with(config: Config, state: State) -> (Harness, Conn) {
    let mut h = Harness::new(config);
    let conn = build(&mut h, Spec::default(), state);
    (h, conn)
}

pub(crate) fn assert_state(h: &Harness, conn: &Conn, expected: &str) {
    assert_eq!(conn.state(h), expected, "\n{}", h.transcript());
}

/// The one reply is a pure ACK `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>` (RFC 9293 §3.10.7.4).
pub(crate) fn assert_ack(h: &Harness, conn: &Conn, replies: &[Reply]) {
    let reply = only(replies, h);
    assert!(
        reply.is_pure_ack(),
        "pure ACK expected:\n{}",
        h.transcript()
    );
    assert_eq!(
        reply.seq(),
        conn.peer.seen,
        "SEQ=SND.NXT\n{}",
        h.transcript()
    );
    assert_eq!(
        reply.ack(),
        conn.peer.seq,
        "ACK=RCV.NXT\n{}",
        h.transcript()
    );
}

pub(crate) fn rst(conn: &Conn, seq: SeqNumber) -> Seg {
    conn.peer.seg(Flags::RST).seq(seq)
}
