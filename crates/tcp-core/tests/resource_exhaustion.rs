//! Hostile peers against the endpoint's resources (issue #15): memory pinned by
//! out-of-order data, the accept queue filled by completing handshakes, TIME_WAIT entries
//! and orphans piling up.

mod support;

use std::time::Duration;
use support::fixture::{self, Spec};
use support::inject::{Harness, Peer, silent};
use tcp_core::{Config, ResourceLimits, SocketOptions, State};
use tcp_wire::{Flags, Options};

/// Bytes an attacker puts on the wire for one injected segment: TCP header and payload plus
/// the 20-byte IPv4 header (the link header not counted, so the ratio is pessimistic).
fn frame_bytes(seg: &support::inject::Seg) -> usize {
    seg.bytes().len() + 20
}

/// The byte at `offset` of what the attacker sends.
fn pattern(offset: u32) -> u8 {
    (offset % 251) as u8
}

/// 32 one-byte segments, each 4,000 bytes past the previous one, all inside the 128 KiB
/// window. The receive ring used to be allocated out to the farthest byte received, so
/// about 1.3 KB of frames pinned the whole 128 KiB buffer (with a 4,096 backlog, half a
/// gibibyte for 7 MB). Storage may grow for out-of-order data only in proportion to the
/// bytes held.
#[test]
fn one_byte_segments_past_holes_hold_memory_in_proportion_to_what_was_sent() {
    let mut h = Harness::new(Config::default());
    h.recording = false;
    let spec = Spec {
        peer_options: Options {
            window_scale: Some(0),
            ..fixture::plain_options()
        },
        ..Spec::default()
    };
    let conn = fixture::established(&mut h, spec);
    let handle = conn.handle();
    let base = conn.peer.seq;
    let before = h.ep.connection_memory(handle).unwrap();
    let mut sent = 0;
    for i in 1..=32u32 {
        let seg = conn
            .peer
            .seg(Flags::ACK)
            .seq(base + 4_000 * i)
            .payload(&[pattern(4_000 * i)]);
        sent += frame_bytes(&seg);
        h.inject(&seg);
    }
    let held = h.ep.connection_memory(handle).unwrap() - before;
    println!(
        "32 one-byte segments past holes: {sent} attacker bytes, {held} bytes held ({:.2} per attacker byte)",
        held as f64 / sent as f64
    );
    assert!(
        held <= 2 * sent,
        "{sent} bytes of frames made the connection hold {held} more bytes"
    );
    // Dense out-of-order data is still held, and delivered once the hole fills.
    let data: Vec<u8> = (0..8_000).map(pattern).collect();
    let mut sent = 0;
    for chunk in (1_000..8_000).step_by(1_000) {
        let seg = conn
            .peer
            .seg(Flags::ACK)
            .seq(base + chunk as u32)
            .payload(&data[chunk..chunk + 1_000]);
        sent += frame_bytes(&seg);
        h.inject(&seg);
    }
    let held = h.ep.connection_memory(handle).unwrap() - before;
    println!(
        "7 KB past a 1 KB hole: {sent} attacker bytes, {held} bytes held ({:.2} per attacker byte)",
        held as f64 / sent as f64
    );
    assert!(held <= 2 * sent, "{sent} bytes sent, {held} bytes held");
    let fill = conn.peer.seg(Flags::ACK).payload(&data[..1_000]);
    h.inject(&fill);
    let mut got = vec![0u8; 16_000];
    let n = h.ep.read(handle, &mut got).unwrap();
    // The one-byte segment at 8,000 now follows in order too.
    let expected: Vec<u8> = (0..8_001).map(pattern).collect();
    assert!(
        got[..n] == expected[..],
        "{n} bytes read; everything held must be delivered in order"
    );
}

