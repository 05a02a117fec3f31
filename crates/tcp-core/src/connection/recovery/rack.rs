//! RACK (RFC 8985 §6): time-based loss detection. A segment is lost once a segment sent
//! after it has been delivered and more than one RTT plus a reordering window has passed
//! since it was sent. Retransmissions are judged the same way, so a lost retransmission is
//! found without waiting for the retransmission timer.

use super::sent::{SegmentState, SentQueue, SentSegment};
use crate::time::Instant;
use core::time::Duration;
use tcp_wire::SeqNumber;

/// How many recoveries the reordering window stays widened after a D-SACK (RFC 8985 §6.2
/// step 4, `RACK.reo_wnd_persist`).
const REO_WND_PERSIST: u32 = 16;

/// The largest multiple of min_RTT / 4 the reordering window grows to.
const MAX_REO_WND_MULT: u32 = 64;

/// RFC 6675's DupThresh: with this many segments SACKed above a hole and no reordering
/// seen, the reordering window is zero (RACK then acts like the duplicate-ACK rule).
pub(crate) const DUP_THRESH: u32 = 3;

/// What RACK learnt from the segments one ACK delivered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rack {
    /// Send time and end of the most recently sent segment delivered so far.
    newest: Option<(Instant, SeqNumber)>,
    /// The RTT of that segment's delivery.
    rtt: Duration,
    /// The highest end of any delivered segment (RACK.fack).
    fack: Option<SeqNumber>,
    /// The smallest RTT seen (RFC 8985's min_RTT, kept for the connection's life).
    min_rtt: Option<Duration>,
    /// A segment was delivered below one delivered earlier (not a retransmission).
    reordering_seen: bool,
    /// The reordering window in quarters of min_RTT.
    reo_wnd_mult: u32,
    reo_wnd_persist: u32,
    /// SND.MAX when the last D-SACK widened the window: one widening per round trip.
    dsack_round: Option<SeqNumber>,
}

/// What a pass of loss detection found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Detected {
    /// Segments newly declared lost.
    pub(in crate::connection) lost: u32,
    /// Of those, retransmissions (lost again).
    pub(in crate::connection) lost_retransmits: u32,
    /// Time until the next segment's deadline passes, if one was spared only by time: the
    /// reordering timer (RFC 8985 §6.3).
    pub(in crate::connection) timeout: Option<Duration>,
}

impl Rack {
    /// A fresh state: no reordering seen, window multiplier 1.
    pub(crate) const fn new() -> Rack {
        Rack {
            newest: None,
            rtt: Duration::ZERO,
            fack: None,
            min_rtt: None,
            reordering_seen: false,
            reo_wnd_mult: 1,
            reo_wnd_persist: 0,
            dsack_round: None,
        }
    }

    /// RFC 8985 §6.2 steps 2 and 3 for one delivered (cumulatively or selectively
    /// acknowledged) segment.
    pub(crate) fn on_delivered(&mut self, now: Instant, segment: &SentSegment) {
        let rtt = now - segment.sent_at;
        if segment.retransmitted && self.min_rtt.is_some_and(|min| rtt < min) {
            // Too quick for the retransmission: the ACK is for the original copy.
            return;
        }
        if !segment.retransmitted {
            self.min_rtt = Some(self.min_rtt.map_or(rtt, |min| min.min(rtt)));
            if self.fack.is_some_and(|fack| segment.end.lt(fack)) {
                self.reordering_seen = true;
            }
        }
        if self.fack.is_none_or(|fack| segment.end.gt(fack)) {
            self.fack = Some(segment.end);
        }
        let newer = match self.newest {
            None => true,
            Some((at, end)) => {
                segment.sent_at > at || (segment.sent_at == at && segment.end.gt(end))
            }
        };
        if newer {
            self.rtt = rtt;
            self.newest = Some((segment.sent_at, segment.end));
        }
    }

