//! The sender's record of every segment between SND.UNA and SND.MAX: when it last went out,
//! and whether the receiver holds it, it is in flight, or it is lost and waits to be sent
//! again. Loss detection (RACK, the duplicate-ACK threshold), the pipe estimate and the
//! choice of what to retransmit all read it.
//!
//! Conventions:
//! - Ranges are half-open sequence space `[start, end)`; a FIN occupies its own byte, the
//!   SYN is not recorded (the handshake retransmits it on its own).
//! - Records are contiguous and sorted: each starts where the previous one ends, the first
//!   at SND.UNA, the last ends at SND.MAX.
//! - Memory is one record per segment sent (56 bytes); a SACK block splits at most two
//!   records, so a peer can add at most two records per block it sends.

use super::rate::SendSnapshot;
use crate::time::Instant;
use std::collections::VecDeque;
use tcp_wire::SeqNumber;

/// Where one recorded segment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SegmentState {
    /// Sent (or last retransmitted after being lost) and neither acknowledged nor lost:
    /// counts in the pipe.
    InFlight,
    /// Declared lost and not yet sent again: does not count in the pipe.
    Lost,
    /// Selectively acknowledged: the receiver holds it.
    Sacked,
}

/// One segment sent and not yet cumulatively acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SentSegment {
    /// First sequence number.
    pub(in crate::connection) start: SeqNumber,
    /// One past the last sequence number (the FIN included).
    pub(in crate::connection) end: SeqNumber,
    /// When it last went out.
    pub(in crate::connection) sent_at: Instant,
    pub(in crate::connection) state: SegmentState,
    /// It was sent more than once, so an ACK for it may be for either copy.
    pub(in crate::connection) retransmitted: bool,
    /// The connection's delivery state when it last went out (for the rate sample).
    pub(in crate::connection) snapshot: SendSnapshot,
}

impl SentSegment {
    /// Sequence space it covers.
    pub(crate) fn len(&self) -> u32 {
        self.end - self.start
    }
}

/// The record of `[SND.UNA, SND.MAX)`, segment by segment.
///
/// Invariants: records are contiguous, sorted and non-empty; `bytes[state]` is the sum of
/// the lengths of the records in that state.
#[derive(Debug, Clone, Default)]
pub(crate) struct SentQueue {
    segments: VecDeque<SentSegment>,
    in_flight: u32,
    lost: u32,
    sacked: u32,
}

impl SentQueue {
    /// An empty record (as `default()`, in a constant).
    pub(crate) const fn new() -> SentQueue {
        SentQueue {
            segments: VecDeque::new(),
            in_flight: 0,
            lost: 0,
            sacked: 0,
        }
    }

    /// The oldest record: it starts at SND.UNA.
    pub(crate) fn front(&self) -> Option<&SentSegment> {
        self.segments.front()
    }

