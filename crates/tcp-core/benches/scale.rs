//! Scale of the engine (issue #14): two endpoints joined in memory open up to 1,000,000 idle
//! established connections between them (no sockets: each segment goes from one endpoint's
//! `poll_transmit` straight into the other's `handle_received`), and at 10k, 100k and 1M
//! connections the bench prints
//!
//! - memory per connection by the engine's own accounting (`Endpoint::memory_usage`: the
//!   control block, the heap it owns and its share of the tables), for the accepting and the
//!   connecting endpoint, split into control block, heap and tables;
//! - memory per connection from the process's resident set (`/proc/self/statm`, 4 KiB
//!   pages) grown since the start, divided by the connections: both endpoints live in this
//!   process, so this is the cost of one connection at both ends, allocator overhead
//!   included;
//! - the time to deliver one pure ACK to an established connection of the accepting
//!   endpoint, averaged over [`DELIVERIES`] deliveries to [`SAMPLE`] connections drawn at
//!   random (checksum vouched for, so the figure is parsing, lookup and the ACK's
//!   processing); the fastest of [`RUNS`] runs, as other processes share the machine.
//!
//! Two last lines, each on a fresh pair: what an idle connection costs once it has sent
//! and received a byte (its loss-recovery state is made by the first data it sends), and
//! what each TIME_WAIT entry costs the endpoint that closed [`TIME_WAIT_ENTRIES`]
//! connections first, by the same accounting.
//!
//! Run with `cargo bench -p tcp-core --bench scale` (about 2 GiB of memory at 1M
//! connections); `-- --max 100000` stops earlier.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::{Duration, Instant as WallClock};

use tcp_core::{Config, ConnectionHandle, Endpoint, Instant, MemoryUsage, Received, SocketOptions};
use tcp_wire::{Flags, Header, Options, Segment, SeqNumber, Timestamps};

/// The connection counts the table has rows for.
const SCALES: [usize; 3] = [10_000, 100_000, 1_000_000];
/// Connections opened before the pair is pumped and the listener's queue drained: below the
/// SYN queue (1024), so no SYN is answered with a cookie.
const BATCH: usize = 1_000;
/// Client ports per client address; the addresses run up from 198.18.0.2 (198.18.0.0/15).
const PORTS_PER_ADDRESS: u32 = 16;
/// The first client port of each address.
const FIRST_PORT: u16 = 10_000;
/// Connections the deliveries are spread over, drawn at random from those open.
const SAMPLE: usize = 4_096;
/// Connections closed for the TIME_WAIT line (below `ResourceLimits::max_time_wait`).
const TIME_WAIT_ENTRIES: usize = 100_000;
/// Connections that exchange a byte for the line after the table.
const EXCHANGED: usize = 100_000;
/// Pure ACKs delivered per timed run.
const DELIVERIES: usize = 1 << 17;
/// Timed runs per row; the fastest is reported.
const RUNS: usize = 8;

/// The connecting side's last handshake segment (its ACK of the SYN-ACK) for one
/// connection: replayed, it is a pure ACK the accepting side takes without a reply.
#[derive(Debug, Clone, Copy, Default)]
struct FinalAck {
    seq: u32,
    ack: u32,
    window: u16,
    timestamps: Option<(u32, u32)>,
}

fn server_addr() -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)), 80)
}

/// The client address of connection `index`.
fn client_addr(index: usize) -> SocketAddr {
    let index = index as u32;
    let ip = u32::from(Ipv4Addr::new(198, 18, 0, 2)) + index / PORTS_PER_ADDRESS;
    let port = FIRST_PORT + (index % PORTS_PER_ADDRESS) as u16;
    SocketAddr::new(IpAddr::V4(Ipv4Addr::from(ip)), port)
}

/// The connection index of client address `addr`, if it is one.
fn index_of(addr: SocketAddr) -> Option<usize> {
    let IpAddr::V4(ip) = addr.ip() else {
        return None;
    };
    let base = u32::from(Ipv4Addr::new(198, 18, 0, 2));
    let offset = u32::from(ip).checked_sub(base)?;
    let port = u32::from(addr.port().checked_sub(FIRST_PORT)?);
    (port < PORTS_PER_ADDRESS).then_some((offset * PORTS_PER_ADDRESS + port) as usize)
}

/// Resident set size in bytes.
fn resident_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// SplitMix64: the sample is the same on every run.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct Pair {
    client: Endpoint,
    server: Endpoint,
    listener: tcp_core::ListenerHandle,
    now: Instant,
    segment: Vec<u8>,
    /// Indexed by connection: its final handshake ACK.
    acks: Vec<FinalAck>,
    opened: usize,
    /// Handles of both ends, kept only when the connections are to be closed.
    handles: Option<Vec<(ConnectionHandle, ConnectionHandle)>>,
}

