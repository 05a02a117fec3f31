//! LAST_ACK: we closed after the peer; waiting for the ACK of our FIN.

use crate::checks;
use crate::common::{assert_state, rst, setup, setup_with};
use crate::support::inject::silent;
use tcp_core::{Config, Error, Event, State};

#[test]
fn exact_rst_closes() {
    let (mut h, mut conn) = setup(State::LastAck);
    let seg = rst(&conn, conn.peer.seq);
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "CLOSED");
    assert_eq!(h.ep.poll_timeout(), None);
}

#[test]
fn inexact_rst_in_window_gets_challenge_ack() {
    checks::inexact_rst_gets_challenge_ack(State::LastAck);
}

#[test]
fn rst_outside_window_is_dropped() {
    checks::rst_outside_window_is_dropped(State::LastAck);
}

#[test]
fn out_of_window_segment_gets_ack() {
    checks::out_of_window_segment_gets_ack(State::LastAck);
}

#[test]
fn syn_gets_challenge_ack() {
    checks::syn_gets_challenge_ack(State::LastAck);
}

#[test]
fn ack_of_unsent_data_gets_challenge_ack() {
    checks::ack_of_unsent_data_gets_challenge_ack(State::LastAck);
}

#[test]
fn data_after_the_fin_is_ignored() {
    checks::data_after_peer_fin_is_ignored(State::LastAck);
}

#[test]
fn retransmitted_fin_is_acknowledged() {
    checks::retransmitted_fin_is_acknowledged(State::LastAck);
}

#[test]
fn ack_of_our_fin_closes() {
    let (mut h, mut conn) = setup(State::LastAck);
    conn.peer.ack_all();
    let seg = conn.peer.ack_seg();
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "CLOSED");
    let now = h.now;
    h.ep.close(now, conn.handle()).unwrap();
    h.drain();
    assert_state(&h, &conn, "gone");
    assert_eq!(
        h.ep.connection_count(),
        0,
        "no TIME_WAIT for the passive closer"
    );
}

#[test]
fn fin_is_retransmitted() {
    checks::fin_is_retransmitted(State::LastAck);
}

#[test]
fn fin_retransmissions_give_up() {
    let config = Config {
        retransmission: tcp_core::Retransmission {
            data_retries: 3,
            ..Default::default()
        },
        ..Config::default()
    };
    let (mut h, conn) = setup_with(config, State::LastAck);
    let mut fins = 0;
    while let Some((_, replies)) = h.next_timer() {
        fins += replies.iter().filter(|r| r.flags().fin()).count();
    }
    assert_eq!(fins, 3, "{}", h.transcript());
    assert!(
        h.events
            .contains(&Event::Failed(conn.handle(), Error::TimedOut))
    );
    assert_state(&h, &conn, "CLOSED");
}
