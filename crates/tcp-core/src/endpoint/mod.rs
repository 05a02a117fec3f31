//! The endpoint: every listener and connection of one stack, the demultiplexer that routes
//! segments to them, and the queues the driver polls.

mod api;
pub(crate) mod bookkeeping;
pub(crate) mod census;
pub(crate) mod fast_open;
mod fast_open_cache;
mod hashing;
mod icmp_error;
mod isn;
mod listen;
mod listener;
pub(crate) mod memory_budget;
mod memory_usage;
mod path_mtu_cache;
mod port_partition;
mod ports;
pub(crate) mod stateless;
pub(crate) mod syn_cookie;
mod table;
mod time_wait;
mod timer_queue;
mod tuple_index;
mod unreachable;

use crate::addr::FourTuple;
use crate::config::{Config, SocketOptions};
use crate::connection::Context;
use crate::connection::{Connection, Holder, Incoming, Raise, Raised, TimeWaitRecord};
use crate::counters::Counters;
use crate::endpoint::hashing::{HandleHasher, KeyedHasher};
use crate::endpoint::isn::IsnGenerator;
use crate::endpoint::listener::Listener;
use crate::event::Event;
use crate::handle::{ConnectionHandle, ListenerHandle};
use crate::rate_limit::ChallengeBudget;
use crate::stats::ConnectionStats;
use crate::time::Instant;
use core::hash::{BuildHasher, Hasher};
use core::net::{IpAddr, SocketAddr};
use core::num::NonZeroU64;
use stateless::ResetReply;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tcp_wire::{Header, Segment};

pub use icmp_error::{IcmpError, IcmpOutcome, IcmpReport};
pub use memory_usage::MemoryUsage;
pub use port_partition::PortPartition;
pub use table::SocketInfo;

/// How far above the old connection's highest sequence number a connection reopened from
/// TIME_WAIT starts at least (RFC 9293 MAY-2 wants it above; Linux leaves this gap).
const REOPEN_ISS_GAP: u32 = 65_537;

/// Most stateless replies (RSTs, cookie SYN-ACKs) waiting to be sent for segments that match no connection; beyond this they are
/// dropped (and counted) so a flood of stray segments cannot grow memory.
const MAX_PENDING_RESETS: usize = 1024;

/// A segment the driver must send: the TCP bytes are in the buffer given to
/// [`Endpoint::poll_transmit`], `len` long, from `src` to `dst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Source IP address (ours).
    pub src: IpAddr,
    /// Destination IP address.
    pub dst: IpAddr,
    /// Length of the TCP segment written at the start of the buffer.
    pub len: usize,
    /// Mark the packet ECN-capable (ECT(0), RFC 3168): new data of a connection that
    /// negotiated ECN. Never set for retransmissions, pure ACKs or control segments.
    pub ecn_capable: bool,
    /// `None`: the buffer holds one segment, checksum complete. `Some(size)`: it holds a
    /// super-segment from [`Endpoint::poll_transmit_batch`], one header followed by the
    /// payload of several consecutive segments of `size` bytes each (the last may be
    /// shorter), whose checksum field holds only the pseudo-header sum over `len` bytes
    /// (a partial checksum). A segmentation offload (Linux GSO with a virtio net header's
    /// `NEEDS_CSUM`) cuts it into segments, completing each one's checksum, giving the
    /// header's PSH and FIN to the last segment only and its CWR to the first only.
    pub segment_size: Option<u16>,
}

/// What the layers below the engine know of a received segment (see
/// [`Endpoint::handle_received`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Source IP address (the peer's).
    pub src: IpAddr,
    /// Destination IP address (ours).
    pub dst: IpAddr,
    /// The IP header carried the ECN codepoint CE, which a connection that negotiated ECN
    /// echoes to its peer.
    pub congestion_experienced: bool,
    /// The layer below vouches for the segment's integrity (a segment that never left
    /// this host, or whose checksum a device verified), so the engine does not verify the
    /// TCP checksum again. Set it only on the say-so of the operating system, never on
    /// anything the segment itself carries.
    pub checksum_verified: bool,
}

