//! The endpoint's own count of the memory it holds: control blocks, the heap they own and
//! the storage of its tables, so the cost of a connection can be read without an allocator.

use super::Endpoint;
use crate::connection::Connection;

/// Bytes an [`Endpoint`] holds by its own count (see [`Endpoint::memory_usage`]).
///
/// Every figure is exact for the engine's own structures: `size_of` of each control block,
/// the capacity (not the length) of every buffer, queue and table. What the allocator adds
/// around each allocation (its headers and rounding) is not counted; hash tables are counted
/// as std's `HashMap` lays them out (a power-of-two bucket array at most 7/8 full, plus one
/// control byte per bucket and a group of 16).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryUsage {
    /// Connections held.
    pub connections: usize,
    /// `size_of` of their control blocks, summed.
    pub control_blocks: usize,
    /// Heap the connections own: buffer storage, records of segments in flight, congestion
    /// controllers and any state they allocated.
    pub connection_heap: usize,
    /// Of `connection_heap`, the buffer storage ([`Endpoint::buffer_memory`]).
    pub buffers: usize,
    /// TIME_WAIT entries held as compact records (connections nobody holds any more).
    pub time_wait_entries: usize,
    /// The records' table: the records and its empty buckets.
    pub time_wait: usize,
    /// The endpoint's tables and queues: the connection table, the 4-tuple index, the timer
    /// queue, listeners and their queues, events and replies waiting to be polled.
    pub tables: usize,
}

impl MemoryUsage {
    /// Every byte counted: control blocks, their heap, TIME_WAIT records and the tables.
    pub fn total(&self) -> usize {
        self.control_blocks + self.connection_heap + self.time_wait + self.tables
    }

    /// [`MemoryUsage::total`] divided by the connections held, TIME_WAIT entries included:
    /// what one costs on average with its share of the tables (0 with none).
    pub fn per_connection(&self) -> usize {
        self.total()
            .checked_div(self.connections + self.time_wait_entries)
            .unwrap_or(0)
    }
}

impl Endpoint {
    /// The memory the endpoint holds by its own count (see [`MemoryUsage`]). Costs one pass
    /// over the connections.
    pub fn memory_usage(&self) -> MemoryUsage {
        let mut usage = MemoryUsage {
            connections: self.connections.len(),
            control_blocks: self.connections.len() * size_of::<Connection>(),
            buffers: self.memory.total(),
            time_wait_entries: self.time_wait.len(),
            time_wait: hash_table_bytes_of(&self.time_wait),
            tables: self.table_memory(),
            ..MemoryUsage::default()
        };
        for conn in self.connections.values() {
            usage.connection_heap += conn.heap();
        }
        usage
    }

    /// Bytes of the tables and queues, by capacity.
    fn table_memory(&self) -> usize {
        let listeners: usize = self
            .listeners
            .values()
            .map(|l| {
                l.accept_queue.capacity() * size_of::<crate::handle::ConnectionHandle>()
                    + hash_table_bytes::<crate::handle::ConnectionHandle>(l.syn_queue.capacity())
            })
            .sum();
        hash_table_bytes_of(&self.connections)
            + self.by_tuple.allocated()
            + hash_table_bytes_of(&self.listeners)
            + hash_table_bytes_of(&self.listening_ports)
            + listeners
            + self.deadlines.allocated()
            + self.transmit_queue.capacity() * size_of::<crate::handle::ConnectionHandle>()
            + self.stateless.capacity() * size_of::<super::stateless::StatelessReply>()
            + self.events.capacity() * size_of::<crate::event::Event>()
            + self.memory.allocated()
    }
}

/// Bytes of `map`'s storage: see [`hash_table_bytes`].
pub(crate) fn hash_table_bytes_of<K, V, S>(map: &std::collections::HashMap<K, V, S>) -> usize {
    hash_table_bytes::<(K, V)>(map.capacity())
}

/// Bytes of a std `HashMap` (hashbrown) with room for `capacity` entries of type `E`: a
/// power-of-two bucket array kept at most 7/8 full (a full array below 8 buckets), one
/// control byte per bucket and a trailing group of 16.
pub(crate) fn hash_table_bytes<E>(capacity: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 8 {
        capacity + 1
    } else {
        capacity / 7 * 8
    };
    buckets * size_of::<E>() + buckets + 16
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn bucket_counts_match_std_growth() {
        // std's HashMap reports capacity 3, 7, 14, 28, ... for 4, 8, 16, 32, ... buckets.
        let mut map: HashMap<u64, u64> = HashMap::new();
        assert_eq!(hash_table_bytes_of(&map), 0);
        let mut seen = Vec::new();
        for key in 0..1_000u64 {
            map.insert(key, key);
            if seen.last() != Some(&map.capacity()) {
                seen.push(map.capacity());
            }
        }
        assert_eq!(seen, [3, 7, 14, 28, 56, 112, 224, 448, 896, 1792]);
        assert_eq!(hash_table_bytes::<(u64, u64)>(3), 4 * 16 + 4 + 16);
        assert_eq!(hash_table_bytes::<(u64, u64)>(1792), 2048 * 16 + 2048 + 16);
    }
}
