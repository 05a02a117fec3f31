//! The path MTUs ICMP errors reported, per destination, each until it expires (RFC 1191
//! §6.3, RFC 8201 §4): what a new connection to that destination starts with.

use crate::time::Instant;
use core::net::IpAddr;
use std::collections::HashMap;

/// Reported path MTUs by remote address, bounded: recording into a full cache first drops
/// the expired entries, then the one closest to expiry.
#[derive(Debug, Default)]
pub(crate) struct PathMtuCache {
    entries: HashMap<IpAddr, (u16, Instant)>,
}

impl PathMtuCache {
    /// Remembers that packets to `remote` must not exceed `mtu` bytes until `until`; an
    /// entry already there keeps the lower MTU and takes the new expiry. Keeps at most
    /// `capacity` entries (none when it is 0).
    pub(crate) fn record(
        &mut self,
        remote: IpAddr,
        mtu: u16,
        until: Instant,
        now: Instant,
        capacity: usize,
    ) {
        if let Some(entry) = self.entries.get_mut(&remote) {
            let lower = if entry.1 > now { entry.0.min(mtu) } else { mtu };
            *entry = (lower, until);
            return;
        }
        if capacity == 0 {
            return;
        }
        if self.entries.len() >= capacity {
            self.entries.retain(|_, (_, expires)| *expires > now);
        }
        if self.entries.len() >= capacity
            && let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, expires))| *expires)
                .map(|(ip, _)| *ip)
        {
            self.entries.remove(&oldest);
        }
        self.entries.insert(remote, (mtu, until));
    }

    /// The MTU reported for `remote` and until when it holds, unless it expired by `now`.
    pub(crate) fn get(&self, remote: IpAddr, now: Instant) -> Option<(u16, Instant)> {
        self.entries
            .get(&remote)
            .copied()
            .filter(|(_, expires)| *expires > now)
    }
}

/// What the endpoint learned about the paths to its peers: the MTUs ICMP reported, and the
/// peers its connections gave negative advice about (RFC 9293 MUST-20) not yet polled.
#[derive(Debug, Default)]
pub(super) struct Paths {
    /// Reported path MTUs by destination.
    pub(super) mtus: PathMtuCache,
    /// Remote addresses connections gave negative advice about (`poll_negative_advice`).
    pub(super) negative_advice: std::collections::VecDeque<core::net::IpAddr>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv4Addr;
    use core::time::Duration;

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(198, 18, 0, last))
    }

    fn at(secs: u64) -> Instant {
        Instant::ZERO + Duration::from_secs(secs)
    }

    #[test]
    fn an_entry_holds_until_it_expires_and_keeps_the_lower_mtu() {
        let mut cache = PathMtuCache::default();
        cache.record(ip(1), 1280, at(600), at(0), 4);
        cache.record(ip(1), 1400, at(700), at(10), 4);
        assert_eq!(cache.get(ip(1), at(10)), Some((1280, at(700))));
        assert_eq!(cache.get(ip(1), at(700)), None);
        assert_eq!(cache.get(ip(2), at(10)), None);
    }

    #[test]
    fn a_full_cache_drops_the_expired_then_the_closest_to_expiry() {
        let mut cache = PathMtuCache::default();
        cache.record(ip(1), 1280, at(100), at(0), 2);
        cache.record(ip(2), 1280, at(50), at(0), 2);
        cache.record(ip(3), 1280, at(200), at(0), 2);
        assert_eq!(cache.entries.len(), 2);
        assert_eq!(cache.get(ip(2), at(1)), None);
        assert!(cache.get(ip(1), at(1)).is_some());
        cache.record(ip(4), 1280, at(300), at(150), 2);
        assert_eq!(cache.get(ip(1), at(150)), None);
        assert!(cache.get(ip(3), at(150)).is_some());
        assert!(cache.get(ip(4), at(150)).is_some());
    }
}
