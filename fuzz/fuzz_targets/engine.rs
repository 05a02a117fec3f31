//! Drives one `tcp_core::Endpoint` through an arbitrary sequence of operations: segments
//! (raw bytes, or structured headers aimed at a live connection's 4-tuple and near its
//! sequence numbers, alone or in batches delivered before anything is polled), the
//! application's calls, and the passing of time. Asserts that nothing panics and that what
//! the engine promises holds: every segment `poll_transmit_batch` yields parses with a
//! valid checksum (a super-segment, when the knob asks for them, carries the partial sum
//! and is checked segment by segment once cut as Linux's GSO cuts it), `poll_timeout` is never in the past after `handle_timeout`, a handle
//! reported `Closed` is invalid from then on, and a long run of one repeated segment stops
//! moving the window. A second pair of endpoints joined to each other (`twin`) takes
//! spoofed data and must never ACK-storm.
#![no_main]

#[path = "engine/twin.rs"]
mod twin;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tcp_core::{
    Algorithm, BufferSize, Config, ConnectionHandle, Endpoint, Event, Extensions, Hardening,
    Instant, Keepalive, Listen, ListenerHandle, SocketOptions,
};
use tcp_wire::{Flags, Header, Options, SackBlocks, Segment, SeqNumber, Timestamps};
use twin::{Twin, TwinOp};

/// The engine's addresses.
const LOCALS: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1)),
];
/// The far side's addresses: two IPv4 peers and one IPv6 peer.
const PEERS: [IpAddr; 3] = [
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 2)),
];
/// Ports listeners and peers use, so fuzz-chosen segments meet something often.
const PORTS: [u16; 4] = [80, 443, 5000, 40000];
/// Most segments polled after one operation (the rest stay queued for later polls).
const MAX_DRAIN: usize = 512;
/// Most payload bytes of one structured segment or write.
const MAX_PAYLOAD: usize = 4096;
/// Most copies of one segment `Op::Repeat` delivers.
const MAX_REPEAT: u32 = 4_096;

#[derive(Debug, Arbitrary)]
struct Input {
    knobs: Knobs,
    ops: Vec<Op>,
}

/// Endpoint configuration choices, so limits are reachable in a short run.
#[derive(Debug, Arbitrary)]
struct Knobs {
    small_buffers: bool,
    tiny_limits: bool,
    timestamps: bool,
    sack: bool,
    window_scaling: bool,
    syn_cookies: bool,
    new_reno: bool,
    small_mtu: bool,
    /// Output through `poll_transmit_batch` with up to 8 segments per super-segment,
    /// each cut as Linux's GSO cuts it and checked as a segment of its own.
    super_segments: bool,
    challenge_limit: u8,
}

#[derive(Debug, Arbitrary)]
enum Op {
    /// Arbitrary bytes as a TCP segment between fuzz-chosen addresses.
    Raw {
        peer: u8,
        local: u8,
        fix_checksum: bool,
        bytes: Vec<u8>,
    },
    /// A well-formed segment aimed at a known 4-tuple near its sequence numbers.
    Seg(SegSpec),
    /// Several such segments delivered back to back before anything is polled, as a driver
    /// delivers one receive batch.
    Batch(Vec<SegSpec>),
    Connect {
        peer: u8,
        port: u8,
        explicit_local_port: Option<u16>,
        options: Opts,
    },
    Listen {
        port: u8,
        specific: bool,
        backlog: u8,
        options: Opts,
    },
    CloseListener(u8),
    Accept(u8),
    Read {
        conn: u8,
        len: u16,
    },
    Write {
        conn: u8,
        len: u16,
        fill: u8,
    },
    ShutdownWrite(u8),
    Close(u8),
    Abort(u8),
    SetOptions {
        conn: u8,
        options: Opts,
    },
    /// Time passes by up to about a minute; due timers run.
    Advance(u16),
    /// Time passes by up to about 50 days; due timers run.
    Leap(u32),
    /// Jumps to the next deadline and runs it, up to `n` times.
    RunTimers(u8),
    Query(u8),
    /// One structured segment delivered up to `MAX_REPEAT` times back to back: long runs of
    /// the same duplicate ACK.
    Repeat {
        spec: SegSpec,
        times: u16,
    },
    /// An operation on a second pair of endpoints joined to each other (see `twin`).
    Twin(TwinOp),
}

