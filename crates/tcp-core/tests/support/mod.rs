//! A simulated network for engine tests: two endpoints joined by a virtual wire with latency,
//! bandwidth, seeded loss, reordering and duplication, stepped in virtual time.

#![allow(dead_code, unreachable_pub)]

pub mod conn;
pub mod fixture;
pub mod inject;
pub mod pair;
pub mod rng;

use rng::Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tcp_core::{Config, ConnectionHandle, Endpoint, Event, Instant, Received};
use tcp_wire::{Flags, Segment, TcpdumpLine};

/// Which endpoint a packet leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

/// Faults and shape of one direction of the wire.
#[derive(Debug, Clone, Copy)]
pub struct Path {
    pub latency: Duration,
    /// Bytes per second; `None` is infinitely fast.
    pub bandwidth: Option<u64>,
    /// Probability in 0..1 of each fault.
    pub loss: f64,
    pub duplicate: f64,
    pub reorder: f64,
    /// Extra delay of a reordered packet.
    pub reorder_delay: Duration,
    /// Probability that an ECN-capable packet is marked CE instead of being sent plain.
    pub ce_mark: f64,
    /// Bottleneck buffer in full-sized packets (drop-tail, with `bandwidth`); `None`
    /// unlimited.
    pub queue_limit: Option<usize>,
}

impl Default for Path {
    fn default() -> Path {
        Path {
            latency: Duration::from_millis(5),
            bandwidth: None,
            loss: 0.0,
            duplicate: 0.0,
            reorder: 0.0,
            reorder_delay: Duration::from_millis(3),
            ce_mark: 0.0,
            queue_limit: None,
        }
    }
}

/// A decision a test makes about one segment before the wire's own faults.
pub type Filter = Box<dyn FnMut(Side, &Segment<&[u8]>) -> bool>;

struct InFlight {
    from: Side,
    src: IpAddr,
    dst: IpAddr,
    congestion_experienced: bool,
    bytes: Vec<u8>,
}

/// Two endpoints and the wire between them.
pub struct Sim {
    pub now: Instant,
    pub a: Endpoint,
    pub b: Endpoint,
    pub a_ip: IpAddr,
    pub b_ip: IpAddr,
    pub a_to_b: Path,
    pub b_to_a: Path,
    /// Returns false to drop a segment (applied before random faults).
    pub filter: Option<Filter>,
    /// tcpdump-style lines of every segment put on the wire, when enabled.
    pub trace: Option<Vec<String>>,
    pub events_a: Vec<Event>,
    pub events_b: Vec<Event>,
    pub delivered: u64,
    pub dropped: u64,
    rng: Rng,
    queue: BinaryHeap<Reverse<(Instant, u64)>>,
    packets: std::collections::HashMap<u64, InFlight>,
    next_packet: u64,
    link_free: [Instant; 2],
    buf: Vec<u8>,
}

impl Sim {
    /// Two endpoints with `config`, a 5 ms wire each way, no faults, seeded with `seed`.
    pub fn new(config: Config, seed: u64) -> Sim {
        Sim::with_configs(config.clone(), config, seed)
    }

