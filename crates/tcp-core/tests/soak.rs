//! Soak over many seeds with every fault of the simulated wire on at once: loss, reordering
//! and duplication up to 10 % each way, plus corruption (up to 2 %) that the receiver must
//! catch by checksum. Each run carries several concurrent connections, each moving data
//! both ways (up to 512 KiB each, some with small send or receive buffers, some with Nagle
//! off) and closing with a half-close in a seed-chosen order (client first, server first,
//! or both at once). Seeds also vary the options: timestamps, SACK and window scaling
//! each off for a quarter of them, CUBIC or NewReno.
//!
//! A fifth run of 25 seeds takes half of the segments off the wire and delivers them in
//! batches, several back to back before the receiver polls, as a driver does.
//!
//! Checked for every seed: each byte arrives exactly once and in order (verified against a
//! generator as it is read, so nothing is held twice), both ends of every connection reach
//! CLOSED or TIME_WAIT without an error, every corrupted segment is dropped and counted (bad
//! checksum, or malformed when the data offset was hit), and once the handles are closed
//! both endpoints drain to nothing (no connection, no timer, no segment in flight) within a
//! bounded virtual time.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use support::conn::SERVER_PORT;
use support::rng::Rng;
use support::{Path, Side, Sim};
use tcp_core::{
    Algorithm, Config, ConnectionHandle, Endpoint, Error, Instant, SocketOptions, State,
};

/// Seeds per test function; four functions so a multi-core harness runs them in parallel.
const SEEDS_PER_TEST: u64 = 25;
/// Concurrent connections per run.
const CONNECTIONS: usize = 4;
/// Largest transfer of one direction of one connection.
const MAX_BYTES: u64 = 512 * 1024;
/// Virtual time the transfers and closes may take.
const TRANSFER_LIMIT: Duration = Duration::from_secs(1800);
/// Virtual time for everything to drain after the handles are closed (TIME_WAIT is 60 s).
const DRAIN_LIMIT: Duration = Duration::from_secs(300);

/// Who sends FIN first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CloseOrder {
    /// The client half-closes after its data; the server answers after reading EOF (rsh).
    ClientFirst,
    /// The mirror image.
    ServerFirst,
    /// Both half-close as soon as their data is written.
    Together,
}

/// One direction of one connection: what is written and what is read back.
#[derive(Debug)]
struct Stream {
    key: u64,
    len: usize,
    written: usize,
    read: usize,
    shut: bool,
    eof: bool,
}

impl Stream {
    fn new(key: u64, len: usize) -> Stream {
        Stream {
            key,
            len,
            written: 0,
            read: 0,
            shut: false,
            eof: false,
        }
    }

    /// Writes what fits; half-closes once everything is written and `may_shut` holds.
    fn pump_write(&mut self, ep: &mut Endpoint, conn: ConnectionHandle, may_shut: bool, seed: u64) {
        let mut chunk = [0u8; 16 * 1024];
        while self.written < self.len {
            let room = ep.writable_bytes(conn).unwrap_or(0);
            let n = (self.len - self.written).min(chunk.len()).min(room);
            if n == 0 {
                break;
            }
            fill(self.key, self.written, &mut chunk[..n]);
            match ep.write(conn, &chunk[..n]) {
                Ok(taken) => self.written += taken,
                Err(Error::WouldBlock) => break,
                Err(error) => panic!("seed {seed}: write on {conn:?} failed: {error}"),
            }
        }
        if self.written == self.len && may_shut && !self.shut {
            ep.shutdown_write(conn)
                .unwrap_or_else(|e| panic!("seed {seed}: shutdown of {conn:?} failed: {e}"));
            self.shut = true;
        }
    }