impl Received {
    /// A segment from `src` to `dst` with nothing more known of it.
    pub fn new(src: IpAddr, dst: IpAddr) -> Received {
        Received {
            src,
            dst,
            congestion_experienced: false,
            checksum_verified: false,
        }
    }
}

/// A sans-IO TCP endpoint.
///
/// The contract, in the style of quinn-proto:
/// - Input: [`Endpoint::handle_segment`] for every TCP segment received for one of our
///   addresses, [`Endpoint::handle_timeout`] when the deadline from
///   [`Endpoint::poll_timeout`] passes, and the application calls (`connect`, `listen`,
///   `accept`, `read`, `write`, `shutdown`, `close`, `abort`, option setters).
/// - Output: after any input, call [`Endpoint::poll_transmit`] until it returns `None`,
///   [`Endpoint::poll_event`] until it returns `None`, and re-read
///   [`Endpoint::poll_timeout`].
/// - Time is always passed in as `now`; the endpoint never reads a clock, never blocks,
///   never spawns. Given the same secret and inputs it produces the same outputs.
pub struct Endpoint {
    pub(in crate::endpoint) config: Config,
    isn: IsnGenerator,
    hasher: KeyedHasher,
    /// Every connection by handle. Boxed: the table keeps a quarter to a half of its buckets
    /// empty, and an empty bucket then costs a pointer, not a control block.
    pub(in crate::endpoint) connections: HashMap<ConnectionHandle, Box<Connection>, HandleHasher>,
    /// Connections nobody holds that rest in TIME_WAIT, as compact records, by handle (the
    /// 4-tuple index and the timer queue name them like connections).
    time_wait: HashMap<ConnectionHandle, TimeWaitRecord, HandleHasher>,
    /// Which connection holds each 4-tuple, and the local ports and addresses in use.
    by_tuple: tuple_index::TupleIndex,
    listeners: HashMap<ListenerHandle, Listener, KeyedHasher>,
    /// How many listeners use each port, so a segment for an unlistened port skips the scan.
    listening_ports: HashMap<u16, usize, KeyedHasher>,
    /// Where the ephemeral port search starts and which ports it may pick.
    ports: ports::EphemeralPorts,
    deadlines: timer_queue::TimerQueue,
    transmit_queue: VecDeque<ConnectionHandle>,
    /// Replies on behalf of no connection (RSTs, cookie SYN-ACKs), bounded.
    stateless: Vec<stateless::StatelessReply>,
    cookies: crate::endpoint::syn_cookie::CookieJar,
    /// Fast Open keys and the cookies servers gave (RFC 7413).
    fast_open: fast_open::FastOpen,
    events: VecDeque<Event>,
    counters: Counters,
    /// The stats of every connection already removed, summed.
    retired: ConnectionStats,
    challenges: ChallengeBudget,
    /// TIME_WAIT entries and orphans, against their caps.
    census: crate::endpoint::census::Census,
    /// Buffer memory of all connections, against its pressure mark and limit.
    memory: crate::endpoint::memory_budget::BufferMemory,
    /// The next handle's number (connections and listeners count together; never 0).
    next_id: NonZeroU64,
    /// `SocketOptions::default()`, shared by every connection opened with it.
    default_options: Arc<SocketOptions>,
    /// The latest `now` any call passed in; calls without one (`write`, `read`, ...) arm
    /// timers relative to it.
    last_now: Instant,
    /// Reported path MTUs and pending negative advice.
    paths: path_mtu_cache::Paths,
}