    pub fn with_configs(a: Config, b: Config, seed: u64) -> Sim {
        let mut secret_a = [0u8; 16];
        secret_a[..8].copy_from_slice(&seed.to_le_bytes());
        let mut secret_b = secret_a;
        secret_b[15] = 0xbb;
        Sim {
            now: Instant::from_millis(1_000),
            a: Endpoint::new(a, secret_a),
            b: Endpoint::new(b, secret_b),
            a_ip: IpAddr::V4(Ipv4Addr::new(198, 18, 0, 1)),
            b_ip: IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2)),
            a_to_b: Path::default(),
            b_to_a: Path::default(),
            filter: None,
            trace: None,
            events_a: Vec::new(),
            events_b: Vec::new(),
            delivered: 0,
            dropped: 0,
            rng: Rng::new(seed),
            queue: BinaryHeap::new(),
            packets: std::collections::HashMap::new(),
            next_packet: 0,
            link_free: [Instant::ZERO; 2],
            buf: vec![0u8; 65_536],
        }
    }

    pub fn a_addr(&self, port: u16) -> SocketAddr {
        SocketAddr::new(self.a_ip, port)
    }

    pub fn b_addr(&self, port: u16) -> SocketAddr {
        SocketAddr::new(self.b_ip, port)
    }

    pub fn endpoint(&mut self, side: Side) -> &mut Endpoint {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    /// Puts every segment both endpoints want to send on the wire and collects events.
    pub fn flush(&mut self) {
        for side in [Side::A, Side::B] {
            loop {
                let now = self.now;
                let mut buf = std::mem::take(&mut self.buf);
                let transmit = self.endpoint(side).poll_transmit(now, &mut buf);
                let Some(transmit) = transmit else {
                    self.buf = buf;
                    break;
                };
                let bytes = buf[..transmit.len].to_vec();
                self.buf = buf;
                self.send(
                    side,
                    transmit.src,
                    transmit.dst,
                    transmit.ecn_capable,
                    bytes,
                );
            }
            loop {
                let event = self.endpoint(side).poll_event();
                let Some(event) = event else { break };
                match side {
                    Side::A => self.events_a.push(event),
                    Side::B => self.events_b.push(event),
                }
            }
        }
    }

    fn send(&mut self, from: Side, src: IpAddr, dst: IpAddr, ecn_capable: bool, bytes: Vec<u8>) {
        if let Some(trace) = self.trace.as_mut() {
            trace.push(format!(
                "{:?} {}",
                self.now,
                TcpdumpLine::new(src, dst, &bytes)
            ));
        }
        if let Some(filter) = self.filter.as_mut() {
            let segment =
                Segment::new_checked(&bytes[..]).expect("engine sent a malformed segment");
            if !filter(from, &segment) {
                self.dropped += 1;
                return;
            }
        }
        let path = match from {
            Side::A => self.a_to_b,
            Side::B => self.b_to_a,
        };
        if self.rng.chance(path.loss) {
            self.dropped += 1;
            return;
        }
        let index = from as usize;
        if let (Some(limit), Some(rate)) = (path.queue_limit, path.bandwidth) {
            let backlog = (self.link_free[index] - self.now).as_secs_f64() * rate as f64;
            if backlog >= (limit * 1500) as f64 {
                self.dropped += 1;
                return;
            }
        }
        let mut depart = self.now;
        if let Some(rate) = path.bandwidth {
            let start = self.link_free[index].max(self.now);
            let wire_time = Duration::from_nanos((bytes.len() as u64 + 40) * 1_000_000_000 / rate);
            depart = start + wire_time;
            self.link_free[index] = depart;
        }
        let mut arrive = depart + path.latency;
        if self.rng.chance(path.reorder) {
            arrive += path.reorder_delay;
        }
        let congestion_experienced = ecn_capable && self.rng.chance(path.ce_mark);
        let copies = if self.rng.chance(path.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let id = self.next_packet;
            self.next_packet += 1;
            self.packets.insert(
                id,
                InFlight {
                    from,
                    src,
                    dst,
                    congestion_experienced,
                    bytes: bytes.clone(),
                },
            );
            self.queue.push(Reverse((arrive, id)));
        }
    }

    /// The next instant anything happens: a packet arrives or a timer fires.
    fn next_event(&self) -> Option<Instant> {
        let packet = self.queue.peek().map(|Reverse((at, _))| *at);
        [packet, self.a.poll_timeout(), self.b.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Advances to the next event and handles it. False when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        self.flush();
        let Some(at) = self.next_event() else {
            return false;
        };
        self.now = self.now.max(at);
        while let Some(Reverse((at, id))) = self.queue.peek().copied() {
            if at > self.now {
                break;
            }
            self.queue.pop();
            let packet = self.packets.remove(&id).expect("queued packet");
            self.delivered += 1;
            let now = self.now;
            let to = match packet.from {
                Side::A => &mut self.b,
                Side::B => &mut self.a,
            };
            let received = Received {
                congestion_experienced: packet.congestion_experienced,
                ..Received::new(packet.src, packet.dst)
            };
            to.handle_received(now, received, &packet.bytes);
        }
        let now = self.now;
        if self.a.poll_timeout().is_some_and(|t| t <= now) {
            self.a.handle_timeout(now);
        }
        if self.b.poll_timeout().is_some_and(|t| t <= now) {
            self.b.handle_timeout(now);
        }
        self.flush();
        true
    }

    /// Steps until `done` holds or `limit` of virtual time passed; returns whether it held.
    pub fn run_until(&mut self, limit: Duration, mut done: impl FnMut(&mut Sim) -> bool) -> bool {
        let deadline = self.now + limit;
        loop {
            self.flush();
            if done(self) {
                return true;
            }
            self.flush();
            match self.next_event() {
                Some(at) if at <= deadline => {
                    self.step();
                }
                _ => {
                    self.now = self.now.max(deadline);
                    return done(self);
                }
            }
        }
    }

    /// Steps until nothing is left to happen or `limit` passes.
    pub fn run_for(&mut self, limit: Duration) {
        self.run_until(limit, |_| false);
    }

    /// Moves virtual time forward without any event (nothing is delivered early).
    pub fn advance(&mut self, by: Duration) {
        let target = self.now + by;
        self.run_until(by, |sim| sim.now >= target);
    }

    /// Reads everything available on `conn` into `out`; returns true at end-of-file.
    pub fn read_all(&mut self, side: Side, conn: ConnectionHandle, out: &mut Vec<u8>) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.endpoint(side).read(conn, &mut chunk) {
                Ok(0) => return true,
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(_) => return false,
            }
        }
    }

    /// Whether a segment is a pure FIN from a side, for filters.
    pub fn is_fin(segment: &Segment<&[u8]>) -> bool {
        segment.flags().contains(Flags::FIN)
    }
}
