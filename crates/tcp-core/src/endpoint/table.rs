//! A netstat-like view of every socket of the endpoint.

use super::Endpoint;
use crate::state::State;
use core::fmt;
use core::net::SocketAddr;

/// One row of `netstat -tn`: protocol is always TCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketInfo {
    /// Bytes received and not yet read by the application (for a listener: accept queue).
    pub recv_q: usize,
    /// Bytes queued and not yet acknowledged (for a listener: backlog).
    pub send_q: usize,
    /// Local address (`0.0.0.0:port` for a wildcard listener).
    pub local: SocketAddr,
    /// Foreign address (`0.0.0.0:0` for a listener).
    pub remote: SocketAddr,
    /// State.
    pub state: State,
}

impl fmt::Display for SocketInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tcp {:>7} {:>7} {:<23} {:<23} {}",
            self.recv_q,
            self.send_q,
            self.local.to_string(),
            self.remote.to_string(),
            self.state
        )
    }
}

impl Endpoint {
    /// Every listener and connection (TIME_WAIT entries included), listeners first, each
    /// group in handle order.
    pub fn sockets(&self) -> Vec<SocketInfo> {
        let mut listeners: Vec<_> = self.listeners.values().collect();
        listeners.sort_by_key(|l| l.handle);
        let mut connections: Vec<_> = self
            .connections
            .iter()
            .map(|(&handle, c)| {
                let row = SocketInfo {
                    recv_q: c.readable(),
                    send_q: c.send_queued(),
                    local: c.tuple.local,
                    remote: c.tuple.remote,
                    state: c.state,
                };
                (handle, row)
            })
            .chain(self.time_wait.values().map(|r| {
                let row = SocketInfo {
                    recv_q: 0,
                    send_q: 0,
                    local: r.tuple.local,
                    remote: r.tuple.remote,
                    state: State::TimeWait,
                };
                (r.handle, row)
            }))
            .collect();
        connections.sort_by_key(|(handle, _)| *handle);
        let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
        listeners
            .into_iter()
            .map(|l| SocketInfo {
                recv_q: l.accept_queue.len(),
                send_q: l.backlog,
                local: l.local,
                remote: unspecified,
                state: State::Listen,
            })
            .chain(connections.into_iter().map(|(_, row)| row))
            .collect()
    }
}
