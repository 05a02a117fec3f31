//! Hostile peers against the endpoint's resources (issue #15): memory pinned by
//! out-of-order data.

mod support;

use support::fixture::{self, Spec};
use support::inject::Harness;
use tcp_core::Config;
use tcp_wire::{Flags, Options};

/// Bytes an attacker puts on the wire for one injected segment: TCP header and payload plus
/// the 20-byte IPv4 header (the link header not counted, so the ratio is pessimistic).
fn frame_bytes(seg: &support::inject::Seg) -> usize {
    seg.bytes().len() + 20
}

/// The byte at `offset` of what the attacker sends.
fn pattern(offset: u32) -> u8 {
    (offset % 251) as u8
}

/// 32 one-byte segments, each 4,000 bytes past the previous one, all inside the 128 KiB
/// window. The receive ring used to be allocated out to the farthest byte received, so
/// about 1.3 KB of frames pinned the whole 128 KiB buffer (with a 4,096 backlog, half a
/// gibibyte for 7 MB). Storage may grow for out-of-order data only in proportion to the
/// bytes held.
#[test]
fn one_byte_segments_past_holes_hold_memory_in_proportion_to_what_was_sent() {
    let mut h = Harness::new(Config::default());
    h.recording = false;
    let spec = Spec {
        peer_options: Options {
            window_scale: Some(0),
            ..fixture::plain_options()
        },
        ..Spec::default()
    };
    let mut conn = fixture::established(&mut h, spec);
    let handle = conn.handle();
    let base = conn.peer.seq;
    let before = h.ep.connection_memory(handle).unwrap();
    let mut sent = 0;
    for i in 1..=32u32 {
        let seg = conn
            .peer
            .seg(Flags::ACK)
            .seq(base + 4_000 * i)
            .payload(&[pattern(4_000 * i)]);
        sent += frame_bytes(&seg);
        h.inject(&seg);
    }
    let held = h.ep.connection_memory(handle).unwrap() - before;
    println!(
        "32 one-byte segments past holes: {sent} attacker bytes, {held} bytes held ({:.2} per attacker byte)",
        held as f64 / sent as f64
    );
    assert!(
        held <= 2 * sent,
        "{sent} bytes of frames made the connection hold {held} more bytes"
    );
    // Dense out-of-order data is still held, and delivered once the hole fills.
    let data: Vec<u8> = (0..8_000).map(pattern).collect();
    let mut sent = 0;
    for chunk in (1_000..8_000).step_by(1_000) {
        let seg = conn
            .peer
            .seg(Flags::ACK)
            .seq(base + chunk as u32)
            .payload(&data[chunk..chunk + 1_000]);
        sent += frame_bytes(&seg);
        h.inject(&seg);
    }
    let held = h.ep.connection_memory(handle).unwrap() - before;
    println!(
        "7 KB past a 1 KB hole: {sent} attacker bytes, {held} bytes held ({:.2} per attacker byte)",
        held as f64 / sent as f64
    );
    assert!(held <= 2 * sent, "{sent} bytes sent, {held} bytes held");
    let fill = conn.peer.seg(Flags::ACK).payload(&data[..1_000]);
    h.inject(&fill);
    let mut got = vec![0u8; 16_000];
    let n = h.ep.read(handle, &mut got).unwrap();
    // The one-byte segment at 8,000 now follows in order too.
    let expected: Vec<u8> = (0..8_001).map(pattern).collect();
    assert!(
        got[..n] == expected[..],
        "{n} bytes read; everything held must be delivered in order"
    );
}
