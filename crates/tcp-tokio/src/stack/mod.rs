//! The stack: a handle to one engine and network layer driven by a background task.

mod builder;
mod default;
mod drive;
mod driver;
mod engine_lock;
mod frames;
mod icmp_relay;
mod pcap;
pub(crate) mod readiness;
mod shard_io;
pub(crate) mod shared;

pub use builder::{MAX_SHARDS, StackBuilder};

use crate::api::TcpInfo;
use crate::link::{FaultConfig, FaultyLink, Link};
use crate::netlayer::{NetConfig, NetLayer};
use shared::Shared;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tcp_core::{Config, Endpoint, PortPartition, SocketInfo};

/// Ends the drivers when the last user handle (stack clone, listener, stream) is dropped.
struct AliveToken {
    shards: Arc<[Arc<Shared>]>,
}

impl Drop for AliveToken {
    fn drop(&mut self) {
        for shard in self.shards.iter() {
            shard.stop();
        }
    }
}

/// A handle to a running stack: one IPv4 address on one link, served by one or more
/// shards, each with its own TCP engine, network layer, link socket and driver task. Cheap
/// to clone; the drivers stop (after one last flush) once every clone and every listener
/// and stream made from it is dropped.
///
/// With several shards (see [`StackBuilder::shards`]) the kernel hands each received
/// frame to the shard [`crate::link::shard_of`] names for its ports, so every connection
/// lives on one shard; a listener listens on every shard and accepts from all of them.
///
/// Unlike the kernel's TCP, this stack lives in the process and its runtime: data written
/// and a FIN queued by `shutdown` are delivered only while the driver runs. A program that is
/// about to drop its runtime should first wait for its connections to finish (for example
/// until `TcpStream::state` leaves `LAST_ACK` or `FIN_WAIT_1`).
#[derive(Clone)]
pub struct Stack {
    pub(crate) shards: Arc<[Arc<Shared>]>,
    _alive: Arc<AliveToken>,
}

/// The stack's counters at one moment, summed over its shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackCounters {
    /// The TCP engine's counters (segments, resets, checksum errors, cookies, ...).
    pub tcp: tcp_core::Counters,
    /// The network layer's counters (frames, ARP, IPv4 drops, ICMP echo replies, ...).
    pub net: crate::netlayer::Counters,
    /// Every connection's counters summed, live and finished: retransmissions, loss
    /// recovery, probes ([`tcp_core::Endpoint::connection_totals`]).
    pub connections: tcp_core::ConnectionStats,
}

/// The next thread's home shard (see [`Stack::home_shard`]).
static NEXT_HOME: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's home shard number, before reduction modulo the shard count.
    static HOME: usize = NEXT_HOME.fetch_add(1, Ordering::Relaxed);
}

impl Stack {
    /// A builder for a stack on an AF_PACKET socket (or, with
    /// [`StackBuilder::link`], on any other link).
    pub fn builder() -> StackBuilder {
        StackBuilder::default()
    }

    /// Starts a stack with one shard per link in `links` (more than one only for links of
    /// one fanout group, in its order), the network configuration `net` and engine
    /// configuration `config`; spawns one driver per shard on the current tokio runtime.
    pub(crate) fn start(
        links: Vec<Box<dyn Link + Send>>,
        net: NetConfig,
        mut config: Config,
        faults: Option<(u64, FaultConfig, FaultConfig)>,
        pcap: Option<pcap::PcapWriter>,
    ) -> io::Result<Stack> {
        config.mtu = u16::try_from(net.mtu).unwrap_or(u16::MAX);
        let first = NetLayer::new(net)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let count = u16::try_from(links.len())
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no link to run on"))?;
        let pcap = pcap.map(|writer| Arc::new(Mutex::new(writer)));
        let epoch = tokio::time::Instant::now();
        let mut nets: Vec<NetLayer> = (1..count).map(|_| first.sibling()).collect();
        nets.insert(0, first);
        let mut shards = Vec::with_capacity(links.len());
        let fast_open_key = random_secret();
        for (index, (link, net)) in links.into_iter().zip(nets).enumerate() {
            let mut endpoint = Endpoint::new(config.clone(), random_secret());
            // One Fast Open key for every shard: a client's next SYN may land on another.
            endpoint.set_fast_open_key(fast_open_key);
            if count > 1 {
                endpoint.set_port_partition(Some(PortPartition {
                    index: index as u16,
                    count,
                    owner: crate::link::shard_of,
                }));
            }
            let link: Box<dyn Link + Send> = match faults {
                Some((seed, send, recv)) => Box::new(FaultyLink::new(
                    link,
                    seed.wrapping_add(index as u64),
                    send,
                    recv,
                )),
                None => link,
            };
            shards.push(Arc::new(Shared::new(
                endpoint,
                net,
                link,
                pcap.clone(),
                epoch,
            )));
        }
        if shards.len() > 1 {
            let relay = Arc::new(icmp_relay::IcmpRelay::new(
                shards.iter().map(|shard| shard.driver_waker()).collect(),
            ));
            for (index, shard) in shards.iter().enumerate() {
                shard.lock().icmp_relay = Some((relay.clone(), index));
            }
        }
        let shards: Arc<[Arc<Shared>]> = shards.into();
        for shard in shards.iter() {
            tokio::spawn(driver::run(shard.clone()));
        }
        let alive = Arc::new(AliveToken {
            shards: shards.clone(),
        });
        Ok(Stack {
            shards,
            _alive: alive,
        })
    }

    /// The stack's IPv4 address; `0.0.0.0` on an IPv6-only stack.
    pub fn local_ipv4(&self) -> Ipv4Addr {
        self.shards[0].addr
    }

