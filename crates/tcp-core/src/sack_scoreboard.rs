//! The sender's SACK scoreboard (RFC 6675 §3-4): which bytes of `[SND.UNA, SND.MAX)` the
//! receiver has reported holding, and the loss-recovery queries built on it (`IsLost`,
//! `NextSeg`, `SetPipe`).
//!
//! Conventions:
//! - Every range is half-open, `[start, end)`, like SACK blocks on the wire (RFC 2018: the
//!   right edge is the sequence number after the last byte held).
//! - `high_rxt` is likewise one past the highest byte retransmitted in the current recovery
//!   (RFC 6675's HighRxt + 1): bytes below it have been retransmitted; at the start of
//!   recovery it equals SND.UNA.
//! - Comparisons are modular, via offsets from SND.UNA, so the board is correct across the
//!   2^32 wrap as long as less than 2^31 bytes are outstanding (always true for TCP).
//! - Memory is bounded: at most [`MAX_RANGES`] ranges (8 bytes each) are kept; see
//!   [`SackScoreboard::update`] for what happens beyond that.

use tcp_wire::SeqNumber;

/// The most SACKed ranges the board remembers.
pub(crate) const MAX_RANGES: usize = 32;

/// RFC 6675's DupThresh: the number of duplicate ACKs (or SACKed segments above a hole)
/// that declares a loss.
pub(crate) const DUP_THRESH: u32 = 3;

/// What one ACK's SACK option changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SackUpdate {
    /// Bytes above SND.UNA that were not SACKed before this ACK and are now (RFC 6937's
    /// DeliveredData counts these plus the advance of SND.UNA).
    pub(crate) newly_sacked: u32,
    /// The first block, if it is a D-SACK (RFC 2883 §4): it reports a duplicate the
    /// receiver got, so a retransmission of those bytes was unnecessary.
    pub(crate) dsack: Option<(SeqNumber, SeqNumber)>,
}

/// The RFC 6675 scoreboard over `[SND.UNA, SND.MAX)`.
///
/// The engine keeps it in step with the connection: [`SackScoreboard::set_snd_max`] when
/// new data goes out, [`SackScoreboard::update`] for each ACK carrying SACK blocks (or
/// [`SackScoreboard::advance`] for one without), [`SackScoreboard::clear`] on a
/// retransmission timeout (RFC 6675 §5.1: the receiver may have reneged).
///
/// Invariants: ranges are sorted, disjoint and non-adjacent (merged), non-empty, and lie
/// within `[SND.UNA, SND.MAX]`; `sacked` is the sum of their lengths.
#[derive(Debug, Clone)]
pub(crate) struct SackScoreboard {
    snd_una: SeqNumber,
    snd_max: SeqNumber,
    ranges: Vec<(SeqNumber, SeqNumber)>,
    sacked: u32,
}

/// Whether a hole with `count` SACKed ranges and `bytes` SACKed bytes above it is lost
/// (RFC 6675 `IsLost`).
fn lost(count: usize, bytes: u32, mss: u32, dup_thresh: u32) -> bool {
    let dup_thresh = dup_thresh.max(1);
    count >= dup_thresh as usize || u64::from(bytes) > u64::from(dup_thresh - 1) * u64::from(mss)
}

/// A hole: un-SACKed bytes `[start, end)` as offsets from SND.UNA, with what lies above it.
#[derive(Debug, Clone, Copy)]
struct Hole {
    start: u32,
    end: u32,
    /// SACKed ranges above the hole.
    ranges_above: usize,
    /// SACKed bytes above the hole.
    sacked_above: u32,
}

impl SackScoreboard {
    /// An empty board for a connection whose SND.UNA and SND.MAX are both `snd_una` (its
    /// ISS before the SYN goes out).
    pub(crate) fn new(snd_una: SeqNumber) -> SackScoreboard {
        SackScoreboard {
            snd_una,
            snd_max: snd_una,
            ranges: Vec::new(),
            sacked: 0,
        }
    }

    /// Offset of `seq` from SND.UNA (modulo 2^32).
    fn off(&self, seq: SeqNumber) -> u32 {
        seq - self.snd_una
    }

    /// Bytes in `[SND.UNA, SND.MAX)`.
    fn span(&self) -> u32 {
        self.snd_max - self.snd_una
    }

    /// Range `index` as offsets from SND.UNA.
    fn range(&self, index: usize) -> (u32, u32) {
        let (start, end) = self.ranges[index];
        (self.off(start), self.off(end))
    }

    /// New data was sent: SND.MAX is now `snd_max`. Earlier values are ignored (SND.MAX
    /// never moves back, even when SND.NXT does after a timeout).
    pub(crate) fn set_snd_max(&mut self, snd_max: SeqNumber) {
        if snd_max.gt(self.snd_max) {
            self.snd_max = snd_max;
        }
    }

