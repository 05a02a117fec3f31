//! Per-state tests of the engine (design §5 layer 2): a fixture puts one connection in each of
//! the eleven states of RFC 9293 §3.3.2 with injected segments, and each `mod` checks the
//! transitions of RFC 9293 §3.10.7 for its state: RST with an exact and an inexact sequence
//! number, segments outside the window, SYN in a synchronized state (RFC 5961 §4), an ACK of
//! data never sent (RFC 5961 §5), data, FIN, and the timers that run in that state. States
//! are checked in their `Display` form through `sockets()`.

mod support;

use std::time::Duration;
use support::fixture::{ALL_STATES, Conn, Spec, build};
use support::inject::{Harness, Reply, Seg, only, silent};
use tcp_core::{Config, Error, Event, State};
use tcp_wire::{Flags, SeqNumber};

fn setup(state: State) -> (Harness, Conn) {
    setup_with(Config::default(), state)
}

fn setup_with(config: Config, state: State) -> (Harness, Conn) {
    let mut h = Harness::new(config);
    let conn = build(&mut h, Spec::default(), state);
    (h, conn)
}

fn assert_state(h: &Harness, conn: &Conn, expected: &str) {
    assert_eq!(conn.state(h), expected, "\n{}", h.transcript());
}

/// The one reply is a pure ACK `<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>` (RFC 9293 §3.10.7.4).
fn assert_ack(h: &Harness, conn: &Conn, replies: &[Reply]) {
    let reply = only(replies, h);
    assert!(
        reply.is_pure_ack(),
        "pure ACK expected:\n{}",
        h.transcript()
    );
    assert_eq!(
        reply.seq(),
        conn.peer.seen,
        "SEQ=SND.NXT\n{}",
        h.transcript()
    );
    assert_eq!(
        reply.ack(),
        conn.peer.seq,
        "ACK=RCV.NXT\n{}",
        h.transcript()
    );
}

fn rst(conn: &Conn, seq: SeqNumber) -> Seg {
    conn.peer.seg(Flags::RST).seq(seq)
}

