//! Local port choice, for `connect` (RFC 6056 algorithm 3: a keyed offset per destination,
//! then a linear probe that skips 4-tuples in use, TIME_WAIT included) and for a listener
//! bound to port 0 (the same probe, skipping every port in use).

use super::Endpoint;
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
        let mut hasher = self.hasher.build_hasher();
        FourTuple { local, remote }.hash_into(&mut hasher);
        let offset = (hasher.finish() as u32).wrapping_add(self.port_cursor);
        self.port_cursor = self.port_cursor.wrapping_add(1);
        probe_order(&self.config.ephemeral_ports, offset)
            .find(|&port| {
                let candidate = FourTuple {
                    local: SocketAddr::new(local.ip(), port),
                    remote,
                };
                self.holder_of(&candidate).is_none()
                    && !self.port_has_listener(port)
                    && self
                        .port_partition
                        .is_none_or(|partition| partition.owns(port, remote.port()))
            })
            .ok_or(Error::AddrNotAvailable)
    }

    /// Limits the ephemeral ports `connect` picks to those `partition` says this endpoint
    /// receives (`None`: every port). Ports the application names, and listeners, are not
    /// affected.
    pub fn set_port_partition(&mut self, partition: Option<PortPartition>) {
        self.port_partition = partition;
    }

    /// A port of the ephemeral range for a listener on `local` asked for port 0, as Linux's
    /// `bind` to port 0 picks one: no listener and no connection (TIME_WAIT included) uses
    /// it on any address. `AddrInUse` when every one is taken.
    pub(super) fn listener_port(&mut self, local: SocketAddr) -> Result<u16, Error> {
        let mut hasher = self.hasher.build_hasher();
        FourTuple {
            local,
            remote: local,
        }
        .hash_into(&mut hasher);
        let offset = (hasher.finish() as u32).wrapping_add(self.port_cursor);
        self.port_cursor = self.port_cursor.wrapping_add(1);
        probe_order(&self.config.ephemeral_ports, offset)
            .find(|&port| !self.by_tuple.port_in_use(port) && !self.port_has_listener(port))
            .ok_or(Error::AddrInUse)
    }

    fn port_has_listener(&self, port: u16) -> bool {
        self.listening_ports.contains_key(&port)
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
