//! The engine never panics, hangs or sends a malformed segment whatever arrives (design §1:
//! "it never hangs or panics on a hostile peer"). An endpoint holding a connection in every
//! state and several listeners is fed a few hundred thousand seeded random and mutated
//! segments — real segments with bits flipped, truncated, with random flags, numbers, windows
//! and options, bad checksums, and correctly checksummed nonsense — interleaved with timeouts
//! and API calls. Afterwards its counters show the drops and a fresh connection on the same
//! endpoint still carries data both ways and closes cleanly.

mod support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant as WallClock};
use support::conn::{SERVER_PORT as SIM_SERVER_PORT, accept, listen};
use support::fixture::{ALL_STATES, Conn, Spec, build, established_passive};
use support::inject::{Harness, LOCAL_IP, PEER_IP, Reply, Seg};
use support::rng::Rng;
use support::{Side, Sim};
use tcp_core::{Config, ConnectionHandle, Keepalive, ListenerHandle, SocketOptions, State};
use tcp_wire::{Flags, HEADER_LEN, Options, SackBlocks, Segment, SeqNumber, Timestamps};

/// Segments fed per seed.
const SEGMENTS: usize = 250_000;
/// A new connection in every state is built this often (in segments).
const REFRESH: usize = 5_000;
/// Segments kept for mutation.
const CORPUS: usize = 512;
/// The wildcard listener that lives through the whole run.
const WILDCARD_PORT: u16 = 80;

/// Mutating driver around one endpoint.
struct Fuzzer {
    h: Harness,
    rng: Rng,
    /// `*:80`, never closed.
    wildcard: ListenerHandle,
    /// Connections built in known states (their numbers drift as the run goes on).
    conns: Vec<Conn>,
    /// Handles the API calls pick from (stale ones included on purpose).
    handles: Vec<ConnectionHandle>,
    /// TCP bytes as the far side would send them (PEER_IP -> LOCAL_IP).
    corpus: Vec<Vec<u8>>,
    next_local_port: u16,
    next_remote_port: u16,
    injected: u64,
    api_calls: u64,
    /// How often each state was seen in the socket table.
    seen_states: std::collections::BTreeMap<String, u64>,
}

impl Fuzzer {
    fn new(seed: u64) -> Fuzzer {
        let mut secret = [0u8; 16];
        secret[..8].copy_from_slice(&seed.to_le_bytes());
        let config = Config {
            listen: tcp_core::Listen {
                syn_queue_len: 64,
                ..Default::default()
            },
            ..Config::default()
        };
        let mut h = Harness::with_secret(config, secret);
        let wildcard =
            h.ep.listen(
                SocketAddr::from(([0, 0, 0, 0], WILDCARD_PORT)),
                8,
                SocketOptions::default(),
            )
            .expect("wildcard listener");
        Fuzzer {
            h,
            rng: Rng::new(seed),
            wildcard,
            conns: Vec::new(),
            handles: Vec::new(),
            corpus: Vec::new(),
            next_local_port: 20_000,
            next_remote_port: 1_024,
            injected: 0,
            api_calls: 0,
            seen_states: std::collections::BTreeMap::new(),
        }
    }

    fn below(&mut self, n: usize) -> usize {
        self.rng.below(n as u64) as usize
    }

