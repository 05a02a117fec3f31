//! Loss recovery against hand-built ACKs, with the segments the engine sends asserted
//! exactly: RACK-TLP (RFC 8985) for a lost tail, a lost retransmission, a burst of losses,
//! reordering that is not loss and lost ACKs; the duplicate-ACK rule without SACK; undo of
//! spurious recoveries and timeouts.
//!
//! Every scenario: the engine opens a connection to a peer that offers MSS 1000 and SACK
//! (no timestamps unless said), so segments carry 1000 bytes and sequence numbers are
//! printed relative to the ISS + 1, as packetdrill does. The path's RTT is 10 ms.

mod support;

use std::time::Duration;
use support::fixture::{Conn, Spec, established, syn_sent};
use support::inject::{Harness, Reply};
use tcp_core::{Config, ConnectionStats};
use tcp_wire::{Options, SeqNumber, Timestamps};

const MSS: u32 = 1000;
const RTT: Duration = Duration::from_millis(10);

/// A connection whose peer offers SACK (and timestamps when `timestamps`), with RTT
/// samples of 10 ms from the handshake and from a first segment, so every later figure
/// follows from SRTT 10 ms, RTTVAR 3.75 ms (RTO 200 ms, the minimum) and min_RTT 10 ms.
/// Returns the harness, the connection and the sequence number of the next byte.
fn connection(timestamps: bool) -> (Harness, Conn, SeqNumber) {
    let mut h = Harness::new(Config::default());
    let spec = Spec {
        peer_options: Options {
            mss: Some(MSS as u16),
            sack_permitted: true,
            timestamps: timestamps.then_some(Timestamps { value: 1, echo: 0 }),
            ..Options::default()
        },
        ..Spec::default()
    };
    let mut conn = syn_sent(&mut h, spec);
    h.advance(RTT);
    conn.peer.ack_all();
    let syn_ack = conn.peer.syn_ack(spec.peer_options);
    conn.send(&mut h, &syn_ack);
    let base = conn.peer.seen;
    let first = flight(&mut h, &mut conn, 1);
    h.advance(RTT);
    conn.peer.ack_all();
    let ack = ack_with(&conn, &[], timestamps);
    conn.send(&mut h, &ack);
    (h, conn, base + first[0].seg_len())
}

fn write(h: &mut Harness, conn: &Conn, len: usize) {
    let data = vec![0x5a; len];
    assert_eq!(h.ep.write(conn.handle(), &data), Ok(len));
}

/// An ACK of `conn.peer.ack` carrying `blocks` (absolute sequence numbers).
fn ack_with(
    conn: &Conn,
    blocks: &[(SeqNumber, SeqNumber)],
    timestamps: bool,
) -> support::inject::Seg {
    let mut options = Options::default();
    for &(left, right) in blocks {
        options.sack_blocks.push(left, right);
    }
    if timestamps {
        options.timestamps = Some(Timestamps { value: 2, echo: 0 });
    }
    conn.peer.ack_seg().options(options)
}

/// `(start, end)` of each data segment relative to `base`, with the time since `t0` in ms.
fn data_segments(
    replies: &[Reply],
    base: SeqNumber,
    t0: tcp_core::Instant,
) -> Vec<(u64, u32, u32)> {
    replies
        .iter()
        .filter(|r| !r.payload.is_empty() || r.flags().fin())
        .map(|r| {
            let start = r.seq() - base;
            let ms = (r.at - t0).as_micros() as u64;
            (ms, start, start + r.seg_len())
        })
        .collect()
}

fn stats(h: &Harness, conn: &Conn) -> ConnectionStats {
    h.ep.stats(conn.handle()).unwrap()
}

fn block(base: SeqNumber, start: u32, end: u32) -> (SeqNumber, SeqNumber) {
    (base + start, base + end)
}

/// Sends `segments` full segments at once and returns them.
fn flight(h: &mut Harness, conn: &mut Conn, segments: usize) -> Vec<Reply> {
    let size = h.ep.connection_info(conn.handle()).unwrap().send_mss as usize;
    write(h, conn, segments * size);
    let sent = h.drain();
    conn.peer.observe(&sent);
    assert_eq!(sent.len(), segments, "{}", h.transcript());
    sent
}