#[derive(Debug, Arbitrary)]
struct SegSpec {
    /// Which known 4-tuple (or listener) it is aimed at.
    target: u16,
    seq: SeqChoice,
    ack: SeqChoice,
    flags: u8,
    window: u16,
    urgent: u16,
    options: OptSpec,
    payload_len: u16,
    fill: u8,
    bad_checksum: bool,
}

/// How a sequence or acknowledgment number is chosen.
#[derive(Debug, Arbitrary)]
enum SeqChoice {
    /// Near what the engine expects from the far side (its last ACK field).
    NearExpected(i16),
    /// Near what the engine has sent (its last sequence number plus length).
    NearSent(i16),
    /// Near the oldest data the engine sent that no segment from here acknowledged yet
    /// (duplicate ACKs, partial ACKs, SACK blocks).
    NearUnacked(i16),
    /// Far away, but a window's distance (scaled).
    Window(i8),
    Absolute(u32),
}

#[derive(Debug, Arbitrary)]
struct OptSpec {
    mss: Option<u16>,
    window_scale: Option<u8>,
    sack_permitted: bool,
    sack_blocks: Vec<(SeqChoice, u16)>,
    timestamps: Option<TsChoice>,
}

#[derive(Debug, Arbitrary)]
enum TsChoice {
    /// TSval near the last one sent on this tuple; TSecr echoes the engine's last TSval.
    Plausible {
        val_delta: i16,
        echo_delta: i16,
    },
    Absolute {
        value: u32,
        echo: u32,
    },
}

#[derive(Debug, Arbitrary)]
struct Opts {
    nodelay: bool,
    keepalive: Option<(u8, u8, u8)>,
    linger: Option<u8>,
    user_timeout: Option<u16>,
    send_buffer: Option<u16>,
    recv_buffer: Option<u16>,
    max_segment: Option<u16>,
    fin_wait2: Option<u8>,
    reuse_address: bool,
    fast_open: bool,
}

impl Opts {
    fn build(&self) -> SocketOptions {
        SocketOptions {
            nodelay: self.nodelay,
            keepalive: self.keepalive.map(|(idle, interval, probes)| Keepalive {
                idle: Duration::from_secs(u64::from(idle)),
                interval: Duration::from_secs(u64::from(interval)),
                probes: u32::from(probes % 12),
            }),
            linger: self.linger.map(|s| Duration::from_secs(u64::from(s % 4))),
            user_timeout: self
                .user_timeout
                .map(|ms| Duration::from_millis(u64::from(ms) * 10)),
            send_buffer: self.send_buffer.map(|b| usize::from(b) * 16),
            recv_buffer: self.recv_buffer.map(|b| usize::from(b) * 16),
            max_segment: self.max_segment,
            fin_wait2_timeout: self.fin_wait2.map(|s| Duration::from_secs(u64::from(s))),
            reuse_address: self.reuse_address,
            only_v6: false,
            fast_open: self.fast_open,
        }
    }
}

/// What the far side knows of one 4-tuple, learned from the engine's segments.
#[derive(Debug, Clone, Copy, Default)]
struct Known {
    /// The engine's next sequence number (its last seq plus length).
    sent: u32,
    /// What the engine acknowledged last (what it expects next from us).
    expected: u32,
    /// The oldest sequence number the engine sent that we have not acknowledged.
    unacked: Option<u32>,
    /// The engine's last TSval, if it sends timestamps.
    engine_ts: u32,
    /// Our last TSval on this tuple.
    peer_ts: u32,
}

/// The 4-tuple seen from the engine: (local, remote).
type Tuple = (SocketAddr, SocketAddr);

struct Driver {
    endpoint: Endpoint,
    now: Instant,
    conns: Vec<ConnectionHandle>,
    closed: Vec<ConnectionHandle>,
    listeners: Vec<(ListenerHandle, SocketAddr)>,
    tuples: Vec<Tuple>,
    known: HashMap<Tuple, Known>,
    buf: Vec<u8>,
    /// The most segments one `poll_transmit_batch` may put behind one header.
    max_segments: usize,
    twin: Option<Twin>,
}

