//! SYN_SENT (RFC 9293 §3.10.7.3).

use crate::common::{assert_ack, assert_state, setup, setup_with};
use crate::support::fixture::{Spec, plain_options, syn_sent};
use crate::support::inject::{Harness, only, silent};
use std::time::Duration;
use tcp_core::{Config, Error, Event, SocketOptions, State};
use tcp_wire::{Flags, SeqNumber};

#[test]
fn syn_ack_establishes_and_is_acknowledged() {
    let (mut h, mut conn) = setup(State::SynSent);
    conn.peer.ack_all();
    let seg = conn.peer.syn_ack(plain_options());
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "ESTABLISHED");
    assert!(h.events.contains(&Event::Connected(conn.handle())));
}

#[test]
fn syn_ack_with_data_and_fin_establishes_and_closes_the_read_side() {
    let (mut h, mut conn) = setup(State::SynSent);
    conn.peer.ack_all();
    let seg = conn
        .peer
        .seg(Flags::SYN | Flags::ACK | Flags::PSH | Flags::FIN)
        .options(plain_options())
        .payload(b"hello");
    conn.peer.seq += 1 + 5 + 1;
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "CLOSE_WAIT");
    let mut buf = [0u8; 8];
    assert_eq!(h.ep.read(conn.handle(), &mut buf), Ok(5));
    assert_eq!(h.ep.read(conn.handle(), &mut buf), Ok(0));
}

#[test]
fn unacceptable_ack_gets_rst_and_is_dropped() {
    let (mut h, mut conn) = setup(State::SynSent);
    let iss = conn.iss();
    for ack in [iss, iss - 1000, iss + 2, iss + 100_000] {
        let seg = conn.peer.seg(Flags::SYN | Flags::ACK).ack(ack);
        let replies = conn.send(&mut h, &seg);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::RST, "<SEQ=SEG.ACK><CTL=RST>");
        assert_eq!(reply.seq(), ack);
        assert_state(&h, &conn, "SYN_SENT");
    }
}

#[test]
fn rst_that_acknowledges_our_syn_refuses_the_connection() {
    let (mut h, mut conn) = setup(State::SynSent);
    let seg = conn
        .peer
        .seg(Flags::RST | Flags::ACK)
        .seq(SeqNumber(0))
        .ack(conn.iss() + 1);
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "CLOSED");
    let handle = conn.handle();
    assert!(
        h.events
            .contains(&Event::Failed(handle, Error::ConnectionRefused))
    );
    assert_eq!(h.ep.poll_timeout(), None, "SYN retransmission stopped");
}

#[test]
fn rst_without_an_acceptable_ack_is_ignored() {
    let (mut h, mut conn) = setup(State::SynSent);
    let iss = conn.iss();
    let segs = [
        conn.peer.seg(Flags::RST),
        conn.peer.seg(Flags::RST).ack(iss + 1),
        conn.peer.seg(Flags::RST | Flags::ACK).ack(iss),
        conn.peer.seg(Flags::RST | Flags::ACK).ack(iss + 5),
    ];
    for seg in segs {
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "SYN_SENT");
    }
}

#[test]
fn syn_without_ack_is_a_simultaneous_open() {
    let (mut h, mut conn) = setup(State::SynSent);
    let syn = conn.peer.syn(plain_options());
    let replies = conn.send(&mut h, &syn);
    let reply = only(&replies, &h);
    assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
    assert_eq!(reply.seq(), conn.iss(), "our SYN again, now with ACK");
    assert_eq!(reply.ack(), syn.header.seq + 1);
    assert_state(&h, &conn, "SYN_RECV");
    conn.peer.ack_all();
    let seg = conn.peer.ack_seg();
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "ESTABLISHED");
    assert!(h.events.contains(&Event::Connected(conn.handle())));
}

#[test]
fn segment_without_syn_or_rst_is_dropped() {
    let (mut h, mut conn) = setup(State::SynSent);
    conn.peer.ack_all();
    let seg = conn.peer.data(b"early");
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "SYN_SENT");
}

#[test]
fn syn_is_retransmitted_with_backoff_then_times_out() {
    let config = Config {
        retransmission: tcp_core::Retransmission {
            syn_retries: 2,
            ..Default::default()
        },
        ..Config::default()
    };
    let (mut h, conn) = setup_with(config, State::SynSent);
    let start = h.now;
    let mut sends = Vec::new();
    while let Some((at, replies)) = h.next_timer() {
        for reply in replies {
            assert_eq!(reply.flags(), Flags::SYN);
            assert_eq!(reply.seq(), conn.iss());
            sends.push(at - start);
        }
    }
    assert_eq!(sends, [Duration::from_secs(1), Duration::from_secs(3)]);
    assert_eq!(h.now - start, Duration::from_secs(7));
    assert_state(&h, &conn, "CLOSED");
    assert!(
        h.events
            .contains(&Event::Failed(conn.handle(), Error::TimedOut))
    );
}

/// TCP_USER_TIMEOUT bounds the handshake as Linux's does: measured from the first SYN, it
/// cuts the retransmission backoff short and fails the connect with `TimedOut` at the
/// limit (the first retransmission still waits the initial RTO of 1 s).
#[test]
fn user_timeout_ends_the_handshake_at_the_limit() {
    let mut h = Harness::new(Config::default());
    let spec = Spec {
        options: SocketOptions {
            user_timeout: Some(Duration::from_millis(1500)),
            ..SocketOptions::default()
        },
        ..Spec::default()
    };
    let start = h.now;
    let conn = syn_sent(&mut h, spec);
    let mut sends = Vec::new();
    while let Some((at, replies)) = h.next_timer() {
        for reply in replies {
            assert_eq!(reply.flags(), Flags::SYN);
            sends.push(at - start);
        }
    }
    assert_eq!(sends, [Duration::from_secs(1)], "one retransmission");
    assert_eq!(
        h.now - start,
        Duration::from_millis(1500),
        "{}",
        h.transcript()
    );
    assert_state(&h, &conn, "CLOSED");
    assert!(
        h.events
            .contains(&Event::Failed(conn.handle(), Error::TimedOut))
    );
    assert_eq!(h.ep.take_error(conn.handle()), Ok(Some(Error::TimedOut)));
    assert_eq!(h.ep.take_error(conn.handle()), Ok(None), "SO_ERROR clears");
}