    /// Reads everything available and checks each byte against the generator.
    fn pump_read(&mut self, ep: &mut Endpoint, conn: ConnectionHandle, seed: u64) {
        let mut chunk = [0u8; 16 * 1024];
        let mut expected = [0u8; 16 * 1024];
        while !self.eof {
            match ep.read(conn, &mut chunk) {
                Ok(0) => {
                    assert_eq!(
                        self.read, self.len,
                        "seed {seed}: {conn:?} saw EOF after {} of {} bytes",
                        self.read, self.len
                    );
                    self.eof = true;
                }
                Ok(n) => {
                    assert!(
                        self.read + n <= self.len,
                        "seed {seed}: {conn:?} read more bytes than were written"
                    );
                    fill(self.key, self.read, &mut expected[..n]);
                    if let Some(at) = (0..n).find(|&i| chunk[i] != expected[i]) {
                        panic!(
                            "seed {seed}: {conn:?} byte {} is wrong (duplicated, lost or \
                             reordered data)",
                            self.read + at
                        );
                    }
                    self.read += n;
                }
                Err(Error::WouldBlock) => break,
                Err(error) => panic!("seed {seed}: read on {conn:?} failed: {error}"),
            }
        }
    }
}

/// The generator's bytes at `start..start + out.len()` of stream `key`.
fn fill(key: u64, start: usize, out: &mut [u8]) {
    for (k, byte) in out.iter_mut().enumerate() {
        let i = (start + k) as u64;
        *byte = (mix(key ^ (i >> 3).wrapping_mul(0x9e37_79b9_7f4a_7c15)) >> ((i & 7) * 8)) as u8;
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One connection: the client on A, the server on B once accepted.
#[derive(Debug)]
struct Pair {
    client: ConnectionHandle,
    server: Option<ConnectionHandle>,
    up: Stream,
    down: Stream,
    order: CloseOrder,
    /// Set on the server's end once accepted (small buffers, nodelay).
    server_options: SocketOptions,
}

impl Pair {
    /// Reads first, so a side that waits for the peer's EOF half-closes in the same call
    /// that sees it (nothing else may happen afterwards to call again).
    fn pump(&mut self, sim: &mut Sim, seed: u64) {
        self.down.pump_read(&mut sim.a, self.client, seed);
        let client_may_shut = match self.order {
            CloseOrder::ClientFirst | CloseOrder::Together => true,
            CloseOrder::ServerFirst => self.down.eof,
        };
        self.up
            .pump_write(&mut sim.a, self.client, client_may_shut, seed);
        let Some(server) = self.server else {
            return;
        };
        self.up.pump_read(&mut sim.b, server, seed);
        let server_may_shut = match self.order {
            CloseOrder::ServerFirst | CloseOrder::Together => true,
            CloseOrder::ClientFirst => self.up.eof,
        };
        self.down
            .pump_write(&mut sim.b, server, server_may_shut, seed);
    }

    fn finished(&self, sim: &Sim) -> bool {
        let done =
            |state: Result<State, Error>| matches!(state, Ok(State::TimeWait | State::Closed));
        let Some(server) = self.server else {
            return false;
        };
        self.up.eof
            && self.down.eof
            && self.up.shut
            && self.down.shut
            && done(sim.a.state(self.client))
            && done(sim.b.state(server))
    }
}

/// Segments taken off the wire to be delivered together: (sent by, TCP bytes, corrupted,
/// when taken).
type Held = Rc<RefCell<Vec<(Side, Vec<u8>, bool, Instant)>>>;

/// How long a batch collects segments before it is delivered.
const BATCH_WINDOW: Duration = Duration::from_millis(2);

/// Delivers every held segment back to back, before anything is polled (as a driver
/// delivers one receive batch); returns how many of them were corrupted.
fn deliver_held(sim: &mut Sim, held: &Held) -> u64 {
    let mut corrupted = 0;
    for (side, bytes, bad, _) in held.borrow_mut().drain(..) {
        let now = sim.now;
        let (a_ip, b_ip) = (sim.a_ip, sim.b_ip);
        match side {
            Side::A => sim.b.handle_segment(now, a_ip, b_ip, &bytes),
            Side::B => sim.a.handle_segment(now, b_ip, a_ip, &bytes),
        }
        corrupted += u64::from(bad);
    }
    corrupted
}

/// One run; with `batched`, half of the segments skip the wire and arrive in batches
/// collected for 2 ms and delivered before the receiver polls.
fn soak(seed: u64, batched: bool) {
    let mut rng = Rng::new(seed.wrapping_mul(0x5851_f42d_4c95_7f2d));
    let config = Config {
        extensions: tcp_core::Extensions {
            timestamps: !rng.chance(0.25),
            sack: !rng.chance(0.25),
            window_scaling: !rng.chance(0.25),
            ..Default::default()
        },
        congestion_control: if rng.chance(0.5) {
            Algorithm::NewReno
        } else {
            Algorithm::Cubic
        },
        ..Config::default()
    };
    let mut sim = Sim::new(config, seed);
    let mut percent = |max: u64| rng.below(max + 1) as f64 / 100.0;
    let (loss, reorder, duplicate, corrupt) = (percent(10), percent(10), percent(10), percent(2));
    let latency = Duration::from_millis(1 + rng.below(20));
    for path in [&mut sim.a_to_b, &mut sim.b_to_a] {
        *path = Path {
            latency,
            bandwidth: Some(10_000_000),
            loss,
            duplicate,
            reorder,
            reorder_delay: Duration::from_millis(1 + rng.below(10)),
            ..Path::default()
        };
    }
    // Corruption: the filter takes a segment off the wire and a copy with one byte inverted
    // is delivered in its place a moment later. Batching: it takes a segment off the wire
    // to be delivered with the others it took, back to back.
    let held: Held = Rc::new(RefCell::new(Vec::new()));
    let mut filter_rng = Rng::new(seed ^ 0xc0c0_c0c0);
    let queue = Rc::clone(&held);
    let clock = Rc::new(RefCell::new(sim.now));
    let filter_clock = Rc::clone(&clock);
    sim.filter = Some(Box::new(move |side, segment| {
        let clock = &filter_clock;
        if filter_rng.chance(corrupt) {
            let mut bytes = segment.as_bytes().to_vec();
            let at = filter_rng.below(bytes.len() as u64) as usize;
            // One inverted byte changes the one's complement sum by less than 0xffff: the
            // checksum always catches it.
            bytes[at] = !bytes[at];
            queue
                .borrow_mut()
                .push((side, bytes, true, *clock.borrow()));
            return false;
        }
        if batched && filter_rng.chance(0.5) {
            let bytes = segment.as_bytes().to_vec();
            queue
                .borrow_mut()
                .push((side, bytes, false, *clock.borrow()));
            return false;
        }
        true
    }));

    let listener = sim
        .b
        .listen(sim.b_addr(SERVER_PORT), 128, Default::default())
        .expect("listen");
    let mut pairs = Vec::new();
    for i in 0..CONNECTIONS {
        let (now, local, remote) = (sim.now, sim.a_addr(0), sim.b_addr(SERVER_PORT));
        let mut options = || SocketOptions {
            nodelay: rng.chance(0.5),
            send_buffer: rng
                .chance(0.25)
                .then(|| 2048 + rng.below(16 * 1024) as usize),
            recv_buffer: rng
                .chance(0.25)
                .then(|| 2048 + rng.below(16 * 1024) as usize),
            ..SocketOptions::default()
        };
        let (client_options, server_options) = (options(), options());
        let client = sim
            .a
            .connect(now, local, remote, client_options)
            .expect("connect");
        let mut size = || match rng.below(6) {
            0 => 0,
            _ => rng.below(MAX_BYTES) as usize,
        };
        let (up_len, down_len) = (size(), size());
        let order = match rng.below(3) {
            0 => CloseOrder::ClientFirst,
            1 => CloseOrder::ServerFirst,
            _ => CloseOrder::Together,
        };
        let key = seed << 8 | (i as u64) << 1;
        pairs.push(Pair {
            client,
            server: None,
            up: Stream::new(key, up_len),
            down: Stream::new(key | 1, down_len),
            order,
            server_options,
        });
    }

    let mut injected = 0u64;
    let finished = sim.run_until(TRANSFER_LIMIT, |sim| {
        *clock.borrow_mut() = sim.now;
        // A batch goes when it is old enough, or at once when no timer is left to call
        // again later.
        let oldest = held.borrow().first().map(|h| h.3);
        let idle = sim.a.poll_timeout().is_none() && sim.b.poll_timeout().is_none();
        if oldest.is_some_and(|at| idle || sim.now >= at + BATCH_WINDOW) {
            injected += deliver_held(sim, &held);
        }
        while let Ok(server) = sim.b.accept(listener) {
            let peer = sim.b.peer_addr(server).expect("accepted connection");
            let pair = pairs
                .iter_mut()
                .find(|p| sim.a.local_addr(p.client) == Ok(peer))
                .unwrap_or_else(|| panic!("seed {seed}: accepted an unknown peer {peer}"));
            assert!(pair.server.is_none(), "seed {seed}: {peer} accepted twice");
            let now = sim.now;
            sim.b
                .set_options(now, server, pair.server_options)
                .expect("set_options");
            pair.server = Some(server);
        }
        for pair in &mut pairs {
            pair.pump(sim, seed);
        }
        pairs.iter().all(|p| p.finished(sim))
    });
    let describe = |sim: &Sim, pairs: &[Pair]| -> String {
        pairs
            .iter()
            .map(|p| {
                format!(
                    "\n  {:?} client {:?} {:?} server {:?} {:?}",
                    p.order,
                    sim.a.state(p.client),
                    sim.a.pending_error(p.client),
                    p.server.map(|s| sim.b.state(s)),
                    p.up.read..p.up.len,
                )
            })
            .collect()
    };
    assert!(
        finished,
        "seed {seed} (loss {loss} reorder {reorder} dup {duplicate} corrupt {corrupt}): \
         stuck{}",
        describe(&sim, &pairs)
    );
    for pair in &pairs {
        let server = pair.server.expect("finished pairs were accepted");
        assert_eq!(sim.a.take_error(pair.client), Ok(None), "seed {seed}");
        assert_eq!(sim.b.take_error(server), Ok(None), "seed {seed}");
        sim.a.close(sim.now, pair.client).expect("close client");
        sim.b.close(sim.now, server).expect("close server");
    }
    sim.b.close_listener(listener).expect("close listener");

    // Nothing may stay behind: TIME_WAIT ends, stray retransmissions are answered, and then
    // the wire and both endpoints fall silent.
    let drained = sim.run_until(DRAIN_LIMIT, |sim| {
        sim.a.connection_count() == 0 && sim.b.connection_count() == 0
    });
    assert!(
        drained,
        "seed {seed}: connections left after close: a {:?} b {:?}",
        sim.a.sockets(),
        sim.b.sockets()
    );
    sim.filter = None;
    sim.run_for(DRAIN_LIMIT);
    assert!(!sim.step(), "seed {seed}: still busy after the drain");
    assert_eq!(sim.a.poll_timeout(), None, "seed {seed}");
    assert_eq!(sim.b.poll_timeout(), None, "seed {seed}");
    assert_eq!(sim.a.connection_count() + sim.b.connection_count(), 0);
    // Corrupted copies still held when the filter went are delivered now.
    injected += deliver_held(&mut sim, &held);
    // A corrupted data offset makes a segment malformed before its checksum is looked at;
    // either way it is dropped and counted, and nothing else on this wire is either.
    let (a, b) = (sim.a.counters(), sim.b.counters());
    let bad = a.bad_checksum + b.bad_checksum + a.malformed + b.malformed;
    assert_eq!(
        bad, injected,
        "seed {seed}: {injected} corrupted segments but {bad} dropped as bad"
    );
}

fn soak_range(first: u64, batched: bool) {
    for seed in first..first + SEEDS_PER_TEST {
        soak(seed, batched);
    }
}

#[test]
fn soak_all_faults_seeds_0_to_24() {
    soak_range(0, false);
}

#[test]
fn soak_all_faults_seeds_25_to_49() {
    soak_range(25, false);
}

#[test]
fn soak_all_faults_seeds_50_to_74() {
    soak_range(50, false);
}

#[test]
fn soak_all_faults_seeds_75_to_99() {
    soak_range(75, false);
}

/// The same soak with half of the segments delivered in batches before the receiver
/// polls, as the tokio driver delivers one receive batch.
#[test]
fn soak_batched_delivery_seeds_0_to_24() {
    soak_range(0, true);
}