    fn u32(&mut self) -> u32 {
        self.rng.next_u64() as u32
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.rng.next_u64() as u8).collect()
    }

    /// Builds one connection in every state (and a passive ESTABLISHED one) on fresh ports,
    /// and harvests the segments of those handshakes into the corpus.
    fn populate(&mut self) {
        self.h.recording = true;
        for state in ALL_STATES.into_iter().chain([State::Established]) {
            let spec = Spec::ports(self.next_local_port, self.next_remote_port);
            self.next_local_port += 1;
            self.next_remote_port += 1;
            let passive = state == State::Established && self.conns.len() % 12 == 11;
            let conn = if passive {
                established_passive(&mut self.h, spec)
            } else {
                build(&mut self.h, spec, state)
            };
            assert_eq!(conn.state(&self.h), state.to_string());
            self.handles.extend(conn.handle);
            self.conns.push(conn);
        }
        self.timer_population();
        let sent = std::mem::take(&mut self.h.sent);
        for reply in &sent {
            self.learn(reply);
        }
        self.h.trace.clear();
        self.h.events.clear();
        self.h.recording = false;
    }

    /// ESTABLISHED connections with timers running: data waiting on a zero and on a small
    /// window (persist and sender SWS avoidance), and keepalive.
    fn timer_population(&mut self) {
        for (window, keepalive) in [(0u16, false), (300, false), (65_535, true)] {
            let spec = Spec::ports(self.next_local_port, self.next_remote_port);
            self.next_local_port += 1;
            self.next_remote_port += 1;
            let mut conn = build(&mut self.h, spec, State::Established);
            let handle = conn.handle();
            if keepalive {
                let options = SocketOptions {
                    keepalive: Some(Keepalive {
                        idle: Duration::from_secs(2),
                        interval: Duration::from_secs(1),
                        probes: 3,
                    }),
                    ..SocketOptions::default()
                };
                let now = self.h.now;
                self.h.ep.set_options(now, handle, options).unwrap();
            } else {
                self.h.ep.write(handle, &[0x42; 20_000]).unwrap();
                let replies = self.h.drain();
                conn.peer.observe(&replies);
                conn.peer.ack_all();
                conn.peer.window = window;
                let ack = conn.peer.ack_seg();
                conn.send(&mut self.h, &ack);
            }
            self.handles.push(handle);
            self.conns.push(conn);
        }
    }

    /// Adds a segment the engine sent to the corpus, turned around as if the far side had
    /// sent it: addresses and ports swapped, SEQ/ACK made plausible half of the time.
    fn learn(&mut self, reply: &Reply) {
        let mut bytes = reply.bytes.clone();
        let mut seg = Segment::new_unchecked(&mut bytes[..]);
        let (src, dst) = (seg.src_port(), seg.dst_port());
        seg.set_src_port(dst);
        seg.set_dst_port(src);
        if self.rng.chance(0.5) {
            let (seq, ack) = (seg.seq_number(), seg.ack_number());
            seg.set_seq_number(ack);
            seg.set_ack_number(seq + reply.seg_len());
        }
        seg.fill_checksum(PEER_IP, LOCAL_IP);
        if self.corpus.len() < CORPUS {
            self.corpus.push(bytes);
        } else {
            let slot = self.below(CORPUS);
            self.corpus[slot] = bytes;
        }
    }

    fn pick_from_corpus(&mut self) -> Vec<u8> {
        let index = self.below(self.corpus.len());
        self.corpus[index].clone()
    }

    /// Delivers `bytes` and checks what comes back (the harness verifies every reply's
    /// checksum and options); learns some replies.
    fn deliver(&mut self, src: IpAddr, dst: IpAddr, bytes: &[u8]) {
        self.injected += 1;
        let replies = self.h.inject_raw(src, dst, bytes);
        for reply in &replies {
            assert!(unicast(reply.dst), "a reply to {}", reply.dst);
            if self.rng.chance(0.05) {
                self.learn(reply);
            }
        }
    }

    /// A corpus segment with a few bits flipped; the checksum refilled half of the time.
    fn flip_bits(&mut self) {
        let mut bytes = self.pick_from_corpus();
        for _ in 0..1 + self.below(8) {
            let bit = self.below(bytes.len() * 8);
            bytes[bit / 8] ^= 1 << (bit % 8);
        }
        if self.rng.chance(0.5) {
            refill(&mut bytes, PEER_IP, LOCAL_IP);
        }
        self.deliver(PEER_IP, LOCAL_IP, &bytes);
    }

    /// A corpus segment cut short (or padded with junk); checksum refilled half the time.
    fn truncate(&mut self) {
        let mut bytes = self.pick_from_corpus();
        if self.rng.chance(0.2) {
            let extra = 1 + self.below(40);
            let junk = self.bytes(extra);
            bytes.extend(junk);
        } else {
            let len = self.below(bytes.len() + 1);
            bytes.truncate(len);
        }
        if self.rng.chance(0.5) {
            refill(&mut bytes, PEER_IP, LOCAL_IP);
        }
        self.deliver(PEER_IP, LOCAL_IP, &bytes);
    }

    /// A corpus segment with random header fields (data offset, reserved bits, flags, SEQ,
    /// ACK, window, urgent pointer), correctly checksummed.
    fn scramble_header(&mut self) {
        let mut bytes = self.pick_from_corpus();
        if bytes.len() < HEADER_LEN {
            bytes.resize(HEADER_LEN, 0);
        }
        let field = self.below(7);
        let value = self.u32();
        let mut segment = Segment::new_unchecked(&mut bytes[..]);
        match field {
            // Data offset and reserved bits as one arbitrary byte, which no setter writes
            // (`set_header_len` keeps the offset sane and zeroes the reserved bits).
            0 => bytes[12] = value as u8,
            1 => segment.set_flags(Flags(value as u8)),
            2 => segment.set_seq_number(SeqNumber(value)),
            3 => segment.set_ack_number(SeqNumber(value)),
            4 => segment.set_window(value as u16),
            5 => segment.set_urgent_pointer(value as u16),
            _ => {
                segment.set_src_port((value >> 16) as u16);
                segment.set_dst_port(value as u16);
            }
        }
        refill(&mut bytes, PEER_IP, LOCAL_IP);
        self.deliver(PEER_IP, LOCAL_IP, &bytes);
    }

    /// A sequence number near `base`: mostly within a window, sometimes anywhere.
    fn near(&mut self, base: SeqNumber) -> SeqNumber {
        match self.below(4) {
            0 => SeqNumber(self.u32()),
            1 => base - self.below(70_000) as u32,
            2 => base + self.below(70_000) as u32,
            _ => (base + self.below(3) as u32) - 1,
        }
    }

    fn random_options(&mut self) -> Options {
        let mut options = Options::default();
        if self.rng.chance(0.3) {
            options.mss = Some(self.u32() as u16);
        }
        if self.rng.chance(0.3) {
            options.window_scale = Some(self.below(20) as u8);
        }
        options.sack_permitted = self.rng.chance(0.2);
        if self.rng.chance(0.3) {
            options.timestamps = Some(Timestamps {
                value: self.u32(),
                echo: self.u32(),
            });
        }
        if self.rng.chance(0.3) {
            let mut blocks = SackBlocks::new();
            for _ in 0..1 + self.below(4) {
                let left = SeqNumber(self.u32());
                let right = left + self.below(5000) as u32;
                blocks.push(left, right);
            }
            options.sack_blocks = blocks;
        }
        while options.wire_len() > tcp_wire::MAX_OPTIONS_LEN {
            let fewer = options.sack_blocks.len().saturating_sub(1);
            options.sack_blocks.truncate(fewer);
            if fewer == 0 {
                options.timestamps = None;
            }
        }
        options
    }

    /// A connection to aim at: mostly one of the latest population, whose numbers are
    /// fresh.
    fn target(&mut self) -> usize {
        let recent = ALL_STATES.len() + 4;
        if self.conns.len() > recent && self.rng.chance(0.8) {
            self.conns.len() - recent + self.below(recent)
        } else {
            self.below(self.conns.len())
        }
    }

    /// Usual flag combinations most of the time, any byte otherwise.
    fn flags(&mut self) -> Flags {
        const USUAL: [Flags; 9] = [
            Flags::ACK,
            Flags::ACK.union(Flags::PSH),
            Flags::FIN.union(Flags::ACK),
            Flags::SYN,
            Flags::SYN.union(Flags::ACK),
            Flags::RST,
            Flags::RST.union(Flags::ACK),
            Flags::FIN,
            Flags::NONE,
        ];
        if self.rng.chance(0.7) {
            USUAL[self.below(USUAL.len())]
        } else {
            Flags(self.u32() as u8)
        }
    }

    /// A well-formed, correctly checksummed segment for one of the built connections with
    /// random flags, numbers near its windows, random window, options and payload.
    fn plausible(&mut self) {
        let index = self.target();
        let peer = self.conns[index].peer;
        let flags = self.flags();
        let seq = self.near(peer.seq);
        let ack = self.near(peer.seen);
        let window = if self.rng.chance(0.2) {
            0
        } else {
            self.u32() as u16
        };
        let options = if self.rng.chance(0.4) {
            self.random_options()
        } else {
            Options::default()
        };
        let len = match self.below(10) {
            0..=5 => 0,
            6..=8 => self.below(64),
            _ => self.below(3000),
        };
        let payload = self.bytes(len);
        let seg = Seg::new(peer.addr, peer.local, flags)
            .seq(seq)
            .ack(ack)
            .window(window)
            .options(options)
            .payload(&payload);
        let bytes = seg.bytes();
        self.deliver(PEER_IP, LOCAL_IP, &bytes);
        if flags.contains(Flags::ACK) && self.rng.chance(0.1) {
            // Sometimes the far side really moves on: a later probe starts from here.
            self.conns[index].peer.seq = seq + len as u32;
        }
    }

    /// A plausible header with raw option bytes (random kinds and lengths, often
    /// malformed), correctly checksummed.
    fn raw_options(&mut self) {
        let index = self.target();
        let peer = self.conns[index].peer;
        let words = 1 + self.below(10);
        let flags = self.flags();
        let mut bytes = Seg::new(peer.addr, peer.local, flags)
            .seq(self.near(peer.seq))
            .ack(self.near(peer.seen))
            .bytes();
        let mut options = Vec::with_capacity(words * 4);
        while options.len() < words * 4 {
            let kind = [0u8, 1, 2, 3, 4, 5, 8, 34, 255][self.below(9)];
            options.push(if self.rng.chance(0.1) {
                self.u32() as u8
            } else {
                kind
            });
            options.push(self.below(40) as u8);
            let filler = self.below(10);
            let more = self.bytes(filler);
            options.extend(more);
        }
        options.truncate(words * 4);
        bytes.splice(HEADER_LEN..HEADER_LEN, options);
        Segment::new_unchecked(&mut bytes[..]).set_header_len(HEADER_LEN + words * 4);
        let tail = self.below(20);
        let payload = self.bytes(tail);
        bytes.extend(payload);
        refill(&mut bytes, PEER_IP, LOCAL_IP);
        self.deliver(PEER_IP, LOCAL_IP, &bytes);
    }

    /// Random bytes of random length; checksummed half of the time.
    fn noise(&mut self) {
        let len = self.below(100);
        let mut bytes = self.bytes(len);
        if self.rng.chance(0.5) {
            refill(&mut bytes, PEER_IP, LOCAL_IP);
        }
        self.deliver(PEER_IP, LOCAL_IP, &bytes);
    }

    /// A corpus segment between odd addresses: broadcast, multicast, unspecified, another
    /// family, mixed families.
    fn odd_addresses(&mut self) {
        let v4 = |n: u32| IpAddr::V4(Ipv4Addr::from(n));
        let choices = [
            v4(0),
            v4(u32::MAX),
            v4(0xe000_0001),
            v4(self.u32()),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::from(u128::from(self.u32()) << 64 | 1)),
            PEER_IP,
            LOCAL_IP,
        ];
        let src = choices[self.below(choices.len())];
        let dst = choices[self.below(choices.len())];
        let mut bytes = self.pick_from_corpus();
        if self.rng.chance(0.8) {
            refill(&mut bytes, src, dst);
        }
        self.deliver(src, dst, &bytes);
    }

    /// One application call on a random handle (some stale), or a new connection or
    /// listener.
    fn api_call(&mut self) {
        self.api_calls += 1;
        let now = self.h.now;
        if self.handles.is_empty() || self.rng.chance(0.1) {
            let port = self.below(3) as u16;
            let remote = SocketAddr::new(PEER_IP, WILDCARD_PORT + port);
            if let Ok(handle) = self.h.ep.connect(
                now,
                SocketAddr::new(LOCAL_IP, 0),
                remote,
                SocketOptions::default(),
            ) {
                self.handles.push(handle);
            }
            return;
        }
        let pick = self.below(self.handles.len());
        let handle = self.handles[pick];
        let ep = &mut self.h.ep;
        match self.rng.below(9) {
            0 | 1 => {
                let len = self.rng.below(5000) as usize;
                let _ = ep.write(handle, &vec![0xab; len]);
            }
            2 | 3 => {
                let mut buf = [0u8; 4096];
                let _ = ep.read(handle, &mut buf);
            }
            4 => {
                let _ = ep.shutdown_write(handle);
            }
            5 => {
                let _ = ep.close(now, handle);
            }
            6 => {
                let _ = ep.abort(handle);
            }
            7 => {
                let options = SocketOptions {
                    nodelay: self.rng.chance(0.5),
                    keepalive: self.rng.chance(0.5).then_some(Keepalive {
                        idle: Duration::from_secs(1 + self.rng.below(10)),
                        interval: Duration::from_secs(1),
                        probes: 2,
                    }),
                    user_timeout: self
                        .rng
                        .chance(0.3)
                        .then(|| Duration::from_millis(self.rng.below(5000))),
                    recv_buffer: self
                        .rng
                        .chance(0.3)
                        .then(|| self.rng.below(200_000) as usize),
                    send_buffer: self
                        .rng
                        .chance(0.3)
                        .then(|| self.rng.below(200_000) as usize),
                    linger: self.rng.chance(0.2).then_some(Duration::ZERO),
                    ..SocketOptions::default()
                };
                let _ = ep.set_options(now, handle, options);
            }
            _ => {
                let _ = ep.state(handle);
                let _ = ep.stats(handle);
                let _ = ep.readable_bytes(handle);
                let _ = ep.writable_bytes(handle);
                let _ = ep.take_error(handle);
            }
        }
        self.h.drain();
    }

    /// Moves time on, running every timer on its deadline; a timer still due right after
    /// `handle_timeout` would make a driver spin, so that is an error.
    fn advance(&mut self, by: Duration) {
        let target = self.h.now + by;
        let mut rounds = 0;
        while let Some(at) = self.h.ep.poll_timeout() {
            if at > target {
                break;
            }
            self.h.now = self.h.now.max(at);
            let now = self.h.now;
            self.h.ep.handle_timeout(now);
            let replies = self.h.drain();
            let rng = &mut self.rng;
            if let Some(reply) = replies.first().filter(|_| rng.chance(0.2)) {
                self.learn(reply);
            }
            assert!(
                self.h.ep.poll_timeout().is_none_or(|next| next > now),
                "a timer is still due after handle_timeout({now:?})"
            );
            rounds += 1;
            assert!(rounds < 1_000_000, "timers never settle");
        }
        self.h.now = target;
    }

    /// One step of the run.
    fn step(&mut self) {
        match self.below(100) {
            0..=24 => self.flip_bits(),
            25..=34 => self.truncate(),
            35..=44 => self.scramble_header(),
            45..=69 => self.plausible(),
            70..=79 => self.raw_options(),
            80..=87 => self.noise(),
            88..=92 => self.odd_addresses(),
            _ => self.api_call(),
        }
        if self.rng.chance(0.02) {
            let by = Duration::from_millis(self.rng.below(3_000));
            self.advance(by);
        }
    }
}

