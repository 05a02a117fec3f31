//! Robustness cases of the hardening issue that no other test file covered: sequence
//! numbers wrapping mid-transfer (both directions, with loss), timestamps wrapping and PAWS
//! around the wrap and after 24 idle days, Christmas-tree segments in every kind of place,
//! the out-of-order bound against a peer that sends only holes, a peer that ignores our
//! window, the connection limit for active and passive opens, and ACKs handled in one
//! receive batch with the fast retransmit they overtake.
//! See docs/robustness.md for the whole table.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use support::conn::SERVER_PORT;
use support::fixture::{self, Spec};
use support::inject::{Harness, Seg, only, silent};
use support::{Side, Sim};
use tcp_core::{Config, ConnectionHandle, Error, Received, SocketOptions, State};
use tcp_wire::{Flags, Options, SackBlocks, SeqNumber, Timestamps};

// ---------------------------------------------------------------------------------------
// Sequence number wrap-around

/// Where the ISS of `side`'s first connection lands if the simulation starts at `start`.
fn first_iss(seed: u64, start: tcp_core::Instant, side: Side) -> (SeqNumber, tcp_core::Instant) {
    let mut sim = Sim::new(Config::default(), seed);
    sim.now = start;
    let seen: Rc<RefCell<Option<SeqNumber>>> = Rc::new(RefCell::new(None));
    let record = Rc::clone(&seen);
    sim.filter = Some(Box::new(move |from, segment| {
        if from == side && segment.flags().syn() && record.borrow().is_none() {
            *record.borrow_mut() = Some(segment.seq_number());
        }
        true
    }));
    let listener = support::conn::listen(&mut sim, SocketOptions::default());
    let (now, local, remote) = (sim.now, sim.a_addr(40_000), sim.b_addr(SERVER_PORT));
    sim.a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    support::conn::accept(&mut sim, listener);
    let iss = seen.borrow().expect("SYN seen");
    (iss, start)
}

/// Moves 1 MiB each way with 2 % loss starting with `side`'s ISS 100 000 below 2^32, so its
/// sending sequence numbers (and the peer's receiving ones) wrap early in the transfer.
fn transfer_across_the_wrap(side: Side) {
    let seed = 77;
    let (iss, t0) = first_iss(seed, tcp_core::Instant::from_millis(1_000), side);
    let target = u32::MAX - 100_000;
    // The ISS clock ticks every 4 µs: start later by the ticks that take it to `target`.
    let ticks = u64::from(target.wrapping_sub(iss.0));
    let start = tcp_core::Instant::from_micros(t0.as_micros() + ticks * 4);
    let (iss, _) = first_iss(seed, start, side);
    assert_eq!(iss, SeqNumber(target), "the ISS follows the 4 µs clock");

    let mut sim = Sim::new(Config::default(), seed);
    sim.now = start;
    for path in [&mut sim.a_to_b, &mut sim.b_to_a] {
        path.loss = 0.02;
        path.reorder = 0.02;
        path.bandwidth = Some(10_000_000);
    }
    let listener = support::conn::listen(&mut sim, SocketOptions::default());
    let (now, local, remote) = (sim.now, sim.a_addr(40_000), sim.b_addr(SERVER_PORT));
    let client = sim
        .a
        .connect(now, local, remote, SocketOptions::default())
        .unwrap();
    let server = support::conn::accept(&mut sim, listener);
    let up: Vec<u8> = (0..1 << 20)
        .map(|i: u32| (i * 7 + i / 1000) as u8)
        .collect();
    let down: Vec<u8> = up.iter().rev().copied().collect();
    let (mut up_sent, mut down_sent) = (0, 0);
    let (mut up_got, mut down_got) = (Vec::new(), Vec::new());
    let (mut a_eof, mut b_eof) = (false, false);
    let done = sim.run_until(Duration::from_secs(600), |sim| {
        if up_sent < up.len() {
            up_sent += sim.a.write(client, &up[up_sent..]).unwrap_or(0);
            if up_sent == up.len() {
                sim.a.shutdown_write(client).unwrap();
            }
        }
        if down_sent < down.len() {
            down_sent += sim.b.write(server, &down[down_sent..]).unwrap_or(0);
            if down_sent == down.len() {
                sim.b.shutdown_write(server).unwrap();
            }
        }
        b_eof = b_eof || sim.read_all(Side::B, server, &mut up_got);
        a_eof = a_eof || sim.read_all(Side::A, client, &mut down_got);
        a_eof && b_eof
    });
    assert!(done, "transfer across the wrap stalled");
    assert!(up_got == up, "upload damaged across the wrap");
    assert!(down_got == down, "download damaged across the wrap");
    assert_eq!(sim.a.take_error(client), Ok(None));
    assert_eq!(sim.b.take_error(server), Ok(None));
}

