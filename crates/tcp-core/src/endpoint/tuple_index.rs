//! The demultiplexer's index: which connection holds each 4-tuple, and which local ports
//! and addresses connections use, so `listen` and port choice never scan the connections.

use crate::addr::FourTuple;
use crate::endpoint::hashing::{HandleHasher, KeyedHasher};
use crate::endpoint::memory_usage::hash_table_bytes_of;
use crate::handle::ConnectionHandle;
use core::hash::BuildHasher;
use core::net::{IpAddr, SocketAddr};
use std::collections::HashMap;

/// Every 4-tuple in use (TIME_WAIT included) and the count of tuples on each local port and
/// local address. The counts change only with the tuples, so they are always exact.
///
/// The index keeps a keyed 64-bit hash of each tuple, not the tuple (64 bytes): the
/// connection holds its tuple, and a lookup confirms the one it finds through `tuple_of`.
/// Two tuples in use whose hashes collide (a peer cannot aim for it: the key is the
/// endpoint's secret) keep the later one, whole, in a small overflow table.
#[derive(Debug)]
pub(crate) struct TupleIndex<S = KeyedHasher> {
    hasher: S,
    by_hash: HashMap<u64, ConnectionHandle, HandleHasher>,
    /// Tuples whose hash another tuple in `by_hash` has.
    overflow: HashMap<FourTuple, ConnectionHandle, S>,
    /// Tuples per local port, any address.
    ports: HashMap<u16, u32, S>,
    /// Tuples per local address and port.
    addresses: HashMap<(IpAddr, u16), u32, S>,
}

impl<S: BuildHasher + Clone> TupleIndex<S> {
    /// An empty index whose tables hash with `hasher`.
    pub(crate) fn new(hasher: S) -> TupleIndex<S> {
        TupleIndex {
            by_hash: HashMap::with_hasher(HandleHasher),
            overflow: HashMap::with_hasher(hasher.clone()),
            ports: HashMap::with_hasher(hasher.clone()),
            addresses: HashMap::with_hasher(hasher.clone()),
            hasher,
        }
    }

    /// The connection holding `tuple`; `tuple_of` names the tuple a handle holds.
    pub(crate) fn get(
        &self,
        tuple: &FourTuple,
        tuple_of: impl Fn(ConnectionHandle) -> Option<FourTuple>,
    ) -> Option<ConnectionHandle> {
        let handle = *self.by_hash.get(&self.hasher.hash_one(tuple))?;
        if tuple_of(handle).as_ref() == Some(tuple) {
            return Some(handle);
        }
        self.overflow.get(tuple).copied()
    }

    /// Records that `handle` holds `tuple`, which no connection holds (`tuple_of` as for
    /// [`TupleIndex::get`]).
    pub(crate) fn insert(
        &mut self,
        tuple: FourTuple,
        handle: ConnectionHandle,
        tuple_of: impl Fn(ConnectionHandle) -> Option<FourTuple>,
    ) {
        let hash = self.hasher.hash_one(tuple);
        match self.by_hash.get(&hash) {
            Some(&other) if tuple_of(other).is_some() => {
                self.overflow.insert(tuple, handle);
            }
            _ => {
                self.by_hash.insert(hash, handle);
            }
        }
        *self.ports.entry(tuple.local.port()).or_insert(0) += 1;
        *self
            .addresses
            .entry((tuple.local.ip(), tuple.local.port()))
            .or_insert(0) += 1;
    }