#[test]
fn a_lost_tail_is_probed_after_two_round_trips_and_repaired_without_a_timeout() {
    let (mut h, mut conn, base) = connection(false);
    let t0 = h.now;
    flight(&mut h, &mut conn, 4);
    h.advance(RTT);
    conn.peer.ack = base + 2 * MSS;
    conn.send(&mut h, &ack_with(&conn, &[], false));
    // PTO = 2 SRTT + 200 µs with more than one segment in flight: 20.2 ms after the ACK.
    // With no new data the probe resends the last segment.
    let probe = h.advance(Duration::from_millis(40));
    assert_eq!(
        data_segments(&probe, base, t0),
        [(30_200, 3000, 4000)],
        "{}",
        h.transcript()
    );
    h.now = t0 + Duration::from_millis(42);
    let sack = ack_with(&conn, &[block(base, 3000, 4000)], false);
    let repair = conn.send(&mut h, &sack);
    // RACK: the probe (sent at 30.2 ms) was delivered, the third segment (sent at 0) is
    // older than RACK.rtt + reo_wnd: lost, and resent at once.
    assert_eq!(data_segments(&repair, base, t0), [(42_000, 2000, 3000)]);
    conn.peer.ack_all();
    h.advance(RTT);
    conn.send(&mut h, &ack_with(&conn, &[], false));
    let s = stats(&h, &conn);
    assert_eq!(s.tail_loss_probes, 1);
    assert_eq!(s.recovery_episodes, 1);
    assert_eq!(s.retransmission_timeouts, 0);
    assert_eq!(s.retransmits, 2);
}

#[test]
fn a_lost_retransmission_is_found_by_rack_not_by_the_timer() {
    let (mut h, mut conn, base) = connection(false);
    let t0 = h.now;
    flight(&mut h, &mut conn, 6);
    h.advance(RTT);
    // The first segment is lost; the next three arrive (reo_wnd is 0 with three SACKed).
    conn.peer.ack = base;
    let sack = ack_with(&conn, &[block(base, 1000, 4000)], false);
    let fast = conn.send(&mut h, &sack);
    assert_eq!(data_segments(&fast, base, t0)[0], (10_000, 0, 1000));
    // New data goes out behind the retransmission as PRR allows; it all arrives, the
    // retransmission does not.
    write(&mut h, &conn, 2 * MSS as usize);
    let more = h.drain();
    conn.peer.observe(&more);
    h.advance(RTT);
    let sack = ack_with(&conn, &[block(base, 1000, 6000)], false);
    conn.send(&mut h, &sack);
    let end = conn.peer.seen - base;
    let sack = ack_with(&conn, &[block(base, 1000, end)], false);
    let again = conn.send(&mut h, &sack);
    let resent: Vec<_> = data_segments(&again, base, t0)
        .into_iter()
        .filter(|&(_, start, _)| start == 0)
        .collect();
    assert_eq!(resent, [(20_000, 0, 1000)], "{}", h.transcript());
    let s = stats(&h, &conn);
    assert_eq!(s.lost_retransmits, 1);
    assert_eq!(s.retransmission_timeouts, 0);
    assert_eq!(s.recovery_episodes, 1);
}

#[test]
fn a_burst_of_losses_is_repaired_in_one_recovery_within_prr() {
    let (mut h, mut conn, base) = connection(false);
    let t0 = h.now;
    flight(&mut h, &mut conn, 10);
    h.advance(RTT);
    // Segments 0..5 are lost; 5..10 arrive, one ACK each.
    conn.peer.ack = base;
    let mut resent = Vec::new();
    for end in 6..=10 {
        let sack = ack_with(&conn, &[block(base, 5000, end * MSS)], false);
        resent.extend(data_segments(&conn.send(&mut h, &sack), base, t0));
    }
    // The third SACK makes RACK's reordering window zero: all five are lost at once. They
    // took the pipe below ssthresh (CUBIC's 0.7 × 10 segments), so PRR's slow-start
    // reduction bound sends one segment per segment delivered, starting at once.
    assert_eq!(
        resent,
        [
            (10_000, 0, 1000),
            (10_000, 1000, 2000),
            (10_000, 2000, 3000),
        ],
        "{}",
        h.transcript()
    );
    // A round trip later the three retransmissions are acknowledged: that ACK delivers
    // three segments and opens the window for the last two holes.
    conn.peer.ack = base + 3 * MSS;
    h.advance(RTT);
    let rest = conn.send(
        &mut h,
        &ack_with(&conn, &[block(base, 5000, 10_000)], false),
    );
    assert_eq!(
        data_segments(&rest, base, t0),
        [(20_000, 3000, 4000), (20_000, 4000, 5000)]
    );
    let s = stats(&h, &conn);
    assert_eq!(s.recovery_episodes, 1);
    assert_eq!(s.retransmission_timeouts, 0);
}

