//! Out-of-order bytes the receive ring has no room for yet: kept in chunks sized to what
//! they hold, so a byte far past a hole costs its own size, not the distance to it.

/// Most chunks held at once (two per out-of-order range: a range's bytes can be split
/// between the ring and a chunk on each side of the ring's end as it moves).
pub(crate) const MAX_CHUNKS: usize = 2 * crate::connection::recv_buffer::MAX_OUT_OF_ORDER_RANGES;

/// Contiguous bytes starting `start` bytes past RCV.NXT.
#[derive(Debug)]
struct Chunk {
    start: u32,
    bytes: Vec<u8>,
}

impl Chunk {
    fn end(&self) -> u32 {
        self.start + self.bytes.len() as u32
    }
}

/// Chunks in offset order, never overlapping, adjacent ones merged.
#[derive(Debug, Default)]
pub(crate) struct FarStore {
    chunks: Vec<Chunk>,
}

impl FarStore {
    /// An upper bound of the heap bytes [`FarStore::insert`] of `len` bytes at `start` adds:
    /// the new bytes and the chunks they merge with, twice (storage doubles as it is
    /// extended), and one more chunk record than the records' storage holds.
    pub(crate) fn cost(&self, start: u32, len: usize) -> usize {
        let end = start + len as u32;
        let first = self.chunks.partition_point(|c| c.end() < start);
        let merged: usize = self.chunks[first..first + self.touching(start, end)]
            .iter()
            .map(|c| c.bytes.capacity())
            .sum();
        2 * (len + merged) + (self.chunks.capacity() + 1) * size_of::<Chunk>()
    }

    /// Chunks that overlap or touch `start..end`.
    fn touching(&self, start: u32, end: u32) -> usize {
        let first = self.chunks.partition_point(|c| c.end() < start);
        let last = self.chunks.partition_point(|c| c.start <= end);
        last.saturating_sub(first)
    }

    /// Stores the bytes of `data` (its first byte `start` bytes past RCV.NXT) that no chunk
    /// holds yet. False, with nothing stored, when they would add chunks beyond
    /// [`MAX_CHUNKS`] (counted before merging, so the bound is conservative).
    pub(crate) fn insert(&mut self, start: u32, data: &[u8]) -> bool {
        let end = start + data.len() as u32;
        let gaps = self.gaps(start, end);
        if self.chunks.len() + gaps.len() > MAX_CHUNKS {
            return false;
        }
        let first = self.chunks.partition_point(|c| c.end() < start);
        let touched = self.touching(start, end) + gaps.len();
        for &(at, from, to) in gaps.iter().rev() {
            let bytes = data[(from - start) as usize..(to - start) as usize].to_vec();
            self.chunks.insert(at, Chunk { start: from, bytes });
        }
        self.merge_adjacent(first.saturating_sub(1), first + touched + 1);
        true
    }

    /// The parts of `start..end` no chunk holds, each with the index its chunk would take.
    fn gaps(&self, start: u32, end: u32) -> Vec<(usize, u32, u32)> {
        let mut gaps = Vec::new();
        let mut i = self.chunks.partition_point(|c| c.end() <= start);
        let mut pos = start;
        while pos < end {
            match self.chunks.get(i) {
                Some(chunk) if chunk.start <= pos => pos = pos.max(chunk.end()),
                next => {
                    let stop = next.map_or(end, |c| c.start.min(end));
                    gaps.push((i, pos, stop));
                    pos = stop;
                    continue;
                }
            }
            i += 1;
        }
        gaps
    }

    /// Merges touching chunks among `from..to` (indices, clamped).
    fn merge_adjacent(&mut self, from: usize, to: usize) {
        let mut j = from;
        let mut to = to.min(self.chunks.len());
        while j + 1 < to {
            if self.chunks[j].end() == self.chunks[j + 1].start {
                let next = self.chunks.remove(j + 1);
                self.chunks[j].bytes.extend_from_slice(&next.bytes);
                to -= 1;
            } else {
                j += 1;
            }
        }
    }

    /// The edge moved `by` bytes: every chunk below it is handed to `place` (its offset from
    /// the old RCV.NXT, its bytes) and dropped; the others' offsets shift down.
    pub(crate) fn advance(&mut self, by: u32, mut place: impl FnMut(u32, &[u8])) {
        let below = self.chunks.partition_point(|c| c.start < by);
        for chunk in self.chunks.drain(..below) {
            place(chunk.start, &chunk.bytes);
        }
        for chunk in &mut self.chunks {
            chunk.start -= by;
        }
        if self.chunks.is_empty() {
            self.chunks = Vec::new();
        }
    }

    /// Bytes of heap memory held.
    pub(crate) fn allocated(&self) -> usize {
        self.chunks.capacity() * size_of::<Chunk>()
            + self
                .chunks
                .iter()
                .map(|c| c.bytes.capacity())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(store: &FarStore) -> Vec<(u32, Vec<u8>)> {
        store
            .chunks
            .iter()
            .map(|c| (c.start, c.bytes.clone()))
            .collect()
    }

    #[test]
    fn overlapping_inserts_store_each_byte_once_and_merge() {
        let mut store = FarStore::default();
        assert!(store.insert(10, b"klm"));
        assert!(store.insert(20, b"uv"));
        assert!(store.insert(8, b"ijklmnopqrstu"));
        assert_eq!(contents(&store), vec![(8, b"ijklmnopqrstuv".to_vec())]);
        let mut placed = Vec::new();
        store.advance(30, |at, bytes| placed.push((at, bytes.to_vec())));
        assert_eq!(placed, vec![(8, b"ijklmnopqrstuv".to_vec())]);
        assert_eq!(store.allocated(), 0);
    }

    #[test]
    fn chunks_shift_as_the_edge_advances_and_are_bounded() {
        let mut store = FarStore::default();
        for i in 0..MAX_CHUNKS as u32 {
            assert!(store.insert(10 + 2 * i, b"x"));
        }
        assert!(!store.insert(10 + 2 * MAX_CHUNKS as u32 + 10, b"y"));
        assert!(store.insert(10, b"x"), "bytes already held need no chunk");
        store.advance(12, |_, _| {});
        assert_eq!(contents(&store)[0], (0, b"x".to_vec()));
        assert_eq!(store.chunks.len(), MAX_CHUNKS - 1);
    }
}
