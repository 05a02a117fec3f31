//! Local port choice, for `connect` (RFC 6056 algorithm 3: a keyed offset per destination,
//! then a linear probe that skips 4-tuples in use, TIME_WAIT included) and for a listener
//! bound to port 0 (the same probe, skipping every port in use).

use super::Endpoint;
use super::hashing::KeyedHasher;
use super::port_partition::PortPartition;
use crate::addr::FourTuple;
use crate::error::Error;
use core::hash::{BuildHasher, Hasher};
use core::net::SocketAddr;
use core::ops::RangeInclusive;

impl Endpoint {
    /// A free ephemeral port for a connection from `local_ip` to `remote`.
    pub(super) fn ephemeral_port(
        &mut self,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Result<u16, Error> {
        let offset = self.ports.offset(&self.hasher, FourTuple { local, remote });
        probe_order(&self.config.ephemeral_ports, offset)
            .find(|&port| {
                let candidate = FourTuple {
                    local: SocketAddr::new(local.ip(), port),
                    remote,
                };
                self.holder_of(&candidate).is_none()
                    && !self.port_has_listener(port)
                    && self.ports.receives(port, remote.port())
            })
            .ok_or(Error::AddrNotAvailable)
    }

    /// Limits the ephemeral ports `connect` picks to those `partition` says this endpoint
    /// receives (`None`: every port). Ports the application names, and listeners, are not
    /// affected.
    pub fn set_port_partition(&mut self, partition: Option<PortPartition>) {
        self.ports.partition = partition;
    }

    /// A port of the ephemeral range for a listener on `local` asked for port 0, as Linux's
    /// `bind` to port 0 picks one: no listener and no connection (TIME_WAIT included) uses
    /// it on any address. `AddrInUse` when every one is taken.
    pub(super) fn listener_port(&mut self, local: SocketAddr) -> Result<u16, Error> {
        let offset = self.ports.offset(
            &self.hasher,
            FourTuple {
                local,
                remote: local,
            },
        );
        probe_order(&self.config.ephemeral_ports, offset)
            .find(|&port| !self.by_tuple.port_in_use(port) && !self.port_has_listener(port))
            .ok_or(Error::AddrInUse)
    }

    fn port_has_listener(&self, port: u16) -> bool {
        self.listening_ports.contains_key(&port)
    }
}

/// Where the search for a free ephemeral port starts, and which ports this endpoint may
/// pick when it shares its address.
#[derive(Debug, Default)]
pub(super) struct EphemeralPorts {
    /// Advances the search between calls (RFC 6056 algorithm 3's counter).
    cursor: u32,
    /// The ports this endpoint receives, when it shares its address (`None`: all).
    partition: Option<PortPartition>,
}

impl EphemeralPorts {
    /// The search's starting offset for `tuple`: its keyed hash plus the counter, which
    /// moves on.
    fn offset(&mut self, hasher: &KeyedHasher, tuple: FourTuple) -> u32 {
        let mut state = hasher.build_hasher();
        tuple.hash_into(&mut state);
        let offset = (state.finish() as u32).wrapping_add(self.cursor);
        self.cursor = self.cursor.wrapping_add(1);
        offset
    }

    /// This endpoint receives the segments of a connection from local `port` to
    /// `remote_port`.
    fn receives(&self, port: u16, remote_port: u16) -> bool {
        self.partition
            .is_none_or(|partition| partition.owns(port, remote_port))
    }
}

/// Every port of `range` once, starting at `offset` into it and wrapping around; nothing
/// for an empty range or one that includes port 0.
fn probe_order(range: &RangeInclusive<u16>, offset: u32) -> impl Iterator<Item = u16> {
    let (first, last) = (u32::from(*range.start()), u32::from(*range.end()));
    let count = if first > last || first == 0 {
        0
    } else {
        last - first + 1
    };
    (0..count).map(move |step| (first + offset.wrapping_add(step) % count) as u16)
}