impl Endpoint {
    /// An endpoint with `config`, keyed with `secret` (ISNs, hashing, cookies). Give each
    /// endpoint a fresh random secret in production; a fixed one makes runs reproducible.
    pub fn new(config: Config, secret: [u8; 16]) -> Endpoint {
        let hasher = KeyedHasher::new(derive_key(&secret, b"tables"));
        let challenges = ChallengeBudget::new(
            derive_key(&secret, b"challenge"),
            config.hardening.challenge_ack_limit,
        );
        Endpoint {
            config,
            isn: IsnGenerator::new(derive_key(&secret, b"isn")),
            hasher: KeyedHasher::new(derive_key(&secret, b"misc")),
            connections: HashMap::with_hasher(HandleHasher),
            time_wait: HashMap::with_hasher(HandleHasher),
            by_tuple: tuple_index::TupleIndex::new(hasher),
            listeners: HashMap::with_hasher(hasher),
            listening_ports: HashMap::with_hasher(hasher),
            ports: ports::EphemeralPorts::default(),
            deadlines: timer_queue::TimerQueue::new(),
            transmit_queue: VecDeque::new(),
            stateless: Vec::new(),
            cookies: crate::endpoint::syn_cookie::CookieJar::new(derive_key(&secret, b"cookies")),
            fast_open: fast_open::FastOpen {
                keys: fast_open::FastOpenKeys::new(derive_key(&secret, b"fast open")),
                cache: fast_open_cache::FastOpenCache::new(hasher),
            },
            events: VecDeque::new(),
            counters: Counters::default(),
            retired: ConnectionStats::default(),
            challenges,
            census: crate::endpoint::census::Census::default(),
            memory: crate::endpoint::memory_budget::BufferMemory::default(),
            next_id: NonZeroU64::MIN,
            default_options: Arc::default(),
            last_now: Instant::ZERO,
            paths: path_mtu_cache::Paths::default(),
        }
    }

    /// The configuration the endpoint runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Endpoint-wide counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Every connection's [`ConnectionStats`] summed, those still held and those already
    /// gone: the endpoint-wide view of retransmissions and loss recovery (like the `TcpExt`
    /// lines of Linux's `nstat`). Costs one pass over the live connections.
    pub fn connection_totals(&self) -> ConnectionStats {
        let mut total = self.retired;
        for conn in self.connections.values() {
            total += conn.stats().snapshot();
        }
        total
    }

    /// Bytes of buffer storage (send and receive) all connections hold together: the figure
    /// `ResourceLimits::buffer_pressure` and `buffer_limit` apply to.
    pub fn buffer_memory(&self) -> usize {
        self.memory.total()
    }

    /// Number of connections held, in any state (TIME_WAIT entries included).
    pub fn connection_count(&self) -> usize {
        self.connections.len() + self.time_wait.len()
    }

    /// Processes one received TCP segment (`bytes` is the TCP header and payload) sent from
    /// `src` to `dst`. Malformed segments and bad checksums are dropped and counted; the
    /// endpoint never panics on any input.
    pub fn handle_segment(&mut self, now: Instant, src: IpAddr, dst: IpAddr, bytes: &[u8]) {
        self.handle_received(now, Received::new(src, dst), bytes);
    }

    /// [`Endpoint::handle_segment`] with what the layers below know of the segment: the
    /// IP header's CE mark, and whether its checksum is already vouched for.
    pub fn handle_received(&mut self, now: Instant, received: Received, bytes: &[u8]) {
        let Received {
            src,
            dst,
            congestion_experienced,
            checksum_verified,
        } = received;
        self.observe(now);
        self.counters.segments_in += 1;
        let Ok(segment) = Segment::new_checked(bytes) else {
            self.counters.malformed += 1;
            return;
        };
        if self.config.hardening.verify_checksums
            && !checksum_verified
            && !segment.verify_checksum(src, dst)
        {
            self.counters.bad_checksum += 1;
            return;
        }
        let Ok(header) = Header::parse(&segment) else {
            self.counters.malformed += 1;
            return;
        };
        if header.src_port == 0 || header.dst_port == 0 || !is_unicast(src) || !is_unicast(dst) {
            self.counters.malformed += 1;
            return;
        }
        let seg = Incoming::new(&header, segment.payload(), congestion_experienced);
        let tuple = FourTuple {
            local: SocketAddr::new(dst, header.dst_port),
            remote: SocketAddr::new(src, header.src_port),
        };
        if let Some(handle) = self.holder_of(&tuple) {
            if self.time_wait.contains_key(&handle) {
                self.on_time_wait_segment(now, handle, tuple, &seg);
                return;
            }
            if self.completes_into_a_full_queue(handle, &seg) {
                self.counters.listen.listen_overflows += 1;
                return;
            }
            let was_syn_sent = self
                .connections
                .get(&handle)
                .is_some_and(|conn| conn.state() == crate::state::State::SynSent);
            let reopen = self.with_connection(handle, |conn, ctx| conn.on_segment(now, &seg, ctx));
            if was_syn_sent {
                self.learn_fast_open_cookie(handle, &seg);
            }
            if reopen == Some(crate::connection::Disposition::Reopen) {
                self.reopen_from_time_wait(now, handle, tuple, &seg);
            }
            return;
        }
        match self.find_listener(tuple.local) {
            Some(listener) => self.on_listener_segment(now, listener, tuple, &seg, None),
            None => {
                self.counters.no_connection += 1;
                if !seg.flags().rst() {
                    let (seq, ack) = crate::connection::reset_for(&seg);
                    self.queue_reset(ResetReply::new(tuple, seq, ack));
                }
            }
        }
    }

