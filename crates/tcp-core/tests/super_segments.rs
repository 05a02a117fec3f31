//! Super-segments (`Endpoint::poll_transmit_batch`): cut the way Linux's segmentation
//! offload cuts them, they are exactly the segments `poll_transmit` sends one at a time,
//! through loss and recovery too.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tcp_core::{Config, ConnectionHandle, Endpoint, Instant, ListenerHandle, SocketOptions};
use tcp_wire::{Flags, Segment};

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1));
const SERVER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));

/// Cuts a super-segment as Linux's `tcp_gso_segment` does: the header copied to every
/// piece with its sequence number advanced, PSH and FIN kept on the last piece only, CWR on
/// the first only, and each piece's checksum completed.
fn cut(bytes: &[u8], segment_size: usize) -> Vec<Vec<u8>> {
    let segment = Segment::new_checked(bytes).unwrap();
    let header = &bytes[..segment.header_len()];
    let chunks: Vec<&[u8]> = segment.payload().chunks(segment_size).collect();
    let last = chunks.len() - 1;
    let mut seq = segment.seq_number();
    let mut pieces = Vec::new();
    for (i, chunk) in chunks.into_iter().enumerate() {
        let mut piece = [header, chunk].concat();
        let mut view = Segment::new_checked(&mut piece[..]).unwrap();
        let mut flags = segment.flags();
        if i != last {
            flags = flags.without(Flags::PSH | Flags::FIN);
        }
        if i != 0 {
            flags = flags.without(Flags::CWR);
        }
        view.set_flags(flags);
        view.set_seq_number(seq);
        view.fill_checksum(CLIENT, SERVER);
        seq += chunk.len() as u32;
        pieces.push(piece);
    }
    pieces
}

/// A client and a server endpoint, and every segment the client sent, one per element.
struct World {
    client: Endpoint,
    server: Endpoint,
    conn: ConnectionHandle,
    listener: ListenerHandle,
    accepted: Option<ConnectionHandle>,
    now: Instant,
    /// Segments the client may put into one super-segment (1: one segment per call).
    batch: usize,
    sent: Vec<Vec<u8>>,
    super_segments: usize,
    /// The most segments one super-segment carried.
    most_segments: usize,
    buf: Vec<u8>,
}

impl World {
    fn new(batch: usize) -> World {
        let mut client = Endpoint::new(Config::default(), [1; 16]);
        let mut server = Endpoint::new(Config::default(), [2; 16]);
        let now = Instant::from_millis(1);
        let listener = server
            .listen(SocketAddr::new(SERVER, 80), 16, SocketOptions::default())
            .unwrap();
        let conn = client
            .connect(
                now,
                SocketAddr::new(CLIENT, 40_000),
                SocketAddr::new(SERVER, 80),
                SocketOptions::default(),
            )
            .unwrap();
        World {
            client,
            server,
            conn,
            listener,
            accepted: None,
            now,
            batch,
            sent: Vec::new(),
            super_segments: 0,
            most_segments: 0,
            buf: vec![0; 65_515],
        }
    }

