//! Checks that go the same way in several states; each state module runs the ones that apply
//! to it from a `#[test]` of its own.

use crate::common::{assert_ack, assert_state, rst, setup, setup_with};
use crate::support::inject::{only, silent};
use std::time::Duration;
use tcp_core::{Config, Error, Event, State};
use tcp_wire::Flags;

/// An RST whose sequence number is inside the window but not RCV.NXT gets a challenge ACK
/// and changes nothing (RFC 9293 §3.10.7.4 first step, RFC 5961 §3.2).
pub(crate) fn inexact_rst_gets_challenge_ack(state: State) {
    let (mut h, mut conn) = setup(state);
    let name = state.to_string();
    let before = h.ep.counters().challenge_acks;
    let seg = rst(&conn, conn.peer.seq + 1);
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, &name);
    assert_eq!(h.ep.counters().challenge_acks, before + 1);
    assert_eq!(h.ep.counters().resets_received, 0);
}

/// An RST outside the window is dropped without a reply.
pub(crate) fn rst_outside_window_is_dropped(state: State) {
    let (mut h, mut conn) = setup(state);
    let name = state.to_string();
    for seq in [conn.peer.seq + 100_000, conn.peer.seq - 1] {
        let seg = rst(&conn, seq);
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, &name);
    }
}

/// Data beyond the window, and an old duplicate before it, get an ACK and are dropped
/// (RFC 9293 §3.10.7.4 first step: "send an acknowledgment ... drop the unacceptable
/// segment").
pub(crate) fn out_of_window_segment_gets_ack(state: State) {
    let (mut h, mut conn) = setup(state);
    let name = state.to_string();
    let readable = conn.handle.map(|c| h.ep.readable_bytes(c).unwrap());
    for seq in [conn.peer.seq + 100_000, conn.peer.seq - 5_000] {
        let seg = conn
            .peer
            .seg(Flags::ACK | Flags::PSH)
            .seq(seq)
            .payload(b"outside");
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, &name);
    }
    assert_eq!(
        conn.handle.map(|c| h.ep.readable_bytes(c).unwrap()),
        readable
    );
}

/// A SYN in a synchronized state gets a challenge ACK whatever its sequence number
/// (RFC 9293 §3.10.7.4 fourth step, RFC 5961 §4.2); the connection carries on. One per
/// `invalid_ack_interval` (500 ms): the same SYN again at once gets nothing.
pub(crate) fn syn_gets_challenge_ack(state: State) {
    let (mut h, mut conn) = setup(state);
    let name = state.to_string();
    for seq in [conn.peer.seq, conn.peer.seq + 10, conn.peer.seq + 1_000_000] {
        let seg = conn.peer.seg(Flags::SYN).seq(seq);
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, &name);
        silent(&conn.send(&mut h, &seg), &h);
        h.advance(Duration::from_millis(500));
    }
    assert!(h.ep.counters().challenge_acks >= 2);
    assert_eq!(h.ep.counters().resets_sent, 0);
}

/// An ACK of data never sent (SEG.ACK > SND.NXT) gets an ACK and the segment, data and all,
/// is dropped (RFC 9293 §3.10.7.4 fifth step, RFC 5961 §5.2).
pub(crate) fn ack_of_unsent_data_gets_challenge_ack(state: State) {
    ack_of_unsent_data_gets_challenge_ack_with(Config::default(), state);
}

/// [`ack_of_unsent_data_gets_challenge_ack`] under `config`.
pub(crate) fn ack_of_unsent_data_gets_challenge_ack_with(config: Config, state: State) {
    let (mut h, mut conn) = setup_with(config, state);
    let name = state.to_string();
    let before = h.ep.counters().challenge_acks;
    let seg = conn
        .peer
        .seg(Flags::ACK | Flags::PSH)
        .ack(conn.peer.seen + 1000)
        .payload(b"ghost");
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, &name);
    assert_eq!(h.ep.counters().challenge_acks, before + 1);
    if let Some(handle) = conn.handle {
        assert_eq!(
            h.ep.readable_bytes(handle),
            Ok(0),
            "data of a bad ACK dropped"
        );
    }
}