    /// Runs `f` on a connection with the endpoint's context, then settles what it did
    /// (events, transmit queue, timers, removal).
    fn with_connection<R>(
        &mut self,
        handle: ConnectionHandle,
        f: impl FnOnce(&mut Connection, &mut Context<'_>) -> R,
    ) -> Option<R> {
        let conn = self.connections.get_mut(&handle)?;
        let budget = self.memory.budget(&self.config.resources);
        conn.set_budget(budget);
        let span = conn.span().clone();
        let _entered = span.enter();
        let mut resets = Vec::new();
        let mut ctx = Context::new(
            &self.config,
            budget.room,
            &mut self.counters,
            &mut self.challenges,
            &mut resets,
        );
        let result = f(conn, &mut ctx);
        for reset in resets {
            self.queue_reset(reset);
        }
        self.settle(handle);
        Some(result)
    }

    fn queue_reset(&mut self, reset: ResetReply) {
        self.queue_stateless(stateless::StatelessReply::Reset(reset));
    }

    /// Queues `reply` unless [`MAX_PENDING_RESETS`] are waiting; true when queued.
    fn queue_stateless(&mut self, reply: stateless::StatelessReply) -> bool {
        if self.stateless.len() >= MAX_PENDING_RESETS {
            if reply.is_reset() {
                self.counters.resources.resets_suppressed += 1;
            }
            return false;
        }
        self.stateless.push(reply);
        true
    }

    /// After anything touched a connection: turn its raised bits into events, queue it for
    /// transmission, re-index its deadline, and forget it once finished, or keep only its
    /// TIME_WAIT record once it rests there.
    fn settle(&mut self, handle: ConnectionHandle) {
        let Some(conn) = self.connections.get_mut(&handle) else {
            return;
        };
        let bits = std::mem::take(&mut conn.books_mut().raised);
        if bits.contains(Raise::NegativeAdvice) {
            let remote = conn.tuple().remote.ip();
            self.advise(remote);
        }
        if bits.contains(Raise::Acceptable) {
            self.enqueue_accepted(handle);
        }
        let Some(conn) = self.connections.get_mut(&handle) else {
            return;
        };
        if conn.books().holder == Holder::Application {
            push_events(&mut self.events, handle, bits, conn.error());
        }
        self.census.update(
            conn,
            &self.config.resources,
            &mut self.counters,
            self.last_now,
        );
        let held = conn.buffer_memory();
        let woken = if held == conn.books().charged {
            Vec::new()
        } else {
            let before = core::mem::replace(&mut conn.books_mut().charged, held);
            let limits = &self.config.resources;
            self.memory
                .recharge(before, held, limits, &mut self.counters)
        };
        if !conn.books().in_transmit_queue && conn.wants_to_transmit() {
            conn.books_mut().in_transmit_queue = true;
            self.transmit_queue.push_back(handle);
        }
        conn.arm_stall_timer(self.last_now);
        let next = conn.next_deadline();
        let finished = conn.is_finished();
        if self.deadlines.get(handle) != next && !finished {
            self.deadlines.set(handle, next);
        }
        if finished {
            self.remove_connection(handle);
        } else {
            self.compact_time_wait(handle);
        }
        self.wake_writers(woken);
    }

    /// Tells writers that found no memory that pressure ended (`Event::Writable`).
    fn wake_writers(&mut self, handles: Vec<ConnectionHandle>) {
        for handle in handles {
            let Some(conn) = self.connections.get_mut(&handle) else {
                continue;
            };
            conn.books_mut().waiting_for_memory = false;
            if conn.books().holder == Holder::Application {
                self.events.push_back(Event::Writable(handle));
            }
        }
    }

    /// Drops a connection from every table.
    fn remove_connection(&mut self, handle: ConnectionHandle) {
        let Some(conn) = self.connections.remove(&handle) else {
            return;
        };
        self.by_tuple.remove(&conn.tuple(), handle);
        self.deadlines.set(handle, None);
        self.census.remove(&conn);
        let limits = &self.config.resources;
        let woken = self
            .memory
            .recharge(conn.books().charged, 0, limits, &mut self.counters);
        self.wake_writers(woken);
        if let Some(listener) = conn
            .books()
            .listener
            .and_then(|l| self.listeners.get_mut(&l))
        {
            listener.syn_queue.remove(&handle);
        }
        if conn.books().holder.was_exposed() {
            self.events.push_back(Event::Closed(handle));
        }
        self.retired += conn.stats().snapshot();
        tracing::trace!(conn = %conn, "removed");
    }

    /// Writes the next segment to send into `buf` (the driver leaves its own headroom before
    /// it) and says where it goes. Call until `None` after every input.
    ///
    /// `buf` should hold a full segment: the MSS plus 60 bytes of header. A shorter one is
    /// not an error: a connection whose next segment does not fit keeps it for a later call
    /// (then `None` does not mean nothing is left; [`Endpoint::wants_transmit`] says so).
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        self.poll_transmit_batch(now, buf, 1)
    }

