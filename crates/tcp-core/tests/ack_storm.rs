//! ACK storms: an attacker injects data into both ends of a connection, each end now
//! acknowledges bytes the other never sent and finds the other's sequence numbers below its
//! window, and each answers the other's ACK with an ACK of its own. Duplicate ACKs sent in
//! reply to segments that do not belong (out of window, PAWS-rejected, in TIME_WAIT) and
//! challenge ACKs share one per-connection limit, Linux's `tcp_invalid_ratelimit`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tcp_core::{Config, Endpoint, Instant, SocketOptions};
use tcp_wire::{Flags, Header, Segment};

const A_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
const B_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));

/// Segments one exchange may move before it counts as a storm.
const STORM: usize = 100_000;

/// Two endpoints joined by a wire that delivers at once, recording the last segment each
/// side sent.
struct Wire {
    a: Endpoint,
    b: Endpoint,
    now: Instant,
    last_from_a: Vec<u8>,
    last_from_b: Vec<u8>,
    buf: Vec<u8>,
}

impl Wire {
    /// Delivers segments both ways, at the current instant, until both ends are quiet or
    /// `limit` segments have moved; returns how many moved.
    fn exchange(&mut self, limit: usize) -> usize {
        let mut moved = 0;
        loop {
            let before = moved;
            while moved < limit
                && let Some(t) = self.a.poll_transmit(self.now, &mut self.buf)
            {
                self.last_from_a = self.buf[..t.len].to_vec();
                self.b
                    .handle_segment(self.now, t.src, t.dst, &self.buf[..t.len]);
                moved += 1;
            }
            while moved < limit
                && let Some(t) = self.b.poll_transmit(self.now, &mut self.buf)
            {
                self.last_from_b = self.buf[..t.len].to_vec();
                self.a
                    .handle_segment(self.now, t.src, t.dst, &self.buf[..t.len]);
                moved += 1;
            }
            if moved == before || moved >= limit {
                return moved;
            }
        }
    }

    /// Lets `by` pass in 10 ms steps, running timers and exchanging at each; returns the
    /// segments moved.
    fn run_for(&mut self, by: Duration) -> usize {
        let end = self.now + by;
        let mut moved = 0;
        while self.now < end {
            self.now += Duration::from_millis(10);
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
            moved += self.exchange(STORM);
        }
        moved
    }
}

/// 100 bytes of data following `template` (the last segment one side sent), with its
/// acknowledgment and timestamps, as an off-path attacker who learned them would spoof it.
fn spoofed_data(template: &[u8], src: IpAddr, dst: IpAddr) -> Vec<u8> {
    let segment = Segment::new_checked(template).expect("a segment the engine sent");
    let header = Header::parse(&segment).expect("its header");
    let header = Header {
        seq: header.seq + segment.payload().len() as u32,
        flags: Flags::ACK | Flags::PSH,
        ..header
    };
    let payload = [b'X'; 100];
    let mut bytes = vec![0; header.header_len() + payload.len()];
    let len = header.emit(&mut bytes).expect("header fits");
    bytes[len..].copy_from_slice(&payload);
    let mut out = Segment::new_unchecked(&mut bytes[..]);
    out.fill_checksum(src, dst);
    bytes
}

/// Before: the two ends exchanged ACKs without end at a single instant (1 M segments in
/// the run, at zero elapsed time). Now each end sends at most one ACK per
/// `invalid_ack_interval` (500 ms) for segments outside its window, so the exchange stops
/// after a few segments, and the ends stay quiet afterwards.
#[test]
fn desynchronised_ends_do_not_ack_storm() {
    let config = Config::default();
    let mut wire = Wire {
        a: Endpoint::new(config.clone(), [1; 16]),
        b: Endpoint::new(config, [2; 16]),
        now: Instant::from_millis(1_000),
        last_from_a: Vec::new(),
        last_from_b: Vec::new(),
        buf: vec![0; 65_536],
    };
    let listener = wire
        .b
        .listen(SocketAddr::new(B_IP, 80), 16, SocketOptions::default())
        .unwrap();
    let client = wire
        .a
        .connect(
            wire.now,
            SocketAddr::new(A_IP, 0),
            SocketAddr::new(B_IP, 80),
            SocketOptions::default(),
        )
        .unwrap();
    wire.exchange(STORM);
    let server = wire.b.accept(listener).unwrap();
    wire.a.write(client, b"hello").unwrap();
    wire.b.write(server, b"world").unwrap();
    wire.run_for(Duration::from_millis(100));
    let mut sink = [0u8; 16];
    assert_eq!(wire.a.read(client, &mut sink), Ok(5));
    assert_eq!(wire.b.read(server, &mut sink), Ok(5));
    wire.run_for(Duration::from_millis(100));

    let into_b = spoofed_data(&wire.last_from_a, A_IP, B_IP);
    let into_a = spoofed_data(&wire.last_from_b, B_IP, A_IP);
    wire.b.handle_segment(wire.now, A_IP, B_IP, &into_b);
    wire.a.handle_segment(wire.now, B_IP, A_IP, &into_a);
    assert_eq!(wire.a.readable_bytes(client), Ok(100), "the spoof took");
    assert_eq!(wire.b.readable_bytes(server), Ok(100), "the spoof took");

    let at_once = wire.exchange(STORM);
    assert!(at_once <= 4, "{at_once} segments at one instant");
    let later = wire.run_for(Duration::from_secs(10));
    assert!(later <= 4, "{later} segments in the next 10 s");
    let limited =
        wire.a.counters().invalid_acks_rate_limited + wire.b.counters().invalid_acks_rate_limited;
    assert!(limited >= 1, "the loop was cut by the limit");
}
