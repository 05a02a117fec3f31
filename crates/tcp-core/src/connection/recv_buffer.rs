//! The receive buffer: in-order bytes waiting for the application, and out-of-order data
//! placed at its final position in the same ring (reassembly without extra copies).
//!
//! The ring grows as data arrives, and for out-of-order data only in proportion to the bytes
//! held ([`OUT_OF_ORDER_GROWTH`]). Out-of-order bytes past the ring's end that it may not
//! grow to reach wait in a [`FarStore`] of chunks sized to what they hold, and move into
//! the ring when the hole before them fills: a byte far past a hole costs its own size, not
//! the distance to it.

/// Most out-of-order ranges held at once; a segment that would create one more is dropped,
/// so a peer sending 1-byte segments with holes cannot grow memory or CPU without bound
/// (each range costs the peer at least one segment). 256: through 10 % random loss a
/// window of hundreds of segments has more than 64 holes, and dropping data past them cost
/// the sender timeouts (kernel -> this stack at 10 %: 0.17-0.36 Gbit/s with 64, 0.58-0.77
/// with 256).
pub(crate) const MAX_OUT_OF_ORDER_RANGES: usize = 256;

/// The ring grows for out-of-order data only while its length stays within this many times
/// the bytes held once the data is stored (in order and out of order); beyond, the data
/// waits in the [`FarStore`].
pub(crate) const OUT_OF_ORDER_GROWTH: usize = 4;

/// The smallest ring allocated; a drained ring this small is released (cheap to get back),
/// larger ones are kept so bulk transfers do not allocate per read.
const MIN_RING: usize = 1024;

use crate::connection::far_store::FarStore;
use crate::connection::out_of_order::OutOfOrder;

/// A range of out-of-order data, as offsets from RCV.NXT, with the arrival order of its
/// latest piece (for SACK's "most recent first").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OutOfOrderRange {
    /// First byte, as an offset from RCV.NXT (always > 0).
    pub(in crate::connection) start: u32,
    /// One past the last byte.
    pub(in crate::connection) end: u32,
    /// Larger means more recently extended.
    pub(in crate::connection) recency: u64,
    /// ACKs that carried this range since it last grew (saturating).
    pub(in crate::connection) reported: u8,
}

/// What one [`RecvBuffer::write`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct WriteOutcome {
    /// Bytes by which the in-order edge (RCV.NXT) moved.
    pub(in crate::connection) advanced: u32,
    /// The data was out of order (left a hole before it).
    pub(in crate::connection) out_of_order: bool,
    /// The data filled (part of) a hole before existing out-of-order data.
    pub(in crate::connection) filled_gap: bool,
    /// Every byte was already held (a duplicate).
    pub(in crate::connection) duplicate: bool,
    /// The data was dropped because storing it needed more memory than the endpoint's
    /// budget had room for (`dropped` is set too).
    pub(in crate::connection) no_memory: bool,
    /// The range limit (or the [`FarStore`]'s chunk limit) was reached and the data was
    /// dropped.
    pub(in crate::connection) dropped: bool,
}

/// Whether out-of-order data found a place.
enum Stored {
    Yes,
    /// The far store's chunk limit was reached.
    NoChunk,
    /// The memory budget had no room for it.
    NoMemory,
}

/// Ring storage of `capacity` bytes of window plus `slack`.
#[derive(Debug, Default)]
pub(crate) struct RecvBuffer {
    ring: Vec<u8>,
    head: usize,
    readable: usize,
    capacity: usize,
    slack: usize,
    /// Made by the first out-of-order data; kept (with its storage) until the buffer is
    /// cleared, as the storage of a `Vec` would be.
    ooo: Option<Box<OutOfOrder>>,
    /// Under memory pressure: offer no window beyond the storage already allocated.
    window_to_storage: bool,
}

impl RecvBuffer {
    /// A buffer that holds `capacity` bytes, plus `slack` bytes of room for a window rounded
    /// up to the window-scale unit. No memory is allocated until data arrives.
    pub(crate) fn new(capacity: usize, slack: usize) -> RecvBuffer {
        RecvBuffer {
            capacity,
            slack,
            ..RecvBuffer::default()
        }
    }

