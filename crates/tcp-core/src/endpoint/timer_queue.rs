//! The endpoint's index of connection deadlines: which connection's timer fires next.
//!
//! A binary heap with lazy deletion: re-arming a timer pushes the new deadline and leaves
//! the old entry to be discarded when it surfaces. The top of the heap is kept live, so the
//! earliest deadline is exact; the heap is compacted in place when stale entries pile up.
//! In steady state nothing allocates: the heap and map keep their capacity.

use crate::endpoint::hashing::HandleHasher;
use crate::handle::ConnectionHandle;
use crate::time::Instant;
use core::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// Deadlines of every connection that has a timer armed.
#[derive(Debug)]
pub(super) struct TimerQueue {
    heap: BinaryHeap<Reverse<(Instant, ConnectionHandle)>>,
    current: HashMap<ConnectionHandle, Instant, HandleHasher>,
}

impl TimerQueue {
    pub(super) fn new() -> TimerQueue {
        TimerQueue {
            heap: BinaryHeap::new(),
            current: HashMap::with_hasher(HandleHasher),
        }
    }

    /// Records `handle`'s earliest deadline (`None`: no timer armed).
    pub(super) fn set(&mut self, handle: ConnectionHandle, deadline: Option<Instant>) {
        match deadline {
            Some(at) => {
                if self.current.insert(handle, at) != Some(at) {
                    self.heap.push(Reverse((at, handle)));
                }
            }
            None => {
                self.current.remove(&handle);
            }
        }
        self.discard_stale_top();
        if self.heap.len() > 2 * self.current.len() + 64 {
            let current = &self.current;
            self.heap
                .retain(|Reverse((at, h))| current.get(h) == Some(at));
        }
    }

    /// The deadline recorded for `handle`.
    pub(super) fn get(&self, handle: ConnectionHandle) -> Option<Instant> {
        self.current.get(&handle).copied()
    }

    /// Bytes of the heap and the map of current deadlines, by capacity.
    pub(super) fn allocated(&self) -> usize {
        self.heap.capacity() * size_of::<Reverse<(Instant, ConnectionHandle)>>()
            + super::memory_usage::hash_table_bytes_of(&self.current)
    }

    /// The earliest deadline of any connection.
    pub(super) fn earliest(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Removes and returns a connection whose deadline is at or before `now`.
    pub(super) fn pop_due(&mut self, now: Instant) -> Option<ConnectionHandle> {
        let &Reverse((at, handle)) = self.heap.peek()?;
        if at > now {
            return None;
        }
        self.heap.pop();
        self.current.remove(&handle);
        self.discard_stale_top();
        Some(handle)
    }

    fn discard_stale_top(&mut self) {
        while let Some(Reverse((at, handle))) = self.heap.peek() {
            if self.current.get(handle) == Some(at) {
                return;
            }
            self.heap.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue() -> TimerQueue {
        TimerQueue::new()
    }

    #[test]
    fn re_arming_replaces_the_old_deadline() {
        let mut q = queue();
        let (a, b) = (ConnectionHandle(1), ConnectionHandle(2));
        q.set(a, Some(Instant::from_millis(10)));
        q.set(b, Some(Instant::from_millis(20)));
        q.set(a, Some(Instant::from_millis(30)));
        assert_eq!(q.earliest(), Some(Instant::from_millis(20)));
        assert_eq!(q.pop_due(Instant::from_millis(25)), Some(b));
        assert_eq!(q.pop_due(Instant::from_millis(25)), None);
        assert_eq!(q.get(a), Some(Instant::from_millis(30)));
        q.set(a, None);
        assert_eq!(q.earliest(), None);
    }

    #[test]
    fn stale_entries_are_compacted() {
        let mut q = queue();
        let a = ConnectionHandle(1);
        for i in 0..10_000 {
            q.set(a, Some(Instant::from_millis(10_000 - i)));
        }
        assert!(q.heap.len() <= 2 * q.current.len() + 65);
        assert_eq!(q.earliest(), Some(Instant::from_millis(1)));
    }
}
