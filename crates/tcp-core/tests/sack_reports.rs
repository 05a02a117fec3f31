//! The receiver's SACK blocks (RFC 2018 §4): every out-of-order range that grew rides in
//! two ACKs (the newest one in this ACK and the next), even when one poll answers a batch
//! of arrivals, so that neither the batch nor one lost ACK hides it from the sender.

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
fn one_poll_answering_six_arrivals_reports_every_range_twice() {
    let (mut h, conn) = sack_connection();
    for n in 1..=6 {
        deliver(&mut h, &conn, n);
    }
    let replies = h.drain();
    let r = |n| range(&conn, n);
    let expected = [
        vec![r(6), r(5), r(4), r(3)],
        vec![r(6), r(2), r(1), r(5)],
        vec![r(6), r(4), r(3), r(2)],
        vec![r(6), r(1), r(5), r(4)],
    ];
    assert_eq!(
        blocks_of(&h, &conn, &replies),
        expected,
        "the newest range leads each ACK; ranges not yet carried come next, then those \
         carried once\n{}",
        h.transcript()
    );
}

#[test]
fn ranges_carried_once_come_before_ranges_carried_twice() {
    let (mut h, conn) = sack_connection();
    for n in 1..=5 {
        deliver(&mut h, &conn, n);
    }
    let replies = h.drain();
    let r = |n| range(&conn, n);
    let expected = [
        vec![r(5), r(4), r(3), r(2)],
        vec![r(5), r(1), r(4), r(3)],
        vec![r(5), r(2), r(1), r(4)],
    ];
    assert_eq!(
        blocks_of(&h, &conn, &replies),
        expected,
        "after the second ACK, 2 and 1 were carried once and 5, 4 and 3 twice: 2 and 1 \
         come before 4\n{}",
        h.transcript()
    );
    deliver(&mut h, &conn, 6);
    let replies = h.drain();
    assert_eq!(
        blocks_of(&h, &conn, &replies),
        [vec![r(6), r(5), r(4), r(3)]],
        "a lone arrival draws one ACK\n{}",
        h.transcript()
    );
}
