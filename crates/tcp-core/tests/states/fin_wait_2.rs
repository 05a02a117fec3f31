//! FIN_WAIT_2: our FIN is acknowledged; waiting for the peer's.

use crate::checks;
use crate::common::{assert_ack, assert_state, setup};
use crate::support::inject::silent;
use std::time::Duration;
use tcp_core::{SocketOptions, State};

#[test]
fn exact_rst_resets() {
    checks::exact_rst_resets(State::FinWait2);
}

#[test]
fn inexact_rst_in_window_gets_challenge_ack() {
    checks::inexact_rst_gets_challenge_ack(State::FinWait2);
}

#[test]
fn rst_outside_window_is_dropped() {
    checks::rst_outside_window_is_dropped(State::FinWait2);
}

#[test]
fn out_of_window_segment_gets_ack() {
    checks::out_of_window_segment_gets_ack(State::FinWait2);
}

#[test]
fn syn_gets_challenge_ack() {
    checks::syn_gets_challenge_ack(State::FinWait2);
}

#[test]
fn ack_of_unsent_data_gets_challenge_ack() {
    checks::ack_of_unsent_data_gets_challenge_ack(State::FinWait2);
}

#[test]
fn data_is_still_received() {
    let (mut h, mut conn) = setup(State::FinWait2);
    let seg = conn.peer.data(b"half-closed");
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_eq!(h.ep.readable_bytes(conn.handle()), Ok(11));
}

#[test]
fn fin_moves_to_time_wait() {
    let (mut h, mut conn) = setup(State::FinWait2);
    let fin = conn.peer.fin();
    let replies = conn.send(&mut h, &fin);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "TIME_WAIT");
    assert_eq!(h.ep.read(conn.handle(), &mut [0; 4]), Ok(0));
}

#[test]
fn a_held_connection_waits_without_a_timer() {
    let (mut h, conn) = setup(State::FinWait2);
    assert_eq!(h.ep.poll_timeout(), None);
    let replies = h.advance(Duration::from_secs(3600));
    silent(&replies, &h);
    assert_state(&h, &conn, "FIN_WAIT_2");
}

#[test]
fn an_orphaned_connection_times_out_silently_as_linux_does() {
    let (mut h, conn) = setup(State::FinWait2);
    let now = h.now;
    h.ep.close(now, conn.handle()).unwrap();
    let replies = h.drain();
    silent(&replies, &h);
    let (at, replies) = h.next_timer().unwrap();
    assert_eq!(
        at - now,
        Duration::from_secs(60),
        "Config::fin_wait2_timeout"
    );
    assert!(
        replies.is_empty(),
        "tcp_time_wait(TCP_FIN_WAIT2) sends nothing"
    );
    assert_state(&h, &conn, "gone");
}

#[test]
fn the_orphan_timeout_follows_the_socket_option() {
    let (mut h, conn) = setup(State::FinWait2);
    let now = h.now;
    let options = SocketOptions {
        fin_wait2_timeout: Some(Duration::from_secs(5)),
        ..SocketOptions::default()
    };
    h.ep.set_options(now, conn.handle(), options).unwrap();
    h.ep.close(now, conn.handle()).unwrap();
    h.drain();
    let (at, _) = h.next_timer().unwrap();
    assert_eq!(at - now, Duration::from_secs(5));
    assert_state(&h, &conn, "gone");
}
