//! One or more tests per requirement of design §3 that concerns a single endpoint's replies:
//! each test injects hand-built segments and checks the exact segments that come back, so it
//! fails without the behaviour it names. Test names start with the requirement ID.

mod support;

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use support::fixture::{
    Conn, LOCAL_PORT, PEER_ISS, PEER_PORT, SERVER_PORT, Spec, build, established,
    established_passive, fin_wait_1, fin_wait_2, plain_options, syn_sent, time_wait,
};
use support::inject::{Harness, LOCAL_IP, OTHER_LOCAL_IP, PEER_IP, Peer, Reply, Seg, only, silent};
use tcp_core::{Config, Error, SocketOptions, State};
use tcp_wire::{Flags, Options, SeqNumber, Timestamps};

fn local(port: u16) -> SocketAddr {
    SocketAddr::new(LOCAL_IP, port)
}

fn remote(port: u16) -> SocketAddr {
    SocketAddr::new(PEER_IP, port)
}

fn any(port: u16) -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], port))
}

/// A segment from the far side to the engine's `port`.
fn stray(port: u16, flags: Flags) -> Seg {
    Seg::new(remote(PEER_PORT), local(port), flags)
        .seq(SeqNumber(1_000_000))
        .ack(SeqNumber(2_000_000))
}

/// Writes `data`, acknowledging everything the engine sends until all of it is written and
/// acknowledged; returns the data segments in order.
fn pump(h: &mut Harness, conn: &mut Conn, data: &[u8]) -> Vec<Reply> {
    let handle = conn.handle();
    let mut written = 0;
    let mut segments = Vec::new();
    for _ in 0..10_000 {
        if written < data.len() {
            written += h.ep.write(handle, &data[written..]).unwrap_or(0);
        }
        let replies = h.drain();
        conn.peer.observe(&replies);
        let quiet = replies.iter().all(|r| r.payload.is_empty());
        segments.extend(replies.into_iter().filter(|r| !r.payload.is_empty()));
        if written == data.len() && quiet && conn.peer.ack == conn.peer.seen {
            return segments;
        }
        conn.peer.ack_all();
        let ack = conn.peer.ack_seg();
        let replies = conn.send(h, &ack);
        segments.extend(replies.into_iter().filter(|r| !r.payload.is_empty()));
    }
    panic!("transfer stalled:\n{}", h.transcript());
}

// ---------------------------------------------------------------------------------------
// a segment for no connection and no listener gets a RST.

#[test]
fn r1_rst_to_a_segment_with_ack_takes_its_ack_as_seq() {
    let mut h = Harness::new(Config::default());
    for flags in [
        Flags::ACK,
        Flags::ACK | Flags::PSH,
        Flags::ACK | Flags::FIN,
        Flags::SYN | Flags::ACK,
    ] {
        let seg = stray(81, flags).payload(b"data");
        let replies = h.inject(&seg);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::RST, "no ACK bit:\n{}", h.transcript());
        assert_eq!(reply.seq(), SeqNumber(2_000_000), "SEQ = SEG.ACK");
        assert_eq!(reply.src_addr(), local(81));
        assert_eq!(reply.dst_addr(), remote(PEER_PORT));
        assert!(reply.payload.is_empty());
    }
}

#[test]
fn r1_rst_to_a_segment_without_ack_acknowledges_its_length() {
    let mut h = Harness::new(Config::default());
    let cases: [(Flags, &[u8], u32); 7] = [
        (Flags::SYN, b"", 1),
        (Flags::SYN, b"0123456789", 11),
        (Flags::FIN, b"", 1),
        (Flags::FIN | Flags::PSH, b"abc", 4),
        (Flags::SYN | Flags::FIN, b"abcde", 7),
        (Flags::PSH, b"abcdef", 6),
        (Flags::NONE, b"", 0),
    ];
    for (flags, payload, len) in cases {
        let seg = stray(81, flags).payload(payload);
        let replies = h.inject(&seg);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::RST | Flags::ACK, "{}", h.transcript());
        assert_eq!(reply.seq(), SeqNumber(0), "SEQ = 0");
        assert_eq!(
            reply.ack(),
            SeqNumber(1_000_000 + len),
            "{flags:?} {payload:?}"
        );
    }
    // Sequence numbers wrap.
    let seg = stray(81, Flags::SYN).seq(SeqNumber(u32::MAX));
    let replies = h.inject(&seg);
    assert_eq!(only(&replies, &h).ack(), SeqNumber(0));
}

