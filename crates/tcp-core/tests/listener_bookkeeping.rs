//! A listener keeps the handles of the connections it holds (half-open ones in its SYN
//! queue, completed ones in its accept queue), and the endpoint counts the local ports and
//! addresses its connections use: `close_listener`, `listen` and a listener on port 0 work
//! from those, whatever other connections the endpoint holds.

mod support;

use std::net::SocketAddr;
use std::time::Duration;
use support::fixture::{Conn, SERVER_PORT, Spec, build, established, listen};
use support::inject::{Harness, LOCAL_IP, PEER_IP, Reply};
use tcp_core::{Config, Error, SocketOptions, State};
use tcp_wire::Flags;

fn local(port: u16) -> SocketAddr {
    SocketAddr::new(LOCAL_IP, port)
}

fn peer(port: u16) -> SocketAddr {
    SocketAddr::new(PEER_IP, port)
}

/// A connection from `peer_port` through `listener`: half-open (SYN answered), or completed
/// (the far side's ACK too), or accepted as well.
fn passive(h: &mut Harness, listener: &Conn, peer_port: u16, stage: &str) -> Conn {
    let mut conn = *listener;
    conn.peer.addr = peer(peer_port);
    support::fixture::syn_received_with(h, &mut conn, support::fixture::plain_options());
    if stage == "half-open" {
        return conn;
    }
    let ack = conn.peer.ack_seg();
    assert!(conn.send(h, &ack).is_empty(), "{}", h.transcript());
    if stage == "accepted" {
        conn.handle = Some(h.ep.accept(listener.listener.unwrap()).unwrap());
    }
    conn
}

fn resets_to(replies: &[Reply]) -> Vec<u16> {
    let mut ports: Vec<u16> = replies
        .iter()
        .filter(|r| r.is_rst())
        .map(|r| r.dst_addr().port())
        .collect();
    ports.sort_unstable();
    ports
}

#[test]
fn close_listener_resets_what_it_holds_and_nothing_else() {
    let mut h = Harness::new(Config::default());
    let a = listen(&mut h, Spec::passive());
    let b = listen(&mut h, Spec::ports(SERVER_PORT + 1, 0));
    let accepted = passive(&mut h, &a, 50_003, "accepted");
    let half_open = passive(&mut h, &a, 50_001, "half-open");
    let queued = passive(&mut h, &a, 50_002, "queued");
    let other_queue = passive(&mut h, &b, 50_004, "queued");
    let outbound = established(&mut h, Spec::default());

    h.ep.close_listener(a.listener.unwrap()).unwrap();
    let replies = h.drain();
    assert_eq!(resets_to(&replies), [50_001, 50_002], "{}", h.transcript());
    assert_eq!(replies.len(), 2, "{}", h.transcript());
    assert_eq!(half_open.state(&h), "gone");
    assert_eq!(queued.state(&h), "gone");
    assert_eq!(accepted.state(&h), "ESTABLISHED");
    assert_eq!(outbound.state(&h), "ESTABLISHED");
    assert_eq!(other_queue.state(&h), "ESTABLISHED");
    assert!(h.ep.accept(b.listener.unwrap()).is_ok());
    assert_eq!(
        h.ep.close_listener(a.listener.unwrap()),
        Err(Error::InvalidHandle)
    );

    // The accepted connection still holds port 80.
    let plain = SocketOptions::default();
    assert_eq!(
        h.ep.listen(local(SERVER_PORT), 8, plain),
        Err(Error::AddrInUse)
    );
    let reuse = SocketOptions {
        reuse_address: true,
        ..plain
    };
    assert!(h.ep.listen(local(SERVER_PORT), 8, reuse).is_ok());
}

#[test]
fn a_half_open_connection_that_goes_frees_its_syn_queue_slot() {
    let config = Config {
        listen: tcp_core::Listen {
            syn_queue_len: 1,
            syn_cookies: false,
            ..Default::default()
        },
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let listener = listen(&mut h, Spec::passive());
    let first = passive(&mut h, &listener, 50_001, "half-open");
    let mut second = listener;
    second.peer.addr = peer(50_002);
    let syn = second.peer.syn(support::fixture::plain_options());
    assert!(
        second.send(&mut h, &syn).is_empty(),
        "the SYN queue is full"
    );
    assert_eq!(h.ep.counters().listen.syn_queue_overflows, 1);

    let rst = first.peer.seg(Flags::RST).seq(first.peer.seq);
    assert!(h.inject(&rst).is_empty());
    assert_eq!(first.state(&h), "gone");
    let mut third = listener;
    third.peer.addr = peer(50_003);
    let syn = third.peer.syn(support::fixture::plain_options());
    let replies = third.send(&mut h, &syn);
    assert_eq!(replies.len(), 1, "{}", h.transcript());
    assert_eq!(replies[0].flags(), Flags::SYN | Flags::ACK);
}

#[test]
fn ports_come_free_when_their_last_connection_goes() {
    let config = Config {
        ephemeral_ports: 40_000..=40_000,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let conn = build(&mut h, Spec::ports(40_000, 50_000), State::TimeWait);
    let plain = SocketOptions::default();
    assert_eq!(h.ep.listen(local(40_000), 8, plain), Err(Error::AddrInUse));
    assert_eq!(
        h.ep.listen(SocketAddr::from(([0, 0, 0, 0], 40_000)), 8, plain),
        Err(Error::AddrInUse)
    );
    let elsewhere = SocketAddr::new(support::inject::OTHER_LOCAL_IP, 40_000);
    let beside = h.ep.listen(elsewhere, 8, plain);
    assert!(beside.is_ok(), "the same port on another address is free");
    h.ep.close_listener(beside.unwrap()).unwrap();
    assert_eq!(h.ep.listen(local(0), 8, plain), Err(Error::AddrInUse));

    h.ep.close(h.now, conn.handle()).unwrap();
    h.advance(Duration::from_secs(60));
    assert_eq!(conn.state(&h), "gone");
    let listener = h.ep.listen(local(0), 8, plain).unwrap();
    assert_eq!(h.ep.listener_addr(listener), Ok(local(40_000)));
}
