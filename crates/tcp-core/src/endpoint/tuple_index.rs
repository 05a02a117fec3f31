//! The demultiplexer's index: which connection holds each 4-tuple, and which local ports
//! and addresses connections use, so `listen` and port choice never scan the connections.

use crate::addr::FourTuple;
use crate::endpoint::hashing::KeyedHasher;
use crate::endpoint::memory_usage::hash_table_bytes_of;
use crate::handle::ConnectionHandle;
use core::net::{IpAddr, SocketAddr};
use std::collections::HashMap;

/// Every 4-tuple in use (TIME_WAIT included) and the count of tuples on each local port and
/// local address. The counts change only with the tuples, so they are always exact.
#[derive(Debug)]
pub(crate) struct TupleIndex {
    by_tuple: HashMap<FourTuple, ConnectionHandle, KeyedHasher>,
    /// Tuples per local port, any address.
    ports: HashMap<u16, u32, KeyedHasher>,
    /// Tuples per local address and port.
    addresses: HashMap<(IpAddr, u16), u32, KeyedHasher>,
}

impl TupleIndex {
    /// An empty index whose tables hash with `hasher`.
    pub(crate) fn new(hasher: KeyedHasher) -> TupleIndex {
        TupleIndex {
            by_tuple: HashMap::with_hasher(hasher),
            ports: HashMap::with_hasher(hasher),
            addresses: HashMap::with_hasher(hasher),
        }
    }

    /// The connection holding `tuple`.
    pub(crate) fn get(&self, tuple: &FourTuple) -> Option<ConnectionHandle> {
        self.by_tuple.get(tuple).copied()
    }

    /// True when a connection holds `tuple`.
    pub(crate) fn contains(&self, tuple: &FourTuple) -> bool {
        self.by_tuple.contains_key(tuple)
    }

    /// Records that `handle` holds `tuple` (replacing whatever held it).
    pub(crate) fn insert(&mut self, tuple: FourTuple, handle: ConnectionHandle) {
        if self.by_tuple.insert(tuple, handle).is_some() {
            return;
        }
        *self.ports.entry(tuple.local.port()).or_insert(0) += 1;
        *self
            .addresses
            .entry((tuple.local.ip(), tuple.local.port()))
            .or_insert(0) += 1;
    }

    /// Forgets `tuple` if `handle` holds it.
    pub(crate) fn remove(&mut self, tuple: &FourTuple, handle: ConnectionHandle) {
        if self.by_tuple.get(tuple) != Some(&handle) {
            return;
        }
        self.by_tuple.remove(tuple);
        decrement(&mut self.ports, tuple.local.port());
        decrement(&mut self.addresses, (tuple.local.ip(), tuple.local.port()));
    }

    /// True when a tuple uses local port `port` on any address.
    pub(crate) fn port_in_use(&self, port: u16) -> bool {
        self.ports.contains_key(&port)
    }

    /// True when a tuple uses `local`: its port on its address, or on any address when
    /// `local`'s is unspecified.
    pub(crate) fn address_in_use(&self, local: SocketAddr) -> bool {
        if local.ip().is_unspecified() {
            return self.port_in_use(local.port());
        }
        self.addresses.contains_key(&(local.ip(), local.port()))
    }

    /// Bytes of the three tables, by capacity.
    pub(crate) fn allocated(&self) -> usize {
        hash_table_bytes_of(&self.by_tuple)
            + hash_table_bytes_of(&self.ports)
            + hash_table_bytes_of(&self.addresses)
    }
}

/// Counts one fewer under `key`, dropping the entry at zero.
fn decrement<K: core::hash::Hash + Eq>(counts: &mut HashMap<K, u32, KeyedHasher>, key: K) {
    if let Some(count) = counts.get_mut(&key) {
        *count -= 1;
        if *count == 0 {
            counts.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tuple(local: &str, remote: &str) -> FourTuple {
        FourTuple {
            local: local.parse().unwrap(),
            remote: remote.parse().unwrap(),
        }
    }

    #[test]
    fn counts_follow_the_tuples() {
        let mut index = TupleIndex::new(KeyedHasher::new([7; 16]));
        let a = tuple("10.0.0.1:80", "10.0.0.9:1000");
        let b = tuple("10.0.0.1:80", "10.0.0.9:1001");
        let c = tuple("10.0.0.2:81", "10.0.0.9:1000");
        index.insert(a, ConnectionHandle(1));
        index.insert(b, ConnectionHandle(2));
        index.insert(c, ConnectionHandle(3));
        index.insert(a, ConnectionHandle(4));
        assert_eq!(index.get(&a), Some(ConnectionHandle(4)));
        assert!(index.address_in_use("10.0.0.1:80".parse().unwrap()));
        assert!(index.address_in_use("0.0.0.0:81".parse().unwrap()));
        assert!(!index.address_in_use("10.0.0.2:80".parse().unwrap()));
        index.remove(&a, ConnectionHandle(1));
        assert!(index.contains(&a), "only the holder removes a tuple");
        index.remove(&a, ConnectionHandle(4));
        assert!(index.port_in_use(80));
        index.remove(&b, ConnectionHandle(2));
        assert!(!index.port_in_use(80));
        assert!(!index.address_in_use("10.0.0.1:80".parse().unwrap()));
        assert!(index.port_in_use(81));
    }
}