impl Pair {
    fn new(max: usize) -> Pair {
        let client = Endpoint::new(Config::default(), [1; 16]);
        let mut server = Endpoint::new(Config::default(), [2; 16]);
        let listener = server
            .listen(server_addr(), 4096, SocketOptions::default())
            .expect("listen");
        Pair {
            client,
            server,
            listener,
            now: Instant::from_millis(1),
            segment: vec![0; 65_536],
            // Written now, so its pages are resident before the first measurement.
            acks: vec![
                FinalAck {
                    seq: 1,
                    ..FinalAck::default()
                };
                max
            ],
            opened: 0,
            handles: None,
        }
    }

    /// Opens connections until `count` are established and accepted.
    fn open_up_to(&mut self, count: usize) {
        while self.opened < count {
            let batch = BATCH.min(count - self.opened);
            let mut connected = Vec::new();
            for index in self.opened..self.opened + batch {
                let handle = self
                    .client
                    .connect(
                        self.now,
                        client_addr(index),
                        server_addr(),
                        SocketOptions::default(),
                    )
                    .expect("connect");
                if self.handles.is_some() {
                    connected.push(handle);
                }
            }
            self.pump();
            let mut accepted = 0;
            while let Ok(handle) = self.server.accept(self.listener) {
                if let Some(handles) = &mut self.handles {
                    handles.push((connected[accepted], handle));
                }
                accepted += 1;
            }
            assert_eq!(accepted, batch, "every handshake completes");
            while self.client.poll_event().is_some() || self.server.poll_event().is_some() {}
            self.opened += batch;
            self.now += Duration::from_micros(20);
        }
    }

    /// Moves segments both ways until both endpoints are quiet, keeping each connection's
    /// final handshake ACK.
    fn pump(&mut self) {
        loop {
            let mut moved = false;
            while let Some(t) = self.client.poll_transmit(self.now, &mut self.segment) {
                let bytes = &self.segment[..t.len];
                if let Some((index, ack)) = final_ack(t.src, bytes) {
                    self.acks[index] = ack;
                }
                let received = Received {
                    checksum_verified: true,
                    ..Received::new(t.src, t.dst)
                };
                self.server.handle_received(self.now, received, bytes);
                moved = true;
            }
            while let Some(t) = self.server.poll_transmit(self.now, &mut self.segment) {
                let received = Received {
                    checksum_verified: true,
                    ..Received::new(t.src, t.dst)
                };
                self.client
                    .handle_received(self.now, received, &self.segment[..t.len]);
                moved = true;
            }
            if !moved {
                return;
            }
        }
    }

    /// Nanoseconds to deliver one pure ACK to a random established connection of the
    /// server, and the segments the server sent in reply (none expected).
    fn time_deliveries(&mut self, seed: u64) -> (f64, usize) {
        let mut state = seed;
        let segments: Vec<(IpAddr, Vec<u8>)> = (0..SAMPLE)
            .map(|_| {
                let index = (next_random(&mut state) % self.opened as u64) as usize;
                let from = client_addr(index);
                (from.ip(), ack_bytes(from, self.acks[index]))
            })
            .collect();
        let deliver = |server: &mut Endpoint, now: Instant, (src, bytes): &(IpAddr, Vec<u8>)| {
            let received = Received {
                checksum_verified: true,
                ..Received::new(*src, server_addr().ip())
            };
            server.handle_received(now, received, bytes);
        };
        for segment in &segments {
            deliver(&mut self.server, self.now, segment);
        }
        let mut fastest = Duration::MAX;
        for run in 0..RUNS {
            let started = WallClock::now();
            for round in 0..DELIVERIES / SAMPLE {
                let now = self.now + Duration::from_micros((run * DELIVERIES + round) as u64);
                for segment in &segments {
                    deliver(&mut self.server, now, segment);
                }
            }
            fastest = fastest.min(started.elapsed());
        }
        let mut replies = 0;
        while self
            .server
            .poll_transmit(self.now, &mut self.segment)
            .is_some()
        {
            replies += 1;
        }
        while self.server.poll_event().is_some() {}
        (fastest.as_nanos() as f64 / DELIVERIES as f64, replies)
    }
}

/// Opens `count` connections on a fresh pair and closes them, the client first: the client
/// is left with `count` TIME_WAIT entries. Returns its memory by its own accounting.
fn time_wait_entries(count: usize) -> MemoryUsage {
    let mut pair = Pair::new(count);
    pair.handles = Some(Vec::with_capacity(count));
    pair.open_up_to(count);
    let handles = pair.handles.take().unwrap_or_default();
    // In batches, so the closing connections never reach `ResourceLimits::max_orphans`.
    for batch in handles.chunks(BATCH) {
        for &(client, _) in batch {
            pair.client.close(pair.now, client).expect("close");
        }
        pair.pump();
        for &(_, server) in batch {
            pair.server.close(pair.now, server).expect("close");
        }
        pair.pump();
        while pair.client.poll_event().is_some() || pair.server.poll_event().is_some() {}
    }
    assert_eq!(pair.server.connection_count(), 0, "the server side is gone");
    pair.client.memory_usage()
}