fn unicast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => !ip.is_unspecified() && !ip.is_multicast() && !ip.is_broadcast(),
        IpAddr::V6(ip) => !ip.is_unspecified() && !ip.is_multicast(),
    }
}

/// Refills the checksum when the bytes are long enough to hold one.
fn refill(bytes: &mut [u8], src: IpAddr, dst: IpAddr) {
    if bytes.len() >= HEADER_LEN {
        Segment::new_unchecked(bytes).fill_checksum(src, dst);
    }
}

/// The endpoint carries a fresh connection each way with another endpoint after the run.
fn still_works(fuzzer: Fuzzer) {
    let wildcard = fuzzer.wildcard;
    let mut h = fuzzer.h;
    // Empty the wildcard listener's accept queue: handshakes the fuzzer completed.
    while let Ok(conn) = h.ep.accept(wildcard) {
        let now = h.now;
        h.ep.close(now, conn).unwrap();
    }
    let mut sim = Sim::new(Config::default(), 99);
    sim.now = h.now;
    sim.a = h.ep;
    assert_eq!(sim.a_ip, LOCAL_IP);
    assert_eq!(sim.b_ip, PEER_IP);

    // Active open from the fuzzed endpoint.
    let listener = listen(&mut sim, SocketOptions::default());
    let now = sim.now;
    let client = sim
        .a
        .connect(
            now,
            sim.a_addr(0),
            sim.b_addr(SIM_SERVER_PORT),
            SocketOptions::default(),
        )
        .expect("connect after the run");
    let server = accept(&mut sim, listener);
    exchange(&mut sim, client, server);

    // Passive open on the wildcard listener that lived through the run.
    let now = sim.now;
    let remote = SocketAddr::new(LOCAL_IP, WILDCARD_PORT);
    let before = sim.a.counters().passive_opens;
    let client_b = sim
        .b
        .connect(now, sim.b_addr(0), remote, SocketOptions::default())
        .expect("connect to the wildcard listener");
    assert!(sim.run_until(Duration::from_secs(5), |sim| {
        sim.a.counters().passive_opens > before
    }));
    let server_a = sim
        .a
        .accept(wildcard)
        .expect("accepted on the wildcard listener");
    exchange_reversed(&mut sim, client_b, server_a);
}

