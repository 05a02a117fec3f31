//! FIN_WAIT_1: our FIN is sent and not yet acknowledged.

use crate::checks;
use crate::common::{assert_ack, assert_state, setup};
use crate::support::inject::{only, silent};
use tcp_core::State;

#[test]
fn exact_rst_resets() {
    checks::exact_rst_resets(State::FinWait1);
}

#[test]
fn inexact_rst_in_window_gets_challenge_ack() {
    checks::inexact_rst_gets_challenge_ack(State::FinWait1);
}

#[test]
fn rst_outside_window_is_dropped() {
    checks::rst_outside_window_is_dropped(State::FinWait1);
}

#[test]
fn out_of_window_segment_gets_ack() {
    checks::out_of_window_segment_gets_ack(State::FinWait1);
}

#[test]
fn syn_gets_challenge_ack() {
    checks::syn_gets_challenge_ack(State::FinWait1);
}

#[test]
fn ack_of_unsent_data_gets_challenge_ack() {
    checks::ack_of_unsent_data_gets_challenge_ack(State::FinWait1);
}

#[test]
fn ack_of_our_fin_moves_to_fin_wait_2() {
    let (mut h, mut conn) = setup(State::FinWait1);
    conn.peer.ack_all();
    let seg = conn.peer.ack_seg();
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "FIN_WAIT_2");
}

#[test]
fn ack_short_of_our_fin_stays() {
    let (mut h, mut conn) = setup(State::FinWait1);
    let seg = conn.peer.ack_seg();
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "FIN_WAIT_1");
}

#[test]
fn fin_without_ack_of_ours_moves_to_closing() {
    let (mut h, mut conn) = setup(State::FinWait1);
    let fin = conn.peer.fin();
    let replies = conn.send(&mut h, &fin);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "CLOSING");
}

#[test]
fn fin_acking_ours_moves_straight_to_time_wait() {
    let (mut h, mut conn) = setup(State::FinWait1);
    conn.peer.ack_all();
    let fin = conn.peer.fin();
    let replies = conn.send(&mut h, &fin);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "TIME_WAIT");
}

#[test]
fn data_is_still_received() {
    let (mut h, mut conn) = setup(State::FinWait1);
    let seg = conn.peer.data(b"more");
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_eq!(h.ep.readable_bytes(conn.handle()), Ok(4));
}

#[test]
fn data_after_close_is_answered_with_rst() {
    let (mut h, mut conn) = setup(State::FinWait1);
    let now = h.now;
    h.ep.close(now, conn.handle()).unwrap();
    let seg = conn.peer.data(b"nobody reads this");
    let replies = conn.send(&mut h, &seg);
    let reply = only(&replies, &h);
    assert!(reply.is_rst(), "{}", h.transcript());
    assert_state(&h, &conn, "gone");
}

#[test]
fn fin_is_retransmitted() {
    checks::fin_is_retransmitted(State::FinWait1);
}