/// An RST whose sequence number is inside the window but not RCV.NXT gets a challenge ACK
/// and changes nothing (RFC 9293 §3.10.7.4 first step, RFC 5961 §3.2).
fn inexact_rst_gets_challenge_ack(state: State) {
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
fn rst_outside_window_is_dropped(state: State) {
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
fn out_of_window_segment_gets_ack(state: State) {
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
/// (RFC 9293 §3.10.7.4 fourth step, RFC 5961 §4.2); the connection carries on.
fn syn_gets_challenge_ack(state: State) {
    let (mut h, mut conn) = setup(state);
    let name = state.to_string();
    for seq in [conn.peer.seq, conn.peer.seq + 10, conn.peer.seq + 1_000_000] {
        let seg = conn.peer.seg(Flags::SYN).seq(seq);
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, &name);
    }
    assert!(h.ep.counters().challenge_acks >= 2);
    assert_eq!(h.ep.counters().resets_sent, 0);
}

/// An ACK of data never sent (SEG.ACK > SND.NXT) gets an ACK and the segment, data and all,
/// is dropped (RFC 9293 §3.10.7.4 fifth step, RFC 5961 §5.2).
fn ack_of_unsent_data_gets_challenge_ack(state: State) {
    let (mut h, mut conn) = setup(state);
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

/// An RST at exactly RCV.NXT ends the connection; the application hears ConnectionReset
/// (RFC 9293 §3.10.7.4 second step, ESTABLISHED/FIN-WAIT/CLOSE-WAIT).
fn exact_rst_resets(state: State) {
    let (mut h, mut conn) = setup(state);
    let seg = rst(&conn, conn.peer.seq);
    let replies = conn.send(&mut h, &seg);
    silent(&replies, &h);
    assert_state(&h, &conn, "CLOSED");
    let handle = conn.handle();
    assert!(
        h.events
            .contains(&Event::Failed(handle, Error::ConnectionReset))
    );
    assert_eq!(h.ep.read(handle, &mut [0; 8]), Err(Error::ConnectionReset));
    assert_eq!(h.ep.write(handle, b"x"), Err(Error::ConnectionReset));
    assert_eq!(h.ep.counters().resets_received, 1);
    assert_eq!(h.ep.poll_timeout(), None, "no timer survives");
}

/// Data after the peer's FIN is ignored (RFC 9293 §3.10.7.4 seventh step: "This should not
/// occur since a FIN has been received from the remote side. Ignore the segment text.").
fn data_after_peer_fin_is_ignored(state: State) {
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
fn retransmitted_fin_is_acknowledged(state: State) {
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
fn fin_is_retransmitted(state: State) {
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

#[test]
fn every_state_has_a_fixture_and_a_display_name() {
    let names: Vec<String> = ALL_STATES
        .iter()
        .map(|&state| {
            let (h, conn) = setup(state);
            assert_state(&h, &conn, &state.to_string());
            conn.state(&h)
        })
        .collect();
    assert_eq!(
        names,
        [
            "CLOSED",
            "LISTEN",
            "SYN_SENT",
            "SYN_RECV",
            "ESTABLISHED",
            "FIN_WAIT_1",
            "FIN_WAIT_2",
            "CLOSE_WAIT",
            "CLOSING",
            "LAST_ACK",
            "TIME_WAIT"
        ]
    );
}

/// CLOSED (RFC 9293 §3.10.7.1): a connection the application still holds after an abort.
mod closed {
    use super::*;

    #[test]
    fn segment_with_ack_gets_rst_at_its_ack() {
        let (mut h, mut conn) = setup(State::Closed);
        let seg = conn.peer.data(b"hello?");
        let replies = conn.send(&mut h, &seg);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::RST, "{}", h.transcript());
        assert_eq!(reply.seq(), seg.header.ack);
        assert_state(&h, &conn, "CLOSED");
    }

    #[test]
    fn segment_without_ack_gets_rst_ack_covering_it() {
        let (mut h, mut conn) = setup(State::Closed);
        let seg = conn.peer.seg(Flags::FIN | Flags::PSH).payload(b"12345");
        let replies = conn.send(&mut h, &seg);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::RST | Flags::ACK, "{}", h.transcript());
        assert_eq!(reply.seq(), SeqNumber(0));
        assert_eq!(reply.ack(), seg.header.seq + 6, "5 bytes and the FIN");
    }

    #[test]
    fn rst_gets_no_reply() {
        let (mut h, mut conn) = setup(State::Closed);
        for flags in [Flags::RST, Flags::RST | Flags::ACK] {
            let seg = conn.peer.seg(flags);
            let replies = conn.send(&mut h, &seg);
            silent(&replies, &h);
        }
    }

    #[test]
    fn no_timer_runs_and_close_releases_the_row() {
        let (mut h, conn) = setup(State::Closed);
        assert_eq!(h.ep.poll_timeout(), None);
        let row = h.row(conn.peer.local, conn.peer.addr).unwrap();
        assert!(row.to_string().ends_with("CLOSED"), "{row}");
        let now = h.now;
        h.ep.close(now, conn.handle()).unwrap();
        h.drain();
        assert_state(&h, &conn, "gone");
        assert_eq!(h.ep.connection_count(), 0);
    }

    #[test]
    fn a_tuple_nobody_holds_answers_like_closed() {
        let (mut h, mut conn) = setup(State::Closed);
        let now = h.now;
        h.ep.close(now, conn.handle()).unwrap();
        h.drain();
        let seg = conn.peer.data(b"anyone?");
        let replies = conn.send(&mut h, &seg);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::RST);
        assert_eq!(reply.seq(), seg.header.ack);
        assert_eq!(h.ep.counters().no_connection, 1);
    }
}

/// LISTEN (RFC 9293 §3.10.7.2).
mod listen {
    use super::*;

    #[test]
    fn rst_is_ignored() {
        let (mut h, mut conn) = setup(State::Listen);
        let seg = conn.peer.seg(Flags::RST);
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_eq!(h.states(), ["LISTEN"]);
    }

    #[test]
    fn ack_gets_rst_at_its_ack() {
        let (mut h, mut conn) = setup(State::Listen);
        for flags in [Flags::ACK, Flags::SYN | Flags::ACK, Flags::ACK | Flags::FIN] {
            let seg = conn.peer.seg(flags).ack(SeqNumber(0xdead_beef));
            let replies = conn.send(&mut h, &seg);
            let reply = only(&replies, &h);
            assert_eq!(reply.flags(), Flags::RST, "{}", h.transcript());
            assert_eq!(reply.seq(), SeqNumber(0xdead_beef));
        }
        assert_eq!(h.states(), ["LISTEN"]);
    }

    #[test]
    fn syn_opens_syn_received_and_the_listener_stays() {
        let (mut h, mut conn) = setup(State::Listen);
        let syn = conn.peer.syn(support::fixture::plain_options());
        let replies = conn.send(&mut h, &syn);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
        assert_eq!(reply.ack(), syn.header.seq + 1);
        assert_eq!(h.states(), ["LISTEN", "SYN_RECV"]);
        assert!(
            h.ep.poll_timeout().is_some(),
            "SYN-ACK retransmission armed"
        );
    }

    #[test]
    fn anything_else_is_dropped_silently() {
        let (mut h, mut conn) = setup(State::Listen);
        for flags in [Flags::NONE, Flags::FIN, Flags::PSH, Flags::URG] {
            let seg = conn.peer.seg(flags).payload(b"data");
            let replies = conn.send(&mut h, &seg);
            silent(&replies, &h);
        }
        assert_eq!(h.states(), ["LISTEN"]);
        assert_eq!(h.ep.poll_timeout(), None, "a listener has no timer");
    }
}

/// SYN_SENT (RFC 9293 §3.10.7.3).
mod syn_sent {
    use super::*;

    #[test]
    fn syn_ack_establishes_and_is_acknowledged() {
        let (mut h, mut conn) = setup(State::SynSent);
        conn.peer.ack_all();
        let seg = conn.peer.syn_ack(support::fixture::plain_options());
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, "ESTABLISHED");
        assert!(h.events.contains(&Event::Connected(conn.handle())));
    }

    #[test]
    fn syn_ack_with_data_and_fin_establishes_and_closes_the_read_side() {
        let (mut h, mut conn) = setup(State::SynSent);
        conn.peer.ack_all();
        let seg = conn
            .peer
            .seg(Flags::SYN | Flags::ACK | Flags::PSH | Flags::FIN)
            .options(support::fixture::plain_options())
            .payload(b"hello");
        conn.peer.seq += 1 + 5 + 1;
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, "CLOSE_WAIT");
        let mut buf = [0u8; 8];
        assert_eq!(h.ep.read(conn.handle(), &mut buf), Ok(5));
        assert_eq!(h.ep.read(conn.handle(), &mut buf), Ok(0));
    }

    #[test]
    fn unacceptable_ack_gets_rst_and_is_dropped() {
        let (mut h, mut conn) = setup(State::SynSent);
        let iss = conn.iss();
        for ack in [iss, iss - 1000, iss + 2, iss + 100_000] {
            let seg = conn.peer.seg(Flags::SYN | Flags::ACK).ack(ack);
            let replies = conn.send(&mut h, &seg);
            let reply = only(&replies, &h);
            assert_eq!(reply.flags(), Flags::RST, "<SEQ=SEG.ACK><CTL=RST>");
            assert_eq!(reply.seq(), ack);
            assert_state(&h, &conn, "SYN_SENT");
        }
    }

    #[test]
    fn rst_that_acknowledges_our_syn_refuses_the_connection() {
        let (mut h, mut conn) = setup(State::SynSent);
        let seg = conn
            .peer
            .seg(Flags::RST | Flags::ACK)
            .seq(SeqNumber(0))
            .ack(conn.iss() + 1);
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "CLOSED");
        let handle = conn.handle();
        assert!(
            h.events
                .contains(&Event::Failed(handle, Error::ConnectionRefused))
        );
        assert_eq!(h.ep.poll_timeout(), None, "SYN retransmission stopped");
    }

    #[test]
    fn rst_without_an_acceptable_ack_is_ignored() {
        let (mut h, mut conn) = setup(State::SynSent);
        let iss = conn.iss();
        let segs = [
            conn.peer.seg(Flags::RST),
            conn.peer.seg(Flags::RST).ack(iss + 1),
            conn.peer.seg(Flags::RST | Flags::ACK).ack(iss),
            conn.peer.seg(Flags::RST | Flags::ACK).ack(iss + 5),
        ];
        for seg in segs {
            let replies = conn.send(&mut h, &seg);
            silent(&replies, &h);
            assert_state(&h, &conn, "SYN_SENT");
        }
    }

    #[test]
    fn syn_without_ack_is_a_simultaneous_open() {
        let (mut h, mut conn) = setup(State::SynSent);
        let syn = conn.peer.syn(support::fixture::plain_options());
        let replies = conn.send(&mut h, &syn);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
        assert_eq!(reply.seq(), conn.iss(), "our SYN again, now with ACK");
        assert_eq!(reply.ack(), syn.header.seq + 1);
        assert_state(&h, &conn, "SYN_RECV");
        conn.peer.ack_all();
        let seg = conn.peer.ack_seg();
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "ESTABLISHED");
        assert!(h.events.contains(&Event::Connected(conn.handle())));
    }

    #[test]
    fn segment_without_syn_or_rst_is_dropped() {
        let (mut h, mut conn) = setup(State::SynSent);
        conn.peer.ack_all();
        let seg = conn.peer.data(b"early");
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "SYN_SENT");
    }

    #[test]
    fn syn_is_retransmitted_with_backoff_then_times_out() {
        let config = Config {
            syn_retries: 2,
            ..Config::default()
        };
        let (mut h, conn) = setup_with(config, State::SynSent);
        let start = h.now;
        let mut sends = Vec::new();
        while let Some((at, replies)) = h.next_timer() {
            for reply in replies {
                assert_eq!(reply.flags(), Flags::SYN);
                assert_eq!(reply.seq(), conn.iss());
                sends.push(at - start);
            }
        }
        assert_eq!(sends, [Duration::from_secs(1), Duration::from_secs(3)]);
        assert_eq!(h.now - start, Duration::from_secs(7));
        assert_state(&h, &conn, "CLOSED");
        assert!(
            h.events
                .contains(&Event::Failed(conn.handle(), Error::TimedOut))
        );
    }
}