/// Sends `data` from `from_conn` on one side to `to_conn` on the other, reading as it
/// arrives; returns what arrived.
fn transfer(
    sim: &mut Sim,
    from: Side,
    from_conn: ConnectionHandle,
    to_conn: ConnectionHandle,
    data: &[u8],
) -> Vec<u8> {
    let to = match from {
        Side::A => Side::B,
        Side::B => Side::A,
    };
    let mut written = 0;
    let mut got = Vec::new();
    let done = sim.run_until(Duration::from_secs(60), |sim| {
        if written < data.len() {
            written += sim
                .endpoint(from)
                .write(from_conn, &data[written..])
                .unwrap_or(0);
        }
        sim.read_all(to, to_conn, &mut got);
        got.len() >= data.len()
    });
    assert!(done, "transfer stalled at {} of {}", got.len(), data.len());
    got
}

/// Data both ways between A's `a_conn` and B's `b_conn`, then A closes first.
fn exchange(sim: &mut Sim, a_conn: ConnectionHandle, b_conn: ConnectionHandle) {
    let up: Vec<u8> = (0..200_000u32).map(|i| (i * 7) as u8).collect();
    assert_eq!(transfer(sim, Side::A, a_conn, b_conn, &up), up);
    sim.a.shutdown_write(a_conn).unwrap();
    let mut eof = Vec::new();
    assert!(sim.run_until(Duration::from_secs(5), |sim| {
        sim.read_all(Side::B, b_conn, &mut eof)
    }));
    assert!(eof.is_empty());
    assert_eq!(
        transfer(sim, Side::B, b_conn, a_conn, b"and back"),
        b"and back"
    );
    let now = sim.now;
    sim.b.close(now, b_conn).unwrap();
    assert!(sim.run_until(Duration::from_secs(5), |sim| {
        sim.a.state(a_conn) == Ok(State::TimeWait)
    }));
}

