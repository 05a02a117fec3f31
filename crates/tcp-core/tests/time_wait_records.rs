//! A connection nobody holds that rests in TIME_WAIT becomes a compact record. The record
//! must behave as the whole connection did: each test here runs the same script against a
//! connection the application still holds in TIME_WAIT (kept whole) and one it closed (kept
//! as a record) and compares every segment sent, byte for byte, and the counters; the rest
//! checks the record's place in the endpoint (socket table, caps, events, memory).

mod support;

use std::net::SocketAddr;
use std::time::Duration;
use support::fixture::{
    Conn, PEER_ISS, Spec, established, established_passive, fin_wait_1, fin_wait_2, time_wait,
};
use support::inject::{Harness, Peer, Reply, Seg, only, silent};
use tcp_core::{Config, Error, Event, Received, ResourceLimits, State};
use tcp_wire::{Flags, Options, Timestamps};

/// The far side's options with timestamps (TSval `value`), SACK and window scaling.
fn full_options(value: u32) -> Options {
    Options {
        mss: Some(1460),
        window_scale: Some(7),
        sack_permitted: true,
        timestamps: Some(Timestamps { value, echo: 0 }),
        ..Options::default()
    }
}

/// Only a timestamp option with TSval `value`.
fn ts(value: u32) -> Options {
    Options {
        timestamps: Some(Timestamps { value, echo: 0 }),
        ..Options::default()
    }
}

/// The same connection in TIME_WAIT in two harnesses: the application keeps the first one's
/// handle, closes the second's. `setup` builds it up to ESTABLISHED and may move data.
fn pair(config: Config, setup: impl Fn(&mut Harness) -> Conn) -> [(Harness, Conn); 2] {
    [false, true].map(|close| {
        let mut h = Harness::new(config.clone());
        let conn = setup(&mut h);
        let conn = fin_wait_1(&mut h, conn);
        let mut conn = fin_wait_2(&mut h, conn);
        let fin = conn.peer.fin();
        let ack = only(&conn.send(&mut h, &fin), &h);
        assert!(ack.flags().contains(Flags::ACK) && ack.ack() == conn.peer.seq);
        if close {
            h.ep.close(h.now, conn.handle()).unwrap();
            silent(&h.drain(), &h);
        }
        let records = h.ep.memory_usage().time_wait_entries;
        assert_eq!(
            records,
            usize::from(close),
            "only the closed one is a record"
        );
        assert_eq!(conn.state(&h), "TIME_WAIT");
        (h, conn)
    })
}

/// One step of a script: wait, then a segment from the far side built from its numbers.
type Step = (Duration, fn(&Conn) -> Seg);

/// Runs `script` on both sides of `pair` and asserts they send the same bytes at the same
/// times and count the same.
fn same_answers(pair: &mut [(Harness, Conn); 2], script: &[Step]) -> Vec<Vec<Reply>> {
    let mut answers = Vec::new();
    for (wait, make) in script {
        let sent: Vec<Vec<Reply>> = pair
            .iter_mut()
            .map(|(h, conn)| {
                let mut out = h.advance(*wait);
                let seg = make(conn);
                out.extend(conn.send(h, &seg));
                out
            })
            .collect();
        let bytes = |replies: &[Reply]| -> Vec<(tcp_core::Instant, Vec<u8>)> {
            replies.iter().map(|r| (r.at, r.bytes.clone())).collect()
        };
        assert_eq!(
            bytes(&sent[0]),
            bytes(&sent[1]),
            "whole:\n{}\nrecord:\n{}",
            pair[0].0.transcript(),
            pair[1].0.transcript()
        );
        answers.push(sent[0].clone());
    }
    let [(a, _), (b, _)] = &pair;
    assert_eq!(a.ep.counters(), b.ep.counters());
    assert_eq!(a.ep.connection_totals(), b.ep.connection_totals());
    answers
}

