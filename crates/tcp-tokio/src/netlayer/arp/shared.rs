//! One ARP state for the network layers of all of a stack's shards: lookups, the hot path
//! of every frame sent, take a read lock; changes take the write lock; and the next
//! deadline, which every drive pass asks for, is read without any lock.

use core::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::Resolver;
use crate::netlayer::ethernet::MacAddr;

/// `next_due` when nothing is due.
const NEVER: u64 = u64::MAX;

/// A [`Resolver`] shared between threads.
#[derive(Debug)]
pub(crate) struct SharedResolver {
    resolver: RwLock<Resolver>,
    /// `Resolver::next_due` as of the last change, [`NEVER`] for none.
    next_due: AtomicU64,
}

impl SharedResolver {
    pub(crate) fn new(resolver: Resolver) -> SharedResolver {
        SharedResolver {
            next_due: AtomicU64::new(resolver.next_due().unwrap_or(NEVER)),
            resolver: RwLock::new(resolver),
        }
    }

    /// The MAC address of `ip` if it is cached and fresh.
    pub(crate) fn lookup(&self, ip: Ipv4Addr, now_us: u64) -> Option<MacAddr> {
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
