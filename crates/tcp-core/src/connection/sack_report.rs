//! Which out-of-order ranges a receiver's SACK blocks report (RFC 2018 §4, RFC 2883).
//!
//! An ACK has room for three blocks beside timestamps (four without). RFC 2018 fixes the
//! first: the range holding the most recent arrival. For the others it suggests repeating
//! the most recently reported ranges, which loses information when one ACK answers many
//! arrivals (a receive batch, a super-frame) or when ACKs are lost: a range that leaves
//! the top three before an ACK carrying it reaches the sender is never reported, and the
//! sender's RACK marks the data in it lost and sends it again. The kernel's receiver
//! escapes this by ACKing every few segments, so each range rides in many ACKs; this
//! stack answers a batch at once, so it makes sure of the same thing directly: every range
//! that grew rides in [`REPORTS_WANTED`] ACKs. The slots after the newest go first to
//! ranges never reported since they grew, then to those reported fewer times than wanted,
//! then to the most recent ones; and while a range is still owed a report the connection
//! sends another duplicate ACK at once (RFC 5681 §4.2 asks for one per out-of-order
//! arrival anyway). The newest range is the exception: the next ACK leads with it anyway.

use crate::connection::recv_buffer::OutOfOrderRange;
use tcp_wire::{SackBlocks, SeqNumber};

/// ACKs that carry a range after it grew: two, so that one lost ACK does not hide it.
const REPORTS_WANTED: u8 = 2;

/// The SACK blocks of the next ACK, at most `limit`: `dsack` first, then the range holding
/// the most recent arrival, then ranges never reported, then ranges owed a second report,
/// then the rest, each group newest first.
/// `ranges` are offsets from `rcv_nxt`.
pub(crate) fn choose(
    ranges: &[OutOfOrderRange],
    rcv_nxt: SeqNumber,
    dsack: Option<(SeqNumber, SeqNumber)>,
    limit: usize,
) -> SackBlocks {
    let mut blocks = SackBlocks::new();
    if let Some((left, right)) = dsack {
        blocks.push(left, right);
    }
    let mut chosen = Chosen::default();
    if let Some(newest) = chosen.newest(ranges, |_| true) {
        blocks.push(rcv_nxt + newest.start, rcv_nxt + newest.end);
    }
    for reported_below in [1, REPORTS_WANTED, u8::MAX] {
        while blocks.len() < limit {
            let Some(range) = chosen.newest(ranges, |r| r.reported < reported_below) else {
                break;
            };
            blocks.push(rcv_nxt + range.start, rcv_nxt + range.end);
        }
    }
    blocks
}

/// The ranges already put in one ACK, by index.
#[derive(Default)]
struct Chosen {
    indices: [usize; 4],
    count: usize,
}

impl Chosen {
    /// The most recent range not chosen yet that `wanted` accepts, now chosen.
    fn newest(
        &mut self,
        ranges: &[OutOfOrderRange],
        wanted: impl Fn(&OutOfOrderRange) -> bool,
    ) -> Option<OutOfOrderRange> {
        if self.count == self.indices.len() {
            return None;
        }
        let (index, range) = ranges
            .iter()
            .enumerate()
            .filter(|(i, r)| !self.indices[..self.count].contains(i) && wanted(r))
            .max_by_key(|(_, r)| r.recency)?;
        self.indices[self.count] = index;
        self.count += 1;
        Some(*range)
    }
}

/// Counts one more report for every range among `sent` (the blocks of an ACK that left);
/// true when some range is still owed a report now. The newest range is owed only its
/// first: every ACK leads with the newest range, so the next one repeats it, and until
/// then a lone out-of-order arrival draws one ACK, as from any other receiver.
pub(crate) fn mark_sent(
    ranges: &mut [OutOfOrderRange],
    rcv_nxt: SeqNumber,
    sent: &SackBlocks,
) -> bool {
    let newest = ranges.iter().map(|r| r.recency).max();
    let mut owed = false;
    for range in ranges.iter_mut() {
        let block = (rcv_nxt + range.start, rcv_nxt + range.end);
        if sent.as_slice().contains(&block) {
            range.reported = range.reported.saturating_add(1);
        }
        let wanted = if Some(range.recency) == newest {
            1
        } else {
            REPORTS_WANTED
        };
        owed |= range.reported < wanted;
    }
    owed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(reported: &[u8]) -> Vec<OutOfOrderRange> {
        (0..reported.len() as u32)
            .zip(reported)
            .map(|(i, &reported)| OutOfOrderRange {
                start: 100 * (i + 1),
                end: 100 * (i + 1) + 10,
                recency: u64::from(i),
                reported,
            })
            .collect()
    }

    fn block(nxt: SeqNumber, n: u32) -> (SeqNumber, SeqNumber) {
        (nxt + 100 * n, nxt + 100 * n + 10)
    }

    #[test]
    fn a_dsack_takes_the_first_slot_and_the_newest_range_the_second() {
        let nxt = SeqNumber(1000);
        let dsack = (SeqNumber(500), SeqNumber(510));
        let held = ranges(&[0, 0, 2, 2]);
        let blocks = choose(&held, nxt, Some(dsack), 3);
        assert_eq!(blocks.as_slice(), [dsack, block(nxt, 4), block(nxt, 2)]);
    }

    #[test]
    fn marking_counts_the_ranges_sent_and_finds_those_still_owed() {
        let nxt = SeqNumber(1000);
        let mut held = ranges(&[1, 1, 0]);
        let mut sent = SackBlocks::new();
        sent.push(block(nxt, 3).0, block(nxt, 3).1);
        sent.push(block(nxt, 2).0, block(nxt, 2).1);
        assert!(
            mark_sent(&mut held, nxt, &sent),
            "range 1 is owed a second report"
        );
        let reported: Vec<u8> = held.iter().map(|r| r.reported).collect();
        assert_eq!(reported, [1, 2, 1]);
        let mut sent = SackBlocks::new();
        sent.push(block(nxt, 1).0, block(nxt, 1).1);
        assert!(
            !mark_sent(&mut held, nxt, &sent),
            "the newest range, carried once, waits for the next ACK"
        );
    }
}
