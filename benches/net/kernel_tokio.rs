//! The Linux kernel's TCP through `tokio::net`, for the figures whose two sides run the
//! same tokio code on the kernel and on this stack: a runtime in a namespace, a listener,
//! a connection.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::SockRef;
use tcp_stack::netns::Netns;

use crate::figures::{Work, within};
use crate::{client, congestion, kernel};

/// Starts a multi-threaded tokio runtime with the default worker count (one per CPU) in
/// `ns` and runs `f` on it as a spawned task, as [`stack::host`](crate::stack::host) runs
/// this stack's side. Sockets `f` opens are in `ns`. The runtime, and with it every task
/// `f` spawned, is gone when this returns.
pub(crate) fn host<T, F, Fut>(ns: &Netns, f: F) -> io::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send,
    Fut: Future<Output = io::Result<T>> + Send + 'static,
{
    ns.run(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            tokio::spawn(f())
                .await
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))
        })
    })?
}

/// A listener on `addr` with the blocking kernel listeners' backlog and congestion
/// control ([`kernel::listen`]), registered with the current runtime.
pub(crate) fn listen(addr: SocketAddr) -> io::Result<tokio::net::TcpListener> {
    let listener = kernel::listen(addr)?;
    listener.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(listener)
}

/// A connection to `addr` with the run's congestion control and nodelay on.
pub(crate) async fn connect(addr: SocketAddr) -> io::Result<tokio::net::TcpStream> {
    let socket = if addr.is_ipv6() {
        tokio::net::TcpSocket::new_v6()?
    } else {
        tokio::net::TcpSocket::new_v4()?
    };
    congestion::apply(&SockRef::from(&socket))?;
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// The client's side of [`Work::RoundTrips`]: the shared round-trip client
/// ([`client::round_trips`]) on one connection to `addr`.
pub(crate) async fn round_trips(addr: SocketAddr) -> io::Result<Vec<Duration>> {
    let timed = async {
        let mut stream = connect(addr).await?;
        client::round_trips(&mut stream).await
    };
    within(Work::RoundTrips.time_limit(), timed).await
}
