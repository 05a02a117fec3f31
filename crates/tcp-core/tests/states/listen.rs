//! LISTEN (RFC 9293 §3.10.7.2).

use crate::common::setup;
use crate::support::fixture::plain_options;
use crate::support::inject::{only, silent};
use tcp_core::State;
use tcp_wire::{Flags, SeqNumber};

#[test]
fn rst_is_ignored() {
    let (mut h, mut conn) = setup(State::Listen);
    let seg = conn.peer.seg(Flags::RST);
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_eq!(h.states(), ["LISTEN"]);
}

#[test]
fn ack_gets_rst_at_its_ack() {
    let (mut h, mut conn) = setup(State::Listen);
    for flags in [Flags::ACK, Flags::SYN | Flags::ACK, Flags::ACK | Flags::FIN] {
        let seg = conn.peer.seg(flags).ack(SeqNumber(0xdead_beef));
        let replies = conn.send(&mut h, &seg);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::RST, "{}", h.transcript());
        assert_eq!(reply.seq(), SeqNumber(0xdead_beef));
    }
    assert_eq!(h.states(), ["LISTEN"]);
}

#[test]
fn syn_opens_syn_received_and_the_listener_stays() {
    let (mut h, mut conn) = setup(State::Listen);
    let syn = conn.peer.syn(plain_options());
    let replies = conn.send(&mut h, &syn);
    let reply = only(&replies, &h);
    assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
    assert_eq!(reply.ack(), syn.header.seq + 1);
    assert_eq!(h.states(), ["LISTEN", "SYN_RECV"]);
    assert!(
        h.ep.poll_timeout().is_some(),
        "SYN-ACK retransmission armed"
    );
}

#[test]
fn anything_else_is_dropped_silently() {
    let (mut h, mut conn) = setup(State::Listen);
    for flags in [Flags::NONE, Flags::FIN, Flags::PSH, Flags::URG] {
        let seg = conn.peer.seg(flags).payload(b"data");
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
    }
    assert_eq!(h.states(), ["LISTEN"]);
    assert_eq!(h.ep.poll_timeout(), None, "a listener has no timer");
}