    /// [`Endpoint::poll_transmit`] for a driver with segmentation offload: up to
    /// `max_segments` consecutive segments of one connection that differ only in sequence
    /// number go into `buf` as one super-segment (see [`Transmit::segment_size`]), as long
    /// as they fit in `buf`. Everything else (control segments, a segment after which the
    /// header changes) comes one segment per call, as from `poll_transmit`.
    #[must_use]
    pub fn poll_transmit_batch(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        max_segments: usize,
    ) -> Option<Transmit> {
        self.observe(now);
        if let Some(reply) = self.stateless.pop() {
            if reply.is_reset() {
                self.counters.resets_sent += 1;
            }
            self.counters.segments_out += 1;
            let len = reply.write(buf)?;
            let tuple = reply.tuple();
            return Some(Transmit {
                src: tuple.local.ip(),
                dst: tuple.remote.ip(),
                len,
                ecn_capable: false,
                segment_size: None,
            });
        }
        let max_segments = u32::try_from(max_segments).unwrap_or(u32::MAX).max(1);
        // Each connection queued now gets one try: one whose segment does not fit `buf`
        // is queued again by `settle` and waits for the next call instead of spinning here.
        let mut tries = self.transmit_queue.len();
        while tries > 0
            && let Some(handle) = self.transmit_queue.pop_front()
        {
            tries -= 1;
            let Some(conn) = self.connections.get_mut(&handle) else {
                continue;
            };
            conn.books_mut().in_transmit_queue = false;
            let span = conn.span().clone();
            let _entered = span.enter();
            let sent = conn.poll_transmit(now, buf, max_segments).map(|burst| {
                let transmit = Transmit {
                    src: conn.tuple().local.ip(),
                    dst: conn.tuple().remote.ip(),
                    len: burst.len(),
                    ecn_capable: conn.last_segment_ect(),
                    segment_size: (burst.segments() > 1)
                        .then(|| u16::try_from(burst.segment_size()).unwrap_or(u16::MAX)),
                };
                (transmit, burst.segments())
            });
            if let Some((transmit, segments)) = sent {
                let written = buf.get(..transmit.len).unwrap_or_default();
                if Segment::new_checked(written).is_ok_and(|segment| segment.flags().rst()) {
                    self.counters.resets_sent += 1;
                }
                self.counters.segments_out += u64::from(segments);
                self.settle(handle);
                return Some(transmit);
            }
            self.settle(handle);
        }
        None
    }

    /// True when [`Endpoint::poll_transmit`] has something to send. Drivers use it after an
    /// application call to decide whether to wake their I/O loop.
    pub fn wants_transmit(&self) -> bool {
        !self.stateless.is_empty() || !self.transmit_queue.is_empty()
    }