fuzz_target!(|input: Input| {
    let knobs = &input.knobs;
    let mut config = Config {
        extensions: Extensions {
            timestamps: knobs.timestamps,
            sack: knobs.sack,
            window_scaling: knobs.window_scaling,
            ..Extensions::default()
        },
        listen: Listen {
            syn_cookies: knobs.syn_cookies,
            ..Listen::default()
        },
        hardening: Hardening {
            challenge_ack_limit: u32::from(knobs.challenge_limit),
            ..Hardening::default()
        },
        ..Config::default()
    };
    if knobs.new_reno {
        config.congestion_control = Algorithm::NewReno;
    }
    if knobs.small_mtu {
        config.mtu = 576;
    }
    if knobs.small_buffers {
        config.send_buffer = BufferSize {
            initial: 2048,
            max: 8192,
        };
        config.recv_buffer = BufferSize {
            initial: 2048,
            max: 8192,
        };
    }
    if knobs.tiny_limits {
        config.max_connections = 4;
        config.listen.syn_queue_len = 2;
        config.listen.max_backlog = 2;
        config.retransmission.syn_retries = 2;
        config.retransmission.synack_retries = 1;
        config.retransmission.data_retries = 3;
    }
    let max_segments = if knobs.super_segments { 8 } else { 1 };
    let buf_len = (usize::from(config.mtu) - 20) * max_segments;
    let mut driver = Driver {
        endpoint: Endpoint::new(config, [7; 16]),
        now: Instant::from_millis(1_000),
        conns: Vec::new(),
        closed: Vec::new(),
        listeners: Vec::new(),
        tuples: Vec::new(),
        known: HashMap::new(),
        buf: vec![0; buf_len],
        max_segments,
        twin: None,
    };
    for op in input.ops.iter().take(2000) {
        driver.apply(op);
        driver.drain();
    }
});