/// SYN_RECEIVED (RFC 9293 §3.10.7.4), reached by a passive open unless said otherwise.
mod syn_received {
    use super::*;
    use support::fixture::{plain_options, syn_sent};

    #[test]
    fn ack_of_our_syn_establishes_and_queues_for_accept() {
        let (mut h, mut conn) = setup(State::SynReceived);
        let seg = conn.peer.ack_seg();
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "ESTABLISHED");
        let listener = conn.listener.unwrap();
        assert!(h.events.contains(&Event::Incoming(listener)));
        let accepted = h.ep.accept(listener).unwrap();
        assert_eq!(h.ep.peer_addr(accepted), Ok(conn.peer.addr));
    }

    #[test]
    fn exact_rst_returns_to_listen() {
        let (mut h, mut conn) = setup(State::SynReceived);
        let seg = rst(&conn, conn.peer.seq);
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "gone");
        assert_eq!(h.states(), ["LISTEN"]);
        assert_eq!(h.ep.accept(conn.listener.unwrap()), Err(Error::WouldBlock));
        assert_eq!(h.ep.poll_timeout(), None, "no SYN-ACK retransmission left");
    }

    #[test]
    fn inexact_rst_in_window_gets_challenge_ack() {
        super::inexact_rst_gets_challenge_ack(State::SynReceived);
    }

    #[test]
    fn rst_outside_window_is_dropped() {
        super::rst_outside_window_is_dropped(State::SynReceived);
    }

    #[test]
    fn out_of_window_segment_gets_ack() {
        super::out_of_window_segment_gets_ack(State::SynReceived);
    }

    #[test]
    fn retransmitted_syn_gets_the_same_syn_ack() {
        let (mut h, mut conn) = setup(State::SynReceived);
        let syn = conn.peer.seg(Flags::SYN).seq(conn.peer.seq - 1);
        let replies = conn.send(&mut h, &syn);
        let reply = only(&replies, &h);
        assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
        assert_eq!(reply.seq(), conn.iss());
        assert_eq!(reply.ack(), conn.peer.seq);
        assert_eq!(h.states(), ["LISTEN", "SYN_RECV"]);
    }

    #[test]
    fn in_window_syn_gets_challenge_ack() {
        let (mut h, mut conn) = setup(State::SynReceived);
        let syn = conn.peer.seg(Flags::SYN).seq(conn.peer.seq + 10);
        let replies = conn.send(&mut h, &syn);
        assert_ack(&h, &conn, &replies);
        assert_eq!(h.ep.counters().challenge_acks, 1);
        assert_state(&h, &conn, "SYN_RECV");
    }

    #[test]
    fn unacceptable_ack_gets_rst_at_its_ack() {
        let (mut h, mut conn) = setup(State::SynReceived);
        for ack in [conn.iss(), conn.iss() + 2, conn.iss() + 1000] {
            let seg = conn.peer.ack_seg().ack(ack);
            let replies = conn.send(&mut h, &seg);
            let reply = only(&replies, &h);
            assert_eq!(reply.flags(), Flags::RST, "{}", h.transcript());
            assert_eq!(reply.seq(), ack);
            assert_state(&h, &conn, "SYN_RECV");
        }
    }

    #[test]
    fn data_with_the_final_ack_waits_for_accept() {
        let (mut h, mut conn) = setup(State::SynReceived);
        let seg = conn.peer.data(b"GET / HTTP/1.0\r\n\r\n");
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        let accepted = h.ep.accept(conn.listener.unwrap()).unwrap();
        let mut buf = [0u8; 64];
        let n = h.ep.read(accepted, &mut buf).unwrap();
        assert_eq!(&buf[..n], b"GET / HTTP/1.0\r\n\r\n");
    }

    #[test]
    fn fin_with_the_final_ack_goes_to_close_wait() {
        let (mut h, mut conn) = setup(State::SynReceived);
        let fin = conn.peer.fin();
        let replies = conn.send(&mut h, &fin);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, "CLOSE_WAIT");
        let accepted = h.ep.accept(conn.listener.unwrap()).unwrap();
        assert_eq!(h.ep.read(accepted, &mut [0; 8]), Ok(0));
    }

    #[test]
    fn syn_ack_is_retransmitted_then_the_half_open_connection_is_dropped() {
        let config = Config {
            synack_retries: 2,
            ..Config::default()
        };
        let (mut h, conn) = setup_with(config, State::SynReceived);
        let start = h.now;
        let mut sends = Vec::new();
        while let Some((at, replies)) = h.next_timer() {
            for reply in replies {
                assert_eq!(reply.flags(), Flags::SYN | Flags::ACK);
                assert_eq!(reply.seq(), conn.iss());
                sends.push(at - start);
            }
        }
        assert_eq!(sends, [Duration::from_secs(1), Duration::from_secs(3)]);
        assert_eq!(h.now - start, Duration::from_secs(7));
        assert_eq!(h.states(), ["LISTEN"], "dropped without a RST");
        assert_eq!(h.ep.counters().resets_sent, 0);
    }

    #[test]
    fn rst_in_syn_received_of_an_active_open_refuses() {
        let mut h = Harness::new(Config::default());
        let mut conn = syn_sent(&mut h, Spec::default());
        let syn = conn.peer.syn(plain_options());
        conn.send(&mut h, &syn);
        assert_state(&h, &conn, "SYN_RECV");
        let seg = rst(&conn, conn.peer.seq);
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "CLOSED");
        let handle = conn.handle();
        assert!(
            h.events
                .contains(&Event::Failed(handle, Error::ConnectionRefused))
        );
    }
}

