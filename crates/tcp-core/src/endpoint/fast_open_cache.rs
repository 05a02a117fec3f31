//! The Fast Open cookies a client learned from servers (RFC 7413 §4.1.3), with the MSS each
//! server announced, by server address; bounded, the oldest entry forgotten first.

use super::Endpoint;
use crate::connection::Incoming;
use crate::endpoint::hashing::KeyedHasher;
use crate::handle::ConnectionHandle;
use crate::state::State;
use core::net::IpAddr;
use std::collections::{HashMap, VecDeque};
use tcp_wire::FastOpenCookie;

/// Servers remembered at most, as Linux's `tcp_metrics` hash holds a bounded number.
const MAX_SERVERS: usize = 1024;

/// A cookie a server gave and the MSS it announced with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CachedCookie {
    /// The server's cookie.
    pub(in crate::endpoint) cookie: FastOpenCookie,
    /// The MSS of the server's SYN-ACK: it bounds the data a SYN may carry.
    pub(in crate::endpoint) mss: u16,
}

/// Cookies by server address, at most [`MAX_SERVERS`].
#[derive(Debug, Clone)]
pub(crate) struct FastOpenCache {
    cookies: HashMap<IpAddr, CachedCookie, KeyedHasher>,
    /// Server addresses, oldest first.
    order: VecDeque<IpAddr>,
}

impl FastOpenCache {
    /// An empty cache hashing with `hasher`.
    pub(crate) fn new(hasher: KeyedHasher) -> FastOpenCache {
        FastOpenCache {
            cookies: HashMap::with_hasher(hasher),
            order: VecDeque::new(),
        }
    }

    /// The cookie learned from `server`, if any.
    pub(crate) fn get(&self, server: IpAddr) -> Option<CachedCookie> {
        self.cookies.get(&server).copied()
    }

    /// Remembers `entry` for `server`, forgetting the oldest server when full.
    pub(crate) fn insert(&mut self, server: IpAddr, entry: CachedCookie) {
        if self.cookies.insert(server, entry).is_some() {
            return;
        }
        self.order.push_back(server);
        if self.order.len() > MAX_SERVERS
            && let Some(oldest) = self.order.pop_front()
        {
            self.cookies.remove(&oldest);
        }
    }
}

impl Endpoint {
    /// Remembers the cookie of a SYN-ACK that just completed `handle`'s Fast Open active
    /// open (the caller checked the connection was in SYN_SENT before `seg`).
    pub(super) fn learn_fast_open_cookie(&mut self, handle: ConnectionHandle, seg: &Incoming<'_>) {
        let Some(cookie) = seg.options().fast_open.filter(|c| !c.is_request()) else {
            return;
        };
        let Some(conn) = self.connections.get(&handle) else {
            return;
        };
        if !conn.fast_open_requested() || matches!(conn.state(), State::SynSent | State::Closed) {
            return;
        }
        let server = conn.tuple().remote.ip();
        let mss = seg
            .options()
            .mss
            .unwrap_or(self.config.default_mss_for(server));
        self.fast_open
            .cache
            .insert(server, CachedCookie { cookie, mss });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_server_is_forgotten_first() {
        let mut cache = FastOpenCache::new(KeyedHasher::new([3; 16]));
        let entry = CachedCookie {
            cookie: FastOpenCookie::new(&[1; 8]).unwrap(),
            mss: 1460,
        };
        for i in 0..=MAX_SERVERS as u32 {
            cache.insert(IpAddr::from(i.to_be_bytes()), entry);
        }
        assert_eq!(cache.get(IpAddr::from([0, 0, 0, 0])), None);
        assert_eq!(cache.get(IpAddr::from([0, 0, 0, 1])), Some(entry));
        assert_eq!(cache.cookies.len(), MAX_SERVERS);
    }
}
