//! A batch of frames in one allocation of fixed-size slots, filled by a link on receive and
//! by the caller on send.

use core::fmt;

/// Up to `slots` frames of at most `slot_len` bytes each, stored back to back in one buffer
/// allocated once. Frames keep the order they were added in.
///
/// On receive, [`Link::poll_recv`](super::Link::poll_recv) clears the batch and fills it. On
/// send, the caller fills it (with [`FrameBatch::push`], or in place with
/// [`FrameBatch::spare_slot`] and [`FrameBatch::commit`]) and
/// [`Link::poll_send`](super::Link::poll_send) removes frames from the front as the device
/// takes them.
pub struct FrameBatch {
    data: Box<[u8]>,
    slot_len: usize,
    slots: usize,
    lens: Vec<usize>,
    /// Per frame, where in its slot it starts (room left in front, see
    /// [`FrameBatch::commit_at`]).
    offsets: Vec<usize>,
    /// Per frame, the segment size a super-frame is cut at; 0 for a plain frame.
    segment_sizes: Vec<u16>,
    /// Per frame, whether the link vouches for its TCP checksum.
    checksums_verified: Vec<bool>,
    start: usize,
}

/// Why [`FrameBatch::push`] refused a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// Every slot holds a frame.
    Full,
    /// The frame is longer than a slot.
    TooLong,
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PushError::Full => "frame batch is full",
            PushError::TooLong => "frame longer than a batch slot",
        })
    }
}

impl std::error::Error for PushError {}

impl FrameBatch {
    /// An empty batch of `slots` slots of `slot_len` bytes (each raised to at least 1).
    pub fn new(slots: usize, slot_len: usize) -> FrameBatch {
        let slots = slots.max(1);
        let slot_len = slot_len.max(1);
        FrameBatch {
            data: vec![0; slots * slot_len].into_boxed_slice(),
            slot_len,
            slots,
            lens: Vec::with_capacity(slots),
            offsets: Vec::with_capacity(slots),
            segment_sizes: Vec::with_capacity(slots),
            checksums_verified: Vec::with_capacity(slots),
            start: 0,
        }
    }

    /// How many frames the batch can hold.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// The longest frame a slot holds.
    pub fn slot_len(&self) -> usize {
        self.slot_len
    }

    /// Frames in the batch.
    pub fn len(&self) -> usize {
        self.lens.len() - self.start
    }

    /// True when the batch holds no frame.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when no slot is free.
    pub fn is_full(&self) -> bool {
        self.lens.len() == self.slots
    }

    /// Removes every frame.
    pub fn clear(&mut self) {
        self.lens.clear();
        self.offsets.clear();
        self.segment_sizes.clear();
        self.checksums_verified.clear();
        self.start = 0;
    }