/// Every kind of segment TIME_WAIT sees, some inside the reply interval, some outside.
fn everything() -> Vec<Step> {
    let ms = Duration::from_millis;
    vec![
        // A retransmitted FIN: ACKed, TIME_WAIT restarts.
        (ms(1_000), |c| {
            c.peer
                .seg(Flags::FIN | Flags::ACK)
                .seq(c.peer.seq - 1)
                .options(ts(2_000))
        }),
        // Pure ACKs: the first answered, the next within the interval not.
        (ms(10), |c| c.peer.ack_seg().options(ts(2_001))),
        (ms(10), |c| c.peer.ack_seg().options(ts(2_002))),
        // An ACK of data never sent, out of the window, late data: answered.
        (ms(600), |c| {
            c.peer.ack_seg().ack(c.peer.seen + 1_000).options(ts(2_003))
        }),
        (ms(600), |c| {
            c.peer
                .ack_seg()
                .seq(c.peer.seq + 500_000)
                .options(ts(2_004))
        }),
        (ms(1), |c| {
            c.peer
                .seg(Flags::ACK | Flags::PSH)
                .payload(b"late")
                .options(ts(2_005))
        }),
        // RSTs are ignored (RFC 1337).
        (ms(1), |c| c.peer.seg(Flags::RST)),
        (ms(1), |c| {
            c.peer.seg(Flags::RST | Flags::ACK).seq(c.peer.seq + 7)
        }),
        // Old SYNs and a SYN PAWS rejects: challenge ACKs, within the limits.
        (ms(600), |c| c.peer.seg(Flags::SYN).seq(c.peer.seq - 10)),
        (ms(1), |c| {
            c.peer
                .seg(Flags::SYN)
                .seq(c.peer.seq + 100_000)
                .options(ts(999))
        }),
        (ms(600), |c| {
            c.peer
                .seg(Flags::SYN)
                .seq(c.peer.seq + 100_000)
                .options(ts(999))
        }),
        // A new SYN with no listener: a challenge ACK, the entry stays.
        (ms(600), |c| {
            c.peer
                .seg(Flags::SYN)
                .seq(c.peer.seq + 100_000)
                .options(ts(3_000))
        }),
    ]
}

#[test]
fn a_record_answers_as_the_whole_connection_did() {
    let mut pair = pair(Config::default(), |h| {
        let spec = Spec {
            peer_options: full_options(1_000),
            ..Spec::default()
        };
        established(h, spec)
    });
    let answers = same_answers(&mut pair, &everything());
    let acked: Vec<usize> = answers.iter().map(Vec::len).collect();
    assert_eq!(acked, [1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1]);
    let fin_ack = &answers[0][0];
    assert!(fin_ack.is_pure_ack());
    assert_eq!(fin_ack.ack(), pair[1].1.peer.seq);
    assert_eq!(fin_ack.header.options.timestamps.unwrap().echo, 1_000);
    assert_eq!(pair[1].0.ep.counters().paws_rejected, 2);
    // The retransmitted FIN restarted the 2 MSL: both end 60 s after it, not before.
    let ends = fin_ack.at + Duration::from_secs(60);
    for (h, conn) in &mut pair {
        let left = ends - h.now;
        h.advance(left - Duration::from_millis(1));
        assert_eq!(conn.state(h), "TIME_WAIT");
        h.advance(Duration::from_millis(1));
        assert_ne!(conn.state(h), "TIME_WAIT");
    }
    assert_eq!(pair[1].0.ep.memory_usage().time_wait_entries, 0);
}

#[test]
fn a_record_answers_the_same_without_timestamps() {
    let mut pair = pair(Config::default(), |h| established(h, Spec::default()));
    same_answers(&mut pair, &everything());
}

