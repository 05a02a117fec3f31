//! The engine lock: the mutex around a shard's [`StackState`], whose guard marks the thread
//! that holds it, so that every system call can check that no engine lock is held across it
//! (see [`assert_unlocked`]). Only I/O waits for I/O; the engine is locked for the engine's
//! work alone, never for a `recvmmsg` or `sendmmsg`.

use super::shared::StackState;
use core::cell::Cell;
use core::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};

thread_local! {
    /// Engine locks this thread holds now.
    static HELD: Cell<u32> = const { Cell::new(0) };
}

/// A shard's engine state behind its lock.
pub(crate) struct EngineLock {
    state: Mutex<StackState>,
}

/// The engine state, locked by this thread until the guard is dropped.
pub(crate) struct EngineGuard<'a> {
    guard: MutexGuard<'a, StackState>,
}

impl EngineLock {
    pub(crate) fn new(state: StackState) -> EngineLock {
        EngineLock {
            state: Mutex::new(state),
        }
    }

    /// Locks the state. A panic elsewhere while holding the lock cannot leave the engine in
    /// a state worse than the one it had, so a poisoned lock is taken as it is.
    pub(crate) fn lock(&self) -> EngineGuard<'_> {
        let guard = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        HELD.with(|held| held.set(held.get() + 1));
        EngineGuard { guard }
    }
}

impl Drop for EngineGuard<'_> {
    fn drop(&mut self) {
        HELD.with(|held| held.set(held.get().saturating_sub(1)));
    }
}

impl Deref for EngineGuard<'_> {
    type Target = StackState;

    fn deref(&self) -> &StackState {
        &self.guard
    }
}

impl DerefMut for EngineGuard<'_> {
    fn deref_mut(&mut self) -> &mut StackState {
        &mut self.guard
    }
}

/// In debug builds, panics when this thread holds an engine lock: called before every
/// system call the stack makes, so a test run catches a lock held across one.
pub(crate) fn assert_unlocked() {
    debug_assert_eq!(
        HELD.with(Cell::get),
        0,
        "a system call with an engine lock held"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlayer::{MacAddr, NetConfig, NetLayer};
    use std::collections::HashMap;
    use tcp_core::{Config, Endpoint};

    fn lock() -> EngineLock {
        let net = NetConfig::new(MacAddr([2, 0, 0, 0, 0, 1]), [198, 18, 0, 1].into(), 24);
        EngineLock::new(StackState {
            endpoint: Endpoint::new(Config::default(), [0; 16]),
            net: NetLayer::new(net).unwrap(),
            offload: false,
            armed_deadline: None,
            readiness: HashMap::new(),
            accept_wakers: HashMap::new(),
            failure: None,
            icmp_relay: None,
        })
    }

    #[test]
    fn without_the_lock_system_calls_pass_the_check() {
        let engine = lock();
        drop(engine.lock());
        assert_unlocked();
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a system call with an engine lock held")]
    fn a_system_call_under_the_engine_lock_is_caught() {
        let engine = lock();
        let _held = engine.lock();
        assert_unlocked();
    }
}