/// ESTABLISHED (RFC 9293 §3.10.7.4).
mod established {
    use super::*;
    use tcp_core::{Keepalive, SocketOptions};

    #[test]
    fn exact_rst_resets() {
        super::exact_rst_resets(State::Established);
    }

    #[test]
    fn inexact_rst_in_window_gets_challenge_ack() {
        super::inexact_rst_gets_challenge_ack(State::Established);
    }

    #[test]
    fn rst_outside_window_is_dropped() {
        super::rst_outside_window_is_dropped(State::Established);
    }

    #[test]
    fn out_of_window_segment_gets_ack() {
        super::out_of_window_segment_gets_ack(State::Established);
    }

    #[test]
    fn syn_gets_challenge_ack() {
        super::syn_gets_challenge_ack(State::Established);
    }

    #[test]
    fn ack_of_unsent_data_gets_challenge_ack() {
        super::ack_of_unsent_data_gets_challenge_ack(State::Established);
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
}

/// FIN_WAIT_1: our FIN is sent and not yet acknowledged.
mod fin_wait_1 {
    use super::*;

    #[test]
    fn exact_rst_resets() {
        super::exact_rst_resets(State::FinWait1);
    }

    #[test]
    fn inexact_rst_in_window_gets_challenge_ack() {
        super::inexact_rst_gets_challenge_ack(State::FinWait1);
    }