    /// The stack's global IPv6 address, if it has IPv6.
    pub fn local_ipv6(&self) -> Option<Ipv6Addr> {
        self.shards[0].ipv6.as_ref().map(|ipv6| ipv6.addr)
    }

    /// The stack's link-local IPv6 address, if it has IPv6.
    pub fn link_local_ipv6(&self) -> Option<Ipv6Addr> {
        self.shards[0].ipv6.as_ref().map(|ipv6| ipv6.link_local)
    }

    /// Whether the stack has an IPv4 address.
    pub(crate) fn has_ipv4(&self) -> bool {
        !self.local_ipv4().is_unspecified()
    }

    /// Whether `ip` is one of the stack's IPv6 addresses (global or link-local).
    pub(crate) fn owns_ipv6(&self, ip: Ipv6Addr) -> bool {
        self.local_ipv6() == Some(ip) || self.link_local_ipv6() == Some(ip)
    }

    /// Our IPv6 address to connect to `remote` from: the link-local one for a link-local
    /// peer, else the global one; `None` without IPv6.
    pub(crate) fn ipv6_source_for(&self, remote: Ipv6Addr) -> Option<Ipv6Addr> {
        if remote.is_unicast_link_local() {
            self.link_local_ipv6()
        } else {
            self.local_ipv6()
        }
    }

    /// The stack's addresses, for messages: `198.18.0.1`, `2001:2::1` or both.
    pub(crate) fn addresses(&self) -> String {
        match (self.has_ipv4(), self.local_ipv6()) {
            (true, Some(v6)) => format!("{}, {v6}", self.local_ipv4()),
            (false, Some(v6)) => v6.to_string(),
            _ => self.local_ipv4().to_string(),
        }
    }

    /// How many shards serve the stack.
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// The shard that receives the segments of a connection between these ports.
    pub(crate) fn shard_for(&self, local_port: u16, remote_port: u16) -> &Arc<Shared> {
        let count = self.shards.len() as u16;
        let index = crate::link::shard_of(local_port, remote_port, count);
        &self.shards[usize::from(index) % self.shards.len()]
    }

    /// The shard for a connection this thread opens from an ephemeral port: each thread
    /// has one, given out round robin, so that the runtime's worker threads spread their
    /// connections over the shards.
    pub(crate) fn home_shard(&self) -> &Arc<Shared> {
        &self.shards[HOME.with(|home| *home) % self.shards.len()]
    }

    /// A netstat-like table of every listener and connection (`Recv-Q`, `Send-Q`, local,
    /// foreign, state), listeners first. A listener is one row for all shards: its
    /// `Recv-Q` is the connections waiting in all of its accept queues.
    pub fn sockets(&self) -> Vec<SocketInfo> {
        self.merged_rows(|endpoint| {
            endpoint
                .sockets()
                .into_iter()
                .map(|row| (row, None::<()>))
                .collect()
        })
        .into_iter()
        .map(|(row, _)| row)
        .collect()
    }

    /// [`Stack::sockets`] with what `ss -ti` adds: each connection's transmission state and
    /// counters, read under its shard's lock with its row (every connection, accepted or
    /// not, open or closed by the application); `None` for listeners and TIME_WAIT
    /// records, which keep no control block.
    pub fn sockets_with_info(&self) -> Vec<(SocketInfo, Option<TcpInfo>)> {
        self.merged_rows(|endpoint| {
            endpoint
                .sockets_with_info()
                .into_iter()
                .map(|(row, info)| {
                    let info = info.map(|(transmission, counters)| TcpInfo {
                        transmission,
                        counters,
                    });
                    (row, info)
                })
                .collect()
        })
    }

    /// Every shard's rows as `read` gives them, listeners first and merged into one row
    /// per address (their accept queues summed), then the connections shard by shard.
    fn merged_rows<T>(
        &self,
        read: impl Fn(&Endpoint) -> Vec<(SocketInfo, Option<T>)>,
    ) -> Vec<(SocketInfo, Option<T>)> {
        let mut listeners: Vec<(SocketInfo, Option<T>)> = Vec::new();
        let mut connections = Vec::new();
        for shard in self.shards.iter() {
            for (socket, info) in shard.inspect(|state| read(&state.endpoint)) {
                if socket.state != tcp_core::State::Listen {
                    connections.push((socket, info));
                } else if let Some((row, _)) =
                    listeners.iter_mut().find(|(l, _)| l.local == socket.local)
                {
                    row.recv_q += socket.recv_q;
                } else {
                    listeners.push((socket, info));
                }
            }
        }
        listeners.extend(connections);
        listeners
    }

    /// The engines' and network layers' counters, summed over the shards.
    pub fn counters(&self) -> StackCounters {
        let mut total = StackCounters {
            tcp: tcp_core::Counters::default(),
            net: crate::netlayer::Counters::default(),
            connections: tcp_core::ConnectionStats::default(),
        };
        for shard in self.shards.iter() {
            shard.inspect(|state| {
                total.tcp += *state.endpoint.counters();
                total.net += *state.net.counters();
                total.connections += state.endpoint.connection_totals();
            });
        }
        total
    }
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("addr", &self.local_ipv4())
            .field("addr_v6", &self.local_ipv6())
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

/// 16 unpredictable bytes for the engine's secret (ISNs, hash keys, cookies): std's
/// `RandomState` is keyed from the operating system's random source.
fn random_secret() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let state = std::collections::hash_map::RandomState::new();
    let mut secret = [0u8; 16];
    for (i, chunk) in secret.chunks_exact_mut(8).enumerate() {
        let mut hasher = state.build_hasher();
        hasher.write_usize(i);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    secret
}
