//! Buffer autotuning: the send buffer follows the congestion window and the receive buffer
//! follows what the peer delivers per round trip (like Linux's dynamic right-sizing), each
//! between the configured initial and largest size, unless the application fixed its size.
//! Under the endpoint's memory pressure neither grows.

use super::Connection;
use crate::time::Instant;
use core::time::Duration;

/// Round-trip time assumed before one is measured.
const DEFAULT_RTT: Duration = Duration::from_millis(100);

impl Connection {
    /// Lets the send buffer hold two congestion windows, so the application can keep the
    /// window full while the previous one is acknowledged.
    pub(crate) fn autotune_send_buffer(&mut self) {
        if self.options.send_buffer.is_some() || self.under_pressure() {
            return;
        }
        let wanted = (2 * self.recovery.window() as usize).min(self.snd.buffer_limits.send_max);
        if wanted > self.snd.buf.capacity() {
            self.snd.buf.set_capacity(wanted);
        }
    }

    /// Once per round trip: if the peer delivered at least half the receive buffer in it,
    /// the buffer (and so the window) limits the transfer, and it doubles.
    pub(crate) fn autotune_receive_buffer(&mut self, now: Instant) {
        if self.options.recv_buffer.is_some() || self.under_pressure() {
            return;
        }
        let (since, from) = self.rcv.measure;
        let rtt = self
            .timing
            .rtt
            .smoothed()
            .unwrap_or(DEFAULT_RTT)
            .max(Duration::from_millis(1));
        if now - since < rtt {
            return;
        }
        let delivered = (self.rcv.nxt - from) as usize;
        let capacity = self.rcv.buf.capacity();
        if delivered * 2 >= capacity && capacity < self.snd.buffer_limits.recv_max {
            self.rcv
                .buf
                .set_capacity((capacity * 2).min(self.snd.buffer_limits.recv_max));
        }
        self.rcv.measure = (now, self.rcv.nxt);
    }
}

/// The largest sizes autotuning may reach.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BufferLimits {
    pub(in crate::connection) send_max: usize,
    pub(in crate::connection) recv_max: usize,
}