    /// One round: the client's output (cut), less the segments `lose` picks by their index
    /// in everything sent so far, to the server; the server's output back; then 200 µs
    /// pass.
    fn round(&mut self, lose: impl Fn(usize) -> bool) {
        let mut to_server = Vec::new();
        while let Some(t) = self
            .client
            .poll_transmit_batch(self.now, &mut self.buf, self.batch)
        {
            let bytes = &self.buf[..t.len];
            let pieces = match t.segment_size {
                Some(size) => {
                    self.super_segments += 1;
                    let expected = tcp_wire::Checksum::pseudo_header_ipv4(
                        Ipv4Addr::new(198, 18, 0, 1),
                        Ipv4Addr::new(198, 18, 0, 2),
                        t.len as u16,
                    )
                    .folded();
                    assert_eq!(Segment::new_checked(bytes).unwrap().checksum(), expected);
                    let pieces = cut(bytes, usize::from(size));
                    self.most_segments = self.most_segments.max(pieces.len());
                    pieces
                }
                None => vec![bytes.to_vec()],
            };
            for piece in pieces {
                if !lose(self.sent.len()) {
                    to_server.push(piece.clone());
                }
                self.sent.push(piece);
            }
        }
        for segment in &to_server {
            self.server
                .handle_segment(self.now, CLIENT, SERVER, segment);
        }
        if self.accepted.is_none() {
            self.accepted = self.server.accept(self.listener).ok();
        }
        if let Some(accepted) = self.accepted {
            let mut sink = vec![0; 1 << 20];
            while let Ok(n) = self.server.read(accepted, &mut sink) {
                if n == 0 {
                    break;
                }
            }
        }
        while let Some(t) = self.server.poll_transmit(self.now, &mut self.buf) {
            let reply = self.buf[..t.len].to_vec();
            self.client.handle_segment(self.now, SERVER, CLIENT, &reply);
        }
        while self.client.poll_event().is_some() {}
        while self.server.poll_event().is_some() {}
        self.now += Duration::from_micros(200);
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
    }
}

/// Sends `total` bytes in 64 KiB writes through both worlds with the same loss, and returns
/// them (batched, one at a time).
fn run_twins(total: usize, lose: impl Fn(usize) -> bool + Copy) -> (World, World) {
    let mut batched = World::new(64);
    let mut single = World::new(1);
    let chunk: Vec<u8> = (0..65_536u32).map(|i| (i % 251) as u8).collect();
    let mut written = 0;
    for _ in 0..20_000 {
        for world in [&mut batched, &mut single] {
            if written < total {
                let _ = world.client.write(world.conn, &chunk);
            }
            world.round(lose);
        }
        written += chunk.len();
        if written >= total
            && batched
                .client
                .connection_info(batched.conn)
                .is_ok_and(|i| i.unacknowledged == 0)
        {
            break;
        }
    }
    (batched, single)
}

#[test]
fn cut_super_segments_are_the_segments_sent_one_at_a_time() {
    let (batched, single) = run_twins(4 << 20, |_| false);
    assert!(
        batched.super_segments > 50,
        "{} super-segments",
        batched.super_segments
    );
    assert_eq!(single.super_segments, 0);
    assert!(
        batched.sent.len() > 2_000,
        "{} segments",
        batched.sent.len()
    );
    assert_eq!(batched.sent.len(), single.sent.len());
    assert!(batched.sent == single.sent, "the segment streams differ");
}

#[test]
fn through_loss_and_recovery_the_streams_stay_the_same() {
    let (batched, single) = run_twins(4 << 20, |i| i % 37 == 5 || i % 101 == 7);
    let retransmits = batched.client.stats(batched.conn).unwrap().retransmits;
    assert!(retransmits > 10, "{retransmits} retransmissions");
    assert!(
        batched.super_segments > 50,
        "{} super-segments",
        batched.super_segments
    );
    assert_eq!(batched.sent.len(), single.sent.len());
    assert!(batched.sent == single.sent, "the segment streams differ");
}

/// The most segments one super-segment of `world` carried over 50 rounds of bulk data.
fn most_segments_per_super_segment(mut world: World) -> usize {
    let chunk = vec![7u8; 1 << 20];
    for _ in 0..50 {
        let _ = world.client.write(world.conn, &chunk);
        world.round(|_| false);
    }
    assert!(world.super_segments > 0);
    world.most_segments
}

#[test]
fn a_super_segment_holds_at_most_max_segments() {
    assert_eq!(most_segments_per_super_segment(World::new(4)), 4);
}

#[test]
fn a_super_segment_fits_the_buffer_it_is_given() {
    let mut world = World::new(64);
    world.buf.truncate(32 + 2 * 1448 + 1000);
    assert_eq!(most_segments_per_super_segment(world), 2);
}