/// Five clients complete their handshakes against a listener with a backlog of 2. The SYN
/// check alone let the whole SYN queue in: five connections waited in a queue of two. As
/// Linux (`tcp_check_req` with `tcp_abort_on_overflow` = 0), the final ACK that finds the
/// queue full is dropped and the half-open connection kept, so its SYN-ACK is sent again
/// and the client gets in once `accept` makes room.
#[test]
fn accept_queue_never_exceeds_the_backlog_when_handshakes_complete() {
    let mut h = Harness::new(Config::default());
    let spec = Spec::passive();
    let listener =
        h.ep.listen(spec.local, 2, SocketOptions::default())
            .unwrap();
    let mut peers = Vec::new();
    for i in 0..5u16 {
        let mut remote = spec.remote;
        remote.set_port(30_000 + i);
        let mut conn = fixture::Conn {
            peer: Peer::new(remote, spec.local, fixture::PEER_ISS),
            handle: None,
            listener: Some(listener),
            iss: None,
            fin_seq: None,
        };
        fixture::syn_received_with(&mut h, &mut conn, fixture::plain_options());
        peers.push(conn);
    }
    for conn in &mut peers {
        let ack = conn.peer.ack_seg();
        silent(&conn.send(&mut h, &ack), &h);
        let queued = h.ep.sockets()[0].recv_q;
        assert!(
            queued <= 2,
            "{queued} connections queued for a backlog of 2"
        );
    }
    assert_eq!(h.ep.counters().listen.listen_overflows, 3);
    let waiting = peers
        .iter()
        .filter(|c| h.state_of(c.peer.local, c.peer.addr) == "SYN_RECV")
        .count();
    assert_eq!(waiting, 3, "{}", h.transcript());
    // The SYN-ACKs go out again; after `accept` frees a place, a client's ACK gets in.
    let replies = h.advance(Duration::from_secs(2));
    let again = replies
        .iter()
        .filter(|r| r.flags() == Flags::SYN | Flags::ACK)
        .count();
    assert_eq!(again, 3, "{}", h.transcript());
    let first = h.ep.accept(listener).unwrap();
    assert_eq!(h.ep.state(first), Ok(State::Established));
    let late = &mut peers[2];
    let ack = late.peer.ack_seg();
    silent(&late.send(&mut h, &ack), &h);
    assert_eq!(h.state_of(late.peer.local, late.peer.addr), "ESTABLISHED");
    assert_eq!(h.ep.sockets()[0].recv_q, 2);
}

/// A config whose resource caps are `limits`.
fn limited(limits: ResourceLimits) -> Config {
    Config {
        resources: limits,
        ..Config::default()
    }
}

/// Five connections close actively, one after another, against a cap of two TIME_WAIT
/// entries. Without a cap a peer that opens and closes connections (or a busy client) made
/// TIME_WAIT entries pile up for 2 MSL each. As Linux's `tcp_max_tw_buckets`: over the cap
/// the connection still acknowledges the peer's FIN, then closes without TIME_WAIT, counted.
#[test]
fn time_wait_entries_are_capped() {
    let mut h = Harness::new(limited(ResourceLimits {
        max_time_wait: 2,
        ..ResourceLimits::default()
    }));
    let time_wait = |h: &Harness| h.states().iter().filter(|s| *s == "TIME_WAIT").count();
    for i in 0..5u16 {
        let conn = fixture::established(&mut h, Spec::ports(41_000 + i, 50_000));
        let conn = fixture::fin_wait_1(&mut h, conn);
        let mut conn = fixture::fin_wait_2(&mut h, conn);
        let fin = conn.peer.fin();
        let replies = conn.send(&mut h, &fin);
        assert!(
            replies.len() == 1 && replies[0].is_pure_ack() && replies[0].ack() == conn.peer.seq,
            "the FIN is acknowledged in any case:\n{}",
            h.transcript()
        );
        h.advance(Duration::from_millis(1));
        assert!(time_wait(&h) <= 2, "{:?}", h.states());
    }
    assert_eq!(time_wait(&h), 2);
    assert_eq!(h.ep.counters().resources.time_wait_overflows, 3);
    // Once an entry ends, there is room again.
    h.advance(Duration::from_secs(61));
    assert_eq!(time_wait(&h), 0);
    let conn = fixture::established(&mut h, Spec::ports(42_000, 50_000));
    let conn = fixture::fin_wait_1(&mut h, conn);
    let conn = fixture::fin_wait_2(&mut h, conn);
    fixture::time_wait(&mut h, conn);
    assert_eq!(h.ep.counters().resources.time_wait_overflows, 3);
}

/// Four connections with data in flight are closed against a cap of two orphans. Each
/// orphan holds its send buffer until the peer acknowledges it, so a peer that stops
/// acknowledging made closed connections pile up. As Linux's `tcp_max_orphans`: over the
/// cap a closing connection is reset at once, counted.
#[test]
fn orphans_are_capped() {
    let mut h = Harness::new(limited(ResourceLimits {
        max_orphans: 2,
        ..ResourceLimits::default()
    }));
    for i in 0..4u16 {
        let conn = fixture::established(&mut h, Spec::ports(41_000 + i, 50_000));
        h.ep.write(conn.handle(), &[0x42; 1000]).unwrap();
        h.drain();
        let now = h.now;
        h.ep.close(now, conn.handle()).unwrap();
        let replies = h.drain();
        let reset = replies.iter().any(|r| r.is_rst());
        assert_eq!(reset, i >= 2, "{}", h.transcript());
        let expected = if i < 2 { "FIN_WAIT_1" } else { "gone" };
        assert_eq!(conn.state(&h), expected, "{}", h.transcript());
    }
    assert_eq!(h.ep.counters().resources.orphans_reset, 2);
}

