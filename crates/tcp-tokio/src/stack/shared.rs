//! The state one stack's driver task and its user handles share: the engine behind its
//! lock, the I/O behind its own.

use super::engine_lock::{EngineGuard, EngineLock};
use super::pcap::PcapWriter;
use super::readiness::Readiness;
use super::shard_io::{Io, Receiver};
use crate::link::Link;
use crate::netlayer::{Ipv6Config, NetLayer};
use core::cell::Cell;
use core::task::{Context, Waker};
use futures::task::AtomicWaker;
use std::collections::HashMap;
use std::io;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Wake;
use std::time::Duration;
use tcp_core::{ConnectionHandle, Endpoint, Event, Instant, ListenerHandle};

thread_local! {
    /// The list a user call on this thread collects wakers in, kept between calls so that
    /// finishing a call allocates nothing.
    static WOKEN: Cell<Vec<Waker>> = const { Cell::new(Vec::new()) };
}

/// Passes of the drive loop a user call runs at most: the first sends the call's output
/// (receiving is the driver's job), each later one takes in the replies to what the last
/// one sent (a kernel peer on a veth answers within the `sendmmsg`), so a round trip can
/// complete without waking the driver task.
const CALLER_PASSES: usize = 4;

/// A shard's engine state, behind its engine lock: the engine, the network layer, and the
/// tasks waiting on them. Never the link: nothing here makes a system call.
pub(crate) struct StackState {
    pub(crate) endpoint: Endpoint,
    pub(crate) net: NetLayer,
    /// The link has segmentation offload: the engine may write super-segments, each as
    /// long as a frame slot allows.
    pub(crate) offload: bool,
    /// The deadline the driver's timer is set for; a user call that makes an earlier one
    /// wakes the driver to move it.
    pub(crate) armed_deadline: Option<Instant>,
    /// Each open connection's readiness and waiting tasks, from `connect` or `accept` until
    /// its handle is dropped.
    pub(crate) readiness: HashMap<ConnectionHandle, Readiness>,
    pub(crate) accept_wakers: HashMap<ListenerHandle, Waker>,
    /// Set when the driver stopped on an I/O error; every call then fails with it.
    pub(crate) failure: Option<(io::ErrorKind, String)>,
    /// With several shards: the relay that brings ICMP errors to the shard holding the
    /// connection they quote, and this shard's index in it.
    pub(crate) icmp_relay: Option<(Arc<super::icmp_relay::IcmpRelay>, usize)>,
}

impl StackState {
    /// Hands engine events to the tasks waiting for them; wakers go into `woken` so they can
    /// be woken after the lock is released.
    pub(crate) fn dispatch_events(&mut self, woken: &mut Vec<Waker>) {
        while let Some(event) = self.endpoint.poll_event() {
            match event {
                Event::Readable(h) | Event::PeerClosed(h) => {
                    if let Some(r) = self.readiness.get_mut(&h) {
                        r.read.wake(woken);
                    }
                }
                Event::Connected(h) | Event::Writable(h) => {
                    if let Some(r) = self.readiness.get_mut(&h) {
                        r.write.wake(woken);
                    }
                }
                Event::Failed(h, _) | Event::Closed(h) => {
                    if let Some(r) = self.readiness.get_mut(&h) {
                        r.wake_all(woken);
                    }
                }
                Event::Incoming(l) => woken.extend(self.accept_wakers.remove(&l)),
            }
        }
    }