    /// The highest segment sent.
    pub(crate) fn back(&self) -> Option<&SentSegment> {
        self.segments.back()
    }

    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.segments.len()
    }

    /// Bytes sent and neither acknowledged nor declared lost.
    pub(crate) fn in_flight_bytes(&self) -> u32 {
        self.in_flight
    }

    /// Bytes declared lost and not yet sent again.
    pub(crate) fn lost_bytes(&self) -> u32 {
        self.lost
    }

    /// Bytes the receiver reported holding above SND.UNA.
    pub(crate) fn sacked_bytes(&self) -> u32 {
        self.sacked
    }

    /// Heap bytes held.
    pub(crate) fn allocated(&self) -> usize {
        self.segments.capacity() * size_of::<SentSegment>()
    }

    /// Records a segment `[start, end)` sent at `now` from SND.NXT. What it covers of the
    /// record already (SND.NXT fell back, as when a handshake resends its SYN) counts as
    /// retransmitted; the rest is a new record. A segment beyond SND.MAX, which the engine
    /// never sends, is not recorded.
    pub(crate) fn push(
        &mut self,
        start: SeqNumber,
        end: SeqNumber,
        now: Instant,
        snapshot: SendSnapshot,
    ) {
        if !start.lt(end) {
            return;
        }
        let mut start = start;
        if let Some(last) = self.segments.back().copied() {
            if start.lt(last.end) {
                let covered = if end.lt(last.end) { end } else { last.end };
                self.retransmitted(start, covered - start, now, snapshot);
                start = covered;
            }
            if start != last.end {
                return;
            }
        }
        if !start.lt(end) {
            return;
        }
        self.in_flight += end - start;
        self.segments.push_back(SentSegment {
            start,
            end,
            sent_at: now,
            state: SegmentState::InFlight,
            retransmitted: false,
            snapshot,
        });
    }

    /// The cumulative ACK moved SND.UNA to `ack`: drops what it covers and calls `delivered`
    /// with each record that had not been SACKed (the part below `ack` of one it cuts).
    pub(crate) fn acknowledge(&mut self, ack: SeqNumber, mut delivered: impl FnMut(&SentSegment)) {
        while let Some(first) = self.segments.front().copied() {
            if !first.start.lt(ack) {
                break;
            }
            if first.end.le(ack) {
                self.segments.pop_front();
                self.uncount(first.state, first.len());
                if first.state != SegmentState::Sacked {
                    delivered(&first);
                }
                continue;
            }
            let cut = ack - first.start;
            self.uncount(first.state, cut);
            if first.state != SegmentState::Sacked {
                delivered(&SentSegment { end: ack, ..first });
            }
            if let Some(front) = self.segments.front_mut() {
                front.start = ack;
            }
            break;
        }
        if self.segments.is_empty() && self.segments.capacity() > 64 {
            self.segments = VecDeque::new();
        }
    }

    /// Applies an ACK's SACK `blocks` (`(left, right)` edges in the order received) after
    /// its cumulative part: marks the records they cover as SACKed and calls `delivered`
    /// with each one newly marked. Blocks reaching past SND.MAX or not above SND.UNA are
    /// ignored; a block's part below SND.UNA is cut off; a record partly covered is split.
    ///
    /// Returns the first block when it is a D-SACK (RFC 2883 §4, as RFC 3708 tests it): it
    /// lies below the cumulative ACK `ack`, or within the second block. It reports a
    /// duplicate the receiver got, so one of our retransmissions (or a probe) was needless.
    pub(crate) fn sack(
        &mut self,
        ack: SeqNumber,
        blocks: &[(SeqNumber, SeqNumber)],
        mut delivered: impl FnMut(&SentSegment),
    ) -> Option<(SeqNumber, SeqNumber)> {
        let dsack = self.find_dsack(ack, blocks);
        let (Some(first), Some(last)) = (self.segments.front(), self.segments.back()) else {
            return dsack;
        };
        let (una, max) = (first.start, last.end);
        for &(left, right) in blocks {
            if !right.gt(una) || right.gt(max) || !left.lt(right) {
                continue;
            }
            let left = if left.lt(una) { una } else { left };
            self.mark_sacked(left, right, &mut delivered);
        }
        dsack
    }

    /// The D-SACK block among `blocks`, if the first one is one.
    fn find_dsack(
        &self,
        ack: SeqNumber,
        blocks: &[(SeqNumber, SeqNumber)],
    ) -> Option<(SeqNumber, SeqNumber)> {
        let &(left, right) = blocks.first()?;
        if !left.lt(right) {
            return None;
        }
        if left.lt(ack) {
            return Some((left, right));
        }
        let &(outer_left, outer_right) = blocks.get(1)?;
        let inside = outer_left.lt(outer_right) && outer_left.le(left) && right.le(outer_right);
        inside.then_some((left, right))
    }

    /// Marks `[left, right)` (within the record) SACKed.
    fn mark_sacked(
        &mut self,
        left: SeqNumber,
        right: SeqNumber,
        delivered: &mut impl FnMut(&SentSegment),
    ) {
        for index in self.isolate(left, right) {
            let segment = self.segments[index];
            if segment.state != SegmentState::Sacked {
                self.set_state(index, SegmentState::Sacked);
                delivered(&segment);
            }
        }
    }

    /// Splits the records where `left` and `right` (both within the record, `left` before
    /// `right`) fall inside one, and returns the indices of the records `[left, right)`
    /// covers.
    fn isolate(&mut self, left: SeqNumber, right: SeqNumber) -> core::ops::Range<usize> {
        let mut first = self.index_of(left);
        self.split(first, left);
        if self.segments.get(first).is_some_and(|s| s.start != left) {
            first += 1;
        }
        let mut end = first;
        while self.segments.get(end).is_some_and(|s| s.start.lt(right)) {
            self.split(end, right);
            end += 1;
        }
        first..end
    }

    /// Index of the record holding `seq`, which must lie within the record.
    fn index_of(&self, seq: SeqNumber) -> usize {
        let first = self.segments.front().map_or(seq, |s| s.start);
        let offset = seq - first;
        self.segments
            .partition_point(|s| s.end - first <= offset)
            .min(self.segments.len().saturating_sub(1))
    }

    /// Splits record `index` in two at `at` when `at` falls strictly inside it.
    fn split(&mut self, index: usize, at: SeqNumber) {
        let Some(segment) = self.segments.get(index).copied() else {
            return;
        };
        if !(segment.start.lt(at) && at.lt(segment.end)) {
            return;
        }
        self.segments[index].end = at;
        self.segments.insert(
            index + 1,
            SentSegment {
                start: at,
                ..segment
            },
        );
    }

    /// Moves record `index` to `state`, keeping the byte counts.
    fn set_state(&mut self, index: usize, state: SegmentState) {
        let segment = &mut self.segments[index];
        let (old, len) = (segment.state, segment.len());
        segment.state = state;
        self.uncount(old, len);
        self.count(state, len);
    }

    fn count(&mut self, state: SegmentState, len: u32) {
        match state {
            SegmentState::InFlight => self.in_flight += len,
            SegmentState::Lost => self.lost += len,
            SegmentState::Sacked => self.sacked += len,
        }
    }

    fn uncount(&mut self, state: SegmentState, len: u32) {
        match state {
            SegmentState::InFlight => self.in_flight -= len,
            SegmentState::Lost => self.lost -= len,
            SegmentState::Sacked => self.sacked -= len,
        }
    }

    /// Declares record `index` lost if it is in flight; returns whether it was a
    /// retransmission (a lost retransmission).
    pub(crate) fn mark_lost(&mut self, index: usize) -> Option<bool> {
        let segment = self.segments.get(index)?;
        if segment.state != SegmentState::InFlight {
            return None;
        }
        let retransmitted = segment.retransmitted;
        self.set_state(index, SegmentState::Lost);
        Some(retransmitted)
    }

    /// Declares every record in flight lost (a retransmission timeout); with `forget_sacks`
    /// SACKed records too (the receiver may have reneged, RFC 2018 §8).
    pub(crate) fn mark_all_lost(&mut self, forget_sacks: bool) {
        for index in 0..self.segments.len() {
            let state = self.segments[index].state;
            if state == SegmentState::InFlight || (forget_sacks && state == SegmentState::Sacked) {
                self.set_state(index, SegmentState::Lost);
            }
        }
    }

    /// Marks lost every record in flight longer than `mss`: sent before the path MTU fell,
    /// none of them gets through (Linux's `tcp_simple_retransmit`). Returns how many bytes
    /// it marked.
    pub(crate) fn mark_lost_longer_than(&mut self, mss: u32) -> u32 {
        let mut marked = 0;
        for index in 0..self.segments.len() {
            let segment = self.segments[index];
            if segment.state == SegmentState::InFlight && segment.len() > mss {
                self.set_state(index, SegmentState::Lost);
                marked += segment.len();
            }
        }
        marked
    }

    /// The record holding `seq`, if one does.
    pub(crate) fn holding(&self, seq: SeqNumber) -> Option<&SentSegment> {
        let first = self.segments.front()?;
        if seq.lt(first.start) {
            return None;
        }
        self.segments
            .get(self.index_of(seq))
            .filter(|s| seq.lt(s.end))
    }

    /// Puts every lost record back in flight (the loss was spurious, so the copies sent
    /// are still travelling).
    pub(crate) fn unmark_lost(&mut self) {
        for index in 0..self.segments.len() {
            if self.segments[index].state == SegmentState::Lost {
                self.set_state(index, SegmentState::InFlight);
            }
        }
    }

    /// The first lost record at or above `from`, cut to at most `max_len` bytes.
    pub(crate) fn first_lost(&self, from: SeqNumber, max_len: u32) -> Option<(SeqNumber, u32)> {
        let first = self.segments.front()?;
        let start = if from.gt(first.start) {
            self.index_of(from)
        } else {
            0
        };
        self.segments
            .range(start..)
            .find(|s| s.state == SegmentState::Lost && s.end.gt(from))
            .map(|s| {
                let seq = if from.gt(s.start) { from } else { s.start };
                (seq, (s.end - seq).min(max_len))
            })
    }

    /// Records that `[start, start + len)` was sent again at `now`: the records it covers
    /// (split where it begins or ends inside one) are in flight once more and marked
    /// retransmitted, except SACKed ones. Returns false when it covers no record.
    pub(crate) fn retransmitted(
        &mut self,
        start: SeqNumber,
        len: u32,
        now: Instant,
        snapshot: SendSnapshot,
    ) -> bool {
        let (Some(first), Some(last)) = (self.segments.front(), self.segments.back()) else {
            return false;
        };
        let end = start + len;
        let start = if start.lt(first.start) {
            first.start
        } else {
            start
        };
        if len == 0 || !start.lt(last.end) || !start.lt(end) {
            return false;
        }
        for index in self.isolate(start, end) {
            let segment = &mut self.segments[index];
            segment.sent_at = now;
            segment.snapshot = snapshot;
            segment.retransmitted = true;
            if segment.state == SegmentState::Lost {
                self.set_state(index, SegmentState::InFlight);
            }
        }
        true
    }

    /// The lowest record in flight (neither SACKed nor waiting as lost).
    pub(crate) fn first_in_flight(&self) -> Option<&SentSegment> {
        self.segments
            .iter()
            .find(|s| s.state == SegmentState::InFlight)
    }

    /// Forgets everything (the connection closed).
    pub(crate) fn clear(&mut self) {
        *self = SentQueue::default();
    }

    /// Index access for loss detection.
    pub(crate) fn get(&self, index: usize) -> Option<&SentSegment> {
        self.segments.get(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(n: u32) -> SeqNumber {
        SeqNumber(n)
    }

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    /// Ten 100-byte segments from `base`, sent 1 ms apart.
    fn queue(base: u32) -> SentQueue {
        let mut q = SentQueue::default();
        for i in 0..10u32 {
            let start = base.wrapping_add(i * 100);
            q.push(
                seq(start),
                seq(start.wrapping_add(100)),
                at(u64::from(i)),
                SendSnapshot::default(),
            );
        }
        q
    }

    fn states(q: &SentQueue) -> Vec<(u32, u32, SegmentState)> {
        q.segments
            .iter()
            .map(|s| (s.start.0, s.end.0, s.state))
            .collect()
    }

    fn check_counts(q: &SentQueue) {
        let sum = |state| {
            q.segments
                .iter()
                .filter(|s| s.state == state)
                .map(|s| s.len())
                .sum::<u32>()
        };
        assert_eq!(q.in_flight_bytes(), sum(SegmentState::InFlight));
        assert_eq!(q.lost_bytes(), sum(SegmentState::Lost));
        assert_eq!(q.sacked_bytes(), sum(SegmentState::Sacked));
        for pair in q.segments.iter().collect::<Vec<_>>().windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "records are contiguous");
        }
    }

    #[test]
    fn acknowledge_drops_covered_records_and_trims_a_cut_one() {
        let mut q = queue(1000);
        let mut got = Vec::new();
        q.acknowledge(seq(1250), |s| got.push((s.start.0, s.end.0)));
        assert_eq!(got, [(1000, 1100), (1100, 1200), (1200, 1250)]);
        assert_eq!(q.front().map(|s| s.start), Some(seq(1250)));
        assert_eq!(q.in_flight_bytes(), 750);
        check_counts(&q);
    }

    #[test]
    fn sack_marks_and_splits_and_reports_each_record_once() {
        let mut q = queue(1000);
        let mut got = Vec::new();
        let out = q.sack(seq(1000), &[(seq(1350), seq(1500))], |s| {
            got.push((s.start.0, s.end.0))
        });
        assert_eq!(out, None);
        assert_eq!(got, [(1350, 1400), (1400, 1500)]);
        assert_eq!(q.sacked_bytes(), 150);
        check_counts(&q);
        got.clear();
        q.sack(seq(1000), &[(seq(1300), seq(1500))], |s| {
            got.push((s.start.0, s.end.0))
        });
        assert_eq!(got, [(1300, 1350)], "only the new part is delivered");
        check_counts(&q);
        got.clear();
        q.acknowledge(seq(1500), |s| got.push((s.start.0, s.end.0)));
        assert_eq!(got, [(1000, 1100), (1100, 1200), (1200, 1300)]);
        assert_eq!(q.sacked_bytes(), 0);
        check_counts(&q);
    }

    #[test]
    fn blocks_outside_the_record_are_ignored_and_dsacks_found() {
        let mut q = queue(1000);
        let mut count = 0;
        let out = q.sack(
            seq(1000),
            &[(seq(900), seq(1000)), (seq(1900), seq(2100))],
            |_| count += 1,
        );
        assert_eq!(out, Some((seq(900), seq(1000))));
        assert_eq!(count, 0, "below SND.UNA and past SND.MAX mark nothing");
        let out = q.sack(
            seq(1000),
            &[(seq(1200), seq(1300)), (seq(1100), seq(1400))],
            |_| count += 1,
        );
        assert_eq!(out, Some((seq(1200), seq(1300))));
        assert_eq!(count, 3);
        check_counts(&q);
    }

    #[test]
    fn loss_marks_move_bytes_between_states() {
        let mut q = queue(1000);
        assert_eq!(q.mark_lost(0), Some(false));
        assert_eq!(q.mark_lost(0), None, "already lost");
        assert_eq!(q.lost_bytes(), 100);
        assert_eq!(q.first_lost(seq(1000), 1448), Some((seq(1000), 100)));
        assert!(q.retransmitted(seq(1000), 100, at(20), SendSnapshot::default()));
        assert_eq!(q.first_lost(seq(1000), 1448), None);
        assert_eq!(q.mark_lost(0), Some(true), "a lost retransmission");
        q.sack(seq(1000), &[(seq(1500), seq(1600))], |_| {});
        q.mark_all_lost(false);
        assert_eq!(q.sacked_bytes(), 100);
        assert_eq!(q.in_flight_bytes(), 0);
        q.unmark_lost();
        assert_eq!(q.lost_bytes(), 0);
        q.mark_all_lost(true);
        assert_eq!(q.lost_bytes(), 1000);
        check_counts(&q);
    }

    #[test]
    fn a_partial_retransmission_splits_the_record() {
        let mut q = queue(1000);
        q.mark_all_lost(false);
        assert!(q.retransmitted(seq(1100), 40, at(30), SendSnapshot::default()));
        assert_eq!(
            states(&q)[1..3],
            [
                (1100, 1140, SegmentState::InFlight),
                (1140, 1200, SegmentState::Lost)
            ]
        );
        assert!(
            q.retransmitted(seq(1150), 10, at(30), SendSnapshot::default()),
            "inside a record: split"
        );
        assert_eq!(q.first_lost(seq(1100), 1448), Some((seq(1140), 10)));
        assert!(
            !q.retransmitted(seq(2000), 10, at(30), SendSnapshot::default()),
            "past SND.MAX"
        );
        check_counts(&q);
    }

    #[test]
    fn a_push_below_snd_max_counts_as_a_retransmission() {
        let mut q = queue(1000);
        q.mark_all_lost(false);
        q.push(seq(1900), seq(2100), at(40), SendSnapshot::default());
        assert_eq!(
            q.back().map(|s| (s.start, s.end)),
            Some((seq(2000), seq(2100)))
        );
        assert_eq!(q.lost_bytes(), 900);
        q.push(seq(3000), seq(3100), at(40), SendSnapshot::default());
        assert_eq!(
            q.back().map(|s| s.end),
            Some(seq(2100)),
            "a gap is not recorded"
        );
        check_counts(&q);
    }

    #[test]
    fn records_work_across_the_sequence_wrap() {
        let mut q = queue(u32::MAX - 450);
        q.sack(SeqNumber(u32::MAX - 450), &[(seq(49), seq(249))], |_| {});
        assert_eq!(q.sacked_bytes(), 200);
        q.acknowledge(seq(49), |_| {});
        assert_eq!(q.front().map(|s| s.start), Some(seq(49)));
        check_counts(&q);
    }
}