#[test]
fn r1_applies_to_ipv6_too() {
    let mut h = Harness::new(Config::default());
    let ours: IpAddr = "2001:db8::1".parse().unwrap();
    let theirs: IpAddr = "2001:db8::2".parse().unwrap();
    let seg = Seg::new(
        SocketAddr::new(theirs, PEER_PORT),
        SocketAddr::new(ours, 81),
        Flags::SYN,
    )
    .seq(SeqNumber(77))
    .payload(b"tfo?");
    let replies = h.inject(&seg);
    let reply = only(&replies, &h);
    assert_eq!((reply.src, reply.dst), (ours, theirs));
    assert_eq!(reply.flags(), Flags::RST | Flags::ACK);
    assert_eq!(reply.ack(), SeqNumber(77 + 4 + 1));
    let ack = Seg::new(
        SocketAddr::new(theirs, PEER_PORT),
        SocketAddr::new(ours, 81),
        Flags::ACK,
    )
    .ack(SeqNumber(4242));
    let replies = h.inject(&ack);
    assert_eq!(only(&replies, &h).seq(), SeqNumber(4242));
}

#[test]
fn r1_never_a_rst_for_a_rst() {
    let mut h = Harness::new(Config::default());
    h.ep.listen(local(SERVER_PORT), 8, SocketOptions::default())
        .unwrap();
    for port in [81, SERVER_PORT] {
        for flags in [
            Flags::RST,
            Flags::RST | Flags::ACK,
            Flags::RST | Flags::SYN,
            Flags::RST | Flags::FIN | Flags::PSH,
        ] {
            let replies = h.inject(&stray(port, flags).payload(b"x"));
            silent(&replies, &h);
        }
    }
    assert_eq!(h.ep.counters().resets_sent, 0);
    assert_eq!(h.ep.counters().no_connection, 4);
    assert_eq!(h.states(), ["LISTEN"]);
}

// ---------------------------------------------------------------------------------------
// L-1: listeners bind `*:port` or `ip:port`.

#[test]
fn l1_syn_to_a_port_nobody_listens_on_gets_rst() {
    let mut h = Harness::new(Config::default());
    h.ep.listen(any(SERVER_PORT), 8, SocketOptions::default())
        .unwrap();
    let replies = h.inject(&stray(SERVER_PORT + 1, Flags::SYN));
    let reply = only(&replies, &h);
    assert_eq!(reply.flags(), Flags::RST | Flags::ACK);
    assert_eq!(reply.ack(), SeqNumber(1_000_001));
    assert_eq!(h.states(), ["LISTEN"]);
}

#[test]
fn l1_wildcard_listener_answers_on_every_local_address() {
    let mut h = Harness::new(Config::default());
    let listener =
        h.ep.listen(any(SERVER_PORT), 8, SocketOptions::default())
            .unwrap();
    for ip in [LOCAL_IP, OTHER_LOCAL_IP] {
        let to = SocketAddr::new(ip, SERVER_PORT);
        let mut peer = Peer::new(remote(PEER_PORT), to, PEER_ISS);
        let replies = h.inject(&peer.syn(plain_options()));
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
        assert_eq!(
            reply.src_addr(),
            to,
            "answered from the address the SYN was for"
        );
        peer.observe(&replies);
        peer.ack_all();
        silent(&h.inject(&peer.ack_seg()), &h);
        let accepted = h.ep.accept(listener).unwrap();
        assert_eq!(h.ep.local_addr(accepted), Ok(to));
    }
}

#[test]
fn l1_listener_on_one_address_rejects_syns_to_another() {
    let mut h = Harness::new(Config::default());
    h.ep.listen(local(SERVER_PORT), 8, SocketOptions::default())
        .unwrap();
    let seg = Seg::new(
        remote(PEER_PORT),
        SocketAddr::new(OTHER_LOCAL_IP, SERVER_PORT),
        Flags::SYN,
    )
    .seq(SeqNumber(5000));
    let replies = h.inject(&seg);
    let reply = only(&replies, &h);
    assert_eq!(reply.flags(), Flags::RST | Flags::ACK, "{}", h.transcript());
    assert_eq!(reply.src, OTHER_LOCAL_IP);
    assert_eq!(reply.ack(), SeqNumber(5001));
    let replies = h.inject(&seg.clone().seq(SeqNumber(6000)).flags(Flags::SYN));
    assert_eq!(replies.len(), 1);
    let to_bound = Seg::new(remote(PEER_PORT), local(SERVER_PORT), Flags::SYN).mss(1460);
    let replies = h.inject(&to_bound);
    assert_eq!(only(&replies, &h).flags(), Flags::SYN | Flags::ACK);
}

