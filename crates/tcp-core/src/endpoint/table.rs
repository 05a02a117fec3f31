//! A netstat-like view of every socket of the endpoint.

use super::Endpoint;
use crate::connection::Connection;
use crate::state::State;
use crate::stats::{ConnectionInfo, ConnectionStats};
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
        self.rows(|_| None::<()>)
            .into_iter()
            .map(|(row, _)| row)
            .collect()
    }

    /// [`Endpoint::sockets`], each row with the connection's transmission state and
    /// counters (what `ss -ti` shows) where it has a control block: every connection,
    /// whoever holds it (the application, a listener's queue, or nobody after `close`);
    /// `None` for listeners and TIME_WAIT records.
    pub fn sockets_with_info(
        &self,
    ) -> Vec<(SocketInfo, Option<(ConnectionInfo, ConnectionStats)>)> {
        self.rows(|c| Some((c.info(), c.stats().snapshot())))
    }

    /// The table's rows in [`Endpoint::sockets`]' order, each with what `detail` says of
    /// its connection block (listeners and TIME_WAIT records have none).
    fn rows<T>(&self, detail: impl Fn(&Connection) -> Option<T>) -> Vec<(SocketInfo, Option<T>)> {
        let mut listeners: Vec<_> = self.listeners.values().collect();
        listeners.sort_by_key(|l| l.handle);
        let mut connections: Vec<_> = self
            .connections
            .iter()
            .map(|(&handle, c)| {
                let row = SocketInfo {
                    recv_q: c.readable(),
                    send_q: c.send_queued(),
                    local: c.tuple().local,
                    remote: c.tuple().remote,
                    state: c.state(),
                };
                (handle, row, detail(c))
            })
            .chain(self.time_wait.values().map(|r| {
                let row = SocketInfo {
                    recv_q: 0,
                    send_q: 0,
                    local: r.tuple().local,
                    remote: r.tuple().remote,
                    state: State::TimeWait,
                };
                (r.handle(), row, None)
            }))
            .collect();
        connections.sort_by_key(|(handle, _, _)| *handle);
        let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
        listeners
            .into_iter()
            .map(|l| {
                let row = SocketInfo {
                    recv_q: l.accept_queue.len(),
                    send_q: l.backlog,
                    local: l.local,
                    remote: unspecified,
                    state: State::Listen,
                };
                (row, None)
            })
            .chain(connections.into_iter().map(|(_, row, info)| (row, info)))
            .collect()
    }
}
