//! The network layer's state and its sans-IO surface; input and output live beside it.

use core::net::IpAddr;
use std::collections::VecDeque;
use std::sync::Arc;

use super::arp::{Resolver, SharedResolver};
use super::config::{ConfigError, NetConfig};
use super::counters::Counters;
use super::ethernet::ETHERNET_HEADER_LEN;
use super::ipv4::IPV4_HEADER_LEN;
use super::ipv6::{IPV6_HEADER_LEN, Route6};
use super::route::Route;

/// Offset of the TCP segment in an IPv4 frame this layer builds: Ethernet (14) plus IPv4
/// (20).
pub const TCP_OFFSET: usize = ETHERNET_HEADER_LEN + IPV4_HEADER_LEN;

/// Offset of the TCP segment in an IPv6 frame this layer builds: Ethernet (14) plus IPv6
/// (40).
pub const TCP_OFFSET_V6: usize = ETHERNET_HEADER_LEN + IPV6_HEADER_LEN;

/// Ethernet, ARP, IPv4 and ICMP echo for one interface, as a state machine without I/O.
///
/// # Contract
/// - Time is `now_us`: microseconds since an epoch the caller picks (the driver's start, or
///   zero in a test), never going backwards. It is the convention of tcp-core's `Instant`
///   (`as_micros`), so one clock serves both layers.
/// - Input: every received frame goes to [`NetLayer::handle_frame`], which returns the TCP
///   segment it carried, if any; ARP and ICMP are answered internally.
/// - Output: after any call, drain [`NetLayer::poll_transmit`] until it returns `None` and
///   send those frames. TCP segments go out through [`NetLayer::send_tcp`], which finishes a
///   frame in the caller's buffer in place (the segment written at [`TCP_OFFSET`] first,
///   through [`NetLayer::tcp_buffer`]).
/// - Timers: when [`NetLayer::poll_timeout`] returns an instant, call
///   [`NetLayer::handle_timeout`] once it has passed (ARP retries), then drain output again.
///
/// Nothing here panics on received bytes, whatever they are; everything refused is counted
/// in [`Counters`].
#[derive(Debug)]
pub struct NetLayer {
    pub(super) config: NetConfig,
    pub(super) route: Route,
    /// The IPv6 routes, when the interface has IPv6.
    pub(super) route6: Option<Route6>,
    /// ARP state, shared with the layers of the stack's other shards (see
    /// [`NetLayer::sibling`]).
    pub(super) resolver: Arc<SharedResolver>,
    tx: VecDeque<Vec<u8>>,
    spare: Vec<Vec<u8>>,
    next_ident: u16,
    /// The shared ARP state's failure number up to which this layer has reported
    /// unreachable next hops (see [`NetLayer::poll_unreachable`]).
    failure_cursor: u64,
    /// ICMP errors about our TCP packets, for [`NetLayer::poll_icmp_error`].
    pub(super) icmp_errors: VecDeque<super::IcmpErrorReport>,
    pub(super) counters: Counters,
}

/// A TCP segment that arrived for our address, borrowed from the frame it came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    /// Source address of the IPv4 or IPv6 packet.
    pub src: IpAddr,
    /// Destination address (always ours, of the same family).
    pub dst: IpAddr,
    /// The TCP header and payload, exactly as long as the IP header says; neither
    /// parsed nor checksum-verified here (that is the engine's job).
    pub bytes: &'a [u8],
    /// The IP header carried the ECN codepoint CE (congestion experienced).
    pub congestion_experienced: bool,
}

impl NetLayer {
    /// A layer for `config`, with an empty ARP cache and nothing to send.
    pub fn new(config: NetConfig) -> Result<NetLayer, ConfigError> {
        config.validate()?;
        Ok(NetLayer {
            route: Route::new(&config),
            route6: config.ipv6.as_ref().map(Route6::new),
            resolver: Arc::new(SharedResolver::new(Resolver::new(&config.arp))),
            tx: VecDeque::with_capacity(config.tx_queue_capacity.min(1024)),
            spare: Vec::new(),
            next_ident: config.first_ident,
            failure_cursor: 0,
            icmp_errors: VecDeque::new(),
            counters: Counters::default(),
            config,
        })
    }

    /// A layer for another shard on the same interface: the same configuration and the
    /// same ARP state (cache, waiting packets, request schedule), so an answer any shard
    /// receives serves every shard, and packets one shard parked are released by whichever
    /// shard learns their next hop. Its transmit queue and counters are its own.
    pub fn sibling(&self) -> NetLayer {
        NetLayer {
            config: self.config.clone(),
            route: Route::new(&self.config),
            route6: self.route6,
            resolver: Arc::clone(&self.resolver),
            tx: VecDeque::with_capacity(self.config.tx_queue_capacity.min(1024)),
            spare: Vec::new(),
            next_ident: self.config.first_ident,
            failure_cursor: self.failure_cursor,
            icmp_errors: VecDeque::new(),
            counters: Counters::default(),
        }
    }

    /// The configuration this layer runs with.
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// Everything counted so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The largest frame this layer builds or accepts for sending: Ethernet header plus MTU.
    /// Buffers of this size always suffice for [`NetLayer::poll_transmit`] and
    /// [`NetLayer::send_tcp`].
    pub fn frame_capacity(&self) -> usize {
        ETHERNET_HEADER_LEN + self.config.mtu
    }