#[test]
fn a_record_offers_the_window_the_connection_did_under_memory_pressure() {
    let config = Config {
        resources: ResourceLimits {
            buffer_pressure: 0,
            ..ResourceLimits::default()
        },
        ..Config::default()
    };
    let mut pair = pair(config, |h| {
        let spec = Spec {
            peer_options: full_options(1_000),
            ..Spec::default()
        };
        let mut conn = established(h, spec);
        let data = conn.peer.data(&[7; 3_000]).options(ts(1_500));
        conn.send(h, &data);
        let mut buf = [0; 4_000];
        assert_eq!(h.ep.read(conn.handle(), &mut buf), Ok(3_000));
        h.drain();
        conn
    });
    same_answers(&mut pair, &everything());
}

#[test]
fn a_record_echoes_congestion_as_the_connection_did() {
    let config = Config {
        extensions: tcp_core::Extensions {
            ecn: true,
            ..Default::default()
        },
        ..Config::default()
    };
    let mut pair = pair(config, |h| {
        let spec = Spec::default();
        let now = h.now;
        let handle = h.ep.connect(now, spec.local, spec.remote, spec.options);
        let replies = h.drain();
        assert_eq!(replies[0].flags(), Flags::SYN | Flags::ECE | Flags::CWR);
        let mut conn = Conn {
            peer: Peer::new(spec.remote, spec.local, PEER_ISS),
            handle: Some(handle.unwrap()),
            listener: None,
            iss: Some(replies[0].seq()),
            fin_seq: None,
        };
        conn.peer.observe(&replies);
        conn.peer.ack_all();
        let syn_ack = conn
            .peer
            .seg(Flags::SYN | Flags::ACK | Flags::ECE)
            .options(full_options(1_000));
        conn.peer.seq += 1;
        conn.send(h, &syn_ack);
        let data = conn.peer.data(b"marked").options(ts(1_100));
        let received = Received {
            congestion_experienced: true,
            ..Received::new(data.src.ip(), data.dst.ip())
        };
        let now = h.now;
        h.ep.handle_received(now, received, &data.bytes());
        let replies = h.drain();
        conn.peer.observe(&replies);
        assert!(replies.iter().all(|r| r.flags().contains(Flags::ECE)));
        assert_eq!(h.ep.read(conn.handle(), &mut [0; 16]), Ok(6));
        conn
    });
    let answers = same_answers(&mut pair, &everything());
    assert!(answers[0][0].flags().contains(Flags::ECE));
}

/// Server-side TIME_WAIT (a listener exists): a SYN with a newer timestamp reopens the
/// tuple, and the record's successor starts above its sequence space as the connection's
/// did; a SYN PAWS rejects does not.
#[test]
fn a_record_reopens_as_the_connection_did() {
    let mut pair = pair(Config::default(), |h| {
        let spec = Spec {
            peer_options: full_options(1_000),
            ..Spec::passive()
        };
        established_passive(h, spec)
    });
    let script: Vec<Step> = vec![
        (Duration::from_millis(700), |c| {
            let mut peer = c.peer;
            peer.seq += 100_000;
            peer.seg(Flags::SYN).options(full_options(900))
        }),
        (Duration::from_millis(700), |c| {
            let mut peer = c.peer;
            peer.seq += 100_000;
            peer.seg(Flags::SYN).options(full_options(5_000))
        }),
    ];
    let answers = same_answers(&mut pair, &script);
    assert!(answers[0][0].is_pure_ack());
    assert_eq!(answers[1][0].flags(), Flags::SYN | Flags::ACK);
    for (h, conn) in &pair {
        assert_eq!(h.state_of(conn.peer.local, conn.peer.addr), "SYN_RECV");
    }
    let [(_, _), (b, conn)] = &pair;
    assert_eq!(b.ep.memory_usage().time_wait_entries, 0);
    assert!(b.events.contains(&Event::Closed(conn.handle())));
}

