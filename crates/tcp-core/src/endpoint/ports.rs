//! Local port choice for `connect` (RFC 6056 algorithm 3: a keyed offset per destination,
//! then a linear probe that skips 4-tuples in use, TIME_WAIT included).

use super::Endpoint;
use crate::addr::FourTuple;
use crate::error::Error;
use core::hash::{BuildHasher, Hasher};
use core::net::SocketAddr;

impl Endpoint {
    /// A free ephemeral port for a connection from `local_ip` to `remote`.
    pub(super) fn ephemeral_port(
        &mut self,
        local: SocketAddr,
        remote: SocketAddr,
    ) -> Result<u16, Error> {
        let range = self.config.ephemeral_ports.clone();
        let (first, last) = (u32::from(*range.start()), u32::from(*range.end()));
        if first > last || first == 0 {
            return Err(Error::AddrNotAvailable);
        }
        let count = last - first + 1;
        let mut hasher = self.hasher.build_hasher();
        FourTuple { local, remote }.hash_into(&mut hasher);
        let offset = (hasher.finish() as u32).wrapping_add(self.port_cursor);
        self.port_cursor = self.port_cursor.wrapping_add(1);
        for step in 0..count {
            let port = (first + (offset.wrapping_add(step)) % count) as u16;
            let candidate = FourTuple {
                local: SocketAddr::new(local.ip(), port),
                remote,
            };
            if !self.by_tuple.contains_key(&candidate) && !self.port_has_listener(port) {
                return Ok(port);
            }
        }
        Err(Error::AddrNotAvailable)
    }

    fn port_has_listener(&self, port: u16) -> bool {
        self.listening_ports.contains_key(&port)
    }
}