    /// A D-SACK arrived (RFC 8985 §6.2 step 4): widen the reordering window, once per
    /// round trip (`snd_una`, `snd_max` are the current SND.UNA and SND.MAX).
    pub(crate) fn on_dsack(&mut self, snd_una: SeqNumber, snd_max: SeqNumber) {
        if self.dsack_round.is_some_and(|round| snd_una.ge(round)) {
            self.dsack_round = None;
        }
        if self.dsack_round.is_none() {
            self.dsack_round = Some(snd_max);
            self.reo_wnd_mult = (self.reo_wnd_mult + 1).min(MAX_REO_WND_MULT);
            self.reo_wnd_persist = REO_WND_PERSIST;
        }
    }

    /// A recovery ended: a widened window narrows again after enough of them.
    pub(crate) fn on_recovery_exit(&mut self) {
        if self.reo_wnd_persist > 0 {
            self.reo_wnd_persist -= 1;
            if self.reo_wnd_persist == 0 {
                self.reo_wnd_mult = 1;
            }
        }
    }

    /// RFC 8985 §6.2 step 4's reordering window: zero while no reordering was seen and
    /// either recovery is under way or `sacked_segments` reached DupThresh; else
    /// `reo_wnd_mult × min_RTT / 4`, at most `srtt`.
    pub(crate) fn reo_wnd(
        &self,
        in_recovery: bool,
        sacked_segments: u32,
        srtt: Option<Duration>,
    ) -> Duration {
        if !self.reordering_seen && (in_recovery || sacked_segments >= DUP_THRESH) {
            return Duration::ZERO;
        }
        let window = self.min_rtt.unwrap_or_default() / 4 * self.reo_wnd_mult;
        srtt.map_or(window, |srtt| window.min(srtt))
    }

    /// RFC 8985 §6.2 step 5: declares lost every segment in flight that was sent before the
    /// most recently delivered one and is older than RACK.rtt plus `reo_wnd`.
    pub(crate) fn detect_loss(
        &self,
        now: Instant,
        queue: &mut SentQueue,
        reo_wnd: Duration,
    ) -> Detected {
        let mut detected = Detected::default();
        let Some((newest_at, newest_end)) = self.newest else {
            return detected;
        };
        let wait = self.rtt + reo_wnd;
        for index in 0..queue.len() {
            let Some(segment) = queue.get(index).copied() else {
                break;
            };
            if segment.state != SegmentState::InFlight {
                continue;
            }
            let sent_after = segment.sent_at > newest_at
                || (segment.sent_at == newest_at && segment.end.ge(newest_end));
            if sent_after {
                continue;
            }
            let deadline = segment.sent_at + wait;
            if deadline <= now {
                if let Some(retransmitted) = queue.mark_lost(index) {
                    detected.lost += 1;
                    detected.lost_retransmits += u32::from(retransmitted);
                }
            } else {
                let remaining = deadline - now;
                detected.timeout = Some(detected.timeout.map_or(remaining, |t| t.max(remaining)));
            }
        }
        detected
    }
}

#[cfg(test)]
mod tests {
    use super::super::rate::SendSnapshot;
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    /// Five 100-byte segments sent at 0, 1, 2, 3, 4 ms.
    fn queue() -> SentQueue {
        let mut q = SentQueue::default();
        for i in 0..5u32 {
            q.push(
                SeqNumber(i * 100),
                SeqNumber(i * 100 + 100),
                at(u64::from(i)),
                SendSnapshot::default(),
            );
        }
        q
    }

    fn deliver(rack: &mut Rack, q: &mut SentQueue, now: Instant, left: u32, right: u32) {
        q.sack(
            SeqNumber(0),
            &[(SeqNumber(left), SeqNumber(right))],
            |segment| rack.on_delivered(now, segment),
        );
    }