/// An RST at exactly RCV.NXT ends the connection (RFC 9293 §3.10.7.4 second step,
/// ESTABLISHED/FIN-WAIT/CLOSE-WAIT). The application hears of it once, as from Linux:
/// ConnectionReset, or BrokenPipe after the peer's FIN (CLOSE-WAIT, where reads have already
/// ended); afterwards reads end and writes fail with BrokenPipe.
pub(crate) fn exact_rst_resets(state: State) {
    let (mut h, mut conn) = setup(state);
    let seg = rst(&conn, conn.peer.seq);
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "CLOSED");
    let handle = conn.handle();
    if state == State::CloseWait {
        assert!(h.events.contains(&Event::Failed(handle, Error::BrokenPipe)));
        assert_eq!(
            h.ep.read(handle, &mut [0; 8]),
            Ok(0),
            "the FIN ended reading"
        );
        assert_eq!(h.ep.take_error(handle), Ok(Some(Error::BrokenPipe)));
    } else {
        assert!(
            h.events
                .contains(&Event::Failed(handle, Error::ConnectionReset))
        );
        assert_eq!(h.ep.read(handle, &mut [0; 8]), Err(Error::ConnectionReset));
        assert_eq!(h.ep.read(handle, &mut [0; 8]), Ok(0), "reported once");
    }
    assert_eq!(h.ep.write(handle, b"x"), Err(Error::BrokenPipe));
    assert_eq!(h.ep.take_error(handle), Ok(None));
    assert_eq!(h.ep.counters().resets_received, 1);
    assert_eq!(h.ep.poll_timeout(), None, "no timer survives");
}

/// Data after the peer's FIN is ignored (RFC 9293 §3.10.7.4 seventh step: "This should not
/// occur since a FIN has been received from the remote side. Ignore the segment text.").
pub(crate) fn data_after_peer_fin_is_ignored(state: State) {
    let (mut h, mut conn) = setup(state);
    let name = state.to_string();
    let seg = conn.peer.data(b"after the end");
    conn.send(&mut h, &seg);
    assert_state(&h, &conn, &name);
    let handle = conn.handle();
    assert_eq!(h.ep.readable_bytes(handle), Ok(0));
    assert_eq!(h.ep.read(handle, &mut [0; 32]), Ok(0), "still end-of-file");
}

/// A retransmission of the peer's FIN is acknowledged again and changes nothing.
pub(crate) fn retransmitted_fin_is_acknowledged(state: State) {
    let (mut h, mut conn) = setup(state);
    let name = state.to_string();
    let seg = conn
        .peer
        .seg(Flags::FIN | Flags::ACK)
        .seq(conn.peer.seq - 1);
    let replies = conn.send(&mut h, &seg);
    assert_ack(&h, &conn, &replies);
    assert_state(&h, &conn, &name);
}

/// Our FIN, unacknowledged, is retransmitted after the RTO (RFC 6298 §5): the handshake's
/// RTT sample of zero gives the minimum RTO of 200 ms, then it doubles.
pub(crate) fn fin_is_retransmitted(state: State) {
    let (mut h, conn) = setup(state);
    let fin = conn.fin_seq.expect("FIN sent");
    let sent = h.now;
    let replies = h.advance(Duration::from_millis(199));
    silent(&replies, &h);
    let replies = h.advance(Duration::from_millis(1));
    let again = only(&replies, &h);
    assert!(again.flags().fin(), "{}", h.transcript());
    assert_eq!(again.seq(), fin);
    assert_eq!(again.at - sent, Duration::from_millis(200));
    let (at, replies) = h.next_timer().expect("backoff timer");
    assert!(only(&replies, &h).flags().fin());
    assert_eq!(at - again.at, Duration::from_millis(400), "doubled");
}