    /// The earliest engine or network-layer deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let tcp = self.endpoint.poll_timeout();
        let net = self.net.poll_timeout().map(Instant::from_micros);
        [tcp, net].into_iter().flatten().min()
    }

    /// True when the next deadline is earlier than the one the driver's timer is set for,
    /// so the driver must be woken to move it.
    pub(crate) fn deadline_moved_earlier(&self) -> bool {
        match (self.next_deadline(), self.armed_deadline) {
            (Some(next), Some(armed)) => next < armed,
            (next, None) => next.is_some(),
            (None, Some(_)) => false,
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

/// How a user call wakes the driver task: its waker and the flag that says why.
#[derive(Debug, Default)]
struct DriverKick {
    /// The driver task's waker.
    driver: AtomicWaker,
    /// Set by a kick, cleared by the driver when it starts a round.
    kicked: AtomicBool,
}

impl DriverKick {
    fn kick(&self) {
        self.kicked.store(true, Ordering::Release);
        self.driver.wake();
    }
}

/// A waker for the driver: what a user call registers with the link, so that readiness it
/// asked about (frames arriving, a send retry) reaches the driver.
impl Wake for DriverKick {
    fn wake(self: Arc<Self>) {
        self.kick();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.kick();
    }
}

/// One shard of a stack, shared between its driver task and every user handle on it.
pub(crate) struct Shared {
    engine: EngineLock,
    /// The link and its buffers: held by whoever runs the drive loop.
    pub(crate) io: Mutex<Io>,
    /// Wakes the driver task when a user call needs it (see [`Shared::kick_driver`]).
    kick: Arc<DriverKick>,
    /// A [`Waker`] over `kick`, for the link calls user calls make. The link keeps one
    /// waker per readiness: had a user call passed a no-op waker, frames arriving later
    /// would wake nobody, and the driver would sleep until its next timer.
    kick_waker: Waker,
    /// Set when the last user handle is gone: the driver flushes and stops.
    shutdown: AtomicBool,
    /// Set while the driver has woken tasks and is about to run again: their output waits
    /// for that round, which sends it in one batch, instead of each task sending its own.
    dispatching: AtomicBool,
    epoch: tokio::time::Instant,
    /// The IPv4 address; `0.0.0.0` on an IPv6-only stack.
    pub(crate) addr: Ipv4Addr,
    /// The IPv6 addresses, if the stack has IPv6.
    pub(crate) ipv6: Option<Ipv6Config>,
    /// The TTL the network layer puts on every packet.
    pub(crate) ttl: u8,
}

impl Shared {
    /// A shard around a fresh endpoint, network layer and link; `epoch` is the stack's
    /// (every shard's clock reads the same), `pcap` the stack's capture, if any.
    pub(crate) fn new(
        endpoint: Endpoint,
        net: NetLayer,
        link: Box<dyn Link + Send>,
        pcap: Option<Arc<Mutex<PcapWriter>>>,
        epoch: tokio::time::Instant,
    ) -> Shared {
        let (addr, ttl) = (net.config().addr, net.config().ttl);
        let ipv6 = net.config().ipv6.clone();
        let headroom = net.headroom();
        let offload = link.info().gso_max_frame.is_some();
        let kick = Arc::new(DriverKick::default());
        Shared {
            engine: EngineLock::new(StackState {
                endpoint,
                net,
                offload,
                armed_deadline: None,
                readiness: HashMap::new(),
                accept_wakers: HashMap::new(),
                failure: None,
                icmp_relay: None,
            }),
            io: Mutex::new(Io::new(link, pcap, headroom)),
            kick_waker: Waker::from(kick.clone()),
            kick,
            shutdown: AtomicBool::new(false),
            dispatching: AtomicBool::new(false),
            epoch,
            addr,
            ipv6,
            ttl,
        }
    }

    /// Locks the engine state (see [`EngineLock::lock`]).
    pub(crate) fn lock(&self) -> EngineGuard<'_> {
        self.engine.lock()
    }

    /// The engine's clock: microseconds since the stack started, from tokio's clock (so
    /// paused-time tests work).
    pub(crate) fn now(&self) -> Instant {
        Instant::from_micros(self.epoch.elapsed().as_micros() as u64)
    }

    /// The tokio instant for an engine instant.
    pub(crate) fn to_tokio(&self, at: Instant) -> tokio::time::Instant {
        self.epoch + Duration::from_micros(at.as_micros())
    }

    /// Finishes a user call that may have changed the engine: hands out its events, then,
    /// if the engine has output, runs the drive loop from the calling task (no hop to the
    /// driver) unless another task is running it, in which case the driver is kicked to
    /// run another pass. The driver is also woken when the link would not take everything
    /// or the call made a timer earlier than the one it set.
    pub(crate) fn finish_call(&self, state: EngineGuard<'_>) {
        let mut woken = WOKEN.with(|spare| spare.take());
        self.finish_call_with(state, &mut woken);
        woken.clear();
        WOKEN.with(|spare| spare.set(woken));
    }

    /// [`Shared::finish_call`] collecting wakers in `woken` (empty, and left empty).
    fn finish_call_with(&self, mut state: EngineGuard<'_>, woken: &mut Vec<Waker>) {
        state.dispatch_events(woken);
        let output = state.endpoint.wants_transmit();
        let earlier_timer = state.deadline_moved_earlier();
        drop(state);
        for waker in woken.drain(..) {
            waker.wake();
        }
        if !output {
            if earlier_timer {
                self.kick_driver();
            }
            return;
        }
        if self.dispatching.load(Ordering::Acquire) {
            self.kick_driver();
            return;
        }
        let Ok(mut io) = self.io.try_lock() else {
            self.kick_driver();
            return;
        };
        let mut cx = Context::from_waker(&self.kick_waker);
        let mut kick = false;
        let mut settled = false;
        for index in 0..CALLER_PASSES {
            let receive = index > 0;
            let Ok(pass) = self.drive(&mut io, Receiver::Caller, receive, &mut cx, woken) else {
                break;
            };
            for waker in woken.drain(..) {
                waker.wake();
            }
            kick |= pass.deadline_moved_earlier;
            if pass.blocked {
                break;
            }
            if pass.sent == 0 {
                settled = true;
                break;
            }
        }
        drop(io);
        if kick || !settled {
            self.kick_driver();
        }
    }

    /// A waker that makes the driver run a round soon.
    pub(crate) fn driver_waker(&self) -> Waker {
        self.kick_waker.clone()
    }

    /// Makes the driver run a round soon.
    pub(crate) fn kick_driver(&self) {
        self.kick.kick();
    }

    /// Registers the driver's waker; returns whether it was kicked since the last call.
    pub(crate) fn driver_poll_kick(&self, waker: &Waker) -> bool {
        self.kick.driver.register(waker);
        self.kick.kicked.swap(false, Ordering::AcqRel)
    }

    /// Marks whether the driver has woken tasks whose output its next round sends.
    pub(crate) fn set_dispatching(&self, dispatching: bool) {
        self.dispatching.store(dispatching, Ordering::Release);
    }

    /// Asks the driver to stop after a last flush.
    pub(crate) fn stop(&self) {
        self.shutdown.store(true, Ordering::Release);
        self.kick_driver();
    }

    /// True once [`Shared::stop`] was called.
    pub(crate) fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }
}
