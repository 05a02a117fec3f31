//! The state one stack's driver task and its user handles share, behind one mutex.

use crate::net::NetLayer;
use core::task::Waker;
use std::collections::HashMap;
use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use tcp_core::{ConnectionHandle, Endpoint, Event, Instant, ListenerHandle};
use tokio::sync::Notify;

/// Wakers of the tasks waiting on one connection.
#[derive(Debug, Default)]
pub(crate) struct ConnectionWakers {
    /// A task in `poll_read`.
    pub(crate) read: Option<Waker>,
    /// A task in `poll_write` or waiting for `connect`.
    pub(crate) write: Option<Waker>,
}

/// Everything behind the stack's lock.
pub(crate) struct StackState {
    pub(crate) endpoint: Endpoint,
    pub(crate) net: NetLayer,
    pub(crate) wakers: HashMap<ConnectionHandle, ConnectionWakers>,
    pub(crate) accept_wakers: HashMap<ListenerHandle, Waker>,
    /// Set when the driver stopped on an I/O error; every call then fails with it.
    pub(crate) failure: Option<(io::ErrorKind, String)>,
}

impl StackState {
    /// Hands engine events to the tasks waiting for them; wakers go into `woken` so they can
    /// be woken after the lock is released.
    pub(crate) fn dispatch_events(&mut self, woken: &mut Vec<Waker>) {
        while let Some(event) = self.endpoint.poll_event() {
            match event {
                Event::Readable(h) | Event::PeerClosed(h) => {
                    if let Some(w) = self.wakers.get_mut(&h).and_then(|w| w.read.take()) {
                        woken.push(w);
                    }
                }
                Event::Connected(h) | Event::Writable(h) => {
                    if let Some(w) = self.wakers.get_mut(&h).and_then(|w| w.write.take()) {
                        woken.push(w);
                    }
                }
                Event::Failed(h, _) | Event::Closed(h) => {
                    if let Some(w) = self.wakers.get_mut(&h) {
                        woken.extend(w.read.take());
                        woken.extend(w.write.take());
                    }
                }
                Event::Incoming(l) => woken.extend(self.accept_wakers.remove(&l)),
            }
        }
    }

    /// The error every call returns once the driver is gone.
    pub(crate) fn check_alive(&self) -> io::Result<()> {
        match &self.failure {
            None => Ok(()),
            Some((kind, message)) => Err(io::Error::new(*kind, message.clone())),
        }
    }
}

/// Shared between the driver task and every user handle.
pub(crate) struct Shared {
    state: Mutex<StackState>,
    /// Wakes the driver after a user call produced output.
    pub(crate) driver: Notify,
    /// Set when the last user handle is gone: the driver flushes and stops.
    pub(crate) shutdown: AtomicBool,
    epoch: tokio::time::Instant,
    pub(crate) addr: Ipv4Addr,
}

impl Shared {
    /// Shared state around a fresh endpoint and network layer.
    pub(crate) fn new(endpoint: Endpoint, net: NetLayer) -> Shared {
        let addr = net.config().addr;
        Shared {
            state: Mutex::new(StackState {
                endpoint,
                net,
                wakers: HashMap::new(),
                accept_wakers: HashMap::new(),
                failure: None,
            }),
            driver: Notify::new(),
            shutdown: AtomicBool::new(false),
            epoch: tokio::time::Instant::now(),
            addr,
        }
    }

    /// Locks the state. A panic elsewhere while holding the lock cannot leave the engine in
    /// a state worse than the one it had, so a poisoned lock is taken as it is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, StackState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The engine's clock: microseconds since the stack started, from tokio's clock (so
    /// paused-time tests work).
    pub(crate) fn now(&self) -> Instant {
        Instant::from_micros(self.epoch.elapsed().as_micros() as u64)
    }

    /// The tokio instant for an engine instant.
    pub(crate) fn to_tokio(&self, at: Instant) -> tokio::time::Instant {
        self.epoch + std::time::Duration::from_micros(at.as_micros())
    }

    /// Wakes the driver if the engine has something to send.
    pub(crate) fn kick_if_needed(&self, state: &StackState) {
        if state.endpoint.wants_transmit() || state.endpoint.has_events() {
            self.driver.notify_one();
        }
    }

    /// Asks the driver to stop after a last flush.
    pub(crate) fn stop(&self) {
        self.shutdown.store(true, Ordering::Release);
        self.driver.notify_one();
    }

    /// True once [`Shared::stop`] was called.
    pub(crate) fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }
}
