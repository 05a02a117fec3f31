//! A listening socket: its address, accept queue (FIFO) and SYN queue.

use crate::config::SocketOptions;
use crate::endpoint::hashing::HandleHasher;
use crate::handle::{ConnectionHandle, ListenerHandle};
use core::net::{IpAddr, SocketAddr};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// One listener.
#[derive(Debug)]
pub(crate) struct Listener {
    pub(in crate::endpoint) handle: ListenerHandle,
    /// `*:port` when the IP is unspecified, else `ip:port`.
    pub(in crate::endpoint) local: SocketAddr,
    /// Completed connections the application may take; at most `backlog`.
    pub(in crate::endpoint) accept_queue: VecDeque<ConnectionHandle>,
    pub(in crate::endpoint) backlog: usize,
    /// Half-open connections (SYN_RCVD) this listener created, at most
    /// `Config::syn_queue_len`.
    pub(in crate::endpoint) syn_queue: HashSet<ConnectionHandle, HandleHasher>,
    /// Options every accepted connection starts with, shared with them.
    pub(in crate::endpoint) options: Arc<SocketOptions>,
}

impl Listener {
    /// True when `addr` is one this listener accepts connections on: its own address, or
    /// any address its wildcard covers (see [`covers`]).
    pub(crate) fn accepts(&self, addr: SocketAddr) -> bool {
        self.local.port() == addr.port()
            && (self.local.ip() == addr.ip()
                || (self.local.ip().is_unspecified()
                    && covers(self.local.ip(), self.options.only_v6, addr.ip())))
    }

    /// Every connection the listener holds, half-open or waiting in the accept queue, in
    /// handle order (the accept queue may still name connections already gone).
    pub(crate) fn held(&self) -> Vec<ConnectionHandle> {
        let mut held: Vec<ConnectionHandle> = self
            .syn_queue
            .iter()
            .chain(self.accept_queue.iter())
            .copied()
            .collect();
        held.sort_unstable();
        held.dedup();
        held
    }

    /// True when the accept queue is full.
    pub(crate) fn accept_queue_full(&self) -> bool {
        self.accept_queue.len() >= self.backlog
    }
}
/// True when a listener on `local` (with IPV6_V6ONLY as `only_v6`) may take connections to
/// `addr`, as Linux decides: a listener takes its own family, and an IPv6 one that is not
/// V6ONLY takes IPv4 too (a dual-stack socket sees IPv4 peers as `::ffff:a.b.c.d`).
pub(crate) fn covers(local: IpAddr, only_v6: bool, addr: IpAddr) -> bool {
    match (local, addr) {
        (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => true,
        (IpAddr::V6(_), IpAddr::V4(_)) => !only_v6,
        (IpAddr::V4(_), IpAddr::V6(_)) => false,
    }
}