#[test]
fn client_sequence_numbers_wrap_mid_transfer_with_loss() {
    transfer_across_the_wrap(Side::A);
}

#[test]
fn server_sequence_numbers_wrap_mid_transfer_with_loss() {
    transfer_across_the_wrap(Side::B);
}

#[test]
fn peer_sequence_numbers_wrapping_past_zero_deliver_in_order() {
    let mut h = Harness::new(Config::default());
    let mut conn = fixture::syn_sent(&mut h, Spec::default());
    conn.peer.seq = SeqNumber(u32::MAX - 1000);
    conn.peer.ack_all();
    let syn_ack = conn.peer.syn_ack(fixture::plain_options());
    conn.send(&mut h, &syn_ack);
    let handle = conn.handle();
    let data: Vec<u8> = (0..8000u32).map(|i| (i % 251) as u8).collect();
    // Out of order across the wrap: the second half (past zero) first, then the first.
    let mut second = conn.peer;
    second.seq += 4000;
    let replies = conn.send(&mut h, &second.data(&data[4000..]));
    assert!(
        replies.iter().any(|r| r.ack() == conn.peer.seq),
        "duplicate ACK expected"
    );
    conn.send(&mut h, &conn.peer.clone().data(&data[..4000]));
    let mut got = vec![0u8; 10_000];
    let n = h.ep.read(handle, &mut got).unwrap();
    assert_eq!(&got[..n], &data[..], "reassembly across the wrap");
}

// ---------------------------------------------------------------------------------------
// Timestamps: wrap and PAWS

fn ts_options(value: u32, echo: u32) -> Options {
    Options {
        timestamps: Some(Timestamps { value, echo }),
        ..Options::default()
    }
}

/// ESTABLISHED with timestamps on, the peer's TSval starting at `ts`.
fn established_with_timestamps(h: &mut Harness, ts: u32) -> (fixture::Conn, u32) {
    let spec = Spec {
        peer_options: Options {
            mss: Some(1460),
            ..ts_options(ts, 0)
        },
        ..Spec::default()
    };
    let mut conn = fixture::syn_sent(h, spec);
    let our_ts = h
        .sent
        .last()
        .unwrap()
        .header
        .options
        .timestamps
        .unwrap()
        .value;
    conn.peer.ack_all();
    let syn_ack = conn.peer.syn_ack(Options {
        mss: Some(1460),
        ..ts_options(ts, our_ts)
    });
    conn.send(h, &syn_ack);
    assert_eq!(conn.state(h), "ESTABLISHED");
    (conn, our_ts)
}

#[test]
fn peer_timestamps_wrapping_past_zero_are_not_old_duplicates() {
    let mut h = Harness::new(Config::default());
    let (mut conn, echo) = established_with_timestamps(&mut h, u32::MAX - 250);
    let mut ts = u32::MAX - 250;
    for _ in 0..5 {
        ts = ts.wrapping_add(100);
        let seg = conn.peer.data(b"tick").options(ts_options(ts, echo));
        let reply = only(&conn.send(&mut h, &seg), &h);
        assert_eq!(
            reply.ack(),
            conn.peer.seq,
            "data with TSval {ts:#x} acknowledged"
        );
    }
    assert!(ts < 1000, "the peer's clock wrapped");
    assert_eq!(h.ep.readable_bytes(conn.handle()), Ok(20));
    assert_eq!(h.ep.counters().paws_rejected, 0);

    // One from before the wrap is now an old duplicate: dropped, counted, and ACKed.
    let mut old = conn.peer;
    let seg = old.data(b"old!").options(ts_options(u32::MAX - 50, echo));
    let reply = only(&h.inject(&seg), &h);
    assert_eq!(
        reply.ack(),
        conn.peer.seq,
        "the old segment's data is not taken"
    );
    assert_eq!(h.ep.counters().paws_rejected, 1);
    assert_eq!(h.ep.readable_bytes(conn.handle()), Ok(20));
}