    /// True when [`Endpoint::poll_event`] has an event waiting.
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// The earliest instant at which [`Endpoint::handle_timeout`] has work.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.earliest()
    }

    /// Runs every timer due at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.observe(now);
        while let Some(handle) = self.deadlines.pop_due(now) {
            if self.time_wait.contains_key(&handle) {
                self.remove_time_wait(handle);
                continue;
            }
            self.with_connection(handle, |conn, ctx| conn.on_timeout(now, ctx));
        }
    }

    /// The next event for the application, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The connection or TIME_WAIT record holding `tuple`.
    fn holder_of(&self, tuple: &FourTuple) -> Option<ConnectionHandle> {
        let (connections, time_wait) = (&self.connections, &self.time_wait);
        self.by_tuple
            .get(tuple, |h| tuple_held(connections, time_wait, h))
    }

    /// Indexes `tuple` as held by `handle` (which the tables may not hold yet).
    fn index_tuple(&mut self, tuple: FourTuple, handle: ConnectionHandle) {
        let (connections, time_wait) = (&self.connections, &self.time_wait);
        self.by_tuple
            .insert(tuple, handle, |h| tuple_held(connections, time_wait, h));
    }

    /// Remembers the latest time a caller passed in (time never goes back for the engine).
    pub(crate) fn observe(&mut self, now: Instant) {
        self.last_now = self.last_now.max(now);
    }

    /// `options` to hand to a connection or listener: the endpoint's shared defaults when
    /// they are those, else a new allocation.
    fn shared_options(&self, options: SocketOptions) -> Arc<SocketOptions> {
        if options == *self.default_options {
            Arc::clone(&self.default_options)
        } else {
            Arc::new(options)
        }
    }

    fn allocate_handle(&mut self) -> ConnectionHandle {
        let handle = ConnectionHandle(self.next_id.get());
        self.next_id = self.next_id.saturating_add(1);
        handle
    }

    /// A per-connection timestamp offset (RFC 7323 §5.4 recommends one per connection).
    fn timestamp_offset(&self, tuple: &FourTuple) -> u32 {
        let mut hasher = self.hasher.build_hasher();
        tuple.hash_into(&mut hasher);
        hasher.write_u8(0x75);
        hasher.finish() as u32
    }
}

/// The 4-tuple the connection or TIME_WAIT record `handle` holds.
fn tuple_held(
    connections: &HashMap<ConnectionHandle, Box<Connection>, HandleHasher>,
    time_wait: &HashMap<ConnectionHandle, TimeWaitRecord, HandleHasher>,
    handle: ConnectionHandle,
) -> Option<FourTuple> {
    match connections.get(&handle) {
        Some(conn) => Some(conn.tuple()),
        None => time_wait.get(&handle).map(|record| record.tuple()),
    }
}

/// Turns raised bits into events, in the order an application wants them.
fn push_events(
    events: &mut VecDeque<Event>,
    handle: ConnectionHandle,
    bits: Raised,
    error: Option<crate::Error>,
) {
    if bits.contains(Raise::Connected) {
        events.push_back(Event::Connected(handle));
    }
    if bits.contains(Raise::Failed)
        && let Some(error) = error
    {
        events.push_back(Event::Failed(handle, error));
    }
    if bits.contains(Raise::Readable) {
        events.push_back(Event::Readable(handle));
    }
    if bits.contains(Raise::PeerClosed) {
        events.push_back(Event::PeerClosed(handle));
    }
    if bits.contains(Raise::Writable) {
        events.push_back(Event::Writable(handle));
    }
}

/// True for addresses a TCP peer may have: not unspecified, multicast or broadcast.
fn is_unicast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => !ip.is_unspecified() && !ip.is_multicast() && !ip.is_broadcast(),
        IpAddr::V6(ip) => !ip.is_unspecified() && !ip.is_multicast(),
    }
}

/// Derives a 16-byte subkey from the endpoint secret for one purpose.
fn derive_key(secret: &[u8; 16], purpose: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (i, half) in out.chunks_exact_mut(8).enumerate() {
        let mut hasher = siphasher::sip::SipHasher13::new_with_key(secret);
        hasher.write(purpose);
        hasher.write_u8(i as u8);
        half.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    out
}
