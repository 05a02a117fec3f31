//! What the receive buffer keeps about out-of-order data besides the bytes in its ring:
//! the ranges held, the bytes past the ring's end, and an arrival counter for SACK's "most
//! recent first". A connection that never received data out of order holds none of it.

use crate::connection::far_store::FarStore;
use crate::connection::recv_buffer::OutOfOrderRange;

/// The out-of-order record of one receive buffer, boxed in it when first needed.
#[derive(Debug, Default)]
pub(crate) struct OutOfOrder {
    /// Ranges held, as offsets from RCV.NXT, lowest first.
    pub(in crate::connection) ranges: Vec<OutOfOrderRange>,
    /// Bytes beyond what the ring may grow to.
    pub(in crate::connection) far: FarStore,
    /// Arrivals counted since the record was made; a range's recency is the count when its
    /// latest piece arrived (only their order matters).
    pub(in crate::connection) arrivals: u64,
}

impl OutOfOrder {
    /// Heap bytes of its storage (what the buffer's memory budget counts).
    pub(crate) fn allocated(&self) -> usize {
        self.ranges.capacity() * size_of::<OutOfOrderRange>() + self.far.allocated()
    }
}
