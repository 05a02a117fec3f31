//! The stack: a handle to one engine and network layer driven by a background task.

mod builder;
mod default;
mod drive;
mod driver;
mod engine_lock;
mod frames;
mod pcap;
pub(crate) mod readiness;
mod shard_io;
pub(crate) mod shared;

pub use builder::StackBuilder;

use crate::link::{FaultConfig, FaultyLink, Link};
use crate::netlayer::{NetConfig, NetLayer};
use shared::Shared;
use std::io;
use std::net::Ipv4Addr;
use std::sync::Arc;
use tcp_core::{Config, Endpoint, SocketInfo};

/// Ends the driver when the last user handle (stack clone, listener, stream) is dropped.
struct AliveToken {
    shared: Arc<Shared>,
}

impl Drop for AliveToken {
    fn drop(&mut self) {
        self.shared.stop();
    }
}

/// A handle to a running stack: one IPv4 address on one link, with its TCP engine and the
/// driver task that serves them. Cheap to clone; the driver stops (after one last flush)
/// once every clone and every listener and stream made from it is dropped.
///
/// Unlike the kernel's TCP, this stack lives in the process and its runtime: data written
/// and a FIN queued by `shutdown` are delivered only while the driver runs. A program that is
/// about to drop its runtime should first wait for its connections to finish (for example
/// until `TcpStream::state` leaves `LAST_ACK` or `FIN_WAIT_1`).
#[derive(Clone)]
pub struct Stack {
    pub(crate) shared: Arc<Shared>,
    _alive: Arc<AliveToken>,
}

/// The stack's counters at one moment.
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

impl Stack {
    /// A builder for a stack on an AF_PACKET socket (or, with
    /// [`StackBuilder::link`], on any other link).
    pub fn builder() -> StackBuilder {
        StackBuilder::default()
    }

    /// Starts a stack on `link` with the network configuration `net` and engine
    /// configuration `config`; spawns the driver on the current tokio runtime.
    pub(crate) fn start<L: Link + Send + 'static>(
        link: L,
        net: NetConfig,
        mut config: Config,
        faults: Option<(u64, FaultConfig, FaultConfig)>,
        pcap: Option<pcap::PcapWriter>,
    ) -> io::Result<Stack> {
        config.mtu = u16::try_from(net.mtu).unwrap_or(u16::MAX);
        let layer = NetLayer::new(net)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let endpoint = Endpoint::new(config, random_secret());
        let link: Box<dyn Link + Send> = match faults {
            Some((seed, send, recv)) => Box::new(FaultyLink::new(link, seed, send, recv)),
            None => Box::new(link),
        };
        let shared = Arc::new(Shared::new(endpoint, layer, link, pcap));
        tokio::spawn(driver::run(shared.clone()));
        let alive = Arc::new(AliveToken {
            shared: shared.clone(),
        });
        Ok(Stack {
            shared,
            _alive: alive,
        })
    }

    /// The stack's IPv4 address.
    pub fn local_ipv4(&self) -> Ipv4Addr {
        self.shared.addr
    }

    /// A netstat-like table of every listener and connection (`Recv-Q`, `Send-Q`, local,
    /// foreign, state), listeners first.
    pub fn sockets(&self) -> Vec<SocketInfo> {
        self.inspect(|state| state.endpoint.sockets())
    }

    /// The engine's and network layer's counters.
    pub fn counters(&self) -> StackCounters {
        self.inspect(|state| StackCounters {
            tcp: *state.endpoint.counters(),
            net: *state.net.counters(),
            connections: state.endpoint.connection_totals(),
        })
    }
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("addr", &self.shared.addr)
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
