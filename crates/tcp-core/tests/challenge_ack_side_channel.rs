//! The challenge-ACK side channel of CVE-2016-5696: an off-path attacker that can count the
//! challenge ACKs its own connection draws learns, from one missing, that a spoofed RST hit
//! another connection's window. Challenge ACKs are limited per connection first (one per
//! `invalid_ack_interval`, as Linux's `tcp_invalid_ratelimit`), so one connection cannot
//! drain the endpoint-wide budget, and that budget is drawn afresh each second with the
//! endpoint secret, so draining it with many connections measures noise.

mod support;

use support::fixture::{LOCAL_PORT, PEER_PORT, Spec, established};
use support::inject::Harness;
use tcp_core::Config;
use tcp_wire::Flags;

/// The attacker's probe: an in-window RST (not at RCV.NXT) spoofed on the victim's 4-tuple
/// when `spoof`, then 1,000 in-window RSTs on its own connection at the same instant;
/// returns the challenge ACKs it receives.
fn challenge_acks_seen_by_the_attacker(spoof: bool) -> usize {
    let mut h = Harness::new(Config::default());
    h.recording = false;
    let mut victim = established(&mut h, Spec::default());
    let mut attacker = established(&mut h, Spec::ports(LOCAL_PORT + 1, PEER_PORT + 1));
    if spoof {
        let rst = victim.peer.seg(Flags::RST).seq(victim.peer.seq + 1_000);
        let replies = victim.send(&mut h, &rst);
        assert_eq!(replies.len(), 1, "the victim challenges the RST");
    }
    let mut seen = 0;
    for i in 0..1_000 {
        let rst = attacker.peer.seg(Flags::RST).seq(attacker.peer.seq + 1 + i);
        let replies = attacker.send(&mut h, &rst);
        seen += replies
            .iter()
            .filter(|r| r.dst_addr() == attacker.peer.addr && r.is_pure_ack())
            .count();
    }
    assert_eq!(attacker.state(&h), "ESTABLISHED");
    seen
}

/// Before: one endpoint-wide counter of 1,000 a second, so the attacker saw 1,000 challenge
/// ACKs, or 999 when its spoofed RST had landed in the victim's window. Now its own
/// connection draws one, whatever happened to the victim.
#[test]
fn challenge_ack_count_does_not_reveal_a_spoofed_rst() {
    let missed = challenge_acks_seen_by_the_attacker(false);
    let hit = challenge_acks_seen_by_the_attacker(true);
    assert_eq!(
        missed, hit,
        "the count tells whether the spoofed RST hit the victim's window"
    );
    assert_eq!(hit, 1, "one challenge ACK per connection per interval");
}
