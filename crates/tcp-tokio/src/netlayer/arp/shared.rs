//! One address resolution state (ARP and NDP) for the network layers of all of a stack's shards: lookups, the hot path
//! of every frame sent, take a read lock; changes take the write lock; and the next
//! deadline, which every drive pass asks for, is read without any lock.

use core::net::IpAddr;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::Resolver;
use crate::netlayer::ethernet::MacAddr;

/// `next_due` when nothing is due.
const NEVER: u64 = u64::MAX;

/// Next hops given up on that are remembered for layers that have not looked yet.
const FAILURES_KEPT: usize = 64;

/// A [`Resolver`] shared between threads.
#[derive(Debug)]
pub(crate) struct SharedResolver {
    resolver: RwLock<Resolver>,
    /// `Resolver::next_due` as of the last change, [`NEVER`] for none.
    next_due: AtomicU64,
    /// The next hops given up on, each with its number in the order of failures, the
    /// last [`FAILURES_KEPT`] of them.
    failures: Mutex<VecDeque<(u64, IpAddr)>>,
    /// How many next hops were given up on so far: a layer whose cursor equals it has
    /// seen them all, without taking a lock.
    failure_count: AtomicU64,
}

impl SharedResolver {
    pub(crate) fn new(resolver: Resolver) -> SharedResolver {
        SharedResolver {
            next_due: AtomicU64::new(resolver.next_due().unwrap_or(NEVER)),
            resolver: RwLock::new(resolver),
            failures: Mutex::new(VecDeque::new()),
            failure_count: AtomicU64::new(0),
        }
    }

    /// Records that `hop` never answered.
    pub(crate) fn record_failure(&self, hop: IpAddr) {
        let mut failures = self.failures();
        let number = self.failure_count.load(Ordering::Acquire);
        failures.push_back((number, hop));
        if failures.len() > FAILURES_KEPT {
            failures.pop_front();
        }
        self.failure_count.store(number + 1, Ordering::Release);
    }

    /// The first next hop given up on at or after failure number `cursor` still kept,
    /// with the cursor past it; `None` when there is none (without a lock when the
    /// cursor is current).
    pub(crate) fn failure_since(&self, cursor: u64) -> Option<(IpAddr, u64)> {
        if self.failure_count.load(Ordering::Acquire) <= cursor {
            return None;
        }
        self.failures()
            .iter()
            .find(|&&(number, _)| number >= cursor)
            .map(|&(number, hop)| (hop, number + 1))
    }

    fn failures(&self) -> MutexGuard<'_, VecDeque<(u64, IpAddr)>> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The MAC address of `ip` if it is cached and fresh.
    pub(crate) fn lookup(&self, ip: IpAddr, now_us: u64) -> Option<MacAddr> {
        self.read().lookup(ip, now_us)
    }

    /// When the resolver next has timed work, without taking its lock.
    pub(crate) fn next_due(&self) -> Option<u64> {
        match self.next_due.load(Ordering::Acquire) {
            NEVER => None,
            at => Some(at),
        }
    }

    /// Runs `change` on the resolver under its write lock, then records its next deadline.
    pub(crate) fn change<R>(&self, change: impl FnOnce(&mut Resolver) -> R) -> R {
        let mut resolver = self.write();
        let result = change(&mut resolver);
        let due = resolver.next_due().unwrap_or(NEVER);
        self.next_due.store(due, Ordering::Release);
        result
    }

    /// A panic elsewhere while holding the lock leaves a cache and queues that are each
    /// consistent, so a poisoned lock is taken as it is.
    fn read(&self) -> RwLockReadGuard<'_, Resolver> {
        self.resolver
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Resolver> {
        self.resolver
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
