//! Address resolution, ARP (IPv4) and NDP (IPv6) alike: one neighbour cache, the packets
//! waiting on it and the request schedule, keyed by `IpAddr`, so both families share one
//! mechanism and one set of bounds.

mod cache;
mod packet;
mod pending;
mod shared;

use core::net::IpAddr;
use std::collections::VecDeque;

pub(crate) use cache::micros;
use cache::{ArpCache, Inserted};
pub(crate) use packet::{ARP_LEN, ArpMessage, ArpOp};
use pending::Pending;
pub(crate) use pending::{Due, Enqueued};
pub(crate) use shared::SharedResolver;

use super::config::ArpConfig;
use super::ethernet::MacAddr;

/// Cache plus waiting room, driven by the caller's clock.
#[derive(Debug)]
pub(crate) struct Resolver {
    cache: ArpCache,
    pending: Pending,
    retry_us: u64,
    max_requests: u32,
}

/// What [`Resolver::learn`] changed.
#[derive(Debug, Default)]
pub(crate) struct Learned {
    /// A cache entry was evicted to make room.
    pub(crate) evicted: bool,
    /// Frames that were waiting for this address, oldest first.
    pub(crate) released: VecDeque<Vec<u8>>,
}

impl Resolver {
    /// An empty resolver.
    pub(crate) fn new(config: &ArpConfig) -> Resolver {
        Resolver {
            cache: ArpCache::new(config.cache_capacity, config.entry_lifetime),
            pending: Pending::new(config.queue_per_hop, config.max_pending_hops),
            retry_us: micros(config.retry_interval),
            max_requests: config.max_requests,
        }
    }

    /// The MAC address of `ip` if it is cached and fresh.
    pub(crate) fn lookup(&self, ip: IpAddr, now_us: u64) -> Option<MacAddr> {
        self.cache.lookup(ip, now_us)
    }

    /// Records that `ip` is at `mac`. A known address is always updated; an unknown one is
    /// added only when `insert` is set (RFC 826: when the message was for us) or when
    /// packets are waiting for it.
    pub(crate) fn learn(&mut self, ip: IpAddr, mac: MacAddr, now_us: u64, insert: bool) -> Learned {
        let mut learned = Learned::default();
        let released = self.pending.take(ip);
        if !self.cache.refresh(ip, mac, now_us) && (insert || released.is_some()) {
            learned.evicted = self.cache.insert(ip, mac, now_us) == Inserted::Evicted;
        }
        learned.released = released.unwrap_or_default();
        learned
    }

    /// Parks `frame` until `hop` resolves; on [`Enqueued::NewHop`] the caller sends the
    /// first request now.
    pub(crate) fn enqueue(&mut self, hop: IpAddr, frame: Vec<u8>, now_us: u64) -> Enqueued {
        self.pending
            .enqueue(hop, frame, now_us.saturating_add(self.retry_us))
    }

    /// When [`Resolver::expire`] next has work.
    pub(crate) fn next_due(&self) -> Option<u64> {
        self.pending.next_due()
    }

    /// Re-requests or gives up every hop due at `now_us`.
    pub(crate) fn expire(&mut self, now_us: u64, on_due: impl FnMut(Due)) {
        let retry_at = now_us.saturating_add(self.retry_us);
        self.pending
            .expire(now_us, retry_at, self.max_requests, on_due);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use core::net::Ipv4Addr;

    const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 18, 0, 2));
    const PEER_MAC: MacAddr = MacAddr([0x02, 0, 0, 0, 0, 2]);

    #[test]
    fn learning_releases_waiting_frames_and_caches_the_address() {
        let mut resolver = Resolver::new(&ArpConfig::default());
        assert_eq!(resolver.enqueue(PEER, vec![1], 0), Enqueued::NewHop);
        assert_eq!(resolver.enqueue(PEER, vec![2], 0), Enqueued::Queued);
        let learned = resolver.learn(PEER, PEER_MAC, 10, false);
        assert_eq!(learned.released, [vec![1], vec![2]]);
        assert_eq!(resolver.lookup(PEER, 10), Some(PEER_MAC));
        assert_eq!(resolver.next_due(), None);
    }

    #[test]
    fn unsolicited_news_of_a_stranger_is_not_cached() {
        let mut resolver = Resolver::new(&ArpConfig::default());
        resolver.learn(PEER, PEER_MAC, 0, false);
        assert_eq!(resolver.lookup(PEER, 0), None);
        resolver.learn(PEER, PEER_MAC, 0, true);
        assert_eq!(resolver.lookup(PEER, 0), Some(PEER_MAC));
        let moved = MacAddr([0x02, 0, 0, 0, 0, 9]);
        resolver.learn(PEER, moved, 1, false);
        assert_eq!(resolver.lookup(PEER, 1), Some(moved));
    }

    #[test]
    fn requests_are_retried_each_second_then_abandoned() {
        let mut resolver = Resolver::new(&ArpConfig::default());
        resolver.enqueue(PEER, vec![1], 0);
        let mut events = Vec::new();
        while let Some(due) = resolver.next_due() {
            resolver.expire(due, |event| events.push((due, event)));
        }
        assert_eq!(
            events,
            [
                (1_000_000, Due::Retry(PEER)),
                (2_000_000, Due::Retry(PEER)),
                (
                    3_000_000,
                    Due::GaveUp {
                        hop: PEER,
                        dropped: 1
                    }
                ),
            ]
        );
    }
}
