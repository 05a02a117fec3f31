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
    // With the accept queue full of them, their handshakes still complete.
    let mut p = peer(40_001);
    p.seq += 2;
    p.ack = h.sent[1].seq() + 1;
    assert!(h.inject(&p.ack_seg()).is_empty());
    let first = h.ep.accept(listener).unwrap();
    assert_eq!(h.ep.state(first), Ok(State::Established));
    assert!(h.ep.accept(listener).is_ok());
    assert!(h.ep.accept(listener).is_err());
}

/// A harness whose endpoint connects with Fast Open from `LOCAL_IP` to `PEER_IP:80`.
fn client() -> Harness {
    Harness::new(Config::default())
}

fn connect(h: &mut Harness, port: u16) -> tcp_core::ConnectionHandle {
    let now = h.now;
    h.ep.connect(
        now,
        SocketAddr::new(LOCAL_IP, port),
        SocketAddr::new(PEER_IP, 80),
        fast_open(),
    )
    .unwrap()
}

/// The far side of a connection from `LOCAL_IP:port` to `PEER_IP:80`.
fn server_peer(port: u16) -> Peer {
    Peer::new(
        SocketAddr::new(PEER_IP, 80),
        SocketAddr::new(LOCAL_IP, port),
        SeqNumber(5000),
    )
}

/// The one SYN among `replies`.
fn syn(replies: &[Reply]) -> &Reply {
    let [reply] = replies else {
        panic!("expected one SYN, got {replies:?}");
    };
    assert_eq!(reply.flags(), Flags::SYN);
    reply
}

const SERVER_COOKIE: [u8; 8] = [9, 8, 7, 6, 5, 4, 3, 2];

/// Connects once, asking for a cookie; the server's SYN-ACK gives [`SERVER_COOKIE`] and an
/// MSS of `mss`.
fn learn_cookie(h: &mut Harness, mss: u16) {
    let conn = connect(h, 40_000);
    let replies = h.drain();
    let request = syn(&replies);
    assert_eq!(
        request.header.options.fast_open,
        Some(FastOpenCookie::request()),
        "the SYN asks for a cookie"
    );
    assert!(request.payload.is_empty());
    let mut p = server_peer(40_000);
    p.ack = request.seq() + 1;
    let options = Options {
        mss: Some(mss),
        fast_open: Some(FastOpenCookie::new(&SERVER_COOKIE).unwrap()),
        ..Options::default()
    };
    h.inject(&p.syn_ack(options));
    assert_eq!(h.ep.state(conn), Ok(State::Established));
}

#[test]
fn the_first_write_rides_on_the_syn_with_the_cached_cookie() {
    let mut h = client();
    learn_cookie(&mut h, 1000);
    let conn = connect(&mut h, 40_001);
    assert!(h.drain().is_empty(), "the SYN waits for data");
    assert_eq!(h.ep.state(conn), Ok(State::SynSent));
    assert!(
        h.events_of(conn)
            .contains(&tcp_core::Event::Connected(conn)),
        "connect completes at once"
    );
    let data = vec![b'x'; 2000];
    assert_eq!(h.ep.write(conn, &data), Ok(2000));
    let replies = h.drain();
    let first = syn(&replies);
    assert_eq!(
        first.header.options.fast_open,
        Some(FastOpenCookie::new(&SERVER_COOKIE).unwrap())
    );
    assert_eq!(
        first.payload.len(),
        960,
        "the server's MSS less 40 bytes of options"
    );
    let iss = first.seq();
    let mut p = server_peer(40_001);
    p.ack = iss + 961;
    let replies = h.inject(&p.syn_ack(Options {
        mss: Some(1000),
        ..Options::default()
    }));
    assert_eq!(h.ep.state(conn), Ok(State::Established));
    assert_eq!(h.ep.counters().fast_open.active, 1);
    let data: Vec<&Reply> = replies.iter().filter(|r| !r.payload.is_empty()).collect();
    assert_eq!(
        data[0].seq(),
        iss + 961,
        "the rest follows, nothing sent twice"
    );
}

#[test]
fn data_the_syn_ack_does_not_acknowledge_goes_again() {
    let mut h = client();
    learn_cookie(&mut h, 1460);
    let conn = connect(&mut h, 40_001);
    assert_eq!(h.ep.write(conn, b"hello"), Ok(5));
    let replies = h.drain();
    let first = syn(&replies);
    assert_eq!(first.payload, b"hello");
    let iss = first.seq();
    let mut p = server_peer(40_001);
    p.ack = iss + 1;
    let replies = h.inject(&p.syn_ack(Options {
        mss: Some(1460),
        ..Options::default()
    }));
    assert_eq!(h.ep.state(conn), Ok(State::Established));
    assert_eq!(h.ep.counters().fast_open.active_fail, 1);
    let again: Vec<&Reply> = replies.iter().filter(|r| !r.payload.is_empty()).collect();
    let [again] = again.as_slice() else {
        panic!("expected the data once more, got {replies:?}");
    };
    assert_eq!(again.seq(), iss + 1);
    assert_eq!(again.payload, b"hello");
}

#[test]
fn without_a_cookie_the_syn_asks_for_one_and_carries_no_data() {
    let mut h = client();
    let conn = connect(&mut h, 40_000);
    assert_eq!(h.ep.write(conn, b"early"), Ok(5));
    let replies = h.drain();
    assert!(syn(&replies).payload.is_empty());
    assert!(
        !h.events_of(conn)
            .contains(&tcp_core::Event::Connected(conn))
    );
}

/// Two endpoints: the second connection's data reaches the server on the SYN.
#[test]
fn a_fast_open_client_and_server_agree() {
    use std::time::Duration;
    use support::Sim;
    let mut sim = Sim::new(Config::default(), 11);
    let server_addr = sim.b_addr(PORT);
    let listener = sim.b.listen(server_addr, 16, fast_open()).unwrap();
    for round in 0..2u64 {
        let (now, local) = (sim.now, sim.a_addr(0));
        let client = sim.a.connect(now, local, server_addr, fast_open()).unwrap();
        sim.a.write(client, b"request").unwrap();
        let mut server = None;
        assert!(sim.run_until(Duration::from_secs(2), |sim| {
            server = server.or_else(|| sim.b.accept(listener).ok());
            server.is_some_and(|s| sim.b.state(s) == Ok(State::Established))
                && sim.a.state(client) == Ok(State::Established)
        }));
        let mut buf = [0u8; 16];
        assert_eq!(sim.b.read(server.unwrap(), &mut buf), Ok(7));
        assert_eq!(sim.b.counters().fast_open.passive, round);
        assert_eq!(sim.a.counters().fast_open.active, round);
    }
}
