//! ICMP errors between shards: every ICMP message reaches shard 0 (the fanout program
//! steers only TCP), while the connection an error quotes lives on the shard its ports
//! name. Shard 0 hands such an error to that shard's inbox and wakes its driver.

use crate::netlayer::IcmpErrorReport;
use core::task::Waker;
use std::collections::VecDeque;
use std::sync::Mutex;

/// Errors waiting in one shard's inbox at most; more are dropped.
const INBOX_CAPACITY: usize = 64;

/// One inbox and one driver waker per shard.
#[derive(Debug)]
pub(crate) struct IcmpRelay {
    inboxes: Vec<Mutex<VecDeque<IcmpErrorReport>>>,
    drivers: Vec<Waker>,
}

impl IcmpRelay {
    /// A relay between the shards whose drivers `drivers` wake, in shard order.
    pub(crate) fn new(drivers: Vec<Waker>) -> IcmpRelay {
        IcmpRelay {
            inboxes: drivers.iter().map(|_| Mutex::default()).collect(),
            drivers,
        }
    }

    /// The shard holding the connection `report` quotes: the one its ports steer to.
    pub(crate) fn shard_for(&self, report: &IcmpErrorReport) -> usize {
        let [l0, l1, r0, r1, ..] = report.quoted;
        let shards = u16::try_from(self.drivers.len()).unwrap_or(u16::MAX);
        let local = u16::from_be_bytes([l0, l1]);
        let remote = u16::from_be_bytes([r0, r1]);
        usize::from(crate::link::shard_of(local, remote, shards))
    }

    /// Puts `report` in shard `shard`'s inbox (unless it is full) and wakes its driver.
    pub(crate) fn send(&self, shard: usize, report: IcmpErrorReport) {
        let (Some(inbox), Some(driver)) = (self.inboxes.get(shard), self.drivers.get(shard)) else {
            return;
        };
        let mut inbox = inbox.lock().unwrap_or_else(|e| e.into_inner());
        if inbox.len() < INBOX_CAPACITY {
            inbox.push_back(report);
        }
        drop(inbox);
        driver.wake_by_ref();
    }

    /// Everything waiting in shard `shard`'s inbox, oldest first.
    pub(crate) fn take(&self, shard: usize) -> VecDeque<IcmpErrorReport> {
        self.inboxes.get(shard).map_or_else(VecDeque::new, |inbox| {
            std::mem::take(&mut *inbox.lock().unwrap_or_else(|e| e.into_inner()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;
    use tcp_core::IcmpError;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn an_error_goes_to_the_shard_its_ports_name_and_wakes_it() {
        let counts: Vec<Arc<Count>> = (0..3)
            .map(|_| Arc::new(Count(AtomicUsize::new(0))))
            .collect();
        let relay = IcmpRelay::new(counts.iter().map(|c| Waker::from(c.clone())).collect());
        let report = IcmpErrorReport {
            local: [198, 18, 0, 1].into(),
            remote: [198, 19, 0, 2].into(),
            quoted: [0x9c, 0x40, 0x1b, 0x58, 0, 0, 0, 1],
            error: IcmpError::PortUnreachable,
        };
        let shard = relay.shard_for(&report);
        assert_eq!(shard, usize::from(crate::link::shard_of(40000, 7000, 3)));
        relay.send(shard, report);
        assert_eq!(counts[shard].0.load(Ordering::Relaxed), 1);
        assert_eq!(relay.take(shard), VecDeque::from([report]));
        assert!(relay.take(shard).is_empty());
        for _ in 0..INBOX_CAPACITY + 5 {
            relay.send(shard, report);
        }
        assert_eq!(relay.take(shard).len(), INBOX_CAPACITY);
    }
}
