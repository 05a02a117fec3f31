//! The receiver's SACK blocks (RFC 2018 §4): every out-of-order range reaches the sender,
//! even when one poll answers a batch of arrivals, and a range is reported twice before
//! older ones are repeated, so that one lost ACK does not hide it.

mod support;

use support::fixture::*;
use support::inject::*;
use tcp_core::Config;
use tcp_wire::{Flags, Options, SeqNumber};

/// ESTABLISHED with a peer that offers SACK but not timestamps: four blocks per ACK.
fn sack_connection() -> (Harness, Conn) {
    let mut h = Harness::new(Config::default());
    let spec = Spec {
        peer_options: Options {
            sack_permitted: true,
            ..plain_options()
        },
        ..Spec::default()
    };
    let conn = established(&mut h, spec);
    (h, conn)
}

/// The out-of-order range number `n` (1-based): 10 bytes at `100 * n` past RCV.NXT.
fn range(conn: &Conn, n: u32) -> (SeqNumber, SeqNumber) {
    let start = conn.peer.seq + 100 * n;
    (start, start + 10)
}

/// Hands the peer's range `n` to the engine without polling its reply.
fn deliver(h: &mut Harness, conn: &Conn, n: u32) {
    let (start, _) = range(conn, n);
    let seg = conn.peer.seg(Flags::ACK).seq(start).payload(&[7; 10]);
    h.deliver(&seg);
}

/// The SACK blocks of each reply, which must all be duplicate ACKs of RCV.NXT.
fn blocks_of(h: &Harness, conn: &Conn, replies: &[Reply]) -> Vec<Vec<(SeqNumber, SeqNumber)>> {
    replies
        .iter()
        .map(|reply| {
            assert!(reply.is_pure_ack(), "{}", h.transcript());
            assert_eq!(reply.ack(), conn.peer.seq, "{}", h.transcript());
            reply.header.options.sack_blocks.as_slice().to_vec()
        })
        .collect()
}

#[test]
fn one_poll_answering_six_arrivals_reports_every_range() {
    let (mut h, conn) = sack_connection();
    for n in 1..=6 {
        deliver(&mut h, &conn, n);
    }
    let replies = h.drain();
    let acks = blocks_of(&h, &conn, &replies);
    let r = |n| range(&conn, n);
    assert_eq!(
        acks,
        [vec![r(6), r(5), r(4), r(3)], vec![r(6), r(2), r(1), r(5)],],
        "the newest range leads each ACK; the second ACK carries the two the first had no \
         room for\n{}",
        h.transcript()
    );
}

#[test]
fn a_range_is_reported_twice_before_older_reports_repeat() {
    let (mut h, conn) = sack_connection();
    for n in 1..=5 {
        deliver(&mut h, &conn, n);
    }
    let replies = h.drain();
    let r = |n| range(&conn, n);
    assert_eq!(
        blocks_of(&h, &conn, &replies),
        [vec![r(5), r(4), r(3), r(2)], vec![r(5), r(1), r(4), r(3)],],
        "{}",
        h.transcript()
    );
    deliver(&mut h, &conn, 6);
    let replies = h.drain();
    assert_eq!(
        blocks_of(&h, &conn, &replies),
        [vec![r(6), r(2), r(1), r(5)]],
        "ranges 2 and 1 were carried once, 5, 4 and 3 twice: 2 and 1 come before 5\n{}",
        h.transcript()
    );
}