#[test]
fn l1_two_listeners_on_two_addresses_share_a_port() {
    let mut h = Harness::new(Config::default());
    let first =
        h.ep.listen(local(SERVER_PORT), 8, SocketOptions::default())
            .unwrap();
    let second_addr = SocketAddr::new(OTHER_LOCAL_IP, SERVER_PORT);
    let second =
        h.ep.listen(second_addr, 8, SocketOptions::default())
            .unwrap();
    for (to, listener, other) in [
        (local(SERVER_PORT), first, second),
        (second_addr, second, first),
    ] {
        let mut peer = Peer::new(remote(PEER_PORT), to, PEER_ISS);
        let replies = h.inject(&peer.syn(plain_options()));
        peer.observe(&replies);
        peer.ack_all();
        h.inject(&peer.ack_seg());
        let accepted = h.ep.accept(listener).unwrap();
        assert_eq!(h.ep.local_addr(accepted), Ok(to));
        assert_eq!(h.ep.accept(other), Err(Error::WouldBlock));
    }
}

// ---------------------------------------------------------------------------------------
// Bind rules.

#[test]
fn bind_listening_twice_on_a_port_is_addr_in_use() {
    let mut h = Harness::new(Config::default());
    let opts = SocketOptions::default();
    let star = h.ep.listen(any(80), 8, opts).unwrap();
    assert_eq!(h.ep.listen(any(80), 8, opts), Err(Error::AddrInUse));
    assert_eq!(
        h.ep.listen(local(80), 8, opts),
        Err(Error::AddrInUse),
        "ip:p under *:p"
    );
    let specific = h.ep.listen(local(81), 8, opts).unwrap();
    assert_eq!(h.ep.listen(local(81), 8, opts), Err(Error::AddrInUse));
    assert_eq!(
        h.ep.listen(any(81), 8, opts),
        Err(Error::AddrInUse),
        "*:p over ip:p"
    );
    assert!(
        h.ep.listen(SocketAddr::new(OTHER_LOCAL_IP, 81), 8, opts)
            .is_ok(),
        "ip2:p beside ip1:p"
    );
    h.ep.close_listener(star).unwrap();
    h.ep.close_listener(specific).unwrap();
    assert!(h.ep.listen(local(80), 8, opts).is_ok(), "free after close");
    assert!(h.ep.listen(local(81), 8, opts).is_ok());
}

#[test]
fn bind_a_port_held_by_a_connection_needs_reuse_address() {
    let mut h = Harness::new(Config::default());
    let conn = build(&mut h, Spec::default(), State::TimeWait);
    assert_eq!(conn.state(&h), "TIME_WAIT");
    let plain = SocketOptions::default();
    assert_eq!(
        h.ep.listen(local(LOCAL_PORT), 8, plain),
        Err(Error::AddrInUse)
    );
    assert_eq!(
        h.ep.listen(any(LOCAL_PORT), 8, plain),
        Err(Error::AddrInUse)
    );
    let reuse = SocketOptions {
        reuse_address: true,
        ..SocketOptions::default()
    };
    assert!(h.ep.listen(local(LOCAL_PORT), 8, reuse).is_ok());
}