    /// Forgets `tuple` if `handle` holds it.
    pub(crate) fn remove(&mut self, tuple: &FourTuple, handle: ConnectionHandle) {
        let hash = self.hasher.hash_one(tuple);
        if self.by_hash.get(&hash) == Some(&handle) {
            self.by_hash.remove(&hash);
            let promoted = self
                .overflow
                .iter()
                .find(|(t, _)| self.hasher.hash_one(*t) == hash)
                .map(|(t, h)| (*t, *h));
            if let Some((t, h)) = promoted {
                self.overflow.remove(&t);
                self.by_hash.insert(hash, h);
            }
        } else if self.overflow.get(tuple) == Some(&handle) {
            self.overflow.remove(tuple);
        } else {
            return;
        }
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

    /// Bytes of the tables, by capacity.
    pub(crate) fn allocated(&self) -> usize {
        hash_table_bytes_of(&self.by_hash)
            + hash_table_bytes_of(&self.overflow)
            + hash_table_bytes_of(&self.ports)
            + hash_table_bytes_of(&self.addresses)
    }
}

/// Counts one fewer under `key`, dropping the entry at zero.
fn decrement<K: core::hash::Hash + Eq, S: BuildHasher>(counts: &mut HashMap<K, u32, S>, key: K) {
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
    use std::collections::HashMap as Map;

    fn tuple(local: &str, remote: &str) -> FourTuple {
        FourTuple {
            local: local.parse().unwrap(),
            remote: remote.parse().unwrap(),
        }
    }

    /// An index and the tuples its handles hold.
    struct Table {
        index: TupleIndex,
        held: Map<ConnectionHandle, FourTuple>,
    }

    impl Table {
        fn new() -> Table {
            Table {
                index: TupleIndex::new(KeyedHasher::new([7; 16])),
                held: Map::new(),
            }
        }

        fn insert(&mut self, t: FourTuple, h: u64) {
            let held = &self.held;
            self.index
                .insert(t, ConnectionHandle(h), |h| held.get(&h).copied());
            self.held.insert(ConnectionHandle(h), t);
        }

        fn remove(&mut self, t: FourTuple, h: u64) {
            self.index.remove(&t, ConnectionHandle(h));
            self.held.remove(&ConnectionHandle(h));
        }

        fn get(&self, t: FourTuple) -> Option<u64> {
            let held = &self.held;
            self.index.get(&t, |h| held.get(&h).copied()).map(|h| h.0)
        }
    }

    #[test]
    fn counts_follow_the_tuples() {
        let mut table = Table::new();
        let a = tuple("10.0.0.1:80", "10.0.0.9:1000");
        let b = tuple("10.0.0.1:80", "10.0.0.9:1001");
        let c = tuple("10.0.0.2:81", "10.0.0.9:1000");
        table.insert(a, 1);
        table.insert(b, 2);
        table.insert(c, 3);
        assert_eq!(
            (table.get(a), table.get(b), table.get(c)),
            (Some(1), Some(2), Some(3))
        );
        assert_eq!(table.get(tuple("10.0.0.1:80", "10.0.0.9:1002")), None);
        let index = &table.index;
        assert!(index.address_in_use("10.0.0.1:80".parse().unwrap()));
        assert!(index.address_in_use("0.0.0.0:81".parse().unwrap()));
        assert!(!index.address_in_use("10.0.0.2:80".parse().unwrap()));
        table.index.remove(&a, ConnectionHandle(9));
        assert_eq!(table.get(a), Some(1), "only the holder removes a tuple");
        table.remove(a, 1);
        assert!(table.index.port_in_use(80));
        table.remove(b, 2);
        assert!(!table.index.port_in_use(80));
        assert!(!table.index.address_in_use("10.0.0.1:80".parse().unwrap()));
        assert!(table.index.port_in_use(81));
    }

    /// Hashes everything to 0: every tuple collides with every other.
    #[derive(Debug, Clone, Copy)]
    struct Colliding;

    impl BuildHasher for Colliding {
        type Hasher = Zero;

        fn build_hasher(&self) -> Zero {
            Zero
        }
    }

    struct Zero;

    impl core::hash::Hasher for Zero {
        fn finish(&self) -> u64 {
            0
        }

        fn write(&mut self, _: &[u8]) {}
    }

    #[test]
    fn colliding_hashes_fall_back_to_the_whole_tuple() {
        let mut index = TupleIndex::new(Colliding);
        let mut held: Map<ConnectionHandle, FourTuple> = Map::new();
        let tuples: Vec<FourTuple> = (0..4)
            .map(|i| tuple("10.0.0.1:80", &format!("10.0.0.9:{}", 1000 + i)))
            .collect();
        for (i, t) in tuples.iter().enumerate() {
            let handle = ConnectionHandle(i as u64);
            index.insert(*t, handle, |h| held.get(&h).copied());
            held.insert(handle, *t);
        }
        let find = |index: &TupleIndex<Colliding>, held: &Map<_, FourTuple>, t| {
            index.get(t, |h| held.get(&h).copied()).map(|h| h.0)
        };
        for (i, t) in tuples.iter().enumerate() {
            assert_eq!(find(&index, &held, t), Some(i as u64));
        }
        assert_eq!(index.overflow.len(), 3);
        // The one filed under the hash goes: another takes its place, all still found.
        index.remove(&tuples[0], ConnectionHandle(0));
        held.remove(&ConnectionHandle(0));
        assert_eq!(find(&index, &held, &tuples[0]), None);
        for (i, t) in tuples.iter().enumerate().skip(1) {
            assert_eq!(find(&index, &held, t), Some(i as u64));
        }
        assert_eq!(index.overflow.len(), 2);
        index.remove(&tuples[2], ConnectionHandle(2));
        held.remove(&ConnectionHandle(2));
        assert_eq!(find(&index, &held, &tuples[2]), None);
        assert_eq!(find(&index, &held, &tuples[3]), Some(3));
        assert!(index.port_in_use(80));
    }
}
