//! CLOSE_WAIT: the peer's FIN arrived; the application has not closed yet.

use crate::checks;
use crate::common::{assert_state, setup};
use crate::support::inject::silent;
use std::time::Duration;
use tcp_core::State;

#[test]
fn exact_rst_resets() {
    checks::exact_rst_resets(State::CloseWait);
}

#[test]
fn inexact_rst_in_window_gets_challenge_ack() {
    checks::inexact_rst_gets_challenge_ack(State::CloseWait);
}

#[test]
fn rst_outside_window_is_dropped() {
    checks::rst_outside_window_is_dropped(State::CloseWait);
}

#[test]
fn out_of_window_segment_gets_ack() {
    checks::out_of_window_segment_gets_ack(State::CloseWait);
}

#[test]
fn syn_gets_challenge_ack() {
    checks::syn_gets_challenge_ack(State::CloseWait);
}

#[test]
fn ack_of_unsent_data_gets_challenge_ack() {
    checks::ack_of_unsent_data_gets_challenge_ack(State::CloseWait);
}

#[test]
fn data_after_the_fin_is_ignored() {
    checks::data_after_peer_fin_is_ignored(State::CloseWait);
}

#[test]
fn retransmitted_fin_is_acknowledged() {
    checks::retransmitted_fin_is_acknowledged(State::CloseWait);
}

#[test]
fn we_can_still_send_and_shutdown_moves_to_last_ack() {
    let (mut h, mut conn) = setup(State::CloseWait);
    let handle = conn.handle();
    h.ep.write(handle, b"reply").unwrap();
    h.ep.shutdown_write(handle).unwrap();
    let replies = h.drain();
    conn.peer.observe(&replies);
    let data: Vec<u8> = replies.iter().flat_map(|r| r.payload.clone()).collect();
    assert_eq!(data, b"reply");
    assert!(replies.last().unwrap().flags().fin());
    assert_state(&h, &conn, "LAST_ACK");
}

#[test]
fn no_timer_runs() {
    let (mut h, conn) = setup(State::CloseWait);
    assert_eq!(h.ep.poll_timeout(), None);
    let replies = h.advance(Duration::from_secs(3600));
    silent(&replies, &h);
    assert_state(&h, &conn, "CLOSE_WAIT");
}