    /// The `index`th frame, if there is one.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        let slot = self.start.checked_add(index)?;
        let len = *self.lens.get(slot)?;
        Some(&self.data[slot * self.slot_len + self.offsets[slot]..][..len])
    }

    /// The `index`th frame, writable in place (its length is fixed).
    pub fn get_mut(&mut self, index: usize) -> Option<&mut [u8]> {
        let slot = self.start.checked_add(index)?;
        let len = *self.lens.get(slot)?;
        Some(&mut self.data[slot * self.slot_len + self.offsets[slot]..][..len])
    }

    /// The frames in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        let frames = self.lens[self.start..]
            .iter()
            .zip(&self.offsets[self.start..]);
        frames.enumerate().map(move |(i, (len, offset))| {
            &self.data[(self.start + i) * self.slot_len + offset..][..*len]
        })
    }

    /// Copies `frame` into the next free slot.
    pub fn push(&mut self, frame: &[u8]) -> Result<(), PushError> {
        if frame.len() > self.slot_len {
            return Err(PushError::TooLong);
        }
        let slot = self.spare_slot().ok_or(PushError::Full)?;
        slot[..frame.len()].copy_from_slice(frame);
        self.commit(frame.len());
        Ok(())
    }

    /// The whole next free slot, to build a frame in place; `None` when the batch is full.
    /// Nothing is added until [`FrameBatch::commit`].
    pub fn spare_slot(&mut self) -> Option<&mut [u8]> {
        if self.is_full() {
            return None;
        }
        let offset = self.lens.len() * self.slot_len;
        Some(&mut self.data[offset..][..self.slot_len])
    }

    /// Adds the first `len` bytes of the slot last returned by [`FrameBatch::spare_slot`]
    /// as a frame.
    ///
    /// # Panics
    /// If the batch is full or `len` exceeds [`FrameBatch::slot_len`]: both mean the caller
    /// did not get the slot from `spare_slot` first.
    pub fn commit(&mut self, len: usize) {
        self.commit_at(0, len, 0);
    }

    /// Adds the `len` bytes from `offset` of the slot last returned by
    /// [`FrameBatch::spare_slot`] as a frame: a frame built behind room for a longer header
    /// than it got. `segment_size` as [`FrameBatch::commit_segmented`] takes it, 0 for a
    /// plain frame.
    ///
    /// # Panics
    /// If the batch is full or `offset + len` exceeds [`FrameBatch::slot_len`], as
    /// [`FrameBatch::commit`].
    pub fn commit_at(&mut self, offset: usize, len: usize, segment_size: u16) {
        assert!(!self.is_full(), "commit on a full FrameBatch");
        assert!(
            offset.saturating_add(len) <= self.slot_len,
            "commit longer than a FrameBatch slot"
        );
        self.lens.push(len);
        self.offsets.push(offset);
        self.segment_sizes.push(segment_size);
        self.checksums_verified.push(false);
    }

    /// Like [`FrameBatch::commit`], for a TCP super-frame that a link with segmentation
    /// offload ([`LinkInfo::gso_max_frame`](super::LinkInfo)) cuts into segments of
    /// `segment_size` payload bytes, the last one possibly shorter.
    ///
    /// # Panics
    /// As [`FrameBatch::commit`].
    pub fn commit_segmented(&mut self, len: usize, segment_size: u16) {
        self.commit_at(0, len, segment_size);
    }

    /// The segment size of each frame, in the order of [`FrameBatch::iter`]; 0 for a frame
    /// sent as it is.
    pub fn segment_sizes(&self) -> impl ExactSizeIterator<Item = u16> + '_ {
        self.segment_sizes[self.start..].iter().copied()
    }

    /// Removes the first `count` frames (all of them if fewer), as a link does once the
    /// device has taken them.
    pub(crate) fn consume(&mut self, count: usize) {
        self.start = (self.start + count).min(self.lens.len());
        if self.start == self.lens.len() {
            self.clear();
        }
    }

    /// All free slots back to back, for a device that receives several frames at once, with
    /// the slot length; finish with [`FrameBatch::commit_received`].
    pub(crate) fn spare_slots(&mut self) -> (&mut [u8], usize) {
        let offset = self.lens.len() * self.slot_len;
        (&mut self.data[offset..], self.slot_len)
    }

    /// Per frame, in the order of [`FrameBatch::iter`]: whether the link vouches for the
    /// TCP checksum it carries (the operating system said the frame never left this host,
    /// or that a device verified it), so the engine need not verify it again. Always false
    /// for frames added with [`FrameBatch::push`] or [`FrameBatch::commit`].
    pub fn checksums_verified(&self) -> impl ExactSizeIterator<Item = bool> + '_ {
        self.checksums_verified[self.start..].iter().copied()
    }

    /// Records frames written into consecutive free slots by a device, given in slot order
    /// their lengths and whether the device vouches for their checksum; a `None` marks a
    /// slot to skip (a frame that was cut short), whose followers move down so frames stay
    /// contiguous.
    pub(crate) fn commit_received(
        &mut self,
        received: impl IntoIterator<Item = Option<(usize, bool)>>,
    ) {
        let first = self.lens.len();
        for (i, frame) in received.into_iter().enumerate() {
            let Some((len, checksum_verified)) = frame else {
                continue;
            };
            let from = (first + i) * self.slot_len;
            let to = self.lens.len() * self.slot_len;
            if from != to {
                self.data.copy_within(from..from + len, to);
            }
            self.lens.push(len);
            self.offsets.push(0);
            self.segment_sizes.push(0);
            self.checksums_verified.push(checksum_verified);
        }
    }
}

