//! Endpoint-wide caps on what all connections hold together, like Linux's `tcp_mem`,
//! `tcp_max_tw_buckets` and `tcp_max_orphans`.

/// Endpoint-wide resource caps ([`crate::Config::resources`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceLimits {
    /// Buffer memory (the send and receive storage of every connection together, as
    /// [`crate::Endpoint::buffer_memory`] reports it) at which the endpoint is under
    /// pressure: windows offer only storage already allocated, autotuning grows no buffer,
    /// and new connections are refused (`connect` fails with `NoBuffers`, SYNs are dropped),
    /// each counted in [`crate::Counters`]. Pressure ends when the total falls below it.
    pub buffer_pressure: usize,
    /// Buffer memory never exceeded: received data that would need more storage is dropped
    /// (the peer sends it again), and `write` takes only what fits in storage already
    /// allocated (`WouldBlock` otherwise, with `Event::Writable` once pressure ends).
    pub buffer_limit: usize,
    /// TIME_WAIT entries held at most; a connection that would be one more closes without
    /// TIME_WAIT (once its last ACK is sent) and is counted in `time_wait_overflows`.
    pub max_time_wait: usize,
    /// Orphans (connections the application closed that are still finishing, TIME_WAIT
    /// aside) held at most; one more is reset at once and counted in `orphans_reset`.
    pub max_orphans: usize,
}

impl Default for ResourceLimits {
    /// 512 MiB of buffers before pressure, 768 MiB at most; 262,144 TIME_WAIT entries and
    /// 65,536 orphans (Linux's values for a machine with a few GiB of memory).
    fn default() -> ResourceLimits {
        ResourceLimits {
            buffer_pressure: 512 << 20,
            buffer_limit: 768 << 20,
            max_time_wait: 262_144,
            max_orphans: 65_536,
        }
    }
}