#[test]
fn records_are_listed_and_counted_and_end_with_closed() {
    let mut h = Harness::new(Config::default());
    let mut closed = Vec::new();
    for i in 0..3u16 {
        let conn = established(&mut h, Spec::ports(41_000 + i, 50_000));
        let conn = fin_wait_1(&mut h, conn);
        let conn = fin_wait_2(&mut h, conn);
        let conn = time_wait(&mut h, conn);
        if i != 1 {
            h.ep.close(h.now, conn.handle()).unwrap();
            closed.push(conn);
        }
    }
    let held = established(&mut h, Spec::ports(41_009, 50_000));
    let rows: Vec<(u16, State)> =
        h.ep.sockets()
            .iter()
            .map(|s| (s.local.port(), s.state))
            .collect();
    assert_eq!(
        rows,
        [
            (41_000, State::TimeWait),
            (41_001, State::TimeWait),
            (41_002, State::TimeWait),
            (41_009, State::Established),
        ],
        "in handle order, records among the connections"
    );
    let detailed = h.ep.sockets_with_info();
    let same: Vec<_> = detailed.iter().map(|(row, _)| *row).collect();
    assert_eq!(
        same,
        h.ep.sockets(),
        "sockets_with_info lists the same rows"
    );
    let with_info: Vec<(u16, Option<State>)> = detailed
        .iter()
        .map(|(row, info)| (row.local.port(), info.map(|(info, _)| info.state)))
        .collect();
    assert_eq!(
        with_info,
        [
            (41_000, None),
            (41_001, Some(State::TimeWait)),
            (41_002, None),
            (41_009, Some(State::Established)),
        ],
        "connection blocks have info, TIME_WAIT records none"
    );
    let usage = h.ep.memory_usage();
    assert_eq!((usage.connections, usage.time_wait_entries), (2, 2));
    assert!(usage.time_wait > 0);
    assert_eq!(h.ep.connection_count(), 4);
    for conn in &closed {
        assert_eq!(h.ep.state(conn.handle()), Err(Error::InvalidHandle));
        assert!(
            !h.events_of(conn.handle())
                .contains(&Event::Closed(conn.handle()))
        );
    }
    h.advance(Duration::from_secs(60));
    for conn in &closed {
        assert_eq!(conn.state(&h), "gone");
        assert_eq!(
            h.events_of(conn.handle()).last(),
            Some(&Event::Closed(conn.handle()))
        );
    }
    assert_eq!(held.state(&h), "ESTABLISHED");
    assert_eq!(h.ep.memory_usage().time_wait_entries, 0);
}

/// The cap on TIME_WAIT entries counts records: over it, a closed connection still ACKs the
/// FIN and then goes without TIME_WAIT; as records end, room comes back.
#[test]
fn records_count_against_the_time_wait_cap() {
    let mut h = Harness::new(Config {
        resources: ResourceLimits {
            max_time_wait: 2,
            ..ResourceLimits::default()
        },
        ..Config::default()
    });
    let close_to_time_wait = |h: &mut Harness, port: u16| {
        let conn = established(h, Spec::ports(port, 50_000));
        h.ep.close(h.now, conn.handle()).unwrap();
        let mut conn = conn;
        conn.peer.observe(&h.drain());
        let conn = fin_wait_2(h, conn);
        let mut conn = conn;
        let fin = conn.peer.fin();
        let ack = only(&conn.send(h, &fin), h);
        assert!(ack.is_pure_ack() && ack.ack() == conn.peer.seq);
        h.advance(Duration::from_millis(1));
        conn
    };
    for port in 41_000..41_004 {
        close_to_time_wait(&mut h, port);
    }
    assert_eq!(h.ep.memory_usage().time_wait_entries, 2);
    assert_eq!(h.ep.counters().resources.time_wait_overflows, 2);
    assert_eq!(h.ep.connection_count(), 2);
    h.advance(Duration::from_secs(60));
    assert_eq!(h.ep.connection_count(), 0);
    close_to_time_wait(&mut h, 41_010);
    assert_eq!(h.ep.memory_usage().time_wait_entries, 1);
    assert_eq!(h.ep.counters().resources.time_wait_overflows, 2);
    let tuple = SocketAddr::new(support::inject::LOCAL_IP, 41_010);
    assert!(
        h.ep.sockets()
            .iter()
            .any(|s| s.local == tuple && s.state == State::TimeWait)
    );
}