impl fmt::Debug for FrameBatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameBatch")
            .field("slots", &self.slots)
            .field("slot_len", &self.slot_len)
            .field("len", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_iter_and_limits() {
        let mut batch = FrameBatch::new(2, 4);
        assert!(batch.is_empty());
        batch.push(b"ab").unwrap();
        batch.push(b"cdef").unwrap();
        assert!(batch.is_full());
        assert_eq!(batch.push(b"x"), Err(PushError::Full));
        assert_eq!(batch.iter().collect::<Vec<_>>(), [&b"ab"[..], b"cdef"]);
        batch.clear();
        assert_eq!(batch.push(b"12345"), Err(PushError::TooLong));
    }

    #[test]
    fn in_place_frames() {
        let mut batch = FrameBatch::new(2, 8);
        let slot = batch.spare_slot().unwrap();
        assert_eq!(slot.len(), 8);
        slot[..3].copy_from_slice(b"xyz");
        batch.commit(3);
        batch.get_mut(0).unwrap()[0] = b'X';
        assert_eq!(batch.get(0), Some(&b"Xyz"[..]));
        assert_eq!(batch.get(1), None);
    }

    #[test]
    fn a_frame_may_start_inside_its_slot() {
        let mut batch = FrameBatch::new(2, 8);
        batch.spare_slot().unwrap()[..6].copy_from_slice(b"..abcd");
        batch.commit_at(2, 4, 3);
        batch.push(b"xy").unwrap();
        assert_eq!(batch.get(0), Some(&b"abcd"[..]));
        assert_eq!(batch.iter().collect::<Vec<_>>(), [&b"abcd"[..], b"xy"]);
        assert_eq!(batch.segment_sizes().collect::<Vec<_>>(), [3, 0]);
        batch.get_mut(0).unwrap()[0] = b'A';
        assert_eq!(batch.get(0), Some(&b"Abcd"[..]));
    }

    #[test]
    #[should_panic(expected = "longer than a FrameBatch slot")]
    fn a_frame_past_its_slot_end_is_refused() {
        let mut batch = FrameBatch::new(1, 8);
        batch.commit_at(4, 5, 0);
    }

    #[test]
    fn consume_drops_from_the_front() {
        let mut batch = FrameBatch::new(3, 4);
        for frame in [b"a", b"b", b"c"] {
            batch.push(frame).unwrap();
        }
        batch.consume(2);
        assert_eq!(batch.len(), 1);
        assert_eq!(batch.get(0), Some(&b"c"[..]));
        batch.consume(5);
        assert!(batch.is_empty());
        assert!(!batch.is_full());
    }

    #[test]
    fn received_frames_close_gaps() {
        let mut batch = FrameBatch::new(4, 4);
        batch.push(b"0").unwrap();
        let (spare, slot_len) = batch.spare_slots();
        assert_eq!((spare.len(), slot_len), (12, 4));
        spare[..2].copy_from_slice(b"11");
        spare[4..6].copy_from_slice(b"!!");
        spare[8..11].copy_from_slice(b"333");
        batch.commit_received([Some((2, true)), None, Some((3, false))]);
        assert_eq!(batch.iter().collect::<Vec<_>>(), [&b"0"[..], b"11", b"333"]);
        assert_eq!(
            batch.checksums_verified().collect::<Vec<_>>(),
            [false, true, false],
            "each frame keeps its own mark past the gap"
        );
        batch.consume(1);
        assert_eq!(
            batch.checksums_verified().collect::<Vec<_>>(),
            [true, false]
        );
    }

    #[test]
    fn segment_sizes_follow_their_frames() {
        let mut batch = FrameBatch::new(4, 8);
        batch.push(b"plain").unwrap();
        batch.spare_slot().unwrap()[..6].copy_from_slice(b"super!");
        batch.commit_segmented(6, 3);
        batch.push(b"p2").unwrap();
        assert_eq!(batch.segment_sizes().collect::<Vec<_>>(), [0, 3, 0]);
        batch.consume(1);
        assert_eq!(batch.segment_sizes().collect::<Vec<_>>(), [3, 0]);
        assert_eq!(batch.get(0), Some(&b"super!"[..]));
        assert_eq!(batch.len(), 2);
        batch.clear();
        batch.commit_received([Some((1, false))]);
        assert_eq!(batch.segment_sizes().collect::<Vec<_>>(), [0]);
    }
}