#[test]
fn paws_stops_rejecting_after_24_idle_days() {
    let mut h = Harness::new(Config::default());
    let ts = 1_000_000;
    let (mut conn, echo) = established_with_timestamps(&mut h, ts);
    let seg = conn.peer.data(b"a").options(ts_options(ts + 1, echo));
    conn.send(&mut h, &seg);
    // Half the timestamp space later, the peer's clock reads "older" than TS.Recent.
    let stale = ts.wrapping_sub(1 << 31).wrapping_add(10);
    let mut probe = conn.peer;
    let seg = probe.data(b"b").options(ts_options(stale, echo));
    h.inject(&seg);
    assert_eq!(
        h.ep.counters().paws_rejected,
        1,
        "within 24 days PAWS rejects it"
    );
    h.advance(Duration::from_secs(25 * 24 * 3600));
    assert_eq!(conn.state(&h), "ESTABLISHED");
    let seg = conn.peer.data(b"b").options(ts_options(stale, echo));
    let reply = only(&conn.send(&mut h, &seg), &h);
    assert_eq!(
        reply.ack(),
        conn.peer.seq,
        "after 24 idle days TS.Recent is invalid"
    );
    assert_eq!(h.ep.counters().paws_rejected, 1);
    assert_eq!(h.ep.readable_bytes(conn.handle()), Ok(2));
}

#[test]
fn our_timestamp_clock_wrapping_mid_connection_still_measures_the_rtt() {
    let mut h = Harness::new(Config::default());
    let (mut conn, our_ts) = established_with_timestamps(&mut h, 5_000);
    let handle = conn.handle();
    // Our TSval is milliseconds plus a per-connection offset: idle until 100 ms before it
    // wraps (up to 49.7 virtual days; an idle connection has no timer).
    let to_wrap = u64::from(u32::MAX - our_ts) + 1;
    h.advance(Duration::from_millis(to_wrap - 100));
    assert_eq!(conn.state(&h), "ESTABLISHED");
    assert_eq!(h.ep.write(handle, b"across the wrap"), Ok(15));
    let data = only(&h.drain(), &h);
    conn.peer.observe(std::slice::from_ref(&data));
    let sent_ts = data.header.options.timestamps.expect("TSval on data").value;
    assert!(
        sent_ts > u32::MAX - 200,
        "sent just before the wrap: {sent_ts:#x}"
    );
    // The ACK comes 150 ms later, after our clock wrapped, echoing the pre-wrap value: a
    // 150 ms sample moves the smoothed RTT by an eighth of the difference (RFC 6298).
    let before =
        h.ep.connection_info(handle)
            .unwrap()
            .rtt
            .expect("handshake sample");
    h.advance(Duration::from_millis(150));
    conn.peer.ack_all();
    let ack = conn.peer.ack_seg().options(ts_options(5_100, sent_ts));
    conn.send(&mut h, &ack);
    let rtt =
        h.ep.connection_info(handle)
            .unwrap()
            .rtt
            .expect("an RTT sample");
    let expected = before * 7 / 8 + Duration::from_millis(150) / 8;
    assert!(
        rtt.abs_diff(expected) <= Duration::from_millis(1),
        "smoothed RTT {rtt:?} after a 150 ms sample across the wrap (from {before:?})"
    );
    // And what we send now carries the wrapped clock.
    assert_eq!(h.ep.write(handle, b"after"), Ok(5));
    let after = only(&h.drain(), &h);
    let ts = after.header.options.timestamps.expect("TSval").value;
    assert!(ts < 1000, "our clock wrapped to {ts:#x}");
}

