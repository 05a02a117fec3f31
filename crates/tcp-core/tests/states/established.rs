//! ESTABLISHED (RFC 9293 §3.10.7.4).

use crate::checks;
use crate::common::{assert_ack, assert_state, setup};
use crate::support::inject::{only, silent};
use std::time::Duration;
use tcp_core::{Config, Departures, Error, Event, Keepalive, SocketOptions, State};
use tcp_wire::Flags;

#[test]
fn exact_rst_resets() {
    checks::exact_rst_resets(State::Established);
}

#[test]
fn inexact_rst_in_window_gets_challenge_ack() {
    checks::inexact_rst_gets_challenge_ack(State::Established);
}

#[test]
fn rst_outside_window_is_dropped() {
    checks::rst_outside_window_is_dropped(State::Established);
}

#[test]
fn out_of_window_segment_gets_ack() {
    checks::out_of_window_segment_gets_ack(State::Established);
}

#[test]
fn syn_gets_challenge_ack() {
    checks::syn_gets_challenge_ack(State::Established);
}

/// RFC 9293 §3.10.7.4 and RFC 5961 §5.2 answer an ACK of unsent data with an ACK; so does
/// the engine with Linux's departure turned off.
#[test]
fn ack_of_unsent_data_gets_challenge_ack_under_the_rfc() {
    let rfc = Config {
        departures: Departures {
            drop_ack_of_unsent_data: false,
            ..Departures::default()
        },
        ..Config::default()
    };
    checks::ack_of_unsent_data_gets_challenge_ack_with(rfc, State::Established);
}

/// Linux's `tcp_ack` drops a segment acknowledging unsent data in ESTABLISHED, data and
/// all, without a reply; the engine does so by default.
#[test]
fn ack_of_unsent_data_is_dropped_silently() {
    let (mut h, mut conn) = setup(State::Established);
    let seg = conn
        .peer
        .seg(Flags::ACK | Flags::PSH)
        .ack(conn.peer.seen + 1000)
        .payload(b"ghost");
    assert!(conn.send(&mut h, &seg).is_empty(), "{}", h.transcript());
    assert_eq!(h.ep.counters().challenge_acks, 0);
    assert_eq!(h.ep.readable_bytes(conn.handle()), Ok(0), "dropped");
    assert_state(&h, &conn, "ESTABLISHED");
}

/// RFC 5961 §5.2: an ACK older than SND.UNA - MAX.SND.WND is discarded with an ACK.
#[test]
fn ack_older_than_the_largest_window_gets_challenge_ack() {
    let (mut h, mut conn) = setup(State::Established);
    let seg = conn
        .peer
        .seg(Flags::ACK | Flags::PSH)
        .ack(conn.peer.seen - 100_000)
        .payload(b"stale");
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_eq!(h.ep.counters().challenge_acks, 1);
    assert_eq!(h.ep.readable_bytes(conn.handle()), Ok(0), "dropped");
}

/// A retransmitted SYN-ACK (our ACK of it was lost) is an old duplicate: re-ACKed.
#[test]
fn retransmitted_syn_ack_is_acknowledged_again() {
    let (mut h, mut conn) = setup(State::Established);
    let seg = conn
        .peer
        .seg(Flags::SYN | Flags::ACK)
        .seq(conn.peer.seq - 1)
        .ack(conn.iss() + 1);
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "ESTABLISHED");
}

#[test]
fn data_is_delivered_and_acknowledged() {
    let (mut h, mut conn) = setup(State::Established);
    let seg = conn.peer.data(b"hello");
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    let mut buf = [0u8; 16];
    assert_eq!(h.ep.read(conn.handle(), &mut buf), Ok(5));
    assert_eq!(&buf[..5], b"hello");
    assert_state(&h, &conn, "ESTABLISHED");
}

#[test]
fn fin_moves_to_close_wait_and_reads_end_of_file() {
    let (mut h, mut conn) = setup(State::Established);
    let data = conn.peer.data(b"bye");
    conn.send(&mut h, &data);
    let fin = conn.peer.fin();
    let replies = conn.send(&mut h, &fin);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, "CLOSE_WAIT");
    let handle = conn.handle();
    assert!(h.events.contains(&Event::PeerClosed(handle)));
    let mut buf = [0u8; 8];
    assert_eq!(h.ep.read(handle, &mut buf), Ok(3), "data before EOF");
    assert_eq!(h.ep.read(handle, &mut buf), Ok(0));
}

#[test]
fn unacknowledged_data_is_retransmitted_with_backoff() {
    let (mut h, mut conn) = setup(State::Established);
    h.ep.write(conn.handle(), b"payload").unwrap();
    let replies = h.drain();
    conn.peer.observe(&replies);
    let first = only(&replies, &h);
    assert_eq!(first.payload, b"payload");
    let (at, replies) = h.next_timer().unwrap();
    let again = only(&replies, &h);
    assert_eq!((again.seq(), &again.payload), (first.seq(), &first.payload));
    assert_eq!(at - first.at, Duration::from_millis(200), "minimum RTO");
    let (at2, replies) = h.next_timer().unwrap();
    assert_eq!(only(&replies, &h).seq(), first.seq());
    assert_eq!(at2 - at, Duration::from_millis(400), "backed off");
    conn.peer.ack_all();
    let seg = conn.peer.ack_seg();
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_eq!(
        h.ep.poll_timeout(),
        None,
        "retransmission timer stopped by the ACK"
    );
}

#[test]
fn acks_are_delayed_by_40_ms_after_the_quick_ack_phase() {
    let (mut h, mut conn) = setup(State::Established);
    let mut quick = 0;
    loop {
        let seg = conn.peer.data(b"x");
        let replies = conn.send(&mut h, &seg);
        if replies.is_empty() {
            break;
        }
        assert_ack(&h, &conn, &replies);
        quick += 1;
        assert!(quick < 100, "ACKs never became delayed");
    }
    assert!(quick >= 2, "quick ACKs at the start ({quick})");
    let arrived = h.now;
    let replies = h.advance(Duration::from_millis(39));
    silent(&replies, &h);
    let replies = h.advance(Duration::from_millis(1));
    assert_ack(&h, &conn, &replies);
    assert_eq!(replies[0].at - arrived, Duration::from_millis(40));
}

#[test]
fn keepalive_probes_an_idle_connection_and_gives_up() {
    let (mut h, conn) = setup(State::Established);
    let keepalive = Keepalive {
        idle: Duration::from_secs(30),
        interval: Duration::from_secs(5),
        probes: 2,
    };
    let options = SocketOptions {
        keepalive: Some(keepalive),
        ..SocketOptions::default()
    };
    let now = h.now;
    h.ep.set_options(now, conn.handle(), options).unwrap();
    let start = h.now;
    let mut probes = Vec::new();
    while let Some((at, replies)) = h.next_timer() {
        for reply in replies {
            if reply.is_rst() {
                continue;
            }
            assert!(reply.is_pure_ack(), "{}", h.transcript());
            assert_eq!(reply.seq(), conn.peer.seen - 1, "probe at SND.NXT - 1");
            assert_eq!(reply.ack(), conn.peer.seq);
            probes.push(at - start);
        }
    }
    assert_eq!(
        probes,
        [Duration::from_secs(30), Duration::from_secs(35)],
        "{}",
        h.transcript()
    );
    assert_eq!(h.now - start, Duration::from_secs(40));
    assert!(
        h.events
            .contains(&Event::Failed(conn.handle(), Error::TimedOut))
    );
}
