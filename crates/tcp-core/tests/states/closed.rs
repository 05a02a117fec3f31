//! CLOSED (RFC 9293 §3.10.7.1): a connection the application still holds after an abort.

use crate::common::{assert_state, setup};
use crate::support::inject::{only, silent};
use tcp_core::State;
use tcp_wire::{Flags, SeqNumber};

#[test]
fn segment_with_ack_gets_rst_at_its_ack() {
    let (mut h, mut conn) = setup(State::Closed);
    let seg = conn.peer.data(b"hello?");
    let replies = conn.send(&mut h, &seg);
    let reply = only(&replies, &h);
    assert_eq!(reply.flags(), Flags::RST, "{}", h.transcript());
    assert_eq!(reply.seq(), seg.header.ack);
    assert_state(&h, &conn, "CLOSED");
}

#[test]
fn segment_without_ack_gets_rst_ack_covering_it() {
    let (mut h, mut conn) = setup(State::Closed);
    let seg = conn.peer.seg(Flags::FIN | Flags::PSH).payload(b"12345");
    let replies = conn.send(&mut h, &seg);
    let reply = only(&replies, &h);
    assert_eq!(reply.flags(), Flags::RST | Flags::ACK, "{}", h.transcript());
    assert_eq!(reply.seq(), SeqNumber(0));
    assert_eq!(reply.ack(), seg.header.seq + 6, "5 bytes and the FIN");
}

#[test]
fn rst_gets_no_reply() {
    let (mut h, mut conn) = setup(State::Closed);
    for flags in [Flags::RST, Flags::RST | Flags::ACK] {
        let seg = conn.peer.seg(flags);
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
    }
}

#[test]
fn no_timer_runs_and_close_releases_the_row() {
    let (mut h, conn) = setup(State::Closed);
    assert_eq!(h.ep.poll_timeout(), None);
    let row = h.row(conn.peer.local, conn.peer.addr).unwrap();
    assert!(row.to_string().ends_with("CLOSED"), "{row}");
    let now = h.now;
    h.ep.close(now, conn.handle()).unwrap();
    h.drain();
    assert_state(&h, &conn, "gone");
    assert_eq!(h.ep.connection_count(), 0);
}

#[test]
fn a_tuple_nobody_holds_answers_like_closed() {
    let (mut h, mut conn) = setup(State::Closed);
    let now = h.now;
    h.ep.close(now, conn.handle()).unwrap();
    h.drain();
    let seg = conn.peer.data(b"anyone?");
    let replies = conn.send(&mut h, &seg);
    let reply = only(&replies, &h);
    assert_eq!(reply.flags(), Flags::RST);
    assert_eq!(reply.seq(), seg.header.ack);
    assert_eq!(h.ep.counters().no_connection, 1);
}