    #[test]
    fn a_segment_is_lost_once_a_later_one_arrived_and_its_time_passed() {
        let (mut rack, mut q) = (Rack::new(), queue());
        // The fourth segment (sent at 3 ms) is delivered at 13 ms: RTT 10 ms.
        deliver(&mut rack, &mut q, at(13), 300, 400);
        assert_eq!(rack.min_rtt, Some(Duration::from_millis(10)));
        let reo_wnd = rack.reo_wnd(false, 1, None);
        assert_eq!(reo_wnd, Duration::from_micros(2500));
        // Segment 0 was sent at 0: lost at 0 + 10 + 2.5 ms. Segments 1, 2 a ms later each.
        let found = rack.detect_loss(at(13), &mut q, reo_wnd);
        assert_eq!(found.lost, 1);
        assert_eq!(found.timeout, Some(Duration::from_micros(1500)));
        let found = rack.detect_loss(at(15), &mut q, reo_wnd);
        assert_eq!(found.lost, 2, "the reordering timer's pass finds the rest");
        assert_eq!(found.timeout, None);
        assert_eq!(q.lost_bytes(), 300);
        assert_eq!(
            q.in_flight_bytes(),
            100,
            "the segment sent last is not judged"
        );
    }

    #[test]
    fn three_sacked_segments_without_reordering_need_no_wait() {
        let rack = Rack::new();
        assert_eq!(rack.reo_wnd(false, 3, None), Duration::ZERO);
        assert_eq!(rack.reo_wnd(true, 0, None), Duration::ZERO);
    }

    #[test]
    fn reordering_and_dsacks_widen_the_window_up_to_srtt() {
        let (mut rack, mut q) = (Rack::new(), queue());
        deliver(&mut rack, &mut q, at(14), 400, 500);
        deliver(&mut rack, &mut q, at(14), 100, 200);
        assert!(rack.reordering_seen, "segment 1 arrived after segment 4");
        let srtt = Some(Duration::from_millis(10));
        assert_eq!(rack.reo_wnd(true, 3, srtt), Duration::from_micros(2500));
        rack.on_dsack(SeqNumber(0), SeqNumber(500));
        rack.on_dsack(SeqNumber(0), SeqNumber(500));
        assert_eq!(rack.reo_wnd_mult, 2, "one widening per round trip");
        rack.on_dsack(SeqNumber(500), SeqNumber(900));
        assert_eq!(rack.reo_wnd(true, 3, srtt), Duration::from_micros(7500));
        rack.on_dsack(SeqNumber(900), SeqNumber(1300));
        rack.on_dsack(SeqNumber(1300), SeqNumber(1700));
        assert_eq!(rack.reo_wnd(true, 3, srtt), Duration::from_millis(10));
        for _ in 0..REO_WND_PERSIST {
            rack.on_recovery_exit();
        }
        assert_eq!(rack.reo_wnd_mult, 1);
    }

    #[test]
    fn a_lost_retransmission_is_found_by_a_later_delivery() {
        let (mut rack, mut q) = (Rack::new(), queue());
        deliver(&mut rack, &mut q, at(13), 300, 400);
        assert_eq!(rack.detect_loss(at(20), &mut q, Duration::ZERO).lost, 3);
        assert!(q.retransmitted(SeqNumber(0), 100, at(20), SendSnapshot::default()));
        // New data sent after the retransmission arrives one RTT later; the
        // retransmission did not.
        q.push(
            SeqNumber(500),
            SeqNumber(600),
            at(21),
            SendSnapshot::default(),
        );
        deliver(&mut rack, &mut q, at(31), 500, 600);
        let found = rack.detect_loss(at(31), &mut q, Duration::ZERO);
        assert_eq!(found.lost_retransmits, 1);
        assert_eq!(found.lost, 2, "the retransmission and segment 4");
    }

    #[test]
    fn an_ack_for_the_original_copy_does_not_move_rack() {
        let (mut rack, mut q) = (Rack::new(), queue());
        deliver(&mut rack, &mut q, at(13), 300, 400);
        rack.detect_loss(at(20), &mut q, Duration::ZERO);
        q.retransmitted(SeqNumber(0), 100, at(20), SendSnapshot::default());
        let before = rack.newest;
        q.acknowledge(SeqNumber(100), |segment| rack.on_delivered(at(21), segment));
        assert_eq!(rack.newest, before, "1 ms is less than min_RTT");
    }
}
