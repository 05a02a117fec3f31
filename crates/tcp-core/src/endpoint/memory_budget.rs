//! The endpoint's account of buffer memory: the send and receive storage of every
//! connection together, held to [`ResourceLimits`]' pressure mark and limit.

use crate::counters::Counters;
use crate::handle::ConnectionHandle;
use crate::resource_limits::ResourceLimits;

/// What a connection may allocate for its buffers now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Buffer bytes it may still allocate before the endpoint's total reaches the limit.
    pub(in crate::endpoint) room: usize,
    /// The endpoint is under memory pressure: offer no window beyond storage already
    /// allocated, grow no buffer by autotuning.
    pub(in crate::endpoint) pressure: bool,
}

/// Buffer memory of all connections together, and the writers waiting for some.
#[derive(Debug, Default)]
pub(crate) struct BufferMemory {
    total: usize,
    pressure: bool,
    waiters: Vec<ConnectionHandle>,
}

impl BufferMemory {
    /// Bytes of buffer storage held.
    pub(crate) fn total(&self) -> usize {
        self.total
    }

    /// The total reached the pressure mark and has not fallen below it since.
    pub(crate) fn under_pressure(&self) -> bool {
        self.pressure
    }

    /// What a connection may allocate now.
    pub(crate) fn budget(&self, limits: &ResourceLimits) -> Budget {
        Budget {
            room: limits.buffer_limit.saturating_sub(self.total),
            pressure: self.pressure,
        }
    }

    /// A connection's buffers went from `before` to `after` bytes. Returns the writers to
    /// wake when this ends the pressure.
    pub(crate) fn recharge(
        &mut self,
        before: usize,
        after: usize,
        limits: &ResourceLimits,
        counters: &mut Counters,
    ) -> Vec<ConnectionHandle> {
        self.total = (self.total - before) + after;
        let pressure = self.total >= limits.buffer_pressure;
        if pressure == self.pressure {
            return Vec::new();
        }
        self.pressure = pressure;
        if pressure {
            counters.resources.memory_pressure_events += 1;
            tracing::info!(bytes = self.total, "buffer memory under pressure");
            return Vec::new();
        }
        tracing::info!(bytes = self.total, "buffer memory pressure ended");
        core::mem::take(&mut self.waiters)
    }

    /// Bytes of the list of waiting writers.
    pub(crate) fn allocated(&self) -> usize {
        self.waiters.capacity() * size_of::<ConnectionHandle>()
    }

    /// `handle`'s write found no memory: it hears `Writable` when pressure ends.
    pub(crate) fn wait(&mut self, handle: ConnectionHandle) {
        self.waiters.push(handle);
    }
}

impl Budget {
    /// The endpoint is under memory pressure: windows shrink to the storage held.
    pub(crate) fn pressure(&self) -> bool {
        self.pressure
    }
}