/// Opens `count` connections on a fresh pair; each side sends one byte and reads the
/// other's. Returns the server's memory by its own accounting.
fn after_one_exchange(count: usize) -> MemoryUsage {
    let mut pair = Pair::new(count);
    pair.handles = Some(Vec::with_capacity(count));
    pair.open_up_to(count);
    let handles = pair.handles.take().unwrap_or_default();
    let mut byte = [0u8; 1];
    for &(client, server) in &handles {
        pair.client.write(client, b"q").expect("write");
        pair.pump();
        pair.server.read(server, &mut byte).expect("read");
        pair.server.write(server, b"a").expect("write");
        pair.pump();
        pair.client.read(client, &mut byte).expect("read");
    }
    pair.now += Duration::from_millis(200);
    pair.client.handle_timeout(pair.now);
    pair.server.handle_timeout(pair.now);
    pair.pump();
    while pair.client.poll_event().is_some() || pair.server.poll_event().is_some() {}
    pair.server.memory_usage()
}

/// The connection index and fields of a pure ACK the client sent, if `bytes` is one.
fn final_ack(src: IpAddr, bytes: &[u8]) -> Option<(usize, FinalAck)> {
    let segment = Segment::new_checked(bytes).ok()?;
    let header = Header::parse(&segment).ok()?;
    if header.flags != Flags::ACK || !segment.payload().is_empty() {
        return None;
    }
    let index = index_of(SocketAddr::new(src, header.src_port))?;
    let ack = FinalAck {
        seq: header.seq.0,
        ack: header.ack.0,
        window: header.window,
        timestamps: header.options.timestamps.map(|ts| (ts.value, ts.echo)),
    };
    Some((index, ack))
}

/// The bytes of `ack` sent again from `from` to the server.
fn ack_bytes(from: SocketAddr, ack: FinalAck) -> Vec<u8> {
    let header = Header {
        src_port: from.port(),
        dst_port: server_addr().port(),
        seq: SeqNumber(ack.seq),
        ack: SeqNumber(ack.ack),
        flags: Flags::ACK,
        window: ack.window,
        urgent_pointer: 0,
        options: Options {
            timestamps: ack
                .timestamps
                .map(|(value, echo)| Timestamps { value, echo }),
            ..Options::default()
        },
    };
    let mut bytes = vec![0; 60];
    let len = header.emit(&mut bytes).expect("header fits");
    bytes.truncate(len);
    Segment::new_unchecked(&mut bytes[..]).fill_checksum(from.ip(), server_addr().ip());
    bytes
}

/// One endpoint's bytes per connection: total, control block, heap, tables.
fn per_connection(usage: MemoryUsage) -> [usize; 4] {
    let n = usage.connections.max(1);
    [
        usage.per_connection(),
        usage.control_blocks / n,
        usage.connection_heap / n,
        usage.tables / n,
    ]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let max = args
        .iter()
        .position(|a| a == "--max")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(SCALES[SCALES.len() - 1]);
    let scales: Vec<usize> = SCALES.into_iter().filter(|&n| n <= max).collect();
    let Some(&largest) = scales.last() else {
        eprintln!("--max {max} is below the smallest scale, {}", SCALES[0]);
        return ExitCode::FAILURE;
    };
    let mut pair = Pair::new(largest);
    let resident_before = resident_bytes();
    println!("Idle established connections between two endpoints in memory (Config::default()).");
    println!("Engine: bytes per connection by Endpoint::memory_usage = block + heap + tables.");
    println!("RSS: resident set grown since the start / connections (both endpoints).\n");
    println!(
        "| connections | server engine | (block + heap + tables) | client engine | RSS both ends | pure ACK delivery |"
    );
    println!("|---:|---:|---|---:|---:|---:|");
    for &scale in &scales {
        let started = WallClock::now();
        pair.open_up_to(scale);
        let setup = started.elapsed();
        let rss = resident_bytes().saturating_sub(resident_before) / scale;
        let server = per_connection(pair.server.memory_usage());
        let client = per_connection(pair.client.memory_usage());
        let (nanos, replies) = pair.time_deliveries(scale as u64);
        println!(
            "| {scale} | {} B | {} + {} + {} | {} B | {rss} B | {nanos:.0} ns |",
            server[0], server[1], server[2], server[3], client[0]
        );
        if replies > 0 {
            eprintln!("  {replies} replies to pure ACKs (none expected)");
        }
        eprintln!("  (opened in {:.1} s)", setup.as_secs_f64());
    }
    let exchanged = per_connection(after_one_exchange(EXCHANGED));
    println!(
        "\nAfter one byte each way, {EXCHANGED} connections: server engine {} B ({} + {} + {})",
        exchanged[0], exchanged[1], exchanged[2], exchanged[3]
    );
    let closed = time_wait_entries(TIME_WAIT_ENTRIES);
    let entries = closed.time_wait_entries.max(1);
    println!(
        "TIME_WAIT: {entries} entries of {} connections closed, {} B each (record {} B and its \
         table, plus {} B of index and timer), {} connections left",
        TIME_WAIT_ENTRIES,
        closed.total() / entries,
        closed.time_wait / entries,
        closed.tables / entries,
        closed.connections
    );
    ExitCode::SUCCESS
}
