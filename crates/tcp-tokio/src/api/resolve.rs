//! Addresses given as tokio's `ToSocketAddrs`: resolved, then tried in turn, as tokio's
//! `bind` and `connect` do.

use core::future::Future;
use std::io;
use std::net::SocketAddr;
use tokio::net::{ToSocketAddrs, lookup_host};

/// Resolves `addr` (a host name through the system's resolver, as tokio does) and runs
/// `attempt` on each address until one succeeds; the last failure otherwise, or
/// `InvalidInput` when `addr` resolved to nothing.
pub(crate) async fn first_success<T, F>(
    addr: impl ToSocketAddrs,
    mut attempt: impl FnMut(SocketAddr) -> F,
) -> io::Result<T>
where
    F: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for addr in lookup_host(addr).await? {
        match attempt(addr).await {
            Ok(done) => return Ok(done),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}
