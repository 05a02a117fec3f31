//! `TcpSocket`: options before `listen` or `connect`, shaped like `tokio::net::TcpSocket`.

use super::listener::{TcpListener, check_local};
use super::stream::TcpStream;
use crate::stack::Stack;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tcp_core::{Keepalive, SocketOptions};

/// An unconnected socket whose options are set before it listens or connects.
#[derive(Debug, Clone)]
pub struct TcpSocket {
    stack: Stack,
    options: SocketOptions,
    local: Option<SocketAddr>,
}

impl TcpSocket {
    /// A new IPv4 socket on `stack`.
    pub fn new_v4(stack: &Stack) -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            stack: stack.clone(),
            options: SocketOptions::default(),
            local: None,
        })
    }

    /// SO_KEEPALIVE with the stack's keepalive timings (idle 7200 s, 75 s, 9 probes).
    pub fn set_keepalive(&mut self, keepalive: bool) -> io::Result<()> {
        self.options.keepalive = keepalive.then(|| {
            self.stack
                .inspect(|state| state.endpoint.config().keepalive)
        });
        Ok(())
    }

    /// SO_KEEPALIVE with explicit timings.
    pub fn set_keepalive_params(&mut self, keepalive: Keepalive) -> io::Result<()> {
        if keepalive.probes == 0 || keepalive.idle.is_zero() || keepalive.interval.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "keepalive timings must be non-zero",
            ));
        }
        self.options.keepalive = Some(keepalive);
        Ok(())
    }

    /// Whether keepalive is on.
    pub fn keepalive(&self) -> io::Result<bool> {
        Ok(self.options.keepalive.is_some())
    }

    /// SO_REUSEADDR.
    pub fn set_reuseaddr(&mut self, reuse: bool) -> io::Result<()> {
        self.options.reuse_address = reuse;
        Ok(())
    }

    /// Whether SO_REUSEADDR is on.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        Ok(self.options.reuse_address)
    }

    /// SO_SNDBUF in bytes (at least 1).
    pub fn set_send_buffer_size(&mut self, size: u32) -> io::Result<()> {
        if size == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "buffer size must be positive",
            ));
        }
        self.options.send_buffer = Some(size as usize);
        Ok(())
    }

    /// SO_RCVBUF in bytes (at least 1).
    pub fn set_recv_buffer_size(&mut self, size: u32) -> io::Result<()> {
        if size == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "buffer size must be positive",
            ));
        }
        self.options.recv_buffer = Some(size as usize);
        Ok(())
    }

    /// TCP_NODELAY.
    pub fn set_nodelay(&mut self, nodelay: bool) -> io::Result<()> {
        self.options.nodelay = nodelay;
        Ok(())
    }

    /// SO_LINGER.
    pub fn set_linger(&mut self, linger: Option<Duration>) -> io::Result<()> {
        self.options.linger = linger;
        Ok(())
    }

    /// TCP_USER_TIMEOUT (RFC 5482).
    pub fn set_user_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.options.user_timeout = timeout;
        Ok(())
    }

    /// Binds the local address used by `listen` or `connect`.
    pub fn bind(&mut self, addr: SocketAddr) -> io::Result<()> {
        check_local(&self.stack, addr)?;
        self.local = Some(addr);
        Ok(())
    }

    /// The bound address, if any.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.local
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "socket is not bound"))
    }

    /// Starts listening with an accept queue of `backlog` connections.
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        let addr = self.local_addr()?;
        TcpListener::bind_with(&self.stack, addr, backlog, self.options)
    }

    /// Connects to `addr` with this socket's options (and bound address, if any).
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect_with(&self.stack, self.local, addr, self.options).await
    }
}
