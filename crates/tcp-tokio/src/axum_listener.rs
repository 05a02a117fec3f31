//! `axum::serve` on this stack (feature `axum`): [`TcpListener`] implements axum's
//! `Listener`, so an axum program ports by importing `tcp_tokio::net::TcpListener` instead
//! of tokio's.

use crate::{TcpListener, TcpStream};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// `axum::serve(listener, app)` accepts connections from a `TcpListener` of this stack as
/// it does from tokio's.
///
/// Accept errors are handled as axum handles tokio's: a connection that failed before it
/// was accepted (refused, aborted, reset) is skipped at once; any other error is logged
/// with `tracing::error!` and accepting resumes a second later.
///
/// axum implements `Connected` (for `ConnectInfo<SocketAddr>`) only for tokio's listener;
/// wrap this one with `axum::serve::ListenerExt::tap_io(|_| {})`, for which axum provides
/// it, to use `into_make_service_with_connect_info::<SocketAddr>()`.
impl axum::serve::Listener for TcpListener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match TcpListener::accept(self).await {
                Ok(accepted) => return accepted,
                Err(error) if is_connection_error(&error) => {}
                Err(error) => {
                    tracing::error!(%error, "accept error");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpListener::local_addr(self)
    }
}

/// An error of one connection that is not the listener's: the next accept may succeed.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