impl Driver {
    fn apply(&mut self, op: &Op) {
        let now = self.now;
        match op {
            Op::Raw {
                peer,
                local,
                fix_checksum,
                bytes,
            } => {
                let src = PEERS[usize::from(*peer) % PEERS.len()];
                let dst = LOCALS[usize::from(*local) % LOCALS.len()];
                let mut bytes = bytes.clone();
                if *fix_checksum && let Ok(mut segment) = Segment::new_checked(&mut bytes[..]) {
                    segment.fill_checksum(src, dst);
                }
                self.endpoint.handle_segment(now, src, dst, &bytes);
            }
            Op::Seg(spec) => self.segment(spec),
            Op::Batch(specs) => {
                for spec in specs.iter().take(64) {
                    self.segment(spec);
                }
            }
            Op::Connect {
                peer,
                port,
                explicit_local_port,
                options,
            } => {
                let remote_ip = PEERS[usize::from(*peer) % PEERS.len()];
                let local_ip = if remote_ip.is_ipv4() {
                    LOCALS[0]
                } else {
                    LOCALS[1]
                };
                let local = SocketAddr::new(local_ip, explicit_local_port.unwrap_or(0));
                let remote = SocketAddr::new(remote_ip, PORTS[usize::from(*port) % PORTS.len()]);
                if let Ok(handle) = self.endpoint.connect(now, local, remote, options.build()) {
                    assert!(!self.conns.contains(&handle) && !self.closed.contains(&handle));
                    self.conns.push(handle);
                    self.learn_tuple((self.endpoint.local_addr(handle).unwrap(), remote));
                }
            }
            Op::Listen {
                port,
                specific,
                backlog,
                options,
            } => {
                let port = PORTS[usize::from(*port) % PORTS.len()];
                let ip = if *specific {
                    LOCALS[usize::from(port) % LOCALS.len()]
                } else {
                    IpAddr::V4(Ipv4Addr::UNSPECIFIED)
                };
                let addr = SocketAddr::new(ip, port);
                if let Ok(handle) = self
                    .endpoint
                    .listen(addr, u32::from(*backlog), options.build())
                {
                    self.listeners.push((handle, addr));
                }
            }
            Op::CloseListener(which) => {
                if let Some(&(handle, _)) = pick(&self.listeners, *which) {
                    let _ = self.endpoint.close_listener(handle);
                }
            }
            Op::Accept(which) => {
                if let Some(&(handle, _)) = pick(&self.listeners, *which)
                    && let Ok(conn) = self.endpoint.accept(handle)
                {
                    assert!(!self.conns.contains(&conn) && !self.closed.contains(&conn));
                    self.conns.push(conn);
                }
            }
            Op::Read { conn, len } => {
                if let Some(&handle) = self.pick_conn(*conn) {
                    let mut out = vec![0u8; usize::from(*len) % (MAX_PAYLOAD * 4)];
                    if let Ok(n) = self.endpoint.read(handle, &mut out) {
                        assert!(n <= out.len());
                    }
                }
            }
            Op::Write { conn, len, fill } => {
                if let Some(&handle) = self.pick_conn(*conn) {
                    let data = vec![*fill; usize::from(*len) % (MAX_PAYLOAD * 8)];
                    if let Ok(n) = self.endpoint.write(handle, &data) {
                        assert!(n <= data.len());
                    }
                }
            }
            Op::ShutdownWrite(which) => {
                if let Some(&handle) = self.pick_conn(*which) {
                    let _ = self.endpoint.shutdown_write(handle);
                }
            }
            Op::Close(which) => {
                if let Some(&handle) = self.pick_conn(*which) {
                    let _ = self.endpoint.close(now, handle);
                }
            }
            Op::Abort(which) => {
                if let Some(&handle) = self.pick_conn(*which) {
                    let _ = self.endpoint.abort(handle);
                }
            }
            Op::SetOptions { conn, options } => {
                if let Some(&handle) = self.pick_conn(*conn) {
                    let _ = self.endpoint.set_options(now, handle, options.build());
                }
            }
            Op::Advance(ms) => self.advance(Duration::from_millis(u64::from(*ms))),
            Op::Leap(ms) => self.advance(Duration::from_millis(u64::from(*ms) * 1000)),
            Op::RunTimers(n) => {
                for _ in 0..(*n % 64) {
                    let Some(at) = self.endpoint.poll_timeout() else {
                        break;
                    };
                    self.now = self.now.max(at);
                    self.run_timers();
                    self.drain();
                }
            }
            Op::Repeat { spec, times } => self.repeat(spec, *times),
            Op::Twin(op) => match (op, self.twin.as_mut()) {
                (TwinOp::Open { timestamps, sack }, _) => {
                    self.twin = Some(Twin::open(now, *timestamps, *sack));
                }
                (_, Some(twin)) => twin.apply(now, op),
                (_, None) => {}
            },
            Op::Query(which) => {
                let _ = self.endpoint.sockets();
                let _ = self.endpoint.counters();
                if let Some(&handle) = self.pick_conn(*which) {
                    let _ = self.endpoint.state(handle);
                    let _ = self.endpoint.stats(handle);
                    let _ = self.endpoint.connection_info(handle);
                    let _ = self.endpoint.connection_memory(handle);
                    let _ = self.endpoint.readable_bytes(handle);
                    let _ = self.endpoint.writable_bytes(handle);
                    let _ = self.endpoint.take_error(handle);
                    let _ = self.endpoint.options(handle);
                    let _ = self.endpoint.peer_addr(handle);
                }
            }
        }
    }

    /// A handle from the live ones, or now and then a closed (stale) one.
    fn pick_conn(&self, which: u8) -> Option<&ConnectionHandle> {
        if which >= 0xf0 {
            return pick(&self.closed, which);
        }
        pick(&self.conns, which)
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.run_timers();
    }

    /// Runs due timers (the twin's too) and checks the next deadline is in the future.
    fn run_timers(&mut self) {
        let now = self.now;
        if let Some(twin) = self.twin.as_mut() {
            twin.run_timers(now);
        }
        if self.endpoint.poll_timeout().is_some_and(|at| at <= now) {
            self.endpoint.handle_timeout(now);
        }
        if let Some(at) = self.endpoint.poll_timeout() {
            assert!(
                at > now,
                "deadline {at:?} not after {now:?} after handle_timeout"
            );
        }
    }