    /// In-order bytes the application can read.
    pub(crate) fn readable(&self) -> usize {
        self.readable
    }

    /// The window to offer: room after the in-order bytes, within the storage already
    /// allocated (at least [`MIN_RING`]) while [`RecvBuffer::limit_window_to_storage`] says so.
    pub(crate) fn window(&self) -> usize {
        self.window_with(self.window_to_storage)
    }

    /// [`RecvBuffer::window`] with the window limited to storage (`true`) or not.
    pub(crate) fn window_with(&self, limit_to_storage: bool) -> usize {
        let size = if limit_to_storage {
            self.capacity.min(self.ring.len().max(MIN_RING))
        } else {
            self.capacity
        };
        size.saturating_sub(self.readable)
    }

    /// Under memory pressure (`true`), the window offers only storage already allocated.
    pub(crate) fn limit_window_to_storage(&mut self, limit: bool) {
        self.window_to_storage = limit;
    }

    /// The window offers only storage already allocated (memory pressure).
    pub(crate) fn limited_to_storage(&self) -> bool {
        self.window_to_storage
    }

    /// The most bytes beyond RCV.NXT that fit in storage (window plus slack).
    pub(crate) fn room(&self) -> usize {
        (self.capacity + self.slack).saturating_sub(self.readable)
    }

