//! TCP Fast Open (RFC 7413) with exact segments: a listener's cookies, data on a SYN with
//! a valid cookie, and the fallbacks.

mod support;

use core::net::SocketAddr;
use support::inject::{Harness, LOCAL_IP, PEER_IP, Peer, Reply};
use tcp_core::{Config, ListenerHandle, SocketOptions, State};
use tcp_wire::{FastOpenCookie, Flags, Options, SeqNumber};

const PORT: u16 = 8080;

fn fast_open() -> SocketOptions {
    SocketOptions {
        fast_open: true,
        ..SocketOptions::default()
    }
}

/// A harness with a Fast Open listener on `LOCAL_IP:8080`.
fn server() -> (Harness, ListenerHandle) {
    let mut h = Harness::new(Config::default());
    let listener =
        h.ep.listen(SocketAddr::new(LOCAL_IP, PORT), 16, fast_open())
            .unwrap();
    (h, listener)
}

fn peer(port: u16) -> Peer {
    Peer::new(
        SocketAddr::new(PEER_IP, port),
        SocketAddr::new(LOCAL_IP, PORT),
        SeqNumber(1000),
    )
}

fn with_cookie(cookie: FastOpenCookie) -> Options {
    Options {
        mss: Some(1460),
        fast_open: Some(cookie),
        ..Options::default()
    }
}

/// The one SYN-ACK among `replies`.
fn syn_ack(replies: &[Reply]) -> &Reply {
    let [reply] = replies else {
        panic!("expected one SYN-ACK, got {replies:?}");
    };
    assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
    reply
}

/// Asks the listener for a cookie from `PEER_IP:port`; the handshake completes without data.
fn get_cookie(h: &mut Harness, port: u16) -> FastOpenCookie {
    let mut p = peer(port);
    let replies = h.inject(&p.syn(with_cookie(FastOpenCookie::request())));
    let reply = syn_ack(&replies);
    assert_eq!(reply.ack(), SeqNumber(1001));
    let cookie = reply
        .header
        .options
        .fast_open
        .expect("a cookie in the SYN-ACK");
    assert_eq!(cookie.as_bytes().len(), 8);
    cookie
}

#[test]
fn a_cookie_request_gets_a_cookie_and_a_plain_handshake() {
    let (mut h, listener) = server();
    let first = get_cookie(&mut h, 40_000);
    assert_eq!(
        get_cookie(&mut h, 40_001),
        first,
        "one cookie per client address"
    );
    assert!(
        h.ep.accept(listener).is_err(),
        "not acceptable before the handshake"
    );
    assert_eq!(h.ep.counters().fast_open.cookies_sent, 2);
    assert_eq!(h.ep.counters().fast_open.passive, 0);
}

#[test]
fn a_listener_without_fast_open_ignores_the_option() {
    let mut h = Harness::new(Config::default());
    h.ep.listen(
        SocketAddr::new(LOCAL_IP, PORT),
        16,
        SocketOptions::default(),
    )
    .unwrap();
    let mut p = peer(40_000);
    let replies = h.inject(&p.syn(with_cookie(FastOpenCookie::request())));
    assert_eq!(syn_ack(&replies).header.options.fast_open, None);
}

#[test]
fn data_with_a_valid_cookie_is_readable_before_the_handshake_completes() {
    let (mut h, listener) = server();
    let cookie = get_cookie(&mut h, 40_000);
    let mut p = peer(40_001);
    let syn = p.syn(with_cookie(cookie)).payload(b"hello");
    let replies = h.inject(&syn);
    let reply = syn_ack(&replies);
    assert_eq!(
        reply.ack(),
        SeqNumber(1006),
        "the SYN-ACK acknowledges the data"
    );
    assert_eq!(
        reply.header.options.fast_open, None,
        "no new cookie for a current one"
    );
    let conn = h.ep.accept(listener).expect("acceptable at once");
    assert_eq!(h.ep.state(conn), Ok(State::SynReceived));
    let mut buf = [0u8; 16];
    assert_eq!(h.ep.read(conn, &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    p.seq += 5;
    p.ack = reply.seq() + 1;
    assert!(h.inject(&p.ack_seg()).is_empty());
    assert_eq!(h.ep.state(conn), Ok(State::Established));
    assert!(h.ep.accept(listener).is_err(), "queued once");
    assert_eq!(h.ep.counters().fast_open.passive, 1);
    assert_eq!(h.ep.counters().passive_opens, 1);
}

#[test]
fn data_with_an_invalid_cookie_is_ignored_and_a_fresh_cookie_sent() {
    let (mut h, listener) = server();
    let good = get_cookie(&mut h, 40_000);
    let forged = FastOpenCookie::new(&[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    let mut p = peer(40_001);
    let replies = h.inject(&p.syn(with_cookie(forged)).payload(b"hello"));
    let reply = syn_ack(&replies);
    assert_eq!(reply.ack(), SeqNumber(1001), "only the SYN acknowledged");
    assert_eq!(reply.header.options.fast_open, Some(good));
    assert!(h.ep.accept(listener).is_err());
    assert_eq!(h.ep.counters().fast_open.passive_fail, 1);
    assert_eq!(h.ep.counters().fast_open.passive, 0);
}

#[test]
fn a_cookie_outlives_one_key_rotation_and_is_replaced() {
    let (mut h, listener) = server();
    let old = get_cookie(&mut h, 40_000);
    h.ep.rotate_fast_open_key();
    let mut p = peer(40_001);
    let replies = h.inject(&p.syn(with_cookie(old)).payload(b"hi"));
    let reply = syn_ack(&replies);
    assert_eq!(reply.ack(), SeqNumber(1003));
    let fresh = reply.header.options.fast_open.expect("a fresh cookie");
    assert_ne!(fresh, old);
    assert!(h.ep.accept(listener).is_ok());
    h.ep.rotate_fast_open_key();
    let mut p = peer(40_002);
    let replies = h.inject(&p.syn(with_cookie(old)).payload(b"hi"));
    assert_eq!(
        syn_ack(&replies).ack(),
        SeqNumber(1001),
        "two rotations old: refused"
    );
}

#[test]
fn fast_open_children_are_bounded_by_the_backlog() {
    let mut h = Harness::new(Config::default());
    let listener =
        h.ep.listen(SocketAddr::new(LOCAL_IP, PORT), 2, fast_open())
            .unwrap();
    let cookie = get_cookie(&mut h, 40_000);
    for port in 40_001..40_010 {
        let mut p = peer(port);
        h.inject(&p.syn(with_cookie(cookie)).payload(b"x"));
    }
    assert_eq!(h.ep.counters().fast_open.passive, 2);
    assert_eq!(h.ep.counters().listen.listen_overflows, 7);
    assert!(h.ep.accept(listener).is_ok());
    assert!(h.ep.accept(listener).is_ok());
    assert!(h.ep.accept(listener).is_err());
}