    fn learn_tuple(&mut self, tuple: Tuple) {
        if !self.known.contains_key(&tuple) {
            self.tuples.push(tuple);
            self.known.insert(tuple, Known::default());
        }
    }

    /// Delivers a structured segment from the far side of a known tuple (or towards a
    /// listener).
    fn segment(&mut self, spec: &SegSpec) {
        if let Some((tuple, bytes)) = self.build_segment(spec) {
            self.deliver(tuple, &bytes);
        }
    }

    /// Hands `bytes` to the engine as sent from `tuple`'s remote end to its local end.
    fn deliver(&mut self, (local, remote): Tuple, bytes: &[u8]) {
        let now = self.now;
        self.endpoint
            .handle_segment(now, remote.ip(), local.ip(), bytes);
    }

    /// The same segment delivered `times` times back to back, as a peer repeating one ACK
    /// (issue #15 item 1). Once the run is longer than the segments in flight, a copy must
    /// change neither the congestion window nor what is outstanding: repeating itself gains
    /// a peer nothing.
    fn repeat(&mut self, spec: &SegSpec, times: u16) {
        let Some((tuple, bytes)) = self.build_segment(spec) else {
            return;
        };
        let times = u32::from(times) % (MAX_REPEAT + 1);
        let handle = self.handle_of(tuple);
        let info = |driver: &Driver| handle.and_then(|h| driver.endpoint.connection_info(h).ok());
        let steady_after = info(self).map(|i| i.unacknowledged / i.send_mss.max(1) + 8);
        let mut before_last = None;
        for copy in 0..times {
            if copy + 1 == times {
                before_last = info(self);
            }
            self.deliver(tuple, &bytes);
        }
        if let (Some(steady), Some(before), Some(after)) = (steady_after, before_last, info(self))
            && times > steady
            && before.state == after.state
        {
            assert_eq!(
                (before.congestion_window, before.unacknowledged),
                (after.congestion_window, after.unacknowledged),
                "copy {times} of the same segment changed the window"
            );
        }
    }

    /// The application's handle of the connection on `tuple`, if it has one.
    fn handle_of(&self, (local, remote): Tuple) -> Option<ConnectionHandle> {
        self.conns.iter().copied().find(|&h| {
            self.endpoint.local_addr(h) == Ok(local) && self.endpoint.peer_addr(h) == Ok(remote)
        })
    }