    /// The configured size.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Changes the size (never below what is held).
    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity.max(self.readable + self.ooo_span());
    }

    /// Out-of-order ranges, lowest first.
    pub(crate) fn out_of_order(&self) -> &[OutOfOrderRange] {
        self.ooo.as_deref().map_or(&[], |ooo| &ooo.ranges)
    }

    /// The same ranges, for [`crate::connection::sack_report`] to count their reports.
    pub(crate) fn out_of_order_mut(&mut self) -> &mut [OutOfOrderRange] {
        self.ooo
            .as_deref_mut()
            .map_or(&mut [], |ooo| &mut ooo.ranges)
    }

    fn ooo_span(&self) -> usize {
        self.out_of_order().last().map_or(0, |r| r.end as usize)
    }

    /// The ring length that holds `needed` bytes from the head, at most `bound`: doubling
    /// from [`MIN_RING`] as data arrives, so a connection that moves little holds little,
    /// and closer to `needed` when the doubled length is above `bound`. `None` when even
    /// `needed` is.
    fn grown_len(&self, needed: usize, bound: usize) -> Option<usize> {
        let storage = self.capacity + self.slack;
        let doubled = needed.next_power_of_two().min(storage).max(needed);
        let preferred = doubled.max(MIN_RING).min(storage).max(needed);
        [preferred, doubled, needed]
            .into_iter()
            .find(|&len| len <= bound)
    }

    /// Moves the ring's contents into larger storage of `len` bytes.
    fn grow(&mut self, len: usize) {
        let mut ring = vec![0; len];
        let held = (self.readable + self.ooo_span()).min(self.ring.len());
        self.copy_ring_out(0, &mut ring[..held]);
        self.ring = ring;
        self.head = 0;
    }

    /// Bytes held once `start..end` (offsets from RCV.NXT) is stored as well.
    fn held_with(&self, start: u32, end: u32) -> usize {
        let mut held = self.readable + (end - start) as usize;
        for range in self.out_of_order() {
            held += (range.end - range.start) as usize;
            let overlap = range.end.min(end).saturating_sub(range.start.max(start));
            held -= overlap as usize;
        }
        held
    }

    fn copy_ring_out(&self, offset: usize, out: &mut [u8]) {
        if out.is_empty() {
            return;
        }
        let len = self.ring.len();
        let start = (self.head + offset) % len;
        let first = out.len().min(len - start);
        out[..first].copy_from_slice(&self.ring[start..start + first]);
        let rest = out.len() - first;
        out[first..].copy_from_slice(&self.ring[..rest]);
    }

    /// Stores `data` whose first byte is `offset` bytes past RCV.NXT, allocating at most
    /// `budget` more bytes of storage (dropping the data otherwise). The caller has trimmed
    /// it to [`RecvBuffer::room`].
    pub(crate) fn write(&mut self, offset: u32, data: &[u8], budget: usize) -> WriteOutcome {
        let mut outcome = WriteOutcome::default();
        let end = offset as usize + data.len();
        if data.is_empty() || end > self.room() {
            outcome.duplicate = data.is_empty();
            return outcome;
        }
        if offset > 0 && self.covered(offset, end as u32) {
            outcome.duplicate = true;
            return outcome;
        }
        if offset > 0 && !self.can_insert(offset, end as u32) {
            outcome.dropped = true;
            return outcome;
        }
        if offset > 0 {
            let budget = budget.saturating_sub(self.ranges_growth());
            match self.store_out_of_order(offset, data, budget) {
                Stored::Yes => {}
                Stored::NoChunk => {
                    outcome.dropped = true;
                    return outcome;
                }
                Stored::NoMemory => {
                    outcome.dropped = true;
                    outcome.no_memory = true;
                    return outcome;
                }
            }
            outcome.out_of_order = true;
            self.insert_range(offset, end as u32);
            return outcome;
        }
        outcome.filled_gap = !self.out_of_order().is_empty();
        let mut new_end = end as u32;
        let mut merged = 0;
        for range in self.out_of_order() {
            if range.start > new_end {
                break;
            }
            new_end = new_end.max(range.end);
            merged += 1;
        }
        let needed = self.readable + new_end as usize;
        if needed > self.ring.len() {
            let Some(len) = self.grown_len(needed, self.ring.len().saturating_add(budget)) else {
                outcome.dropped = true;
                outcome.no_memory = true;
                return outcome;
            };
            self.grow(len);
        }
        copy_in(&mut self.ring, self.head, self.readable, data);
        if let Some(ooo) = self.ooo.as_deref_mut() {
            ooo.arrivals += 1;
            let (ring, head, readable) = (&mut self.ring, self.head, self.readable);
            ooo.far.advance(new_end, |at, bytes| {
                copy_in(ring, head, readable + at as usize, bytes);
            });
            ooo.ranges.drain(..merged);
            for range in &mut ooo.ranges {
                range.start -= new_end;
                range.end -= new_end;
            }
        }
        self.readable += new_end as usize;
        outcome.advanced = new_end;
        outcome
    }

    /// Storage growth the range list may need for one more range.
    fn ranges_growth(&self) -> usize {
        let (len, capacity) = self
            .ooo
            .as_deref()
            .map_or((0, 0), |ooo| (ooo.ranges.len(), ooo.ranges.capacity()));
        if len < capacity {
            return 0;
        }
        capacity.max(4) * size_of::<OutOfOrderRange>()
    }

    /// Puts out-of-order data in the ring, grown if the bytes held (and `budget`) allow it;
    /// otherwise what lies past the ring's end goes to the far store.
    fn store_out_of_order(&mut self, offset: u32, data: &[u8], budget: usize) -> Stored {
        let end = offset as usize + data.len();
        let needed = self.readable + end;
        if needed > self.ring.len() {
            let bound = self
                .held_with(offset, end as u32)
                .saturating_mul(OUT_OF_ORDER_GROWTH)
                .min(self.ring.len().saturating_add(budget));
            match self.grown_len(needed, bound) {
                Some(len) => self.grow(len),
                None => {
                    let ring_end = self.ring.len().saturating_sub(self.readable);
                    let split = ring_end.saturating_sub(offset as usize).min(data.len());
                    let far_start = offset + split as u32;
                    let cost = match self.ooo.as_deref() {
                        Some(ooo) => ooo.far.cost(far_start, data.len() - split),
                        None => FarStore::default().cost(far_start, data.len() - split),
                    };
                    if cost > budget {
                        return Stored::NoMemory;
                    }
                    let ooo = self.ooo.get_or_insert_with(Box::default);
                    if !ooo.far.insert(far_start, &data[split..]) {
                        return Stored::NoChunk;
                    }
                    if split > 0 {
                        let at = self.readable + offset as usize;
                        copy_in(&mut self.ring, self.head, at, &data[..split]);
                    }
                    return Stored::Yes;
                }
            }
        }
        copy_in(
            &mut self.ring,
            self.head,
            self.readable + offset as usize,
            data,
        );
        Stored::Yes
    }

    fn covered(&self, start: u32, end: u32) -> bool {
        self.out_of_order()
            .iter()
            .any(|r| r.start <= start && end <= r.end)
    }

    fn can_insert(&self, start: u32, end: u32) -> bool {
        let ranges = self.out_of_order();
        ranges.len() < MAX_OUT_OF_ORDER_RANGES
            || ranges.iter().any(|r| start <= r.end && r.start <= end)
    }

    fn insert_range(&mut self, start: u32, end: u32) {
        let ooo = self.ooo.get_or_insert_with(Box::default);
        ooo.arrivals += 1;
        let recency = ooo.arrivals;
        let mut merged = OutOfOrderRange {
            start,
            end,
            recency,
            reported: 0,
        };
        ooo.ranges.retain(|r| {
            let touches = r.start <= merged.end && merged.start <= r.end;
            if touches {
                merged.start = merged.start.min(r.start);
                merged.end = merged.end.max(r.end);
            }
            !touches
        });
        let at = ooo.ranges.partition_point(|r| r.start < merged.start);
        ooo.ranges.insert(at, merged);
    }

    /// Copies up to `out.len()` in-order bytes to `out` and returns how many; they stay
    /// buffered.
    pub(crate) fn peek(&self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.readable);
        self.copy_ring_out(0, &mut out[..n]);
        n
    }

    /// Moves up to `out.len()` in-order bytes to `out` and returns how many.
    pub(crate) fn read(&mut self, out: &mut [u8]) -> usize {
        let n = self.peek(out);
        if n > 0 {
            self.head = (self.head + n) % self.ring.len();
            self.readable -= n;
        }
        if self.ring.len() <= MIN_RING {
            self.release_if_empty();
        }
        n
    }

    /// Drops everything and releases the storage.
    pub(crate) fn clear(&mut self) {
        self.ring = Vec::new();
        self.ooo = None;
        self.head = 0;
        self.readable = 0;
    }

    /// Releases the storage if nothing is held.
    pub(crate) fn release_if_empty(&mut self) {
        if self.readable == 0 && self.out_of_order().is_empty() {
            self.clear();
        }
    }

    /// Bytes of heap memory held.
    pub(crate) fn allocated(&self) -> usize {
        self.ring.capacity() + self.ooo.as_deref().map_or(0, OutOfOrder::allocated)
    }

    /// Heap bytes held besides the storage [`RecvBuffer::allocated`] counts: the box of
    /// the out-of-order record, once made.
    pub(crate) fn record_heap(&self) -> usize {
        self.ooo.as_ref().map_or(0, |_| size_of::<OutOfOrder>())
    }
}