// ---------------------------------------------------------------------------------------
// Christmas-tree segments: every control bit set

const ALL_FLAGS: Flags = Flags(0xff);

#[test]
fn christmas_tree_to_a_closed_port_gets_no_reply() {
    let mut h = Harness::new(Config::default());
    let spec = Spec::default();
    let seg = Seg::new(spec.remote, spec.local, ALL_FLAGS)
        .seq(SeqNumber(1))
        .payload(b"xmas");
    silent(&h.inject(&seg), &h);
    assert_eq!(h.ep.connection_count(), 0);
}

#[test]
fn christmas_tree_to_a_listener_opens_nothing() {
    let mut h = Harness::new(Config::default());
    let listener = fixture::listen(&mut h, Spec::passive());
    let seg = listener.peer.seg(ALL_FLAGS).payload(b"xmas");
    silent(&h.inject(&seg), &h);
    assert_eq!(h.ep.connection_count(), 0);
    assert_eq!(listener.state(&h), "LISTEN");
    assert_eq!(
        h.ep.accept(listener.listener.unwrap()),
        Err(Error::WouldBlock)
    );
}

#[test]
fn christmas_tree_in_window_but_inexact_is_challenged_and_harmless() {
    let mut h = Harness::new(Config::default());
    let mut conn = fixture::established(&mut h, Spec::default());
    let mut seg = conn.peer.seg(ALL_FLAGS).payload(b"xmas");
    seg = seg.seq(conn.peer.seq + 100);
    let reply = only(&h.inject(&seg), &h);
    assert!(
        reply.is_pure_ack(),
        "challenge ACK expected:\n{}",
        h.transcript()
    );
    assert_eq!(reply.ack(), conn.peer.seq);
    assert_eq!(conn.state(&h), "ESTABLISHED");
    // The connection still carries data afterwards.
    let reply = only(&conn.send(&mut h, &conn.peer.clone().data(b"ok")), &h);
    assert_eq!(reply.ack(), conn.peer.seq + 2);
}

#[test]
fn christmas_tree_at_the_exact_sequence_number_resets_like_an_exact_rst() {
    let mut h = Harness::new(Config::default());
    let conn = fixture::established(&mut h, Spec::default());
    let seg = conn.peer.seg(ALL_FLAGS).payload(b"xmas");
    silent(&h.inject(&seg), &h);
    assert!(
        h.events_of(conn.handle())
            .iter()
            .any(|e| matches!(e, tcp_core::Event::Failed(_, Error::ConnectionReset)))
    );
    assert_eq!(
        h.ep.readable_bytes(conn.handle()),
        Ok(0),
        "its payload is not delivered"
    );
}

// ---------------------------------------------------------------------------------------
// Resource limits

#[test]
fn a_peer_sending_only_holes_cannot_grow_the_out_of_order_queue() {
    let mut h = Harness::new(Config::default());
    h.recording = false;
    let mut conn = fixture::established(&mut h, Spec::default());
    let handle = conn.handle();
    let base = conn.peer.seq;
    let before = h.ep.connection_memory(handle).unwrap();
    // 5000 one-byte segments, each after a one-byte hole.
    for i in 0..5000u32 {
        let seg = conn
            .peer
            .seg(Flags::ACK)
            .seq(base + (2 * i + 1))
            .payload(&[i as u8]);
        h.inject(&seg);
    }
    let after = h.ep.connection_memory(handle).unwrap();
    assert!(
        after <= before + 256 * 1024,
        "memory grew from {before} to {after} bytes"
    );
    assert_eq!(h.ep.readable_bytes(handle), Ok(0));
    // Filling from RCV.NXT delivers in order whatever was kept, and nothing wrong.
    let fill: Vec<u8> = (0..10_000u32)
        .map(|i| if i % 2 == 1 { (i / 2) as u8 } else { 0xee })
        .collect();
    let seg = conn.peer.seg(Flags::ACK).payload(&fill[..1000]);
    conn.send(&mut h, &seg);
    let mut got = vec![0u8; 20_000];
    let n = h.ep.read(handle, &mut got).unwrap();
    assert!(n >= 1000);
    assert_eq!(
        &got[..n],
        &fill[..n],
        "reassembled bytes match what was sent"
    );
    assert_eq!(conn.state(&h), "ESTABLISHED");
}