#[test]
fn reordering_within_the_window_is_not_taken_for_loss() {
    let (mut h, mut conn, base) = connection(false);
    flight(&mut h, &mut conn, 4);
    h.advance(RTT);
    // The third segment overtakes the second by 1 ms: less than min_RTT / 4 = 2.5 ms.
    conn.peer.ack = base + MSS;
    let early = ack_with(&conn, &[block(base, 2000, 3000)], false);
    assert!(data_segments(&conn.send(&mut h, &early), base, h.now).is_empty());
    h.advance(Duration::from_millis(1));
    conn.peer.ack = base + 3 * MSS;
    conn.send(&mut h, &ack_with(&conn, &[], false));
    conn.peer.ack_all();
    conn.send(&mut h, &ack_with(&conn, &[], false));
    h.advance(Duration::from_secs(1));
    let s = stats(&h, &conn);
    assert_eq!(s.retransmits, 0, "{}", h.transcript());
    assert_eq!(s.recovery_episodes, 0);
}

#[test]
fn a_hole_still_open_when_the_reordering_window_ends_is_retransmitted_then() {
    let (mut h, mut conn, base) = connection(false);
    let t0 = h.now;
    flight(&mut h, &mut conn, 4);
    h.advance(RTT);
    conn.peer.ack = base + MSS;
    let early = ack_with(&conn, &[block(base, 2000, 3000)], false);
    assert!(data_segments(&conn.send(&mut h, &early), base, t0).is_empty());
    // RACK's reordering timer: sent at 0 + RACK.rtt 10 ms + reo_wnd 2.5 ms.
    let (at, resent) = h.next_timer().unwrap();
    assert_eq!(at, t0 + Duration::from_micros(12_500));
    assert_eq!(data_segments(&resent, base, t0), [(12_500, 1000, 2000)]);
}

#[test]
fn lost_acks_cost_one_probe_and_no_window() {
    let (mut h, mut conn, base) = connection(false);
    let t0 = h.now;
    flight(&mut h, &mut conn, 4);
    let before = h.ep.connection_info(conn.handle()).unwrap();
    // Every ACK of the flight is lost: the probe resends the last segment at 20.2 ms.
    let probe = h.advance(Duration::from_millis(21));
    assert_eq!(data_segments(&probe, base, t0), [(20_200, 3000, 4000)]);
    // Its ACK reports the duplicate (D-SACK) and covers everything: no loss happened.
    conn.peer.ack_all();
    let dsack = ack_with(&conn, &[block(base, 3000, 4000)], false);
    conn.send(&mut h, &dsack);
    let after = h.ep.connection_info(conn.handle()).unwrap();
    assert_eq!(after.slow_start_threshold, u32::MAX, "no reduction");
    assert!(after.congestion_window >= before.congestion_window);
    let s = stats(&h, &conn);
    assert_eq!((s.tail_loss_probes, s.retransmission_timeouts), (1, 0));
}

#[test]
fn without_sack_the_third_duplicate_ack_starts_recovery() {
    let mut h = Harness::new(Config::default());
    let spec = Spec {
        peer_options: Options {
            mss: Some(MSS as u16),
            ..Options::default()
        },
        ..Spec::default()
    };
    let mut conn = established(&mut h, spec);
    let base = conn.peer.seen;
    let t0 = h.now;
    flight(&mut h, &mut conn, 6);
    h.advance(RTT);
    conn.peer.ack = base + MSS;
    let mut sent = Vec::new();
    for _ in 0..4 {
        sent.extend(data_segments(
            &conn.send(&mut h, &conn.peer.ack_seg()),
            base,
            t0,
        ));
    }
    // The first ACK advances; the third duplicate after it retransmits the hole.
    assert_eq!(sent, [(10_000, 1000, 2000)], "{}", h.transcript());
    let s = stats(&h, &conn);
    assert_eq!(
        (s.duplicate_acks, s.recovery_episodes, s.fast_retransmits),
        (3, 1, 1)
    );
}

