//! The one server program of every request/response figure, written once as a tokio user
//! writes a server and run unchanged on `tokio::net` (the kernel's TCP) and on this stack
//! (`tcp_tokio`): accept in a loop, one spawned task per connection. Only the listener
//! type differs between the two, through [`Accept`].

use std::future::Future;
use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::figures::MESSAGE;
use crate::http;

/// A listener the server program can run on.
pub(crate) trait Accept: Send + 'static {
    /// An accepted connection.
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// The next connection, with nodelay on (every service answers requests, and a
    /// delayed answer would measure Nagle's algorithm, not the TCP underneath).
    fn accept(&self) -> impl Future<Output = io::Result<Self::Stream>> + Send;
}

impl Accept for tokio::net::TcpListener {
    type Stream = tokio::net::TcpStream;

    async fn accept(&self) -> io::Result<Self::Stream> {
        let (stream, _) = tokio::net::TcpListener::accept(self).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

impl Accept for tcp_tokio::TcpListener {
    type Stream = tcp_tokio::TcpStream;

    async fn accept(&self) -> io::Result<Self::Stream> {
        let (stream, _) = tcp_tokio::TcpListener::accept(self).await?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

/// What the server does on each connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// Reads [`MESSAGE`]-byte requests and writes each back, until end-of-file.
    Echo,
    /// Answers HTTP/1.1 requests with a fixed `200 OK`, keeping the connection open
    /// ([`http::respond`]).
    Http,
}

/// Accepts connections on `listener` and runs `service` on each in a task of its own,
/// until `stop` completes; then returns, leaving the connections' tasks to end with their
/// connections (or with the runtime). An accept error ends the server with that error; an
/// error on one connection ends only that connection's task (its client sees it).
pub(crate) async fn serve<L: Accept>(
    listener: L,
    service: Service,
    stop: impl Future<Output = ()>,
) -> io::Result<()> {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(()),
            accepted = listener.accept() => {
                let stream = accepted?;
                tokio::spawn(async move {
                    let _ = match service {
                        Service::Echo => echo(stream).await,
                        Service::Http => http::respond(stream).await,
                    };
                });
            }
        }
    }
}

/// Echoes [`MESSAGE`]-byte messages until end-of-file.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) -> io::Result<()> {
    let mut message = [0; MESSAGE];
    loop {
        match stream.read_exact(&mut message).await {
            Ok(_) => stream.write_all(&message).await?,
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(error) => return Err(error),
        }
    }
}
