//! A peer that closes its window and keeps it closed: how long the persist timer keeps the
//! connection alive (RFC 9293 §3.8.6.1, RFC 1122 4.2.2.17), as Linux's `tcp_probe_timer`.
//! Probes nobody answers end the connection after `data_retries` of them; an orphan gives
//! up after `orphan_retries` whether they are answered or not; an application that still
//! holds its connection keeps it as long as the peer answers.

mod support;

use std::time::Duration;
use support::fixture::{Conn, Spec, established};
use support::inject::Harness;
use tcp_core::{Config, Error, Event};

/// Thirty days of virtual time: the issue found connections alive after this long.
const THIRTY_DAYS: Duration = Duration::from_secs(30 * 24 * 3600);

/// An established connection with 30,000 bytes queued, all of what was sent acknowledged
/// and the peer's window closed.
fn zero_window(h: &mut Harness) -> Conn {
    let mut conn = established(h, Spec::default());
    h.ep.write(conn.handle(), &[0x5a; 30_000]).unwrap();
    let replies = h.drain();
    conn.peer.observe(&replies);
    conn.peer.ack_all();
    conn.peer.window = 0;
    let ack = conn.peer.ack_seg();
    conn.send(h, &ack);
    conn
}

/// Runs the engine's timers for up to thirty days, the peer answering every probe with its
/// zero window when `answer`; returns how long the connection lived, `None` if it outlived
/// the thirty days.
fn lifetime(h: &mut Harness, conn: &mut Conn, answer: bool) -> Option<Duration> {
    let start = h.now;
    while h.now - start < THIRTY_DAYS {
        if conn.state(h) == "gone" || conn.state(h) == "CLOSED" {
            return Some(h.now - start);
        }
        let (_, replies) = h.next_timer()?;
        conn.peer.observe(&replies);
        if answer && !replies.is_empty() {
            let ack = conn.peer.ack_seg();
            conn.send(h, &ack);
        }
    }
    None
}

/// The attack: the peer closes its window and goes silent. Unanswered zero-window
/// probes were sent every minute for thirty days; now `data_retries` (15) of them end the
/// connection with `TimedOut`, like Linux's `tcp_retries2` in `tcp_probe_timer`.
#[test]
fn zero_window_held_by_a_silent_peer_ends_the_connection() {
    let mut h = Harness::new(Config::default());
    h.recording = false;
    let mut conn = zero_window(&mut h);
    let lived = lifetime(&mut h, &mut conn, false);
    let lived = lived.expect("alive after thirty days of unanswered zero-window probes");
    assert!(lived <= Duration::from_secs(10 * 60), "lived {lived:?}");
    assert!(
        h.events
            .contains(&Event::Failed(conn.handle(), Error::TimedOut))
    );
    assert_eq!(h.ep.connection_totals().window_probes, 15);
    assert_eq!(h.ep.counters().zero_window_timeouts, 1);
}

/// An orphan (the application closed it, its FIN waits behind queued data) held by a zero
/// window: gone within minutes whether the peer stays silent or answers every probe with
/// its zero window, so a peer cannot pin the memory of closed connections.
#[test]
fn zero_window_orphan_ends_whether_or_not_the_peer_answers_probes() {
    for answer in [false, true] {
        let mut h = Harness::new(Config::default());
        h.recording = false;
        let mut conn = zero_window(&mut h);
        let now = h.now;
        h.ep.close(now, conn.handle()).unwrap();
        h.drain();
        assert_eq!(conn.state(&h), "FIN_WAIT_1");
        let lived = lifetime(&mut h, &mut conn, answer);
        let lived = lived.unwrap_or_else(|| panic!("orphan alive after thirty days ({answer})"));
        assert!(lived <= Duration::from_secs(2 * 60), "lived {lived:?}");
        assert_eq!(h.ep.connection_count(), 0);
        assert_eq!(h.ep.connection_totals().window_probes, 8);
        assert_eq!(h.ep.counters().zero_window_timeouts, 1);
    }
}

/// RFC 1122 4.2.2.17 (and Linux): while the peer answers the probes, a connection the
/// application holds stays open however long the window stays closed; the application
/// bounds that with a user timeout or by closing it.
#[test]
fn zero_window_answered_by_a_live_peer_keeps_an_established_connection() {
    let mut h = Harness::new(Config::default());
    h.recording = false;
    let mut conn = zero_window(&mut h);
    let start = h.now;
    while h.now - start < Duration::from_secs(24 * 3600) {
        let (_, replies) = h.next_timer().expect("persist timer");
        conn.peer.observe(&replies);
        if !replies.is_empty() {
            let ack = conn.peer.ack_seg();
            conn.send(&mut h, &ack);
        }
    }
    assert_eq!(conn.state(&h), "ESTABLISHED");
    assert!(h.ep.connection_totals().window_probes > 1000);
}