#[test]
fn listening_on_port_0_picks_an_ephemeral_port_nothing_uses() {
    let config = Config {
        ephemeral_ports: LOCAL_PORT..=LOCAL_PORT + 2,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let tw = build(&mut h, Spec::default(), State::TimeWait);
    assert_eq!(tw.state(&h), "TIME_WAIT");
    let reuse = SocketOptions {
        reuse_address: true,
        ..SocketOptions::default()
    };
    let first = h.ep.listen(any(0), 8, reuse).unwrap();
    let second = h.ep.listen(local(0), 8, reuse).unwrap();
    let mut ports = [first, second].map(|l| h.ep.listener_addr(l).unwrap().port());
    ports.sort_unstable();
    assert_eq!(
        ports,
        [LOCAL_PORT + 1, LOCAL_PORT + 2],
        "not the TIME_WAIT connection's port, not each other's"
    );
    assert_eq!(h.ep.listener_addr(second).unwrap().ip(), local(0).ip());
    assert_eq!(h.ep.listen(any(0), 8, reuse), Err(Error::AddrInUse));
}

// ---------------------------------------------------------------------------------------
// Ephemeral ports.

#[test]
fn ephemeral_ports_come_from_32768_to_60999() {
    let mut h = Harness::new(Config::default());
    let mut ports = HashSet::new();
    for _ in 0..500 {
        let now = h.now;
        let conn =
            h.ep.connect(now, local(0), remote(443), SocketOptions::default())
                .unwrap();
        let port = h.ep.local_addr(conn).unwrap().port();
        assert!((32768..=60999).contains(&port), "{port}");
        assert!(ports.insert(port), "port {port} handed out twice");
    }
}

#[test]
fn ephemeral_ports_skip_tuples_in_use_time_wait_included() {
    let config = Config {
        ephemeral_ports: LOCAL_PORT..=LOCAL_PORT + 2,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let tw = build(&mut h, Spec::default(), State::TimeWait);
    let busy = {
        let mut spec = Spec::default();
        spec.local.set_port(LOCAL_PORT + 1);
        established(&mut h, spec)
    };
    assert_eq!(tw.state(&h), "TIME_WAIT");
    assert_eq!(busy.state(&h), "ESTABLISHED");
    let now = h.now;
    let opts = SocketOptions::default();
    let third =
        h.ep.connect(now, local(0), remote(PEER_PORT), opts)
            .unwrap();
    assert_eq!(
        h.ep.local_addr(third),
        Ok(local(LOCAL_PORT + 2)),
        "the only free tuple"
    );
    assert_eq!(
        h.ep.connect(now, local(0), remote(PEER_PORT), opts),
        Err(Error::AddrNotAvailable)
    );
    let elsewhere =
        h.ep.connect(now, local(0), remote(PEER_PORT + 1), opts)
            .unwrap();
    let port = h.ep.local_addr(elsewhere).unwrap().port();
    assert!(
        (LOCAL_PORT..=LOCAL_PORT + 2).contains(&port),
        "another destination reuses the ports"
    );
    assert_eq!(
        h.ep.connect(now, local(LOCAL_PORT), remote(PEER_PORT), opts),
        Err(Error::AddrInUse),
        "an explicit port on a tuple in TIME_WAIT"
    );
}

// ---------------------------------------------------------------------------------------
// RST validation (RFC 5961).

#[test]
fn r3_syn_sent_accepts_a_rst_only_if_it_acknowledges_our_syn() {
    let mut h = Harness::new(Config::default());
    let mut conn = syn_sent(&mut h, Spec::default());
    let iss = conn.iss();
    for (flags, ack) in [
        (Flags::RST, iss + 1),
        (Flags::RST | Flags::ACK, iss),
        (Flags::RST | Flags::ACK, iss + 2),
        (Flags::RST | Flags::ACK, iss - 70_000),
    ] {
        let seg = conn.peer.seg(flags).ack(ack);
        silent(&conn.send(&mut h, &seg), &h);
        assert_eq!(conn.state(&h), "SYN_SENT", "{flags:?} ack {ack}");
    }
    let seg = conn.peer.seg(Flags::RST | Flags::ACK).ack(iss + 1);
    silent(&conn.send(&mut h, &seg), &h);
    assert_eq!(conn.state(&h), "CLOSED");
    assert_eq!(
        h.ep.read(conn.handle(), &mut [0; 1]),
        Err(Error::ConnectionRefused)
    );
}

#[test]
fn r3_only_an_exact_rst_resets_an_inexact_one_is_challenged() {
    let mut h = Harness::new(Config::default());
    let mut conn = established(&mut h, Spec::default());
    let rcv_nxt = conn.peer.seq;
    for seq in [rcv_nxt + 1, rcv_nxt + 1000, rcv_nxt + 65_534] {
        let seg = conn.peer.seg(Flags::RST).seq(seq);
        let reply = only(&conn.send(&mut h, &seg), &h);
        assert!(reply.is_pure_ack(), "challenge ACK:\n{}", h.transcript());
        assert_eq!(reply.ack(), rcv_nxt, "it tells the true RCV.NXT");
        assert_eq!(conn.state(&h), "ESTABLISHED");
        h.advance(Duration::from_millis(500));
    }
    assert_eq!(h.ep.counters().challenge_acks, 3);
    let seg = conn.peer.seg(Flags::RST).seq(rcv_nxt);
    silent(&conn.send(&mut h, &seg), &h);
    assert_eq!(conn.state(&h), "CLOSED");
    assert_eq!(
        h.ep.take_error(conn.handle()),
        Ok(Some(Error::ConnectionReset))
    );
}

/// RFC 5961 §7: challenge ACKs are limited, as Linux limits them: one per connection per
/// `invalid_ack_interval` (500 ms), then an endpoint-wide budget for each second drawn
/// from `[ceil(limit / 2), limit + ceil(limit / 2))` with the endpoint secret.
#[test]
fn r3_challenge_acks_are_rate_limited_per_connection_and_endpoint_wide() {
    let config = Config {
        hardening: tcp_core::Hardening {
            challenge_ack_limit: 3,
            ..Default::default()
        },
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let mut conns: Vec<Conn> = (0..8)
        .map(|i| established(&mut h, Spec::ports(LOCAL_PORT + i, PEER_PORT)))
        .collect();
    let first = &mut conns[0];
    let mut acks = 0;
    for i in 0..10 {
        let seg = first.peer.seg(Flags::RST).seq(first.peer.seq + 1 + i);
        acks += first.send(&mut h, &seg).len();
    }
    assert_eq!(acks, 1, "one per connection:\n{}", h.transcript());
    for conn in &mut conns[1..] {
        let seg = conn.peer.seg(Flags::SYN).seq(conn.peer.seq + 5);
        acks += conn.send(&mut h, &seg).len();
    }
    assert!((2..5).contains(&acks), "{acks} in the first second");
    let counters = *h.ep.counters();
    assert_eq!(counters.challenge_acks, acks as u64);
    assert_eq!(counters.challenge_acks_rate_limited, 17 - acks as u64);
    for conn in &conns {
        assert_eq!(conn.state(&h), "ESTABLISHED");
    }

    h.advance(Duration::from_millis(999));
    let seg = conns[0].peer.seg(Flags::RST).seq(conns[0].peer.seq + 1);
    let spent = conns[0].send(&mut h, &seg).len();
    h.advance(Duration::from_millis(1));
    let mut next = 0;
    for conn in &mut conns[1..] {
        let seg = conn.peer.seg(Flags::SYN).seq(conn.peer.seq + 5);
        next += conn.send(&mut h, &seg).len();
    }
    assert!(spent <= 1 && next >= 1, "a new second, a new budget");
    assert!(spent + next >= 2 && next < 5, "{spent} + {next}");
}

// ---------------------------------------------------------------------------------------
// C-5: TIME_WAIT.

/// TIME_WAIT on the passive side (the server closed first), so a listener exists.
fn server_time_wait(h: &mut Harness) -> Conn {
    let conn = established_passive(h, Spec::passive());
    let conn = fin_wait_1(h, conn);
    let conn = fin_wait_2(h, conn);
    time_wait(h, conn)
}

#[test]
fn c5_time_wait_ignores_rst_rfc_1337() {
    let mut h = Harness::new(Config::default());
    let mut conn = server_time_wait(&mut h);
    let seg = conn.peer.seg(Flags::RST | Flags::ACK);
    silent(&conn.send(&mut h, &seg), &h);
    assert_eq!(conn.state(&h), "TIME_WAIT");
    let (at, _) = h.next_timer().unwrap();
    assert_eq!(
        conn.state(&h),
        "CLOSED",
        "ended by its timer at {at:?}, not the RST"
    );
}

#[test]
fn c5_syn_with_a_higher_sequence_number_reopens_the_tuple() {
    let mut h = Harness::new(Config::default());
    let conn = server_time_wait(&mut h);
    let mut peer = conn.peer;
    peer.seq += 100_000;
    let syn = peer.syn(plain_options());
    let replies = h.inject(&syn);
    let reply = only(&replies, &h);
    assert_eq!(reply.flags(), Flags::SYN | Flags::ACK, "{}", h.transcript());
    assert_eq!(reply.ack(), syn.header.seq + 1);
    assert_eq!(h.state_of(conn.peer.local, conn.peer.addr), "SYN_RECV");
    peer.observe(&replies);
    peer.ack_all();
    silent(&h.inject(&peer.ack_seg()), &h);
    let accepted = h.ep.accept(conn.listener.unwrap()).unwrap();
    assert_eq!(h.ep.state(accepted), Ok(State::Established));
    assert_eq!(h.ep.peer_addr(accepted), Ok(conn.peer.addr));
}

#[test]
fn c5_syn_with_a_lower_sequence_number_does_not_reopen() {
    let mut h = Harness::new(Config::default());
    let mut conn = server_time_wait(&mut h);
    for seq in [conn.peer.seq - 1, conn.peer.seq - 100_000] {
        let syn = conn.peer.seg(Flags::SYN).seq(seq).mss(1460);
        let reply = only(&conn.send(&mut h, &syn), &h);
        assert!(
            reply.is_pure_ack(),
            "challenge ACK, no SYN-ACK:\n{}",
            h.transcript()
        );
        assert_eq!(reply.ack(), conn.peer.seq);
        assert_eq!(conn.state(&h), "TIME_WAIT");
        h.advance(Duration::from_millis(500));
    }
    assert_eq!(h.ep.accept(conn.listener.unwrap()), Err(Error::WouldBlock));
}

// ---------------------------------------------------------------------------------------
// H-3: initial sequence numbers (RFC 6528).

fn iss_at(h: &mut Harness, port: u16) -> SeqNumber {
    let now = h.now;
    let conn =
        h.ep.connect(
            now,
            local(port),
            remote(PEER_PORT),
            SocketOptions::default(),
        )
        .unwrap();
    let syn = only(&h.drain(), h);
    h.ep.abort(conn).unwrap();
    h.ep.close(now, conn).unwrap();
    h.drain();
    syn.seq()
}

#[test]
fn h3_isns_on_one_tuple_move_forward_with_a_4_microsecond_clock() {
    let mut h = Harness::new(Config::default());
    let first = iss_at(&mut h, LOCAL_PORT);
    h.advance(Duration::from_millis(1));
    let second = iss_at(&mut h, LOCAL_PORT);
    h.advance(Duration::from_secs(1));
    let third = iss_at(&mut h, LOCAL_PORT);
    assert_eq!(second.distance(first), 250, "1 ms = 250 ticks");
    assert_eq!(third.distance(second), 250_000, "1 s = 250 000 ticks");
}

#[test]
fn h3_isns_of_different_tuples_and_secrets_are_unrelated() {
    let mut h = Harness::new(Config::default());
    let isns: Vec<SeqNumber> = (0..16).map(|i| iss_at(&mut h, LOCAL_PORT + i)).collect();
    let distinct: HashSet<u32> = isns.iter().map(|s| s.0).collect();
    assert_eq!(distinct.len(), isns.len());
    let steps: HashSet<i32> = isns.windows(2).map(|w| w[1].distance(w[0])).collect();
    assert!(steps.len() > 1, "not a counter over the port number");
    let mut other = Harness::with_secret(Config::default(), [8; 16]);
    assert_ne!(
        iss_at(&mut other, LOCAL_PORT),
        isns[0],
        "keyed per endpoint"
    );
}

// ---------------------------------------------------------------------------------------
// H-4: MSS.

fn payload_sizes(segments: &[Reply]) -> Vec<usize> {
    segments.iter().map(|r| r.payload.len()).collect()
}

#[test]
fn h4_mss_is_announced_on_syn_segments_only() {
    let mut h = Harness::new(Config::default());
    let mut client = syn_sent(&mut h, Spec::default());
    let syn = h.trace.clone();
    assert!(syn[0].contains("mss 1460"), "{syn:?}");
    client.peer.ack_all();
    let syn_ack = client.peer.syn_ack(plain_options());
    client.send(&mut h, &syn_ack);
    let mut server = established_passive(&mut h, Spec::passive());
    let mut sent = Vec::new();
    for conn in [&mut client, &mut server] {
        sent.extend(pump(&mut h, conn, &[1u8; 5000]));
        let fin = conn.peer.fin();
        sent.extend(conn.send(&mut h, &fin));
        h.ep.shutdown_write(conn.handle()).unwrap();
        sent.extend(h.drain());
    }
    let with_mss: Vec<Flags> = h
        .sent
        .iter()
        .filter(|r| r.header.options.mss.is_some())
        .map(Reply::flags)
        .collect();
    assert_eq!(
        with_mss,
        [Flags::SYN, Flags::SYN | Flags::ACK],
        "our SYN and SYN-ACK only:\n{}",
        h.transcript()
    );
    assert!(sent.iter().all(|r| r.header.options.mss.is_none()));
    assert!(sent.iter().any(|r| r.flags().fin()));
    assert!(sent.iter().any(|r| r.payload.len() == 1460));
}

#[test]
fn h4_send_mss_is_the_smaller_of_the_peers_and_ours() {
    for (our_mtu, peer_mss, expected) in [(1500, 536, 536), (1500, 9000, 1460), (1000, 1460, 960)] {
        let config = Config {
            mtu: our_mtu,
            ..Config::default()
        };
        let mut h = Harness::new(config);
        let spec = Spec {
            peer_options: Options {
                mss: Some(peer_mss),
                ..Options::default()
            },
            ..Spec::default()
        };
        let mut conn = established(&mut h, spec);
        let sizes = payload_sizes(&pump(&mut h, &mut conn, &[7u8; 20_000]));
        let (last, full) = sizes.split_last().unwrap();
        assert!(
            full.iter().all(|&n| n == expected) && *last <= expected,
            "mtu {our_mtu}, peer mss {peer_mss}: {sizes:?}"
        );
        assert_eq!(sizes.iter().sum::<usize>(), 20_000);
    }
}

#[test]
fn h4_peer_mss_defaults_to_536_when_its_syn_has_none() {
    for passive in [false, true] {
        let mut h = Harness::new(Config::default());
        let mut spec = if passive {
            Spec::passive()
        } else {
            Spec::default()
        };
        spec.peer_options = Options::default();
        let mut conn = if passive {
            established_passive(&mut h, spec)
        } else {
            established(&mut h, spec)
        };
        let sizes = payload_sizes(&pump(&mut h, &mut conn, &[7u8; 5000]));
        assert_eq!(
            sizes.iter().max(),
            Some(&536),
            "passive={passive}: {sizes:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// H-5: window scale, SACK-permitted and timestamps only when both sides offer them.

fn all_options() -> Options {
    Options {
        mss: Some(1460),
        window_scale: Some(2),
        sack_permitted: true,
        timestamps: Some(Timestamps {
            value: 1000,
            echo: 0,
        }),
        ..Options::default()
    }
}

/// An active open where we run `config` and the far side's SYN-ACK carries `peer` options
/// and a window field of 2000. Returns our SYN and our ACK of the SYN-ACK.
fn negotiate(config: Config, peer: Options) -> (Harness, Conn, Reply, Reply) {
    let mut h = Harness::new(config);
    let mut conn = syn_sent(&mut h, Spec::default());
    let syn = h.sent[0].clone();
    conn.peer.ack_all();
    conn.peer.window = 2000;
    let syn_ack = conn.peer.syn_ack(peer);
    let ack = only(&conn.send(&mut h, &syn_ack), &h);
    (h, conn, syn, ack)
}

/// Bytes the engine sends into a peer window whose field is 2000 (announced on an ACK after
/// the handshake: a SYN's window is never scaled), given 20 000 to send.
fn bytes_sent_into_a_2000_window(h: &mut Harness, conn: &mut Conn) -> usize {
    let update = conn.peer.ack_seg();
    silent(&conn.send(h, &update), h);
    h.ep.write(conn.handle(), &[9u8; 20_000]).unwrap();
    let replies = h.drain();
    replies.iter().map(|r| r.payload.len()).sum()
}

#[test]
fn h5_window_scale_is_used_only_when_both_sides_offer_it() {
    let peer_offers = Options {
        window_scale: Some(2),
        ..plain_options()
    };
    // Both offer: our window field is scaled by 7 and theirs by 2 (2000 << 2 = 8000 bytes).
    let (mut h, mut conn, syn, ack) = negotiate(Config::default(), peer_offers);
    assert_eq!(syn.header.options.window_scale, Some(7));
    assert_eq!(ack.header.window, (128 * 1024 / 128) as u16, "128 KiB >> 7");
    let sent = bytes_sent_into_a_2000_window(&mut h, &mut conn);
    assert!(sent > 2000 && sent <= 8000, "scaled peer window: {sent}");

    // We do not offer: nothing is scaled either way.
    let config = Config {
        extensions: tcp_core::Extensions {
            window_scaling: false,
            ..Default::default()
        },
        ..Config::default()
    };
    let (mut h, mut conn, syn, ack) = negotiate(config, peer_offers);
    assert_eq!(syn.header.options.window_scale, None);
    assert_eq!(ack.header.window, 65_535);
    let sent = bytes_sent_into_a_2000_window(&mut h, &mut conn);
    assert!(sent <= 2000, "unscaled peer window: {sent}");

    // The peer does not offer: our offer is void, our window field is not scaled.
    let (mut h, mut conn, syn, ack) = negotiate(Config::default(), plain_options());
    assert_eq!(syn.header.options.window_scale, Some(7));
    assert_eq!(ack.header.window, 65_535);
    let sent = bytes_sent_into_a_2000_window(&mut h, &mut conn);
    assert!(sent <= 2000, "unscaled peer window: {sent}");
}

/// Sends data 100 bytes past RCV.NXT and returns the engine's immediate ACK.
fn ack_of_out_of_order_data(h: &mut Harness, conn: &mut Conn) -> Reply {
    let seg = conn
        .peer
        .seg(Flags::ACK | Flags::PSH)
        .seq(conn.peer.seq + 100)
        .payload(&[1u8; 10]);
    only(&conn.send(h, &seg), h)
}

#[test]
fn h5_sack_is_used_only_when_both_sides_offer_it() {
    let peer_offers = Options {
        sack_permitted: true,
        ..plain_options()
    };
    let (mut h, mut conn, syn, _) = negotiate(Config::default(), peer_offers);
    assert!(syn.header.options.sack_permitted);
    let ack = ack_of_out_of_order_data(&mut h, &mut conn);
    let hole = conn.peer.seq + 100;
    assert_eq!(
        ack.header.options.sack_blocks.as_slice(),
        [(hole, hole + 10)],
        "{}",
        h.transcript()
    );

    let config = Config {
        extensions: tcp_core::Extensions {
            sack: false,
            ..Default::default()
        },
        ..Config::default()
    };
    let (mut h, mut conn, syn, _) = negotiate(config, peer_offers);
    assert!(!syn.header.options.sack_permitted);
    let ack = ack_of_out_of_order_data(&mut h, &mut conn);
    assert!(
        ack.header.options.sack_blocks.is_empty(),
        "{}",
        h.transcript()
    );
    assert_eq!(ack.ack(), conn.peer.seq, "still a duplicate ACK");

    let (mut h, mut conn, _, _) = negotiate(Config::default(), plain_options());
    let ack = ack_of_out_of_order_data(&mut h, &mut conn);
    assert!(
        ack.header.options.sack_blocks.is_empty(),
        "{}",
        h.transcript()
    );
}

#[test]
fn h5_timestamps_are_used_only_when_both_sides_offer_them() {
    let peer_offers = Options {
        timestamps: Some(Timestamps {
            value: 1000,
            echo: 0,
        }),
        ..plain_options()
    };
    let (mut h, conn, syn, ack) = negotiate(Config::default(), peer_offers);
    assert!(syn.header.options.timestamps.is_some());
    let ts = ack.header.options.timestamps.expect("TS on the ACK");
    assert_eq!(ts.echo, 1000, "echoes the peer's TSval");
    h.ep.write(conn.handle(), b"stamped").unwrap();
    let data = only(&h.drain(), &h);
    assert!(data.header.options.timestamps.is_some());

    let config = Config {
        extensions: tcp_core::Extensions {
            timestamps: false,
            ..Default::default()
        },
        ..Config::default()
    };
    let (mut h, conn, syn, ack) = negotiate(config, peer_offers);
    assert!(syn.header.options.timestamps.is_none());
    assert!(ack.header.options.timestamps.is_none());
    h.ep.write(conn.handle(), b"plain").unwrap();
    let data = only(&h.drain(), &h);
    assert!(data.header.options.timestamps.is_none());

    let (mut h, conn, _, ack) = negotiate(Config::default(), plain_options());
    assert!(ack.header.options.timestamps.is_none());
    h.ep.write(conn.handle(), b"plain").unwrap();
    let data = only(&h.drain(), &h);
    assert!(data.header.options.timestamps.is_none());
}

#[test]
fn h5_syn_ack_offers_only_what_the_syn_offered() {
    let mut h = Harness::new(Config::default());
    let mut listener = support::fixture::listen(&mut h, Spec::passive());
    let plain = support::fixture::syn_received_with(&mut h, &mut listener, Options::default());
    assert_eq!(
        plain.header.options,
        Options {
            mss: Some(1460),
            ..Options::default()
        },
        "MSS only"
    );
    let mut spec = Spec::passive();
    spec.remote.set_port(PEER_PORT + 1);
    let mut peer = Peer::new(spec.remote, spec.local, PEER_ISS);
    let replies = h.inject(&peer.syn(all_options()));
    let full = only(&replies, &h).header.options;
    assert_eq!(full.mss, Some(1460));
    assert_eq!(full.window_scale, Some(7));
    assert!(full.sack_permitted);
    assert_eq!(full.timestamps.map(|t| t.echo), Some(1000));
}

// ---------------------------------------------------------------------------------------
// The socket table.

#[test]
fn socket_info_rows_display_like_netstat() {
    let mut h = Harness::new(Config::default());
    h.ep.listen(any(SERVER_PORT), 16, SocketOptions::default())
        .unwrap();
    let mut conn = established(&mut h, Spec::default());
    h.ep.write(conn.handle(), b"unacked").unwrap();
    h.drain();
    let seg = conn.peer.data(b"unread");
    conn.send(&mut h, &seg);
    let rows: Vec<String> = h.ep.sockets().iter().map(ToString::to_string).collect();
    assert_eq!(
        rows,
        [
            "tcp       0      16 0.0.0.0:80              0.0.0.0:0               LISTEN",
            "tcp       6       7 198.18.0.1:40000        198.18.0.2:50000        ESTABLISHED",
        ]
    );
}

#[test]
fn h4_peer_mss_defaults_to_1220_over_ipv6() {
    let mut h = Harness::new(Config::default());
    let ours: IpAddr = "2001:db8::1".parse().unwrap();
    let theirs = SocketAddr::new("2001:db8::2".parse().unwrap(), PEER_PORT);
    let local = SocketAddr::new(ours, 80);
    let listener = h.ep.listen(local, 8, SocketOptions::default()).unwrap();
    let syn = Seg::new(theirs, local, Flags::SYN).seq(SeqNumber(100));
    let replies = h.inject(&syn);
    let syn_ack = only(&replies, &h);
    let ack = Seg::new(theirs, local, Flags::ACK)
        .seq(SeqNumber(101))
        .ack(syn_ack.seq() + 1);
    h.inject(&ack);
    let conn = h.ep.accept(listener).unwrap();
    h.ep.write(conn, &[9u8; 5000]).unwrap();
    let sizes: Vec<usize> = h.drain().iter().map(|r| r.payload.len()).collect();
    assert_eq!(sizes.iter().max(), Some(&1220), "{sizes:?}");
}