    #[test]
    fn rst_outside_window_is_dropped() {
        super::rst_outside_window_is_dropped(State::FinWait1);
    }

    #[test]
    fn out_of_window_segment_gets_ack() {
        super::out_of_window_segment_gets_ack(State::FinWait1);
    }

    #[test]
    fn syn_gets_challenge_ack() {
        super::syn_gets_challenge_ack(State::FinWait1);
    }

    #[test]
    fn ack_of_unsent_data_gets_challenge_ack() {
        super::ack_of_unsent_data_gets_challenge_ack(State::FinWait1);
    }

    #[test]
    fn ack_of_our_fin_moves_to_fin_wait_2() {
        let (mut h, mut conn) = setup(State::FinWait1);
        conn.peer.ack_all();
        let seg = conn.peer.ack_seg();
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "FIN_WAIT_2");
    }

    #[test]
    fn ack_short_of_our_fin_stays() {
        let (mut h, mut conn) = setup(State::FinWait1);
        let seg = conn.peer.ack_seg();
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "FIN_WAIT_1");
    }

    #[test]
    fn fin_without_ack_of_ours_moves_to_closing() {
        let (mut h, mut conn) = setup(State::FinWait1);
        let fin = conn.peer.fin();
        let replies = conn.send(&mut h, &fin);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, "CLOSING");
    }

    #[test]
    fn fin_acking_ours_moves_straight_to_time_wait() {
        let (mut h, mut conn) = setup(State::FinWait1);
        conn.peer.ack_all();
        let fin = conn.peer.fin();
        let replies = conn.send(&mut h, &fin);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, "TIME_WAIT");
    }

    #[test]
    fn data_is_still_received() {
        let (mut h, mut conn) = setup(State::FinWait1);
        let seg = conn.peer.data(b"more");
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        assert_eq!(h.ep.readable_bytes(conn.handle()), Ok(4));
    }

    #[test]
    fn data_after_close_is_answered_with_rst() {
        let (mut h, mut conn) = setup(State::FinWait1);
        let now = h.now;
        h.ep.close(now, conn.handle()).unwrap();
        let seg = conn.peer.data(b"nobody reads this");
        let replies = conn.send(&mut h, &seg);
        let reply = only(&replies, &h);
        assert!(reply.is_rst(), "{}", h.transcript());
        assert_state(&h, &conn, "gone");
    }

    #[test]
    fn fin_is_retransmitted() {
        super::fin_is_retransmitted(State::FinWait1);
    }
}

