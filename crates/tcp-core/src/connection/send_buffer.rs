//! Bytes the application wrote that the peer has not acknowledged yet.

use std::collections::VecDeque;

/// Drained storage of these sizes is kept: smaller is cheap to allocate again, larger is
/// worth giving back; in between, a connection writing in bursts would otherwise allocate
/// once per burst.
const KEEP_WHEN_DRAINED: core::ops::RangeInclusive<usize> = 4097..=(1 << 20);

/// The send queue: offset 0 is the first unacknowledged data byte. Storage grows on demand
/// and is released when the queue drains, so an idle connection holds no buffer memory.
#[derive(Debug, Default)]
pub(crate) struct SendBuffer {
    bytes: VecDeque<u8>,
    capacity: usize,
}

impl SendBuffer {
    /// An empty queue that accepts up to `capacity` bytes.
    pub(crate) fn new(capacity: usize) -> SendBuffer {
        SendBuffer {
            bytes: VecDeque::new(),
            capacity,
        }
    }

    /// Bytes queued (sent or not, but not acknowledged).
    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Room left for the application.
    pub(crate) fn free(&self) -> usize {
        self.capacity.saturating_sub(self.bytes.len())
    }

    /// The size limit.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Changes the size limit; bytes already queued stay.
    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
    }

    /// Appends as much of `data` as fits, allocating at most `room` more bytes of storage,
    /// and returns how much that was.
    pub(crate) fn push(&mut self, data: &[u8], room: usize) -> usize {
        let mut n = data.len().min(self.free());
        let (len, storage) = (self.bytes.len(), self.bytes.capacity());
        if len + n > storage && (2 * storage).max(len + n) - storage > room {
            n = n.min((storage + room).saturating_sub(len));
            self.bytes.reserve_exact(n);
        }
        self.bytes.extend(&data[..n]);
        n
    }

    /// Copies the bytes at `offset..offset + out.len()` into `out`; the range must be queued.
    pub(crate) fn copy_out(&self, offset: usize, out: &mut [u8]) {
        let (front, back) = self.bytes.as_slices();
        let mut written = 0;
        let mut offset = offset;
        for part in [front, back] {
            if written == out.len() {
                break;
            }
            if offset >= part.len() {
                offset -= part.len();
                continue;
            }
            let n = (part.len() - offset).min(out.len() - written);
            out[written..written + n].copy_from_slice(&part[offset..offset + n]);
            written += n;
            offset = 0;
        }
    }

    /// Drops `n` acknowledged bytes from the front (fewer if fewer are queued).
    pub(crate) fn acknowledge(&mut self, n: usize) {
        let n = n.min(self.bytes.len());
        self.bytes.drain(..n);
        if self.bytes.is_empty() && !(KEEP_WHEN_DRAINED).contains(&self.bytes.capacity()) {
            self.bytes = VecDeque::new();
        }
    }

    /// Drops everything (abort).
    pub(crate) fn clear(&mut self) {
        self.bytes = VecDeque::new();
    }

    /// Bytes of heap memory held.
    pub(crate) fn allocated(&self) -> usize {
        self.bytes.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_respects_capacity_and_copy_out_reads_across_the_ring_seam() {
        let mut buffer = SendBuffer::new(8);
        assert_eq!(buffer.push(b"abcdef", usize::MAX), 6);
        buffer.acknowledge(4);
        assert_eq!(buffer.push(b"ghijklmn", usize::MAX), 6);
        assert_eq!(buffer.len(), 8);
        let mut out = [0u8; 5];
        buffer.copy_out(2, &mut out);
        assert_eq!(&out, b"ghijk");
        buffer.acknowledge(100);
        assert_eq!(buffer.len(), 0);
        assert_eq!(buffer.allocated(), 0);
    }

    #[test]
    fn push_allocates_no_more_than_the_room_it_is_given() {
        let mut buffer = SendBuffer::new(1 << 20);
        assert_eq!(buffer.push(&[1; 1000], 100), 100);
        assert_eq!(buffer.allocated(), 100);
        assert_eq!(buffer.push(&[1; 1000], 0), 0);
        buffer.acknowledge(50);
        assert_eq!(
            buffer.push(&[1; 1000], 0),
            50,
            "storage already held is used"
        );
    }
}
