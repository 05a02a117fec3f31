//! The neighbour cache: IPv4 (ARP) or IPv6 (NDP) address to MAC address, with expiry and
//! a size bound shared by both families.

use core::net::IpAddr;
use core::time::Duration;
use std::collections::HashMap;

use crate::netlayer::ethernet::MacAddr;

/// Learned addresses. An entry is usable until its expiry; a full cache makes room by
/// evicting the entry that expires first (an already expired one, when there is one).
#[derive(Debug)]
pub(crate) struct ArpCache {
    entries: HashMap<IpAddr, Entry>,
    capacity: usize,
    lifetime_us: u64,
}

/// One learned address.
#[derive(Debug, Clone, Copy)]
struct Entry {
    mac: MacAddr,
    expires_us: u64,
}

/// Whether [`ArpCache::insert`] had to evict another entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// There was room, or the address was already present.
    Plain,
    /// Another address was thrown out.
    Evicted,
}

impl ArpCache {
    /// An empty cache of at most `capacity` entries, each living `lifetime`.
    pub(crate) fn new(capacity: usize, lifetime: Duration) -> ArpCache {
        ArpCache {
            entries: HashMap::with_capacity(capacity.min(1024)),
            capacity,
            lifetime_us: micros(lifetime),
        }
    }

    /// The MAC address of `ip`, if known and not expired at `now_us`.
    pub(crate) fn lookup(&self, ip: IpAddr, now_us: u64) -> Option<MacAddr> {
        self.entries
            .get(&ip)
            .filter(|entry| now_us < entry.expires_us)
            .map(|entry| entry.mac)
    }

    /// Updates `ip` if it is in the cache (expired or not) and restarts its lifetime;
    /// returns whether it was there (RFC 826's merge step).
    pub(crate) fn refresh(&mut self, ip: IpAddr, mac: MacAddr, now_us: u64) -> bool {
        match self.entries.get_mut(&ip) {
            Some(entry) => {
                *entry = Entry {
                    mac,
                    expires_us: now_us.saturating_add(self.lifetime_us),
                };
                true
            }
            None => false,
        }
    }

    /// Adds or updates `ip`, evicting the soonest-expiring entry when the cache is full.
    pub(crate) fn insert(&mut self, ip: IpAddr, mac: MacAddr, now_us: u64) -> Inserted {
        if self.refresh(ip, mac, now_us) {
            return Inserted::Plain;
        }
        let mut outcome = Inserted::Plain;
        if self.entries.len() >= self.capacity {
            let victim = self
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.expires_us)
                .map(|(ip, _)| *ip);
            if let Some(victim) = victim {
                self.entries.remove(&victim);
                outcome = Inserted::Evicted;
            }
        }
        let expires_us = now_us.saturating_add(self.lifetime_us);
        self.entries.insert(ip, Entry { mac, expires_us });
        outcome
    }

    /// Number of entries, expired ones included.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A duration in whole microseconds, saturating.
pub(crate) fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000;

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(core::net::Ipv4Addr::new(198, 18, 0, last))
    }

    fn mac(last: u8) -> MacAddr {
        MacAddr([0x02, 0, 0, 0, 0, last])
    }

    #[test]
    fn entries_expire_after_their_lifetime() {
        let mut cache = ArpCache::new(4, Duration::from_secs(60));
        cache.insert(ip(2), mac(2), 5 * SECOND);
        assert_eq!(cache.lookup(ip(2), 64 * SECOND), Some(mac(2)));
        assert_eq!(cache.lookup(ip(2), 65 * SECOND), None);
    }

    #[test]
    fn refresh_touches_only_known_addresses() {
        let mut cache = ArpCache::new(4, Duration::from_secs(60));
        assert!(!cache.refresh(ip(2), mac(2), 0));
        assert_eq!(cache.len(), 0);
        cache.insert(ip(2), mac(2), 0);
        assert!(cache.refresh(ip(2), mac(9), 70 * SECOND));
        assert_eq!(cache.lookup(ip(2), 100 * SECOND), Some(mac(9)));
    }

    #[test]
    fn a_full_cache_evicts_the_soonest_to_expire() {
        let mut cache = ArpCache::new(2, Duration::from_secs(60));
        assert_eq!(cache.insert(ip(2), mac(2), 10 * SECOND), Inserted::Plain);
        assert_eq!(cache.insert(ip(3), mac(3), 0), Inserted::Plain);
        assert_eq!(cache.insert(ip(3), mac(3), 20 * SECOND), Inserted::Plain);
        assert_eq!(cache.insert(ip(4), mac(4), 30 * SECOND), Inserted::Evicted);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.lookup(ip(2), 30 * SECOND), None);
        assert_eq!(cache.lookup(ip(3), 30 * SECOND), Some(mac(3)));
        assert_eq!(cache.lookup(ip(4), 30 * SECOND), Some(mac(4)));
    }
}
