//! SYN_RECEIVED (RFC 9293 §3.10.7.4), reached by a passive open unless said otherwise.

use crate::checks;
use crate::common::{assert_ack, assert_state, rst, setup, setup_with};
use crate::support::fixture::{Spec, plain_options, syn_sent};
use crate::support::inject::{Harness, only, silent};
use std::time::Duration;
use tcp_core::{Config, Error, Event, State};
use tcp_wire::Flags;

#[test]
fn ack_of_our_syn_establishes_and_queues_for_accept() {
    let (mut h, mut conn) = setup(State::SynReceived);
    let seg = conn.peer.ack_seg();
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "ESTABLISHED");
    let listener = conn.listener.unwrap();
    assert!(h.events.contains(&Event::Incoming(listener)));
    let accepted = h.ep.accept(listener).unwrap();
    assert_eq!(h.ep.peer_addr(accepted), Ok(conn.peer.addr));
}

#[test]
fn exact_rst_returns_to_listen() {
    let (mut h, mut conn) = setup(State::SynReceived);
    let seg = rst(&conn, conn.peer.seq);
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "gone");
    assert_eq!(h.states(), ["LISTEN"]);
    assert_eq!(h.ep.accept(conn.listener.unwrap()), Err(Error::WouldBlock));
    assert_eq!(h.ep.poll_timeout(), None, "no SYN-ACK retransmission left");
}

#[test]
fn inexact_rst_in_window_gets_challenge_ack() {
    checks::inexact_rst_gets_challenge_ack(State::SynReceived);
}

#[test]
fn rst_outside_window_is_dropped() {
    checks::rst_outside_window_is_dropped(State::SynReceived);
}

#[test]
fn out_of_window_segment_gets_ack() {
    checks::out_of_window_segment_gets_ack(State::SynReceived);
}

#[test]
fn retransmitted_syn_gets_the_same_syn_ack() {
    let (mut h, mut conn) = setup(State::SynReceived);
    let syn = conn.peer.seg(Flags::SYN).seq(conn.peer.seq - 1);
    let replies = conn.send(&mut h, &syn);
    let reply = only(&replies, &h);
    assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
    assert_eq!(reply.seq(), conn.iss());
    assert_eq!(reply.ack(), conn.peer.seq);
    assert_eq!(h.states(), ["LISTEN", "SYN_RECV"]);
}

#[test]
fn in_window_syn_gets_challenge_ack() {
    let (mut h, mut conn) = setup(State::SynReceived);
    let syn = conn.peer.seg(Flags::SYN).seq(conn.peer.seq + 10);
    let replies = conn.send(&mut h, &syn);
    assert_ack(&h, &conn, &replies);
    assert_eq!(h.ep.counters().challenge_acks, 1);
    assert_state(&h, &conn, "SYN_RECV");
}

#[test]
fn unacceptable_ack_gets_rst_at_its_ack() {
    let (mut h, mut conn) = setup(State::SynReceived);
    for ack in [conn.iss(), conn.iss() + 2, conn.iss() + 1000] {
        let seg = conn.peer.ack_seg().ack(ack);
        let replies = conn.send(&mut h, &seg);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::RST, "{}", h.transcript());
        assert_eq!(reply.seq(), ack);
        assert_state(&h, &conn, "SYN_RECV");
    }
}

#[test]
fn data_with_the_final_ack_waits_for_accept() {
    let (mut h, mut conn) = setup(State::SynReceived);
    let seg = conn.peer.data(b"GET / HTTP/1.0\r\n\r\n");
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    let accepted = h.ep.accept(conn.listener.unwrap()).unwrap();
    let mut buf = [0u8; 64];
    let n = h.ep.read(accepted, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"GET / HTTP/1.0\r\n\r\n");
}

#[test]
fn fin_with_the_final_ack_goes_to_close_wait() {
    let (mut h, mut conn) = setup(State::SynReceived);
    let fin = conn.peer.fin();
    let replies = conn.send(&mut h, &fin);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "CLOSE_WAIT");
    let accepted = h.ep.accept(conn.listener.unwrap()).unwrap();
    assert_eq!(h.ep.read(accepted, &mut [0; 8]), Ok(0));
}

#[test]
fn syn_ack_is_retransmitted_then_the_half_open_connection_is_dropped() {
    let config = Config {
        retransmission: tcp_core::Retransmission {
            synack_retries: 2,
            ..Default::default()
        },
        ..Config::default()
    };
    let (mut h, conn) = setup_with(config, State::SynReceived);
    let start = h.now;
    let mut sends = Vec::new();
    while let Some((at, replies)) = h.next_timer() {
        for reply in replies {
            assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
            assert_eq!(reply.seq(), conn.iss());
            sends.push(at - start);
        }
    }
    assert_eq!(sends, [Duration::from_secs(1), Duration::from_secs(3)]);
    assert_eq!(h.now - start, Duration::from_secs(7));
    assert_eq!(h.states(), ["LISTEN"], "dropped without a RST");
    assert_eq!(h.ep.counters().resets_sent, 0);
}

#[test]
fn rst_in_syn_received_of_an_active_open_refuses() {
    let mut h = Harness::new(Config::default());
    let mut conn = syn_sent(&mut h, Spec::default());
    let syn = conn.peer.syn(plain_options());
    conn.send(&mut h, &syn);
    assert_state(&h, &conn, "SYN_RECV");
    let seg = rst(&conn, conn.peer.seq);
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "CLOSED");
    let handle = conn.handle();
    assert!(
        h.events
            .contains(&Event::Failed(handle, Error::ConnectionRefused))
    );
}