#[test]
fn a_peer_ignoring_our_window_cannot_grow_the_receive_buffer() {
    let config = Config::default();
    let max = config.recv_buffer.max;
    let mut h = Harness::new(config);
    h.recording = false;
    let mut conn = fixture::established(&mut h, Spec::default());
    let handle = conn.handle();
    // The application never reads; the peer sends 2x the largest buffer regardless.
    let chunk = vec![0x5au8; 1460];
    for _ in 0..(2 * max / chunk.len()) {
        let seg = conn.peer.data(&chunk);
        h.inject(&seg);
    }
    let readable = h.ep.readable_bytes(handle).unwrap();
    assert!(
        readable <= max,
        "{readable} bytes buffered above the {max} byte maximum"
    );
    let memory = h.ep.connection_memory(handle).unwrap();
    assert!(memory <= max + 64 * 1024, "connection holds {memory} bytes");
    assert_eq!(conn.state(&h), "ESTABLISHED");
}

#[test]
fn a_peer_that_never_opens_its_window_bounds_what_write_takes() {
    let mut h = Harness::new(Config::default());
    h.recording = false;
    let spec = Spec::default();
    let mut conn = fixture::syn_sent(&mut h, spec);
    conn.peer.ack_all();
    conn.peer.window = 0;
    let syn_ack = conn.peer.syn_ack(fixture::plain_options());
    conn.send(&mut h, &syn_ack);
    let handle = conn.handle();
    let chunk = vec![1u8; 64 * 1024];
    let mut taken = 0;
    for _ in 0..1000 {
        match h.ep.write(handle, &chunk) {
            Ok(n) => taken += n,
            Err(Error::WouldBlock) => break,
            Err(e) => panic!("write failed: {e}"),
        }
    }
    let max = h.ep.config().send_buffer.max;
    assert!(
        taken <= max,
        "write took {taken} bytes, above the {max} byte maximum"
    );
    assert_eq!(h.ep.write(handle, &chunk), Err(Error::WouldBlock));
}