#[test]
fn a_dsack_for_every_retransmission_undoes_the_reduction() {
    let (mut h, mut conn, base) = connection(false);
    flight(&mut h, &mut conn, 6);
    let before = h.ep.connection_info(conn.handle()).unwrap();
    h.advance(RTT);
    conn.peer.ack = base;
    let sack = ack_with(&conn, &[block(base, 1000, 4000)], false);
    conn.send(&mut h, &sack);
    assert!(
        h.ep.connection_info(conn.handle())
            .unwrap()
            .slow_start_threshold
            < u32::MAX
    );
    // The first segment was only late: the original and the retransmission both arrive,
    // and the receiver reports the second as a duplicate.
    conn.peer.ack = base + 6 * MSS;
    let dsack = ack_with(&conn, &[block(base, 0, 1000)], false);
    conn.send(&mut h, &dsack);
    let after = h.ep.connection_info(conn.handle()).unwrap();
    assert_eq!(after.slow_start_threshold, before.slow_start_threshold);
    assert!(after.congestion_window >= before.congestion_window);
    let s = stats(&h, &conn);
    assert_eq!((s.dsacks_received, s.spurious_fast_retransmits), (1, 1));
}

#[test]
fn a_timeout_the_echoed_timestamp_shows_spurious_is_undone() {
    let (mut h, mut conn, _) = connection(true);
    flight(&mut h, &mut conn, 1);
    let before = h.ep.connection_info(conn.handle()).unwrap();
    let original_ts = h
        .sent
        .last()
        .unwrap()
        .header
        .options
        .timestamps
        .unwrap()
        .value;
    // One segment in flight: PTO = 2 SRTT + 200 ms, capped at the RTO (as Linux), so the
    // probe goes out when the timeout would have; a second, unanswered too, and then the
    // timeout.
    while stats(&h, &conn).retransmission_timeouts == 0 {
        let (_, resent) = h.next_timer().unwrap();
        assert_eq!(resent.len(), 1);
    }
    assert_eq!(stats(&h, &conn).tail_loss_probes, 2);
    // The ACK of the original arrives, echoing the original's timestamp.
    conn.peer.ack_all();
    let ack = conn.peer.ack_seg().options(Options {
        timestamps: Some(Timestamps {
            value: 3,
            echo: original_ts,
        }),
        ..Options::default()
    });
    conn.send(&mut h, &ack);
    let after = h.ep.connection_info(conn.handle()).unwrap();
    assert_eq!(after.slow_start_threshold, before.slow_start_threshold);
    assert!(
        after.congestion_window >= before.congestion_window,
        "restored, then grown by the ACK"
    );
    assert_eq!(stats(&h, &conn).spurious_timeouts, 1);
}

#[test]
fn in_recovery_a_probe_resends_a_lost_retransmission_not_sacked_data() {
    let (mut h, mut conn, base) = connection(false);
    let t0 = h.now;
    flight(&mut h, &mut conn, 4);
    h.advance(RTT);
    conn.peer.ack = base;
    let sack = ack_with(&conn, &[block(base, 1000, 4000)], false);
    let fast = conn.send(&mut h, &sack);
    assert_eq!(data_segments(&fast, base, t0), [(10_000, 0, 1000)]);
    // The retransmission is lost and nothing else is in flight: no ACK will come. Two
    // round trips later (2 SRTT + 200 µs) the probe resends it, not the SACKed tail.
    let probe = h.advance(Duration::from_millis(21));
    assert_eq!(
        data_segments(&probe, base, t0),
        [(30_200, 0, 1000)],
        "{}",
        h.transcript()
    );
    conn.peer.ack_all();
    conn.send(&mut h, &ack_with(&conn, &[], false));
    let s = stats(&h, &conn);
    assert_eq!((s.tail_loss_probes, s.retransmission_timeouts), (1, 0));
}