/// 10,000 clients connect and each sends out-of-order data (two 1,000-byte segments past
/// holes; 42 MB of buffers in all), then two more each, which unbounded would take the
/// buffers to about 165 MB. The budget is 48 MiB (pressure) and 56 MiB (limit): buffer
/// memory never passes the limit, data that would need more is dropped and counted, and
/// under pressure a new connection is refused cleanly (its SYN dropped and counted,
/// `connect` failing with `NoBuffers`) until connections go and memory comes back.
#[test]
fn ten_thousand_connections_with_out_of_order_data_stay_within_the_memory_budget() {
    let limits = ResourceLimits {
        buffer_pressure: 48 << 20,
        buffer_limit: 56 << 20,
        ..ResourceLimits::default()
    };
    let mut h = Harness::new(limited(limits));
    h.recording = false;
    let spec = Spec::passive();
    let listener =
        h.ep.listen(spec.local, 4096, SocketOptions::default())
            .unwrap();
    let mut accepted = Vec::new();
    let segment = vec![0x77u8; 1000];
    let client = |i: u16| {
        let mut remote = spec.remote;
        remote.set_port(10_000 + i);
        Peer::new(remote, spec.local, fixture::PEER_ISS)
    };
    for i in 0..10_000u16 {
        let mut peer = client(i);
        let replies = h.inject(&peer.syn(fixture::plain_options()));
        assert_eq!(replies.len(), 1, "SYN-ACK for client {i}");
        peer.observe(&replies);
        peer.ack_all();
        h.inject(&peer.ack_seg());
        let handle = h.ep.accept(listener).unwrap();
        for offset in [1000, 3000] {
            h.inject(
                &peer
                    .seg(Flags::ACK)
                    .seq(peer.seq + offset)
                    .payload(&segment),
            );
        }
        accepted.push((handle, peer));
        assert!(h.ep.buffer_memory() <= limits.buffer_limit);
    }
    let first_round = h.ep.buffer_memory();
    for (_, peer) in &accepted {
        for offset in [5000, 9000] {
            h.inject(
                &peer
                    .seg(Flags::ACK)
                    .seq(peer.seq + offset)
                    .payload(&segment),
            );
            assert!(h.ep.buffer_memory() <= limits.buffer_limit);
        }
    }
    let dropped = h.ep.connection_totals().dropped_for_memory;
    println!(
        "10,000 connections: {first_round} bytes of buffers after the first round, {} after the second (limit {}), {dropped} segments dropped for memory",
        h.ep.buffer_memory(),
        limits.buffer_limit
    );
    assert!(h.ep.counters().resources.memory_pressure_events >= 1);
    assert!(dropped > 0, "the limit was reached and data dropped");
    assert_eq!(h.ep.counters().resources.memory_refusals, 0);
    // A new client now: its SYN is dropped (it will retry), and counted.
    let mut late = client(10_000);
    silent(&h.inject(&late.syn(fixture::plain_options())), &h);
    assert_eq!(h.ep.counters().resources.memory_refusals, 1);
    let now = h.now;
    let other = Spec::ports(41_000, 50_000);
    assert_eq!(
        h.ep.connect(now, other.local, other.remote, SocketOptions::default()),
        Err(tcp_core::Error::NoBuffers)
    );
    assert_eq!(h.ep.counters().resources.memory_refusals, 2);
    // Half the connections go: memory falls below the pressure mark, new ones get in.
    for (handle, _) in accepted.drain(..accepted.len() / 2) {
        h.ep.abort(handle).unwrap();
        h.ep.close(now, handle).unwrap();
    }
    h.drain();
    assert!(h.ep.buffer_memory() < limits.buffer_pressure);
    let replies = h.inject(&late.syn(fixture::plain_options()));
    assert_eq!(replies.len(), 1, "a SYN-ACK once memory is back");
    assert!(
        h.ep.connect(now, other.local, other.remote, SocketOptions::default())
            .is_ok()
    );
}