    /// A cumulative ACK moved SND.UNA to `snd_una`: everything below it is forgotten.
    /// An ACK that is not past the current SND.UNA changes nothing.
    pub(crate) fn advance(&mut self, snd_una: SeqNumber) {
        if !snd_una.gt(self.snd_una) {
            return;
        }
        if snd_una.gt(self.snd_max) {
            self.snd_max = snd_una;
        }
        let delta = self.off(snd_una);
        let gone = self
            .ranges
            .partition_point(|&(_, end)| end - self.snd_una <= delta);
        let dropped: u32 = (0..gone).map(|i| self.range(i)).map(|(s, e)| e - s).sum();
        self.ranges.drain(..gone);
        self.sacked -= dropped;
        if let Some(first) = self.ranges.first_mut().filter(|range| range.0.lt(snd_una)) {
            self.sacked -= snd_una - first.0;
            first.0 = snd_una;
        }
        self.snd_una = snd_una;
        if self.ranges.is_empty() {
            // Release the allocation: most connections spend most of their life without
            // SACK information.
            self.ranges = Vec::new();
        }
    }

    /// Processes an ACK with cumulative acknowledgment `snd_una` and the SACK `blocks` it
    /// carried (`(left, right)` edges, in the order received).
    ///
    /// SND.UNA advances as in [`SackScoreboard::advance`]. A block is used when its right
    /// edge lies in `(SND.UNA, SND.MAX]` and its left edge is before its right edge; the
    /// part below SND.UNA is cut off. Blocks reaching past SND.MAX (data never sent) or
    /// entirely below SND.UNA are ignored. New ranges merge with overlapping or adjacent
    /// ones.
    ///
    /// The first block is reported as a D-SACK (RFC 2883 §4, as RFC 3708 tests it) when its
    /// left edge is below the cumulative ACK, or when it lies within the second block. Both
    /// forms also hold only bytes the receiver has, so using them as SACK information is
    /// safe. (A first block merely inside a range already on the board is *not* taken as a
    /// D-SACK: a duplicated or reordered ACK, or a receiver without D-SACK, repeats blocks
    /// that way.)
    ///
    /// Bounded memory: when a new separate range would exceed [`MAX_RANGES`], the highest
    /// range is dropped (or the new one is not recorded, if it is the highest). Treating
    /// SACKed bytes as un-SACKed is always safe: it can only make the sender retransmit
    /// more, count more bytes in the pipe, and declare fewer losses. Holes near SND.UNA,
    /// which recovery repairs first, are kept.
    pub(crate) fn update(
        &mut self,
        snd_una: SeqNumber,
        blocks: &[(SeqNumber, SeqNumber)],
    ) -> SackUpdate {
        self.advance(snd_una);
        let dsack = self.find_dsack(snd_una, blocks);

        let mut before = [(0u32, 0u32); MAX_RANGES];
        let old = self.ranges.len();
        for (i, slot) in before.iter_mut().enumerate().take(old) {
            *slot = self.range(i);
        }

        for &(left, right) in blocks {
            // A right edge at or below SND.UNA gives `end` 0 or a huge offset past SND.MAX.
            let end = self.off(right);
            if end > self.span() {
                continue;
            }
            let start = if left.lt(self.snd_una) {
                0
            } else {
                self.off(left)
            };
            if start < end {
                self.insert(start, end);
            }
        }

        let kept = self.overlap_with(&before[..old]);
        SackUpdate {
            newly_sacked: self.sacked - kept,
            dsack,
        }
    }

    /// The D-SACK block among `blocks`, if the first one is one (see `update`).
    fn find_dsack(
        &self,
        ack: SeqNumber,
        blocks: &[(SeqNumber, SeqNumber)],
    ) -> Option<(SeqNumber, SeqNumber)> {
        let &(left, right) = blocks.first()?;
        if !left.lt(right) || !right.le(self.snd_max) {
            return None;
        }
        if left.lt(ack) {
            return Some((left, right));
        }
        let &(outer_left, outer_right) = blocks.get(1)?;
        let inside = outer_left.lt(outer_right)
            && outer_right.le(self.snd_max)
            && outer_left.le(left)
            && right.le(outer_right);
        inside.then_some((left, right))
    }

    /// Adds `[start, end)` (offsets, `start < end <= span`), merging neighbours.
    fn insert(&mut self, start: u32, end: u32) {
        // Ranges touching or overlapping [start, end] are i..j.
        let i = self
            .ranges
            .partition_point(|&(_, e)| e - self.snd_una < start);
        let j = self
            .ranges
            .partition_point(|&(s, _)| s - self.snd_una <= end);
        if i < j {
            let merged_start = start.min(self.range(i).0);
            let merged_end = end.max(self.range(j - 1).1);
            let replaced: u32 = (i..j).map(|k| self.range(k)).map(|(s, e)| e - s).sum();
            self.sacked = self.sacked - replaced + (merged_end - merged_start);
            self.ranges[i] = (self.snd_una + merged_start, self.snd_una + merged_end);
            self.ranges.drain(i + 1..j);
            return;
        }
        if self.ranges.len() == MAX_RANGES {
            if i == MAX_RANGES {
                return;
            }
            if let Some((s, e)) = self.ranges.pop() {
                self.sacked -= e - s;
            }
        }
        self.ranges
            .insert(i, (self.snd_una + start, self.snd_una + end));
        self.sacked += end - start;
    }

