//! C-5 reopening from TIME_WAIT, and T-3 / sender SWS avoidance timers: four engine bugs the
//! per-state tests found, kept as regression tests.

mod support;

use std::time::Duration;
use support::fixture::{
    Conn, Spec, build, established_passive, fin_wait_1, fin_wait_2, plain_options, time_wait,
};
use support::inject::{Harness, Reply, only};
use tcp_core::{Config, State};
use tcp_wire::{Flags, Options, Timestamps};

fn pump(h: &mut Harness, conn: &mut Conn, data: &[u8]) {
    let handle = conn.handle();
    let mut written = 0;
    for _ in 0..100_000 {
        if written < data.len() {
            written += h.ep.write(handle, &data[written..]).unwrap_or(0);
        }
        let replies = h.drain();
        conn.peer.observe(&replies);
        let quiet = replies.iter().all(|r: &Reply| r.payload.is_empty());
        if written == data.len() && quiet && conn.peer.ack == conn.peer.seen {
            return;
        }
        conn.peer.ack_all();
        let ack = conn.peer.ack_seg();
        conn.send(h, &ack);
    }
    panic!("stalled");
}

/// RFC 9293 §3.10.7.4 / MAY-2: a SYN may reopen a connection from TIME-WAIT only if the new
/// connection's ISS is larger than the largest sequence number used on the previous one.
#[test]
fn c5_reopened_connection_starts_above_the_old_sequence_space() {
    let mut h = Harness::new(Config::default());
    let mut conn = established_passive(&mut h, Spec::passive());
    pump(&mut h, &mut conn, &vec![0x5a; 1 << 20]);
    let conn = fin_wait_1(&mut h, conn);
    let conn = fin_wait_2(&mut h, conn);
    let conn = time_wait(&mut h, conn);
    let old_snd_max = conn.peer.seen;
    h.advance(Duration::from_secs(1));
    let mut peer = conn.peer;
    peer.seq += 100_000;
    let syn = peer.syn(plain_options());
    let replies = h.inject(&syn);
    let syn_ack = only(&replies, &h);
    assert_eq!(syn_ack.flags(), Flags::SYN | Flags::ACK);
    assert!(
        syn_ack.seq().gt(old_snd_max),
        "new ISS {} must be above the old SND.MAX {}:\n{}",
        syn_ack.seq(),
        old_snd_max,
        h.transcript()
    );
}

/// C-5: TIME_WAIT holds the 4-tuple. A SYN with a higher sequence number may reopen it only
/// when a listener takes the SYN; with no listener TIME_WAIT stays and answers with an ACK,
/// as Linux does.
#[test]
fn c5_syn_without_a_listener_leaves_time_wait_in_place() {
    let mut h = Harness::new(Config::default());
    let conn = build(&mut h, Spec::default(), State::TimeWait);
    let mut peer = conn.peer;
    peer.seq += 100_000;
    let syn = peer.syn(plain_options());
    let replies = h.inject(&syn);
    assert_eq!(
        conn.state(&h),
        "TIME_WAIT",
        "TIME_WAIT must survive:\n{}",
        h.transcript()
    );
    let reply = only(&replies, &h);
    assert!(reply.is_pure_ack(), "{}", h.transcript());
}

/// RFC 9293 §3.8.6.2.1 (MUST-38, sender SWS avoidance): data held back because the usable
/// window is smaller than the MSS goes out at the latest when the override timeout fires.
/// Without any timer, a lost window update leaves the connection stuck for ever.
#[test]
fn sws_held_data_has_a_timer_so_a_lost_window_update_cannot_deadlock() {
    let mut h = Harness::new(Config::default());
    let mut conn = support::fixture::established(&mut h, Spec::default());
    let written = h.ep.write(conn.handle(), &[1u8; 30_000]).unwrap();
    let replies = h.drain();
    conn.peer.observe(&replies);
    conn.peer.ack_all();
    conn.peer.window = 500;
    let ack = conn.peer.ack_seg();
    let replies = conn.send(&mut h, &ack);
    assert!(replies.is_empty(), "{}", h.transcript());
    let queued = written - (conn.peer.ack - (conn.iss() + 1)) as usize;
    assert!(queued > 500, "{}", h.transcript());
    assert!(
        h.ep.poll_timeout().is_some(),
        "{queued} bytes queued, nothing in flight, window 500, and no timer armed:\n{}",
        h.transcript()
    );
    let replies = h.advance(Duration::from_secs(2));
    assert!(
        replies
            .iter()
            .any(|r| !r.payload.is_empty() || r.seq().lt(conn.peer.seen)),
        "no data or probe within 2 s:\n{}",
        h.transcript()
    );
}

/// T-3 (RFC 9293 §3.8.6.1, MUST-36): while the peer's window is zero and data waits, the
/// sender probes the window, backing off; a lost window update cannot stall it.
#[test]
fn t3_zero_window_is_probed_with_backoff() {
    let mut h = Harness::new(Config::default());
    let mut conn = support::fixture::established(&mut h, Spec::default());
    h.ep.write(conn.handle(), &[1u8; 30_000]).unwrap();
    let replies = h.drain();
    conn.peer.observe(&replies);
    conn.peer.ack_all();
    conn.peer.window = 0;
    let ack = conn.peer.ack_seg();
    let replies = conn.send(&mut h, &ack);
    assert!(replies.is_empty(), "{}", h.transcript());
    assert!(
        h.ep.poll_timeout().is_some(),
        "window 0, data queued, no persist timer:\n{}",
        h.transcript()
    );
    let mut probes = Vec::new();
    for _ in 0..3 {
        let (at, replies) = h.next_timer().expect("persist timer");
        if !replies.is_empty() {
            probes.push(at);
        }
    }
    assert!(probes.len() >= 2, "{}", h.transcript());
    assert!(
        probes[1] - probes[0] > Duration::from_millis(200),
        "backoff"
    );
}

/// PAWS guards TIME_WAIT too (RFC 7323 §5, Linux's `tcp_timewait_state_process`): a SYN with
/// a higher sequence number but a timestamp older than the last one seen is an old duplicate
/// (or a forgery) and must not retire TIME_WAIT and open a new connection; it gets an ACK.
/// A SYN whose timestamp is newer still reopens the 4-tuple.
#[test]
fn syn_with_an_old_timestamp_does_not_reopen_time_wait() {
    let mut h = Harness::new(Config::default());
    let ts = |value| Options {
        mss: Some(1460),
        timestamps: Some(Timestamps { value, echo: 0 }),
        ..Options::default()
    };
    let spec = Spec {
        peer_options: ts(1_000_000),
        ..Spec::passive()
    };
    let conn = established_passive(&mut h, spec);
    let conn = fin_wait_1(&mut h, conn);
    let conn = fin_wait_2(&mut h, conn);
    let conn = time_wait(&mut h, conn);
    h.advance(Duration::from_secs(1));
    let mut peer = conn.peer;
    peer.seq += 100_000;
    let rejected_before = h.ep.counters().paws_rejected;
    let old = peer.seg(Flags::SYN).options(ts(999_000));
    let reply = only(&h.inject(&old), &h);
    assert!(reply.is_pure_ack(), "{}", h.transcript());
    assert_eq!(conn.state(&h), "TIME_WAIT", "{}", h.transcript());
    assert_eq!(h.ep.counters().paws_rejected, rejected_before + 1);
    let newer = peer.syn(ts(1_001_000));
    let reply = only(&h.inject(&newer), &h);
    assert_eq!(reply.flags(), Flags::SYN | Flags::ACK, "{}", h.transcript());
    assert_eq!(conn.state(&h), "SYN_RECV");
}
