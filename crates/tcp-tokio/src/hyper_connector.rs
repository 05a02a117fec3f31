//! hyper-util's legacy `Client` on this stack (feature `hyper`): [`HttpConnector`] stands in
//! for `hyper_util::client::legacy::connect::HttpConnector`.

use crate::{Stack, TcpStream};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use http::Uri;
use http::uri::Scheme;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use std::io;

/// Opens the connections of hyper-util's legacy `Client` on a stack:
/// `Client::builder(TokioExecutor::new()).build(HttpConnector::new())`.
///
/// Like hyper-util's `HttpConnector`, it connects to the URI's host (a name resolves
/// through the system's resolver, each address tried in turn) and port (80 when the URI
/// has none, 443 for `https`), refuses URIs whose scheme is not `http` until
/// [`HttpConnector::enforce_http`] turns that off (so that a TLS connector can wrap it),
/// and leaves Nagle's algorithm on until [`HttpConnector::set_nodelay`]. Its errors are
/// `io::Error`s: those of [`TcpStream::connect_on`], and `InvalidInput` for a URI it
/// cannot connect to.
#[derive(Debug, Clone)]
pub struct HttpConnector {
    /// The stack to connect on; `None`: the default stack at each connection.
    stack: Option<Stack>,
    enforce_http: bool,
    nodelay: bool,
}

impl HttpConnector {
    /// A connector on the default stack ([`Stack::make_default`]), looked up at each
    /// connection, as [`TcpStream::connect`] does (`NotFound` when there is none).
    pub fn new() -> HttpConnector {
        HttpConnector {
            stack: None,
            enforce_http: true,
            nodelay: false,
        }
    }

    /// A connector on `stack`.
    pub fn new_on(stack: &Stack) -> HttpConnector {
        HttpConnector {
            stack: Some(stack.clone()),
            ..HttpConnector::new()
        }
    }

    /// Whether URIs whose scheme is not `http` are refused (the default, true).
    pub fn enforce_http(&mut self, enforce: bool) {
        self.enforce_http = enforce;
    }

    /// Sets TCP_NODELAY on every connection made from now on (off by default).
    pub fn set_nodelay(&mut self, nodelay: bool) {
        self.nodelay = nodelay;
    }

    async fn connect(self, uri: Uri) -> io::Result<TokioIo<TcpStream>> {
        let (host, port) = self.target(&uri)?;
        let stream = match &self.stack {
            Some(stack) => TcpStream::connect_on(stack, (host.as_str(), port)).await?,
            None => TcpStream::connect((host.as_str(), port)).await?,
        };
        stream.set_nodelay(self.nodelay)?;
        Ok(TokioIo::new(stream))
    }

    /// The host (without an IPv6 literal's brackets) and port to connect to for `uri`.
    fn target(&self, uri: &Uri) -> io::Result<(String, u16)> {
        let invalid =
            |what: &str| io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {uri}"));
        if self.enforce_http && uri.scheme() != Some(&Scheme::HTTP) {
            return Err(invalid("the scheme is not http"));
        }
        let host = uri.host().ok_or_else(|| invalid("no host in the URI"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme() == Some(&Scheme::HTTPS) {
                443
            } else {
                80
            });
        Ok((host.to_string(), port))
    }
}

impl Default for HttpConnector {
    fn default() -> HttpConnector {
        HttpConnector::new()
    }
}

impl tower_service::Service<Uri> for HttpConnector {
    type Response = TokioIo<TcpStream>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<TokioIo<TcpStream>>> + Send>>;

    /// Always ready: every call opens its own connection.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(self.clone().connect(uri))
    }
}

/// What hyper-util's pool learns about a connection: nothing beyond that it is a plain
/// (not proxied, HTTP/1) connection. hyper-util's `HttpInfo` cannot be built outside it, so
/// responses carry no addresses; [`TcpStream::peer_addr`] has them.
impl Connection for TcpStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(connector: &HttpConnector, uri: &str) -> io::Result<(String, u16)> {
        connector.target(&uri.parse().expect("a URI"))
    }

    #[test]
    fn hosts_and_ports_follow_the_uri() {
        let connector = HttpConnector::new();
        assert_eq!(
            target(&connector, "http://198.18.0.2/x").unwrap(),
            ("198.18.0.2".to_string(), 80)
        );
        assert_eq!(
            target(&connector, "http://example.test:8080/").unwrap(),
            ("example.test".to_string(), 8080)
        );
        assert_eq!(
            target(&connector, "http://[::1]:81/").unwrap(),
            ("::1".to_string(), 81)
        );
    }

    #[test]
    fn only_http_until_told_otherwise() {
        let mut connector = HttpConnector::new();
        let refused = target(&connector, "https://198.18.0.2/").unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            target(&connector, "/relative").unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        connector.enforce_http(false);
        assert_eq!(
            target(&connector, "https://198.18.0.2/").unwrap(),
            ("198.18.0.2".to_string(), 443)
        );
    }
}