/// FIN_WAIT_2: our FIN is acknowledged; waiting for the peer's.
mod fin_wait_2 {
    use super::*;
    use tcp_core::SocketOptions;

    #[test]
    fn exact_rst_resets() {
        super::exact_rst_resets(State::FinWait2);
    }

    #[test]
    fn inexact_rst_in_window_gets_challenge_ack() {
        super::inexact_rst_gets_challenge_ack(State::FinWait2);
    }

    #[test]
    fn rst_outside_window_is_dropped() {
        super::rst_outside_window_is_dropped(State::FinWait2);
    }

    #[test]
    fn out_of_window_segment_gets_ack() {
        super::out_of_window_segment_gets_ack(State::FinWait2);
    }

    #[test]
    fn syn_gets_challenge_ack() {
        super::syn_gets_challenge_ack(State::FinWait2);
    }

    #[test]
    fn ack_of_unsent_data_gets_challenge_ack() {
        super::ack_of_unsent_data_gets_challenge_ack(State::FinWait2);
    }

    #[test]
    fn data_is_still_received() {
        let (mut h, mut conn) = setup(State::FinWait2);
        let seg = conn.peer.data(b"half-closed");
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        assert_eq!(h.ep.readable_bytes(conn.handle()), Ok(11));
    }

    #[test]
    fn fin_moves_to_time_wait() {
        let (mut h, mut conn) = setup(State::FinWait2);
        let fin = conn.peer.fin();
        let replies = conn.send(&mut h, &fin);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, "TIME_WAIT");
        assert_eq!(h.ep.read(conn.handle(), &mut [0; 4]), Ok(0));
    }

    #[test]
    fn a_held_connection_waits_without_a_timer() {
        let (mut h, conn) = setup(State::FinWait2);
        assert_eq!(h.ep.poll_timeout(), None);
        let replies = h.advance(Duration::from_secs(3600));
        silent(&replies, &h);
        assert_state(&h, &conn, "FIN_WAIT_2");
    }

    #[test]
    fn an_orphaned_connection_times_out_silently_as_linux_does() {
        let (mut h, conn) = setup(State::FinWait2);
        let now = h.now;
        h.ep.close(now, conn.handle()).unwrap();
        let replies = h.drain();
        silent(&replies, &h);
        let (at, replies) = h.next_timer().unwrap();
        assert_eq!(
            at - now,
            Duration::from_secs(60),
            "Config::fin_wait2_timeout"
        );
        assert!(
            replies.is_empty(),
            "tcp_time_wait(TCP_FIN_WAIT2) sends nothing"
        );
        assert_state(&h, &conn, "gone");
    }

    #[test]
    fn the_orphan_timeout_follows_the_socket_option() {
        let (mut h, conn) = setup(State::FinWait2);
        let now = h.now;
        let options = SocketOptions {
            fin_wait2_timeout: Some(Duration::from_secs(5)),
            ..SocketOptions::default()
        };
        h.ep.set_options(now, conn.handle(), options).unwrap();
        h.ep.close(now, conn.handle()).unwrap();
        h.drain();
        let (at, _) = h.next_timer().unwrap();
        assert_eq!(at - now, Duration::from_secs(5));
        assert_state(&h, &conn, "gone");
    }
}

/// CLOSE_WAIT: the peer's FIN arrived; the application has not closed yet.
mod close_wait {
    use super::*;

    #[test]
    fn exact_rst_resets() {
        super::exact_rst_resets(State::CloseWait);
    }

    #[test]
    fn inexact_rst_in_window_gets_challenge_ack() {
        super::inexact_rst_gets_challenge_ack(State::CloseWait);
    }

    #[test]
    fn rst_outside_window_is_dropped() {
        super::rst_outside_window_is_dropped(State::CloseWait);
    }

    #[test]
    fn out_of_window_segment_gets_ack() {
        super::out_of_window_segment_gets_ack(State::CloseWait);
    }

    #[test]
    fn syn_gets_challenge_ack() {
        super::syn_gets_challenge_ack(State::CloseWait);
    }

    #[test]
    fn ack_of_unsent_data_gets_challenge_ack() {
        super::ack_of_unsent_data_gets_challenge_ack(State::CloseWait);
    }