/// Writes `data` at `offset` bytes from `head` in `ring`, wrapping at its end; the ring
/// holds `offset + data.len()` bytes at least.
fn copy_in(ring: &mut [u8], head: usize, offset: usize, data: &[u8]) {
    let len = ring.len();
    let start = (head + offset) % len;
    let first = data.len().min(len - start);
    ring[start..start + first].copy_from_slice(&data[..first]);
    ring[..data.len() - first].copy_from_slice(&data[first..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_data_is_readable_and_wraps_around_the_ring() {
        let mut buffer = RecvBuffer::new(8, 0);
        assert_eq!(buffer.write(0, b"abcdef", usize::MAX).advanced, 6);
        let mut out = [0u8; 4];
        assert_eq!(buffer.read(&mut out), 4);
        assert_eq!(&out, b"abcd");
        assert_eq!(buffer.window(), 6);
        assert_eq!(buffer.write(0, b"ghijkl", usize::MAX).advanced, 6);
        let mut out = [0u8; 8];
        assert_eq!(buffer.read(&mut out), 8);
        assert_eq!(&out, b"efghijkl");
    }

    #[test]
    fn peek_copies_without_consuming_across_the_ring_seam() {
        let mut buffer = RecvBuffer::new(8, 0);
        buffer.write(0, b"abcdef", usize::MAX);
        buffer.read(&mut [0u8; 4]);
        buffer.write(0, b"ghij", usize::MAX);
        let mut out = [0u8; 8];
        assert_eq!(buffer.peek(&mut out), 6);
        assert_eq!(&out[..6], b"efghij");
        assert_eq!(buffer.readable(), 6);
        let mut again = [0u8; 6];
        assert_eq!(buffer.read(&mut again), 6);
        assert_eq!(&again, b"efghij");
    }

    #[test]
    fn out_of_order_data_waits_then_fills_in() {
        let mut buffer = RecvBuffer::new(100, 0);
        let outcome = buffer.write(5, b"fgh", usize::MAX);
        assert!(outcome.out_of_order);
        assert_eq!(outcome.advanced, 0);
        assert_eq!(buffer.readable(), 0);
        assert!(buffer.write(6, b"g", usize::MAX).duplicate);
        let outcome = buffer.write(0, b"abcde", usize::MAX);
        assert!(outcome.filled_gap);
        assert_eq!(outcome.advanced, 8);
        let mut out = [0u8; 8];
        buffer.read(&mut out);
        assert_eq!(&out, b"abcdefgh");
        assert!(buffer.out_of_order().is_empty());
    }

    #[test]
    fn ranges_merge_and_shift_as_the_edge_advances() {
        let mut buffer = RecvBuffer::new(100, 0);
        buffer.write(10, b"klklklklkl", usize::MAX);
        buffer.write(30, b"uvuvuvuvuv", usize::MAX);
        buffer.write(20, b"mnmnm", usize::MAX);
        assert_eq!(buffer.out_of_order().len(), 2);
        assert_eq!(
            (buffer.out_of_order()[0].start, buffer.out_of_order()[0].end),
            (10, 25)
        );
        buffer.write(0, b"0123456789", usize::MAX);
        assert_eq!(buffer.readable(), 25);
        assert_eq!(
            (buffer.out_of_order()[0].start, buffer.out_of_order()[0].end),
            (5, 15)
        );
    }

    #[test]
    fn the_number_of_holes_is_bounded() {
        let mut buffer = RecvBuffer::new(10_000, 0);
        for i in 0..MAX_OUT_OF_ORDER_RANGES as u32 {
            assert!(!buffer.write(2 + 2 * i, b"x", usize::MAX).dropped);
        }
        assert!(buffer.write(1000, b"x", usize::MAX).dropped);
        assert!(
            !buffer.write(3, b"x", usize::MAX).dropped,
            "data that merges is still taken"
        );
    }

    #[test]
    fn out_of_order_data_grows_storage_only_with_the_bytes_held() {
        let mut buffer = RecvBuffer::new(1 << 20, 0);
        assert!(buffer.write(100_000, b"z", usize::MAX).out_of_order);
        assert!(buffer.allocated() < 300, "{}", buffer.allocated());
        let data: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        assert!(
            buffer
                .write(1000, &data[1000..2000], usize::MAX)
                .out_of_order
        );
        assert!(buffer.allocated() <= OUT_OF_ORDER_GROWTH * 1001 + 200);
        assert!(buffer.write(2000, &data[2000..], usize::MAX).out_of_order);
        assert!(buffer.allocated() <= OUT_OF_ORDER_GROWTH * 2001 + 200);
        assert_eq!(buffer.write(0, &data[..1000], usize::MAX).advanced, 3000);
        let mut out = vec![0u8; 3000];
        assert_eq!(buffer.read(&mut out), 3000);
        assert_eq!(out, data);
        let mut rest = vec![b'a'; 100_000 - 3000];
        assert_eq!(buffer.write(0, &rest, usize::MAX).advanced, 97_001);
        rest.push(b'z');
        let mut out = vec![0u8; 97_001];
        assert_eq!(buffer.read(&mut out), 97_001);
        assert_eq!(out, rest);
    }

    #[test]
    fn data_beyond_the_room_is_refused() {
        let mut buffer = RecvBuffer::new(4, 0);
        assert_eq!(
            buffer.write(0, b"abcde", usize::MAX),
            WriteOutcome::default()
        );
        assert_eq!(buffer.readable(), 0);
    }
}
