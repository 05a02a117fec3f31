//! Connection identity: the 4-tuple.

use core::fmt;
use core::hash::Hasher;
use core::net::{IpAddr, SocketAddr};

/// Local and remote socket addresses of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FourTuple {
    /// Our address and port.
    pub local: SocketAddr,
    /// The peer's address and port.
    pub remote: SocketAddr,
}

impl FourTuple {
    /// Feeds the tuple to a keyed hasher in a fixed byte order (for ISNs and cookies).
    pub(crate) fn hash_into(&self, hasher: &mut impl Hasher) {
        for addr in [self.local, self.remote] {
            match addr.ip() {
                IpAddr::V4(ip) => hasher.write(&ip.octets()),
                IpAddr::V6(ip) => hasher.write(&ip.octets()),
            }
            hasher.write(&addr.port().to_be_bytes());
        }
    }
}

impl fmt::Display for FourTuple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.local, self.remote)
    }
}