    #[test]
    fn data_after_the_fin_is_ignored() {
        super::data_after_peer_fin_is_ignored(State::CloseWait);
    }

    #[test]
    fn retransmitted_fin_is_acknowledged() {
        super::retransmitted_fin_is_acknowledged(State::CloseWait);
    }

    #[test]
    fn we_can_still_send_and_shutdown_moves_to_last_ack() {
        let (mut h, mut conn) = setup(State::CloseWait);
        let handle = conn.handle();
        h.ep.write(handle, b"reply").unwrap();
        h.ep.shutdown_write(handle).unwrap();
        let replies = h.drain();
        conn.peer.observe(&replies);
        let data: Vec<u8> = replies.iter().flat_map(|r| r.payload.clone()).collect();
        assert_eq!(data, b"reply");
        assert!(replies.last().unwrap().flags().fin());
        assert_state(&h, &conn, "LAST_ACK");
    }

    #[test]
    fn no_timer_runs() {
        let (mut h, conn) = setup(State::CloseWait);
        assert_eq!(h.ep.poll_timeout(), None);
        let replies = h.advance(Duration::from_secs(3600));
        silent(&replies, &h);
        assert_state(&h, &conn, "CLOSE_WAIT");
    }
}

/// CLOSING: both sides sent FIN; ours is not acknowledged yet.
mod closing {
    use super::*;

    #[test]
    fn exact_rst_closes() {
        let (mut h, mut conn) = setup(State::Closing);
        let seg = rst(&conn, conn.peer.seq);
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "CLOSED");
        assert_eq!(h.ep.poll_timeout(), None);
    }

    #[test]
    fn inexact_rst_in_window_gets_challenge_ack() {
        super::inexact_rst_gets_challenge_ack(State::Closing);
    }

    #[test]
    fn rst_outside_window_is_dropped() {
        super::rst_outside_window_is_dropped(State::Closing);
    }

    #[test]
    fn out_of_window_segment_gets_ack() {
        super::out_of_window_segment_gets_ack(State::Closing);
    }

    #[test]
    fn syn_gets_challenge_ack() {
        super::syn_gets_challenge_ack(State::Closing);
    }

    #[test]
    fn ack_of_unsent_data_gets_challenge_ack() {
        super::ack_of_unsent_data_gets_challenge_ack(State::Closing);
    }

    #[test]
    fn data_after_the_fin_is_ignored() {
        super::data_after_peer_fin_is_ignored(State::Closing);
    }

    #[test]
    fn retransmitted_fin_is_acknowledged() {
        super::retransmitted_fin_is_acknowledged(State::Closing);
    }

    #[test]
    fn ack_of_our_fin_moves_to_time_wait() {
        let (mut h, mut conn) = setup(State::Closing);
        conn.peer.ack_all();
        let seg = conn.peer.ack_seg();
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "TIME_WAIT");
    }

    #[test]
    fn fin_is_retransmitted() {
        super::fin_is_retransmitted(State::Closing);
    }
}

/// LAST_ACK: we closed after the peer; waiting for the ACK of our FIN.
mod last_ack {
    use super::*;

    #[test]
    fn exact_rst_closes() {
        let (mut h, mut conn) = setup(State::LastAck);
        let seg = rst(&conn, conn.peer.seq);
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "CLOSED");
        assert_eq!(h.ep.poll_timeout(), None);
    }

    #[test]
    fn inexact_rst_in_window_gets_challenge_ack() {
        super::inexact_rst_gets_challenge_ack(State::LastAck);
    }

    #[test]
    fn rst_outside_window_is_dropped() {
        super::rst_outside_window_is_dropped(State::LastAck);
    }

    #[test]
    fn out_of_window_segment_gets_ack() {
        super::out_of_window_segment_gets_ack(State::LastAck);
    }

    #[test]
    fn syn_gets_challenge_ack() {
        super::syn_gets_challenge_ack(State::LastAck);
    }

    #[test]
    fn ack_of_unsent_data_gets_challenge_ack() {
        super::ack_of_unsent_data_gets_challenge_ack(State::LastAck);
    }

    #[test]
    fn data_after_the_fin_is_ignored() {
        super::data_after_peer_fin_is_ignored(State::LastAck);
    }

    #[test]
    fn retransmitted_fin_is_acknowledged() {
        super::retransmitted_fin_is_acknowledged(State::LastAck);
    }

    #[test]
    fn ack_of_our_fin_closes() {
        let (mut h, mut conn) = setup(State::LastAck);
        conn.peer.ack_all();
        let seg = conn.peer.ack_seg();
        let replies = conn.send(&mut h, &seg);
        silent(&replies, &h);
        assert_state(&h, &conn, "CLOSED");
        let now = h.now;
        h.ep.close(now, conn.handle()).unwrap();
        h.drain();
        assert_state(&h, &conn, "gone");
        assert_eq!(
            h.ep.connection_count(),
            0,
            "no TIME_WAIT for the passive closer"
        );
    }

    #[test]
    fn fin_is_retransmitted() {
        super::fin_is_retransmitted(State::LastAck);
    }

    #[test]
    fn fin_retransmissions_give_up() {
        let config = Config {
            data_retries: 3,
            ..Config::default()
        };
        let (mut h, conn) = setup_with(config, State::LastAck);
        let mut fins = 0;
        while let Some((_, replies)) = h.next_timer() {
            fins += replies.iter().filter(|r| r.flags().fin()).count();
        }
        assert_eq!(fins, 3, "{}", h.transcript());
        assert!(
            h.events
                .contains(&Event::Failed(conn.handle(), Error::TimedOut))
        );
        assert_state(&h, &conn, "CLOSED");
    }
}