/// Data both ways between A's `a_conn` (accepted) and B's `b_conn`, then B closes first.
fn exchange_reversed(sim: &mut Sim, b_conn: ConnectionHandle, a_conn: ConnectionHandle) {
    let down: Vec<u8> = (0..100_000u32).map(|i| (i * 13) as u8).collect();
    assert_eq!(transfer(sim, Side::A, a_conn, b_conn, &down), down);
    assert_eq!(transfer(sim, Side::B, b_conn, a_conn, b"up"), b"up");
    sim.b.shutdown_write(b_conn).unwrap();
    assert!(sim.run_until(Duration::from_secs(5), |sim| {
        sim.a.state(a_conn) == Ok(State::CloseWait)
    }));
    let now = sim.now;
    sim.a.close(now, a_conn).unwrap();
    assert!(sim.run_until(Duration::from_secs(5), |sim| {
        sim.b.state(b_conn) == Ok(State::TimeWait)
    }));
}

fn run(seed: u64) {
    let started = WallClock::now();
    let mut fuzzer = Fuzzer::new(seed);
    for i in 0..SEGMENTS {
        if i % REFRESH == 0 {
            fuzzer.populate();
        }
        fuzzer.step();
        if i % 997 == 0 {
            // The socket table renders whatever state the run left behind.
            for row in fuzzer.h.ep.sockets() {
                assert!(!row.to_string().is_empty());
                *fuzzer.seen_states.entry(row.state.to_string()).or_default() += 1;
            }
        }
    }
    // Long enough for half-open connections, SYN retries and TIME_WAIT to run out.
    fuzzer.advance(Duration::from_secs(180));
    let counters = *fuzzer.h.ep.counters();
    assert!(
        counters.segments_in >= fuzzer.injected,
        "every segment was counted"
    );
    assert!(counters.malformed > 1_000, "malformed drops: {counters:?}");
    assert!(
        counters.bad_checksum > 5_000,
        "checksum drops: {counters:?}"
    );
    assert!(counters.resets_sent > 0 && counters.challenge_acks > 0);
    for state in ALL_STATES {
        assert!(
            fuzzer.seen_states.contains_key(&state.to_string()),
            "no connection was seen in {state}: {:?}",
            fuzzer.seen_states
        );
    }
    eprintln!(
        "seed {seed}: {} segments, {} API calls in {:?}; malformed {}, bad checksum {}, \
         no connection {}, RSTs sent {}, challenge ACKs {}, connections left {}\n  \
         states sampled: {:?}",
        fuzzer.injected,
        fuzzer.api_calls,
        started.elapsed(),
        counters.malformed,
        counters.bad_checksum,
        counters.no_connection,
        counters.resets_sent,
        counters.challenge_acks,
        fuzzer.h.ep.connection_count(),
        fuzzer.seen_states,
    );
    still_works(fuzzer);
}

#[test]
fn hostile_segments_seed_1() {
    run(1);
}

#[test]
fn hostile_segments_seed_2() {
    run(2);
}

#[test]
fn hostile_segments_seed_3() {
    run(3);
}

#[test]
fn hostile_segments_seed_4() {
    run(4);
}
