//! A connection's counters as it keeps them: the six that every segment moves inline, the
//! twenty that only loss, reordering, probes, ECN or misbehaving peers move in a box made
//! the first time one of them does, so a connection that never sees those holds 56 bytes of
//! counters instead of 208.

use crate::stats::ConnectionStats;

/// The counters of [`ConnectionStats`], the rarely moved ones boxed.
#[derive(Debug, Clone, Default)]
pub(crate) struct LiveStats {
    /// Segments received.
    pub(in crate::connection) segments_in: u64,
    /// Segments sent.
    pub(in crate::connection) segments_out: u64,
    /// Payload bytes sent (retransmissions included).
    pub(in crate::connection) bytes_sent: u64,
    /// Sequence space acknowledged by the peer.
    pub(in crate::connection) bytes_acked: u64,
    /// Payload bytes received in order.
    pub(in crate::connection) bytes_received: u64,
    /// Segments sent again.
    pub(in crate::connection) retransmits: u64,
    rare: Option<Box<RareStats>>,
}

/// The counters most connections never move; see [`ConnectionStats`] for each.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RareStats {
    pub(in crate::connection) retransmission_timeouts: u64,
    pub(in crate::connection) fast_retransmits: u64,
    pub(in crate::connection) recovery_episodes: u64,
    pub(in crate::connection) tail_loss_probes: u64,
    pub(in crate::connection) lost_retransmits: u64,
    pub(in crate::connection) spurious_fast_retransmits: u64,
    pub(in crate::connection) spurious_timeouts: u64,
    pub(in crate::connection) duplicate_acks: u64,
    pub(in crate::connection) dsacks_received: u64,
    pub(in crate::connection) congestion_marks_received: u64,
    pub(in crate::connection) ecn_reductions: u64,
    pub(in crate::connection) window_probes: u64,
    pub(in crate::connection) keepalive_probes: u64,
    pub(in crate::connection) out_of_order_dropped: u64,
    pub(in crate::connection) aborted_on_data: u64,
    pub(in crate::connection) dropped_for_memory: u64,
    pub(in crate::connection) negative_advice: u64,
    pub(in crate::connection) mtu_black_holes: u64,
    pub(in crate::connection) mtu_probes_passed: u64,
    pub(in crate::connection) mtu_probes_failed: u64,
}

impl LiveStats {
    /// The rarely moved counters, boxed now if they were not yet.
    pub(crate) fn rare(&mut self) -> &mut RareStats {
        self.rare.get_or_insert_with(Box::default)
    }

    /// Heap bytes held: the box, once made.
    pub(crate) fn allocated(&self) -> usize {
        self.rare.as_ref().map_or(0, |_| size_of::<RareStats>())
    }

    /// Every counter, as the application sees them.
    pub(crate) fn snapshot(&self) -> ConnectionStats {
        let rare = self.rare.as_deref().copied().unwrap_or_default();
        ConnectionStats {
            segments_in: self.segments_in,
            segments_out: self.segments_out,
            bytes_sent: self.bytes_sent,
            bytes_acked: self.bytes_acked,
            bytes_received: self.bytes_received,
            retransmits: self.retransmits,
            retransmission_timeouts: rare.retransmission_timeouts,
            fast_retransmits: rare.fast_retransmits,
            recovery_episodes: rare.recovery_episodes,
            tail_loss_probes: rare.tail_loss_probes,
            lost_retransmits: rare.lost_retransmits,
            spurious_fast_retransmits: rare.spurious_fast_retransmits,
            spurious_timeouts: rare.spurious_timeouts,
            duplicate_acks: rare.duplicate_acks,
            dsacks_received: rare.dsacks_received,
            congestion_marks_received: rare.congestion_marks_received,
            ecn_reductions: rare.ecn_reductions,
            window_probes: rare.window_probes,
            keepalive_probes: rare.keepalive_probes,
            out_of_order_dropped: rare.out_of_order_dropped,
            aborted_on_data: rare.aborted_on_data,
            dropped_for_memory: rare.dropped_for_memory,
            negative_advice: rare.negative_advice,
            mtu_black_holes: rare.mtu_black_holes,
            mtu_probes_passed: rare.mtu_probes_passed,
            mtu_probes_failed: rare.mtu_probes_failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_is_made_by_the_first_rare_count() {
        let mut stats = LiveStats::default();
        stats.segments_in += 3;
        stats.retransmits += 1;
        assert_eq!(stats.allocated(), 0);
        assert_eq!(stats.snapshot().segments_in, 3);
        stats.rare().dsacks_received += 2;
        assert!(stats.allocated() > 0);
        let snapshot = stats.snapshot();
        assert_eq!((snapshot.retransmits, snapshot.dsacks_received), (1, 2));
    }
}