#[test]
fn the_connection_limit_refuses_connects_and_drops_syns() {
    let config = Config {
        max_connections: 4,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let listener = fixture::listen(&mut h, Spec::passive());
    let mut handles: Vec<ConnectionHandle> = Vec::new();
    for port in 0..4u16 {
        let now = h.now;
        let spec = Spec::ports(41_000 + port, 50_000);
        handles.push(
            h.ep.connect(now, spec.local, spec.remote, SocketOptions::default())
                .unwrap(),
        );
    }
    h.drain();
    let now = h.now;
    let spec = Spec::ports(42_000, 50_000);
    assert_eq!(
        h.ep.connect(now, spec.local, spec.remote, SocketOptions::default()),
        Err(Error::NoBuffers)
    );
    // SYNs from 20 peers at the full table: dropped silently (the clients retry), counted,
    // and no state is kept for any of them.
    for i in 0..20u16 {
        let mut peer = listener.peer;
        peer.addr.set_port(30_000 + i);
        silent(&h.inject(&peer.syn(fixture::plain_options())), &h);
        assert_eq!(h.ep.connection_count(), 4);
    }
    assert_eq!(h.ep.counters().listen.syn_queue_overflows, 20);
    // Once one connection goes, there is room again.
    h.ep.abort(handles[0]).unwrap();
    h.ep.close(now, handles[0]).unwrap();
    h.drain();
    assert_eq!(h.ep.connection_count(), 3);
    assert!(
        h.ep.connect(now, spec.local, spec.remote, SocketOptions::default())
            .is_ok()
    );
    assert!(matches!(h.ep.state(handles[1]), Ok(State::SynSent)));
}

// ---------------------------------------------------------------------------------------
// Receive batches: several segments handled before the next poll

/// The third duplicate ACK starts fast retransmit; an ACK in the same receive batch (the
/// "lost" segment was only delayed) moves SND.UNA past the segment chosen for it before
/// anything is polled. A stale target once made a Hole segment below the send buffer (a
/// debug assertion that killed the tokio driver, found by the kernel soak; fixed in
/// 5e6cfe0). Nothing already acknowledged may be sent.
fn ack_in_the_batch_of_the_third_duplicate(sack: bool, acked: u32) {
    let mut h = Harness::new(Config::default());
    let spec = Spec {
        peer_options: Options {
            mss: Some(1000),
            sack_permitted: sack,
            ..Options::default()
        },
        options: SocketOptions {
            nodelay: true,
            ..SocketOptions::default()
        },
        ..Spec::default()
    };
    let mut conn = fixture::established(&mut h, spec);
    let handle = conn.handle();
    assert_eq!(h.ep.write(handle, &[7u8; 10_000]), Ok(10_000));
    let replies = h.drain();
    conn.peer.observe(&replies);
    assert_eq!(replies.len(), 10, "{}", h.transcript());
    let una = conn.peer.ack;
    // Three duplicate ACKs (segment 1 lost; 2..4 arrived) and then, in the same batch, the
    // ACK for segment 1 (it was only delayed): a driver delivers a whole receive batch
    // before it polls for output.
    let now = h.now;
    for i in 1..=3u32 {
        let mut seg = conn.peer.ack_seg();
        if sack {
            let mut blocks = SackBlocks::new();
            blocks.push(una + 1000, una + 1000 * (i + 1));
            seg = seg.options(Options {
                sack_blocks: blocks,
                ..Options::default()
            });
        }
        h.ep.handle_segment(now, seg.src.ip(), seg.dst.ip(), &seg.bytes());
    }
    let mut late = conn.peer;
    late.ack = una + acked;
    let seg = late.seg(Flags::ACK);
    h.ep.handle_segment(now, seg.src.ip(), seg.dst.ip(), &seg.bytes());
    // Polling must not panic, and nothing below the new SND.UNA is sent.
    let replies = h.drain();
    for reply in &replies {
        assert!(
            reply.payload.is_empty() || reply.seq().ge(una + acked),
            "retransmitted acknowledged data: {}",
            reply.line()
        );
    }
}

#[test]
fn an_ack_in_the_batch_of_a_fast_retransmit_with_sack_sends_nothing_acked() {
    ack_in_the_batch_of_the_third_duplicate(true, 4000);
}

#[test]
fn an_ack_in_the_batch_of_a_fast_retransmit_without_sack_sends_nothing_acked() {
    ack_in_the_batch_of_the_third_duplicate(false, 4000);
}

#[test]
fn a_full_ack_in_the_batch_of_a_fast_retransmit_with_sack_sends_nothing_acked() {
    ack_in_the_batch_of_the_third_duplicate(true, 10_000);
}

#[test]
fn a_full_ack_in_the_batch_of_a_fast_retransmit_without_sack_sends_nothing_acked() {
    ack_in_the_batch_of_the_third_duplicate(false, 10_000);
}

// Checksums the layer below vouches for (`Received::checksum_verified`)

#[test]
fn a_checksum_vouched_for_below_is_not_verified_again() {
    let mut h = Harness::new(Config::default());
    let listener = fixture::listen(&mut h, Spec::passive());
    let syn = listener.peer.seg(Flags::SYN).bad_checksum();
    let (src, dst) = (syn.src.ip(), syn.dst.ip());
    let now = h.now;
    h.ep.handle_received(now, Received::new(src, dst), &syn.bytes());
    silent(&h.drain(), &h);
    assert_eq!(h.ep.counters().bad_checksum, 1);
    let vouched = Received {
        checksum_verified: true,
        ..Received::new(src, dst)
    };
    h.ep.handle_received(now, vouched, &syn.bytes());
    let replies = h.drain();
    assert_eq!(replies.len(), 1, "{}", h.transcript());
    assert_eq!(replies[0].flags(), Flags::SYN | Flags::ACK);
    assert_eq!(h.ep.counters().bad_checksum, 1);
}
