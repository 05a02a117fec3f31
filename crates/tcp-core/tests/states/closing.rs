//! CLOSING: both sides sent FIN; ours is not acknowledged yet.

use crate::checks;
use crate::common::{assert_state, rst, setup};
use crate::support::inject::silent;
use tcp_core::State;

#[test]
fn exact_rst_closes() {
    let (mut h, mut conn) = setup(State::Closing);
    let seg = rst(&conn, conn.peer.seq);
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "CLOSED");
    assert_eq!(h.ep.poll_timeout(), None);
}

#[test]
fn inexact_rst_in_window_gets_challenge_ack() {
    checks::inexact_rst_gets_challenge_ack(State::Closing);
}

#[test]
fn rst_outside_window_is_dropped() {
    checks::rst_outside_window_is_dropped(State::Closing);
}

#[test]
fn out_of_window_segment_gets_ack() {
    checks::out_of_window_segment_gets_ack(State::Closing);
}

#[test]
fn syn_gets_challenge_ack() {
    checks::syn_gets_challenge_ack(State::Closing);
}

#[test]
fn ack_of_unsent_data_gets_challenge_ack() {
    checks::ack_of_unsent_data_gets_challenge_ack(State::Closing);
}

#[test]
fn data_after_the_fin_is_ignored() {
    checks::data_after_peer_fin_is_ignored(State::Closing);
}

#[test]
fn retransmitted_fin_is_acknowledged() {
    checks::retransmitted_fin_is_acknowledged(State::Closing);
}

#[test]
fn ack_of_our_fin_moves_to_time_wait() {
    let (mut h, mut conn) = setup(State::Closing);
    conn.peer.ack_all();
    let seg = conn.peer.ack_seg();
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "TIME_WAIT");
}

#[test]
fn fin_is_retransmitted() {
    checks::fin_is_retransmitted(State::Closing);
}
