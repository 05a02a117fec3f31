//! A share of the ephemeral ports, for a driver that runs several endpoints on one address
//! and hands each the 4-tuples its own hash assigns to it (Linux's `PACKET_FANOUT`, say):
//! an endpoint that opens a connection must pick a local port whose segments will come
//! back to it.

/// Which 4-tuples reach this endpoint, for [`crate::Endpoint::set_port_partition`].
#[derive(Debug, Clone, Copy)]
pub struct PortPartition {
    /// This endpoint's index among those sharing the address.
    pub index: u16,
    /// How many endpoints share the address.
    pub count: u16,
    /// The driver's hash: the index of the endpoint that receives the segments of a
    /// connection with these local and remote ports, among `count`.
    pub owner: fn(local_port: u16, remote_port: u16, count: u16) -> u16,
}

impl PortPartition {
    /// True when this endpoint receives the segments of a connection between these ports.
    pub fn owns(&self, local_port: u16, remote_port: u16) -> bool {
        (self.owner)(local_port, remote_port, self.count) == self.index
    }
}