/// TIME_WAIT: both FINs acknowledged; the 4-tuple is held for 2 MSL.
mod time_wait {
    use super::*;

    #[test]
    fn rst_is_ignored_rfc_1337() {
        let (mut h, mut conn) = setup(State::TimeWait);
        for seq in [conn.peer.seq, conn.peer.seq + 1, conn.peer.seq + 100_000] {
            for flags in [Flags::RST, Flags::RST | Flags::ACK] {
                let seg = conn.peer.seg(flags).seq(seq);
                let replies = conn.send(&mut h, &seg);
                silent(&replies, &h);
                assert_state(&h, &conn, "TIME_WAIT");
            }
        }
        assert_eq!(h.ep.counters().resets_received, 0);
    }

    #[test]
    fn out_of_window_segment_gets_ack() {
        super::out_of_window_segment_gets_ack(State::TimeWait);
    }

    #[test]
    fn ack_of_unsent_data_gets_ack() {
        let (mut h, mut conn) = setup(State::TimeWait);
        let seg = conn.peer.ack_seg().ack(conn.peer.seen + 1000);
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, "TIME_WAIT");
    }

    #[test]
    fn data_is_ignored_and_acknowledged() {
        let (mut h, mut conn) = setup(State::TimeWait);
        let seg = conn.peer.seg(Flags::ACK | Flags::PSH).payload(b"late");
        let replies = conn.send(&mut h, &seg);
        assert_ack(&h, &conn, &replies);
        assert_eq!(h.ep.read(conn.handle(), &mut [0; 8]), Ok(0));
    }

    #[test]
    fn old_syn_gets_challenge_ack_and_keeps_the_tuple() {
        let (mut h, mut conn) = setup(State::TimeWait);
        let syn = conn.peer.seg(Flags::SYN).seq(conn.peer.seq - 10);
        let replies = conn.send(&mut h, &syn);
        assert_ack(&h, &conn, &replies);
        assert_state(&h, &conn, "TIME_WAIT");
    }

    #[test]
    fn lasts_two_msl() {
        let (mut h, conn) = setup(State::TimeWait);
        let entered = h.now;
        let (at, replies) = h.next_timer().unwrap();
        silent(&replies, &h);
        assert_eq!(at - entered, Duration::from_secs(60));
        assert_state(&h, &conn, "CLOSED");
        assert_eq!(h.ep.poll_timeout(), None);
    }

    #[test]
    fn an_orphan_leaves_the_table_after_two_msl() {
        let (mut h, conn) = setup(State::TimeWait);
        let entered = h.now;
        h.ep.close(entered, conn.handle()).unwrap();
        let replies = h.drain();
        silent(&replies, &h);
        assert_state(&h, &conn, "TIME_WAIT");
        let replies = h.advance(Duration::from_secs(59));
        silent(&replies, &h);
        assert_state(&h, &conn, "TIME_WAIT");
        let replies = h.advance(Duration::from_secs(1));
        silent(&replies, &h);
        assert_state(&h, &conn, "gone");
    }

    #[test]
    fn retransmitted_fin_is_acknowledged_and_restarts_the_timer() {
        let (mut h, mut conn) = setup(State::TimeWait);
        let replies = h.advance(Duration::from_secs(30));
        silent(&replies, &h);
        super::assert_state(&h, &conn, "TIME_WAIT");
        let fin = conn
            .peer
            .seg(Flags::FIN | Flags::ACK)
            .seq(conn.peer.seq - 1);
        let replies = conn.send(&mut h, &fin);
        assert_ack(&h, &conn, &replies);
        let restarted = h.now;
        let (at, _) = h.next_timer().unwrap();
        assert_eq!(at - restarted, Duration::from_secs(60));
    }
}
