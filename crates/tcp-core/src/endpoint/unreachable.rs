//! Destinations the layers below report unreachable: an active open to one fails at once
//! with the error the kernel gives (`EHOSTUNREACH` after failed address resolution,
//! `ENETUNREACH` without a route), instead of retrying its SYN until it times out.

use super::Endpoint;
use crate::error::Error;
use crate::handle::ConnectionHandle;
use crate::state::State;
use crate::time::Instant;
use core::net::IpAddr;

impl Endpoint {
    /// Fails every connection still in SYN-SENT whose peer address `unreachable` accepts,
    /// with `error` (`HostUnreachable` or `NetworkUnreachable`; any other error is
    /// `InvalidInput` and nothing changes); returns how many failed. Connections past the
    /// handshake are left alone: the kernel, too, makes such a report a hard error only
    /// while connecting. Visits every connection, which is fine for the rare event it is.
    pub fn destination_unreachable(
        &mut self,
        now: Instant,
        unreachable: impl Fn(IpAddr) -> bool,
        error: Error,
    ) -> Result<usize, Error> {
        if !matches!(error, Error::HostUnreachable | Error::NetworkUnreachable) {
            return Err(Error::InvalidInput);
        }
        self.observe(now);
        let connecting: Vec<ConnectionHandle> = self
            .connections
            .iter()
            .filter(|(_, conn)| {
                conn.state() == State::SynSent && unreachable(conn.tuple().remote.ip())
            })
            .map(|(&handle, _)| handle)
            .collect();
        for &handle in &connecting {
            self.with_connection(handle, |conn, _| conn.fail(error));
        }
        Ok(connecting.len())
    }
}