    /// Bytes the board holds that are also in `other` (sorted, disjoint offset ranges).
    fn overlap_with(&self, other: &[(u32, u32)]) -> u32 {
        let mut total = 0;
        let (mut a, mut b) = (0, 0);
        while a < self.ranges.len() && b < other.len() {
            let (s1, e1) = self.range(a);
            let (s2, e2) = other[b];
            total += e1.min(e2).saturating_sub(s1.max(s2));
            if e1 <= e2 {
                a += 1;
            } else {
                b += 1;
            }
        }
        total
    }

    /// The un-SACKed holes of `[SND.UNA, SND.MAX)` in ascending order, the last one being the
    /// region above the highest SACKed byte (nothing SACKed above it).
    fn holes(&self) -> impl Iterator<Item = Hole> + '_ {
        let count = self.ranges.len();
        let mut below = 0u32;
        let mut prev_end = 0u32;
        (0..=count).filter_map(move |k| {
            let (start, end, next_end) = if k < count {
                let (s, e) = self.range(k);
                (prev_end, s, e)
            } else {
                (prev_end, self.span(), prev_end)
            };
            let hole = Hole {
                start,
                end,
                ranges_above: count - k,
                sacked_above: self.sacked - below,
            };
            if k < count {
                below += next_end - end;
            }
            prev_end = next_end;
            (start < end).then_some(hole)
        })
    }

    /// RFC 6675 `IsLost(seq)`: more than `(dup_thresh - 1) * mss` bytes above `seq` have been
    /// SACKed, or at least `dup_thresh` separate SACKed ranges lie above it. A byte that is
    /// SACKed, acknowledged or not yet sent is not lost. `dup_thresh` is at least 1 (0 is
    /// taken as 1); [`DUP_THRESH`] is the standard value.
    pub(crate) fn is_lost(&self, seq: SeqNumber, mss: u32, dup_thresh: u32) -> bool {
        let at = self.off(seq);
        if at >= self.span() {
            return false;
        }
        self.holes()
            .find(|hole| hole.start <= at && at < hole.end)
            .is_some_and(|hole| lost(hole.ranges_above, hole.sacked_above, mss, dup_thresh))
    }

    /// RFC 6675 `NextSeg` rule (1): the segment starting at the lowest byte that is
    /// un-SACKed, at or above `high_rxt` (not yet retransmitted in this recovery), below the
    /// highest SACKed byte, and lost by [`SackScoreboard::is_lost`]. Its length is at most
    /// `mss` and stops at the next SACKed byte. Rules (2) and (3) (new data, or an un-lost
    /// hole when there is no new data) are the engine's; rule (4) is
    /// [`SackScoreboard::next_seg_rule4`].
    pub(crate) fn next_seg(
        &self,
        high_rxt: SeqNumber,
        mss: u32,
        dup_thresh: u32,
    ) -> Option<(SeqNumber, u32)> {
        self.first_hole_segment(high_rxt, mss, |hole| {
            lost(hole.ranges_above, hole.sacked_above, mss, dup_thresh)
        })
    }

    /// RFC 6675 `NextSeg` rule (4): as rule (1) but without requiring the byte to be lost:
    /// the lowest un-SACKed byte at or above `high_rxt` and below the highest SACKed byte.
    /// The engine uses it when rules (1)-(3) found nothing to send.
    pub(crate) fn next_seg_rule4(&self, high_rxt: SeqNumber, mss: u32) -> Option<(SeqNumber, u32)> {
        self.first_hole_segment(high_rxt, mss, |_| true)
    }

    /// The first segment of at most `mss` bytes in a hole below the highest SACKed byte that
    /// satisfies `pick`, starting no lower than `high_rxt`.
    fn first_hole_segment(
        &self,
        high_rxt: SeqNumber,
        mss: u32,
        pick: impl Fn(&Hole) -> bool,
    ) -> Option<(SeqNumber, u32)> {
        let floor = if high_rxt.gt(self.snd_una) {
            self.off(high_rxt)
        } else {
            0
        };
        self.holes()
            .filter(|hole| hole.ranges_above > 0 && pick(hole))
            .find_map(|hole| {
                let start = hole.start.max(floor);
                (start < hole.end).then(|| (self.snd_una + start, (hole.end - start).min(mss)))
            })
    }

    /// RFC 6675 `SetPipe`: the sender's estimate of bytes in the network. Each outstanding
    /// byte that is not SACKed counts once if it is not lost ([`SackScoreboard::is_lost`])
    /// and once more if it was retransmitted (below `high_rxt`).
    pub(crate) fn pipe(&self, high_rxt: SeqNumber, mss: u32, dup_thresh: u32) -> u32 {
        let retransmitted_end = if high_rxt.gt(self.snd_una) {
            self.off(high_rxt).min(self.span())
        } else {
            0
        };
        let total: u64 = self
            .holes()
            .map(|hole| {
                let retransmitted = hole.end.min(retransmitted_end).saturating_sub(hole.start);
                let in_flight = if lost(hole.ranges_above, hole.sacked_above, mss, dup_thresh) {
                    0
                } else {
                    hole.end - hole.start
                };
                u64::from(retransmitted) + u64::from(in_flight)
            })
            .sum();
        u32::try_from(total).unwrap_or(u32::MAX)
    }

    /// Bytes above SND.UNA currently marked SACKed.
    pub(crate) fn sacked_bytes(&self) -> u32 {
        self.sacked
    }

    /// Forgets all SACK information (after a retransmission timeout, RFC 6675 §5.1, or when
    /// the connection closes). SND.UNA and SND.MAX are kept.
    pub(crate) fn clear(&mut self) {
        self.ranges = Vec::new();
        self.sacked = 0;
    }

    /// Heap bytes the board holds (at most `MAX_RANGES * 8`).
    pub(crate) fn allocated(&self) -> usize {
        self.ranges.capacity() * size_of::<(SeqNumber, SeqNumber)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MSS: u32 = 1000;
    /// SND.UNA 5000 bytes before the wrap: offset 5000 is sequence number 0.
    const UNA: SeqNumber = SeqNumber(u32::MAX - 4999);

    fn seq(offset: u32) -> SeqNumber {
        UNA + offset
    }

    fn block(start: u32, end: u32) -> (SeqNumber, SeqNumber) {
        (seq(start), seq(end))
    }

    /// A board at `UNA` with `sent` bytes outstanding.
    fn board(sent: u32) -> SackScoreboard {
        let mut sb = SackScoreboard::new(UNA);
        sb.set_snd_max(seq(sent));
        sb
    }

    fn ranges(sb: &SackScoreboard) -> Vec<(u32, u32)> {
        sb.ranges.iter().map(|&(s, e)| (s - UNA, e - UNA)).collect()
    }

    /// The worked example: 10 segments out, segments 3-4, 6 and 8 SACKed.
    fn example() -> SackScoreboard {
        let mut sb = board(10_000);
        let update = sb.update(
            UNA,
            &[block(8000, 9000), block(6000, 7000), block(3000, 5000)],
        );
        assert_eq!(
            update,
            SackUpdate {
                newly_sacked: 4000,
                dsack: None
            }
        );
        sb
    }

    #[test]
    fn update_merges_ranges_and_counts_new_bytes() {
        let mut sb = board(10_000);
        let u = sb.update(UNA, &[block(2000, 3000)]);
        assert_eq!(u.newly_sacked, 1000);
        let u = sb.update(UNA, &[block(4000, 5000), block(2000, 3000)]);
        assert_eq!(u.newly_sacked, 1000);
        assert_eq!(ranges(&sb), [(2000, 3000), (4000, 5000)]);
        // Adjacent on both sides: one range.
        let u = sb.update(UNA, &[block(3000, 4000), block(2000, 3000)]);
        assert_eq!(u.newly_sacked, 1000);
        assert_eq!(ranges(&sb), [(2000, 5000)]);
        // Overlapping several: only the new bytes count.
        sb.update(UNA, &[block(6000, 7000)]);
        let u = sb.update(UNA, &[block(1500, 8000)]);
        assert_eq!(u.newly_sacked, 500 + 1000 + 1000);
        assert_eq!(ranges(&sb), [(1500, 8000)]);
        assert_eq!(sb.sacked_bytes(), 6500);
        // A repeated ACK adds nothing.
        assert_eq!(sb.update(UNA, &[block(1500, 8000)]).newly_sacked, 0);
    }

    #[test]
    fn blocks_outside_the_window_are_ignored_or_clipped() {
        let mut sb = board(10_000);
        sb.advance(seq(1000));
        let u = sb.update(
            seq(1000),
            &[
                block(9000, 10_001), // past SND.MAX: never sent
                block(5000, 5000),   // empty
                block(6000, 5000),   // inverted
                block(0, 1000),      // entirely below SND.UNA (and not first: no D-SACK)
            ],
        );
        assert_eq!(u, SackUpdate::default());
        assert_eq!(sb.sacked_bytes(), 0);
        // Reaching exactly SND.MAX is fine; a block straddling SND.UNA is cut there.
        let u = sb.update(seq(1000), &[block(9000, 10_000), block(500, 2000)]);
        assert_eq!(u.newly_sacked, 2000);
        assert_eq!(ranges(&sb), [(1000, 2000), (9000, 10_000)]);
    }

    #[test]
    fn dsack_below_the_cumulative_ack_is_reported() {
        let mut sb = board(10_000);
        let u = sb.update(seq(3000), &[block(1000, 2000)]);
        assert_eq!(
            u,
            SackUpdate {
                newly_sacked: 0,
                dsack: Some(block(1000, 2000))
            }
        );
        // A D-SACK at the first position, followed by ordinary blocks.
        let u = sb.update(seq(3000), &[block(2000, 3000), block(5000, 6000)]);
        assert_eq!(
            u,
            SackUpdate {
                newly_sacked: 1000,
                dsack: Some(block(2000, 3000))
            }
        );
        // Only the first block can be a D-SACK.
        let u = sb.update(seq(3000), &[block(5000, 6000), block(1000, 2000)]);
        assert_eq!(u.dsack, None);
    }

    #[test]
    fn dsack_inside_the_second_block_is_reported() {
        let mut sb = board(10_000);
        sb.update(UNA, &[block(4000, 7000)]);
        let u = sb.update(UNA, &[block(5000, 6000), block(4000, 7000)]);
        assert_eq!(
            u,
            SackUpdate {
                newly_sacked: 0,
                dsack: Some(block(5000, 6000))
            }
        );
        // Also when the containing block is news to us (our earlier ACK was lost).
        let u = sb.update(UNA, &[block(8000, 9000), block(8000, 10_000)]);
        assert_eq!(
            u,
            SackUpdate {
                newly_sacked: 2000,
                dsack: Some(block(8000, 9000))
            }
        );
    }

    #[test]
    fn repeated_blocks_are_not_dsacks() {
        let mut sb = board(10_000);
        sb.update(UNA, &[block(4000, 7000)]);
        // A duplicated ACK, or a receiver repeating its newest block.
        assert_eq!(sb.update(UNA, &[block(4000, 7000)]).dsack, None);
        assert_eq!(sb.update(UNA, &[block(5000, 6000)]).dsack, None);
        // First block not inside the second.
        assert_eq!(
            sb.update(UNA, &[block(8000, 9000), block(4000, 7000)])
                .dsack,
            None
        );
        // A "D-SACK" reaching past SND.MAX is bogus.
        assert_eq!(sb.update(seq(3000), &[block(2000, 10_001)]).dsack, None);
    }

    #[test]
    fn advance_drops_and_trims_ranges() {
        let mut sb = example();
        sb.advance(seq(3500));
        assert_eq!(ranges(&sb), [(3500, 5000), (6000, 7000), (8000, 9000)]);
        assert_eq!(sb.sacked_bytes(), 3500);
        sb.advance(seq(7000));
        assert_eq!(ranges(&sb), [(8000, 9000)]);
        assert_eq!(sb.sacked_bytes(), 1000);
        // Old or equal ACKs change nothing.
        sb.advance(seq(6000));
        sb.advance(seq(7000));
        assert_eq!(sb.sacked_bytes(), 1000);
        sb.advance(seq(10_000));
        assert_eq!(sb.sacked_bytes(), 0);
        assert_eq!(sb.allocated(), 0);
        assert_eq!(sb.pipe(seq(10_000), MSS, DUP_THRESH), 0);
    }

    #[test]
    fn update_advances_before_reading_blocks() {
        let mut sb = example();
        let u = sb.update(seq(5000), &[block(9000, 10_000), block(6000, 7000)]);
        assert_eq!(u.newly_sacked, 1000);
        assert_eq!(ranges(&sb), [(6000, 7000), (8000, 10_000)]);
        assert_eq!(sb.sacked_bytes(), 3000);
    }

    #[test]
    fn ranges_across_the_sequence_wrap() {
        // Offsets 4000..6000 straddle sequence number 0.
        let mut sb = board(10_000);
        let u = sb.update(UNA, &[(SeqNumber(u32::MAX - 999), SeqNumber(1000))]);
        assert_eq!(u.newly_sacked, 2000);
        assert_eq!(ranges(&sb), [(4000, 6000)]);
        sb.update(
            UNA,
            &[
                (SeqNumber(2000), SeqNumber(3000)),
                (SeqNumber(1000), SeqNumber(2000)),
            ],
        );
        assert_eq!(ranges(&sb), [(4000, 8000)]);
        assert!(sb.is_lost(UNA, MSS, DUP_THRESH));
        assert!(!sb.is_lost(SeqNumber(0), MSS, DUP_THRESH));
        assert_eq!(sb.next_seg(UNA, MSS, DUP_THRESH), Some((UNA, MSS)));
        sb.advance(SeqNumber(500));
        assert_eq!(ranges(&sb), [(5500, 8000)]);
        assert_eq!(sb.sacked_bytes(), 2500);
        assert_eq!(sb.pipe(SeqNumber(500), MSS, DUP_THRESH), 2000);
    }

    #[test]
    fn is_lost_counts_bytes_above() {
        let mut sb = board(10_000);
        sb.update(UNA, &[block(1000, 3000)]);
        // Exactly (DupThresh - 1) * SMSS above: not yet.
        assert!(!sb.is_lost(UNA, MSS, DUP_THRESH));
        sb.update(UNA, &[block(3000, 3001)]);
        assert!(sb.is_lost(UNA, MSS, DUP_THRESH));
        assert!(sb.is_lost(seq(999), MSS, DUP_THRESH));
        // SACKed, acknowledged, unsent and topmost bytes are never lost.
        assert!(!sb.is_lost(seq(1000), MSS, DUP_THRESH));
        assert!(!sb.is_lost(UNA - 1, MSS, DUP_THRESH));
        assert!(!sb.is_lost(seq(10_000), MSS, DUP_THRESH));
        assert!(!sb.is_lost(seq(5000), MSS, DUP_THRESH));
        // A lower DupThresh declares sooner.
        assert!(sb.is_lost(UNA, MSS, 2));
        assert!(!sb.is_lost(UNA, MSS, 4));
    }

    #[test]
    fn is_lost_counts_discontiguous_ranges_above() {
        let mut sb = board(10_000);
        sb.update(UNA, &[block(2000, 2001), block(4000, 4001)]);
        assert!(!sb.is_lost(UNA, MSS, DUP_THRESH));
        sb.update(UNA, &[block(6000, 6001)]);
        assert!(sb.is_lost(UNA, MSS, DUP_THRESH));
        assert!(!sb.is_lost(seq(3000), MSS, DUP_THRESH));
        assert!(sb.is_lost(seq(3000), MSS, 2));
        assert!(sb.is_lost(seq(5000), MSS, 1));
        assert!(sb.is_lost(seq(5000), MSS, 0), "0 is taken as 1");
    }

    #[test]
    fn next_seg_returns_lost_holes_in_order_above_high_rxt() {
        let sb = example();
        assert_eq!(sb.next_seg(UNA, MSS, DUP_THRESH), Some((UNA, 1000)));
        assert_eq!(
            sb.next_seg(seq(1000), MSS, DUP_THRESH),
            Some((seq(1000), 1000))
        );
        // Stops at the SACKed range.
        assert_eq!(
            sb.next_seg(seq(2500), MSS, DUP_THRESH),
            Some((seq(2500), 500))
        );
        // The next hole (5000..6000) has only 2 SACKed ranges and 2000 bytes above: not lost.
        assert_eq!(sb.next_seg(seq(3000), MSS, DUP_THRESH), None);
        // A stale high_rxt below SND.UNA means "nothing retransmitted".
        assert_eq!(sb.next_seg(UNA - 100, MSS, DUP_THRESH), Some((UNA, 1000)));
        // More SACKs make the next holes lost, lowest first.
        let mut sb = sb;
        sb.update(UNA, &[block(9500, 10_000)]);
        assert_eq!(
            sb.next_seg(seq(3000), MSS, DUP_THRESH),
            Some((seq(5000), 1000))
        );
        // 7000..8000 has 2 ranges and 1500 bytes above: lost only with a lower DupThresh.
        assert_eq!(sb.next_seg(seq(6000), MSS, DUP_THRESH), None);
        assert_eq!(sb.next_seg(seq(6000), MSS, 2), Some((seq(7000), 1000)));
        assert_eq!(sb.next_seg(seq(8000), MSS, 2), None);
        assert_eq!(sb.next_seg(seq(8000), MSS, 1), Some((seq(9000), 500)));
        // Segment size follows the MSS.
        assert_eq!(sb.next_seg(UNA, 400, DUP_THRESH), Some((UNA, 400)));
    }

    #[test]
    fn next_seg_rule4_ignores_loss_but_not_high_rxt_or_the_top() {
        let sb = example();
        assert_eq!(sb.next_seg_rule4(UNA, MSS), Some((UNA, 1000)));
        assert_eq!(sb.next_seg_rule4(seq(3000), MSS), Some((seq(5000), 1000)));
        assert_eq!(sb.next_seg_rule4(seq(5600), MSS), Some((seq(5600), 400)));
        assert_eq!(sb.next_seg_rule4(seq(6000), MSS), Some((seq(7000), 1000)));
        // Above the highest SACKed byte: new-data territory, not rule (4).
        assert_eq!(sb.next_seg_rule4(seq(8000), MSS), None);
        assert_eq!(board(10_000).next_seg_rule4(UNA, MSS), None);
    }

    #[test]
    fn pipe_matches_the_worked_example() {
        let sb = example();
        // Holes: 0..3000 lost, 5000..6000, 7000..8000 and 9000..10000 in flight.
        assert_eq!(sb.pipe(UNA, MSS, DUP_THRESH), 3000);
        // The first lost segment retransmitted: it is in flight again.
        assert_eq!(sb.pipe(seq(1000), MSS, DUP_THRESH), 4000);
        // All of the lost hole plus half of the next retransmitted (rule 4): 3000 + 2 * 500
        // + 500 + 1000 + 1000.
        assert_eq!(sb.pipe(seq(5500), MSS, DUP_THRESH), 6500);
        // With no SACK information pipe is the flight size.
        assert_eq!(board(10_000).pipe(UNA, MSS, DUP_THRESH), 10_000);
        // Retransmitted bytes that are not lost count twice.
        assert_eq!(board(10_000).pipe(seq(2000), MSS, DUP_THRESH), 12_000);
        // high_rxt beyond SND.MAX is capped.
        assert_eq!(board(10_000).pipe(seq(20_000), MSS, DUP_THRESH), 20_000);
    }

    #[test]
    fn clear_forgets_everything_but_the_window() {
        let mut sb = example();
        sb.clear();
        assert_eq!(sb.sacked_bytes(), 0);
        assert_eq!(sb.allocated(), 0);
        assert!(!sb.is_lost(UNA, MSS, DUP_THRESH));
        assert_eq!(sb.pipe(UNA, MSS, DUP_THRESH), 10_000);
        assert_eq!(sb.update(UNA, &[block(1000, 2000)]).newly_sacked, 1000);
    }

    #[test]
    fn set_snd_max_never_moves_back() {
        let mut sb = board(10_000);
        sb.set_snd_max(seq(5000));
        assert_eq!(sb.update(UNA, &[block(9000, 10_000)]).newly_sacked, 1000);
        sb.set_snd_max(seq(12_000));
        assert_eq!(sb.update(UNA, &[block(10_000, 12_000)]).newly_sacked, 2000);
        assert_eq!(ranges(&sb), [(9000, 12_000)]);
    }

    #[test]
    fn memory_is_bounded_and_drops_the_highest_ranges() {
        let mut sb = board(100_000);
        // 40 separate ten-byte ranges, lowest first: the last 8 do not fit.
        for k in 0..40u32 {
            let u = sb.update(UNA, &[block(1000 * k + 500, 1000 * k + 510)]);
            assert_eq!(u.newly_sacked, if k < 32 { 10 } else { 0 }, "range {k}");
        }
        assert_eq!(sb.ranges.len(), MAX_RANGES);
        assert_eq!(sb.sacked_bytes(), 320);
        assert!(sb.allocated() <= MAX_RANGES * 8);
        // A range below the highest displaces the highest.
        let u = sb.update(UNA, &[block(100, 110)]);
        assert_eq!(u.newly_sacked, 10);
        assert_eq!(sb.ranges.len(), MAX_RANGES);
        assert_eq!(sb.sacked_bytes(), 320);
        assert_eq!(ranges(&sb).last(), Some(&(30_500, 30_510)));
        // Several blocks in one ACK: one of them new and kept, the one it displaced having
        // come in the same ACK does not count.
        let u = sb.update(UNA, &[block(200, 210), block(300, 310)]);
        assert_eq!(u.newly_sacked, 20);
        assert_eq!(sb.sacked_bytes(), 320);
        // Merging still works when full, and frees room.
        let u = sb.update(UNA, &[block(100, 1510)]);
        assert_eq!(u.newly_sacked, 1410 - 5 * 10);
        assert_eq!(sb.ranges.len(), MAX_RANGES - 4);
        assert!(sb.allocated() <= MAX_RANGES * 8);
    }

    /// A per-byte model of RFC 6675 over a small window, to check the board against.
    #[derive(Debug, Clone)]
    struct Model {
        una: u32,
        max: u32,
        sacked: Vec<bool>,
    }

    const SPACE: u32 = 64;

    impl Model {
        fn is_sacked(&self, o: u32) -> bool {
            self.sacked[o as usize]
        }

        fn is_lost(&self, o: u32, mss: u32, dup: u32) -> bool {
            if o < self.una || o >= self.max || self.is_sacked(o) {
                return false;
            }
            let above: Vec<u32> = (o + 1..self.max).filter(|&x| self.is_sacked(x)).collect();
            let runs = above.iter().filter(|&&x| !self.is_sacked(x - 1)).count();
            let dup = dup.max(1);
            runs >= dup as usize || above.len() as u32 > (dup - 1) * mss
        }

        fn highest_sacked(&self) -> Option<u32> {
            (self.una..self.max).rev().find(|&x| self.is_sacked(x))
        }

        fn run_len(&self, o: u32, mss: u32) -> u32 {
            (o..self.max)
                .take_while(|&x| !self.is_sacked(x))
                .count()
                .min(mss as usize) as u32
        }

        fn next_seg(
            &self,
            high_rxt: u32,
            mss: u32,
            lost: impl Fn(u32) -> bool,
        ) -> Option<(u32, u32)> {
            let top = self.highest_sacked()?;
            (self.una.max(high_rxt)..top)
                .find(|&o| !self.is_sacked(o) && lost(o))
                .map(|o| (o, self.run_len(o, mss)))
        }

        fn pipe(&self, high_rxt: u32, mss: u32, dup: u32) -> u32 {
            (self.una..self.max)
                .filter(|&o| !self.is_sacked(o))
                .map(|o| u32::from(!self.is_lost(o, mss, dup)) + u32::from(o < high_rxt))
                .sum()
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// SND.MAX moves up by this much.
        Send(u32),
        /// An ACK whose cumulative ACK is SND.UNA plus the first field, minus the second
        /// (a stale one), with SACK blocks at absolute offsets.
        Ack(u32, u32, Vec<(u32, u32)>),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        let edge = 0..SPACE + 4;
        let blocks = proptest::collection::vec((edge.clone(), edge), 0..5);
        let advance = prop_oneof![4 => Just(0u32), 1 => 1u32..8];
        let stale = prop_oneof![6 => Just(0u32), 1 => 1u32..4];
        prop_oneof![
            2 => (0u32..20).prop_map(Op::Send),
            6 => (advance, stale, blocks).prop_map(|(a, s, b)| Op::Ack(a, s, b)),
            1 => Just(Op::Clear),
        ]
    }

    proptest! {
        #[test]
        fn board_agrees_with_a_per_byte_model(
            base in prop_oneof![Just(u32::MAX - 40), any::<u32>()],
            ops in proptest::collection::vec(op(), 1..80),
            mss in 1u32..6,
            dup in 1u32..5,
            high_rxt in 0u32..SPACE + 4,
        ) {
            let at = |o: u32| SeqNumber(base.wrapping_add(o));
            let mut sb = SackScoreboard::new(at(0));
            let mut model = Model { una: 0, max: 0, sacked: vec![false; SPACE as usize + 4] };
            for op in ops {
                match op {
                    Op::Send(more) => {
                        model.max = (model.max + more).min(SPACE);
                        sb.set_snd_max(at(model.max));
                    }
                    Op::Ack(advance, stale, blocks) => {
                        let ack = (model.una + advance).min(SPACE).saturating_sub(stale);
                        let wire: Vec<_> = blocks.iter().map(|&(l, r)| (at(l), at(r))).collect();
                        let got = sb.update(at(ack), &wire);
                        if ack > model.una {
                            model.una = ack;
                            model.max = model.max.max(ack);
                            for o in 0..ack {
                                model.sacked[o as usize] = false;
                            }
                        }
                        let dsack = blocks.first().copied().filter(|&(l, r)| {
                            l < r && r <= model.max
                                && (l < ack
                                    || blocks.get(1).is_some_and(|&(l2, r2)| {
                                        l2 < r2 && r2 <= model.max && l2 <= l && r <= r2
                                    }))
                        });
                        let mut newly = 0;
                        for &(l, r) in &blocks {
                            if l < r && r > model.una && r <= model.max {
                                for o in l.max(model.una)..r {
                                    newly += u32::from(!model.sacked[o as usize]);
                                    model.sacked[o as usize] = true;
                                }
                            }
                        }
                        prop_assert_eq!(got.newly_sacked, newly);
                        prop_assert_eq!(got.dsack, dsack.map(|(l, r)| (at(l), at(r))));
                    }
                    Op::Clear => {
                        sb.clear();
                        model.sacked.iter_mut().for_each(|b| *b = false);
                    }
                }
                let total = (model.una..model.max).filter(|&o| model.is_sacked(o)).count();
                prop_assert_eq!(sb.sacked_bytes() as usize, total);
                for o in 0..SPACE + 4 {
                    prop_assert_eq!(sb.is_lost(at(o), mss, dup), model.is_lost(o, mss, dup), "octet {}", o);
                }
                let conv = |r: Option<(u32, u32)>| r.map(|(o, len)| (at(o), len));
                prop_assert_eq!(
                    sb.next_seg(at(high_rxt), mss, dup),
                    conv(model.next_seg(high_rxt, mss, |o| model.is_lost(o, mss, dup)))
                );
                prop_assert_eq!(sb.next_seg_rule4(at(high_rxt), mss), conv(model.next_seg(high_rxt, mss, |_| true)));
                prop_assert_eq!(sb.pipe(at(high_rxt), mss, dup), model.pipe(high_rxt, mss, dup));
            }
        }
    }
}
