//! TIME_WAIT: both FINs acknowledged; the 4-tuple is held for 2 MSL.

use crate::checks;
use crate::common::{assert_ack, assert_state, setup};
use crate::support::inject::silent;
use std::time::Duration;
use tcp_core::State;
use tcp_wire::Flags;

#[test]
fn rst_is_ignored_rfc_1337() {
    let (mut h, mut conn) = setup(State::TimeWait);
    for seq in [conn.peer.seq, conn.peer.seq + 1, conn.peer.seq + 100_000] {
        for flags in [Flags::RST, Flags::RST | Flags::ACK] {
            let seg = conn.peer.seg(flags).seq(seq);
            let replies = conn.send(&mut h, &seg);
            silent(&replies, &h);
            assert_state(&h, &conn, "TIME_WAIT");
        }
    }
    assert_eq!(h.ep.counters().resets_received, 0);
}

#[test]
fn out_of_window_segment_gets_ack() {
    checks::out_of_window_segment_gets_ack(State::TimeWait);
}

#[test]
fn ack_of_unsent_data_gets_ack() {
    let (mut h, mut conn) = setup(State::TimeWait);
    let seg = conn.peer.ack_seg().ack(conn.peer.seen + 1000);
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "TIME_WAIT");
}

#[test]
fn data_is_ignored_and_acknowledged() {
    let (mut h, mut conn) = setup(State::TimeWait);
    let seg = conn.peer.seg(Flags::ACK | Flags::PSH).payload(b"late");
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_eq!(h.ep.read(conn.handle(), &mut [0; 8]), Ok(0));
}

#[test]
fn old_syn_gets_challenge_ack_and_keeps_the_tuple() {
    let (mut h, mut conn) = setup(State::TimeWait);
    let syn = conn.peer.seg(Flags::SYN).seq(conn.peer.seq - 10);
    let replies = conn.send(&mut h, &syn);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "TIME_WAIT");
}

#[test]
fn lasts_two_msl() {
    let (mut h, conn) = setup(State::TimeWait);
    let entered = h.now;
    let (at, replies) = h.next_timer().unwrap();
    silent(&replies, &h);
    assert_eq!(at - entered, Duration::from_secs(60));
    assert_state(&h, &conn, "CLOSED");
    assert_eq!(h.ep.poll_timeout(), None);
}

#[test]
fn an_orphan_leaves_the_table_after_two_msl() {
    let (mut h, conn) = setup(State::TimeWait);
    let entered = h.now;
    h.ep.close(entered, conn.handle()).unwrap();
    let replies = h.drain();
    silent(&replies, &h);
    assert_state(&h, &conn, "TIME_WAIT");
    let replies = h.advance(Duration::from_secs(59));
    silent(&replies, &h);
    assert_state(&h, &conn, "TIME_WAIT");
    let replies = h.advance(Duration::from_secs(1));
    silent(&replies, &h);
    assert_state(&h, &conn, "gone");
}

#[test]
fn retransmitted_fin_is_acknowledged_and_restarts_the_timer() {
    let (mut h, mut conn) = setup(State::TimeWait);
    let replies = h.advance(Duration::from_secs(30));
    silent(&replies, &h);
    assert_state(&h, &conn, "TIME_WAIT");
    let fin = conn
        .peer
        .seg(Flags::FIN | Flags::ACK)
        .seq(conn.peer.seq - 1);
    let replies = conn.send(&mut h, &fin);
    assert_ack(&h, &conn, &replies);
    let restarted = h.now;
    let (at, _) = h.next_timer().unwrap();
    assert_eq!(at - restarted, Duration::from_secs(60));
}