    /// Builds a structured segment from the far side of a known tuple (or towards a
    /// listener): the tuple seen from the engine and the segment's bytes.
    fn build_segment(&mut self, spec: &SegSpec) -> Option<(Tuple, Vec<u8>)> {
        let targets = self.tuples.len() + self.listeners.len();
        let (local, remote) = if targets == 0 {
            (
                SocketAddr::new(LOCALS[0], PORTS[usize::from(spec.target) % PORTS.len()]),
                SocketAddr::new(PEERS[0], 50000 + spec.target % 1000),
            )
        } else {
            let index = usize::from(spec.target) % targets;
            match self.tuples.get(index) {
                Some(&tuple) => tuple,
                None => {
                    let (_, addr) = self.listeners[index - self.tuples.len()];
                    let peer = PEERS[usize::from(spec.target >> 8) % PEERS.len()];
                    let local_ip = match (addr.ip().is_unspecified(), peer) {
                        (false, _) => addr.ip(),
                        (true, IpAddr::V4(_)) => LOCALS[0],
                        (true, IpAddr::V6(_)) => LOCALS[1],
                    };
                    let remote = SocketAddr::new(peer, 1024 + spec.target % 4);
                    (SocketAddr::new(local_ip, addr.port()), remote)
                }
            }
        };
        if local.is_ipv4() != remote.is_ipv4() {
            return None;
        }
        let known = self
            .known
            .get(&(local, remote))
            .copied()
            .unwrap_or_default();
        let pick_seq = |choice: &SeqChoice| -> u32 {
            match *choice {
                SeqChoice::NearExpected(d) => known.expected.wrapping_add(d as i32 as u32),
                SeqChoice::NearSent(d) => known.sent.wrapping_add(d as i32 as u32),
                SeqChoice::NearUnacked(d) => known
                    .unacked
                    .unwrap_or(known.sent)
                    .wrapping_add(d as i32 as u32),
                SeqChoice::Window(k) => known.expected.wrapping_add((k as i32 as u32) << 16),
                SeqChoice::Absolute(v) => v,
            }
        };
        let mut sack_blocks = SackBlocks::new();
        for (left, len) in spec.options.sack_blocks.iter().take(4) {
            let left = pick_seq(left);
            sack_blocks.push(
                SeqNumber(left),
                SeqNumber(left.wrapping_add(u32::from(*len))),
            );
        }
        let mut peer_ts = known.peer_ts;
        let timestamps = spec.options.timestamps.as_ref().map(|ts| match *ts {
            TsChoice::Plausible {
                val_delta,
                echo_delta,
            } => {
                peer_ts = known.peer_ts.wrapping_add(val_delta as i32 as u32);
                Timestamps {
                    value: peer_ts,
                    echo: known.engine_ts.wrapping_add(echo_delta as i32 as u32),
                }
            }
            TsChoice::Absolute { value, echo } => {
                peer_ts = value;
                Timestamps { value, echo }
            }
        });
        let header = Header {
            src_port: remote.port(),
            dst_port: local.port(),
            seq: SeqNumber(pick_seq(&spec.seq)),
            ack: SeqNumber(pick_seq(&spec.ack)),
            flags: Flags(spec.flags),
            window: spec.window,
            urgent_pointer: spec.urgent,
            options: Options {
                mss: spec.options.mss,
                window_scale: spec.options.window_scale,
                sack_permitted: spec.options.sack_permitted,
                sack_blocks,
                timestamps,
                fast_open: None,
            },
        };
        let payload_len = usize::from(spec.payload_len) % (MAX_PAYLOAD + 1);
        let mut bytes = vec![0; 60 + payload_len];
        let Ok(header_len) = header.emit(&mut bytes) else {
            return None;
        };
        bytes.truncate(header_len + payload_len);
        for (i, byte) in bytes[header_len..].iter_mut().enumerate() {
            *byte = spec.fill.wrapping_add(i as u8);
        }
        let mut segment = Segment::new_checked(&mut bytes[..]).expect("emitted header");
        segment.fill_checksum(remote.ip(), local.ip());
        if spec.bad_checksum {
            let checksum = segment.checksum();
            segment.set_checksum(checksum ^ 0x0101);
        }
        if let Some(entry) = self.known.get_mut(&(local, remote)) {
            entry.peer_ts = peer_ts;
            // An acceptable ACK from here moves what counts as unacknowledged.
            if header.flags.ack()
                && let Some(unacked) = entry.unacked
            {
                let acked = header.ack.0.wrapping_sub(unacked) as i32;
                let outstanding = entry.sent.wrapping_sub(unacked) as i32;
                if acked > 0 && acked <= outstanding {
                    entry.unacked = (acked < outstanding).then_some(header.ack.0);
                }
            }
        }
        Some(((local, remote), bytes))
    }

    /// Polls what the engine sends and tells, checking both.
    fn drain(&mut self) {
        let now = self.now;
        for _ in 0..MAX_DRAIN {
            let Some(transmit) =
                self.endpoint
                    .poll_transmit_batch(now, &mut self.buf, self.max_segments)
            else {
                break;
            };
            assert!(transmit.len <= self.buf.len());
            assert!(LOCALS.contains(&transmit.src), "sent from {}", transmit.src);
            assert_eq!(transmit.src.is_ipv4(), transmit.dst.is_ipv4());
            let bytes = &self.buf[..transmit.len];
            let pieces = match transmit.segment_size {
                None => vec![bytes.to_vec()],
                Some(size) => {
                    cut_super_segment(bytes, usize::from(size), transmit.src, transmit.dst)
                }
            };
            for piece in pieces {
                self.check_sent(transmit.src, transmit.dst, &piece);
            }
        }
        self.handle_events();
    }