    /// The largest TCP segment (header included) that fits the MTU in an IPv4 packet.
    pub fn max_tcp_len(&self) -> usize {
        self.config.mtu - IPV4_HEADER_LEN
    }

    /// Where in a frame buffer the engine writes a TCP segment for [`NetLayer::send`]:
    /// [`TCP_OFFSET_V6`] when the interface has IPv6, so that either header fits in front
    /// of it, else [`TCP_OFFSET`].
    pub fn tcp_offset(&self) -> usize {
        if self.route6.is_some() {
            TCP_OFFSET_V6
        } else {
            TCP_OFFSET
        }
    }

    /// Where in the buffer a frame to `dst` built by [`NetLayer::send`] starts: 0 for IPv6
    /// and for IPv4 on an IPv4-only layer, [`NetLayer::headroom`] for IPv4 on a dual-stack
    /// one (its shorter header leaves room in front).
    pub fn frame_start(&self, dst: IpAddr) -> usize {
        match dst {
            IpAddr::V4(_) => self.headroom(),
            IpAddr::V6(_) => 0,
        }
    }

    /// The bytes in front of an IPv4 frame in a buffer given to [`NetLayer::send`]: 0, or
    /// 20 on a dual-stack layer. Buffers for `send` must be this much longer than the
    /// frames they carry.
    pub fn headroom(&self) -> usize {
        self.tcp_offset() - TCP_OFFSET
    }

    /// Copies the next frame this layer wants sent (ARP, ICMP, or TCP segments released by
    /// ARP resolution) into `buf` and returns its length, or `None` when there is nothing
    /// more. A frame longer than `buf` is dropped and counted, never truncated.
    #[must_use = "frames returned by poll_transmit must be sent"]
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> Option<usize> {
        while let Some(frame) = self.tx.pop_front() {
            let len = frame.len();
            let fits = match buf.get_mut(..len) {
                Some(out) => {
                    out.copy_from_slice(&frame);
                    true
                }
                None => false,
            };
            self.recycle(frame);
            if fits {
                self.counters.frames_out += 1;
                return Some(len);
            }
            self.counters.tx_queue_drops += 1;
        }
        None
    }

    /// When [`NetLayer::handle_timeout`] next has work, in the caller's microseconds.
    #[must_use = "the layer needs handle_timeout at this instant"]
    pub fn poll_timeout(&self) -> Option<u64> {
        self.resolver.next_due()
    }

    /// The next hop that stopped answering ARP (its requests all went unanswered) since
    /// the last call, whichever sibling layer gave up on it; the caller fails the
    /// connections it was opening through that hop (see [`NetLayer::next_hop`]). Without
    /// a lock when there is none.
    pub fn poll_unreachable(&mut self) -> Option<IpAddr> {
        let (hop, cursor) = self.resolver.failure_since(self.failure_cursor)?;
        self.failure_cursor = cursor;
        Some(hop)
    }

    /// The address whose MAC address a packet to `dst` is sent to: `dst` on the link, the
    /// gateway off it; `None` when there is no route (or no address of `dst`'s family).
    pub fn next_hop(&self, dst: IpAddr) -> Option<IpAddr> {
        match dst {
            IpAddr::V4(dst) if self.config.has_ipv4() => self.route.next_hop(dst).map(IpAddr::V4),
            IpAddr::V4(_) => None,
            IpAddr::V6(dst) => self.route6?.next_hop(dst).map(IpAddr::V6),
        }
    }

    /// Does whatever is due at `now_us`: repeats ARP requests and neighbour solicitations,
    /// and drops (and counts) the packets of next hops that never answered.
    pub fn handle_timeout(&mut self, now_us: u64) {
        let mut due = Vec::new();
        self.resolver
            .change(|resolver| resolver.expire(now_us, |event| due.push(event)));
        for event in due {
            match event {
                super::arp::Due::Retry(ip) => self.ask_for(ip),
                super::arp::Due::GaveUp { hop, dropped } => {
                    self.resolver.record_failure(hop);
                    self.counters.arp_unresolved_drops += dropped as u64;
                }
            }
        }
    }

    /// The identification for the next outgoing packet.
    pub(super) fn take_ident(&mut self) -> u16 {
        let ident = self.next_ident;
        self.next_ident = ident.wrapping_add(1);
        ident
    }

    /// A zeroed buffer of `len` bytes, reusing a sent frame's allocation when there is one.
    pub(super) fn buffer(&mut self, len: usize) -> Vec<u8> {
        let mut buffer = self.spare.pop().unwrap_or_default();
        buffer.clear();
        buffer.resize(len, 0);
        buffer
    }

    /// Queues a finished frame for [`NetLayer::poll_transmit`]; false (and counted) when the
    /// queue is full.
    pub(super) fn push_tx(&mut self, frame: Vec<u8>) -> bool {
        if self.tx.len() >= self.config.tx_queue_capacity {
            self.counters.tx_queue_drops += 1;
            self.recycle(frame);
            return false;
        }
        self.tx.push_back(frame);
        true
    }

    /// Keeps an allocation for later frames, up to the transmit queue's size.
    fn recycle(&mut self, frame: Vec<u8>) {
        if self.spare.len() < self.config.tx_queue_capacity {
            self.spare.push(frame);
        }
    }
}