    /// Checks one segment the engine sent and learns its 4-tuple and sequence numbers.
    fn check_sent(&mut self, src: IpAddr, dst: IpAddr, bytes: &[u8]) {
        let segment = Segment::new_checked(bytes).expect("engine sent a malformed segment");
        assert!(
            segment.verify_checksum(src, dst),
            "engine sent a bad checksum"
        );
        let header = Header::parse(&segment).expect("engine sent malformed options");
        assert_ne!(header.src_port, 0);
        assert_ne!(header.dst_port, 0);
        let flags = header.flags;
        assert!(!(flags.syn() && flags.rst()), "SYN and RST together");
        assert!(!(flags.syn() && flags.fin()), "SYN and FIN together");
        if header.options.mss.is_some() {
            assert!(flags.syn(), "MSS option on a segment without SYN");
        }
        let len = segment.payload().len() as u32 + u32::from(flags.syn()) + u32::from(flags.fin());
        let tuple = (
            SocketAddr::new(src, header.src_port),
            SocketAddr::new(dst, header.dst_port),
        );
        self.learn_tuple(tuple);
        let entry = self.known.get_mut(&tuple).expect("just learned");
        if len > 0 && entry.unacked.is_none() {
            entry.unacked = Some(header.seq.0);
        }
        entry.sent = header.seq.0.wrapping_add(len);
        if flags.ack() {
            entry.expected = header.ack.0;
        }
        if let Some(ts) = header.options.timestamps {
            entry.engine_ts = ts.value;
        }
    }

    /// Hands out the engine's events, checking that a closed handle is invalid.
    fn handle_events(&mut self) {
        while let Some(event) = self.endpoint.poll_event() {
            if let Event::Closed(handle) = event {
                assert!(
                    self.endpoint.state(handle).is_err(),
                    "{handle:?} reported closed but still valid"
                );
                self.conns.retain(|&h| h != handle);
                if !self.closed.contains(&handle) {
                    self.closed.push(handle);
                }
            }
        }
        // Keep the table of tuples bounded: old ones stay reachable through `Raw`.
        if self.tuples.len() > 64 {
            let old = self.tuples.remove(0);
            self.known.remove(&old);
        }
    }
}

fn pick<T>(items: &[T], which: u8) -> Option<&T> {
    if items.is_empty() {
        None
    } else {
        items.get(usize::from(which) % items.len())
    }
}

/// Cuts a super-segment as Linux's `tcp_gso_segment` does: the header copied to every
/// piece with its sequence number advanced, PSH and FIN kept on the last piece only, CWR
/// on the first only, each piece's checksum completed. Asserts first that the checksum
/// field holds the partial (pseudo-header) sum the offload expects.
fn cut_super_segment(bytes: &[u8], size: usize, src: IpAddr, dst: IpAddr) -> Vec<Vec<u8>> {
    let segment = Segment::new_checked(bytes).expect("engine sent a malformed super-segment");
    let mut partial = bytes.to_vec();
    Segment::new_unchecked(&mut partial[..]).fill_partial_checksum(src, dst);
    assert_eq!(
        segment.checksum(),
        Segment::new_unchecked(&partial[..]).checksum(),
        "a super-segment's checksum is not the partial sum"
    );
    assert!(
        size > 0 && segment.payload().len() > size,
        "a super-segment of one segment"
    );
    let header = &bytes[..segment.header_len()];
    let chunks: Vec<&[u8]> = segment.payload().chunks(size).collect();
    let last = chunks.len() - 1;
    let mut seq = segment.seq_number();
    let mut pieces = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.into_iter().enumerate() {
        let mut piece = [header, chunk].concat();
        let mut view = Segment::new_unchecked(&mut piece[..]);
        let mut flags = segment.flags();
        if i != last {
            flags = flags.without(Flags::PSH | Flags::FIN);
        }
        if i != 0 {
            flags = flags.without(Flags::CWR);
        }
        view.set_flags(flags);
        view.set_seq_number(seq);
        view.fill_checksum(src, dst);
        seq += chunk.len() as u32;
        pieces.push(piece);
    }
    pieces
}
